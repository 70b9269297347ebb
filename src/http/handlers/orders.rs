//! Orders: create a draft ("Nouvelle commande", step 4), list, read, cancel.

use actix_web::{delete, get, post, web, HttpRequest};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::{self, orders::Expected};
use crate::domain::account::AccountId;
use crate::domain::order::{OrderId, OrderStatus};
use crate::http::auth::Authenticated;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::{parse_optional_json, RawBody};
use crate::http::problem::{ApiError, Problem};
use crate::http::steps::OrderPatch;
use crate::http::views::{
    if_match, if_none_match, OrderList, OrderReply, OrderResponse, OrderStatusView,
};
use crate::http::{AcceptLanguage, AppState};

/// Orders are UUIDs; anything else in the path is simply not an order.
pub fn order_id(raw: &str) -> Result<OrderId, ApiError> {
    Uuid::parse_str(raw)
        .map(OrderId)
        .map_err(|_| ApiError::NotFound)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CreateOrderQuery {
    /// A partner's order for one of its active clients (`client_account_id` from
    /// `GET /clients`): the client owns it, sees it, gets its e-mails and accepts its CGU;
    /// the partner prepares it (the rights matrix's "partner, a client's order").
    pub on_behalf_of: Option<Uuid>,
}

/// Create a draft order ("Nouvelle commande").
///
/// Without a body the draft starts with every step unanswered (see `missing`); a body may
/// answer steps at once (the same fields as `PATCH`, but the CGU when `on_behalf_of` is
/// given: the client accepts them). A partner's order carries its partner code, fixed. With
/// `Idempotency-Key`, a retry with the same body replays the first answer; the same key
/// with another body is refused.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(IdempotencyKey, CreateOrderQuery),
    request_body(content = Option<OrderPatch>, description = "Optional: steps to answer at once"),
    responses(
        (status = 201, description = "Draft created", body = OrderResponse,
            headers(("Location" = String, description = "The order's URL"), ("ETag" = String, description = "The order's version"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`on_behalf_of` with the CGU in the body: `subscriber_only` (the client accepts them)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A step breaks a rule (nothing created), Idempotency-Key reused for another body, or `on_behalf_of` not one of the partner's active clients (`client_not_linked`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders")]
pub async fn create_order(
    state: web::Data<AppState>,
    caller: Authenticated,
    key: IdempotencyKey,
    lang: AcceptLanguage,
    req: HttpRequest,
    query: web::Query<CreateOrderQuery>,
    body: RawBody,
) -> Result<OrderReply, ApiError> {
    let changes = parse_optional_json::<OrderPatch>(&body.0)?.map(OrderPatch::into_changes);
    let client_address = req.peer_addr().map(|a| a.ip().to_string());
    let on_behalf_of = query.into_inner().on_behalf_of.map(AccountId);
    let scope = on_behalf_of.map(|a| a.0.to_string()).unwrap_or_default();
    let idem = key.with_body(&scope, &body.0);
    let caller = caller.0;
    let outcome = app::orders::create(
        &state.app,
        caller.clone(),
        on_behalf_of,
        changes,
        client_address,
        idem,
    )
    .await?;
    tracing::info!(order = %outcome.order.id.0, replayed = outcome.replayed, "draft created");
    Ok(OrderReply::from_outcome(&outcome, &caller, &state, lang.0))
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOrdersQuery {
    /// Only orders in this status.
    pub status: Option<OrderStatusView>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, deserialize_with = "crate::http::query::decimal")]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List the caller's orders, newest first.
///
/// Keyset pagination: pass the previous page's `next_cursor` as `cursor`. A customer sees
/// its own orders; a partner also those naming its code; an operator sees all.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(ListOrdersQuery),
    responses(
        (status = 200, description = "A page of orders", body = OrderList),
        (status = 400, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders")]
pub async fn list_orders(
    state: web::Data<AppState>,
    caller: Authenticated,
    lang: AcceptLanguage,
    query: web::Query<ListOrdersQuery>,
) -> Result<web::Json<OrderList>, ApiError> {
    let caller = caller.0;
    let query = query.into_inner();
    let limit = query.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::InvalidQuery(
            "limit must be between 1 and 100".into(),
        ));
    }
    let after = query
        .cursor
        .as_deref()
        .map(|c| {
            Uuid::parse_str(c)
                .map_err(|_| ApiError::InvalidQuery("cursor is not a cursor of this list".into()))
        })
        .transpose()?;
    let status = query.status.map(OrderStatus::from);
    let page = app::orders::list(&state.app, caller.clone(), status, after, limit + 1).await?;
    Ok(web::Json(OrderList::page(
        page,
        &caller,
        limit as usize,
        &state,
        lang.0,
    )))
}

/// Read one order, with its readiness (`missing`, `ready`) and live price; once submitted,
/// the state of its e-mail (`notification`). With `If-None-Match` naming the current ETag,
/// 304 and no body.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag last read: 304 (no body) while the order is unchanged"),
    ),
    responses(
        (status = 200, description = "The order", body = OrderResponse, headers(("ETag" = String, description = "The order's version"))),
        (status = 304, description = "Not modified since the ETag given in If-None-Match", headers(("ETag" = String, description = "The order's version"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}")]
pub async fn get_order(
    state: web::Data<AppState>,
    caller: Authenticated,
    lang: AcceptLanguage,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<OrderReply, ApiError> {
    let id = order_id(&path)?;
    let caller = caller.0;
    let outcome = app::orders::get(&state.app, caller.clone(), id).await?;
    if if_none_match(&req).is_some_and(|e| e.matches(outcome.order.version)) {
        return Ok(OrderReply::not_modified(outcome.order.version));
    }
    Ok(OrderReply::from_outcome(&outcome, &caller, &state, lang.0))
}

/// Cancel a draft.
///
/// The order becomes `cancelled`; nothing is erased. A submitted or cancelled order answers
/// 409. Honours `If-Match`.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the order changed since"),
    ),
    responses(
        (status = 200, description = "Cancelled", body = OrderResponse, headers(("ETag" = String, description = "The order's version"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An operator may read, not cancel, another account's order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match; the current ETag is in the ETag header", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/orders/{id}")]
pub async fn cancel_order(
    state: web::Data<AppState>,
    caller: Authenticated,
    lang: AcceptLanguage,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<OrderReply, ApiError> {
    let id = order_id(&path)?;
    let expected: Option<Expected> = if_match(&req);
    let caller = caller.0;
    let order = app::orders::cancel(&state.app, caller.clone(), id, expected).await?;
    tracing::info!(order = %order.id.0, "order cancelled");
    Ok(OrderReply::ok(&order, &caller, None, &state, lang.0))
}
