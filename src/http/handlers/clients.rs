//! A partner's client list (`/clients`) and, on the client's side, the partners that invited
//! it or act for it (`/me/partners`). A partner orders for an active client with
//! `POST /orders?on_behalf_of=<client account id>`.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::clients::{self, ListedLink};
use crate::domain::account::clients::{ClientLink, LinkStatus};
use crate::http::auth::Authenticated;
use crate::http::json::ValidJson;
use crate::http::problem::{ApiError, Problem};
use crate::http::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "client.lyon"}))]
pub struct InviteClientRequest {
    /// The client account's username (it tells you; the service never says whether an account
    /// has it).
    #[schema(min_length = 3, max_length = 64)]
    pub username: String,
}

/// Where a link stands: `pending` until the client accepts, then `active` (the partner may
/// order for it). An ended link is no longer listed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatusView {
    Pending,
    Active,
    Ended,
}

impl From<LinkStatus> for LinkStatusView {
    fn from(s: LinkStatus) -> Self {
        match s {
            LinkStatus::Pending => LinkStatusView::Pending,
            LinkStatus::Active => LinkStatusView::Active,
            LinkStatus::Ended => LinkStatusView::Ended,
        }
    }
}

/// One of the partner's clients, as the partner sees it.
#[derive(Serialize, ToSchema)]
pub struct ClientLinkResponse {
    /// The link's id (for `DELETE /clients/{id}`).
    pub id: Uuid,
    pub username: String,
    pub status: LinkStatusView,
    /// The client's account id, to pass as `on_behalf_of`; once `active` only.
    #[schema(required = true)]
    pub client_account_id: Option<Uuid>,
    /// The client's organization; once `active` only.
    #[schema(required = true)]
    pub organization_name: Option<String>,
    pub invited_at: DateTime<Utc>,
    #[schema(required = true)]
    pub accepted_at: Option<DateTime<Utc>>,
}

impl ClientLinkResponse {
    fn of(link: ClientLink, organization_name: Option<String>) -> Self {
        ClientLinkResponse {
            id: link.id,
            client_account_id: link.active_client().map(|a| a.0),
            username: link.invited_username,
            status: link.status.into(),
            organization_name,
            invited_at: link.created_at,
            accepted_at: link.accepted_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClientList {
    pub items: Vec<ClientLinkResponse>,
}

/// A partner that invited the caller's account, or acts for it.
#[derive(Serialize, ToSchema)]
pub struct PartnerLinkResponse {
    /// The link's id (for `accept` and `DELETE /me/partners/{id}`).
    pub id: Uuid,
    #[schema(required = true)]
    pub partner_code: Option<String>,
    pub partner_name: String,
    pub status: LinkStatusView,
    pub invited_at: DateTime<Utc>,
    #[schema(required = true)]
    pub accepted_at: Option<DateTime<Utc>>,
}

impl From<ListedLink> for PartnerLinkResponse {
    fn from(l: ListedLink) -> Self {
        PartnerLinkResponse {
            id: l.link.id,
            partner_code: l.partner_code,
            partner_name: l.organization_name.unwrap_or_default(),
            status: l.link.status.into(),
            invited_at: l.link.created_at,
            accepted_at: l.link.accepted_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PartnerLinkList {
    pub items: Vec<PartnerLinkResponse>,
}

fn link_id(raw: String) -> Result<Uuid, ApiError> {
    Uuid::parse_str(&raw).map_err(|_| ApiError::NotFound)
}

/// Invite a client: the account with this username sees the invitation in `GET /me/partners`
/// and accepts it (its consent); then it is `active` here with its `client_account_id`.
///
/// The answer is the same whether or not a customer account has this username (an
/// invitation nobody can accept stays `pending`); inviting again answers the live link.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    request_body = InviteClientRequest,
    responses(
        (status = 201, description = "The link, pending (or as it stands, if it already existed)", body = ClientLinkResponse,
            headers(("Location" = String, description = "`/clients/{id}`"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a partner with a partner code: `partner_only`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a username: `username_invalid`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients")]
pub async fn invite_client(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<InviteClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let link = clients::invite(&state.app, caller.0, &body.0.username).await?;
    tracing::info!(link = %link.id, "client invited");
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/clients/{}", link.id),
        ))
        .json(ClientLinkResponse::of(link, None)))
}

/// The partner's client list: pending invitations and active clients, newest first.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The partner's links", body = ClientList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a partner with a partner code: `partner_only`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients")]
pub async fn list_clients(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<ClientList>, ApiError> {
    let links = clients::of_partner(&state.app, caller.0).await?;
    Ok(web::Json(ClientList {
        items: links
            .into_iter()
            .map(|l| ClientLinkResponse::of(l.link, l.organization_name))
            .collect(),
    }))
}

/// End a link (or withdraw an invitation): no new order for this client. The orders already
/// made stay the client's, and the partner keeps preparing them.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The link's `id`")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a partner with a partner code: `partner_only`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of the partner's live links", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/clients/{id}")]
pub async fn end_client_link(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = link_id(path.into_inner())?;
    clients::end_as_partner(&state.app, caller.0, id).await?;
    tracing::info!(link = %id, "client link ended by the partner");
    Ok(HttpResponse::NoContent().finish())
}

/// The partners that invited the caller's account or act for it (the customer space's
/// "my reseller" page).
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Invitations and active partners, newest first", body = PartnerLinkList),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token: `sign_in_required`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/partners")]
pub async fn list_my_partners(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> Result<web::Json<PartnerLinkList>, ApiError> {
    let links = clients::of_client(&state.app, caller.0).await?;
    Ok(web::Json(PartnerLinkList {
        items: links.into_iter().map(Into::into).collect(),
    }))
}

/// Accept a partner's invitation: from now on the partner may create orders that the
/// caller's account owns (`on_behalf_of`). The caller still accepts each order's CGU and
/// certificate itself.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The link's `id` (from `GET /me/partners`)")),
    responses(
        (status = 200, description = "Active", body = PartnerLinkResponse),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token: `sign_in_required`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No pending invitation of the caller's with this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/partners/{id}/accept")]
pub async fn accept_partner(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<web::Json<PartnerLinkResponse>, ApiError> {
    let id = link_id(path.into_inner())?;
    let caller = caller.0;
    clients::accept(&state.app, caller.clone(), id).await?;
    tracing::info!(link = %id, "partner accepted by its client");
    let listed = clients::of_client(&state.app, caller)
        .await?
        .into_iter()
        .find(|l| l.link.id == id)
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(listed.into()))
}

/// Decline an invitation, or end a partner's link: it may no longer order for the caller.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The link's `id`")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An API client's token: `sign_in_required`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No live link of the caller's with this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/partners/{id}")]
pub async fn end_partner_link(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = link_id(path.into_inner())?;
    clients::end(&state.app, caller.0, id).await?;
    tracing::info!(link = %id, "partner link ended by the client");
    Ok(HttpResponse::NoContent().finish())
}
