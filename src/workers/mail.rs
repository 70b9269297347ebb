//! The outbox worker: sends the e-mails `commander` queued (see `persistence::outbox` for
//! how a message is sent once even with several replicas).
//!
//! One tokio task per process, started by `startup` when `OUTBOX_WORKER` is on. Every
//! `OUTBOX_POLL_MS` it claims due rows one at a time; for each, on the blocking pool (through
//! [`Db::run`]) and with the row locked, it reads the form's data the order froze, renders the
//! PDF, builds the French e-mail and sends it through SMTP, then records the result:
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
use diesel::prelude::*;
use rand::Rng;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::config::Settings;
use crate::domain::order::notification::retry_delay;
use crate::persistence::outbox::{self, Claimed};
use crate::persistence::{Db, DbError};
use crate::render::formulaire::{render_pdf, FormulaireData};
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
        let ctx = context.clone();
        let pause = match db.run(move |conn| send_next(conn, &ctx)).await {
            // There may be more due rows: go on at once.
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

/// Claims one due message and handles it, all in one transaction (see `persistence::outbox`).
/// `Ok(None)`: nothing is due. `Err`: the database failed; the transaction is rolled back and
/// the row, if any, stays as it was.
fn send_next(conn: &mut PgConnection, ctx: &Context) -> Result<Option<Outcome>, DbError> {
    conn.transaction(|conn| {
        let Some(row) = outbox::claim_next(conn)? else {
            return Ok(None);
        };
        let span = tracing::info_span!(
            "outbox_message",
            outbox_id = %row.id,
            order_id = %row.order_id.0,
            attempt = row.attempts + 1,
        );
        let _entered = span.enter();
        let outcome = match deliver(conn, ctx, &row)? {
            Ok(()) => {
                outbox::mark_sent(conn, row.id, Utc::now())?;
                tracing::info!("order e-mail sent");
                Outcome::Sent
            }
            Err(e) if e.is_transient() => {
                let jitter = rand::thread_rng().gen_range(0.8..1.2);
                let failures = u32::try_from(row.attempts + 1).unwrap_or(u32::MAX);
                let delay = retry_delay(failures, ctx.retry_base, RETRY_CAP, jitter);
                let next = Utc::now()
                    + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::minutes(15));
                outbox::reschedule(conn, row.id, next, &e.to_string())?;
                tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "order e-mail not sent, will retry");
                Outcome::Retry
            }
            Err(e) => {
                outbox::mark_failed(conn, row.id, &e.to_string())?;
                tracing::error!(error = %e, "order e-mail refused for good");
                Outcome::Failed
            }
        };
        Ok(Some(outcome))
    })
}

/// Why a message was not sent: worth retrying or not.
#[derive(Debug, thiserror::Error)]
enum DeliveryError {
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("the order has no readable form data: {0}")]
    OrderData(String),
    #[error("the PDF form could not be rendered: {0}")]
    Render(String),
}

impl DeliveryError {
    fn is_transient(&self) -> bool {
        matches!(self, DeliveryError::Mail(e) if e.is_transient())
    }
}

/// Renders, builds and sends the message. The outer `Result` is the database's; the inner
/// one, the delivery's.
fn deliver(
    conn: &mut PgConnection,
    ctx: &Context,
    row: &Claimed,
) -> Result<Result<(), DeliveryError>, DbError> {
    let Some(submitted) = outbox::submitted_formulaire(conn, row.order_id)? else {
        return Ok(Err(DeliveryError::OrderData(
            "orders.submitted has no formulaire".into(),
        )));
    };
    Ok((|| {
        let data = serde_json::from_value::<FormulaireData>(submitted)
            .map_err(|e| DeliveryError::OrderData(e.to_string()))?;
        let pdf = render_pdf(&data).map_err(|e| DeliveryError::Render(e.to_string()))?;
        let message = build_order_email(&data, &pdf, &ctx.from, &row.recipient)?;
        ctx.mailer.send(&message)?;
        Ok(())
    })())
}
