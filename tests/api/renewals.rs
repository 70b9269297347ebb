//! Renewals (SPEC §9): a 24-month order is a plan of several certificates, each renewed in
//! its window with a new CSR for the same names, domain control redone once its reuse period
//! has passed, reminders when the window opens and a week before expiry, and `expired` at
//! the plan's end. The service's clock is a `ManualClock` the test moves; the scheduler's
//! jobs run in-process against the same database and clock; DNS and HTTP checks hit the
//! tests' own servers on loopback.

use std::net::Ipv4Addr;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use certorder::app::{App, ManualClock};
use certorder::persistence::Db;

use crate::dcv_peers::{TestDns, TestHttp};
use crate::lifecycle::{documents_accepted, life, ok, timeline_types};
use crate::support::{
    assert_problem, fill_steps, fixture, test_settings, TestApp, CLIENT, OPERATOR,
};

/// The order's names: one validated by DNS, the other by HTTP.
const DNS_NAME: &str = "www.certigna.fr";
const WEB_NAME: &str = "shop.certigna.fr";

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not a time: {v}"))
        .parse()
        .unwrap()
}

/// A CSR with a fresh ECDSA P-256 key for `names` (the first is the CN).
fn csr_for(names: &[&str]) -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, names[0]);
    params.serialize_request(&key).unwrap().pem().unwrap()
}

/// The service, its peers and its scheduler, on one clock.
struct Walk {
    app: TestApp,
    jobs: App,
    clock: ManualClock,
    dns: TestDns,
    http: TestHttp,
}

impl Walk {
    async fn start(t0: DateTime<Utc>) -> Walk {
        Self::start_in(t0, false).await
    }

    /// `manual`: an operator attaches each certificate, chains to the tests' sandbox root.
    async fn start_in(t0: DateTime<Utc>, manual: bool) -> Walk {
        let dns = TestDns::start();
        let http = TestHttp::start();
        let clock = ManualClock::new(t0);
        let (addr, port, c) = (dns.addr, http.port, clock.clone());
        let tweak = move |s: &mut certorder::config::Settings| {
            s.dcv.resolver = Some(addr);
            s.dcv.http_port = port;
            s.dcv.test_suffixes = vec![];
            s.dcv.timeout = std::time::Duration::from_secs(1);
            s.clock = Arc::new(c);
            if manual {
                s.issuer.mode = certorder::issuer::IssuerMode::Manual;
                s.issuer.trust_anchors = vec![crate::support::sandbox_ca_dir().join("ca/root.pem")];
            }
        };
        let app = TestApp::spawn_with(tweak.clone()).await;
        let mut settings = test_settings(&app.db_name);
        tweak(&mut settings);
        let db = Db::connect(&settings.database_url, 2).unwrap();
        let jobs = certorder::startup::build_app(db, &settings).unwrap();
        Walk {
            app,
            jobs,
            clock,
            dns,
            http,
        }
    }

    /// Moves the clock to `t` and runs what the scheduler would: due jobs, due rechecks.
    async fn tick(&self, t: DateTime<Utc>) {
        self.clock.set(t);
        certorder::workers::scheduler::tick(&self.jobs).await;
    }

    fn mails(&self, oid: &str, event_type: &str) -> i64 {
        self.app.sql_count(&format!(
            "SELECT count(*) AS n FROM events e JOIN event_deliveries d ON d.event_id = e.id \
             WHERE e.order_id = '{oid}' AND e.event_type = '{event_type}' AND d.subscriber = 'mail'"
        ))
    }

    /// Publishes what each pending control asks for (DNS for one name, HTTP for the other)
    /// and checks them now; returns the controls after.
    async fn publish_and_check(&self, token: &str, oid: &str) -> Value {
        let list = ok(self.app.get(&format!("/orders/{oid}/domains"), token).await).await;
        for c in list["items"].as_array().unwrap() {
            if c["status"] == "valid" {
                continue;
            }
            match c["method"].as_str().unwrap() {
                "dns-txt" => self.dns.txt(
                    c["publish"]["record_name"].as_str().unwrap(),
                    &[c["publish"]["value"].as_str().unwrap()],
                ),
                _ => {
                    let url = c["publish"]["url"].as_str().unwrap();
                    let path = url.split_once(&format!(":{}", self.http.port)).unwrap().1;
                    self.http.set(
                        path,
                        200,
                        &[],
                        c["publish"]["content"].as_str().unwrap().as_bytes(),
                    );
                }
            }
        }
        ok(self
            .app
            .post(&format!("/orders/{oid}/domains/check"), token, &json!({}))
            .await)
        .await
    }
}

/// A submitted 24-month order for the two names.
async fn submitted_24_months(app: &TestApp, token: &str) -> String {
    submitted_for_months(app, token, 24, &csr_for(&[DNS_NAME, WEB_NAME])).await
}

async fn submitted_for_months(app: &TestApp, token: &str, months: u32, csr: &str) -> String {
    let oid = app.create_order(token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    fill_steps(app, token, &oid, "certigna-ssl").await;
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            token,
            &json!({"duration_months": months, "generation_method": "csr", "csr_pem": csr}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let res = app
        .post(&format!("/orders/{oid}/commander"), token, &json!({}))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    oid
}

#[actix_web::test]
async fn a_24_month_order_is_renewed_certificate_after_certificate_until_its_plan_expires() {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
    let w = Walk::start(t0).await;
    let app = &w.app;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let oid = submitted_24_months(app, &token).await;

    // domain control: DNS for one name (a failing check first), HTTP for the other
    ok(app
        .put(
            &format!("/orders/{oid}/domains/{WEB_NAME}/method"),
            &token,
            &json!({"method": "http-file"}),
        )
        .await)
    .await;
    let c = ok(app
        .post(
            &format!("/orders/{oid}/domains/{DNS_NAME}/check"),
            &token,
            &json!({}),
        )
        .await)
    .await;
    assert_eq!(c["last_check"]["code"], "dcv_name_not_found", "{c}");
    assert_eq!(c["status"], "pending");
    w.dns.a(WEB_NAME, Ipv4Addr::new(127, 0, 0, 1));
    let all = w.publish_and_check(&token, &oid).await;
    assert_eq!(all["all_valid"], true, "{all}");

    // approved: the sandbox issues the first certificate at once (SSL: accepted implicitly)
    documents_accepted(app, &token, &op, &oid, false).await;
    ok(app
        .post(
            &format!("/orders/{oid}/payment"),
            &op,
            &json!({"reference": "VIR-24"}),
        )
        .await)
    .await;
    ok(app
        .post(&format!("/orders/{oid}/approve"), &op, &json!({}))
        .await)
    .await;
    let l = life(app, &token, &oid).await;
    assert_eq!(l["status"], "active", "{l}");
    assert_eq!(time(&l["plan"]["starts_at"]), t0);
    let plan_end = time(&l["plan"]["ends_at"]);
    assert_eq!(
        plan_end,
        Utc.with_ymd_and_hms(2028, 12, 2, 9, 0, 0).unwrap()
    );
    assert_eq!(l["plan"]["issued"], 1);
    // 199 days on 2026-12-02 (catalogue)
    assert_eq!(
        time(&l["certificate"]["not_after"]),
        t0 + Duration::days(199)
    );
    let r = &l["renewal"];
    assert_eq!(r["phase"], "scheduled", "{l}");
    assert_eq!(r["issuance"], 2);
    let expires = time(&r["certificate_expires_at"]);
    assert_eq!(time(&r["window_opens_at"]), expires - Duration::days(30));
    assert_eq!(
        time(&r["suggested_window"]["start"]),
        expires - Duration::days(30)
    );
    assert_eq!(
        time(&r["suggested_window"]["end"]),
        expires - Duration::days(7)
    );
    assert_eq!(time(&r["upcoming"][0]["due_at"]), expires);
    let last_upcoming = r["upcoming"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(time(&last_upcoming["expires_at"]), plan_end);
    assert!(r["explanation_en"].as_str().unwrap().contains("same names"));
    assert!(r["planned_issuances"].as_u64().unwrap() >= 3, "{r}");

    // too early: the window is not open
    assert_problem(
        app.post(
            &format!("/orders/{oid}/renewal"),
            &token,
            &json!({"csr_pem": csr_for(&[DNS_NAME, WEB_NAME])}),
        )
        .await,
        409,
        "renewal_not_open",
    )
    .await;

    let mut serials = vec![l["certificate"]["serial"].as_str().unwrap().to_owned()];
    let mut redone = 0;
    let mut issued = 1u64;
    loop {
        let l = life(app, &token, &oid).await;
        let not_after = time(&l["certificate"]["not_after"]);
        if l["renewal"].is_null() {
            assert_eq!(
                not_after, plan_end,
                "only the last certificate has no renewal"
            );
            break;
        }
        let opens = time(&l["renewal"]["window_opens_at"]);
        // the window opens: a reminder, once, and the next action is the customer's
        let window_mails = w.mails(&oid, "order.renewal_window_opened");
        w.tick(opens + Duration::hours(1)).await;
        w.tick(opens + Duration::hours(2)).await;
        assert_eq!(
            w.mails(&oid, "order.renewal_window_opened"),
            window_mails + 1,
            "renewal {}: one e-mail when the window opens",
            issued + 1
        );
        let l = life(app, &token, &oid).await;
        assert_eq!(l["renewal"]["phase"], "open");
        assert_eq!(l["next_action"]["action"], "renew_certificate", "{l}");

        if issued == 1 {
            // other names: refused, naming the rule
            let p = assert_problem(
                app.post(
                    &format!("/orders/{oid}/renewal"),
                    &token,
                    &json!({"csr_pem": fixture("ec_p256_ok.pem")}),
                )
                .await,
                422,
                "validation_failed",
            )
            .await;
            assert_eq!(p["errors"][0]["code"], "renewal_names_differ", "{p}");
            assert_eq!(p["errors"][0]["pointer"], "/csr_pem");
            // an operator never renews for the customer
            assert_problem(
                app.post(
                    &format!("/orders/{oid}/renewal"),
                    &op,
                    &json!({"csr_pem": csr_for(&[DNS_NAME, WEB_NAME])}),
                )
                .await,
                403,
                "read_only",
            )
            .await;
        }
        if issued == 2 {
            // this time the customer waits: the last week's reminder comes
            let expiring = w.mails(&oid, "order.certificate_expiring");
            w.tick(not_after - Duration::days(7) + Duration::hours(1))
                .await;
            assert_eq!(w.mails(&oid, "order.certificate_expiring"), expiring + 1);
        }

        // the new CSR: pasted (case 1), or made by the service (case 2) once
        let l = if issued == 3 {
            let res = app
                .post(
                    &format!("/orders/{oid}/renewal/generate-csr"),
                    &token,
                    &json!({"key_type": "ecdsa-p256"}),
                )
                .await;
            assert_eq!(res.status(), 200);
            assert_eq!(res.headers()["cache-control"], "no-store");
            let g: Value = res.json().await.unwrap();
            assert_eq!(g["mode"], "generated");
            assert!(g["private_key_pem"]
                .as_str()
                .unwrap()
                .contains("PRIVATE KEY"));
            g["life"].clone()
        } else {
            ok(app
                .post(
                    &format!("/orders/{oid}/renewal"),
                    &token,
                    &json!({"csr_pem": csr_for(&[WEB_NAME, DNS_NAME])}),
                )
                .await)
            .await
        };
        let l = if l["plan"]["issued"] == issued {
            // not issued yet: a validation past its reuse period is redone first
            assert_eq!(l["renewal"]["phase"], "requested", "{l}");
            assert_eq!(l["next_action"]["action"], "validate_domains", "{l}");
            redone += 1;
            let all = w.publish_and_check(&token, &oid).await;
            assert_eq!(all["all_valid"], true, "{all}");
            life(app, &token, &oid).await
        } else {
            l
        };
        issued += 1;
        assert_eq!(l["plan"]["issued"], issued, "{l}");
        assert_eq!(l["status"], "active", "{l}");
        let serial = l["certificate"]["serial"].as_str().unwrap().to_owned();
        assert!(!serials.contains(&serial), "a new certificate");
        serials.push(serial);
        let now = time(&l["certificate"]["not_before"]);
        let new_end = time(&l["certificate"]["not_after"]);
        assert!(new_end <= plan_end, "never past the plan's end");
        assert!(
            new_end == plan_end || new_end - now == Duration::days(99),
            "99 days after 2027-03-15, or cut at the plan's end: {now} → {new_end}"
        );
        assert!(issued < 20, "the plan ends");
    }
    // 199 days, then 99-day certificates each renewed a month early, the last cut at the
    // plan's end: 9 certificates; the 200-day, then 100-day, reuse periods make every
    // other renewal from the third redo domain control
    assert_eq!(issued, 9, "certificates over 24 months");
    assert_eq!(redone, 4, "renewals that redid domain control");

    // the last certificate: a last week's reminder saying so, then the plan expires
    let l = life(app, &token, &oid).await;
    assert_eq!(l["next_action"], Value::Null, "{l}");
    let expiring = w.mails(&oid, "order.certificate_expiring");
    w.tick(plan_end - Duration::days(7) + Duration::hours(1))
        .await;
    assert_eq!(w.mails(&oid, "order.certificate_expiring"), expiring + 1);
    let last: i64 = app.sql_count(&format!(
        "SELECT count(*) AS n FROM events WHERE order_id = '{oid}' \
         AND event_type = 'order.certificate_expiring' AND (detail ->> 'last')::boolean"
    ));
    assert_eq!(last, 1, "the last reminder says the plan ends");
    w.tick(plan_end - Duration::hours(1)).await;
    assert_eq!(life(app, &token, &oid).await["status"], "active");
    w.tick(plan_end + Duration::minutes(1)).await;
    let l = life(app, &token, &oid).await;
    assert_eq!(l["status"], "expired", "{l}");
    assert_eq!(w.mails(&oid, "order.expired"), 1);
    let types = timeline_types(app, &token, &oid).await;
    assert_eq!(
        types.iter().filter(|t| *t == "order.issued").count() as u64,
        issued
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "order.renewal_requested")
            .count() as u64,
        issued - 1
    );
    assert_eq!(types.last().unwrap(), "order.expired");
    assert_problem(
        app.post(
            &format!("/orders/{oid}/renewal"),
            &token,
            &json!({"csr_pem": csr_for(&[DNS_NAME, WEB_NAME])}),
        )
        .await,
        409,
        "transition_not_allowed",
    )
    .await;
}

#[actix_web::test]
async fn a_renewal_before_the_first_certificate_is_refused_by_the_status_rule() {
    let w = Walk::start(Utc::now()).await;
    let app = &w.app;
    let token = app.token(CLIENT).await;
    let oid = submitted_24_months(app, &token).await;
    let l = life(app, &token, &oid).await;
    assert!(l["renewal"].is_null() && l["plan"].is_null(), "{l}");
    assert_problem(
        app.post(
            &format!("/orders/{oid}/renewal"),
            &token,
            &json!({"csr_pem": csr_for(&[DNS_NAME, WEB_NAME])}),
        )
        .await,
        409,
        "transition_not_allowed",
    )
    .await;
}

/// A chain for `csr_pem`, from the tests' sandbox CA (standing for the real CA of manual
/// mode), valid from `not_before` to `not_after`, PEM, leaf first.
fn chain_for(csr_pem: &str, not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> String {
    use certorder::issuer::{open_sandbox_ca, IssueRequest};
    let ca = open_sandbox_ca(&crate::support::sandbox_ca_dir(), None, true, not_before).unwrap();
    let names = [DNS_NAME.to_owned(), WEB_NAME.to_owned()];
    let issued = ca
        .issue_leaf(&IssueRequest {
            csr_pem,
            names: &names,
            order_number: "CMD-TEST",
            not_before,
            not_after,
        })
        .unwrap();
    let pem = certorder::issuer::CertificateFormat::PemChain
        .encode(&issued.chain_der)
        .unwrap();
    String::from_utf8(pem).unwrap()
}

#[actix_web::test]
async fn in_manual_mode_the_operator_attaches_the_renewal_for_the_new_key_and_never_past_the_plan()
{
    // before 2027-03-15: 199-day certificates, so the renewal could run past the plan
    let t0 = Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap();
    // the root the "real CA" chains lead to, made before the server trusts it
    let _ = chain_for(&csr_for(&[DNS_NAME]), t0, t0 + Duration::days(1));
    let w = Walk::start_in(t0, true).await;
    let app = &w.app;
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let first_csr = csr_for(&[DNS_NAME, WEB_NAME]);
    let oid = submitted_for_months(app, &token, 12, &first_csr).await;
    let all = w.publish_and_check(&token, &oid).await;
    assert_eq!(all["all_valid"], true, "{all}");
    documents_accepted(app, &token, &op, &oid, false).await;
    ok(app
        .post(
            &format!("/orders/{oid}/payment"),
            &op,
            &json!({"reference": "VIR-M"}),
        )
        .await)
    .await;
    ok(app
        .post(&format!("/orders/{oid}/approve"), &op, &json!({}))
        .await)
    .await;
    let attach = |chain: String| {
        let path = format!("/orders/{oid}/certificate");
        let (app, op) = (app, &op);
        async move { app.post(&path, op, &json!({ "chain_pem": chain })).await }
    };
    let l = ok(attach(chain_for(&first_csr, t0, t0 + Duration::days(199))).await).await;
    assert_eq!(l["status"], "active", "{l}");
    let plan_end = time(&l["plan"]["ends_at"]);
    assert_eq!(plan_end, Utc.with_ymd_and_hms(2027, 4, 1, 9, 0, 0).unwrap());

    let renew_at = time(&l["renewal"]["window_opens_at"]) + Duration::hours(1);
    w.clock.set(renew_at);
    let second_csr = csr_for(&[DNS_NAME, WEB_NAME]);
    let l = ok(app
        .post(
            &format!("/orders/{oid}/renewal"),
            &token,
            &json!({ "csr_pem": second_csr }),
        )
        .await)
    .await;
    assert_eq!(l["renewal"]["phase"], "requested", "{l}");
    assert_eq!(l["next_action"]["action"], "attach_certificate", "{l}");
    assert_eq!(l["next_action"]["actor"], "operator");

    // the first key is not the renewal's
    let p = assert_problem(
        attach(chain_for(&first_csr, renew_at, plan_end)).await,
        422,
        "validation_failed",
    )
    .await;
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "certificate_key_mismatch"),
        "{p}"
    );
    // a day past the plan's end
    let p = assert_problem(
        attach(chain_for(
            &second_csr,
            renew_at,
            plan_end + Duration::days(1),
        ))
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "certificate_past_plan_end", "{p}");
    assert_eq!(p["errors"][0]["pointer"], "/chain_pem");
    let l = ok(attach(chain_for(&second_csr, renew_at, plan_end)).await).await;
    assert_eq!(l["status"], "active", "{l}");
    assert_eq!(l["plan"]["issued"], 2);
    assert_eq!(time(&l["certificate"]["not_after"]), plan_end);
    assert!(l["renewal"].is_null(), "the plan's last certificate: {l}");
}
