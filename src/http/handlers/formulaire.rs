//! The PDF form ("formulaire de demande de certificat") of a submitted order: the same
//! document the order e-mail carries, rendered again from the data `commander` froze.

use actix_web::body::BoxBody;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{get, web, HttpRequest, HttpResponse, Responder};

use crate::domain::order::OrderStatus;
use crate::http::auth::Authenticated;
use crate::http::handlers::orders::order_id;
use crate::http::problem::{ApiError, Problem};
use crate::http::AppState;
use crate::persistence::orders;
use crate::render::formulaire::{render_pdf, FormulaireData};
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
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/formulaire.pdf")]
pub async fn get_formulaire_pdf(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<PdfFile, ApiError> {
    let id = order_id(&path)?;
    let caller = caller.0;
    let order = state
        .db
        .run(move |conn| orders::find_visible(conn, id, &caller))
        .await
        .map_err(ApiError::from)?;
    let submitted = match (order.status, order.submitted) {
        (OrderStatus::Submitted, Some(submitted)) => submitted,
        (status, _) => return Err(not_submitted(status)),
    };
    let data = FormulaireData::from_submitted(&submitted).map_err(|e| {
        tracing::error!(order = %order.id.0, error = %e, "submitted order without readable form data");
        ApiError::Internal
    })?;
    let file_name = pdf_file_name(&data.order_number);
    // Rendering takes a few milliseconds of CPU: off the request thread.
    let bytes = actix_web::rt::task::spawn_blocking(move || render_pdf(&data))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "PDF rendering task failed");
            ApiError::Internal
        })?
        .map_err(|e| {
            tracing::error!(order = %order.id.0, error = %e, "PDF rendering failed");
            ApiError::Internal
        })?;
    Ok(PdfFile {
        file_name,
        bytes: PdfBytes(bytes),
    })
}

fn not_submitted(status: OrderStatus) -> ApiError {
    let (fr, en) = match status {
        OrderStatus::Cancelled => ("annulée", "cancelled"),
        _ => ("encore un brouillon", "still a draft"),
    };
    ApiError::conflict(
        "order_not_submitted",
        format!("La commande est {fr} : son formulaire n'existe qu'une fois la commande passée."),
        format!("The order is {en}: its form exists only once the order is submitted."),
    )
}
