//! Liveness and readiness probes.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::problem::{ApiError, Problem};
use crate::http::AppState;

#[derive(Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok`.
    pub status: &'static str,
}

/// The process answers.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = HealthResponse)))]
#[get("/health/live")]
pub async fn live() -> web::Json<HealthResponse> {
    web::Json(HealthResponse { status: "ok" })
}

/// The database answers: the instance can serve traffic.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = HealthResponse),
        (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<HealthResponse>, ApiError> {
    state
        .app
        .ping()
        .await
        .map_err(|_| ApiError::Unavailable { retry_after: 2 })?;
    Ok(web::Json(HealthResponse { status: "ok" }))
}

/// Prometheus metrics (text exposition format): request counts and durations per route.
///
/// The body is written by the metrics middleware; this handler only gives the route a home.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "Metrics in the Prometheus text format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .finish()
}
