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

#[test]
fn every_error_code_used_by_the_service_is_documented_in_the_contract() {
    let api = serde_json::to_value(certorder::http::openapi()).unwrap();
    let description = api["info"]["description"].as_str().unwrap();
    for code in [
        "fqdn_incomplete",
        "domain_ip_address",
        "domain_reserved",
        "wildcard_not_allowed",
        "too_many_domains",
        "csr_bad_signature",
        "key_too_small",
        "key_exponent",
        "key_curve",
        "key_weak",
        "csr_is_private_key",
        "siren_invalid",
        "siret_invalid",
        "vat_invalid",
        "payment_method_not_allowed",
        "terms_not_current",
        "step_missing",
        "partner_unknown",
        "order_not_draft",
        "precondition_failed",
        "token_expired",
    ] {
        assert!(
            description.contains(&format!("| `{code}` |")),
            "{code} is not in the contract's error table"
        );
    }
    let codes = certorder::http::error_codes();
    let mut unique: Vec<_> = codes.iter().map(|c| c.code).collect();
    unique.dedup();
    assert_eq!(unique.len(), codes.len());
    assert!(codes.iter().all(|c| !c.fr.is_empty() && !c.en.is_empty()));
}
