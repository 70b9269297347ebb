//! The wizard's steps (`PATCH /orders/{id}`) and "Commander" (`POST /orders/{id}/commander`).

use actix_web::http::header;
use actix_web::{patch, post, web, HttpRequest};
use chrono::Utc;

use crate::domain::order::submission::submit;
use crate::domain::order::OrderStatus;
use crate::http::auth::Authenticated;
use crate::http::handlers::orders::{
    apply_changes, check_can_edit, lock_for_change, not_a_draft, order_id,
};
use crate::http::idempotency::{self, IdempotencyKey};
use crate::http::json::{RawBody, ValidJson};
use crate::http::problem::{ApiError, Problem};
use crate::http::steps::OrderPatch;
use crate::http::views::{if_match, OrderReply, OrderResponse};
use crate::http::{AcceptLanguage, AppState};
use crate::persistence::{accounts, orders, outbox};

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
        (status = 403, description = "An operator may read, not change, another account's order", body = Problem, content_type = "application/problem+json"),
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
    let caller = caller.0;
    let expected = if_match(req.headers().get(header::IF_MATCH))?;
    let changes = body.0.into_changes();
    let client_address = req.peer_addr().map(|a| a.ip().to_string());
    let st = state.clone();
    let order = state
        .db
        .transaction(move |conn| -> Result<_, ApiError> {
            let order = lock_for_change(conn, id, &caller, expected.as_ref())?;
            apply_changes(conn, &order, changes, &caller, &st, client_address)
        })
        .await?;
    Ok(OrderReply::ok(OrderResponse::build(&order, &state, lang.0)))
}

/// "Commander": submit the order.
///
/// On an incomplete order: 422 listing every missing step (`step_missing`) and every invalid
/// one, each with a pointer. On a complete one, in one transaction: the order becomes
/// `submitted`, its price, catalogue entry and justificatifs are frozen, and the e-mail with
/// the PDF form is queued. Called again, it submits nothing more and answers the same; with
/// `Idempotency-Key`, a retry replays the first answer, and another key on a submitted order
/// gets 409.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id"), IdempotencyKey),
    responses(
        (status = 200, description = "Submitted (or already submitted by this same call)", body = OrderResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An operator may read, not submit, another account's order", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Cancelled, or already submitted by another request", body = Problem, content_type = "application/problem+json"),
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
    body: RawBody,
) -> Result<OrderReply, ApiError> {
    let id = order_id(&path)?;
    let caller = caller.0;
    let st = state.clone();
    let lang = lang.0;
    let reply = state
        .db
        .transaction(move |conn| -> Result<OrderReply, ApiError> {
            let hash = idempotency::request_hash(&format!("commander:{}", id.0), &body.0);
            if let Some(replayed) = idempotency::replay(conn, &caller, "commander", &key, &hash)? {
                return Ok(replayed);
            }
            let order = orders::lock_visible(conn, id, &caller)?;
            check_can_edit(&caller, &order)?;
            let submitted = match order.status {
                OrderStatus::Submitted if key.key.is_some() => {
                    return Err(ApiError::conflict(
                        "order_already_submitted",
                        "La commande a déjà été passée par une autre requête.",
                        "The order was already submitted by another request.",
                    ))
                }
                OrderStatus::Submitted => order,
                OrderStatus::Cancelled => return Err(not_a_draft(order.status)),
                OrderStatus::Draft => {
                    let account = accounts::find_by_id(conn, order.account_id)?;
                    let (next, _) =
                        submit(&order, &account, &st.catalog, &st.justificatifs, Utc::now())
                            .map_err(ApiError::Incomplete)?;
                    let saved = orders::save(conn, &next)?;
                    // The e-mail with the form is queued in the same transaction.
                    outbox::enqueue(conn, saved.id, &account.email)?;
                    tracing::info!(order = %saved.id.0, number = %saved.number, "order submitted");
                    saved
                }
            };
            let notification = outbox::notification(conn, submitted.id)?;
            let reply = OrderReply::ok(
                OrderResponse::build(&submitted, &st, lang)
                    .with_notification(notification.as_ref()),
            );
            idempotency::remember(conn, &caller, "commander", &key, &hash, &reply)?;
            Ok(reply)
        })
        .await?;
    Ok(reply)
}
