//! The order's life after "Commander" (SPEC §8): payment received, approval or rejection by
//! an operator, issuance, the customer's acceptance or refusal, revocation, cancellation with
//! its refund decision. Each is a method of [`Order`] that checks the state machine, changes
//! the order's [`Life`] and records an event. What remains to do is [`Order::next_action`].
//! Pure: the time, the caller and the catalogue's rules are passed in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Order, OrderEventType, OrderStatus, Transition, TransitionError};
use crate::domain::account::AccountId;
use crate::domain::catalog::AfterCommander;
use crate::domain::shared::business_days::add_business_days;

/// What happened to a submitted order, as the aggregate keeps it (stored as one JSON
/// document: `persistence::stored::life`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Life {
    pub payment: Option<PaymentReceipt>,
    pub approval: Option<Approval>,
    pub rejection: Option<Rejection>,
    pub certificate: Option<CertificateRef>,
    pub acceptance: Option<Acceptance>,
    pub revocation: Option<Revocation>,
    pub cancellation: Option<Cancellation>,
    /// The subscription's certificates, once the first is issued (see `renewal`).
    pub plan: Option<super::renewal::PlanProgress>,
    /// The next certificate's CSR, given by the customer and not yet issued.
    pub renewal: Option<super::renewal::RenewalRequest>,
}

/// The payment, recorded as received by an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReceipt {
    /// The transfer's, cheque's or purchase order's reference.
    pub reference: String,
    pub received_at: DateTime<Utc>,
    pub recorded_by: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub at: DateTime<Utc>,
    pub by: Uuid,
}

/// Why an operator refused an order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::EnumIter, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RejectionReason {
    DocumentsInvalid,
    IdentityUnverified,
    PaymentNotReceived,
    DomainControlFailed,
    Other,
}

impl RejectionReason {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn message_fr(self) -> &'static str {
        match self {
            Self::DocumentsInvalid => "Les justificatifs ne permettent pas de valider la commande.",
            Self::IdentityUnverified => "L'identité de l'organisation n'a pas pu être vérifiée.",
            Self::PaymentNotReceived => "Le paiement n'a pas été reçu.",
            Self::DomainControlFailed => "Le contrôle des domaines a échoué.",
            Self::Other => "La commande a été refusée (voir le message).",
        }
    }
    pub fn message_en(self) -> &'static str {
        match self {
            Self::DocumentsInvalid => {
                "The supporting documents do not allow the order to be validated."
            }
            Self::IdentityUnverified => "The organization's identity could not be verified.",
            Self::PaymentNotReceived => "The payment was not received.",
            Self::DomainControlFailed => "Domain control failed.",
            Self::Other => "The order was refused (see the message).",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub at: DateTime<Utc>,
    pub by: Uuid,
    pub reason: RejectionReason,
    pub message: Option<String>,
}

/// Where the certificate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuanceSource {
    /// The local test CA (not trusted).
    Sandbox,
    /// The chain the real CA issued, uploaded by an operator.
    Manual,
}

impl IssuanceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Manual => "manual",
        }
    }
}

/// The order's current certificate (the chain itself is stored beside the order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRef {
    pub id: Uuid,
    pub serial_hex: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
    pub source: IssuanceSource,
}

/// How the customer answered (or did not answer) the issued certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptanceDecision {
    Accepted,
    /// The product needs no explicit acceptance (catalogue): accepted at issuance.
    Implicit,
    Refused,
    /// Not accepted before the deadline: revoked by the scheduler, without refund.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// Whether the customer must accept explicitly (catalogue data).
    pub required: bool,
    /// The end of the last business day on which the customer may accept.
    pub deadline: Option<DateTime<Utc>>,
    pub decision: Option<AcceptanceDecision>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub refusal_message: Option<String>,
}

/// RFC 5280 §5.3.1 reason codes. A subscriber may ask with the first five (BR 4.9.1.1 and
/// the CCADB policy); the service itself uses `privilege_withdrawn` (not accepted in time).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::EnumIter, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// The CRL reason code (RFC 5280 `CRLReason`).
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::PrivilegeWithdrawn => 9,
        }
    }
    /// Whether a customer may give it.
    pub fn subscriber_may_ask(self) -> bool {
        !matches!(self, Self::PrivilegeWithdrawn)
    }
}

/// The Baseline Requirements' target (4.9.1.1): revoked within 24 hours of the request.
pub const REVOCATION_TARGET_HOURS: i64 = 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub reason: RevocationReason,
    pub requested_at: DateTime<Utc>,
    /// Who asked (none: the scheduler, for a deadline).
    pub requested_by: Option<Uuid>,
    /// `requested_at` + 24 h.
    pub target: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<Uuid>,
}

/// Why a refund is or is not due at cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundRule {
    /// Paid, and cancelled within the catalogue's window after "Commander".
    WithinWindow,
    /// Paid, but cancelled after the window.
    AfterWindow,
    /// Nothing was paid: nothing to refund.
    NotPaid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub due: bool,
    pub rule: RefundRule,
    pub window_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub at: DateTime<Utc>,
    pub by: Uuid,
    /// Recorded, never paid by the service: the authority refunds.
    pub refund: Refund,
}

// ---------------------------------------------------------------------------------------------
// Requirements and the next action

/// A justificatif slot's status (SPEC §8): the documents' own.
pub use crate::domain::documents::slot::SlotStatus as DocumentStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Awaiting,
    Received,
}

/// Domain control (issue "Domain control and renewals"); until it exists, every name is
/// taken as controlled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainControlStatus {
    Pending,
    Valid,
}

/// What a submitted order still needs before an operator may approve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    /// Each justificatif's code and status, in the order of the list.
    pub documents: Vec<(String, DocumentStatus)>,
    pub payment: PaymentStatus,
    pub domain_control: DomainControlStatus,
}

impl Requirements {
    pub fn all_met(&self) -> bool {
        self.documents
            .iter()
            .all(|(_, s)| *s == DocumentStatus::Accepted)
            && self.payment == PaymentStatus::Received
            && self.domain_control == DomainControlStatus::Valid
    }

    /// The requirements not met yet, by name (`documents`, `payment`, `domain_control`).
    pub fn unmet(&self) -> Vec<&'static str> {
        let mut unmet = Vec::new();
        if self
            .documents
            .iter()
            .any(|(_, s)| *s != DocumentStatus::Accepted)
        {
            unmet.push("documents");
        }
        if self.payment != PaymentStatus::Received {
            unmet.push("payment");
        }
        if self.domain_control != DomainControlStatus::Valid {
            unmet.push("domain_control");
        }
        unmet
    }
}

/// Who must act now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Customer,
    Operator,
    /// The service itself (the sandbox issues, the scheduler runs).
    Service,
}

/// What must be done now, in the order a customer space shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A draft: answer the steps still missing.
    CompleteSteps,
    /// A complete draft: "Commander".
    Commander,
    UploadDocuments,
    ReviewDocuments,
    SendPayment,
    ApproveOrder,
    IssueCertificate,
    AttachCertificate,
    AcceptCertificate,
    RecordRevocation,
    /// The renewal window is open: give the next certificate's CSR.
    RenewCertificate,
    /// A renewal waits for domain control (a validation older than the reuse period).
    ValidateDomains,
}

impl Action {
    pub fn actor(self) -> Actor {
        match self {
            Action::CompleteSteps
            | Action::Commander
            | Action::UploadDocuments
            | Action::SendPayment
            | Action::AcceptCertificate
            | Action::RenewCertificate
            | Action::ValidateDomains => Actor::Customer,
            Action::ReviewDocuments
            | Action::ApproveOrder
            | Action::AttachCertificate
            | Action::RecordRevocation => Actor::Operator,
            Action::IssueCertificate => Actor::Service,
        }
    }
    pub fn message_fr(self) -> &'static str {
        match self {
            Action::CompleteSteps => "Complétez les étapes manquantes (voir missing).",
            Action::Commander => "Toutes les étapes sont remplies : passez la commande.",
            Action::UploadDocuments => "Déposez les justificatifs demandés.",
            Action::ReviewDocuments => "Un opérateur vérifie les justificatifs déposés.",
            Action::SendPayment => "Réglez la commande ; un opérateur enregistre sa réception.",
            Action::ApproveOrder => "Un opérateur valide la commande.",
            Action::IssueCertificate => "Le certificat est en cours d'émission.",
            Action::AttachCertificate => "Un opérateur dépose le certificat émis par l'autorité.",
            Action::AcceptCertificate => "Vérifiez le certificat, puis acceptez-le ou refusez-le.",
            Action::RecordRevocation => "Un opérateur enregistre la révocation demandée.",
            Action::RenewCertificate => {
                "Renouvelez : fournissez un nouveau CSR pour les mêmes noms (voir renewal)."
            }
            Action::ValidateDomains => {
                "Publiez le contrôle des domaines à refaire (voir GET /orders/{id}/domains)."
            }
        }
    }
    pub fn message_en(self) -> &'static str {
        match self {
            Action::CompleteSteps => "Answer the missing steps (see missing).",
            Action::Commander => "Every step is answered: place the order (\"Commander\").",
            Action::UploadDocuments => "Upload the supporting documents asked for.",
            Action::ReviewDocuments => "An operator reviews the uploaded documents.",
            Action::SendPayment => "Pay the order; an operator records its receipt.",
            Action::ApproveOrder => "An operator approves the order.",
            Action::IssueCertificate => "The certificate is being issued.",
            Action::AttachCertificate => {
                "An operator attaches the certificate the authority issued."
            }
            Action::AcceptCertificate => "Check the certificate, then accept or refuse it.",
            Action::RecordRevocation => "An operator records the revocation asked for.",
            Action::RenewCertificate => "Renew: give a new CSR for the same names (see renewal).",
            Action::ValidateDomains => {
                "Publish the domain control to redo (see GET /orders/{id}/domains)."
            }
        }
    }
}

/// The order's next action: what, by whom, before when, and which documents it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextAction {
    pub action: Action,
    pub actor: Actor,
    pub due: Option<DateTime<Utc>>,
    pub documents: Vec<String>,
}

impl NextAction {
    pub(super) fn of(action: Action) -> Self {
        NextAction {
            action,
            actor: action.actor(),
            due: None,
            documents: Vec::new(),
        }
    }
}

/// One event of an order's timeline, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub id: Uuid,
    pub event_type: String,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub detail: serde_json::Value,
}

/// How a validated order gets its certificate (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuanceMode {
    Sandbox,
    Manual,
}

/// Why a life change was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LifeError {
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The payment was already recorded.
    #[error("payment already recorded")]
    PaymentAlreadyRecorded,
    /// Approval with requirements still unmet (their names).
    #[error("requirements not met: {0:?}")]
    RequirementsUnmet(Vec<&'static str>),
    /// A revocation was already asked for.
    #[error("revocation already requested")]
    RevocationAlreadyRequested,
    /// Recording a revocation no one asked for.
    #[error("no revocation requested")]
    NoRevocationRequested,
    /// The acceptance deadline passed.
    #[error("the acceptance deadline passed")]
    AcceptanceDeadlinePassed,
    /// A reason the customer may not give.
    #[error("reason not open to subscribers")]
    ReasonNotAllowed,
    /// The plan holds no further certificate (the current one is its last).
    #[error("no renewal left in the plan")]
    RenewalNotPlanned,
    /// The renewal window is not open yet.
    #[error("the renewal window opens at {opens_at}")]
    RenewalNotOpen { opens_at: DateTime<Utc> },
    /// The renewal CSR's names are not the order's.
    #[error("the renewal CSR's names differ from the order's")]
    RenewalNamesDiffer {
        expected: Vec<String>,
        found: Vec<String>,
    },
}

fn transition_error(order: &Order, t: Transition) -> LifeError {
    LifeError::Transition(TransitionError {
        from: order.data.status,
        transition: t,
    })
}

impl Order {
    /// The order's life so far.
    pub fn life(&self) -> &Life {
        &self.data.life
    }

    /// An operator records the payment as received (`submitted` only).
    pub fn record_payment(
        &mut self,
        reference: String,
        by: AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        if self.data.status != OrderStatus::Submitted {
            return Err(transition_error(self, Transition::Validate));
        }
        if self.data.life.payment.is_some() {
            return Err(LifeError::PaymentAlreadyRecorded);
        }
        self.data.life.payment = Some(PaymentReceipt {
            reference: reference.clone(),
            received_at: now,
            recorded_by: by.0,
        });
        self.data.updated_at = now;
        self.record_by(
            OrderEventType::PaymentReceived,
            now,
            Some(by),
            serde_json::json!({ "reference": reference }),
        );
        Ok(())
    }

    /// An operator approves the order once every requirement is met: `validated`.
    pub fn approve(
        &mut self,
        requirements: &Requirements,
        by: AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        self.can(Transition::Validate)?;
        if !requirements.all_met() {
            return Err(LifeError::RequirementsUnmet(requirements.unmet()));
        }
        self.apply_transition(Transition::Validate, now)?;
        self.data.life.approval = Some(Approval { at: now, by: by.0 });
        self.record_by(
            OrderEventType::Validated,
            now,
            Some(by),
            serde_json::json!({}),
        );
        Ok(())
    }

    /// An operator refuses the order: `rejected`, with a coded reason and a message.
    pub fn reject(
        &mut self,
        reason: RejectionReason,
        message: Option<String>,
        by: AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        self.apply_transition(Transition::Reject, now)?;
        self.data.life.rejection = Some(Rejection {
            at: now,
            by: by.0,
            reason,
            message: message.clone(),
        });
        self.record_by(
            OrderEventType::Rejected,
            now,
            Some(by),
            serde_json::json!({ "reason": reason.as_str(), "message": message }),
        );
        Ok(())
    }

    /// A certificate was issued (sandbox) or attached (manual): `issued`, with the
    /// acceptance deadline of the catalogue; where acceptance is implicit, `active` at once.
    pub fn issue(
        &mut self,
        certificate: CertificateRef,
        policy: &AfterCommander,
        by: Option<AccountId>,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        let (transition, issuance) = self.advance_plan(now)?;
        self.apply_transition(transition, now)?;
        let required = policy.acceptance_required;
        let deadline = required.then(|| {
            let last_day = add_business_days(now.date_naive(), policy.acceptance_business_days);
            // the end of the last day (Europe/Paris is at most 2 h ahead: end of the UTC day
            // minus 2 h keeps the deadline inside the French business day)
            (last_day + chrono::Days::new(1))
                .and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc()
                - Duration::hours(2)
        });
        let serial = certificate.serial_hex.clone();
        self.data.life.certificate = Some(certificate);
        self.data.life.acceptance = Some(Acceptance {
            required,
            deadline,
            decision: (!required).then_some(AcceptanceDecision::Implicit),
            decided_at: (!required).then_some(now),
            decided_by: None,
            refusal_message: None,
        });
        self.record_by(
            OrderEventType::Issued,
            now,
            by,
            serde_json::json!({
                "serial": serial,
                "acceptance_deadline": deadline,
                "issuance": issuance,
                "not_after": self.data.life.certificate.as_ref().map(|c| c.not_after),
            }),
        );
        if !required {
            self.apply_transition(Transition::Accept, now)?;
            self.record_by(
                OrderEventType::Accepted,
                now,
                None,
                serde_json::json!({ "implicit": true }),
            );
        }
        Ok(())
    }

    /// The customer accepts the issued certificate: `active`.
    pub fn accept(&mut self, by: AccountId, now: DateTime<Utc>) -> Result<(), LifeError> {
        self.can(Transition::Accept)?;
        if self.data.life.revocation.is_some() {
            return Err(LifeError::RevocationAlreadyRequested);
        }
        let acceptance = self.acceptance_mut();
        if acceptance.deadline.is_some_and(|d| now > d) {
            return Err(LifeError::AcceptanceDeadlinePassed);
        }
        acceptance.decision = Some(AcceptanceDecision::Accepted);
        acceptance.decided_at = Some(now);
        acceptance.decided_by = Some(by.0);
        self.apply_transition(Transition::Accept, now)?;
        self.record_by(
            OrderEventType::Accepted,
            now,
            Some(by),
            serde_json::json!({}),
        );
        Ok(())
    }

    /// The customer refuses the issued certificate: revocation is requested (and done at
    /// once where the issuer is the sandbox).
    pub fn refuse(
        &mut self,
        message: Option<String>,
        by: AccountId,
        mode: IssuanceMode,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        self.can(Transition::Accept)?;
        if self.data.life.revocation.is_some() {
            return Err(LifeError::RevocationAlreadyRequested);
        }
        let acceptance = self.acceptance_mut();
        acceptance.decision = Some(AcceptanceDecision::Refused);
        acceptance.decided_at = Some(now);
        acceptance.decided_by = Some(by.0);
        acceptance.refusal_message = message.clone();
        self.record_by(
            OrderEventType::Refused,
            now,
            Some(by),
            serde_json::json!({ "message": message }),
        );
        self.ask_revocation(RevocationReason::Unspecified, Some(by), mode, now)
    }

    /// The customer asks for revocation with an RFC 5280 reason (`issued` or `active`).
    pub fn request_revocation(
        &mut self,
        reason: RevocationReason,
        by: AccountId,
        mode: IssuanceMode,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        self.can(Transition::Revoke)?;
        if !reason.subscriber_may_ask() {
            return Err(LifeError::ReasonNotAllowed);
        }
        if self.data.life.revocation.is_some() {
            return Err(LifeError::RevocationAlreadyRequested);
        }
        self.ask_revocation(reason, Some(by), mode, now)
    }

    /// The scheduler: an issued certificate not accepted by its deadline is revoked, without
    /// refund. `Ok(false)`: nothing to do (accepted, refused or revoked meanwhile).
    pub fn expire_acceptance(
        &mut self,
        mode: IssuanceMode,
        now: DateTime<Utc>,
    ) -> Result<bool, LifeError> {
        let pending = self.data.status == OrderStatus::Issued
            && self.data.life.revocation.is_none()
            && self
                .data
                .life
                .acceptance
                .as_ref()
                .is_some_and(|a| a.decision.is_none() && a.deadline.is_some_and(|d| now > d));
        if !pending {
            return Ok(false);
        }
        let acceptance = self.acceptance_mut();
        acceptance.decision = Some(AcceptanceDecision::Expired);
        acceptance.decided_at = Some(now);
        self.ask_revocation(RevocationReason::PrivilegeWithdrawn, None, mode, now)?;
        Ok(true)
    }

    /// The scheduler reminds the customer to accept before the deadline (an event, mailed).
    /// `false`: nothing to remind (decided, or revoked, meanwhile).
    pub fn remind_acceptance(&mut self, now: DateTime<Utc>) -> bool {
        let deadline = match (&self.data.status, &self.data.life.acceptance) {
            (OrderStatus::Issued, Some(a)) if a.decision.is_none() => a.deadline,
            _ => None,
        };
        match deadline {
            Some(deadline) if self.data.life.revocation.is_none() && now < deadline => {
                self.record_by(
                    OrderEventType::AcceptanceReminder,
                    now,
                    None,
                    serde_json::json!({ "deadline": deadline }),
                );
                true
            }
            _ => false,
        }
    }

    /// An operator records the revocation the CA made (manual mode).
    pub fn record_revocation(
        &mut self,
        by: AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        self.can(Transition::Revoke)?;
        if self.data.life.revocation.is_none() {
            return Err(LifeError::NoRevocationRequested);
        }
        self.revoke_now(Some(by), now)
    }

    /// The customer withdraws a submitted or validated order (before issuance): `cancelled`,
    /// with the refund the catalogue's window gives (recorded, not paid).
    pub fn cancel_submitted(
        &mut self,
        policy: &AfterCommander,
        by: AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        if !matches!(
            self.data.status,
            OrderStatus::Submitted | OrderStatus::Validated
        ) {
            return Err(transition_error(self, Transition::Cancel));
        }
        let submitted_at = self.data.submitted_at.unwrap_or(now);
        let window = Duration::days(i64::from(policy.refund_window_days));
        let rule = match &self.data.life.payment {
            None => RefundRule::NotPaid,
            Some(_) if now - submitted_at <= window => RefundRule::WithinWindow,
            Some(_) => RefundRule::AfterWindow,
        };
        let refund = Refund {
            due: rule == RefundRule::WithinWindow,
            rule,
            window_days: policy.refund_window_days,
        };
        self.apply_transition(Transition::Cancel, now)?;
        self.data.cancelled_at = Some(now);
        self.data.life.cancellation = Some(Cancellation {
            at: now,
            by: by.0,
            refund: refund.clone(),
        });
        self.record_by(
            OrderEventType::Cancelled,
            now,
            Some(by),
            serde_json::json!({ "refund_due": refund.due, "refund_rule": refund.rule }),
        );
        Ok(())
    }

    /// Who must do what now, given the requirements (submitted orders) and how certificates
    /// are issued. `None` once nothing is left to do (active, or a final status).
    pub fn next_action(
        &self,
        requirements: Option<&Requirements>,
        mode: IssuanceMode,
    ) -> Option<NextAction> {
        let life = &self.data.life;
        match self.data.status {
            OrderStatus::Draft if self.data.missing().is_empty() => {
                Some(NextAction::of(Action::Commander))
            }
            OrderStatus::Draft => Some(NextAction::of(Action::CompleteSteps)),
            OrderStatus::Submitted => {
                let r = requirements?;
                let codes = |want: &[DocumentStatus]| -> Vec<String> {
                    r.documents
                        .iter()
                        .filter(|(_, s)| want.contains(s))
                        .map(|(c, _)| c.clone())
                        .collect()
                };
                let to_upload = codes(&[DocumentStatus::Required, DocumentStatus::Rejected]);
                if !to_upload.is_empty() {
                    return Some(NextAction {
                        documents: to_upload,
                        ..NextAction::of(Action::UploadDocuments)
                    });
                }
                if r.payment == PaymentStatus::Awaiting {
                    return Some(NextAction::of(Action::SendPayment));
                }
                let to_review = codes(&[DocumentStatus::Uploaded]);
                if !to_review.is_empty() {
                    return Some(NextAction {
                        documents: to_review,
                        ..NextAction::of(Action::ReviewDocuments)
                    });
                }
                Some(NextAction::of(Action::ApproveOrder))
            }
            OrderStatus::Validated => Some(NextAction::of(match mode {
                IssuanceMode::Sandbox => Action::IssueCertificate,
                IssuanceMode::Manual => Action::AttachCertificate,
            })),
            OrderStatus::Issued if life.revocation.is_some() => {
                Some(NextAction::of(Action::RecordRevocation))
            }
            OrderStatus::Issued => Some(NextAction {
                due: life.acceptance.as_ref().and_then(|a| a.deadline),
                ..NextAction::of(Action::AcceptCertificate)
            }),
            OrderStatus::Active if life.revocation.is_some() => {
                Some(NextAction::of(Action::RecordRevocation))
            }
            _ => None,
        }
    }

    fn acceptance_mut(&mut self) -> &mut Acceptance {
        self.data.life.acceptance.get_or_insert(Acceptance {
            required: true,
            deadline: None,
            decision: None,
            decided_at: None,
            decided_by: None,
            refusal_message: None,
        })
    }

    fn ask_revocation(
        &mut self,
        reason: RevocationReason,
        by: Option<AccountId>,
        mode: IssuanceMode,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        self.can(Transition::Revoke)?;
        self.data.life.revocation = Some(Revocation {
            reason,
            requested_at: now,
            requested_by: by.map(|a| a.0),
            target: now + Duration::hours(REVOCATION_TARGET_HOURS),
            revoked_at: None,
            revoked_by: None,
        });
        self.data.updated_at = now;
        self.record_by(
            OrderEventType::RevocationRequested,
            now,
            by,
            serde_json::json!({ "reason": reason.as_str(), "crl_reason_code": reason.code() }),
        );
        if mode == IssuanceMode::Sandbox {
            self.revoke_now(None, now)?;
        }
        Ok(())
    }

    fn revoke_now(&mut self, by: Option<AccountId>, now: DateTime<Utc>) -> Result<(), LifeError> {
        self.apply_transition(Transition::Revoke, now)?;
        let reason = match self.data.life.revocation.as_mut() {
            Some(r) => {
                r.revoked_at = Some(now);
                r.revoked_by = by.map(|a| a.0);
                r.reason
            }
            None => return Err(LifeError::NoRevocationRequested),
        };
        self.record_by(
            OrderEventType::Revoked,
            now,
            by,
            serde_json::json!({ "reason": reason.as_str() }),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::OrderData;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap()
    }

    fn submitted() -> Order {
        let mut o = Order::test_draft(at(1, 9));
        o.data.status = OrderStatus::Submitted;
        o.data.submitted_at = Some(at(1, 10));
        let data: OrderData = o.data.clone();
        Order::restore(data)
    }

    fn rgs() -> AfterCommander {
        AfterCommander {
            acceptance_required: true,
            acceptance_business_days: 8,
            refund_window_days: 30,
        }
    }

    fn ssl() -> AfterCommander {
        AfterCommander {
            acceptance_required: false,
            ..rgs()
        }
    }

    fn cert(now: DateTime<Utc>) -> CertificateRef {
        CertificateRef {
            id: Uuid::nil(),
            serial_hex: "01".into(),
            not_before: now,
            not_after: now + Duration::days(199),
            issued_at: now,
            source: IssuanceSource::Sandbox,
        }
    }

    fn met() -> Requirements {
        Requirements {
            documents: vec![("extrait_kbis".into(), DocumentStatus::Accepted)],
            payment: PaymentStatus::Received,
            domain_control: DomainControlStatus::Valid,
        }
    }

    const OP: AccountId = AccountId(Uuid::from_u128(7));
    const ME: AccountId = AccountId(Uuid::from_u128(8));

    fn kinds(o: &mut Order) -> Vec<OrderEventType> {
        o.take_events().into_iter().map(|e| e.kind).collect()
    }

    #[test]
    fn approval_waits_for_every_requirement_and_names_the_unmet_ones() {
        let mut o = submitted();
        let mut r = met();
        r.documents.push(("cni".into(), DocumentStatus::Uploaded));
        r.payment = PaymentStatus::Awaiting;
        assert_eq!(
            o.approve(&r, OP, at(2, 9)),
            Err(LifeError::RequirementsUnmet(vec!["documents", "payment"]))
        );
        assert_eq!(o.status, OrderStatus::Submitted);
        o.approve(&met(), OP, at(2, 9)).unwrap();
        assert_eq!(o.status, OrderStatus::Validated);
        assert_eq!(kinds(&mut o), [OrderEventType::Validated]);
        assert_eq!(o.life().approval.as_ref().unwrap().by, OP.0);
    }

    #[test]
    fn an_rgs_certificate_waits_for_acceptance_until_eight_business_days() {
        let mut o = submitted();
        o.approve(&met(), OP, at(2, 9)).unwrap();
        // Wednesday 2026-12-16 + 8 business days (Christmas skipped) = Tuesday 29, 22:00 UTC
        let issued_at = at(16, 11);
        o.issue(cert(issued_at), &rgs(), None, issued_at).unwrap();
        assert_eq!(o.status, OrderStatus::Issued);
        let deadline = o.life().acceptance.as_ref().unwrap().deadline.unwrap();
        assert_eq!(deadline, at(29, 22));
        let next = o.next_action(None, IssuanceMode::Sandbox).unwrap();
        assert_eq!(next.action, Action::AcceptCertificate);
        assert_eq!(next.due, Some(deadline));
        // not yet due: nothing happens
        assert_eq!(
            o.expire_acceptance(IssuanceMode::Sandbox, at(29, 21)),
            Ok(false)
        );
        assert_eq!(
            o.expire_acceptance(IssuanceMode::Sandbox, at(29, 23)),
            Ok(true)
        );
        assert_eq!(o.status, OrderStatus::Revoked);
        let rev = o.life().revocation.clone().unwrap();
        assert_eq!(rev.reason, RevocationReason::PrivilegeWithdrawn);
        assert_eq!(rev.requested_by, None);
        assert_eq!(
            o.life().acceptance.as_ref().unwrap().decision,
            Some(AcceptanceDecision::Expired)
        );
    }

    #[test]
    fn an_ssl_certificate_is_accepted_implicitly_at_issuance() {
        let mut o = submitted();
        o.approve(&met(), OP, at(2, 9)).unwrap();
        o.take_events();
        o.issue(cert(at(2, 10)), &ssl(), None, at(2, 10)).unwrap();
        assert_eq!(o.status, OrderStatus::Active);
        assert_eq!(
            kinds(&mut o),
            [OrderEventType::Issued, OrderEventType::Accepted]
        );
        assert_eq!(o.next_action(None, IssuanceMode::Sandbox), None);
    }

    #[test]
    fn accepting_after_the_deadline_is_refused() {
        let mut o = submitted();
        o.approve(&met(), OP, at(2, 9)).unwrap();
        o.issue(cert(at(2, 10)), &rgs(), None, at(2, 10)).unwrap();
        assert_eq!(
            o.accept(ME, at(30, 10)),
            Err(LifeError::AcceptanceDeadlinePassed)
        );
        o.accept(ME, at(3, 10)).unwrap();
        assert_eq!(o.status, OrderStatus::Active);
    }

    #[test]
    fn refusing_revokes_at_once_in_the_sandbox_and_waits_for_an_operator_in_manual_mode() {
        for (mode, status) in [
            (IssuanceMode::Sandbox, OrderStatus::Revoked),
            (IssuanceMode::Manual, OrderStatus::Issued),
        ] {
            let mut o = submitted();
            o.approve(&met(), OP, at(2, 9)).unwrap();
            o.issue(cert(at(2, 10)), &rgs(), None, at(2, 10)).unwrap();
            o.take_events();
            o.refuse(Some("mauvais nom".into()), ME, mode, at(3, 10))
                .unwrap();
            assert_eq!(o.status, status, "{mode:?}");
            let rev = o.life().revocation.clone().unwrap();
            assert_eq!(rev.target, at(4, 10));
            if mode == IssuanceMode::Manual {
                assert_eq!(
                    o.next_action(None, mode).unwrap().action,
                    Action::RecordRevocation
                );
                assert_eq!(
                    o.accept(ME, at(3, 11)),
                    Err(LifeError::RevocationAlreadyRequested)
                );
                o.record_revocation(OP, at(3, 12)).unwrap();
                assert_eq!(o.status, OrderStatus::Revoked);
            }
            let k = kinds(&mut o);
            assert_eq!(
                k,
                [
                    OrderEventType::Refused,
                    OrderEventType::RevocationRequested,
                    OrderEventType::Revoked
                ]
            );
        }
    }

    #[test]
    fn the_refund_follows_the_window_and_the_payment() {
        let cases = [
            (None, at(5, 10), RefundRule::NotPaid, false),
            (Some("VIR-1"), at(20, 10), RefundRule::WithinWindow, true),
            (
                Some("VIR-1"),
                at(1, 10) + Duration::days(31),
                RefundRule::AfterWindow,
                false,
            ),
        ];
        for (paid, when, rule, due) in cases {
            let mut o = submitted();
            if let Some(reference) = paid {
                o.record_payment(reference.into(), OP, at(2, 9)).unwrap();
            }
            o.cancel_submitted(&rgs(), ME, when).unwrap();
            assert_eq!(o.status, OrderStatus::Cancelled);
            let refund = &o.life().cancellation.as_ref().unwrap().refund;
            assert_eq!((refund.rule, refund.due), (rule, due));
        }
        let mut issued = submitted();
        issued.approve(&met(), OP, at(2, 9)).unwrap();
        issued
            .issue(cert(at(2, 10)), &rgs(), None, at(2, 10))
            .unwrap();
        assert!(issued.cancel_submitted(&rgs(), ME, at(3, 9)).is_err());
    }

    #[test]
    fn the_next_action_goes_from_uploads_to_payment_to_review_to_approval() {
        let o = submitted();
        let mut r = Requirements {
            documents: vec![
                ("extrait_kbis".into(), DocumentStatus::Rejected),
                ("cni".into(), DocumentStatus::Uploaded),
            ],
            payment: PaymentStatus::Awaiting,
            domain_control: DomainControlStatus::Valid,
        };
        let next = |r: &Requirements| o.next_action(Some(r), IssuanceMode::Manual).unwrap();
        assert_eq!(next(&r).action, Action::UploadDocuments);
        assert_eq!(next(&r).documents, ["extrait_kbis"]);
        assert_eq!(next(&r).actor, Actor::Customer);
        r.documents[0].1 = DocumentStatus::Uploaded;
        assert_eq!(next(&r).action, Action::SendPayment);
        r.payment = PaymentStatus::Received;
        assert_eq!(next(&r).action, Action::ReviewDocuments);
        assert_eq!(next(&r).actor, Actor::Operator);
        r.documents
            .iter_mut()
            .for_each(|d| d.1 = DocumentStatus::Accepted);
        assert_eq!(next(&r).action, Action::ApproveOrder);
    }

    #[test]
    fn a_customer_cannot_ask_for_the_reason_the_service_keeps_and_payment_is_recorded_once() {
        let mut o = submitted();
        o.record_payment("VIR-1".into(), OP, at(2, 9)).unwrap();
        assert_eq!(
            o.record_payment("VIR-2".into(), OP, at(2, 9)),
            Err(LifeError::PaymentAlreadyRecorded)
        );
        o.approve(&met(), OP, at(2, 9)).unwrap();
        o.issue(cert(at(2, 10)), &ssl(), None, at(2, 10)).unwrap();
        assert_eq!(
            o.request_revocation(
                RevocationReason::PrivilegeWithdrawn,
                ME,
                IssuanceMode::Sandbox,
                at(3, 9)
            ),
            Err(LifeError::ReasonNotAllowed)
        );
        o.request_revocation(
            RevocationReason::KeyCompromise,
            ME,
            IssuanceMode::Sandbox,
            at(3, 9),
        )
        .unwrap();
        assert_eq!(o.status, OrderStatus::Revoked);
        assert_eq!(RevocationReason::KeyCompromise.code(), 1);
    }
}
