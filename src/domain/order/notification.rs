//! The order e-mail ("notification") as the order sees it: queued in the outbox by
//! `commander`, then sent by the outbox worker, retried with back-off while the mail server is
//! unreachable, or refused for good. Pure: the jitter is passed in, like the clock.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::order::{OrderEvent, OrderEventType};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationStatus {
    /// Queued, or waiting for its next attempt after a temporary failure.
    Pending,
    /// Accepted by the mail server.
    Sent,
    /// Refused for good (a 5xx reply, an invalid address, unreadable order data).
    Failed,
}

impl NotificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationStatus::Pending => "pending",
            NotificationStatus::Sent => "sent",
            NotificationStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// The state of an order's e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub status: NotificationStatus,
    /// Attempts made so far (failed ones and the successful one).
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The last failure, as recorded by the worker (an SMTP reply or a connection error;
    /// never credentials). For operators: the API shows only its kind.
    pub last_error: Option<String>,
}

/// Whether the customer gets an e-mail for this event: the order e-mail with the PDF form
/// after "Commander", then each step of the life the customer must act on or be told of. A
/// draft withdrawn by its owner sends none (only a submitted order's cancellation carries a
/// refund decision).
pub fn mailed(event: &OrderEvent) -> bool {
    use OrderEventType as E;
    match event.kind {
        E::Submitted
        | E::Validated
        | E::Rejected
        | E::Issued
        | E::AcceptanceReminder
        | E::Revoked
        | E::DocumentRejected
        | E::RenewalWindowOpened
        | E::CertificateExpiring
        | E::Expired => true,
        E::Cancelled => event.detail.get("refund_due").is_some(),
        _ => false,
    }
}

/// How long to wait before the next attempt after `failures` failed ones (1 for the first):
/// `base × 2^(failures − 1)`, at most `cap`, then scaled by `jitter` (e.g. a random factor in
/// `0.8..1.2`, so that replicas that failed together do not retry together).
pub fn retry_delay(failures: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let exponent = failures.saturating_sub(1).min(30);
    let delay = base.saturating_mul(1u32 << exponent).min(cap);
    delay.mul_f64(jitter.clamp(0.0, 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_double_from_the_base_up_to_the_cap() {
        let base = Duration::from_secs(5);
        let cap = Duration::from_secs(15 * 60);
        let secs: Vec<u64> = (1..=10)
            .map(|n| retry_delay(n, base, cap, 1.0).as_secs())
            .collect();
        assert_eq!(secs, [5, 10, 20, 40, 80, 160, 320, 640, 900, 900]);
        assert_eq!(retry_delay(1_000, base, cap, 1.0), cap);
        assert_eq!(retry_delay(0, base, cap, 1.0), base);
    }

    #[test]
    fn jitter_scales_the_delay() {
        let base = Duration::from_secs(10);
        let cap = Duration::from_secs(900);
        assert_eq!(retry_delay(1, base, cap, 0.8), Duration::from_secs(8));
        assert_eq!(retry_delay(1, base, cap, 1.2), Duration::from_secs(12));
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            NotificationStatus::Pending,
            NotificationStatus::Sent,
            NotificationStatus::Failed,
        ] {
            assert_eq!(NotificationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(NotificationStatus::parse("queued"), None);
    }
}
