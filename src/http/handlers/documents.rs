//! The justificatifs an order will need, previewed on a draft by the same rules as at
//! "Commander" (`domain::documents::justificatifs`), frozen once it is submitted.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::{self, orders::Documents};
use crate::domain::documents::justificatifs::Justificatif;
use crate::http::auth::Authenticated;
use crate::http::handlers::orders::order_id;
use crate::http::problem::{ApiError, Problem};
use crate::http::views::{DocumentView, StepView};
use crate::http::AppState;

/// The justificatifs of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentsPreview {
    /// `true` once the order is submitted: the list is the one frozen at "Commander".
    /// `false` on a draft: the list "Commander" would give now.
    pub frozen: bool,
    /// The documents to send back with the signed form (empty while `waiting_for` is not).
    pub documents: Vec<DocumentView>,
    /// The steps still unanswered on which the list depends (`authority`, `holder`,
    /// `payment`); empty when the list is known.
    pub waiting_for: Vec<StepView>,
}

/// The justificatifs the order will need (a draft: computed now by the rules "Commander"
/// applies; submitted: the frozen list), so that a frontend shows them before the order is
/// placed.
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
    let view = |list: &[Justificatif]| list.iter().map(DocumentView::from).collect();
    Ok(web::Json(
        match app::orders::documents(&state.app, caller.0, id).await? {
            Documents::Frozen(list) => DocumentsPreview {
                frozen: true,
                documents: view(&list),
                waiting_for: Vec::new(),
            },
            Documents::Preview(list) => DocumentsPreview {
                frozen: false,
                documents: view(&list),
                waiting_for: Vec::new(),
            },
            Documents::WaitingFor(steps) => DocumentsPreview {
                frozen: false,
                documents: Vec::new(),
                waiting_for: steps.into_iter().map(StepView::from).collect(),
            },
        },
    ))
}
