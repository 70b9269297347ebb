//! `partner_clients`: a partner's invitations and links to client accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{accounts, partner_clients};
use super::DbError;
use crate::domain::account::clients::{ClientLink, LinkStatus};
use crate::domain::account::{AccountId, Role};

#[derive(Queryable, Selectable)]
#[diesel(table_name = partner_clients)]
struct LinkRow {
    id: Uuid,
    partner_id: Uuid,
    invited_username: String,
    client_id: Option<Uuid>,
    status: String,
    created_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
}

impl LinkRow {
    fn into_domain(self) -> Result<ClientLink, DbError> {
        let status = LinkStatus::parse(&self.status)
            .ok_or_else(|| DbError::Corrupt(format!("partner_clients.status {}", self.status)))?;
        Ok(ClientLink {
            id: self.id,
            partner_id: AccountId(self.partner_id),
            invited_username: self.invited_username,
            client_id: self.client_id.map(AccountId),
            status,
            created_at: self.created_at,
            accepted_at: self.accepted_at,
        })
    }
}

/// A link and the other side's organization name (the client's for the partner, once
/// active; the partner's for the client) and, for the client, the partner's code.
#[derive(Debug, Clone)]
pub struct ListedLink {
    pub link: ClientLink,
    pub organization_name: Option<String>,
    pub partner_code: Option<String>,
}

const LIVE: [&str; 2] = ["pending", "active"];

/// Invites `username` (normalized) for `partner`: the live link if there is one, else a new
/// pending one, naming the account only if a customer has this username.
pub fn invite(
    conn: &mut PgConnection,
    partner: AccountId,
    username: &str,
    now: DateTime<Utc>,
) -> Result<ClientLink, DbError> {
    let client: Option<Uuid> = accounts::table
        .filter(accounts::username.eq(username))
        .filter(accounts::role.eq(Role::Customer.as_str()))
        .select(accounts::id)
        .first(conn)
        .optional()?;
    diesel::insert_into(partner_clients::table)
        .values((
            partner_clients::id.eq(Uuid::now_v7()),
            partner_clients::partner_id.eq(partner.0),
            partner_clients::invited_username.eq(username),
            partner_clients::client_id.eq(client),
            partner_clients::status.eq(LinkStatus::Pending.as_str()),
            partner_clients::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    partner_clients::table
        .filter(partner_clients::partner_id.eq(partner.0))
        .filter(partner_clients::invited_username.eq(username))
        .filter(partner_clients::status.eq_any(LIVE))
        .select(LinkRow::as_select())
        .first(conn)?
        .into_domain()
}

/// The partner's live links, newest first, with each active client's organization name.
pub fn of_partner(conn: &mut PgConnection, partner: AccountId) -> Result<Vec<ListedLink>, DbError> {
    let rows: Vec<(LinkRow, Option<String>)> = partner_clients::table
        .left_join(accounts::table.on(partner_clients::client_id.eq(accounts::id.nullable())))
        .filter(partner_clients::partner_id.eq(partner.0))
        .filter(partner_clients::status.eq_any(LIVE))
        .order(partner_clients::id.desc())
        .select((LinkRow::as_select(), accounts::organization_name.nullable()))
        .load(conn)?;
    rows.into_iter()
        .map(|(row, name)| {
            let link = row.into_domain()?;
            // an account that has not accepted stays anonymous to the partner
            let organization_name = link.active_client().and(name);
            Ok(ListedLink {
                link,
                organization_name,
                partner_code: None,
            })
        })
        .collect()
}

/// The partners that invited or act for `client`, newest first.
pub fn of_client(conn: &mut PgConnection, client: AccountId) -> Result<Vec<ListedLink>, DbError> {
    let rows: Vec<(LinkRow, String, Option<String>)> = partner_clients::table
        .inner_join(accounts::table.on(partner_clients::partner_id.eq(accounts::id)))
        .filter(partner_clients::client_id.eq(client.0))
        .filter(partner_clients::status.eq_any(LIVE))
        .order(partner_clients::id.desc())
        .select((
            LinkRow::as_select(),
            accounts::organization_name,
            accounts::partner_code,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(row, name, code)| {
            Ok(ListedLink {
                link: row.into_domain()?,
                organization_name: Some(name),
                partner_code: code,
            })
        })
        .collect()
}

/// The client accepts a pending invitation: active. `NotFound` when it is not the client's
/// or not pending.
pub fn accept(
    conn: &mut PgConnection,
    client: AccountId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<ClientLink, DbError> {
    diesel::update(
        partner_clients::table
            .filter(partner_clients::id.eq(id))
            .filter(partner_clients::client_id.eq(client.0))
            .filter(partner_clients::status.eq(LinkStatus::Pending.as_str())),
    )
    .set((
        partner_clients::status.eq(LinkStatus::Active.as_str()),
        partner_clients::accepted_at.eq(now),
    ))
    .returning(LinkRow::as_returning())
    .get_result(conn)
    .optional()?
    .ok_or(DbError::NotFound)?
    .into_domain()
}

/// Ends a live link, from either side. `NotFound` when it is neither side's or already ended.
pub fn end(
    conn: &mut PgConnection,
    side: AccountId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let n = diesel::update(
        partner_clients::table
            .filter(partner_clients::id.eq(id))
            .filter(
                partner_clients::partner_id
                    .eq(side.0)
                    .or(partner_clients::client_id.eq(side.0)),
            )
            .filter(partner_clients::status.eq_any(LIVE)),
    )
    .set((
        partner_clients::status.eq(LinkStatus::Ended.as_str()),
        partner_clients::ended_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Whether `client` accepted `partner` and the link is still active.
pub fn is_active(
    conn: &mut PgConnection,
    partner: AccountId,
    client: AccountId,
) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        partner_clients::table
            .filter(partner_clients::partner_id.eq(partner.0))
            .filter(partner_clients::client_id.eq(client.0))
            .filter(partner_clients::status.eq(LinkStatus::Active.as_str())),
    ))
    .get_result(conn)?)
}
