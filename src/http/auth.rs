//! Bearer tokens: HS256 JWTs with `kid` (key rotation), `iss`, `aud`, `exp`, `nbf`, `sub` and
//! the caller's role. Verifying one is a few microseconds of HMAC: no database round trip.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::Arc;
use uuid::Uuid;

use super::problem::{ApiError, AuthFailure};
use super::scopes::{self, Refusal};
use crate::config::JwtSettings;
use crate::domain::account::credentials::{parse_scope_string, scope_string, Scope};
use crate::domain::account::{Account, AccountId, Caller, Role};

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_code: Option<String>,
    /// An API client's token: its scopes, space-separated (RFC 8693 §4.2). Absent on a
    /// person's sign-in token, which has every right of its role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// An API client's token: the `client_id` it was issued to (RFC 9068 §2.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// What a verified token says: the caller, and the scopes of an API client's token (`None`
/// for a person's sign-in: no restriction).
#[derive(Debug)]
pub struct Verified {
    pub caller: Caller,
    pub scopes: Option<Vec<Scope>>,
}

/// The keys that sign and verify tokens, shared by every worker.
#[derive(Clone)]
pub struct JwtKeys {
    inner: Arc<JwtKeysInner>,
}

struct JwtKeysInner {
    signing_kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: chrono::Duration,
}

impl JwtKeys {
    pub fn new(settings: &JwtSettings) -> Self {
        let mut verifying = HashMap::new();
        verifying.insert(
            settings.key_id.clone(),
            DecodingKey::from_secret(settings.secret.as_bytes()),
        );
        for (kid, secret) in &settings.previous_keys {
            verifying.insert(kid.clone(), DecodingKey::from_secret(secret.as_bytes()));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Self {
            inner: Arc::new(JwtKeysInner {
                signing_kid: settings.key_id.clone(),
                signing: EncodingKey::from_secret(settings.secret.as_bytes()),
                verifying,
                validation,
                issuer: settings.issuer.clone(),
                audience: settings.audience.clone(),
                ttl: chrono::Duration::from_std(settings.ttl)
                    .unwrap_or(chrono::Duration::minutes(15)),
            }),
        }
    }

    /// A person's token for the account (every right of its role), valid from `now` for the
    /// configured lifetime.
    pub fn issue(&self, account: &Account, now: DateTime<Utc>) -> Result<(String, i64), ApiError> {
        self.issue_scoped(account, None, now)
    }

    /// A token for the account, limited to `client`'s scopes when an API client asks.
    pub fn issue_scoped(
        &self,
        account: &Account,
        client: Option<(&str, &[Scope])>,
        now: DateTime<Utc>,
    ) -> Result<(String, i64), ApiError> {
        let k = &self.inner;
        let claims = Claims {
            iss: k.issuer.clone(),
            aud: k.audience.clone(),
            sub: account.id.0,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: (now + k.ttl).timestamp(),
            role: account.role,
            partner_code: account.partner_code.clone(),
            scope: client.map(|(_, scopes)| scope_string(scopes)),
            client_id: client.map(|(id, _)| id.to_owned()),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(k.signing_kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &k.signing).map_err(|e| {
            tracing::error!(error = %e, "token signing failed");
            ApiError::Internal
        })?;
        Ok((token, k.ttl.num_seconds()))
    }

    /// Checks a token: algorithm HS256 only, a known `kid`, signature, `exp`, `nbf`, `iss`, `aud`.
    pub fn verify(&self, token: &str) -> Result<Verified, AuthFailure> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthFailure::Malformed)?;
        if header.alg != Algorithm::HS256 {
            return Err(AuthFailure::Invalid);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.inner.verifying.get(kid))
            .ok_or(AuthFailure::Invalid)?;
        let data =
            jsonwebtoken::decode::<Claims>(token, key, &self.inner.validation).map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => AuthFailure::Expired,
                    ErrorKind::InvalidToken
                    | ErrorKind::Base64(_)
                    | ErrorKind::Json(_)
                    | ErrorKind::Utf8(_) => AuthFailure::Malformed,
                    _ => AuthFailure::Invalid,
                }
            })?;
        let claims = data.claims;
        if claims.role == Role::Partner && claims.partner_code.is_none() {
            return Err(AuthFailure::Invalid);
        }
        let scopes = match claims.scope.as_deref() {
            None => None,
            Some(s) => Some(parse_scope_string(s).ok_or(AuthFailure::Invalid)?),
        };
        Ok(Verified {
            caller: Caller {
                account_id: AccountId(claims.sub),
                role: claims.role,
                partner_code: claims.partner_code,
            },
            scopes,
        })
    }
}

/// The verified caller of a request. Every secured route takes one; a missing or bad token is
/// a 401 with `WWW-Authenticate: Bearer`; an API client's token without the route's scope
/// (the table of [`scopes`]) is a 403 `insufficient_scope`.
pub struct Authenticated(pub Caller);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authorize(req).map(Authenticated))
    }
}

fn authorize(req: &HttpRequest) -> Result<Caller, ApiError> {
    let verified = authenticate(req).map_err(ApiError::Unauthorized)?;
    let requirement = req
        .match_pattern()
        .and_then(|pattern| scopes::requirement(req.method().as_str(), &pattern));
    match scopes::check(requirement, verified.scopes.as_deref()) {
        Ok(()) => Ok(verified.caller),
        Err(Refusal::MissingScope(scope)) => Err(ApiError::InsufficientScope(scope)),
        Err(Refusal::SignInOnly) => Err(ApiError::SignInRequired),
    }
}

/// The account of a request's valid bearer token, if it has one (the rate limits count
/// per account with it; the route's own extractor still answers a bad token).
pub fn bearer_account(req: &HttpRequest) -> Option<Uuid> {
    authenticate(req).ok().map(|v| v.caller.account_id.0)
}

fn authenticate(req: &HttpRequest) -> Result<Verified, AuthFailure> {
    let keys = &req
        .app_data::<actix_web::web::Data<super::AppState>>()
        .ok_or(AuthFailure::Invalid)?
        .keys;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AuthFailure::Missing)?
        .to_str()
        .map_err(|_| AuthFailure::Malformed)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(AuthFailure::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthFailure::Malformed);
    }
    keys.verify(token.trim())
}
