//! The sandbox issuer: a local test CA, made with rcgen, that nobody trusts.
//!
//! A root ("certorder SANDBOX Root - NOT TRUSTED") signs an issuing CA ("certorder SANDBOX
//! Issuing CA - NOT TRUSTED"), which signs the orders' certificates: the CSR's own key (its
//! signature checked), exactly the order's names as SANs, EKU serverAuth, key usage
//! digitalSignature (and keyEncipherment for RSA), basicConstraints CA:false, a random 127-bit
//! serial, the validity asked for capped at the Baseline Requirements' maximum.
//!
//! This module is pure: [`SandboxCa::generate`] makes a CA and the files that keep it
//! ([`SandboxCaFiles`]: certificates in PEM, private keys only as encrypted PKCS#8), and
//! [`SandboxCa::from_files`] loads them back. Reading and writing the directory
//! (`SANDBOX_CA_DIR`) is `crate::issuer`'s job.

use chrono::{DateTime, Duration, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, PublicKeyData, SanType, SerialNumber, SignatureAlgorithm,
};
use x509_parser::prelude::{FromDer, X509Certificate, X509CertificationRequest};
use x509_parser::public_key::PublicKey;
use zeroize::Zeroizing;

use super::chain::TrustAnchors;
use super::csr::{rfc4514, to_pem};
use super::issuance::{
    br_latest_not_after, summary_of, IssueError, IssueRequest, IssuedCertificate, Issuer,
    IssuerMode,
};
use super::keygen::{encrypt_pkcs8, PBKDF2_ITERATIONS};

/// The root's common name: says at a glance that nothing should trust it.
pub const ROOT_CN: &str = "certorder SANDBOX Root - NOT TRUSTED";
/// The issuing CA's common name.
pub const ISSUING_CN: &str = "certorder SANDBOX Issuing CA - NOT TRUSTED";
/// The organization of both CA certificates.
pub const CA_ORGANIZATION: &str = "certorder sandbox (test CA - not a real authority)";

/// How long the sandbox's CA certificates live from their creation.
const ROOT_YEARS: i64 = 20;
const ISSUING_YEARS: i64 = 10;

/// The files that keep a sandbox CA. The keys are `ENCRYPTED PRIVATE KEY` PEM (PBES2:
/// PBKDF2-HMAC-SHA256, AES-256-CBC), never plain.
#[derive(Clone)]
pub struct SandboxCaFiles {
    pub root_cert_pem: String,
    pub issuing_cert_pem: String,
    pub root_key_pem: Zeroizing<String>,
    pub issuing_key_pem: Zeroizing<String>,
}

impl std::fmt::Debug for SandboxCaFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxCaFiles")
            .field("root_cert_pem", &self.root_cert_pem)
            .field("issuing_cert_pem", &self.issuing_cert_pem)
            .finish_non_exhaustive()
    }
}

/// Why a sandbox CA could not be made or loaded.
#[derive(Debug, thiserror::Error)]
pub enum SandboxCaError {
    #[error("generating the sandbox CA failed: {0}")]
    Generate(String),
    #[error("the sandbox CA's {0} is unreadable: {1}")]
    Unreadable(&'static str, String),
    #[error("the sandbox CA's {0} does not decrypt: wrong SANDBOX_CA_PASSPHRASE?")]
    WrongPassphrase(&'static str),
    #[error("the sandbox CA's files do not fit together: {0}")]
    Inconsistent(String),
}

/// A loaded sandbox CA, ready to issue.
pub struct SandboxCa {
    root_der: Vec<u8>,
    issuing_der: Vec<u8>,
    issuer: rcgen::Issuer<'static, KeyPair>,
    anchors: TrustAnchors,
}

impl std::fmt::Debug for SandboxCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxCa")
            .field("root_sha256", &super::issuance::sha256_hex(&self.root_der))
            .finish_non_exhaustive()
    }
}

fn ca_name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, CA_ORGANIZATION);
    dn.push(DnType::CommonName, cn);
    dn
}

/// The RFC 4514 subject the CA certificates carry (checked on load).
fn ca_subject(cn: &str) -> String {
    format!("CN={cn},O={CA_ORGANIZATION}")
}

fn offset_time(t: DateTime<Utc>) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(|e| e.to_string())
}

fn ca_params(
    cn: &str,
    path_len: u8,
    now: DateTime<Utc>,
    years: i64,
) -> Result<CertificateParams, String> {
    let mut params = CertificateParams::default();
    params.distinguished_name = ca_name(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.serial_number = Some(random_serial());
    params.not_before = offset_time(now - Duration::hours(1))?;
    params.not_after = offset_time(now + Duration::days(365 * years))?;
    params.use_authority_key_identifier_extension = path_len == 0;
    Ok(params)
}

/// 16 random bytes, the first one in 0x40..=0x7f: positive, minimal, 126 random bits.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] = (bytes[0] & 0x3f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

/// The signing parameters of the issuing CA (what rcgen needs to sign children: the name,
/// the key identifier method and the key usages), the same at creation and on load.
fn issuing_signer_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = ca_name(ISSUING_CN);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

fn parse_cert<'a>(
    what: &'static str,
    der: &'a [u8],
) -> Result<X509Certificate<'a>, SandboxCaError> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(SandboxCaError::Unreadable(what, "trailing bytes".into())),
        Err(e) => Err(SandboxCaError::Unreadable(what, e.to_string())),
    }
}

fn pem_der(what: &'static str, pem: &str, label: &str) -> Result<Vec<u8>, SandboxCaError> {
    let (found, der) = pkcs8::der::pem::decode_vec(pem.trim().as_bytes())
        .map_err(|e| SandboxCaError::Unreadable(what, e.to_string()))?;
    if found != label {
        return Err(SandboxCaError::Unreadable(
            what,
            format!("PEM label {found:?}, expected {label:?}"),
        ));
    }
    Ok(der)
}

fn decrypt_key(what: &'static str, pem: &str, passphrase: &str) -> Result<KeyPair, SandboxCaError> {
    let der = Zeroizing::new(pem_der(what, pem, "ENCRYPTED PRIVATE KEY")?);
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
        .map_err(|e| SandboxCaError::Unreadable(what, e.to_string()))?;
    let plain = info
        .decrypt(passphrase.as_bytes())
        .map_err(|_| SandboxCaError::WrongPassphrase(what))?;
    KeyPair::try_from(plain.as_bytes()).map_err(|e| SandboxCaError::Unreadable(what, e.to_string()))
}

impl SandboxCa {
    /// Makes a new CA (root and issuing CA, ECDSA P-256, valid from an hour before `now`) and
    /// the files that keep it, the keys encrypted with `passphrase`.
    pub fn generate(
        now: DateTime<Utc>,
        passphrase: &str,
    ) -> Result<(SandboxCa, SandboxCaFiles), SandboxCaError> {
        let g = |e: &dyn std::fmt::Display| SandboxCaError::Generate(e.to_string());
        let alg = &rcgen::PKCS_ECDSA_P256_SHA256;
        let root_key = KeyPair::generate_for(alg).map_err(|e| g(&e))?;
        let issuing_key = KeyPair::generate_for(alg).map_err(|e| g(&e))?;
        let root_params = ca_params(ROOT_CN, 1, now, ROOT_YEARS).map_err(|e| g(&e))?;
        let root_cert = root_params.self_signed(&root_key).map_err(|e| g(&e))?;
        let root_issuer = rcgen::Issuer::new(root_params, &root_key);
        let mut issuing_params = ca_params(ISSUING_CN, 0, now, ISSUING_YEARS).map_err(|e| g(&e))?;
        issuing_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let issuing_cert = issuing_params
            .signed_by(&issuing_key, &root_issuer)
            .map_err(|e| g(&e))?;
        let encrypt = |key: &KeyPair| {
            encrypt_pkcs8(key.serialized_der(), passphrase, PBKDF2_ITERATIONS)
                .map_err(|e| SandboxCaError::Generate(e.to_string()))
        };
        let files = SandboxCaFiles {
            root_cert_pem: to_pem("CERTIFICATE", root_cert.der()),
            issuing_cert_pem: to_pem("CERTIFICATE", issuing_cert.der()),
            root_key_pem: encrypt(&root_key)?,
            issuing_key_pem: encrypt(&issuing_key)?,
        };
        let ca = Self::assemble(
            root_cert.der().to_vec(),
            issuing_cert.der().to_vec(),
            issuing_key,
        )?;
        Ok((ca, files))
    }

    /// Loads a CA from its files, checking that they fit together: each key is its
    /// certificate's, the issuing CA is signed by the root and carries the sandbox's names.
    pub fn from_files(files: &SandboxCaFiles, passphrase: &str) -> Result<Self, SandboxCaError> {
        let root_der = pem_der("root certificate", &files.root_cert_pem, "CERTIFICATE")?;
        let issuing_der = pem_der(
            "issuing certificate",
            &files.issuing_cert_pem,
            "CERTIFICATE",
        )?;
        let root_key = decrypt_key("root key", &files.root_key_pem, passphrase)?;
        let issuing_key = decrypt_key("issuing key", &files.issuing_key_pem, passphrase)?;
        {
            let root = parse_cert("root certificate", &root_der)?;
            let issuing = parse_cert("issuing certificate", &issuing_der)?;
            let bad = |why: &str| Err(SandboxCaError::Inconsistent(why.to_owned()));
            if root.public_key().raw != root_key.subject_public_key_info().as_slice() {
                return bad("the root key is not the root certificate's");
            }
            if issuing.public_key().raw != issuing_key.subject_public_key_info().as_slice() {
                return bad("the issuing key is not the issuing certificate's");
            }
            if rfc4514(root.subject()) != ca_subject(ROOT_CN)
                || rfc4514(issuing.subject()) != ca_subject(ISSUING_CN)
            {
                return bad("the certificates do not carry the sandbox's names");
            }
            if issuing.verify_signature(Some(root.public_key())).is_err() {
                return bad("the issuing certificate is not signed by the root");
            }
        }
        Self::assemble(root_der, issuing_der, issuing_key)
    }

    fn assemble(
        root_der: Vec<u8>,
        issuing_der: Vec<u8>,
        issuing_key: KeyPair,
    ) -> Result<Self, SandboxCaError> {
        let anchors =
            TrustAnchors::from_der(vec![root_der.clone()]).map_err(SandboxCaError::Inconsistent)?;
        Ok(Self {
            root_der,
            issuing_der,
            issuer: rcgen::Issuer::new(issuing_signer_params(), issuing_key),
            anchors,
        })
    }

    /// Adds roots an uploaded chain may also lead to (`TRUST_ANCHORS`), beside the sandbox's.
    pub fn with_extra_anchors(mut self, extra: &TrustAnchors) -> Self {
        self.anchors.extend(extra);
        self
    }

    /// The root, DER: what `openssl verify -CAfile` needs.
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    pub fn root_pem(&self) -> String {
        to_pem("CERTIFICATE", &self.root_der)
    }

    /// The issuing CA, DER (the intermediate of every chain).
    pub fn issuing_der(&self) -> &[u8] {
        &self.issuing_der
    }

    /// Signs a leaf for `req` (see the module's doc).
    pub fn issue_leaf(&self, req: &IssueRequest<'_>) -> Result<IssuedCertificate, IssueError> {
        let key = CsrKey::from_csr_pem(req.csr_pem)?;
        check_names(req.names)?;
        if req.not_after <= req.not_before {
            return Err(IssueError::Validity {
                not_before: req.not_before,
                not_after: req.not_after,
            });
        }
        let not_after = req.not_after.min(br_latest_not_after(req.not_before));

        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        if req.names[0].len() <= super::csr::CN_MAX_CHARS {
            dn.push(DnType::CommonName, req.names[0].as_str());
        }
        params.distinguished_name = dn;
        params.subject_alt_names = req
            .names
            .iter()
            .map(|n| {
                rcgen::string::Ia5String::try_from(n.as_str())
                    .map(SanType::DnsName)
                    .map_err(|e| IssueError::Names(format!("{n:?}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if key.is_rsa {
            params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(random_serial());
        params.not_before = offset_time(req.not_before).map_err(IssueError::Signing)?;
        params.not_after = offset_time(not_after).map_err(IssueError::Signing)?;
        let leaf = params
            .signed_by(&key, &self.issuer)
            .map_err(|e| IssueError::Signing(e.to_string()))?;
        let leaf_der = leaf.der().to_vec();
        let summary = {
            let cert = X509Certificate::from_der(&leaf_der)
                .map_err(|e| IssueError::Signing(format!("the new leaf does not parse: {e}")))?
                .1;
            summary_of(&cert, &leaf_der)
        };
        Ok(IssuedCertificate {
            chain_der: vec![leaf_der, self.issuing_der.clone()],
            summary,
        })
    }
}

impl Issuer for SandboxCa {
    fn mode(&self) -> IssuerMode {
        IssuerMode::Sandbox
    }

    fn issue(&self, req: &IssueRequest<'_>) -> Result<IssuedCertificate, IssueError> {
        self.issue_leaf(req)
    }

    fn trust_anchors(&self) -> &TrustAnchors {
        &self.anchors
    }
}

/// Names a certificate can carry: at least one, ASCII, no duplicate (case-insensitive).
fn check_names(names: &[String]) -> Result<(), IssueError> {
    if names.is_empty() {
        return Err(IssueError::Names("no name".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if n.is_empty() || !n.is_ascii() || n.contains(char::is_whitespace) {
            return Err(IssueError::Names(format!("{n:?} is not a DNS name")));
        }
        if !seen.insert(n.to_ascii_lowercase()) {
            return Err(IssueError::Names(format!("{n:?} is listed twice")));
        }
    }
    Ok(())
}

/// The public key of a CSR whose signature verified, as rcgen signs for it.
struct CsrKey {
    alg: &'static SignatureAlgorithm,
    /// The subjectPublicKey BIT STRING's bytes.
    key: Vec<u8>,
    is_rsa: bool,
}

impl PublicKeyData for CsrKey {
    fn der_bytes(&self) -> &[u8] {
        &self.key
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

impl CsrKey {
    fn from_csr_pem(pem: &str) -> Result<Self, IssueError> {
        let bad = |why: String| IssueError::Csr(why);
        let (label, der) = pkcs8::der::pem::decode_vec(pem.trim().as_bytes())
            .map_err(|e| bad(format!("not PEM: {e}")))?;
        if !label.ends_with("CERTIFICATE REQUEST") {
            return Err(bad(format!("PEM label {label:?}")));
        }
        let (rest, csr) =
            X509CertificationRequest::from_der(&der).map_err(|e| bad(e.to_string()))?;
        if !rest.is_empty() {
            return Err(bad("trailing bytes".into()));
        }
        csr.verify_signature()
            .map_err(|_| IssueError::CsrSignature)?;
        let spki = &csr.certification_request_info.subject_pki;
        let (alg, is_rsa): (&'static SignatureAlgorithm, bool) = match spki.parsed() {
            Ok(PublicKey::RSA(_)) => (&rcgen::PKCS_RSA_SHA256, true),
            Ok(PublicKey::EC(_)) => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string());
                match curve.as_deref() {
                    Some("1.2.840.10045.3.1.7") => (&rcgen::PKCS_ECDSA_P256_SHA256, false),
                    Some("1.3.132.0.34") => (&rcgen::PKCS_ECDSA_P384_SHA384, false),
                    Some("1.3.132.0.35") => (&rcgen::PKCS_ECDSA_P521_SHA512, false),
                    other => return Err(bad(format!("unsupported curve {other:?}"))),
                }
            }
            _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => {
                (&rcgen::PKCS_ED25519, false)
            }
            _ => return Err(bad("unsupported key algorithm".into())),
        };
        let key = CsrKey {
            alg,
            key: spki.subject_public_key.data.to_vec(),
            is_rsa,
        };
        // rcgen re-encodes the SPKI from the algorithm: it must come out byte for byte.
        if key.subject_public_key_info() != spki.raw {
            return Err(bad("the key's encoding is not the usual one".into()));
        }
        Ok(key)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::pki::keygen::{generate_csr, CsrSubject, KeyType};
    use std::sync::OnceLock;

    pub(crate) const PASSPHRASE: &str = "sandbox test passphrase";

    pub(crate) fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    pub(crate) fn now() -> DateTime<Utc> {
        at("2026-12-02T06:00:00Z")
    }

    /// One CA for the tests of this crate (generating and encrypting costs ~1 s).
    pub(crate) fn shared_ca() -> &'static (SandboxCa, SandboxCaFiles) {
        static CA: OnceLock<(SandboxCa, SandboxCaFiles)> = OnceLock::new();
        CA.get_or_init(|| SandboxCa::generate(at("2026-01-01T00:00:00Z"), PASSPHRASE).unwrap())
    }

    pub(crate) fn names() -> Vec<String> {
        ["www.certigna.fr", "certigna.fr", "shop.certigna.fr"]
            .map(String::from)
            .to_vec()
    }

    /// A CSR (and its key's SHA-256) made by the service's own key generator.
    pub(crate) fn csr(key_type: KeyType, names: &[String]) -> (String, String) {
        let subject = CsrSubject {
            common_name: String::new(),
            organization: Some("Certigna Test".into()),
            organizational_unit: None,
            locality: None,
            country: Some("FR".into()),
        };
        let out = generate_csr(key_type, &subject, names, None).unwrap();
        (out.csr_pem, out.public_key_sha256)
    }

    pub(crate) fn request<'a>(csr_pem: &'a str, names: &'a [String]) -> IssueRequest<'a> {
        IssueRequest {
            csr_pem,
            names,
            order_number: "CO-2026-000001",
            not_before: now(),
            not_after: now() + Duration::days(90),
        }
    }

    fn parse(der: &[u8]) -> X509Certificate<'_> {
        X509Certificate::from_der(der).unwrap().1
    }

    #[test]
    fn issues_from_rsa_and_ecdsa_csrs_with_exactly_the_names_server_auth_and_the_csr_key() {
        let (ca, _) = shared_ca();
        for key_type in [KeyType::Rsa2048, KeyType::EcdsaP256, KeyType::EcdsaP384] {
            let names = names();
            let (pem, key_sha) = csr(key_type, &names);
            let issued = ca.issue(&request(&pem, &names)).unwrap();
            assert_eq!(issued.chain_der.len(), 2, "leaf and issuing CA, no root");
            assert_eq!(issued.chain_der[1], ca.issuing_der());
            let leaf = parse(issued.leaf_der());
            assert_eq!(super::super::issuance::dns_names(&leaf), names);
            assert_eq!(issued.summary.dns_names, names);
            assert_eq!(issued.summary.public_key_sha256, key_sha, "{key_type}");
            assert_eq!(issued.summary.subject, "CN=www.certigna.fr");
            assert_eq!(issued.summary.issuer, ca_subject(ISSUING_CN));
            assert_eq!(issued.summary.not_before, now());
            assert_eq!(issued.summary.not_after, now() + Duration::days(90));
            let eku = leaf.extended_key_usage().unwrap().unwrap().value;
            assert!(eku.server_auth && !eku.client_auth && !eku.any);
            let bc = leaf.basic_constraints().unwrap().unwrap().value;
            assert!(!bc.ca);
            let ku = leaf.key_usage().unwrap().unwrap().value;
            assert!(ku.digital_signature());
            assert_eq!(ku.key_encipherment(), key_type.is_rsa(), "{key_type}");
            assert!(!ku.key_cert_sign());
            assert!(leaf.raw_serial().len() >= 8, "at least 64 bits of serial");
            assert!(leaf
                .verify_signature(Some(parse(ca.issuing_der()).public_key()))
                .is_ok());
            let algorithm = issued.summary.key_algorithm.as_str();
            assert_eq!(
                algorithm,
                match key_type {
                    KeyType::Rsa2048 => "rsa-2048",
                    KeyType::EcdsaP256 => "ecdsa-p256",
                    _ => "ecdsa-p384",
                }
            );
        }
    }

    #[test]
    fn the_summary_is_read_back_from_the_leaf_and_round_trips_through_json() {
        let (ca, _) = shared_ca();
        let names = names();
        let (pem, _) = csr(KeyType::Rsa2048, &names);
        let issued = ca.issue(&request(&pem, &names)).unwrap();
        let again = super::super::issuance::summarize(issued.leaf_der()).unwrap();
        assert_eq!(again, issued.summary);
        let json = serde_json::to_value(&issued.summary).unwrap();
        assert_eq!(json["not_before"], "2026-12-02T06:00:00Z");
        assert_eq!(json["key_algorithm"], "rsa-2048");
        let back: super::super::issuance::CertificateSummary =
            serde_json::from_value(json).unwrap();
        assert_eq!(back, issued.summary);
        let stored: IssuedCertificate =
            serde_json::from_str(&serde_json::to_string(&issued).unwrap()).unwrap();
        assert_eq!(stored, issued);
        assert!(super::super::issuance::summarize(b"not a certificate").is_err());
    }

    #[test]
    fn two_leaves_never_share_a_serial() {
        let (ca, _) = shared_ca();
        let names = names();
        let (pem, _) = csr(KeyType::EcdsaP256, &names);
        let a = ca.issue(&request(&pem, &names)).unwrap();
        let b = ca.issue(&request(&pem, &names)).unwrap();
        assert_ne!(a.summary.serial_hex, b.summary.serial_hex);
        assert_eq!(a.summary.serial_hex.len(), 32);
    }

    #[test]
    fn the_validity_asked_for_is_capped_at_the_br_maximum() {
        let (ca, _) = shared_ca();
        let names = names();
        let (pem, _) = csr(KeyType::EcdsaP256, &names);
        let mut req = request(&pem, &names);
        req.not_after = now() + Duration::days(3 * 365);
        let issued = ca.issue(&req).unwrap();
        assert_eq!(issued.summary.not_after, br_latest_not_after(now()));
        assert_eq!(
            (issued.summary.not_after - issued.summary.not_before).num_seconds() + 1,
            200 * 86_400
        );
        req.not_after = req.not_before;
        assert!(matches!(ca.issue(&req), Err(IssueError::Validity { .. })));
    }

    #[test]
    fn a_csr_whose_signature_fails_or_that_is_not_a_csr_is_refused() {
        let (ca, _) = shared_ca();
        let names = names();
        let bad = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/csr/bad_signature.pem"
        ));
        assert_eq!(
            ca.issue(&request(bad, &names)).unwrap_err(),
            IssueError::CsrSignature
        );
        assert!(matches!(
            ca.issue(&request("hello", &names)),
            Err(IssueError::Csr(_))
        ));
        let cert = ca.root_pem();
        assert!(matches!(
            ca.issue(&request(&cert, &names)),
            Err(IssueError::Csr(_))
        ));
    }

    #[test]
    fn duplicate_or_missing_names_are_refused() {
        let (ca, _) = shared_ca();
        let names = names();
        let (pem, _) = csr(KeyType::EcdsaP256, &names);
        let dup = vec!["www.certigna.fr".to_owned(), "WWW.certigna.fr".to_owned()];
        assert!(matches!(
            ca.issue(&request(&pem, &dup)),
            Err(IssueError::Names(_))
        ));
        assert!(matches!(
            ca.issue(&request(&pem, &[])),
            Err(IssueError::Names(_))
        ));
    }

    #[test]
    fn the_ca_is_named_not_trusted_and_loads_back_from_its_files_with_the_same_root() {
        let (ca, files) = shared_ca();
        let root = parse(ca.root_der());
        assert_eq!(rfc4514(root.subject()), ca_subject(ROOT_CN));
        assert!(rfc4514(root.subject()).contains("NOT TRUSTED"));
        assert!(root.basic_constraints().unwrap().unwrap().value.ca);
        let issuing = parse(ca.issuing_der());
        assert!(rfc4514(issuing.subject()).contains("NOT TRUSTED"));
        assert_eq!(
            issuing
                .basic_constraints()
                .unwrap()
                .unwrap()
                .value
                .path_len_constraint,
            Some(0)
        );
        let again = SandboxCa::from_files(files, PASSPHRASE).unwrap();
        assert_eq!(again.root_der(), ca.root_der());
        assert_eq!(again.issuing_der(), ca.issuing_der());
        // and the reloaded CA issues leaves that chain to the same root
        let names = names();
        let (pem, _) = csr(KeyType::EcdsaP256, &names);
        let issued = again.issue(&request(&pem, &names)).unwrap();
        let leaf = parse(issued.leaf_der());
        assert!(leaf.verify_signature(Some(issuing.public_key())).is_ok());
        assert_eq!(leaf.issuer().as_raw(), issuing.subject().as_raw());
    }

    #[test]
    fn the_keys_are_kept_encrypted_and_a_wrong_passphrase_does_not_load() {
        let (_, files) = shared_ca();
        for pem in [&files.root_key_pem, &files.issuing_key_pem] {
            assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
            assert!(!pem.contains("BEGIN PRIVATE KEY"));
            assert!(!pem.contains("BEGIN EC PRIVATE KEY"));
        }
        assert!(matches!(
            SandboxCa::from_files(files, "not the passphrase"),
            Err(SandboxCaError::WrongPassphrase(_))
        ));
        assert!(
            !format!("{files:?}").contains("ENCRYPTED"),
            "keys never in Debug"
        );
    }

    #[test]
    fn files_that_do_not_fit_together_are_refused() {
        let (_, files) = shared_ca();
        let (_, other) = SandboxCa::generate(now(), PASSPHRASE).unwrap();
        let mut mixed = files.clone();
        mixed.issuing_key_pem = other.issuing_key_pem.clone();
        assert!(matches!(
            SandboxCa::from_files(&mixed, PASSPHRASE),
            Err(SandboxCaError::Inconsistent(_))
        ));
        let mut mixed = files.clone();
        mixed.root_cert_pem = other.root_cert_pem.clone();
        mixed.root_key_pem = other.root_key_pem.clone();
        assert!(matches!(
            SandboxCa::from_files(&mixed, PASSPHRASE),
            Err(SandboxCaError::Inconsistent(_))
        ));
    }
}
