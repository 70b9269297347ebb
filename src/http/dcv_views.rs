//! Domain control views (SPEC §9): each name's control, what to publish, the last check's
//! diagnosis.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::dcv::{ControlStatus, Diagnosis, DomainControl, Method, Publication};

/// How control of a name is shown: a TXT record at `_certorder-challenge.<name>` or a file at
/// `http://<name>/.well-known/pki-validation/<file>` (not for a wildcard).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub enum DcvMethodView {
    #[serde(rename = "dns-txt")]
    DnsTxt,
    #[serde(rename = "http-file")]
    HttpFile,
}

impl From<Method> for DcvMethodView {
    fn from(m: Method) -> Self {
        match m {
            Method::DnsTxt => Self::DnsTxt,
            Method::HttpFile => Self::HttpFile,
        }
    }
}

/// `pending` until a check succeeds; `valid` until its reuse period ends; then `expired`
/// (to be checked again before the next issuance).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DcvStatusView {
    Pending,
    Valid,
    Expired,
}

/// Exactly what to publish: for `dns-txt` a TXT record (`record_name`, `value`), for
/// `http-file` a file (`url`, `content`, served as `text/plain` with status 200).
#[derive(Debug, Serialize, ToSchema)]
pub struct DcvPublishView {
    pub method: DcvMethodView,
    /// The TXT record's name (`dns-txt`).
    #[schema(
        required = true,
        max_length = 300,
        example = "_certorder-challenge.www.example.fr"
    )]
    pub record_name: Option<String>,
    /// `TXT` (`dns-txt`).
    #[schema(required = true, max_length = 8)]
    pub record_type: Option<String>,
    /// The TXT record's value (`dns-txt`).
    #[schema(required = true, max_length = 100)]
    pub value: Option<String>,
    /// The file's URL (`http-file`).
    #[schema(required = true, max_length = 400)]
    pub url: Option<String>,
    /// The file's whole content (`http-file`).
    #[schema(required = true, max_length = 100)]
    pub content: Option<String>,
}

/// A successful check: when, how, and the answer seen.
#[derive(Debug, Serialize, ToSchema)]
pub struct DcvValidatedView {
    pub at: DateTime<Utc>,
    pub method: DcvMethodView,
    #[schema(max_length = 600)]
    pub answer: String,
    /// The end of the reuse period (catalogue: 200 days from 2026-03-15, 100 from
    /// 2027-03-15, 10 from 2029-03-15).
    pub valid_until: DateTime<Utc>,
}

/// The last check's diagnosis.
#[derive(Debug, Serialize, ToSchema)]
pub struct DcvCheckView {
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// The diagnosis code (null when the check succeeded): `dcv_name_not_found`,
    /// `dcv_no_txt_record`, `dcv_other_txt_values`, `dcv_wrong_label`, `dcv_http_status`,
    /// `dcv_redirected_elsewhere`, `dcv_content_differs`, `dcv_timeout`,
    /// `dcv_dns_server_failure`, `dcv_connection_failed`, `dcv_private_target`,
    /// `dcv_token_expired` (their meanings in the contract's code table).
    #[schema(required = true, max_length = 40)]
    pub code: Option<String>,
    #[schema(max_length = 1000)]
    pub message_fr: String,
    #[schema(max_length = 1000)]
    pub message_en: String,
    /// What was seen: the answer, the HTTP status, the redirect's target, the file's first
    /// 64 bytes, the server's error.
    #[schema(required = true, max_length = 1000)]
    pub seen: Option<String>,
    /// `dcv_other_txt_values`: every TXT value found at the label.
    #[schema(required = true)]
    pub values: Option<Vec<String>>,
}

/// One name's domain control.
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainControlResponse {
    /// The name validated (a wildcard's base domain).
    #[schema(max_length = 253, example = "www.example.fr")]
    pub name: String,
    /// The order's name was `*.<name>`: only `dns-txt`.
    pub wildcard: bool,
    pub method: DcvMethodView,
    pub status: DcvStatusView,
    /// 160 random bits, hex.
    #[schema(max_length = 100)]
    pub token: String,
    /// After this, a check issues a new token (`dcv_token_expired`).
    pub token_expires_at: DateTime<Utc>,
    pub publish: DcvPublishView,
    #[schema(required = true)]
    pub validated: Option<DcvValidatedView>,
    #[schema(required = true)]
    pub last_check: Option<DcvCheckView>,
    /// The next automatic check (every minute for 15 minutes, every 15 minutes for a day,
    /// then hourly for 10 days).
    #[schema(required = true)]
    pub next_check_at: Option<DateTime<Utc>>,
}

/// The order's domain controls.
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainControlListResponse {
    pub items: Vec<DomainControlResponse>,
    /// Every name is `valid`: approval may proceed.
    pub all_valid: bool,
}

/// `PUT /orders/{id}/domains/{name}/method`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDcvMethodRequest {
    /// `dns-txt` or `http-file`.
    #[schema(max_length = 16, example = "http-file")]
    pub method: String,
}

fn check_view(at: DateTime<Utc>, d: &Diagnosis) -> DcvCheckView {
    let (fr, en) = match d.code() {
        Some(c) => (c.fr().to_owned(), c.en().to_owned()),
        None => (
            "Contrôle réussi : la valeur attendue a été trouvée.".to_owned(),
            "Check passed: the expected value was found.".to_owned(),
        ),
    };
    let seen = d.seen();
    let (fr, en) = match &seen {
        Some(s) if d.code().is_some() => (format!("{fr} Vu : {s}"), format!("{en} Seen: {s}")),
        _ => (fr, en),
    };
    DcvCheckView {
        at,
        ok: d.code().is_none(),
        code: d.code().map(|c| c.as_str().to_owned()),
        message_fr: fr,
        message_en: en,
        seen,
        values: match d {
            Diagnosis::OtherTxtValues { values } => Some(values.clone()),
            _ => None,
        },
    }
}

impl DomainControlResponse {
    pub fn of(c: &DomainControl, now: DateTime<Utc>, http_port: u16) -> Self {
        let publish = match c.publication(http_port) {
            Publication::Dns { record_name, value } => DcvPublishView {
                method: DcvMethodView::DnsTxt,
                record_name: Some(record_name),
                record_type: Some("TXT".into()),
                value: Some(value),
                url: None,
                content: None,
            },
            Publication::Http { url, content } => DcvPublishView {
                method: DcvMethodView::HttpFile,
                record_name: None,
                record_type: None,
                value: None,
                url: Some(url),
                content: Some(content),
            },
        };
        DomainControlResponse {
            name: c.name.clone(),
            wildcard: c.wildcard,
            method: c.method.into(),
            status: match c.status(now) {
                ControlStatus::Pending => DcvStatusView::Pending,
                ControlStatus::Valid => DcvStatusView::Valid,
                ControlStatus::Expired => DcvStatusView::Expired,
            },
            token: c.token.as_str().to_owned(),
            token_expires_at: c.token_expires_at,
            publish,
            validated: match (
                c.validated_at,
                c.validated_method,
                &c.validated_answer,
                c.valid_until,
            ) {
                (Some(at), Some(m), Some(a), Some(until)) => Some(DcvValidatedView {
                    at,
                    method: m.into(),
                    answer: a.clone(),
                    valid_until: until,
                }),
                _ => None,
            },
            last_check: match (c.last_checked_at, &c.last_diagnosis) {
                (Some(at), Some(d)) => Some(check_view(at, d)),
                _ => None,
            },
            next_check_at: c.next_check_at,
        }
    }
}

impl DomainControlListResponse {
    pub fn of(cs: &[DomainControl], now: DateTime<Utc>, http_port: u16) -> Self {
        DomainControlListResponse {
            items: cs
                .iter()
                .map(|c| DomainControlResponse::of(c, now, http_port))
                .collect(),
            all_valid: !cs.is_empty() && cs.iter().all(|c| c.status(now) == ControlStatus::Valid),
        }
    }
}
