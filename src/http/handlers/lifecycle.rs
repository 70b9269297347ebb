//! The life after "Commander" (SPEC §8): the order's requirements and next action, the
//! operators' decisions (payment, approval, rejection, certificate, revocation), the
//! customer's (cancel, accept, refuse, revocation), the certificate and the timeline.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app;
use crate::app::lifecycle::CertificateFormat;
use crate::domain::shared::issue::{Code, FieldIssue};
use crate::http::auth::Authenticated;
use crate::http::handlers::orders::order_id;
use crate::http::json::ValidJson;
use crate::http::life_views::{
    AttachCertificateRequest, OrderLifeResponse, PaymentReceivedRequest, RefuseRequest,
    RejectRequest, RevocationRequest, TimelineItemView, TimelineResponse,
};
use crate::http::problem::{ApiError, Problem};
use crate::http::AppState;

fn life(outcome: &app::lifecycle::LifeOutcome) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", outcome.order.version)))
        .json(OrderLifeResponse::from(outcome))
}

fn text_limit(value: &Option<String>, pointer: &str, max: usize) -> Result<(), ApiError> {
    match value {
        Some(v) if v.chars().count() > max => Err(ApiError::Validation(vec![FieldIssue::new(
            pointer,
            Code::TooLong,
            format!("{max} caractères au plus."),
            format!("At most {max} characters."),
        )])),
        _ => Ok(()),
    }
}

/// The order's life: requirements, next action, decisions.
///
/// For every order: `next_action` says who must do what now (a draft: complete the steps or
/// "Commander"; submitted: upload documents, pay, operator review, approval; issued: accept
/// the certificate before `due`…). Submitted and validated orders list each requirement with
/// its status.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order's life", body = OrderLifeResponse, headers(("ETag" = String, description = "The order's version"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/life")]
pub async fn get_life(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    Ok(life(&app::lifecycle::get(&state.app, caller.0, id).await?))
}

/// Record the payment as received (operators).
///
/// With the transfer's, cheque's or purchase order's reference. Once per order; only while
/// it is `submitted`.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body(content = PaymentReceivedRequest, example = json!({"reference": "VIR-2026-12-0042"})),
    responses(
        (status = 200, description = "Payment recorded", body = OrderLifeResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator (`operator_only`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted (`transition_not_allowed`) or already recorded (`payment_already_recorded`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reference missing, empty or too long", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/payment")]
pub async fn record_payment(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ValidJson<PaymentReceivedRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let reference = body.0.reference.trim().to_owned();
    if reference.is_empty() || reference.chars().count() > 100 {
        return Err(ApiError::Validation(vec![FieldIssue::new(
            "/reference",
            if reference.is_empty() {
                Code::Required
            } else {
                Code::TooLong
            },
            "La référence du paiement fait de 1 à 100 caractères.",
            "The payment reference is 1 to 100 characters long.",
        )]));
    }
    let outcome = app::lifecycle::record_payment(&state.app, caller.0, id, reference).await?;
    tracing::info!(order = %id.0, "payment recorded");
    Ok(life(&outcome))
}

/// Approve the order (operators): `validated`.
///
/// Only once every requirement is met (each justificatif accepted, payment received, domain
/// control valid); otherwise 409 `requirements_unmet` naming them. In the sandbox the
/// certificate is issued at once (the answer then shows `issued` or `active`).
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Approved (and, in the sandbox, issued)", body = OrderLifeResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted, or requirements unmet", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let outcome = app::lifecycle::approve(&state.app, caller.0, id).await?;
    tracing::info!(order = %id.0, status = outcome.order.status.as_str(), "order approved");
    Ok(life(&outcome))
}

/// Reject the order (operators): `rejected`, with a coded reason and a message.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body(content = RejectRequest, example = json!({"reason": "documents_invalid", "message": "L'extrait Kbis a plus de trois mois."})),
    responses(
        (status = 200, description = "Rejected", body = OrderLifeResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Neither submitted nor validated", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown reason, or message too long", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ValidJson<RejectRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let RejectRequest { reason, message } = body.0;
    text_limit(&message, "/message", 1000)?;
    let outcome = app::lifecycle::reject(&state.app, caller.0, id, reason.into(), message).await?;
    tracing::info!(order = %id.0, "order rejected");
    Ok(life(&outcome))
}

/// Attach the certificate the CA issued (operators, manual issuance): `issued`.
///
/// Refused (422 on `/chain_pem`) unless the leaf's public key is the order's CSR key, its
/// SANs are exactly the order's names, its EKU is serverAuth, its validity is within the
/// Baseline Requirements' maximum for its notBefore, and the chain verifies to a configured
/// trust anchor.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body(content = AttachCertificateRequest),
    responses(
        (status = 200, description = "Certificate attached", body = OrderLifeResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not validated", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The chain does not match the order or is not trusted (each rule on `/chain_pem`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/certificate")]
pub async fn attach_certificate(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ValidJson<AttachCertificateRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let chain_pem = body.0.chain_pem;
    if chain_pem.trim().is_empty() {
        return Err(ApiError::Validation(vec![FieldIssue::new(
            "/chain_pem",
            Code::Required,
            "Collez la chaîne PEM émise par l'autorité.",
            "Paste the PEM chain the authority issued.",
        )]));
    }
    text_limit(&Some(chain_pem.clone()), "/chain_pem", 10_000)?;
    let outcome = app::lifecycle::attach_certificate(&state.app, caller.0, id, chain_pem).await?;
    tracing::info!(order = %id.0, "certificate attached");
    Ok(life(&outcome))
}

/// Cancel a submitted or validated order (before issuance).
///
/// The order becomes `cancelled`; `cancellation` records whether a refund is due under the
/// catalogue's window (paid, and within `refund_window_days` of "Commander"). The service
/// records the refund; the authority pays it. A draft is cancelled with `DELETE /orders/{id}`.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Cancelled", body = OrderLifeResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed by the rights matrix (`read_only`: an operator, a partner the order only names)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted or validated (a draft, or already issued)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let outcome = app::lifecycle::cancel(&state.app, caller.0, id).await?;
    tracing::info!(order = %id.0, "submitted order cancelled");
    Ok(life(&outcome))
}

/// Accept the issued certificate: `active`.
///
/// After checking its contents (`GET /orders/{id}/certificate`). Before the deadline
/// (`acceptance.deadline`, SSL RGS*: 8 French business days); after it, 409
/// `acceptance_deadline_passed`.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Accepted", body = OrderLifeResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The owner only (`read_only`; `subscriber_only` for the partner preparing its client's order)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not issued, deadline passed, or revocation requested", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let outcome = app::lifecycle::accept(&state.app, caller.0, id).await?;
    tracing::info!(order = %id.0, "certificate accepted");
    Ok(life(&outcome))
}

/// Refuse the issued certificate: its revocation is requested.
///
/// In the sandbox it is revoked at once (`revoked`); otherwise an operator records the
/// revocation the CA made, within the Baseline Requirements' 24 hours (`revocation.target`).
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body(content = RefuseRequest, example = json!({"message": "Le nom www manque."})),
    responses(
        (status = 200, description = "Refused; revocation requested or done", body = OrderLifeResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The owner only (`read_only`; `subscriber_only` for the partner preparing its client's order)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not issued, or revocation already requested", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Message too long", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/refuse")]
pub async fn refuse(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ValidJson<RefuseRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let message = body.0.message;
    text_limit(&message, "/message", 1000)?;
    let outcome = app::lifecycle::refuse(&state.app, caller.0, id, message).await?;
    tracing::info!(order = %id.0, status = outcome.order.status.as_str(), "certificate refused");
    Ok(life(&outcome))
}

/// Ask for the certificate's revocation, with an RFC 5280 reason.
///
/// `unspecified`, `key_compromise`, `affiliation_changed`, `superseded` or
/// `cessation_of_operation` (`privilege_withdrawn` is the authority's own: 422). Done at once in
/// the sandbox; otherwise recorded by an operator within 24 hours (`revocation.target`).
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body(content = RevocationRequest, example = json!({"reason": "key_compromise"})),
    responses(
        (status = 200, description = "Revocation requested or done", body = OrderLifeResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed by the rights matrix (`read_only`: an operator, a partner the order only names)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No certificate to revoke, or already requested", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown reason, or one reserved to the authority", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/revocation")]
pub async fn request_revocation(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ValidJson<RevocationRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let outcome =
        app::lifecycle::request_revocation(&state.app, caller.0, id, body.0.reason.into()).await?;
    tracing::info!(order = %id.0, "revocation requested");
    Ok(life(&outcome))
}

/// Record that the CA revoked the certificate (operators): `revoked`.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Revoked", body = OrderLifeResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No revocation requested, or nothing to revoke", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/revoked")]
pub async fn record_revocation(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let outcome = app::lifecycle::record_revocation(&state.app, caller.0, id).await?;
    tracing::info!(order = %id.0, "revocation recorded");
    Ok(life(&outcome))
}

/// The order's timeline: every event, oldest first, with who did it.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The events", body = TimelineResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/timeline")]
pub async fn timeline(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<TimelineResponse>, ApiError> {
    let id = order_id(&path)?;
    let items = app::lifecycle::timeline(&state.app, caller.0, id).await?;
    Ok(web::Json(TimelineResponse {
        order_id: id.0,
        items: items.into_iter().map(TimelineItemView::from).collect(),
    }))
}

/// The operators' work queue.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ReviewQueueResponse {
    /// Oldest submission first; each with its `next_action` (for an operator).
    pub items: Vec<OrderLifeResponse>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReviewQueueQuery {
    /// At most this many orders (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "crate::http::query::decimal")]
    pub limit: Option<i64>,
}

/// The orders waiting for an operator (operators).
///
/// Documents uploaded and not reviewed, orders whose requirements are all met (to approve),
/// validated orders waiting for their certificate (manual issuance), revocations asked for and
/// not recorded. Oldest submission first.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(ReviewQueueQuery),
    responses(
        (status = 200, description = "The queue", body = ReviewQueueResponse),
        (status = 400, description = "Invalid limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an operator", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/review-queue")]
pub async fn review_queue(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ReviewQueueQuery>,
) -> Result<web::Json<ReviewQueueResponse>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::InvalidQuery(
            "limit: between 1 and 200".to_owned(),
        ));
    }
    let items = app::lifecycle::review_queue(&state.app, caller.0, limit).await?;
    Ok(web::Json(ReviewQueueResponse {
        items: items.iter().map(OrderLifeResponse::from).collect(),
    }))
}

/// How `GET /orders/{id}/certificate` answers.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateFormatParam {
    /// The certificate's contents (subject, SANs, validity, key fingerprint) and its PEM chain.
    Json,
    /// The leaf, PEM (`application/x-pem-file`).
    Pem,
    /// Leaf then intermediates, PEM (`application/pem-certificate-chain`).
    Chain,
    /// PKCS#7 certs-only, DER (`application/pkcs7-mime`).
    Pkcs7,
    /// The leaf, DER (`application/pkix-cert`).
    Der,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateQuery {
    /// The format; without it, the `Accept` header chooses (default `json`).
    #[param(inline)]
    pub format: Option<CertificateFormatParam>,
}

/// The certificate's contents (subject, SANs, validity, key fingerprint) and its PEM chain.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CertificateResponse {
    pub id: uuid::Uuid,
    pub order_id: uuid::Uuid,
    pub serial: String,
    /// `sandbox` (the local test CA: not trusted) or `manual` (the CA's chain).
    pub source: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// What the certificate says: subject, issuer, dNSNames, notBefore/notAfter, the SHA-256
    /// of its public key (the CSR's) and of the certificate.
    #[schema(value_type = Object)]
    pub contents: serde_json::Value,
    /// Leaf then intermediates, PEM.
    pub chain_pem: String,
}

/// The order's certificate: its contents (JSON), or the file in PEM, PEM chain, PKCS#7 or DER.
///
/// `format` chooses (`json`, `pem`, `chain`, `pkcs7`, `der`); without it, `Accept` does
/// (`application/json`, `application/x-pem-file`, `application/pem-certificate-chain`,
/// `application/pkcs7-mime`, `application/pkix-cert`), JSON by default. Each file is what
/// `openssl x509`, `openssl verify` and `openssl pkcs7 -inform DER` read.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id"), CertificateQuery),
    responses(
        (status = 200, description = "The certificate", content(
            (CertificateResponse = "application/json"),
            (String = "application/x-pem-file"),
            (String = "application/pem-certificate-chain"),
            (Vec<u8> = "application/pkcs7-mime"),
            (Vec<u8> = "application/pkix-cert"),
        )),
        (status = 400, description = "Unknown format", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "None of the media types in Accept is available", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No certificate yet (`no_certificate`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/certificate")]
pub async fn get_certificate(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    query: web::Query<CertificateQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    // `None`: the JSON view
    let format = match query.format {
        Some(f) => f.file(),
        None => format_from_accept(&req)?,
    };
    let file = app::lifecycle::certificate(&state.app, caller.0, id).await?;
    let response = match format {
        None => HttpResponse::Ok().json(CertificateResponse {
            id: file.id,
            order_id: id.0,
            serial: file.serial.clone(),
            source: file.source.clone(),
            issued_at: file.issued_at,
            contents: file.summary.clone(),
            chain_pem: file.chain_pem.clone(),
        }),
        Some(other) => {
            let (content_type, bytes) = app::lifecycle::encode(&file, other)?;
            HttpResponse::Ok()
                .content_type(content_type)
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}.{}\"",
                        file.serial,
                        other.extension()
                    ),
                ))
                .body(bytes)
        }
    };
    Ok(response)
}

impl CertificateFormatParam {
    /// The file asked for; `None` for the JSON view.
    fn file(self) -> Option<CertificateFormat> {
        match self {
            Self::Json => None,
            Self::Pem => Some(CertificateFormat::PemLeaf),
            Self::Chain => Some(CertificateFormat::PemChain),
            Self::Pkcs7 => Some(CertificateFormat::Pkcs7),
            Self::Der => Some(CertificateFormat::DerLeaf),
        }
    }
}

/// What `Accept` asks for: a certificate file when it names one of their media types (the
/// one with the highest `q`, parsed by the formats themselves), the JSON view when it names
/// JSON or anything (`*/*`) or says nothing; 406 otherwise.
fn format_from_accept(req: &HttpRequest) -> Result<Option<CertificateFormat>, ApiError> {
    let Some(accepted) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let items = || accepted.split(',');
    if items().any(|i| CertificateFormat::from_media_type(i).is_some()) {
        return CertificateFormat::from_accept(accepted)
            .map(Some)
            .ok_or(ApiError::NotAcceptable);
    }
    let essence = |i: &str| {
        i.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    if items().any(|i| {
        matches!(
            essence(i).as_str(),
            "application/json" | "*/*" | "application/*"
        )
    }) {
        Ok(None)
    } else {
        Err(ApiError::NotAcceptable)
    }
}
