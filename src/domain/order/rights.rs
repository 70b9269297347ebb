//! Who may do what with an order: one matrix, the only place a right is decided.
//!
//! A caller stands in one [`Relation`] to an order, found from the order alone (its owner,
//! the partner preparing it for its client, the partner code it names) and the caller's
//! account and role; each [`Action`] is allowed or not for each relation ([`MATRIX`]). The
//! use cases ask [`OrderData::authorize`] before anything else, so a refusal never depends
//! on the order's status. The contract prints the same table (`GET /openapi.json`,
//! "Rights"), built from [`MATRIX`].
//!
//! The rules behind it: the order belongs to its owner, who is the subscriber the Baseline
//! Requirements bind (BR 9.6.3), so only the owner accepts the CGU and the certificate; a
//! partner preparing an order for one of its clients does everything else; a partner that
//! an order merely names (the customer typed its code) follows it read-only, without the
//! subscriber's documents; an operator reads everything and acts through the operator's own
//! routes (review, approval, revocation), never as the customer.

use super::OrderData;
use crate::domain::account::{Caller, Role};

/// How a caller stands to one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// A customer (or an operator) on the order it owns.
    Customer,
    /// A partner on an order it made for itself.
    PartnerOwn,
    /// A partner on an order it prepares for one of its clients (`on_behalf_of`): the client
    /// owns it.
    PartnerForClient,
    /// A partner on an order that only names its code (a customer's choice at step 6).
    PartnerNamed,
    /// An operator on someone else's order.
    Operator,
}

/// What a caller may try on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `GET /orders/{id}`, its life, timeline and domain controls.
    Read,
    /// `PATCH /orders/{id}` (every step but the CGU), `generate-csr`.
    Patch,
    /// Step 15 of a PATCH: accepting the CGU.
    AcceptTerms,
    /// `DELETE /orders/{id}`, `POST /orders/{id}/cancel`.
    Cancel,
    /// `POST /orders/{id}/commander`.
    Commander,
    /// `GET /orders/{id}/formulaire.pdf`.
    Pdf,
    /// `GET /orders/{id}/certificate`.
    Certificate,
    /// `GET /orders/{id}/documents` and a file's download.
    ReadDocuments,
    /// `POST /orders/{id}/documents/{code}`.
    UploadDocuments,
    /// Choosing a domain's control method and "check now".
    DomainControl,
    /// `POST /orders/{id}/accept`, `/refuse`: accepting the issued certificate.
    AcceptCertificate,
    /// `POST /orders/{id}/revocation`.
    RequestRevocation,
    /// `POST /orders/{id}/renewal`, `/renewal/generate-csr`.
    Renew,
}

impl Relation {
    pub const ALL: [Relation; 5] = [
        Relation::Customer,
        Relation::PartnerOwn,
        Relation::PartnerForClient,
        Relation::PartnerNamed,
        Relation::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Customer => "customer",
            Relation::PartnerOwn => "partner_own",
            Relation::PartnerForClient => "partner_for_client",
            Relation::PartnerNamed => "partner_named",
            Relation::Operator => "operator",
        }
    }

    /// Its column header in the contract's table.
    pub fn label(self) -> &'static str {
        match self {
            Relation::Customer => "customer (its own order)",
            Relation::PartnerOwn => "partner, its own order",
            Relation::PartnerForClient => "partner, a client's order",
            Relation::PartnerNamed => "partner, only named",
            Relation::Operator => "operator",
        }
    }
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Patch => "patch",
            Action::AcceptTerms => "accept_terms",
            Action::Cancel => "cancel",
            Action::Commander => "commander",
            Action::Pdf => "pdf",
            Action::Certificate => "certificate",
            Action::ReadDocuments => "read_documents",
            Action::UploadDocuments => "upload_documents",
            Action::DomainControl => "domain_control",
            Action::AcceptCertificate => "accept_certificate",
            Action::RequestRevocation => "request_revocation",
            Action::Renew => "renew",
        }
    }

    /// Its row header in the contract's table.
    pub fn label(self) -> &'static str {
        match self {
            Action::Read => "read the order, its life, timeline and domains",
            Action::Patch => "patch the wizard's steps (not the CGU), generate-csr",
            Action::AcceptTerms => "accept the CGU (step 15)",
            Action::Cancel => "cancel",
            Action::Commander => "Commander",
            Action::Pdf => "download the PDF form",
            Action::Certificate => "download the certificate",
            Action::ReadDocuments => "list and download the documents",
            Action::UploadDocuments => "upload a document",
            Action::DomainControl => "choose a control method, check now",
            Action::AcceptCertificate => "accept or refuse the certificate",
            Action::RequestRevocation => "request revocation",
            Action::Renew => "renew",
        }
    }
}

const Y: bool = true;
const N: bool = false;

/// The matrix: for each action, whether each relation of [`Relation::ALL`] may do it, in
/// that order (customer, partner own, partner for a client, partner named, operator).
pub const MATRIX: [(Action, [bool; 5]); 13] = [
    (Action::Read, [Y, Y, Y, Y, Y]),
    (Action::Patch, [Y, Y, Y, N, N]),
    (Action::AcceptTerms, [Y, Y, N, N, N]),
    (Action::Cancel, [Y, Y, Y, N, N]),
    (Action::Commander, [Y, Y, Y, N, N]),
    (Action::Pdf, [Y, Y, Y, N, Y]),
    (Action::Certificate, [Y, Y, Y, N, Y]),
    (Action::ReadDocuments, [Y, Y, Y, N, Y]),
    (Action::UploadDocuments, [Y, Y, Y, N, N]),
    (Action::DomainControl, [Y, Y, Y, N, N]),
    (Action::AcceptCertificate, [Y, Y, N, N, N]),
    (Action::RequestRevocation, [Y, Y, Y, N, N]),
    (Action::Renew, [Y, Y, Y, N, N]),
];

/// Whether `relation` may do `action`.
pub fn allows(relation: Relation, action: Action) -> bool {
    let column = Relation::ALL
        .iter()
        .position(|r| *r == relation)
        .expect("every relation has a column");
    MATRIX
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, row)| row[column])
        .expect("every action has a row")
}

/// Why [`OrderData::authorize`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The caller stands in no relation to the order: it must not learn the order exists.
    Invisible,
    /// The caller sees the order but may not do this.
    Forbidden(Relation, Action),
}

impl OrderData {
    /// How `caller` stands to the order; `None`: not at all (the order is invisible to it).
    pub fn relation_of(&self, caller: &Caller) -> Option<Relation> {
        if self.account_id == caller.account_id {
            return Some(match caller.role {
                Role::Partner => Relation::PartnerOwn,
                Role::Customer | Role::Operator => Relation::Customer,
            });
        }
        match caller.role {
            Role::Operator => Some(Relation::Operator),
            Role::Partner if self.agent_id == Some(caller.account_id) => {
                Some(Relation::PartnerForClient)
            }
            Role::Partner
                if caller.partner_code.is_some()
                    && self.partner_code() == caller.partner_code.as_deref() =>
            {
                Some(Relation::PartnerNamed)
            }
            _ => None,
        }
    }

    /// Whether `caller` may do `action` on the order, per [`MATRIX`].
    pub fn authorize(&self, caller: &Caller, action: Action) -> Result<Relation, Refusal> {
        let relation = self.relation_of(caller).ok_or(Refusal::Invisible)?;
        if allows(relation, action) {
            Ok(relation)
        } else {
            Err(Refusal::Forbidden(relation, action))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::AccountId;
    use crate::domain::order::{Order, PartnerChoice};
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn caller(role: Role, code: Option<&str>) -> Caller {
        Caller {
            account_id: AccountId(Uuid::now_v7()),
            role,
            partner_code: code.map(str::to_owned),
        }
    }

    fn order_of(owner: AccountId, code: Option<&str>, agent: Option<AccountId>) -> Order {
        let mut data = Order::test_draft(Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap())
            .data
            .clone();
        data.account_id = owner;
        data.partner = code.map(|c| PartnerChoice::Partner { code: c.into() });
        data.agent_id = agent;
        Order::restore(data)
    }

    /// The five relations, each with its caller and order.
    fn cases() -> Vec<(Relation, Caller, Order)> {
        let customer = caller(Role::Customer, None);
        let partner = caller(Role::Partner, Some("PART-A"));
        let client = caller(Role::Customer, None);
        let operator = caller(Role::Operator, None);
        vec![
            (
                Relation::Customer,
                customer.clone(),
                order_of(customer.account_id, None, None),
            ),
            (
                Relation::PartnerOwn,
                partner.clone(),
                order_of(partner.account_id, Some("PART-A"), None),
            ),
            (
                Relation::PartnerForClient,
                partner.clone(),
                order_of(client.account_id, Some("PART-A"), Some(partner.account_id)),
            ),
            (
                Relation::PartnerNamed,
                partner.clone(),
                order_of(customer.account_id, Some("PART-A"), None),
            ),
            (
                Relation::Operator,
                operator,
                order_of(customer.account_id, None, None),
            ),
        ]
    }

    #[test]
    fn each_caller_is_found_in_its_relation() {
        for (relation, caller, order) in cases() {
            assert_eq!(order.relation_of(&caller), Some(relation), "{relation:?}");
        }
    }

    #[test]
    fn every_cell_of_the_matrix_is_what_authorize_answers() {
        for (relation, caller, order) in cases() {
            let column = Relation::ALL.iter().position(|r| *r == relation).unwrap();
            for (action, row) in MATRIX {
                let got = order.authorize(&caller, action);
                if row[column] {
                    assert_eq!(got, Ok(relation), "{relation:?} {action:?}");
                } else {
                    assert_eq!(
                        got,
                        Err(Refusal::Forbidden(relation, action)),
                        "{relation:?} {action:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_subscriber_alone_accepts_the_cgu_and_the_certificate() {
        for action in [Action::AcceptTerms, Action::AcceptCertificate] {
            let who: Vec<_> = Relation::ALL
                .into_iter()
                .filter(|r| allows(*r, action))
                .collect();
            assert_eq!(
                who,
                [Relation::Customer, Relation::PartnerOwn],
                "{action:?}"
            );
        }
    }

    #[test]
    fn a_named_partner_only_reads() {
        let allowed: Vec<_> = MATRIX
            .iter()
            .filter(|(a, _)| allows(Relation::PartnerNamed, *a))
            .map(|(a, _)| *a)
            .collect();
        assert_eq!(allowed, [Action::Read]);
    }

    #[test]
    fn strangers_do_not_see_the_order() {
        let order = order_of(AccountId(Uuid::now_v7()), Some("PART-A"), None);
        let other_customer = caller(Role::Customer, None);
        let other_partner = caller(Role::Partner, Some("PART-B"));
        let codeless_partner = caller(Role::Partner, None);
        for c in [other_customer, other_partner, codeless_partner] {
            assert_eq!(order.authorize(&c, Action::Read), Err(Refusal::Invisible));
        }
    }

    #[test]
    fn a_partner_that_was_the_agent_stays_one_even_if_the_code_is_changed() {
        let partner = caller(Role::Partner, Some("PART-A"));
        let client = AccountId(Uuid::now_v7());
        let order = order_of(client, None, Some(partner.account_id));
        assert_eq!(
            order.relation_of(&partner),
            Some(Relation::PartnerForClient)
        );
    }

    #[test]
    fn every_action_has_one_row() {
        for (i, (a, _)) in MATRIX.iter().enumerate() {
            assert!(MATRIX[i + 1..].iter().all(|(b, _)| b != a), "{a:?} twice");
        }
    }
}
