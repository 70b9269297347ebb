//! The download formats of an issued certificate (`GET /orders/{id}/certificate`), chosen by
//! a query value (`format=pem|chain|pkcs7|der`) or by the `Accept` header:
//!
//! | format  | media type                          | content                                 |
//! |---------|-------------------------------------|-----------------------------------------|
//! | `pem`   | `application/x-pem-file`            | the leaf, PEM                           |
//! | `chain` | `application/pem-certificate-chain` | the leaf then the intermediates, PEM (RFC 8555 §9.1) |
//! | `pkcs7` | `application/pkcs7-mime`            | PKCS#7 certs-only SignedData, DER (RFC 5652, `.p7b`) |
//! | `der`   | `application/pkix-cert`             | the leaf, DER (RFC 2585)                |
//!
//! The chain never holds the root. The PKCS#7 is made with RustCrypto's `cms`.

use cms::cert::x509::der::{Decode, Encode};
use cms::content_info::ContentInfo;

use super::csr::to_pem;

/// One download format (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateFormat {
    PemLeaf,
    PemChain,
    Pkcs7,
    DerLeaf,
}

impl CertificateFormat {
    pub const ALL: [CertificateFormat; 4] = [
        CertificateFormat::PemLeaf,
        CertificateFormat::PemChain,
        CertificateFormat::Pkcs7,
        CertificateFormat::DerLeaf,
    ];

    /// What is sent when neither the query nor `Accept` asks for a format (or `Accept` is
    /// `*/*`): the PEM chain, what a server's configuration wants.
    pub const DEFAULT: CertificateFormat = CertificateFormat::PemChain;

    /// The query value: `pem`, `chain`, `pkcs7`, `der`.
    pub const fn query_value(self) -> &'static str {
        match self {
            CertificateFormat::PemLeaf => "pem",
            CertificateFormat::PemChain => "chain",
            CertificateFormat::Pkcs7 => "pkcs7",
            CertificateFormat::DerLeaf => "der",
        }
    }

    /// The `Content-Type` sent.
    pub const fn media_type(self) -> &'static str {
        match self {
            CertificateFormat::PemLeaf => "application/x-pem-file",
            CertificateFormat::PemChain => "application/pem-certificate-chain",
            CertificateFormat::Pkcs7 => "application/pkcs7-mime",
            CertificateFormat::DerLeaf => "application/pkix-cert",
        }
    }

    /// The file name extension for `Content-Disposition` (`.pem`, `.chain.pem`, `.p7b`, `.cer`).
    pub const fn extension(self) -> &'static str {
        match self {
            CertificateFormat::PemLeaf => "pem",
            CertificateFormat::PemChain => "chain.pem",
            CertificateFormat::Pkcs7 => "p7b",
            CertificateFormat::DerLeaf => "cer",
        }
    }

    /// Whether the body is text (PEM) rather than binary.
    pub const fn is_text(self) -> bool {
        matches!(
            self,
            CertificateFormat::PemLeaf | CertificateFormat::PemChain
        )
    }

    /// The format of a query value (`pem`, `chain`, `pkcs7`, `der`; case-insensitive).
    pub fn from_query(value: &str) -> Option<Self> {
        let value = value.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| f.query_value() == value)
    }

    /// The format of one media type (parameters ignored, case-insensitive): the four types
    /// of the module's table, and `application/x-pkcs7-certificates` (the `.p7b` type of
    /// older software) for PKCS#7.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if essence == "application/x-pkcs7-certificates" {
            return Some(CertificateFormat::Pkcs7);
        }
        Self::ALL.into_iter().find(|f| f.media_type() == essence)
    }

    /// The format an `Accept` header asks for: the supported type with the highest `q`
    /// (ties: the first listed); `*/*` and `application/*` mean [`Self::DEFAULT`]. `None`
    /// when nothing listed is supported (the caller answers 406), or when `q=0` refuses all.
    pub fn from_accept(header: &str) -> Option<Self> {
        let mut best: Option<(f32, Self)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    (k.trim().eq_ignore_ascii_case("q")).then(|| v.trim().parse::<f32>().ok())?
                })
                .next()
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            let format = match essence.as_str() {
                "*/*" | "application/*" => Some(Self::DEFAULT),
                other => Self::from_media_type(other),
            };
            if let Some(format) = format {
                if best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, format));
                }
            }
        }
        best.map(|(_, f)| f)
    }

    /// The body in this format, from a chain in DER, leaf first (no root).
    pub fn encode(self, chain_der: &[Vec<u8>]) -> Result<Vec<u8>, FormatError> {
        let leaf = chain_der.first().ok_or(FormatError::EmptyChain)?;
        Ok(match self {
            CertificateFormat::PemLeaf => to_pem("CERTIFICATE", leaf).into_bytes(),
            CertificateFormat::PemChain => chain_der
                .iter()
                .map(|der| to_pem("CERTIFICATE", der))
                .collect::<String>()
                .into_bytes(),
            CertificateFormat::DerLeaf => leaf.clone(),
            CertificateFormat::Pkcs7 => pkcs7_certs_only(chain_der)?,
        })
    }
}

/// Why a chain could not be encoded (a stored chain that no longer parses: a bug).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("the chain is empty")]
    EmptyChain,
    #[error("a certificate of the chain does not encode: {0}")]
    Der(String),
}

/// A degenerate SignedData ("certs-only", no signer) holding the chain: a `.p7b`.
fn pkcs7_certs_only(chain_der: &[Vec<u8>]) -> Result<Vec<u8>, FormatError> {
    let der_err = |e: cms::cert::x509::der::Error| FormatError::Der(e.to_string());
    let certs = chain_der
        .iter()
        .map(|der| cms::cert::x509::Certificate::from_der(der).map_err(der_err))
        .collect::<Result<Vec<_>, _>>()?;
    let info = ContentInfo::try_from(certs).map_err(der_err)?;
    info.to_der().map_err(der_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pki::issuance::Issuer;
    use crate::domain::pki::keygen::KeyType;
    use crate::domain::pki::sandbox_ca::tests::{csr, names, request, shared_ca};

    #[test]
    fn query_values_and_media_types_name_the_four_formats() {
        for f in CertificateFormat::ALL {
            assert_eq!(CertificateFormat::from_query(f.query_value()), Some(f));
            assert_eq!(CertificateFormat::from_media_type(f.media_type()), Some(f));
        }
        assert_eq!(
            CertificateFormat::from_query(" PKCS7 "),
            Some(CertificateFormat::Pkcs7)
        );
        assert_eq!(CertificateFormat::from_query("p12"), None);
        assert_eq!(
            CertificateFormat::from_media_type("application/pkcs7-mime; smime-type=certs-only"),
            Some(CertificateFormat::Pkcs7)
        );
        assert_eq!(
            CertificateFormat::from_media_type("Application/PKIX-Cert"),
            Some(CertificateFormat::DerLeaf)
        );
        assert_eq!(CertificateFormat::from_media_type("text/html"), None);
    }

    #[test]
    fn accept_picks_the_supported_type_with_the_highest_q() {
        use CertificateFormat as F;
        assert_eq!(F::from_accept("application/pkix-cert"), Some(F::DerLeaf));
        assert_eq!(
            F::from_accept("text/html, application/x-pem-file;q=0.5, application/pkcs7-mime;q=0.9"),
            Some(F::Pkcs7)
        );
        assert_eq!(F::from_accept("*/*"), Some(F::PemChain));
        assert_eq!(
            F::from_accept("application/pkix-cert;q=0.1, */*;q=0.8"),
            Some(F::PemChain)
        );
        assert_eq!(F::from_accept("text/html"), None);
        assert_eq!(F::from_accept("application/pkix-cert;q=0"), None);
        assert_eq!(F::from_accept(""), None);
    }

    proptest::proptest! {
        #[test]
        fn accept_and_query_parsing_never_panic(s in "\\PC*") {
            let _ = CertificateFormat::from_accept(&s);
            let _ = CertificateFormat::from_media_type(&s);
            let _ = CertificateFormat::from_query(&s);
        }
    }

    #[test]
    fn pem_formats_hold_the_leaf_or_the_chain_and_der_the_leaf() {
        let (ca, _) = shared_ca();
        let names = names();
        let (pem, _) = csr(KeyType::EcdsaP256, &names);
        let issued = ca.issue(&request(&pem, &names)).unwrap();
        let leaf = String::from_utf8(
            CertificateFormat::PemLeaf
                .encode(&issued.chain_der)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(leaf.matches("-----BEGIN CERTIFICATE-----").count(), 1);
        let chain = String::from_utf8(
            CertificateFormat::PemChain
                .encode(&issued.chain_der)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(chain.matches("-----BEGIN CERTIFICATE-----").count(), 2);
        assert!(chain.starts_with(&leaf), "leaf first");
        assert_eq!(
            CertificateFormat::DerLeaf
                .encode(&issued.chain_der)
                .unwrap(),
            issued.chain_der[0]
        );
        assert_eq!(
            CertificateFormat::Pkcs7.encode(&[]),
            Err(FormatError::EmptyChain)
        );
        let p7 = CertificateFormat::Pkcs7.encode(&issued.chain_der).unwrap();
        let info = ContentInfo::from_der(&p7).unwrap();
        assert_eq!(info.content_type, const_oid_signed_data());
    }

    fn const_oid_signed_data() -> cms::cert::x509::der::oid::ObjectIdentifier {
        cms::cert::x509::der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2")
    }
}
