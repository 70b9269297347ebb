//! Reliability: panics answered 500 with the pools still serving, replicas that prepare the
//! database together, and a binary older than the database refusing to start.

use actix_web::{web, HttpResponse};
use diesel::prelude::*;

use crate::support::*;
use certorder::http::problem::ApiError;
use certorder::http::AppState;
use certorder::persistence;
use certorder::startup::Application;

async fn panic_in_handler() -> HttpResponse {
    panic!("test panic in a handler");
}

async fn panic_in_db(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .app
        .db
        .run(|_conn| -> Result<(), certorder::app::AppError> { panic!("test panic in Db::run") })
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().finish())
}

async fn panic_in_keygen(state: web::Data<AppState>) -> HttpResponse {
    let _ = state
        .keygen
        .run(|| -> u32 { panic!("test panic in the key-generation pool") })
        .await;
    HttpResponse::Ok().finish()
}

async fn keygen_ok(state: web::Data<AppState>) -> HttpResponse {
    match state.keygen.run(|| 42).await {
        Ok(42) => HttpResponse::Ok().finish(),
        _ => HttpResponse::ServiceUnavailable().finish(),
    }
}

fn panicking_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/test/panic/handler", web::get().to(panic_in_handler))
        .route("/test/panic/db", web::get().to(panic_in_db))
        .route("/test/panic/keygen", web::get().to(panic_in_keygen))
        .route("/test/keygen/ok", web::get().to(keygen_ok));
}

/// The log lines that carry this request id and say that something panicked.
fn panic_lines(request_id: &str) -> usize {
    captured_logs()
        .lines()
        .filter(|l| l.contains(request_id) && l.contains("panicked"))
        .count()
}

#[actix_web::test]
async fn a_panic_in_a_handler_or_a_blocking_task_is_a_500_logged_once_and_the_pools_keep_serving() {
    // One actix worker, one key-generation thread, a pool of 4 connections: if a panic took
    // any of them down, the requests after it would fail.
    let app = TestApp::spawn_with_routes(
        |s| {
            s.workers = 1;
            s.keygen_threads = 1;
        },
        panicking_routes,
    )
    .await;
    let token = app.token(CLIENT).await;
    for round in 0..2 {
        for path in [
            "/test/panic/handler",
            "/test/panic/db",
            "/test/panic/keygen",
        ] {
            let res = app.client.get(app.url(path)).send().await.unwrap();
            let body = assert_problem(res, 500, "internal_error").await;
            let id = body["request_id"].as_str().unwrap();
            assert_eq!(
                panic_lines(id),
                1,
                "{path} (round {round}): logged once with {id}"
            );
        }
        // Everything still serves: the database pool, the key-generation pool, the worker.
        let ready = app
            .client
            .get(app.url("/health/ready"))
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), 200);
        let ok = app
            .client
            .get(app.url("/test/keygen/ok"))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(app.get("/orders", &token).await.status(), 200);
    }
}

#[actix_web::test]
async fn replicas_preparing_a_missing_database_at_once_all_succeed() {
    let name = format!("certorder_test_{}", uuid::Uuid::new_v4().simple());
    let url = url_of(&name);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                persistence::prepare_database(&url).map_err(|e| e.to_string())
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    drop_database(&name);
    for r in results {
        assert_eq!(r, Ok(()));
    }
}

#[actix_web::test]
async fn a_binary_older_than_the_databases_migrations_refuses_to_start_and_says_why() {
    let app = TestApp::spawn().await;
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000001')")
        .execute(&mut app.connection())
        .unwrap();
    let refused = Application::build(test_settings(&app.db_name)).await;
    let message = match refused {
        Ok(_) => panic!("a replica started on a database migrated by a newer release"),
        Err(e) => e.to_string(),
    };
    assert!(message.contains("29991231000001"), "{message}");
    assert!(message.contains("older than the database"), "{message}");
}
