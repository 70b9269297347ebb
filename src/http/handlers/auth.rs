//! Sign-in: the seed's "identifiant / mot de passe / Se connecter" (steps 1–3).

use actix_web::http::header;
use actix_web::{post, web, HttpRequest};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::auth::{self, Attempt, Rule};
use crate::app::credentials::{self, ClientAuth, Refreshed};
use crate::domain::account::credentials::{parse_scope_string, scope_string, Scope, Secret};
use crate::domain::account::normalize_username;
use crate::domain::account::Account;
use crate::domain::shared::issue::Code;
use crate::domain::shared::issue::FieldIssue;
use crate::http::json::{is_json, media_type, parse_json_value, RawBody};
use crate::http::problem::{ApiError, AuthFailure, Problem};
use crate::http::rate_limit;
use crate::http::views::RoleView;
use crate::http::AppState;

/// `grant_type` of the password grant (optional: absent means `password`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PasswordGrantType {
    Password,
}

/// `grant_type` of the client-credentials grant.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientCredentialsGrantType {
    ClientCredentials,
}

/// `grant_type` of the refresh-token grant.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefreshTokenGrantType {
    RefreshToken,
}

/// A person signs in with the identifiant and password of the customer space (RFC 6749 §4.3).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "demo.client", "password": "demo-client-password"}))]
pub struct PasswordGrant {
    /// Checked by serde; the handler dispatched on it already.
    #[allow(dead_code)]
    #[serde(default)]
    #[schema(value_type = PasswordGrantType)]
    pub grant_type: Option<PasswordGrantType>,
    /// The identifiant of the customer space.
    #[schema(max_length = 64)]
    pub username: String,
    #[schema(max_length = 256, format = Password)]
    pub password: String,
}

/// An API client authenticates (RFC 6749 §4.4): `client_id` and `client_secret` here, or in
/// an `Authorization: Basic` header instead.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "coc_3kTzq8V1xLm2Qw9Rb7Yd5Hc4", "client_secret": "cos_…", "scope": "orders:read"}))]
pub struct ClientCredentialsGrant {
    /// Checked by serde; the handler dispatched on it already.
    #[allow(dead_code)]
    pub grant_type: ClientCredentialsGrantType,
    /// Absent when sent with HTTP Basic.
    #[serde(default)]
    #[schema(value_type = String, max_length = 100)]
    pub client_id: Option<String>,
    /// Absent when sent with HTTP Basic.
    #[serde(default)]
    #[schema(value_type = String, max_length = 200, format = Password)]
    pub client_secret: Option<String>,
    /// Optional: fewer scopes than the client has (space-separated); absent: all of them.
    #[serde(default)]
    #[schema(value_type = String, max_length = 200)]
    pub scope: Option<String>,
}

/// A person's session goes on (RFC 6749 §6): the refresh token is used up and a new one
/// returned beside the new access token.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "refresh_token", "refresh_token": "cor_…"}))]
pub struct RefreshTokenGrant {
    /// Checked by serde; the handler dispatched on it already.
    #[allow(dead_code)]
    pub grant_type: RefreshTokenGrantType,
    #[schema(max_length = 200, format = Password)]
    pub refresh_token: String,
}

/// One of the three grants, told apart by `grant_type` (absent: `password`). JSON or
/// `application/x-www-form-urlencoded`.
/// Untagged: the contract shows each grant's own object, not `{"Password": {...}}`.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum TokenRequest {
    Password(PasswordGrant),
    ClientCredentials(ClientCredentialsGrant),
    RefreshToken(RefreshTokenGrant),
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <token>`.
    #[schema(max_length = 4096)]
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(max_length = 6)]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub role: RoleView,
    /// People only (password and refresh-token grants): the refresh token, used once by
    /// `grant_type=refresh_token` (each use returns a new one) or revoked by `POST /auth/logout`.
    #[schema(value_type = String, max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// API clients only: the token's scopes, space-separated.
    #[schema(value_type = String, max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Get a bearer token: a person's sign-in, an API client's credentials, or a refresh token.
///
/// **Password** (`grant_type` `password` or absent): one answer (401 `invalid_credentials`)
/// for an unknown username and a wrong password, at the same cost. After repeated failures
/// of a username from one client address, that username is locked out *from that address*
/// for a while (429 `too_many_sign_in_failures` with `Retry-After`), the lock doubling with
/// each further failure; an address failing with many usernames is locked out too, at a
/// higher limit. 503 with `Retry-After` when every password verifier is busy. The answer
/// carries a `refresh_token` beside the 15-minute access token; the token has every right
/// of the account's role.
///
/// **Client credentials** (RFC 6749 §4.4, `grant_type=client_credentials`): `client_id` and
/// `client_secret` in the body or as `Authorization: Basic base64(client_id:client_secret)`;
/// optional `scope` to ask for fewer scopes. A wrong secret, an unknown or a revoked client:
/// 401 `invalid_client`. The token carries the client's scopes (claim `scope`); each route
/// requires one (403 `insufficient_scope` otherwise). No refresh token: ask again.
///
/// **Refresh token** (`grant_type=refresh_token`): the presented token is used up and a new
/// one returned; presenting a used token again revokes its whole session (400
/// `refresh_token_reused`); an unknown, expired or revoked one is 400 `refresh_token_invalid`.
///
/// The body is JSON or `application/x-www-form-urlencoded`. The route is rate limited per
/// address (429 `rate_limited`).
#[utoipa::path(
    tag = "auth",
    request_body(content(
        (TokenRequest = "application/json"),
        (TokenRequest = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "Malformed body, or a refresh token refused (`refresh_token_invalid`, `refresh_token_reused`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:refresh_token_reused", "title": "Grant refused", "status": 400, "detail": "Refresh token already used: the whole session is revoked, sign in again.", "instance": "/auth/token", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "code": "refresh_token_reused", "errors": [{"pointer": "/refresh_token", "code": "refresh_token_reused", "message": "Refresh token already used: the whole session is revoked, sign in again."}]})),
        (status = 401, description = "Wrong username or password (`invalid_credentials`), or API client refused (`invalid_client`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:invalid_client", "title": "API client refused", "status": 401, "detail": "Unknown API client, wrong secret or revoked client.", "instance": "/auth/token", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "code": "invalid_client", "errors": []})),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor form-encoded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing or of the wrong type, an unknown `grant_type` (`unsupported_grant_type`), an unknown scope (`scope_unknown`) or one the client does not have (`scope_not_granted`)", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:certorder:problem:validation_failed", "title": "Invalid data", "status": 422, "detail": "1 field(s) break the rules; nothing was saved.", "instance": "/auth/token", "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "code": "validation_failed", "errors": [{"pointer": "/grant_type", "code": "unsupported_grant_type", "message": "Unknown grant_type: password, client_credentials or refresh_token."}]})),
        (status = 429, description = "Too many failures: locked out for a while", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable, or every password verifier busy (retry after `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let form = is_form(&req)?;
    let value = body_object(&body.0, form)?;
    match value.get("grant_type").map(|g| g.as_str()) {
        None | Some(Some("password")) => {
            password_grant(&state, &req, parse_json_value(value)?).await
        }
        Some(Some("client_credentials")) => {
            client_credentials_grant(&state, &req, parse_json_value(value)?).await
        }
        Some(Some("refresh_token")) => refresh_token_grant(&state, parse_json_value(value)?).await,
        Some(_) => Err(ApiError::Validation(vec![FieldIssue::new(
            "/grant_type",
            Code::UnsupportedGrantType,
            Code::UnsupportedGrantType.fr(),
            Code::UnsupportedGrantType.en(),
        )])),
    }
}

/// Whether the body is form-encoded (else it must be JSON).
fn is_form(req: &HttpRequest) -> Result<bool, ApiError> {
    match media_type(req).unwrap_or_default().as_str() {
        "application/x-www-form-urlencoded" => Ok(true),
        m if is_json(m) => Ok(false),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

/// The body as a JSON object: a form's parameters become string members (each parameter
/// once, RFC 6749 §3.2), so that both encodings go through the same strict parser.
fn body_object(bytes: &[u8], form: bool) -> Result<serde_json::Value, ApiError> {
    if !form {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedBody(e.to_string()))?;
        return Ok(value);
    }
    let mut map = serde_json::Map::new();
    for (k, v) in url::form_urlencoded::parse(bytes) {
        let pointer = format!("/{}", k.replace('~', "~0").replace('/', "~1"));
        if map
            .insert(k.into_owned(), serde_json::Value::String(v.into_owned()))
            .is_some()
        {
            return Err(ApiError::Validation(vec![FieldIssue::new(
                pointer,
                Code::InvalidType,
                "Paramètre répété : chacun ne peut figurer qu'une fois.",
                "Repeated parameter: each may appear once only.",
            )]));
        }
    }
    Ok(serde_json::Value::Object(map))
}

/// The access token and refresh token of a person.
fn person_tokens(
    state: &AppState,
    account: &Account,
    refresh: Secret,
    now: chrono::DateTime<Utc>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let (access_token, expires_in) = state.keys.issue(account, now)?;
    Ok(web::Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in,
        role: account.role.into(),
        refresh_token: Some(refresh.expose().to_owned()),
        scope: None,
    }))
}

fn scope_problem(code: Code) -> ApiError {
    ApiError::Validation(vec![FieldIssue::new("/scope", code, code.fr(), code.en())])
}

fn required(pointer: &str) -> FieldIssue {
    FieldIssue::new(
        pointer,
        Code::Required,
        "Champ obligatoire absent (ou envoyez l'en-tête Authorization: Basic).",
        "Required field missing (or send the Authorization: Basic header).",
    )
}

/// `client_id:client_secret` of an `Authorization: Basic` header, if there is one.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    use base64::Engine;
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let refused = ApiError::InvalidClient { basic: true };
    let value = value.to_str().map_err(|_| refused.clone())?.trim();
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(refused);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| refused.clone())?;
    let (id, secret) = decoded.split_once(':').ok_or(refused)?;
    Ok(Some((id.to_owned(), secret.to_owned())))
}

async fn client_credentials_grant(
    state: &AppState,
    req: &HttpRequest,
    grant: ClientCredentialsGrant,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let (basic, client_id, secret) = match basic_credentials(req)? {
        Some((id, secret)) => (true, id, secret),
        None => {
            let mut missing = Vec::new();
            if grant.client_id.is_none() {
                missing.push(required("/client_id"));
            }
            if grant.client_secret.is_none() {
                missing.push(required("/client_secret"));
            }
            if !missing.is_empty() {
                return Err(ApiError::Validation(missing));
            }
            (
                false,
                grant.client_id.unwrap_or_default(),
                grant.client_secret.unwrap_or_default(),
            )
        }
    };
    let requested = match grant.scope.as_deref() {
        None => None,
        Some(s) => Some(parse_scope_string(s).ok_or_else(|| scope_problem(Code::ScopeUnknown))?),
    };
    let outcome =
        credentials::authenticate_client(&state.app, client_id, Secret::from_presented(secret))
            .await?;
    let (account, client) = match outcome {
        ClientAuth::Ok(found) => *found,
        ClientAuth::Refused => {
            tracing::info!("client credentials refused");
            return Err(ApiError::InvalidClient { basic });
        }
    };
    let granted: Vec<Scope> = client
        .scopes
        .iter()
        .copied()
        .filter(|s| s.grantable_by(account.role))
        .collect();
    let scopes = match requested {
        Some(r) if r.iter().any(|s| !granted.contains(s)) => {
            return Err(scope_problem(Code::ScopeNotGranted))
        }
        Some(r) if !r.is_empty() => r,
        _ => granted,
    };
    let now = state.app.now();
    let (access_token, expires_in) =
        state
            .keys
            .issue_scoped(&account, Some((&client.client_id, &scopes)), now)?;
    tracing::info!(account = %account.id.0, client = %client.client_id, "client token issued");
    Ok(web::Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in,
        role: account.role.into(),
        refresh_token: None,
        scope: Some(scope_string(&scopes)),
    }))
}

fn refresh_problem(code: Code) -> ApiError {
    ApiError::InvalidGrant(vec![FieldIssue::new(
        "/refresh_token",
        code,
        code.fr(),
        code.en(),
    )])
}

async fn refresh_token_grant(
    state: &AppState,
    grant: RefreshTokenGrant,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let ttl = credentials::ttl(state.settings.refresh_token_ttl);
    let presented = Secret::from_presented(grant.refresh_token);
    match credentials::refresh(&state.app, presented, ttl).await? {
        Refreshed::Rotated(found) => {
            let (account, next) = *found;
            tracing::info!(account = %account.id.0, "session refreshed");
            person_tokens(state, &account, next, state.app.now())
        }
        Refreshed::Invalid => Err(refresh_problem(Code::RefreshTokenInvalid)),
        Refreshed::Reused => Err(refresh_problem(Code::RefreshTokenReused)),
    }
}

async fn password_grant(
    state: &AppState,
    req: &HttpRequest,
    grant: PasswordGrant,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let PasswordGrant {
        username, password, ..
    } = grant;
    // A name that cannot be a username still costs one hash, and is throttled like others.
    let username = normalize_username(&username).unwrap_or_else(|| {
        let mut s: String = username.trim().to_lowercase().chars().take(64).collect();
        s.insert(0, '!');
        s
    });
    // A place among the password verifiers first: a refused attempt costs no query.
    let admission = state
        .passwords
        .try_admit()
        .map_err(|_| ApiError::Unavailable { retry_after: 1 })?;
    let address = rate_limit::request_address(req, state.limits.trusts_forwarded_for()).to_string();
    let now = Utc::now();
    let settings = &state.settings;
    let pair_rule = Rule {
        max_failures: settings.login_max_failures,
        lockout: settings.login_lockout,
        window: settings.login_failure_window,
    };
    let address_rule = Rule {
        max_failures: settings.login_address_max_failures,
        lockout: settings.login_address_lockout,
        window: settings.login_failure_window,
    };
    let counted = auth::count_attempt(
        &state.app,
        username.clone(),
        address.clone(),
        now,
        pair_rule,
        address_rule,
    )
    .await?;
    let found = match counted {
        Attempt::Counted(found) => found.map(|b| *b),
        Attempt::Locked(until) => {
            let retry_after = (until - now).num_seconds().max(1) as u64;
            tracing::info!(retry_after, "sign-in refused: locked out");
            return Err(ApiError::TooManyRequests {
                retry_after,
                code: Code::TooManySignInFailures,
            });
        }
    };
    let (account, stored) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    let ok = admission
        .verify(password, stored)
        .await
        .map_err(|_| ApiError::Internal)?;
    match (account, ok) {
        (Some(account), true) => {
            auth::signed_in(&state.app, username, address, now).await?;
            let refresh = credentials::start_session(
                &state.app,
                account.id,
                credentials::ttl(state.settings.refresh_token_ttl),
            )
            .await?;
            tracing::info!(account = %account.id.0, role = account.role.as_str(), "signed in");
            person_tokens(state, &account, refresh, now)
        }
        _ => {
            // Already counted as a failure, before the verification.
            tracing::info!("sign-in refused");
            Err(ApiError::Unauthorized(AuthFailure::BadCredentials))
        }
    }
}
