//! API clients and refresh tokens: rows, lookups by hash, rotation and revocation.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{api_clients, refresh_tokens};
use super::DbError;
use crate::domain::account::credentials::{parse_scope_string, scope_string, Scope};
use crate::domain::account::AccountId;

/// An API client as listed (never its secret).
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub id: Uuid,
    pub account_id: AccountId,
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_clients)]
struct ApiClientRow {
    id: Uuid,
    account_id: Uuid,
    client_id: String,
    secret_hash: String,
    name: String,
    scopes: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl ApiClientRow {
    fn into_domain(self) -> Result<(ApiClient, String), DbError> {
        let scopes = parse_scope_string(&self.scopes)
            .ok_or_else(|| DbError::Corrupt(format!("scopes {}", self.scopes)))?;
        Ok((
            ApiClient {
                id: self.id,
                account_id: AccountId(self.account_id),
                client_id: self.client_id,
                name: self.name,
                scopes,
                created_at: self.created_at,
                last_used_at: self.last_used_at,
                revoked_at: self.revoked_at,
            },
            self.secret_hash,
        ))
    }
}

pub struct NewApiClient<'a> {
    pub id: Uuid,
    pub account_id: AccountId,
    pub client_id: &'a str,
    pub secret_hash: &'a str,
    pub name: &'a str,
    pub scopes: &'a [Scope],
    pub now: DateTime<Utc>,
}

pub fn insert_client(
    conn: &mut PgConnection,
    new: &NewApiClient<'_>,
) -> Result<ApiClient, DbError> {
    let row = diesel::insert_into(api_clients::table)
        .values((
            api_clients::id.eq(new.id),
            api_clients::account_id.eq(new.account_id.0),
            api_clients::client_id.eq(new.client_id),
            api_clients::secret_hash.eq(new.secret_hash),
            api_clients::name.eq(new.name),
            api_clients::scopes.eq(scope_string(new.scopes)),
            api_clients::created_at.eq(new.now),
        ))
        .returning(ApiClientRow::as_returning())
        .get_result(conn)?;
    Ok(row.into_domain()?.0)
}

/// The account's clients, revoked ones included, oldest first.
pub fn list_clients(
    conn: &mut PgConnection,
    account: AccountId,
) -> Result<Vec<ApiClient>, DbError> {
    api_clients::table
        .filter(api_clients::account_id.eq(account.0))
        .order((api_clients::created_at.asc(), api_clients::id.asc()))
        .select(ApiClientRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| r.into_domain().map(|(c, _)| c))
        .collect()
}

/// Revokes the account's client (already revoked: unchanged). `NotFound` when it is not the
/// account's.
pub fn revoke_client(
    conn: &mut PgConnection,
    account: AccountId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let found: Option<Option<DateTime<Utc>>> = api_clients::table
        .filter(api_clients::id.eq(id))
        .filter(api_clients::account_id.eq(account.0))
        .select(api_clients::revoked_at)
        .for_update()
        .first(conn)
        .optional()?;
    match found {
        None => Err(DbError::NotFound),
        Some(Some(_)) => Ok(()),
        Some(None) => {
            diesel::update(api_clients::table.find(id))
                .set(api_clients::revoked_at.eq(now))
                .execute(conn)?;
            Ok(())
        }
    }
}

/// The client with this `client_id` and its secret's hash.
pub fn find_client(
    conn: &mut PgConnection,
    client_id: &str,
) -> Result<Option<(ApiClient, String)>, DbError> {
    api_clients::table
        .filter(api_clients::client_id.eq(client_id))
        .select(ApiClientRow::as_select())
        .first(conn)
        .optional()?
        .map(ApiClientRow::into_domain)
        .transpose()
}

pub fn touch_client(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(api_clients::table.find(id))
        .set(api_clients::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn insert_refresh(
    conn: &mut PgConnection,
    family_id: Uuid,
    account: AccountId,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Uuid::now_v7()),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::account_id.eq(account.0),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::created_at.eq(now),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A refresh token as found, locked for the rest of the transaction.
pub struct RefreshRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub account_id: AccountId,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
struct RefreshTokenRow {
    id: Uuid,
    family_id: Uuid,
    account_id: Uuid,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

pub fn lock_refresh(
    conn: &mut PgConnection,
    token_hash: &str,
) -> Result<Option<RefreshRow>, DbError> {
    let row = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .for_update()
        .first(conn)
        .optional()?;
    Ok(row.map(|r| RefreshRow {
        id: r.id,
        family_id: r.family_id,
        account_id: AccountId(r.account_id),
        expires_at: r.expires_at,
        used_at: r.used_at,
        revoked_at: r.revoked_at,
    }))
}

pub fn mark_used(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(refresh_tokens::table.find(id))
        .set(refresh_tokens::used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Revokes every token of the family still unrevoked.
pub fn revoke_family(
    conn: &mut PgConnection,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Deletes at most `batch` refresh tokens expired before `now` (used, revoked or not: an
/// expired token is refused whatever its state, so its row only costs space).
pub fn purge_expired_refresh(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    batch: u32,
) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "DELETE FROM refresh_tokens WHERE ctid IN \
         (SELECT ctid FROM refresh_tokens WHERE expires_at < $1 LIMIT $2)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::BigInt, _>(i64::from(batch))
    .execute(conn)?)
}
