//! Sending through SMTP with lettre's blocking transport (called from a blocking worker
//! thread, never from an async task directly).

use std::fmt;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

/// A message could not be built or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A sender or recipient address is not a valid mailbox.
    #[error("invalid e-mail address `{address}`: {reason}")]
    Address { address: String, reason: String },
    /// The message could not be assembled.
    #[error("the e-mail could not be built: {0}")]
    Build(String),
    /// The SMTP settings cannot be used.
    #[error("invalid SMTP settings: {0}")]
    Config(String),
    /// Worth retrying later: the server could not be reached, timed out, or answered 4xx.
    #[error("temporary SMTP failure: {0}")]
    Transient(String),
    /// Retrying will not help: the server answered 5xx or refused the message.
    #[error("permanent SMTP failure: {0}")]
    Permanent(String),
}

impl MailError {
    /// True when the outbox worker should retry (with back-off).
    pub fn is_transient(&self) -> bool {
        matches!(self, MailError::Transient(_))
    }
}

/// Where and how to send. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Upgrade the connection with STARTTLS (false for Mailpit / local sinks). Needs a TLS
    /// feature of lettre, which this build does not enable: `true` is refused by
    /// [`Mailer::new`].
    pub starttls: bool,
    /// Connect and per-command timeout.
    pub timeout: Duration,
}

impl Default for SmtpSettings {
    /// A local Mailpit: `localhost:1025`, no authentication, no TLS, 10 s timeout.
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 1025,
            username: None,
            password: None,
            starttls: false,
            timeout: Duration::from_secs(10),
        }
    }
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("starttls", &self.starttls)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A configured SMTP sender. Each `send` opens a connection, delivers and closes it.
#[derive(Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    host: String,
    port: u16,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    pub fn new(settings: &SmtpSettings) -> Result<Self, MailError> {
        if settings.host.trim().is_empty() {
            return Err(MailError::Config("empty SMTP host".into()));
        }
        if settings.starttls {
            return Err(MailError::Config(
                "STARTTLS requested but this build has no TLS support for SMTP \
                 (enable a TLS feature of lettre, e.g. `rustls-tls`)"
                    .into(),
            ));
        }
        let mut builder = SmtpTransport::builder_dangerous(settings.host.as_str())
            .port(settings.port)
            .timeout(Some(settings.timeout));
        match (&settings.username, &settings.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
            (None, None) => {}
            _ => {
                return Err(MailError::Config(
                    "SMTP username and password must be given together".into(),
                ))
            }
        }
        Ok(Self {
            transport: builder.build(),
            host: settings.host.clone(),
            port: settings.port,
        })
    }

    /// Sends one message. `Err(e)` with `e.is_transient()` means "try again later".
    pub fn send(&self, message: &Message) -> Result<(), MailError> {
        self.transport.send(message).map(|_| ()).map_err(classify)
    }
}

/// 5xx replies and client-side refusals are permanent; 4xx replies, connection, network,
/// timeout and garbled-response errors are transient.
fn classify(err: lettre::transport::smtp::Error) -> MailError {
    let text = describe(&err);
    if err.is_permanent() || err.is_client() {
        MailError::Permanent(text)
    } else {
        MailError::Transient(text)
    }
}

fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let settings = SmtpSettings {
            username: Some("robot".into()),
            password: Some("s3cr3t-p4ss".into()),
            ..SmtpSettings::default()
        };
        let shown = format!("{settings:?} {settings:#?}");
        assert!(!shown.contains("s3cr3t-p4ss"), "{shown}");
        assert!(shown.contains("robot"));
        let mailer = Mailer::new(&settings).unwrap();
        assert!(!format!("{mailer:?}").contains("s3cr3t-p4ss"));
    }

    #[test]
    fn bad_settings_are_refused() {
        let starttls = SmtpSettings {
            starttls: true,
            ..SmtpSettings::default()
        };
        assert!(matches!(Mailer::new(&starttls), Err(MailError::Config(_))));
        let half = SmtpSettings {
            username: Some("robot".into()),
            ..SmtpSettings::default()
        };
        assert!(matches!(Mailer::new(&half), Err(MailError::Config(_))));
    }
}
