//! Signed webhooks end to end: a receiver on loopback (tests/api/webhook_receiver.py)
//! verifies every delivery with the PyPI `standardwebhooks` package; two servers' dispatchers
//! share the database; the time is injected (an `OffsetClock` both servers read) so that the
//! retry schedule passes in seconds.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::sync::Arc;
use std::time::Duration;

use certorder::app::OffsetClock;
use serde_json::{json, Value};

use crate::lifecycle::{issued, ok};
use crate::support::{assert_problem, captured_logs, TestApp, CLIENT, OPERATOR};

/// The Python with `standardwebhooks` (`.ci/run` makes it; made here too when missing).
fn receiver_python() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("WEBHOOK_RECEIVER_PYTHON") {
        return p.into();
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").into());
    let venv = std::path::Path::new(&target).join("webhooks-venv");
    let python = venv.join("bin/python");
    static MADE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _made = MADE.lock().unwrap();
    if !python.exists() {
        let ok = std::process::Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .unwrap()
            .success()
            && std::process::Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "standardwebhooks"])
                .status()
                .unwrap()
                .success();
        assert!(ok, "could not install standardwebhooks into {venv:?}");
    }
    python
}

/// The receiver process, killed when dropped.
struct Receiver {
    child: std::process::Child,
    port: u16,
    client: reqwest::Client,
}

impl Receiver {
    fn start() -> Receiver {
        let mut child = std::process::Command::new(receiver_python())
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/api/webhook_receiver.py"
            ))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the receiver starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Receiver {
            child,
            port: line.trim().parse().expect("the receiver prints its port"),
            client: reqwest::Client::new(),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    async fn config(&self, config: Value) {
        let res = self
            .client
            .post(format!("http://127.0.0.1:{}/_config", self.port))
            .json(&config)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
    }

    async fn log(&self) -> Vec<Value> {
        self.client
            .get(format!("http://127.0.0.1:{}/_log", self.port))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits (30 s at most) until `count` of the test's database equals `want`.
async fn wait_for(app: &TestApp, query: &str, want: i64) {
    for _ in 0..300 {
        if app.sql_count(query) == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "waited 30 s for {query} = {want}; it is {}",
        app.sql_count(query)
    );
}

async fn create_endpoint(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app.post("/webhook-endpoints", token, &body).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v
}

fn with_dispatcher(s: &mut certorder::config::Settings) {
    s.webhooks.dispatcher = true;
}

/// The events of the order, from the caller's feed.
async fn feed_ids(app: &TestApp, token: &str, oid: &str) -> Vec<String> {
    let page = ok(app.get("/events?limit=500", token).await).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["data"]["order_id"] == oid)
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_whole_order_life_reaches_the_receiver_once_per_event_through_two_dispatchers_and_an_outage(
) {
    let clock = Arc::new(OffsetClock::default());
    let app = TestApp::spawn_at(clock.clone(), with_dispatcher).await;
    let replica = app.spawn_replica_at(clock.clone(), with_dispatcher).await;
    let receiver = Receiver::start();
    let token = app.token(CLIENT).await;
    let op = app.token(OPERATOR).await;
    let endpoint = create_endpoint(
        &replica,
        &token,
        json!({"url": receiver.url(), "description": "ERP"}),
    )
    .await;
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{endpoint}");
    let eid = endpoint["id"].as_str().unwrap().to_owned();
    // the secret is shown once, and stored encrypted only
    let again = ok(app.get(&format!("/webhook-endpoints/{eid}"), &token).await).await;
    assert!(again.get("secret").is_none(), "{again}");
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) AS n FROM webhook_endpoints WHERE position(convert_to('{}', 'UTF8') IN secret_encrypted) > 0",
            &secret[6..]
        )),
        0
    );

    // the receiver is down (503) during the whole life
    receiver
        .config(json!({"secrets": [secret], "status": 503}))
        .await;
    let (oid, l) = issued(&app, &token, &op, "certigna-ssl-rgs").await;
    assert_eq!(l["status"], "issued", "{l}");
    ok(replica
        .post(&format!("/orders/{oid}/accept"), &token, &json!({}))
        .await)
    .await;
    let events = feed_ids(&app, &token, &oid).await;
    assert!(events.len() >= 6, "{events:?}");
    let n = events.len() as i64;
    let deliveries = "SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook'";
    assert_eq!(app.sql_count(deliveries), n, "one delivery per event");
    // the first attempts (immediate) fail; the second come 5 s later
    wait_for(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook' AND attempts = 1",
        n,
    )
    .await;
    clock.advance(chrono::Duration::seconds(6));
    receiver
        .config(json!({"offset_seconds": clock.offset().num_seconds()}))
        .await;
    wait_for(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook' AND attempts = 2",
        n,
    )
    .await;
    // the third is 5 minutes after the second: the receiver is back by then
    receiver.config(json!({"status": 200})).await;
    clock.advance(chrono::Duration::seconds(5 * 60 + 1));
    receiver
        .config(json!({"offset_seconds": clock.offset().num_seconds()}))
        .await;
    wait_for(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook' AND status = 'sent' AND attempts = 3",
        n,
    )
    .await;

    let log = receiver.log().await;
    assert!(
        log.iter().all(|r| r["verified"] == json!([true])),
        "every request verifies: {log:?}"
    );
    let mut received: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for r in &log {
        received
            .entry(r["id"].as_str().unwrap().to_owned())
            .or_default()
            .push(r["answered"].as_u64().unwrap());
    }
    // each event: 503, 503, then delivered once (two dispatchers, no duplicate)
    assert_eq!(
        received.keys().cloned().collect::<BTreeSet<_>>(),
        events.iter().cloned().collect::<BTreeSet<_>>(),
        "the feed's ids are the webhooks' ids"
    );
    for (id, answers) in &received {
        assert_eq!(answers, &[503, 503, 200], "{id}");
    }
    // the thin payload
    let body: Value = serde_json::from_str(log.last().unwrap()["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["data"]["order_id"], oid.as_str());
    assert!(body["type"].as_str().unwrap().starts_with("order."));
    assert!(body["data"]["number"].is_string() && body["data"]["status"].is_string());

    // the deliveries, keyset-paginated, each with its attempts
    let mut seen = Vec::new();
    let mut path = format!("/webhook-endpoints/{eid}/deliveries?limit=4");
    loop {
        let page = ok(app.get(&path, &token).await).await;
        let items = page["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        path = format!(
            "/webhook-endpoints/{eid}/deliveries?limit=4&after={}",
            page["next_cursor"].as_str().unwrap()
        );
        seen.extend(items);
    }
    assert_eq!(seen.len(), events.len());
    for d in &seen {
        assert_eq!(d["status"], "delivered", "{d}");
        let codes: Vec<&Value> = d["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| &a["status_code"])
            .collect();
        assert_eq!(codes, [&json!(503), &json!(503), &json!(200)], "{d}");
    }
    let feed_order: Vec<&str> = seen
        .iter()
        .map(|d| d["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        feed_order,
        events.iter().map(String::as_str).collect::<Vec<_>>()
    );

    // one redelivered, then a range recovered: the same ids again
    let first = seen[0]["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/webhook-deliveries/{first}/redeliver"),
            &token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 202);
    wait_for(
        &app,
        &format!("SELECT count(*) AS n FROM webhook_attempts WHERE delivery_id = '{first}'"),
        4,
    )
    .await;
    let res = app
        .post(
            &format!("/webhook-endpoints/{eid}/recover"),
            &token,
            &json!({"since": "2000-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let queued: Value = res.json().await.unwrap();
    assert_eq!(queued["queued"], json!(n));
    wait_for(
        &app,
        "SELECT count(*) AS n FROM webhook_attempts WHERE status_code = 200",
        2 * n + 1,
    )
    .await;
    let res = app
        .post(
            &format!("/webhook-endpoints/{eid}/recover"),
            &token,
            &json!({"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    // every delivery was signed with it, and no log line carries it (the capture saw the
    // dispatcher's own lines)
    let logs = captured_logs();
    assert!(
        logs.contains("webhook delivered"),
        "no dispatcher line captured"
    );
    assert!(
        !logs.contains(&secret[6..]),
        "the endpoint's secret reached a log"
    );
}

#[actix_web::test]
async fn a_receiver_answering_410_gone_disables_its_endpoint() {
    let app = TestApp::spawn_with(with_dispatcher).await;
    let receiver = Receiver::start();
    let token = app.token(CLIENT).await;
    let endpoint = create_endpoint(
        &app,
        &token,
        json!({"url": receiver.url(), "event_types": ["order.created"]}),
    )
    .await;
    let eid = endpoint["id"].as_str().unwrap().to_owned();
    assert_eq!(endpoint["event_types"], json!(["order.created"]));
    receiver
        .config(json!({"secrets": [endpoint["secret"]], "status": 410}))
        .await;
    app.create_order(&token).await;
    wait_for(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook' AND status = 'failed'",
        1,
    )
    .await;
    let e = ok(app.get(&format!("/webhook-endpoints/{eid}"), &token).await).await;
    assert_eq!(e["enabled"], false, "{e}");
    assert_eq!(e["disabled_reason"], "gone");
    // disabled: the next event is not queued to it; turned on again, it is
    app.create_order(&token).await;
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook'"),
        1
    );
    receiver.config(json!({"status": 200})).await;
    let e = ok(app
        .patch(
            &format!("/webhook-endpoints/{eid}"),
            &token,
            &json!({"enabled": true}),
        )
        .await)
    .await;
    assert_eq!(e["enabled"], true);
    assert!(e.get("disabled_reason").is_none(), "{e}");
    app.create_order(&token).await;
    wait_for(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook' AND status = 'sent'",
        1,
    )
    .await;
    let log = receiver.log().await;
    assert_eq!(log.len(), 2);
    assert!(
        log.iter().all(|r| r["verified"] == json!([true])),
        "{log:?}"
    );
}

#[actix_web::test]
async fn private_plain_http_unresolvable_and_malformed_targets_are_refused_each_with_its_rule() {
    let app = TestApp::spawn_with(|s| {
        s.webhooks.allow_private_targets = false;
    })
    .await;
    let token = app.token(CLIENT).await;
    for (url, code) in [
        ("http://127.0.0.1:9/hooks", "webhook_url_private"),
        ("http://localhost:9/hooks", "webhook_url_private"),
        ("http://10.0.0.7/hooks", "webhook_url_private"),
        ("http://[::1]/hooks", "webhook_url_private"),
        (
            "https://no-such-host.invalid/hooks",
            "webhook_url_unresolvable",
        ),
        ("ftp://example.com/", "webhook_url_invalid"),
        ("https://user:pw@example.com/", "webhook_url_invalid"),
    ] {
        let res = app
            .post("/webhook-endpoints", &token, &json!({"url": url}))
            .await;
        let p = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(p["errors"][0]["pointer"], "/url", "{url}: {p}");
        assert_eq!(p["errors"][0]["code"], code, "{url}: {p}");
    }
    let res = app
        .post(
            "/webhook-endpoints",
            &token,
            &json!({"url": "http://127.0.0.1:9/", "event_types": ["order.nope"], "description": "x"}),
        )
        .await;
    let p = assert_problem(res, 422, "validation_failed").await;
    let codes: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["webhook_url_private", "webhook_event_type_unknown"]);
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM webhook_endpoints"),
        0
    );

    // plain http outside development and test
    let prod = TestApp::spawn_with(|s| s.webhooks.allow_http = false).await;
    let token = prod.token(CLIENT).await;
    let res = prod
        .post(
            "/webhook-endpoints",
            &token,
            &json!({"url": "http://127.0.0.1:9/"}),
        )
        .await;
    let p = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(p["errors"][0]["code"], "webhook_url_not_https");
    assert_eq!(p["errors"][0]["pointer"], "/url");
    // allowed (WEBHOOK_ALLOW_PRIVATE_TARGETS in tests): https on loopback is accepted
    let res = prod
        .post(
            "/webhook-endpoints",
            &token,
            &json!({"url": "https://127.0.0.1:9/"}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[actix_web::test]
async fn after_a_rotation_both_secrets_verify_during_the_grace_period_then_only_the_new_one() {
    let clock = Arc::new(OffsetClock::default());
    let app = TestApp::spawn_at(clock.clone(), with_dispatcher).await;
    let receiver = Receiver::start();
    let token = app.token(CLIENT).await;
    let endpoint = create_endpoint(&app, &token, json!({"url": receiver.url()})).await;
    let eid = endpoint["id"].as_str().unwrap().to_owned();
    let old = endpoint["secret"].as_str().unwrap().to_owned();
    let rotated = ok(app
        .post(
            &format!("/webhook-endpoints/{eid}/rotate-secret"),
            &token,
            &json!({}),
        )
        .await)
    .await;
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    assert!(
        rotated["previous_secret_expires_at"].is_string(),
        "{rotated}"
    );
    receiver.config(json!({"secrets": [old, new]})).await;
    app.create_order(&token).await;
    wait_for(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE status = 'sent' AND subscriber = 'webhook'",
        1,
    )
    .await;
    // 25 hours later the former secret no longer signs
    clock.advance(chrono::Duration::hours(25));
    receiver
        .config(json!({"offset_seconds": clock.offset().num_seconds()}))
        .await;
    app.create_order(&token).await;
    wait_for(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE status = 'sent' AND subscriber = 'webhook'",
        2,
    )
    .await;
    let log = receiver.log().await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["verified"], json!([true, true]), "{log:?}");
    assert_eq!(
        log[0]["signature"].as_str().unwrap().split(' ').count(),
        2,
        "two signatures, space-separated"
    );
    assert_eq!(log[1]["verified"], json!([false, true]), "{log:?}");
    assert_eq!(log[1]["signature"].as_str().unwrap().split(' ').count(), 1);
}

#[actix_web::test]
async fn endpoints_are_the_accounts_own_and_need_the_webhooks_scope() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let other = app.token(crate::support::OTHER).await;
    let e = create_endpoint(&app, &token, json!({"url": "http://127.0.0.1:9/a"})).await;
    let eid = e["id"].as_str().unwrap();
    let list = ok(app.get("/webhook-endpoints", &token).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("secret").is_none());
    let theirs = ok(app.get("/webhook-endpoints", &other).await).await;
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let res = app.get(&format!("/webhook-endpoints/{eid}"), &other).await;
    assert_problem(res, 404, "not_found").await;
    let e2 = ok(app
        .patch(
            &format!("/webhook-endpoints/{eid}"),
            &token,
            &json!({"description": "ERP", "event_types": ["order.issued", "order.revoked"], "url": "http://127.0.0.1:9/b"}),
        )
        .await)
    .await;
    assert_eq!(e2["description"], "ERP");
    assert_eq!(e2["url"], "http://127.0.0.1:9/b");
    assert_eq!(e2["event_types"], json!(["order.issued", "order.revoked"]));

    // an API client without webhooks:manage is refused; with it, allowed
    for (scopes, status) in [
        (json!(["orders:read"]), 403),
        (json!(["webhooks:manage"]), 200),
    ] {
        let c: Value = app
            .post(
                "/api-clients",
                &token,
                &json!({"name": "ERP", "scopes": scopes}),
            )
            .await
            .json()
            .await
            .unwrap();
        let t: Value = app
            .client
            .post(app.url("/auth/token"))
            .json(&json!({"grant_type": "client_credentials", "client_id": c["client_id"], "client_secret": c["client_secret"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let res = app
            .get("/webhook-endpoints", t["access_token"].as_str().unwrap())
            .await;
        assert_eq!(res.status(), status);
    }

    let res = app
        .client
        .delete(app.url(&format!("/webhook-endpoints/{eid}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = app.get(&format!("/webhook-endpoints/{eid}"), &token).await;
    assert_problem(res, 404, "not_found").await;
}

#[actix_web::test]
async fn a_partners_endpoint_receives_the_events_of_the_orders_naming_its_code_as_its_feed_shows_them(
) {
    let app = TestApp::spawn_with(with_dispatcher).await;
    let receiver = Receiver::start();
    let partner = app.token(crate::support::PARTNER).await;
    let client = app.token(CLIENT).await;
    let endpoint = create_endpoint(&app, &partner, json!({"url": receiver.url()})).await;
    receiver
        .config(json!({"secrets": [endpoint["secret"]]}))
        .await;
    // a client's order naming the partner's code, and one naming none
    let named = app.create_order(&client).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    crate::support::fill_steps(&app, &client, &named, "certigna-ssl").await;
    for body in [
        json!({"partner": {"type": "partner", "code": "PART-DEMO"}}),
        json!({"generation_method": "csr", "csr_pem": crate::support::fixture("ec_p256_ok.pem")}),
    ] {
        let res = app.patch(&format!("/orders/{named}"), &client, &body).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    ok(app
        .post(&format!("/orders/{named}/commander"), &client, &json!({}))
        .await)
    .await;
    let plain = crate::lifecycle::submitted(&app, &client, "certigna-ssl").await;
    let partner_feed = feed_ids(&app, &partner, &named).await;
    assert!(!partner_feed.is_empty());
    assert!(feed_ids(&app, &partner, &plain).await.is_empty());
    wait_for(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook' AND status = 'sent'",
        partner_feed.len() as i64,
    )
    .await;
    let log = receiver.log().await;
    let ids: Vec<&str> = log.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        partner_feed.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(
        log.iter().all(|r| r["verified"] == json!([true])),
        "{log:?}"
    );
}

#[actix_web::test]
async fn failures_follow_the_schedule_honour_retry_after_give_up_after_eight_and_five_days_disable()
{
    let clock = Arc::new(OffsetClock::default());
    let sink = crate::smtp_sink::SmtpSink::start().await;
    let port = sink.port();
    let app = TestApp::spawn_at(clock.clone(), move |s| {
        with_dispatcher(s);
        s.outbox_worker = true;
        s.smtp.host = "127.0.0.1".into();
        s.smtp.port = port;
        s.outbox_poll = Duration::from_millis(100);
    })
    .await;
    let receiver = Receiver::start();
    let token = app.token(CLIENT).await;
    let endpoint = create_endpoint(
        &app,
        &token,
        json!({"url": receiver.url(), "event_types": ["order.created"]}),
    )
    .await;
    let eid = endpoint["id"].as_str().unwrap().to_owned();
    receiver
        .config(json!({"secrets": [endpoint["secret"]], "status": 500}))
        .await;
    app.create_order(&token).await;
    let attempts = "SELECT count(*) AS n FROM webhook_attempts";
    // 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 8 attempts, then failed
    wait_for(&app, attempts, 1).await;
    for (i, wait) in [5i64, 300, 1800, 7200, 18000, 36000, 36000]
        .iter()
        .enumerate()
    {
        // short of the wait (by 3 s): nothing is sent yet
        clock.advance(chrono::Duration::seconds(wait - 3));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(app.sql_count(attempts), i as i64 + 1, "before wait {wait}");
        clock.advance(chrono::Duration::seconds(3));
        receiver
            .config(json!({"offset_seconds": clock.offset().num_seconds()}))
            .await;
        wait_for(&app, attempts, i as i64 + 2).await;
    }
    wait_for(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook' AND status = 'failed' AND attempts = 8",
        1,
    )
    .await;
    let page = ok(app
        .get(&format!("/webhook-endpoints/{eid}/deliveries"), &token)
        .await)
    .await;
    assert_eq!(page["items"][0]["status"], "failed");
    assert_eq!(page["items"][0]["attempts"].as_array().unwrap().len(), 8);
    assert_eq!(page["items"][0]["attempts"][0]["status_code"], 500);
    assert_eq!(page["items"][0]["last_error"], "HTTP 500");
    let e = ok(app.get(&format!("/webhook-endpoints/{eid}"), &token).await).await;
    assert_eq!(e["enabled"], true, "27 h of failure: still on");
    assert!(e["failing_since"].is_string(), "{e}");

    // Retry-After longer than the schedule's 5 s is honoured
    receiver
        .config(json!({"status": 429, "retry_after": 3600}))
        .await;
    app.create_order(&token).await;
    wait_for(&app, attempts, 9).await;
    let page = ok(app
        .get(&format!("/webhook-endpoints/{eid}/deliveries"), &token)
        .await)
    .await;
    let d = &page["items"][1];
    let next: chrono::DateTime<chrono::Utc> =
        d["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let tried: chrono::DateTime<chrono::Utc> = d["attempts"][0]["attempted_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!((next - tried).num_seconds(), 3600, "{d}");

    // five days after the first failure, the next failure disables the endpoint
    clock.advance(chrono::Duration::days(4));
    receiver
        .config(json!({"status": 500, "retry_after": null, "offset_seconds": clock.offset().num_seconds()}))
        .await;
    wait_for(&app, attempts, 10).await;
    let e = ok(app.get(&format!("/webhook-endpoints/{eid}"), &token).await).await;
    assert_eq!(e["enabled"], false, "{e}");
    assert_eq!(e["disabled_reason"], "failing");
    // and its owner is told, once, by e-mail
    let mails = sink.wait_for_messages(1, Duration::from_secs(20)).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, ["client@demo.localhost"]);
    let subject = mails[0].subject().unwrap();
    assert!(subject.contains("Webhook désactivé"), "{subject}");
    let text: String = mails[0].parts().iter().map(|p| p.text()).collect();
    assert!(text.contains(&receiver.url()), "{text}");
    wait_for(
        &app,
        "SELECT count(*) AS n FROM webhook_notices WHERE status = 'sent'",
        1,
    )
    .await;
}

#[actix_web::test]
async fn housekeeping_purges_webhook_attempts_older_than_30_days_in_bounded_runs() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let endpoint = create_endpoint(&app, &token, json!({"url": "http://127.0.0.1:9/hooks"})).await;
    app.create_order(&token).await;
    // three attempts of 31 days ago, one of today (the dispatcher is off: the delivery waits)
    let mut conn = app.connection();
    use diesel::RunQueryDsl;
    diesel::sql_query(format!(
        "INSERT INTO webhook_attempts (id, delivery_id, attempted_at, status_code, duration_ms) \
         SELECT gen_random_uuid(), d.id, now() - CASE WHEN g < 4 THEN interval '31 days' ELSE interval '0 days' END, 503, 1 \
         FROM event_deliveries d, generate_series(1, 4) g WHERE d.endpoint_id = '{}'",
        endpoint["id"].as_str().unwrap()
    ))
    .execute(&mut conn)
    .unwrap();
    let policy = certorder::housekeeping::Policy {
        idempotency_ttl: Duration::from_secs(24 * 3600),
        login_failure_window: Duration::from_secs(900),
        batch: 2,
    };
    let now = chrono::Utc::now();
    let first = certorder::housekeeping::run_once(&app.db, None, policy, now)
        .await
        .unwrap();
    let second = certorder::housekeeping::run_once(&app.db, None, policy, now)
        .await
        .unwrap();
    assert_eq!((first.webhook_attempts, second.webhook_attempts), (2, 1));
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM webhook_attempts"),
        1,
        "today's attempt stays"
    );
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM event_deliveries WHERE subscriber = 'webhook'"),
        1,
        "the delivery stays"
    );
}
