//! `orders.csr`: the verified CSR of the order, what decoding it found and its names.

use serde::{Deserialize, Serialize};

use super::{check_version, stored_enum, unversioned, Invalid, CURRENT};
use crate::domain::order::{CsrOrigin, CsrRecord};
use crate::domain::pki::csr::{CsrDetails, KeyDetails};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredCsr {
    #[serde(default = "unversioned")]
    pub(crate) v: u32,
    pub(crate) origin: StoredCsrOrigin,
    pub(crate) details: StoredCsrDetails,
    pub(crate) names: Vec<String>,
}

stored_enum! {
    StoredCsrOrigin <=> CsrOrigin { Pasted = "pasted", Generated = "generated" }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredCsrDetails {
    pub(crate) subject: String,
    pub(crate) common_name: Option<String>,
    pub(crate) dns_names: Vec<String>,
    pub(crate) key: StoredKey,
    pub(crate) signature_algorithm: String,
    pub(crate) public_key_sha256: String,
    pub(crate) pem: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredKey {
    pub(crate) algorithm: String,
    pub(crate) bits: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) curve: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) exponent: Option<u64>,
}

impl From<&CsrRecord> for StoredCsr {
    fn from(c: &CsrRecord) -> Self {
        let d = &c.details;
        StoredCsr {
            v: CURRENT,
            origin: c.origin.into(),
            details: StoredCsrDetails {
                subject: d.subject.clone(),
                common_name: d.common_name.clone(),
                dns_names: d.dns_names.clone(),
                key: StoredKey {
                    algorithm: d.key.algorithm.clone(),
                    bits: d.key.bits,
                    curve: d.key.curve.clone(),
                    exponent: d.key.exponent,
                },
                signature_algorithm: d.signature_algorithm.clone(),
                public_key_sha256: d.public_key_sha256.clone(),
                pem: d.pem.clone(),
            },
            names: c.names.clone(),
        }
    }
}

impl TryFrom<StoredCsr> for CsrRecord {
    type Error = Invalid;

    fn try_from(s: StoredCsr) -> Result<Self, Invalid> {
        check_version(s.v)?;
        let d = s.details;
        Ok(CsrRecord {
            origin: s.origin.into(),
            details: CsrDetails {
                subject: d.subject,
                common_name: d.common_name,
                dns_names: d.dns_names,
                key: KeyDetails {
                    algorithm: d.key.algorithm,
                    bits: d.key.bits,
                    curve: d.key.curve,
                    exponent: d.key.exponent,
                },
                signature_algorithm: d.signature_algorithm,
                public_key_sha256: d.public_key_sha256,
                pem: d.pem,
            },
            names: s.names,
        })
    }
}
