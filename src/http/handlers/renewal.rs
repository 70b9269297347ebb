//! Renewals (SPEC §9): the next certificate of a multi-certificate plan, asked with a new CSR
//! pasted (case 1) or made by the service (case 2), during the renewal window.

use actix_web::body::BoxBody;
use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse, Responder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app;
use crate::domain::order::wizard::verify_csr;
use crate::domain::order::CsrOrigin;
use crate::domain::pki::keygen::{generate_csr as generate, openssl_instructions, KeyType};
use crate::http::auth::Authenticated;
use crate::http::handlers::keygen::{GenerateCsrRequest, KeyTypeView, OpenSslRecipe};
use crate::http::handlers::orders::order_id;
use crate::http::json::{parse_optional_json, RawBody, ValidJson};
use crate::http::life_views::{OrderLifeResponse, RenewalRequestBody};
use crate::http::problem::{ApiError, Problem};
use crate::http::views::etag;
use crate::http::AppState;

/// Ask for the plan's next certificate with a new CSR (case 1).
///
/// Accepted from `renewal.window_opens_at` (`RENEWAL_WINDOW_DAYS`, 30 by default, before the
/// current certificate expires) while the plan holds another certificate, for exactly the
/// order's names (a new key is advised). The CSR gets the same checks as the wizard's. A
/// domain whose control is older than the reuse period in force is validated again (see
/// `GET /orders/{id}/domains`); once every name is valid the sandbox issues at once and an
/// operator attaches the chain in manual mode. The new certificate's validity is the longest
/// allowed on its issue day, never past `plan.ends_at`. A second request before issuance
/// replaces the first.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body(content = RenewalRequestBody),
    responses(
        (status = 200, description = "Renewal recorded (and, in the sandbox with every name valid, the next certificate issued)", body = OrderLifeResponse,
            headers(("ETag" = String, description = "The order's version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Operators may not renew for the customer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not active (`transition_not_allowed`), window not open (`renewal_not_open`), or no certificate left in the plan (`renewal_not_planned`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The CSR breaks a rule, or its names differ from the order's (`renewal_names_differ`), on `/csr_pem`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/renewal")]
pub async fn request_renewal(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: ValidJson<RenewalRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let id = order_id(&path)?;
    let caller = caller.0;
    let generation =
        app::lifecycle::prepare_renewal_generation(&state.app, caller.clone(), id).await?;
    let record = verify_csr(
        &body.0.csr_pem,
        CsrOrigin::Pasted,
        "/csr_pem",
        generation.name_rules,
    )
    .map_err(ApiError::Validation)?;
    let outcome = app::lifecycle::request_renewal(&state.app, caller, id, record).await?;
    tracing::info!(order = %id.0, "renewal requested");
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(outcome.order.version)))
        .json(OrderLifeResponse::from(&outcome)))
}

/// What `POST /orders/{id}/renewal/generate-csr` answers.
#[derive(Debug, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum RenewalKeyResponse {
    Generated(Box<RenewalKeyReply>),
    Openssl(RenewalOpenSslReply),
}

/// The renewal's key pair and CSR, made by the service; the private key is in this response
/// only (`Cache-Control: no-store`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalKeyReply {
    pub key_type: KeyTypeView,
    pub csr_pem: String,
    #[schema(format = Password)]
    pub private_key_pem: String,
    pub private_key_encrypted: bool,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub public_key_sha256: String,
    pub life: OrderLifeResponse,
}

/// Server-side generation is off: the OpenSSL recipe for the renewal's CSR, to paste with
/// `POST /orders/{id}/renewal`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalOpenSslReply {
    pub key_type: KeyTypeView,
    pub openssl: OpenSslRecipe,
}

impl utoipa::PartialSchema for RenewalKeyResponse {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::http::contract::discriminated_union(
            "mode",
            &[
                ("generated", "RenewalKeyGenerated"),
                ("openssl", "RenewalKeyOpenssl"),
            ],
        )
        .description(Some(
            "`mode: generated`: the key and CSR are here and the renewal is recorded. \
`mode: openssl`: server-side generation is off; run `openssl` with the recipe, then paste the \
CSR with `POST /orders/{id}/renewal`.",
        ))
        .into()
    }
}

impl ToSchema for RenewalKeyResponse {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::http::contract::tagged_variant;
        use utoipa::PartialSchema;
        schemas.push((
            "RenewalKeyGenerated".into(),
            tagged_variant(
                RenewalKeyReply::schema(),
                "mode",
                "generated",
                "The key and CSR were made; the renewal is recorded.",
            ),
        ));
        schemas.push((
            "RenewalKeyOpenssl".into(),
            tagged_variant(
                RenewalOpenSslReply::schema(),
                "mode",
                "openssl",
                "Server-side generation is off: the OpenSSL recipe for the renewal's CSR.",
            ),
        ));
        <RenewalKeyReply as ToSchema>::schemas(schemas);
        <RenewalOpenSslReply as ToSchema>::schemas(schemas);
    }
}

/// An answer that carries a private key: never cached.
pub struct NoStore(RenewalKeyResponse, Option<i32>);

impl Responder for NoStore {
    type Body = BoxBody;
    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        res.insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        if let Some(v) = self.1 {
            res.insert_header((header::ETAG, etag(v)));
        }
        res.json(self.0)
    }
}

/// Ask for the plan's next certificate with a key pair and CSR the service makes (case 2).
///
/// The same rules as `POST /orders/{id}/renewal`; the key pair is made like
/// `POST /orders/{id}/generate-csr` (same key types, optional passphrase, bounded pool) for
/// the order's names and subject, and the private key is in this response only. When
/// server-side generation is off, the answer is the OpenSSL recipe instead.
#[utoipa::path(
    tag = "lifecycle",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body(content = Option<GenerateCsrRequest>, description = "Optional: key type (default ecdsa-p256) and passphrase"),
    responses(
        (status = 200, description = "The key pair and CSR (the renewal recorded), or the OpenSSL recipe", body = RenewalKeyResponse,
            headers(("Cache-Control" = String, description = "no-store"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Operators may not renew for the customer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not active, window not open, or no certificate left in the plan", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad key type or passphrase", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Key generation is saturated: retry after the delay given", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/renewal/generate-csr")]
pub async fn generate_renewal_csr(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    body: RawBody,
) -> Result<NoStore, ApiError> {
    let id = order_id(&path)?;
    let caller = caller.0;
    let request: GenerateCsrRequest = parse_optional_json(&body.0)?.unwrap_or_default();
    let key_type_view = request.key_type.unwrap_or_default();
    let key_type = KeyType::from(key_type_view);
    let generation =
        app::lifecycle::prepare_renewal_generation(&state.app, caller.clone(), id).await?;
    if !state.settings.server_keygen {
        let recipe = openssl_instructions(key_type, &generation.subject, &generation.names);
        return Ok(NoStore(
            RenewalKeyResponse::Openssl(RenewalOpenSslReply {
                key_type: key_type_view,
                openssl: OpenSslRecipe {
                    config_file: recipe.config_file,
                    config: recipe.config,
                    command: recipe.command,
                    key_file: recipe.key_file,
                    csr_file: recipe.csr_file,
                },
            }),
            None,
        ));
    }
    let passphrase = request.passphrase;
    let encrypted = passphrase.is_some();
    let (subject, names) = (generation.subject.clone(), generation.names.clone());
    let generated = state
        .keygen
        .run(move || generate(key_type, &subject, &names, passphrase.as_deref()))
        .await
        .map_err(|_| ApiError::Unavailable { retry_after: 5 })?
        .map_err(|e| {
            ApiError::Validation(vec![e.to_issue(if e.code() == "keygen_passphrase" {
                "/passphrase"
            } else {
                "/key_type"
            })])
        })?;
    let record = verify_csr(
        &generated.csr_pem,
        CsrOrigin::Generated,
        "/csr_pem",
        generation.name_rules,
    )
    .map_err(|e| {
        tracing::error!(issues = ?e.iter().map(|i| &i.code).collect::<Vec<_>>(), "a generated renewal CSR failed verification");
        ApiError::Internal
    })?;
    let outcome = app::lifecycle::request_renewal(&state.app, caller, id, record).await?;
    tracing::info!(order = %id.0, key_type = key_type.as_str(), "renewal key pair and CSR generated");
    Ok(NoStore(
        RenewalKeyResponse::Generated(Box::new(RenewalKeyReply {
            key_type: key_type_view,
            csr_pem: generated.csr_pem.clone(),
            private_key_pem: generated.private_key_pem.to_string(),
            private_key_encrypted: encrypted,
            public_key_sha256: generated.public_key_sha256.clone(),
            life: OrderLifeResponse::from(&outcome),
        })),
        Some(outcome.order.version),
    ))
}
