//! Orders: creation, visibility-filtered reads, keyset listing and versioned updates.

use chrono::{DateTime, Utc};
use diesel::dsl::AsSelect;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use uuid::Uuid;

use super::schema::orders;
use super::stored::csr::StoredCsr;
use super::stored::domains::StoredDomains;
use super::stored::holder::StoredHolder;
use super::stored::life::StoredLife;
use super::stored::payment::StoredPayment;
use super::stored::submission::StoredSubmission;
use super::stored::terms::StoredTerms;
use super::stored::{read, write};
use super::DbError;
use crate::domain::account::{AccountId, Caller, Visibility};
use crate::domain::order::{
    GenerationMethod, Order, OrderData, OrderId, OrderStatus, PartnerChoice,
};

/// A row of `orders`. Also the snapshot an idempotency key keeps (serde), so that a retry
/// replays the order as the first call left it: its field names are a stored shape too
/// (`tests/fixtures/stored/idempotency_response.json`), and its JSONB columns hold the
/// documents of [`super::stored`].
#[derive(Queryable, Selectable, serde::Serialize, serde::Deserialize)]
#[diesel(table_name = orders, check_for_backend(Pg))]
pub(crate) struct OrderRow {
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
    // snapshots kept before the life column existed have none: an empty life
    #[serde(default = "empty_life")]
    life: serde_json::Value,
    // snapshots kept before partners acted for clients have none (and one without an agent
    // is written as they are)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_id: Option<Uuid>,
}

fn empty_life() -> serde_json::Value {
    serde_json::json!({})
}

fn corrupt(what: &str, value: &str) -> DbError {
    DbError::Corrupt(format!("orders.{what} = {value:?}"))
}

impl OrderRow {
    pub(crate) fn into_domain(self) -> Result<Order, DbError> {
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
        let csr = self
            .csr
            .map(|v| read::<StoredCsr, _>("csr", v))
            .transpose()?;
        let additional_domains =
            read::<StoredDomains, _>("additional_domains", self.additional_domains)?;
        let terms = self
            .terms
            .map(|v| read::<StoredTerms, _>("terms", v))
            .transpose()?;
        let holder = self
            .holder
            .map(|v| read::<StoredHolder, _>("holder", v))
            .transpose()?;
        let payment = self
            .payment
            .map(|v| read::<StoredPayment, _>("payment", v))
            .transpose()?;
        let submission = self
            .submitted
            .map(|v| read::<StoredSubmission, _>("submitted", v))
            .transpose()?;
        let life = read::<StoredLife, _>("life", self.life)?;
        Ok(Order::restore(OrderData {
            id: OrderId(self.id),
            number: self.number,
            account_id: AccountId(self.account_id),
            agent_id: self.agent_id.map(AccountId),
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
            submission,
            life,
            created_at: self.created_at,
            updated_at: self.updated_at,
            submitted_at: self.submitted_at,
            cancelled_at: self.cancelled_at,
        }))
    }

    /// The row of an order, as `save` would write it.
    pub(crate) fn from_domain(order: &OrderData) -> Result<OrderRow, DbError> {
        let (partner_choice, partner_code) = partner_columns(order);
        Ok(OrderRow {
            id: order.id.0,
            number: order.number.clone(),
            account_id: order.account_id.0,
            agent_id: order.agent_id.map(|a| a.0),
            status: order.status.as_str().to_owned(),
            version: order.version,
            authority: order.authority.clone(),
            partner_choice: partner_choice.map(str::to_owned),
            partner_code: partner_code.map(str::to_owned),
            partner_fixed: order.partner_fixed,
            duration_months: order.duration_months,
            generation_method: order.generation_method.map(|m| m.as_str().to_owned()),
            csr: order.csr.as_ref().map(write::<StoredCsr, _>).transpose()?,
            fqdn: order.fqdn.clone(),
            additional_domains: write::<StoredDomains, _>(&order.additional_domains)?,
            holder: order
                .holder
                .as_ref()
                .map(write::<StoredHolder, _>)
                .transpose()?,
            payment: order
                .payment
                .as_ref()
                .map(write::<StoredPayment, _>)
                .transpose()?,
            terms: order
                .terms
                .as_ref()
                .map(write::<StoredTerms, _>)
                .transpose()?,
            submitted: order
                .submission
                .as_ref()
                .map(write::<StoredSubmission, _>)
                .transpose()?,
            created_at: order.created_at,
            updated_at: order.updated_at,
            submitted_at: order.submitted_at,
            cancelled_at: order.cancelled_at,
            life: write::<StoredLife, _>(&order.life)?,
        })
    }
}

fn partner_columns(order: &OrderData) -> (Option<&'static str>, Option<&str>) {
    match &order.partner {
        None => (None, None),
        Some(PartnerChoice::None) => (Some("none"), None),
        Some(PartnerChoice::Partner { code }) => (Some("partner"), Some(code.as_str())),
    }
}

/// The JSON an idempotency key keeps of the order it answered with.
pub(crate) fn snapshot(order: &OrderData) -> Result<serde_json::Value, DbError> {
    serde_json::to_value(OrderRow::from_domain(order)?).map_err(|e| DbError::Corrupt(e.to_string()))
}

/// The order back from [`snapshot`].
pub(crate) fn from_snapshot(value: serde_json::Value) -> Result<Order, DbError> {
    serde_json::from_value::<OrderRow>(value)
        .map_err(|e| DbError::Corrupt(format!("orders snapshot: {e}")))?
        .into_domain()
}

/// Every step column, written whole on each update (`None` clears the column).
#[derive(AsChangeset)]
#[diesel(table_name = orders, treat_none_as_null = true)]
struct OrderChangeset<'a> {
    status: &'a str,
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
    submitted: Option<serde_json::Value>,
    updated_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
    life: serde_json::Value,
}

type BoxedOrders<'a> = orders::BoxedQuery<'a, Pg>;

/// The orders a caller may see ([`Visibility`], the same rule as in Rust).
fn visible_to(caller: &Caller) -> BoxedOrders<'static> {
    let query = orders::table.into_boxed();
    match caller.visibility() {
        Visibility::All => query,
        Visibility::OwnOrPartner {
            account,
            partner_code,
        } => query.filter(
            orders::account_id
                .eq(account.0)
                .or(orders::agent_id.eq(account.0))
                .or(orders::partner_code.eq(partner_code.to_owned())),
        ),
        Visibility::Own(account) => query.filter(orders::account_id.eq(account.0)),
    }
}

/// The next human order number's sequence value.
pub fn next_number(conn: &mut PgConnection) -> Result<i64, DbError> {
    Ok(
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "nextval('order_number_seq')",
        ))
        .get_result(conn)?,
    )
}

/// Stores a new order (a draft from [`Order::create`]).
pub fn insert(conn: &mut PgConnection, order: &Order) -> Result<Order, DbError> {
    let row = OrderRow::from_domain(order)?;
    diesel::insert_into(orders::table)
        .values((
            orders::id.eq(row.id),
            orders::number.eq(&row.number),
            orders::account_id.eq(row.account_id),
            orders::agent_id.eq(row.agent_id),
            orders::status.eq(&row.status),
            orders::version.eq(row.version),
            orders::partner_choice.eq(&row.partner_choice),
            orders::partner_code.eq(&row.partner_code),
            orders::partner_fixed.eq(row.partner_fixed),
            orders::created_at.eq(row.created_at),
            orders::updated_at.eq(row.updated_at),
        ))
        .returning(OrderRow::as_returning())
        .get_result(conn)?
        .into_domain()
}

/// The order, whoever owns it (for workers).
pub fn find(conn: &mut PgConnection, id: OrderId) -> Result<Order, DbError> {
    orders::table
        .filter(orders::id.eq(id.0))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)?
        .into_domain()
}

/// The order, whoever owns it, locked until the end of the transaction (for workers).
pub fn find_for_update(conn: &mut PgConnection, id: OrderId) -> Result<Order, DbError> {
    orders::table
        .filter(orders::id.eq(id.0))
        .select(OrderRow::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound)?
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
    let row = match caller.visibility() {
        Visibility::All => by_id.select(OrderRow::as_select()).first(conn),
        Visibility::OwnOrPartner {
            account,
            partner_code,
        } => by_id
            .filter(
                orders::account_id
                    .eq(account.0)
                    .or(orders::agent_id.eq(account.0))
                    .or(orders::partner_code.eq(partner_code)),
            )
            .select(OrderRow::as_select())
            .first(conn),
        Visibility::Own(account) => by_id
            .filter(orders::account_id.eq(account.0))
            .select(OrderRow::as_select())
            .first(conn),
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
    if order.visible_to(caller) {
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

/// Writes the order's new state if the row is still at `expected_version` and in the status
/// the order was loaded in; the version is bumped by the UPDATE itself. Otherwise
/// `VersionConflict`. Returns the order as stored (its new version).
pub fn save(
    conn: &mut PgConnection,
    order: &Order,
    expected_version: i32,
) -> Result<Order, DbError> {
    let (partner_choice, partner_code) = partner_columns(order);
    // the same documents as `OrderRow::from_domain`
    let row = OrderRow::from_domain(order)?;
    let changes = OrderChangeset {
        status: order.status.as_str(),
        authority: order.authority.as_deref(),
        partner_choice,
        partner_code,
        partner_fixed: order.partner_fixed,
        duration_months: order.duration_months,
        generation_method: order.generation_method.map(GenerationMethod::as_str),
        csr: row.csr,
        fqdn: order.fqdn.as_deref(),
        additional_domains: row.additional_domains,
        holder: row.holder,
        payment: row.payment,
        terms: row.terms,
        submitted: row.submitted,
        updated_at: order.updated_at,
        submitted_at: order.submitted_at,
        cancelled_at: order.cancelled_at,
        life: row.life,
    };
    SaveOrder {
        changes: changes.as_changeset(),
        id: order.id.0,
        expected_version,
        expected_status: order.loaded_status().as_str(),
        returning: OrderRow::as_returning(),
    }
    .get_result::<OrderRow>(conn)
    .optional()?
    .ok_or(DbError::VersionConflict)?
    .into_domain()
}

/// `UPDATE orders SET <every step column>, version = version + 1 WHERE id = $ AND version = $
/// AND status = $ RETURNING <the row>`: the statement of [`save`], as a type of its own so that diesel
/// prepares it once per connection and reuses it. (Diesel never caches its own
/// `UpdateStatement`, since a changeset may skip `None` columns; this one never does, so
/// its SQL text is always the same.) Without it every PATCH made PostgreSQL parse and plan
/// the UPDATE again.
struct SaveOrder<'a> {
    changes: <OrderChangeset<'a> as AsChangeset>::Changeset,
    id: Uuid,
    expected_version: i32,
    expected_status: &'a str,
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
        out.push_sql(", \"version\" = \"orders\".\"version\" + 1 WHERE \"orders\".\"id\" = ");
        out.push_bind_param::<diesel::sql_types::Uuid, _>(&self.id)?;
        out.push_sql(" AND \"orders\".\"version\" = ");
        out.push_bind_param::<diesel::sql_types::Integer, _>(&self.expected_version)?;
        out.push_sql(" AND \"orders\".\"status\" = ");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.expected_status)?;
        out.push_sql(" RETURNING ");
        self.returning.walk_ast(out.reborrow())?;
        Ok(())
    }
}

impl Query for SaveOrder<'_> {
    type SqlType = <AsSelect<OrderRow, Pg> as Expression>::SqlType;
}

impl RunQueryDsl<PgConnection> for SaveOrder<'_> {}

#[cfg(test)]
mod tests {
    use super::{from_snapshot, snapshot};
    use crate::persistence::stored::fixtures::{fixture, versioned};

    /// The snapshot of an order that an idempotency key keeps (the order's row, its JSONB
    /// documents inside) reads back and is written again the same, each document now versioned.
    #[test]
    fn the_order_snapshot_of_a_stored_idempotent_answer_reads_and_writes_back_the_same() {
        let response = fixture("idempotency_response");
        assert_eq!(response["v"], 1);
        let order = from_snapshot(response["order"].clone()).unwrap();
        assert!(order.submission.is_some());
        let mut want = response["order"].clone();
        for column in ["csr", "holder", "payment", "terms", "submitted", "life"] {
            want[column] = versioned(want[column].take());
        }
        let written = snapshot(&order).unwrap();
        assert_eq!(written, want);
    }
}
