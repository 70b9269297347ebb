//! Justificatifs as document slots: one row per document an order needs, created by
//! "Commander" (`required`), later `uploaded`, `accepted` or `rejected` (SPEC §8) — the slot's
//! current status, which the order's requirements read — and one `document_files` row per
//! uploaded file (the history), with its review.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{document_files, order_documents};
use super::DbError;
use crate::domain::account::AccountId;
use crate::domain::documents::justificatifs::Justificatif;
use crate::domain::documents::slot::{
    Decision, DocumentFile, FileId, RejectionReason, Review, Slot, SlotStatus,
};
use crate::domain::documents::upload::FileKind;
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

#[derive(Queryable, Selectable)]
#[diesel(table_name = document_files, check_for_backend(diesel::pg::Pg))]
struct FileRow {
    id: Uuid,
    code: String,
    storage_key: String,
    sha256: String,
    size_bytes: i64,
    content_type: String,
    original_name: Option<String>,
    uploaded_by: Uuid,
    uploaded_at: DateTime<Utc>,
    decision: Option<String>,
    reason: Option<String>,
    message: Option<String>,
    reviewed_by: Option<Uuid>,
    reviewed_at: Option<DateTime<Utc>>,
}

impl FileRow {
    fn into_domain(self) -> Result<DocumentFile, DbError> {
        let corrupt =
            |what: &str, v: &str| DbError::Corrupt(format!("document_files.{what} = {v:?}"));
        let kind = FileKind::from_mime(&self.content_type)
            .ok_or_else(|| corrupt("content_type", &self.content_type))?;
        let review = match (self.decision, self.reviewed_by, self.reviewed_at) {
            (Some(d), Some(by), Some(at)) => Some(Review {
                decision: Decision::parse(&d).ok_or_else(|| corrupt("decision", &d))?,
                reason: self
                    .reason
                    .as_deref()
                    .map(|r| RejectionReason::parse(r).ok_or_else(|| corrupt("reason", r)))
                    .transpose()?,
                message: self.message,
                reviewed_by: AccountId(by),
                reviewed_at: at,
            }),
            _ => None,
        };
        Ok(DocumentFile {
            id: FileId(self.id),
            code: self.code,
            storage_key: self.storage_key,
            sha256: self.sha256,
            size: u64::try_from(self.size_bytes).map_err(|_| corrupt("size_bytes", "negative"))?,
            kind,
            original_name: self.original_name,
            uploaded_by: AccountId(self.uploaded_by),
            uploaded_at: self.uploaded_at,
            review,
        })
    }
}

fn parse_status(s: &str) -> Result<SlotStatus, DbError> {
    SlotStatus::parse(s).ok_or_else(|| DbError::Corrupt(format!("order_documents.status = {s:?}")))
}

/// The slots of an order, in the list's order, each with its files (newest first).
pub fn slots(conn: &mut PgConnection, order_id: OrderId) -> Result<Vec<Slot>, DbError> {
    let rows: Vec<(String, i32, String)> = order_documents::table
        .filter(order_documents::order_id.eq(order_id.0))
        .order(order_documents::position.asc())
        .select((
            order_documents::code,
            order_documents::position,
            order_documents::status,
        ))
        .load(conn)?;
    let files: Vec<FileRow> = document_files::table
        .filter(document_files::order_id.eq(order_id.0))
        .order((
            document_files::uploaded_at.desc(),
            document_files::id.desc(),
        ))
        .select(FileRow::as_select())
        .load(conn)?;
    let mut files = files
        .into_iter()
        .map(FileRow::into_domain)
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(code, position, status)| {
            let (mine, rest): (Vec<_>, Vec<_>) = files.drain(..).partition(|f| f.code == code);
            files = rest;
            Ok(Slot {
                status: parse_status(&status)?,
                code,
                position,
                files: mine,
            })
        })
        .collect()
}

/// A slot's status; with `lock`, the row is locked until the transaction ends.
pub fn slot_status(
    conn: &mut PgConnection,
    order_id: OrderId,
    code: &str,
    lock: bool,
) -> Result<Option<SlotStatus>, DbError> {
    let query = order_documents::table
        .filter(order_documents::order_id.eq(order_id.0))
        .filter(order_documents::code.eq(code))
        .select(order_documents::status);
    let status: Option<String> = if lock {
        query.for_update().first(conn).optional()?
    } else {
        query.first(conn).optional()?
    };
    status.as_deref().map(parse_status).transpose()
}

/// Sets a slot's status, from the status it was read in (else nothing changes and the
/// version conflict says so).
pub fn set_status(
    conn: &mut PgConnection,
    order_id: OrderId,
    code: &str,
    from: SlotStatus,
    to: SlotStatus,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let n = diesel::update(
        order_documents::table
            .filter(order_documents::order_id.eq(order_id.0))
            .filter(order_documents::code.eq(code))
            .filter(order_documents::status.eq(from.as_str())),
    )
    .set((
        order_documents::status.eq(to.as_str()),
        order_documents::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(DbError::VersionConflict)
    }
}

/// Stores a new file's metadata (no review yet).
pub fn insert_file(
    conn: &mut PgConnection,
    order_id: OrderId,
    file: &DocumentFile,
) -> Result<(), DbError> {
    diesel::insert_into(document_files::table)
        .values((
            document_files::id.eq(file.id.0),
            document_files::order_id.eq(order_id.0),
            document_files::code.eq(&file.code),
            document_files::storage_key.eq(&file.storage_key),
            document_files::sha256.eq(&file.sha256),
            document_files::size_bytes.eq(i64::try_from(file.size).unwrap_or(i64::MAX)),
            document_files::content_type.eq(file.kind.mime()),
            document_files::original_name.eq(file.original_name.as_deref()),
            document_files::uploaded_by.eq(file.uploaded_by.0),
            document_files::uploaded_at.eq(file.uploaded_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest file of a slot, locked until the transaction ends.
pub fn lock_latest_file(
    conn: &mut PgConnection,
    order_id: OrderId,
    code: &str,
) -> Result<Option<DocumentFile>, DbError> {
    document_files::table
        .filter(document_files::order_id.eq(order_id.0))
        .filter(document_files::code.eq(code))
        .order((
            document_files::uploaded_at.desc(),
            document_files::id.desc(),
        ))
        .select(FileRow::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .map(FileRow::into_domain)
        .transpose()
}

/// Records the review of a file not reviewed yet.
pub fn record_review(
    conn: &mut PgConnection,
    file: FileId,
    review: &Review,
) -> Result<(), DbError> {
    let n = diesel::update(
        document_files::table
            .filter(document_files::id.eq(file.0))
            .filter(document_files::decision.is_null()),
    )
    .set((
        document_files::decision.eq(review.decision.as_str()),
        document_files::reason.eq(review.reason.map(RejectionReason::as_str)),
        document_files::message.eq(review.message.as_deref()),
        document_files::reviewed_by.eq(review.reviewed_by.0),
        document_files::reviewed_at.eq(review.reviewed_at),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(DbError::VersionConflict)
    }
}

/// One file of a slot.
pub fn find_file(
    conn: &mut PgConnection,
    order_id: OrderId,
    code: &str,
    file: FileId,
) -> Result<Option<DocumentFile>, DbError> {
    document_files::table
        .filter(document_files::id.eq(file.0))
        .filter(document_files::order_id.eq(order_id.0))
        .filter(document_files::code.eq(code))
        .select(FileRow::as_select())
        .first(conn)
        .optional()?
        .map(FileRow::into_domain)
        .transpose()
}

/// Each slot's code and status (without its files: the life's documents requirement), in the order of the list frozen at "Commander".
pub fn slot_statuses(
    conn: &mut PgConnection,
    order_id: OrderId,
) -> Result<Vec<(String, SlotStatus)>, DbError> {
    let rows: Vec<(String, String)> = order_documents::table
        .filter(order_documents::order_id.eq(order_id.0))
        .order(order_documents::position)
        .select((order_documents::code, order_documents::status))
        .load(conn)?;
    rows.into_iter()
        .map(|(code, status)| {
            let s = status
                .parse()
                .map_err(|_| DbError::Corrupt(format!("order_documents.status = {status:?}")))?;
            Ok((code, s))
        })
        .collect()
}
