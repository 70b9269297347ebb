//! The domain controls of orders (`domain_controls`): one row per name, and the rechecks'
//! queue (due rows claimed with `FOR UPDATE SKIP LOCKED` and held by a lease while the
//! check runs outside any transaction).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{json, Value};
use uuid::Uuid;

use super::schema::domain_controls as dc;
use super::DbError;
use crate::domain::dcv::{Diagnosis, DomainControl, Method, Token};
use crate::domain::order::OrderId;
use crate::domain::shared::code::Code;

type Row = (
    String,
    bool,
    String,
    String,
    DateTime<Utc>,
    String,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<Value>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

fn corrupt(what: &str) -> DbError {
    DbError::Corrupt(format!("domain_controls.{what}"))
}

fn diagnosis_json(d: &Diagnosis) -> Value {
    let code = d.code().map(Code::as_str).unwrap_or("valid");
    match d {
        Diagnosis::OtherTxtValues { values } => json!({"code": code, "values": values}),
        Diagnosis::HttpStatus { status } => json!({"code": code, "status": status}),
        other => json!({"code": code, "seen": other.seen()}),
    }
}

fn diagnosis_of(v: &Value) -> Result<Diagnosis, DbError> {
    let seen = || v["seen"].as_str().unwrap_or_default().to_owned();
    let code = v["code"]
        .as_str()
        .ok_or_else(|| corrupt("last_diagnosis"))?;
    if code == "valid" {
        return Ok(Diagnosis::Valid { answer: seen() });
    }
    Ok(
        match Code::parse(code).ok_or_else(|| corrupt("last_diagnosis"))? {
            Code::DcvNameNotFound => Diagnosis::NameNotFound,
            Code::DcvNoTxtRecord => Diagnosis::NoTxtRecord,
            Code::DcvOtherTxtValues => Diagnosis::OtherTxtValues {
                values: v["values"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            Code::DcvWrongLabel => Diagnosis::WrongLabel { found_at: seen() },
            Code::DcvHttpStatus => Diagnosis::HttpStatus {
                status: v["status"].as_u64().unwrap_or(0) as u16,
            },
            Code::DcvRedirectedElsewhere => Diagnosis::RedirectedElsewhere { location: seen() },
            Code::DcvContentDiffers => Diagnosis::ContentDiffers {
                first_bytes: seen(),
            },
            Code::DcvTimeout => Diagnosis::Timeout,
            Code::DcvDnsServerFailure => Diagnosis::DnsServerFailure { detail: seen() },
            Code::DcvConnectionFailed => Diagnosis::ConnectionFailed { detail: seen() },
            Code::DcvPrivateTarget => Diagnosis::PrivateTarget { address: seen() },
            Code::DcvTokenExpired => Diagnosis::TokenExpired,
            _ => return Err(corrupt("last_diagnosis")),
        },
    )
}

fn control_of(r: Row) -> Result<DomainControl, DbError> {
    let method = |s: &str| Method::parse(s).ok_or_else(|| corrupt("method"));
    Ok(DomainControl {
        name: r.0,
        wildcard: r.1,
        method: method(&r.2)?,
        token: Token::parse(&r.3).ok_or_else(|| corrupt("token"))?,
        token_expires_at: r.4,
        valid: r.5 == "valid",
        validated_at: r.6,
        validated_method: r.7.as_deref().map(method).transpose()?,
        validated_answer: r.8,
        valid_until: r.9,
        last_checked_at: r.10,
        last_diagnosis: r.11.as_ref().map(diagnosis_of).transpose()?,
        pending_since: r.12,
        next_check_at: r.13,
    })
}

macro_rules! columns {
    () => {
        (
            dc::name,
            dc::wildcard,
            dc::method,
            dc::token,
            dc::token_expires_at,
            dc::status,
            dc::validated_at,
            dc::validated_method,
            dc::validated_answer,
            dc::valid_until,
            dc::last_checked_at,
            dc::last_diagnosis,
            dc::pending_since,
            dc::next_check_at,
        )
    };
}

/// The order's controls, by name.
pub fn list(conn: &mut PgConnection, order: OrderId) -> Result<Vec<DomainControl>, DbError> {
    dc::table
        .filter(dc::order_id.eq(order.0))
        .order(dc::name)
        .select(columns!())
        .load::<Row>(conn)?
        .into_iter()
        .map(control_of)
        .collect()
}

/// One control, locked until the transaction ends.
pub fn find_for_update(
    conn: &mut PgConnection,
    order: OrderId,
    name: &str,
) -> Result<Option<DomainControl>, DbError> {
    dc::table
        .filter(dc::order_id.eq(order.0))
        .filter(dc::name.eq(name))
        .select(columns!())
        .for_update()
        .first::<Row>(conn)
        .optional()?
        .map(control_of)
        .transpose()
}

/// Adds the control unless the order already has one for its name.
pub fn insert(conn: &mut PgConnection, order: OrderId, c: &DomainControl) -> Result<(), DbError> {
    diesel::insert_into(dc::table)
        .values((
            dc::order_id.eq(order.0),
            dc::name.eq(&c.name),
            dc::wildcard.eq(c.wildcard),
            values(c),
        ))
        .on_conflict((dc::order_id, dc::name))
        .do_nothing()
        .execute(conn)?;
    Ok(())
}

#[allow(clippy::type_complexity)]
fn values(
    c: &DomainControl,
) -> (
    diesel::dsl::Eq<dc::method, &'static str>,
    diesel::dsl::Eq<dc::token, String>,
    diesel::dsl::Eq<dc::token_expires_at, DateTime<Utc>>,
    diesel::dsl::Eq<dc::status, &'static str>,
    diesel::dsl::Eq<dc::validated_at, Option<DateTime<Utc>>>,
    diesel::dsl::Eq<dc::validated_method, Option<&'static str>>,
    diesel::dsl::Eq<dc::validated_answer, Option<String>>,
    diesel::dsl::Eq<dc::valid_until, Option<DateTime<Utc>>>,
    diesel::dsl::Eq<dc::last_checked_at, Option<DateTime<Utc>>>,
    diesel::dsl::Eq<dc::last_diagnosis, Option<Value>>,
    diesel::dsl::Eq<dc::pending_since, DateTime<Utc>>,
    diesel::dsl::Eq<dc::next_check_at, Option<DateTime<Utc>>>,
) {
    (
        dc::method.eq(c.method.as_str()),
        dc::token.eq(c.token.as_str().to_owned()),
        dc::token_expires_at.eq(c.token_expires_at),
        dc::status.eq(if c.valid { "valid" } else { "pending" }),
        dc::validated_at.eq(c.validated_at),
        dc::validated_method.eq(c.validated_method.map(Method::as_str)),
        dc::validated_answer.eq(c.validated_answer.clone()),
        dc::valid_until.eq(c.valid_until),
        dc::last_checked_at.eq(c.last_checked_at),
        dc::last_diagnosis.eq(c.last_diagnosis.as_ref().map(diagnosis_json)),
        dc::pending_since.eq(c.pending_since),
        dc::next_check_at.eq(c.next_check_at),
    )
}

/// Saves the control and releases its lease.
pub fn save(conn: &mut PgConnection, order: OrderId, c: &DomainControl) -> Result<(), DbError> {
    let n = diesel::update(
        dc::table
            .filter(dc::order_id.eq(order.0))
            .filter(dc::name.eq(&c.name)),
    )
    .set((
        values(c),
        dc::lease_until.eq(None::<DateTime<Utc>>),
        dc::version.eq(dc::version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    order_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Claims the oldest pending control due at `now` that no replica holds: leased until
/// `lease_until` (another replica skips it meanwhile; a replica that dies mid-check lets the
/// lease run out and the control is due again).
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    only: Option<OrderId>,
) -> Result<Option<(OrderId, String)>, DbError> {
    let due = diesel::sql_query(
        "UPDATE domain_controls SET lease_until = $2 WHERE (order_id, name) = ( \
           SELECT order_id, name FROM domain_controls \
           WHERE status = 'pending' AND next_check_at <= $1 \
             AND (lease_until IS NULL OR lease_until <= $1) \
             AND ($3::uuid IS NULL OR order_id = $3) \
           ORDER BY next_check_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING order_id, name",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::Timestamptz, _>(lease_until)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(only.map(|o| o.0))
    .get_result::<Due>(conn)
    .optional()?;
    Ok(due.map(|d| (OrderId(d.order_id), d.name)))
}
