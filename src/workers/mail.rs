//! The e-mail subscriber of the event outbox: sends the order e-mail of `order.submitted`
//! (see `persistence::events` for how a message is sent once even with several replicas).
//!
//! One tokio task per process, started by `startup` when `OUTBOX_WORKER` is on. Every
//! `OUTBOX_POLL_MS` it leases due deliveries one at a time; for each it reads the form's data
//! the order froze, then — holding no transaction and no connection — renders the PDF, builds
//! the French e-mail and sends it through SMTP, and finally records the result:
//! - accepted → `sent`;
//! - a temporary failure (server unreachable, timeout, 4xx) → retried after
//!   `OUTBOX_RETRY_BASE_MS × 2^(failures − 1)`, at most 15 minutes, ±20 % jitter;
//! - a permanent failure (5xx, invalid address, unreadable order data) → `failed`.
//!
//! A PostgreSQL outage only delays it: the claim fails, the worker logs, waits (doubling up to
//! 30 s) and tries again. It stops when the server stops ([`OutboxWorker::stop`]), after the
//! message in hand. Logs carry the outbox and order ids, never the PDF nor credentials.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::config::Settings;
use crate::domain::order::formulaire::FormulaireData;
use crate::domain::order::notification::retry_delay;
use crate::domain::order::OrderEventType;
use crate::persistence::events::{self, Claimed};
use crate::persistence::{orders, Db, DbError};
use crate::render::formulaire::render_pdf;
use crate::render::life_mail::{build_life_email, life_mail};
use crate::render::mail::build_order_email;
use crate::workers::smtp::{MailError, Mailer, SmtpSettings};

/// The longest wait between two attempts of one message.
const RETRY_CAP: Duration = Duration::from_secs(15 * 60);
/// The longest wait after a database error.
const DB_BACKOFF_CAP: Duration = Duration::from_secs(30);
/// SMTP connect and per-command timeout.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`OutboxWorker::stop`] waits for the message in hand.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// What the worker needs, shared with the blocking closures.
struct Context {
    mailer: Mailer,
    from: String,
    retry_base: Duration,
    /// Where the links of the e-mails point (`PUBLIC_BASE_URL`).
    base_url: String,
}

/// The running worker. Dropping it without [`stop`](Self::stop) also stops the loop (at its
/// next pause).
pub struct OutboxWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl OutboxWorker {
    /// Starts the worker on the current tokio runtime.
    pub fn spawn(db: Db, settings: &Settings) -> Result<Self, MailError> {
        let smtp = SmtpSettings {
            host: settings.smtp.host.clone(),
            port: settings.smtp.port,
            username: settings.smtp.username.clone(),
            password: settings.smtp.password.clone(),
            starttls: settings.smtp.starttls,
            timeout: SMTP_TIMEOUT,
        };
        let context = Arc::new(Context {
            mailer: Mailer::new(&smtp)?,
            from: settings.smtp.from.clone(),
            retry_base: settings.outbox_retry_base,
            base_url: settings.public_base_url.clone(),
        });
        let poll = settings.outbox_poll.max(Duration::from_millis(10));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(
            run(db, context, poll, stopped).instrument(tracing::info_span!("outbox_worker")),
        );
        tracing::info!(smtp = %format_args!("{}:{}", smtp.host, smtp.port), poll_ms = poll.as_millis() as u64, "outbox worker started");
        Ok(Self { stop, task })
    }

    /// Asks the loop to stop and waits for it (it finishes the message in hand first).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(STOP_GRACE, self.task).await.is_err() {
            tracing::warn!("outbox worker did not stop in time");
        }
    }
}

/// What happened to one claimed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Sent,
    Retry,
    Failed,
}

async fn run(db: Db, context: Arc<Context>, poll: Duration, mut stopped: watch::Receiver<bool>) {
    let mut db_backoff = poll;
    loop {
        if *stopped.borrow() {
            break;
        }
        let pause = match send_next(&db, &context).await {
            // There may be more due deliveries: go on at once.
            Ok(Some(_)) => {
                db_backoff = poll;
                continue;
            }
            Ok(None) => {
                db_backoff = poll;
                poll
            }
            Err(e) => {
                db_backoff = (db_backoff * 2).min(DB_BACKOFF_CAP);
                tracing::warn!(error = %e, retry_in_ms = db_backoff.as_millis() as u64, "outbox: database error");
                db_backoff
            }
        };
        tokio::select! {
            changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { break },
            () = tokio::time::sleep(pause) => {}
        }
    }
    tracing::info!("outbox worker stopped");
}

/// Leases one due delivery and handles it. `Ok(None)`: nothing is due. `Err`: the database
/// failed; a leased delivery is taken again once its lease ends.
async fn send_next(db: &Db, ctx: &Arc<Context>) -> Result<Option<Outcome>, DbError> {
    let Some(claim) = db.run(events::claim_mail).await? else {
        return send_notice(db, ctx).await;
    };
    let span = tracing::info_span!(
        "outbox_message",
        delivery_id = %claim.id,
        order_id = %claim.order_id.0,
        attempt = claim.attempts + 1,
    );
    async move {
        let order_id = claim.order_id;
        let order = db.run(move |conn| orders::find(conn, order_id)).await?;
        // The I/O, outside any transaction and without a connection.
        let c = ctx.clone();
        let recipient = claim.recipient.clone();
        let (kind, event_id, detail) = (claim.event_type, claim.event_id, claim.detail.clone());
        let delivered = actix_web::rt::task::spawn_blocking(move || {
            if kind == OrderEventType::Submitted {
                let data = order.submission.as_ref().map(|s| s.formulaire.clone());
                let upload = format!(
                    "{}/orders/{}/documents",
                    c.base_url.trim_end_matches('/'),
                    order.id.0
                );
                deliver(&c, data, &upload, &recipient)
            } else {
                deliver_life(&c, kind, &order, &detail, event_id, &recipient)
            }
        })
        .await
        .unwrap_or_else(|e| Err(DeliveryError::Render(format!("rendering task failed: {e}"))));
        let retry_base = ctx.retry_base;
        let outcome = db
            .run(move |conn| record(conn, &claim, delivered, retry_base))
            .await?;
        Ok(Some(outcome))
    }
    .instrument(span)
    .await
}

/// Records what happened to a leased delivery (only while the lease is still this worker's).
fn record(
    conn: &mut diesel::PgConnection,
    claim: &Claimed,
    delivered: Result<(), DeliveryError>,
    retry_base: Duration,
) -> Result<Outcome, DbError> {
    let (outcome, kept) = match delivered {
        Ok(()) => {
            tracing::info!(event = claim.event_type.as_str(), "e-mail sent");
            (Outcome::Sent, events::mark_sent(conn, claim, Utc::now())?)
        }
        Err(e) if e.is_transient() => {
            let jitter = rand::thread_rng().gen_range(0.8..1.2);
            let failures = u32::try_from(claim.attempts + 1).unwrap_or(u32::MAX);
            let delay = retry_delay(failures, retry_base, RETRY_CAP, jitter);
            let next = Utc::now()
                + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::minutes(15));
            tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "order e-mail not sent, will retry");
            (
                Outcome::Retry,
                events::reschedule(conn, claim, next, &e.to_string())?,
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "order e-mail refused for good");
            (
                Outcome::Failed,
                events::mark_failed(conn, claim, &e.to_string())?,
            )
        }
    };
    if !kept {
        tracing::warn!("the delivery's lease ran out before its outcome was recorded");
    }
    Ok(outcome)
}

/// Why a message was not sent: worth retrying or not.
#[derive(Debug, thiserror::Error)]
enum DeliveryError {
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("the order has no form data")]
    OrderData,
    #[error("the PDF form could not be rendered: {0}")]
    Render(String),
}

impl DeliveryError {
    fn is_transient(&self) -> bool {
        matches!(self, DeliveryError::Mail(e) if e.is_transient())
    }
}

/// Builds and sends the e-mail of a life event (no attachment).
fn deliver_life(
    ctx: &Context,
    kind: OrderEventType,
    order: &crate::domain::order::OrderData,
    detail: &serde_json::Value,
    event_id: uuid::Uuid,
    recipient: &str,
) -> Result<(), DeliveryError> {
    let mail = life_mail(kind, order, detail, &ctx.base_url).ok_or(DeliveryError::OrderData)?;
    let message = build_life_email(&mail, event_id, &ctx.from, recipient)?;
    ctx.mailer.send(&message)?;
    Ok(())
}

/// Renders, builds and sends the message.
fn deliver(
    ctx: &Context,
    data: Option<FormulaireData>,
    upload_url: &str,
    recipient: &str,
) -> Result<(), DeliveryError> {
    let data = data.ok_or(DeliveryError::OrderData)?;
    let pdf = render_pdf(&data).map_err(|e| DeliveryError::Render(e.to_string()))?;
    let message = build_order_email(&data, &pdf, upload_url, &ctx.from, recipient)?;
    ctx.mailer.send(&message)?;
    Ok(())
}

/// Sends one due webhook notice (an endpoint disabled after 5 days of failure), if any.
async fn send_notice(db: &Db, ctx: &Arc<Context>) -> Result<Option<Outcome>, DbError> {
    use crate::persistence::webhooks;
    let Some(notice) = db.run(webhooks::claim_notice).await? else {
        return Ok(None);
    };
    let c = ctx.clone();
    let n = notice.clone();
    let sent = actix_web::rt::task::spawn_blocking(move || -> Result<(), MailError> {
        let mail = crate::render::life_mail::webhook_disabled_mail(&n.url, n.failing_since);
        let message = build_life_email(&mail, n.id, &c.from, &n.recipient)?;
        c.mailer.send(&message)
    })
    .await
    .unwrap_or_else(|e| Err(MailError::Build(format!("mail task failed: {e}"))));
    let retry_base = ctx.retry_base;
    let outcome = match sent {
        Ok(()) => {
            tracing::info!(notice = %notice.id, "webhook notice sent");
            (Outcome::Sent, Ok(()))
        }
        Err(e) if e.is_transient() => {
            let failures = u32::try_from(notice.attempts + 1).unwrap_or(u32::MAX);
            let delay = retry_delay(failures, retry_base, RETRY_CAP, 1.0);
            let next = Utc::now()
                + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::minutes(15));
            tracing::warn!(notice = %notice.id, error = %e, "webhook notice not sent, will retry");
            (Outcome::Retry, Err((Some(next), e.to_string())))
        }
        Err(e) => {
            tracing::error!(notice = %notice.id, error = %e, "webhook notice refused for good");
            (Outcome::Failed, Err((None, e.to_string())))
        }
    };
    let (o, result) = outcome;
    db.run(move |conn| webhooks::record_notice(conn, &notice, result))
        .await?;
    Ok(Some(o))
}
