//! API clients (client credentials, scopes) and people's sessions (`/me`, refresh, logout).

use base64::Engine;
use serde_json::{json, Value};

use crate::support::*;

async fn create_client(app: &TestApp, token: &str, scopes: &[&str]) -> Value {
    let res = app
        .post(
            "/api-clients",
            token,
            &json!({"name": "ERP", "scopes": scopes}),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn client_token(app: &TestApp, client: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/auth/token"))
        .json(&json!({
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        }))
        .send()
        .await
        .unwrap()
}

async fn sign_in(app: &TestApp, (username, password): (&str, &str)) -> Value {
    let res = app
        .client
        .post(app.url("/auth/token"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn refresh(app: &TestApp, refresh_token: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/auth/token"))
        .json(&json!({"grant_type": "refresh_token", "refresh_token": refresh_token}))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn an_api_client_is_created_listed_with_its_last_use_and_its_secret_shown_only_once() {
    let app = TestApp::spawn().await;
    let token = app.token(PARTNER).await;
    let created = create_client(&app, &token, &["orders:read", "orders:write"]).await;
    let client_id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    assert!(client_id.starts_with("coc_"));
    assert!(secret.starts_with("cos_") && secret.len() > 40);
    assert_eq!(created["scopes"], json!(["orders:read", "orders:write"]));
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM api_clients WHERE secret_hash = '{secret}' OR secret_hash LIKE '%{}%'",
            &secret[4..]
        )),
        0,
        "the secret is stored only as a hash"
    );
    let list: Value = app.get("/api-clients", &token).await.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0].get("client_secret").is_none());
    assert!(!list.to_string().contains(secret));
    assert!(items[0].get("last_used_at").is_none());
    assert_eq!(client_token(&app, &created).await.status(), 200);
    let list: Value = app.get("/api-clients", &token).await.json().await.unwrap();
    assert!(list["items"][0]["last_used_at"].is_string());
    // Another account does not see it.
    let other = app.token(CLIENT).await;
    let list: Value = app.get("/api-clients", &other).await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
}

#[actix_web::test]
async fn a_client_credentials_token_carries_the_scopes_and_works_on_its_routes() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let created = create_client(&app, &token, &["orders:read", "orders:write"]).await;
    let res = client_token(&app, &created).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "orders:read orders:write");
    assert_eq!(body["role"], "customer");
    assert!(body.get("refresh_token").is_none());
    let access = body["access_token"].as_str().unwrap();
    let order = app.create_order(access).await;
    let id = order["id"].as_str().unwrap();
    // The client acts as its account: the person sees the order.
    assert_eq!(
        app.get(&format!("/orders/{id}"), &token).await.status(),
        200
    );
    assert_eq!(app.get("/orders", access).await.status(), 200);
}

#[actix_web::test]
async fn a_scope_limited_token_gets_403_insufficient_scope_naming_the_scope_needed() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let created = create_client(&app, &token, &["orders:read"]).await;
    let body: Value = client_token(&app, &created).await.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/orders", access).await.status(), 200);
    let res = app
        .client
        .post(app.url("/orders"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    let www = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        www.contains("insufficient_scope") && www.contains("scope=\"orders:write\""),
        "{www}"
    );
    let problem = assert_problem(res, 403, "insufficient_scope").await;
    assert!(problem["detail"].as_str().unwrap().contains("orders:write"));
    let res = app.get("/events", access).await;
    let problem = assert_problem(res, 403, "insufficient_scope").await;
    assert!(problem["detail"].as_str().unwrap().contains("events:read"));
    // People manage API clients: a client's token cannot mint more.
    let res = app
        .post(
            "/api-clients",
            access,
            &json!({"name": "x", "scopes": ["orders:read"]}),
        )
        .await;
    assert_problem(res, 403, "sign_in_required").await;
    // A person's sign-in token keeps full rights.
    assert_eq!(app.get("/events", &token).await.status(), 200);
}

#[actix_web::test]
async fn a_revoked_client_is_refused_with_invalid_client() {
    let app = TestApp::spawn().await;
    let token = app.token(PARTNER).await;
    let created = create_client(&app, &token, &["orders:read"]).await;
    let id = created["id"].as_str().unwrap();
    let res = app
        .client
        .delete(app.url(&format!("/api-clients/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_problem(client_token(&app, &created).await, 401, "invalid_client").await;
    let list: Value = app.get("/api-clients", &token).await.json().await.unwrap();
    assert!(list["items"][0]["revoked_at"].is_string());
    // Not another account's to revoke.
    let other = app.token(CLIENT).await;
    let res = app
        .client
        .delete(app.url(&format!("/api-clients/{id}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
}

#[actix_web::test]
async fn a_wrong_secret_or_unknown_client_gets_401_invalid_client_and_the_secret_is_not_logged() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let mut created = create_client(&app, &token, &["orders:read"]).await;
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    created["client_secret"] = json!("cos_wrong-secret-wrong-secret");
    let a = assert_problem(client_token(&app, &created).await, 401, "invalid_client").await;
    created["client_id"] = json!("coc_nobodynobodynobodynobody");
    let b = assert_problem(client_token(&app, &created).await, 401, "invalid_client").await;
    assert_eq!(a["detail"], b["detail"]);
    assert!(!captured_logs().contains(&secret));
}

#[actix_web::test]
async fn client_credentials_are_accepted_with_http_basic() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let created = create_client(&app, &token, &["events:read"]).await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        created["client_id"].as_str().unwrap(),
        created["client_secret"].as_str().unwrap()
    ));
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("authorization", format!("Basic {basic}"))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "events:read");
    let wrong = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:cos_not-it",
        created["client_id"].as_str().unwrap()
    ));
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("authorization", format!("Basic {wrong}"))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert!(res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    assert_problem(res, 401, "invalid_client").await;
}

#[actix_web::test]
async fn the_token_endpoint_accepts_form_encoded_grants() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let created = create_client(&app, &token, &["orders:read", "events:read"]).await;
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=orders%3Aread",
        created["client_id"].as_str().unwrap(),
        created["client_secret"].as_str().unwrap()
    );
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["scope"], "orders:read", "a narrower scope was asked");
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=demo.client&password=demo-client-password")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=implicit")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![(
            "/grant_type".to_owned(),
            "unsupported_grant_type".to_owned()
        )]
    );
}

#[actix_web::test]
async fn unknown_scopes_are_refused_with_their_pointer() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let res = app
        .post(
            "/api-clients",
            &token,
            &json!({"name": "ERP", "scopes": ["orders:read", "admin"]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("/scopes/1".to_owned(), "scope_unknown".to_owned())]
    );
    let created = create_client(&app, &token, &["orders:read"]).await;
    let res = app
        .client
        .post(app.url("/auth/token"))
        .json(
            &json!({"grant_type": "client_credentials", "client_id": created["client_id"],
            "client_secret": created["client_secret"], "scope": "orders:write"}),
        )
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("/scope".to_owned(), "scope_not_granted".to_owned())]
    );
}

#[actix_web::test]
async fn me_shows_the_customer_partner_and_operator_accounts() {
    let app = TestApp::spawn().await;
    let me: Value = app
        .get("/me", &app.token(CLIENT).await)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "demo.client");
    assert_eq!(me["role"], "customer");
    assert!(me["organization"]["legal_name"].is_string());
    assert!(me["account_id"].is_string());
    assert!(me.get("partner_code").is_none());
    let me: Value = app
        .get("/me", &app.token(PARTNER).await)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "partner");
    assert!(me["partner_code"].is_string());
    let me: Value = app
        .get("/me", &app.token(OPERATOR).await)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "operator");
    assert_problem(
        app.client.get(app.url("/me")).send().await.unwrap(),
        401,
        "token_missing",
    )
    .await;
}

#[actix_web::test]
async fn a_refresh_token_rotates_on_each_use() {
    let app = TestApp::spawn().await;
    let first = sign_in(&app, CLIENT).await;
    let r1 = &first["refresh_token"];
    assert!(r1.as_str().unwrap().starts_with("cor_"));
    let res = refresh(&app, r1).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    let r2 = &second["refresh_token"];
    assert_ne!(r1, r2);
    assert_eq!(second["expires_in"], 900);
    assert_eq!(
        app.get("/orders", second["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    assert_eq!(refresh(&app, r2).await.status(), 200);
    let res = refresh(&app, &json!("cor_unknown")).await;
    let problem = assert_problem(res, 400, "refresh_token_invalid").await;
    assert_eq!(problem["errors"][0]["pointer"], "/refresh_token");
}

#[actix_web::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let first = sign_in(&app, CLIENT).await;
    let r1 = first["refresh_token"].clone();
    let second: Value = refresh(&app, &r1).await.json().await.unwrap();
    let r2 = second["refresh_token"].clone();
    let problem = assert_problem(refresh(&app, &r1).await, 400, "refresh_token_reused").await;
    assert_eq!(problem["errors"][0]["pointer"], "/refresh_token");
    // The thief's rotation and the owner's live token are both dead now.
    assert_problem(refresh(&app, &r2).await, 400, "refresh_token_invalid").await;
    // Another sign-in's session is not affected.
    let other = sign_in(&app, CLIENT).await;
    assert_eq!(refresh(&app, &other["refresh_token"]).await.status(), 200);
}

#[actix_web::test]
async fn logout_revokes_the_refresh_token() {
    let app = TestApp::spawn().await;
    let first = sign_in(&app, CLIENT).await;
    let second: Value = refresh(&app, &first["refresh_token"])
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url("/auth/logout"))
        .json(&json!({"refresh_token": second["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_problem(
        refresh(&app, &second["refresh_token"]).await,
        400,
        "refresh_token_invalid",
    )
    .await;
    // Signing out twice is the same answer.
    let res = app
        .client
        .post(app.url("/auth/logout"))
        .json(&json!({"refresh_token": second["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}
