//! Partners and their clients (SPEC §10): the client list (invitation, the client's consent),
//! orders on behalf of a client, and the rights matrix, cell by cell, through the routes.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

const CGU: &str = "CGU-2026-09";

async fn account_id(app: &TestApp, token: &str) -> String {
    let me: Value = app.get("/me", token).await.json().await.unwrap();
    me["account_id"].as_str().unwrap().to_owned()
}

/// The partner invites `username`; the answer's body.
async fn invite(app: &TestApp, partner: &str, username: &str) -> Value {
    let res = app
        .post("/clients", partner, &json!({"username": username}))
        .await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("location").is_some());
    res.json().await.unwrap()
}

/// The partner invites the client, the client accepts: the client's account id.
async fn link(app: &TestApp, partner: &str, client: &str, username: &str) -> String {
    let invited = invite(app, partner, username).await;
    let res = app
        .post(
            &format!("/me/partners/{}/accept", invited["id"].as_str().unwrap()),
            client,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    account_id(app, client).await
}

async fn order_for(
    app: &TestApp,
    partner: &str,
    client_id: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/orders?on_behalf_of={client_id}")))
        .bearer_auth(partner)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn client_credentials_token(app: &TestApp, person: &str, scopes: &[&str]) -> String {
    let res = app
        .post(
            "/api-clients",
            person,
            &json!({"name": "ERP du revendeur", "scopes": scopes}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let client: Value = res.json().await.unwrap();
    let res = app
        .client
        .post(app.url("/auth/token"))
        .json(&json!({
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_partner_with_client_credentials_orders_for_its_client_who_accepts_the_cgu_and_sees_the_order(
) {
    let app = TestApp::spawn().await;
    let partner_person = app.token(PARTNER).await;
    let partner =
        client_credentials_token(&app, &partner_person, &["orders:read", "orders:write"]).await;
    let client = app.token(CLIENT).await;
    let partner_id = account_id(&app, &partner_person).await;

    // the invitation, as the partner's integration and as the client see it
    let invited = invite(&app, &partner, CLIENT.0).await;
    assert_eq!(invited["status"], "pending");
    assert_eq!(invited["client_account_id"], Value::Null);
    let mine: Value = app.get("/me/partners", &client).await.json().await.unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["partner_code"], "PART-DEMO");
    assert_eq!(mine["items"][0]["status"], "pending");
    let link_id = invited["id"].as_str().unwrap();
    assert_eq!(mine["items"][0]["id"], link_id);
    // consent is a person's act: an API client's token cannot accept for the client
    let res = app
        .post(
            &format!("/me/partners/{link_id}/accept"),
            &partner,
            &json!({}),
        )
        .await;
    assert_problem(res, 403, "sign_in_required").await;
    let res = app
        .post(
            &format!("/me/partners/{link_id}/accept"),
            &client,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let client_id = account_id(&app, &client).await;
    let listed: Value = app.get("/clients", &partner).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["status"], "active");
    assert_eq!(listed["items"][0]["client_account_id"], client_id.as_str());
    assert_eq!(listed["items"][0]["organization_name"], "Démo Client SAS");

    // the partner's integration prepares the order: the client owns it
    let res = order_for(
        &app,
        &partner,
        &client_id,
        &json!({"authority": "certigna-ssl", "duration_months": 12,
                "holder": {"type": "self"}, "payment": {"method": "bank_transfer"}}),
    )
    .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let order: Value = res.json().await.unwrap();
    let oid = order["id"].as_str().unwrap().to_owned();
    assert_eq!(order["owner_account_id"], client_id.as_str());
    assert_eq!(order["prepared_by"], partner_id.as_str());
    // the partner's code, fixed (the customer's "no" above is refused as a change)
    assert_eq!(order["partner_fixed"], true);
    assert_eq!(order["partner"]["code"], "PART-DEMO");
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &partner,
            &json!({"generation_method": "csr", "csr_pem": fixture("rsa2048_ok.pem")}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // the CGU bind the subscriber: the partner cannot accept them, the client does
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &partner,
            &json!({"terms": {"version": CGU}}),
        )
        .await;
    let problem = assert_problem(res, 403, "subscriber_only").await;
    assert!(problem["detail"].as_str().unwrap().contains("client"));
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &client,
            &json!({"terms": {"version": CGU}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let read: Value = res.json().await.unwrap();
    assert_eq!(read["missing"], json!([]), "{read}");
    let n = app.sql_count(&format!(
        "SELECT count(*) AS n FROM orders WHERE id = '{oid}' AND terms->>'accepted_by' = '{client_id}'"
    ));
    assert_eq!(n, 1, "the CGU are recorded as the client's acceptance");

    // the client sees it among its orders; the partner submits it
    let list: Value = app.get("/orders", &client).await.json().await.unwrap();
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["id"] == oid.as_str()));
    let res = app
        .post(&format!("/orders/{oid}/commander"), &partner, &json!({}))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let submitted: Value = res.json().await.unwrap();
    assert_eq!(submitted["status"], "submitted");
    // its e-mail is the client's: the submitted event is on the client's account and mailed
    // to the client's address, and the form's subscriber is the client's organization
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM events e JOIN event_deliveries d ON d.event_id = e.id \
             WHERE e.order_id = '{oid}' AND e.event_type = 'order.submitted' \
             AND e.account_id = '{client_id}' AND d.recipient = 'client@demo.localhost'"
        )),
        1
    );
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM orders WHERE id = '{oid}' AND submitted->'formulaire'->'account'->>'legal_name' = 'Démo Client SAS'"
        )),
        1
    );
}

#[actix_web::test]
async fn an_invitation_answers_the_same_whether_or_not_an_account_has_the_username() {
    let app = TestApp::spawn().await;
    let partner = app.token(PARTNER).await;
    let known = invite(&app, &partner, OTHER.0).await;
    let unknown = invite(&app, &partner, "personne.inconnue").await;
    let keys = |v: &Value| {
        let mut k: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&known), keys(&unknown));
    for v in [&known, &unknown] {
        assert_eq!(v["status"], "pending");
        assert_eq!(v["client_account_id"], Value::Null);
        assert_eq!(v["organization_name"], Value::Null);
    }
    // inviting again answers the same live link
    let again = invite(&app, &partner, &OTHER.0.to_uppercase()).await;
    assert_eq!(again["id"], known["id"]);
    // the list shows both, anonymous until accepted
    let listed: Value = app.get("/clients", &partner).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["organization_name"].is_null() && l["client_account_id"].is_null()));
}

#[actix_web::test]
async fn only_a_partner_has_a_client_list_and_bad_usernames_are_named() {
    let app = TestApp::spawn().await;
    let client = app.token(CLIENT).await;
    let res = app
        .post("/clients", &client, &json!({"username": "x.y.z"}))
        .await;
    assert_problem(res, 403, "partner_only").await;
    let res = app.get("/clients", &client).await;
    assert_problem(res, 403, "partner_only").await;
    let partner = app.token(PARTNER).await;
    let res = app
        .post("/clients", &partner, &json!({"username": "a b"}))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("/username".to_owned(), "username_invalid".to_owned())]
    );
}

#[actix_web::test]
async fn an_order_on_behalf_of_an_account_that_has_not_accepted_or_has_left_is_refused() {
    let app = TestApp::spawn().await;
    let partner = app.token(PARTNER).await;
    let client = app.token(CLIENT).await;
    let client_id = account_id(&app, &client).await;
    let refused = |res: reqwest::Response| async move {
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(
            field_errors(&problem),
            [("/on_behalf_of".to_owned(), "client_not_linked".to_owned())]
        );
    };
    // not invited
    refused(order_for(&app, &partner, &client_id, &json!({})).await).await;
    // invited, not accepted
    let invited = invite(&app, &partner, CLIENT.0).await;
    refused(order_for(&app, &partner, &client_id, &json!({})).await).await;
    // accepted, then ended by the client
    let lid = invited["id"].as_str().unwrap();
    let res = app
        .post(&format!("/me/partners/{lid}/accept"), &client, &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let res = order_for(&app, &partner, &client_id, &json!({})).await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let res = app
        .client
        .delete(app.url(&format!("/me/partners/{lid}")))
        .bearer_auth(&client)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    refused(order_for(&app, &partner, &client_id, &json!({})).await).await;
    // the order already made stays the client's, still prepared by the partner
    let res = app
        .get(
            &format!("/orders/{}", made["id"].as_str().unwrap()),
            &partner,
        )
        .await;
    assert_eq!(res.status(), 200);
    // a customer has no clients to order for
    let other = app.token(OTHER).await;
    refused(order_for(&app, &other, &client_id, &json!({})).await).await;
    // nothing was created by the refusals
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM orders WHERE account_id = '{client_id}'"
        )),
        1
    );
    // and the CGU in the creating body are the client's to accept
    let invited = invite(&app, &partner, CLIENT.0).await;
    let lid = invited["id"].as_str().unwrap();
    app.post(&format!("/me/partners/{lid}/accept"), &client, &json!({}))
        .await;
    let res = order_for(
        &app,
        &partner,
        &client_id,
        &json!({"terms": {"version": CGU}}),
    )
    .await;
    assert_problem(res, 403, "subscriber_only").await;
}

#[actix_web::test]
async fn a_partner_code_typed_by_a_customer_gets_the_same_answer_whether_a_partner_has_it_or_not() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let mut answers = Vec::new();
    for code in ["PART-DEMO", "NOPE-42"] {
        let oid = app.create_order(&token).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = app
            .patch(
                &format!("/orders/{oid}"),
                &token,
                &json!({"partner": {"type": "partner", "code": code}}),
            )
            .await;
        assert_eq!(res.status(), 200);
        let order: Value = res.json().await.unwrap();
        answers.push((order["invalid"].clone(), order["missing"].clone()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, json!([]));
}

/// One request per action of the matrix, on order `oid` (a draft).
async fn attempt(app: &TestApp, token: &str, oid: &str, action: &str) -> reqwest::Response {
    let (method, path, body) = match action {
        "read" => (Method::GET, format!("/orders/{oid}"), None),
        "patch" => (
            Method::PATCH,
            format!("/orders/{oid}"),
            Some(json!({"duration_months": 12})),
        ),
        "accept_terms" => (
            Method::PATCH,
            format!("/orders/{oid}"),
            Some(json!({"terms": {"version": CGU}})),
        ),
        "commander" => (
            Method::POST,
            format!("/orders/{oid}/commander"),
            Some(json!({})),
        ),
        "pdf" => (Method::GET, format!("/orders/{oid}/formulaire.pdf"), None),
        "certificate" => (Method::GET, format!("/orders/{oid}/certificate"), None),
        "read_documents" => (Method::GET, format!("/orders/{oid}/documents"), None),
        "upload_documents" => (
            Method::POST,
            format!("/orders/{oid}/documents/kbis"),
            Some(json!({})),
        ),
        "domain_control" => (
            Method::PUT,
            format!("/orders/{oid}/domains/www.example.fr/method"),
            Some(json!({"method": "dns-txt"})),
        ),
        "accept_certificate" => (
            Method::POST,
            format!("/orders/{oid}/accept"),
            Some(json!({})),
        ),
        "request_revocation" => (
            Method::POST,
            format!("/orders/{oid}/revocation"),
            Some(json!({"reason": "key_compromise"})),
        ),
        "renew" => (
            Method::POST,
            format!("/orders/{oid}/renewal"),
            Some(json!({"csr_pem": fixture("rsa2048_ok.pem")})),
        ),
        "cancel" => (Method::DELETE, format!("/orders/{oid}"), None),
        other => panic!("no request for {other}"),
    };
    let mut req = app
        .client
        .request(method, app.url(&path))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

/// The matrix as the contract prints it: `(action, [customer, partner_own,
/// partner_for_client, partner_named, operator])`.
fn contract_matrix(description: &str) -> Vec<(String, Vec<bool>)> {
    let rights = &description[description.find("## Rights").expect("a Rights section")..];
    rights
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("(`") && !l.starts_with("| action"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let action = cells[0]
                .rsplit("(`")
                .next()
                .unwrap()
                .trim_end_matches("`)")
                .to_owned();
            (action, cells[1..].iter().map(|c| *c == "yes").collect())
        })
        .collect()
}

#[actix_web::test]
async fn every_cell_of_the_contracts_rights_matrix_is_what_its_route_answers() {
    let app = TestApp::spawn().await;
    let description = {
        let spec: Value = app
            .client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        spec["info"]["description"].as_str().unwrap().to_owned()
    };
    let mut matrix = contract_matrix(&description);
    // the matrix itself, as the README states it: customer, partner own, partner for a
    // client, partner only named, operator
    let stated = [
        ("read", "YYYYY"),
        ("patch", "YYYNN"),
        ("accept_terms", "YYNNN"),
        ("cancel", "YYYNN"),
        ("commander", "YYYNN"),
        ("pdf", "YYYNY"),
        ("certificate", "YYYNY"),
        ("read_documents", "YYYNY"),
        ("upload_documents", "YYYNN"),
        ("domain_control", "YYYNN"),
        ("accept_certificate", "YYNNN"),
        ("request_revocation", "YYYNN"),
        ("renew", "YYYNN"),
    ];
    let stated: Vec<(String, Vec<bool>)> = stated
        .iter()
        .map(|(a, row)| (a.to_string(), row.chars().map(|c| c == 'Y').collect()))
        .collect();
    assert_eq!(matrix, stated, "the contract's rights matrix");
    // cancelling last: the other requests find the draft as it was
    matrix.sort_by_key(|(a, _)| a == "cancel");

    let customer = app.token(CLIENT).await;
    let partner = app.token(PARTNER).await;
    let operator = app.token(OPERATOR).await;
    let client_id = link(&app, &partner, &customer, CLIENT.0).await;
    let new_draft = |token: String, partner_code: Option<&'static str>| {
        let app = &app;
        async move {
            let oid = app.create_order(&token).await["id"]
                .as_str()
                .unwrap()
                .to_owned();
            if let Some(code) = partner_code {
                let res = app
                    .patch(
                        &format!("/orders/{oid}"),
                        &token,
                        &json!({"partner": {"type": "partner", "code": code}}),
                    )
                    .await;
                assert_eq!(res.status(), 200);
            }
            oid
        }
    };
    let for_client = {
        let res = order_for(&app, &partner, &client_id, &json!({})).await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // (relation, caller, its order), in the contract's column order
    let cells = [
        (
            "customer",
            customer.clone(),
            new_draft(customer.clone(), None).await,
        ),
        (
            "partner_own",
            partner.clone(),
            new_draft(partner.clone(), None).await,
        ),
        ("partner_for_client", partner.clone(), for_client),
        (
            "partner_named",
            partner.clone(),
            new_draft(customer.clone(), Some("PART-DEMO")).await,
        ),
        (
            "operator",
            operator.clone(),
            new_draft(customer.clone(), None).await,
        ),
    ];
    // each caller's order lists what the caller may do: its column of the matrix
    for (column, (relation, token, oid)) in cells.iter().enumerate() {
        let order: Value = app
            .get(&format!("/orders/{oid}"), token)
            .await
            .json()
            .await
            .unwrap();
        let mut listed: Vec<String> = order["allowed_actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        let mut expected: Vec<String> = matrix
            .iter()
            .filter(|(_, row)| row[column])
            .map(|(a, _)| a.clone())
            .collect();
        listed.sort();
        expected.sort();
        assert_eq!(listed, expected, "allowed_actions of {relation}");
    }
    let mut checked = 0;
    for (action, row) in &matrix {
        // the owner's answer: what an allowed caller must get too
        let mut reference: Option<u16> = None;
        for ((relation, token, oid), allowed) in cells.iter().zip(row) {
            let res = attempt(&app, token, oid, action).await;
            let status = res.status().as_u16();
            if *allowed {
                let body = res.text().await.unwrap();
                assert!(
                    status != 403 && status != 404,
                    "{action} by {relation}: allowed by the matrix, refused: {status} {body}"
                );
                match reference {
                    None => reference = Some(status),
                    Some(r) => assert_eq!(
                        status, r,
                        "{action} by {relation}: not the owner's answer: {body}"
                    ),
                }
            } else {
                let expected = if *relation == "partner_for_client" {
                    "subscriber_only"
                } else {
                    "read_only"
                };
                assert_problem(res, 403, expected).await;
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 13 * 5);

    // and a stranger to the order does not learn it exists
    let other = app.token(OTHER).await;
    for (action, _) in &matrix {
        let res = attempt(&app, &other, &cells[0].2, action).await;
        assert_problem(res, 404, "not_found").await;
    }
}

#[actix_web::test]
async fn a_partner_ends_its_own_links_only_and_then_orders_for_that_client_no_more() {
    let app = TestApp::spawn().await;
    let partner = app.token(PARTNER).await;
    let client = app.token(CLIENT).await;
    let client_id = link(&app, &partner, &client, CLIENT.0).await;
    let listed: Value = app.get("/clients", &partner).await.json().await.unwrap();
    let lid = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let delete = |token: String, path: String| {
        let app = &app;
        async move {
            app.client
                .delete(app.url(&path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    // not the other customer's to end, nor a customer's to end from the partner's side
    let other = app.token(OTHER).await;
    let res = delete(other.clone(), format!("/me/partners/{lid}")).await;
    assert_problem(res, 404, "not_found").await;
    let res = delete(client.clone(), format!("/clients/{lid}")).await;
    assert_problem(res, 403, "partner_only").await;
    // the partner ends it: gone from both lists, no more orders on behalf
    let res = delete(partner.clone(), format!("/clients/{lid}")).await;
    assert_eq!(res.status(), 204);
    let res = delete(partner.clone(), format!("/clients/{lid}")).await;
    assert_problem(res, 404, "not_found").await;
    let listed: Value = app.get("/clients", &partner).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
    let mine: Value = app.get("/me/partners", &client).await.json().await.unwrap();
    assert_eq!(mine["items"], json!([]));
    let res = order_for(&app, &partner, &client_id, &json!({})).await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        [("/on_behalf_of".to_owned(), "client_not_linked".to_owned())]
    );
}
