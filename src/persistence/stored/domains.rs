//! `orders.additional_domains`: the names added beyond the primary FQDN, a JSON array of
//! strings. An array has no room for a `"v"`: version 1 is the bare array, and a later shape
//! would be an object carrying `"v": 2` (an array still reading as version 1).

use serde::{Deserialize, Serialize};

use super::Invalid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct StoredDomains(pub(crate) Vec<String>);

impl From<&Vec<String>> for StoredDomains {
    fn from(names: &Vec<String>) -> Self {
        StoredDomains(names.clone())
    }
}

impl TryFrom<StoredDomains> for Vec<String> {
    type Error = Invalid;

    fn try_from(s: StoredDomains) -> Result<Self, Invalid> {
        Ok(s.0)
    }
}
