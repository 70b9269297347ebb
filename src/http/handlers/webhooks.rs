//! Signed webhooks: the account's endpoints (`/webhook-endpoints`), their secret's rotation,
//! their deliveries with every attempt, one delivery's redelivery and a time range's
//! recovery. Scope `webhooks:manage`.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::webhooks::{self as uc, Change, Delivery, Endpoint, WithSecret};
use crate::domain::order::OrderEventType;
use crate::domain::shared::issue::{Code, FieldIssue};
use crate::http::auth::Authenticated;
use crate::http::json::ValidJson;
use crate::http::problem::{ApiError, Problem};
use crate::http::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://erp.example.fr/hooks/certorder", "event_types": ["order.issued", "order.revoked"], "description": "ERP"}))]
pub struct CreateWebhookEndpointRequest {
    /// `https` (plain `http` in development and test only); it must resolve, to no private
    /// or loopback address (unless `WEBHOOK_ALLOW_PRIVATE_TARGETS`).
    #[schema(max_length = 2000)]
    pub url: String,
    /// Event types (`order.created`, `order.submitted`, `order.issued`, … the types of
    /// `GET /events`); empty or absent: every type.
    #[schema(value_type = Vec<String>)]
    #[serde(default)]
    pub event_types: Vec<serde_json::Value>,
    #[schema(max_length = 200)]
    #[serde(default)]
    pub description: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct PatchWebhookEndpointRequest {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    /// The new event types; absent: unchanged; empty: every type.
    #[schema(value_type = Option<Vec<String>>)]
    #[serde(default)]
    pub event_types: Option<Vec<serde_json::Value>>,
    #[schema(max_length = 200)]
    pub description: Option<String>,
    /// `true` turns a disabled endpoint on again (its failure count starts afresh).
    pub enabled: Option<bool>,
}

/// An endpoint (never its secret).
#[derive(Serialize, ToSchema)]
pub struct WebhookEndpointResponse {
    pub id: Uuid,
    pub url: String,
    /// Empty: every type.
    pub event_types: Vec<String>,
    pub description: String,
    pub enabled: bool,
    /// Why it is off: `gone` (the receiver answered 410), `failing` (5 days without a
    /// success; its owner was told), `owner`.
    #[schema(value_type = String)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Until then the former secret also signs (after a rotation).
    #[schema(value_type = DateTime<Utc>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Since when every attempt failed.
    #[schema(value_type = DateTime<Utc>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Only in the answers of the creation and of a rotation, never again: `whsec_` + base64
    /// of 32 random bytes, the Standard Webhooks key. Keep it then.
    #[schema(value_type = String, format = Password, example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<Endpoint> for WebhookEndpointResponse {
    fn from(e: Endpoint) -> Self {
        WebhookEndpointResponse {
            id: e.id,
            url: e.url,
            event_types: e
                .event_types
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
            description: e.description,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            previous_secret_expires_at: e.previous_secret_until,
            failing_since: e.failing_since,
            created_at: e.created_at,
            updated_at: e.updated_at,
            secret: None,
        }
    }
}

impl From<WithSecret> for WebhookEndpointResponse {
    fn from(w: WithSecret) -> Self {
        WebhookEndpointResponse {
            secret: Some(w.secret.to_string()),
            ..w.endpoint.into()
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WebhookEndpointList {
    /// Oldest first.
    pub items: Vec<WebhookEndpointResponse>,
}

fn parse_types(raw: &[serde_json::Value]) -> Result<Vec<OrderEventType>, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut types = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        match v.as_str().and_then(OrderEventType::parse) {
            Some(t) if !types.contains(&t) => types.push(t),
            Some(_) => {}
            None => issues.push(FieldIssue::new(
                format!("/event_types/{i}"),
                Code::WebhookEventTypeUnknown,
                Code::WebhookEventTypeUnknown.fr(),
                Code::WebhookEventTypeUnknown.en(),
            )),
        }
    }
    if issues.is_empty() {
        Ok(types)
    } else {
        Err(issues)
    }
}

fn check_description(d: &str, issues: &mut Vec<FieldIssue>) -> String {
    let d = d.trim();
    if d.chars().count() > 200 || d.chars().any(char::is_control) {
        issues.push(FieldIssue::new(
            "/description",
            Code::TooLong,
            "Description de 200 caractères imprimables au plus.",
            "A description of at most 200 printable characters.",
        ));
    }
    d.to_owned()
}

fn id_of(path: web::Path<String>) -> Result<Uuid, ApiError> {
    Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::NotFound)
}

/// Create a webhook endpoint.
///
/// Every event of the account's orders (and, for a partner, of the orders naming its code)
/// of the chosen types is POSTed to `url`, signed per Standard Webhooks v1 (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature`). The secret is in this answer only.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhookEndpointRequest,
    responses(
        (status = 201, description = "Created; the secret is in this answer only", body = WebhookEndpointResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token without `webhooks:manage`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A URL refused (`webhook_url_invalid`, `webhook_url_not_https`, `webhook_url_unresolvable`, `webhook_url_private`), an unknown event type, a description too long", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:validation_failed", "title": "Invalid data", "status": 422, "detail": "1 field(s) break the rules; nothing was saved.", "instance": "/webhook-endpoints", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "code": "validation_failed", "errors": [{"pointer": "/url", "code": "webhook_url_private", "message": "The name points to a private or loopback address (10.0.0.7): refused."}]})),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-endpoints")]
pub async fn create_webhook_endpoint(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<CreateWebhookEndpointRequest>,
) -> Result<HttpResponse, ApiError> {
    let CreateWebhookEndpointRequest {
        url,
        event_types,
        description,
    } = body.0;
    let mut issues = Vec::new();
    let description = check_description(&description, &mut issues);
    let types = parse_types(&event_types).unwrap_or_else(|mut i| {
        issues.append(&mut i);
        Vec::new()
    });
    let url = match uc::check_url(&state.app, &url).await {
        Ok(u) => u,
        Err(i) => {
            issues.insert(0, i);
            String::new()
        }
    };
    if !issues.is_empty() {
        return Err(ApiError::Validation(issues));
    }
    let created = uc::create(&state.app, caller.0.account_id, url, description, types).await?;
    tracing::info!(endpoint = %created.endpoint.id, "webhook endpoint created");
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/webhook-endpoints/{}", created.endpoint.id),
        ))
        .json(WebhookEndpointResponse::from(created)))
}

/// List the account's webhook endpoints.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account's endpoints", body = WebhookEndpointList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token without `webhooks:manage`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhook-endpoints")]
pub async fn list_webhook_endpoints(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<WebhookEndpointList>, ApiError> {
    let items = uc::list(&state.app, caller.0.account_id).await?;
    Ok(web::Json(WebhookEndpointList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// One of the account's webhook endpoints.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's `id`")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpointResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token without `webhooks:manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the account's endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhook-endpoints/{id}")]
pub async fn get_webhook_endpoint(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<WebhookEndpointResponse>, ApiError> {
    let id = id_of(path)?;
    Ok(web::Json(
        uc::get(&state.app, caller.0.account_id, id).await?.into(),
    ))
}

/// Change an endpoint's URL, event types, description, or turn it on or off.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's `id`")),
    request_body = PatchWebhookEndpointRequest,
    responses(
        (status = 200, description = "The endpoint, changed", body = WebhookEndpointResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token without `webhooks:manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the account's endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A URL refused, an unknown event type, a description too long", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhook-endpoints/{id}")]
pub async fn patch_webhook_endpoint(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ValidJson<PatchWebhookEndpointRequest>,
) -> Result<web::Json<WebhookEndpointResponse>, ApiError> {
    let id = id_of(path)?;
    let b = body.0;
    let mut issues = Vec::new();
    let mut change = Change {
        enabled: b.enabled,
        ..Default::default()
    };
    if let Some(d) = &b.description {
        change.description = Some(check_description(d, &mut issues));
    }
    if let Some(t) = &b.event_types {
        match parse_types(t) {
            Ok(t) => change.event_types = Some(t),
            Err(mut i) => issues.append(&mut i),
        }
    }
    if let Some(u) = &b.url {
        match uc::check_url(&state.app, u).await {
            Ok(u) => change.url = Some(u),
            Err(i) => issues.insert(0, i),
        }
    }
    if !issues.is_empty() {
        return Err(ApiError::Validation(issues));
    }
    let e = uc::update(&state.app, caller.0.account_id, id, change).await?;
    tracing::info!(endpoint = %id, enabled = e.enabled, "webhook endpoint changed");
    Ok(web::Json(e.into()))
}

/// Delete an endpoint: nothing more is sent to it; its pending deliveries are dropped.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's `id`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token without `webhooks:manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the account's endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/webhook-endpoints/{id}")]
pub async fn delete_webhook_endpoint(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(path)?;
    uc::delete(&state.app, caller.0.account_id, id).await?;
    tracing::info!(endpoint = %id, "webhook endpoint deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate an endpoint's secret.
///
/// The new secret is in this answer only. The former one keeps signing beside it for 24 hours
/// (`WEBHOOK_ROTATION_GRACE_HOURS`): `webhook-signature` then carries both signatures,
/// space-separated, and a receiver accepts either while it switches.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's `id`")),
    responses(
        (status = 200, description = "The new secret, in this answer only", body = WebhookEndpointResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token without `webhooks:manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the account's endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-endpoints/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<WebhookEndpointResponse>, ApiError> {
    let id = id_of(path)?;
    let rotated = uc::rotate(&state.app, caller.0.account_id, id).await?;
    tracing::info!(endpoint = %id, "webhook secret rotated");
    Ok(web::Json(rotated.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// The `next_cursor` of the previous page (a delivery id).
    pub after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "crate::http::query::decimal")]
    pub limit: Option<i64>,
}

/// One attempt of a delivery.
#[derive(Serialize, ToSchema)]
pub struct WebhookAttemptView {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    #[schema(value_type = u16)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    /// Why it failed (a timeout, a refused connection, a non-2xx status).
    #[schema(value_type = String)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// One event's delivery to the endpoint.
#[derive(Serialize, ToSchema)]
pub struct WebhookDeliveryView {
    pub id: Uuid,
    /// The event (`webhook-id`, and its id in `GET /events`).
    pub event_id: Uuid,
    pub event_type: String,
    /// `pending` (to be tried at `next_attempt_at`), `delivered` or `failed` (given up).
    pub status: String,
    pub attempt_count: i32,
    pub next_attempt_at: DateTime<Utc>,
    #[schema(value_type = DateTime<Utc>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    #[schema(value_type = String)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Oldest first.
    pub attempts: Vec<WebhookAttemptView>,
}

impl From<Delivery> for WebhookDeliveryView {
    fn from(d: Delivery) -> Self {
        WebhookDeliveryView {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: match d.status.as_str() {
                "sent" => "delivered".to_owned(),
                other => other.to_owned(),
            },
            attempt_count: d.attempts,
            next_attempt_at: d.next_attempt_at,
            delivered_at: d.delivered_at,
            last_error: d.last_error,
            created_at: d.created_at,
            attempts: d
                .attempt_log
                .into_iter()
                .map(|a| WebhookAttemptView {
                    attempted_at: a.attempted_at,
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WebhookDeliveryPage {
    /// Oldest first.
    pub items: Vec<WebhookDeliveryView>,
    /// Pass as `after` for the next page (the last id seen, or the `after` given).
    #[schema(value_type = String)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Uuid>,
}

/// An endpoint's deliveries, each with its attempts, keyset-paginated.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's `id`"), DeliveriesQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = WebhookDeliveryPage),
        (status = 400, description = "Invalid cursor or limit", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token without `webhooks:manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the account's endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhook-endpoints/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    query: web::Query<DeliveriesQuery>,
) -> Result<web::Json<WebhookDeliveryPage>, ApiError> {
    let id = id_of(path)?;
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::InvalidQuery(
            "limit must be between 1 and 200".into(),
        ));
    }
    let after = q
        .after
        .as_deref()
        .map(|c| {
            Uuid::parse_str(c)
                .map_err(|_| ApiError::InvalidQuery("after is not a delivery id".into()))
        })
        .transpose()?;
    let rows = uc::deliveries(&state.app, caller.0.account_id, id, after, limit).await?;
    let next_cursor = rows.last().map(|d| d.id).or(after);
    Ok(web::Json(WebhookDeliveryPage {
        items: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Deliver one event to its endpoint again, now (whatever its state; the same `webhook-id`).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The delivery's `id`")),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token without `webhooks:manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a delivery of one of the account's endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-deliveries/{id}/redeliver")]
pub async fn redeliver_webhook(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(path)?;
    uc::redeliver(&state.app, caller.0.account_id, id).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"since": "2026-12-01T00:00:00Z", "until": "2026-12-02T00:00:00Z"}))]
pub struct RecoverRequest {
    /// Events that occurred at or after this instant.
    pub since: DateTime<Utc>,
    /// And before this one (default: now).
    pub until: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct RecoverResponse {
    /// How many events were queued again.
    pub queued: usize,
}

/// Deliver again every event of a time range to the endpoint (after an outage): the events of
/// the types it takes that occurred in `[since, until)`, kept 30 days.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's `id`")),
    request_body = RecoverRequest,
    responses(
        (status = 202, description = "Queued", body = RecoverResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token without `webhooks:manage`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the account's endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`until` not after `since` (`webhook_recover_range`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-endpoints/{id}/recover")]
pub async fn recover_webhooks(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ValidJson<RecoverRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id_of(path)?;
    let queued = uc::recover(
        &state.app,
        caller.0.account_id,
        id,
        body.0.since,
        body.0.until,
    )
    .await?;
    tracing::info!(endpoint = %id, queued, "webhook range recovered");
    Ok(HttpResponse::Accepted().json(RecoverResponse { queued }))
}
