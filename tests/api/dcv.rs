//! Domain control (SPEC §9) against real peers on loopback: the tests' own authoritative DNS
//! server and HTTP server (`dcv_peers`), so that every diagnosis comes from a real answer.

use std::net::Ipv4Addr;

use serde_json::{json, Value};

use crate::dcv_peers::{TestDns, TestHttp, Zone};
use crate::lifecycle::{documents_accepted, life, ok};
use crate::support::{assert_problem, fill_steps, fixture, TestApp, CLIENT, OPERATOR};

const LABEL: &str = "_certorder-challenge";

async fn spawn(dns: &TestDns, http: &TestHttp) -> TestApp {
    let (addr, port) = (dns.addr, http.port);
    TestApp::spawn_with(move |s| {
        s.dcv.resolver = Some(addr);
        s.dcv.http_port = port;
        s.dcv.test_suffixes = vec![];
        s.dcv.timeout = std::time::Duration::from_secs(1);
    })
    .await
}

/// A submitted order of `token`'s account with the CSR `csr` (a fixture's name).
async fn submitted_with(app: &TestApp, token: &str, csr: &str) -> String {
    submitted_for(app, token, csr, "certigna-ssl").await
}

async fn submitted_for(app: &TestApp, token: &str, csr: &str, authority: &str) -> String {
    let oid = app.create_order(token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    fill_steps(app, token, &oid, authority).await;
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            token,
            &json!({"generation_method": "csr", "csr_pem": fixture(csr)}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .post(&format!("/orders/{oid}/commander"), token, &json!({}))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    oid
}

async fn check(app: &TestApp, token: &str, oid: &str, name: &str) -> Value {
    ok(app
        .post(
            &format!("/orders/{oid}/domains/{name}/check"),
            token,
            &json!({}),
        )
        .await)
    .await
}

fn code(c: &Value) -> &str {
    c["last_check"]["code"].as_str().unwrap_or("valid")
}

#[actix_web::test]
async fn a_multi_name_order_is_validated_by_dns_and_by_http_after_failing_checks_then_approved() {
    let dns = TestDns::start();
    let http = TestHttp::start();
    let app = spawn(&dns, &http).await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    // www.certigna.fr, certigna.fr and shop.certigna.fr
    let oid = submitted_with(&app, &token, "multi_san_ok.pem").await;

    let list = ok(app.get(&format!("/orders/{oid}/domains"), &token).await).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    assert_eq!(list["all_valid"], false);
    let dns_name = "www.certigna.fr";
    let web_name = "shop.certigna.fr";
    // the third name by DNS, published at once
    let apex = items.iter().find(|i| i["name"] == "certigna.fr").unwrap();
    dns.txt(
        &format!("{LABEL}.certigna.fr"),
        &[apex["publish"]["value"].as_str().unwrap()],
    );
    let d = items.iter().find(|i| i["name"] == dns_name).unwrap();
    assert_eq!(d["status"], "pending");
    assert_eq!(d["method"], "dns-txt");
    assert_eq!(d["publish"]["record_name"], format!("{LABEL}.{dns_name}"));
    assert_eq!(d["publish"]["record_type"], "TXT");
    let dns_token = d["publish"]["value"].as_str().unwrap().to_owned();
    assert!(dns_token.len() >= 32, "at least 128 bits: {dns_token}");
    assert_eq!(
        life(&app, &token, &oid).await["requirements"]["domain_control"],
        "pending"
    );

    // the other name by HTTP: a new token, and the URL to publish it at
    let w = ok(app
        .put(
            &format!("/orders/{oid}/domains/{web_name}/method"),
            &token,
            &json!({"method": "http-file"}),
        )
        .await)
    .await;
    assert_eq!(w["method"], "http-file");
    let url = w["publish"]["url"].as_str().unwrap().to_owned();
    let web_token = w["publish"]["content"].as_str().unwrap().to_owned();
    assert_ne!(
        web_token,
        items.iter().find(|i| i["name"] == web_name).unwrap()["token"]
    );
    let path = url
        .split_once(&format!(":{}", http.port))
        .unwrap()
        .1
        .to_owned();
    assert!(path.starts_with("/.well-known/pki-validation/"), "{url}");

    // documents and payment done: approval still waits for domain control
    documents_accepted(&app, &token, &op, &oid, false).await;
    ok(app
        .post(
            &format!("/orders/{oid}/payment"),
            &op,
            &json!({"reference": "VIR-1"}),
        )
        .await)
    .await;
    let p = assert_problem(
        app.post(&format!("/orders/{oid}/approve"), &op, &json!({}))
            .await,
        409,
        "requirements_unmet",
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("domain_control"),
        "{p}"
    );

    // DNS: nothing published yet, the name itself unknown
    let c = check(&app, &token, &oid, dns_name).await;
    assert_eq!(code(&c), "dcv_name_not_found", "{c}");
    assert_eq!(c["status"], "pending");
    assert!(c["next_check_at"].is_string());
    // the value on the name itself instead of the label
    dns.txt(dns_name, &[&dns_token]);
    let c = check(&app, &token, &oid, dns_name).await;
    assert_eq!(code(&c), "dcv_wrong_label", "{c}");
    // the label exists, with another value: shown
    dns.txt(&format!("{LABEL}.{dns_name}"), &["v=old-token"]);
    let c = check(&app, &token, &oid, dns_name).await;
    assert_eq!(code(&c), "dcv_other_txt_values", "{c}");
    assert_eq!(c["last_check"]["values"], json!(["v=old-token"]));
    assert!(c["last_check"]["message_en"]
        .as_str()
        .unwrap()
        .contains("v=old-token"));
    // the label exists without TXT
    dns.a(&format!("{LABEL}.{dns_name}"), Ipv4Addr::new(127, 0, 0, 1));
    dns.a(dns_name, Ipv4Addr::new(127, 0, 0, 1));
    let c = check(&app, &token, &oid, dns_name).await;
    assert_eq!(code(&c), "dcv_no_txt_record", "{c}");
    // fixed
    dns.txt(&format!("{LABEL}.{dns_name}"), &["unrelated", &dns_token]);
    let c = check(&app, &token, &oid, dns_name).await;
    assert_eq!(c["status"], "valid", "{c}");
    assert_eq!(c["last_check"]["ok"], true);
    assert_eq!(c["validated"]["method"], "dns-txt");
    assert!(c["validated"]["answer"]
        .as_str()
        .unwrap()
        .contains(&dns_token));
    assert!(c["validated"]["valid_until"].is_string());

    // HTTP: the name resolves to the test server (loopback, allowed in tests)
    dns.a(web_name, Ipv4Addr::new(127, 0, 0, 1));
    let c = check(&app, &token, &oid, web_name).await;
    assert_eq!(code(&c), "dcv_http_status", "{c}");
    assert_eq!(c["last_check"]["seen"], "404");
    http.set(
        &path,
        302,
        &[("location", "http://elsewhere.example/x")],
        b"",
    );
    let c = check(&app, &token, &oid, web_name).await;
    assert_eq!(code(&c), "dcv_redirected_elsewhere", "{c}");
    assert_eq!(c["last_check"]["seen"], "http://elsewhere.example/x");
    http.set(&path, 200, &[], b"<html>welcome</html>");
    let c = check(&app, &token, &oid, web_name).await;
    assert_eq!(code(&c), "dcv_content_differs", "{c}");
    assert_eq!(c["last_check"]["seen"], "<html>welcome</html>");
    // a redirect on the same host is followed
    http.set("/moved", 200, &[], web_token.as_bytes());
    http.set(&path, 301, &[("location", "/moved")], b"");
    let all = ok(app
        .post(&format!("/orders/{oid}/domains/check"), &token, &json!({}))
        .await)
    .await;
    assert_eq!(all["all_valid"], true, "{all}");
    let w = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == web_name)
        .unwrap();
    assert_eq!(w["validated"]["method"], "http-file");

    assert_eq!(
        life(&app, &token, &oid).await["requirements"]["domain_control"],
        "valid"
    );
    let res = app
        .post(&format!("/orders/{oid}/approve"), &op, &json!({}))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[actix_web::test]
async fn a_failing_dns_server_and_a_silent_one_are_diagnosed_as_such() {
    let dns = TestDns::start();
    let http = TestHttp::start();
    let app = spawn(&dns, &http).await;
    let token = app.token(CLIENT).await;
    let oid = submitted_with(&app, &token, "ec_p256_ok.pem").await;
    let name = "www.certigna.fr";
    dns.set(&format!("{LABEL}.{name}"), Zone::ServFail);
    let c = check(&app, &token, &oid, name).await;
    assert_eq!(code(&c), "dcv_dns_server_failure", "{c}");
    dns.set(&format!("{LABEL}.{name}"), Zone::Silent);
    let c = check(&app, &token, &oid, name).await;
    assert_eq!(code(&c), "dcv_timeout", "{c}");
}

#[actix_web::test]
async fn bad_requests_name_their_rule_and_operators_only_read() {
    let dns = TestDns::start();
    let http = TestHttp::start();
    let app = spawn(&dns, &http).await;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let oid = submitted_for(&app, &token, "wildcard_ok.pem", "certigna-ssl-wildcard").await;
    let list = ok(app.get(&format!("/orders/{oid}/domains"), &op).await).await;
    assert_eq!(list["items"][0]["name"], "certigna.fr");
    assert_eq!(list["items"][0]["wildcard"], true);
    let put = |name: &str, method: &str| {
        let path = format!("/orders/{oid}/domains/{name}/method");
        let body = json!({ "method": method });
        let (app, token) = (&app, &token);
        async move { app.put(&path, token, &body).await }
    };
    assert_problem(
        put("certigna.fr", "http-file").await,
        422,
        "validation_failed",
    )
    .await;
    let p = assert_problem(
        put("certigna.fr", "carrier-pigeon").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "dcv_unknown_method");
    let p = assert_problem(put("other.fr", "dns-txt").await, 422, "validation_failed").await;
    assert_eq!(p["errors"][0]["code"], "dcv_unknown_domain");
    let p = assert_problem(
        put("certigna.fr", "http-file").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "dcv_http_file_for_wildcard");
    assert_problem(
        app.post(&format!("/orders/{oid}/domains/check"), &op, &json!({}))
            .await,
        403,
        "read_only",
    )
    .await;
}

#[actix_web::test]
async fn outside_tests_a_name_pointing_to_loopback_is_not_fetched() {
    let dns = TestDns::start();
    let http = TestHttp::start();
    let (addr, port) = (dns.addr, http.port);
    let app = TestApp::spawn_with(move |s| {
        s.dcv.resolver = Some(addr);
        s.dcv.http_port = port;
        s.dcv.test_suffixes = vec![];
        s.dcv.allow_private_targets = false;
    })
    .await;
    let token = app.token(CLIENT).await;
    let oid = submitted_with(&app, &token, "ec_p256_ok.pem").await;
    let name = "www.certigna.fr";
    ok(app
        .put(
            &format!("/orders/{oid}/domains/{name}/method"),
            &token,
            &json!({"method": "http-file"}),
        )
        .await)
    .await;
    dns.a(name, Ipv4Addr::new(127, 0, 0, 1));
    let c = check(&app, &token, &oid, name).await;
    assert_eq!(code(&c), "dcv_private_target", "{c}");
    assert_eq!(c["last_check"]["seen"], "127.0.0.1");
}

fn run_jobs(
    app: &TestApp,
    dns: &TestDns,
    at: chrono::DateTime<chrono::Utc>,
) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_certorder"))
        .arg("run-jobs")
        .arg("--now")
        .arg(at.to_rfc3339())
        .env("DATABASE_URL", crate::support::database_url(&app.db_name))
        .env("CERTORDER_ENV", "development")
        .env("ISSUER", "sandbox")
        .env("SANDBOX_CA_DIR", crate::support::sandbox_ca_dir())
        .env("DCV_RESOLVER", dns.addr.to_string())
        .env("DCV_TEST_SUFFIXES", "certorder-test")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[actix_web::test]
async fn a_pending_domain_is_rechecked_once_by_two_schedulers_on_its_back_off_schedule() {
    let dns = TestDns::start();
    let http = TestHttp::start();
    let app = spawn(&dns, &http).await;
    let token = app.token(CLIENT).await;
    let oid = submitted_with(&app, &token, "ec_p256_ok.pem").await;
    let name = "www.certigna.fr";
    let c = check(&app, &token, &oid, name).await;
    assert_eq!(code(&c), "dcv_name_not_found");
    let checked: chrono::DateTime<chrono::Utc> =
        c["last_check"]["at"].as_str().unwrap().parse().unwrap();
    let next: chrono::DateTime<chrono::Utc> = c["next_check_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        next - checked,
        chrono::Duration::minutes(1),
        "every minute at first"
    );
    dns.txt(
        &format!("{LABEL}.{name}"),
        &[c["publish"]["value"].as_str().unwrap()],
    );

    // two replicas' schedulers at once, two minutes later: the domain is checked once
    let at = checked + chrono::Duration::minutes(2);
    let (a, b) = (run_jobs(&app, &dns, at), run_jobs(&app, &dns, at));
    let mut rechecked = 0;
    for out in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some(n) = line.strip_suffix(" domain(s) rechecked") {
                rechecked += n.parse::<u32>().unwrap();
            }
        }
    }
    assert_eq!(rechecked, 1);
    let list = ok(app.get(&format!("/orders/{oid}/domains"), &token).await).await;
    let c = &list["items"][0];
    assert_eq!(c["status"], "valid", "{c}");
    let at_seen: chrono::DateTime<chrono::Utc> =
        c["validated"]["at"].as_str().unwrap().parse().unwrap();
    // recorded at the scheduler's (injected) time, to PostgreSQL's microsecond
    assert!(
        (at_seen - at).num_microseconds().unwrap().abs() <= 1,
        "{at_seen} vs {at}"
    );
    assert!(c["next_check_at"].is_null());
}
