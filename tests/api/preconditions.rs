//! Conditional requests (RFC 9110 §13): `If-Match` on commander pins the version the customer
//! reviewed, comparison is strong, a 412 carries the current ETag, `If-None-Match` gets 304.

use serde_json::{json, Value};

use crate::support::*;

async fn complete_order(app: &TestApp, token: &str) -> String {
    let oid = app.create_order(token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    fill_steps(app, token, &oid, "certigna-ssl").await;
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            token,
            &json!({"generation_method": "csr", "csr_pem": fixture("ec_p256_ok.pem")}),
        )
        .await;
    assert_eq!(res.status(), 200);
    oid
}

async fn etag_of(app: &TestApp, token: &str, oid: &str) -> String {
    let res = app.get(&format!("/orders/{oid}"), token).await;
    res.headers()["etag"].to_str().unwrap().to_owned()
}

#[actix_web::test]
async fn commander_with_a_stale_if_match_submits_nothing_and_the_412_names_the_current_etag() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = complete_order(&app, &token).await;
    let reviewed = etag_of(&app, &token, &oid).await;
    // another tab changes the duration after the customer reviewed the price
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"duration_months": 36}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let current = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(current, reviewed);
    let stale = app
        .client
        .post(app.url(&format!("/orders/{oid}/commander")))
        .bearer_auth(&token)
        .header("if-match", &reviewed)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.headers()["etag"].to_str().unwrap(), current);
    assert_problem(stale, 412, "precondition_failed").await;
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM orders WHERE status = 'submitted'"),
        0
    );
    let ok = app
        .client
        .post(app.url(&format!("/orders/{oid}/commander")))
        .bearer_auth(&token)
        .header("if-match", &current)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let etag = ok.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["status"], "submitted");
    assert_eq!(etag, format!("\"{}\"", body["version"]));
}

#[actix_web::test]
async fn a_weak_etag_never_passes_if_match() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = app.create_order(&token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let strong = etag_of(&app, &token, &oid).await;
    let weak = format!("W/{strong}");
    let res = app
        .client
        .patch(app.url(&format!("/orders/{oid}")))
        .bearer_auth(&token)
        .header("if-match", &weak)
        .json(&json!({"duration_months": 12}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["etag"].to_str().unwrap(), strong);
    assert_problem(res, 412, "precondition_failed").await;
    let res = app
        .client
        .patch(app.url(&format!("/orders/{oid}")))
        .bearer_auth(&token)
        .header("if-match", &strong)
        .json(&json!({"duration_months": 12}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn if_none_match_with_the_current_etag_gets_304_without_a_body_and_a_change_gets_200() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = app.create_order(&token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let etag = etag_of(&app, &token, &oid).await;
    let get = |tag: String| {
        app.client
            .get(app.url(&format!("/orders/{oid}")))
            .bearer_auth(&token)
            .header("if-none-match", tag)
            .send()
    };
    let res = get(etag.clone()).await.unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    assert!(res.bytes().await.unwrap().is_empty());
    // If-None-Match compares weakly
    assert_eq!(get(format!("W/{etag}")).await.unwrap().status(), 304);
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"duration_months": 12}),
    )
    .await;
    let res = get(etag).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_ne!(res.headers()["etag"].to_str().unwrap(), "");
}

#[actix_web::test]
async fn generate_csr_answers_with_the_orders_new_etag() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = case_two_order(&app, &token).await;
    let res = app
        .post(&format!("/orders/{oid}/generate-csr"), &token, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(etag, format!("\"{}\"", body["order"]["version"]));
    assert_eq!(etag_of(&app, &token, &oid).await, etag);
}
