//! Domain control validation (SPEC §9, CA/B Forum BR 3.2.2.4): one control per name of a
//! submitted order (a wildcard is validated on its base domain), by a TXT record
//! (`dns-txt`, BR 3.2.2.4.7) or a file under `/.well-known/pki-validation/` (`http-file`,
//! BR 3.2.2.4.18, never for a wildcard). What a check saw is turned into a [`Diagnosis`]
//! here, purely: the DNS queries and the HTTP fetch are done by the caller.

use chrono::{DateTime, Duration, Utc};

use crate::domain::shared::code::Code;

/// The label under the name where the TXT record is published:
/// `_certorder-challenge.<name>`.
pub const DNS_LABEL: &str = "_certorder-challenge";
/// Where the file is published: `http://<name>/.well-known/pki-validation/<file>`.
pub const HTTP_PATH: &str = "/.well-known/pki-validation/";
/// How long a token may be used (BR 3.2.2.4.7: a random value is valid 30 days at most).
pub const TOKEN_LIFETIME_DAYS: i64 = 30;
/// How many bytes of a differing file the diagnosis shows.
pub const FIRST_BYTES: usize = 64;

/// How control of a name is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    DnsTxt,
    HttpFile,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::DnsTxt => "dns-txt",
            Method::HttpFile => "http-file",
        }
    }
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "dns-txt" => Some(Method::DnsTxt),
            "http-file" => Some(Method::HttpFile),
            _ => None,
        }
    }
}

/// A random value of at least 128 bits, lower-case hex (made by the caller's RNG).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// 160 random bits.
    pub fn from_bytes(bytes: [u8; 20]) -> Token {
        Token(hex::encode(bytes))
    }
    /// A stored token: hex of at least 16 bytes.
    pub fn parse(s: &str) -> Option<Token> {
        (s.len() >= 32 && s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Token(s.to_ascii_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The base domain a name is validated on (`*.example.fr` → `example.fr`) and whether it
/// was a wildcard.
pub fn base_domain(name: &str) -> (String, bool) {
    match name.strip_prefix("*.") {
        Some(base) => (base.to_ascii_lowercase(), true),
        None => (name.to_ascii_lowercase(), false),
    }
}

/// Whether `name` is `suffix` or under it (`a.b.certorder-test` under `certorder-test`).
pub fn under_suffix(name: &str, suffix: &str) -> bool {
    let suffix = suffix.trim_start_matches('.').to_ascii_lowercase();
    !suffix.is_empty() && (name == suffix || name.ends_with(&format!(".{suffix}")))
}

/// Exactly what to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Publication {
    Dns { record_name: String, value: String },
    Http { url: String, content: String },
}

/// A control's state: `pending` until a check succeeds, `valid` from then until its reuse
/// period ends (then `expired`, shown from `valid_until`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlStatus {
    Pending,
    Valid,
    Expired,
}

/// What a check saw, as a customer reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// The expected value was found: the answer seen.
    Valid {
        answer: String,
    },
    NameNotFound,
    NoTxtRecord,
    OtherTxtValues {
        values: Vec<String>,
    },
    WrongLabel {
        found_at: String,
    },
    HttpStatus {
        status: u16,
    },
    RedirectedElsewhere {
        location: String,
    },
    ContentDiffers {
        first_bytes: String,
    },
    Timeout,
    DnsServerFailure {
        detail: String,
    },
    ConnectionFailed {
        detail: String,
    },
    PrivateTarget {
        address: String,
    },
    TokenExpired,
}

impl Diagnosis {
    /// The stable code (none for success).
    pub fn code(&self) -> Option<Code> {
        Some(match self {
            Diagnosis::Valid { .. } => return None,
            Diagnosis::NameNotFound => Code::DcvNameNotFound,
            Diagnosis::NoTxtRecord => Code::DcvNoTxtRecord,
            Diagnosis::OtherTxtValues { .. } => Code::DcvOtherTxtValues,
            Diagnosis::WrongLabel { .. } => Code::DcvWrongLabel,
            Diagnosis::HttpStatus { .. } => Code::DcvHttpStatus,
            Diagnosis::RedirectedElsewhere { .. } => Code::DcvRedirectedElsewhere,
            Diagnosis::ContentDiffers { .. } => Code::DcvContentDiffers,
            Diagnosis::Timeout => Code::DcvTimeout,
            Diagnosis::DnsServerFailure { .. } => Code::DcvDnsServerFailure,
            Diagnosis::ConnectionFailed { .. } => Code::DcvConnectionFailed,
            Diagnosis::PrivateTarget { .. } => Code::DcvPrivateTarget,
            Diagnosis::TokenExpired => Code::DcvTokenExpired,
        })
    }

    /// What was seen, for the message (values found, status, location, first bytes).
    pub fn seen(&self) -> Option<String> {
        match self {
            Diagnosis::Valid { answer } => Some(answer.clone()),
            Diagnosis::OtherTxtValues { values } => Some(values.join(" | ")),
            Diagnosis::WrongLabel { found_at } => Some(found_at.clone()),
            Diagnosis::HttpStatus { status } => Some(status.to_string()),
            Diagnosis::RedirectedElsewhere { location } => Some(location.clone()),
            Diagnosis::ContentDiffers { first_bytes } => Some(first_bytes.clone()),
            Diagnosis::DnsServerFailure { detail } | Diagnosis::ConnectionFailed { detail } => {
                Some(detail.clone())
            }
            Diagnosis::PrivateTarget { address } => Some(address.clone()),
            _ => None,
        }
    }
}

/// A DNS TXT query's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsAnswer {
    Records(Vec<String>),
    /// The name exists, without TXT records.
    NoRecords,
    NxDomain,
    ServerFailure(String),
    Timeout,
}

/// The diagnosis of a `dns-txt` check: `at_label` answered for `_certorder-challenge.<name>`,
/// `at_name` for the name itself.
pub fn evaluate_dns(
    name: &str,
    expected: &Token,
    at_label: &DnsAnswer,
    at_name: &DnsAnswer,
) -> Diagnosis {
    let label = format!("{DNS_LABEL}.{name}");
    match at_label {
        DnsAnswer::Records(values) if values.iter().any(|v| v.trim() == expected.as_str()) => {
            Diagnosis::Valid {
                answer: format!("TXT {label} \"{}\"", expected.as_str()),
            }
        }
        DnsAnswer::Records(values) => Diagnosis::OtherTxtValues {
            values: values.clone(),
        },
        DnsAnswer::Timeout => Diagnosis::Timeout,
        DnsAnswer::ServerFailure(d) => Diagnosis::DnsServerFailure { detail: d.clone() },
        DnsAnswer::NoRecords | DnsAnswer::NxDomain => match at_name {
            DnsAnswer::Records(v) if v.iter().any(|v| v.trim() == expected.as_str()) => {
                Diagnosis::WrongLabel {
                    found_at: name.to_owned(),
                }
            }
            DnsAnswer::NxDomain => Diagnosis::NameNotFound,
            _ => Diagnosis::NoTxtRecord,
        },
    }
}

/// An HTTP fetch's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpAnswer {
    Response { status: u16, body: Vec<u8> },
    RedirectedElsewhere(String),
    Timeout,
    NameNotFound,
    Failed(String),
    PrivateTarget(String),
}

/// The diagnosis of an `http-file` check: the file must answer 200 with the token.
pub fn evaluate_http(url: &str, expected: &Token, answer: &HttpAnswer) -> Diagnosis {
    match answer {
        HttpAnswer::Response { status: 200, body } => {
            let text = String::from_utf8_lossy(body);
            if text.trim() == expected.as_str() {
                Diagnosis::Valid {
                    answer: format!("GET {url} 200 \"{}\"", expected.as_str()),
                }
            } else {
                Diagnosis::ContentDiffers {
                    first_bytes: String::from_utf8_lossy(&body[..body.len().min(FIRST_BYTES)])
                        .into_owned(),
                }
            }
        }
        HttpAnswer::Response { status, .. } => Diagnosis::HttpStatus { status: *status },
        HttpAnswer::RedirectedElsewhere(l) => Diagnosis::RedirectedElsewhere {
            location: l.clone(),
        },
        HttpAnswer::Timeout => Diagnosis::Timeout,
        HttpAnswer::NameNotFound => Diagnosis::NameNotFound,
        HttpAnswer::Failed(d) => Diagnosis::ConnectionFailed { detail: d.clone() },
        HttpAnswer::PrivateTarget(a) => Diagnosis::PrivateTarget { address: a.clone() },
    }
}

/// When a pending control is checked again, `since` its first pending moment: every minute
/// for 15 minutes, every 15 minutes for a day, then hourly for 10 days; then no more.
pub fn recheck_delay(since: Duration) -> Option<Duration> {
    if since < Duration::minutes(15) {
        Some(Duration::minutes(1))
    } else if since < Duration::days(1) {
        Some(Duration::minutes(15))
    } else if since < Duration::days(11) {
        Some(Duration::hours(1))
    } else {
        None
    }
}

/// Why a control refused a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DcvError {
    #[error("http-file is not allowed for a wildcard")]
    HttpFileForWildcard,
}

/// One name's control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainControl {
    /// The name validated (a wildcard's base domain).
    pub name: String,
    /// The order's name was `*.name`.
    pub wildcard: bool,
    pub method: Method,
    pub token: Token,
    pub token_expires_at: DateTime<Utc>,
    pub valid: bool,
    pub validated_at: Option<DateTime<Utc>>,
    pub validated_method: Option<Method>,
    pub validated_answer: Option<String>,
    pub valid_until: Option<DateTime<Utc>>,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub last_diagnosis: Option<Diagnosis>,
    /// Since when it waits for a successful check (the back-off's start).
    pub pending_since: DateTime<Utc>,
    /// The next automatic check (none: not scheduled).
    pub next_check_at: Option<DateTime<Utc>>,
}

impl DomainControl {
    /// A new control of `order_name`, by DNS, pending and checked again in a minute.
    pub fn new(order_name: &str, token: Token, now: DateTime<Utc>) -> DomainControl {
        let (name, wildcard) = base_domain(order_name);
        DomainControl {
            name,
            wildcard,
            method: Method::DnsTxt,
            token,
            token_expires_at: now + Duration::days(TOKEN_LIFETIME_DAYS),
            valid: false,
            validated_at: None,
            validated_method: None,
            validated_answer: None,
            valid_until: None,
            last_checked_at: None,
            last_diagnosis: None,
            pending_since: now,
            next_check_at: Some(now + Duration::minutes(1)),
        }
    }

    /// Taken as valid without a check (the sandbox's test suffix), for `reuse_days`.
    pub fn validate_by_test_suffix(&mut self, suffix: &str, now: DateTime<Utc>, reuse_days: u32) {
        self.mark_valid(
            format!("sandbox: under the test suffix {suffix}"),
            now,
            reuse_days,
        );
    }

    fn mark_valid(&mut self, answer: String, now: DateTime<Utc>, reuse_days: u32) {
        self.valid = true;
        self.validated_at = Some(now);
        self.validated_method = Some(self.method);
        self.validated_answer = Some(answer);
        self.valid_until = Some(now + Duration::days(i64::from(reuse_days)));
        self.next_check_at = None;
    }

    pub fn status(&self, now: DateTime<Utc>) -> ControlStatus {
        match (self.valid, self.valid_until) {
            (true, Some(until)) if until > now => ControlStatus::Valid,
            (true, _) => ControlStatus::Expired,
            _ => ControlStatus::Pending,
        }
    }

    /// The HTTP file's name: `<first 32 hex of the token>.txt`.
    pub fn file_name(&self) -> String {
        format!("{}.txt", &self.token.as_str()[..32])
    }

    /// Where to look, for `http-file`, on `port` (80 but in tests).
    pub fn url(&self, port: u16) -> String {
        let host = if port == 80 {
            self.name.clone()
        } else {
            format!("{}:{port}", self.name)
        };
        format!("http://{host}{HTTP_PATH}{}", self.file_name())
    }

    /// Exactly what to publish for the current method.
    pub fn publication(&self, port: u16) -> Publication {
        match self.method {
            Method::DnsTxt => Publication::Dns {
                record_name: format!("{DNS_LABEL}.{}", self.name),
                value: self.token.as_str().to_owned(),
            },
            Method::HttpFile => Publication::Http {
                url: self.url(port),
                content: self.token.as_str().to_owned(),
            },
        }
    }

    /// Another method: a new token, pending again (unless still valid), checked in a minute.
    pub fn change_method(
        &mut self,
        method: Method,
        token: Token,
        now: DateTime<Utc>,
    ) -> Result<(), DcvError> {
        if method == Method::HttpFile && self.wildcard {
            return Err(DcvError::HttpFileForWildcard);
        }
        if method == self.method {
            return Ok(());
        }
        self.method = method;
        self.renew_token(token, now);
        Ok(())
    }

    fn renew_token(&mut self, token: Token, now: DateTime<Utc>) {
        self.token = token;
        self.token_expires_at = now + Duration::days(TOKEN_LIFETIME_DAYS);
        if self.status(now) != ControlStatus::Valid {
            self.pending_since = now;
            self.next_check_at = Some(now + Duration::minutes(1));
        }
    }

    /// A validation past its reuse period, redone before the next issuance (a renewal): a
    /// new token, pending, checked in a minute. The last validation stays on record until a
    /// check replaces it.
    pub fn redo(&mut self, token: Token, now: DateTime<Utc>) {
        self.valid = false;
        self.renew_token(token, now);
    }

    /// Whether the token may no longer be used (a new one is given: `fresh`).
    pub fn expire_token_if_due(&mut self, fresh: Token, now: DateTime<Utc>) -> bool {
        if self.token_expires_at > now {
            return false;
        }
        self.renew_token(fresh, now);
        self.last_checked_at = Some(now);
        self.last_diagnosis = Some(Diagnosis::TokenExpired);
        true
    }

    /// Records a check's diagnosis: valid for `reuse_days`, or pending with the next
    /// automatic check on the back-off schedule.
    pub fn record(&mut self, diagnosis: Diagnosis, now: DateTime<Utc>, reuse_days: u32) {
        self.last_checked_at = Some(now);
        if let Diagnosis::Valid { answer } = &diagnosis {
            let answer = answer.clone();
            self.mark_valid(answer, now, reuse_days);
        } else {
            if self.status(now) != ControlStatus::Valid {
                self.valid = false;
                self.next_check_at = recheck_delay(now - self.pending_since).map(|d| now + d);
            }
        }
        self.last_diagnosis = Some(diagnosis);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Token {
        Token::from_bytes([7; 20])
    }

    #[test]
    fn a_txt_record_at_the_label_with_the_token_is_valid_and_elsewhere_is_diagnosed() {
        let tok = t();
        let at = |v: &str| DnsAnswer::Records(vec![v.to_owned()]);
        assert!(matches!(
            evaluate_dns("a.fr", &tok, &at(tok.as_str()), &DnsAnswer::NoRecords),
            Diagnosis::Valid { .. }
        ));
        assert_eq!(
            evaluate_dns("a.fr", &tok, &at("other"), &DnsAnswer::NoRecords),
            Diagnosis::OtherTxtValues {
                values: vec!["other".into()]
            }
        );
        assert_eq!(
            evaluate_dns("a.fr", &tok, &DnsAnswer::NxDomain, &at(tok.as_str())),
            Diagnosis::WrongLabel {
                found_at: "a.fr".into()
            }
        );
        assert_eq!(
            evaluate_dns("a.fr", &tok, &DnsAnswer::NxDomain, &DnsAnswer::NxDomain),
            Diagnosis::NameNotFound
        );
        assert_eq!(
            evaluate_dns("a.fr", &tok, &DnsAnswer::NxDomain, &DnsAnswer::NoRecords),
            Diagnosis::NoTxtRecord
        );
    }

    #[test]
    fn the_back_off_is_a_minute_then_a_quarter_then_an_hour_then_stops() {
        assert_eq!(
            recheck_delay(Duration::minutes(3)),
            Some(Duration::minutes(1))
        );
        assert_eq!(
            recheck_delay(Duration::hours(3)),
            Some(Duration::minutes(15))
        );
        assert_eq!(recheck_delay(Duration::days(5)), Some(Duration::hours(1)));
        assert_eq!(recheck_delay(Duration::days(12)), None);
    }

    #[test]
    fn http_file_is_refused_for_a_wildcard_and_a_new_method_gets_a_new_token() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut w = DomainControl::new("*.a.fr", t(), now);
        assert_eq!(w.name, "a.fr");
        assert_eq!(
            w.change_method(Method::HttpFile, t(), now),
            Err(DcvError::HttpFileForWildcard)
        );
        let mut d = DomainControl::new("www.a.fr", t(), now);
        d.change_method(Method::HttpFile, Token::from_bytes([9; 20]), now)
            .unwrap();
        assert_ne!(d.token, t());
        assert!(d
            .url(80)
            .starts_with("http://www.a.fr/.well-known/pki-validation/"));
    }

    #[test]
    fn a_valid_check_lasts_its_reuse_period_then_expires() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut d = DomainControl::new("www.a.fr", t(), now);
        d.record(Diagnosis::Valid { answer: "x".into() }, now, 200);
        assert_eq!(d.status(now + Duration::days(199)), ControlStatus::Valid);
        assert_eq!(d.status(now + Duration::days(201)), ControlStatus::Expired);
    }
}
