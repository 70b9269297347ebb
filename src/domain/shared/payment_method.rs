//! How a customer may pay: a value the catalogue (which methods an authority accepts) and
//! the order (which one was chosen) share.

use serde::{Deserialize, Serialize};

/// How the customer pays. Serialized as `card`, `bank_transfer`, `cheque`,
/// `administrative_mandate`, `purchase_order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    BankTransfer,
    Cheque,
    /// "Mandat administratif": the payment procedure of French public bodies.
    AdministrativeMandate,
    /// "Bon de commande": carries the Chorus Pro references.
    PurchaseOrder,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 5] = [
        PaymentMethod::Card,
        PaymentMethod::BankTransfer,
        PaymentMethod::Cheque,
        PaymentMethod::AdministrativeMandate,
        PaymentMethod::PurchaseOrder,
    ];

    /// The wire name (`bank_transfer`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Card => "card",
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::Cheque => "cheque",
            PaymentMethod::AdministrativeMandate => "administrative_mandate",
            PaymentMethod::PurchaseOrder => "purchase_order",
        }
    }

    /// The wire name back to a method; `None` for anything else (case-sensitive).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// French label, as printed on the PDF form.
    pub fn label_fr(self) -> &'static str {
        match self {
            PaymentMethod::Card => "Carte bancaire",
            PaymentMethod::BankTransfer => "Virement bancaire",
            PaymentMethod::Cheque => "Chèque",
            PaymentMethod::AdministrativeMandate => "Mandat administratif",
            PaymentMethod::PurchaseOrder => "Bon de commande",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PaymentMethod::Card => "Credit card",
            PaymentMethod::BankTransfer => "Bank transfer",
            PaymentMethod::Cheque => "Cheque",
            PaymentMethod::AdministrativeMandate => "Administrative mandate",
            PaymentMethod::PurchaseOrder => "Purchase order",
        }
    }
}
