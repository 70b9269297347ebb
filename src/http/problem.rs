//! Errors as `application/problem+json` (RFC 9457).
//!
//! [`ApiError`] is the one closed list of what can go wrong, each mapped to a status, a stable
//! code and French and English texts. A handler's error becomes a response carrying the
//! error in its extensions; [`render_problems`] (a middleware) then writes the body in the
//! caller's language with the request's path and id, and adds `x-request-id` to every response.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::domain::account::credentials::Scope;
use crate::domain::documents::slot::{SlotError, SlotStatus};
use crate::domain::order::life::LifeError;
use crate::domain::order::OrderStatus;
use crate::domain::shared::issue::{Code, FieldIssue, Lang};
use crate::storage::StorageError;

/// A problem report (RFC 9457), in French or English after `Accept-Language`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:certorder:problem:validation_failed",
    "title": "Données invalides",
    "status": 422,
    "detail": "1 champ ne respecte pas les règles.",
    "instance": "/orders/0193a0e4-7b1c-7cc3-9d4e-5f1a2b3c4d5e",
    "request_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
    "code": "validation_failed",
    "errors": [{"pointer": "/fqdn", "code": "fqdn_incomplete",
        "message": "Vous devez saisir un FQDN complet (« sousdomaine.domaine.tld », par exemple www.certigna.fr)"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:certorder:problem:{code}`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The path of the request.
    pub instance: String,
    /// The id of the request, also in the `x-request-id` header and in every log line.
    pub request_id: String,
    /// The stable code of the problem (the last part of `type`); the contract's
    /// description tables every code.
    #[schema(value_type = super::contract::ProblemCode)]
    pub code: Code,
    /// One entry per field problem (validation), empty otherwise.
    #[serde(default)]
    pub errors: Vec<ProblemField>,
}

/// One field problem: where (`pointer`), which rule (`code`), and why (`message`, in the
/// caller's language).
///
/// `pointer` is a JSON pointer (RFC 6901) into the request body for `PATCH /orders/{id}`,
/// `POST /orders`, `POST /csr/decode` and `POST /domains/check`. For `POST
/// /orders/{id}/commander`, `POST /orders/{id}/generate-csr` and an order's `invalid`, it
/// points at the order's field that answers the step, in the shape of `PATCH`'s body
/// (`/csr_pem`, `/holder/contact/email`): the field to send again. `GET /catalog`
/// `wizard.steps[].fields` maps each step to its fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    #[schema(example = "/holder/contact/email")]
    pub pointer: String,
    #[schema(value_type = super::contract::ProblemCode)]
    pub code: Code,
    pub message: String,
}

impl ProblemField {
    /// Field problems in the caller's language.
    pub fn localized(issues: &[FieldIssue], lang: Lang) -> Vec<ProblemField> {
        issues
            .iter()
            .map(|i| ProblemField {
                pointer: i.pointer.clone(),
                code: i.code,
                message: i.message(lang).to_owned(),
            })
            .collect()
    }
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Malformed,
    Expired,
    Invalid,
    BadCredentials,
}

/// `Debug` (which actix's tracing middleware logs) shows only the code and the pointers:
/// a message can quote what the client sent, and what a client sends may be a secret.
#[derive(Clone, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldIssue>),
    #[error("order incomplete")]
    Incomplete(Vec<FieldIssue>),
    #[error("malformed request body")]
    MalformedBody(String),
    #[error("invalid query")]
    InvalidQuery(String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// An upload's file over `UPLOAD_MAX_BYTES` (413, with its field).
    #[error("file too large")]
    FileTooLarge { limit: u64 },
    /// An upload whose file did not arrive in time (408).
    #[error("upload too slow")]
    UploadTooSlow { seconds: u64 },
    /// A body that is not `multipart/form-data` where a file is expected.
    #[error("not multipart")]
    NotMultipart,
    /// A justificatif the order does not ask for.
    #[error("unknown document")]
    UnknownDocument,
    #[error("unauthorized: {0:?}")]
    Unauthorized(AuthFailure),
    #[error("forbidden")]
    Forbidden,
    /// An API client's token without the route's scope (403, `WWW-Authenticate` names it).
    #[error("insufficient scope {}", .0.as_str())]
    InsufficientScope(Scope),
    /// An API client's token on a route for people's sign-in tokens only.
    #[error("sign-in required")]
    SignInRequired,
    /// Client authentication failed (unknown client, wrong secret, revoked): 401; `basic`
    /// when the client authenticated with HTTP Basic (then `WWW-Authenticate: Basic`).
    #[error("invalid client")]
    InvalidClient { basic: bool },
    /// A refresh token refused (RFC 6749 §5.2 `invalid_grant`): 400 with the field and rule.
    #[error("invalid grant")]
    InvalidGrant(Vec<FieldIssue>),
    #[error("operators only")]
    OperatorOnly,
    /// Reserved to partners with a partner code.
    #[error("partner only")]
    PartnerOnly,
    /// The order's owner, the subscriber, does this itself (the CGU, the certificate).
    #[error("subscriber only")]
    SubscriberOnly,
    #[error("not acceptable")]
    NotAcceptable,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {code}")]
    Conflict { code: Code, fr: String, en: String },
    /// A stale `If-Match`; the current version, when known, goes in the `ETag` header.
    #[error("precondition failed")]
    PreconditionFailed { current_version: Option<i32> },
    #[error("idempotency key reused with another body")]
    IdempotencyKeyReused,
    #[error("too many requests")]
    TooManyRequests { retry_after: u64, code: Code },
    #[error("service unavailable")]
    Unavailable { retry_after: u64 },
    /// The object store of the uploaded files did not answer.
    #[error("storage unavailable")]
    StorageUnavailable { retry_after: u64 },
    #[error("internal error")]
    Internal,
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<String> = self
            .issues()
            .iter()
            .map(|i| format!("{} {}", i.pointer, i.code))
            .collect();
        write!(f, "ApiError({}", self.code())?;
        if !fields.is_empty() {
            write!(f, ": {}", fields.join(", "))?;
        }
        write!(f, ")")
    }
}

impl ApiError {
    pub fn conflict(code: Code, fr: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            fr: fr.into(),
            en: en.into(),
        }
    }

    pub fn code(&self) -> Code {
        match self {
            ApiError::Validation(_) => Code::ValidationFailed,
            ApiError::Incomplete(_) => Code::OrderIncomplete,
            ApiError::MalformedBody(_) => Code::MalformedBody,
            ApiError::InvalidQuery(_) => Code::InvalidQuery,
            ApiError::UnsupportedMediaType => Code::UnsupportedMediaType,
            ApiError::PayloadTooLarge { .. } => Code::PayloadTooLarge,
            ApiError::FileTooLarge { .. } => Code::FileTooLarge,
            ApiError::NotMultipart => Code::UnsupportedMediaType,
            ApiError::UploadTooSlow { .. } => Code::UploadTooSlow,
            ApiError::UnknownDocument => Code::DocumentUnknown,
            ApiError::Unauthorized(AuthFailure::BadCredentials) => Code::InvalidCredentials,
            ApiError::Unauthorized(AuthFailure::Missing) => Code::TokenMissing,
            ApiError::Unauthorized(AuthFailure::Malformed) => Code::TokenMalformed,
            ApiError::Unauthorized(AuthFailure::Expired) => Code::TokenExpired,
            ApiError::Unauthorized(AuthFailure::Invalid) => Code::TokenInvalid,
            ApiError::Forbidden => Code::ReadOnly,
            ApiError::InsufficientScope(_) => Code::InsufficientScope,
            ApiError::SignInRequired => Code::SignInRequired,
            ApiError::InvalidClient { .. } => Code::InvalidClient,
            ApiError::InvalidGrant(issues) => {
                issues.first().map_or(Code::RefreshTokenInvalid, |i| i.code)
            }
            ApiError::OperatorOnly => Code::OperatorOnly,
            ApiError::SubscriberOnly => Code::SubscriberOnly,
            ApiError::PartnerOnly => Code::PartnerOnly,
            ApiError::NotAcceptable => Code::NotAcceptable,
            ApiError::NotFound => Code::NotFound,
            ApiError::MethodNotAllowed => Code::MethodNotAllowed,
            ApiError::Conflict { code, .. } => *code,
            ApiError::PreconditionFailed { .. } => Code::PreconditionFailed,
            ApiError::IdempotencyKeyReused => Code::IdempotencyKeyReused,
            ApiError::TooManyRequests { code, .. } => *code,
            ApiError::Unavailable { .. } => Code::ServiceUnavailable,
            ApiError::StorageUnavailable { .. } => Code::StorageUnavailable,
            ApiError::Internal => Code::InternalError,
        }
    }

    fn texts(&self) -> (&'static str, &'static str, String, String) {
        // (title fr, title en, detail fr, detail en)
        match self {
            ApiError::Validation(issues) => (
                "Données invalides",
                "Invalid data",
                format!("{} champ(s) ne respectent pas les règles ; rien n'a été enregistré.", issues.len()),
                format!("{} field(s) break the rules; nothing was saved.", issues.len()),
            ),
            ApiError::Incomplete(issues) => (
                "Commande incomplète",
                "Incomplete order",
                format!("La commande ne peut pas être passée : {} étape(s) manquante(s) ou invalide(s).", issues.len()),
                format!("The order cannot be placed: {} step(s) missing or invalid.", issues.len()),
            ),
            ApiError::MalformedBody(d) => (
                "Corps de requête illisible",
                "Malformed request body",
                format!("Le corps de la requête n'est pas un JSON valide : {d}"),
                format!("The request body is not valid JSON: {d}"),
            ),
            ApiError::InvalidQuery(d) => (
                "Paramètres de requête invalides",
                "Invalid query parameters",
                format!("Paramètres de requête invalides : {d}"),
                format!("Invalid query parameters: {d}"),
            ),
            ApiError::UnsupportedMediaType => (
                "Type de contenu non pris en charge",
                "Unsupported media type",
                "Le corps doit être envoyé en JSON (Content-Type: application/json).".into(),
                "The body must be sent as JSON (Content-Type: application/json).".into(),
            ),
            ApiError::PayloadTooLarge { limit } => (
                "Corps de requête trop volumineux",
                "Payload too large",
                format!("Le corps de la requête dépasse {limit} octets."),
                format!("The request body exceeds {limit} bytes."),
            ),
            ApiError::FileTooLarge { limit } => (
                "Fichier trop volumineux",
                "File too large",
                format!("Le fichier dépasse {limit} octets ; rien n'a été enregistré."),
                format!("The file exceeds {limit} bytes; nothing was saved."),
            ),
            ApiError::UploadTooSlow { seconds } => (
                "Envoi trop lent",
                "Upload too slow",
                format!("Le fichier n'est pas arrivé en {seconds} s ; rien n'a été enregistré."),
                format!("The file did not arrive within {seconds} s; nothing was saved."),
            ),
            ApiError::NotMultipart => (
                "Type de contenu non pris en charge",
                "Unsupported media type",
                "Le fichier doit être envoyé en multipart/form-data, dans une partie « file ».".into(),
                "The file must be sent as multipart/form-data, in a \"file\" part.".into(),
            ),
            ApiError::UnknownDocument => (
                "Justificatif inconnu",
                "Unknown document",
                "La commande ne demande pas de justificatif avec ce code (voir GET /orders/{id}/documents).".into(),
                "The order asks for no supporting document with this code (see GET /orders/{id}/documents).".into(),
            ),
            ApiError::Unauthorized(AuthFailure::BadCredentials) => (
                "Identifiants incorrects",
                "Invalid credentials",
                "Identifiant ou mot de passe incorrect.".into(),
                "Wrong username or password.".into(),
            ),
            ApiError::Unauthorized(AuthFailure::Missing) => (
                "Authentification requise",
                "Authentication required",
                "Envoyez un jeton dans l'en-tête Authorization: Bearer (obtenu par POST /auth/token).".into(),
                "Send a token in the Authorization: Bearer header (from POST /auth/token).".into(),
            ),
            ApiError::Unauthorized(AuthFailure::Malformed) => (
                "Jeton illisible",
                "Malformed token",
                "L'en-tête Authorization doit être « Bearer <jeton JWT> ».".into(),
                "The Authorization header must be \"Bearer <JWT>\".".into(),
            ),
            ApiError::Unauthorized(AuthFailure::Expired) => (
                "Jeton expiré",
                "Token expired",
                "Le jeton a expiré : demandez-en un nouveau (POST /auth/token).".into(),
                "The token has expired: request a new one (POST /auth/token).".into(),
            ),
            ApiError::Unauthorized(AuthFailure::Invalid) => (
                "Jeton invalide",
                "Invalid token",
                "Le jeton n'est pas valide pour ce service.".into(),
                "The token is not valid for this service.".into(),
            ),
            ApiError::NotAcceptable => (
                "Format non disponible",
                "Format not available",
                "Aucun des types de l'en-tête Accept n'est disponible ; voir le paramètre format.".into(),
                "None of the Accept header's media types is available; see the format parameter.".into(),
            ),
            ApiError::PartnerOnly => (
                "Réservé aux partenaires",
                "Partners only",
                "Seuls les comptes partenaires dotés d'un code partenaire ont une liste de clients.".into(),
                "Only partner accounts with a partner code have a client list.".into(),
            ),
            ApiError::SubscriberOnly => (
                "Réservé au titulaire",
                "Subscriber only",
                "Les CGU et le certificat engagent le titulaire de la commande : votre client les accepte depuis son propre compte.".into(),
                "The CGU and the certificate bind the order's owner, the subscriber: your client accepts them from its own account.".into(),
            ),
            ApiError::OperatorOnly => (
                "Réservé aux opérateurs",
                "Operators only",
                "Seuls les opérateurs de l'autorité peuvent faire cette action.".into(),
                "Only the authority's operators may do this.".into(),
            ),
            ApiError::Forbidden => (
                "Lecture seule",
                "Read only",
                "Votre rôle permet de lire cette commande, pas de faire cette action (voir la matrice des droits du contrat).".into(),
                "Your role may read this order, not do this (see the contract's rights matrix).".into(),
            ),
            ApiError::InsufficientScope(scope) => (
                "Portée insuffisante",
                "Insufficient scope",
                format!("Cette opération demande la portée « {} », que le jeton de ce client d'API n'a pas.", scope.as_str()),
                format!("This operation needs the scope \"{}\", which this API client's token lacks.", scope.as_str()),
            ),
            ApiError::SignInRequired => (
                "Connexion d'une personne requise",
                "Person's sign-in required",
                "Cette opération demande le jeton d'une personne connectée par mot de passe, pas celui d'un client d'API.".into(),
                "This operation needs the token of a person signed in with a password, not an API client's.".into(),
            ),
            ApiError::InvalidClient { .. } => (
                "Client d'API refusé",
                "API client refused",
                "Client d'API inconnu, secret incorrect ou client révoqué.".into(),
                "Unknown API client, wrong secret or revoked client.".into(),
            ),
            ApiError::InvalidGrant(issues) => (
                "Autorisation refusée",
                "Grant refused",
                issues.first().map_or_else(String::new, |i| i.message_fr.clone()),
                issues.first().map_or_else(String::new, |i| i.message_en.clone()),
            ),
            ApiError::NotFound => (
                "Introuvable",
                "Not found",
                "Aucune ressource à cette adresse pour ce compte.".into(),
                "No resource at this address for this account.".into(),
            ),
            ApiError::MethodNotAllowed => (
                "Méthode non autorisée",
                "Method not allowed",
                "Cette méthode HTTP n'est pas acceptée à cette adresse.".into(),
                "This HTTP method is not accepted at this address.".into(),
            ),
            ApiError::Conflict { fr, en, .. } => ("Conflit", "Conflict", fr.clone(), en.clone()),
            ApiError::PreconditionFailed { .. } => (
                "Version périmée",
                "Stale version",
                "La commande a changé depuis votre lecture (If-Match) : relisez-la puis recommencez.".into(),
                "The order changed since you read it (If-Match): read it again, then retry.".into(),
            ),
            ApiError::IdempotencyKeyReused => (
                "Clé d'idempotence réutilisée",
                "Idempotency key reused",
                "Cette clé Idempotency-Key a déjà servi pour une requête différente.".into(),
                "This Idempotency-Key was already used for a different request.".into(),
            ),
            ApiError::TooManyRequests { retry_after, .. } => (
                "Trop de requêtes",
                "Too many requests",
                format!("Trop de tentatives : réessayez dans {retry_after} s."),
                format!("Too many attempts: retry in {retry_after} s."),
            ),
            ApiError::Unavailable { retry_after } => (
                "Service momentanément indisponible",
                "Service temporarily unavailable",
                format!("Le service est momentanément indisponible : réessayez dans {retry_after} s."),
                format!("The service is temporarily unavailable: retry in {retry_after} s."),
            ),
            ApiError::StorageUnavailable { retry_after } => (
                "Stockage momentanément indisponible",
                "Storage temporarily unavailable",
                format!("Le stockage des fichiers ne répond pas : réessayez dans {retry_after} s ; rien n'a été enregistré."),
                format!("File storage does not answer: retry in {retry_after} s; nothing was saved."),
            ),
            ApiError::Internal => (
                "Erreur interne",
                "Internal error",
                "Une erreur interne est survenue ; elle a été journalisée.".into(),
                "An internal error occurred; it has been logged.".into(),
            ),
        }
    }

    fn issues(&self) -> std::borrow::Cow<'_, [FieldIssue]> {
        match self {
            ApiError::Validation(i) | ApiError::Incomplete(i) | ApiError::InvalidGrant(i) => {
                std::borrow::Cow::Borrowed(i)
            }
            ApiError::FileTooLarge { limit } => std::borrow::Cow::Owned(vec![FieldIssue::new(
                crate::domain::documents::upload::POINTER,
                Code::FileTooLarge,
                format!("Le fichier dépasse la taille maximale de {limit} octets."),
                format!("The file exceeds the largest size of {limit} bytes."),
            )]),
            _ => std::borrow::Cow::Borrowed(&[]),
        }
    }

    /// The problem body in the given language.
    pub fn to_problem(&self, lang: Lang, instance: &str, request_id: &str) -> Problem {
        let (title_fr, title_en, detail_fr, detail_en) = self.texts();
        let (title, detail) = match lang {
            Lang::Fr => (title_fr, detail_fr),
            Lang::En => (title_en, detail_en),
        };
        Problem {
            type_: format!("urn:certorder:problem:{}", self.code()),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            instance: instance.to_owned(),
            request_id: request_id.to_owned(),
            code: self.code(),
            errors: ProblemField::localized(&self.issues(), lang),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::Incomplete(_) | ApiError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::MalformedBody(_) | ApiError::InvalidQuery(_) | ApiError::InvalidGrant(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::InsufficientScope(_) | ApiError::SignInRequired => StatusCode::FORBIDDEN,
            ApiError::InvalidClient { .. } => StatusCode::UNAUTHORIZED,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } | ApiError::FileTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::NotMultipart => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UploadTooSlow { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnknownDocument => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden
            | ApiError::OperatorOnly
            | ApiError::SubscriberOnly
            | ApiError::PartnerOnly => StatusCode::FORBIDDEN,
            ApiError::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } | ApiError::StorageUnavailable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized(failure) => {
                let error = match failure {
                    AuthFailure::Missing | AuthFailure::BadCredentials => None,
                    AuthFailure::Malformed => Some("invalid_request"),
                    AuthFailure::Expired | AuthFailure::Invalid => Some("invalid_token"),
                };
                let value = match error {
                    Some(e) => format!("Bearer realm=\"certorder\", error=\"{e}\""),
                    None => "Bearer realm=\"certorder\"".to_owned(),
                };
                res.insert_header((header::WWW_AUTHENTICATE, value));
            }
            ApiError::InsufficientScope(scope) => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!(
                        "Bearer realm=\"certorder\", error=\"insufficient_scope\", scope=\"{}\"",
                        scope.as_str()
                    ),
                ));
            }
            ApiError::InvalidClient { basic: true } => {
                res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"certorder\""));
            }
            ApiError::PreconditionFailed {
                current_version: Some(v),
            } => {
                res.insert_header((header::ETAG, format!("\"{v}\"")));
            }
            ApiError::TooManyRequests { retry_after, .. }
            | ApiError::Unavailable { retry_after }
            | ApiError::StorageUnavailable { retry_after } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        let mut response = res.finish();
        response.extensions_mut().insert(self.clone());
        response
    }
}

/// The answer to an upload or a review the justificatif's slot refuses.
fn slot_refused(e: SlotError) -> ApiError {
    match e {
        SlotError::Unknown => ApiError::UnknownDocument,
        SlotError::NotOpen(SlotStatus::Accepted) => ApiError::conflict(
            Code::DocumentAccepted,
            Code::DocumentAccepted.fr(),
            Code::DocumentAccepted.en(),
        ),
        SlotError::NotOpen(_) => ApiError::conflict(
            Code::DocumentUnderReview,
            Code::DocumentUnderReview.fr(),
            Code::DocumentUnderReview.en(),
        ),
        SlotError::NotUnderReview(_) => ApiError::conflict(
            Code::DocumentNotUploaded,
            Code::DocumentNotUploaded.fr(),
            Code::DocumentNotUploaded.en(),
        ),
    }
}

/// The 409 for a transition the order's status does not allow.
fn wrong_status(from: OrderStatus) -> ApiError {
    let (fr, en) = match from {
        OrderStatus::Draft => ("un brouillon", "a draft"),
        OrderStatus::Submitted => ("déjà commandée", "already submitted"),
        OrderStatus::Validated => ("validée", "validated"),
        OrderStatus::Issued => ("émise", "issued"),
        OrderStatus::Active => ("active", "active"),
        OrderStatus::Expired => ("expirée", "expired"),
        OrderStatus::Rejected => ("refusée", "rejected"),
        OrderStatus::Cancelled => ("annulée", "cancelled"),
        OrderStatus::Revoked => ("révoquée", "revoked"),
    };
    ApiError::conflict(
        Code::OrderNotDraft,
        format!("La commande est {fr} : elle ne peut plus être modifiée."),
        format!("The order is {en}: it can no longer be changed."),
    )
}

fn status_words(status: OrderStatus) -> (&'static str, &'static str) {
    match status {
        OrderStatus::Draft => ("un brouillon", "a draft"),
        OrderStatus::Submitted => ("passée", "submitted"),
        OrderStatus::Validated => ("validée", "validated"),
        OrderStatus::Issued => ("émise", "issued"),
        OrderStatus::Active => ("active", "active"),
        OrderStatus::Expired => ("expirée", "expired"),
        OrderStatus::Rejected => ("refusée", "rejected"),
        OrderStatus::Cancelled => ("annulée", "cancelled"),
        OrderStatus::Revoked => ("révoquée", "revoked"),
    }
}

/// A life action the order's status does not allow.
fn not_allowed_now(status: OrderStatus) -> ApiError {
    let (fr, en) = status_words(status);
    ApiError::conflict(
        Code::TransitionNotAllowed,
        format!(
            "La commande est {fr} : cette action n'est pas possible maintenant (voir next_action)."
        ),
        format!("The order is {en}: this action is not possible now (see next_action)."),
    )
}

fn life_problem(e: LifeError) -> ApiError {
    match e {
        LifeError::Transition(t) => not_allowed_now(t.from),
        LifeError::PaymentAlreadyRecorded => ApiError::conflict(
            Code::PaymentAlreadyRecorded,
            "Le paiement de cette commande est déjà enregistré.",
            "This order's payment is already recorded.",
        ),
        LifeError::RequirementsUnmet(unmet) => ApiError::conflict(
            Code::RequirementsUnmet,
            format!("Exigences non remplies : {}.", unmet.join(", ")),
            format!("Requirements not met: {}.", unmet.join(", ")),
        ),
        LifeError::RevocationAlreadyRequested => ApiError::conflict(
            Code::RevocationAlreadyRequested,
            "La révocation de ce certificat est déjà demandée.",
            "This certificate's revocation was already requested.",
        ),
        LifeError::NoRevocationRequested => ApiError::conflict(
            Code::NoRevocationRequested,
            "Aucune révocation n'a été demandée pour ce certificat.",
            "No revocation was requested for this certificate.",
        ),
        LifeError::AcceptanceDeadlinePassed => ApiError::conflict(
            Code::AcceptanceDeadlinePassed,
            "Le délai d'acceptation est dépassé : le certificat est révoqué.",
            "The acceptance deadline has passed: the certificate is revoked.",
        ),
        LifeError::RenewalNotPlanned => ApiError::conflict(
            Code::RenewalNotPlanned,
            "L'abonnement ne comprend plus de certificat : le certificat actuel est le dernier ; passez une nouvelle commande.",
            "The subscription holds no further certificate: the current one is its last; place a new order.",
        ),
        LifeError::RenewalNotOpen { opens_at } => ApiError::conflict(
            Code::RenewalNotOpen,
            format!(
                "La fenêtre de renouvellement ouvre le {} (UTC).",
                opens_at.format("%d/%m/%Y %H:%M")
            ),
            format!(
                "The renewal window opens at {} (UTC).",
                opens_at.format("%Y-%m-%d %H:%M")
            ),
        ),
        LifeError::RenewalNamesDiffer { expected, found } => {
            ApiError::Validation(vec![FieldIssue::new(
                "/csr_pem",
                Code::RenewalNamesDiffer,
                format!(
                    "Le CSR porte {} ; la commande certifie {}. Un renouvellement porte exactement les mêmes noms.",
                    found.join(", "),
                    expected.join(", ")
                ),
                format!(
                    "The CSR carries {}; the order certifies {}. A renewal carries exactly the same names.",
                    found.join(", "),
                    expected.join(", ")
                ),
            )])
        }
        LifeError::ReasonNotAllowed => ApiError::Validation(vec![FieldIssue::new(
            "/reason",
            Code::RevocationReasonNotAllowed,
            "Ce motif est réservé à l'autorité ; choisissez unspecified, key_compromise, affiliation_changed, superseded ou cessation_of_operation.",
            "This reason is reserved to the authority; choose unspecified, key_compromise, affiliation_changed, superseded or cessation_of_operation.",
        )]),
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => ApiError::NotFound,
            AppError::ReadOnly => ApiError::Forbidden,
            AppError::Transition(t) => wrong_status(t.from),
            AppError::OperatorOnly => ApiError::OperatorOnly,
            AppError::SubscriberOnly => ApiError::SubscriberOnly,
            AppError::PartnerOnly => ApiError::PartnerOnly,
            AppError::NotAClient => ApiError::Validation(vec![FieldIssue::new(
                "/on_behalf_of",
                Code::ClientNotLinked,
                "Ce compte n'est pas l'un de vos clients actifs : invitez-le (POST /clients) et attendez qu'il accepte.",
                "This account is not one of your active clients: invite it (POST /clients) and wait for its acceptance.",
            )]),
            AppError::Life(e) => life_problem(e),
            AppError::NoCertificate(status) => {
                let (fr, en) = status_words(status);
                ApiError::conflict(
                    Code::NoCertificate,
                    format!("La commande est {fr} : elle n'a pas de certificat à télécharger."),
                    format!("The order is {en}: it has no certificate to download."),
                )
            }
            AppError::Issuance(reason) => {
                tracing::error!(error = %reason, "issuance failed");
                ApiError::Unavailable { retry_after: 30 }
            }
            AppError::NotSubmitted(status) => {
                let (fr, en) = match status {
                    OrderStatus::Cancelled => ("annulée", "cancelled"),
                    OrderStatus::Draft => ("encore un brouillon", "still a draft"),
                    _ => ("au-delà de la commande", "past submission"),
                };
                ApiError::conflict(
                    Code::OrderNotSubmitted,
                    format!("La commande est {fr} : son formulaire n'existe qu'une fois la commande passée."),
                    format!("The order is {en}: its form exists only once the order is submitted."),
                )
            }
            AppError::Stale { current_version } => ApiError::PreconditionFailed { current_version },
            AppError::Invalid(issues) => ApiError::Validation(issues),
            AppError::Incomplete(issues) => ApiError::Incomplete(issues),
            AppError::AlreadySubmitted => ApiError::conflict(
                Code::OrderAlreadySubmitted,
                "La commande a déjà été passée par une autre requête.",
                "The order was already submitted by another request.",
            ),
            AppError::NamesChanged => ApiError::conflict(
                Code::OrderChanged,
                "Les noms de la commande ont changé pendant la génération : relancez-la.",
                "The order's names changed during generation: run it again.",
            ),
            AppError::IdempotencyKeyReused => ApiError::IdempotencyKeyReused,
            AppError::Slot(e) => slot_refused(e),
            AppError::UnknownDomain => ApiError::Validation(vec![FieldIssue::new(
                "/name",
                Code::DcvUnknownDomain,
                Code::DcvUnknownDomain.fr(),
                Code::DcvUnknownDomain.en(),
            )]),
            AppError::Dcv(crate::domain::dcv::DcvError::HttpFileForWildcard) => {
                ApiError::Validation(vec![FieldIssue::new(
                    "/method",
                    Code::DcvHttpFileForWildcard,
                    Code::DcvHttpFileForWildcard.fr(),
                    Code::DcvHttpFileForWildcard.en(),
                )])
            }
            AppError::DcvClosed(status) => {
                let (fr, en) = status_words(status);
                ApiError::conflict(
                    Code::DcvNotSubmitted,
                    format!("La commande est {fr} : le contrôle des domaines n'est pas ouvert."),
                    format!("The order is {en}: domain control is not open."),
                )
            }
            AppError::DocumentsClosed(status) => {
                let (fr, en) = match status {
                    OrderStatus::Draft => ("encore un brouillon", "still a draft"),
                    OrderStatus::Cancelled => ("annulée", "cancelled"),
                    _ => (
                        "au-delà de l'examen des justificatifs",
                        "past the review of its documents",
                    ),
                };
                ApiError::conflict(
                    Code::OrderNotSubmitted,
                    format!("La commande est {fr} : ses justificatifs ne s'envoient et ne s'examinent qu'une fois la commande passée, avant sa validation."),
                    format!("The order is {en}: its documents are uploaded and reviewed only once it is submitted, before it is validated."),
                )
            }
            AppError::Storage(StorageError::Unavailable(e)) => {
                tracing::warn!(error = %e, "file storage unavailable");
                ApiError::StorageUnavailable { retry_after: 5 }
            }
            AppError::Storage(e) => {
                tracing::error!(error = %e, "file storage error");
                ApiError::Internal
            }
            // Logged once where it happened, by the panic hook (`http::panic`).
            e if e.is_panic() => ApiError::Internal,
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::Unavailable { retry_after: 2 }
            }
            e => {
                tracing::error!(error = %e, "database error");
                ApiError::Internal
            }
        }
    }
}

/// The language asked for by `Accept-Language`: English when `en` is preferred to `fr`,
/// French otherwise.
pub fn negotiate_lang(accept_language: Option<&HeaderValue>) -> Lang {
    use actix_web::http::header::{LanguageTag, Preference, Quality, QualityItem};
    let Some(value) = accept_language else {
        return Lang::Fr;
    };
    // actix's parser of the typed `AcceptLanguage` header (unparsable items are skipped);
    // q=0 means "not acceptable"; a stable sort keeps the listed order between equal q
    let Ok(items) = header::from_comma_delimited::<_, QualityItem<Preference<LanguageTag>>>(
        std::iter::once(value),
    ) else {
        return Lang::Fr;
    };
    let mut acceptable: Vec<_> = items.iter().filter(|i| i.quality > Quality::ZERO).collect();
    acceptable.sort_by_key(|i| std::cmp::Reverse(i.quality));
    acceptable
        .into_iter()
        .find_map(|item| match &item.item {
            Preference::Specific(tag) if tag.primary_language().eq_ignore_ascii_case("en") => {
                Some(Lang::En)
            }
            Preference::Specific(tag) if tag.primary_language().eq_ignore_ascii_case("fr") => {
                Some(Lang::Fr)
            }
            _ => None,
        })
        .unwrap_or(Lang::Fr)
}

/// The id given to this request by the tracing middleware.
pub fn request_id(req: &actix_web::HttpRequest) -> String {
    req.extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default()
}

/// Middleware: writes the problem+json body of every error response (including actix's own,
/// e.g. 404 and 405) and adds `x-request-id` to every response.
pub async fn render_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static, BoxBody>>, actix_web::Error> {
    let lang = negotiate_lang(req.headers().get(header::ACCEPT_LANGUAGE));
    let res = next.call(req).await?;
    let request_id = request_id(res.request());
    let error = res.response().extensions().get::<ApiError>().cloned();
    let status = res.status();
    let mut res = match error {
        Some(error) => rewrite(res, &error, lang, &request_id),
        None if (status.is_client_error() || status.is_server_error())
            && res.headers().get(header::CONTENT_TYPE).is_none() =>
        {
            let error = match status {
                StatusCode::NOT_FOUND => ApiError::NotFound,
                StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
                s if s.is_server_error() => ApiError::Internal,
                _ => ApiError::MalformedBody(status.canonical_reason().unwrap_or("").to_owned()),
            };
            rewrite(res, &error, lang, &request_id)
        }
        None => res.map_into_left_body(),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

fn rewrite<B>(
    res: ServiceResponse<B>,
    error: &ApiError,
    lang: crate::domain::shared::issue::Lang,
    request_id: &str,
) -> ServiceResponse<EitherBody<B, BoxBody>> {
    let problem = error.to_problem(lang, res.request().path(), request_id);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    res.map_body(|head, _| {
        head.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        head.headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(match lang {
                Lang::Fr => "fr",
                Lang::En => "en",
            }),
        );
        EitherBody::right(BoxBody::new(body))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_logs_see_of_an_error_never_quotes_the_request() {
        let e = ApiError::Validation(vec![FieldIssue::new(
            "/password",
            Code::InvalidType,
            "x: hunter2",
            "x: hunter2",
        )]);
        assert_eq!(
            format!("{e:?}"),
            "ApiError(validation_failed: /password invalid_type)"
        );
        assert!(!format!("{e}").contains("hunter2"));
        let m = ApiError::MalformedBody("expected value at `hunter2`".into());
        assert!(!format!("{m:?}{m}").contains("hunter2"));
    }

    #[test]
    fn english_is_chosen_only_when_preferred_to_french() {
        let h = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(negotiate_lang(None), Lang::Fr);
        assert_eq!(negotiate_lang(Some(&h("en"))), Lang::En);
        assert_eq!(negotiate_lang(Some(&h("en-GB,en;q=0.9"))), Lang::En);
        assert_eq!(
            negotiate_lang(Some(&h("fr-FR,fr;q=0.9,en;q=0.8"))),
            Lang::Fr
        );
        assert_eq!(negotiate_lang(Some(&h("de, en;q=0.5"))), Lang::En);
        assert_eq!(negotiate_lang(Some(&h("de"))), Lang::Fr);
        // q=0 is "not acceptable", not "least preferred"; a broken item does not hide the rest
        assert_eq!(negotiate_lang(Some(&h("en;q=0, de"))), Lang::Fr);
        assert_eq!(negotiate_lang(Some(&h("en;q=0.9, fr;q=0.7"))), Lang::En);
        assert_eq!(negotiate_lang(Some(&h("@@@, en;q=0.4"))), Lang::En);
    }
}
