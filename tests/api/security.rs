//! Attacks: another account's orders, sign-in brute force, hostile bodies, and secrets that
//! must never reach the database or the logs. (Token forgeries are in `auth.rs`.)

use std::time::Duration;

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::sample::submit_order;
use crate::support::*;

fn id(order: &Value) -> String {
    order["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn another_accounts_complete_or_submitted_order_is_404_even_with_its_etag() {
    let app = TestApp::spawn().await;
    let owner = app.token(CLIENT).await;
    let other = app.token(OTHER).await;

    // A complete case-2 draft: PATCH with the right If-Match, generate-csr, commander.
    let oid = case_two_order(&app, &owner).await;
    let path = format!("/orders/{oid}");
    let etag = app.get(&path, &owner).await.headers()["etag"].clone();
    let res = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&other)
        .header("if-match", etag.clone())
        .json(&json!({"duration_months": 24}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
    let res = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&other)
        .header("if-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
    for body in [
        json!({}),
        json!({"key_type": "rsa-2048", "passphrase": "x-long-passphrase"}),
    ] {
        let res = app
            .post(&format!("{path}/generate-csr"), &other, &body)
            .await;
        assert_problem(res, 404, "not_found").await;
    }
    let res = app
        .post(&format!("{path}/commander"), &other, &json!({}))
        .await;
    assert_problem(res, 404, "not_found").await;
    let read = app.get(&path, &owner).await;
    assert_eq!(read.headers()["etag"], etag, "the order did not change");
    let read: Value = read.json().await.unwrap();
    assert_eq!(
        (read["status"].as_str(), &read["csr"]),
        (Some("draft"), &Value::Null)
    );

    // A submitted order: its PDF form and every other route.
    let submitted = submit_order(&app, &owner).await.id.to_string();
    let path = format!("/orders/{submitted}");
    assert_eq!(
        app.get(&format!("{path}/formulaire.pdf"), &owner)
            .await
            .status(),
        200
    );
    assert_problem(
        app.get(&format!("{path}/formulaire.pdf"), &other).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    assert_problem(
        app.post(&format!("{path}/commander"), &other, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    // a partner that is not named on the order does not see it either
    let partner = app.token(PARTNER).await;
    assert_problem(
        app.get(&format!("{path}/formulaire.pdf"), &partner).await,
        404,
        "not_found",
    )
    .await;
}

async fn sign_in(app: &TestApp, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/auth/token"))
        .json(&json!({"username": CLIENT.0, "password": password}))
        .send()
        .await
        .unwrap()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[actix_web::test]
async fn each_failure_after_a_lockout_doubles_the_next_lockout() {
    // 3 failures allowed in tests; a first lock-out of 5 s here. A lock-out counts from the
    // start of the failed sign-in (the password hash takes a while in a debug build), so the
    // durations are read from the database and the HTTP answers checked with some slack.
    let app = TestApp::spawn_with(|s| s.login_lockout = Duration::from_secs(5)).await;
    let lock_seconds = || {
        app.sql_count(
            "SELECT extract(epoch FROM locked_until - last_failure_at)::bigint AS n \
             FROM login_failures WHERE username = 'demo.client'",
        )
    };
    let remaining_ms = || {
        app.sql_count(
            "SELECT greatest(0, extract(epoch FROM locked_until - now()) * 1000)::bigint AS n \
             FROM login_failures WHERE username = 'demo.client'",
        )
    };
    for _ in 0..3 {
        assert_eq!(sign_in(&app, "bad-password-x").await.status(), 401);
    }
    assert_eq!(lock_seconds(), 5);
    let res = sign_in(&app, CLIENT.1).await;
    assert!((1..=5).contains(&retry_after(&res)));
    assert_problem(res, 429, "too_many_sign_in_failures").await;

    let wait = remaining_ms() as u64 + 200;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    // one more failure once the lock is over: locked again, twice as long
    assert_eq!(sign_in(&app, "bad-password-y").await.status(), 401);
    assert_eq!(lock_seconds(), 10);
    let res = sign_in(&app, CLIENT.1).await;
    assert!(retry_after(&res) > 5, "{res:?}");
    assert_problem(res, 429, "too_many_sign_in_failures").await;
}

#[actix_web::test]
async fn a_successful_sign_in_resets_the_failure_count() {
    let app = TestApp::spawn().await; // 3 failures allowed in tests
    for _ in 0..2 {
        assert_eq!(sign_in(&app, "bad-password-x").await.status(), 401);
    }
    assert_eq!(sign_in(&app, CLIENT.1).await.status(), 200);
    assert_eq!(app.sql_count("SELECT count(*) AS n FROM login_failures"), 0);
    // two more failures do not lock: the count started again
    for _ in 0..2 {
        assert_eq!(sign_in(&app, "bad-password-x").await.status(), 401);
    }
    assert_eq!(sign_in(&app, CLIENT.1).await.status(), 200);
}

/// Sends `body` with `content_type` to PATCH /orders/{id} and POST /csr/decode.
async fn send_both(
    app: &TestApp,
    token: &str,
    oid: &str,
    content_type: &str,
    body: Vec<u8>,
) -> [reqwest::Response; 2] {
    let patch = app
        .client
        .patch(app.url(&format!("/orders/{oid}")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let decode = app
        .client
        .post(app.url("/csr/decode"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    [patch, decode]
}

#[actix_web::test]
async fn hostile_bodies_on_patch_and_csr_decode_get_4xx_problems() {
    let app = TestApp::spawn().await; // MAX_BODY_BYTES: 64 KiB
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    let huge = serde_json::to_vec(&json!({"csr_pem": "A".repeat(70_000)})).unwrap();
    let cases: [(&str, Vec<u8>, u16, &str); 5] = [
        ("application/json", huge, 413, "payload_too_large"),
        (
            "application/json",
            "[".repeat(30_000).into_bytes(),
            400,
            "malformed_body",
        ),
        (
            "application/json",
            "{\"a\":".repeat(5_000).into_bytes(),
            400,
            "malformed_body",
        ),
        (
            "application/json",
            b"{\"csr_pem\": \"\xff\xfe\xc3\x28\"}".to_vec(),
            400,
            "malformed_body",
        ),
        (
            "text/plain",
            br#"{"duration_months": 12}"#.to_vec(),
            415,
            "unsupported_media_type",
        ),
    ];
    for (content_type, body, status, code) in cases {
        for res in send_both(&app, &token, &oid, content_type, body.clone()).await {
            assert_problem(res, status, code).await;
        }
    }
    let read: Value = app
        .get(&format!("/orders/{oid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["version"], 1, "nothing was changed");
}

/// A syntactically valid PEM block of about 60 KB: under the body limit, far over any CSR.
fn oversize_csr_pem() -> String {
    use base64::Engine;
    let der: Vec<u8> = (0..44_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        lines.join("\n")
    )
}

#[actix_web::test]
async fn an_oversize_csr_is_refused_as_malformed_never_a_500() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let pem = oversize_csr_pem();
    assert!(pem.len() > 58_000 && pem.len() < 63_000);
    let res = app
        .post("/csr/decode", &token, &json!({"csr_pem": pem}))
        .await;
    // the check endpoint answers 200 for any well-formed request: a verdict, not an error
    assert_eq!(res.status(), 200);
    let verdict: Value = res.json().await.unwrap();
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["issues"][0]["pointer"], "/csr_pem", "{verdict}");
    assert_eq!(verdict["issues"][0]["code"], "csr_malformed", "{verdict}");

    let oid = id(&app.create_order(&token).await);
    fill_steps(&app, &token, &oid, "certigna-ssl").await;
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"generation_method": "csr", "csr_pem": pem}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&body),
        [("/csr_pem".into(), "csr_malformed".into())]
    );
}

/// How many rows of the test database's tables hold `needle` anywhere in a column.
fn rows_containing(app: &TestApp, needle: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let mut conn = app.connection();
    let tables: Vec<Table> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .load(&mut conn)
    .unwrap();
    assert!(tables.len() >= 5, "tables found: {}", tables.len());
    let literal = needle.replace('\'', "''");
    tables
        .into_iter()
        .filter(|t| {
            app.sql_count(&format!(
                "SELECT count(*) AS n FROM \"{}\" t WHERE strpos(row_to_json(t)::text, '{literal}') > 0",
                t.name
            )) > 0
        })
        .map(|t| t.name)
        .collect()
}

/// The base64 lines of a PEM (the secret part, as it would appear once escaped in JSON).
fn pem_body_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':') && l.len() >= 40)
        .map(str::to_owned)
        .collect()
}

#[actix_web::test]
async fn no_password_token_private_key_or_passphrase_reaches_the_database_or_the_logs() {
    let app = TestApp::spawn().await;
    let wrong_password = "wrong-password-7d1c9e";
    assert_eq!(sign_in(&app, wrong_password).await.status(), 401);
    let token = app.token(CLIENT).await;
    let other = app.token(OTHER).await;
    app.create_order(&other).await;

    let passphrase = "phrase secrète du titulaire 93";
    let mut keys = Vec::new();
    for body in [
        json!({"key_type": "ecdsa-p256"}),
        json!({"key_type": "rsa-2048", "passphrase": passphrase}),
    ] {
        let oid = case_two_order(&app, &token).await;
        let res = app
            .post(&format!("/orders/{oid}/generate-csr"), &token, &body)
            .await;
        assert_eq!(res.status(), 200);
        let reply: Value = res.json().await.unwrap();
        keys.push(reply["private_key_pem"].as_str().unwrap().to_owned());
        let res = app
            .post(&format!("/orders/{oid}/commander"), &token, &json!({}))
            .await;
        assert_eq!(res.status(), 200, "commander");
    }
    assert!(keys[0].contains("BEGIN PRIVATE KEY"));
    assert!(keys[1].contains("BEGIN ENCRYPTED PRIVATE KEY"));
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM event_deliveries"),
        2
    );

    let mut needles: Vec<(String, String)> = vec![
        ("the customer's password".into(), CLIENT.1.into()),
        ("the other customer's password".into(), OTHER.1.into()),
        ("a wrong password".into(), wrong_password.into()),
        ("the passphrase".into(), passphrase.into()),
    ];
    for (who, t) in [("customer", &token), ("other customer", &other)] {
        needles.push((format!("the {who}'s token"), t.clone()));
        let signature = t.rsplit('.').next().unwrap().to_owned();
        needles.push((format!("the {who}'s token signature"), signature));
    }
    for (i, key) in keys.iter().enumerate() {
        let lines = pem_body_lines(key);
        assert!(lines.len() >= 3);
        for (n, line) in lines.iter().enumerate() {
            needles.push((format!("line {n} of private key {i}"), line.clone()));
        }
    }
    let logs = captured_logs();
    assert!(logs.contains("signed in"), "the logs were captured");
    for (what, needle) in &needles {
        let tables = rows_containing(&app, needle);
        assert!(tables.is_empty(), "{what} is stored in {tables:?}");
        assert!(!logs.contains(needle.as_str()), "{what} is in the logs");
    }
}

// Found by contract fuzzing (faults/fuzz_contract.py).

#[actix_web::test]
async fn a_nul_character_in_a_body_is_a_422_not_a_database_500() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("content-type", "application/json")
        .body(r#"{"username": "demo\u0000client", "password": "x-password"}"#)
        .send()
        .await
        .unwrap();
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&body),
        [("/username".into(), "invalid_character".into())]
    );
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"holder": {"type": "self"}, "terms": {"version": "CGU\u{0}"}}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&body),
        [("/terms/version".into(), "invalid_character".into())]
    );
}

#[actix_web::test]
async fn a_null_optional_body_is_no_body_and_an_array_is_not_an_object() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let res = app.post("/orders", &token, &Value::Null).await;
    assert_eq!(res.status(), 201, "POST /orders with null");
    let oid = case_two_order(&app, &token).await;
    let res = app
        .post(
            &format!("/orders/{oid}/generate-csr"),
            &token,
            &json!([null, null]),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&body), [("".into(), "invalid_type".into())]);
    let res = app
        .post(&format!("/orders/{oid}/generate-csr"), &token, &Value::Null)
        .await;
    assert_eq!(res.status(), 200, "generate-csr with null");
}

#[actix_web::test]
async fn an_undocumented_method_on_a_known_path_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    for (method, path, allow) in [
        ("TRACE", "/catalog".to_owned(), "GET"),
        ("PUT", format!("/orders/{oid}"), "GET, PATCH, DELETE"),
        ("DELETE", "/orders".to_owned(), "GET, POST"),
        ("GET", format!("/orders/{oid}/commander"), "POST"),
    ] {
        let res = app
            .client
            .request(method.parse().unwrap(), app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        assert_problem(res, 405, "method_not_allowed").await;
    }
    // an unknown path stays 404
    let res = app.get(&format!("/orders/{oid}/nothing"), &token).await;
    assert_problem(res, 404, "not_found").await;
}

#[actix_web::test]
async fn a_nested_object_as_an_array_or_a_numeric_type_tag_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    for (body, pointer) in [
        (json!({"terms": ["CGU-2026-09"]}), "/terms"),
        (json!({"payment": [null, null]}), "/payment"),
        (json!({"partner": {"type": 0}}), "/partner/type"),
        (json!({"holder": {"type": 0}}), "/holder/type"),
    ] {
        let res = app.patch(&format!("/orders/{oid}"), &token, &body).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        let at = problem["errors"][0]["pointer"].as_str().unwrap().to_owned();
        assert!(at.starts_with(pointer), "{problem}");
    }
    let read: Value = app
        .get(&format!("/orders/{oid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (read["version"].as_i64(), &read["terms"]),
        (Some(1), &Value::Null)
    );
}
