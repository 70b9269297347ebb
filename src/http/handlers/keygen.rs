//! Case 2 of the seed: the service makes the key pair and the CSR for the order's names.

use actix_web::body::BoxBody;
use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse, Responder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app;
use crate::domain::order::wizard::verify_csr;
use crate::domain::order::CsrOrigin;
use crate::domain::pki::keygen::{generate_csr as generate, openssl_instructions, KeyType};
use crate::http::auth::Authenticated;
use crate::http::handlers::orders::order_id;
use crate::http::json::{parse_optional_json, RawBody};
use crate::http::problem::{ApiError, Problem};
use crate::http::views::{etag, OrderResponse};
use crate::http::{AcceptLanguage, AppState};

/// A key type: `ecdsa-p256` (default), `ecdsa-p384`, `rsa-2048`, `rsa-3072`, `rsa-4096`.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema)]
pub enum KeyTypeView {
    #[default]
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    #[serde(rename = "ecdsa-p384")]
    EcdsaP384,
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    #[serde(rename = "rsa-4096")]
    Rsa4096,
}

impl From<KeyTypeView> for KeyType {
    fn from(k: KeyTypeView) -> Self {
        match k {
            KeyTypeView::EcdsaP256 => KeyType::EcdsaP256,
            KeyTypeView::EcdsaP384 => KeyType::EcdsaP384,
            KeyTypeView::Rsa2048 => KeyType::Rsa2048,
            KeyTypeView::Rsa3072 => KeyType::Rsa3072,
            KeyTypeView::Rsa4096 => KeyType::Rsa4096,
        }
    }
}

/// The body is optional: `{}` or none gives an unencrypted ECDSA P-256 key.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"key_type": "ecdsa-p256", "passphrase": "a long passphrase"}))]
pub struct GenerateCsrRequest {
    pub key_type: Option<KeyTypeView>,
    /// Encrypts the returned private key (PKCS#8, PBES2 AES-256-CBC); at least 8 characters.
    /// Never stored or logged.
    #[schema(format = Password)]
    pub passphrase: Option<String>,
}

/// With server-side generation switched off (`SERVER_KEYGEN=off`, as the Baseline
/// Requirements §6.1.1.3 require of a CA), the recipe to make the same CSR yourself.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenSslRecipe {
    /// File name for the config.
    pub config_file: String,
    /// An `openssl req` configuration with the order's names and the holder's subject.
    pub config: String,
    /// The command to run next to the config.
    pub command: String,
    pub key_file: String,
    pub csr_file: String,
}

/// The answer of `generate-csr`, discriminated by `mode` (see [`GenerateCsrResponse::schema`]).
#[derive(Debug, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum GenerateCsrResponse {
    /// The key and CSR are below and the CSR is on the order.
    Generated(GeneratedKeyReply),
    /// Server-side generation is off: run `openssl` with the recipe, then paste the CSR
    /// (`generation_method: csr`, `csr_pem`).
    Openssl(OpenSslReply),
}

/// `mode: generated`.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeneratedKeyReply {
    pub key_type: KeyTypeView,
    /// The CSR, also stored on the order.
    pub csr_pem: String,
    /// The private key, PKCS#8 PEM — shown once, in this response only, never stored.
    #[schema(format = Password)]
    pub private_key_pem: String,
    /// Whether `private_key_pem` is encrypted with the passphrase given.
    pub private_key_encrypted: bool,
    /// SHA-256 of the public key (DER SubjectPublicKeyInfo), as kept on the order.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub public_key_sha256: String,
    /// The order after the CSR was stored.
    pub order: OrderResponse,
}

/// `mode: openssl`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenSslReply {
    pub key_type: KeyTypeView,
    pub openssl: OpenSslRecipe,
    /// The order, unchanged.
    pub order: OrderResponse,
}

impl utoipa::PartialSchema for GenerateCsrResponse {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::http::contract::discriminated_union(
            "mode",
            &[
                ("generated", "GenerateCsrGenerated"),
                ("openssl", "GenerateCsrOpenssl"),
            ],
        )
        .description(Some(
            "`mode: generated`: the key and CSR are here and the CSR is on the order. \
`mode: openssl`: server-side generation is off; run `openssl` with the recipe, then paste the \
CSR (`generation_method: csr`, `csr_pem`).",
        ))
        .into()
    }
}

impl ToSchema for GenerateCsrResponse {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use crate::http::contract::tagged_variant;
        use utoipa::PartialSchema;
        schemas.push((
            "GenerateCsrGenerated".into(),
            tagged_variant(
                GeneratedKeyReply::schema(),
                "mode",
                "generated",
                "The key and CSR were made; the CSR is on the order.",
            ),
        ));
        schemas.push((
            "GenerateCsrOpenssl".into(),
            tagged_variant(
                OpenSslReply::schema(),
                "mode",
                "openssl",
                "Server-side generation is off: the OpenSSL recipe for the same CSR.",
            ),
        ));
        <GeneratedKeyReply as ToSchema>::schemas(schemas);
        <OpenSslReply as ToSchema>::schemas(schemas);
    }
}

/// The answer, with `Cache-Control: no-store` (it may carry a private key) and the order's
/// ETag.
pub struct NoStore(GenerateCsrResponse, i32);

impl Responder for NoStore {
    type Body = BoxBody;
    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .insert_header((header::ETAG, etag(self.1)))
            .json(self.0)
    }
}

/// Case 2: generate the key pair and the CSR for the order's FQDN and extra names.
///
/// The CSR carries the order's names (the FQDN as CN and every name as a SAN) and the
/// holder's organization as subject. The private key is returned in this response only
/// (`Cache-Control: no-store`), encrypted when a passphrase is given; it is never stored or
/// logged — the order keeps the CSR and the public key's fingerprint. Key generation runs in
/// a bounded pool: when it is full the answer is 503 with `Retry-After`. With server-side
/// generation off, the answer is an OpenSSL recipe for the same names.
#[utoipa::path(
    tag = "orders",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    request_body(content = Option<GenerateCsrRequest>, description = "Optional"),
    responses(
        (status = 200, description = "Generated (or, with generation off, the OpenSSL recipe)", body = GenerateCsrResponse,
            headers(("Cache-Control" = String, description = "no-store"), ("ETag" = String, description = "The order's version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An operator may read, not change, another account's order", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order for this account", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft, or the order's names changed during generation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Case 2 not ready (method, FQDN) or bad key type or passphrase", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Key generation is saturated: retry after the delay given", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/orders/{id}/generate-csr")]
pub async fn generate_csr(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<String>,
    lang: AcceptLanguage,
    body: RawBody,
) -> Result<NoStore, ApiError> {
    let id = order_id(&path)?;
    let caller = caller.0;
    let request: GenerateCsrRequest = parse_optional_json(&body.0)?.unwrap_or_default();
    let key_type_view = request.key_type.unwrap_or_default();
    let key_type = KeyType::from(key_type_view);
    let generation = app::orders::prepare_generation(&state.app, caller.clone(), id).await?;
    let subject = generation.subject.clone();
    let names = generation.names.clone();
    let order = &generation.order;

    if !state.settings.server_keygen {
        let recipe = openssl_instructions(key_type, &subject, &names);
        return Ok(NoStore(
            GenerateCsrResponse::Openssl(OpenSslReply {
                key_type: key_type_view,
                openssl: OpenSslRecipe {
                    config_file: recipe.config_file,
                    config: recipe.config,
                    command: recipe.command,
                    key_file: recipe.key_file,
                    csr_file: recipe.csr_file,
                },
                order: OrderResponse::build(order, &caller, None, &state, lang.0),
            }),
            order.version,
        ));
    }

    let passphrase = request.passphrase;
    let encrypted = passphrase.is_some();
    let gen_names = names.clone();
    let generated = state
        .keygen
        .run(move || generate(key_type, &subject, &gen_names, passphrase.as_deref()))
        .await
        .map_err(|_| ApiError::Unavailable { retry_after: 5 })?
        .map_err(|e| {
            ApiError::Validation(vec![e.to_issue(if e.code() == "keygen_passphrase" {
                "/passphrase"
            } else {
                "/fqdn"
            })])
        })?;
    let record = verify_csr(
        &generated.csr_pem,
        CsrOrigin::Generated,
        "/csr_pem",
        generation.name_rules,
    )
    .map_err(|e| {
        tracing::error!(issues = ?e.iter().map(|i| &i.code).collect::<Vec<_>>(), "a generated CSR failed verification");
        ApiError::Internal
    })?;
    let saved =
        app::orders::attach_generated_csr(&state.app, caller.clone(), &generation, record).await?;
    tracing::info!(order = %saved.id.0, key_type = key_type.as_str(), "key pair and CSR generated");
    Ok(NoStore(
        GenerateCsrResponse::Generated(GeneratedKeyReply {
            key_type: key_type_view,
            csr_pem: generated.csr_pem.clone(),
            private_key_pem: generated.private_key_pem.to_string(),
            private_key_encrypted: encrypted,
            public_key_sha256: generated.public_key_sha256.clone(),
            order: OrderResponse::build(&saved, &caller, None, &state, lang.0),
        }),
        saved.version,
    ))
}
