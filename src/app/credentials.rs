//! API clients (client credentials) and people's refresh tokens: create, list, revoke,
//! authenticate, rotate, sign out.

use chrono::Duration;
use rand::distributions::{Alphanumeric, DistString};
use uuid::Uuid;

use super::{App, AppError};
use crate::domain::account::credentials::{
    secret_matches, Scope, Secret, CLIENT_ID_PREFIX, CLIENT_SECRET_PREFIX, REFRESH_TOKEN_PREFIX,
};
use crate::domain::account::{Account, AccountId};
pub use crate::persistence::credentials::ApiClient;
use crate::persistence::credentials::{self as repo, NewApiClient};
use crate::persistence::{accounts, DbError};

fn random(n: usize) -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), n)
}

/// A client just created, with its secret (shown once, never stored).
#[derive(Debug)]
pub struct CreatedClient {
    pub client: ApiClient,
    pub secret: Secret,
}

/// Creates an API client of the account with these (already validated) scopes.
pub async fn create_client(
    app: &App,
    account: AccountId,
    name: String,
    scopes: Vec<Scope>,
) -> Result<CreatedClient, AppError> {
    let now = app.now();
    let secret = Secret::new(CLIENT_SECRET_PREFIX, random);
    let client_id = format!("{CLIENT_ID_PREFIX}{}", random(24));
    let hash = secret.hash();
    let client = app
        .db
        .run(move |conn| {
            repo::insert_client(
                conn,
                &NewApiClient {
                    id: Uuid::now_v7(),
                    account_id: account,
                    client_id: &client_id,
                    secret_hash: &hash,
                    name: &name,
                    scopes: &scopes,
                    now,
                },
            )
        })
        .await?;
    Ok(CreatedClient { client, secret })
}

pub async fn list_clients(app: &App, account: AccountId) -> Result<Vec<ApiClient>, AppError> {
    Ok(app
        .db
        .run(move |conn| repo::list_clients(conn, account))
        .await?)
}

pub async fn revoke_client(app: &App, account: AccountId, id: Uuid) -> Result<(), AppError> {
    let now = app.now();
    Ok(app
        .db
        .transaction(move |conn| repo::revoke_client(conn, account, id, now))
        .await?)
}

/// Why a client-credentials grant was refused: one answer for every case (unknown client,
/// wrong secret, revoked), so that an attacker learns nothing.
#[derive(Debug)]
pub enum ClientAuth {
    Ok(Box<(Account, ApiClient)>),
    Refused,
}

/// Checks a client's id and secret (constant-time comparison of the hashes), records its use.
pub async fn authenticate_client(
    app: &App,
    client_id: String,
    secret: Secret,
) -> Result<ClientAuth, AppError> {
    let now = app.now();
    app.db
        .transaction(move |conn| -> Result<ClientAuth, DbError> {
            let Some((client, hash)) = repo::find_client(conn, &client_id)? else {
                // The same work as a known client: hash and compare.
                let _ = secret_matches(secret.expose(), &"0".repeat(64));
                return Ok(ClientAuth::Refused);
            };
            if !secret_matches(secret.expose(), &hash) || client.revoked_at.is_some() {
                return Ok(ClientAuth::Refused);
            }
            repo::touch_client(conn, client.id, now)?;
            let account = accounts::find_by_id(conn, client.account_id)?;
            Ok(ClientAuth::Ok(Box::new((account, client))))
        })
        .await
        .map_err(AppError::from)
}

/// Starts a session's refresh-token family (after a password sign-in).
pub async fn start_session(
    app: &App,
    account: AccountId,
    ttl: Duration,
) -> Result<Secret, AppError> {
    let now = app.now();
    let token = Secret::new(REFRESH_TOKEN_PREFIX, random);
    let hash = token.hash();
    app.db
        .run(move |conn| repo::insert_refresh(conn, Uuid::now_v7(), account, &hash, now, now + ttl))
        .await?;
    Ok(token)
}

/// What presenting a refresh token gave.
#[derive(Debug)]
pub enum Refreshed {
    /// The new refresh token of the family, and the account.
    Rotated(Box<(Account, Secret)>),
    /// Unknown, expired or revoked.
    Invalid,
    /// Already rotated: the whole family is now revoked.
    Reused,
}

/// Rotates a refresh token: the presented one is used up and a new one of its family issued.
/// A token presented again after its rotation revokes the family (committed, then refused).
pub async fn refresh(app: &App, presented: Secret, ttl: Duration) -> Result<Refreshed, AppError> {
    let now = app.now();
    let next = Secret::new(REFRESH_TOKEN_PREFIX, random);
    let next_hash = next.hash();
    let hash = presented.hash();
    let outcome = app
        .db
        .transaction(move |conn| -> Result<_, DbError> {
            let Some(row) = repo::lock_refresh(conn, &hash)? else {
                return Ok(None);
            };
            if row.revoked_at.is_some() || row.expires_at <= now {
                return Ok(Some(Err(false)));
            }
            if row.used_at.is_some() {
                repo::revoke_family(conn, row.family_id, now)?;
                return Ok(Some(Err(true)));
            }
            repo::mark_used(conn, row.id, now)?;
            repo::insert_refresh(
                conn,
                row.family_id,
                row.account_id,
                &next_hash,
                now,
                now + ttl,
            )?;
            Ok(Some(Ok(accounts::find_by_id(conn, row.account_id)?)))
        })
        .await?;
    Ok(match outcome {
        None | Some(Err(false)) => Refreshed::Invalid,
        Some(Err(true)) => {
            tracing::warn!("a rotated refresh token was presented again: its family is revoked");
            Refreshed::Reused
        }
        Some(Ok(account)) => Refreshed::Rotated(Box::new((account, next))),
    })
}

/// Signs out: revokes the token's whole family. Whether the token was a live one.
pub async fn logout(app: &App, presented: Secret) -> Result<bool, AppError> {
    let now = app.now();
    let hash = presented.hash();
    Ok(app
        .db
        .transaction(move |conn| -> Result<bool, DbError> {
            let Some(row) = repo::lock_refresh(conn, &hash)? else {
                return Ok(false);
            };
            let live = row.revoked_at.is_none() && row.expires_at > now;
            repo::revoke_family(conn, row.family_id, now)?;
            Ok(live)
        })
        .await?)
}

/// The caller's account (`GET /me`).
pub async fn me(app: &App, account: AccountId) -> Result<Account, AppError> {
    Ok(app
        .db
        .run(move |conn| accounts::find_by_id(conn, account))
        .await?)
}

/// The refresh tokens' lifetime from its setting.
pub fn ttl(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::days(30))
}
