//! What each secured route requires of a token: the one table the [`super::auth::Authenticated`]
//! extractor consults. A person's sign-in token has every right (its role still applies);
//! an API client's token carries scopes and may call a route only with the route's scope.
//! A secured route missing here is refused to every scoped token (and a test fails).

use crate::domain::account::credentials::Scope;

/// What a route requires beyond a valid token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// An API client's token needs this scope.
    Scope(Scope),
    /// Any valid token, scoped or not (`GET /me`).
    AnyToken,
    /// A person's sign-in token only: API clients are managed by people, so that a leaked
    /// client secret cannot mint new credentials.
    SignIn,
}

use Requirement::{AnyToken, Scope as S, SignIn};
use Scope::{DocumentsWrite, EventsRead, OrdersRead, OrdersWrite, WebhooksManage};

/// (method, actix route pattern, requirement) of every secured route.
pub const TABLE: &[(&str, &str, Requirement)] = &[
    ("GET", "/me", AnyToken),
    ("GET", "/api-clients", SignIn),
    ("POST", "/api-clients", SignIn),
    ("DELETE", "/api-clients/{id}", SignIn),
    ("POST", "/clients", S(OrdersWrite)),
    ("GET", "/clients", S(OrdersRead)),
    ("DELETE", "/clients/{id}", S(OrdersWrite)),
    ("GET", "/me/partners", SignIn),
    ("POST", "/me/partners/{id}/accept", SignIn),
    ("DELETE", "/me/partners/{id}", SignIn),
    ("GET", "/orders", S(OrdersRead)),
    ("POST", "/orders", S(OrdersWrite)),
    ("GET", "/orders/{id}", S(OrdersRead)),
    ("PATCH", "/orders/{id}", S(OrdersWrite)),
    ("DELETE", "/orders/{id}", S(OrdersWrite)),
    ("POST", "/orders/{id}/commander", S(OrdersWrite)),
    ("POST", "/orders/{id}/generate-csr", S(OrdersWrite)),
    ("GET", "/orders/{id}/formulaire.pdf", S(OrdersRead)),
    ("GET", "/orders/{id}/life", S(OrdersRead)),
    ("GET", "/orders/{id}/timeline", S(OrdersRead)),
    ("POST", "/orders/{id}/payment", S(OrdersWrite)),
    ("POST", "/orders/{id}/approve", S(OrdersWrite)),
    ("POST", "/orders/{id}/reject", S(OrdersWrite)),
    ("POST", "/orders/{id}/certificate", S(OrdersWrite)),
    ("GET", "/orders/{id}/certificate", S(OrdersRead)),
    ("POST", "/orders/{id}/cancel", S(OrdersWrite)),
    ("POST", "/orders/{id}/accept", S(OrdersWrite)),
    ("POST", "/orders/{id}/refuse", S(OrdersWrite)),
    ("POST", "/orders/{id}/revocation", S(OrdersWrite)),
    ("POST", "/orders/{id}/revoked", S(OrdersWrite)),
    ("POST", "/orders/{id}/renewal", S(OrdersWrite)),
    ("POST", "/orders/{id}/renewal/generate-csr", S(OrdersWrite)),
    ("GET", "/review-queue", S(OrdersRead)),
    ("GET", "/orders/{id}/documents", S(OrdersRead)),
    ("POST", "/orders/{id}/documents/{code}", S(DocumentsWrite)),
    (
        "GET",
        "/orders/{id}/documents/{code}/files/{file_id}",
        S(OrdersRead),
    ),
    (
        "POST",
        "/orders/{id}/documents/{code}/review",
        S(DocumentsWrite),
    ),
    ("GET", "/orders/{id}/domains", S(OrdersRead)),
    ("PUT", "/orders/{id}/domains/{name}/method", S(OrdersWrite)),
    ("POST", "/orders/{id}/domains/{name}/check", S(OrdersWrite)),
    ("POST", "/orders/{id}/domains/check", S(OrdersWrite)),
    ("GET", "/events", S(EventsRead)),
    ("POST", "/webhook-endpoints", S(WebhooksManage)),
    ("GET", "/webhook-endpoints", S(WebhooksManage)),
    ("GET", "/webhook-endpoints/{id}", S(WebhooksManage)),
    ("PATCH", "/webhook-endpoints/{id}", S(WebhooksManage)),
    ("DELETE", "/webhook-endpoints/{id}", S(WebhooksManage)),
    (
        "POST",
        "/webhook-endpoints/{id}/rotate-secret",
        S(WebhooksManage),
    ),
    (
        "GET",
        "/webhook-endpoints/{id}/deliveries",
        S(WebhooksManage),
    ),
    (
        "POST",
        "/webhook-deliveries/{id}/redeliver",
        S(WebhooksManage),
    ),
    ("POST", "/webhook-endpoints/{id}/recover", S(WebhooksManage)),
];

/// The requirement of a route (`None`: not in the table).
pub fn requirement(method: &str, pattern: &str) -> Option<Requirement> {
    TABLE
        .iter()
        .find(|(m, p, _)| m.eq_ignore_ascii_case(method) && *p == pattern)
        .map(|(_, _, r)| *r)
}

/// Why a token may not call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The route's scope is not among the token's.
    MissingScope(Scope),
    /// The route is for people's sign-in tokens only (or unknown to the table).
    SignInOnly,
}

/// Whether a token with `scopes` (`None`: a person's sign-in, every right) may call the route.
pub fn check(requirement: Option<Requirement>, scopes: Option<&[Scope]>) -> Result<(), Refusal> {
    let Some(scopes) = scopes else {
        return Ok(());
    };
    match requirement {
        Some(AnyToken) => Ok(()),
        Some(S(scope)) if scopes.contains(&scope) => Ok(()),
        Some(S(scope)) => Err(Refusal::MissingScope(scope)),
        Some(SignIn) | None => Err(Refusal::SignInOnly),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secured_route_of_the_contract_is_in_the_scope_table_and_nothing_else_is() {
        let api = serde_json::to_value(crate::http::openapi()).unwrap();
        let mut secured = Vec::new();
        for (path, item) in api["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                    let method = method.to_uppercase();
                    assert!(
                        requirement(&method, path).is_some(),
                        "{method} {path} is secured but missing from http/scopes.rs"
                    );
                    secured.push((method, path.clone()));
                }
            }
        }
        for (m, p, _) in TABLE {
            assert!(
                secured.iter().any(|(sm, sp)| sm == m && sp == p),
                "{m} {p} is in the scope table but not a secured route of the contract"
            );
        }
    }

    #[test]
    fn a_person_passes_everywhere_and_a_client_only_with_the_route_scope() {
        let r = requirement("GET", "/orders");
        assert_eq!(check(r, None), Ok(()));
        assert_eq!(check(r, Some(&[OrdersRead])), Ok(()));
        assert_eq!(
            check(r, Some(&[OrdersWrite])),
            Err(Refusal::MissingScope(OrdersRead))
        );
        assert_eq!(
            check(requirement("POST", "/api-clients"), Some(&[OrdersWrite])),
            Err(Refusal::SignInOnly)
        );
        assert_eq!(
            check(None, Some(&Scope::all().collect::<Vec<_>>())),
            Err(Refusal::SignInOnly)
        );
        assert_eq!(check(requirement("GET", "/me"), Some(&[])), Ok(()));
    }
}
