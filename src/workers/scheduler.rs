//! The scheduler: every `SCHEDULER_INTERVAL_SECONDS`, runs the jobs that are due (sandbox
//! issuance, acceptance reminders and deadlines, renewal reminders, the plan's expiry) and the
//! domain control rechecks. Every replica runs it; each job is claimed
//! with `SKIP LOCKED` and done once (`persistence::jobs`). `certorder run-jobs` runs the due
//! jobs once, optionally as of another time (`--now`), and exits.

use std::time::Duration;

use tokio::sync::watch;

use crate::app::{lifecycle, App};

/// One round: the jobs due now, then the domain control rechecks due now (each leased, done
/// once across replicas).
pub async fn tick(app: &App) {
    match lifecycle::run_due(app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "scheduler: jobs run"),
        Err(e) => tracing::warn!(error = %e, "scheduler: database error"),
    }
    match crate::app::dcv::run_due(app, None).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(domains = n, "scheduler: domains rechecked"),
        Err(e) => tracing::warn!(error = %e, "scheduler: domain recheck error"),
    }
}

pub struct Scheduler {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Scheduler {
    pub fn spawn(app: App, every: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(tracing::Instrument::instrument(
            async move {
                loop {
                    tokio::select! {
                        changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { break },
                        () = tokio::time::sleep(every) => {}
                    }
                    // A round may be long (a backlog of due domains, each a DNS query that
                    // can take its whole timeout): a stop does not wait for it. Dropping the
                    // round is safe: a job's transaction runs on the blocking pool and
                    // commits or rolls back whole; a domain check in hand keeps its lease
                    // until it expires, then any replica does it again.
                    tokio::select! {
                        () = tick(&app) => {}
                        changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { break },
                    }
                }
            },
            tracing::info_span!("scheduler"),
        ));
        Scheduler { stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
