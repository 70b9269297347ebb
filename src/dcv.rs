//! The domain control checks' I/O (SPEC §9): a TXT query through `hickory-resolver` (the
//! system's resolver, or `DCV_RESOLVER=ip:port`) and an HTTP fetch through `reqwest` (no
//! TLS, no redirect to another host, connect and total timeouts, a size cap). Targets on
//! private or loopback addresses are refused unless `DCV_ALLOW_PRIVATE_TARGETS=true`.
//! What was seen goes to `domain::dcv`, which makes it a diagnosis.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::{ResolveError, Resolver, TokioResolver};

use crate::domain::dcv::{DnsAnswer, HttpAnswer};

/// The checks' settings (`DCV_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcvSettings {
    /// `DCV_RESOLVER`: `system` (default) or `ip:port` of the resolver to ask.
    pub resolver: Option<SocketAddr>,
    /// `DCV_ALLOW_PRIVATE_TARGETS`: contact private and loopback addresses (tests only).
    pub allow_private_targets: bool,
    /// `DCV_HTTP_PORT`: the port of `http-file` fetches (80; tests use their server's).
    pub http_port: u16,
    /// `DCV_TIMEOUT_SECONDS`: a DNS query's or an HTTP fetch's longest wait (default 5).
    pub timeout: Duration,
    /// `DCV_MAX_BYTES`: the largest validation file read (default 4096).
    pub max_bytes: usize,
    /// `DCV_TEST_SUFFIXES`: comma-separated; names under these suffixes are valid without a
    /// check, for local demos (default `certorder-test`, none in production).
    pub test_suffixes: Vec<String>,
}

impl Default for DcvSettings {
    fn default() -> Self {
        DcvSettings {
            resolver: None,
            allow_private_targets: false,
            http_port: 80,
            timeout: Duration::from_secs(5),
            max_bytes: 4096,
            test_suffixes: vec!["certorder-test".into()],
        }
    }
}

/// Does the checks.
#[derive(Debug, Clone)]
pub struct Checker {
    pub settings: DcvSettings,
}

/// Whether an address is private, loopback, link-local or otherwise not on the Internet.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

impl Checker {
    pub fn new(settings: DcvSettings) -> Self {
        Checker { settings }
    }

    fn resolver(&self) -> Result<TokioResolver, String> {
        let mut opts = ResolverOpts::default();
        opts.timeout = self.settings.timeout;
        opts.attempts = 1;
        opts.cache_size = 0;
        let builder = match self.settings.resolver {
            Some(addr) => {
                let mut cfg = ResolverConfig::new();
                cfg.add_name_server(NameServerConfig::new(addr, Protocol::Udp));
                Resolver::builder_with_config(cfg, TokioConnectionProvider::default())
            }
            None => Resolver::builder_tokio().map_err(|e| e.to_string())?,
        };
        Ok(builder.with_options(opts).build())
    }

    /// The TXT values at `fqdn` (a fresh resolver each time: no cached answer).
    pub async fn txt(&self, fqdn: &str) -> DnsAnswer {
        let resolver = match self.resolver() {
            Ok(r) => r,
            Err(e) => return DnsAnswer::ServerFailure(e),
        };
        match resolver.txt_lookup(format!("{fqdn}.")).await {
            Ok(lookup) => {
                let values: Vec<String> = lookup
                    .iter()
                    .map(|txt| {
                        txt.iter()
                            .map(|part| String::from_utf8_lossy(part).into_owned())
                            .collect::<String>()
                    })
                    .collect();
                if values.is_empty() {
                    DnsAnswer::NoRecords
                } else {
                    DnsAnswer::Records(values)
                }
            }
            Err(e) => dns_error(&e),
        }
    }

    /// The addresses of `host` (its A and AAAA records).
    async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, HttpAnswer> {
        let resolver = self.resolver().map_err(HttpAnswer::Failed)?;
        match resolver.lookup_ip(format!("{host}.")).await {
            Ok(ips) => Ok(ips.iter().collect()),
            Err(e) => Err(match dns_error(&e) {
                DnsAnswer::NxDomain | DnsAnswer::NoRecords => HttpAnswer::NameNotFound,
                DnsAnswer::Timeout => HttpAnswer::Timeout,
                _ => HttpAnswer::Failed(e.to_string()),
            }),
        }
    }

    /// Fetches `http://host:port/path`, following redirects on the same host only (at most
    /// 5), reading at most `max_bytes`.
    pub async fn fetch(&self, host: &str, path: &str) -> HttpAnswer {
        let ips = match self.addresses(host).await {
            Ok(ips) => ips,
            Err(a) => return a,
        };
        let Some(ip) = ips
            .iter()
            .copied()
            .find(|ip| self.settings.allow_private_targets || !is_private(*ip))
        else {
            return match ips.first() {
                Some(ip) => HttpAnswer::PrivateTarget(ip.to_string()),
                None => HttpAnswer::NameNotFound,
            };
        };
        let port = self.settings.http_port;
        // pinned to the address checked above (no second lookup between check and connect)
        let client = match reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(host, SocketAddr::new(ip, port))
            .connect_timeout(self.settings.timeout)
            .timeout(self.settings.timeout)
            .no_proxy()
            .build()
        {
            Ok(c) => c,
            Err(e) => return HttpAnswer::Failed(e.to_string()),
        };
        let mut url = match url::Url::parse(&format!("http://{host}:{port}{path}")) {
            Ok(u) => u,
            Err(e) => return HttpAnswer::Failed(e.to_string()),
        };
        for _ in 0..5 {
            let mut res = match client.get(url.clone()).send().await {
                Ok(r) => r,
                Err(e) if e.is_timeout() => return HttpAnswer::Timeout,
                Err(e) => return HttpAnswer::Failed(e.to_string()),
            };
            let status = res.status().as_u16();
            if res.status().is_redirection() {
                let Some(location) = res
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| url.join(l).ok())
                else {
                    return HttpAnswer::Response {
                        status,
                        body: Vec::new(),
                    };
                };
                if location.scheme() != "http"
                    || location.host_str() != Some(host)
                    || location.port_or_known_default() != url.port_or_known_default()
                {
                    return HttpAnswer::RedirectedElsewhere(location.to_string());
                }
                url = location;
                continue;
            }
            let mut body = Vec::new();
            loop {
                match res.chunk().await {
                    Ok(Some(chunk)) => {
                        body.extend_from_slice(&chunk);
                        if body.len() > self.settings.max_bytes {
                            return HttpAnswer::Failed(format!(
                                "the answer is longer than {} bytes",
                                self.settings.max_bytes
                            ));
                        }
                    }
                    Ok(None) => break,
                    Err(e) if e.is_timeout() => return HttpAnswer::Timeout,
                    Err(e) => return HttpAnswer::Failed(e.to_string()),
                }
            }
            return HttpAnswer::Response { status, body };
        }
        HttpAnswer::Failed("too many redirects".into())
    }
}

fn dns_error(e: &ResolveError) -> DnsAnswer {
    match e.proto().map(|p| p.kind()) {
        Some(ProtoErrorKind::NoRecordsFound { response_code, .. }) => match *response_code {
            ResponseCode::NXDomain => DnsAnswer::NxDomain,
            ResponseCode::NoError => DnsAnswer::NoRecords,
            other => DnsAnswer::ServerFailure(format!("{other}")),
        },
        Some(ProtoErrorKind::Timeout) => DnsAnswer::Timeout,
        _ if e.to_string().contains("timed out") => DnsAnswer::Timeout,
        _ => DnsAnswer::ServerFailure(e.to_string()),
    }
}
