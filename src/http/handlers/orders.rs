//! Orders: create a draft ("Nouvelle commande", step 4), list, read, cancel.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::account::Caller;
use crate::domain::order::wizard::{apply, Changes, Context};
use crate::domain::order::{transition, Order, OrderId, OrderStatus, Transition};
use crate::http::auth::Authenticated;
use crate::http::idempotency::{self, IdempotencyKey};
use crate::http::json::{parse_optional_json, RawBody};
use crate::http::problem::{ApiError, Problem};
use crate::http::steps::OrderPatch;
use crate::http::views::{
    if_match, IfMatch, OrderList, OrderReply, OrderResponse, OrderStatusView,
};
use crate::http::{AcceptLanguage, AppState};
use crate::persistence::{accounts, orders, outbox, DbError};

/// Orders are UUIDs; anything else in the path is simply not an order.
pub fn order_id(raw: &str) -> Result<OrderId, ApiError> {
    Uuid::parse_str(raw)
        .map(OrderId)
        .map_err(|_| ApiError::NotFound)
}

/// Create a draft order ("Nouvelle commande").
///
/// Without a body the draft starts with every step unanswered (see `missing`); a body may
/// answer steps at once (the same fields as `PATCH`). A partner's order carries its partner
/// code, fixed. With `Idempotency-Key`, a retry with the same body replays the first answer;
/// the same key with another body is refused.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(IdempotencyKey),
    request_body(content = Option<OrderPatch>, description = "Optional: steps to answer at once"),
    responses(
        (status = 201, description = "Draft created", body = OrderResponse,
            headers(("Location" = String, description = "The order's URL"), ("ETag" = String, description = "The order's version"))),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A step breaks a rule (nothing created), or Idempotency-Key reused for another body", body = Problem, content_type = "application/problem+json"),
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
    body: RawBody,
) -> Result<OrderReply, ApiError> {
    let caller = caller.0;
    let lang = lang.0;
    let changes = parse_optional_json::<OrderPatch>(&body.0)?.map(OrderPatch::into_changes);
    let client_address = req.peer_addr().map(|a| a.ip().to_string());
    let st = state.clone();
    let reply = state
        .db
        .transaction(move |conn| -> Result<OrderReply, ApiError> {
            let hash = idempotency::request_hash("", &body.0);
            if let Some(replayed) = idempotency::replay(conn, &caller, "create_order", &key, &hash)?
            {
                return Ok(replayed);
            }
            let now = Utc::now();
            let mut order = orders::create(conn, &caller, now)?;
            if let Some(changes) = changes {
                let partner_exists = match changes.partner_code() {
                    Some(code) => accounts::partner_code_exists(conn, code)?,
                    None => false,
                };
                let ctx = Context {
                    catalog: &st.catalog,
                    now,
                    caller: &caller,
                    client_address,
                    partner_exists,
                };
                let next = apply(&order, changes, &ctx).map_err(ApiError::Validation)?;
                order = orders::save(conn, &next)?;
            }
            let reply = OrderReply::created(OrderResponse::build(&order, &st, lang));
            idempotency::remember(conn, &caller, "create_order", &key, &hash, &reply)?;
            Ok(reply)
        })
        .await?;
    tracing::info!(order = %reply.id, replayed = reply.replayed, "draft created");
    Ok(reply)
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOrdersQuery {
    /// Only orders in this status.
    pub status: Option<OrderStatusView>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
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
    let page = state
        .db
        .run(move |conn| orders::list(conn, &caller, status, after, limit + 1))
        .await
        .map_err(ApiError::from)?;
    Ok(web::Json(OrderList::page(
        page,
        limit as usize,
        &state,
        lang.0,
    )))
}

/// Read one order, with its readiness (`missing`, `ready`) and live price; once submitted,
/// the state of its e-mail (`notification`).
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order", body = OrderResponse, headers(("ETag" = String, description = "The order's version"))),
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
) -> Result<OrderReply, ApiError> {
    let id = order_id(&path)?;
    let caller = caller.0;
    let (order, notification) = state
        .db
        .run(move |conn| -> Result<_, DbError> {
            let order = orders::find_visible(conn, id, &caller)?;
            // A second query, for submitted orders only: drafts stay one query.
            let notification = match order.status {
                OrderStatus::Submitted => outbox::notification(conn, id)?,
                _ => None,
            };
            Ok((order, notification))
        })
        .await
        .map_err(ApiError::from)?;
    Ok(OrderReply::ok(
        OrderResponse::build(&order, &state, lang.0).with_notification(notification.as_ref()),
    ))
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
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
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
    let caller = caller.0;
    let expected = if_match(req.headers().get(header::IF_MATCH))?;
    let order = state
        .db
        .transaction(move |conn| -> Result<_, ApiError> {
            let mut order = lock_for_change(conn, id, &caller, expected.as_ref())?;
            order.status =
                transition(order.status, Transition::Cancel).map_err(|e| not_a_draft(e.from))?;
            let now = Utc::now();
            order.version += 1;
            order.cancelled_at = Some(now);
            order.updated_at = now;
            Ok(orders::save(conn, &order)?)
        })
        .await?;
    tracing::info!(order = %order.id.0, "order cancelled");
    Ok(OrderReply::ok(OrderResponse::build(&order, &state, lang.0)))
}

/// The 409 for a change to an order that is no longer a draft.
pub fn not_a_draft(status: OrderStatus) -> ApiError {
    let (fr, en) = match status {
        OrderStatus::Submitted => ("déjà commandée", "already submitted"),
        OrderStatus::Cancelled => ("annulée", "cancelled"),
        OrderStatus::Draft => ("un brouillon", "a draft"),
    };
    ApiError::conflict(
        "order_not_draft",
        format!("La commande est {fr} : elle ne peut plus être modifiée."),
        format!("The order is {en}: it can no longer be changed."),
    )
}

/// An operator reads every order but changes only its own.
pub fn check_can_edit(caller: &Caller, order: &Order) -> Result<(), ApiError> {
    if caller.can_edit(order) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Locks the order for a change by the caller: visible (else 404), `If-Match` current (else
/// 412), the caller may change it (else 403), still a draft (else 409).
pub fn lock_for_change(
    conn: &mut diesel::PgConnection,
    id: OrderId,
    caller: &Caller,
    expected: Option<&IfMatch>,
) -> Result<Order, ApiError> {
    let order = orders::lock_visible(conn, id, caller)?;
    if expected.is_some_and(|v| !v.matches(order.version)) {
        return Err(ApiError::PreconditionFailed);
    }
    check_can_edit(caller, &order)?;
    transition(order.status, Transition::Edit).map_err(|e| not_a_draft(e.from))?;
    Ok(order)
}

/// Applies a PATCH of steps to a locked draft and saves it (the partner code, if any, is
/// looked up first).
pub fn apply_changes(
    conn: &mut diesel::PgConnection,
    order: &Order,
    changes: Changes,
    caller: &Caller,
    state: &AppState,
    client_address: Option<String>,
) -> Result<Order, ApiError> {
    let partner_exists = match changes.partner_code() {
        Some(code) => accounts::partner_code_exists(conn, code)?,
        None => false,
    };
    let ctx = Context {
        catalog: &state.catalog,
        now: Utc::now(),
        caller,
        client_address,
        partner_exists,
    };
    let next = apply(order, changes, &ctx).map_err(ApiError::Validation)?;
    Ok(orders::save(conn, &next)?)
}
