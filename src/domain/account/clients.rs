//! A partner's client list: the accounts a partner may create orders for (`on_behalf_of`).
//!
//! The partner invites an account by its username; the account's user accepts it from its
//! own space (consent: the client chooses who acts for it), and either side may end the link.
//! An invitation never tells the partner whether the username exists: one for a username no
//! customer account has simply stays pending.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::AccountId;

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    /// Invited, not accepted (yet).
    Pending,
    /// Accepted by the client: the partner may order for it.
    Active,
    /// Declined or ended by either side; kept for the record, no longer listed.
    Ended,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Pending => "pending",
            LinkStatus::Active => "active",
            LinkStatus::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(LinkStatus::Pending),
            "active" => Some(LinkStatus::Active),
            "ended" => Some(LinkStatus::Ended),
            _ => None,
        }
    }
}

/// One link between a partner and a client account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLink {
    pub id: Uuid,
    pub partner_id: AccountId,
    /// What the partner invited (normalized).
    pub invited_username: String,
    /// The account, once known to be a customer's; shown to the partner only once active.
    pub client_id: Option<AccountId>,
    pub status: LinkStatus,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

impl ClientLink {
    /// The client account the partner may order for, once the link is active.
    pub fn active_client(&self) -> Option<AccountId> {
        match self.status {
            LinkStatus::Active => self.client_id,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in [LinkStatus::Pending, LinkStatus::Active, LinkStatus::Ended] {
            assert_eq!(LinkStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(LinkStatus::parse("accepted"), None);
    }

    #[test]
    fn only_an_active_link_names_a_client_to_order_for() {
        let mut link = ClientLink {
            id: Uuid::nil(),
            partner_id: AccountId(Uuid::nil()),
            invited_username: "client".into(),
            client_id: Some(AccountId(Uuid::from_u128(7))),
            status: LinkStatus::Pending,
            created_at: DateTime::UNIX_EPOCH,
            accepted_at: None,
        };
        assert_eq!(link.active_client(), None);
        link.status = LinkStatus::Active;
        assert_eq!(link.active_client(), Some(AccountId(Uuid::from_u128(7))));
        link.status = LinkStatus::Ended;
        assert_eq!(link.active_client(), None);
    }
}
