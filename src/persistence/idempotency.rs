//! Idempotency keys: the first answer to a POST carrying `Idempotency-Key` — the order as
//! that call left it (a snapshot of its row) and the state of its e-mail — replayed to retries
//! with the same request, refused for a different one.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::idempotency_keys;
use super::DbError;
use crate::domain::account::AccountId;
use crate::domain::order::notification::{Notification, NotificationStatus};
use crate::domain::order::Order;

/// A stored answer.
#[derive(Debug, Clone)]
pub struct Stored {
    pub request_hash: String,
    /// The call created the order.
    pub created: bool,
    pub order: Order,
    pub notification: Option<Notification>,
}

/// What the `response` column holds (version 1).
#[derive(Serialize, Deserialize)]
struct StoredJson {
    v: u8,
    order: serde_json::Value,
    notification: Option<NotificationJson>,
}

#[derive(Serialize, Deserialize)]
struct NotificationJson {
    status: String,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

const CREATED: i32 = 201;
const OK: i32 = 200;

/// The stored answer for this key, if any. Called inside the transaction that will store
/// the new answer, after taking an advisory lock on the key so that concurrent retries wait.
pub fn find(
    conn: &mut PgConnection,
    account: AccountId,
    scope: &str,
    key: &str,
) -> Result<Option<Stored>, DbError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<diesel::sql_types::Text, _>(format!("{}/{scope}/{key}", account.0))
        .execute(conn)?;
    let row: Option<(String, i32, serde_json::Value)> = idempotency_keys::table
        .find((account.0, scope, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status_code,
            idempotency_keys::response,
        ))
        .first(conn)
        .optional()?;
    let Some((request_hash, status, body)) = row else {
        return Ok(None);
    };
    let stored: StoredJson = serde_json::from_value(body)
        .map_err(|e| DbError::Corrupt(format!("idempotency_keys.response: {e}")))?;
    let notification = stored
        .notification
        .map(|n| {
            Ok::<_, DbError>(Notification {
                status: NotificationStatus::parse(&n.status).ok_or_else(|| {
                    DbError::Corrupt(format!("idempotency_keys notification {:?}", n.status))
                })?,
                attempts: n.attempts,
                next_attempt_at: n.next_attempt_at,
                sent_at: n.sent_at,
                last_error: n.last_error,
            })
        })
        .transpose()?;
    Ok(Some(Stored {
        request_hash,
        created: status == CREATED,
        order: super::orders::from_snapshot(stored.order)?,
        notification,
    }))
}

pub fn store(
    conn: &mut PgConnection,
    account: AccountId,
    scope: &str,
    key: &str,
    stored: &Stored,
) -> Result<(), DbError> {
    let body = StoredJson {
        v: 1,
        order: super::orders::snapshot(&stored.order)?,
        notification: stored.notification.as_ref().map(|n| NotificationJson {
            status: n.status.as_str().to_owned(),
            attempts: n.attempts,
            next_attempt_at: n.next_attempt_at,
            sent_at: n.sent_at,
            last_error: n.last_error.clone(),
        }),
    };
    let body = serde_json::to_value(&body).map_err(|e| DbError::Corrupt(e.to_string()))?;
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::account_id.eq(account.0),
            idempotency_keys::scope.eq(scope),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(&stored.request_hash),
            idempotency_keys::status_code.eq(if stored.created { CREATED } else { OK }),
            idempotency_keys::response.eq(&body),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes at most `batch` answers stored before `cutoff` (expired keys: a retry that late is
/// a new request). Returns the rows deleted.
pub fn purge_older_than(
    conn: &mut PgConnection,
    cutoff: chrono::DateTime<chrono::Utc>,
    batch: u32,
) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE ctid IN \
         (SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(cutoff)
    .bind::<diesel::sql_types::BigInt, _>(i64::from(batch))
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::StoredJson;
    use crate::persistence::stored::fixtures::fixture;

    /// `idempotency_keys.response` as c3abe60 stored it (never regenerate the fixture): its
    /// envelope and the notification's field names are still these.
    #[test]
    fn a_stored_idempotent_answer_reads_and_writes_back_the_same_envelope() {
        let response = fixture("idempotency_response");
        let stored: StoredJson = serde_json::from_value(response.clone()).unwrap();
        assert_eq!(stored.v, 1);
        let notification = stored.notification.as_ref().unwrap();
        assert_eq!(notification.status, "pending");
        assert_eq!(serde_json::to_value(&stored).unwrap(), response);
    }
}
