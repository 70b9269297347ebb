//! Response bodies for orders, and the reply type that carries their `ETag`/`Location`.

use actix_web::body::BoxBody;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, Responder};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::ApiError;
use super::AppState;
use crate::domain::account::Role;
use crate::domain::notification::{Notification, NotificationStatus};
use crate::domain::order::{self, GenerationMethod, Order, OrderStatus, PartnerChoice, Step};

/// Lifecycle of an order: `draft` → `submitted` (after "Commander"), or `draft` → `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusView {
    Draft,
    Submitted,
    Cancelled,
}

impl From<OrderStatus> for OrderStatusView {
    fn from(s: OrderStatus) -> Self {
        match s {
            OrderStatus::Draft => Self::Draft,
            OrderStatus::Submitted => Self::Submitted,
            OrderStatus::Cancelled => Self::Cancelled,
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

impl From<OrderStatusView> for OrderStatus {
    fn from(s: OrderStatusView) -> Self {
        match s {
            OrderStatusView::Draft => Self::Draft,
            OrderStatusView::Submitted => Self::Submitted,
            OrderStatusView::Cancelled => Self::Cancelled,
        }
    }
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

/// Step 8: `csr` (case 1, paste a CSR) or `generate` (case 2, the service makes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenerationMethodView {
    Csr,
    Generate,
}

impl From<GenerationMethod> for GenerationMethodView {
    fn from(m: GenerationMethod) -> Self {
        match m {
            GenerationMethod::Csr => Self::Csr,
            GenerationMethod::Generate => Self::Generate,
        }
    }
}

impl From<GenerationMethodView> for GenerationMethod {
    fn from(m: GenerationMethodView) -> Self {
        match m {
            GenerationMethodView::Csr => Self::Csr,
            GenerationMethodView::Generate => Self::Generate,
        }
    }
}

/// Step 6: "Passez-vous par un partenaire ?" — `{"type": "partner", "code": "…"}` or an
/// explicit `{"type": "none"}` ("Non").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PartnerView {
    /// "Non": no partner.
    None,
    /// Through a partner of the authority, identified by its code.
    Partner {
        #[schema(example = "PART-0001", max_length = 32)]
        code: String,
    },
}

impl From<&PartnerChoice> for PartnerView {
    fn from(p: &PartnerChoice) -> Self {
        match p {
            PartnerChoice::None => Self::None,
            PartnerChoice::Partner { code } => Self::Partner { code: code.clone() },
        }
    }
}

/// Links to related resources.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLinks {
    #[serde(rename = "self")]
    pub self_: String,
    /// The PDF form, once the order is submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formulaire: Option<String>,
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
    pub authority: Option<String>,
    /// Step 6.
    pub partner: Option<PartnerView>,
    /// The partner was set by the partner's own account and cannot be changed.
    pub partner_fixed: bool,
    /// Step 7.
    pub duration_months: Option<i32>,
    /// Step 8.
    pub generation_method: Option<GenerationMethodView>,
    /// Case 2: the FQDN to protect.
    pub fqdn: Option<String>,
    /// Extra subdomains ("sous-domaines supplémentaires").
    pub additional_domains: Vec<String>,
    /// Steps still unanswered, in wizard order: the "Commander" button stays greyed while
    /// this is not empty.
    pub missing: Vec<StepView>,
    /// True when `commander` would succeed: nothing missing, nothing invalid.
    pub ready: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub links: OrderLinks,
    /// The order e-mail, once submitted (in `GET /orders/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification: Option<NotificationView>,
}

impl OrderResponse {
    pub fn build(order: &Order, _state: &AppState) -> Self {
        let missing: Vec<StepView> = order.missing().into_iter().map(StepView::from).collect();
        let id = order.id.0;
        OrderResponse {
            id,
            number: order.number.clone(),
            status: order.status.into(),
            version: order.version,
            authority: order.authority.clone(),
            partner: order.partner.as_ref().map(PartnerView::from),
            partner_fixed: order.partner_fixed,
            duration_months: order.duration_months,
            generation_method: order.generation_method.map(Into::into),
            fqdn: order.fqdn.clone(),
            additional_domains: order.additional_domains.clone(),
            ready: missing.is_empty() && order.status == order::OrderStatus::Draft,
            missing,
            created_at: order.created_at,
            updated_at: order.updated_at,
            submitted_at: order.submitted_at,
            cancelled_at: order.cancelled_at,
            links: OrderLinks {
                self_: format!("/orders/{id}"),
                formulaire: (order.status == OrderStatus::Submitted)
                    .then(|| format!("/orders/{id}/formulaire.pdf")),
            },
            notification: None,
        }
    }

    /// Adds the state of the order e-mail.
    pub fn with_notification(mut self, notification: Option<&Notification>) -> Self {
        self.notification = notification.map(NotificationView::from);
        self
    }
}

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    pub items: Vec<OrderResponse>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl OrderList {
    /// `orders` holds up to `limit + 1` rows: the extra one only says there is a next page.
    pub fn page(mut orders: Vec<Order>, limit: usize, state: &AppState) -> Self {
        let more = orders.len() > limit;
        orders.truncate(limit);
        let next_cursor = more
            .then(|| orders.last().map(|o| o.id.0.to_string()))
            .flatten();
        OrderList {
            items: orders
                .iter()
                .map(|o| OrderResponse::build(o, state))
                .collect(),
            next_cursor,
        }
    }
}

/// An order answer: status, `ETag` and, when created, `Location`. Its body is kept as JSON
/// so that an idempotent retry can replay it byte for byte.
#[derive(Debug, Clone)]
pub struct OrderReply {
    pub status: StatusCode,
    pub id: Uuid,
    pub version: i32,
    pub body_json: serde_json::Value,
    pub replayed: bool,
}

impl OrderReply {
    fn new(status: StatusCode, body: OrderResponse) -> Self {
        OrderReply {
            status,
            id: body.id,
            version: body.version,
            body_json: serde_json::to_value(&body).unwrap_or(serde_json::Value::Null),
            replayed: false,
        }
    }
    pub fn ok(body: OrderResponse) -> Self {
        Self::new(StatusCode::OK, body)
    }
    pub fn created(body: OrderResponse) -> Self {
        Self::new(StatusCode::CREATED, body)
    }
    pub fn replayed(status: u16, body: serde_json::Value) -> Result<Self, ApiError> {
        let id = body
            .get("id")
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or(ApiError::Internal)?;
        let version = body.get("version").and_then(|v| v.as_i64()).unwrap_or(0) as i32;
        Ok(OrderReply {
            status: StatusCode::from_u16(status).map_err(|_| ApiError::Internal)?,
            id,
            version,
            body_json: body,
            replayed: true,
        })
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
        res.json(self.body_json)
    }
}

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// What an `If-Match` header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Versions(Vec<i32>),
}

impl IfMatch {
    pub fn matches(&self, version: i32) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Versions(v) => v.contains(&version),
        }
    }
}

/// Parses `If-Match` (`*` or a list of ETags). A value that cannot be one of our ETags can
/// never match: 412.
pub fn if_match(value: Option<&HeaderValue>) -> Result<Option<IfMatch>, ApiError> {
    let Some(value) = value else { return Ok(None) };
    let text = value
        .to_str()
        .map_err(|_| ApiError::PreconditionFailed)?
        .trim();
    if text == "*" {
        return Ok(Some(IfMatch::Any));
    }
    let versions: Vec<i32> = text
        .split(',')
        .filter_map(|tag| {
            let tag = tag.trim();
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
        })
        .collect();
    Ok(Some(IfMatch::Versions(versions)))
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
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// When the next attempt is due (`pending` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The kind of the last failure, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
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
