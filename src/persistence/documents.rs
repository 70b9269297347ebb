//! Justificatifs as document slots: one row per document an order needs, created by
//! "Commander" (`required`), later `uploaded`, `accepted` or `rejected` (SPEC §8).

use diesel::prelude::*;

use super::schema::order_documents;
use super::DbError;
use crate::domain::documents::justificatifs::Justificatif;
use crate::domain::order::OrderId;

/// Creates the slots of a submitted order, in the order of the list. Idempotent.
pub fn create_slots(
    conn: &mut PgConnection,
    order_id: OrderId,
    documents: &[Justificatif],
) -> Result<(), DbError> {
    let rows: Vec<_> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                order_documents::order_id.eq(order_id.0),
                order_documents::code.eq(d.code.as_str()),
                order_documents::position.eq(i32::try_from(i + 1).unwrap_or(i32::MAX)),
            )
        })
        .collect();
    diesel::insert_into(order_documents::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(())
}
