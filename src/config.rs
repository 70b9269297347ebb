//! Configuration, read from environment variables (a `.env` file is honoured in development).
//! Every variable has a default that works on a developer machine; see the README's table.

use std::time::Duration;

#[derive(Clone)]
pub struct Settings {
    /// `DATABASE_URL`: the PostgreSQL database; created at start-up when it does not exist.
    pub database_url: String,
    /// `BIND_ADDRESS`: where the HTTP server listens (`127.0.0.1:0` picks a free port).
    pub bind_address: String,
    /// `DATABASE_POOL_SIZE`: connections in the r2d2 pool.
    pub pool_size: u32,
    /// `HTTP_WORKERS`: actix worker threads (default: number of cores).
    pub workers: usize,
    pub jwt: JwtSettings,
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub log_json: bool,
    /// `LOGIN_MAX_FAILURES`: consecutive sign-in failures before a username is locked out.
    pub login_max_failures: u32,
    /// `LOGIN_LOCKOUT_SECONDS`: the first lock-out; it doubles with each further failure.
    pub login_lockout: Duration,
    /// `MAX_BODY_BYTES`: JSON bodies larger than this are refused with 413.
    pub max_body_bytes: usize,
    /// `PUBLIC_BASE_URL`: the URL clients reach the service at (used in links).
    pub public_base_url: String,
    /// `CATALOG_PATH`: a catalogue JSON file replacing the bundled example catalogue.
    pub catalog_path: Option<String>,
    /// `SERVER_KEYGEN`: `on` (default) or `off`; off answers case 2 with an OpenSSL recipe.
    pub server_keygen: bool,
    /// `KEYGEN_THREADS`: threads generating keys; `KEYGEN_QUEUE`: requests that may wait.
    pub keygen_threads: usize,
    pub keygen_queue: usize,
    pub smtp: SmtpConfig,
    /// `OUTBOX_WORKER`: `on` (default) runs the e-mail worker in this process.
    pub outbox_worker: bool,
    /// `OUTBOX_POLL_MS`: how often the worker looks for mail to send.
    pub outbox_poll: Duration,
    /// `OUTBOX_RETRY_BASE_MS`: the first delay after a temporary SMTP failure (default 5 s);
    /// it doubles with each further failure, up to 15 minutes.
    pub outbox_retry_base: Duration,
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
            .field(
                "smtp",
                &format_args!("{}:{}", self.smtp.host, self.smtp.port),
            )
            .finish_non_exhaustive()
    }
}

/// The development signing key. The service refuses to start with it unless
/// `CERTORDER_ENV` is `development` (the default) or `test`.
pub const DEV_JWT_SECRET: &str = "certorder-development-secret-change-me-0123456789";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: format!("{e} ({v:?})"),
        }),
    }
}

fn flag(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
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
    pub fn from_env() -> Result<Self, ConfigError> {
        let environment = var("CERTORDER_ENV").unwrap_or_else(|| "development".into());
        let secret = var("JWT_SECRET").unwrap_or_else(|| DEV_JWT_SECRET.into());
        if secret.len() < 32 {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: "must be at least 32 bytes".into(),
            });
        }
        if secret == DEV_JWT_SECRET && !matches!(environment.as_str(), "development" | "test") {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: "the development key cannot be used outside development".into(),
            });
        }
        let previous_keys = match var("JWT_PREVIOUS_KEYS") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|pair| {
                    pair.split_once('=')
                        .map(|(k, s)| (k.trim().to_owned(), s.trim().to_owned()))
                        .ok_or(ConfigError::Invalid {
                            name: "JWT_PREVIOUS_KEYS",
                            reason: "expected kid=secret,kid=secret".into(),
                        })
                })
                .collect::<Result<_, _>>()?,
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/certorder".into()),
            bind_address: var("BIND_ADDRESS").unwrap_or_else(|| "127.0.0.1:8080".into()),
            pool_size: parse("DATABASE_POOL_SIZE", 16)?,
            workers: parse("HTTP_WORKERS", cores)?,
            jwt: JwtSettings {
                secret,
                key_id: var("JWT_KEY_ID").unwrap_or_else(|| "k1".into()),
                previous_keys,
                issuer: var("JWT_ISSUER").unwrap_or_else(|| "certorder".into()),
                audience: var("JWT_AUDIENCE").unwrap_or_else(|| "certorder-api".into()),
                ttl: Duration::from_secs(parse("TOKEN_TTL_SECONDS", 900)?),
            },
            log_json: var("LOG_FORMAT").is_some_and(|v| v.eq_ignore_ascii_case("json")),
            login_max_failures: parse("LOGIN_MAX_FAILURES", 5)?,
            login_lockout: Duration::from_secs(parse("LOGIN_LOCKOUT_SECONDS", 30)?),
            max_body_bytes: parse("MAX_BODY_BYTES", 64 * 1024)?,
            public_base_url: var("PUBLIC_BASE_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".into()),
            catalog_path: var("CATALOG_PATH"),
            server_keygen: flag("SERVER_KEYGEN", true)?,
            keygen_threads: parse("KEYGEN_THREADS", 1)?,
            keygen_queue: parse("KEYGEN_QUEUE", 8)?,
            smtp: SmtpConfig {
                host: var("SMTP_HOST").unwrap_or_else(|| "127.0.0.1".into()),
                port: parse("SMTP_PORT", 1025)?,
                username: var("SMTP_USERNAME"),
                password: var("SMTP_PASSWORD"),
                starttls: flag("SMTP_STARTTLS", false)?,
                from: var("MAIL_FROM")
                    .unwrap_or_else(|| "Certorder <commandes@certorder.localhost>".into()),
            },
            outbox_worker: flag("OUTBOX_WORKER", true)?,
            outbox_poll: Duration::from_millis(parse("OUTBOX_POLL_MS", 1000)?),
            outbox_retry_base: Duration::from_millis(parse("OUTBOX_RETRY_BASE_MS", 5000)?),
        })
    }
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
