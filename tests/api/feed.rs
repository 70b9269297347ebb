//! For partners and browser frontends (SPEC §10): the events feed and CORS.

use serde_json::{json, Value};

use crate::lifecycle::{ok, submitted};
use crate::support::{assert_problem, TestApp, CLIENT, OPERATOR, OTHER};

#[actix_web::test]
async fn the_events_feed_pages_through_the_callers_events_with_the_timelines_ids() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let other = app.token(OTHER).await;
    let op = app.token(OPERATOR).await;
    let mine = submitted(&app, &token, "certigna-ssl").await;
    let theirs = app.create_order(&other).await;
    ok(app
        .post(
            &format!("/orders/{mine}/payment"),
            &op,
            &json!({"reference": "VIR-3"}),
        )
        .await)
    .await;

    // two per page: created, submitted | payment_received | (empty, cursor kept)
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/events?limit=2&after={a}"),
            None => "/events?limit=2".to_owned(),
        };
        let page = ok(app.get(&path, &token).await).await;
        let items = page["items"].as_array().unwrap().clone();
        if items.is_empty() {
            assert_eq!(
                page["next_cursor"].as_str(),
                after.as_deref(),
                "the cursor is kept"
            );
            break;
        }
        after = page["next_cursor"].as_str().map(str::to_owned);
        seen.extend(items);
    }
    let types: Vec<&str> = seen
        .iter()
        .map(|e| e["payload"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["order.created", "order.submitted", "order.payment_received"]
    );
    assert!(seen
        .iter()
        .all(|e| e["payload"]["data"]["order_id"] == mine.as_str()));
    // the same ids as the timeline
    let t: Value = app
        .get(&format!("/orders/{mine}/timeline"), &token)
        .await
        .json()
        .await
        .unwrap();
    let timeline_ids: Vec<&Value> = t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["id"])
        .collect();
    let feed_ids: Vec<&Value> = seen.iter().map(|e| &e["id"]).collect();
    assert_eq!(feed_ids, timeline_ids);

    let only = ok(app
        .get("/events?types=order.payment_received", &token)
        .await)
    .await;
    assert_eq!(only["items"].as_array().unwrap().len(), 1);
    // the operator sees both customers' events; the other customer only its own
    let all = ok(app.get("/events?limit=500", &op).await).await;
    assert!(all["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["payload"]["data"]["order_id"] == theirs["id"]));
    let theirs_feed = ok(app.get("/events", &other).await).await;
    assert!(theirs_feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["payload"]["data"]["order_id"] == theirs["id"]));
    for bad in [
        "/events?types=order.nope",
        "/events?after=zzz",
        "/events?limit=0",
        "/events?colour=red",
    ] {
        assert_problem(app.get(bad, &token).await, 400, "invalid_query").await;
    }
}

#[actix_web::test]
async fn a_configured_browser_origin_gets_cors_headers_and_reads_the_etag_and_others_get_none() {
    let app = TestApp::spawn_with(|s| {
        s.cors_allowed_origins = vec!["https://espace.example.fr".into()];
    })
    .await;
    let token = app.token(CLIENT).await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/orders"))
        .header("origin", "https://espace.example.fr")
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "authorization, if-match, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://espace.example.fr"
    );
    let methods = preflight.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(methods.contains("PATCH"), "{methods}");
    let res = app
        .client
        .post(app.url("/orders"))
        .bearer_auth(&token)
        .header("origin", "https://espace.example.fr")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for h in [
        "etag",
        "location",
        "retry-after",
        "idempotent-replayed",
        "content-disposition",
    ] {
        assert!(exposed.contains(h), "{h} in {exposed}");
    }
    // another origin is not allowed: no CORS header for its page to read the answer
    let res = app
        .client
        .get(app.url("/health/live"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    // server-to-server calls (no Origin) are untouched
    let res = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn the_feed_keeps_30_days_older_events_are_no_longer_served_nor_recovered() {
    let clock = std::sync::Arc::new(certorder::app::OffsetClock::default());
    let app = TestApp::spawn_at(clock.clone(), |_| {}).await;
    let token = app.token(CLIENT).await;
    app.create_order(&token).await;
    let page = ok(app.get("/events", &token).await).await;
    let kept = page["items"].as_array().unwrap().len();
    assert!(kept >= 1);
    clock.advance(chrono::Duration::days(29));
    let page = ok(app.get("/events", &token).await).await;
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        kept,
        "29 days: kept"
    );
    clock.advance(chrono::Duration::days(2));
    let page = ok(app.get("/events", &token).await).await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");
    // the timeline still has them (the events stay in the database)
    let orders = ok(app.get("/orders", &token).await).await;
    let oid = orders["items"][0]["id"].as_str().unwrap();
    let t = ok(app.get(&format!("/orders/{oid}/timeline"), &token).await).await;
    assert!(!t["items"].as_array().unwrap().is_empty());
    // nor recovered to a webhook endpoint
    let e: Value = app
        .post(
            "/webhook-endpoints",
            &token,
            &json!({"url": "http://127.0.0.1:9/hooks"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .post(
            &format!("/webhook-endpoints/{}/recover", e["id"].as_str().unwrap()),
            &token,
            &json!({"since": "2000-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(r.json::<Value>().await.unwrap()["queued"], 0);
}
