//! The certificates of orders: the chain (PEM, leaf first) and its summary. Public data.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::certificates;
use super::DbError;
use crate::domain::order::OrderId;

/// A certificate as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCertificate {
    pub id: Uuid,
    pub order_id: OrderId,
    pub serial: String,
    pub source: String,
    pub chain_pem: String,
    pub summary: serde_json::Value,
    pub issued_at: DateTime<Utc>,
}

pub fn insert(conn: &mut PgConnection, cert: &StoredCertificate) -> Result<(), DbError> {
    diesel::insert_into(certificates::table)
        .values((
            certificates::id.eq(cert.id),
            certificates::order_id.eq(cert.order_id.0),
            certificates::serial.eq(&cert.serial),
            certificates::source.eq(&cert.source),
            certificates::chain_pem.eq(&cert.chain_pem),
            certificates::summary.eq(&cert.summary),
            certificates::issued_at.eq(cert.issued_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The certificate with this id, of this order.
pub fn find(
    conn: &mut PgConnection,
    order_id: OrderId,
    id: Uuid,
) -> Result<StoredCertificate, DbError> {
    let (id, order, serial, source, chain_pem, summary, issued_at) = certificates::table
        .filter(certificates::order_id.eq(order_id.0))
        .filter(certificates::id.eq(id))
        .select((
            certificates::id,
            certificates::order_id,
            certificates::serial,
            certificates::source,
            certificates::chain_pem,
            certificates::summary,
            certificates::issued_at,
        ))
        .first::<(
            Uuid,
            Uuid,
            String,
            String,
            String,
            serde_json::Value,
            DateTime<Utc>,
        )>(conn)
        .optional()?
        .ok_or(DbError::NotFound)?;
    Ok(StoredCertificate {
        id,
        order_id: OrderId(order),
        serial,
        source,
        chain_pem,
        summary,
        issued_at,
    })
}
