//! Domain control (SPEC §9): the controls of an order's names, the method of each, "check
//! now" for one name or the whole order.

use actix_web::{get, post, put, web, HttpResponse};

use crate::app;
use crate::domain::dcv::Method;
use crate::domain::order::OrderId;
use crate::domain::shared::issue::{Code, FieldIssue};
use crate::http::auth::Authenticated;
use crate::http::dcv_views::{
    DomainControlListResponse, DomainControlResponse, SetDcvMethodRequest,
};
use crate::http::handlers::orders::order_id;
use crate::http::json::ValidJson;
use crate::http::problem::{ApiError, Problem};
use crate::http::AppState;

fn list_response(state: &AppState, cs: &[crate::domain::dcv::DomainControl]) -> HttpResponse {
    HttpResponse::Ok().json(DomainControlListResponse::of(
        cs,
        state.app.now(),
        state.app.dcv.settings.http_port,
    ))
}

/// The order's domain controls: one per name (a wildcard on its base domain).
///
/// Each says its method, its token and exactly what to publish: for `dns-txt` a TXT record
/// at `_certorder-challenge.<name>` whose value is the token; for `http-file` the token as
/// the whole content of `http://<name>/.well-known/pki-validation/<file>`. The last check's
/// diagnosis (`last_check.code`) says why a check failed. The order's owner or an operator.
#[utoipa::path(
    tag = "domain control",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The controls", body = DomainControlListResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A draft: no domain control yet (`dcv_not_submitted`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/domains")]
pub async fn list_domain_controls(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let cs = app::dcv::list(&state.app, caller.0, id).await?;
    Ok(list_response(&state, &cs))
}

/// Choose a name's method (`dns-txt` or `http-file`): a new token, to publish again.
///
/// `http-file` is refused for a wildcard (422 `dcv_http_file_for_wildcard`); an unknown
/// method is 422 `dcv_unknown_method`, a name not in the order 422 `dcv_unknown_domain`.
/// The order's owner, while it is `submitted`.
#[utoipa::path(
    tag = "domain control",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("name" = String, Path, description = "The name (a wildcard's base domain)"),
    ),
    request_body = SetDcvMethodRequest,
    responses(
        (status = 200, description = "The control, with its new token", body = DomainControlResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the order's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is not submitted (`dcv_not_submitted`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown method or name, or http-file for a wildcard", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/orders/{id}/domains/{name}/method")]
pub async fn set_domain_method(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: ValidJson<SetDcvMethodRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let id = order_id(&id)?;
    let method = Method::parse(&body.0.method).ok_or_else(|| {
        ApiError::Validation(vec![FieldIssue::new(
            "/method",
            Code::DcvUnknownMethod,
            Code::DcvUnknownMethod.fr(),
            Code::DcvUnknownMethod.en(),
        )])
    })?;
    let c = app::dcv::set_method(&state.app, caller.0, id, name, method).await?;
    tracing::info!(order = %id.0, domain = %c.name, method = method.as_str(), "domain control method chosen");
    Ok(HttpResponse::Ok().json(DomainControlResponse::of(
        &c,
        state.app.now(),
        state.app.dcv.settings.http_port,
    )))
}

/// "Check now" for one name: a real DNS query or HTTP fetch, answered with its diagnosis.
///
/// The answer is the control after the check: `valid` with what was seen, or `pending`
/// with `last_check.code` and what was seen instead. The order's owner, while `submitted`.
#[utoipa::path(
    tag = "domain control",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("name" = String, Path, description = "The name (a wildcard's base domain)"),
    ),
    responses(
        (status = 200, description = "The control after the check", body = DomainControlResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the order's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is not submitted (`dcv_not_submitted`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A name not in the order (`dcv_unknown_domain`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/domains/{name}/check")]
pub async fn check_domain(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let id = order_id(&id)?;
    let cs = app::dcv::check(&state.app, caller.0, id, Some(name)).await?;
    renewal_if_ready(&state, id).await;
    let c = cs.first().ok_or(ApiError::Internal)?;
    Ok(HttpResponse::Ok().json(DomainControlResponse::of(
        c,
        state.app.now(),
        state.app.dcv.settings.http_port,
    )))
}

/// "Check now" for the whole order: every name not valid yet is checked.
#[utoipa::path(
    tag = "domain control",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Every control after the checks", body = DomainControlListResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the order's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The order is not submitted (`dcv_not_submitted`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/domains/check")]
pub async fn check_domains_now(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let cs = app::dcv::check(&state.app, caller.0, id, None).await?;
    renewal_if_ready(&state, id).await;
    Ok(list_response(&state, &cs))
}

/// A renewal waiting for its names' controls is issued as soon as the last turns valid
/// (sandbox); if that fails, the scheduler's job issues it later.
async fn renewal_if_ready(state: &AppState, id: OrderId) {
    if let Err(e) = app::lifecycle::issue_renewal_if_ready(&state.app, id).await {
        tracing::warn!(order = %id.0, error = %e, "renewal issuance deferred to the scheduler");
    }
}
