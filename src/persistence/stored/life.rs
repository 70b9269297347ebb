//! `orders.life`: what happened to the order after "Commander" — payment received,
//! approval or rejection, the certificate, its acceptance, revocation, cancellation. A draft's
//! is `{"v": 1}` (rows written before versions: `{}`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::csr::StoredCsr;
use super::{check_version, stored_enum, unversioned, Invalid, CURRENT};
use crate::domain::order::life::{
    Acceptance, AcceptanceDecision, Approval, Cancellation, CertificateRef, IssuanceSource, Life,
    PaymentReceipt, Refund, RefundRule, Rejection, RejectionReason, Revocation, RevocationReason,
};
use crate::domain::order::renewal::{PlanProgress, RenewalRequest};

/// Each part is absent until it happened (the `?` queries of `persistence::life` rely on it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoredLife {
    #[serde(default = "unversioned")]
    pub(crate) v: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) payment: Option<StoredPaymentReceipt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) approval: Option<StoredApproval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rejection: Option<StoredRejection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) certificate: Option<StoredCertificateRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) acceptance: Option<StoredAcceptance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) revocation: Option<StoredRevocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) cancellation: Option<StoredCancellation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) plan: Option<StoredPlan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) renewal: Option<StoredRenewal>,
}

/// The subscription, fixed at the first issuance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPlan {
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) ends_at: DateTime<Utc>,
    pub(crate) issued: u32,
}

/// The next certificate's CSR (the same shape as `orders.csr`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredRenewal {
    pub(crate) csr: StoredCsr,
    pub(crate) requested_at: DateTime<Utc>,
    pub(crate) requested_by: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPaymentReceipt {
    pub(crate) reference: String,
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) recorded_by: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredApproval {
    pub(crate) at: DateTime<Utc>,
    pub(crate) by: Uuid,
}

stored_enum! {
    StoredRejectionReason <=> RejectionReason {
        DocumentsInvalid = "documents_invalid",
        IdentityUnverified = "identity_unverified",
        PaymentNotReceived = "payment_not_received",
        DomainControlFailed = "domain_control_failed",
        Other = "other",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredRejection {
    pub(crate) at: DateTime<Utc>,
    pub(crate) by: Uuid,
    pub(crate) reason: StoredRejectionReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<String>,
}

stored_enum! {
    StoredIssuanceSource <=> IssuanceSource { Sandbox = "sandbox", Manual = "manual" }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredCertificateRef {
    pub(crate) id: Uuid,
    pub(crate) serial_hex: String,
    pub(crate) not_before: DateTime<Utc>,
    pub(crate) not_after: DateTime<Utc>,
    pub(crate) issued_at: DateTime<Utc>,
    pub(crate) source: StoredIssuanceSource,
}

stored_enum! {
    StoredDecision <=> AcceptanceDecision {
        Accepted = "accepted",
        Implicit = "implicit",
        Refused = "refused",
        Expired = "expired",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredAcceptance {
    pub(crate) required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) deadline: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) decision: Option<StoredDecision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) decided_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) decided_by: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) refusal_message: Option<String>,
}

stored_enum! {
    StoredRevocationReason <=> RevocationReason {
        Unspecified = "unspecified",
        KeyCompromise = "key_compromise",
        AffiliationChanged = "affiliation_changed",
        Superseded = "superseded",
        CessationOfOperation = "cessation_of_operation",
        PrivilegeWithdrawn = "privilege_withdrawn",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredRevocation {
    pub(crate) reason: StoredRevocationReason,
    pub(crate) requested_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) requested_by: Option<Uuid>,
    pub(crate) target: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) revoked_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) revoked_by: Option<Uuid>,
}

stored_enum! {
    StoredRefundRule <=> RefundRule {
        WithinWindow = "within_window",
        AfterWindow = "after_window",
        NotPaid = "not_paid",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredRefund {
    pub(crate) due: bool,
    pub(crate) rule: StoredRefundRule,
    pub(crate) window_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredCancellation {
    pub(crate) at: DateTime<Utc>,
    pub(crate) by: Uuid,
    pub(crate) refund: StoredRefund,
}

impl From<&Life> for StoredLife {
    fn from(l: &Life) -> Self {
        StoredLife {
            v: CURRENT,
            payment: l.payment.as_ref().map(|p| StoredPaymentReceipt {
                reference: p.reference.clone(),
                received_at: p.received_at,
                recorded_by: p.recorded_by,
            }),
            approval: l
                .approval
                .as_ref()
                .map(|a| StoredApproval { at: a.at, by: a.by }),
            rejection: l.rejection.as_ref().map(|r| StoredRejection {
                at: r.at,
                by: r.by,
                reason: r.reason.into(),
                message: r.message.clone(),
            }),
            certificate: l.certificate.as_ref().map(|c| StoredCertificateRef {
                id: c.id,
                serial_hex: c.serial_hex.clone(),
                not_before: c.not_before,
                not_after: c.not_after,
                issued_at: c.issued_at,
                source: c.source.into(),
            }),
            acceptance: l.acceptance.as_ref().map(|a| StoredAcceptance {
                required: a.required,
                deadline: a.deadline,
                decision: a.decision.map(Into::into),
                decided_at: a.decided_at,
                decided_by: a.decided_by,
                refusal_message: a.refusal_message.clone(),
            }),
            revocation: l.revocation.as_ref().map(|r| StoredRevocation {
                reason: r.reason.into(),
                requested_at: r.requested_at,
                requested_by: r.requested_by,
                target: r.target,
                revoked_at: r.revoked_at,
                revoked_by: r.revoked_by,
            }),
            cancellation: l.cancellation.as_ref().map(|c| StoredCancellation {
                at: c.at,
                by: c.by,
                refund: StoredRefund {
                    due: c.refund.due,
                    rule: c.refund.rule.into(),
                    window_days: c.refund.window_days,
                },
            }),
            plan: l.plan.map(|p| StoredPlan {
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                issued: p.issued,
            }),
            renewal: l.renewal.as_ref().map(|r| StoredRenewal {
                csr: StoredCsr::from(&r.csr),
                requested_at: r.requested_at,
                requested_by: r.requested_by,
            }),
        }
    }
}

impl TryFrom<StoredLife> for Life {
    type Error = Invalid;

    fn try_from(s: StoredLife) -> Result<Self, Invalid> {
        check_version(s.v)?;
        Ok(Life {
            payment: s.payment.map(|p| PaymentReceipt {
                reference: p.reference,
                received_at: p.received_at,
                recorded_by: p.recorded_by,
            }),
            approval: s.approval.map(|a| Approval { at: a.at, by: a.by }),
            rejection: s.rejection.map(|r| Rejection {
                at: r.at,
                by: r.by,
                reason: r.reason.into(),
                message: r.message,
            }),
            certificate: s.certificate.map(|c| CertificateRef {
                id: c.id,
                serial_hex: c.serial_hex,
                not_before: c.not_before,
                not_after: c.not_after,
                issued_at: c.issued_at,
                source: c.source.into(),
            }),
            acceptance: s.acceptance.map(|a| Acceptance {
                required: a.required,
                deadline: a.deadline,
                decision: a.decision.map(Into::into),
                decided_at: a.decided_at,
                decided_by: a.decided_by,
                refusal_message: a.refusal_message,
            }),
            revocation: s.revocation.map(|r| Revocation {
                reason: r.reason.into(),
                requested_at: r.requested_at,
                requested_by: r.requested_by,
                target: r.target,
                revoked_at: r.revoked_at,
                revoked_by: r.revoked_by,
            }),
            cancellation: s.cancellation.map(|c| Cancellation {
                at: c.at,
                by: c.by,
                refund: Refund {
                    due: c.refund.due,
                    rule: c.refund.rule.into(),
                    window_days: c.refund.window_days,
                },
            }),
            plan: s.plan.map(|p| PlanProgress {
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                issued: p.issued,
            }),
            renewal: s
                .renewal
                .map(|r| -> Result<RenewalRequest, Invalid> {
                    Ok(RenewalRequest {
                        csr: r.csr.try_into()?,
                        requested_at: r.requested_at,
                        requested_by: r.requested_by,
                    })
                })
                .transpose()?,
        })
    }
}
