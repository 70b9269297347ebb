//! The order e-mail: the outbox, the worker and a real SMTP conversation with the sink.

use std::collections::HashMap;
use std::time::Duration;

use certorder::persistence::events;
use certorder::render::formulaire::render_pdf;
use certorder::render::mail::build_order_email;
use certorder::workers::smtp::{MailError, Mailer, SmtpSettings};
use diesel::RunQueryDsl;
use lettre::message::header::ContentType;
use lettre::Message;
use serde_json::{json, Value};

use crate::sample::{self, flat, pdf_text, submit_order, submit_orders};
use crate::smtp_sink::{Received, SinkMode, SmtpSink};
use crate::support::*;

/// A server whose worker sends to `sink`, polling every 100 ms, retrying after 100 ms.
async fn app_sending_to(sink: &SmtpSink) -> TestApp {
    let port = sink.port();
    TestApp::spawn_with(|s| worker_settings(s, port)).await
}

fn worker_settings(s: &mut certorder::config::Settings, port: u16) {
    s.outbox_worker = true;
    s.smtp.host = "127.0.0.1".into();
    s.smtp.port = port;
    s.outbox_poll = Duration::from_millis(100);
    s.outbox_retry_base = Duration::from_millis(100);
}

/// Waits until `query` (a `SELECT count(*) AS n …`) gives `expected`.
async fn wait_for_count(app: &TestApp, query: &str, expected: i64, timeout: Duration) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let n = app.sql_count(query);
        if n == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{query}: {n}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn notification(app: &TestApp, token: &str, id: uuid::Uuid) -> Value {
    let res = app.get(&format!("/orders/{id}"), token).await;
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["notification"].clone()
}

/// How many messages each order number got, by subject.
fn per_order(messages: &[Received]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for m in messages {
        let subject = m.subject().unwrap();
        let number = subject
            .split_whitespace()
            .find(|w| w.starts_with("CMD-"))
            .unwrap_or("?")
            .to_owned();
        *counts.entry(number).or_insert(0) += 1;
    }
    counts
}

#[actix_web::test]
async fn a_submitted_order_sends_one_french_email_with_both_parts_and_the_pdf_form() {
    let sink = SmtpSink::start().await;
    let app = app_sending_to(&sink).await;
    let token = app.token(CLIENT).await;
    let order = submit_order(&app, &token).await;

    let got = sink.wait_for_messages(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.to, std::slice::from_ref(&order.recipient));
    assert_eq!(m.from, "commandes@certorder.localhost");
    assert_eq!(
        m.subject().unwrap(),
        format!(
            "Votre commande {} — formulaire et justificatifs",
            order.number
        )
    );
    assert_eq!(
        m.header("Message-ID").unwrap(),
        format!("<{}.formulaire@certorder.localhost>", order.number)
    );
    let parts = m.parts();
    let types: Vec<&str> = parts.iter().map(|p| p.content_type.as_str()).collect();
    assert_eq!(types, ["text/plain", "text/html", "application/pdf"]);
    for text in [parts[0].text(), parts[1].text()] {
        assert!(
            text.contains(&format!("Bonjour {}", order.data.requester.name)),
            "{text}"
        );
        assert!(text.contains(&order.number));
        assert!(text.contains("Justificatifs à déposer"));
        // the upload, not a reply with attachments
        assert!(
            text.contains(&format!("/orders/{}/documents", order.id)),
            "{text}"
        );
        assert!(!text.contains("en réponse"));
        for doc in &order.data.documents {
            assert!(
                text.contains(&doc.label_fr.replace('\'', "&#39;")) || text.contains(&doc.label_fr),
                "{}",
                doc.code
            );
        }
    }
    let pdf = &parts[2];
    assert_eq!(
        pdf.filename.as_deref(),
        Some(format!("formulaire-{}.pdf", order.number).as_str())
    );
    assert!(pdf.body.starts_with(b"%PDF-"));
    let text = flat(&pdf_text(&pdf.body));
    assert!(text.contains(&order.number), "{text}");
    assert!(text.contains(&order.data.holder.legal_name), "{text}");
    for domain in &order.data.domains {
        assert!(text.contains(domain.as_str()), "missing {domain}");
    }
    for doc in &order.data.documents {
        assert!(text.contains(&flat(&doc.label_fr)), "missing {}", doc.code);
    }

    wait_for_count(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE status = 'sent' AND attempts = 1",
        1,
        Duration::from_secs(5),
    )
    .await;
    let n = notification(&app, &token, order.id).await;
    assert_eq!(n["status"], "sent", "{n}");
    assert_eq!(n["attempts"], 1);
    assert!(n["sent_at"].is_string());
    assert!(n.get("last_error").is_none());
    // Still one message a few polls later.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1);
}

#[actix_web::test]
async fn a_draft_has_no_notification_and_enqueueing_twice_queues_one_email() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let draft = app.create_order(&token).await;
    let res = app
        .get(
            &format!("/orders/{}", draft["id"].as_str().unwrap()),
            &token,
        )
        .await;
    assert!(res
        .json::<Value>()
        .await
        .unwrap()
        .get("notification")
        .is_none());

    let order = submit_order(&app, &token).await;
    // "Commander" again records no second event, hence no second e-mail.
    let again = app
        .post(
            &format!("/orders/{}/commander", order.id),
            &token,
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM event_deliveries"),
        1
    );
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM events WHERE event_type = 'order.submitted'"),
        1
    );
    let n = notification(&app, &token, order.id).await;
    assert_eq!(n["status"], "pending", "{n}");
    assert_eq!(n["attempts"], 0);
    assert!(n["next_attempt_at"].is_string());
}

#[actix_web::test]
async fn an_smtp_outage_delays_the_emails_and_each_arrives_once_after_restart() {
    let mut sink = SmtpSink::start().await;
    sink.stop().await;
    let app = app_sending_to(&sink).await;
    let token = app.token(CLIENT).await;
    let orders = submit_orders(&app, &token, 3).await;

    // Every message failed at least once, and is waiting to retry.
    wait_for_count(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE status = 'pending' AND attempts >= 2 \
         AND last_error IS NOT NULL",
        3,
        Duration::from_secs(10),
    )
    .await;
    let n = notification(&app, &token, orders[0].id).await;
    assert_eq!(n["status"], "pending", "{n}");
    assert_eq!(n["last_error"], "temporary_failure");

    sink.restart().await;
    let got = sink.wait_for_messages(3, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 3);
    wait_for_count(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE status = 'sent'",
        3,
        Duration::from_secs(5),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let counts = per_order(&sink.messages());
    for order in &orders {
        assert_eq!(counts.get(&order.number), Some(&1), "{counts:?}");
    }
    assert_eq!(sink.messages().len(), 3);
}

#[actix_web::test]
async fn two_servers_on_one_outbox_send_each_of_ten_emails_exactly_once() {
    let sink = SmtpSink::start().await;
    // Slow acceptance, so that the two workers are sending at the same time.
    sink.set_data_delay(Duration::from_millis(150));
    let port = sink.port();
    let first = app_sending_to(&sink).await;
    let second = first.spawn_replica(|s| worker_settings(s, port)).await;
    let token = first.token(CLIENT).await;
    let orders = submit_orders(&first, &token, 10).await;

    let got = sink.wait_for_messages(10, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 10);
    wait_for_count(
        &second,
        "SELECT count(*) AS n FROM event_deliveries WHERE status = 'sent' AND attempts = 1",
        10,
        Duration::from_secs(5),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let counts = per_order(&sink.messages());
    for order in &orders {
        assert_eq!(counts.get(&order.number), Some(&1), "{counts:?}");
    }
    assert_eq!(sink.messages().len(), 10);
    // Each worker sends one message at a time: two sessions at once means both worked.
    assert!(
        sink.max_open_sessions() >= 2,
        "{}",
        sink.max_open_sessions()
    );
}

#[actix_web::test]
async fn a_message_leased_by_a_worker_that_dies_mid_send_is_sent_once_by_another_when_the_lease_ends(
) {
    let sink = SmtpSink::start().await;
    let port = sink.port();
    let app = TestApp::spawn().await; // no worker
    let token = app.token(CLIENT).await;
    let order = submit_order(&app, &token).await;

    // A worker leases the message, then hangs (say, in the SMTP conversation)...
    let mut dying = app.connection();
    let claimed = events::claim_mail(&mut dying)
        .unwrap()
        .expect("a due message");
    assert_eq!(claimed.order_id.0, order.id);
    assert!(events::claim_mail(&mut dying).unwrap().is_none());

    // ...so another replica's worker leaves it alone...
    let _replica = app.spawn_replica(|s| worker_settings(s, port)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(sink.messages().is_empty());

    // ...until its lease ends (the two minutes pass).
    diesel::sql_query("UPDATE event_deliveries SET lease_until = now() - interval '1 second'")
        .execute(&mut dying)
        .unwrap();
    let got = sink.wait_for_messages(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    wait_for_count(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE status = 'sent' AND attempts = 1",
        1,
        Duration::from_secs(5),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1);
    // The first worker, waking up, cannot record an outcome over the one that took over.
    assert!(!events::mark_failed(&mut dying, &claimed, "late").unwrap());
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM event_deliveries WHERE status = 'sent'"),
        1
    );
}

#[actix_web::test]
async fn a_permanent_550_marks_the_email_failed_and_the_order_view_says_so() {
    let sink = SmtpSink::start().await;
    sink.set_mode(SinkMode::PermFail);
    let app = app_sending_to(&sink).await;
    let token = app.token(CLIENT).await;
    let order = submit_order(&app, &token).await;

    wait_for_count(
        &app,
        "SELECT count(*) AS n FROM event_deliveries WHERE status = 'failed' AND last_error LIKE '%550%'",
        1,
        Duration::from_secs(10),
    )
    .await;
    let n = notification(&app, &token, order.id).await;
    assert_eq!(n["status"], "failed", "{n}");
    assert_eq!(n["attempts"], 1);
    assert_eq!(n["last_error"], "rejected");
    assert!(n["sent_at"].is_null());
    // Not retried.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM event_deliveries WHERE attempts = 1"),
        1
    );
    assert!(sink.messages().is_empty());
}

// ---------------------------------------------------------------------------------------------
// The mail module alone, against the sink (no database).

fn smtp(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        timeout: Duration::from_secs(5),
        ..SmtpSettings::default()
    }
}

/// lettre's transport is blocking: run it off the runtime thread, as the worker does.
async fn send(settings: SmtpSettings, message: Message) -> Result<(), MailError> {
    tokio::task::spawn_blocking(move || Mailer::new(&settings)?.send(&message))
        .await
        .unwrap()
}

fn simple(body: &str) -> Message {
    Message::builder()
        .from("certorder <commandes@certorder.test>".parse().unwrap())
        .to("client@exemple.fr".parse().unwrap())
        .subject("Essai")
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .unwrap()
}

#[actix_web::test]
async fn the_email_body_lists_twenty_domains_escapes_html_and_carries_the_exact_pdf() {
    let sink = SmtpSink::start().await;
    let data = sample::order(30);
    let pdf = render_pdf(&data).unwrap();
    let message = build_order_email(
        &data,
        &pdf,
        "https://certorder.test/orders/1/documents",
        "Service des commandes <commandes@certorder.test>",
        "Françoise Lefèvre <francoise.lefevre@exemple-societe.fr>",
    )
    .unwrap();
    send(smtp(sink.port()), message).await.unwrap();

    let got = sink.wait_for_messages(1, Duration::from_secs(5)).await;
    let m = &got[0];
    assert!(m.raw().contains("multipart/alternative"));
    let parts = m.parts();
    let (plain, html) = (parts[0].text(), parts[1].text());
    for text in [&plain, &html] {
        assert!(text.contains("1\u{a0}481,47\u{a0}€"));
        assert!(text.contains("Faites-le dater, signer et revêtir du cachet"));
        assert!(text.contains("service-019.exemple-societe.fr"));
        assert!(!text.contains("service-020.exemple-societe.fr"));
        assert!(text.contains("… et 10 autre(s)"));
    }
    assert!(plain.contains("Société Générale d’Équipements « Œuvre & Fils »"));
    // askama escapes & as its numeric reference
    assert!(html.contains("Société Générale d’Équipements « Œuvre &#38; Fils »"));
    assert!(!html.contains("Œuvre & Fils"));
    assert!(parts[2]
        .disposition
        .as_deref()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(parts[2].body, pdf);
}

#[actix_web::test]
async fn a_stopped_server_is_a_transient_failure_a_451_too_and_a_550_is_permanent() {
    let mut sink = SmtpSink::start().await;
    let port = sink.port();
    sink.stop().await;
    let err = send(smtp(port), simple("un")).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");

    sink.restart().await;
    sink.set_mode(SinkMode::TempFail);
    let err = send(smtp(port), simple("deux")).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    sink.set_mode(SinkMode::PermFail);
    let err = send(smtp(port), simple("trois")).await.unwrap_err();
    assert!(matches!(err, MailError::Permanent(_)), "{err:?}");

    sink.set_mode(SinkMode::Accept);
    send(smtp(port), simple("quatre")).await.unwrap();
    let got = sink.wait_for_messages(1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].raw().contains("quatre"));
}

#[actix_web::test]
async fn smtp_credentials_are_used_and_dots_are_unstuffed() {
    let sink = SmtpSink::start().await;
    let with_auth = SmtpSettings {
        username: Some("robot".into()),
        password: Some("secret".into()),
        ..smtp(sink.port())
    };
    send(with_auth, simple(".début\r\n..deux points\r\nfin\r\n."))
        .await
        .unwrap();
    let m = &sink.wait_for_messages(1, Duration::from_secs(5)).await[0];
    assert!(
        m.auth.as_deref().unwrap().starts_with("PLAIN"),
        "{:?}",
        m.auth
    );
    let body = m.parts()[0].text();
    assert!(body.contains(".début"), "{body}");
    assert!(body.contains("..deux points"), "{body}");
}

#[actix_web::test]
async fn invalid_addresses_are_refused_when_building_the_email() {
    let data = sample::order(1);
    let err = build_order_email(&data, b"%PDF", "u", "pas une adresse", "a@b.fr").unwrap_err();
    assert!(matches!(err, MailError::Address { .. }));
    let err = build_order_email(&data, b"%PDF", "u", "a@b.fr", "").unwrap_err();
    assert!(matches!(err, MailError::Address { .. }));
}
