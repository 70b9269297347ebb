//! Money: the currencies prices are given in.

use serde::{Deserialize, Serialize};

/// The currencies the catalogue may be priced in (only the euro today).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Currency {
    #[default]
    #[serde(rename = "EUR")]
    Eur,
}

impl Currency {
    /// ISO 4217 code.
    pub fn as_str(self) -> &'static str {
        match self {
            Currency::Eur => "EUR",
        }
    }
}
