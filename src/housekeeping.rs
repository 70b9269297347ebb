//! Housekeeping: a periodic task purging what expires — idempotency keys older than
//! `IDEMPOTENCY_KEY_TTL_HOURS`, sign-in failure counters that are no longer locked and
//! older than the failure window, expired refresh tokens — and letting the in-process rate limiters forget idle
//! clients. Every replica may run it: each run deletes at most `HOUSEKEEPING_BATCH` rows per
//! table (`DELETE … WHERE ctid IN (SELECT … LIMIT n)`), so a run is short whatever the
//! backlog, and concurrent runs on two replicas only share the work. Webhook attempts older
//! than 30 days go too (the deliveries stay, with their counts). Events are kept: the
//! orders' timelines read them; the feed serves the last 30 days only.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::http::rate_limit::RateLimits;
use crate::persistence::{credentials, idempotency, login, webhooks, Db, DbError};

/// What one run purged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub idempotency_keys: usize,
    pub login_failures: usize,
    pub refresh_tokens: usize,
    /// Webhook attempts older than 30 days.
    pub webhook_attempts: usize,
    /// Keys still tracked by the rate limiters after forgetting the idle ones.
    pub rate_limit_keys: usize,
}

/// The limits of one run.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub idempotency_ttl: Duration,
    pub login_failure_window: Duration,
    pub batch: u32,
}

/// One bounded run, as of `now`.
pub async fn run_once(
    db: &Db,
    limits: Option<&RateLimits>,
    policy: Policy,
    now: DateTime<Utc>,
) -> Result<Purged, DbError> {
    let cutoff = now - chrono::Duration::seconds(policy.idempotency_ttl.as_secs() as i64);
    let (idempotency_keys, login_failures, refresh_tokens, webhook_attempts) = db
        .run(move |conn| -> Result<_, DbError> {
            let keys = idempotency::purge_older_than(conn, cutoff, policy.batch)?;
            let failures =
                login::purge_stale(conn, now, policy.login_failure_window, policy.batch)?;
            let refresh = credentials::purge_expired_refresh(conn, now, policy.batch)?;
            let attempts = webhooks::purge_attempts(
                conn,
                now - chrono::Duration::days(crate::persistence::events::FEED_DAYS),
                policy.batch,
            )?;
            Ok((keys, failures, refresh, attempts))
        })
        .await?;
    Ok(Purged {
        idempotency_keys,
        login_failures,
        refresh_tokens,
        webhook_attempts,
        rate_limit_keys: limits.map_or(0, RateLimits::forget_idle),
    })
}

/// The periodic task; stopped by [`Housekeeper::stop`] or when dropped with the runtime.
pub struct Housekeeper {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Housekeeper {
    pub fn spawn(db: Db, limits: Arc<RateLimits>, policy: Policy, every: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(tracing::Instrument::instrument(
            async move {
                loop {
                    tokio::select! {
                        changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { break },
                        () = tokio::time::sleep(every) => {}
                    }
                    match run_once(&db, Some(&limits), policy, Utc::now()).await {
                        Ok(p) if p.idempotency_keys + p.login_failures > 0 => tracing::info!(
                            idempotency_keys = p.idempotency_keys,
                            login_failures = p.login_failures,
                            rate_limit_keys = p.rate_limit_keys,
                            "housekeeping: purged"
                        ),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "housekeeping: database error"),
                    }
                }
            },
            tracing::info_span!("housekeeping"),
        ));
        Housekeeper { stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
