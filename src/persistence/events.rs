//! The event outbox: every state change of an order writes its event ([`append`]) in the
//! transaction that makes the change, with one delivery row per subscriber that wants it
//! (the e-mail sender, and each webhook endpoint that takes it: `persistence::webhooks`).
//! Subscribers then work outside any transaction:
//!
//! 1. [`claim_mail`] takes one due delivery with `FOR UPDATE SKIP LOCKED` and, in the same
//!    short statement, leases it (`lease_until`, a fresh `lease_token`) — then commits. Two
//!    workers (two replicas, or two threads) never hold the same delivery: the second skips
//!    it, and a leased row is not due again until its lease ends.
//! 2. The worker does the I/O (renders the PDF, talks SMTP) holding no transaction and no
//!    connection.
//! 3. It records the outcome ([`mark_sent`], [`reschedule`], [`mark_failed`]), which only
//!    applies while its lease token is still the row's: a worker whose lease ran out (it froze,
//!    or lost the database) cannot overwrite the work of the one that took over.
//!
//! A worker killed between the SMTP server's acceptance and step 3 leaves the lease to expire;
//! another worker then sends the message again: at-least-once, with a `Message-ID` stable per
//! order so that the duplicate can be recognized. The lease (two minutes) is far above a
//! normal send (SMTP timeouts are 10 s per command).

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{event_deliveries, events};
use super::DbError;
use crate::domain::order::notification::{mailed, Notification, NotificationStatus};
use crate::domain::order::{OrderData, OrderEvent, OrderEventType, OrderId};

/// The one subscriber so far.
const MAIL: &str = "mail";

/// How long a claimed delivery stays its worker's.
const LEASE: &str = "120 seconds";

/// The longest `last_error` kept.
const MAX_ERROR_LEN: usize = 500;

/// Stores an event of `order` (its state after the change) and a delivery per subscriber.
/// `recipient` is where the e-mail goes, for the events that are mailed. Call it in the
/// transaction that saves the order.
pub fn append(
    conn: &mut PgConnection,
    order: &OrderData,
    event: &OrderEvent,
    recipient: &str,
) -> Result<Uuid, DbError> {
    let id = Uuid::now_v7();
    let payload = serde_json::json!({
        "type": event.kind.as_str(),
        "timestamp": event.at,
        "data": {
            "order_id": order.id.0,
            "number": order.number,
            "status": order.status.as_str(),
        },
    });
    diesel::insert_into(events::table)
        .values((
            events::id.eq(id),
            events::event_type.eq(event.kind.as_str()),
            events::order_id.eq(order.id.0),
            events::account_id.eq(order.account_id.0),
            events::partner_code.eq(order.partner_code()),
            events::occurred_at.eq(event.at),
            events::payload.eq(payload),
            events::actor_id.eq(event.actor.map(|a| a.0)),
            events::detail.eq(&event.detail),
        ))
        .execute(conn)?;
    if mailed(event) {
        diesel::insert_into(event_deliveries::table)
            .values((
                event_deliveries::id.eq(Uuid::now_v7()),
                event_deliveries::event_id.eq(id),
                event_deliveries::subscriber.eq(MAIL),
                event_deliveries::recipient.eq(recipient),
            ))
            .on_conflict((
                event_deliveries::event_id,
                event_deliveries::subscriber,
                event_deliveries::endpoint_id,
            ))
            .do_nothing()
            .execute(conn)?;
    }
    // one delivery per endpoint of the owner (and of the partner named) that takes the type
    super::webhooks::queue(
        conn,
        id,
        event.kind,
        order.account_id,
        order.partner_code(),
        event.at,
    )?;
    Ok(id)
}

/// A delivery leased by a worker, until `lease_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: Uuid,
    pub lease_token: Uuid,
    /// The event delivered (its id is the e-mail's Message-ID).
    pub event_id: Uuid,
    pub event_type: OrderEventType,
    /// What the event carries (a reason, a deadline) for the message.
    pub detail: serde_json::Value,
    pub order_id: OrderId,
    pub recipient: String,
    /// Attempts made before this one.
    pub attempts: i32,
}

#[derive(QueryableByName)]
struct ClaimRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    event_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    event_type: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    detail: serde_json::Value,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    order_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    recipient: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
}

/// Leases the oldest due e-mail delivery that no other worker holds, if any. One statement:
/// run it outside a transaction (it commits at once).
pub fn claim_mail(conn: &mut PgConnection) -> Result<Option<Claimed>, DbError> {
    let token = Uuid::new_v4();
    let row = diesel::sql_query(format!(
        "UPDATE event_deliveries d SET lease_until = now() + interval '{LEASE}', lease_token = $1 \
         FROM events e \
         WHERE e.id = d.event_id AND d.id = ( \
             SELECT id FROM event_deliveries \
             WHERE subscriber = '{MAIL}' AND status = 'pending' AND next_attempt_at <= now() \
               AND (lease_until IS NULL OR lease_until < now()) \
             ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING d.id, e.id AS event_id, e.event_type, e.detail, e.order_id, d.recipient, d.attempts"
    ))
    .bind::<diesel::sql_types::Uuid, _>(token)
    .get_result::<ClaimRow>(conn)
    .optional()?;
    row.map(|r| {
        Ok(Claimed {
            id: r.id,
            lease_token: token,
            event_id: r.event_id,
            event_type: OrderEventType::parse(&r.event_type).ok_or_else(|| {
                DbError::Corrupt(format!("events.event_type = {:?}", r.event_type))
            })?,
            detail: r.detail,
            order_id: OrderId(r.order_id),
            recipient: r.recipient,
            attempts: r.attempts,
        })
    })
    .transpose()
}

/// The deliveries still leased by `claim`.
fn leased(
    claim: &Claimed,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<event_deliveries::table, diesel::dsl::Eq<event_deliveries::id, Uuid>>,
    diesel::dsl::Eq<event_deliveries::lease_token, Uuid>,
> {
    event_deliveries::table
        .filter(event_deliveries::id.eq(claim.id))
        .filter(event_deliveries::lease_token.eq(claim.lease_token))
}

/// The message was accepted by the SMTP server. `false`: the lease was lost meanwhile.
pub fn mark_sent(
    conn: &mut PgConnection,
    claim: &Claimed,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = diesel::update(leased(claim))
        .set((
            event_deliveries::status.eq(NotificationStatus::Sent.as_str()),
            event_deliveries::attempts.eq(event_deliveries::attempts + 1),
            event_deliveries::delivered_at.eq(at),
            event_deliveries::lease_until.eq(None::<DateTime<Utc>>),
            event_deliveries::lease_token.eq(None::<Uuid>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// A temporary failure: try again at `next_attempt_at`.
pub fn reschedule(
    conn: &mut PgConnection,
    claim: &Claimed,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> Result<bool, DbError> {
    let n = diesel::update(leased(claim))
        .set((
            event_deliveries::attempts.eq(event_deliveries::attempts + 1),
            event_deliveries::next_attempt_at.eq(next_attempt_at),
            event_deliveries::last_error.eq(truncate(error)),
            event_deliveries::lease_until.eq(None::<DateTime<Utc>>),
            event_deliveries::lease_token.eq(None::<Uuid>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// A permanent failure: not tried again (an operator may set it back to `pending`).
pub fn mark_failed(conn: &mut PgConnection, claim: &Claimed, error: &str) -> Result<bool, DbError> {
    let n = diesel::update(leased(claim))
        .set((
            event_deliveries::status.eq(NotificationStatus::Failed.as_str()),
            event_deliveries::attempts.eq(event_deliveries::attempts + 1),
            event_deliveries::last_error.eq(truncate(error)),
            event_deliveries::lease_until.eq(None::<DateTime<Utc>>),
            event_deliveries::lease_token.eq(None::<Uuid>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

fn truncate(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_LEN) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_owned(),
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = event_deliveries, check_for_backend(Pg))]
struct NotificationRow {
    status: String,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

/// The state of the order e-mail (the mail delivery of `order.submitted`), if one was queued.
pub fn notification(
    conn: &mut PgConnection,
    order_id: OrderId,
) -> Result<Option<Notification>, DbError> {
    let Some(row) = event_deliveries::table
        .inner_join(events::table)
        .filter(events::order_id.eq(order_id.0))
        .filter(events::event_type.eq(OrderEventType::Submitted.as_str()))
        .filter(event_deliveries::subscriber.eq(MAIL))
        .select(NotificationRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let status = NotificationStatus::parse(&row.status)
        .ok_or_else(|| DbError::Corrupt(format!("event_deliveries.status = {:?}", row.status)))?;
    Ok(Some(Notification {
        status,
        attempts: row.attempts,
        next_attempt_at: row.next_attempt_at,
        sent_at: row.delivered_at,
        last_error: row.last_error,
    }))
}

/// How long the events feed goes back.
pub const FEED_DAYS: i64 = 30;

/// A page of the events feed: the caller's events (the orders it may see) after the cursor
/// (an event id: UUIDv7, in the order they were written), of the given types, no older than
/// [`FEED_DAYS`] before `now`, oldest first. Each is `(id, payload)`.
pub fn feed(
    conn: &mut PgConnection,
    caller: &crate::domain::account::Caller,
    after: Option<Uuid>,
    types: &[OrderEventType],
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(Uuid, serde_json::Value)>, DbError> {
    use crate::domain::account::Visibility;
    let mut query = events::table
        .filter(events::occurred_at.gt(now - chrono::Duration::days(FEED_DAYS)))
        .into_boxed();
    query = match caller.visibility() {
        Visibility::All => query,
        Visibility::OwnOrPartner {
            account,
            partner_code,
        } => query.filter(
            events::account_id
                .eq(account.0)
                .or(events::partner_code.eq(partner_code.to_owned())),
        ),
        Visibility::Own(account) => query.filter(events::account_id.eq(account.0)),
    };
    if let Some(after) = after {
        query = query.filter(events::id.gt(after));
    }
    if !types.is_empty() {
        let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
        query = query.filter(events::event_type.eq_any(names));
    }
    Ok(query
        .order(events::id)
        .limit(limit)
        .select((events::id, events::payload))
        .load(conn)?)
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
