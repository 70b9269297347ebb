//! `Idempotency-Key` on `POST /orders` and `commander`: the header and the request's
//! fingerprint. The use cases (`app::orders`) store the first answer in the transaction of the
//! change and replay it to a retry with the same request; the same key with a different
//! request is refused (422 `idempotency_key_reused`).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use sha2::{Digest, Sha256};
use std::future::{ready, Ready};
use utoipa::IntoParams;

use super::problem::ApiError;
use crate::app::Idempotency;
use crate::domain::shared::issue::{Code, FieldIssue};

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
                Code::IdempotencyKeyInvalid,
                "L'en-tête Idempotency-Key doit compter de 1 à 255 caractères ASCII visibles.",
                "The Idempotency-Key header must be 1 to 255 visible ASCII characters.",
            )])),
        })
    }
}

impl IdempotencyKey {
    /// The key with the fingerprint of its request, for the use case.
    pub fn with_body(self, scope_detail: &str, body: &[u8]) -> Idempotency {
        Idempotency {
            request_hash: request_hash(scope_detail, body),
            key: self.key,
        }
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
