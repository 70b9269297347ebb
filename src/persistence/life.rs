//! What the life after "Commander" reads besides the order row: the order's events, as its
//! timeline, and the operators' queue.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::events;
use super::DbError;
use crate::domain::order::life::TimelineEntry;
use crate::domain::order::OrderId;

/// The order's events, oldest first (ids are UUIDv7: they sort by time of writing).
pub fn timeline(conn: &mut PgConnection, order_id: OrderId) -> Result<Vec<TimelineEntry>, DbError> {
    Ok(events::table
        .filter(events::order_id.eq(order_id.0))
        .order(events::id)
        .select(EventRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|e| TimelineEntry {
            id: e.id,
            event_type: e.event_type,
            at: e.occurred_at,
            actor_id: e.actor_id,
            detail: e.detail,
        })
        .collect())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
struct EventRow {
    id: Uuid,
    event_type: String,
    occurred_at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    detail: serde_json::Value,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// The orders waiting for an operator, oldest submission first: a submitted order with an
/// uploaded document to review, or with every document accepted and the payment received (to
/// approve); a validated order when certificates are attached by hand (`manual`); a
/// revocation asked for and not recorded yet.
pub fn awaiting_operator(
    conn: &mut PgConnection,
    manual: bool,
    limit: i64,
) -> Result<Vec<OrderId>, DbError> {
    let rows: Vec<IdRow> = diesel::sql_query(
        "SELECT o.id FROM orders o WHERE \
           (o.status = 'submitted' AND ( \
              EXISTS (SELECT 1 FROM order_documents d WHERE d.order_id = o.id AND d.status = 'uploaded') \
              OR (o.life ? 'payment' AND NOT EXISTS ( \
                  SELECT 1 FROM order_documents d WHERE d.order_id = o.id AND d.status <> 'accepted')))) \
           OR (o.status = 'validated' AND $1) \
           OR (o.status IN ('issued', 'active') AND o.life ? 'revocation' \
               AND NOT (o.life -> 'revocation' ? 'revoked_at')) \
         ORDER BY o.submitted_at, o.id LIMIT $2",
    )
    .bind::<diesel::sql_types::Bool, _>(manual)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| OrderId(r.id)).collect())
}
