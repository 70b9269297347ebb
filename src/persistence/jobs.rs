//! Scheduled jobs: work due at a time (issuance, acceptance reminders and deadlines). Every
//! replica runs the scheduler; [`claim_due`] takes one due job with `FOR UPDATE SKIP LOCKED`
//! inside the transaction that then does the work and marks it done ([`finish`]): a job held
//! by one replica is skipped by the others, and once done it is never due again. A replica
//! that dies mid-job rolls its transaction back: the job is due again for the next one.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::scheduled_jobs;
use super::DbError;
use crate::domain::order::OrderId;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum JobKind {
    /// Issue the certificate of a validated order (sandbox).
    Issue,
    /// Remind the customer to accept the certificate before the deadline.
    AcceptanceReminder,
    /// Revoke a certificate not accepted by its deadline.
    AcceptanceDeadline,
    /// Tell the customer the certificate's renewal window opened.
    RenewalWindow,
    /// Tell the customer the certificate expires in 7 days.
    ExpiryReminder,
    /// At the certificate's expiry: the plan ends (`expired`) if it was its last.
    CertificateExpiry,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A claimed job, locked by the current transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: Uuid,
    pub kind: JobKind,
    pub order_id: OrderId,
    pub due_at: DateTime<Utc>,
    pub attempts: i32,
}

/// Schedules `kind` for the order at `due_at` (one job per kind and order: scheduling again
/// moves it and makes it pending again, e.g. the next certificate's reminders).
pub fn schedule(
    conn: &mut PgConnection,
    kind: JobKind,
    order_id: OrderId,
    due_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(scheduled_jobs::table)
        .values((
            scheduled_jobs::id.eq(Uuid::now_v7()),
            scheduled_jobs::kind.eq(kind.as_str()),
            scheduled_jobs::order_id.eq(order_id.0),
            scheduled_jobs::due_at.eq(due_at),
        ))
        .on_conflict((scheduled_jobs::kind, scheduled_jobs::order_id))
        .do_update()
        .set((
            scheduled_jobs::due_at.eq(due_at),
            scheduled_jobs::status.eq("pending"),
            scheduled_jobs::attempts.eq(0),
            scheduled_jobs::last_error.eq(None::<String>),
            scheduled_jobs::done_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct JobRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    order_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    due_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
}

/// The oldest job due at `now` that no other transaction holds, locked until this
/// transaction ends; `only` narrows the search to one kind and order. Call inside a
/// transaction.
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    only: Option<(JobKind, OrderId)>,
) -> Result<Option<Job>, DbError> {
    let (kind, order) = match only {
        Some((k, o)) => (Some(k.as_str()), Some(o.0)),
        None => (None, None),
    };
    let row = diesel::sql_query(
        "SELECT id, kind, order_id, due_at, attempts FROM scheduled_jobs \
         WHERE status = 'pending' AND due_at <= $1 \
           AND ($2::text IS NULL OR kind = $2) AND ($3::uuid IS NULL OR order_id = $3) \
         ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(kind)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(order)
    .get_result::<JobRow>(conn)
    .optional()?;
    row.map(|r| {
        Ok(Job {
            id: r.id,
            kind: r
                .kind
                .parse()
                .map_err(|_| DbError::Corrupt(format!("scheduled_jobs.kind = {:?}", r.kind)))?,
            order_id: OrderId(r.order_id),
            due_at: r.due_at,
            attempts: r.attempts,
        })
    })
    .transpose()
}

/// The job is done (in the transaction that did it), unless the work itself scheduled it
/// again (its `due_at` moved): then it stays pending for its new time.
pub fn finish(conn: &mut PgConnection, job: &Job, at: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(
        scheduled_jobs::table
            .filter(scheduled_jobs::id.eq(job.id))
            .filter(scheduled_jobs::due_at.eq(job.due_at)),
    )
    .set((
        scheduled_jobs::status.eq("done"),
        scheduled_jobs::attempts.eq(scheduled_jobs::attempts + 1),
        scheduled_jobs::done_at.eq(at),
    ))
    .execute(conn)?;
    Ok(())
}

/// The job failed: due again at `retry_at`, or failed for good after too many attempts.
pub fn retry_later(
    conn: &mut PgConnection,
    job: &Job,
    retry_at: DateTime<Utc>,
    give_up: bool,
    error: &str,
) -> Result<(), DbError> {
    diesel::update(scheduled_jobs::table.filter(scheduled_jobs::id.eq(job.id)))
        .set((
            scheduled_jobs::status.eq(if give_up { "failed" } else { "pending" }),
            scheduled_jobs::attempts.eq(scheduled_jobs::attempts + 1),
            scheduled_jobs::due_at.eq(retry_at),
            scheduled_jobs::last_error.eq(error.chars().take(500).collect::<String>()),
        ))
        .execute(conn)?;
    Ok(())
}
