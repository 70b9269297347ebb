//! Webhook endpoints, their deliveries (rows of the event outbox with subscriber `webhook`)
//! and every attempt. Deliveries are claimed like the e-mail ones (`events::claim_mail`):
//! `FOR UPDATE SKIP LOCKED` and a lease with a token, in one statement; the POST happens
//! outside any transaction; the outcome is recorded only while the lease is still the
//! worker's. Every time is the caller's (the injectable clock), never the database's.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types;
use uuid::Uuid;

use super::schema::{
    event_deliveries, events, webhook_attempts, webhook_endpoints, webhook_notices,
};
use super::DbError;
use crate::domain::account::AccountId;
use crate::domain::order::OrderEventType;

pub const WEBHOOK: &str = "webhook";

/// How long a claimed delivery stays its worker's (the POST's timeout is 15 s).
const LEASE_SECONDS: i64 = 60;

/// The longest error kept.
const MAX_ERROR_LEN: usize = 500;

/// An endpoint, as its owner sees it (never its secret).
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: Uuid,
    pub account_id: AccountId,
    pub url: String,
    pub description: String,
    /// Empty: every type.
    pub event_types: Vec<OrderEventType>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// Until when the former secret also signs (after a rotation).
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(Pg))]
struct EndpointRow {
    id: Uuid,
    account_id: Uuid,
    url: String,
    description: String,
    event_types: Vec<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    previous_secret_until: Option<DateTime<Utc>>,
    failing_since: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<EndpointRow> for Endpoint {
    type Error = DbError;
    fn try_from(r: EndpointRow) -> Result<Self, DbError> {
        Ok(Endpoint {
            id: r.id,
            account_id: AccountId(r.account_id),
            url: r.url,
            description: r.description,
            event_types: r
                .event_types
                .iter()
                .map(|t| {
                    OrderEventType::parse(t).ok_or_else(|| {
                        DbError::Corrupt(format!("webhook_endpoints.event_types has {t:?}"))
                    })
                })
                .collect::<Result<_, _>>()?,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            previous_secret_until: r.previous_secret_until,
            failing_since: r.failing_since,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

fn names(types: &[OrderEventType]) -> Vec<String> {
    types.iter().map(|t| t.as_str().to_owned()).collect()
}

/// The account's live (not deleted) endpoints.
fn live(
    account: AccountId,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<
        webhook_endpoints::table,
        diesel::dsl::Eq<webhook_endpoints::account_id, Uuid>,
    >,
    diesel::dsl::IsNull<webhook_endpoints::deleted_at>,
> {
    webhook_endpoints::table
        .filter(webhook_endpoints::account_id.eq(account.0))
        .filter(webhook_endpoints::deleted_at.is_null())
}

pub struct NewEndpoint<'a> {
    pub id: Uuid,
    pub account_id: AccountId,
    pub url: &'a str,
    pub description: &'a str,
    pub event_types: &'a [OrderEventType],
    pub sealed_secret: &'a [u8],
    pub now: DateTime<Utc>,
}

pub fn insert(conn: &mut PgConnection, e: &NewEndpoint<'_>) -> Result<Endpoint, DbError> {
    diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq(e.id),
            webhook_endpoints::account_id.eq(e.account_id.0),
            webhook_endpoints::url.eq(e.url),
            webhook_endpoints::description.eq(e.description),
            webhook_endpoints::event_types.eq(names(e.event_types)),
            webhook_endpoints::secret_encrypted.eq(e.sealed_secret),
            webhook_endpoints::created_at.eq(e.now),
            webhook_endpoints::updated_at.eq(e.now),
        ))
        .execute(conn)?;
    find(conn, e.account_id, e.id)
}

pub fn list(conn: &mut PgConnection, account: AccountId) -> Result<Vec<Endpoint>, DbError> {
    live(account)
        .order(webhook_endpoints::id)
        .select(EndpointRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Endpoint::try_from)
        .collect()
}

/// One of the account's endpoints (`NotFound` otherwise).
pub fn find(conn: &mut PgConnection, account: AccountId, id: Uuid) -> Result<Endpoint, DbError> {
    live(account)
        .filter(webhook_endpoints::id.eq(id))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)?
        .try_into()
}

/// What a `PATCH` changes (`None`: kept).
#[derive(Debug, Default)]
pub struct Change {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<OrderEventType>>,
    pub enabled: Option<bool>,
}

#[derive(AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
struct ChangeRow {
    url: Option<String>,
    description: Option<String>,
    event_types: Option<Vec<String>>,
    enabled: Option<bool>,
    updated_at: DateTime<Utc>,
}

pub fn update(
    conn: &mut PgConnection,
    account: AccountId,
    id: Uuid,
    change: Change,
    now: DateTime<Utc>,
) -> Result<Endpoint, DbError> {
    find(conn, account, id)?;
    diesel::update(live(account).filter(webhook_endpoints::id.eq(id)))
        .set(ChangeRow {
            url: change.url,
            description: change.description,
            event_types: change.event_types.as_deref().map(names),
            enabled: change.enabled,
            updated_at: now,
        })
        .execute(conn)?;
    if let Some(enabled) = change.enabled {
        // turned on again: a fresh start; turned off by its owner: say so
        diesel::update(webhook_endpoints::table.filter(webhook_endpoints::id.eq(id)))
            .set((
                webhook_endpoints::disabled_reason.eq((!enabled).then_some("owner")),
                webhook_endpoints::failing_since.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)?;
    }
    find(conn, account, id)
}

/// Deletes an endpoint (kept, hidden, for its deliveries' history); its pending deliveries
/// are dropped.
pub fn delete(
    conn: &mut PgConnection,
    account: AccountId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let n = diesel::update(live(account).filter(webhook_endpoints::id.eq(id)))
        .set((
            webhook_endpoints::deleted_at.eq(now),
            webhook_endpoints::enabled.eq(false),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    diesel::update(
        event_deliveries::table
            .filter(event_deliveries::endpoint_id.eq(id))
            .filter(event_deliveries::status.eq("pending")),
    )
    .set((
        event_deliveries::status.eq("failed"),
        event_deliveries::last_error.eq("endpoint deleted"),
    ))
    .execute(conn)?;
    Ok(())
}

/// A rotation: the current secret becomes the previous one (signing until `until`), the new
/// one current.
pub fn rotate(
    conn: &mut PgConnection,
    account: AccountId,
    id: Uuid,
    sealed_secret: &[u8],
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Endpoint, DbError> {
    find(conn, account, id)?;
    diesel::update(live(account).filter(webhook_endpoints::id.eq(id)))
        .set((
            webhook_endpoints::previous_secret_encrypted
                .eq(webhook_endpoints::secret_encrypted.nullable()),
            webhook_endpoints::previous_secret_until.eq(until),
            webhook_endpoints::secret_encrypted.eq(sealed_secret),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    find(conn, account, id)
}

/// Queues a delivery of the event to every enabled endpoint of the order's owner, and of the
/// partner whose code the order names, that takes its type. In the event's transaction.
pub fn queue(
    conn: &mut PgConnection,
    event_id: Uuid,
    event_type: OrderEventType,
    owner: AccountId,
    partner_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    #[derive(QueryableByName)]
    struct Target {
        #[diesel(sql_type = sql_types::Uuid)]
        id: Uuid,
        #[diesel(sql_type = sql_types::Text)]
        url: String,
    }
    let targets: Vec<Target> = diesel::sql_query(
        "SELECT w.id, w.url FROM webhook_endpoints w JOIN accounts a ON a.id = w.account_id \
         WHERE w.enabled AND w.deleted_at IS NULL \
           AND (w.account_id = $1 OR ($2::text IS NOT NULL AND a.partner_code = $2)) \
           AND (cardinality(w.event_types) = 0 OR $3 = ANY(w.event_types)) \
         ORDER BY w.id",
    )
    .bind::<sql_types::Uuid, _>(owner.0)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(partner_code)
    .bind::<sql_types::Text, _>(event_type.as_str())
    .load(conn)?;
    let mut n = 0;
    for t in targets {
        n += diesel::insert_into(event_deliveries::table)
            .values((
                event_deliveries::id.eq(Uuid::now_v7()),
                event_deliveries::event_id.eq(event_id),
                event_deliveries::subscriber.eq(WEBHOOK),
                event_deliveries::recipient.eq(&t.url),
                event_deliveries::endpoint_id.eq(t.id),
                event_deliveries::next_attempt_at.eq(now),
                event_deliveries::created_at.eq(now),
            ))
            .on_conflict((
                event_deliveries::event_id,
                event_deliveries::subscriber,
                event_deliveries::endpoint_id,
            ))
            .do_nothing()
            .execute(conn)?;
    }
    Ok(n)
}

/// A webhook delivery leased by a dispatcher.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub lease_token: Uuid,
    pub event_id: Uuid,
    pub payload: serde_json::Value,
    /// Attempts made before this one.
    pub attempts: i32,
    pub endpoint_id: Uuid,
    pub url: String,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_secret_until: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct ClaimRow {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    event_id: Uuid,
    #[diesel(sql_type = sql_types::Jsonb)]
    payload: serde_json::Value,
    #[diesel(sql_type = sql_types::Integer)]
    attempts: i32,
    #[diesel(sql_type = sql_types::Uuid)]
    endpoint_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    url: String,
    #[diesel(sql_type = sql_types::Bytea)]
    secret_encrypted: Vec<u8>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Bytea>)]
    previous_secret_encrypted: Option<Vec<u8>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    previous_secret_until: Option<DateTime<Utc>>,
}

/// Leases the oldest due webhook delivery of an enabled endpoint that no other dispatcher
/// holds. One statement: run it outside a transaction. The secrets come back sealed.
pub fn claim(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Option<Claimed>, DbError> {
    let token = Uuid::new_v4();
    let row = diesel::sql_query(format!(
        "UPDATE event_deliveries d SET lease_until = $2 + interval '{LEASE_SECONDS} seconds', lease_token = $1 \
         FROM events e, webhook_endpoints w \
         WHERE e.id = d.event_id AND w.id = d.endpoint_id AND d.id = ( \
             SELECT x.id FROM event_deliveries x JOIN webhook_endpoints y ON y.id = x.endpoint_id \
             WHERE x.subscriber = '{WEBHOOK}' AND x.status = 'pending' AND x.next_attempt_at <= $2 \
               AND (x.lease_until IS NULL OR x.lease_until < $2) \
               AND y.enabled AND y.deleted_at IS NULL \
             ORDER BY x.next_attempt_at, x.id LIMIT 1 FOR UPDATE OF x SKIP LOCKED) \
         RETURNING d.id, d.event_id, e.payload, d.attempts, w.id AS endpoint_id, w.url, \
                   w.secret_encrypted, w.previous_secret_encrypted, w.previous_secret_until"
    ))
    .bind::<sql_types::Uuid, _>(token)
    .bind::<sql_types::Timestamptz, _>(now)
    .get_result::<ClaimRow>(conn)
    .optional()?;
    Ok(row.map(|r| Claimed {
        id: r.id,
        lease_token: token,
        event_id: r.event_id,
        payload: r.payload,
        attempts: r.attempts,
        endpoint_id: r.endpoint_id,
        url: r.url,
        secret: r.secret_encrypted,
        previous_secret: r.previous_secret_encrypted,
        previous_secret_until: r.previous_secret_until,
    }))
}

/// What to do with a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Delivered,
    Retry(DateTime<Utc>),
    Failed,
}

/// The attempt as recorded.
pub struct AttemptRecord<'a> {
    pub at: DateTime<Utc>,
    pub status: Option<u16>,
    pub error: Option<&'a str>,
    pub duration_ms: i32,
}

/// Records an attempt and the delivery's next state (only while the lease is still the
/// worker's: `false` otherwise, and nothing is written). In a transaction.
pub fn record(
    conn: &mut PgConnection,
    claim: &Claimed,
    attempt: &AttemptRecord<'_>,
    next: Next,
) -> Result<bool, DbError> {
    let leased = event_deliveries::table
        .filter(event_deliveries::id.eq(claim.id))
        .filter(event_deliveries::lease_token.eq(claim.lease_token));
    let error = attempt.error.map(truncate);
    let n = match next {
        Next::Delivered => diesel::update(leased)
            .set((
                event_deliveries::status.eq("sent"),
                event_deliveries::attempts.eq(event_deliveries::attempts + 1),
                event_deliveries::delivered_at.eq(attempt.at),
                event_deliveries::last_error.eq(None::<String>),
                event_deliveries::lease_until.eq(None::<DateTime<Utc>>),
                event_deliveries::lease_token.eq(None::<Uuid>),
            ))
            .execute(conn)?,
        Next::Retry(at) => diesel::update(leased)
            .set((
                event_deliveries::attempts.eq(event_deliveries::attempts + 1),
                event_deliveries::next_attempt_at.eq(at),
                event_deliveries::last_error.eq(&error),
                event_deliveries::lease_until.eq(None::<DateTime<Utc>>),
                event_deliveries::lease_token.eq(None::<Uuid>),
            ))
            .execute(conn)?,
        Next::Failed => diesel::update(leased)
            .set((
                event_deliveries::status.eq("failed"),
                event_deliveries::attempts.eq(event_deliveries::attempts + 1),
                event_deliveries::last_error.eq(&error),
                event_deliveries::lease_until.eq(None::<DateTime<Utc>>),
                event_deliveries::lease_token.eq(None::<Uuid>),
            ))
            .execute(conn)?,
    };
    if n == 0 {
        return Ok(false);
    }
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::id.eq(Uuid::now_v7()),
            webhook_attempts::delivery_id.eq(claim.id),
            webhook_attempts::attempted_at.eq(attempt.at),
            webhook_attempts::status_code.eq(attempt.status.map(i32::from)),
            webhook_attempts::error.eq(&error),
            webhook_attempts::duration_ms.eq(attempt.duration_ms),
        ))
        .execute(conn)?;
    Ok(true)
}

/// After a success: the endpoint is no longer failing.
pub fn endpoint_succeeded(conn: &mut PgConnection, id: Uuid) -> Result<(), DbError> {
    diesel::update(webhook_endpoints::table.filter(webhook_endpoints::id.eq(id)))
        .set(webhook_endpoints::failing_since.eq(None::<DateTime<Utc>>))
        .execute(conn)?;
    Ok(())
}

/// After a failure: when the endpoint's run of failures began (now, if this is its first).
pub fn endpoint_failed(
    conn: &mut PgConnection,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DbError> {
    Ok(
        diesel::update(webhook_endpoints::table.filter(webhook_endpoints::id.eq(id)))
            .set(
                webhook_endpoints::failing_since.eq(diesel::dsl::sql::<
                    sql_types::Nullable<sql_types::Timestamptz>,
                >("COALESCE(failing_since, ")
                .bind::<sql_types::Timestamptz, _>(now)
                .sql(")")),
            )
            .returning(webhook_endpoints::failing_since)
            .get_result::<Option<DateTime<Utc>>>(conn)?
            .unwrap_or(now),
    )
}

/// Turns an endpoint off (`gone`: the receiver answered 410; `failing`: 5 days of failure).
/// `false`: it was already off.
pub fn disable(
    conn: &mut PgConnection,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(id))
            .filter(webhook_endpoints::enabled.eq(true)),
    )
    .set((
        webhook_endpoints::enabled.eq(false),
        webhook_endpoints::disabled_reason.eq(reason),
        webhook_endpoints::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// One attempt, as listed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts, check_for_backend(Pg))]
pub struct AttemptRow {
    pub delivery_id: Uuid,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// One delivery, as listed, with its attempts (oldest first).
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub attempt_log: Vec<AttemptRow>,
}

/// A page of an endpoint's deliveries after the cursor (a delivery id), oldest first.
pub fn deliveries(
    conn: &mut PgConnection,
    account: AccountId,
    endpoint: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Delivery>, DbError> {
    find(conn, account, endpoint)?;
    let mut q = event_deliveries::table
        .inner_join(events::table)
        .filter(event_deliveries::endpoint_id.eq(endpoint))
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(event_deliveries::id.gt(after));
    }
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Uuid,
        Uuid,
        String,
        String,
        i32,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<String>,
        DateTime<Utc>,
    )> = q
        .order(event_deliveries::id)
        .limit(limit)
        .select((
            event_deliveries::id,
            event_deliveries::event_id,
            events::event_type,
            event_deliveries::status,
            event_deliveries::attempts,
            event_deliveries::next_attempt_at,
            event_deliveries::delivered_at,
            event_deliveries::last_error,
            event_deliveries::created_at,
        ))
        .load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order((
            webhook_attempts::delivery_id,
            webhook_attempts::attempted_at,
            webhook_attempts::id,
        ))
        .select(AttemptRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Delivery {
            id: r.0,
            event_id: r.1,
            event_type: r.2,
            status: r.3,
            attempts: r.4,
            next_attempt_at: r.5,
            delivered_at: r.6,
            last_error: r.7,
            created_at: r.8,
            attempt_log: attempts
                .iter()
                .filter(|a| a.delivery_id == r.0)
                .cloned()
                .collect(),
        })
        .collect())
}

/// Queues one delivery of the account's again, now (whatever its state). `NotFound`: not a
/// delivery of one of its live endpoints.
pub fn redeliver(
    conn: &mut PgConnection,
    account: AccountId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let n = diesel::sql_query(
        "UPDATE event_deliveries d SET status = 'pending', next_attempt_at = $3, \
             lease_until = NULL, lease_token = NULL \
         FROM webhook_endpoints w \
         WHERE d.id = $1 AND w.id = d.endpoint_id AND w.account_id = $2 AND w.deleted_at IS NULL",
    )
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Uuid, _>(account.0)
    .bind::<sql_types::Timestamptz, _>(now)
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Queues again, now, the deliveries to the endpoint of the events that occurred in
/// `[since, until)` and that it takes (also those it never had a delivery for, e.g. while it
/// was disabled). How many.
pub fn recover(
    conn: &mut PgConnection,
    account: AccountId,
    endpoint: Uuid,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize, DbError> {
    let e = find(conn, account, endpoint)?;
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = sql_types::Uuid)]
        id: Uuid,
    }
    // the events the endpoint's owner may see: its own orders, and as a partner those naming its code
    let found: Vec<Id> = diesel::sql_query(
        "SELECT ev.id FROM events ev, accounts a \
         WHERE a.id = $1 AND ev.occurred_at >= $2 AND ev.occurred_at < $3 \
           AND (ev.account_id = a.id OR (a.partner_code IS NOT NULL AND ev.partner_code = a.partner_code)) \
           AND (cardinality($4::text[]) = 0 OR ev.event_type = ANY($4::text[])) \
         ORDER BY ev.id",
    )
    .bind::<sql_types::Uuid, _>(account.0)
    .bind::<sql_types::Timestamptz, _>(since)
    .bind::<sql_types::Timestamptz, _>(until)
    .bind::<sql_types::Array<sql_types::Text>, _>(names(&e.event_types))
    .load(conn)?;
    for ev in &found {
        diesel::insert_into(event_deliveries::table)
            .values((
                event_deliveries::id.eq(Uuid::now_v7()),
                event_deliveries::event_id.eq(ev.id),
                event_deliveries::subscriber.eq(WEBHOOK),
                event_deliveries::recipient.eq(&e.url),
                event_deliveries::endpoint_id.eq(endpoint),
                event_deliveries::next_attempt_at.eq(now),
                event_deliveries::created_at.eq(now),
            ))
            .on_conflict((
                event_deliveries::event_id,
                event_deliveries::subscriber,
                event_deliveries::endpoint_id,
            ))
            .do_update()
            .set((
                event_deliveries::status.eq("pending"),
                event_deliveries::next_attempt_at.eq(now),
                event_deliveries::lease_until.eq(None::<DateTime<Utc>>),
                event_deliveries::lease_token.eq(None::<Uuid>),
            ))
            .execute(conn)?;
    }
    Ok(found.len())
}

fn truncate(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_LEN) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_owned(),
    }
}

/// Queues the e-mail telling the endpoint's owner it was disabled. In the disabling's
/// transaction. Due at once on the mail worker's clock (the database's, as for the mails).
pub fn queue_notice(
    conn: &mut PgConnection,
    endpoint: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::sql_query(
        "INSERT INTO webhook_notices (id, endpoint_id, recipient, next_attempt_at, created_at) \
         SELECT $1, w.id, a.email, now(), $3 FROM webhook_endpoints w JOIN accounts a ON a.id = w.account_id \
         WHERE w.id = $2",
    )
    .bind::<sql_types::Uuid, _>(Uuid::now_v7())
    .bind::<sql_types::Uuid, _>(endpoint)
    .bind::<sql_types::Timestamptz, _>(now)
    .execute(conn)?;
    Ok(())
}

/// A notice leased by the mail worker.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: Uuid,
    pub lease_token: Uuid,
    pub recipient: String,
    pub url: String,
    pub failing_since: Option<DateTime<Utc>>,
    /// Attempts made before this one.
    pub attempts: i32,
}

#[derive(QueryableByName)]
struct NoticeRow {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    recipient: String,
    #[diesel(sql_type = sql_types::Text)]
    url: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    failing_since: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Integer)]
    attempts: i32,
}

/// Leases the oldest due notice (the mail worker's clock: the database's, as for the mails).
pub fn claim_notice(conn: &mut PgConnection) -> Result<Option<Notice>, DbError> {
    let token = Uuid::new_v4();
    let row = diesel::sql_query(
        "UPDATE webhook_notices n SET lease_until = now() + interval '120 seconds', lease_token = $1 \
         FROM webhook_endpoints w \
         WHERE w.id = n.endpoint_id AND n.id = ( \
             SELECT id FROM webhook_notices WHERE status = 'pending' AND next_attempt_at <= now() \
               AND (lease_until IS NULL OR lease_until < now()) \
             ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING n.id, n.recipient, w.url, w.failing_since, n.attempts",
    )
    .bind::<sql_types::Uuid, _>(token)
    .get_result::<NoticeRow>(conn)
    .optional()?;
    Ok(row.map(|r| Notice {
        id: r.id,
        lease_token: token,
        recipient: r.recipient,
        url: r.url,
        failing_since: r.failing_since,
        attempts: r.attempts,
    }))
}

/// The notice's outcome: sent, retry at, or failed for good (only while leased).
pub fn record_notice(
    conn: &mut PgConnection,
    notice: &Notice,
    outcome: Result<(), (Option<DateTime<Utc>>, String)>,
) -> Result<bool, DbError> {
    let leased = webhook_notices::table
        .filter(webhook_notices::id.eq(notice.id))
        .filter(webhook_notices::lease_token.eq(notice.lease_token));
    let release = (
        webhook_notices::attempts.eq(webhook_notices::attempts + 1),
        webhook_notices::lease_until.eq(None::<DateTime<Utc>>),
        webhook_notices::lease_token.eq(None::<Uuid>),
    );
    let n = match outcome {
        Ok(()) => diesel::update(leased)
            .set((
                release,
                webhook_notices::status.eq("sent"),
                webhook_notices::sent_at.eq(Utc::now()),
            ))
            .execute(conn)?,
        Err((Some(at), e)) => diesel::update(leased)
            .set((
                release,
                webhook_notices::next_attempt_at.eq(at),
                webhook_notices::last_error.eq(truncate(&e)),
            ))
            .execute(conn)?,
        Err((None, e)) => diesel::update(leased)
            .set((
                release,
                webhook_notices::status.eq("failed"),
                webhook_notices::last_error.eq(truncate(&e)),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Deletes at most `batch` attempts made before `cutoff` (housekeeping).
pub fn purge_attempts(
    conn: &mut PgConnection,
    cutoff: DateTime<Utc>,
    batch: u32,
) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "DELETE FROM webhook_attempts WHERE ctid IN \
         (SELECT ctid FROM webhook_attempts WHERE attempted_at < $1 LIMIT $2)",
    )
    .bind::<sql_types::Timestamptz, _>(cutoff)
    .bind::<sql_types::BigInt, _>(i64::from(batch))
    .execute(conn)?)
}
