//! The justificatifs of an order: previewed on a draft by the same rules as at "Commander"
//! (`domain::documents::justificatifs`), frozen once it is submitted; then each one's files —
//! uploaded by the customer (`multipart/form-data`), reviewed by an operator, downloaded back
//! by either.

use actix_multipart::Multipart;
use actix_web::body::{BodyStream, BoxBody};
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{get, post, web, HttpRequest, HttpResponse, Responder};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::{self, documents::Incoming, orders::Documents};
use crate::domain::documents::justificatifs::Justificatif;
use crate::domain::documents::slot::{
    Decision, DocumentFile, FileId, RejectionReason, ReviewInput, Slot, SlotStatus,
};
use crate::domain::documents::upload::{download_name, Declared, FileKind, Received};
use crate::domain::shared::issue::{Code, FieldIssue};
use crate::http::auth::Authenticated;
use crate::http::handlers::orders::order_id;
use crate::http::json::ValidJson;
use crate::http::problem::{ApiError, Problem};
use crate::http::views::{DocumentView, StepView};
use crate::http::AppState;

/// The justificatifs of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentsPreview {
    /// `true` once the order is submitted: the list is the one frozen at "Commander".
    /// `false` on a draft: the list "Commander" would give now.
    pub frozen: bool,
    /// The documents to send (empty while `waiting_for` is not), each with its status and
    /// files once the order is submitted.
    pub documents: Vec<DocumentEntry>,
    /// The steps still unanswered on which the list depends (`authority`, `holder`,
    /// `payment`); empty when the list is known.
    pub waiting_for: Vec<StepView>,
}

/// One justificatif: what it is, why it is asked, and (submitted orders) where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentEntry {
    #[schema(example = "extrait_kbis")]
    pub code: String,
    pub label_fr: String,
    pub label_en: String,
    /// Why it is needed.
    pub reason_fr: String,
    pub reason_en: String,
    /// Where it stands; `null` on a draft (nothing can be uploaded before "Commander").
    #[schema(required = true)]
    pub status: Option<SlotStatusView>,
    /// Its files, newest first (a rejected file stays listed, with its review); empty on a
    /// draft.
    pub files: Vec<DocumentFileView>,
}

impl DocumentEntry {
    fn new(j: &Justificatif, slot: Option<&Slot>, order: Uuid) -> Self {
        let d = DocumentView::from(j);
        DocumentEntry {
            code: d.code,
            label_fr: d.label_fr,
            label_en: d.label_en,
            reason_fr: d.reason_fr,
            reason_en: d.reason_en,
            status: slot.map(|s| s.status.into()),
            files: slot
                .map(|s| {
                    s.files
                        .iter()
                        .map(|f| DocumentFileView::new(f, order))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// A justificatif's status: `required` (nothing sent), `uploaded` (a file awaits an
/// operator's review), `accepted` (requirement met), `rejected` (a new file is expected).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlotStatusView {
    Required,
    Uploaded,
    Accepted,
    Rejected,
}

impl From<SlotStatus> for SlotStatusView {
    fn from(s: SlotStatus) -> Self {
        match s {
            SlotStatus::Required => SlotStatusView::Required,
            SlotStatus::Uploaded => SlotStatusView::Uploaded,
            SlotStatus::Accepted => SlotStatusView::Accepted,
            SlotStatus::Rejected => SlotStatusView::Rejected,
        }
    }
}

/// The type of an uploaded file, sniffed from its bytes.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum FileTypeView {
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
}

impl From<FileKind> for FileTypeView {
    fn from(k: FileKind) -> Self {
        match k {
            FileKind::Pdf => FileTypeView::Pdf,
            FileKind::Jpeg => FileTypeView::Jpeg,
            FileKind::Png => FileTypeView::Png,
        }
    }
}

/// An uploaded file of a justificatif.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5f", "code": "extrait_kbis",
    "content_type": "application/pdf", "size_bytes": 48213,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "original_name": "kbis-2026.pdf", "uploaded_by": "0193a0e4-0000-7000-8000-000000000001",
    "uploaded_at": "2026-12-02T09:30:00Z", "review": null,
    "links": {"download": "/orders/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5e/documents/extrait_kbis/files/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5f"}
}))]
pub struct DocumentFileView {
    pub id: Uuid,
    /// The justificatif it was sent for.
    pub code: String,
    pub content_type: FileTypeView,
    pub size_bytes: u64,
    /// SHA-256 of the bytes, lowercase hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    /// The name the client gave the file (kept as information only).
    #[schema(required = true)]
    pub original_name: Option<String>,
    /// The account that uploaded it.
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTime<Utc>,
    /// The operator's review; `null` while it awaits one.
    #[schema(required = true)]
    pub review: Option<ReviewView>,
    pub links: FileLinks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileLinks {
    /// `GET`: the file's bytes.
    pub download: String,
}

impl DocumentFileView {
    fn new(f: &DocumentFile, order: Uuid) -> Self {
        DocumentFileView {
            id: f.id.0,
            code: f.code.clone(),
            content_type: f.kind.into(),
            size_bytes: f.size,
            sha256: f.sha256.clone(),
            original_name: f.original_name.clone(),
            uploaded_by: f.uploaded_by.0,
            uploaded_at: f.uploaded_at,
            review: f.review.as_ref().map(|r| ReviewView {
                decision: r.decision.into(),
                reason: r.reason.map(Into::into),
                reason_fr: r.reason.map(|x| x.label_fr().to_owned()),
                reason_en: r.reason.map(|x| x.label_en().to_owned()),
                message: r.message.clone(),
                reviewed_by: r.reviewed_by.0,
                reviewed_at: r.reviewed_at,
            }),
            links: FileLinks {
                download: file_path(order, &f.code, f.id.0),
            },
        }
    }
}

fn file_path(order: Uuid, code: &str, file: Uuid) -> String {
    format!("/orders/{order}/documents/{code}/files/{file}")
}

/// An operator's review of a file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub decision: DecisionView,
    /// The coded reason of a rejection; `null` when accepted.
    #[schema(required = true)]
    pub reason: Option<RejectionReasonView>,
    /// The reason's sentence, in French and English; `null` when accepted.
    #[schema(required = true)]
    pub reason_fr: Option<String>,
    #[schema(required = true)]
    pub reason_en: Option<String>,
    /// The operator's own words to the customer, if any.
    #[schema(required = true)]
    pub message: Option<String>,
    /// The operator who reviewed it.
    pub reviewed_by: Uuid,
    pub reviewed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionView {
    Accepted,
    Rejected,
}

impl From<Decision> for DecisionView {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Accepted => DecisionView::Accepted,
            Decision::Rejected => DecisionView::Rejected,
        }
    }
}

impl From<DecisionView> for Decision {
    fn from(d: DecisionView) -> Self {
        match d {
            DecisionView::Accepted => Decision::Accepted,
            DecisionView::Rejected => Decision::Rejected,
        }
    }
}

/// Why a file was rejected: `illegible`, `expired` (or too old), `name_mismatch` (the
/// document names someone else), `wrong_document`, `incomplete` (pages or signature
/// missing), `other` (say why in `message`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReasonView {
    Illegible,
    Expired,
    NameMismatch,
    WrongDocument,
    Incomplete,
    Other,
}

impl From<RejectionReason> for RejectionReasonView {
    fn from(r: RejectionReason) -> Self {
        match r {
            RejectionReason::Illegible => RejectionReasonView::Illegible,
            RejectionReason::Expired => RejectionReasonView::Expired,
            RejectionReason::NameMismatch => RejectionReasonView::NameMismatch,
            RejectionReason::WrongDocument => RejectionReasonView::WrongDocument,
            RejectionReason::Incomplete => RejectionReasonView::Incomplete,
            RejectionReason::Other => RejectionReasonView::Other,
        }
    }
}

impl From<RejectionReasonView> for RejectionReason {
    fn from(r: RejectionReasonView) -> Self {
        match r {
            RejectionReasonView::Illegible => RejectionReason::Illegible,
            RejectionReasonView::Expired => RejectionReason::Expired,
            RejectionReasonView::NameMismatch => RejectionReason::NameMismatch,
            RejectionReasonView::WrongDocument => RejectionReason::WrongDocument,
            RejectionReasonView::Incomplete => RejectionReason::Incomplete,
            RejectionReasonView::Other => RejectionReason::Other,
        }
    }
}

/// The justificatifs the order will need (a draft: computed now by the rules "Commander"
/// applies; submitted: the frozen list, each with its status and files), so that a frontend
/// shows them before the order is placed and follows them after.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The justificatifs", body = DocumentsPreview),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/documents")]
pub async fn get_documents(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<DocumentsPreview>, ApiError> {
    let id = order_id(&path)?;
    let (documents, slots) = app::documents::overview(&state.app, caller.0, id).await?;
    let entries = |list: &[Justificatif]| {
        list.iter()
            .map(|j| DocumentEntry::new(j, slots.iter().find(|s| s.code == j.code), id.0))
            .collect()
    };
    Ok(web::Json(match documents {
        Documents::Frozen(list) => DocumentsPreview {
            frozen: true,
            documents: entries(&list),
            waiting_for: Vec::new(),
        },
        Documents::Preview(list) => DocumentsPreview {
            frozen: false,
            documents: entries(&list),
            waiting_for: Vec::new(),
        },
        Documents::WaitingFor(steps) => DocumentsPreview {
            frozen: false,
            documents: Vec::new(),
            waiting_for: steps.into_iter().map(StepView::from).collect(),
        },
    }))
}

/// The upload form: one `file` part.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the multipart body; the handler reads the stream itself
pub struct DocumentUpload {
    /// The file: PDF, JPEG or PNG, at most `UPLOAD_MAX_BYTES` (10 MiB by default). Its type
    /// is recognized from its bytes and must agree with the part's `Content-Type` and the
    /// file name's extension.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A file uploaded: its metadata, `Location` its download URL.
pub struct Uploaded(DocumentFileView);

impl Responder for Uploaded {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        HttpResponse::Created()
            .insert_header((header::LOCATION, self.0.links.download.clone()))
            .json(self.0)
    }
}

/// Upload a justificatif's file.
///
/// The order's owner sends each justificatif of a submitted order as `multipart/form-data`
/// with one `file` part: PDF, JPEG or PNG, at most `UPLOAD_MAX_BYTES` (10 MiB by default),
/// its type recognized from its bytes (a file whose declared `Content-Type` or extension says
/// otherwise is refused). The justificatif becomes `uploaded` (awaiting an operator's
/// review). A justificatif takes a file while it is `required` or `rejected`; a new file after
/// a rejection keeps the earlier ones in its history. Nothing is kept of a refused upload.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("code" = String, Path, description = "The justificatif's code (`GET /orders/{id}/documents`)", example = "extrait_kbis"),
    ),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The file, stored; the justificatif is now `uploaded`", body = DocumentFileView,
            headers(("Location" = String, description = "The file's download URL"))),
        (status = 400, description = "A malformed multipart body (`malformed_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may read the order, not change it (`read_only`: an operator)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account (`not_found`), or no such justificatif in it (`document_unknown`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:document_unknown", "title": "Justificatif inconnu", "status": 404,
                "detail": "La commande ne demande pas de justificatif avec ce code (voir GET /orders/{id}/documents).",
                "instance": "/orders/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5e/documents/statuts", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                "code": "document_unknown", "errors": []})),
        (status = 408, description = "The file did not arrive within `UPLOAD_TIMEOUT_SECONDS` (`upload_too_slow`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is not submitted (`order_not_submitted`), the justificatif is already accepted (`document_accepted`) or its file awaits review (`document_under_review`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:document_accepted", "title": "Conflit", "status": 409,
                "detail": "Ce justificatif a déjà été accepté : il ne prend plus de fichier.",
                "instance": "/orders/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5e/documents/extrait_kbis", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                "code": "document_accepted", "errors": []})),
        (status = 413, description = "The file exceeds `UPLOAD_MAX_BYTES` (`file_too_large`, at `/file`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:file_too_large", "title": "Fichier trop volumineux", "status": 413,
                "detail": "Le fichier dépasse 10485760 octets ; rien n'a été enregistré.",
                "instance": "/orders/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5e/documents/extrait_kbis", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                "code": "file_too_large", "errors": [{"pointer": "/file", "code": "file_too_large", "message": "Le fichier dépasse la taille maximale de 10485760 octets."}]})),
        (status = 415, description = "The body is not `multipart/form-data` (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file breaks a rule, at `/file`: `file_missing`, `file_multiple`, `file_empty`, `file_type_not_allowed`, `file_type_mismatch`; another part than `file` (`unknown_field`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:validation_failed", "title": "Données invalides", "status": 422,
                "detail": "1 champ(s) ne respectent pas les règles ; rien n'a été enregistré.",
                "instance": "/orders/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5e/documents/extrait_kbis", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                "code": "validation_failed", "errors": [{"pointer": "/file", "code": "file_type_mismatch", "message": "Le fichier est un PDF, mais son nom se termine par « .png »."}]})),
        (status = 503, description = "Database or file storage unavailable (`service_unavailable`, `storage_unavailable`); nothing was kept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/documents/{code}")]
pub async fn upload_document(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<Uploaded, ApiError> {
    let (raw_id, code) = path.into_inner();
    let id = order_id(&raw_id)?;
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("multipart/form-data"))
        });
    // the order and the slot first: a refused upload is refused before its bytes come
    app::documents::prepare_upload(&state.app, caller.0.clone(), id, code.clone()).await?;
    if !is_multipart {
        return Err(ApiError::NotMultipart);
    }
    let limit = state.settings.upload_max_bytes;
    // at most UPLOAD_CONCURRENCY files in memory at once; the others wait here, unread, and
    // the one whose turn it is has UPLOAD_TIMEOUT_SECONDS to arrive
    let _turn = state
        .uploads
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable { retry_after: 1 })?;
    let mut multipart = Multipart::new(req.headers(), payload.into_inner());
    let deadline = state.settings.upload_timeout;
    let incoming =
        match actix_web::rt::time::timeout(deadline, read_form(&mut multipart, limit)).await {
            Ok(read) => read,
            Err(_) => {
                return Err(ApiError::UploadTooSlow {
                    seconds: deadline.as_secs(),
                })
            }
        };
    if incoming.is_err() {
        // read what the client still sends (bounded), so that it gets the answer rather
        // than a reset connection
        drain(&mut multipart, limit.saturating_add(1024 * 1024)).await;
    }
    let incoming = incoming?;
    let file = app::documents::upload(&state.app, caller.0, id, code, incoming).await?;
    Ok(Uploaded(DocumentFileView::new(&file, id.0)))
}

/// The `file` part of the form, within the limit; any other part is refused.
async fn read_form(multipart: &mut Multipart, limit: u64) -> Result<Incoming, ApiError> {
    let file_issue = |code: Code| {
        ApiError::Validation(vec![FieldIssue::new(
            crate::domain::documents::upload::POINTER,
            code,
            code.fr(),
            code.en(),
        )])
    };
    let mut incoming: Option<Incoming> = None;
    let mut parts = 0;
    while let Some(field) = multipart.next().await {
        let mut field = match field {
            Ok(field) => field,
            // a form with no part at all (`--boundary--`): no file sent
            Err(actix_multipart::MultipartError::Incomplete) if parts == 0 => {
                return Err(file_issue(Code::FileMissing))
            }
            Err(e) => return Err(malformed(e)),
        };
        parts += 1;
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            let pointer = format!("/{}", name.replace('~', "~0").replace('/', "~1"));
            return Err(ApiError::Validation(vec![FieldIssue::new(
                pointer,
                Code::UnknownField,
                "Seule une partie « file » est attendue.",
                "Only a \"file\" part is expected.",
            )]));
        }
        if incoming.is_some() {
            return Err(file_issue(Code::FileMultiple));
        }
        let declared = Declared {
            content_type: field.content_type().map(|m| m.essence_str().to_owned()),
            file_name: field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(str::to_owned),
        };
        let mut received = Received::new(limit);
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            received
                .push(chunk)
                .map_err(|e| ApiError::FileTooLarge { limit: e.limit })?;
        }
        incoming = Some(Incoming { received, declared });
    }
    incoming.ok_or_else(|| file_issue(Code::FileMissing))
}

fn malformed(e: actix_multipart::MultipartError) -> ApiError {
    ApiError::MalformedBody(format!("multipart/form-data: {e}"))
}

/// Reads and drops the rest of the body, at most `budget` bytes.
async fn drain(multipart: &mut Multipart, budget: u64) {
    let mut read = 0u64;
    while let Some(Ok(mut field)) = multipart.next().await {
        while let Some(Ok(chunk)) = field.next().await {
            read += chunk.len() as u64;
            if read > budget {
                return;
            }
        }
    }
}

/// A stored file's bytes, sent as a download (`Content-Disposition: attachment`).
pub struct FileDownload {
    file: DocumentFile,
    bytes: crate::storage::Download,
}

/// The bytes of a justificatif's file.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // only the contract's schema of the download
pub struct FileBytes(Vec<u8>);

impl Responder for FileDownload {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        let name = download_name(&self.file.code, self.file.kind);
        let sha = self.file.sha256.clone();
        let stream = self.bytes.stream.map(|chunk| {
            chunk.map_err(|e| {
                tracing::error!(error = %e, "file storage failed mid-download");
                std::io::Error::other("storage")
            })
        });
        HttpResponse::Ok()
            .content_type(self.file.kind.mime())
            .insert_header(ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(name)],
            })
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .insert_header(("x-content-type-options", "nosniff"))
            .insert_header(("x-checksum-sha256", sha))
            .no_chunking(self.bytes.size)
            .body(BodyStream::new(stream))
    }
}

/// Download a justificatif's file.
///
/// The bytes as uploaded, with the type recognized at upload; for whoever sees the order
/// (its owner) and operators.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("code" = String, Path, description = "The justificatif's code", example = "extrait_kbis"),
        ("file_id" = Uuid, Path, description = "The file's id"),
    ),
    responses(
        (status = 200, description = "The file's bytes", content(
            (FileBytes = "application/pdf"), (FileBytes = "image/jpeg"), (FileBytes = "image/png")),
            headers(
                ("Content-Disposition" = String, description = "attachment; filename=\"extrait_kbis.pdf\" (the justificatif's code, never the uploaded name)"),
                ("x-checksum-sha256" = String, description = "The SHA-256 recorded at upload, lowercase hex"),
            )),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account, or no such file in it", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database or file storage unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/documents/{code}/files/{file_id}")]
pub async fn download_document_file(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String, String)>,
) -> Result<FileDownload, ApiError> {
    let (raw_id, code, raw_file) = path.into_inner();
    let id = order_id(&raw_id)?;
    let file_id = Uuid::parse_str(&raw_file)
        .map(FileId)
        .map_err(|_| ApiError::NotFound)?;
    let (file, bytes) = app::documents::download(&state.app, caller.0, id, code, file_id).await?;
    Ok(FileDownload { file, bytes })
}

/// An operator's review of the file awaiting it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "rejected", "reason": "expired", "message": "L'extrait Kbis doit dater de moins de 3 mois."}))]
pub struct ReviewRequest {
    pub decision: DecisionView,
    /// Required with `rejected`, refused with `accepted`.
    #[serde(default)]
    pub reason: Option<RejectionReasonView>,
    /// Free text for the customer (at most 1000 characters).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub message: Option<String>,
}

/// A justificatif after a review: its status and files (newest first).
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentSlotView {
    pub code: String,
    pub status: SlotStatusView,
    pub files: Vec<DocumentFileView>,
}

/// Review a justificatif (operators).
///
/// Accepts or rejects the file awaiting review. A rejection gives a coded `reason` (whose
/// French and English sentence the customer sees) and may add a `message`; the customer may
/// then upload a new file. Who and when are recorded.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("code" = String, Path, description = "The justificatif's code", example = "extrait_kbis"),
    ),
    request_body(content = ReviewRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The justificatif, now `accepted` or `rejected`", body = DocumentSlotView),
        (status = 400, description = "Malformed JSON (`malformed_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator (`operator_only`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:operator_only", "title": "Réservé aux opérateurs", "status": 403,
                "detail": "Seul un opérateur de l'autorité peut examiner les justificatifs.",
                "instance": "/orders/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5e/documents/extrait_kbis/review", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                "code": "operator_only", "errors": []})),
        (status = 404, description = "No such order (`not_found`) or justificatif (`document_unknown`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No file awaits review (`document_not_uploaded`), or the order is not submitted (`order_not_submitted`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:document_not_uploaded", "title": "Conflit", "status": 409,
                "detail": "Aucun fichier de ce justificatif n'attend d'examen.",
                "instance": "/orders/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5e/documents/extrait_kbis/review", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                "code": "document_not_uploaded", "errors": []})),
        (status = 413, description = "Body over the limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rule broken: `/reason` `required` (a rejection without reason) or `review_reason_unexpected`, `/message` `too_long` or `not_printable`; an unknown field or value", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:validation_failed", "title": "Données invalides", "status": 422,
                "detail": "1 champ(s) ne respectent pas les règles ; rien n'a été enregistré.",
                "instance": "/orders/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5e/documents/extrait_kbis/review", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                "code": "validation_failed", "errors": [{"pointer": "/reason", "code": "required", "message": "Un refus doit donner son motif (reason)."}]})),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/documents/{code}/review")]
pub async fn review_document(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: ValidJson<ReviewRequest>,
) -> Result<web::Json<DocumentSlotView>, ApiError> {
    let (raw_id, code) = path.into_inner();
    let id = order_id(&raw_id)?;
    let ReviewRequest {
        decision,
        reason,
        message,
    } = body.0;
    let input = ReviewInput::parse(decision.into(), reason.map(Into::into), message)
        .map_err(ApiError::Validation)?;
    let slot = app::documents::review(&state.app, caller.0, id, code, input).await?;
    Ok(web::Json(DocumentSlotView {
        status: slot.status.into(),
        files: slot
            .files
            .iter()
            .map(|f| DocumentFileView::new(f, id.0))
            .collect(),
        code: slot.code,
    }))
}
