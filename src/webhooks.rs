//! Webhooks' I/O: the secrets' encryption at rest, the target rules (scheme, resolution,
//! private addresses) and the signed POST itself.
//!
//! - Secrets must sign (HMAC), so they cannot be only hashed: each is stored encrypted with
//!   AES-256-GCM under a key derived (SHA-256, with a label) from `WEBHOOK_SECRET_KEY`, by
//!   default the `JWT_SECRET` (set `WEBHOOK_SECRET_KEY` in production, so that rotating the
//!   JWT key does not make the stored secrets unreadable). The endpoint's id is the
//!   associated data: a ciphertext copied to another row does not decrypt. Never logged.
//! - A target is `https` (also `http` in development and test), resolves, and none of its
//!   addresses is private or loopback unless `WEBHOOK_ALLOW_PRIVATE_TARGETS=true`. Each
//!   delivery resolves and checks again, then connects to the address it checked (pinned:
//!   no second lookup), with a 15 s timeout and no redirects.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::dcv::is_private;

/// The webhooks' settings (`WEBHOOK_*`).
#[derive(Clone)]
pub struct WebhookSettings {
    /// `WEBHOOK_SECRET_KEY`: the key material the secrets are encrypted under (default: the
    /// JWT secret).
    pub secret_key: String,
    /// `WEBHOOK_ALLOW_PRIVATE_TARGETS`: deliver to private and loopback addresses (tests,
    /// local demos). Off by default.
    pub allow_private_targets: bool,
    /// Plain `http` targets are accepted (development and test only).
    pub allow_http: bool,
    /// `WEBHOOK_DISPATCHER`: `on` (default) runs the dispatcher in this process.
    pub dispatcher: bool,
    /// `WEBHOOK_POLL_MS`: how often the dispatcher looks for due deliveries (default 1000).
    pub poll: Duration,
    /// `WEBHOOK_ROTATION_GRACE_HOURS`: how long a rotated-out secret keeps signing (24).
    pub rotation_grace: Duration,
    /// `WEBHOOK_TIMEOUT_SECONDS`: a delivery's longest wait (default 15).
    pub timeout: Duration,
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("secret_key", &"<redacted>")
            .field("allow_private_targets", &self.allow_private_targets)
            .field("allow_http", &self.allow_http)
            .field("dispatcher", &self.dispatcher)
            .field("poll", &self.poll)
            .field("rotation_grace", &self.rotation_grace)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            // only for an `App` built without settings (`App::new`); the service sets it
            secret_key: "certorder-development-webhook-secrets-key".into(),
            allow_private_targets: false,
            allow_http: false,
            dispatcher: true,
            poll: Duration::from_secs(1),
            rotation_grace: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(15),
        }
    }
}

/// What the use cases need: the settings and the secrets' key.
pub struct Webhooks {
    pub settings: WebhookSettings,
    pub secrets: SecretBox,
}

impl Webhooks {
    pub fn new(settings: WebhookSettings) -> Self {
        let secrets = SecretBox::new(&settings.secret_key);
        Webhooks { settings, secrets }
    }
}

/// Encrypts and decrypts endpoints' secrets.
pub struct SecretBox {
    key: LessSafeKey,
}

impl SecretBox {
    pub fn new(material: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"certorder webhook secrets v1\0");
        h.update(material.as_bytes());
        let key = h.finalize();
        SecretBox {
            key: LessSafeKey::new(
                UnboundKey::new(&AES_256_GCM, &key).expect("a 32-byte AES-256 key"),
            ),
        }
    }

    /// `nonce || ciphertext || tag` of `secret`, bound to the endpoint `id`.
    pub fn seal(&self, id: Uuid, secret: &[u8]) -> Vec<u8> {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let mut buf = secret.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(id.as_bytes()),
                &mut buf,
            )
            .expect("AES-GCM seals any short message");
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buf);
        out
    }

    /// The secret's bytes (`None`: not sealed by this key for this endpoint).
    pub fn open(&self, id: Uuid, sealed: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let mut buf = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(
                Nonce::try_assume_unique_for_key(nonce).ok()?,
                Aad::from(id.as_bytes()),
                &mut buf,
            )
            .ok()?
            .to_vec();
        zeroize::Zeroize::zeroize(&mut buf);
        Some(zeroize::Zeroizing::new(plain))
    }
}

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// Not an absolute URL with a host (or it carries credentials).
    Invalid,
    /// Not `https` (outside development and test).
    NotHttps,
    /// The name does not resolve.
    Unresolvable,
    /// It resolves to a private or loopback address.
    Private(IpAddr),
}

/// A checked target: the URL, and the address to connect to.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: url::Url,
    pub host: String,
    pub address: SocketAddr,
}

/// The URL's shape: absolute, http(s), a host, no credentials; `https` unless allowed.
pub fn parse_url(raw: &str, settings: &WebhookSettings) -> Result<url::Url, TargetError> {
    let url = url::Url::parse(raw.trim()).map_err(|_| TargetError::Invalid)?;
    if url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(TargetError::Invalid);
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if settings.allow_http => Ok(url),
        "http" => Err(TargetError::NotHttps),
        _ => Err(TargetError::Invalid),
    }
}

/// Resolves the URL's host and checks its addresses; every address must be public unless
/// private targets are allowed. Returns the first usable one.
pub async fn resolve(url: &url::Url, settings: &WebhookSettings) -> Result<Target, TargetError> {
    let host = url.host_str().ok_or(TargetError::Invalid)?.to_owned();
    let port = url.port_or_known_default().ok_or(TargetError::Invalid)?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::time::timeout(
            Duration::from_secs(5),
            tokio::net::lookup_host((bare, port)),
        )
        .await
        .map_err(|_| TargetError::Unresolvable)?
        .map_err(|_| TargetError::Unresolvable)?
        .collect(),
    };
    let Some(first) = addresses.first().copied() else {
        return Err(TargetError::Unresolvable);
    };
    if !settings.allow_private_targets {
        if let Some(private) = addresses.iter().find(|a| is_private(a.ip())) {
            return Err(TargetError::Private(private.ip()));
        }
    }
    Ok(Target {
        url: url.clone(),
        host: bare.to_owned(),
        address: first,
    })
}

/// What one attempt gave.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The receiver's status, when it answered.
    pub status: Option<u16>,
    /// Why it failed (also set for a non-2xx status).
    pub error: Option<String>,
    /// Its `Retry-After`, in seconds.
    pub retry_after: Option<Duration>,
    pub duration: Duration,
}

impl Attempt {
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

fn failed(error: String, started: Instant) -> Attempt {
    Attempt {
        status: None,
        error: Some(error),
        retry_after: None,
        duration: started.elapsed(),
    }
}

/// POSTs `body` to the target with the Standard Webhooks headers.
pub async fn post(
    settings: &WebhookSettings,
    url: &str,
    event_id: Uuid,
    timestamp: i64,
    signature: &str,
    body: String,
) -> Attempt {
    let started = Instant::now();
    let target = match parse_url(url, settings) {
        Ok(u) => match resolve(&u, settings).await {
            Ok(t) => t,
            Err(e) => return failed(format!("target refused: {e:?}"), started),
        },
        Err(e) => return failed(format!("target refused: {e:?}"), started),
    };
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&target.host, target.address)
        .connect_timeout(settings.timeout)
        .timeout(settings.timeout)
        .no_proxy()
        .user_agent("certorder-webhooks/1")
        .build()
    {
        Ok(c) => c,
        Err(e) => return failed(e.to_string(), started),
    };
    let sent = client
        .post(target.url)
        .header("content-type", "application/json")
        .header("webhook-id", event_id.to_string())
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(res) => {
            let status = res.status().as_u16();
            let retry_after = res
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(crate::domain::webhooks::parse_retry_after);
            // the body is not read: only the status counts
            Attempt {
                status: Some(status),
                error: (!(200..300).contains(&status)).then(|| format!("HTTP {status}")),
                retry_after,
                duration: started.elapsed(),
            }
        }
        Err(e) if e.is_timeout() => failed(
            format!("timed out after {} s", settings.timeout.as_secs()),
            started,
        ),
        Err(e) => failed(format!("connection failed: {e}"), started),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_endpoint() {
        let b = SecretBox::new("one key of at least thirty-two bytes....");
        let (id, other) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = b.seal(id, b"the secret bytes");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(b.open(id, &sealed).unwrap().as_slice(), b"the secret bytes");
        assert!(b.open(other, &sealed).is_none());
        assert!(SecretBox::new("another key").open(id, &sealed).is_none());
        assert!(b.open(id, &sealed[..5]).is_none());
    }

    #[test]
    fn urls_must_be_https_with_a_host_unless_http_is_allowed() {
        let prod = WebhookSettings::default();
        let dev = WebhookSettings {
            allow_http: true,
            ..Default::default()
        };
        assert!(parse_url("https://hooks.example.com/x", &prod).is_ok());
        assert_eq!(
            parse_url("http://hooks.example.com/x", &prod).unwrap_err(),
            TargetError::NotHttps
        );
        assert!(parse_url("http://hooks.example.com/x", &dev).is_ok());
        for bad in [
            "ftp://example.com/",
            "not a url",
            "https://user:pw@example.com/",
            "/relative",
        ] {
            assert_eq!(
                parse_url(bad, &dev).unwrap_err(),
                TargetError::Invalid,
                "{bad}"
            );
        }
    }

    #[actix_web::test]
    async fn loopback_and_private_addresses_are_refused_unless_allowed() {
        let s = WebhookSettings::default();
        for u in [
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://[::1]:8443/",
            "https://localhost/",
        ] {
            let url = parse_url(u, &s).unwrap();
            assert!(
                matches!(resolve(&url, &s).await, Err(TargetError::Private(_))),
                "{u}"
            );
        }
        let allowed = WebhookSettings {
            allow_private_targets: true,
            ..Default::default()
        };
        let url = parse_url("https://127.0.0.1:9/", &allowed).unwrap();
        assert_eq!(
            resolve(&url, &allowed).await.unwrap().address.to_string(),
            "127.0.0.1:9"
        );
        let url = parse_url("https://no-such-name.invalid/", &allowed).unwrap();
        assert_eq!(
            resolve(&url, &allowed).await.unwrap_err(),
            TargetError::Unresolvable
        );
    }
}
