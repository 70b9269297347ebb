//! Sign-in and the bearer-token guard.

use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::support::*;
use certorder::config::DEV_JWT_SECRET;

#[actix_web::test]
async fn the_demo_customer_signs_in_and_gets_a_short_lived_bearer_token() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/auth/token"))
        .json(&json!({"username": "Demo.Client ", "password": CLIENT.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["role"], "customer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::HS256);
    assert_eq!(header.kid.as_deref(), Some("k1"));
    let res = app.get("/orders", token).await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_401() {
    let app = TestApp::spawn().await;
    let unknown = app
        .client
        .post(app.url("/auth/token"))
        .json(&json!({"username": "nobody.here", "password": "whatever-password"}))
        .send()
        .await
        .unwrap();
    let wrong = app
        .client
        .post(app.url("/auth/token"))
        .json(&json!({"username": CLIENT.0, "password": "not-the-password"}))
        .send()
        .await
        .unwrap();
    let a = assert_problem(unknown, 401, "invalid_credentials").await;
    let b = assert_problem(wrong, 401, "invalid_credentials").await;
    assert_eq!(a["detail"], b["detail"]);
    assert_eq!(a["title"], b["title"]);
}

#[actix_web::test]
async fn repeated_sign_in_failures_lock_the_username_with_429_and_retry_after() {
    let app = TestApp::spawn().await; // 3 failures allowed in tests
    for _ in 0..3 {
        let res = app
            .client
            .post(app.url("/auth/token"))
            .json(&json!({"username": CLIENT.0, "password": "bad-password-x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    // Even the right password is refused while locked out.
    let res = app
        .client
        .post(app.url("/auth/token"))
        .json(&json!({"username": CLIENT.0, "password": CLIENT.1}))
        .send()
        .await
        .unwrap();
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    assert_problem(res, 429, "too_many_sign_in_failures").await;
    // Another account is not affected.
    app.token(PARTNER).await;
}

fn claims(now: i64) -> Value {
    json!({"iss": "certorder", "aud": "certorder-api", "sub": uuid::Uuid::nil(), "iat": now, "nbf": now, "exp": now + 600, "role": "operator"})
}

fn sign(claims: &Value, alg: Algorithm, kid: Option<&str>, secret: &[u8]) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(Into::into);
    encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

async fn assert_refused(app: &TestApp, authorization: Option<String>, code: &str) {
    let mut req = app.client.get(app.url("/orders"));
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let res = req.send().await.unwrap();
    let www = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        www.as_deref().is_some_and(|w| w.starts_with("Bearer")),
        "WWW-Authenticate for {code}: {www:?}"
    );
    assert_problem(res, 401, code).await;
}

#[actix_web::test]
async fn a_missing_or_malformed_authorization_header_gets_401_with_www_authenticate() {
    let app = TestApp::spawn().await;
    assert_refused(&app, None, "token_missing").await;
    assert_refused(&app, Some("Basic dXNlcjpwYXNz".into()), "token_malformed").await;
    assert_refused(&app, Some("Bearer".into()), "token_malformed").await;
    assert_refused(&app, Some("Bearer not.a.jwt".into()), "token_malformed").await;
}

#[actix_web::test]
async fn expired_tampered_foreign_and_wrongly_addressed_tokens_get_401() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let secret = DEV_JWT_SECRET.as_bytes();

    let mut expired = claims(now - 3600);
    expired["exp"] = json!(now - 1800);
    assert_refused(
        &app,
        Some(format!(
            "Bearer {}",
            sign(&expired, Algorithm::HS256, Some("k1"), secret)
        )),
        "token_expired",
    )
    .await;

    let wrong_key = sign(
        &claims(now),
        Algorithm::HS256,
        Some("k1"),
        b"another-secret-another-secret-another-secret",
    );
    assert_refused(&app, Some(format!("Bearer {wrong_key}")), "token_invalid").await;

    let other_alg = sign(&claims(now), Algorithm::HS512, Some("k1"), secret);
    assert_refused(&app, Some(format!("Bearer {other_alg}")), "token_invalid").await;

    let mut wrong_aud = claims(now);
    wrong_aud["aud"] = json!("another-api");
    assert_refused(
        &app,
        Some(format!(
            "Bearer {}",
            sign(&wrong_aud, Algorithm::HS256, Some("k1"), secret)
        )),
        "token_invalid",
    )
    .await;

    let mut wrong_iss = claims(now);
    wrong_iss["iss"] = json!("someone-else");
    assert_refused(
        &app,
        Some(format!(
            "Bearer {}",
            sign(&wrong_iss, Algorithm::HS256, Some("k1"), secret)
        )),
        "token_invalid",
    )
    .await;

    let mut future = claims(now);
    future["nbf"] = json!(now + 3600);
    assert_refused(
        &app,
        Some(format!(
            "Bearer {}",
            sign(&future, Algorithm::HS256, Some("k1"), secret)
        )),
        "token_invalid",
    )
    .await;

    let unknown_kid = sign(&claims(now), Algorithm::HS256, Some("k9"), secret);
    assert_refused(&app, Some(format!("Bearer {unknown_kid}")), "token_invalid").await;
    let no_kid = sign(&claims(now), Algorithm::HS256, None, secret);
    assert_refused(&app, Some(format!("Bearer {no_kid}")), "token_invalid").await;
}

#[actix_web::test]
async fn alg_none_and_a_tampered_payload_are_refused() {
    let app = TestApp::spawn().await;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = chrono::Utc::now().timestamp();
    // alg: none, no signature
    let header = b64.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
    let payload = b64.encode(claims(now).to_string());
    assert_refused(
        &app,
        Some(format!("Bearer {header}.{payload}.")),
        "token_malformed",
    )
    .await;
    // a real customer token whose payload is changed to claim the operator role
    let token = app.token(CLIENT).await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut body: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    body["role"] = json!("operator");
    let forged = format!("{}.{}.{}", parts[0], b64.encode(body.to_string()), parts[2]);
    assert_refused(&app, Some(format!("Bearer {forged}")), "token_invalid").await;
    // RS256 header on an HMAC-signed body (algorithm confusion)
    let rs_header = b64.encode(br#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
    assert_refused(
        &app,
        Some(format!("Bearer {rs_header}.{}.{}", parts[1], parts[2])),
        "token_invalid",
    )
    .await;
}

#[actix_web::test]
async fn a_token_signed_with_a_previous_key_is_accepted_during_rotation() {
    let old_secret = "old-signing-key-old-signing-key-old-signing-key";
    let app = TestApp::spawn_with(|s| {
        s.jwt.key_id = "k2".into();
        s.jwt.secret = "new-signing-key-new-signing-key-new-signing-key".into();
        s.jwt.previous_keys = vec![("k1".into(), old_secret.into())];
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    let mut c = claims(now);
    c["role"] = json!("customer");
    let old = sign(&c, Algorithm::HS256, Some("k1"), old_secret.as_bytes());
    assert_eq!(app.get("/orders", &old).await.status(), 200);
    let fresh = app.token(CLIENT).await;
    assert_eq!(
        jsonwebtoken::decode_header(&fresh).unwrap().kid.as_deref(),
        Some("k2")
    );
}
