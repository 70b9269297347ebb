//! A problem with one field of a request: where it is (a JSON pointer into the request
//! body), which rule it breaks (a stable machine code) and a message in French and English.
//!
//! Every validator of the domain layer reports its findings as a list of `FieldIssue`s so
//! that a caller sees every problem at once, not only the first.

use serde::{Deserialize, Serialize};

pub use super::code::Code;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    /// JSON pointer (RFC 6901) to the offending value, e.g. `/additional_domains/2`.
    pub pointer: String,
    /// Stable machine-readable code, e.g. `fqdn_incomplete`.
    pub code: Code,
    pub message_fr: String,
    pub message_en: String,
}

impl FieldIssue {
    pub fn new(
        pointer: impl Into<String>,
        code: Code,
        message_fr: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            pointer: pointer.into(),
            code,
            message_fr: message_fr.into(),
            message_en: message_en.into(),
        }
    }

    /// The same issue, re-pointed (e.g. a name checked alone, then reported inside a list).
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = pointer.into();
        self
    }

    /// The message in the language asked for (`en`, anything else means French).
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.message_en,
            Lang::Fr => &self.message_fr,
        }
    }
}

/// The two languages the service answers in. French is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}
