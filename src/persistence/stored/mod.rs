//! The JSON documents persistence stores, owned here: one module per JSONB document of
//! `orders` (`csr`, `holder`, `payment`, `terms`, `submitted`, `life`, `additional_domains`).
//!
//! Each type mirrors, field for field, the JSON the service has always written, so rows
//! already stored read back; its serde names are spelled out here and nowhere else, so
//! renaming a field of the domain (or of an API DTO) cannot change what is stored. Every
//! document object carries a version, `"v": 1`, written on save; a document without one
//! (written before this module existed) is version 1. A future change of shape is a new
//! version read beside the old one, never an edit of version 1.
//!
//! Conversions: `From<&Domain> for Stored` (saving cannot fail) and
//! `TryFrom<Stored> for Domain` (reading checks the version and the value types that only
//! exist valid, such as an e-mail address).

pub(crate) mod csr;
pub(crate) mod domains;
pub(crate) mod holder;
pub(crate) mod life;
pub(crate) mod payment;
pub(crate) mod submission;
pub(crate) mod terms;

#[cfg(test)]
pub(crate) mod fixtures;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::DbError;

/// The version this code writes.
pub(crate) const CURRENT: u32 = 1;

/// A document's version when it has none: it was written before versions were.
pub(crate) fn unversioned() -> u32 {
    1
}

/// A stored value that does not make a domain value.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Invalid(pub(crate) String);

/// Refuses a document written by a version of the code that knows a later shape.
pub(crate) fn check_version(v: u32) -> Result<(), Invalid> {
    if v == CURRENT {
        Ok(())
    } else {
        Err(Invalid(format!("unknown document version {v}")))
    }
}

/// A domain newtype back from its stored string (`Email`, `Phone`, `CountryCode`).
pub(crate) fn parse<T: TryFrom<String>>(what: &str, value: String) -> Result<T, Invalid> {
    T::try_from(value.clone()).map_err(|_| Invalid(format!("{what}: invalid value {value:?}")))
}

/// Reads the JSON of `orders.<column>` into its domain value through the stored type `S`.
pub(crate) fn read<S, D>(column: &str, value: serde_json::Value) -> Result<D, DbError>
where
    S: DeserializeOwned,
    D: TryFrom<S, Error = Invalid>,
{
    let stored: S = serde_json::from_value(value)
        .map_err(|e| DbError::Corrupt(format!("orders.{column}: {e}")))?;
    D::try_from(stored).map_err(|e| DbError::Corrupt(format!("orders.{column}: {e}")))
}

/// The JSON a domain value is stored as, through the stored type `S`.
pub(crate) fn write<S, D>(value: &D) -> Result<serde_json::Value, DbError>
where
    S: Serialize + for<'a> From<&'a D>,
{
    serde_json::to_value(S::from(value)).map_err(|e| DbError::Corrupt(e.to_string()))
}

/// A stored enum of plain strings and its two-way mapping to the domain's enum of the same
/// variants. The wire names are spelled here, not taken from the domain's serde attributes.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident <=> $domain:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub(crate) enum $name {
            $(#[serde(rename = $wire)] $variant),+
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $($domain::$variant => $name::$variant),+
                }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $domain::$variant),+
                }
            }
        }
    };
}
pub(crate) use stored_enum;
