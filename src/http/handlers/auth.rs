//! Sign-in: the seed's "identifiant / mot de passe / Se connecter" (steps 1–3).

use actix_web::{post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::account::normalize_username;
use crate::domain::account::password::verify_password;
use crate::http::json::ValidJson;
use crate::http::problem::{ApiError, AuthFailure, Problem};
use crate::http::views::RoleView;
use crate::http::AppState;
use crate::persistence::{accounts, login};

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
/// the same cost. After repeated failures the username is locked out for a while (429 with
/// `Retry-After`), the lock doubling with each further failure.
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
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    body: ValidJson<TokenRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let TokenRequest { username, password } = body.0;
    // A name that cannot be a username still costs one hash, and is throttled like others.
    let username = normalize_username(&username).unwrap_or_else(|| {
        let mut s: String = username.trim().to_lowercase().chars().take(64).collect();
        s.insert(0, '!');
        s
    });
    let now = Utc::now();
    let max_failures = state.settings.login_max_failures;
    let lockout = state.settings.login_lockout;
    let name = username.clone();
    let outcome = state
        .app
        .db
        .run(
            move |conn| -> Result<Result<_, chrono::DateTime<Utc>>, ApiError> {
                if let Some(until) = login::locked_until(conn, &name, now)? {
                    return Ok(Err(until));
                }
                Ok(Ok(accounts::find_by_username(conn, &name)?))
            },
        )
        .await?;
    let found = match outcome {
        Err(until) => {
            let retry_after = (until - now).num_seconds().max(1) as u64;
            return Err(ApiError::TooManyRequests {
                retry_after,
                code: "too_many_sign_in_failures",
            });
        }
        Ok(found) => found,
    };
    let (account, ok) = actix_web::rt::task::spawn_blocking(move || {
        let ok = verify_password(&password, found.as_ref().map(|(_, h)| h.as_str()));
        (found.map(|(a, _)| a), ok)
    })
    .await
    .map_err(|_| ApiError::Internal)?;
    match (account, ok) {
        (Some(account), true) => {
            let name = username.clone();
            state
                .app
                .db
                .run(move |conn| login::clear(conn, &name))
                .await?;
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
            state
                .app
                .db
                .run(move |conn| login::record_failure(conn, &username, now, max_failures, lockout))
                .await?;
            tracing::info!("sign-in refused");
            Err(ApiError::Unauthorized(AuthFailure::BadCredentials))
        }
    }
}
