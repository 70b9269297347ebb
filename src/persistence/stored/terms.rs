//! `orders.terms`: the CGU accepted at step 15.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{check_version, unversioned, Invalid, CURRENT};
use crate::domain::order::TermsAcceptance;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredTerms {
    #[serde(default = "unversioned")]
    pub(crate) v: u32,
    pub(crate) version: String,
    pub(crate) accepted_by: Uuid,
    pub(crate) accepted_at: DateTime<Utc>,
    pub(crate) client_address: Option<String>,
}

impl From<&TermsAcceptance> for StoredTerms {
    fn from(t: &TermsAcceptance) -> Self {
        StoredTerms {
            v: CURRENT,
            version: t.version.clone(),
            accepted_by: t.accepted_by,
            accepted_at: t.accepted_at,
            client_address: t.client_address.clone(),
        }
    }
}

impl TryFrom<StoredTerms> for TermsAcceptance {
    type Error = Invalid;

    fn try_from(s: StoredTerms) -> Result<Self, Invalid> {
        check_version(s.v)?;
        Ok(TermsAcceptance {
            version: s.version,
            accepted_by: s.accepted_by,
            accepted_at: s.accepted_at,
            client_address: s.client_address,
        })
    }
}
