//! The wizard through HTTP: every step, readiness, concurrency and "Commander".

use serde_json::{json, Value};

use crate::support::*;

fn id(order: &Value) -> String {
    order["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn the_catalog_lists_authorities_durations_issuances_prices_payments_terms_and_key_types() {
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
    assert_eq!(catalog["example_prices"], true);
    assert_eq!(catalog["terms"]["version"], "CGU-2026-09");
    assert_eq!(catalog["key_types"].as_array().unwrap().len(), 5);
    let ids: Vec<&str> = catalog["authorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"certigna-ssl") && ids.contains(&"certigna-ssl-rgs"),
        "{ids:?}"
    );
    let rgs = catalog["authorities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "certigna-ssl-rgs")
        .unwrap();
    assert_eq!(rgs["product_line"], "ssl_rgs");
    assert_eq!(rgs["requires_certificate_manager"], true);
    // RGS certificates must be accepted within 8 business days; SSL ones implicitly
    assert_eq!(
        rgs["after_commander"],
        json!({"acceptance_required": true, "acceptance_business_days": 8, "refund_window_days": 30})
    );
    let months: Vec<u64> = rgs["durations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["months"].as_u64().unwrap())
        .collect();
    assert_eq!(months, [12, 24, 36]);
    // a 12-month subscription needs several certificates of at most 199 days
    let twelve = &rgs["durations"][0];
    assert!(twelve["certificate_validity_days"].as_u64().unwrap() <= 199);
    assert!(twelve["issuances"].as_u64().unwrap() >= 2);
}

#[actix_web::test]
async fn an_incomplete_order_cannot_be_submitted_and_the_422_names_each_missing_step() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let order = app.create_order(&token).await;
    let order = fill_steps(&app, &token, &id(&order), "certigna-ssl").await;
    assert_eq!(order["missing"], json!(["generation_method", "csr"]));
    assert_eq!(order["ready"], false);
    let res = app
        .post(
            &format!("/orders/{}/commander", id(&order)),
            &token,
            &json!({}),
        )
        .await;
    let problem = assert_problem(res, 422, "order_incomplete").await;
    assert_eq!(
        field_errors(&problem),
        vec![
            ("/generation_method".into(), "step_missing".into()),
            ("/csr_pem".into(), "step_missing".into())
        ]
    );
    let read: Value = app
        .get(&format!("/orders/{}", id(&order)), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["status"], "draft");
}

#[actix_web::test]
async fn case_one_a_pasted_csr_is_verified_its_domains_shown_and_the_order_reaches_submitted() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let order = app.create_order(&token).await;
    let oid = id(&order);
    fill_steps(&app, &token, &oid, "certigna-ssl").await;
    let res = app
        .patch(&format!("/orders/{oid}"), &token, &json!({"generation_method": "csr", "csr_pem": fixture("multi_san_ok.pem"), "additional_domains": ["mail.certigna.fr"]}))
        .await;
    assert_eq!(res.status(), 200);
    let order: Value = res.json().await.unwrap();
    assert_eq!(order["csr"]["origin"], "pasted");
    assert_eq!(
        order["csr"]["names"],
        json!(["www.certigna.fr", "certigna.fr", "shop.certigna.fr"])
    );
    assert_eq!(order["csr"]["key"]["algorithm"], "ecdsa");
    assert_eq!(
        order["csr"]["public_key_sha256"].as_str().unwrap().len(),
        64
    );
    assert_eq!(
        order["domains"],
        json!([
            "www.certigna.fr",
            "certigna.fr",
            "shop.certigna.fr",
            "mail.certigna.fr"
        ])
    );
    assert_eq!(order["missing"], json!([]));
    assert_eq!(order["ready"], true, "{order}");
    // 120.00 + 3 extra names × 30.00, one year, VAT 20 %
    assert_eq!(
        order["price"],
        json!({"excl_vat_cents": 21000, "vat_cents": 4200, "incl_vat_cents": 25200, "vat_rate_basis_points": 2000, "currency": "EUR"})
    );

    let res = app
        .post(&format!("/orders/{oid}/commander"), &token, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let submitted: Value = res.json().await.unwrap();
    assert_eq!(submitted["status"], "submitted");
    assert!(submitted["submitted_at"].is_string());
    assert_eq!(submitted["price"]["incl_vat_cents"], 25200);
    let codes: Vec<&str> = submitted["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"formulaire_signe") && codes.contains(&"extrait_kbis"),
        "{codes:?}"
    );
    assert!(
        !codes.contains(&"mandat"),
        "the demo client is its organization's legal representative"
    );
    assert_eq!(
        submitted["links"]["formulaire"],
        format!("/orders/{oid}/formulaire.pdf")
    );
    assert_eq!(submitted["ready"], false);
}

#[actix_web::test]
async fn case_two_the_fqdn_then_a_generated_csr_answer_the_step_and_the_key_is_returned_once() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    fill_steps(&app, &token, &oid, "certigna-ssl").await;
    let order: Value = app
        .patch(&format!("/orders/{oid}"), &token, &json!({"generation_method": "generate", "fqdn": "WWW.Certigna.FR.", "additional_domains": ["certigna.fr"]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["fqdn"], "www.certigna.fr");
    assert_eq!(order["missing"], json!(["csr"]));
    let res = app
        .post(
            &format!("/orders/{oid}/generate-csr"),
            &token,
            &json!({"key_type": "ecdsa-p256"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["mode"], "generated");
    let key = body["private_key_pem"].as_str().unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(body["order"]["csr"]["origin"], "generated");
    assert_eq!(
        body["order"]["csr"]["names"],
        json!(["www.certigna.fr", "certigna.fr"])
    );
    let subject = body["order"]["csr"]["subject"].as_str().unwrap();
    assert!(subject.contains("O=Démo Client SAS"), "{subject}");
    assert_eq!(body["order"]["ready"], true);
    // the key is in this answer only: not in the database, not in the logs
    let key_body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM orders WHERE row_to_json(orders.*)::text LIKE '%{}%'",
            &key_body[..40]
        )),
        0
    );
    assert_eq!(app.sql_count("SELECT count(*) AS n FROM orders WHERE row_to_json(orders.*)::text LIKE '%PRIVATE KEY%'"), 0);
    let read: Value = app
        .get(&format!("/orders/{oid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert!(!read.to_string().contains("PRIVATE KEY"));
    let res = app
        .post(&format!("/orders/{oid}/commander"), &token, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let logs = captured_logs();
    assert!(!logs.is_empty());
    assert!(
        !logs.contains(&key_body[..40]) && !logs.contains("PRIVATE KEY"),
        "a private key reached the logs"
    );
}

#[actix_web::test]
async fn commander_twice_submits_once_and_answers_the_same_while_another_key_gets_409() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    fill_steps(&app, &token, &oid, "certigna-ssl").await;
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"generation_method": "csr", "csr_pem": fixture("ec_p256_ok.pem")}),
    )
    .await;
    let call = |key: &'static str| {
        app.client
            .post(app.url(&format!("/orders/{oid}/commander")))
            .bearer_auth(&token)
            .header("idempotency-key", key)
            .send()
    };
    let (a, b) = futures_util::join!(call("k-1"), call("k-1"));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a, b);
    let again = app
        .post(&format!("/orders/{oid}/commander"), &token, &json!({}))
        .await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["version"], a["version"]);
    assert_problem(call("k-2").await.unwrap(), 409, "order_already_submitted").await;
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM orders WHERE status = 'submitted'"),
        1
    );
    // a submitted order refuses PATCH and DELETE
    assert_problem(
        app.patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"duration_months": 24}),
        )
        .await,
        409,
        "order_not_draft",
    )
    .await;
    let del = app
        .client
        .delete(app.url(&format!("/orders/{oid}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(del, 409, "order_not_draft").await;
}

#[actix_web::test]
async fn a_cancelled_order_refuses_commander_with_409() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    app.client
        .delete(app.url(&format!("/orders/{oid}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(
        app.post(&format!("/orders/{oid}/commander"), &token, &json!({}))
            .await,
        409,
        "order_not_draft",
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"duration_months": 12}),
        )
        .await,
        409,
        "order_not_draft",
    )
    .await;
}

#[actix_web::test]
async fn a_step_that_no_longer_fits_after_the_authority_changes_is_reported_as_invalid() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    fill_steps(&app, &token, &oid, "certigna-ssl").await; // bank_transfer, allowed by both
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"payment": {"method": "card"}}),
    )
    .await;
    let res = app
        .client
        .patch(app.url(&format!("/orders/{oid}")))
        .bearer_auth(&token)
        .header("accept-language", "en")
        .json(&json!({"authority": "certigna-ssl-rgs"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let order: Value = res.json().await.unwrap();
    let invalid: Vec<(&str, &str)> = order["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["pointer"].as_str().unwrap(), i["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        invalid,
        [
            ("/payment/method", "payment_method_not_allowed"),
            (
                "/holder/certificate_manager",
                "certificate_manager_required"
            )
        ]
    );
    assert!(order["invalid"][0]["message"]
        .as_str()
        .unwrap()
        .contains("does not accept"));
    assert_eq!(
        order["payment"]["method"], "card",
        "kept, not silently dropped"
    );
    assert_eq!(order["ready"], false);
}

#[actix_web::test]
async fn a_patch_with_an_invalid_field_saves_nothing_and_names_every_problem() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"authority": "certigna-ssl", "duration_months": 18, "partner": {"type": "partner", "code": "  "},
                    "holder": {"type": "other_organization", "legal_name": "X", "country": "FR", "city": "Lille", "address": "1 rue",
                               "registration_number": "732829321", "contact": {"name": "A", "email": "not-an-email", "phone": "12"}},
                    "payment": {"method": "purchase_order"}}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let errors = field_errors(&problem);
    for expected in [
        ("/duration_months", "duration_not_allowed"),
        ("/partner/code", "partner_code_invalid"),
        ("/holder/registration_number", "siren_invalid"),
        ("/holder/contact/email", "email_invalid"),
        ("/holder/contact/phone", "phone_invalid"),
        ("/payment/method", "payment_method_not_allowed"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing from {errors:?}"
        );
    }
    let read: Value = app
        .get(&format!("/orders/{oid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["version"], 1);
    assert!(read["authority"].is_null(), "nothing saved");
}

#[actix_web::test]
async fn unknown_fields_are_refused_with_the_field_named_and_null_clears_a_step() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"authority": "certigna-ssl", "colour": "blue"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("/colour".to_owned(), "unknown_field".to_owned())]
    );
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"holder": {"type": "self", "shoe_size": 42}}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&problem)[0].1, "unknown_field");
    let set: Value = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"authority": "certigna-ssl"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(set["authority"], "certigna-ssl");
    let cleared: Value = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"authority": null}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(cleared["authority"].is_null());
    assert_eq!(cleared["missing"][0], "authority");
}

#[actix_web::test]
async fn holder_siret_la_poste_rule_french_vat_and_rgs_certificate_manager_are_checked() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"authority": "certigna-ssl-rgs"}),
    )
    .await;
    let holder = json!({"type": "other_organization", "legal_name": "La Poste", "country": "FR", "city": "Paris", "address": "9 rue du Colonel Pierre Avia",
        "registration_number": "35600000000048", "vat_number": "FR39356000000",
        "contact": {"name": "Marie Curie", "email": "marie@example.fr", "phone": "01 23 45 67 89"}});
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"holder": holder}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![(
            "/holder/certificate_manager".to_owned(),
            "certificate_manager_required".to_owned()
        )]
    );
    let mut with_manager = holder.clone();
    with_manager["certificate_manager"] = json!({"first_name": "Paul", "last_name": "Leroy", "email": "paul@example.fr", "phone": "+33320000001"});
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"holder": with_manager}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let mut bad_vat = with_manager.clone();
    bad_vat["vat_number"] = json!("FR00356000000");
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"holder": bad_vat}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&problem)[0].1, "vat_invalid");
}

#[actix_web::test]
async fn a_purchase_order_payment_needs_its_references_and_terms_record_who_when_and_where() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"authority": "certigna-ssl-rgs"}),
    )
    .await;
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"payment": {"method": "purchase_order"}}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert!(
        field_errors(&problem)
            .iter()
            .all(|(p, c)| p.starts_with("/payment/purchase_order") && c == "required"),
        "{problem}"
    );
    let po = json!({"method": "purchase_order", "purchase_order": {"purchase_order_number": "BC-42", "engagement_number": "EJ-1", "service_code": "SRV"}});
    let order: Value = app
        .patch(&format!("/orders/{oid}"), &token, &json!({"payment": po}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["payment"], po);
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"terms": {"version": "CGU-2020-01"}}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("/terms/version".to_owned(), "terms_not_current".to_owned())]
    );
    let order: Value = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"terms": {"version": "CGU-2026-09"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["terms"]["version"], "CGU-2026-09");
    assert_eq!(order["terms"]["client_address"], "127.0.0.1");
    assert!(order["terms"]["accepted_at"].is_string());
    assert!(order["terms"]["accepted_by"].is_string());
}

#[actix_web::test]
async fn a_stale_if_match_gets_412_and_the_current_etag_passes() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    let patch = |etag: &'static str, body: Value| {
        app.client
            .patch(app.url(&format!("/orders/{oid}")))
            .bearer_auth(&token)
            .header("if-match", etag)
            .json(&body)
            .send()
    };
    let ok = patch("\"1\"", json!({"duration_months": 12}))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["etag"], "\"2\"");
    assert_problem(
        patch("\"1\"", json!({"duration_months": 24}))
            .await
            .unwrap(),
        412,
        "precondition_failed",
    )
    .await;
    let read: Value = app
        .get(&format!("/orders/{oid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["duration_months"], 12);
}

#[actix_web::test]
async fn concurrent_patches_of_different_steps_never_lose_an_update() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    let bodies = [
        json!({"authority": "certigna-ssl"}),
        json!({"partner": {"type": "none"}}),
        json!({"duration_months": 24}),
        json!({"generation_method": "generate"}),
        json!({"holder": {"type": "self"}}),
        json!({"payment": {"method": "cheque"}}),
        json!({"terms": {"version": "CGU-2026-09"}}),
    ];
    let calls = bodies.iter().map(|b| {
        app.client
            .patch(app.url(&format!("/orders/{oid}")))
            .bearer_auth(&token)
            .json(b)
            .send()
    });
    for r in futures_util::future::join_all(calls).await {
        assert_eq!(r.unwrap().status(), 200);
    }
    let read: Value = app
        .get(&format!("/orders/{oid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["version"], 8);
    assert_eq!(read["missing"], json!(["fqdn", "csr"]));
}

#[actix_web::test]
async fn a_named_partner_follows_the_order_read_only_and_an_explicit_no_is_an_answer() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = id(&app.create_order(&token).await);
    // a code no partner has is recorded like any other (saying so would tell which exist)
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"partner": {"type": "partner", "code": "PART-NONE"}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let order: Value = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"partner": {"type": "partner", "code": "PART-DEMO"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        order["partner"],
        json!({"type": "partner", "code": "PART-DEMO"})
    );
    // the partner now sees the customer's order that names it, and only reads it
    let partner = app.token(PARTNER).await;
    assert_eq!(
        app.get(&format!("/orders/{oid}"), &partner).await.status(),
        200
    );
    for body in [
        json!({"duration_months": 12}),
        json!({"terms": {"version": "CGU-2026-09"}}),
    ] {
        let res = app.patch(&format!("/orders/{oid}"), &partner, &body).await;
        assert_problem(res, 403, "read_only").await;
    }
    let res = app
        .client
        .delete(app.url(&format!("/orders/{oid}")))
        .bearer_auth(&partner)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "read_only").await;
    let order: Value = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"partner": {"type": "none"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["partner"], json!({"type": "none"}));
    assert!(!order["missing"]
        .as_array()
        .unwrap()
        .contains(&json!("partner")));
    // no longer named: the partner no longer sees it
    assert_eq!(
        app.get(&format!("/orders/{oid}"), &partner).await.status(),
        404
    );
    // a partner's own order keeps its code
    let porder = app.create_order(&partner).await;
    let res = app
        .patch(
            &format!("/orders/{}", id(&porder)),
            &partner,
            &json!({"partner": {"type": "none"}}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&problem)[0].1, "partner_fixed");
}

#[actix_web::test]
async fn an_operator_reads_but_cannot_change_a_customers_order() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let operator = app.token(OPERATOR).await;
    let oid = id(&app.create_order(&token).await);
    assert_eq!(
        app.get(&format!("/orders/{oid}"), &operator).await.status(),
        200
    );
    assert_problem(
        app.patch(
            &format!("/orders/{oid}"),
            &operator,
            &json!({"duration_months": 12}),
        )
        .await,
        403,
        "read_only",
    )
    .await;
}

#[actix_web::test]
async fn a_draft_can_be_created_with_steps_in_its_body() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let res = app
        .post(
            "/orders",
            &token,
            &json!({"authority": "certigna-ssl", "duration_months": 36}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let order: Value = res.json().await.unwrap();
    assert_eq!(order["authority"], "certigna-ssl");
    assert_eq!(order["price"]["excl_vat_cents"], 36000);
    assert!(order["certificate"]["issuances"].as_u64().unwrap() >= 6);
    let bad = app
        .post("/orders", &token, &json!({"authority": "nope"}))
        .await;
    assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM orders"),
        1,
        "a refused body creates nothing"
    );
}

#[actix_web::test]
async fn an_association_whose_requester_is_not_its_legal_representative_gets_the_sirene_notice_mandate_and_ids(
) {
    let app = TestApp::spawn().await;
    let token = app.token(OTHER).await; // an association; the user is not the legal representative
    let oid = id(&app.create_order(&token).await);
    fill_steps(&app, &token, &oid, "certigna-ssl-rgs").await;
    let po = json!({"method": "purchase_order", "purchase_order": {"purchase_order_number": "BC-42", "engagement_number": "EJ-1", "service_code": "SRV"}});
    let res = app.patch(&format!("/orders/{oid}"), &token, &json!({"payment": po, "generation_method": "csr", "csr_pem": fixture("rsa2048_ok.pem")})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .post(&format!("/orders/{oid}/commander"), &token, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let order: Value = res.json().await.unwrap();
    let codes: Vec<&str> = order["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for expected in [
        "formulaire_signe",
        "avis_situation_sirene",
        "piece_identite_representant_legal",
        "mandat",
        "piece_identite_demandeur",
        "piece_identite_responsable_certificat",
        "bon_de_commande_signe",
    ] {
        assert!(
            codes.contains(&expected),
            "{expected} missing from {codes:?}"
        );
    }
    assert!(
        !codes.contains(&"extrait_kbis"),
        "a Kbis is for companies: {codes:?}"
    );
    assert!(
        !codes.contains(&"autorisation_titulaire_domaine"),
        "the holder is the account's own organization"
    );
}
