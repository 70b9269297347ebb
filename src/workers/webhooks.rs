//! The webhook dispatcher: every `WEBHOOK_POLL_MS` it delivers the due webhook deliveries
//! (`app::webhooks::dispatch_one`: leased with `SKIP LOCKED`, so every replica runs one and
//! each delivery goes out once per attempt). Started by `startup` when `WEBHOOK_DISPATCHER`
//! is on (the default); stopped after the server, once the POST in hand is done.

use std::time::Duration;

use tokio::sync::watch;

use crate::app::{webhooks, App};

/// The longest wait after a database error.
const DB_BACKOFF_CAP: Duration = Duration::from_secs(30);
/// How long [`Dispatcher::stop`] waits for the delivery in hand (its POST times out at 15 s).
const STOP_GRACE: Duration = Duration::from_secs(20);

pub struct Dispatcher {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Dispatcher {
    pub fn spawn(app: App, poll: Duration) -> Self {
        let poll = poll.max(Duration::from_millis(10));
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(tracing::Instrument::instrument(
            async move {
                let mut backoff = poll;
                loop {
                    if *stopped.borrow() {
                        break;
                    }
                    let pause = match webhooks::dispatch_one(&app).await {
                        Ok(Some(_)) => {
                            backoff = poll;
                            continue;
                        }
                        Ok(None) => {
                            backoff = poll;
                            poll
                        }
                        Err(e) => {
                            backoff = (backoff * 2).min(DB_BACKOFF_CAP);
                            tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "webhooks: database error");
                            backoff
                        }
                    };
                    tokio::select! {
                        changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { break },
                        () = tokio::time::sleep(pause) => {}
                    }
                }
                tracing::info!("webhook dispatcher stopped");
            },
            tracing::info_span!("webhook_dispatcher"),
        ));
        Dispatcher { stop, task }
    }

    /// Asks the loop to stop and waits for it (it finishes the delivery in hand first).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(STOP_GRACE, self.task).await.is_err() {
            tracing::warn!("webhook dispatcher did not stop in time");
        }
    }
}
