//! One verdict wherever it is asked: "Vérifier la demande" (`POST /csr/decode` with an
//! authority) and the order agree; a PATCH lists every problem of its body at once; a
//! change that makes a generated CSR stale says so with a code.

use serde_json::{json, Value};

use crate::support::*;

fn codes(list: &Value) -> Vec<String> {
    let mut c: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c.dedup();
    c
}

/// The verdict of `POST /csr/decode` for `authority`, and the codes an order for it gives.
async fn both_verdicts(
    app: &TestApp,
    token: &str,
    authority: &str,
    csr: &str,
) -> (Value, Vec<String>) {
    let decoded: Value = app
        .post(
            "/csr/decode",
            token,
            &json!({"csr_pem": csr, "authority": authority}),
        )
        .await
        .json()
        .await
        .unwrap();
    let oid = app.create_order(token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            token,
            &json!({"authority": authority, "generation_method": "csr", "csr_pem": csr}),
        )
        .await;
    let order_codes = if res.status() == 200 {
        let order: Value = res.json().await.unwrap();
        codes(&order["invalid"])
    } else {
        let problem = assert_problem(res, 422, "validation_failed").await;
        codes(&problem["errors"])
    };
    (decoded, order_codes)
}

#[actix_web::test]
async fn verifying_a_csr_for_an_authority_gives_the_orders_verdict_on_registrable_domains_and_limits(
) {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    // Two registrable domains: certigna-ssl keeps extra names in the primary's domain.
    let (decoded, order) =
        both_verdicts(&app, &token, "certigna-ssl", &fixture("two_domains_ok.pem")).await;
    assert_eq!(decoded["valid"], false, "{decoded}");
    assert_eq!(codes(&decoded["issues"]), ["domain_outside_registrable"]);
    assert_eq!(codes(&decoded["issues"]), order);
    // Without an authority the same CSR is fine.
    let alone: Value = app
        .post(
            "/csr/decode",
            &token,
            &json!({"csr_pem": fixture("two_domains_ok.pem")}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alone["valid"], true, "{alone}");
    // More names than the authority allows (4 extra), and than any CSR may carry (100).
    let (decoded, order) =
        both_verdicts(&app, &token, "certigna-ssl", &fixture("too_many_names.pem")).await;
    assert_eq!(decoded["valid"], false);
    assert_eq!(codes(&decoded["issues"]), ["csr_too_many_names"]);
    assert_eq!(codes(&decoded["issues"]), order);
    let multi = fixture("multi_san_ok.pem");
    let (decoded, order) = both_verdicts(&app, &token, "certigna-ssl-wildcard", &multi).await;
    assert_eq!(decoded["valid"], true, "{decoded}");
    assert!(order.is_empty(), "{order:?}");
}

#[actix_web::test]
async fn a_csr_with_a_non_ascii_dns_name_is_malformed_not_converted() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let decoded: Value = app
        .post(
            "/csr/decode",
            &token,
            &json!({"csr_pem": fixture("san_non_ascii.pem")}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decoded["valid"], false);
    assert_eq!(codes(&decoded["issues"]), ["csr_malformed"]);
    assert_eq!(decoded["csr"]["dns_names"], json!(["www.certigna.fr"]));
}

#[actix_web::test]
async fn a_patch_lists_every_problem_of_its_body_at_once() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = app.create_order(&token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"authority": "certigna-ssl", "generation_method": "generate",
                    "fqdn": "certigna", "duration_months": 7,
                    "additional_domains": ["localhost", "shop.certigna.fr"]}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let fields = field_errors(&problem);
    for (pointer, code) in [
        ("/fqdn", "fqdn_incomplete"),
        ("/duration_months", "duration_not_allowed"),
        ("/additional_domains/0", "domain_reserved"),
    ] {
        assert!(
            fields.iter().any(|(p, c)| p == pointer && c == code),
            "{pointer} {code} missing from {fields:?}"
        );
    }
}

#[actix_web::test]
async fn a_generated_csr_made_stale_by_new_names_or_another_holder_is_reported_not_dropped() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = case_two_order(&app, &token).await;
    let res = app
        .post(&format!("/orders/{oid}/generate-csr"), &token, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let order: Value = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"additional_domains": ["certigna.fr"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["csr"]["origin"], "generated", "kept, not dropped");
    assert_eq!(order["ready"], false);
    assert_eq!(codes(&order["invalid"]), ["csr_stale"]);
    assert_eq!(order["invalid"][0]["pointer"], "/csr_pem");
    // Generated again for the new names: fine; then another holder makes it stale again.
    let res = app
        .post(&format!("/orders/{oid}/generate-csr"), &token, &json!({}))
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["order"]["ready"], true, "{}", body["order"]["invalid"]);
    let holder = json!({"type": "other_organization", "legal_name": "DHIMYOTIS", "country": "FR",
        "city": "Villeneuve-d'Ascq", "address": "20 allée de la Râperie",
        "registration_number": "481 463 081",
        "contact": {"name": "Paul Durand", "email": "paul@example.fr", "phone": "+33 3 20 00 00 00"}});
    let order: Value = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"holder": holder}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["ready"], false);
    assert_eq!(codes(&order["invalid"]), ["csr_stale"]);
    let res = app
        .post(&format!("/orders/{oid}/commander"), &token, &json!({}))
        .await;
    let problem = assert_problem(res, 422, "order_incomplete").await;
    assert!(field_errors(&problem)
        .iter()
        .any(|(p, c)| p == "/csr_pem" && c == "csr_stale"));
    let body: Value = app
        .post(&format!("/orders/{oid}/generate-csr"), &token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert!(body["order"]["csr"]["subject"]
        .as_str()
        .unwrap()
        .contains("O=DHIMYOTIS"));
    assert_eq!(body["order"]["ready"], true);
}

#[actix_web::test]
async fn the_catalogue_maps_every_step_to_its_fields_with_labels_and_generation_methods() {
    let app = TestApp::spawn().await;
    let catalog: Value = app
        .client
        .get(app.url("/catalog"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let steps = catalog["wizard"]["steps"].as_array().unwrap();
    let ids: Vec<&str> = steps.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "authority",
            "partner",
            "duration_months",
            "generation_method",
            "fqdn",
            "csr",
            "holder",
            "payment",
            "terms"
        ]
    );
    let step = |id: &str| steps.iter().find(|s| s["id"] == id).unwrap();
    assert_eq!(step("fqdn")["generation_methods"], json!(["generate"]));
    assert_eq!(
        step("csr")["generation_methods"],
        json!(["csr", "generate"])
    );
    assert_eq!(step("csr")["pointer"], "/csr_pem");
    let pointers: Vec<&str> = steps
        .iter()
        .flat_map(|s| s["fields"].as_array().unwrap())
        .map(|f| f["pointer"].as_str().unwrap())
        .collect();
    assert!(steps
        .iter()
        .flat_map(|s| s["fields"].as_array().unwrap().iter().chain([s]))
        .all(|f| !f["label_fr"].as_str().unwrap().is_empty()
            && !f["label_en"].as_str().unwrap().is_empty()));
    // Every field of PATCH's body, of another organization as holder, of its contact and of
    // a purchase order has its entry.
    let api = serde_json::to_value(certorder::http::openapi()).unwrap();
    let props = |name: &str| -> Vec<String> {
        api["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let mut expected: Vec<String> = props("OrderPatch")
        .into_iter()
        .filter(|p| p != "terms" && p != "payment" && p != "partner")
        .map(|p| format!("/{p}"))
        .collect();
    expected.extend(
        props("HolderOtherOrganization")
            .iter()
            .map(|p| format!("/holder/{p}")),
    );
    expected.extend(
        props("ContactRequest")
            .iter()
            .map(|p| format!("/holder/contact/{p}")),
    );
    expected.extend(
        props("PersonRequest")
            .iter()
            .map(|p| format!("/holder/certificate_manager/{p}")),
    );
    expected.extend(
        props("PurchaseOrderRequest")
            .iter()
            .map(|p| format!("/payment/purchase_order/{p}")),
    );
    expected.extend(["/terms/version", "/payment/method", "/partner/code"].map(String::from));
    for pointer in expected {
        assert!(
            pointers.contains(&pointer.as_str()),
            "{pointer} has no entry"
        );
    }
}

#[actix_web::test]
async fn a_draft_previews_the_justificatifs_that_commander_then_freezes() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = app.create_order(&token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiting: Value = app
        .get(&format!("/orders/{oid}/documents"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting["frozen"], false);
    assert_eq!(
        waiting["waiting_for"],
        json!(["authority", "holder", "payment"])
    );
    fill_steps(&app, &token, &oid, "certigna-ssl-rgs").await;
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"generation_method": "csr", "csr_pem": fixture("multi_san_ok.pem")}),
    )
    .await;
    let preview: Value = app
        .get(&format!("/orders/{oid}/documents"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["waiting_for"], json!([]));
    assert!(!preview["documents"].as_array().unwrap().is_empty());
    let submitted: Value = app
        .post(&format!("/orders/{oid}/commander"), &token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(submitted["status"], "submitted", "{submitted}");
    // the list the order shows; `GET /orders/{id}/documents` adds each one's status and files
    let listed = |v: &Value| -> Vec<Value> {
        v["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let mut d = d.clone();
                let o = d.as_object_mut().unwrap();
                o.remove("status");
                o.remove("files");
                d
            })
            .collect()
    };
    assert_eq!(listed(&preview), listed(&submitted));
    assert!(preview["documents"][0]["status"].is_null());
    let frozen: Value = app
        .get(&format!("/orders/{oid}/documents"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(frozen["frozen"], true);
    assert_eq!(listed(&frozen), listed(&submitted));
    assert_eq!(frozen["documents"][0]["status"], "required");
}
