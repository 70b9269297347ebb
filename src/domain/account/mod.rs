//! Accounts of the customer space and who may see what.

pub mod password;

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

impl Caller {
    /// Whether the caller may see (and act on) the order: its own; a partner also those
    /// naming its code; an operator, all. Mirrors the SQL filter of the orders repository.
    pub fn can_see(&self, order: &crate::domain::order::Order) -> bool {
        match self.role {
            Role::Operator => true,
            Role::Partner => {
                order.account_id == self.account_id
                    || (self.partner_code.is_some()
                        && order.partner_code() == self.partner_code.as_deref())
            }
            Role::Customer => order.account_id == self.account_id,
        }
    }
}

impl Caller {
    /// Whether the caller may change the order: whoever sees it, except an operator, who
    /// reads every order but changes only its own.
    pub fn can_edit(&self, order: &crate::domain::order::Order) -> bool {
        self.can_see(order) && (self.role != Role::Operator || order.account_id == self.account_id)
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
