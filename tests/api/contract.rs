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
                || path == "/auth/logout"
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
        "subscriber_only",
        "client_not_linked",
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
    let mut unique: Vec<_> = codes.iter().map(|c| c.as_str()).collect();
    unique.dedup();
    assert_eq!(unique.len(), codes.len());
    assert!(codes
        .iter()
        .all(|c| !c.fr().is_empty() && !c.en().is_empty()));
}

fn spec() -> serde_json::Value {
    serde_json::to_value(certorder::http::openapi()).unwrap()
}

fn schema<'a>(api: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    &api["components"]["schemas"][name]
}

#[test]
fn the_holder_is_a_discriminated_union_of_complete_objects() {
    let api = spec();
    let holder = schema(&api, "HolderRequest");
    assert_eq!(holder["discriminator"]["propertyName"], "type");
    let variants: Vec<&str> = holder["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["$ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        variants,
        [
            "#/components/schemas/HolderSelf",
            "#/components/schemas/HolderOtherOrganization"
        ]
    );
    for (name, tag) in [
        ("HolderSelf", "self"),
        ("HolderOtherOrganization", "other_organization"),
    ] {
        let v = schema(&api, name);
        assert_eq!(v["additionalProperties"], false, "{name} is closed");
        assert_eq!(v["properties"]["type"]["enum"], serde_json::json!([tag]));
        assert_eq!(v["required"][0], "type");
        assert!(v.get("allOf").is_none_or(|a| a[0].get("$ref").is_none()));
    }
    assert!(api["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .all(|s| !s.to_string().contains("\"allOf\":[{\"$ref\"")));
}

#[test]
fn the_holder_payment_and_purchase_order_schemas_declare_required_fields_lengths_and_patterns() {
    let api = spec();
    let required = |name: &str| -> Vec<String> {
        schema(&api, name)["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        required("HolderOtherOrganization"),
        [
            "type",
            "legal_name",
            "country",
            "city",
            "address",
            "contact"
        ]
    );
    assert_eq!(required("ContactRequest"), ["name", "email", "phone"]);
    assert_eq!(
        required("PersonRequest"),
        ["first_name", "last_name", "email", "phone"]
    );
    assert_eq!(required("PaymentRequest"), ["method"]);
    assert_eq!(
        required("PurchaseOrderRequest"),
        ["purchase_order_number", "engagement_number", "service_code"]
    );
    let org = schema(&api, "HolderOtherOrganization");
    assert_eq!(org["properties"]["legal_name"]["maxLength"], 64);
    assert_eq!(org["properties"]["address"]["maxLength"], 200);
    assert!(org["properties"]["country"]["pattern"].is_string());
    let france = &org["allOf"][0];
    assert_eq!(france["then"]["required"][0], "registration_number");
    assert!(france["then"]["properties"]["registration_number"]["pattern"].is_string());
    assert!(france["then"]["properties"]["vat_number"]["pattern"].is_string());
    assert!(schema(&api, "ContactRequest")["properties"]["phone"]["pattern"].is_string());
    assert!(schema(&api, "PersonRequest")["properties"]["email"]["pattern"].is_string());
    assert_eq!(
        schema(&api, "PurchaseOrderRequest")["properties"]["service_code"]["maxLength"],
        50
    );
    assert_eq!(
        schema(&api, "PaymentRequest")["allOf"][0]["then"]["required"][0],
        "purchase_order"
    );
}

#[test]
fn closed_sets_are_enums_and_the_catalogue_key_type_is_the_one_generate_csr_takes() {
    let api = spec();
    let reference = |value: &serde_json::Value| value["$ref"].as_str().unwrap_or("").to_owned();
    assert_eq!(
        reference(&schema(&api, "KeyTypeEntryView")["properties"]["id"]),
        reference(&schema(&api, "GenerateCsrRequest")["properties"]["key_type"]["oneOf"][1])
    );
    assert_eq!(
        reference(&schema(&api, "PaymentMethodEntry")["properties"]["id"]),
        reference(&schema(&api, "PaymentRequest")["properties"]["method"])
    );
    assert_eq!(
        schema(&api, "PaymentMethodView")["enum"],
        serde_json::json!([
            "card",
            "bank_transfer",
            "cheque",
            "administrative_mandate",
            "purchase_order"
        ])
    );
    assert_eq!(
        schema(&api, "ProductLineView")["enum"],
        serde_json::json!(["ssl", "ssl_rgs"])
    );
    assert_eq!(
        schema(&api, "CsrOriginView")["enum"],
        serde_json::json!(["pasted", "generated"])
    );
    assert_eq!(
        schema(&api, "AcceptedCurve")["enum"],
        serde_json::json!(["P-256", "P-384"])
    );
    let codes: Vec<&str> = certorder::http::error_codes()
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        schema(&api, "ProblemCode")["enum"],
        serde_json::json!(codes)
    );
    for (component, property) in [("Problem", "code"), ("ProblemField", "code")] {
        assert_eq!(
            reference(&schema(&api, component)["properties"][property]),
            "#/components/schemas/ProblemCode"
        );
    }
    let generated = schema(&api, "GenerateCsrResponse");
    assert_eq!(generated["discriminator"]["propertyName"], "mode");
    assert_eq!(
        schema(&api, "GenerateCsrGenerated")["properties"]["mode"]["enum"],
        serde_json::json!(["generated"])
    );
    assert_eq!(
        schema(&api, "GenerateCsrOpenssl")["properties"]["mode"]["enum"],
        serde_json::json!(["openssl"])
    );
}

/// Schemas a response carries, and not a request body: there, `null` and absence mean the
/// same, so a property is either always sent (required, maybe nullable) or sometimes absent
/// (never null).
fn response_only_schemas(api: &serde_json::Value) -> Vec<String> {
    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r.trim_start_matches("#/components/schemas/").to_owned());
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let closure = |roots: Vec<String>| {
        let mut seen: Vec<String> = Vec::new();
        let mut todo = roots;
        while let Some(name) = todo.pop() {
            if seen.contains(&name) {
                continue;
            }
            refs(&api["components"]["schemas"][&name], &mut todo);
            seen.push(name);
        }
        seen
    };
    let (mut from_requests, mut from_responses) = (Vec::new(), Vec::new());
    for item in api["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            refs(&op["requestBody"], &mut from_requests);
            refs(&op["responses"], &mut from_responses);
        }
    }
    let requests = closure(from_requests);
    closure(from_responses)
        .into_iter()
        .filter(|n| !requests.contains(n))
        .collect()
}

fn nullable(property: &serde_json::Value) -> bool {
    property["type"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t == "null"))
        || property["oneOf"]
            .as_array()
            .is_some_and(|o| o.iter().any(|s| s["type"] == "null"))
}

#[test]
fn no_response_property_is_both_optional_and_nullable() {
    let api = spec();
    let names = response_only_schemas(&api);
    assert!(names.contains(&"OrderResponse".to_owned()));
    let mut both = Vec::new();
    for name in names {
        let s = schema(&api, &name);
        let Some(properties) = s["properties"].as_object() else {
            continue;
        };
        let required: Vec<&str> = s["required"]
            .as_array()
            .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        for (property, value) in properties {
            if !required.contains(&property.as_str()) && nullable(value) {
                both.push(format!("{name}.{property}"));
            }
        }
    }
    assert!(
        both.is_empty(),
        "optional and nullable (say which one the service does): {both:?}"
    );
}

#[test]
fn every_operation_declares_accept_language_and_every_response_its_headers() {
    let api = spec();
    assert_eq!(api["servers"][0]["url"], "/");
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["parameters"].as_array().is_some_and(|p| p
                    .iter()
                    .any(|p| p["name"] == "Accept-Language" && p["in"] == "header")),
                "{method} {path} lacks Accept-Language"
            );
            for (status, response) in op["responses"].as_object().unwrap() {
                let headers = &response["headers"];
                assert!(
                    headers["x-request-id"].is_object(),
                    "{method} {path} {status}"
                );
                let code: u16 = status.parse().unwrap();
                if code == 412 {
                    assert!(headers["ETag"].is_object(), "{method} {path} 412 ETag");
                }
                if code >= 400 {
                    assert!(headers["Content-Language"].is_object());
                }
                if code == 429 || code == 503 {
                    assert!(
                        headers["Retry-After"].is_object(),
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    let commander = &api["paths"]["/orders/{id}/commander"]["post"]["responses"]["200"]["headers"];
    assert!(commander["ETag"].is_object());
    assert!(commander["idempotent-replayed"].is_object());
    assert!(
        api["paths"]["/orders"]["post"]["responses"]["201"]["headers"]["idempotent-replayed"]
            .is_object()
    );
}

#[test]
fn every_variant_of_the_code_enum_is_in_the_contracts_table_with_both_messages() {
    // `code` and `errors[].code` are typed `Code` in the problem body: a code the enum
    // lacks cannot be emitted (the compiler refuses it), and the table is built from it
    let description = spec()["info"]["description"].as_str().unwrap().to_owned();
    let mut n = 0;
    for code in certorder::domain::shared::code::Code::all() {
        let row = format!(
            "| `{}` | {} | {} |",
            code.as_str(),
            code.fr().replace('|', "\\|"),
            code.en().replace('|', "\\|")
        );
        assert!(description.contains(&row), "{row} missing from the table");
        n += 1;
    }
    assert!(n > 60, "{n} codes");
    assert_eq!(
        description.matches("\n| `").count(),
        n,
        "the table lists exactly the enum"
    );
}
