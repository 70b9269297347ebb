//! Panics: a bug, not an outage. A panicking handler or blocking task is answered 500
//! `internal_error` (never 503 "unavailable", which tells clients to retry an outage), the
//! panic is logged once with the request's span (so with its request id), and the thread
//! pools keep serving.
//!
//! - [`install_hook`] replaces the default panic message on stderr by one `error` log line
//!   when the panic happens inside a span (a request, or a blocking task `Db::run` and the
//!   key-generation pool run inside the request's span); elsewhere (the test harness, the
//!   CLI) the previous hook runs as before.
//! - [`catch_panic`], a middleware, turns a panic that unwinds out of a handler's future into
//!   the 500 problem. `Db::run` answers a panic of its closure with `DbError::Panicked`
//!   (→ 500); the key-generation pool resumes the panic in the handler, where this middleware
//!   catches it.

use std::panic::AssertUnwindSafe;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use futures_util::FutureExt;

use super::problem::{negotiate_lang, ApiError};
use crate::domain::shared::issue::Lang;

/// Installs the panic hook (once per process; later calls do nothing).
pub fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if tracing::Span::current().is_none() {
                previous(info);
                return;
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("(no message)");
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            tracing::error!(panic = %message, location = %location, "panicked; answered 500");
        }));
    });
}

/// Middleware: a panic unwinding out of the inner service becomes a 500 `internal_error`
/// problem.
///
/// The request cannot be kept to build the answer (routing needs the only reference to it),
/// so the answer leaves as an error whose response is the whole problem+json, with the
/// `x-request-id` header that `render_problems` would have added.
pub async fn catch_panic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .copied();
    let uri = req.uri().clone();
    let accept_language = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(res) => res,
        Err(_) => Err(Panicked {
            id,
            uri,
            accept_language,
        }
        .into()),
    }
}

/// What is left of a request whose handler panicked.
struct Panicked {
    id: Option<tracing_actix_web::RequestId>,
    uri: actix_web::http::Uri,
    accept_language: Option<HeaderValue>,
}

impl std::fmt::Debug for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Panicked")
    }
}

impl std::fmt::Display for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("internal error (a panic, logged above)")
    }
}

impl ResponseError for Panicked {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        let lang = negotiate_lang(self.accept_language.as_ref());
        let id = self.id.map(|id| id.to_string()).unwrap_or_default();
        let problem = ApiError::Internal.to_problem(lang, self.uri.path(), &id);
        let mut res = HttpResponse::InternalServerError();
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"))
            .insert_header((
                header::CONTENT_LANGUAGE,
                match lang {
                    Lang::Fr => "fr",
                    Lang::En => "en",
                },
            ));
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.insert_header((header::HeaderName::from_static("x-request-id"), v));
        }
        res.body(serde_json::to_vec(&problem).unwrap_or_default())
    }
}
