//! `GET /events`: the events feed, keyset-paginated.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::order::OrderEventType;
use crate::http::auth::Authenticated;
use crate::http::problem::{ApiError, Problem};
use crate::http::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The `next_cursor` of the previous page (an event id); absent: the oldest event kept.
    pub after: Option<String>,
    /// Only these types, comma-separated (e.g. `order.issued,order.revoked`).
    pub types: Option<String>,
    /// Page size, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    #[serde(default, deserialize_with = "crate::http::query::decimal")]
    pub limit: Option<i64>,
}

/// One event, as webhooks will carry it (a thin payload: fetch the order for the rest).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// The event's id (UUIDv7), the same in every channel; also the cursor.
    pub id: Uuid,
    /// `type`, `timestamp` and `data` (`order_id`, `number`, `status` after the change).
    #[schema(value_type = Object, example = json!({"type": "order.issued", "timestamp": "2026-12-02T10:00:00Z", "data": {"order_id": "0193…", "number": "CMD-2026-000123", "status": "issued"}}))]
    pub payload: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// Oldest first.
    pub items: Vec<EventView>,
    /// Pass as `after` for the next page: the last id seen, or the `after` given when the
    /// page is empty, so a poller keeps its place. Absent only while there is no event at all.
    #[schema(value_type = String)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Uuid>,
}

fn parse_types(raw: Option<&str>) -> Result<Vec<OrderEventType>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            OrderEventType::parse(t).ok_or_else(|| {
                use strum::IntoEnumIterator;
                let known: Vec<&str> = OrderEventType::iter().map(|k| k.as_str()).collect();
                ApiError::InvalidQuery(format!(
                    "types: unknown event type {t:?} (known: {})",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

/// The events of the orders the caller may see, oldest first, kept 30 days.
///
/// For partners who poll, or who reconcile after their webhook endpoint was down: read from
/// the last id seen (`after`) until a page comes back empty. The ids are the events' own, the
/// same as the webhooks' `webhook-id`. A customer sees its orders' events, a partner also those
/// of orders naming its code, an operator all.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(EventsQuery),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        (status = 400, description = "Invalid cursor, type or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<EventsQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::InvalidQuery(
            "limit must be between 1 and 500".into(),
        ));
    }
    let after = q
        .after
        .as_deref()
        .map(|c| {
            Uuid::parse_str(c)
                .map_err(|_| ApiError::InvalidQuery("after is not an event id".into()))
        })
        .transpose()?;
    let types = parse_types(q.types.as_deref())?;
    let rows = app::events::feed(&state.app, caller.0, after, types, limit).await?;
    let next_cursor = rows.last().map(|(id, _)| *id).or(after);
    Ok(web::Json(EventPage {
        items: rows
            .into_iter()
            .map(|(id, payload)| EventView { id, payload })
            .collect(),
        next_cursor,
    }))
}
