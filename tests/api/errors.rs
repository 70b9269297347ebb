//! Every error is problem+json: actix's own extractor errors, unknown routes, bad bodies.

use serde_json::{json, Value};

use crate::support::*;

#[actix_web::test]
async fn malformed_json_is_a_400_problem_not_plain_text() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_body").await;
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("content-type", "application/json")
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_body").await;
    let deep = "[".repeat(50_000);
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_body").await;
}

#[actix_web::test]
async fn a_wrong_content_type_is_a_415_problem() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/auth/token"))
        .header("content-type", "text/plain")
        .body("username=a")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
}

#[actix_web::test]
async fn a_body_over_the_limit_is_a_413_problem() {
    let app = TestApp::spawn_with(|s| s.max_body_bytes = 1024).await;
    let big = json!({"username": "x".repeat(2000), "password": "y"});
    let res = app
        .client
        .post(app.url("/auth/token"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large").await;
}

#[actix_web::test]
async fn an_unknown_field_is_named_by_its_pointer() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/auth/token"))
        .json(&json!({"username": "a", "password": "b", "remember_me": true}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("/remember_me".to_owned(), "unknown_field".to_owned())]
    );
}

#[actix_web::test]
async fn messages_are_french_by_default_and_english_on_request() {
    let app = TestApp::spawn().await;
    let fr = app.client.get(app.url("/orders")).send().await.unwrap();
    assert_eq!(fr.headers()["content-language"], "fr");
    let fr: Value = fr.json().await.unwrap();
    assert_eq!(fr["title"], "Authentification requise");
    let en: Value = app
        .client
        .get(app.url("/orders"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(en["title"], "Authentication required");
}

#[actix_web::test]
async fn an_unknown_route_and_a_bad_query_are_problems_too() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    assert_problem(app.get("/nowhere", &token).await, 404, "not_found").await;
    assert_problem(
        app.get("/orders?limit=abc", &token).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/orders?limit=500", &token).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/orders?cursor=zzz", &token).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/orders?colour=red", &token).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        app.get("/orders/not-a-uuid", &token).await,
        404,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn an_optional_body_is_absent_only_when_empty_and_white_space_alone_is_malformed() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let send = |body: &'static str| {
        app.client
            .post(app.url("/orders"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(send("").await.unwrap().status(), 201);
    assert_eq!(send("null").await.unwrap().status(), 201);
    assert_problem(send("\t").await.unwrap(), 400, "malformed_body").await;
    assert_problem(send(" \r\n").await.unwrap(), 400, "malformed_body").await;
}

#[actix_web::test]
async fn a_page_size_not_written_in_plain_decimal_digits_is_refused_on_every_list() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    for (path, token) in [
        ("/orders", &token),
        ("/events", &op),
        ("/review-queue", &op),
    ] {
        assert_eq!(
            app.get(&format!("{path}?limit=5"), token).await.status(),
            200,
            "{path}"
        );
        for raw in ["%2B5", "05", "%205", "5.0"] {
            assert_problem(
                app.get(&format!("{path}?limit={raw}"), token).await,
                400,
                "invalid_query",
            )
            .await;
        }
    }
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_problems_repeat_it() {
    let app = TestApp::spawn().await;
    let ok = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert!(ok.headers().contains_key("x-request-id"));
    let res = app.client.get(app.url("/orders")).send().await.unwrap();
    let header = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["request_id"], header);
}

#[actix_web::test]
async fn health_probes_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let live: Value = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(live["status"], "ok");
    let ready = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("certorder_http_requests_total"),
        "{metrics}"
    );
}

#[actix_web::test]
async fn readiness_fails_with_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    // Kill the server's database: its connections are terminated.
    let name = app.db_name.clone();
    std::thread::spawn(move || {
        use diesel::prelude::*;
        let mut admin = diesel::PgConnection::establish(
            &std::env::var("DATABASE_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
                .rsplit_once('/')
                .map(|(a, _)| format!("{a}/postgres"))
                .unwrap(),
        )
        .unwrap();
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut admin)
            .unwrap();
    })
    .join()
    .unwrap();
    let res = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 503, "service_unavailable").await;
}
