//! The HTTP layer: actix handlers, request/response DTOs with their OpenAPI schemas, the
//! auth extractor and the problem+json error type. The only place that knows actix and utoipa.

pub(crate) mod auth;
pub(crate) mod bounded_pool;
pub(crate) mod contract;
pub(crate) mod dcv_views;
pub(crate) mod handlers;
pub(crate) mod idempotency;
pub(crate) mod json;
pub(crate) mod life_views;
pub(crate) mod panic;
pub(crate) mod password_pool;
pub mod problem;
pub(crate) mod query;
pub(crate) mod rate_limit;
pub(crate) mod scopes;
pub(crate) mod step_views;
pub(crate) mod steps;
pub(crate) mod views;
pub(crate) mod wizard_meta;

use std::sync::Arc;

use actix_web::{web, HttpRequest};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::App;
use crate::config::Settings;
use crate::domain::shared::issue::{Code, Lang};
use auth::JwtKeys;
use contract::Servers;
use problem::ApiError;

/// What every handler shares: the use cases' context, the token keys, the settings and the
/// key-generation pool.
pub struct AppState {
    pub app: App,
    pub keys: JwtKeys,
    pub settings: Arc<Settings>,
    pub keygen: bounded_pool::BoundedPool,
    /// PDF rendering: about one render per core, a bounded queue, 503 beyond (the same
    /// bounded pool as key generation), so that a burst of downloads cannot grow the memory.
    pub renders: bounded_pool::BoundedPool,
    /// The bounded pool verifying passwords (sign-in).
    pub passwords: password_pool::PasswordPool,
    /// The rate limits of the expensive routes (also used by the housekeeping task).
    pub limits: Arc<rate_limit::RateLimits>,
    /// Uploads being received (each holds its file in memory): `UPLOAD_CONCURRENCY` permits.
    pub uploads: tokio::sync::Semaphore,
}

/// The language of the answer, from `Accept-Language` (French unless English is preferred).
pub struct AcceptLanguage(pub Lang);

impl actix_web::FromRequest for AcceptLanguage {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(AcceptLanguage(problem::negotiate_lang(
            req.headers().get(actix_web::http::header::ACCEPT_LANGUAGE),
        ))))
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "certorder",
        description = "Order TLS server certificates (Pack SSL, SSL RGS*) from a certificate authority: \
a draft order is created, each step of the authority's ordering wizard is patched onto it, CSRs and \
domain names are validated to the CA/Browser Forum's rules, and the order is finalized with \
`POST /orders/{id}/commander`.\n\nErrors are `application/problem+json` (RFC 9457) with a stable `code` \
and, for field problems, `errors[]` (`pointer`, `code`, `message`). `pointer` is a JSON pointer into the \
request body for `PATCH /orders/{id}`, `POST /orders`, `POST /csr/decode` and `POST /domains/check`; for \
`commander`, `generate-csr` and an order's `invalid[]` it names the order's field that answers the step, \
in the shape of `PATCH`'s body (`/csr_pem`, `/holder/contact/email`). `missing` lists step names; \
`GET /catalog` `wizard.steps[]` maps each step to its pointer and fields, with FR/EN labels and the \
generation methods it applies to. Messages are in \
French by default, in English with `Accept-Language: en`.\n\nSign in with `POST /auth/token`, then \
send `Authorization: Bearer <token>`.",
        license(name = "MIT")
    ),
    components(schemas(views::KeyAlgorithmName, views::CurveName)),
    modifiers(&BearerScheme, &ErrorCodes, &RightsMatrix, &Servers),
    tags(
        (name = "auth", description = "Sign in (seed steps 1–3), refresh and sign out; the caller's account; API clients (client credentials, scopes)"),
        (name = "clients", description = "A partner's client list: invitations, the client's consent, orders on behalf of a client"),
        (name = "orders", description = "Orders and the steps of the wizard; who may do what is the rights matrix below"),
        (name = "lifecycle", description = "After \"Commander\": requirements, operators' review, issuance, acceptance, revocation, cancellation, timeline"),
        (name = "documents", description = "Justificatifs after \"Commander\": upload (customer), review (operator), download"),
        (name = "catalog", description = "Authorities, durations, prices, payment methods, CGU"),
        (name = "webhooks", description = "Signed webhooks (Standard Webhooks v1): endpoints, secret rotation, deliveries and their attempts, redelivery and recovery"),
        (name = "checks", description = "Stateless checks: the same CSR and domain rules, no order needed"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from POST /auth/token"))
                    .build(),
            ),
        );
    }
}

/// Appends the table of every stable error code, in French and English, to the contract's
/// description, built by iterating the closed `Code` enum.
struct ErrorCodes;

/// Every documented code, each once, in a stable order.
pub fn error_codes() -> Vec<Code> {
    Code::all().collect()
}

impl Modify for ErrorCodes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut table = String::from(
            "\n\n## Error codes\n\nStable codes of `code` and `errors[].code`; the message sent is \
French by default, English with `Accept-Language: en`.\n\n| code | français | English |\n|---|---|---|\n",
        );
        for c in error_codes() {
            table.push_str(&format!(
                "| `{}` | {} | {} |\n",
                c.as_str(),
                c.fr().replace('|', "\\|"),
                c.en().replace('|', "\\|")
            ));
        }
        let description = openapi.info.description.get_or_insert_with(String::new);
        description.push_str(&table);
    }
}

/// Appends the rights matrix (`domain::order::rights::MATRIX`) to the contract's
/// description: who may do what on an order.
struct RightsMatrix;

impl Modify for RightsMatrix {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use crate::domain::order::rights::{allows, Relation, MATRIX};
        let mut table = String::from(
            "\n\n## Rights\n\nWho may do what on an order, by how the caller stands to it: the \
order's owner (a customer, or a partner on its own order), a partner preparing it for one of its \
clients (`POST /orders?on_behalf_of=`; the client owns it), a partner the order only names (step 6), \
an operator. A caller in none of these gets 404 `not_found`; a refused cell is 403 `read_only`, or \
`subscriber_only` where the owner must act itself (the Baseline Requirements bind the subscriber, \
not the reseller). Operators act through their own routes (review, approval, revocation).\n\n| action |",
        );
        for r in Relation::ALL {
            table.push_str(&format!(" {} (`{}`) |", r.label(), r.as_str()));
        }
        table.push_str("\n|---|");
        table.push_str(&"---|".repeat(Relation::ALL.len()));
        table.push('\n');
        for (action, _) in MATRIX {
            table.push_str(&format!("| {} (`{}`) |", action.label(), action.as_str()));
            for r in Relation::ALL {
                table.push_str(if allows(r, action) { " yes |" } else { " no |" });
            }
            table.push('\n');
        }
        let description = openapi.info.description.get_or_insert_with(String::new);
        description.push_str(&table);
    }
}

/// Where routes are registered: utoipa-actix-web's config (once, to collect the contract from
/// their `#[utoipa::path]`), or actix's own (each worker: building the contract again in every
/// worker cost ~11 MB of resident memory per worker).
pub trait Routes {
    fn route<F>(&mut self, factory: F) -> &mut Self
    where
        F: actix_web::dev::HttpServiceFactory + utoipa_actix_web::OpenApiFactory + 'static;
}

impl Routes for ServiceConfig<'_> {
    fn route<F>(&mut self, factory: F) -> &mut Self
    where
        F: actix_web::dev::HttpServiceFactory + utoipa_actix_web::OpenApiFactory + 'static,
    {
        self.service(factory)
    }
}

impl Routes for web::ServiceConfig {
    fn route<F>(&mut self, factory: F) -> &mut Self
    where
        F: actix_web::dev::HttpServiceFactory + utoipa_actix_web::OpenApiFactory + 'static,
    {
        self.service(factory)
    }
}

/// Registers every documented route (the one list, for both kinds of config).
pub fn routes<R: Routes>(cfg: &mut R) {
    cfg.route(handlers::auth::create_token)
        .route(handlers::account::logout)
        .route(handlers::account::get_me)
        .route(handlers::account::create_api_client)
        .route(handlers::account::list_api_clients)
        .route(handlers::account::revoke_api_client)
        .route(handlers::clients::invite_client)
        .route(handlers::clients::list_clients)
        .route(handlers::clients::end_client_link)
        .route(handlers::clients::list_my_partners)
        .route(handlers::clients::accept_partner)
        .route(handlers::clients::end_partner_link)
        .route(handlers::orders::create_order)
        .route(handlers::orders::list_orders)
        .route(handlers::orders::get_order)
        .route(handlers::orders::cancel_order)
        .route(handlers::wizard::patch_order)
        .route(handlers::wizard::commander_order)
        .route(handlers::keygen::generate_csr)
        .route(handlers::catalog::get_catalog)
        .route(handlers::checks::decode_csr)
        .route(handlers::checks::check_domains)
        .route(handlers::formulaire::get_formulaire_pdf)
        .route(handlers::documents::get_documents)
        .route(handlers::documents::upload_document)
        .route(handlers::documents::download_document_file)
        .route(handlers::documents::review_document)
        .route(handlers::lifecycle::get_life)
        .route(handlers::lifecycle::record_payment)
        .route(handlers::lifecycle::approve)
        .route(handlers::lifecycle::reject)
        .route(handlers::lifecycle::attach_certificate)
        .route(handlers::lifecycle::get_certificate)
        .route(handlers::lifecycle::cancel)
        .route(handlers::lifecycle::accept)
        .route(handlers::lifecycle::refuse)
        .route(handlers::lifecycle::request_revocation)
        .route(handlers::lifecycle::record_revocation)
        .route(handlers::renewal::request_renewal)
        .route(handlers::renewal::generate_renewal_csr)
        .route(handlers::lifecycle::timeline)
        .route(handlers::lifecycle::review_queue)
        .route(handlers::dcv::list_domain_controls)
        .route(handlers::dcv::set_domain_method)
        .route(handlers::dcv::check_domains_now)
        .route(handlers::dcv::check_domain)
        .route(handlers::events::list_events)
        .route(handlers::webhooks::create_webhook_endpoint)
        .route(handlers::webhooks::list_webhook_endpoints)
        .route(handlers::webhooks::get_webhook_endpoint)
        .route(handlers::webhooks::patch_webhook_endpoint)
        .route(handlers::webhooks::delete_webhook_endpoint)
        .route(handlers::webhooks::rotate_webhook_secret)
        .route(handlers::webhooks::list_webhook_deliveries)
        .route(handlers::webhooks::redeliver_webhook)
        .route(handlers::webhooks::recover_webhooks)
        .route(handlers::health::live)
        .route(handlers::health::ready)
        .route(handlers::health::metrics);
}

/// The OpenAPI document, as served at `/openapi.json` and committed in `openapi/`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(|cfg| routes(cfg))
        .split_for_parts();
    // These passes need the paths and components the routes bring.
    let mut api = api;
    // The 429s of the rate-limited routes first, so that the header pass sees them too.
    rate_limit::document(&mut api);
    for pass in [&contract::Headers as &dyn Modify, &steps::Refinements] {
        pass.modify(&mut api);
    }
    api
}

/// The contract, serialized once at start and shared by every worker (`GET /openapi.json`).
#[derive(Clone)]
pub struct ContractJson(pub web::Bytes);

impl ContractJson {
    pub fn build() -> Result<Self, serde_json::Error> {
        Ok(ContractJson(web::Bytes::from(serde_json::to_vec(
            &openapi(),
        )?)))
    }
}

/// `GET /openapi.json`: the contract (also what Swagger UI loads).
pub async fn contract_json(doc: web::Data<ContractJson>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

/// Cross-origin access for the browser frontends of `CORS_ALLOWED_ORIGINS` (none by default):
/// the methods and request headers the API uses, and the response headers a frontend reads.
pub fn cors(origins: &[String]) -> actix_cors::Cors {
    use actix_web::http::header;
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Actix's own extractors answer in plain text by default; these make them problem+json.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req: &HttpRequest| ApiError::InvalidQuery(err.to_string()).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_err, _req: &HttpRequest| ApiError::NotFound.into())
}

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req: &HttpRequest| {
            use actix_web::error::JsonPayloadError;
            match err {
                JsonPayloadError::OverflowKnownLength { limit, .. }
                | JsonPayloadError::Overflow { limit } => {
                    ApiError::PayloadTooLarge { limit }.into()
                }
                JsonPayloadError::ContentType => ApiError::UnsupportedMediaType.into(),
                other => ApiError::MalformedBody(other.to_string()).into(),
            }
        })
}

/// Any request no route matches: 405 with `Allow` when the path is one of the contract's with
/// another method (RFC 9110 §15.5.6), 404 otherwise.
pub async fn not_found(req: HttpRequest) -> actix_web::HttpResponse {
    use actix_web::http::header::{HeaderValue, ALLOW};
    use actix_web::ResponseError;
    match allowed_methods(req.path()).and_then(|m| HeaderValue::from_str(m).ok()) {
        Some(allow) => {
            let mut res = ApiError::MethodNotAllowed.error_response();
            res.headers_mut().insert(ALLOW, allow);
            res
        }
        None => ApiError::NotFound.error_response(),
    }
}

/// The methods the contract documents for `path` (`"GET, PATCH"`), if it is one of its paths.
fn allowed_methods(path: &str) -> Option<&'static str> {
    static ROUTES: std::sync::OnceLock<Vec<(Vec<String>, String)>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        openapi()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                let allow: Vec<&str> = methods.iter().filter(|m| m.1).map(|m| m.0).collect();
                let segments = template.split('/').map(str::to_owned).collect();
                (segments, allow.join(", "))
            })
            .collect()
    });
    let segments: Vec<&str> = path.split('/').collect();
    routes
        .iter()
        .find(|(template, _)| {
            template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| {
                    t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty())
                })
        })
        .map(|(_, allow)| allow.as_str())
}
