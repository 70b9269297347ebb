//! What the API shows of an order's life after "Commander": its requirements, who must do
//! what next, the decisions recorded (payment, approval, rejection, acceptance, revocation,
//! cancellation and refund), the certificate, and the timeline.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::lifecycle::LifeOutcome;
use crate::domain::order::life::TimelineEntry;
use crate::domain::order::life::{
    AcceptanceDecision, Action, Actor, DocumentStatus, DomainControlStatus, IssuanceSource,
    PaymentStatus, RefundRule, RejectionReason, RevocationReason,
};
use crate::domain::order::renewal::{RenewalOutlook, RenewalPhase};
use crate::http::views::OrderStatusView;

/// Who must act (`customer`, `operator`, or `service`: the sandbox CA or the scheduler).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorView {
    Customer,
    Operator,
    Service,
}

impl From<Actor> for ActorView {
    fn from(a: Actor) -> Self {
        match a {
            Actor::Customer => Self::Customer,
            Actor::Operator => Self::Operator,
            Actor::Service => Self::Service,
        }
    }
}

/// What must be done now.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionView {
    CompleteSteps,
    Commander,
    UploadDocuments,
    ReviewDocuments,
    SendPayment,
    ApproveOrder,
    IssueCertificate,
    AttachCertificate,
    AcceptCertificate,
    RecordRevocation,
    RenewCertificate,
    ValidateDomains,
}

impl From<Action> for ActionView {
    fn from(a: Action) -> Self {
        match a {
            Action::CompleteSteps => Self::CompleteSteps,
            Action::Commander => Self::Commander,
            Action::UploadDocuments => Self::UploadDocuments,
            Action::ReviewDocuments => Self::ReviewDocuments,
            Action::SendPayment => Self::SendPayment,
            Action::ApproveOrder => Self::ApproveOrder,
            Action::IssueCertificate => Self::IssueCertificate,
            Action::AttachCertificate => Self::AttachCertificate,
            Action::AcceptCertificate => Self::AcceptCertificate,
            Action::RecordRevocation => Self::RecordRevocation,
            Action::RenewCertificate => Self::RenewCertificate,
            Action::ValidateDomains => Self::ValidateDomains,
        }
    }
}

/// Who must do what now, and before when.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextActionView {
    pub action: ActionView,
    pub actor: ActorView,
    pub message_fr: &'static str,
    pub message_en: &'static str,
    /// The deadline, when there is one (the acceptance of an RGS certificate).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = DateTime<Utc>)]
    pub due: Option<DateTime<Utc>>,
    /// The justificatifs concerned (codes), for uploads and reviews.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatusView {
    Required,
    Uploaded,
    Accepted,
    Rejected,
}

impl From<DocumentStatus> for DocumentStatusView {
    fn from(s: DocumentStatus) -> Self {
        match s {
            DocumentStatus::Required => Self::Required,
            DocumentStatus::Uploaded => Self::Uploaded,
            DocumentStatus::Accepted => Self::Accepted,
            DocumentStatus::Rejected => Self::Rejected,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentRequirementView {
    /// The justificatif's code (see `GET /orders/{id}/documents`).
    pub code: String,
    pub status: DocumentStatusView,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatusView {
    Awaiting,
    Received,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentRequirementView {
    pub status: PaymentStatusView,
    /// The reference the operator recorded (transfer, cheque, purchase order).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = DateTime<Utc>)]
    pub received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DomainControlStatusView {
    Pending,
    Valid,
}

/// What a submitted order needs before an operator may approve it, each with its status.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementsView {
    pub documents: Vec<DocumentRequirementView>,
    pub payment: PaymentRequirementView,
    /// Domain control of every name (until the domain-control feature exists: `valid`).
    pub domain_control: DomainControlStatusView,
    /// Every requirement met: the operator may approve.
    pub all_met: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalView {
    pub at: DateTime<Utc>,
    pub by: Uuid,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderRejectionReasonView {
    DocumentsInvalid,
    IdentityUnverified,
    PaymentNotReceived,
    DomainControlFailed,
    Other,
}

impl From<OrderRejectionReasonView> for RejectionReason {
    fn from(r: OrderRejectionReasonView) -> Self {
        match r {
            OrderRejectionReasonView::DocumentsInvalid => Self::DocumentsInvalid,
            OrderRejectionReasonView::IdentityUnverified => Self::IdentityUnverified,
            OrderRejectionReasonView::PaymentNotReceived => Self::PaymentNotReceived,
            OrderRejectionReasonView::DomainControlFailed => Self::DomainControlFailed,
            OrderRejectionReasonView::Other => Self::Other,
        }
    }
}

impl From<RejectionReason> for OrderRejectionReasonView {
    fn from(r: RejectionReason) -> Self {
        match r {
            RejectionReason::DocumentsInvalid => Self::DocumentsInvalid,
            RejectionReason::IdentityUnverified => Self::IdentityUnverified,
            RejectionReason::PaymentNotReceived => Self::PaymentNotReceived,
            RejectionReason::DomainControlFailed => Self::DomainControlFailed,
            RejectionReason::Other => Self::Other,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectionView {
    pub at: DateTime<Utc>,
    pub by: Uuid,
    pub reason: OrderRejectionReasonView,
    /// The reason, in French and English.
    pub reason_fr: &'static str,
    pub reason_en: &'static str,
    /// The operator's own message to the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IssuanceSourceView {
    /// The local test CA: not trusted by browsers.
    Sandbox,
    /// The chain the real CA issued, uploaded by an operator.
    Manual,
}

/// The order's current certificate (its contents: `GET /orders/{id}/certificate`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateRefView {
    pub id: Uuid,
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
    pub source: IssuanceSourceView,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AcceptanceDecisionView {
    Accepted,
    /// The product needs no explicit acceptance (catalogue): accepted at issuance.
    Implicit,
    Refused,
    /// Not accepted by the deadline: revoked, without refund.
    Expired,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptanceView {
    /// Whether the customer must accept explicitly (catalogue: SSL RGS*).
    pub required: bool,
    /// The last moment to accept (end of the 8th French business day after issuance, RGS).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = DateTime<Utc>)]
    pub deadline: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = AcceptanceDecisionView)]
    pub decision: Option<AcceptanceDecisionView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = DateTime<Utc>)]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub refusal_message: Option<String>,
}

/// RFC 5280 reason codes a customer may give (`privilege_withdrawn` is the service's own:
/// not accepted in time).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReasonView {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl From<RevocationReasonView> for RevocationReason {
    fn from(r: RevocationReasonView) -> Self {
        match r {
            RevocationReasonView::Unspecified => Self::Unspecified,
            RevocationReasonView::KeyCompromise => Self::KeyCompromise,
            RevocationReasonView::AffiliationChanged => Self::AffiliationChanged,
            RevocationReasonView::Superseded => Self::Superseded,
            RevocationReasonView::CessationOfOperation => Self::CessationOfOperation,
            RevocationReasonView::PrivilegeWithdrawn => Self::PrivilegeWithdrawn,
        }
    }
}

impl From<RevocationReason> for RevocationReasonView {
    fn from(r: RevocationReason) -> Self {
        match r {
            RevocationReason::Unspecified => Self::Unspecified,
            RevocationReason::KeyCompromise => Self::KeyCompromise,
            RevocationReason::AffiliationChanged => Self::AffiliationChanged,
            RevocationReason::Superseded => Self::Superseded,
            RevocationReason::CessationOfOperation => Self::CessationOfOperation,
            RevocationReason::PrivilegeWithdrawn => Self::PrivilegeWithdrawn,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevocationView {
    pub reason: RevocationReasonView,
    /// The RFC 5280 CRLReason value.
    pub crl_reason_code: u8,
    pub requested_at: DateTime<Utc>,
    /// The Baseline Requirements' target (4.9.1.1): 24 hours after the request.
    pub target: DateTime<Utc>,
    /// Set once the revocation is done (at once in the sandbox; by an operator otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = DateTime<Utc>)]
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundRuleView {
    /// Paid, and cancelled within the catalogue's window after "Commander".
    WithinWindow,
    /// Paid, cancelled after the window.
    AfterWindow,
    /// Nothing was paid.
    NotPaid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CancellationView {
    pub at: DateTime<Utc>,
    /// Whether the authority owes a refund (recorded here; never paid by this service).
    pub refund_due: bool,
    pub refund_rule: RefundRuleView,
    pub refund_window_days: u32,
}

/// Where the plan's next certificate stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RenewalPhaseView {
    /// The renewal window is not open yet (`window_opens_at`).
    Scheduled,
    /// The window is open: give a new CSR for the same names.
    Open,
    /// A CSR was given: the certificate is issued once every name's control is valid.
    Requested,
    /// The current certificate expired without renewal; the plan still runs.
    Overdue,
}

/// A window of time (RFC 9773's `suggestedWindow`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeWindowView {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A certificate still to come in the plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedIssuanceView {
    /// Its rank in the plan (2 for the first renewal).
    #[schema(minimum = 2)]
    pub number: u32,
    /// When it is due: the previous certificate's expiry.
    pub due_at: DateTime<Utc>,
    /// Its expected end if issued when due (the last one ends with the plan).
    pub expires_at: DateTime<Utc>,
}

/// The plan's next certificate, in the spirit of ACME Renewal Information (RFC 9773).
/// Present while the plan holds a certificate after the current one.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalView {
    pub phase: RenewalPhaseView,
    /// The next certificate's rank in the plan.
    #[schema(minimum = 2)]
    pub issuance: u32,
    /// The plan's certificates in all, as of now.
    #[schema(minimum = 2)]
    pub planned_issuances: u32,
    pub certificate_expires_at: DateTime<Utc>,
    /// From when `POST /orders/{id}/renewal` is accepted (`RENEWAL_WINDOW_DAYS` before expiry).
    pub window_opens_at: DateTime<Utc>,
    /// When to renew: from the window's opening to 7 days before expiry.
    pub suggested_window: TimeWindowView,
    /// The end of the subscription: no certificate is valid past it.
    pub plan_ends_at: DateTime<Utc>,
    /// Why and how to renew, in French (`Accept-Language` does not change it; see
    /// `explanation_en`).
    #[schema(max_length = 2000)]
    pub explanation_fr: String,
    #[schema(max_length = 2000)]
    pub explanation_en: String,
    /// The certificates still to come, the next one first.
    pub upcoming: Vec<PlannedIssuanceView>,
}

impl From<&RenewalOutlook> for RenewalView {
    fn from(r: &RenewalOutlook) -> Self {
        RenewalView {
            phase: match r.phase {
                RenewalPhase::Scheduled => RenewalPhaseView::Scheduled,
                RenewalPhase::Open => RenewalPhaseView::Open,
                RenewalPhase::Requested => RenewalPhaseView::Requested,
                RenewalPhase::Overdue => RenewalPhaseView::Overdue,
            },
            issuance: r.issuance,
            planned_issuances: r.planned_issuances,
            certificate_expires_at: r.certificate_expires_at,
            window_opens_at: r.window_opens_at,
            suggested_window: TimeWindowView {
                start: r.suggested_start,
                end: r.suggested_end,
            },
            plan_ends_at: r.plan_ends_at,
            explanation_fr: r.explanation_fr(),
            explanation_en: r.explanation_en(),
            upcoming: r
                .upcoming
                .iter()
                .map(|p| PlannedIssuanceView {
                    number: p.number,
                    due_at: p.due_at,
                    expires_at: p.expires_at,
                })
                .collect(),
        }
    }
}

/// The subscription, fixed at the first issuance.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanProgressView {
    pub starts_at: DateTime<Utc>,
    /// No certificate is valid past it; the order is `expired` when its last one ends.
    pub ends_at: DateTime<Utc>,
    /// Certificates issued so far (the current one is number `issued`).
    #[schema(minimum = 1)]
    pub issued: u32,
}

/// A renewal: the new CSR, pasted (case 1).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewalRequestBody {
    /// The next certificate's CSR (PEM), for exactly the order's names; a new key is
    /// advised.
    #[schema(max_length = 20000)]
    pub csr_pem: String,
}

/// An order's life after "Commander": what it still needs, who must act, what was decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLifeResponse {
    pub order_id: Uuid,
    pub number: String,
    pub status: OrderStatusView,
    /// The order's version (its `ETag`).
    pub version: i32,
    /// Who must do what now; absent once nothing is left to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = NextActionView)]
    pub next_action: Option<NextActionView>,
    /// Submitted and validated orders: each requirement and its status.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = RequirementsView)]
    pub requirements: Option<RequirementsView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = ApprovalView)]
    pub approval: Option<ApprovalView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = RejectionView)]
    pub rejection: Option<RejectionView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = CertificateRefView)]
    pub certificate: Option<CertificateRefView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = AcceptanceView)]
    pub acceptance: Option<AcceptanceView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = RevocationView)]
    pub revocation: Option<RevocationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = CancellationView)]
    pub cancellation: Option<CancellationView>,
    /// Once the first certificate is issued: the subscription's span and progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = PlanProgressView)]
    pub plan: Option<PlanProgressView>,
    /// While the plan holds a certificate after the current one: when and how to renew.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = RenewalView)]
    pub renewal: Option<RenewalView>,
}

impl From<&LifeOutcome> for OrderLifeResponse {
    fn from(o: &LifeOutcome) -> Self {
        let order = &o.order;
        let life = order.life();
        OrderLifeResponse {
            order_id: order.id.0,
            number: order.number.clone(),
            status: OrderStatusView::from(order.status),
            version: order.version,
            next_action: o.next_action.as_ref().map(|n| NextActionView {
                action: n.action.into(),
                actor: n.actor.into(),
                message_fr: n.action.message_fr(),
                message_en: n.action.message_en(),
                due: n.due,
                documents: n.documents.clone(),
            }),
            requirements: o.requirements.as_ref().map(|r| RequirementsView {
                documents: r
                    .documents
                    .iter()
                    .map(|(code, status)| DocumentRequirementView {
                        code: code.clone(),
                        status: (*status).into(),
                    })
                    .collect(),
                payment: PaymentRequirementView {
                    status: match r.payment {
                        PaymentStatus::Awaiting => PaymentStatusView::Awaiting,
                        PaymentStatus::Received => PaymentStatusView::Received,
                    },
                    reference: life.payment.as_ref().map(|p| p.reference.clone()),
                    received_at: life.payment.as_ref().map(|p| p.received_at),
                },
                domain_control: match r.domain_control {
                    DomainControlStatus::Pending => DomainControlStatusView::Pending,
                    DomainControlStatus::Valid => DomainControlStatusView::Valid,
                },
                all_met: r.all_met(),
            }),
            approval: life
                .approval
                .as_ref()
                .map(|a| ApprovalView { at: a.at, by: a.by }),
            rejection: life.rejection.as_ref().map(|r| RejectionView {
                at: r.at,
                by: r.by,
                reason: r.reason.into(),
                reason_fr: r.reason.message_fr(),
                reason_en: r.reason.message_en(),
                message: r.message.clone(),
            }),
            certificate: life.certificate.as_ref().map(|c| CertificateRefView {
                id: c.id,
                serial: c.serial_hex.clone(),
                not_before: c.not_before,
                not_after: c.not_after,
                issued_at: c.issued_at,
                source: match c.source {
                    IssuanceSource::Sandbox => IssuanceSourceView::Sandbox,
                    IssuanceSource::Manual => IssuanceSourceView::Manual,
                },
            }),
            acceptance: life.acceptance.as_ref().map(|a| AcceptanceView {
                required: a.required,
                deadline: a.deadline,
                decision: a.decision.map(|d| match d {
                    AcceptanceDecision::Accepted => AcceptanceDecisionView::Accepted,
                    AcceptanceDecision::Implicit => AcceptanceDecisionView::Implicit,
                    AcceptanceDecision::Refused => AcceptanceDecisionView::Refused,
                    AcceptanceDecision::Expired => AcceptanceDecisionView::Expired,
                }),
                decided_at: a.decided_at,
                refusal_message: a.refusal_message.clone(),
            }),
            revocation: life.revocation.as_ref().map(|r| RevocationView {
                reason: r.reason.into(),
                crl_reason_code: r.reason.code(),
                requested_at: r.requested_at,
                target: r.target,
                revoked_at: r.revoked_at,
            }),
            cancellation: life.cancellation.as_ref().map(|c| CancellationView {
                at: c.at,
                refund_due: c.refund.due,
                refund_rule: match c.refund.rule {
                    RefundRule::WithinWindow => RefundRuleView::WithinWindow,
                    RefundRule::AfterWindow => RefundRuleView::AfterWindow,
                    RefundRule::NotPaid => RefundRuleView::NotPaid,
                },
                refund_window_days: c.refund.window_days,
            }),
            plan: life.plan.map(|p| PlanProgressView {
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                issued: p.issued,
            }),
            renewal: o.renewal.as_ref().map(RenewalView::from),
        }
    }
}

/// One event of the order's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineItemView {
    /// The event's id (the same as in webhooks and the events feed).
    pub id: Uuid,
    /// e.g. `order.submitted`, `order.validated`, `document.rejected`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub at: DateTime<Utc>,
    /// The account that did it; absent when the service did (scheduler, sandbox CA).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Uuid)]
    pub actor_id: Option<Uuid>,
    /// What the event carries for people: a reason, a reference, a deadline.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<TimelineEntry> for TimelineItemView {
    fn from(e: TimelineEntry) -> Self {
        TimelineItemView {
            id: e.id,
            event_type: e.event_type,
            at: e.at,
            actor_id: e.actor_id,
            detail: e.detail,
        }
    }
}

/// The order's events, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineResponse {
    pub order_id: Uuid,
    pub items: Vec<TimelineItemView>,
}

/// `POST /orders/{id}/payment`: the payment received.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentReceivedRequest {
    /// The transfer's, cheque's or purchase order's reference (1–100 characters).
    #[schema(min_length = 1, max_length = 100, example = "VIR-2026-12-0042")]
    pub reference: String,
}

/// `POST /orders/{id}/reject`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    pub reason: OrderRejectionReasonView,
    /// A message to the customer (at most 1000 characters).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub message: Option<String>,
}

/// `POST /orders/{id}/refuse`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    /// Why the certificate is refused (at most 1000 characters).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub message: Option<String>,
}

/// `POST /orders/{id}/revocation`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationRequest {
    pub reason: RevocationReasonView,
}

/// `POST /orders/{id}/certificate` (operators, manual issuance).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachCertificateRequest {
    /// The chain the CA issued, PEM, leaf first (at most 10,000 characters: a leaf and its
    /// intermediates).
    #[schema(min_length = 1, max_length = 10000)]
    pub chain_pem: String,
}
