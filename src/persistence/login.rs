//! Sign-in throttling: consecutive failures per username, kept in the database so that every
//! replica counts the same.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::login_failures;
use super::DbError;

/// When the username is locked out, until when.
pub fn locked_until(
    conn: &mut PgConnection,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbError> {
    let until: Option<Option<DateTime<Utc>>> = login_failures::table
        .find(username)
        .select(login_failures::locked_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().filter(|t| *t > now))
}

/// Records a failure; past `max_failures`, locks the username for `base_lockout` doubled with
/// each further failure (at most 15 minutes). Returns the lock's end, if any.
pub fn record_failure(
    conn: &mut PgConnection,
    username: &str,
    now: DateTime<Utc>,
    max_failures: u32,
    base_lockout: std::time::Duration,
) -> Result<Option<DateTime<Utc>>, DbError> {
    let failures: i32 = diesel::insert_into(login_failures::table)
        .values((
            login_failures::username.eq(username),
            login_failures::failures.eq(1),
            login_failures::last_failure_at.eq(now),
        ))
        .on_conflict(login_failures::username)
        .do_update()
        .set((
            login_failures::failures.eq(login_failures::failures + 1),
            login_failures::last_failure_at.eq(now),
        ))
        .returning(login_failures::failures)
        .get_result(conn)?;
    let failures = u32::try_from(failures).unwrap_or(u32::MAX);
    if failures < max_failures {
        return Ok(None);
    }
    let doublings = (failures - max_failures).min(10);
    let seconds = (base_lockout.as_secs().max(1) << doublings).min(15 * 60);
    let until = now + chrono::Duration::seconds(seconds as i64);
    diesel::update(login_failures::table.find(username))
        .set(login_failures::locked_until.eq(until))
        .execute(conn)?;
    Ok(Some(until))
}

pub fn clear(conn: &mut PgConnection, username: &str) -> Result<(), DbError> {
    diesel::delete(login_failures::table.find(username)).execute(conn)?;
    Ok(())
}
