//! Accounts of the customer space and who may see what.

pub(crate) mod clients;
pub(crate) mod credentials;
pub(crate) mod password;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountId(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Orders certificates for its own organization.
    Customer,
    /// A reseller: the orders it creates carry its partner code; it also sees orders naming it.
    Partner,
    /// Staff of the authority: reads every order.
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Partner => "partner",
            Role::Operator => "operator",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "customer" => Some(Role::Customer),
            "partner" => Some(Role::Partner),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Company,
    PublicBody,
    Association,
}

impl OrganizationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::Company => "company",
            OrganizationKind::PublicBody => "public_body",
            OrganizationKind::Association => "association",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "company" => Some(Self::Company),
            "public_body" => Some(Self::PublicBody),
            "association" => Some(Self::Association),
            _ => None,
        }
    }
}

/// The account's organization: the "self" domain holder and the subscriber of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub legal_name: String,
    pub kind: OrganizationKind,
    /// SIREN (9 digits) or SIRET (14 digits) for a French organization.
    pub registration_number: Option<String>,
    pub address: String,
    pub postal_code: Option<String>,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub role: Role,
    pub email: String,
    pub full_name: String,
    pub phone: Option<String>,
    pub partner_code: Option<String>,
    pub organization: Organization,
    /// Whether the account's user is the organization's legal representative (if not, a
    /// mandate is among the justificatifs).
    pub legal_representative: bool,
}

/// Who is asking: what a verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account_id: AccountId,
    pub role: Role,
    pub partner_code: Option<String>,
}

/// Which orders (and their events) a caller may see: the one rule, used by the SQL filters
/// of the repositories and by Rust alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility<'a> {
    /// An operator: every order.
    All,
    /// A partner: its own orders, those it prepares for its clients (`agent_id`) and those
    /// naming its code (the SQL side of `order::rights::relation_of`).
    OwnOrPartner {
        account: AccountId,
        partner_code: &'a str,
    },
    /// A customer (or a partner without a code): its own orders.
    Own(AccountId),
}

impl Visibility<'_> {
    /// Whether an order owned by `owner` and naming `partner_code` is visible.
    pub fn allows(&self, owner: AccountId, partner_code: Option<&str>) -> bool {
        match *self {
            Visibility::All => true,
            Visibility::OwnOrPartner {
                account,
                partner_code: code,
            } => owner == account || partner_code == Some(code),
            Visibility::Own(account) => owner == account,
        }
    }
}

impl Caller {
    pub fn visibility(&self) -> Visibility<'_> {
        match (self.role, self.partner_code.as_deref()) {
            (Role::Operator, _) => Visibility::All,
            (Role::Partner, Some(code)) => Visibility::OwnOrPartner {
                account: self.account_id,
                partner_code: code,
            },
            _ => Visibility::Own(self.account_id),
        }
    }

    /// Whether the caller may change what it owns or sees: everyone but an operator, who reads
    /// every order and changes only its own.
    pub fn may_change(&self, owner: AccountId) -> bool {
        self.role != Role::Operator || owner == self.account_id
    }
}

/// Normalizes a username: trimmed, lowercased. `None` when it cannot be a username.
pub fn normalize_username(input: &str) -> Option<String> {
    let u = input.trim().to_lowercase();
    let ok = (3..=64).contains(&u.chars().count())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    ok.then_some(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_username("  Demo.Client "),
            Some("demo.client".into())
        );
    }

    #[test]
    fn usernames_with_spaces_or_too_short_are_refused() {
        assert_eq!(normalize_username("a b c"), None);
        assert_eq!(normalize_username("ab"), None);
        assert_eq!(normalize_username(&"x".repeat(65)), None);
    }
}
