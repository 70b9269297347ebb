//! API credentials and sessions: the closed set of scopes, what each role may grant, and the
//! shape of the random secrets (`coc_` client ids, `cos_` client secrets, `cor_` refresh
//! tokens), which are stored only as their SHA-256.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Role;

/// What a token from an API client may do. A person's sign-in token has no scope: full rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, strum::EnumIter)]
pub enum Scope {
    /// Read orders, their life, timeline, documents, PDF and certificate.
    OrdersRead,
    /// Create, patch, cancel, "Commander" and every life action on orders.
    OrdersWrite,
    /// Upload (customer) or review (operator) justificatifs.
    DocumentsWrite,
    /// Manage webhook endpoints.
    WebhooksManage,
    /// Read the events feed.
    EventsRead,
}

impl Scope {
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::OrdersRead => "orders:read",
            Scope::OrdersWrite => "orders:write",
            Scope::DocumentsWrite => "documents:write",
            Scope::WebhooksManage => "webhooks:manage",
            Scope::EventsRead => "events:read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        <Scope as strum::IntoEnumIterator>::iter().find(|c| c.as_str() == s)
    }

    pub fn all() -> impl Iterator<Item = Scope> {
        <Scope as strum::IntoEnumIterator>::iter()
    }

    /// Whether an account of this role may do what the scope allows, at least on its own
    /// orders: a client's scopes never exceed its owner's rights. Beneath the scopes, every
    /// route still applies the owner's role (an operator-only action stays operator-only).
    pub fn grantable_by(self, role: Role) -> bool {
        match (self, role) {
            // Everyone reads and changes its own orders, and has events and webhooks of them.
            (Scope::OrdersRead | Scope::OrdersWrite | Scope::EventsRead, _) => true,
            (Scope::WebhooksManage, _) => true,
            // Customers and partners upload justificatifs; operators review them.
            (Scope::DocumentsWrite, Role::Customer | Role::Partner | Role::Operator) => true,
        }
    }
}

/// A set of scopes as a token carries it: space-separated, each once, in the enum's order.
pub fn scope_string(scopes: &[Scope]) -> String {
    let mut sorted = scopes.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The scopes of a space-separated list; `None` when one is unknown.
pub fn parse_scope_string(s: &str) -> Option<Vec<Scope>> {
    let mut scopes = s
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(Scope::parse)
        .collect::<Option<Vec<_>>>()?;
    scopes.sort();
    scopes.dedup();
    Some(scopes)
}

/// The prefixes of the random credentials (they make a leaked one recognizable by scanners).
pub const CLIENT_ID_PREFIX: &str = "coc_";
pub const CLIENT_SECRET_PREFIX: &str = "cos_";
pub const REFRESH_TOKEN_PREFIX: &str = "cor_";

/// The SHA-256 (hex) under which a secret or refresh token is stored. Enough for a random
/// 256-bit secret: nothing to brute-force, unlike a password.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` is the one stored as `stored_hash`, compared in constant time.
pub fn secret_matches(secret: &str, stored_hash: &str) -> bool {
    let hash = secret_hash(secret);
    hash.as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

/// A random credential handed out once: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// A credential from its prefix and random alphanumeric characters (43 of 62 symbols:
    /// about 256 bits).
    pub fn new(prefix: &str, random: impl FnOnce(usize) -> String) -> Secret {
        Secret(format!("{prefix}{}", random(43)))
    }
    pub fn from_presented(s: String) -> Secret {
        Secret(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn hash(&self) -> String {
        secret_hash(&self.0)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_strings_round_trip_sorted_and_deduplicated() {
        let s = parse_scope_string("events:read orders:read orders:read").unwrap();
        assert_eq!(s, vec![Scope::OrdersRead, Scope::EventsRead]);
        assert_eq!(scope_string(&s), "orders:read events:read");
        assert_eq!(parse_scope_string("orders:read admin"), None);
    }

    #[test]
    fn a_secret_matches_only_its_own_hash_and_is_never_debug_printed() {
        let s = Secret::new(CLIENT_SECRET_PREFIX, |n| "a".repeat(n));
        assert!(secret_matches(s.expose(), &s.hash()));
        assert!(!secret_matches("cos_other", &s.hash()));
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert!(s.expose().starts_with("cos_"));
    }

    #[test]
    fn every_scope_parses_back_from_its_name() {
        for s in Scope::all() {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
    }
}
