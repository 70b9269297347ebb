//! `orders.submitted`: what "Commander" froze — the catalogue entry, the price, the
//! certificate plan, the domains, the justificatifs and the data of the PDF form. A frozen
//! copy: a later catalogue changes none of it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{check_version, stored_enum, unversioned, Invalid, CURRENT};
use crate::domain::catalog::pricing::{Currency, Price};
use crate::domain::catalog::{
    AfterCommander, Authority, CertificatePlan, PlannedCertificate, ProductLine,
};
use crate::domain::documents::justificatifs::Justificatif;
use crate::domain::order::formulaire::{
    FormulaireData, OrganizationBlock, PersonBlock, PriceBlock,
};
use crate::domain::order::submission::Submission;
use crate::domain::shared::payment_method::PaymentMethod;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredSubmission {
    #[serde(default = "unversioned")]
    pub(crate) v: u32,
    pub(crate) catalog_version: String,
    pub(crate) authority: StoredAuthority,
    pub(crate) price: StoredPrice,
    pub(crate) plan: StoredPlan,
    pub(crate) domains: Vec<String>,
    /// Also read by SQL: the migration that made `order_documents` took each `code`.
    pub(crate) documents: Vec<StoredJustificatif>,
    pub(crate) formulaire: StoredFormulaire,
}

stored_enum! {
    StoredProductLine <=> ProductLine { Ssl = "ssl", SslRgs = "ssl_rgs" }
}

stored_enum! {
    StoredPaymentMethod <=> PaymentMethod {
        Card = "card",
        BankTransfer = "bank_transfer",
        Cheque = "cheque",
        AdministrativeMandate = "administrative_mandate",
        PurchaseOrder = "purchase_order",
    }
}

stored_enum! {
    StoredCurrency <=> Currency { Eur = "EUR" }
}

/// The authority's catalogue entry as it was at "Commander".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredAuthority {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) issuer: String,
    pub(crate) product_line: StoredProductLine,
    pub(crate) durations_months: Vec<u32>,
    pub(crate) max_additional_domains: u32,
    pub(crate) wildcard_allowed: bool,
    pub(crate) additional_domains_any_registrable_domain: bool,
    pub(crate) price_per_year_cents: i64,
    pub(crate) price_per_additional_domain_per_year_cents: i64,
    pub(crate) payment_methods: Vec<StoredPaymentMethod>,
    pub(crate) requires_certificate_manager: bool,
    pub(crate) after_commander: StoredAfterCommander,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredAfterCommander {
    pub(crate) acceptance_required: bool,
    pub(crate) acceptance_business_days: u32,
    pub(crate) refund_window_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPrice {
    pub(crate) excl_vat_cents: i64,
    pub(crate) vat_cents: i64,
    pub(crate) incl_vat_cents: i64,
    pub(crate) vat_rate_basis_points: u32,
    pub(crate) currency: StoredCurrency,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPlan {
    pub(crate) certificate_validity_days: u32,
    pub(crate) issuances: u32,
    pub(crate) subscription_end: NaiveDate,
    pub(crate) certificates: Vec<StoredPlannedCertificate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPlannedCertificate {
    pub(crate) issued_on: NaiveDate,
    pub(crate) expires_on: NaiveDate,
    pub(crate) validity_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredJustificatif {
    pub(crate) code: String,
    pub(crate) label_fr: String,
    pub(crate) label_en: String,
    pub(crate) reason_fr: String,
    pub(crate) reason_en: String,
}

/// The data of the "formulaire" (the PDF form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredFormulaire {
    pub(crate) order_number: String,
    pub(crate) submitted_at: DateTime<Utc>,
    pub(crate) account: StoredOrganizationBlock,
    pub(crate) requester: StoredPersonBlock,
    pub(crate) holder: StoredOrganizationBlock,
    pub(crate) holder_is_self: bool,
    pub(crate) authority_name: String,
    pub(crate) product_line_label: String,
    pub(crate) duration_months: u32,
    pub(crate) certificate_validity_days: u32,
    pub(crate) issuances: u32,
    pub(crate) domains: Vec<String>,
    pub(crate) csr_key_fingerprint_sha256: String,
    pub(crate) key_description: String,
    pub(crate) payment_method_label: String,
    /// `[label, value]` pairs.
    pub(crate) payment_references: Vec<(String, String)>,
    pub(crate) price: StoredPriceBlock,
    pub(crate) terms_version: String,
    pub(crate) terms_accepted_at: DateTime<Utc>,
    pub(crate) certificate_manager: Option<StoredPersonBlock>,
    pub(crate) documents: Vec<StoredJustificatif>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredOrganizationBlock {
    pub(crate) legal_name: String,
    pub(crate) siren_siret: Option<String>,
    pub(crate) address: String,
    pub(crate) postal_code: Option<String>,
    pub(crate) city: String,
    pub(crate) country: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPersonBlock {
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPriceBlock {
    pub(crate) excl_vat_cents: i64,
    pub(crate) vat_cents: i64,
    pub(crate) incl_vat_cents: i64,
    pub(crate) vat_rate_percent: f64,
}

impl From<&Justificatif> for StoredJustificatif {
    fn from(j: &Justificatif) -> Self {
        StoredJustificatif {
            code: j.code.clone(),
            label_fr: j.label_fr.clone(),
            label_en: j.label_en.clone(),
            reason_fr: j.reason_fr.clone(),
            reason_en: j.reason_en.clone(),
        }
    }
}

impl From<StoredJustificatif> for Justificatif {
    fn from(j: StoredJustificatif) -> Self {
        Justificatif {
            code: j.code,
            label_fr: j.label_fr,
            label_en: j.label_en,
            reason_fr: j.reason_fr,
            reason_en: j.reason_en,
        }
    }
}

impl From<&OrganizationBlock> for StoredOrganizationBlock {
    fn from(o: &OrganizationBlock) -> Self {
        StoredOrganizationBlock {
            legal_name: o.legal_name.clone(),
            siren_siret: o.siren_siret.clone(),
            address: o.address.clone(),
            postal_code: o.postal_code.clone(),
            city: o.city.clone(),
            country: o.country.clone(),
        }
    }
}

impl From<StoredOrganizationBlock> for OrganizationBlock {
    fn from(o: StoredOrganizationBlock) -> Self {
        OrganizationBlock {
            legal_name: o.legal_name,
            siren_siret: o.siren_siret,
            address: o.address,
            postal_code: o.postal_code,
            city: o.city,
            country: o.country,
        }
    }
}

impl From<&PersonBlock> for StoredPersonBlock {
    fn from(p: &PersonBlock) -> Self {
        StoredPersonBlock {
            name: p.name.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
        }
    }
}

impl From<StoredPersonBlock> for PersonBlock {
    fn from(p: StoredPersonBlock) -> Self {
        PersonBlock {
            name: p.name,
            email: p.email,
            phone: p.phone,
        }
    }
}

impl From<&Authority> for StoredAuthority {
    fn from(a: &Authority) -> Self {
        StoredAuthority {
            id: a.id.clone(),
            name: a.name.clone(),
            issuer: a.issuer.clone(),
            product_line: a.product_line.into(),
            durations_months: a.durations_months.clone(),
            max_additional_domains: a.max_additional_domains,
            wildcard_allowed: a.wildcard_allowed,
            additional_domains_any_registrable_domain: a.additional_domains_any_registrable_domain,
            price_per_year_cents: a.price_per_year_cents,
            price_per_additional_domain_per_year_cents: a
                .price_per_additional_domain_per_year_cents,
            payment_methods: a.payment_methods.iter().copied().map(Into::into).collect(),
            requires_certificate_manager: a.requires_certificate_manager,
            after_commander: StoredAfterCommander {
                acceptance_required: a.after_commander.acceptance_required,
                acceptance_business_days: a.after_commander.acceptance_business_days,
                refund_window_days: a.after_commander.refund_window_days,
            },
        }
    }
}

impl From<StoredAuthority> for Authority {
    fn from(a: StoredAuthority) -> Self {
        Authority {
            id: a.id,
            name: a.name,
            issuer: a.issuer,
            product_line: a.product_line.into(),
            durations_months: a.durations_months,
            max_additional_domains: a.max_additional_domains,
            wildcard_allowed: a.wildcard_allowed,
            additional_domains_any_registrable_domain: a.additional_domains_any_registrable_domain,
            price_per_year_cents: a.price_per_year_cents,
            price_per_additional_domain_per_year_cents: a
                .price_per_additional_domain_per_year_cents,
            payment_methods: a.payment_methods.into_iter().map(Into::into).collect(),
            requires_certificate_manager: a.requires_certificate_manager,
            after_commander: AfterCommander {
                acceptance_required: a.after_commander.acceptance_required,
                acceptance_business_days: a.after_commander.acceptance_business_days,
                refund_window_days: a.after_commander.refund_window_days,
            },
        }
    }
}

impl From<&Submission> for StoredSubmission {
    fn from(s: &Submission) -> Self {
        let f = &s.formulaire;
        StoredSubmission {
            v: CURRENT,
            catalog_version: s.catalog_version.clone(),
            authority: (&s.authority).into(),
            price: StoredPrice {
                excl_vat_cents: s.price.excl_vat_cents,
                vat_cents: s.price.vat_cents,
                incl_vat_cents: s.price.incl_vat_cents,
                vat_rate_basis_points: s.price.vat_rate_basis_points,
                currency: s.price.currency.into(),
            },
            plan: StoredPlan {
                certificate_validity_days: s.plan.certificate_validity_days,
                issuances: s.plan.issuances,
                subscription_end: s.plan.subscription_end,
                certificates: s
                    .plan
                    .certificates
                    .iter()
                    .map(|c| StoredPlannedCertificate {
                        issued_on: c.issued_on,
                        expires_on: c.expires_on,
                        validity_days: c.validity_days,
                    })
                    .collect(),
            },
            domains: s.domains.clone(),
            documents: s.documents.iter().map(Into::into).collect(),
            formulaire: StoredFormulaire {
                order_number: f.order_number.clone(),
                submitted_at: f.submitted_at,
                account: (&f.account).into(),
                requester: (&f.requester).into(),
                holder: (&f.holder).into(),
                holder_is_self: f.holder_is_self,
                authority_name: f.authority_name.clone(),
                product_line_label: f.product_line_label.clone(),
                duration_months: f.duration_months,
                certificate_validity_days: f.certificate_validity_days,
                issuances: f.issuances,
                domains: f.domains.clone(),
                csr_key_fingerprint_sha256: f.csr_key_fingerprint_sha256.clone(),
                key_description: f.key_description.clone(),
                payment_method_label: f.payment_method_label.clone(),
                payment_references: f.payment_references.clone(),
                price: StoredPriceBlock {
                    excl_vat_cents: f.price.excl_vat_cents,
                    vat_cents: f.price.vat_cents,
                    incl_vat_cents: f.price.incl_vat_cents,
                    vat_rate_percent: f.price.vat_rate_percent,
                },
                terms_version: f.terms_version.clone(),
                terms_accepted_at: f.terms_accepted_at,
                certificate_manager: f.certificate_manager.as_ref().map(Into::into),
                documents: f.documents.iter().map(Into::into).collect(),
            },
        }
    }
}

impl TryFrom<StoredSubmission> for Submission {
    type Error = Invalid;

    fn try_from(s: StoredSubmission) -> Result<Self, Invalid> {
        check_version(s.v)?;
        let f = s.formulaire;
        Ok(Submission {
            catalog_version: s.catalog_version,
            authority: s.authority.into(),
            price: Price {
                excl_vat_cents: s.price.excl_vat_cents,
                vat_cents: s.price.vat_cents,
                incl_vat_cents: s.price.incl_vat_cents,
                vat_rate_basis_points: s.price.vat_rate_basis_points,
                currency: s.price.currency.into(),
            },
            plan: CertificatePlan {
                certificate_validity_days: s.plan.certificate_validity_days,
                issuances: s.plan.issuances,
                subscription_end: s.plan.subscription_end,
                certificates: s
                    .plan
                    .certificates
                    .into_iter()
                    .map(|c| PlannedCertificate {
                        issued_on: c.issued_on,
                        expires_on: c.expires_on,
                        validity_days: c.validity_days,
                    })
                    .collect(),
            },
            domains: s.domains,
            documents: s.documents.into_iter().map(Into::into).collect(),
            formulaire: FormulaireData {
                order_number: f.order_number,
                submitted_at: f.submitted_at,
                account: f.account.into(),
                requester: f.requester.into(),
                holder: f.holder.into(),
                holder_is_self: f.holder_is_self,
                authority_name: f.authority_name,
                product_line_label: f.product_line_label,
                duration_months: f.duration_months,
                certificate_validity_days: f.certificate_validity_days,
                issuances: f.issuances,
                domains: f.domains,
                csr_key_fingerprint_sha256: f.csr_key_fingerprint_sha256,
                key_description: f.key_description,
                payment_method_label: f.payment_method_label,
                payment_references: f.payment_references,
                price: PriceBlock {
                    excl_vat_cents: f.price.excl_vat_cents,
                    vat_cents: f.price.vat_cents,
                    incl_vat_cents: f.price.incl_vat_cents,
                    vat_rate_percent: f.price.vat_rate_percent,
                },
                terms_version: f.terms_version,
                terms_accepted_at: f.terms_accepted_at,
                certificate_manager: f.certificate_manager.map(Into::into),
                documents: f.documents.into_iter().map(Into::into).collect(),
            },
        })
    }
}
