//! The life after "Commander" through the API (SPEC §8): requirements, operators' decisions,
//! cancellation and refund, the timeline.

use serde_json::{json, Value};

use crate::support::{assert_problem, fill_steps, fixture, TestApp, CLIENT, OPERATOR, OTHER};

/// A submitted order of `token`'s account for `authority`, with a pasted CSR.
pub async fn submitted(app: &TestApp, token: &str, authority: &str) -> String {
    let oid = app.create_order(token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    fill_steps(app, token, &oid, authority).await;
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            token,
            &json!({"generation_method": "csr", "csr_pem": fixture("ec_p256_ok.pem")}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .post(&format!("/orders/{oid}/commander"), token, &json!({}))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    oid
}

pub async fn life(app: &TestApp, token: &str, oid: &str) -> Value {
    let res = app.get(&format!("/orders/{oid}/life"), token).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

pub async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

pub async fn timeline_types(app: &TestApp, token: &str, oid: &str) -> Vec<String> {
    let t: Value = app
        .get(&format!("/orders/{oid}/timeline"), token)
        .await
        .json()
        .await
        .unwrap();
    t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_submitted_order_shows_its_requirements_and_who_must_act_next() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let draft = app.create_order(&token).await;
    let draft_life = life(&app, &token, draft["id"].as_str().unwrap()).await;
    assert_eq!(draft_life["next_action"]["action"], "complete_steps");
    assert!(draft_life.get("requirements").is_none());

    let oid = submitted(&app, &token, "certigna-ssl").await;
    let l = life(&app, &token, &oid).await;
    assert_eq!(l["status"], "submitted");
    assert_eq!(l["next_action"]["action"], "upload_documents");
    assert_eq!(l["next_action"]["actor"], "customer");
    let docs = l["requirements"]["documents"].as_array().unwrap();
    assert!(!docs.is_empty());
    assert!(docs.iter().all(|d| d["status"] == "required"));
    assert_eq!(
        l["next_action"]["documents"].as_array().unwrap().len(),
        docs.len()
    );
    assert_eq!(l["requirements"]["payment"]["status"], "awaiting");
    assert_eq!(l["requirements"]["domain_control"], "valid");
    assert_eq!(l["requirements"]["all_met"], false);
    assert_eq!(
        timeline_types(&app, &token, &oid).await,
        ["order.created", "order.submitted"]
    );
}

#[actix_web::test]
async fn only_an_operator_records_the_payment_approves_or_rejects_and_each_is_recorded_with_who() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let oid = submitted(&app, &token, "certigna-ssl").await;

    for path in ["payment", "approve", "reject", "revoked"] {
        let body = match path {
            "payment" => json!({"reference": "VIR-1"}),
            "reject" => json!({"reason": "other"}),
            _ => json!({}),
        };
        assert_problem(
            app.post(&format!("/orders/{oid}/{path}"), &token, &body)
                .await,
            403,
            "operator_only",
        )
        .await;
    }
    // approval waits for the documents and the payment, and says which
    let p = assert_problem(
        app.post(&format!("/orders/{oid}/approve"), &op, &json!({}))
            .await,
        409,
        "requirements_unmet",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("documents"), "{p}");

    let empty = app
        .post(
            &format!("/orders/{oid}/payment"),
            &op,
            &json!({"reference": "  "}),
        )
        .await;
    let p = assert_problem(empty, 422, "validation_failed").await;
    assert_eq!(p["errors"][0]["pointer"], "/reference");
    let l = ok(app
        .post(
            &format!("/orders/{oid}/payment"),
            &op,
            &json!({"reference": "VIR-2026-12-0042"}),
        )
        .await)
    .await;
    assert_eq!(l["requirements"]["payment"]["status"], "received");
    assert_eq!(
        l["requirements"]["payment"]["reference"],
        "VIR-2026-12-0042"
    );
    assert_problem(
        app.post(
            &format!("/orders/{oid}/payment"),
            &op,
            &json!({"reference": "VIR-2"}),
        )
        .await,
        409,
        "payment_already_recorded",
    )
    .await;

    let unknown = app
        .post(
            &format!("/orders/{oid}/reject"),
            &op,
            &json!({"reason": "because"}),
        )
        .await;
    assert_eq!(unknown.status(), 422);
    let l = ok(app
        .post(
            &format!("/orders/{oid}/reject"),
            &op,
            &json!({"reason": "identity_unverified", "message": "SIREN inconnu."}),
        )
        .await)
    .await;
    assert_eq!(l["status"], "rejected");
    assert_eq!(l["rejection"]["reason"], "identity_unverified");
    assert_eq!(l["rejection"]["message"], "SIREN inconnu.");
    assert!(l["rejection"]["reason_en"]
        .as_str()
        .unwrap()
        .contains("identity"));
    assert!(l.get("next_action").is_none());
    // the operator is named on each of its events
    let t: Value = app
        .get(&format!("/orders/{oid}/timeline"), &token)
        .await
        .json()
        .await
        .unwrap();
    let items = t["items"].as_array().unwrap();
    let types: Vec<&str> = items.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "order.created",
            "order.submitted",
            "order.payment_received",
            "order.rejected"
        ]
    );
    assert!(items[2]["actor_id"].is_string());
    assert_eq!(items[2]["detail"]["reference"], "VIR-2026-12-0042");
    assert_eq!(items[3]["detail"]["reason"], "identity_unverified");
    // a rejected order takes nothing more
    assert_problem(
        app.post(&format!("/orders/{oid}/approve"), &op, &json!({}))
            .await,
        409,
        "transition_not_allowed",
    )
    .await;
}

#[actix_web::test]
async fn a_submitted_order_cancelled_by_its_owner_records_whether_a_refund_is_due() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let unpaid = submitted(&app, &token, "certigna-ssl").await;
    let paid = submitted(&app, &token, "certigna-ssl").await;
    ok(app
        .post(
            &format!("/orders/{paid}/payment"),
            &op,
            &json!({"reference": "CHQ-77"}),
        )
        .await)
    .await;

    // not the owner's: 404 for another customer, 403 for an operator
    let other = app.token(OTHER).await;
    assert_problem(
        app.post(&format!("/orders/{paid}/cancel"), &other, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(&format!("/orders/{paid}/cancel"), &op, &json!({}))
            .await,
        403,
        "read_only",
    )
    .await;

    let l = ok(app
        .post(&format!("/orders/{unpaid}/cancel"), &token, &json!({}))
        .await)
    .await;
    assert_eq!(l["status"], "cancelled");
    assert_eq!(l["cancellation"]["refund_due"], false);
    assert_eq!(l["cancellation"]["refund_rule"], "not_paid");
    let l = ok(app
        .post(&format!("/orders/{paid}/cancel"), &token, &json!({}))
        .await)
    .await;
    assert_eq!(l["cancellation"]["refund_due"], true);
    assert_eq!(l["cancellation"]["refund_rule"], "within_window");
    assert_eq!(l["cancellation"]["refund_window_days"], 30);
    // once cancelled, nothing more; a draft is cancelled with DELETE, not here
    assert_problem(
        app.post(&format!("/orders/{paid}/cancel"), &token, &json!({}))
            .await,
        409,
        "transition_not_allowed",
    )
    .await;
    let draft = app.create_order(&token).await;
    assert_problem(
        app.post(
            &format!("/orders/{}/cancel", draft["id"].as_str().unwrap()),
            &token,
            &json!({}),
        )
        .await,
        409,
        "transition_not_allowed",
    )
    .await;
    let order: Value = app
        .get(&format!("/orders/{paid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(order["status"], "cancelled");
}

#[actix_web::test]
async fn the_customer_is_mailed_in_french_when_the_order_is_rejected_and_when_it_is_cancelled() {
    use crate::smtp_sink::SmtpSink;
    use std::time::Duration;
    let sink = SmtpSink::start().await;
    let port = sink.port();
    let app = TestApp::spawn_with(|s| {
        s.outbox_worker = true;
        s.smtp.host = "127.0.0.1".into();
        s.smtp.port = port;
        s.outbox_poll = Duration::from_millis(100);
    })
    .await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let rejected = submitted(&app, &token, "certigna-ssl").await;
    let cancelled = submitted(&app, &token, "certigna-ssl").await;
    // the draft withdrawn with DELETE sends nothing
    let draft = app.create_order(&token).await;
    app.client
        .delete(app.url(&format!("/orders/{}", draft["id"].as_str().unwrap())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    ok(app
        .post(
            &format!("/orders/{rejected}/reject"),
            &op,
            &json!({"reason": "documents_invalid", "message": "Kbis de plus de 3 mois"}),
        )
        .await)
    .await;
    ok(app
        .post(&format!("/orders/{cancelled}/cancel"), &token, &json!({}))
        .await)
    .await;
    // two order e-mails, then one for the rejection and one for the cancellation
    let got = sink.wait_for_messages(4, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_all = sink.messages();
    assert_eq!(got_all.len(), 4, "no e-mail for the withdrawn draft");
    let subjects: Vec<String> = got.iter().filter_map(|m| m.subject()).collect();
    let refused = got
        .iter()
        .find(|m| m.subject().is_some_and(|s| s.contains("refusée")))
        .unwrap_or_else(|| panic!("{subjects:?}"));
    let text = refused.parts()[0].text();
    assert!(text.contains("Kbis de plus de 3 mois"), "{text}");
    assert!(text.contains(&format!("/orders/{rejected}/life")), "{text}");
    let annulled = got
        .iter()
        .find(|m| m.subject().is_some_and(|s| s.contains("annulée")))
        .unwrap_or_else(|| panic!("{subjects:?}"));
    assert!(annulled.parts()[0].text().contains("Aucun remboursement"));
    let ids: std::collections::HashSet<String> =
        got.iter().filter_map(|m| m.header("Message-ID")).collect();
    assert_eq!(ids.len(), 4, "one Message-ID per e-mail");
}

/// Every justificatif uploaded by the customer (a PDF each) and accepted by the operator;
/// with `reject_first`, the first one is refused once, then uploaded again (its history kept).
pub async fn documents_accepted(
    app: &TestApp,
    token: &str,
    op: &str,
    oid: &str,
    reject_first: bool,
) {
    use crate::documents::{pdf, review, upload};
    let l = life(app, token, oid).await;
    let codes: Vec<String> = l["requirements"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    assert!(!codes.is_empty());
    for (i, code) in codes.iter().enumerate() {
        let res = upload(
            app,
            token,
            oid,
            code,
            "piece.pdf",
            "application/pdf",
            pdf(code),
        )
        .await;
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        if i == 0 && reject_first {
            let res = review(
                app,
                op,
                oid,
                code,
                json!({"decision": "rejected", "reason": "illegible", "message": "Scan flou"}),
            )
            .await;
            assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
            let l = life(app, token, oid).await;
            assert_eq!(l["next_action"]["action"], "upload_documents");
            let asked = l["next_action"]["documents"].as_array().unwrap();
            assert_eq!(
                asked[0],
                code.as_str(),
                "the rejected one first, in the list's order"
            );
            let res = upload(
                app,
                token,
                oid,
                code,
                "piece-2.pdf",
                "application/pdf",
                pdf("again"),
            )
            .await;
            assert_eq!(res.status(), 201);
        }
        let res = review(app, op, oid, code, json!({"decision": "accepted"})).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
}

/// A submitted order, every requirement met and approved: issued by the sandbox.
pub async fn issued(app: &TestApp, token: &str, op: &str, authority: &str) -> (String, Value) {
    let oid = submitted(app, token, authority).await;
    documents_accepted(app, token, op, &oid, authority == "certigna-ssl-rgs").await;
    ok(app
        .post(
            &format!("/orders/{oid}/payment"),
            op,
            &json!({"reference": "VIR-1"}),
        )
        .await)
    .await;
    let l = ok(app
        .post(&format!("/orders/{oid}/approve"), op, &json!({}))
        .await)
    .await;
    (oid, l)
}

fn openssl(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

async fn download(
    app: &TestApp,
    token: &str,
    oid: &str,
    query: &str,
    accept: Option<&str>,
) -> (String, Vec<u8>) {
    let mut req = app
        .client
        .get(app.url(&format!("/orders/{oid}/certificate{query}")))
        .bearer_auth(token);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "{query} {accept:?}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    (ct, res.bytes().await.unwrap().to_vec())
}

#[actix_web::test]
async fn the_sandbox_issues_on_approval_openssl_verifies_every_download_and_the_customer_accepts() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let (oid, l) = issued(&app, &token, &op, "certigna-ssl-rgs").await;
    assert_eq!(l["status"], "issued", "{l}");
    assert_eq!(l["certificate"]["source"], "sandbox");
    assert_eq!(l["acceptance"]["required"], true);
    assert_eq!(l["next_action"]["action"], "accept_certificate");
    assert_eq!(l["next_action"]["due"], l["acceptance"]["deadline"]);

    // what the customer sees before accepting
    let order: Value = app
        .get(&format!("/orders/{oid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    let cert: Value = app
        .get(&format!("/orders/{oid}/certificate"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cert["contents"]["dns_names"], order["domains"], "{cert}");
    assert_eq!(
        cert["contents"]["public_key_sha256"],
        order["csr"]["public_key_sha256"]
    );
    assert!(cert["contents"]["issuer"]
        .as_str()
        .unwrap()
        .contains("NOT TRUSTED"));

    let dir = tempfile_dir(&oid);
    let (ct, chain) = download(&app, &token, &oid, "?format=chain", None).await;
    assert_eq!(ct, "application/pem-certificate-chain");
    let (ct, leaf) = download(&app, &token, &oid, "", Some("application/x-pem-file")).await;
    assert_eq!(ct, "application/x-pem-file");
    let (_, p7) = download(&app, &token, &oid, "?format=pkcs7", None).await;
    let (ct, der) = download(&app, &token, &oid, "?format=der", None).await;
    assert_eq!(ct, "application/pkix-cert");
    let chain_text = String::from_utf8(chain.clone()).unwrap();
    let second = chain_text.find("-----BEGIN CERTIFICATE-----").map(|i| {
        chain_text[i + 1..]
            .find("-----BEGIN CERTIFICATE-----")
            .unwrap()
            + i
            + 1
    });
    let intermediate = &chain_text[second.unwrap()..];
    std::fs::write(dir.join("leaf.pem"), &leaf).unwrap();
    std::fs::write(dir.join("intermediate.pem"), intermediate).unwrap();
    std::fs::write(dir.join("chain.p7b"), &p7).unwrap();
    std::fs::write(dir.join("leaf.der"), &der).unwrap();
    let root = crate::support::sandbox_ca_dir().join("ca/root.pem");
    let out = openssl(
        &[
            "verify",
            "-CAfile",
            root.to_str().unwrap(),
            "-untrusted",
            "intermediate.pem",
            "leaf.pem",
        ],
        &dir,
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("leaf.pem: OK"));
    let out = openssl(
        &[
            "pkcs7",
            "-inform",
            "DER",
            "-in",
            "chain.p7b",
            "-print_certs",
        ],
        &dir,
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("BEGIN CERTIFICATE")
            .count(),
        2
    );
    openssl(
        &[
            "x509", "-inform", "DER", "-in", "leaf.der", "-noout", "-subject",
        ],
        &dir,
    );
    assert_problem(
        app.client
            .get(app.url(&format!("/orders/{oid}/certificate")))
            .bearer_auth(&token)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap(),
        406,
        "not_acceptable",
    )
    .await;

    // operators may not accept for the customer
    assert_problem(
        app.post(&format!("/orders/{oid}/accept"), &op, &json!({}))
            .await,
        403,
        "read_only",
    )
    .await;
    let l = ok(app
        .post(&format!("/orders/{oid}/accept"), &token, &json!({}))
        .await)
    .await;
    assert_eq!(l["status"], "active");
    assert_eq!(l["acceptance"]["decision"], "accepted");
    assert!(l.get("next_action").is_none());
    let types = timeline_types(&app, &token, &oid).await;
    let order_events: Vec<&str> = types
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with("order."))
        .collect();
    assert_eq!(
        order_events,
        [
            "order.created",
            "order.submitted",
            "order.payment_received",
            "order.validated",
            "order.issued",
            "order.accepted"
        ]
    );
    // every justificatif uploaded and accepted, the first one rejected and uploaded again
    let docs = l_docs(&types);
    assert_eq!(docs.0, docs.2 + 1, "uploads = accepted + the rejected one");
    assert_eq!(docs.1, 1);

    // a second order is refused by the customer: revoked at once by the sandbox
    let (second, _) = issued(&app, &token, &op, "certigna-ssl-rgs").await;
    let l = ok(app
        .post(
            &format!("/orders/{second}/refuse"),
            &token,
            &json!({"message": "Le nom www manque."}),
        )
        .await)
    .await;
    assert_eq!(l["status"], "revoked");
    assert_eq!(l["acceptance"]["decision"], "refused");
    assert_eq!(l["acceptance"]["refusal_message"], "Le nom www manque.");
    assert!(l["revocation"]["revoked_at"].is_string());
    assert_problem(
        app.post(&format!("/orders/{second}/accept"), &token, &json!({}))
            .await,
        409,
        "transition_not_allowed",
    )
    .await;
    // an SSL certificate needs no acceptance: active at issuance
    let (third, l) = issued(&app, &token, &op, "certigna-ssl").await;
    assert_eq!(l["status"], "active");
    assert_eq!(l["acceptance"]["decision"], "implicit");
    let bad = app
        .post(
            &format!("/orders/{third}/revocation"),
            &token,
            &json!({"reason": "privilege_withdrawn"}),
        )
        .await;
    let p = assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(p["errors"][0]["code"], "revocation_reason_not_allowed");
    let l = ok(app
        .post(
            &format!("/orders/{third}/revocation"),
            &token,
            &json!({"reason": "key_compromise"}),
        )
        .await)
    .await;
    assert_eq!(l["status"], "revoked");
    assert_eq!(l["revocation"]["crl_reason_code"], 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// How many `document.uploaded`, `document.rejected`, `document.accepted` events.
fn l_docs(types: &[String]) -> (usize, usize, usize) {
    let n = |t: &str| types.iter().filter(|x| x.as_str() == t).count();
    (
        n("document.uploaded"),
        n("document.rejected"),
        n("document.accepted"),
    )
}

fn tempfile_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("certorder-cert-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `certorder run-jobs --now at` on the test's database, started (not waited for).
fn run_jobs(app: &TestApp, at: chrono::DateTime<chrono::Utc>) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_certorder"))
        .arg("run-jobs")
        .arg("--now")
        .arg(at.to_rfc3339())
        .env("DATABASE_URL", crate::support::database_url(&app.db_name))
        .env("CERTORDER_ENV", "development")
        .env("ISSUER", "sandbox")
        .env("SANDBOX_CA_DIR", crate::support::sandbox_ca_dir())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[actix_web::test]
async fn two_days_before_the_acceptance_deadline_the_customer_is_reminded_once_by_e_mail() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let (oid, l) = issued(&app, &token, &op, "certigna-ssl-rgs").await;
    let deadline: chrono::DateTime<chrono::Utc> = l["acceptance"]["deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let reminders = || {
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM events e JOIN event_deliveries d ON d.event_id = e.id \
             WHERE e.order_id = '{oid}' AND e.event_type = 'order.acceptance_reminder' AND d.subscriber = 'mail'"
        ))
    };
    let out = run_jobs(&app, deadline - chrono::Duration::days(3))
        .wait_with_output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0 job(s) run");
    assert_eq!(reminders(), 0);
    for _ in 0..2 {
        let out = run_jobs(&app, deadline - chrono::Duration::days(1))
            .wait_with_output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        reminders(),
        1,
        "one reminder, mailed, however often the scheduler runs"
    );
    let l = life(&app, &token, &oid).await;
    assert_eq!(l["status"], "issued");
    assert_eq!(l["next_action"]["action"], "accept_certificate");
    // the customer accepts after the reminder: the deadline job then does nothing
    ok(app
        .post(&format!("/orders/{oid}/accept"), &token, &json!({}))
        .await)
    .await;
    let out = run_jobs(&app, deadline + chrono::Duration::hours(1))
        .wait_with_output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1 job(s) run");
    assert_eq!(life(&app, &token, &oid).await["status"], "active");
}

#[actix_web::test]
async fn an_rgs_certificate_left_unaccepted_is_revoked_once_by_two_schedulers_at_an_injected_time()
{
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let (oid, l) = issued(&app, &token, &op, "certigna-ssl-rgs").await;
    let deadline: chrono::DateTime<chrono::Utc> = l["acceptance"]["deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // nothing is due before the deadline
    let run = |at| run_jobs(&app, at);
    let early = run(deadline - chrono::Duration::days(3))
        .wait_with_output()
        .unwrap();
    assert!(early.status.success());
    assert_eq!(
        String::from_utf8_lossy(&early.stdout).trim(),
        "0 job(s) run"
    );
    assert_eq!(life(&app, &token, &oid).await["status"], "issued");

    // two replicas' schedulers after the deadline, at once
    let after = deadline + chrono::Duration::hours(1);
    let (a, b) = (run(after), run(after));
    let outputs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let mut ran = 0;
    for out in &outputs {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        ran += text
            .trim()
            .split(' ')
            .next()
            .unwrap()
            .parse::<u32>()
            .unwrap();
    }
    // the reminder (due two days before, now too late to send) and the deadline: each once
    assert_eq!(ran, 2);
    let l = life(&app, &token, &oid).await;
    assert_eq!(l["status"], "revoked");
    assert_eq!(l["revocation"]["reason"], "privilege_withdrawn");
    assert_eq!(l["acceptance"]["decision"], "expired");
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM events WHERE order_id = '{oid}' AND event_type = 'order.revoked'"
        )),
        1
    );
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM scheduled_jobs WHERE order_id = '{oid}' AND status = 'done'"
        )),
        3,
        "issue, reminder, deadline"
    );
    assert_problem(
        app.post(&format!("/orders/{oid}/accept"), &token, &json!({}))
            .await,
        409,
        "transition_not_allowed",
    )
    .await;
}

#[actix_web::test]
async fn the_review_queue_lists_what_waits_for_an_operator_and_only_operators_see_it() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let waiting_for_customer = submitted(&app, &token, "certigna-ssl").await;
    let to_review = submitted(&app, &token, "certigna-ssl").await;
    let first = life(&app, &token, &to_review).await["requirements"]["documents"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = crate::documents::upload(
        &app,
        &token,
        &to_review,
        &first,
        "kbis.pdf",
        "application/pdf",
        crate::documents::pdf("kbis"),
    )
    .await;
    assert_eq!(res.status(), 201);
    let to_approve = submitted(&app, &token, "certigna-ssl").await;
    documents_accepted(&app, &token, &op, &to_approve, false).await;
    ok(app
        .post(
            &format!("/orders/{to_approve}/payment"),
            &op,
            &json!({"reference": "VIR-9"}),
        )
        .await)
    .await;

    assert_problem(app.get("/review-queue", &token).await, 403, "operator_only").await;
    let q = ok(app.get("/review-queue", &op).await).await;
    let items = q["items"].as_array().unwrap();
    let ids: Vec<&str> = items
        .iter()
        .map(|i| i["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [to_review.as_str(), to_approve.as_str()], "{q}");
    assert!(!ids.contains(&waiting_for_customer.as_str()));
    assert_eq!(
        items[0]["next_action"]["actor"], "customer",
        "documents still to upload come first"
    );
    assert_eq!(items[1]["next_action"]["action"], "approve_order");
    assert_eq!(app.get("/review-queue?limit=0", &op).await.status(), 400);
}

/// A chain for `csr_pem` and `names`, issued by the tests' sandbox CA (standing for the real
/// CA of manual mode), PEM, leaf first.
fn chain_from_sandbox(csr_pem: &str, names: &[String]) -> String {
    use certorder::issuer::{open_sandbox_ca, IssueRequest};
    let now = chrono::Utc::now();
    let ca = open_sandbox_ca(&crate::support::sandbox_ca_dir(), None, true, now).unwrap();
    let issued = ca
        .issue_leaf(&IssueRequest {
            csr_pem,
            names,
            order_number: "CMD-TEST",
            not_before: now,
            not_after: now + chrono::Duration::days(90),
        })
        .unwrap();
    let pem = certorder::issuer::CertificateFormat::PemChain
        .encode(&issued.chain_der)
        .unwrap();
    String::from_utf8(pem).unwrap()
}

#[actix_web::test]
async fn in_manual_mode_the_operator_attaches_the_chain_and_one_that_does_not_match_the_csr_is_refused(
) {
    // the root the "real CA" chains lead to, made before the server trusts it
    let _ = chain_from_sandbox(&fixture("ec_p256_ok.pem"), &["www.certigna.fr".to_owned()]);
    let app = TestApp::spawn_with(|s| {
        s.issuer.mode = certorder::issuer::IssuerMode::Manual;
        s.issuer.trust_anchors = vec![crate::support::sandbox_ca_dir().join("ca/root.pem")];
    })
    .await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let (oid, l) = issued(&app, &token, &op, "certigna-ssl").await;
    assert_eq!(
        l["status"], "validated",
        "manual mode waits for the operator: {l}"
    );
    assert_eq!(l["next_action"]["action"], "attach_certificate");
    assert_eq!(l["next_action"]["actor"], "operator");
    let order: Value = app
        .get(&format!("/orders/{oid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<String> = serde_json::from_value(order["domains"].clone()).unwrap();

    // another key (the RSA CSR) for the same names, then the right key for other names
    let wrong_key = chain_from_sandbox(&fixture("rsa2048_ok.pem"), &names);
    let p = assert_problem(
        app.post(
            &format!("/orders/{oid}/certificate"),
            &op,
            &json!({"chain_pem": wrong_key}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let codes: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"certificate_key_mismatch"), "{p}");
    assert!(p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["pointer"] == "/chain_pem"));
    let wrong_names = chain_from_sandbox(
        &fixture("ec_p256_ok.pem"),
        &["autre.certigna.fr".to_owned()],
    );
    let p = assert_problem(
        app.post(
            &format!("/orders/{oid}/certificate"),
            &op,
            &json!({"chain_pem": wrong_names}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "certificate_names_mismatch"),
        "{p}"
    );
    assert_eq!(
        life(&app, &token, &oid).await["status"],
        "validated",
        "nothing kept of a refused chain"
    );
    // a customer may not attach one
    let right = chain_from_sandbox(&fixture("ec_p256_ok.pem"), &names);
    assert_problem(
        app.post(
            &format!("/orders/{oid}/certificate"),
            &token,
            &json!({"chain_pem": right}),
        )
        .await,
        403,
        "operator_only",
    )
    .await;
    let l = ok(app
        .post(
            &format!("/orders/{oid}/certificate"),
            &op,
            &json!({"chain_pem": right}),
        )
        .await)
    .await;
    assert_eq!(
        l["status"], "active",
        "SSL: accepted implicitly at issuance"
    );
    assert_eq!(l["certificate"]["source"], "manual");
    // in manual mode a revocation waits for the operator to record it
    let l = ok(app
        .post(
            &format!("/orders/{oid}/revocation"),
            &token,
            &json!({"reason": "superseded"}),
        )
        .await)
    .await;
    assert_eq!(l["status"], "active");
    assert_eq!(l["next_action"]["action"], "record_revocation");
    let q = ok(app.get("/review-queue", &op).await).await;
    assert!(q["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["order_id"] == oid.as_str()));
    let l = ok(app
        .post(&format!("/orders/{oid}/revoked"), &op, &json!({}))
        .await)
    .await;
    assert_eq!(l["status"], "revoked");
}
