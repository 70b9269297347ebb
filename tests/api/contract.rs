//! The committed contract `openapi/openapi.json` is what the code generates.
//! `UPDATE_OPENAPI=1 cargo test --test api contract` (or `cargo run -- openapi`) rewrites it.

use crate::support::*;

#[test]
fn the_committed_openapi_contract_matches_the_code() {
    let generated = certorder::http::openapi().to_pretty_json().unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test --test api contract`"
    );
}

#[actix_web::test]
async fn the_served_contract_and_swagger_ui_are_available() {
    let app = TestApp::spawn().await;
    let served: serde_json::Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let generated = serde_json::to_value(certorder::http::openapi()).unwrap();
    assert_eq!(served, generated);
    assert!(served["components"]["securitySchemes"]["bearer"].is_object());
    let ui = app
        .client
        .get(app.url("/swagger-ui/"))
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger"));
}

#[test]
fn every_operation_but_sign_in_and_probes_requires_the_bearer_token() {
    let api = serde_json::to_value(certorder::http::openapi()).unwrap();
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let public = path == "/auth/token"
                || path.starts_with("/health")
                || path == "/metrics"
                || path == "/catalog"
                || path == "/csr/decode"
                || path == "/domains/check";
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            assert!(
                public || secured,
                "{method} {path} lacks the bearer security requirement"
            );
            assert!(
                op["responses"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .all(|k| k.parse::<u16>().is_ok()),
                "{method} {path}: concrete statuses only"
            );
        }
    }
}
