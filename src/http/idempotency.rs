//! `Idempotency-Key` on `POST /orders` and `commander`: the first answer is stored in the
//! same transaction as the change and replayed to a retry with the same request; the same
//! key with a different request is refused (422 `idempotency_key_reused`).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use diesel::PgConnection;
use sha2::{Digest, Sha256};
use std::future::{ready, Ready};
use utoipa::IntoParams;

use super::problem::ApiError;
use super::views::OrderReply;
use crate::domain::account::Caller;
use crate::domain::shared::issue::FieldIssue;
use crate::persistence::idempotency::{self, StoredResponse};

/// The optional `Idempotency-Key` header: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKey {
    /// A key unique to this operation (e.g. a UUID); a retry with the same key and the same
    /// request replays the first answer.
    #[param(rename = "Idempotency-Key", min_length = 1, max_length = 255)]
    pub key: Option<String>,
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get("idempotency-key") else {
            return ready(Ok(IdempotencyKey { key: None }));
        };
        let valid =
            value.to_str().ok().map(str::trim).filter(|k| {
                !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic())
            });
        ready(match valid {
            Some(k) => Ok(IdempotencyKey {
                key: Some(k.to_owned()),
            }),
            None => Err(ApiError::Validation(vec![FieldIssue::new(
                "/headers/Idempotency-Key",
                "idempotency_key_invalid",
                "L'en-tête Idempotency-Key doit compter de 1 à 255 caractères ASCII visibles.",
                "The Idempotency-Key header must be 1 to 255 visible ASCII characters.",
            )])),
        })
    }
}

/// A fingerprint of the request: the same body (whatever its spacing or key order) gives
/// the same hash.
pub fn request_hash(scope_detail: &str, body: &[u8]) -> String {
    let canonical = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => serde_json::to_vec(&v).unwrap_or_else(|_| body.to_vec()),
        Err(_) => body.to_vec(),
    };
    let mut h = Sha256::new();
    h.update(scope_detail.as_bytes());
    h.update([0]);
    h.update(&canonical);
    hex::encode(h.finalize())
}

/// The stored answer for a retry, if this key was seen; an error if it was seen with
/// another request. Must run inside the transaction that will `remember` the new answer.
pub fn replay(
    conn: &mut PgConnection,
    caller: &Caller,
    scope: &str,
    key: &IdempotencyKey,
    hash: &str,
) -> Result<Option<OrderReply>, ApiError> {
    let Some(k) = key.key.as_deref() else {
        return Ok(None);
    };
    match idempotency::find(conn, caller.account_id, scope, k)? {
        None => Ok(None),
        Some(stored) if stored.request_hash == hash => {
            OrderReply::replayed(stored.status_code, stored.body).map(Some)
        }
        Some(_) => Err(ApiError::IdempotencyKeyReused),
    }
}

pub fn remember(
    conn: &mut PgConnection,
    caller: &Caller,
    scope: &str,
    key: &IdempotencyKey,
    hash: &str,
    reply: &OrderReply,
) -> Result<(), ApiError> {
    if let Some(k) = key.key.as_deref() {
        idempotency::store(
            conn,
            caller.account_id,
            scope,
            k,
            &StoredResponse {
                request_hash: hash.to_owned(),
                status_code: reply.status.as_u16(),
                body: reply.body_json.clone(),
            },
        )?;
    }
    Ok(())
}
