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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pki::csr::decode_csr;

    fn decoded(name: &str) -> CsrRecord {
        let pem = std::fs::read_to_string(format!(
            "{}/tests/fixtures/csr/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        CsrRecord {
            origin: CsrOrigin::Pasted,
            details: decode_csr(&pem, "/csr_pem").details.unwrap(),
            names: vec!["www.certigna.fr".into()],
        }
    }

    #[test]
    fn an_rsa_key_is_stored_with_its_exponent_and_an_ec_key_with_its_curve_only() {
        let rsa = serde_json::to_value(StoredCsr::from(&decoded("rsa2048_ok.pem"))).unwrap();
        assert_eq!(rsa["key"], serde_json::Value::Null,);
        assert_eq!(rsa["details"]["key"]["exponent"], 65537);
        assert!(rsa["details"]["key"].get("curve").is_none());
        let ec = serde_json::to_value(StoredCsr::from(&decoded("ec_p256_ok.pem"))).unwrap();
        assert_eq!(ec["details"]["key"]["curve"], "P-256");
        assert!(ec["details"]["key"].get("exponent").is_none());
        for record in [rsa, ec] {
            let back =
                CsrRecord::try_from(serde_json::from_value::<StoredCsr>(record.clone()).unwrap());
            assert_eq!(
                serde_json::to_value(StoredCsr::from(&back.unwrap())).unwrap(),
                record
            );
        }
    }
}
