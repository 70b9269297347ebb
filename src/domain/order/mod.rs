//! The certificate order: a draft patched step by step, then submitted ("commander", the
//! seed's final button) or cancelled. Pure: no clock, no I/O.

pub(crate) mod formulaire;
pub(crate) mod holder;
pub(crate) mod life;
pub(crate) mod notification;
pub(crate) mod payment;
pub(crate) mod renewal;
pub(crate) mod rights;
pub(crate) mod submission;
pub(crate) mod wizard;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::account::{Account, AccountId, Caller};
use crate::domain::catalog::Catalog;
use crate::domain::documents::justificatifs::JustificatifRules;
use crate::domain::order::holder::Holder;
use crate::domain::order::payment::Payment;
use crate::domain::pki::csr::CsrDetails;
use crate::domain::shared::issue::FieldIssue;
use submission::Submission;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderId(pub Uuid);

/// The statuses of SPEC §8. `draft` and `submitted` are reached through the wizard; the
/// others belong to the life after "Commander" (validation, issuance, acceptance) and are
/// reached only through the transitions of [`transition`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OrderStatus {
    /// Being filled in; every step may still change.
    Draft,
    /// "Commandé": frozen, awaiting the signed form, the justificatifs and the payment.
    Submitted,
    /// Every requirement met and approved by an operator; awaiting issuance.
    Validated,
    /// A certificate exists; acceptance pending where the catalogue requires it.
    Issued,
    /// The certificate was accepted (or needed no acceptance).
    Active,
    /// The plan's last certificate expired.
    Expired,
    /// Refused by an operator, with a reason.
    Rejected,
    /// Withdrawn by its owner before issuance; kept, never erased.
    Cancelled,
    /// Refused at acceptance, not accepted in time, or revoked on request.
    Revoked,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// What can happen to an order. Each is a method of [`Order`] that records an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum Transition {
    /// A wizard step answered (PATCH) or the CSR generated.
    Edit,
    /// "Commander".
    Submit,
    /// Withdrawn by the customer (a draft; after submission, before issuance).
    Cancel,
    /// Approved by an operator once every requirement is met.
    Validate,
    /// Refused by an operator.
    Reject,
    /// A certificate was issued or attached.
    Issue,
    /// The customer accepted the certificate.
    Accept,
    /// Revoked: refused at acceptance, not accepted in time, or on request.
    Revoke,
    /// The plan's last certificate expired.
    Expire,
    /// The next certificate of the plan was issued or attached (a renewal).
    Renew,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from:?} order cannot take {transition:?}")]
pub struct TransitionError {
    pub from: OrderStatus,
    pub transition: Transition,
}

/// The state machine, one table: which transition leads where from which status.
pub fn transition(
    from: OrderStatus,
    transition: Transition,
) -> Result<OrderStatus, TransitionError> {
    use OrderStatus::*;
    use Transition as T;
    match (from, transition) {
        (Draft, T::Edit) => Ok(Draft),
        (Draft, T::Submit) => Ok(Submitted),
        (Draft | Submitted | Validated, T::Cancel) => Ok(Cancelled),
        (Submitted, T::Validate) => Ok(Validated),
        (Submitted | Validated, T::Reject) => Ok(Rejected),
        (Validated, T::Issue) => Ok(Issued),
        (Issued, T::Accept) => Ok(Active),
        (Issued | Active, T::Revoke) => Ok(Revoked),
        (Active, T::Expire) => Ok(Expired),
        (Active, T::Renew) => Ok(Issued),
        (from, transition) => Err(TransitionError { from, transition }),
    }
}

/// What happened to an order, recorded in the same transaction as the change and delivered
/// afterwards by the event outbox (e-mail, and later webhooks and the events feed).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::EnumIter,
)]
pub enum OrderEventType {
    #[strum(serialize = "order.created")]
    Created,
    #[strum(serialize = "order.submitted")]
    Submitted,
    #[strum(serialize = "order.cancelled")]
    Cancelled,
    #[strum(serialize = "order.payment_received")]
    PaymentReceived,
    #[strum(serialize = "order.validated")]
    Validated,
    #[strum(serialize = "order.rejected")]
    Rejected,
    #[strum(serialize = "order.issued")]
    Issued,
    #[strum(serialize = "order.accepted")]
    Accepted,
    #[strum(serialize = "order.refused")]
    Refused,
    #[strum(serialize = "order.revocation_requested")]
    RevocationRequested,
    #[strum(serialize = "order.revoked")]
    Revoked,
    /// The customer is reminded to accept the certificate before the deadline.
    #[strum(serialize = "order.acceptance_reminder")]
    AcceptanceReminder,
    /// The customer gave the next certificate's CSR.
    #[strum(serialize = "order.renewal_requested")]
    RenewalRequested,
    /// The renewal window of the current certificate opened (a reminder).
    #[strum(serialize = "order.renewal_window_opened")]
    RenewalWindowOpened,
    /// The current certificate expires within a week (a reminder).
    #[strum(serialize = "order.certificate_expiring")]
    CertificateExpiring,
    /// The plan's last certificate expired.
    #[strum(serialize = "order.expired")]
    Expired,
    /// A justificatif's file was uploaded (the slot is under review).
    #[strum(serialize = "document.uploaded")]
    DocumentUploaded,
    #[strum(serialize = "document.accepted")]
    DocumentAccepted,
    #[strum(serialize = "document.rejected")]
    DocumentRejected,
}

impl OrderEventType {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// One event of an order, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    pub kind: OrderEventType,
    pub at: DateTime<Utc>,
    /// Who did it (none: the service itself, e.g. the scheduler or the sandbox CA).
    pub actor: Option<AccountId>,
    /// What the timeline shows of it (a reason, a reference), as JSON.
    pub detail: serde_json::Value,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
pub struct CsrRecord {
    pub origin: CsrOrigin,
    pub details: CsrDetails,
    pub names: Vec<String>,
}

/// What an order holds: every step's validated answer, what "commander" froze, and when
/// things happened. Read it through an [`Order`] (which derefs to it); only the order's own
/// methods change it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderData {
    pub id: OrderId,
    pub number: String,
    /// The owner: the subscriber, who sees the order, gets its e-mails and accepts the CGU.
    pub account_id: AccountId,
    /// The partner preparing the order for its client, the owner (`on_behalf_of`).
    pub agent_id: Option<AccountId>,
    pub status: OrderStatus,
    /// The version it was read at; the repository bumps it when it saves a change.
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
    /// What "commander" froze: price, catalogue entry, documents, the form's data.
    pub submission: Option<Submission>,
    /// What happened after "Commander" (payment, approval, certificate, acceptance…).
    pub life: life::Life,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// The order aggregate: its data, the status it was loaded in (the repository's UPDATE
/// filters on it, and on the version), and the events its changes recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    data: OrderData,
    loaded_status: OrderStatus,
    events: Vec<OrderEvent>,
}

impl std::ops::Deref for Order {
    type Target = OrderData;
    fn deref(&self) -> &OrderData {
        &self.data
    }
}

/// Why an order refused a change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChangeError {
    /// The status does not allow it (e.g. editing a submitted order).
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The change breaks rules: every problem, each with its field.
    #[error("{} field problem(s)", .0.len())]
    Invalid(Vec<FieldIssue>),
}

impl Order {
    /// A new draft with no step answered, except the partner code of a partner's own order
    /// or of the one it prepares for its client `account_id` (`agent_id`), fixed. Records
    /// `order.created`.
    pub fn create(
        id: OrderId,
        number: String,
        account_id: AccountId,
        agent_id: Option<AccountId>,
        fixed_partner_code: Option<String>,
        now: DateTime<Utc>,
    ) -> Order {
        let partner_fixed = fixed_partner_code.is_some();
        let data = OrderData {
            id,
            number,
            account_id,
            agent_id,
            status: OrderStatus::Draft,
            version: 1,
            authority: None,
            partner: fixed_partner_code.map(|code| PartnerChoice::Partner { code }),
            partner_fixed,
            duration_months: None,
            generation_method: None,
            csr: None,
            fqdn: None,
            additional_domains: vec![],
            holder: None,
            payment: None,
            terms: None,
            submission: None,
            life: life::Life::default(),
            created_at: now,
            updated_at: now,
            submitted_at: None,
            cancelled_at: None,
        };
        let mut order = Order::restore(data);
        order.record(OrderEventType::Created, now);
        order
    }

    /// An order as the repository read it back (no pending events).
    pub fn restore(data: OrderData) -> Order {
        Order {
            loaded_status: data.status,
            data,
            events: Vec::new(),
        }
    }

    /// A fresh draft with no step answered, for tests.
    #[cfg(test)]
    pub fn test_draft(now: DateTime<Utc>) -> Order {
        let mut o = Order::create(
            OrderId(Uuid::nil()),
            order_number(now, 1),
            AccountId(Uuid::nil()),
            None,
            None,
            now,
        );
        o.events.clear();
        o
    }

    /// The status the order had when it was read: the repository saves only if it still has it.
    pub fn loaded_status(&self) -> OrderStatus {
        self.loaded_status
    }

    /// The events recorded since the order was read, to store with it.
    pub fn take_events(&mut self) -> Vec<OrderEvent> {
        std::mem::take(&mut self.events)
    }

    fn record(&mut self, kind: OrderEventType, at: DateTime<Utc>) {
        self.record_by(kind, at, None, serde_json::json!({}));
    }

    fn record_by(
        &mut self,
        kind: OrderEventType,
        at: DateTime<Utc>,
        actor: Option<AccountId>,
        detail: serde_json::Value,
    ) {
        self.events.push(OrderEvent {
            kind,
            at,
            actor,
            detail,
        });
    }

    /// Checks that `t` is allowed now and returns the status it leads to.
    pub fn can(&self, t: Transition) -> Result<OrderStatus, TransitionError> {
        transition(self.data.status, t)
    }

    fn apply_transition(
        &mut self,
        t: Transition,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.data.status = self.can(t)?;
        self.data.updated_at = now;
        Ok(())
    }

    /// Answers steps of the wizard (a PATCH): every carried field is validated, all problems
    /// at once; on any problem nothing changes.
    pub fn apply_changes(
        &mut self,
        changes: wizard::Changes,
        ctx: &wizard::Context<'_>,
    ) -> Result<(), ChangeError> {
        self.can(Transition::Edit)?;
        let next = wizard::apply(&self.data, changes, ctx).map_err(ChangeError::Invalid)?;
        self.data = next;
        self.data.updated_at = ctx.now;
        Ok(())
    }

    /// Case 2: stores the CSR generated for the order's names.
    pub fn attach_generated_csr(
        &mut self,
        record: CsrRecord,
        now: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.can(Transition::Edit)?;
        self.data.csr = Some(record);
        self.data.updated_at = now;
        Ok(())
    }

    /// "Commander": freezes the order (price, catalogue entry, documents, the form's data)
    /// and records `order.submitted`; refuses with every missing or invalid step.
    pub fn submit(
        &mut self,
        account: &Account,
        catalog: &Catalog,
        rules: &JustificatifRules,
        now: DateTime<Utc>,
    ) -> Result<(), ChangeError> {
        self.can(Transition::Submit)?;
        let frozen = submission::freeze(&self.data, account, catalog, rules, now)
            .map_err(ChangeError::Invalid)?;
        self.apply_transition(Transition::Submit, now)?;
        self.data.submission = Some(frozen);
        self.data.submitted_at = Some(now);
        self.record(OrderEventType::Submitted, now);
        Ok(())
    }

    /// Withdraws a draft (`DELETE /orders/{id}`): it becomes `cancelled`, nothing is erased.
    pub fn cancel_draft(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        if self.data.status != OrderStatus::Draft {
            return Err(TransitionError {
                from: self.data.status,
                transition: Transition::Cancel,
            });
        }
        self.apply_transition(Transition::Cancel, now)?;
        self.data.cancelled_at = Some(now);
        self.record(OrderEventType::Cancelled, now);
        Ok(())
    }
}

impl OrderData {
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

    /// Whether the caller may see the order (see [`rights`] for what it may do).
    pub fn visible_to(&self, caller: &Caller) -> bool {
        self.relation_of(caller).is_some()
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
            for t in [Transition::Edit, Transition::Submit] {
                assert!(transition(from, t).is_err(), "{from:?} {t:?}");
            }
        }
        assert!(transition(Cancelled, Transition::Cancel).is_err());
    }

    #[test]
    fn the_life_after_commander_follows_spec_sections_8_and_9_and_nothing_else() {
        use strum::IntoEnumIterator;
        use OrderStatus::*;
        let allowed: Vec<(OrderStatus, Transition, OrderStatus)> = OrderStatus::iter()
            .flat_map(|from| Transition::iter().map(move |t| (from, t)))
            .filter_map(|(from, t)| transition(from, t).ok().map(|to| (from, t, to)))
            .collect();
        use Transition as T;
        assert_eq!(
            allowed,
            [
                (Draft, T::Edit, Draft),
                (Draft, T::Submit, Submitted),
                (Draft, T::Cancel, Cancelled),
                (Submitted, T::Cancel, Cancelled),
                (Submitted, T::Validate, Validated),
                (Submitted, T::Reject, Rejected),
                (Validated, T::Cancel, Cancelled),
                (Validated, T::Reject, Rejected),
                (Validated, T::Issue, Issued),
                (Issued, T::Accept, Active),
                (Issued, T::Revoke, Revoked),
                (Active, T::Revoke, Revoked),
                (Active, T::Expire, Expired),
                // §9: the plan's next certificate (a renewal), to accept like the first
                (Active, T::Renew, Issued),
            ]
        );
        for s in OrderStatus::iter() {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_new_order_records_created_and_cancelling_a_draft_records_cancelled_once() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
        let mut o = Order::create(
            OrderId(Uuid::nil()),
            order_number(now, 7),
            AccountId(Uuid::nil()),
            None,
            Some("PART-X".into()),
            now,
        );
        assert!(o.partner_fixed);
        assert_eq!(o.partner_code(), Some("PART-X"));
        let kinds = |o: &mut Order| {
            o.take_events()
                .into_iter()
                .map(|e| e.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(&mut o), [OrderEventType::Created]);
        o.cancel_draft(now).unwrap();
        assert_eq!(o.status, OrderStatus::Cancelled);
        assert_eq!(o.loaded_status(), OrderStatus::Draft);
        assert_eq!(o.cancelled_at, Some(now));
        assert_eq!(kinds(&mut o), [OrderEventType::Cancelled]);
        let again = o.cancel_draft(now).unwrap_err();
        assert_eq!(again.from, OrderStatus::Cancelled);
        assert!(kinds(&mut o).is_empty());
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
        o.data.generation_method = Some(GenerationMethod::Generate);
        assert!(o.missing().starts_with(&[
            Step::Authority,
            Step::Partner,
            Step::DurationMonths,
            Step::Fqdn,
            Step::Csr
        ]));
        o.data.fqdn = Some("www.certigna.fr".into());
        assert!(o.missing().contains(&Step::Csr));
        assert!(!o.missing().contains(&Step::Fqdn));
        // a pasted CSR does not answer case 2
        let details = CsrDetails {
            subject: "CN=www.certigna.fr".into(),
            common_name: Some("www.certigna.fr".into()),
            dns_names: vec![],
            key: crate::domain::pki::csr::KeyDetails {
                algorithm: "ecdsa".into(),
                bits: 256,
                curve: Some("P-256".into()),
                exponent: None,
            },
            signature_algorithm: "ecdsa-with-SHA256".into(),
            public_key_sha256: "00".into(),
            pem: String::new(),
        };
        o.data.csr = Some(CsrRecord {
            origin: CsrOrigin::Pasted,
            details,
            names: vec!["www.certigna.fr".into()],
        });
        assert!(o.missing().contains(&Step::Csr));
        o.data.csr.as_mut().unwrap().origin = CsrOrigin::Generated;
        assert!(!o.missing().contains(&Step::Csr));
    }
}
