//! Draft orders: create, list, read, cancel; visibility between accounts; idempotency.

use serde_json::{json, Value};

use crate::support::*;

#[actix_web::test]
async fn creating_a_draft_answers_201_with_location_etag_and_every_step_missing() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let res = app
        .client
        .post(app.url("/orders"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let order: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/orders/{}", order["id"].as_str().unwrap())
    );
    assert_eq!(order["status"], "draft");
    assert_eq!(order["ready"], false);
    assert!(
        order["number"].as_str().unwrap().starts_with("CMD-20"),
        "{}",
        order["number"]
    );
    assert_eq!(
        order["number"].as_str().unwrap().len(),
        "CMD-2026-000001".len()
    );
    assert_eq!(
        order["missing"],
        json!([
            "authority",
            "partner",
            "duration_months",
            "generation_method",
            "csr",
            "holder",
            "payment",
            "terms"
        ])
    );
    let again = app.get(&location, &token).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["etag"], "\"1\"");
}

#[actix_web::test]
async fn order_numbers_follow_a_sequence() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let a = app.create_order(&token).await;
    let b = app.create_order(&token).await;
    let n = |o: &Value| {
        o["number"]
            .as_str()
            .unwrap()
            .rsplit('-')
            .next()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(n(&b), n(&a) + 1);
}

#[actix_web::test]
async fn the_list_is_newest_first_with_keyset_pages_and_a_status_filter() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            app.create_order(&token).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    ids.reverse();
    let page1: Value = app
        .get("/orders?limit=2", &token)
        .await
        .json()
        .await
        .unwrap();
    let got: Vec<_> = page1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, ids[..2]);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2: Value = app
        .get(&format!("/orders?limit=2&cursor={cursor}"), &token)
        .await
        .json()
        .await
        .unwrap();
    let got2: Vec<_> = page2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got2, ids[2..4]);
    let page3: Value = app
        .get(
            &format!(
                "/orders?limit=2&cursor={}",
                page2["next_cursor"].as_str().unwrap()
            ),
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page3["items"].as_array().unwrap().len(), 1);
    assert!(page3["next_cursor"].is_null());

    let res = app
        .client
        .delete(app.url(&format!("/orders/{}", ids[0])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cancelled: Value = app
        .get("/orders?status=cancelled", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cancelled["items"].as_array().unwrap().len(), 1);
    let drafts: Value = app
        .get("/orders?status=draft", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(drafts["items"].as_array().unwrap().len(), 4);
}

#[actix_web::test]
async fn cancelling_a_draft_keeps_it_as_cancelled_and_a_second_cancel_is_409() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let id = app.create_order(&token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .delete(app.url(&format!("/orders/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "cancelled");
    assert!(body["cancelled_at"].is_string());
    assert_eq!(body["ready"], false);
    let again = app
        .client
        .delete(app.url(&format!("/orders/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(again, 409, "order_not_draft").await;
    let read: Value = app
        .get(&format!("/orders/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["status"], "cancelled");
    assert_eq!(app.sql_count("SELECT count(*) AS n FROM orders"), 1);
}

#[actix_web::test]
async fn a_stale_if_match_on_cancel_gets_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let id = app.create_order(&token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .delete(app.url(&format!("/orders/{id}")))
        .bearer_auth(&token)
        .header("if-match", "\"7\"")
        .send()
        .await
        .unwrap();
    assert_problem(res, 412, "precondition_failed").await;
    let read: Value = app
        .get(&format!("/orders/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["status"], "draft");
    let res = app
        .client
        .delete(app.url(&format!("/orders/{id}")))
        .bearer_auth(&token)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn another_accounts_order_answers_404_on_every_route() {
    let app = TestApp::spawn().await;
    let owner = app.token(CLIENT).await;
    let other = app.token(OTHER).await;
    let id = app.create_order(&owner).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/orders/{id}");
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    let del = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_problem(del, 404, "not_found").await;
    assert_problem(
        app.patch(&path, &other, &json!({"duration_months": 12}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(&format!("{path}/commander"), &other, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(&format!("{path}/generate-csr"), &other, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("{path}/formulaire.pdf"), &other).await,
        404,
        "not_found",
    )
    .await;
    let list: Value = app.get("/orders", &other).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    // the owner's order is untouched
    let read: Value = app.get(&path, &owner).await.json().await.unwrap();
    assert_eq!(read["status"], "draft");
}

#[actix_web::test]
async fn an_operator_reads_every_order_and_a_partner_sees_its_own() {
    let app = TestApp::spawn().await;
    let client = app.token(CLIENT).await;
    let partner = app.token(PARTNER).await;
    let operator = app.token(OPERATOR).await;
    let client_order = app.create_order(&client).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let partner_order = app.create_order(&partner).await;
    assert_eq!(
        partner_order["partner"],
        json!({"type": "partner", "code": "PART-DEMO"})
    );
    assert_eq!(partner_order["partner_fixed"], true);
    assert_eq!(
        app.get(&format!("/orders/{client_order}"), &operator)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&format!("/orders/{client_order}"), &partner)
            .await
            .status(),
        404
    );
    let all: Value = app.get("/orders", &operator).await.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn the_same_idempotency_key_replays_the_first_draft_instead_of_creating_another() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let send = |key: &'static str, body: Option<Value>| {
        let mut req = app
            .client
            .post(app.url("/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send()
    };
    let first = send("key-1", None).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let second = send("key-1", None).await.unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    assert_eq!(app.sql_count("SELECT count(*) AS n FROM orders"), 1);
    let different = send("key-1", Some(json!({"duration_months": 12})))
        .await
        .unwrap();
    assert_problem(different, 422, "idempotency_key_reused").await;
    // another key creates another draft
    assert_eq!(send("key-2", None).await.unwrap().status(), 201);
    assert_eq!(app.sql_count("SELECT count(*) AS n FROM orders"), 2);
}

#[actix_web::test]
async fn concurrent_retries_with_one_idempotency_key_create_one_draft() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let calls = (0..6).map(|_| {
        app.client
            .post(app.url("/orders"))
            .bearer_auth(&token)
            .header("idempotency-key", "same")
            .send()
    });
    let results = futures_util::future::join_all(calls).await;
    let mut ids = std::collections::HashSet::new();
    for r in results {
        let r = r.unwrap();
        assert_eq!(r.status(), 201);
        ids.insert(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(app.sql_count("SELECT count(*) AS n FROM orders"), 1);
}
