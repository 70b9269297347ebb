//! The justificatifs after "Commander" (SPEC §8): the customer uploads each one's file, an
//! operator accepts or rejects it with a coded reason, owner and operators download it back.
//!
//! An upload is checked before anything is written (the order, the slot, then the file's
//! type and size); the bytes go to the object store first, then the metadata, the slot's new
//! status and `document.uploaded` are committed in one transaction — and when that
//! transaction fails, the object just written is deleted, so that a refused upload leaves
//! nothing behind.

use diesel::PgConnection;
use uuid::Uuid;

use super::orders::Documents;
use super::{App, AppError};
use crate::domain::account::{Caller, Role};
use crate::domain::documents::slot::{
    Decision, DocumentFile, FileId, Review, ReviewInput, Slot, SlotError, SlotStatus,
};
use crate::domain::documents::upload::{check_file, clean_original_name, Declared, Received};
use crate::domain::order::rights::Action;
use crate::domain::order::{Order, OrderEvent, OrderEventType, OrderId, OrderStatus};
use crate::persistence::{documents, orders};
use crate::storage::{file_key, Download};

/// A file as the HTTP layer received it: its bytes (within the limit, hashed) and what the
/// client declared about it.
pub struct Incoming {
    pub received: Received,
    pub declared: Declared,
}

/// The justificatifs of an order and, once it is submitted, their slots (status and files).
pub async fn overview(
    app: &App,
    caller: Caller,
    id: OrderId,
) -> Result<(Documents, Vec<Slot>), AppError> {
    let documents = super::orders::documents(app, caller, id).await?;
    let slots = match documents {
        Documents::Frozen(_) => app.db.run(move |conn| documents::slots(conn, id)).await?,
        _ => Vec::new(),
    };
    Ok((documents, slots))
}

/// Whether the caller may upload a file to this slot now — asked before the body is read,
/// so that a refused upload is refused before its bytes are received.
pub async fn prepare_upload(
    app: &App,
    caller: Caller,
    id: OrderId,
    code: String,
) -> Result<(), AppError> {
    app.db
        .run(move |conn| -> Result<(), AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            let status = documents::slot_status(conn, id, &code, false)?;
            uploadable(&order, &caller, status).map(|_| ())
        })
        .await
}

/// Stores an uploaded file and puts the slot under review.
pub async fn upload(
    app: &App,
    caller: Caller,
    id: OrderId,
    code: String,
    incoming: Incoming,
) -> Result<DocumentFile, AppError> {
    let Incoming { received, declared } = incoming;
    let kind = check_file(received.head(), received.size(), &declared)
        .map_err(|issue| AppError::Invalid(vec![issue]))?;
    let size = received.size();
    let (sha256, chunks) = received.finish();
    let file_id = FileId(Uuid::now_v7());
    let key = file_key(id.0, &code, file_id.0);
    let file = DocumentFile {
        id: file_id,
        code: code.clone(),
        storage_key: key.clone(),
        sha256,
        size,
        kind,
        original_name: declared.file_name.as_deref().and_then(clean_original_name),
        uploaded_by: caller.account_id,
        uploaded_at: app.now(),
        review: None,
    };
    app.storage.put(&key, chunks).await?;
    let record = file.clone();
    let now = app.now();
    let committed = app
        .db
        .transaction(move |conn| -> Result<(), AppError> {
            let order = orders::lock_visible(conn, id, &caller)?;
            let from = documents::slot_status(conn, id, &record.code, true)?;
            let to = uploadable(&order, &caller, from)?;
            let from = from.ok_or(SlotError::Unknown)?;
            documents::insert_file(conn, id, &record)?;
            documents::set_status(conn, id, &record.code, from, to, now)?;
            let detail = serde_json::json!({ "code": record.code, "file_id": record.id.0 });
            record_event(
                conn,
                &order,
                OrderEventType::DocumentUploaded,
                now,
                caller.account_id,
                detail,
            )
        })
        .await;
    if let Err(e) = committed {
        // nothing may stay of a refused upload
        if let Err(cleanup) = app.storage.delete(&key).await {
            tracing::error!(key = %key, error = %cleanup, "an object of a refused upload could not be deleted");
        }
        return Err(e);
    }
    tracing::info!(order = %id.0, code = %file.code, file = %file.id.0, size = file.size, "justificatif uploaded");
    Ok(file)
}

/// A file's metadata and bytes, for whoever may read the order's documents (`rights`).
pub async fn download(
    app: &App,
    caller: Caller,
    id: OrderId,
    code: String,
    file_id: FileId,
) -> Result<(DocumentFile, Download), AppError> {
    let file = app
        .db
        .run(move |conn| -> Result<DocumentFile, AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            super::authorize(&order, &caller, Action::ReadDocuments)?;
            documents::find_file(conn, id, &code, file_id)?.ok_or(AppError::NotFound)
        })
        .await?;
    let bytes = app.storage.get(&file.storage_key).await?;
    Ok((file, bytes))
}

/// An operator's review of the file awaiting it: the slot becomes `accepted` or `rejected`,
/// with who and when; returns the slot with its files.
pub async fn review(
    app: &App,
    caller: Caller,
    id: OrderId,
    code: String,
    input: ReviewInput,
) -> Result<Slot, AppError> {
    let now = app.now();
    app.db
        .transaction(move |conn| -> Result<Slot, AppError> {
            let order = orders::lock_visible(conn, id, &caller)?;
            if caller.role != Role::Operator {
                return Err(AppError::OperatorOnly);
            }
            if order.status != OrderStatus::Submitted {
                return Err(AppError::DocumentsClosed(order.status));
            }
            let from = documents::slot_status(conn, id, &code, true)?.ok_or(SlotError::Unknown)?;
            let to = from.after_review(input.decision)?;
            let file = documents::lock_latest_file(conn, id, &code)?
                .filter(|f| f.review.is_none())
                .ok_or(SlotError::NotUnderReview(from))?;
            let review = Review {
                decision: input.decision,
                reason: input.reason,
                message: input.message,
                reviewed_by: caller.account_id,
                reviewed_at: now,
            };
            documents::record_review(conn, file.id, &review)?;
            documents::set_status(conn, id, &code, from, to, now)?;
            let kind = match input.decision {
                Decision::Accepted => OrderEventType::DocumentAccepted,
                Decision::Rejected => OrderEventType::DocumentRejected,
            };
            let detail = serde_json::json!({
                "code": code,
                "file_id": file.id.0,
                "reason": review.reason.map(|r| r.as_str()),
                "reason_fr": review.reason.map(|r| r.label_fr()),
                "message": review.message,
            });
            record_event(conn, &order, kind, now, caller.account_id, detail)?;
            tracing::info!(order = %id.0, code = %code, decision = input.decision.as_str(), "justificatif reviewed");
            documents::slots(conn, id)?
                .into_iter()
                .find(|s| s.code == code)
                .ok_or(AppError::NotFound)
        })
        .await
}

/// The slot's next status if the caller may upload to it now: allowed by the rights matrix,
/// a submitted order, a slot that exists and is empty or rejected.
fn uploadable(
    order: &Order,
    caller: &Caller,
    status: Option<SlotStatus>,
) -> Result<SlotStatus, AppError> {
    super::authorize(order, caller, Action::UploadDocuments)?;
    if order.status != OrderStatus::Submitted {
        return Err(AppError::DocumentsClosed(order.status));
    }
    Ok(status.ok_or(SlotError::Unknown)?.after_upload()?)
}

/// Stores a document event of the order, with who did it and what (a rejection is mailed
/// to the order's owner).
fn record_event(
    conn: &mut PgConnection,
    order: &Order,
    kind: OrderEventType,
    at: chrono::DateTime<chrono::Utc>,
    actor: crate::domain::account::AccountId,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    let event = OrderEvent {
        kind,
        at,
        actor: Some(actor),
        detail,
    };
    super::orders::record_events_for(conn, order, &[event], None)
}
