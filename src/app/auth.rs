//! Sign-in's use cases: count an attempt before the password is verified (throttled per
//! username and address, and per address), and clear the pair's count after a success.

use chrono::{DateTime, Utc};

use super::{App, AppError};
use crate::domain::account::Account;
use crate::persistence::{accounts, login, DbError};

pub use crate::persistence::login::Rule;

/// What counting an attempt found.
#[derive(Debug)]
pub enum Attempt {
    /// Locked out until then: the password must not be verified.
    Locked(DateTime<Utc>),
    /// Counted: verify the password against this account's hash (none: an unknown username,
    /// still verified against a dummy hash, at the same cost).
    Counted(Option<Box<(Account, String)>>),
}

/// Counts the attempt in one transaction: refused by the address's counter, the pair's count
/// is rolled back.
pub async fn count_attempt(
    app: &App,
    username: String,
    address: String,
    now: DateTime<Utc>,
    pair: Rule,
    per_address: Rule,
) -> Result<Attempt, AppError> {
    let outcome = app
        .db
        .transaction(move |conn| -> Result<_, Refused> {
            if let login::Attempt::Locked(until) =
                login::attempt_pair(conn, &username, &address, now, pair)?
            {
                return Err(Refused::Locked(until));
            }
            if let login::Attempt::Locked(until) =
                login::attempt_address(conn, &address, now, per_address)?
            {
                return Err(Refused::Locked(until));
            }
            Ok(accounts::find_by_username(conn, &username)?)
        })
        .await;
    match outcome {
        Ok(found) => Ok(Attempt::Counted(found.map(Box::new))),
        Err(Refused::Locked(until)) => Ok(Attempt::Locked(until)),
        Err(Refused::Db(e)) => Err(e.into()),
    }
}

/// A success: the (username, address) pair starts again from zero.
pub async fn signed_in(
    app: &App,
    username: String,
    address: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    Ok(app
        .db
        .run(move |conn| login::succeeded(conn, &username, &address, now))
        .await?)
}

/// Why the counting transaction stopped (it rolls back either way).
enum Refused {
    Locked(DateTime<Utc>),
    Db(DbError),
}

impl From<DbError> for Refused {
    fn from(e: DbError) -> Self {
        Refused::Db(e)
    }
}

impl From<diesel::result::Error> for Refused {
    fn from(e: diesel::result::Error) -> Self {
        Refused::Db(e.into())
    }
}
