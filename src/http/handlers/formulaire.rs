//! The PDF form ("formulaire de demande de certificat") of a submitted order: the same
//! document the order e-mail carries, rendered again from the data `commander` froze.

use actix_web::body::BoxBody;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{get, web, HttpRequest, HttpResponse, Responder};

use crate::app;
use crate::http::auth::Authenticated;
use crate::http::handlers::orders::order_id;
use crate::http::problem::{ApiError, Problem};
use crate::http::AppState;
use crate::render::formulaire::render_pdf;
use crate::render::mail::pdf_file_name;

/// A PDF document, sent as a download (`Content-Disposition: attachment`).
#[derive(Debug)]
pub struct PdfFile {
    pub file_name: String,
    pub bytes: PdfBytes,
}

/// The bytes of a PDF document.
#[derive(Debug, utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfBytes(pub Vec<u8>);

impl Responder for PdfFile {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header(ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(self.file_name)],
            })
            .insert_header((header::CACHE_CONTROL, "private, no-cache"))
            .body(self.bytes.0)
    }
}

/// Download the order's PDF form.
///
/// The form to print, sign, stamp and send back with the justificatifs; the same document
/// as the one attached to the order e-mail. Only for a submitted order (409 otherwise).
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The PDF form", content_type = "application/pdf", body = PdfBytes,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"formulaire-CMD-….pdf\""))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is not submitted (`order_not_submitted`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable, or every PDF render slot busy (retry after `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/formulaire.pdf")]
pub async fn get_formulaire_pdf(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<PdfFile, ApiError> {
    let id = order_id(&path)?;
    let data = app::orders::formulaire(&state.app, caller.0, id).await?;
    let number = data.order_number.clone();
    let file_name = pdf_file_name(&data.order_number);
    // Rendering takes a few milliseconds of CPU: off the request thread, on a bounded pool.
    let bytes = state
        .renders
        .run(move || render_pdf(&data))
        .await
        .map_err(|_| ApiError::Unavailable { retry_after: 1 })?
        .map_err(|e| {
            tracing::error!(order = %number, error = %e, "PDF rendering failed");
            ApiError::Internal
        })?;
    Ok(PdfFile {
        file_name,
        bytes: PdfBytes(bytes),
    })
}
