//! Sign-in throttling, kept in the database so that every replica counts the same.
//!
//! Two counters, each read and changed by ONE statement (`INSERT … ON CONFLICT … DO UPDATE …
//! RETURNING`), so that parallel guesses cannot slip between a check and a record:
//! - per (username, client address): `max_failures` failures lock that pair only, for
//!   `lockout` doubled with each further failure (at most 15 minutes). The same username from
//!   another address is not locked: an attacker cannot lock a victim out from everywhere.
//! - per client address, whatever the usernames: a higher limit, against one address
//!   trying many accounts.
//!
//! An attempt is counted *before* the password is verified (an attempt refused by the
//! counter costs no argon2 hash), and a successful sign-in takes its attempt back: it clears
//! the pair and takes one off the address. Failures older than `window` are forgotten.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamptz};

use super::schema::login_failures;
use super::DbError;

/// The limits of one counter.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub max_failures: u32,
    pub lockout: std::time::Duration,
    pub window: std::time::Duration,
}

/// What counting an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted; the password may be verified.
    Counted,
    /// Locked out until then: not counted, and the password must not be verified.
    Locked(DateTime<Utc>),
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    locked_until: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    counted: bool,
}

/// The statement, for either table. While locked, the row is left as it is (and `counted` is
/// false: `last_failure_at` was not set to this attempt's `now`). Otherwise the failure is
/// counted (from 1 again when the last one is older than the window), and reaching the limit
/// locks for `lockout × 2^(failures − limit)`, at most 15 minutes.
fn upsert_sql(table: &str, key: &str, key_values: &str, key_binds: usize) -> String {
    let now = format!("${}", key_binds + 1);
    let max = format!("${}", key_binds + 2);
    let base = format!("${}", key_binds + 3);
    let window = format!("${}", key_binds + 4);
    let locked = format!("(f.locked_until IS NOT NULL AND f.locked_until > {now})");
    let next = format!(
        "(CASE WHEN f.last_failure_at < {now} - make_interval(secs => {window}) THEN 1 \
         ELSE f.failures + 1 END)"
    );
    let lock = |n: &str| {
        format!(
            "CASE WHEN {n} >= {max} THEN {now} + make_interval(secs => \
             least({base} * power(2, least({n} - {max}, 10)), 900)) ELSE NULL END"
        )
    };
    format!(
        "INSERT INTO {table} AS f ({key}, failures, last_failure_at, locked_until) \
         VALUES ({key_values}, 1, {now}, {first_lock}) \
         ON CONFLICT ({key}) DO UPDATE SET \
           failures = CASE WHEN {locked} THEN f.failures ELSE {next} END, \
           locked_until = CASE WHEN {locked} THEN f.locked_until ELSE {next_lock} END, \
           last_failure_at = CASE WHEN {locked} THEN f.last_failure_at ELSE {now} END \
         RETURNING locked_until, last_failure_at = {now} AS counted",
        first_lock = lock("1"),
        next_lock = lock(&next),
    )
}

fn outcome(row: Counted) -> Attempt {
    match (row.counted, row.locked_until) {
        (false, Some(until)) => Attempt::Locked(until),
        _ => Attempt::Counted,
    }
}

/// Counts an attempt of `username` from `address`, unless that pair is locked out.
pub fn attempt_pair(
    conn: &mut PgConnection,
    username: &str,
    address: &str,
    now: DateTime<Utc>,
    rule: Rule,
) -> Result<Attempt, DbError> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        upsert_sql("login_failures", "username, client_addr", "$1, $2", 2)
    });
    let row: Counted = diesel::sql_query(SQL.as_str())
        .bind::<Text, _>(username)
        .bind::<Text, _>(address)
        .bind::<Timestamptz, _>(now)
        .bind::<Integer, _>(i32::try_from(rule.max_failures.max(1)).unwrap_or(i32::MAX))
        .bind::<Double, _>(rule.lockout.as_secs().max(1) as f64)
        .bind::<Double, _>(rule.window.as_secs().max(1) as f64)
        .get_result(conn)?;
    Ok(outcome(row))
}

/// Counts an attempt from `address` (any username), unless the address is locked out.
pub fn attempt_address(
    conn: &mut PgConnection,
    address: &str,
    now: DateTime<Utc>,
    rule: Rule,
) -> Result<Attempt, DbError> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| upsert_sql("login_address_failures", "client_addr", "$1", 1));
    let row: Counted = diesel::sql_query(SQL.as_str())
        .bind::<Text, _>(address)
        .bind::<Timestamptz, _>(now)
        .bind::<Integer, _>(i32::try_from(rule.max_failures.max(1)).unwrap_or(i32::MAX))
        .bind::<Double, _>(rule.lockout.as_secs().max(1) as f64)
        .bind::<Double, _>(rule.window.as_secs().max(1) as f64)
        .get_result(conn)?;
    Ok(outcome(row))
}

/// A successful sign-in: the pair starts afresh, and the address's counter gets this
/// attempt back (a success does not wipe the address's failures: an attacker signing in to
/// an account of their own between guesses must not reset them). A lock that this very
/// attempt set (it reached the limit when counted) is lifted; one set since by another
/// attempt stays.
pub fn succeeded(
    conn: &mut PgConnection,
    username: &str,
    address: &str,
    attempted_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::delete(login_failures::table.find((username, address))).execute(conn)?;
    diesel::sql_query(
        "UPDATE login_address_failures SET failures = greatest(failures - 1, 0), \
         locked_until = CASE WHEN last_failure_at = $2 THEN NULL ELSE locked_until END \
         WHERE client_addr = $1",
    )
    .bind::<Text, _>(address)
    .bind::<Timestamptz, _>(attempted_at)
    .execute(conn)?;
    Ok(())
}

/// Deletes at most `batch` rows of each table that are no longer locked and whose last
/// failure is older than `window` (they are forgotten anyway). Returns the rows deleted.
pub fn purge_stale(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    window: std::time::Duration,
    batch: u32,
) -> Result<usize, DbError> {
    let cutoff = now - chrono::Duration::seconds(window.as_secs() as i64);
    let mut deleted = 0;
    for table in ["login_failures", "login_address_failures"] {
        deleted += diesel::sql_query(format!(
            "DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} \
             WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until <= $2) \
             LIMIT $3)"
        ))
        .bind::<Timestamptz, _>(cutoff)
        .bind::<Timestamptz, _>(now)
        .bind::<BigInt, _>(i64::from(batch))
        .execute(conn)?;
    }
    Ok(deleted)
}
