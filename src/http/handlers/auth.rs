//! Sign-in: the seed's "identifiant / mot de passe / Se connecter" (steps 1–3).

use actix_web::{post, web, HttpRequest};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::auth::{self, Attempt, Rule};
use crate::domain::account::normalize_username;
use crate::domain::shared::issue::Code;
use crate::http::json::ValidJson;
use crate::http::problem::{ApiError, AuthFailure, Problem};
use crate::http::rate_limit;
use crate::http::views::RoleView;
use crate::http::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "demo.client", "password": "demo-client-password"}))]
pub struct TokenRequest {
    /// The identifiant of the customer space.
    #[schema(max_length = 64)]
    pub username: String,
    #[schema(max_length = 256, format = Password)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub role: RoleView,
}

/// Sign in and get a bearer token.
///
/// One answer (401 `invalid_credentials`) for an unknown username and a wrong password, at
/// the same cost. After repeated failures of a username from one client address, that
/// username is locked out *from that address* for a while (429 `too_many_sign_in_failures`
/// with `Retry-After`), the lock doubling with each further failure; an address failing
/// with many usernames is locked out too, at a higher limit. The route is also rate
/// limited per address (429 `rate_limited`), and answers 503 with `Retry-After` when every
/// password verifier is busy.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing or of the wrong type", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures: locked out for a while", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable, or every password verifier busy (retry after `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<TokenRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let TokenRequest { username, password } = body.0;
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
    let address =
        rate_limit::request_address(&req, state.limits.trusts_forwarded_for()).to_string();
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
            let (access_token, expires_in) = state.keys.issue(&account, now)?;
            tracing::info!(account = %account.id.0, role = account.role.as_str(), "signed in");
            Ok(web::Json(TokenResponse {
                access_token,
                token_type: "Bearer",
                expires_in,
                role: account.role.into(),
            }))
        }
        _ => {
            // Already counted as a failure, before the verification.
            tracing::info!("sign-in refused");
            Err(ApiError::Unauthorized(AuthFailure::BadCredentials))
        }
    }
}
