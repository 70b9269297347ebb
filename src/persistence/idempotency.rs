//! Idempotency keys: the first answer to a POST carrying `Idempotency-Key`, replayed to
//! retries with the same body, refused for a different body.

use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::DbError;
use crate::domain::account::AccountId;

/// A stored answer.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status_code: u16,
    pub body: serde_json::Value,
}

/// The stored answer for this key, if any. Called inside the transaction that will store
/// the new answer, after taking an advisory lock on the key so that concurrent retries wait.
pub fn find(
    conn: &mut PgConnection,
    account: AccountId,
    scope: &str,
    key: &str,
) -> Result<Option<StoredResponse>, DbError> {
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
    Ok(row.map(|(request_hash, status, body)| StoredResponse {
        request_hash,
        status_code: u16::try_from(status).unwrap_or(500),
        body,
    }))
}

pub fn store(
    conn: &mut PgConnection,
    account: AccountId,
    scope: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), DbError> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::account_id.eq(account.0),
            idempotency_keys::scope.eq(scope),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(&response.request_hash),
            idempotency_keys::status_code.eq(i32::from(response.status_code)),
            idempotency_keys::response.eq(&response.body),
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
