//! `orders.payment`: how the order is paid (step 13), with the purchase order's references.

use serde::{Deserialize, Serialize};

use super::{check_version, unversioned, Invalid, CURRENT};
use crate::domain::order::payment::{Payment, PurchaseOrderReferences};

/// `{"v": 1, "method": "card" | …, "purchase_order": {…}}` (the references only with
/// `purchase_order`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPayment {
    #[serde(default = "unversioned")]
    pub(crate) v: u32,
    #[serde(flatten)]
    pub(crate) method: StoredMethod,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method")]
pub(crate) enum StoredMethod {
    #[serde(rename = "card")]
    Card,
    #[serde(rename = "bank_transfer")]
    BankTransfer,
    #[serde(rename = "cheque")]
    Cheque,
    #[serde(rename = "administrative_mandate")]
    AdministrativeMandate,
    #[serde(rename = "purchase_order")]
    PurchaseOrder { purchase_order: StoredPurchaseOrder },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPurchaseOrder {
    pub(crate) purchase_order_number: String,
    pub(crate) engagement_number: String,
    pub(crate) service_code: String,
}

impl From<&Payment> for StoredPayment {
    fn from(p: &Payment) -> Self {
        let method = match p {
            Payment::Card => StoredMethod::Card,
            Payment::BankTransfer => StoredMethod::BankTransfer,
            Payment::Cheque => StoredMethod::Cheque,
            Payment::AdministrativeMandate => StoredMethod::AdministrativeMandate,
            Payment::PurchaseOrder { purchase_order: po } => StoredMethod::PurchaseOrder {
                purchase_order: StoredPurchaseOrder {
                    purchase_order_number: po.purchase_order_number().to_owned(),
                    engagement_number: po.engagement_number().to_owned(),
                    service_code: po.service_code().to_owned(),
                },
            },
        };
        StoredPayment { v: CURRENT, method }
    }
}

impl TryFrom<StoredPayment> for Payment {
    type Error = Invalid;

    fn try_from(s: StoredPayment) -> Result<Self, Invalid> {
        check_version(s.v)?;
        Ok(match s.method {
            StoredMethod::Card => Payment::Card,
            StoredMethod::BankTransfer => Payment::BankTransfer,
            StoredMethod::Cheque => Payment::Cheque,
            StoredMethod::AdministrativeMandate => Payment::AdministrativeMandate,
            StoredMethod::PurchaseOrder { purchase_order: po } => Payment::PurchaseOrder {
                purchase_order: PurchaseOrderReferences::from_validated(
                    po.purchase_order_number,
                    po.engagement_number,
                    po.service_code,
                ),
            },
        })
    }
}
