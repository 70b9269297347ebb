//! The caller's own account (`GET /me`), its API clients (`/api-clients`) and signing out
//! (`POST /auth/logout`).

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::credentials::{self, ApiClient};
use crate::domain::account::credentials::{Scope, Secret, REFRESH_TOKEN_PREFIX};
use crate::domain::account::{Account, OrganizationKind};
use crate::domain::shared::issue::{Code, FieldIssue};
use crate::http::auth::Authenticated;
use crate::http::json::ValidJson;
use crate::http::problem::{ApiError, Problem};
use crate::http::views::RoleView;
use crate::http::AppState;

/// The closed set of scopes an API client may be given.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum ScopeView {
    #[serde(rename = "orders:read")]
    OrdersRead,
    #[serde(rename = "orders:write")]
    OrdersWrite,
    #[serde(rename = "documents:write")]
    DocumentsWrite,
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
    #[serde(rename = "events:read")]
    EventsRead,
}

impl From<ScopeView> for Scope {
    fn from(s: ScopeView) -> Scope {
        match s {
            ScopeView::OrdersRead => Scope::OrdersRead,
            ScopeView::OrdersWrite => Scope::OrdersWrite,
            ScopeView::DocumentsWrite => Scope::DocumentsWrite,
            ScopeView::WebhooksManage => Scope::WebhooksManage,
            ScopeView::EventsRead => Scope::EventsRead,
        }
    }
}

impl From<Scope> for ScopeView {
    fn from(s: Scope) -> ScopeView {
        match s {
            Scope::OrdersRead => ScopeView::OrdersRead,
            Scope::OrdersWrite => ScopeView::OrdersWrite,
            Scope::DocumentsWrite => ScopeView::DocumentsWrite,
            Scope::WebhooksManage => ScopeView::WebhooksManage,
            Scope::EventsRead => ScopeView::EventsRead,
        }
    }
}

/// `organization_kind` of an account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountOrganizationKindView {
    Company,
    PublicBody,
    Association,
}

/// The account's organization: the "self" domain holder (titulaire) of its orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOrganizationView {
    #[schema(max_length = 200)]
    pub legal_name: String,
    pub kind: AccountOrganizationKindView,
    /// SIREN or SIRET of a French organization.
    #[schema(value_type = String, max_length = 14)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    #[schema(max_length = 300)]
    pub address: String,
    #[schema(value_type = String, max_length = 20)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[schema(max_length = 100)]
    pub city: String,
    /// ISO 3166-1 alpha-2.
    #[schema(max_length = 2, min_length = 2)]
    pub country: String,
}

/// Who is signed in: for the customer space's header and the "self" holder.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub account_id: Uuid,
    #[schema(max_length = 64)]
    pub username: String,
    pub role: RoleView,
    #[schema(max_length = 200)]
    pub full_name: String,
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(value_type = String, max_length = 30)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A partner's code (the one its orders carry).
    #[schema(value_type = String, max_length = 64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_code: Option<String>,
    pub organization: AccountOrganizationView,
    /// Whether the person is the organization's legal representative (if not, a mandate is
    /// among an order's justificatifs).
    pub legal_representative: bool,
}

impl From<Account> for MeResponse {
    fn from(a: Account) -> Self {
        let o = a.organization;
        MeResponse {
            account_id: a.id.0,
            username: a.username,
            role: a.role.into(),
            full_name: a.full_name,
            email: a.email,
            phone: a.phone,
            partner_code: a.partner_code,
            organization: AccountOrganizationView {
                legal_name: o.legal_name,
                kind: match o.kind {
                    OrganizationKind::Company => AccountOrganizationKindView::Company,
                    OrganizationKind::PublicBody => AccountOrganizationKindView::PublicBody,
                    OrganizationKind::Association => AccountOrganizationKindView::Association,
                },
                registration_number: o.registration_number,
                address: o.address,
                postal_code: o.postal_code,
                city: o.city,
                country: o.country,
            },
            legal_representative: a.legal_representative,
        }
    }
}

/// The signed-in account.
///
/// Any valid token (a person's or an API client's, whatever its scopes).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = MeResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<MeResponse>, ApiError> {
    let account = credentials::me(&state.app, caller.0.account_id).await?;
    Ok(web::Json(account.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "ERP de commande", "scopes": ["orders:read", "orders:write"]}))]
pub struct CreateApiClientRequest {
    /// What the client is for (shown in the list).
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// At least one; each at most the account's own rights.
    #[schema(value_type = Vec<ScopeView>, min_items = 1)]
    pub scopes: Vec<serde_json::Value>,
}

/// An API client, as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientResponse {
    pub id: Uuid,
    /// What `POST /auth/token` takes as `client_id`.
    #[schema(max_length = 100, example = "coc_3kTzq8V1xLm2Qw9Rb7Yd5Hc4")]
    pub client_id: String,
    #[schema(max_length = 100)]
    pub name: String,
    pub scopes: Vec<ScopeView>,
    pub created_at: DateTime<Utc>,
    /// When a token was last issued to it.
    #[schema(value_type = DateTime<Utc>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    #[schema(value_type = DateTime<Utc>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiClient> for ApiClientResponse {
    fn from(c: ApiClient) -> Self {
        ApiClientResponse {
            id: c.id,
            client_id: c.client_id,
            name: c.name,
            scopes: c.scopes.into_iter().map(Into::into).collect(),
            created_at: c.created_at,
            last_used_at: c.last_used_at,
            revoked_at: c.revoked_at,
        }
    }
}

/// A client just created: its secret is shown here once, never again.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiClientResponse {
    pub id: Uuid,
    /// What `POST /auth/token` takes as `client_id`.
    #[schema(max_length = 100, example = "coc_3kTzq8V1xLm2Qw9Rb7Yd5Hc4")]
    pub client_id: String,
    #[schema(max_length = 100)]
    pub name: String,
    pub scopes: Vec<ScopeView>,
    pub created_at: DateTime<Utc>,
    /// Keep it now: it is stored only as a hash and cannot be shown again.
    #[schema(max_length = 100, format = Password, example = "cos_…")]
    pub client_secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiClientList {
    /// Oldest first, revoked ones included.
    pub items: Vec<ApiClientResponse>,
}

const SIGN_IN_ONLY: &str = "An API client's token (people manage API clients)";

/// Create an API client (server-to-server credentials).
///
/// Returns its `client_id` and its `client_secret`, shown once: only a hash is kept. The
/// scopes are a non-empty subset of `orders:read`, `orders:write`, `documents:write`,
/// `webhooks:manage`, `events:read`, within the account's own rights; the client's tokens
/// act as the account, restricted to them. A person's sign-in token only.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = CreateApiClientRequest,
    responses(
        (status = 201, description = "Created; the secret is in this answer only", body = CreatedApiClientResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token (people manage API clients): `sign_in_required`", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:sign_in_required", "title": "Person's sign-in required", "status": 403, "detail": "This operation needs the token of a person signed in with a password, not an API client's.", "instance": "/api-clients", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "code": "sign_in_required", "errors": []})),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No name, no scope, an unknown scope (`scope_unknown`) or one beyond the account's rights (`scope_not_granted`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:validation_failed", "title": "Invalid data", "status": 422, "detail": "1 field(s) break the rules; nothing was saved.", "instance": "/api-clients", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "code": "validation_failed", "errors": [{"pointer": "/scopes/1", "code": "scope_unknown", "message": "Unknown scope: orders:read, orders:write, documents:write, webhooks:manage or events:read."}]})),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api-clients")]
pub async fn create_api_client(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<CreateApiClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    let CreateApiClientRequest { name, scopes } = body.0;
    let mut issues = Vec::new();
    let name = name.trim().to_owned();
    if name.is_empty() {
        issues.push(FieldIssue::new(
            "/name",
            Code::Required,
            "Donnez un nom au client d'API.",
            "Give the API client a name.",
        ));
    } else if name.chars().count() > 100 || name.chars().any(char::is_control) {
        issues.push(FieldIssue::new(
            "/name",
            Code::TooLong,
            "Nom de 1 à 100 caractères imprimables.",
            "A name of 1 to 100 printable characters.",
        ));
    }
    if scopes.is_empty() {
        issues.push(FieldIssue::new(
            "/scopes",
            Code::Required,
            "Au moins une portée.",
            "At least one scope.",
        ));
    }
    let mut parsed = Vec::new();
    for (i, raw) in scopes.iter().enumerate() {
        let pointer = format!("/scopes/{i}");
        match raw.as_str().and_then(Scope::parse) {
            None => issues.push(FieldIssue::new(
                pointer,
                Code::ScopeUnknown,
                Code::ScopeUnknown.fr(),
                Code::ScopeUnknown.en(),
            )),
            Some(s) if !s.grantable_by(caller.role) => issues.push(FieldIssue::new(
                pointer,
                Code::ScopeNotGranted,
                Code::ScopeNotGranted.fr(),
                Code::ScopeNotGranted.en(),
            )),
            Some(s) => parsed.push(s),
        }
    }
    if !issues.is_empty() {
        return Err(ApiError::Validation(issues));
    }
    let created = credentials::create_client(&state.app, caller.account_id, name, parsed).await?;
    tracing::info!(client = %created.client.client_id, "API client created");
    let location = format!("/api-clients/{}", created.client.id);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(CreatedApiClientResponse {
            client_secret: created.secret.expose().to_owned(),
            id: created.client.id,
            client_id: created.client.client_id,
            name: created.client.name,
            scopes: created.client.scopes.into_iter().map(Into::into).collect(),
            created_at: created.client.created_at,
        }))
}

/// List the account's API clients, with their last use (never their secrets).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account's clients", body = ApiClientList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = SIGN_IN_ONLY, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api-clients")]
pub async fn list_api_clients(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<ApiClientList>, ApiError> {
    let clients = credentials::list_clients(&state.app, caller.0.account_id).await?;
    Ok(web::Json(ApiClientList {
        items: clients.into_iter().map(Into::into).collect(),
    }))
}

/// Revoke an API client: its secret is refused from now on (tokens already issued live
/// out their 15 minutes). Revoking a revoked client changes nothing.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The client's `id`")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = SIGN_IN_ONLY, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the account's clients", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/api-clients/{id}")]
pub async fn revoke_api_client(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::NotFound)?;
    credentials::revoke_client(&state.app, caller.0.account_id, id).await?;
    tracing::info!(client = %id, "API client revoked");
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "cor_…"}))]
pub struct LogoutRequest {
    /// The session's refresh token (from `POST /auth/token`).
    #[schema(max_length = 200, format = Password)]
    pub refresh_token: String,
}

/// Sign out: revoke the session's refresh token and every token rotated from the same
/// sign-in. 204 whether or not the token was still live (nothing to learn from the answer).
/// Access tokens already issued live out their 15 minutes.
#[utoipa::path(
    tag = "auth",
    request_body = LogoutRequest,
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a refresh token (`refresh_token_invalid`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:validation_failed", "title": "Invalid data", "status": 422, "detail": "1 field(s) break the rules; nothing was saved.", "instance": "/auth/logout", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "code": "validation_failed", "errors": [{"pointer": "/refresh_token", "code": "refresh_token_invalid", "message": "Unknown, expired or revoked refresh token: sign in again."}]})),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: ValidJson<LogoutRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.0.refresh_token;
    if !token.starts_with(REFRESH_TOKEN_PREFIX) || token.len() > 200 {
        return Err(ApiError::Validation(vec![FieldIssue::new(
            "/refresh_token",
            Code::RefreshTokenInvalid,
            Code::RefreshTokenInvalid.fr(),
            Code::RefreshTokenInvalid.en(),
        )]));
    }
    let live = credentials::logout(&state.app, Secret::from_presented(token)).await?;
    tracing::info!(live, "signed out");
    Ok(HttpResponse::NoContent().finish())
}
