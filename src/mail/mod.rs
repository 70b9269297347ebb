//! The order e-mail (French, with the PDF form attached) and the SMTP sender the outbox
//! worker uses.

mod message;
mod smtp;

pub use message::{build_order_email, order_email_subject, pdf_file_name};
pub use smtp::{Mailer, SmtpSettings};

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
