//! Issuing the certificate of a validated order, behind one interface ([`Issuer`]) with two
//! implementations chosen by configuration:
//!
//! - `sandbox` ([`super::sandbox_ca::SandboxCa`]): a local test CA, not trusted by anyone,
//!   that signs the order's CSR at once (the default in development and tests);
//! - `manual` ([`ManualIssuer`]): the real CA issues out of band and an operator uploads the
//!   chain, which [`super::chain::verify_chain`] checks (the default in production).
//!
//! Either way the result is an [`IssuedCertificate`]: the chain in DER (leaf first, then the
//! intermediates, never the root) and a [`CertificateSummary`] the customer sees before
//! accepting. Also here: the Baseline Requirements' maximum validity,
//! [`br_max_validity_days`], which both the sandbox and the upload check apply.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::chain::TrustAnchors;
use super::csr::rfc4514;

/// How certificates are issued: `sandbox` or `manual` (configuration `ISSUER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuerMode {
    /// A local test CA signs the CSR as soon as the order is validated.
    Sandbox,
    /// An operator uploads the chain the real CA issued.
    Manual,
}

impl IssuerMode {
    pub const fn as_str(self) -> &'static str {
        match self {
            IssuerMode::Sandbox => "sandbox",
            IssuerMode::Manual => "manual",
        }
    }

    /// `sandbox` or `manual`, case-insensitive.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Some(IssuerMode::Sandbox),
            "manual" => Some(IssuerMode::Manual),
            _ => None,
        }
    }

    /// Whether [`Issuer::issue`] produces the certificate (sandbox) or the operator must
    /// upload it (manual).
    pub const fn is_automatic(self) -> bool {
        matches!(self, IssuerMode::Sandbox)
    }
}

/// What to issue: the order's CSR and names, for a validity period.
#[derive(Debug, Clone, Copy)]
pub struct IssueRequest<'a> {
    /// The order's CSR, PEM (`CsrDetails::pem`).
    pub csr_pem: &'a str,
    /// The order's names: the common name first, then the others; the certificate's SAN list
    /// is exactly this list (duplicates, compared case-insensitively, are refused).
    pub names: &'a [String],
    /// The order's number, for issuers that talk to a CA (the sandbox does not write it into
    /// the certificate).
    pub order_number: &'a str,
    pub not_before: DateTime<Utc>,
    /// Capped at the Baseline Requirements' maximum for `not_before` (never an error).
    pub not_after: DateTime<Utc>,
}

/// A certificate that exists: its chain and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCertificate {
    /// DER certificates: the leaf first, then the intermediates up to, not including, the root.
    pub chain_der: Vec<Vec<u8>>,
    pub summary: CertificateSummary,
}

impl IssuedCertificate {
    /// The leaf (the chain is never empty).
    pub fn leaf_der(&self) -> &[u8] {
        &self.chain_der[0]
    }
}

/// What a certificate says, for the customer's acceptance and for the order (kept as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// Lowercase hex of the serial number's bytes, without separators.
    pub serial_hex: String,
    /// RFC 4514, most specific RDN first (`CN=www.example.fr`).
    pub subject: String,
    pub issuer: String,
    /// The SAN dNSNames, in the certificate's order.
    pub dns_names: Vec<String>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo: the same hash as
    /// `CsrDetails::public_key_sha256`, so equal keys have equal hashes.
    pub public_key_sha256: String,
    /// Lowercase hex SHA-256 of the whole DER certificate (`openssl x509 -fingerprint -sha256`
    /// without the colons).
    pub sha256_fingerprint: String,
    /// `rsa-2048`, `ecdsa-p256`, `ecdsa-p384`, `ecdsa-p521`, `ed25519`, … (the catalogue's key
    /// type names where there is one), or the algorithm's OID.
    pub key_algorithm: String,
}

/// Why an issuer could not issue. None of these is the customer's fault once the order is
/// validated (its CSR was checked at submission): the caller logs it and keeps the order
/// `validated` so that issuance can be retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// Manual mode: the operator uploads the chain (see `chain::verify_chain`).
    #[error("issuance is not automatic in manual mode: an operator uploads the chain")]
    NotAutomatic,
    #[error("the CSR cannot be used: {0}")]
    Csr(String),
    #[error("the CSR's signature does not verify")]
    CsrSignature,
    #[error("the names cannot be issued: {0}")]
    Names(String),
    #[error(
        "the validity period is empty (not_after {not_after} is not after not_before {not_before})"
    )]
    Validity {
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
    },
    #[error("signing failed: {0}")]
    Signing(String),
}

/// Issues the certificate of an order. Implementations are synchronous and may be slow
/// (signing): async callers run them on the blocking pool.
pub trait Issuer: Send + Sync {
    fn mode(&self) -> IssuerMode;

    /// Issues a certificate for `req`; [`IssueError::NotAutomatic`] in manual mode.
    fn issue(&self, req: &IssueRequest<'_>) -> Result<IssuedCertificate, IssueError>;

    /// The roots an uploaded chain must lead to (`TRUST_ANCHORS`; in sandbox mode the
    /// sandbox's root as well).
    fn trust_anchors(&self) -> &TrustAnchors;
}

/// Manual mode: nothing is issued here; an operator uploads the real CA's chain.
#[derive(Debug, Clone)]
pub struct ManualIssuer {
    anchors: TrustAnchors,
}

impl ManualIssuer {
    pub fn new(anchors: TrustAnchors) -> Self {
        Self { anchors }
    }
}

impl Issuer for ManualIssuer {
    fn mode(&self) -> IssuerMode {
        IssuerMode::Manual
    }

    fn issue(&self, _req: &IssueRequest<'_>) -> Result<IssuedCertificate, IssueError> {
        Err(IssueError::NotAutomatic)
    }

    fn trust_anchors(&self) -> &TrustAnchors {
        &self.anchors
    }
}

/// The Baseline Requirements' maximum validity (§6.3.2, ballot SC-081), by the day a
/// certificate's validity starts: 398 days before 15 March 2026, then 200, 100 from
/// 15 March 2027, 47 from 15 March 2029.
///
/// This is the rule, not the catalogue's plan: `data/catalog.json`'s `certificate_lifetime`
/// plans 398, then 199/99/46 days for the certificates certorder orders, while an uploaded
/// chain is judged by the rule itself. (Not read from the catalogue: `domain::catalog`
/// already depends on `domain::pki`, and the rule is not operator data.)
pub fn br_max_validity_days(not_before: DateTime<Utc>) -> i64 {
    const STEPS: [((i32, u32, u32), i64); 3] = [
        ((2029, 3, 15), 47),
        ((2027, 3, 15), 100),
        ((2026, 3, 15), 200),
    ];
    let day = not_before.date_naive();
    STEPS
        .iter()
        .find(|((y, m, d), _)| NaiveDate::from_ymd_opt(*y, *m, *d).is_some_and(|from| day >= from))
        .map_or(398, |(_, days)| *days)
}

/// The BR's validity period is notBefore to notAfter *inclusive* (RFC 5280 §4.1.2.5), so a
/// certificate of `days` days ends one second before `not_before + days`.
pub fn validity_seconds(not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> i64 {
    (not_after - not_before).num_seconds() + 1
}

/// Whether `not_before..=not_after` is within [`br_max_validity_days`].
pub fn within_br_maximum(not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> bool {
    validity_seconds(not_before, not_after) <= br_max_validity_days(not_before) * 86_400
}

/// The latest notAfter allowed for `not_before`.
pub fn br_latest_not_after(not_before: DateTime<Utc>) -> DateTime<Utc> {
    not_before + chrono::Duration::days(br_max_validity_days(not_before))
        - chrono::Duration::seconds(1)
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn asn1_time(t: x509_parser::time::ASN1Time) -> DateTime<Utc> {
    Utc.timestamp_opt(t.timestamp(), 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The SAN dNSNames of a certificate, in order.
pub(crate) fn dns_names(cert: &X509Certificate<'_>) -> Vec<String> {
    match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|n| match n {
                GeneralName::DNSName(d) => Some((*d).to_owned()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `rsa-2048`, `ecdsa-p256`… for a certificate's key.
pub(crate) fn key_algorithm(cert: &X509Certificate<'_>) -> String {
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("rsa-{}", rsa.key_size()),
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => "ecdsa-p256".to_owned(),
                Some("1.3.132.0.34") => "ecdsa-p384".to_owned(),
                Some("1.3.132.0.35") => "ecdsa-p521".to_owned(),
                Some(other) => format!("ecdsa-{other}"),
                None => "ecdsa".to_owned(),
            }
        }
        _ => match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.3.101.112" => "ed25519".to_owned(),
            "1.3.101.113" => "ed448".to_owned(),
            other => other.to_owned(),
        },
    }
}

/// The summary of a parsed certificate; `der` is its encoding.
pub(crate) fn summary_of(cert: &X509Certificate<'_>, der: &[u8]) -> CertificateSummary {
    CertificateSummary {
        serial_hex: hex::encode(cert.raw_serial()),
        subject: rfc4514(cert.subject()),
        issuer: rfc4514(cert.issuer()),
        dns_names: dns_names(cert),
        not_before: asn1_time(cert.validity().not_before),
        not_after: asn1_time(cert.validity().not_after),
        public_key_sha256: sha256_hex(cert.public_key().raw),
        sha256_fingerprint: sha256_hex(der),
        key_algorithm: key_algorithm(cert),
    }
}

/// The summary of a DER certificate (e.g. one read back from storage).
pub fn summarize(der: &[u8]) -> Result<CertificateSummary, String> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err("trailing bytes after the certificate".to_owned());
    }
    Ok(summary_of(&cert, der))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn br_maximum_follows_ballot_sc081_by_not_before_day() {
        assert_eq!(br_max_validity_days(at("2025-01-01T00:00:00Z")), 398);
        assert_eq!(br_max_validity_days(at("2026-03-14T23:59:59Z")), 398);
        assert_eq!(br_max_validity_days(at("2026-03-15T00:00:00Z")), 200);
        assert_eq!(br_max_validity_days(at("2027-03-14T12:00:00Z")), 200);
        assert_eq!(br_max_validity_days(at("2027-03-15T00:00:00Z")), 100);
        assert_eq!(br_max_validity_days(at("2029-03-14T00:00:00Z")), 100);
        assert_eq!(br_max_validity_days(at("2029-03-15T00:00:00Z")), 47);
        assert_eq!(br_max_validity_days(at("2040-01-01T00:00:00Z")), 47);
    }

    #[test]
    fn the_validity_period_counts_both_ends_so_the_last_second_is_excluded() {
        let nb = at("2026-12-01T00:00:00Z");
        assert_eq!(br_latest_not_after(nb), at("2027-06-18T23:59:59Z"));
        assert!(within_br_maximum(nb, br_latest_not_after(nb)));
        assert!(!within_br_maximum(
            nb,
            br_latest_not_after(nb) + chrono::Duration::seconds(1)
        ));
    }

    #[test]
    fn issuer_mode_parses_its_two_names_only() {
        assert_eq!(IssuerMode::parse(" Sandbox "), Some(IssuerMode::Sandbox));
        assert_eq!(IssuerMode::parse("manual"), Some(IssuerMode::Manual));
        assert_eq!(IssuerMode::parse("acme"), None);
        assert_eq!(
            serde_json::to_string(&IssuerMode::Manual).unwrap(),
            "\"manual\""
        );
        assert!(IssuerMode::Sandbox.is_automatic() && !IssuerMode::Manual.is_automatic());
    }

    #[test]
    fn the_manual_issuer_never_issues() {
        let issuer = ManualIssuer::new(TrustAnchors::default());
        let names = ["www.example.fr".to_owned()];
        let req = IssueRequest {
            csr_pem: "",
            names: &names,
            order_number: "CO-1",
            not_before: at("2026-12-01T00:00:00Z"),
            not_after: at("2027-01-01T00:00:00Z"),
        };
        assert_eq!(issuer.mode(), IssuerMode::Manual);
        assert_eq!(issuer.issue(&req), Err(IssueError::NotAutomatic));
    }
}
