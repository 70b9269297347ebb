//! Rate limits on the expensive routes (OWASP API4:2023, unrestricted resource consumption):
//! sign-in, key generation, the PDF form and the stateless checks, per client address and,
//! when the request carries a valid bearer token, per account. In-process (`governor`, GCRA):
//! each replica counts its own requests, so N replicas allow up to N times the limit; the
//! sign-in failures that lock an account out are counted in the database instead, by the
//! use case `app::auth::count_attempt`.
//!
//! A refused request gets 429 `rate_limited` with `Retry-After` and the `RateLimit` and
//! `RateLimit-Policy` headers of draft-ietf-httpapi-ratelimit-headers; an admitted one gets
//! them too, so that clients can pace themselves. A new expensive route (uploads, a later
//! check) is one more line in [`LIMITED`] and one more [`Class`] with its settings.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use uuid::Uuid;

use super::problem::ApiError;
use super::AppState;
use crate::domain::shared::issue::Code;

/// The kinds of expensive work, each with its own limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// `POST /auth/token`: an argon2 verification each.
    SignIn,
    /// `POST /orders/{id}/generate-csr`: an RSA or ECDSA key each.
    Keygen,
    /// `GET /orders/{id}/formulaire.pdf`: a PDF rendered each.
    Pdf,
    /// `POST /csr/decode`, `POST /domains/check`: parsing and the CA/B rules.
    Checks,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::SignIn => "sign-in",
            Class::Keygen => "keygen",
            Class::Pdf => "pdf",
            Class::Checks => "checks",
        }
    }
}

/// The limited routes: method, the route's pattern, the class.
pub const LIMITED: &[(&str, &str, Class)] = &[
    ("POST", "/auth/token", Class::SignIn),
    ("POST", "/orders/{id}/generate-csr", Class::Keygen),
    ("POST", "/orders/{id}/renewal/generate-csr", Class::Keygen),
    ("GET", "/orders/{id}/formulaire.pdf", Class::Pdf),
    ("POST", "/csr/decode", Class::Checks),
    ("POST", "/domains/check", Class::Checks),
    // "check now" makes outbound DNS and HTTP requests on the caller's behalf
    ("POST", "/orders/{id}/domains/{name}/check", Class::Checks),
    ("POST", "/orders/{id}/domains/check", Class::Checks),
];

pub use crate::config::{Limit, RateLimitSettings};

impl RateLimitSettings {
    fn of(&self, class: Class) -> Limit {
        match class {
            Class::SignIn => self.sign_in,
            Class::Keygen => self.keygen,
            Class::Pdf => self.pdf,
            Class::Checks => self.checks,
        }
    }
}

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// One policy: a quota per minute, and its keyed limiter.
struct Policy<K: std::hash::Hash + Eq + Clone> {
    name: String,
    per_minute: u32,
    limiter: Keyed<K>,
}

impl<K: std::hash::Hash + Eq + Clone> Policy<K> {
    fn new(class: Class, dimension: &str, per_minute: u32) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        Some(Policy {
            name: format!("{}-{dimension}", class.name()),
            per_minute,
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
        })
    }

    fn check(&self, key: &K) -> Verdict {
        match self.limiter.check_key(key) {
            Ok(state) => Verdict::Admitted {
                remaining: state.remaining_burst_capacity(),
            },
            Err(not_until) => Verdict::Refused {
                wait: not_until.wait_time_from(DefaultClock::default().now()),
            },
        }
    }
}

enum Verdict {
    Admitted { remaining: u32 },
    Refused { wait: Duration },
}

/// What one check found, for the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The most constraining policy's name and quota per minute.
    pub policy: String,
    pub quota: u32,
    pub remaining: u32,
    /// Seconds until the quota is whole again (admitted) or until a retry may pass (refused).
    pub reset: u64,
    pub refused: bool,
}

impl Outcome {
    fn headers(&self) -> [(HeaderName, String); 2] {
        [
            (
                HeaderName::from_static("ratelimit-policy"),
                format!("\"{}\";q={};w=60", self.policy, self.quota),
            ),
            (
                HeaderName::from_static("ratelimit"),
                format!("\"{}\";r={};t={}", self.policy, self.remaining, self.reset),
            ),
        ]
    }
}

struct ClassLimits {
    per_address: Option<Policy<IpAddr>>,
    per_account: Option<Policy<Uuid>>,
}

/// How many addresses one limiter tracks one by one before new requests are counted per
/// network instead: a flood from random addresses (each a new key) would otherwise grow the
/// map, and the process's memory, until the housekeeping forgets idle keys. 100 000 keys
/// are a few MB.
const MAX_TRACKED_ADDRESSES: usize = 100_000;

/// The key an address is counted under: itself, or once `tracked` reaches `cap`, its /16
/// (IPv4) or /32 (IPv6) network, so that a spread flood adds at most 65 536 keys more.
fn crowded(address: IpAddr, tracked: usize, cap: usize) -> IpAddr {
    if tracked < cap {
        return address;
    }
    match address {
        IpAddr::V4(v4) => {
            let [a, b, _, _] = v4.octets();
            IpAddr::V4(std::net::Ipv4Addr::new(a, b, 0, 0))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], 0, 0, 0, 0, 0, 0))
        }
    }
}

/// The limiters of every class, shared by the workers of one process.
pub struct RateLimits {
    classes: Vec<(Class, ClassLimits)>,
    trust_forwarded_for: bool,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        let classes = [Class::SignIn, Class::Keygen, Class::Pdf, Class::Checks]
            .into_iter()
            .map(|class| {
                let limit = settings.of(class);
                (
                    class,
                    ClassLimits {
                        per_address: Policy::new(class, "address", limit.per_address),
                        per_account: Policy::new(class, "account", limit.per_account),
                    },
                )
            })
            .collect();
        RateLimits {
            classes,
            trust_forwarded_for: settings.trust_forwarded_for,
        }
    }

    /// Counts one request of `class` from `address` (and `account`, if known). `None`: this
    /// class has no limit.
    pub fn check(&self, class: Class, address: IpAddr, account: Option<Uuid>) -> Option<Outcome> {
        let (_, limits) = self.classes.iter().find(|(c, _)| *c == class)?;
        let mut outcomes = Vec::with_capacity(2);
        if let Some(p) = &limits.per_address {
            let key = crowded(address, p.limiter.len(), MAX_TRACKED_ADDRESSES);
            outcomes.push((p.name.as_str(), p.per_minute, p.check(&key)));
        }
        if let (Some(p), Some(account)) = (&limits.per_account, account) {
            outcomes.push((p.name.as_str(), p.per_minute, p.check(&account)));
        }
        outcomes
            .into_iter()
            .map(|(name, quota, verdict)| match verdict {
                Verdict::Admitted { remaining } => Outcome {
                    policy: name.to_owned(),
                    quota,
                    remaining,
                    // Each spent request comes back after 60/quota seconds.
                    reset: (u64::from(quota - remaining.min(quota)) * 60)
                        .div_ceil(u64::from(quota)),
                    refused: false,
                },
                Verdict::Refused { wait } => Outcome {
                    policy: name.to_owned(),
                    quota,
                    remaining: 0,
                    reset: wait.as_secs_f64().ceil().max(1.0) as u64,
                    refused: true,
                },
            })
            // A refusal first, the longest wait; else the fewest remaining.
            .max_by_key(|o| {
                (
                    o.refused,
                    if o.refused { o.reset } else { 0 },
                    u32::MAX - o.remaining,
                )
            })
    }

    /// Forgets the keys whose quota is whole again (run by the housekeeping task), so that
    /// the maps do not grow with every address ever seen.
    pub fn forget_idle(&self) -> usize {
        let mut kept = 0;
        for (_, l) in &self.classes {
            if let Some(p) = &l.per_address {
                p.limiter.retain_recent();
                p.limiter.shrink_to_fit();
                kept += p.limiter.len();
            }
            if let Some(p) = &l.per_account {
                p.limiter.retain_recent();
                p.limiter.shrink_to_fit();
                kept += p.limiter.len();
            }
        }
        kept
    }

    pub fn trusts_forwarded_for(&self) -> bool {
        self.trust_forwarded_for
    }
}

/// The address a client is counted under: the TCP peer, or with `trust_forwarded_for` the
/// last `X-Forwarded-For` entry. IPv6 addresses count by their /64 (one host commonly has a
/// whole /64 to pick addresses from); IPv4-mapped IPv6 counts as IPv4.
pub fn client_address(peer: Option<IpAddr>, forwarded_for: Option<&str>, trust: bool) -> IpAddr {
    let forwarded = trust
        .then(|| {
            forwarded_for?
                .rsplit(',')
                .next()?
                .trim()
                .parse::<IpAddr>()
                .ok()
        })
        .flatten();
    let ip = forwarded
        .or(peer)
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// The address of an actix request, per the settings.
pub fn request_address(req: &actix_web::HttpRequest, trust: bool) -> IpAddr {
    client_address(
        req.peer_addr().map(|a| a.ip()),
        req.headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok()),
        trust,
    )
}

fn class_of(method: &Method, pattern: Option<&str>) -> Option<Class> {
    let pattern = pattern?;
    LIMITED
        .iter()
        .find(|(m, p, _)| *p == pattern && method.as_str() == *m)
        .map(|(_, _, c)| *c)
}

/// Middleware: counts the limited routes' requests; refuses with 429 past a limit.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static, BoxBody>>, actix_web::Error> {
    let class = class_of(req.method(), req.match_pattern().as_deref());
    let outcome = match (class, req.app_data::<web::Data<AppState>>()) {
        (Some(class), Some(state)) => {
            let limits = &state.limits;
            let address = request_address(req.request(), limits.trusts_forwarded_for());
            let account = super::auth::bearer_account(req.request());
            limits.check(class, address, account)
        }
        _ => None,
    };
    let Some(outcome) = outcome else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    if outcome.refused {
        let mut res = ApiError::TooManyRequests {
            retry_after: outcome.reset,
            code: Code::RateLimited,
        }
        .error_response();
        for (name, value) in outcome.headers() {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(name, v);
            }
        }
        tracing::info!(policy = %outcome.policy, retry_after = outcome.reset, "rate limited");
        return Ok(req.into_response(res).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    for (name, value) in outcome.headers() {
        if let Ok(v) = HeaderValue::from_str(&value) {
            res.headers_mut().insert(name, v);
        }
    }
    Ok(res.map_into_left_body())
}

/// Adds the 429 answer, with its headers, to every limited route of the contract.
pub fn document(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, Type};
    for (method, pattern, class) in LIMITED {
        let Some(item) = api.paths.paths.get_mut(*pattern) else {
            continue;
        };
        let op = match *method {
            "GET" => item.get.as_mut(),
            "POST" => item.post.as_mut(),
            _ => None,
        };
        let Some(op) = op else { continue };
        let string = || {
            HeaderBuilder::new()
                .schema(utoipa::openapi::ObjectBuilder::new().schema_type(Type::String))
        };
        let integer = HeaderBuilder::new()
            .schema(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer))
            .description(Some("Seconds to wait before retrying"))
            .build();
        let mut description = format!(
            "Too many requests: the {} rate limit of this client address or account \
             (`rate_limited`, see `RateLimit`)",
            class.name()
        );
        if *class == Class::SignIn {
            description.push_str(
                "; or too many failed sign-ins of this username from this address, or from \
                 this address (`too_many_sign_in_failures`)",
            );
        }
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .header("Retry-After", integer)
            .header(
                "RateLimit",
                string()
                    .description(Some(
                        "draft-ietf-httpapi-ratelimit-headers: `\"policy\";r=remaining;t=seconds`",
                    ))
                    .build(),
            )
            .header(
                "RateLimit-Policy",
                string()
                    .description(Some(
                        "draft-ietf-httpapi-ratelimit-headers: `\"policy\";q=quota;w=60`",
                    ))
                    .build(),
            )
            .build();
        op.responses
            .responses
            .insert("429".to_owned(), utoipa::openapi::RefOr::T(response));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_tracked_addresses_cap_an_address_is_counted_under_its_network() {
        let v4: IpAddr = "203.0.113.77".parse().unwrap();
        let v6: IpAddr = "2001:db8:aaaa:bbbb::1".parse().unwrap();
        assert_eq!(crowded(v4, 9, 10), v4);
        assert_eq!(crowded(v6, 9, 10), v6);
        assert_eq!(crowded(v4, 10, 10), "203.0.0.0".parse::<IpAddr>().unwrap());
        assert_eq!(crowded(v6, 11, 10), "2001:db8::".parse::<IpAddr>().unwrap());
    }

    fn settings(per_address: u32, per_account: u32) -> RateLimitSettings {
        let l = Limit {
            per_address,
            per_account,
        };
        RateLimitSettings {
            sign_in: l,
            keygen: l,
            pdf: l,
            checks: Limit {
                per_address: 0,
                per_account: 0,
            },
            trust_forwarded_for: false,
        }
    }

    #[test]
    fn past_the_quota_a_client_is_refused_with_a_wait_and_another_client_is_not() {
        let limits = RateLimits::new(&settings(3, 0));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for left in [2, 1, 0] {
            let o = limits.check(Class::Keygen, a, None).unwrap();
            assert!(!o.refused);
            assert_eq!(o.remaining, left);
        }
        let refused = limits.check(Class::Keygen, a, None).unwrap();
        assert!(refused.refused);
        assert_eq!(refused.policy, "keygen-address");
        assert!((1..=20).contains(&refused.reset), "{refused:?}");
        assert!(!limits.check(Class::Keygen, b, None).unwrap().refused);
        // The classes count apart.
        assert!(!limits.check(Class::Pdf, a, None).unwrap().refused);
        assert_eq!(limits.check(Class::Checks, a, None), None);
    }

    #[test]
    fn an_account_is_limited_across_addresses() {
        let limits = RateLimits::new(&settings(100, 2));
        let account = Uuid::new_v4();
        let addr = |i: u8| IpAddr::from([198, 51, 100, i]);
        assert!(
            !limits
                .check(Class::Pdf, addr(1), Some(account))
                .unwrap()
                .refused
        );
        assert!(
            !limits
                .check(Class::Pdf, addr(2), Some(account))
                .unwrap()
                .refused
        );
        let o = limits.check(Class::Pdf, addr(3), Some(account)).unwrap();
        assert!(o.refused);
        assert_eq!(o.policy, "pdf-account");
    }

    #[test]
    fn ipv6_clients_count_by_their_64_and_forwarded_for_only_when_trusted() {
        let p1 = "2001:db8:1:2::1".parse().unwrap();
        let p2: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(
            client_address(Some(p1), None, false),
            client_address(Some(p2), None, false)
        );
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            client_address(Some(mapped), None, false),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let xff = Some("203.0.113.9, 198.51.100.4");
        assert_eq!(client_address(Some(peer), xff, false), peer);
        assert_eq!(
            client_address(Some(peer), xff, true),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_address(Some(peer), Some("garbage"), true), peer);
    }

    #[test]
    fn the_headers_follow_the_ietf_draft_syntax() {
        let o = Outcome {
            policy: "sign-in-address".into(),
            quota: 30,
            remaining: 0,
            reset: 2,
            refused: true,
        };
        let [(p, pv), (r, rv)] = o.headers();
        assert_eq!(
            (p.as_str(), pv.as_str()),
            ("ratelimit-policy", "\"sign-in-address\";q=30;w=60")
        );
        assert_eq!(
            (r.as_str(), rv.as_str()),
            ("ratelimit", "\"sign-in-address\";r=0;t=2")
        );
    }
}
