//! Checking the chain an operator uploads in manual mode (the real CA issued it out of band).
//!
//! [`verify_chain`] reads PEM certificates, the order's certificate first and then each
//! issuer, and refuses it unless the leaf's public key is the order's CSR key (SPKI SHA-256),
//! its SAN dNSNames are exactly the order's names (as a set: missing and extra names are
//! named), its EKU has serverAuth, its validity does not exceed the Baseline Requirements'
//! maximum for its notBefore, no certificate is expired at `now`, each certificate is signed
//! by the next, and the last one is, or is signed by, a configured trust anchor
//! (`TRUST_ANCHORS`; in sandbox mode the sandbox's root too). Every problem is reported at
//! once, each a [`FieldIssue`] at [`CHAIN_POINTER`] with its own code.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::csr::rfc4514;
use super::issuance::{
    asn1_time, br_max_validity_days, dns_names, sha256_hex, summary_of, validity_seconds,
    IssuedCertificate,
};
use crate::domain::shared::issue::{Code, FieldIssue};

/// Where an uploaded chain's problems point: the request's `chain_pem` field.
pub const CHAIN_POINTER: &str = "/chain_pem";

/// The most certificates an uploaded chain may hold.
pub const MAX_CHAIN_CERTIFICATES: usize = 10;

/// Roots an uploaded chain must lead to (DER certificates, duplicates merged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustAnchors {
    ders: Vec<Vec<u8>>,
}

impl TrustAnchors {
    /// Every `CERTIFICATE` block of a PEM text (e.g. a `TRUST_ANCHORS` file); an error when
    /// one does not parse or when there is none.
    pub fn from_pem(text: &str) -> Result<Self, String> {
        let ders = pem_certificates(text).map_err(|e| e.0)?;
        if ders.is_empty() {
            return Err("no -----BEGIN CERTIFICATE----- block".to_owned());
        }
        Self::from_der(ders)
    }

    /// DER certificates; an error when one does not parse.
    pub fn from_der(ders: Vec<Vec<u8>>) -> Result<Self, String> {
        let mut out = Self::default();
        for der in ders {
            match X509Certificate::from_der(&der) {
                Ok(([], _)) => out.push(der),
                Ok(_) => return Err("trailing bytes after a certificate".to_owned()),
                Err(e) => return Err(format!("unreadable certificate: {e}")),
            }
        }
        Ok(out)
    }

    fn push(&mut self, der: Vec<u8>) {
        if !self.ders.contains(&der) {
            self.ders.push(der);
        }
    }

    pub fn extend(&mut self, other: &TrustAnchors) {
        for der in &other.ders {
            self.push(der.clone());
        }
    }

    pub fn ders(&self) -> &[Vec<u8>] {
        &self.ders
    }

    pub fn len(&self) -> usize {
        self.ders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ders.is_empty()
    }
}

/// What the order expects of its certificate.
#[derive(Debug, Clone, Copy)]
pub struct ChainExpectation<'a> {
    /// `CsrDetails::public_key_sha256` of the order's CSR.
    pub public_key_sha256: &'a str,
    /// The order's names (CN first); compared as a set, ASCII case-insensitively.
    pub names: &'a [String],
}

struct PemError(String);

/// The DER of every certificate of a PEM text, in order (a stored chain read back for its
/// downloads); why not, when it holds anything else that breaks PEM, or a private key.
pub fn certificates_of_pem(text: &str) -> Result<Vec<Vec<u8>>, String> {
    pem_certificates(text).map_err(|PemError(why)| why)
}

/// The DER of every `CERTIFICATE` block, in order. A private key anywhere is an error of its
/// own kind (`Ok` never holds one).
fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, PemError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            return Err(PemError("a BEGIN line is cut".into()));
        };
        let label = &after[..label_end];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = after.find(&end_marker) else {
            return Err(PemError(format!(
                "the END line of a {label} block is missing"
            )));
        };
        let block_end = start + 11 + end + end_marker.len();
        if label.contains("PRIVATE KEY") {
            return Err(PemError(PRIVATE_KEY.into()));
        }
        if label == "CERTIFICATE" {
            let block = &rest[start..block_end];
            let (_, der) = pkcs8::der::pem::decode_vec(block.as_bytes())
                .map_err(|e| PemError(format!("a CERTIFICATE block's base64 is damaged: {e}")))?;
            out.push(der);
        }
        rest = &rest[block_end..];
    }
    Ok(out)
}

const PRIVATE_KEY: &str = "private key";

fn issue(code: Code, fr: String, en: String) -> FieldIssue {
    FieldIssue::new(CHAIN_POINTER, code, fr, en)
}

fn position(i: usize) -> (String, String) {
    match i {
        0 => (
            "le certificat du serveur (1er)".to_owned(),
            "the server's certificate (1st)".to_owned(),
        ),
        i => (
            format!("le certificat n° {}", i + 1),
            format!("certificate #{}", i + 1),
        ),
    }
}

/// Checks an uploaded chain against the order and the trust anchors (see the module's doc).
/// On success: the chain without the root, leaf first, and the leaf's summary.
pub fn verify_chain(
    chain_pem: &str,
    expected: &ChainExpectation<'_>,
    anchors: &TrustAnchors,
    now: DateTime<Utc>,
) -> Result<IssuedCertificate, Vec<FieldIssue>> {
    let ders = match pem_certificates(chain_pem) {
        Ok(ders) => ders,
        Err(PemError(why)) if why == PRIVATE_KEY => {
            return Err(vec![issue(
                Code::CertificatePrivateKeyIncluded,
                "Le texte contient une CLÉ PRIVÉE : retirez-la et envoyez seulement les \
                 certificats. Une clé privée transmise doit être considérée comme compromise."
                    .into(),
                "The text contains a PRIVATE KEY: remove it and send the certificates only. A \
                 private key that was sent must be considered compromised."
                    .into(),
            )]);
        }
        Err(PemError(why)) => return Err(vec![unparsable(&why, &why)]),
    };
    if ders.is_empty() {
        return Err(vec![unparsable(
            "aucun bloc « -----BEGIN CERTIFICATE----- »",
            "no \"-----BEGIN CERTIFICATE-----\" block",
        )]);
    }
    if ders.len() > MAX_CHAIN_CERTIFICATES {
        return Err(vec![unparsable(
            &format!("plus de {MAX_CHAIN_CERTIFICATES} certificats"),
            &format!("more than {MAX_CHAIN_CERTIFICATES} certificates"),
        )]);
    }
    let mut certs = Vec::with_capacity(ders.len());
    for (i, der) in ders.iter().enumerate() {
        match X509Certificate::from_der(der) {
            Ok(([], cert)) => certs.push(cert),
            _ => {
                let (fr, en) = position(i);
                return Err(vec![unparsable(
                    &format!("{fr} n'est pas un certificat X.509 lisible"),
                    &format!("{en} is not a readable X.509 certificate"),
                )]);
            }
        }
    }

    let mut issues = Vec::new();
    let leaf = &certs[0];
    check_leaf(leaf, expected, &mut issues);
    for (i, cert) in certs.iter().enumerate() {
        let not_after = asn1_time(cert.validity().not_after);
        if not_after < now {
            let (fr, en) = position(i);
            issues.push(issue(
                Code::CertificateExpired,
                format!(
                    "{fr} a expiré le {}.",
                    not_after.format("%d/%m/%Y %H:%M:%S UTC")
                ),
                format!(
                    "{en} expired on {}.",
                    not_after.format("%Y-%m-%d %H:%M:%S UTC")
                ),
            ));
        }
    }
    for (i, pair) in certs.windows(2).enumerate() {
        let (child, parent) = (&pair[0], &pair[1]);
        let is_ca = parent
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|bc| bc.value.ca);
        let signed = child.issuer().as_raw() == parent.subject().as_raw()
            && child.verify_signature(Some(parent.public_key())).is_ok();
        if !(signed && is_ca) {
            let (child_fr, child_en) = position(i);
            let (parent_fr, parent_en) = position(i + 1);
            let (why_fr, why_en) = if signed {
                (
                    "n'est pas une autorité (CA:FALSE)",
                    "is not a CA (CA:FALSE)",
                )
            } else {
                ("ne l'a pas signé", "did not sign it")
            };
            issues.push(issue(
                Code::ChainBroken,
                format!(
                    "{child_fr} (émis par « {} ») n'est pas signé par {parent_fr} \
                     (« {} ») : {parent_fr} {why_fr}. Envoyez le certificat du serveur puis \
                     chaque autorité, dans l'ordre.",
                    rfc4514(child.issuer()),
                    rfc4514(parent.subject())
                ),
                format!(
                    "{child_en} (issued by \"{}\") is not signed by {parent_en} (\"{}\"): \
                     {parent_en} {why_en}. Send the server's certificate, then each authority, \
                     in order.",
                    rfc4514(child.issuer()),
                    rfc4514(parent.subject())
                ),
            ));
        }
    }
    let last = certs.last().expect("at least one certificate");
    let last_der = ders.last().expect("at least one certificate");
    let anchored = anchor_of(last, last_der, anchors, now);
    if anchored.is_none() {
        issues.push(issue(
            Code::ChainUntrusted,
            format!(
                "La chaîne s'arrête à « {} », émis par « {} », qui n'est pas une autorité \
                 racine de confiance configurée (TRUST_ANCHORS). Ajoutez les certificats \
                 intermédiaires manquants, ou faites configurer la racine.",
                rfc4514(last.subject()),
                rfc4514(last.issuer())
            ),
            format!(
                "The chain stops at \"{}\", issued by \"{}\", which is not a configured trusted \
                 root (TRUST_ANCHORS). Add the missing intermediate certificates, or have the \
                 root configured.",
                rfc4514(last.subject()),
                rfc4514(last.issuer())
            ),
        ));
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let summary = summary_of(leaf, &ders[0]);
    let mut chain_der = ders;
    // The root itself, when sent, is not part of the chain a server presents.
    if chain_der.len() > 1 && anchored == Some(Anchored::IsAnchor) {
        chain_der.pop();
    }
    Ok(IssuedCertificate { chain_der, summary })
}

fn unparsable(why_fr: &str, why_en: &str) -> FieldIssue {
    issue(
        Code::CertificateUnparsable,
        format!(
            "La chaîne de certificats est illisible : {why_fr}. Collez les certificats au \
             format PEM (« -----BEGIN CERTIFICATE----- »), celui du serveur en premier."
        ),
        format!(
            "The certificate chain cannot be read: {why_en}. Paste the certificates in PEM \
             form (\"-----BEGIN CERTIFICATE-----\"), the server's first."
        ),
    )
}

fn check_leaf(
    leaf: &X509Certificate<'_>,
    expected: &ChainExpectation<'_>,
    out: &mut Vec<FieldIssue>,
) {
    let key = sha256_hex(leaf.public_key().raw);
    if !key.eq_ignore_ascii_case(expected.public_key_sha256) {
        out.push(issue(
            Code::CertificateKeyMismatch,
            format!(
                "La clé publique du certificat (SHA-256 {key}) n'est pas celle du CSR de la \
                 commande (SHA-256 {}) : ce certificat a été émis pour une autre demande.",
                expected.public_key_sha256
            ),
            format!(
                "The certificate's public key (SHA-256 {key}) is not the order's CSR key \
                 (SHA-256 {}): this certificate was issued for another request.",
                expected.public_key_sha256
            ),
        ));
    }

    let lower = |names: &mut dyn Iterator<Item = &str>| -> BTreeSet<String> {
        names
            .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
            .collect()
    };
    let have = lower(&mut dns_names(leaf).iter().map(String::as_str));
    let want = lower(&mut expected.names.iter().map(String::as_str));
    let missing: Vec<&str> = want.difference(&have).map(String::as_str).collect();
    let extra: Vec<&str> = have.difference(&want).map(String::as_str).collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut fr = Vec::new();
        let mut en = Vec::new();
        if !missing.is_empty() {
            fr.push(format!("manquants : {}", missing.join(", ")));
            en.push(format!("missing: {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            fr.push(format!("en trop : {}", extra.join(", ")));
            en.push(format!("extra: {}", extra.join(", ")));
        }
        out.push(issue(
            Code::CertificateNamesMismatch,
            format!(
                "Les noms (SAN) du certificat ne sont pas exactement ceux de la commande ({}).",
                fr.join(" ; ")
            ),
            format!(
                "The certificate's names (SAN) are not exactly the order's ({}).",
                en.join("; ")
            ),
        ));
    }

    let server_auth = leaf
        .extended_key_usage()
        .ok()
        .flatten()
        .is_some_and(|eku| eku.value.server_auth);
    if !server_auth {
        out.push(issue(
            Code::CertificateEkuMissing,
            "Le certificat n'a pas l'usage étendu « authentification de serveur TLS » \
             (extendedKeyUsage serverAuth) : ce n'est pas un certificat de serveur."
                .into(),
            "The certificate lacks the \"TLS server authentication\" extended key usage \
             (extendedKeyUsage serverAuth): it is not a server certificate."
                .into(),
        ));
    }

    let not_before = asn1_time(leaf.validity().not_before);
    let not_after = asn1_time(leaf.validity().not_after);
    let max_days = br_max_validity_days(not_before);
    let seconds = validity_seconds(not_before, not_after);
    if seconds > max_days * 86_400 {
        let days = seconds as f64 / 86_400.0;
        out.push(issue(
            Code::CertificateValidityTooLong,
            format!(
                "Le certificat est valide {days:.2} jours (du {} au {}), plus que les \
                 {max_days} jours permis par les Baseline Requirements pour un certificat qui \
                 commence à cette date.",
                not_before.format("%d/%m/%Y"),
                not_after.format("%d/%m/%Y")
            ),
            format!(
                "The certificate is valid for {days:.2} days (from {} to {}), more than the \
                 {max_days} days the Baseline Requirements allow for a certificate starting \
                 on that day.",
                not_before.format("%Y-%m-%d"),
                not_after.format("%Y-%m-%d")
            ),
        ));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchored {
    /// The last certificate is a trust anchor (same name and key).
    IsAnchor,
    /// The last certificate is signed by a trust anchor.
    SignedByAnchor,
}

fn anchor_of(
    last: &X509Certificate<'_>,
    last_der: &[u8],
    anchors: &TrustAnchors,
    now: DateTime<Utc>,
) -> Option<Anchored> {
    anchors.ders().iter().find_map(|der| {
        let (_, anchor) = X509Certificate::from_der(der).ok()?;
        if asn1_time(anchor.validity().not_after) < now {
            return None;
        }
        let same = der.as_slice() == last_der
            || (anchor.subject().as_raw() == last.subject().as_raw()
                && anchor.public_key().raw == last.public_key().raw);
        if same {
            return Some(Anchored::IsAnchor);
        }
        (last.issuer().as_raw() == anchor.subject().as_raw()
            && last.verify_signature(Some(anchor.public_key())).is_ok())
        .then_some(Anchored::SignedByAnchor)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pki::csr::to_pem;
    use crate::domain::pki::issuance::{br_latest_not_after, IssueRequest, Issuer};
    use crate::domain::pki::keygen::KeyType;
    use crate::domain::pki::sandbox_ca::tests::{csr, names, now, request, shared_ca};
    use crate::domain::pki::sandbox_ca::{SandboxCa, SandboxCaFiles};
    use chrono::Duration;
    use rcgen::{
        CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    };

    fn codes(issues: &[FieldIssue]) -> Vec<&'static str> {
        issues.iter().map(|i| i.code.as_str()).collect()
    }

    fn pem_chain(ders: &[Vec<u8>]) -> String {
        ders.iter().map(|d| to_pem("CERTIFICATE", d)).collect()
    }

    /// A sandbox leaf for the order's CSR and names, and what the order expects.
    struct Order {
        names: Vec<String>,
        key_sha: String,
        chain_pem: String,
    }

    fn sandbox_order() -> Order {
        let (ca, _) = shared_ca();
        let names = names();
        let (csr_pem, key_sha) = csr(KeyType::EcdsaP256, &names);
        let issued = ca.issue(&request(&csr_pem, &names)).unwrap();
        Order {
            chain_pem: pem_chain(&issued.chain_der),
            names,
            key_sha,
        }
    }

    fn verify(order: &Order, chain_pem: &str) -> Result<IssuedCertificate, Vec<FieldIssue>> {
        let (ca, _) = shared_ca();
        let expected = ChainExpectation {
            public_key_sha256: &order.key_sha,
            names: &order.names,
        };
        verify_chain(chain_pem, &expected, ca.trust_anchors(), now())
    }

    /// A leaf signed by the sandbox's issuing CA with the test's own parameters (what a
    /// careless real CA might send), for the CSR-less defects.
    fn custom_leaf(edit: impl FnOnce(&mut CertificateParams)) -> (Order, String) {
        let (ca, files) = shared_ca();
        let issuing_key = issuing_key(files);
        let mut params = CertificateParams::new(names()).unwrap();
        params.is_ca = IsCa::ExplicitNoCa;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.not_before = time::OffsetDateTime::from_unix_timestamp(now().timestamp()).unwrap();
        params.not_after =
            time::OffsetDateTime::from_unix_timestamp((now() + Duration::days(90)).timestamp())
                .unwrap();
        edit(&mut params);
        let leaf_key = KeyPair::generate().unwrap();
        let issuer = rcgen::Issuer::new(issuing_params(), issuing_key);
        let leaf = params.signed_by(&leaf_key, &issuer).unwrap();
        let order = Order {
            names: names(),
            key_sha: sha256_hex(&rcgen::PublicKeyData::subject_public_key_info(&leaf_key)),
            chain_pem: String::new(),
        };
        let chain = pem_chain(&[leaf.der().to_vec(), ca.issuing_der().to_vec()]);
        (order, chain)
    }

    fn issuing_key(files: &SandboxCaFiles) -> KeyPair {
        let (_, der) = pkcs8::der::pem::decode_vec(files.issuing_key_pem.as_bytes()).unwrap();
        let plain = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
            .unwrap()
            .decrypt(crate::domain::pki::sandbox_ca::tests::PASSPHRASE)
            .unwrap();
        KeyPair::try_from(plain.as_bytes()).unwrap()
    }

    fn issuing_params() -> CertificateParams {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::OrganizationName,
            crate::domain::pki::sandbox_ca::CA_ORGANIZATION,
        );
        dn.push(
            DnType::CommonName,
            crate::domain::pki::sandbox_ca::ISSUING_CN,
        );
        params.distinguished_name = dn;
        params
    }

    #[test]
    fn the_sandboxs_own_chain_is_accepted_and_summarized() {
        let order = sandbox_order();
        let issued = verify(&order, &order.chain_pem).unwrap();
        assert_eq!(issued.chain_der.len(), 2);
        assert_eq!(issued.summary.dns_names, order.names);
        assert_eq!(issued.summary.public_key_sha256, order.key_sha);
    }

    #[test]
    fn a_chain_sent_with_its_root_is_accepted_and_the_root_dropped() {
        let order = sandbox_order();
        let (ca, _) = shared_ca();
        let with_root = format!("{}{}", order.chain_pem, ca.root_pem());
        let issued = verify(&order, &with_root).unwrap();
        assert_eq!(issued.chain_der.len(), 2, "the root is not kept");
    }

    #[test]
    fn a_certificate_for_another_key_is_refused_with_certificate_key_mismatch() {
        let mut order = sandbox_order();
        order.key_sha = "00".repeat(32);
        let issues = verify(&order, &order.chain_pem.clone()).unwrap_err();
        assert_eq!(codes(&issues), ["certificate_key_mismatch"]);
        assert!(issues.iter().all(|i| i.pointer == "/chain_pem"));
    }

    #[test]
    fn missing_and_extra_names_are_named_with_certificate_names_mismatch() {
        let mut order = sandbox_order();
        let chain = order.chain_pem.clone();
        order.names = vec![
            "www.certigna.fr".into(),
            "certigna.fr".into(),
            "blog.certigna.fr".into(),
        ];
        let issues = verify(&order, &chain).unwrap_err();
        assert_eq!(codes(&issues), ["certificate_names_mismatch"]);
        assert!(issues[0].message_en.contains("missing: blog.certigna.fr"));
        assert!(issues[0].message_en.contains("extra: shop.certigna.fr"));
        assert!(issues[0]
            .message_fr
            .contains("manquants : blog.certigna.fr"));
        // the same names in another order and case are the same set
        order.names = vec![
            "SHOP.certigna.fr".into(),
            "certigna.fr".into(),
            "www.certigna.fr".into(),
        ];
        assert!(verify(&order, &chain).is_ok());
        order.names.pop();
        let issues = verify(&order, &chain).unwrap_err();
        assert!(issues[0].message_en.contains("extra: www.certigna.fr"));
        assert!(!issues[0].message_en.contains("missing"));
    }

    #[test]
    fn a_leaf_without_server_auth_is_refused_with_certificate_eku_missing() {
        let (order, chain) = custom_leaf(|p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        });
        assert_eq!(
            codes(&verify(&order, &chain).unwrap_err()),
            ["certificate_eku_missing"]
        );
        let (order, chain) = custom_leaf(|p| p.extended_key_usages.clear());
        assert_eq!(
            codes(&verify(&order, &chain).unwrap_err()),
            ["certificate_eku_missing"]
        );
    }

    #[test]
    fn a_leaf_longer_than_the_br_maximum_is_refused_with_certificate_validity_too_long() {
        let nb = now();
        let (order, chain) = custom_leaf(|p| {
            p.not_after = time::OffsetDateTime::from_unix_timestamp(
                (br_latest_not_after(nb) + Duration::seconds(1)).timestamp(),
            )
            .unwrap();
        });
        let issues = verify(&order, &chain).unwrap_err();
        assert_eq!(codes(&issues), ["certificate_validity_too_long"]);
        assert!(
            issues[0].message_en.contains("200 days"),
            "{}",
            issues[0].message_en
        );
        // exactly the maximum is fine
        let (order, chain) = custom_leaf(|p| {
            p.not_after =
                time::OffsetDateTime::from_unix_timestamp(br_latest_not_after(nb).timestamp())
                    .unwrap();
        });
        assert!(verify(&order, &chain).is_ok());
    }

    #[test]
    fn an_expired_leaf_is_refused_with_certificate_expired() {
        let (order, chain) = custom_leaf(|p| {
            p.not_before = time::OffsetDateTime::from_unix_timestamp(
                (now() - Duration::days(100)).timestamp(),
            )
            .unwrap();
            p.not_after =
                time::OffsetDateTime::from_unix_timestamp((now() - Duration::days(10)).timestamp())
                    .unwrap();
        });
        let issues = verify(&order, &chain).unwrap_err();
        assert_eq!(codes(&issues), ["certificate_expired"]);
        assert!(issues[0]
            .message_en
            .starts_with("the server's certificate (1st) expired"));
    }

    #[test]
    fn a_chain_in_the_wrong_order_or_with_a_foreign_intermediate_is_refused_with_chain_broken() {
        let order = sandbox_order();
        let (ca, _) = shared_ca();
        let (other, _) = SandboxCa::generate(now(), "another").unwrap();
        // leaf, then someone else's intermediate (then our root: that part is fine)
        let leaf = order
            .chain_pem
            .split_inclusive("-----END CERTIFICATE-----\n")
            .next()
            .unwrap();
        let foreign = format!("{leaf}{}", to_pem("CERTIFICATE", other.issuing_der()));
        let issues = verify(&order, &foreign).unwrap_err();
        assert_eq!(codes(&issues), ["chain_broken", "chain_untrusted"]);
        assert!(issues[0].message_en.contains("certificate #2"));
        // intermediate first
        let swapped = format!("{}{leaf}", to_pem("CERTIFICATE", ca.issuing_der()));
        let issues = verify(&order, &swapped).unwrap_err();
        assert!(codes(&issues).contains(&"chain_broken"), "{issues:?}");
        assert!(codes(&issues).contains(&"certificate_key_mismatch"));
    }

    #[test]
    fn a_chain_to_an_unknown_root_is_refused_with_chain_untrusted() {
        let (other, _) = SandboxCa::generate(now(), "another").unwrap();
        let names = names();
        let (csr_pem, key_sha) = csr(KeyType::EcdsaP256, &names);
        let issued = other.issue(&request(&csr_pem, &names)).unwrap();
        let order = Order {
            names,
            key_sha,
            chain_pem: pem_chain(&issued.chain_der),
        };
        let issues = verify(&order, &order.chain_pem).unwrap_err();
        assert_eq!(codes(&issues), ["chain_untrusted"]);
        // nor does sending the unknown root along make it trusted
        let with_root = format!("{}{}", order.chain_pem, other.root_pem());
        assert_eq!(
            codes(&verify(&order, &with_root).unwrap_err()),
            ["chain_untrusted"]
        );
        // with no anchor at all, nothing is trusted
        let expected = ChainExpectation {
            public_key_sha256: &order.key_sha,
            names: &order.names,
        };
        let none = verify_chain(&order.chain_pem, &expected, &TrustAnchors::default(), now());
        assert_eq!(codes(&none.unwrap_err()), ["chain_untrusted"]);
    }

    #[test]
    fn several_defects_are_reported_at_once() {
        let (mut order, chain) = custom_leaf(|p| {
            p.extended_key_usages.clear();
            p.not_after = time::OffsetDateTime::from_unix_timestamp(
                (now() + Duration::days(400)).timestamp(),
            )
            .unwrap();
        });
        order.key_sha = "ab".repeat(32);
        order.names.push("extra.certigna.fr".into());
        assert_eq!(
            codes(&verify(&order, &chain).unwrap_err()),
            [
                "certificate_key_mismatch",
                "certificate_names_mismatch",
                "certificate_eku_missing",
                "certificate_validity_too_long"
            ]
        );
    }

    #[test]
    fn text_that_is_not_a_certificate_chain_is_refused_with_certificate_unparsable() {
        let order = sandbox_order();
        for text in [
            "",
            "hello",
            "-----BEGIN CERTIFICATE-----\nAAAA\n",
            "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        ] {
            let issues = verify(&order, text).unwrap_err();
            assert_eq!(codes(&issues), ["certificate_unparsable"], "{text:?}");
        }
        let csr_only = csr(KeyType::EcdsaP256, &names()).0;
        assert_eq!(
            codes(&verify(&order, &csr_only).unwrap_err()),
            ["certificate_unparsable"]
        );
    }

    #[test]
    fn a_chain_with_a_private_key_is_refused_and_the_key_never_echoed() {
        let order = sandbox_order();
        let key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
        let issues = verify(&order, &format!("{}{key}", order.chain_pem)).unwrap_err();
        assert_eq!(codes(&issues), ["certificate_private_key_included"]);
        assert!(!issues[0].message_en.contains("MIGHAgEA"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn verify_chain_never_panics_and_always_says_why_on_mangled_chains(
            cut in 0usize..2000,
            flip in 0usize..2000,
            c in proptest::char::any(),
        ) {
            let order = sandbox_order_cached();
            let mut s: String = order.chain_pem.chars().take(cut).collect();
            if flip < s.len() && s.is_char_boundary(flip) && s.is_char_boundary(flip + 1) {
                s.replace_range(flip..flip + 1, &c.to_string());
            }
            if let Err(issues) = verify(order, &s) {
                proptest::prop_assert!(!issues.is_empty());
                proptest::prop_assert!(issues.iter().all(|i| i.pointer == CHAIN_POINTER));
            }
        }

        #[test]
        fn verify_chain_never_panics_on_arbitrary_text(s in "\\PC*") {
            let issues = verify(sandbox_order_cached(), &s).unwrap_err();
            proptest::prop_assert!(!issues.is_empty());
        }
    }

    fn sandbox_order_cached() -> &'static Order {
        static ORDER: std::sync::OnceLock<Order> = std::sync::OnceLock::new();
        ORDER.get_or_init(sandbox_order)
    }

    #[test]
    fn trust_anchors_read_pem_files_and_refuse_empty_ones() {
        let (ca, _) = shared_ca();
        let anchors = TrustAnchors::from_pem(&format!("# roots\n{}", ca.root_pem())).unwrap();
        assert_eq!(anchors.ders(), [ca.root_der().to_vec()]);
        assert!(TrustAnchors::from_pem("nothing here").is_err());
        let mut both = anchors.clone();
        both.extend(&anchors);
        assert_eq!(both.len(), 1, "duplicates merged");
    }

    #[test]
    fn the_sandbox_issuer_trusts_its_root_and_the_extra_anchors() {
        let (other, _) = SandboxCa::generate(now(), "x").unwrap();
        let extra = TrustAnchors::from_der(vec![other.root_der().to_vec()]).unwrap();
        let (_, files) = shared_ca();
        let ca = SandboxCa::from_files(files, crate::domain::pki::sandbox_ca::tests::PASSPHRASE)
            .unwrap()
            .with_extra_anchors(&extra);
        assert_eq!(ca.trust_anchors().len(), 2);
        let names = names();
        let (csr_pem, key_sha) = csr(KeyType::EcdsaP256, &names);
        let req: IssueRequest<'_> = request(&csr_pem, &names);
        let chain = pem_chain(&other.issue(&req).unwrap().chain_der);
        let expected = ChainExpectation {
            public_key_sha256: &key_sha,
            names: &names,
        };
        assert!(verify_chain(&chain, &expected, ca.trust_anchors(), now()).is_ok());
    }
}
