//! Configuration, read from environment variables (a `.env` file is honoured in development).
//! Every variable has a default that works on a developer machine; see the README's table.

use std::path::PathBuf;
use std::time::Duration;

pub use crate::domain::pki::issuance::IssuerMode;
use crate::storage::{Location, StorageSettings, DEFAULT_STORAGE_URL};

/// `CERTORDER_ENV`: what kind of deployment this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// A developer's machine: the development JWT key is allowed, on a loopback address.
    Development,
    /// The test suite: like development.
    Test,
    /// Anything serving real users (the container image's default).
    Production,
}

impl Environment {
    fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Some(Environment::Development),
            "test" => Some(Environment::Test),
            "production" | "prod" => Some(Environment::Production),
            _ => None,
        }
    }

    /// Development settings (the committed JWT key) are allowed.
    pub fn is_development(self) -> bool {
        matches!(self, Environment::Development | Environment::Test)
    }
}

#[derive(Clone)]
pub struct Settings {
    /// `CERTORDER_ENV`: `development` (the default of `cargo run`), `test` or `production`
    /// (the default of the container image).
    pub environment: Environment,
    /// `DATABASE_URL`: the PostgreSQL database; created at start-up when it does not exist.
    pub database_url: String,
    /// `BIND_ADDRESS`: where the HTTP server listens (`127.0.0.1:0` picks a free port).
    pub bind_address: String,
    /// `DATABASE_POOL_SIZE`: connections in the r2d2 pool.
    pub pool_size: u32,
    /// `HTTP_WORKERS`: actix worker threads (default: number of cores).
    pub workers: usize,
    pub jwt: JwtSettings,
    /// `REFRESH_TOKEN_TTL_SECONDS`: how long a person's refresh token lives (default 30 days).
    pub refresh_token_ttl: Duration,
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub log_json: bool,
    /// `LOGIN_MAX_FAILURES`: sign-in failures of one username from one client address before
    /// that pair is locked out (the same username from another address is not).
    pub login_max_failures: u32,
    /// `LOGIN_LOCKOUT_SECONDS`: the first lock-out; it doubles with each further failure.
    pub login_lockout: Duration,
    /// `LOGIN_ADDRESS_MAX_FAILURES`: sign-in failures from one client address, whatever the
    /// usernames, before the address is locked out (default 50).
    pub login_address_max_failures: u32,
    /// `LOGIN_ADDRESS_LOCKOUT_SECONDS`: the address's first lock-out (default 60 s), doubling.
    pub login_address_lockout: Duration,
    /// `LOGIN_FAILURE_WINDOW_SECONDS`: failures older than this are forgotten (default 900).
    pub login_failure_window: Duration,
    /// Requests per minute on the expensive routes (`RATE_LIMIT_*`).
    pub rate_limits: RateLimitSettings,
    /// `HOUSEKEEPING_INTERVAL_SECONDS`: how often expired rows are purged (default 300; 0 off).
    pub housekeeping_interval: Duration,
    /// `HOUSEKEEPING_BATCH`: rows deleted per table and run, at most (default 1000).
    pub housekeeping_batch: u32,
    /// `SCHEDULER_INTERVAL_SECONDS`: how often due jobs (issuance, acceptance deadlines) are
    /// run (default 30; 0 off: then `certorder run-jobs` runs them).
    pub scheduler_interval: Duration,
    /// `RENEWAL_WINDOW_DAYS`: how many days before a certificate of a multi-certificate plan
    /// expires its renewal window opens (default 30).
    pub renewal_window_days: u32,
    /// The clock the service reads: the system's. Not read from the environment; tests put a
    /// clock they move ([`crate::app::ManualClock`]) to run a plan's renewals in seconds.
    pub clock: std::sync::Arc<dyn crate::app::Clock>,
    /// `IDEMPOTENCY_KEY_TTL_HOURS`: how long an `Idempotency-Key`'s answer is kept (default 24).
    pub idempotency_ttl: Duration,
    /// `MAX_BODY_BYTES`: JSON bodies larger than this are refused with 413.
    pub max_body_bytes: usize,
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins (e.g. `https://espace.example.fr`) whose
    /// browser pages may call the API; empty (the default): no cross-origin access.
    pub cors_allowed_origins: Vec<String>,
    /// `PUBLIC_BASE_URL`: the URL clients reach the service at (used in links).
    pub public_base_url: String,
    /// `CATALOG_PATH`: a catalogue JSON file replacing the bundled example catalogue.
    pub catalog_path: Option<String>,
    /// `SERVER_KEYGEN`: `on` (default) or `off`; off answers case 2 with an OpenSSL recipe.
    pub server_keygen: bool,
    /// `KEYGEN_THREADS`: threads generating keys; `KEYGEN_QUEUE`: requests that may wait.
    pub keygen_threads: usize,
    pub keygen_queue: usize,
    /// `PASSWORD_HASH_THREADS`: threads verifying passwords (default: the cores, at most 4;
    /// each holds 19 MiB while busy); `PASSWORD_HASH_QUEUE`: sign-ins that may wait for
    /// them (default 16). Beyond, a sign-in gets 503 with `Retry-After`.
    pub password_hash_threads: usize,
    pub password_hash_queue: usize,
    pub smtp: SmtpConfig,
    /// `OUTBOX_WORKER`: `on` (default) runs the e-mail worker in this process.
    pub outbox_worker: bool,
    /// `OUTBOX_POLL_MS`: how often the worker looks for mail to send.
    pub outbox_poll: Duration,
    /// `OUTBOX_RETRY_BASE_MS`: the first delay after a temporary SMTP failure (default 5 s);
    /// it doubles with each further failure, up to 15 minutes.
    pub outbox_retry_base: Duration,
    /// How certificates are issued (`ISSUER`, `SANDBOX_CA_*`, `TRUST_ANCHORS`).
    pub issuer: IssuerSettings,
    /// Where uploaded justificatifs go (`STORAGE_URL`, `AWS_*`).
    pub storage: StorageSettings,
    /// `UPLOAD_MAX_BYTES`: the largest justificatif accepted (default 10 MiB).
    pub upload_max_bytes: u64,
    /// `UPLOAD_CONCURRENCY`: uploads received at once (each holds its file in memory, up to
    /// `UPLOAD_MAX_BYTES`); the others wait their turn, unread (default 1: the memory bar).
    pub upload_concurrency: usize,
    /// `UPLOAD_TIMEOUT_SECONDS`: the longest a file may take to arrive once its turn came
    /// (default 120); a slower one gets 408, so that one slow client cannot hold the turn.
    pub upload_timeout: Duration,
    /// Domain control checks (`DCV_RESOLVER`, `DCV_ALLOW_PRIVATE_TARGETS`, `DCV_HTTP_PORT`,
    /// `DCV_TIMEOUT_SECONDS`, `DCV_MAX_BYTES`, `DCV_TEST_SUFFIXES`: see `crate::dcv`).
    pub dcv: crate::dcv::DcvSettings,
    /// Signed webhooks (`WEBHOOK_SECRET_KEY`, `WEBHOOK_ALLOW_PRIVATE_TARGETS`,
    /// `WEBHOOK_DISPATCHER`, `WEBHOOK_POLL_MS`, `WEBHOOK_ROTATION_GRACE_HOURS`,
    /// `WEBHOOK_TIMEOUT_SECONDS`: see `crate::webhooks`).
    pub webhooks: crate::webhooks::WebhookSettings,
}

/// How certificates are issued (see `crate::issuer`).
#[derive(Clone, PartialEq, Eq)]
pub struct IssuerSettings {
    /// `ISSUER`: `sandbox` (a local test CA issues on approval; the default in development
    /// and test) or `manual` (an operator uploads the real CA's chain; the default when
    /// `CERTORDER_ENV=production`).
    pub mode: IssuerMode,
    /// `SANDBOX_CA_DIR`: where the sandbox CA is kept (default `./data/sandbox-ca`).
    pub sandbox_ca_dir: PathBuf,
    /// `SANDBOX_CA_PASSPHRASE`: encrypts the sandbox CA's private keys. When unset, in
    /// development and test only, one is generated and kept beside the keys (a 0600 file).
    pub passphrase: Option<String>,
    /// `TRUST_ANCHORS`: PEM files (comma-separated paths) of the roots an uploaded chain
    /// must lead to; in sandbox mode the sandbox's root is trusted too. Manual mode needs at
    /// least one: `crate::issuer::build_issuer` refuses to start without.
    pub trust_anchors: Vec<PathBuf>,
}

impl std::fmt::Debug for IssuerSettings {
    // Written by hand so that the passphrase is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerSettings")
            .field("mode", &self.mode)
            .field("sandbox_ca_dir", &self.sandbox_ca_dir)
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .field("trust_anchors", &self.trust_anchors)
            .finish()
    }
}

impl IssuerSettings {
    fn from_source(src: &Source<'_>, environment: Environment) -> Result<Self, ConfigError> {
        let mode = match src.var("ISSUER") {
            None if environment == Environment::Production => IssuerMode::Manual,
            None => IssuerMode::Sandbox,
            Some(v) => IssuerMode::parse(&v).ok_or(ConfigError::Invalid {
                name: "ISSUER",
                reason: format!("expected sandbox or manual, got {v:?}"),
            })?,
        };
        let passphrase = src.var("SANDBOX_CA_PASSPHRASE");
        if mode == IssuerMode::Sandbox && passphrase.is_none() && !environment.is_development() {
            return Err(ConfigError::Invalid {
                name: "SANDBOX_CA_PASSPHRASE",
                reason: "required for ISSUER=sandbox outside development and test (it \
                         encrypts the sandbox CA's keys)"
                    .into(),
            });
        }
        let trust_anchors: Vec<PathBuf> = src
            .var("TRUST_ANCHORS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            mode,
            sandbox_ca_dir: src
                .var("SANDBOX_CA_DIR")
                .map_or_else(|| PathBuf::from("./data/sandbox-ca"), PathBuf::from),
            passphrase,
            trust_anchors,
        })
    }
}

#[derive(Clone)]
pub struct JwtSettings {
    /// `JWT_SECRET`: the HMAC key signing new tokens (at least 32 bytes).
    pub secret: String,
    /// `JWT_KEY_ID`: the `kid` put in the header of new tokens.
    pub key_id: String,
    /// `JWT_PREVIOUS_KEYS`: older keys still accepted, `kid=secret` separated by commas.
    pub previous_keys: Vec<(String, String)>,
    /// `JWT_ISSUER`, `JWT_AUDIENCE`.
    pub issuer: String,
    pub audience: String,
    /// `TOKEN_TTL_SECONDS`: lifetime of a token.
    pub ttl: Duration,
}

#[derive(Clone)]
pub struct SmtpConfig {
    /// `SMTP_HOST`, `SMTP_PORT` (default 127.0.0.1:1025, Mailpit's).
    pub host: String,
    pub port: u16,
    /// `SMTP_USERNAME`, `SMTP_PASSWORD` (optional), `SMTP_STARTTLS` (`on`/`off`).
    pub username: Option<String>,
    pub password: Option<String>,
    pub starttls: bool,
    /// `MAIL_FROM`: the sender of the service's e-mails.
    pub from: String,
}

impl std::fmt::Debug for Settings {
    // Written by hand so that the JWT secret and SMTP password can never be printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind_address", &self.bind_address)
            .field("pool_size", &self.pool_size)
            .field("workers", &self.workers)
            .field("jwt_key_id", &self.jwt.key_id)
            .field("server_keygen", &self.server_keygen)
            .field("issuer", &self.issuer)
            .field(
                "smtp",
                &format_args!("{}:{}", self.smtp.host, self.smtp.port),
            )
            .field("storage", &self.storage)
            .field("upload_max_bytes", &self.upload_max_bytes)
            .finish_non_exhaustive()
    }
}

/// The development signing key. The service refuses to start with it unless
/// `CERTORDER_ENV` is `development` (the default) or `test`.
///
/// Outside development and test the service also refuses a missing `JWT_SECRET`; everywhere
/// it refuses keys (current or previous) shorter than [`MIN_KEY_BYTES`]; and with
/// development settings it refuses to listen on a non-loopback address unless
/// `ALLOW_DEV_ON_PUBLIC_BIND=on` says that this is meant (the compose file, whose container
/// must listen on 0.0.0.0, publishes the port on the host's loopback only).
pub const DEV_JWT_SECRET: &str = "certorder-development-secret-change-me-0123456789";

/// Requests per minute for one class of expensive route: per client address and per
/// account; 0 is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub per_address: u32,
    pub per_account: u32,
}

/// The rate limits of the expensive routes (`http::rate_limit`).
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    /// `RATE_LIMIT_SIGN_IN_PER_ADDRESS` (default 60/min).
    pub sign_in: Limit,
    /// `RATE_LIMIT_KEYGEN_PER_ADDRESS` (30), `RATE_LIMIT_KEYGEN_PER_ACCOUNT` (10).
    pub keygen: Limit,
    /// `RATE_LIMIT_PDF_PER_ADDRESS` (120), `RATE_LIMIT_PDF_PER_ACCOUNT` (60).
    pub pdf: Limit,
    /// `RATE_LIMIT_CHECKS_PER_ADDRESS` (6000), `RATE_LIMIT_CHECKS_PER_ACCOUNT` (3000): the
    /// stateless CSR and domain checks.
    pub checks: Limit,
    /// `TRUST_X_FORWARDED_FOR`: count clients by the last `X-Forwarded-For` entry (the one
    /// the reverse proxy in front wrote) instead of the TCP peer (default off).
    pub trust_forwarded_for: bool,
}

/// The shortest HMAC key accepted (HS256 wants at least its output size, 32 bytes).
pub const MIN_KEY_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Where settings come from: the process environment, or a map in the unit tests.
struct Source<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Source<'_> {
    fn var(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    fn parse<T: std::str::FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        parse_value(name, self.var(name), default)
    }

    fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        flag_value(name, self.var(name), default)
    }
}

fn parse_value<T: std::str::FromStr>(
    name: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match value {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: format!("{e} ({v:?})"),
        }),
    }
}

fn flag_value(
    name: &'static str,
    value: Option<String>,
    default: bool,
) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("on" | "true" | "1" | "yes") => Ok(true),
        Some("off" | "false" | "0" | "no") => Ok(false),
        Some(other) => Err(ConfigError::Invalid {
            name,
            reason: format!("expected on/off, got {other:?}"),
        }),
    }
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads settings from `lookup` (a variable's value by name), checking the rules of
    /// production-safe defaults (see [`DEV_JWT_SECRET`]).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let src = Source(lookup);
        let environment = match src.var("CERTORDER_ENV") {
            None => Environment::Development,
            Some(v) => Environment::parse(&v).ok_or(ConfigError::Invalid {
                name: "CERTORDER_ENV",
                reason: format!("expected development, test or production, got {v:?}"),
            })?,
        };
        let secret = match src.var("JWT_SECRET") {
            Some(s) => s,
            None if environment.is_development() => DEV_JWT_SECRET.into(),
            None => {
                return Err(ConfigError::Invalid {
                    name: "JWT_SECRET",
                    reason: "required outside development: a random key of at least 32 bytes \
                             (e.g. `openssl rand -base64 48`)"
                        .into(),
                })
            }
        };
        check_key("JWT_SECRET", &secret, environment)?;
        let previous_keys = match src.var("JWT_PREVIOUS_KEYS") {
            None => Vec::new(),
            Some(list) => parse_previous_keys(&list, environment)?,
        };
        let bind_address = src
            .var("BIND_ADDRESS")
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let development_settings = environment.is_development() || secret == DEV_JWT_SECRET;
        if development_settings
            && !is_loopback(&bind_address)
            && !src.flag("ALLOW_DEV_ON_PUBLIC_BIND", false)?
        {
            return Err(ConfigError::Invalid {
                name: "BIND_ADDRESS",
                reason: format!(
                    "{bind_address} is not a loopback address, and development settings \
                     (CERTORDER_ENV={}, the development JWT key is accepted) must not be \
                     reachable from other machines: set CERTORDER_ENV=production and a \
                     JWT_SECRET, or ALLOW_DEV_ON_PUBLIC_BIND=on if this is meant",
                    match environment {
                        Environment::Development => "development",
                        Environment::Test => "test",
                        Environment::Production => "production",
                    }
                ),
            });
        }
        let webhook_key = match src.var("WEBHOOK_SECRET_KEY") {
            Some(k) if k.len() < 32 => {
                return Err(ConfigError::Invalid {
                    name: "WEBHOOK_SECRET_KEY",
                    reason: "at least 32 bytes (e.g. `openssl rand -base64 48`)".into(),
                })
            }
            Some(k) => k,
            None => secret.clone(),
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            environment,
            database_url: src
                .var("DATABASE_URL")
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/certorder".into()),
            bind_address,
            pool_size: src.parse("DATABASE_POOL_SIZE", 16)?,
            workers: src.parse("HTTP_WORKERS", cores)?,
            jwt: JwtSettings {
                secret,
                key_id: src.var("JWT_KEY_ID").unwrap_or_else(|| "k1".into()),
                previous_keys,
                issuer: src.var("JWT_ISSUER").unwrap_or_else(|| "certorder".into()),
                audience: src
                    .var("JWT_AUDIENCE")
                    .unwrap_or_else(|| "certorder-api".into()),
                ttl: Duration::from_secs(src.parse("TOKEN_TTL_SECONDS", 900)?),
            },
            refresh_token_ttl: Duration::from_secs(
                src.parse("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)?,
            ),
            log_json: src
                .var("LOG_FORMAT")
                .is_some_and(|v| v.eq_ignore_ascii_case("json")),
            login_max_failures: src.parse("LOGIN_MAX_FAILURES", 5)?,
            login_lockout: Duration::from_secs(src.parse("LOGIN_LOCKOUT_SECONDS", 30)?),
            login_address_max_failures: src.parse("LOGIN_ADDRESS_MAX_FAILURES", 50)?,
            login_address_lockout: Duration::from_secs(
                src.parse("LOGIN_ADDRESS_LOCKOUT_SECONDS", 60)?,
            ),
            login_failure_window: Duration::from_secs(
                src.parse("LOGIN_FAILURE_WINDOW_SECONDS", 900)?,
            ),
            rate_limits: RateLimitSettings {
                sign_in: Limit {
                    per_address: src.parse("RATE_LIMIT_SIGN_IN_PER_ADDRESS", 60)?,
                    per_account: 0,
                },
                keygen: Limit {
                    per_address: src.parse("RATE_LIMIT_KEYGEN_PER_ADDRESS", 30)?,
                    per_account: src.parse("RATE_LIMIT_KEYGEN_PER_ACCOUNT", 10)?,
                },
                pdf: Limit {
                    per_address: src.parse("RATE_LIMIT_PDF_PER_ADDRESS", 120)?,
                    per_account: src.parse("RATE_LIMIT_PDF_PER_ACCOUNT", 60)?,
                },
                checks: Limit {
                    per_address: src.parse("RATE_LIMIT_CHECKS_PER_ADDRESS", 6000)?,
                    per_account: src.parse("RATE_LIMIT_CHECKS_PER_ACCOUNT", 3000)?,
                },
                trust_forwarded_for: src.flag("TRUST_X_FORWARDED_FOR", false)?,
            },
            housekeeping_interval: Duration::from_secs(
                src.parse("HOUSEKEEPING_INTERVAL_SECONDS", 300)?,
            ),
            housekeeping_batch: src.parse("HOUSEKEEPING_BATCH", 1000)?,
            scheduler_interval: Duration::from_secs(src.parse("SCHEDULER_INTERVAL_SECONDS", 30)?),
            renewal_window_days: src.parse("RENEWAL_WINDOW_DAYS", 30)?,
            clock: std::sync::Arc::new(crate::app::SystemClock),
            idempotency_ttl: Duration::from_secs(
                3600 * src.parse::<u64>("IDEMPOTENCY_KEY_TTL_HOURS", 24)?,
            ),
            max_body_bytes: src.parse("MAX_BODY_BYTES", 64 * 1024)?,
            cors_allowed_origins: src
                .var("CORS_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_owned())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            public_base_url: src
                .var("PUBLIC_BASE_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".into()),
            catalog_path: src.var("CATALOG_PATH"),
            server_keygen: src.flag("SERVER_KEYGEN", true)?,
            keygen_threads: src.parse("KEYGEN_THREADS", 1)?,
            keygen_queue: src.parse("KEYGEN_QUEUE", 8)?,
            password_hash_threads: src.parse("PASSWORD_HASH_THREADS", cores.min(4))?,
            password_hash_queue: src.parse("PASSWORD_HASH_QUEUE", 16)?,
            smtp: SmtpConfig {
                host: src.var("SMTP_HOST").unwrap_or_else(|| "127.0.0.1".into()),
                port: src.parse("SMTP_PORT", 1025)?,
                username: src.var("SMTP_USERNAME"),
                password: src.var("SMTP_PASSWORD"),
                starttls: src.flag("SMTP_STARTTLS", false)?,
                from: src
                    .var("MAIL_FROM")
                    .unwrap_or_else(|| "Certorder <commandes@certorder.localhost>".into()),
            },
            outbox_worker: src.flag("OUTBOX_WORKER", true)?,
            outbox_poll: Duration::from_millis(src.parse("OUTBOX_POLL_MS", 1000)?),
            outbox_retry_base: Duration::from_millis(src.parse("OUTBOX_RETRY_BASE_MS", 5000)?),
            issuer: IssuerSettings::from_source(&src, environment)?,
            storage: storage_settings(&src)?,
            upload_max_bytes: match src.parse("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)? {
                0 => {
                    return Err(ConfigError::Invalid {
                        name: "UPLOAD_MAX_BYTES",
                        reason: "must be at least 1".into(),
                    })
                }
                n => n,
            },
            upload_concurrency: src.parse::<usize>("UPLOAD_CONCURRENCY", 1)?.max(1),
            upload_timeout: Duration::from_secs(src.parse("UPLOAD_TIMEOUT_SECONDS", 120)?.max(1)),
            dcv: crate::dcv::DcvSettings {
                resolver: match src.var("DCV_RESOLVER").as_deref() {
                    None | Some("system") | Some("") => None,
                    Some(v) => Some(v.parse().map_err(|_| ConfigError::Invalid {
                        name: "DCV_RESOLVER",
                        reason: format!("expected system or ip:port, got {v:?}"),
                    })?),
                },
                allow_private_targets: src.flag("DCV_ALLOW_PRIVATE_TARGETS", false)?,
                http_port: src.parse("DCV_HTTP_PORT", 80)?,
                timeout: Duration::from_secs(src.parse("DCV_TIMEOUT_SECONDS", 5)?.max(1)),
                max_bytes: src.parse("DCV_MAX_BYTES", 4096)?,
                test_suffixes: src
                    .var("DCV_TEST_SUFFIXES")
                    .unwrap_or_else(|| match environment {
                        Environment::Production => String::new(),
                        _ => "certorder-test".into(),
                    })
                    .split(',')
                    .map(|s| s.trim().trim_start_matches('.').to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect(),
            },
            webhooks: crate::webhooks::WebhookSettings {
                secret_key: webhook_key,
                allow_private_targets: src.flag("WEBHOOK_ALLOW_PRIVATE_TARGETS", false)?,
                allow_http: environment.is_development(),
                dispatcher: src.flag("WEBHOOK_DISPATCHER", true)?,
                poll: Duration::from_millis(src.parse("WEBHOOK_POLL_MS", 1000)?.max(10)),
                rotation_grace: Duration::from_secs(
                    3600 * src.parse::<u64>("WEBHOOK_ROTATION_GRACE_HOURS", 24)?,
                ),
                timeout: Duration::from_secs(src.parse("WEBHOOK_TIMEOUT_SECONDS", 15)?.max(1)),
            },
        })
    }
}

/// `STORAGE_URL` (checked now; the store itself is built on first use) and the `AWS_*`
/// variables an S3-compatible store takes.
fn storage_settings(src: &Source<'_>) -> Result<StorageSettings, ConfigError> {
    let url = src
        .var("STORAGE_URL")
        .unwrap_or_else(|| DEFAULT_STORAGE_URL.into());
    Location::parse(&url).map_err(|reason| ConfigError::Invalid {
        name: "STORAGE_URL",
        reason,
    })?;
    Ok(StorageSettings {
        url,
        access_key_id: src.var("AWS_ACCESS_KEY_ID"),
        secret_access_key: src.var("AWS_SECRET_ACCESS_KEY"),
        session_token: src.var("AWS_SESSION_TOKEN"),
        region: src
            .var("AWS_REGION")
            .or_else(|| src.var("AWS_DEFAULT_REGION")),
        endpoint: src
            .var("AWS_ENDPOINT_URL_S3")
            .or_else(|| src.var("AWS_ENDPOINT_URL")),
        allow_http: src.flag("AWS_ALLOW_HTTP", false)?,
    })
}

/// A key is long enough, and the development key only in development.
fn check_key(
    name: &'static str,
    secret: &str,
    environment: Environment,
) -> Result<(), ConfigError> {
    if secret.len() < MIN_KEY_BYTES {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("each key must be at least {MIN_KEY_BYTES} bytes"),
        });
    }
    if secret == DEV_JWT_SECRET && !environment.is_development() {
        return Err(ConfigError::Invalid {
            name,
            reason: "the development key cannot be used outside development".into(),
        });
    }
    Ok(())
}

/// `kid=secret,kid=secret`: every kid named, every secret a real key.
fn parse_previous_keys(
    list: &str,
    environment: Environment,
) -> Result<Vec<(String, String)>, ConfigError> {
    const NAME: &str = "JWT_PREVIOUS_KEYS";
    list.split(',')
        .map(|pair| {
            let (kid, secret) = pair
                .split_once('=')
                .map(|(k, s)| (k.trim().to_owned(), s.trim().to_owned()))
                .ok_or(ConfigError::Invalid {
                    name: NAME,
                    reason: "expected kid=secret,kid=secret".into(),
                })?;
            if kid.is_empty() {
                return Err(ConfigError::Invalid {
                    name: NAME,
                    reason: "a key without its kid".into(),
                });
            }
            if secret.is_empty() {
                return Err(ConfigError::Invalid {
                    name: NAME,
                    reason: format!("kid {kid:?} has no secret"),
                });
            }
            check_key(NAME, &secret, environment).map_err(|e| match e {
                ConfigError::Invalid { reason, .. } => ConfigError::Invalid {
                    name: NAME,
                    reason: format!("kid {kid:?}: {reason}"),
                },
            })?;
            Ok((kid, secret))
        })
        .collect()
}

/// `host:port` names a loopback address (`127.0.0.0/8`, `::1`, `localhost`).
fn is_loopback(bind_address: &str) -> bool {
    if let Ok(addr) = bind_address.parse::<std::net::SocketAddr>() {
        return addr.ip().is_loopback();
    }
    let host = bind_address
        .rsplit_once(':')
        .map_or(bind_address, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<unparseable url>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "a-real-production-key-of-forty-bytes-0123";

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, String> {
        let map: std::collections::HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(&|name| map.get(name).cloned()).map_err(|e| e.to_string())
    }

    #[test]
    fn development_is_the_default_and_runs_on_loopback_with_the_development_key() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.jwt.secret, DEV_JWT_SECRET);
        assert_eq!(s.bind_address, "127.0.0.1:8080");
    }

    #[test]
    fn the_issuer_is_the_sandbox_in_development_and_test_and_manual_in_production() {
        let dev = settings(&[]).unwrap().issuer;
        assert_eq!(dev.mode, IssuerMode::Sandbox);
        assert_eq!(dev.sandbox_ca_dir, PathBuf::from("./data/sandbox-ca"));
        assert_eq!(dev.passphrase, None, "generated and kept in the directory");
        assert!(dev.trust_anchors.is_empty());
        let test = settings(&[("CERTORDER_ENV", "test")]).unwrap().issuer;
        assert_eq!(test.mode, IssuerMode::Sandbox);

        let prod = |extra: &[(&'static str, &'static str)]| {
            let mut vars = vec![("CERTORDER_ENV", "production"), ("JWT_SECRET", KEY)];
            vars.extend_from_slice(extra);
            settings(&vars).map(|s| s.issuer)
        };
        assert_eq!(prod(&[]).unwrap().mode, IssuerMode::Manual);
        let manual = prod(&[("TRUST_ANCHORS", "/etc/certorder/roots.pem, /etc/ca2.pem")]).unwrap();
        assert_eq!(manual.mode, IssuerMode::Manual);
        assert_eq!(
            manual.trust_anchors,
            [
                PathBuf::from("/etc/certorder/roots.pem"),
                PathBuf::from("/etc/ca2.pem")
            ]
        );
        // a sandbox in production needs its passphrase given, and never prints it
        let e = prod(&[("ISSUER", "sandbox")]).unwrap_err();
        assert!(e.starts_with("SANDBOX_CA_PASSPHRASE: required"), "{e}");
        let sandbox = prod(&[
            ("ISSUER", "Sandbox"),
            ("SANDBOX_CA_PASSPHRASE", "hunter2-correct-horse"),
            ("SANDBOX_CA_DIR", "/var/lib/certorder/ca"),
        ])
        .unwrap();
        assert_eq!(sandbox.mode, IssuerMode::Sandbox);
        assert_eq!(
            sandbox.sandbox_ca_dir,
            PathBuf::from("/var/lib/certorder/ca")
        );
        assert_eq!(sandbox.passphrase.as_deref(), Some("hunter2-correct-horse"));
        let shown = format!("{sandbox:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("<redacted>"),
            "{shown}"
        );
        let e = prod(&[("ISSUER", "acme")]).unwrap_err();
        assert!(e.starts_with("ISSUER: expected sandbox or manual"), "{e}");
    }

    #[test]
    fn production_without_a_jwt_secret_is_refused() {
        let e = settings(&[("CERTORDER_ENV", "production")]).unwrap_err();
        assert!(
            e.starts_with("JWT_SECRET: required outside development"),
            "{e}"
        );
    }

    #[test]
    fn production_with_the_development_key_is_refused() {
        let e = settings(&[
            ("CERTORDER_ENV", "production"),
            ("JWT_SECRET", DEV_JWT_SECRET),
        ])
        .unwrap_err();
        assert!(e.contains("development key cannot be used"), "{e}");
    }

    #[test]
    fn a_jwt_secret_shorter_than_32_bytes_is_refused_everywhere() {
        for env in ["development", "production"] {
            let e = settings(&[("CERTORDER_ENV", env), ("JWT_SECRET", "too-short")]).unwrap_err();
            assert!(e.contains("at least 32 bytes"), "{env}: {e}");
        }
    }

    #[test]
    fn previous_keys_that_are_short_empty_unnamed_or_the_development_key_are_refused() {
        let prod = |list: &str| {
            settings(&[
                ("CERTORDER_ENV", "production"),
                ("JWT_SECRET", KEY),
                ("JWT_PREVIOUS_KEYS", list),
            ])
        };
        for (list, why) in [
            ("k0=short", "at least 32 bytes"),
            ("k0=", "has no secret"),
            (&format!("={KEY}")[..], "without its kid"),
            ("k0", "expected kid=secret"),
            (&format!("k0={DEV_JWT_SECRET}")[..], "development key"),
            (&format!("k0={KEY},k1=short")[..], "kid \"k1\""),
        ] {
            let e = prod(list).unwrap_err();
            assert!(
                e.starts_with("JWT_PREVIOUS_KEYS") && e.contains(why),
                "{list}: {e}"
            );
        }
        let ok = prod(&format!("k0={KEY}, k1={KEY}x")).unwrap();
        assert_eq!(ok.jwt.previous_keys.len(), 2);
    }

    #[test]
    fn development_settings_on_a_public_address_are_refused_unless_explicitly_allowed() {
        for addr in ["0.0.0.0:8080", "[::]:8080", "192.0.2.10:80"] {
            let e = settings(&[("BIND_ADDRESS", addr)]).unwrap_err();
            assert!(
                e.starts_with("BIND_ADDRESS") && e.contains("not a loopback"),
                "{e}"
            );
            let allowed = settings(&[("BIND_ADDRESS", addr), ("ALLOW_DEV_ON_PUBLIC_BIND", "on")]);
            assert!(allowed.is_ok(), "{addr}");
        }
        for addr in [
            "127.0.0.1:0",
            "[::1]:8080",
            "localhost:8080",
            "127.0.1.1:8080",
        ] {
            assert!(settings(&[("BIND_ADDRESS", addr)]).is_ok(), "{addr}");
        }
    }

    #[test]
    fn production_with_a_real_key_may_listen_on_every_address() {
        let s = settings(&[
            ("CERTORDER_ENV", "production"),
            ("JWT_SECRET", KEY),
            ("BIND_ADDRESS", "0.0.0.0:8080"),
        ])
        .unwrap();
        assert_eq!(s.environment, Environment::Production);
    }

    #[test]
    fn uploads_default_to_a_local_directory_and_10_mib_and_s3_secrets_stay_out_of_debug() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.storage.url, DEFAULT_STORAGE_URL);
        assert_eq!(s.upload_max_bytes, 10 * 1024 * 1024);
        let s3 = settings(&[
            ("STORAGE_URL", "s3://justificatifs/prod"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "very-secret-access-key"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
            ("AWS_ALLOW_HTTP", "true"),
        ])
        .unwrap();
        assert!(s3.storage.allow_http);
        assert_eq!(
            s3.storage.endpoint.as_deref(),
            Some("http://127.0.0.1:9000")
        );
        let debug = format!("{s3:?}");
        assert!(debug.contains("s3://justificatifs/prod"), "{debug}");
        assert!(!debug.contains("very-secret"), "{debug}");
        let e = settings(&[("STORAGE_URL", "ftp://x/y")]).unwrap_err();
        assert!(e.starts_with("STORAGE_URL"), "{e}");
        let e = settings(&[("UPLOAD_MAX_BYTES", "0")]).unwrap_err();
        assert!(e.starts_with("UPLOAD_MAX_BYTES"), "{e}");
    }

    #[test]
    fn an_unknown_environment_name_is_refused() {
        let e = settings(&[("CERTORDER_ENV", "staging")]).unwrap_err();
        assert!(e.starts_with("CERTORDER_ENV"), "{e}");
    }
}
