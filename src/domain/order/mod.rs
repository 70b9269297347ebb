//! The certificate order: a draft patched step by step, then submitted ("commander", the
//! seed's final button) or cancelled. Pure: no clock, no I/O.

pub mod formulaire;
pub mod holder;
pub mod notification;
pub mod payment;
pub mod submission;
pub mod wizard;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::account::AccountId;
use crate::domain::order::holder::Holder;
use crate::domain::order::payment::Payment;
use crate::domain::pki::csr::CsrDetails;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderId(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Being filled in; every step may still change.
    Draft,
    /// "Commandé": frozen, awaiting the signed form, the justificatifs and the payment.
    Submitted,
    /// Withdrawn by its owner while a draft; kept, never erased.
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Submitted => "submitted",
            OrderStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "submitted" => Some(Self::Submitted),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Edit,
    Submit,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from:?} order cannot take {transition:?}")]
pub struct TransitionError {
    pub from: OrderStatus,
    pub transition: Transition,
}

/// The state machine: only a draft can be edited, submitted or cancelled.
pub fn transition(
    from: OrderStatus,
    transition: Transition,
) -> Result<OrderStatus, TransitionError> {
    match (from, transition) {
        (OrderStatus::Draft, Transition::Edit) => Ok(OrderStatus::Draft),
        (OrderStatus::Draft, Transition::Submit) => Ok(OrderStatus::Submitted),
        (OrderStatus::Draft, Transition::Cancel) => Ok(OrderStatus::Cancelled),
        (from, transition) => Err(TransitionError { from, transition }),
    }
}

/// The human order number, e.g. `CMD-2026-000123`, from the year and a sequence value.
pub fn order_number(created_at: DateTime<Utc>, sequence: i64) -> String {
    format!("CMD-{}-{:06}", created_at.year(), sequence)
}

/// Step 6: "Passez-vous par un partenaire ?" — a code, or an explicit "no".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PartnerChoice {
    None,
    Partner { code: String },
}

/// Step 8: the two cases of the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GenerationMethod {
    /// Case 1: the customer pastes a CSR made with an external tool.
    Csr,
    /// Case 2: the service generates the key pair and CSR for the FQDN given.
    Generate,
}

impl GenerationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            GenerationMethod::Csr => "csr",
            GenerationMethod::Generate => "generate",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csr" => Some(Self::Csr),
            "generate" => Some(Self::Generate),
            _ => None,
        }
    }
}

/// Where the order's CSR came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsrOrigin {
    Pasted,
    Generated,
}

impl CsrOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            CsrOrigin::Pasted => "pasted",
            CsrOrigin::Generated => "generated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pasted" => Some(Self::Pasted),
            "generated" => Some(Self::Generated),
            _ => None,
        }
    }
}

/// Step 15: the CGU accepted — which version, by whom, when and from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsAcceptance {
    pub version: String,
    pub accepted_by: Uuid,
    pub accepted_at: DateTime<Utc>,
    pub client_address: Option<String>,
}

/// The steps of the wizard, in the seed's order; `missing` lists them by these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Authority,
    Partner,
    DurationMonths,
    GenerationMethod,
    /// Case 2: the FQDN to protect.
    Fqdn,
    /// The CSR: pasted and verified (case 1) or generated (case 2).
    Csr,
    Holder,
    Payment,
    Terms,
}

impl Step {
    pub const ALL: [Step; 9] = [
        Step::Authority,
        Step::Partner,
        Step::DurationMonths,
        Step::GenerationMethod,
        Step::Fqdn,
        Step::Csr,
        Step::Holder,
        Step::Payment,
        Step::Terms,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Authority => "authority",
            Step::Partner => "partner",
            Step::DurationMonths => "duration_months",
            Step::GenerationMethod => "generation_method",
            Step::Fqdn => "fqdn",
            Step::Csr => "csr",
            Step::Holder => "holder",
            Step::Payment => "payment",
            Step::Terms => "terms",
        }
    }

    /// The JSON pointer of the PATCH field that answers the step.
    pub fn pointer(self) -> &'static str {
        match self {
            Step::Csr => "/csr_pem",
            Step::Authority => "/authority",
            Step::Partner => "/partner",
            Step::DurationMonths => "/duration_months",
            Step::GenerationMethod => "/generation_method",
            Step::Fqdn => "/fqdn",
            Step::Holder => "/holder",
            Step::Payment => "/payment",
            Step::Terms => "/terms",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Step::Authority => "l'autorité de certification",
            Step::Partner => "le partenaire (un code, ou « Non »)",
            Step::DurationMonths => "la durée",
            Step::GenerationMethod => "la méthode de génération",
            Step::Fqdn => "le FQDN à protéger",
            Step::Csr => "la CSR (collée et vérifiée, ou générée)",
            Step::Holder => "le titulaire du domaine",
            Step::Payment => "le moyen de paiement",
            Step::Terms => "l'acceptation des conditions générales d'utilisation",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Step::Authority => "the certificate authority",
            Step::Partner => "the partner (a code, or \"no\")",
            Step::DurationMonths => "the duration",
            Step::GenerationMethod => "the generation method",
            Step::Fqdn => "the FQDN to protect",
            Step::Csr => "the CSR (pasted and verified, or generated)",
            Step::Holder => "the domain holder",
            Step::Payment => "the payment method",
            Step::Terms => "the acceptance of the terms of use",
        }
    }
}

/// A verified CSR: what decoding it found (subject, key, fingerprint, PEM) and the domain
/// names it carries, normalized (CN first, then the SAN dNSNames, duplicates merged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsrRecord {
    pub origin: CsrOrigin,
    pub details: CsrDetails,
    pub names: Vec<String>,
}

/// An order as the domain sees it: every step's validated answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: OrderId,
    pub number: String,
    pub account_id: AccountId,
    pub status: OrderStatus,
    pub version: i32,
    pub authority: Option<String>,
    pub partner: Option<PartnerChoice>,
    /// The partner was set by a partner's account and cannot be changed.
    pub partner_fixed: bool,
    pub duration_months: Option<i32>,
    pub generation_method: Option<GenerationMethod>,
    pub csr: Option<CsrRecord>,
    pub fqdn: Option<String>,
    pub additional_domains: Vec<String>,
    pub holder: Option<Holder>,
    pub payment: Option<Payment>,
    pub terms: Option<TermsAcceptance>,
    /// What "commander" froze: price, catalogue entry, documents.
    pub submitted: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl Order {
    /// A fresh draft with no step answered (what `POST /orders` stores), for tests.
    #[cfg(test)]
    pub fn test_draft(now: DateTime<Utc>) -> Order {
        Order {
            id: OrderId(Uuid::nil()),
            number: order_number(now, 1),
            account_id: AccountId(Uuid::nil()),
            status: OrderStatus::Draft,
            version: 1,
            authority: None,
            partner: None,
            partner_fixed: false,
            duration_months: None,
            generation_method: None,
            csr: None,
            fqdn: None,
            additional_domains: vec![],
            holder: None,
            payment: None,
            terms: None,
            submitted: None,
            created_at: now,
            updated_at: now,
            submitted_at: None,
            cancelled_at: None,
        }
    }

    /// The steps still unanswered, in wizard order.
    pub fn missing(&self) -> Vec<Step> {
        let mut missing = Vec::new();
        if self.authority.is_none() {
            missing.push(Step::Authority);
        }
        if self.partner.is_none() {
            missing.push(Step::Partner);
        }
        if self.duration_months.is_none() {
            missing.push(Step::DurationMonths);
        }
        match self.generation_method {
            None => {
                missing.push(Step::GenerationMethod);
                if self.csr.is_none() {
                    missing.push(Step::Csr);
                }
            }
            Some(GenerationMethod::Csr) => {
                if !self.has_csr_from(CsrOrigin::Pasted) {
                    missing.push(Step::Csr);
                }
            }
            Some(GenerationMethod::Generate) => {
                if self.fqdn.is_none() {
                    missing.push(Step::Fqdn);
                }
                if !self.has_csr_from(CsrOrigin::Generated) {
                    missing.push(Step::Csr);
                }
            }
        }
        if self.holder.is_none() {
            missing.push(Step::Holder);
        }
        if self.payment.is_none() {
            missing.push(Step::Payment);
        }
        if self.terms.is_none() {
            missing.push(Step::Terms);
        }
        missing
    }

    fn has_csr_from(&self, origin: CsrOrigin) -> bool {
        self.csr.as_ref().is_some_and(|c| c.origin == origin)
    }

    /// The partner code the order carries, if any.
    pub fn partner_code(&self) -> Option<&str> {
        match &self.partner {
            Some(PartnerChoice::Partner { code }) => Some(code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn draft() -> Order {
        Order::test_draft(Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap())
    }

    #[test]
    fn order_numbers_carry_the_year_and_six_digits() {
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        assert_eq!(order_number(t, 123), "CMD-2026-000123");
    }

    #[test]
    fn only_a_draft_can_be_edited_submitted_or_cancelled() {
        use OrderStatus::*;
        assert_eq!(transition(Draft, Transition::Submit), Ok(Submitted));
        assert_eq!(transition(Draft, Transition::Cancel), Ok(Cancelled));
        for from in [Submitted, Cancelled] {
            for t in [Transition::Edit, Transition::Submit, Transition::Cancel] {
                assert!(transition(from, t).is_err(), "{from:?} {t:?}");
            }
        }
    }

    #[test]
    fn a_new_draft_misses_every_step_but_fqdn_in_wizard_order() {
        let names: Vec<_> = draft().missing().iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "authority",
                "partner",
                "duration_months",
                "generation_method",
                "csr",
                "holder",
                "payment",
                "terms"
            ]
        );
    }

    #[test]
    fn case_two_misses_the_fqdn_then_the_generated_csr() {
        let mut o = draft();
        o.generation_method = Some(GenerationMethod::Generate);
        assert!(o.missing().starts_with(&[
            Step::Authority,
            Step::Partner,
            Step::DurationMonths,
            Step::Fqdn,
            Step::Csr
        ]));
        o.fqdn = Some("www.certigna.fr".into());
        assert!(o.missing().contains(&Step::Csr));
        assert!(!o.missing().contains(&Step::Fqdn));
        // a pasted CSR does not answer case 2
        let details: CsrDetails = serde_json::from_value(serde_json::json!({
            "subject": "CN=www.certigna.fr", "common_name": "www.certigna.fr", "dns_names": [],
            "key": {"algorithm": "ecdsa", "bits": 256, "curve": "P-256"},
            "signature_algorithm": "ecdsa-with-SHA256", "public_key_sha256": "00", "pem": ""
        }))
        .unwrap();
        o.csr = Some(CsrRecord {
            origin: CsrOrigin::Pasted,
            details,
            names: vec!["www.certigna.fr".into()],
        });
        assert!(o.missing().contains(&Step::Csr));
        o.csr.as_mut().unwrap().origin = CsrOrigin::Generated;
        assert!(!o.missing().contains(&Step::Csr));
    }
}
