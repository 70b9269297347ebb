//! The scheduler: every `SCHEDULER_INTERVAL_SECONDS` (at once while a backlog is left),
//! runs the jobs that are due (sandbox
//! issuance, acceptance reminders and deadlines, renewal reminders, the plan's expiry) and the
//! domain control rechecks. Every replica runs it; each job is claimed
//! with `SKIP LOCKED` and done once (`persistence::jobs`). `certorder run-jobs` runs the due
//! jobs once, optionally as of another time (`--now`), and exits.

use std::time::Duration;

use tokio::sync::watch;

use crate::app::{lifecycle, App};

/// One round: the jobs due now, then the domain control rechecks due now (each leased, done
/// once across replicas), to the end of both backlogs (`certorder run-jobs`, the tests).
pub async fn tick(app: &App) {
    round(app, None).await;
}

/// How long one kind of work may hold a round of the loop: a backlog of one (thousands of
/// due domains, each a DNS query that may wait for its whole timeout) must not starve the
/// other (jobs due meanwhile).
const SHARE: Duration = Duration::from_secs(5);

/// A round: due jobs, then due rechecks, each for at most `share` (none: to the end).
/// Whether work may be left.
async fn round(app: &App, share: Option<Duration>) -> bool {
    let until = || share.map(|s| std::time::Instant::now() + s);
    let jobs_left = match lifecycle::run_due_until(app, until()).await {
        Ok((n, left)) => {
            if n > 0 {
                tracing::info!(jobs = n, "scheduler: jobs run");
            }
            left
        }
        Err(e) => {
            tracing::warn!(error = %e, "scheduler: database error");
            false
        }
    };
    let domains_left = match crate::app::dcv::run_due_until(app, None, until()).await {
        Ok((n, left)) => {
            if n > 0 {
                tracing::info!(domains = n, "scheduler: domains rechecked");
            }
            left
        }
        Err(e) => {
            tracing::warn!(error = %e, "scheduler: domain recheck error");
            false
        }
    };
    jobs_left || domains_left
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
                let mut left = false;
                loop {
                    // with work left from the last round, the next starts at once
                    let pause = if left { Duration::ZERO } else { every };
                    tokio::select! {
                        changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { break },
                        () = tokio::time::sleep(pause) => {}
                    }
                    // A round may be long (a backlog of due domains, each a DNS query that
                    // can take its whole timeout): a stop does not wait for it. Dropping the
                    // round is safe: a job's transaction runs on the blocking pool and
                    // commits or rolls back whole; a domain check in hand keeps its lease
                    // until it expires, then any replica does it again.
                    tokio::select! {
                        more = round(&app, Some(SHARE)) => left = more,
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
