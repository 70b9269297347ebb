//! Response bodies for orders, and the reply type that carries their `ETag`/`Location`.

use actix_web::body::BoxBody;
use actix_web::http::header::{self, EntityTag, Header};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::ProblemField;
use super::step_views::{HolderView, PaymentView};
pub use super::steps::{GenerationMethodView, PartnerView};
use super::steps::{HolderRequest, PaymentRequest};
use super::AppState;
use crate::app::orders::{Expected, OrderOutcome};
use crate::domain::account::{Caller, Role};
use crate::domain::catalog::pricing::Price;
use crate::domain::catalog::CertificatePlan;
use crate::domain::documents::justificatifs::Justificatif;
use crate::domain::order::notification::{Notification, NotificationStatus};
use crate::domain::order::rights::{Action, MATRIX};
use crate::domain::order::submission::Submission;
use crate::domain::order::wizard::assess;
use crate::domain::order::{CsrOrigin, CsrRecord, Order, OrderStatus, Step};
use crate::domain::pki::csr::CsrDetails;
use crate::domain::shared::issue::Lang;

/// Lifecycle of an order (SPEC §8): `draft` → `submitted` ("Commander") → `validated`
/// (every requirement met, approved by an operator) → `issued` (a certificate exists) →
/// `active` (accepted) → `expired` (the plan's last certificate expired); side exits
/// `rejected` (by an operator), `cancelled` (by the customer before issuance), `revoked`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusView {
    Draft,
    Submitted,
    Validated,
    Issued,
    Active,
    Expired,
    Rejected,
    Cancelled,
    Revoked,
}

impl From<OrderStatus> for OrderStatusView {
    fn from(s: OrderStatus) -> Self {
        match s {
            OrderStatus::Draft => Self::Draft,
            OrderStatus::Submitted => Self::Submitted,
            OrderStatus::Validated => Self::Validated,
            OrderStatus::Issued => Self::Issued,
            OrderStatus::Active => Self::Active,
            OrderStatus::Expired => Self::Expired,
            OrderStatus::Rejected => Self::Rejected,
            OrderStatus::Cancelled => Self::Cancelled,
            OrderStatus::Revoked => Self::Revoked,
        }
    }
}

impl From<OrderStatusView> for OrderStatus {
    fn from(s: OrderStatusView) -> Self {
        match s {
            OrderStatusView::Draft => Self::Draft,
            OrderStatusView::Submitted => Self::Submitted,
            OrderStatusView::Validated => Self::Validated,
            OrderStatusView::Issued => Self::Issued,
            OrderStatusView::Active => Self::Active,
            OrderStatusView::Expired => Self::Expired,
            OrderStatusView::Rejected => Self::Rejected,
            OrderStatusView::Cancelled => Self::Cancelled,
            OrderStatusView::Revoked => Self::Revoked,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleView {
    Customer,
    Partner,
    Operator,
}

impl From<Role> for RoleView {
    fn from(r: Role) -> Self {
        match r {
            Role::Customer => Self::Customer,
            Role::Partner => Self::Partner,
            Role::Operator => Self::Operator,
        }
    }
}

/// The steps of the wizard, in the seed's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepView {
    Authority,
    Partner,
    DurationMonths,
    GenerationMethod,
    Fqdn,
    Csr,
    Holder,
    Payment,
    Terms,
}

impl From<Step> for StepView {
    fn from(s: Step) -> Self {
        match s {
            Step::Authority => Self::Authority,
            Step::Partner => Self::Partner,
            Step::DurationMonths => Self::DurationMonths,
            Step::GenerationMethod => Self::GenerationMethod,
            Step::Fqdn => Self::Fqdn,
            Step::Csr => Self::Csr,
            Step::Holder => Self::Holder,
            Step::Payment => Self::Payment,
            Step::Terms => Self::Terms,
        }
    }
}

/// Links to related resources.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLinks {
    #[serde(rename = "self")]
    pub self_: String,
    /// The PDF form, once the order is submitted (absent before).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub formulaire: Option<String>,
}

/// A price in cents (EUR).
#[derive(Debug, Serialize, ToSchema)]
pub struct PriceView {
    #[schema(example = 14400)]
    pub excl_vat_cents: i64,
    #[schema(example = 2880)]
    pub vat_cents: i64,
    #[schema(example = 17280)]
    pub incl_vat_cents: i64,
    /// 2000 = 20 %.
    pub vat_rate_basis_points: u32,
    #[schema(example = "EUR")]
    pub currency: String,
}

impl From<&Price> for PriceView {
    fn from(p: &Price) -> Self {
        PriceView {
            excl_vat_cents: p.excl_vat_cents,
            vat_cents: p.vat_cents,
            incl_vat_cents: p.incl_vat_cents,
            vat_rate_basis_points: p.vat_rate_basis_points,
            currency: p.currency.as_str().to_owned(),
        }
    }
}

/// How the subscription is fulfilled: public TLS certificates live at most 199 days (from
/// 15 March 2026; 99 days from 15 March 2027, 46 days from 15 March 2029), so a 12–36 month
/// duration is covered by several certificates.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificatePlanView {
    /// Validity of the first certificate, in days.
    pub certificate_validity_days: u32,
    /// How many certificates the duration covers.
    pub issuances: u32,
    pub subscription_end: chrono::NaiveDate,
}

impl From<&CertificatePlan> for CertificatePlanView {
    fn from(p: &CertificatePlan) -> Self {
        CertificatePlanView {
            certificate_validity_days: p.certificate_validity_days,
            issuances: p.issuances,
            subscription_end: p.subscription_end,
        }
    }
}

/// A public key algorithm as `POST /csr/decode` names it. Only `rsa` and `ecdsa` are
/// accepted; the others are shown so that the refusal can say what was found.
// Schema only: the contract lists the names, the answer carries the decoder's string.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum KeyAlgorithmName {
    #[serde(rename = "rsa")]
    Rsa,
    #[serde(rename = "ecdsa")]
    Ecdsa,
    #[serde(rename = "dsa")]
    Dsa,
    #[serde(rename = "ed25519")]
    Ed25519,
    #[serde(rename = "ed448")]
    Ed448,
    #[serde(rename = "rsassa-pss")]
    RsassaPss,
}

/// An elliptic curve as `POST /csr/decode` names it. Only `P-256` and `P-384` are
/// accepted.
// Schema only, like `KeyAlgorithmName`.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum CurveName {
    #[serde(rename = "P-256")]
    P256,
    #[serde(rename = "P-384")]
    P384,
    #[serde(rename = "P-521")]
    P521,
    #[serde(rename = "P-192")]
    P192,
    #[serde(rename = "P-224")]
    P224,
    #[serde(rename = "secp256k1")]
    Secp256k1,
    #[serde(rename = "brainpoolP256r1")]
    BrainpoolP256r1,
    #[serde(rename = "brainpoolP384r1")]
    BrainpoolP384r1,
    #[serde(rename = "brainpoolP512r1")]
    BrainpoolP512r1,
    /// The curve is given by its parameters, not by name.
    #[serde(rename = "explicit parameters")]
    ExplicitParameters,
}

/// An OID in dotted form: what `POST /csr/decode` shows for an algorithm or curve it does
/// not name.
const OID_PATTERN: &str = "^[0-9]+(\\.[0-9]+)+$";

/// A name from `T`'s enum, or an OID in dotted form (or `null`, when `nullable`).
fn named_or_oid<T: ToSchema>(
    nullable: bool,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    let mut one_of = OneOfBuilder::new();
    if nullable {
        one_of = one_of.item(ObjectBuilder::new().schema_type(Type::Null));
    }
    one_of
        .item(utoipa::openapi::Ref::from_schema_name(T::name()))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(OID_PATTERN))
                .description(Some("The OID, in dotted form")),
        )
        .into()
}

fn key_algorithm_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    named_or_oid::<KeyAlgorithmName>(false)
}

fn curve_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    named_or_oid::<CurveName>(true)
}

/// The public key of a CSR as `POST /csr/decode` found it (accepted or not).
#[derive(Debug, Serialize, ToSchema)]
pub struct CsrKeyView {
    /// `rsa` or `ecdsa` (accepted), another known name (refused), or the key algorithm's
    /// OID.
    #[schema(schema_with = key_algorithm_schema)]
    pub algorithm: String,
    pub bits: u64,
    /// ECDSA: the curve's name (`P-256` and `P-384` are accepted), or its OID; `null`
    /// otherwise.
    #[schema(schema_with = curve_schema, required = true)]
    pub curve: Option<String>,
    /// The RSA public exponent; `null` otherwise (or when it does not fit in 64 bits).
    #[schema(required = true)]
    pub exponent: Option<u64>,
}

/// A decoded CSR (`POST /csr/decode`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CsrView {
    /// RFC 4514 subject, e.g. `CN=www.certigna.fr,O=Certigna,C=FR`.
    pub subject: String,
    /// `null` when the CSR has no CN.
    #[schema(required = true)]
    pub common_name: Option<String>,
    /// SAN dNSNames as written in the CSR.
    pub dns_names: Vec<String>,
    pub key: CsrKeyView,
    pub signature_algorithm: String,
    /// SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub public_key_sha256: String,
    pub pem: String,
}

impl From<&CsrDetails> for CsrView {
    fn from(d: &CsrDetails) -> Self {
        CsrView {
            subject: d.subject.clone(),
            common_name: d.common_name.clone(),
            dns_names: d.dns_names.clone(),
            key: CsrKeyView {
                algorithm: d.key.algorithm.clone(),
                bits: d.key.bits,
                curve: d.key.curve.clone(),
                exponent: d.key.exponent,
            },
            signature_algorithm: d.signature_algorithm.clone(),
            public_key_sha256: d.public_key_sha256.clone(),
            pem: d.pem.clone(),
        }
    }
}

/// The key algorithm of an order's CSR: only these are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AcceptedKeyAlgorithm {
    Rsa,
    Ecdsa,
}

/// The curve of an order's ECDSA key: only these are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum AcceptedCurve {
    #[serde(rename = "P-256")]
    P256,
    #[serde(rename = "P-384")]
    P384,
}

/// The public key of an order's CSR (one that passed every check).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderCsrKeyView {
    pub algorithm: AcceptedKeyAlgorithm,
    pub bits: u64,
    /// ECDSA only; `null` for RSA.
    #[schema(required = true)]
    pub curve: Option<AcceptedCurve>,
    /// RSA only: the public exponent; `null` for ECDSA.
    #[schema(required = true)]
    pub exponent: Option<u64>,
}

/// Where the order's CSR came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CsrOriginView {
    /// Case 1: pasted and verified.
    Pasted,
    /// Case 2: made by `POST /orders/{id}/generate-csr`.
    Generated,
}

impl From<CsrOrigin> for CsrOriginView {
    fn from(o: CsrOrigin) -> Self {
        match o {
            CsrOrigin::Pasted => Self::Pasted,
            CsrOrigin::Generated => Self::Generated,
        }
    }
}

/// The order's CSR: pasted and verified (case 1) or generated (case 2).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderCsrView {
    pub origin: CsrOriginView,
    /// The domain names read from the CSR, normalized (CN first, then SANs).
    pub names: Vec<String>,
    /// RFC 4514 subject, e.g. `CN=www.certigna.fr,O=Certigna,C=FR`.
    pub subject: String,
    /// `null` when the CSR has no CN.
    #[schema(required = true)]
    pub common_name: Option<String>,
    /// SAN dNSNames as written in the CSR.
    pub dns_names: Vec<String>,
    pub key: OrderCsrKeyView,
    pub signature_algorithm: String,
    /// SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub public_key_sha256: String,
    pub pem: String,
}

impl From<&CsrRecord> for OrderCsrView {
    fn from(c: &CsrRecord) -> Self {
        let d = &c.details;
        OrderCsrView {
            origin: c.origin.into(),
            names: c.names.clone(),
            subject: d.subject.clone(),
            common_name: d.common_name.clone(),
            dns_names: d.dns_names.clone(),
            key: OrderCsrKeyView {
                // An order's CSR passed the key checks: RSA, or ECDSA on P-256/P-384.
                algorithm: if d.key.algorithm == "ecdsa" {
                    AcceptedKeyAlgorithm::Ecdsa
                } else {
                    AcceptedKeyAlgorithm::Rsa
                },
                bits: d.key.bits,
                curve: d.key.curve.as_deref().map(|c| {
                    if c == "P-384" {
                        AcceptedCurve::P384
                    } else {
                        AcceptedCurve::P256
                    }
                }),
                exponent: d.key.exponent,
            },
            signature_algorithm: d.signature_algorithm.clone(),
            public_key_sha256: d.public_key_sha256.clone(),
            pem: d.pem.clone(),
        }
    }
}

/// The CGU acceptance: which version, who, when and from where.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermsView {
    pub version: String,
    pub accepted_by: Uuid,
    pub accepted_at: DateTime<Utc>,
    /// `null` when the address was not known.
    #[schema(required = true)]
    pub client_address: Option<String>,
}

/// A supporting document (justificatif) to send back after "Commander".
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    #[schema(example = "extrait_kbis")]
    pub code: String,
    pub label_fr: String,
    pub label_en: String,
    /// Why it is needed.
    pub reason_fr: String,
    pub reason_en: String,
}

impl From<&Justificatif> for DocumentView {
    fn from(j: &Justificatif) -> Self {
        DocumentView {
            code: j.code.clone(),
            label_fr: j.label_fr.clone(),
            label_en: j.label_en.clone(),
            reason_fr: j.reason_fr.clone(),
            reason_en: j.reason_en.clone(),
        }
    }
}

/// An order with every step's answer, its readiness and its price.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderResponse {
    pub id: Uuid,
    /// Human order number.
    #[schema(example = "CMD-2026-000123")]
    pub number: String,
    pub status: OrderStatusView,
    /// Incremented by every change; the `ETag` is `"<version>"`.
    pub version: i32,
    /// Step 5: the authority's id from `GET /catalog`.
    #[schema(required = true)]
    pub authority: Option<String>,
    /// Step 6.
    #[schema(required = true)]
    pub partner: Option<PartnerView>,
    /// The partner was set by the partner's own account and cannot be changed.
    pub partner_fixed: bool,
    /// The account that owns the order: the subscriber, who gets its e-mails and accepts the
    /// CGU and the certificate.
    pub owner_account_id: Uuid,
    /// The partner account preparing the order for its owner (`POST /orders?on_behalf_of=`),
    /// if any.
    #[schema(required = true)]
    pub prepared_by: Option<Uuid>,
    /// What the caller may do on this order, from the rights matrix (the contract's
    /// "Rights"): which buttons to show. Whether the status allows it now is `missing`,
    /// `ready` and the life's `next_action`.
    pub allowed_actions: Vec<AllowedAction>,
    /// Step 7.
    #[schema(required = true)]
    pub duration_months: Option<i32>,
    /// How the duration is covered by certificates (once the duration is known).
    #[schema(required = true)]
    pub certificate: Option<CertificatePlanView>,
    /// Step 8.
    #[schema(required = true)]
    pub generation_method: Option<GenerationMethodView>,
    /// The verified or generated CSR.
    #[schema(required = true)]
    pub csr: Option<OrderCsrView>,
    /// Case 2: the FQDN to protect.
    #[schema(required = true)]
    pub fqdn: Option<String>,
    /// Extra subdomains ("sous-domaines supplémentaires"), as given.
    pub additional_domains: Vec<String>,
    /// The effective domain list: the primary name (the FQDN, or the CSR's first name),
    /// then every other name, normalized and merged.
    pub domains: Vec<String>,
    /// Steps 11–12: the holder, in the shape it was given (normalized).
    #[schema(required = true, value_type = Option<HolderRequest>)]
    pub holder: Option<HolderView>,
    /// Step 14.
    #[schema(required = true, value_type = Option<PaymentRequest>)]
    pub payment: Option<PaymentView>,
    /// Step 15.
    #[schema(required = true)]
    pub terms: Option<TermsView>,
    /// The live price once the authority and duration are known; frozen after "Commander".
    #[schema(required = true)]
    pub price: Option<PriceView>,
    /// Steps still unanswered, in wizard order: the "Commander" button stays greyed while
    /// this is not empty.
    pub missing: Vec<StepView>,
    /// Answers that no longer fit (e.g. a duration the newly chosen authority does not
    /// offer), with a pointer to the field, a code and a message.
    pub invalid: Vec<ProblemField>,
    /// True when `commander` would succeed: nothing missing, nothing invalid.
    pub ready: bool,
    /// After "Commander": the justificatifs to send back with the signed form.
    pub documents: Vec<DocumentView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub cancelled_at: Option<DateTime<Utc>>,
    pub links: OrderLinks,
    /// The order e-mail, once submitted (in `GET /orders/{id}` and `commander` only;
    /// absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = NotificationView)]
    pub notification: Option<NotificationView>,
}

/// An action of the rights matrix (`domain::order::rights`).
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AllowedAction {
    Read,
    Patch,
    AcceptTerms,
    Cancel,
    Commander,
    Pdf,
    Certificate,
    ReadDocuments,
    UploadDocuments,
    DomainControl,
    AcceptCertificate,
    RequestRevocation,
    Renew,
}

impl From<Action> for AllowedAction {
    fn from(a: Action) -> Self {
        match a {
            Action::Read => AllowedAction::Read,
            Action::Patch => AllowedAction::Patch,
            Action::AcceptTerms => AllowedAction::AcceptTerms,
            Action::Cancel => AllowedAction::Cancel,
            Action::Commander => AllowedAction::Commander,
            Action::Pdf => AllowedAction::Pdf,
            Action::Certificate => AllowedAction::Certificate,
            Action::ReadDocuments => AllowedAction::ReadDocuments,
            Action::UploadDocuments => AllowedAction::UploadDocuments,
            Action::DomainControl => AllowedAction::DomainControl,
            Action::AcceptCertificate => AllowedAction::AcceptCertificate,
            Action::RequestRevocation => AllowedAction::RequestRevocation,
            Action::Renew => AllowedAction::Renew,
        }
    }
}

/// The actions of the matrix `caller` may do on `order`, in the matrix's order.
pub fn allowed_actions(order: &Order, caller: &Caller) -> Vec<AllowedAction> {
    MATRIX
        .iter()
        .filter(|(a, _)| order.authorize(caller, *a).is_ok())
        .map(|(a, _)| (*a).into())
        .collect()
}

impl OrderResponse {
    pub fn build(
        order: &Order,
        caller: &Caller,
        notification: Option<&Notification>,
        state: &AppState,
        lang: Lang,
    ) -> Self {
        let submission: Option<&Submission> = order.submission.as_ref();
        let assessment = assess(order, &state.app.catalog, state.app.now().date_naive());
        let live = order.status == OrderStatus::Draft;
        let id = order.id.0;
        let (price, plan, domains, documents) = match &submission {
            Some(s) => (
                Some((&s.price).into()),
                Some((&s.plan).into()),
                s.domains.clone(),
                s.documents.iter().map(DocumentView::from).collect(),
            ),
            None => (
                assessment.price.as_ref().map(PriceView::from),
                assessment.plan.as_ref().map(CertificatePlanView::from),
                assessment.domains.clone(),
                Vec::new(),
            ),
        };
        let invalid = if live {
            ProblemField::localized(&assessment.problems, lang)
        } else {
            Vec::new()
        };
        OrderResponse {
            id,
            number: order.number.clone(),
            status: order.status.into(),
            version: order.version,
            authority: order.authority.clone(),
            partner: order.partner.as_ref().map(PartnerView::from),
            partner_fixed: order.partner_fixed,
            owner_account_id: order.account_id.0,
            prepared_by: order.agent_id.map(|a| a.0),
            allowed_actions: allowed_actions(order, caller),
            duration_months: order.duration_months,
            certificate: plan,
            generation_method: order.generation_method.map(Into::into),
            csr: order.csr.as_ref().map(OrderCsrView::from),
            fqdn: order.fqdn.clone(),
            additional_domains: order.additional_domains.clone(),
            domains,
            holder: order.holder.as_ref().map(HolderView::from),
            payment: order.payment.as_ref().map(PaymentView::from),
            terms: order.terms.as_ref().map(|t| TermsView {
                version: t.version.clone(),
                accepted_by: t.accepted_by,
                accepted_at: t.accepted_at,
                client_address: t.client_address.clone(),
            }),
            price,
            ready: live && assessment.ready(),
            missing: if live {
                assessment
                    .missing
                    .iter()
                    .copied()
                    .map(StepView::from)
                    .collect()
            } else {
                Vec::new()
            },
            invalid,
            documents,
            created_at: order.created_at,
            updated_at: order.updated_at,
            submitted_at: order.submitted_at,
            cancelled_at: order.cancelled_at,
            links: OrderLinks {
                self_: format!("/orders/{id}"),
                formulaire: (order.status == OrderStatus::Submitted)
                    .then(|| format!("/orders/{id}/formulaire.pdf")),
            },
            notification: notification.map(NotificationView::from),
        }
    }
}

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    pub items: Vec<OrderResponse>,
    /// Pass as `cursor` to get the next page; absent on the last page (never `null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub next_cursor: Option<String>,
}

impl OrderList {
    /// `orders` holds up to `limit + 1` rows: the extra one only says there is a next page.
    pub fn page(
        mut orders: Vec<Order>,
        caller: &Caller,
        limit: usize,
        state: &AppState,
        lang: Lang,
    ) -> Self {
        let more = orders.len() > limit;
        orders.truncate(limit);
        let next_cursor = more
            .then(|| orders.last().map(|o| o.id.0.to_string()))
            .flatten();
        OrderList {
            items: orders
                .iter()
                .map(|o| OrderResponse::build(o, caller, None, state, lang))
                .collect(),
            next_cursor,
        }
    }
}

/// An order answer: status, `ETag` and, when created, `Location`; 304 without a body.
#[derive(Debug)]
pub struct OrderReply {
    status: StatusCode,
    id: Uuid,
    version: i32,
    body: Option<OrderResponse>,
    replayed: bool,
}

impl OrderReply {
    /// 200 with the order.
    pub fn ok(
        order: &Order,
        caller: &Caller,
        notification: Option<&Notification>,
        state: &AppState,
        lang: Lang,
    ) -> Self {
        OrderReply {
            status: StatusCode::OK,
            id: order.id.0,
            version: order.version,
            body: Some(OrderResponse::build(
                order,
                caller,
                notification,
                state,
                lang,
            )),
            replayed: false,
        }
    }

    /// What a use case left: 201 for a new order, replayed or not.
    pub fn from_outcome(
        outcome: &OrderOutcome,
        caller: &Caller,
        state: &AppState,
        lang: Lang,
    ) -> Self {
        let mut reply = Self::ok(
            &outcome.order,
            caller,
            outcome.notification.as_ref(),
            state,
            lang,
        );
        if outcome.created {
            reply.status = StatusCode::CREATED;
        }
        reply.replayed = outcome.replayed;
        reply
    }

    /// 304: the client's copy (its `If-None-Match`) is current.
    pub fn not_modified(version: i32) -> Self {
        OrderReply {
            status: StatusCode::NOT_MODIFIED,
            id: Uuid::nil(),
            version,
            body: None,
            replayed: false,
        }
    }
}

impl Responder for OrderReply {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::ETAG, etag(self.version)));
        if self.status == StatusCode::CREATED {
            res.insert_header((header::LOCATION, format!("/orders/{}", self.id)));
        }
        if self.replayed {
            res.insert_header(("idempotent-replayed", "true"));
        }
        match self.body {
            Some(body) => res.json(body),
            None => res.finish(),
        }
    }
}

/// The `ETag` of a version: strong, `"<version>"`.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

fn versions(tags: &[EntityTag], weak_ok: bool) -> Expected {
    Expected::Versions(
        tags.iter()
            .filter(|t| weak_ok || !t.weak)
            .filter_map(|t| t.tag().parse().ok())
            .collect(),
    )
}

/// `If-Match` (RFC 9110 §13.1.1): `*`, or ETags compared strongly — a weak `W/"2"` never
/// matches. A value that cannot be parsed can never match either (412).
pub fn if_match(req: &HttpRequest) -> Option<Expected> {
    req.headers().get(header::IF_MATCH)?;
    Some(match header::IfMatch::parse(req) {
        Ok(header::IfMatch::Any) => Expected::Any,
        Ok(header::IfMatch::Items(tags)) => versions(&tags, false),
        Err(_) => Expected::Versions(Vec::new()),
    })
}

/// `If-None-Match` (RFC 9110 §13.1.2): `*`, or ETags compared weakly.
pub fn if_none_match(req: &HttpRequest) -> Option<Expected> {
    req.headers().get(header::IF_NONE_MATCH)?;
    match header::IfNoneMatch::parse(req) {
        Ok(header::IfNoneMatch::Any) => Some(Expected::Any),
        Ok(header::IfNoneMatch::Items(tags)) => Some(versions(&tags, true)),
        Err(_) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The order e-mail.

/// `pending` (queued, or waiting to retry), `sent`, or `failed` (refused for good).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatusView {
    Pending,
    Sent,
    Failed,
}

/// Why the last attempt failed, without the mail server's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationErrorView {
    /// The mail server could not be reached or asked to retry: the service retries by itself.
    TemporaryFailure,
    /// The message was refused for good: an operator must look into it.
    Rejected,
}

/// The e-mail sent after "Commander", with the PDF form attached.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub status: NotificationStatusView,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the mail server accepted it (`null` until then).
    #[schema(required = true)]
    pub sent_at: Option<DateTime<Utc>>,
    /// When the next attempt is due (`pending` only; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = DateTime<Utc>)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The kind of the last failure (absent when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = NotificationErrorView)]
    pub last_error: Option<NotificationErrorView>,
}

impl From<&Notification> for NotificationView {
    fn from(n: &Notification) -> Self {
        let (status, last_error) = match n.status {
            NotificationStatus::Pending => (
                NotificationStatusView::Pending,
                n.last_error
                    .as_ref()
                    .map(|_| NotificationErrorView::TemporaryFailure),
            ),
            NotificationStatus::Sent => (NotificationStatusView::Sent, None),
            NotificationStatus::Failed => (
                NotificationStatusView::Failed,
                Some(NotificationErrorView::Rejected),
            ),
        };
        NotificationView {
            status,
            attempts: n.attempts,
            sent_at: n.sent_at,
            next_attempt_at: (n.status == NotificationStatus::Pending).then_some(n.next_attempt_at),
            last_error,
        }
    }
}
