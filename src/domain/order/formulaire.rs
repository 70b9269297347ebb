//! The data of the "Formulaire de demande de certificat" (SPEC §5), frozen at `commander`;
//! `crate::render::formulaire` draws it as a PDF.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::documents::justificatifs::Justificatif;

/// An organization as shown on the form (the account or the domain holder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationBlock {
    pub legal_name: String,
    pub siren_siret: Option<String>,
    pub address: String,
    pub postal_code: Option<String>,
    pub city: String,
    pub country: String,
}

/// A person as shown on the form (the requester, the certificate manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonBlock {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

/// The frozen price, in euro cents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceBlock {
    pub excl_vat_cents: i64,
    pub vat_cents: i64,
    pub incl_vat_cents: i64,
    /// e.g. `20.0`, `5.5`.
    pub vat_rate_percent: f64,
}

/// Everything the form shows; built by the caller from the submitted order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormulaireData {
    /// e.g. `CMD-2026-000123`.
    pub order_number: String,
    pub submitted_at: DateTime<Utc>,
    pub account: OrganizationBlock,
    pub requester: PersonBlock,
    /// The domain holder; the same as `account` when `holder_is_self`.
    pub holder: OrganizationBlock,
    pub holder_is_self: bool,
    pub authority_name: String,
    /// e.g. `Pack SSL`, `SSL RGS*`.
    pub product_line_label: String,
    pub duration_months: u32,
    pub certificate_validity_days: u32,
    /// How many certificates are issued over the duration.
    pub issuances: u32,
    pub domains: Vec<String>,
    pub csr_key_fingerprint_sha256: String,
    /// e.g. `ECDSA P-256`, `RSA 2048 bits`.
    pub key_description: String,
    pub payment_method_label: String,
    /// (label, value) pairs, e.g. `("Référence de bon de commande", "BC-42")`.
    pub payment_references: Vec<(String, String)>,
    pub price: PriceBlock,
    pub terms_version: String,
    pub terms_accepted_at: DateTime<Utc>,
    /// The "responsable du certificat" (SSL RGS*).
    pub certificate_manager: Option<PersonBlock>,
    pub documents: Vec<Justificatif>,
}
