//! The outbox: e-mails queued in the same transaction as the change that causes them
//! (`commander` calls [`enqueue`]), sent later by the outbox worker (`crate::workers::mail`).
//!
//! # Sending each message once
//!
//! A worker claims one due row with `SELECT … FOR UPDATE SKIP LOCKED` inside a transaction
//! and keeps that transaction — hence the row lock — open while it renders the PDF, talks to
//! the SMTP server and records the result ([`mark_sent`], [`reschedule`], [`mark_failed`]).
//! So:
//! - two workers (two replicas, or two threads) never hold the same row: the second one skips
//!   it and takes the next due row, or finds nothing;
//! - a worker killed mid-send loses its connection, PostgreSQL rolls the transaction back and
//!   releases the lock: the row is `pending` again and another worker (or the same, restarted)
//!   sends it. A frozen worker (a stopped process that keeps its socket) is cut off by
//!   `idle_in_transaction_session_timeout`, set per claim (see [`claim_next`]).
//!
//! The remaining edge is at-least-once, not exactly-once: if the worker dies (or loses
//! PostgreSQL) after the SMTP server accepted the message but before the commit, the row is
//! still `pending` and the message is sent again. That window is a few milliseconds; the
//! message's `Message-ID` is stable per order (`<CMD-….formulaire@domain>`), so the
//! duplicate can be recognized and dropped by mail systems and the reader's client.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{orders, outbox};
use super::DbError;
use crate::domain::order::notification::{Notification, NotificationStatus};
use crate::domain::order::OrderId;

/// The only kind of message so far: the order e-mail sent after `commander`.
pub const ORDER_SUBMITTED: &str = "order_submitted";

/// How long PostgreSQL lets a claiming transaction sit idle (i.e. a worker between two
/// statements: rendering, or talking SMTP) before it ends the session and frees the row. Far
/// above a normal send (SMTP timeouts are 10 s per command).
const CLAIM_IDLE_TIMEOUT: &str = "120s";

/// The longest `last_error` kept.
const MAX_ERROR_LEN: usize = 500;

/// Queues the order e-mail for `recipient`. Idempotent: a second call for the same order
/// changes nothing (the first recipient stays). Call it in the transaction that submits.
pub fn enqueue(conn: &mut PgConnection, order_id: OrderId, recipient: &str) -> Result<(), DbError> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(Uuid::now_v7()),
            outbox::order_id.eq(order_id.0),
            outbox::kind.eq(ORDER_SUBMITTED),
            outbox::recipient.eq(recipient),
        ))
        .on_conflict((outbox::order_id, outbox::kind))
        .do_nothing()
        .execute(conn)?;
    Ok(())
}

/// A row claimed by a worker: locked until the claiming transaction ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: Uuid,
    pub order_id: OrderId,
    pub recipient: String,
    /// Attempts made before this one.
    pub attempts: i32,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox, check_for_backend(Pg))]
struct ClaimRow {
    id: Uuid,
    order_id: Uuid,
    recipient: String,
    attempts: i32,
}

/// Claims the oldest due `pending` row, skipping rows other workers hold. Must run inside a
/// transaction: the row stays locked (and invisible to other claims) until it ends.
pub fn claim_next(conn: &mut PgConnection) -> Result<Option<Claimed>, DbError> {
    diesel::sql_query(format!(
        "SET LOCAL idle_in_transaction_session_timeout = '{CLAIM_IDLE_TIMEOUT}'"
    ))
    .execute(conn)?;
    let row = outbox::table
        .filter(outbox::status.eq(NotificationStatus::Pending.as_str()))
        .filter(outbox::next_attempt_at.le(diesel::dsl::now))
        .order(outbox::next_attempt_at.asc())
        .limit(1)
        .select(ClaimRow::as_select())
        .for_update()
        .skip_locked()
        .first(conn)
        .optional()?;
    Ok(row.map(|r| Claimed {
        id: r.id,
        order_id: OrderId(r.order_id),
        recipient: r.recipient,
        attempts: r.attempts,
    }))
}

/// The form's data frozen by `commander` (`orders.submitted->'formulaire'`), if any.
pub fn submitted_formulaire(
    conn: &mut PgConnection,
    order_id: OrderId,
) -> Result<Option<serde_json::Value>, DbError> {
    Ok(orders::table
        .filter(orders::id.eq(order_id.0))
        .select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Jsonb>,
        >("submitted -> 'formulaire'"))
        .first::<Option<serde_json::Value>>(conn)
        .optional()?
        .flatten())
}

/// The message was accepted by the SMTP server.
pub fn mark_sent(conn: &mut PgConnection, id: Uuid, at: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(NotificationStatus::Sent.as_str()),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::sent_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A temporary failure: try again at `next_attempt_at`.
pub fn reschedule(
    conn: &mut PgConnection,
    id: Uuid,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::next_attempt_at.eq(next_attempt_at),
            outbox::last_error.eq(truncate(error)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A permanent failure: the row is not tried again (an operator may set it back to
/// `pending`).
pub fn mark_failed(conn: &mut PgConnection, id: Uuid, error: &str) -> Result<(), DbError> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(NotificationStatus::Failed.as_str()),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(truncate(error)),
        ))
        .execute(conn)?;
    Ok(())
}

fn truncate(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_LEN) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_owned(),
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox, check_for_backend(Pg))]
struct NotificationRow {
    status: String,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

/// The state of the order's e-mail, if one was queued.
pub fn notification(
    conn: &mut PgConnection,
    order_id: OrderId,
) -> Result<Option<Notification>, DbError> {
    let Some(row) = outbox::table
        .filter(outbox::order_id.eq(order_id.0))
        .filter(outbox::kind.eq(ORDER_SUBMITTED))
        .select(NotificationRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let status = NotificationStatus::parse(&row.status)
        .ok_or_else(|| DbError::Corrupt(format!("outbox.status = {:?}", row.status)))?;
    Ok(Some(Notification {
        status,
        attempts: row.attempts,
        next_attempt_at: row.next_attempt_at,
        sent_at: row.sent_at,
        last_error: row.last_error,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_errors_are_truncated_on_a_char_boundary() {
        assert_eq!(truncate("court"), "court");
        let long = "é".repeat(MAX_ERROR_LEN + 10);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), MAX_ERROR_LEN + 1);
        assert!(cut.ends_with('…'));
    }
}
