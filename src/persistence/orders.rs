//! Orders: creation, visibility-filtered reads, keyset listing and versioned updates.

use chrono::{DateTime, Utc};
use diesel::dsl::AsSelect;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use uuid::Uuid;

use super::schema::orders;
use super::DbError;
use crate::domain::account::{AccountId, Caller, Role};
use crate::domain::order::{
    order_number, CsrRecord, GenerationMethod, Order, OrderId, OrderStatus, PartnerChoice,
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = orders, check_for_backend(Pg))]
struct OrderRow {
    id: Uuid,
    number: String,
    account_id: Uuid,
    status: String,
    version: i32,
    authority: Option<String>,
    partner_choice: Option<String>,
    partner_code: Option<String>,
    partner_fixed: bool,
    duration_months: Option<i32>,
    generation_method: Option<String>,
    csr: Option<serde_json::Value>,
    fqdn: Option<String>,
    additional_domains: serde_json::Value,
    holder: Option<serde_json::Value>,
    payment: Option<serde_json::Value>,
    terms: Option<serde_json::Value>,
    submitted: Option<serde_json::Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
}

/// Reads a JSONB column back into its domain type.
fn from_json<T: serde::de::DeserializeOwned>(
    column: &'static str,
) -> impl Fn(serde_json::Value) -> Result<T, DbError> {
    move |v| {
        serde_json::from_value(v).map_err(|e| DbError::Corrupt(format!("orders.{column}: {e}")))
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, DbError> {
    serde_json::to_value(value).map_err(|e| DbError::Corrupt(e.to_string()))
}

fn corrupt(what: &str, value: &str) -> DbError {
    DbError::Corrupt(format!("orders.{what} = {value:?}"))
}

impl OrderRow {
    fn into_domain(self) -> Result<Order, DbError> {
        let status =
            OrderStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        let partner = match (self.partner_choice.as_deref(), self.partner_code) {
            (None, _) => None,
            (Some("none"), _) => Some(PartnerChoice::None),
            (Some("partner"), Some(code)) => Some(PartnerChoice::Partner { code }),
            (Some(other), _) => return Err(corrupt("partner_choice", other)),
        };
        let generation_method = self
            .generation_method
            .map(|m| GenerationMethod::parse(&m).ok_or_else(|| corrupt("generation_method", &m)))
            .transpose()?;
        let csr: Option<CsrRecord> = self.csr.map(from_json("csr")).transpose()?;
        let additional_domains = serde_json::from_value(self.additional_domains)
            .map_err(|e| DbError::Corrupt(format!("orders.additional_domains: {e}")))?;
        let terms = self.terms.map(from_json("terms")).transpose()?;
        let holder = self.holder.map(from_json("holder")).transpose()?;
        let payment = self.payment.map(from_json("payment")).transpose()?;
        Ok(Order {
            id: OrderId(self.id),
            number: self.number,
            account_id: AccountId(self.account_id),
            status,
            version: self.version,
            authority: self.authority,
            partner,
            partner_fixed: self.partner_fixed,
            duration_months: self.duration_months,
            generation_method,
            csr,
            fqdn: self.fqdn,
            additional_domains,
            holder,
            payment,
            terms,
            submitted: self.submitted,
            created_at: self.created_at,
            updated_at: self.updated_at,
            submitted_at: self.submitted_at,
            cancelled_at: self.cancelled_at,
        })
    }
}

/// Every step column, written whole on each update (`None` clears the column).
#[derive(AsChangeset)]
#[diesel(table_name = orders, treat_none_as_null = true)]
struct OrderChangeset<'a> {
    status: &'a str,
    version: i32,
    authority: Option<&'a str>,
    partner_choice: Option<&'a str>,
    partner_code: Option<&'a str>,
    partner_fixed: bool,
    duration_months: Option<i32>,
    generation_method: Option<&'a str>,
    csr: Option<serde_json::Value>,
    fqdn: Option<&'a str>,
    additional_domains: serde_json::Value,
    holder: Option<serde_json::Value>,
    payment: Option<serde_json::Value>,
    terms: Option<serde_json::Value>,
    submitted: Option<&'a serde_json::Value>,
    updated_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
}

type BoxedOrders<'a> = orders::BoxedQuery<'a, Pg>;

/// The orders a caller may see: its own; a partner's also those naming its code; an
/// operator's, all of them.
fn visible_to(caller: &Caller) -> BoxedOrders<'static> {
    let query = orders::table.into_boxed();
    match (caller.role, caller.partner_code.clone()) {
        (Role::Operator, _) => query,
        (Role::Partner, Some(code)) => query.filter(
            orders::account_id
                .eq(caller.account_id.0)
                .or(orders::partner_code.eq(code)),
        ),
        _ => query.filter(orders::account_id.eq(caller.account_id.0)),
    }
}

/// Creates a draft. A partner's order carries the partner's code, fixed.
pub fn create(
    conn: &mut PgConnection,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Order, DbError> {
    let sequence: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "nextval('order_number_seq')",
    ))
    .get_result(conn)?;
    let partner_code = match caller.role {
        Role::Partner => caller.partner_code.as_deref(),
        _ => None,
    };
    diesel::insert_into(orders::table)
        .values((
            orders::id.eq(Uuid::now_v7()),
            orders::number.eq(order_number(now, sequence)),
            orders::account_id.eq(caller.account_id.0),
            orders::partner_choice.eq(partner_code.map(|_| "partner")),
            orders::partner_code.eq(partner_code),
            orders::partner_fixed.eq(partner_code.is_some()),
            orders::created_at.eq(now),
            orders::updated_at.eq(now),
        ))
        .returning(OrderRow::as_returning())
        .get_result(conn)?
        .into_domain()
}

/// The order if the caller may see it.
pub fn find_visible(
    conn: &mut PgConnection,
    id: OrderId,
    caller: &Caller,
) -> Result<Order, DbError> {
    // The same filter as `visible_to`, but as unboxed queries: each has a static query id,
    // so diesel finds its prepared statement without building the SQL text again (the
    // busiest query of the service; boxed, the SQL was rebuilt on every call as cache key).
    let by_id = orders::table.filter(orders::id.eq(id.0));
    let own = orders::account_id.eq(caller.account_id.0);
    let row = match (caller.role, caller.partner_code.as_deref()) {
        (Role::Operator, _) => by_id.select(OrderRow::as_select()).first(conn),
        (Role::Partner, Some(code)) => by_id
            .filter(own.or(orders::partner_code.eq(code)))
            .select(OrderRow::as_select())
            .first(conn),
        _ => by_id.filter(own).select(OrderRow::as_select()).first(conn),
    };
    row.optional()?.ok_or(DbError::NotFound)?.into_domain()
}

/// The order, locked for update until the end of the transaction, if the caller may see it.
pub fn lock_visible(
    conn: &mut PgConnection,
    id: OrderId,
    caller: &Caller,
) -> Result<Order, DbError> {
    let order = orders::table
        .filter(orders::id.eq(id.0))
        .select(OrderRow::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)?
        .into_domain()?;
    if caller.can_see(&order) {
        Ok(order)
    } else {
        Err(DbError::NotFound)
    }
}

/// A page of the caller's orders, newest first, after the cursor (an order id: ids are
/// UUIDv7, so they sort by creation time).
pub fn list(
    conn: &mut PgConnection,
    caller: &Caller,
    status: Option<OrderStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Order>, DbError> {
    let mut query = visible_to(caller);
    if let Some(status) = status {
        query = query.filter(orders::status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(orders::id.lt(after));
    }
    query
        .order(orders::id.desc())
        .limit(limit)
        .select(OrderRow::as_select())
        .load(conn)?
        .into_iter()
        .map(OrderRow::into_domain)
        .collect()
}

/// Writes the order's new state if its version is still `order.version - 1` (the caller
/// bumps the version); otherwise `VersionConflict`.
pub fn save(conn: &mut PgConnection, order: &Order) -> Result<Order, DbError> {
    let (partner_choice, partner_code) = match &order.partner {
        None => (None, None),
        Some(PartnerChoice::None) => (Some("none"), None),
        Some(PartnerChoice::Partner { code }) => (Some("partner"), Some(code.as_str())),
    };
    let changes = OrderChangeset {
        status: order.status.as_str(),
        version: order.version,
        authority: order.authority.as_deref(),
        partner_choice,
        partner_code,
        partner_fixed: order.partner_fixed,
        duration_months: order.duration_months,
        generation_method: order.generation_method.map(GenerationMethod::as_str),
        csr: order.csr.as_ref().map(to_json).transpose()?,
        fqdn: order.fqdn.as_deref(),
        additional_domains: to_json(&order.additional_domains)?,
        holder: order.holder.as_ref().map(to_json).transpose()?,
        payment: order.payment.as_ref().map(to_json).transpose()?,
        terms: order.terms.as_ref().map(to_json).transpose()?,
        submitted: order.submitted.as_ref(),
        updated_at: order.updated_at,
        submitted_at: order.submitted_at,
        cancelled_at: order.cancelled_at,
    };
    SaveOrder {
        changes: changes.as_changeset(),
        id: order.id.0,
        old_version: order.version - 1,
        returning: OrderRow::as_returning(),
    }
    .get_result::<OrderRow>(conn)
    .optional()?
    .ok_or(DbError::VersionConflict)?
    .into_domain()
}

/// `UPDATE orders SET <every step column> WHERE id = $ AND version = $ AND status = 'draft'
/// RETURNING <the row>`: the statement of [`save`], as a type of its own so that diesel
/// prepares it once per connection and reuses it. (Diesel never caches its own
/// `UpdateStatement`, since a changeset may skip `None` columns; this one never does, so
/// its SQL text is always the same.) Without it every PATCH made PostgreSQL parse and plan
/// the UPDATE again.
struct SaveOrder<'a> {
    changes: <OrderChangeset<'a> as AsChangeset>::Changeset,
    id: Uuid,
    old_version: i32,
    returning: AsSelect<OrderRow, Pg>,
}

/// The static identity of [`SaveOrder`]'s SQL, the key of diesel's statement cache.
struct SaveOrderQueryId;

impl QueryId for SaveOrder<'_> {
    type QueryId = SaveOrderQueryId;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Pg> for SaveOrder<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("UPDATE \"orders\" SET ");
        self.changes.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE \"orders\".\"id\" = ");
        out.push_bind_param::<diesel::sql_types::Uuid, _>(&self.id)?;
        out.push_sql(" AND \"orders\".\"version\" = ");
        out.push_bind_param::<diesel::sql_types::Integer, _>(&self.old_version)?;
        out.push_sql(" AND \"orders\".\"status\" = 'draft' RETURNING ");
        self.returning.walk_ast(out.reborrow())?;
        Ok(())
    }
}

impl Query for SaveOrder<'_> {
    type SqlType = <AsSelect<OrderRow, Pg> as Expression>::SqlType;
}

impl RunQueryDsl<PgConnection> for SaveOrder<'_> {}
