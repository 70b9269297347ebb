//! The wizard's steps (`PATCH /orders/{id}`) and "Commander" (`POST /orders/{id}/commander`).

use actix_web::{patch, post, web, HttpRequest};

use crate::app;
use crate::http::auth::Authenticated;
use crate::http::handlers::orders::order_id;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::{RawBody, ValidJson};
use crate::http::problem::{ApiError, Problem};
use crate::http::steps::OrderPatch;
use crate::http::views::{if_match, OrderReply, OrderResponse};
use crate::http::{AcceptLanguage, AppState};

/// Answer steps of the wizard.
///
/// Any subset of steps, in any order, until `commander`. Each field carried is validated
/// (all problems reported at once, each with a pointer and a code) and stored; the answer is
/// the whole order with its new `missing`, `invalid`, `ready` and price. `null` clears a
/// step. A step that another change makes invalid (a duration the new authority does not
/// offer) is listed in `invalid`, not silently kept. Honours `If-Match`; concurrent PATCHes
/// are serialized, none is lost.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the order changed since"),
    ),
    request_body = OrderPatch,
    responses(
        (status = 200, description = "Steps stored", body = OrderResponse, headers(("ETag" = String, description = "The order's new version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed by the rights matrix (`read_only`: an operator, a partner the order only names); the CGU by a partner preparing its client's order (`subscriber_only`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is no longer a draft", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule: nothing was saved", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/orders/{id}")]
pub async fn patch_order(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    req: HttpRequest,
    lang: AcceptLanguage,
    body: ValidJson<OrderPatch>,
) -> Result<OrderReply, ApiError> {
    let id = order_id(&path)?;
    let expected = if_match(&req);
    let changes = body.0.into_changes();
    let client_address = req.peer_addr().map(|a| a.ip().to_string());
    let caller = caller.0;
    let order = app::orders::patch(
        &state.app,
        caller.clone(),
        id,
        expected,
        changes,
        client_address,
    )
    .await?;
    Ok(OrderReply::ok(&order, &caller, None, &state, lang.0))
}

/// "Commander": submit the order.
///
/// On an incomplete order: 422 listing every missing step (`step_missing`) and every invalid
/// one, each with a pointer. On a complete one, in one transaction: the order becomes
/// `submitted`, its price, catalogue entry and justificatifs are frozen, and the e-mail with
/// the PDF form is queued. Called again, it submits nothing more and answers the same; with
/// `Idempotency-Key`, a retry replays the first answer, and another key on a submitted order
/// gets 409 `order_already_submitted` (the order is submitted: read it with `GET`). With
/// `If-Match`, the order is submitted only if it is still the version the customer reviewed.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the order the customer reviewed (its price, names, steps): 412 if it changed since, so that a frontend submits exactly what it showed"),
        IdempotencyKey,
    ),
    responses(
        (status = 200, description = "Submitted (or already submitted by this same call)", body = OrderResponse,
            headers(("ETag" = String, description = "The order's version"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed by the rights matrix (`read_only`: an operator, a partner the order only names)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled, or already submitted by another request", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match: the order changed since the customer reviewed it; the current ETag is in the ETag header", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Incomplete: every missing or invalid step is listed", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/commander")]
pub async fn commander_order(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    key: IdempotencyKey,
    lang: AcceptLanguage,
    req: HttpRequest,
    body: RawBody,
) -> Result<OrderReply, ApiError> {
    let id = order_id(&path)?;
    let expected = if_match(&req);
    let idem = key.with_body(&format!("commander:{}", id.0), &body.0);
    let caller = caller.0;
    let outcome = app::orders::commander(&state.app, caller.clone(), id, expected, idem).await?;
    Ok(OrderReply::from_outcome(&outcome, &caller, &state, lang.0))
}
