//! Accounts: sign-in lookups and creation (CLI).

use diesel::prelude::*;
use uuid::Uuid;

use super::schema::accounts;
use super::DbError;
use crate::domain::account::{Account, AccountId, Organization, OrganizationKind, Role};

#[derive(Queryable, Selectable)]
#[diesel(table_name = accounts)]
struct AccountRow {
    id: Uuid,
    username: String,
    password_hash: String,
    role: String,
    email: String,
    full_name: String,
    phone: Option<String>,
    partner_code: Option<String>,
    organization_name: String,
    organization_kind: String,
    registration_number: Option<String>,
    address: String,
    postal_code: Option<String>,
    city: String,
    country: String,
    legal_representative: bool,
}

impl AccountRow {
    fn into_domain(self) -> Result<(Account, String), DbError> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| DbError::Corrupt(format!("role {}", self.role)))?;
        let kind = OrganizationKind::parse(&self.organization_kind).ok_or_else(|| {
            DbError::Corrupt(format!("organization_kind {}", self.organization_kind))
        })?;
        Ok((
            Account {
                id: AccountId(self.id),
                username: self.username,
                role,
                email: self.email,
                full_name: self.full_name,
                phone: self.phone,
                partner_code: self.partner_code,
                organization: Organization {
                    legal_name: self.organization_name,
                    kind,
                    registration_number: self.registration_number,
                    address: self.address,
                    postal_code: self.postal_code,
                    city: self.city,
                    country: self.country,
                },
                legal_representative: self.legal_representative,
            },
            self.password_hash,
        ))
    }
}

/// An account to create; the password is already hashed.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub email: &'a str,
    pub full_name: &'a str,
    pub phone: Option<&'a str>,
    pub partner_code: Option<&'a str>,
    pub organization: &'a Organization,
    pub legal_representative: bool,
}

#[derive(Insertable)]
#[diesel(table_name = accounts)]
struct AccountInsert<'a> {
    id: Uuid,
    username: &'a str,
    password_hash: &'a str,
    role: &'a str,
    email: &'a str,
    full_name: &'a str,
    phone: Option<&'a str>,
    partner_code: Option<&'a str>,
    organization_name: &'a str,
    organization_kind: &'a str,
    registration_number: Option<&'a str>,
    address: &'a str,
    postal_code: Option<&'a str>,
    city: &'a str,
    country: &'a str,
    legal_representative: bool,
}

/// Inserts the account, or updates it (password, details) when the username exists.
pub fn upsert(conn: &mut PgConnection, new: &NewAccount<'_>) -> Result<AccountId, DbError> {
    let org = new.organization;
    let row = AccountInsert {
        id: Uuid::now_v7(),
        username: new.username,
        password_hash: new.password_hash,
        role: new.role.as_str(),
        email: new.email,
        full_name: new.full_name,
        phone: new.phone,
        partner_code: new.partner_code,
        organization_name: &org.legal_name,
        organization_kind: org.kind.as_str(),
        registration_number: org.registration_number.as_deref(),
        address: &org.address,
        postal_code: org.postal_code.as_deref(),
        city: &org.city,
        country: &org.country,
        legal_representative: new.legal_representative,
    };
    let id = diesel::insert_into(accounts::table)
        .values(&row)
        .on_conflict(accounts::username)
        .do_update()
        .set((
            accounts::password_hash.eq(row.password_hash),
            accounts::role.eq(row.role),
            accounts::email.eq(row.email),
            accounts::full_name.eq(row.full_name),
            accounts::phone.eq(row.phone),
            accounts::partner_code.eq(row.partner_code),
            accounts::organization_name.eq(row.organization_name),
            accounts::organization_kind.eq(row.organization_kind),
            accounts::registration_number.eq(row.registration_number),
            accounts::address.eq(row.address),
            accounts::postal_code.eq(row.postal_code),
            accounts::city.eq(row.city),
            accounts::country.eq(row.country),
            accounts::legal_representative.eq(row.legal_representative),
        ))
        .returning(accounts::id)
        .get_result(conn)?;
    Ok(AccountId(id))
}

/// The account and its password hash.
pub fn find_by_username(
    conn: &mut PgConnection,
    username: &str,
) -> Result<Option<(Account, String)>, DbError> {
    accounts::table
        .filter(accounts::username.eq(username))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?
        .map(AccountRow::into_domain)
        .transpose()
}

pub fn find_by_id(conn: &mut PgConnection, id: AccountId) -> Result<Account, DbError> {
    accounts::table
        .find(id.0)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)?
        .into_domain()
        .map(|(a, _)| a)
}
