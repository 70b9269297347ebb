//! Reading and checking a certificate signing request (PEM PKCS#10) pasted by a customer.
//!
//! [`decode_csr`] reports every finding at once, each with its own stable code, and the
//! CSR's details whenever it could be parsed at all. It does not judge the names (CN, SAN
//! dNSNames): the domain module does, on [`CsrDetails::common_name`] and
//! [`CsrDetails::dns_names`].
//!
//! Signature algorithms accepted: sha256/384/512WithRSAEncryption (PKCS#1 v1.5) and
//! ecdsa-with-SHA256/384. Refused, with `csr_signature_algorithm`:
//! - SHA-1, MD5 and every other digest;
//! - RSASSA-PSS: the parameters (hash, MGF, salt length) add failure modes for no benefit in
//!   a proof of possession, and Let's Encrypt's Boulder refuses it too; tools make PKCS#1 v1.5
//!   CSRs by default;
//! - ecdsa-with-SHA512: the verifier behind x509-parser (ring) cannot check it, and no
//!   mainstream tool makes it by default (OpenSSL signs with SHA-256).

use std::net::IpAddr;

use base64::Engine as _;
use sha2::{Digest, Sha256};
use x509_parser::der_parser::error::BerError;
use x509_parser::error::X509Error;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509CertificationRequest};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use crate::domain::pki::rsa_checks;
use crate::domain::shared::issue::{Code, FieldIssue};

/// Longest common name (RFC 5280 ub-common-name).
pub const CN_MAX_CHARS: usize = 64;

/// Most domain names (CN and SAN dNSNames, duplicates merged) a CSR may carry; an
/// authority's own limit of extra names applies on top (see `domain::order::wizard`).
pub const MAX_CSR_NAMES: usize = 100;

/// The public key of a CSR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDetails {
    /// `rsa`, `ecdsa`, `ed25519`, `ed448`, `dsa`, `rsassa-pss`, or the key algorithm's OID.
    pub algorithm: String,
    /// Modulus size for RSA, curve size for ECDSA.
    pub bits: u64,
    /// `P-256`, `P-384`, `P-521`, `secp256k1`, `brainpoolP256r1`…, or the curve's OID.
    pub curve: Option<String>,
    /// The RSA public exponent (absent when it does not fit in 64 bits).
    pub exponent: Option<u64>,
}

/// What a CSR says, for display and for the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrDetails {
    /// The subject as an RFC 4514 string (most specific RDN first), e.g.
    /// `CN=www.certigna.fr,O=Certigna,C=FR`.
    pub subject: String,
    /// The subject's first common name, as written.
    pub common_name: Option<String>,
    /// The SAN dNSNames, as written (not normalized: the domain checks do that).
    pub dns_names: Vec<String>,
    pub key: KeyDetails,
    /// e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA384`, or the OID.
    pub signature_algorithm: String,
    /// Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.
    pub public_key_sha256: String,
    /// The CSR re-armoured: `CERTIFICATE REQUEST` label, 64-column base64, LF line ends.
    pub pem: String,
}

/// The outcome of [`decode_csr`]: every finding, and the details whenever the CSR parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrDecoding {
    pub details: Option<CsrDetails>,
    pub issues: Vec<FieldIssue>,
}

#[cfg(test)]
impl CsrDecoding {
    /// A CSR that parsed and has no finding.
    pub fn is_valid(&self) -> bool {
        self.details.is_some() && self.issues.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csr,
    Certificate,
    PrivateKey,
    PublicKey,
    Other,
}

struct PemBlock<'a> {
    label: &'a str,
    kind: Kind,
    /// The text between BEGIN and END; `None` when the END line is missing or mismatched.
    body: Option<&'a str>,
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

fn kind_of(label: &str) -> Kind {
    let label = label.trim().to_ascii_uppercase();
    match label.as_str() {
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Kind::Csr,
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" | "PKCS7" | "CMS" => {
            Kind::Certificate
        }
        l if l.contains("PRIVATE KEY") => Kind::PrivateKey,
        l if l.ends_with("PUBLIC KEY") => Kind::PublicKey,
        _ => Kind::Other,
    }
}

/// The PEM blocks of `text`, found by their markers (so that a PEM whose line breaks were
/// turned into spaces still reads). Also: whether an END marker appears with no BEGIN.
fn scan_pem(text: &str) -> (Vec<PemBlock<'_>>, bool) {
    let mut blocks = Vec::new();
    let mut pos = 0;
    while let Some(found) = text[pos..].find(BEGIN) {
        let label_start = pos + found + BEGIN.len();
        let Some(label_len) = text[label_start..]
            .find(DASHES)
            .filter(|&n| !text[label_start..label_start + n].contains('\n'))
        else {
            blocks.push(PemBlock {
                label: "",
                kind: Kind::Other,
                body: None,
            });
            break;
        };
        let label = &text[label_start..label_start + label_len];
        let body_start = label_start + label_len + DASHES.len();
        let next_begin = text[body_start..].find(BEGIN).map(|n| body_start + n);
        let next_end = text[body_start..].find(END).map(|n| body_start + n);
        let mut block = PemBlock {
            label,
            kind: kind_of(label),
            body: None,
        };
        match next_end {
            Some(end) if next_begin.is_none_or(|b| b > end) => {
                let end_label_start = end + END.len();
                let end_label_len = text[end_label_start..].find(DASHES);
                pos = end_label_start + end_label_len.map_or(0, |n| n + DASHES.len());
                if end_label_len
                    .is_some_and(|n| text[end_label_start..end_label_start + n] == *label)
                {
                    block.body = Some(&text[body_start..end]);
                }
            }
            _ => pos = next_begin.unwrap_or(text.len()),
        }
        blocks.push(block);
    }
    let stray_end = blocks.is_empty() && text.contains(END);
    (blocks, stray_end)
}

const EXPECTED_FR: &str =
    "Collez le CSR au format PEM, du « -----BEGIN CERTIFICATE REQUEST----- » \
                           au « -----END CERTIFICATE REQUEST----- » inclus.";
const EXPECTED_EN: &str =
    "Paste the CSR in PEM form, from \"-----BEGIN CERTIFICATE REQUEST-----\" \
                           to \"-----END CERTIFICATE REQUEST-----\" included.";

fn truncated(pointer: &str, why_fr: &str, why_en: &str) -> FieldIssue {
    FieldIssue::new(
        pointer,
        Code::CsrTruncated,
        format!("Le CSR est incomplet : {why_fr}. {EXPECTED_FR}"),
        format!("The CSR is incomplete: {why_en}. {EXPECTED_EN}"),
    )
}

fn malformed(pointer: &str, why_fr: &str, why_en: &str) -> FieldIssue {
    FieldIssue::new(
        pointer,
        Code::CsrMalformed,
        format!("Le CSR est illisible : {why_fr}. Générez-le de nouveau."),
        format!("The CSR cannot be read: {why_en}. Generate it again."),
    )
}

/// Decodes and checks a PEM PKCS#10 CSR; every finding is reported at `pointer`.
pub fn decode_csr(input: &str, pointer: &str) -> CsrDecoding {
    let mut out = CsrDecoding {
        details: None,
        issues: Vec::new(),
    };
    let text = input.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.is_empty() {
        out.issues.push(FieldIssue::new(
            pointer,
            Code::CsrEmpty,
            format!("Le CSR est vide. {EXPECTED_FR}"),
            format!("The CSR is empty. {EXPECTED_EN}"),
        ));
        return out;
    }
    let (blocks, stray_end) = scan_pem(text);
    if blocks.is_empty() {
        out.issues.push(if stray_end {
            truncated(
                pointer,
                "la ligne BEGIN et le début du contenu manquent",
                "the BEGIN line and the start of the content are missing",
            )
        } else {
            not_pem(text, pointer)
        });
        return out;
    }
    if blocks.iter().any(|b| b.kind == Kind::PrivateKey) {
        out.issues.push(FieldIssue::new(
            pointer,
            Code::CsrIsPrivateKey,
            "Le texte contient une CLÉ PRIVÉE. Ne transmettez jamais votre clé privée, ni ici \
             ni ailleurs : elle doit rester sur votre serveur. Considérez celle-ci comme \
             compromise, générez une nouvelle clé et envoyez seulement le CSR \
             (« -----BEGIN CERTIFICATE REQUEST----- »).",
            "The text contains a PRIVATE KEY. Never send your private key, here or anywhere: \
             it must stay on your server. Consider this one compromised, generate a new key \
             and send only the CSR (\"-----BEGIN CERTIFICATE REQUEST-----\").",
        ));
    }
    let csrs: Vec<&PemBlock> = blocks.iter().filter(|b| b.kind == Kind::Csr).collect();
    match csrs.as_slice() {
        [] => {
            if blocks.iter().any(|b| b.kind == Kind::PrivateKey) {
                // already reported
            } else if blocks.iter().any(|b| b.kind == Kind::Certificate) {
                out.issues.push(FieldIssue::new(
                    pointer,
                    Code::CsrIsCertificate,
                    format!(
                        "Vous avez collé un certificat (« BEGIN CERTIFICATE »), pas une demande \
                         de certificat. Le CSR est produit avec la clé privée, avant la \
                         commande. {EXPECTED_FR}"
                    ),
                    format!(
                        "You pasted a certificate (\"BEGIN CERTIFICATE\"), not a certificate \
                         signing request. The CSR is made with the private key, before the \
                         order. {EXPECTED_EN}"
                    ),
                ));
            } else if blocks.iter().any(|b| b.kind == Kind::PublicKey) {
                out.issues.push(FieldIssue::new(
                    pointer,
                    Code::CsrIsPublicKey,
                    format!(
                        "Vous avez collé une clé publique (« BEGIN PUBLIC KEY »), pas un CSR. \
                         {EXPECTED_FR}"
                    ),
                    format!(
                        "You pasted a public key (\"BEGIN PUBLIC KEY\"), not a CSR. {EXPECTED_EN}"
                    ),
                ));
            } else {
                let label: String = blocks[0]
                    .label
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
                    .take(40)
                    .collect();
                out.issues.push(FieldIssue::new(
                    pointer,
                    Code::CsrMalformed,
                    format!(
                        "Le bloc PEM est de type « {label} », pas « CERTIFICATE REQUEST ». \
                         {EXPECTED_FR}"
                    ),
                    format!(
                        "The PEM block is of type \"{label}\", not \"CERTIFICATE REQUEST\". \
                         {EXPECTED_EN}"
                    ),
                ));
            }
        }
        [block] => decode_block(block, pointer, &mut out),
        several => out.issues.push(FieldIssue::new(
            pointer,
            Code::CsrMultiple,
            format!(
                "Le texte contient {} CSR ; collez-en un seul.",
                several.len()
            ),
            format!("The text holds {} CSRs; paste only one.", several.len()),
        )),
    }
    out
}

/// The `csr_not_pem` finding for text without any PEM marker, saying what it looks like.
fn not_pem(text: &str, pointer: &str) -> FieldIssue {
    let binary = text
        .chars()
        .any(|c| c == '\u{fffd}' || (c.is_control() && !c.is_whitespace()));
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let base64ish = compact.len() >= 16
        && compact
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    let (fr, en) = if binary {
        (
            "Le texte ressemble à un fichier binaire (CSR au format DER ?). Convertissez-le en \
             PEM, par exemple avec « openssl req -inform DER -in demande.der -out demande.csr ».",
            "The text looks like a binary file (a DER CSR?). Convert it to PEM, for instance \
             with \"openssl req -inform DER -in request.der -out request.csr\".",
        )
    } else if base64ish {
        let der = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes());
        if der.is_ok_and(|der| X509CertificationRequest::from_der(&der).is_ok()) {
            (
                "Le texte est un CSR en base64 sans ses lignes d'encadrement : ajoutez \
                 « -----BEGIN CERTIFICATE REQUEST----- » avant et \
                 « -----END CERTIFICATE REQUEST----- » après.",
                "The text is a base64 CSR without its armour lines: add \
                 \"-----BEGIN CERTIFICATE REQUEST-----\" before and \
                 \"-----END CERTIFICATE REQUEST-----\" after.",
            )
        } else {
            (
                "Le texte ressemble à du base64 sans lignes « -----BEGIN … ----- » : ce n'est \
                 pas un CSR au format PEM.",
                "The text looks like base64 without \"-----BEGIN … -----\" lines: it is not a \
                 PEM CSR.",
            )
        }
    } else {
        (
            "Le texte n'est pas un CSR : aucune ligne « -----BEGIN CERTIFICATE REQUEST----- ».",
            "The text is not a CSR: no \"-----BEGIN CERTIFICATE REQUEST-----\" line.",
        )
    };
    FieldIssue::new(
        pointer,
        Code::CsrNotPem,
        format!("{fr} {EXPECTED_FR}"),
        format!("{en} {EXPECTED_EN}"),
    )
}

fn decode_block(block: &PemBlock, pointer: &str, out: &mut CsrDecoding) {
    let Some(body) = block.body else {
        out.issues.push(truncated(
            pointer,
            "la ligne « -----END CERTIFICATE REQUEST----- » manque",
            "the \"-----END CERTIFICATE REQUEST-----\" line is missing",
        ));
        return;
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = match base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) {
        Ok(der) if !der.is_empty() => der,
        _ => {
            out.issues.push(truncated(
                pointer,
                "le contenu base64 est coupé ou abîmé",
                "the base64 content is cut or damaged",
            ));
            return;
        }
    };
    let csr = match X509CertificationRequest::from_der(&der) {
        Ok((rest, csr)) => {
            if !rest.is_empty() {
                out.issues.push(malformed(
                    pointer,
                    "des données suivent la demande PKCS#10",
                    "data follows the PKCS#10 request",
                ));
            }
            csr
        }
        Err(e) => {
            let incomplete = declared_len(&der).is_some_and(|n| n > der.len())
                || matches!(e, x509_parser::nom::Err::Incomplete(_))
                || matches!(
                    e,
                    x509_parser::nom::Err::Error(X509Error::Der(BerError::Incomplete(_)))
                        | x509_parser::nom::Err::Failure(X509Error::Der(BerError::Incomplete(_)))
                );
            out.issues.push(if incomplete {
                truncated(
                    pointer,
                    "la demande PKCS#10 s'arrête avant sa fin",
                    "the PKCS#10 request stops before its end",
                )
            } else {
                malformed(
                    pointer,
                    "ce n'est pas une demande PKCS#10 valide",
                    "it is not a valid PKCS#10 request",
                )
            });
            return;
        }
    };
    check_csr(&csr, &der, pointer, out);
}

/// The total length an outer DER SEQUENCE says it has (header included).
fn declared_len(der: &[u8]) -> Option<usize> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    if tag != 0x30 {
        return None;
    }
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 || rest.len() < n {
        return None;
    }
    let len = rest[..n]
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    Some(2 + n + len)
}

fn check_csr(csr: &X509CertificationRequest, der: &[u8], pointer: &str, out: &mut CsrDecoding) {
    let info = &csr.certification_request_info;
    let issues = &mut out.issues;

    // Subject and CN
    let subject = rfc4514(&info.subject);
    let mut common_name = None;
    if let Some(cn) = info.subject.iter_common_name().next() {
        match attr_string(cn) {
            Some(cn) => {
                let chars = cn.chars().count();
                if chars > CN_MAX_CHARS {
                    issues.push(FieldIssue::new(
                        pointer,
                        Code::CsrCnTooLong,
                        format!(
                            "Le nom commun (CN) du CSR fait {chars} caractères : le maximum est \
                             {CN_MAX_CHARS}. Mettez un nom plus court dans le CN et tous les \
                             noms dans le SAN."
                        ),
                        format!(
                            "The CSR's common name (CN) has {chars} characters: the maximum is \
                             {CN_MAX_CHARS}. Put a shorter name in the CN and every name in \
                             the SAN."
                        ),
                    ));
                }
                common_name = Some(cn);
            }
            None => issues.push(malformed(
                pointer,
                "le nom commun (CN) n'est pas une chaîne de caractères lisible",
                "the common name (CN) is not a readable character string",
            )),
        }
    }

    // Subject alternative names
    let mut dns_names = Vec::new();
    if let Some(extensions) = csr.requested_extensions() {
        for ext in extensions {
            match ext {
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        check_general_name(name, pointer, &mut dns_names, issues);
                    }
                }
                ParsedExtension::ParseError { .. } => issues.push(malformed(
                    pointer,
                    "une extension demandée est illisible",
                    "a requested extension cannot be read",
                )),
                _ => {}
            }
        }
    }
    let mut distinct: Vec<String> = common_name
        .iter()
        .chain(dns_names.iter())
        .map(|n| n.to_ascii_lowercase())
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() > MAX_CSR_NAMES {
        let count = distinct.len();
        issues.push(FieldIssue::new(
            pointer,
            Code::CsrTooManyNames,
            format!("Le CSR porte {count} noms de domaine (CN et SAN) : au plus {MAX_CSR_NAMES}."),
            format!("The CSR carries {count} domain names (CN and SAN): at most {MAX_CSR_NAMES}."),
        ));
    }
    if common_name.is_none() && dns_names.is_empty() {
        issues.push(FieldIssue::new(
            pointer,
            Code::CsrNoNames,
            "Le CSR ne contient aucun nom de domaine : ni nom commun (CN), ni nom alternatif \
             (SAN) de type DNS. Générez-le avec le nom du site, par exemple \
             CN=www.exemple.fr.",
            "The CSR holds no domain name: neither a common name (CN) nor a DNS alternative \
             name (SAN). Generate it with the site's name, for instance CN=www.example.com.",
        ));
    }

    // Key
    let spki = &info.subject_pki;
    let (key, key_refused, verifiable) = check_key(spki, pointer, issues);

    // Signature algorithm and signature
    let sig_oid = csr.signature_algorithm.algorithm.to_id_string();
    let (signature_algorithm, sig_ok) = signature_algorithm_name(&sig_oid);
    if !key_refused && !sig_ok {
        issues.push(FieldIssue::new(
            pointer,
            Code::CsrSignatureAlgorithm,
            format!(
                "Le CSR est signé avec l'algorithme {signature_algorithm}, refusé : utilisez \
                 SHA-256, SHA-384 ou SHA-512 avec RSA (PKCS#1 v1.5), ou ECDSA avec SHA-256 ou \
                 SHA-384 (par exemple « openssl req -new -sha256 … »)."
            ),
            format!(
                "The CSR is signed with {signature_algorithm}, which is refused: use SHA-256, \
                 SHA-384 or SHA-512 with RSA (PKCS#1 v1.5), or ECDSA with SHA-256 or SHA-384 \
                 (for instance \"openssl req -new -sha256 …\")."
            ),
        ));
    }
    if verifiable {
        let bad = match csr.verify_signature() {
            Ok(()) => false,
            Err(X509Error::SignatureUnsupportedAlgorithm) => sig_ok && !key_refused,
            Err(_) => true,
        };
        if bad {
            issues.push(FieldIssue::new(
                pointer,
                Code::CsrBadSignature,
                "La signature du CSR n'est pas valide : le CSR a été modifié après sa création \
                 ou est abîmé. Générez-le de nouveau avec votre clé privée.",
                "The CSR's signature is not valid: the CSR was altered after it was made or is \
                 damaged. Generate it again with your private key.",
            ));
        }
    }

    out.details = Some(CsrDetails {
        subject,
        common_name,
        dns_names,
        key,
        signature_algorithm,
        public_key_sha256: hex::encode(Sha256::digest(spki.raw)),
        pem: to_pem("CERTIFICATE REQUEST", der),
    });
}

fn check_general_name(
    name: &GeneralName,
    pointer: &str,
    dns_names: &mut Vec<String>,
    issues: &mut Vec<FieldIssue>,
) {
    match name {
        // An IA5String is ASCII: other bytes make the name malformed, never a Unicode name
        // to convert (a CA would not read it as the customer meant).
        GeneralName::DNSName(dns) if !dns.is_ascii() => issues.push(malformed(
            pointer,
            &format!(
                "le nom alternatif (SAN) DNS « {} » contient des caractères non ASCII : un \
                 dNSName s'écrit en A-labels (xn--…), par exemple avec idn2",
                dns.escape_debug()
            ),
            &format!(
                "the DNS alternative name (SAN) \"{}\" holds non-ASCII characters: a \
                 dNSName is written in A-labels (xn--…), e.g. with idn2",
                dns.escape_debug()
            ),
        )),
        GeneralName::DNSName(dns) => dns_names.push((*dns).to_owned()),
        GeneralName::IPAddress(bytes) => {
            let shown = match bytes.len() {
                4 => IpAddr::from(<[u8; 4]>::try_from(*bytes).unwrap_or_default()).to_string(),
                16 => IpAddr::from(<[u8; 16]>::try_from(*bytes).unwrap_or_default()).to_string(),
                _ => hex::encode(bytes),
            };
            issues.push(FieldIssue::new(
                pointer,
                Code::DomainIpAddress,
                format!(
                    "Le CSR contient l'adresse IP {shown} : les certificats ne sont délivrés que \
                     pour des noms de domaine. Retirez-la du SAN."
                ),
                format!(
                    "The CSR holds the IP address {shown}: certificates are issued for domain \
                     names only. Remove it from the SAN."
                ),
            ));
        }
        GeneralName::RFC822Name(mail) => issues.push(FieldIssue::new(
            pointer,
            Code::CsrSanEmail,
            format!(
                "Le CSR contient l'adresse e-mail « {mail} » en nom alternatif (SAN) : un \
                 certificat serveur ne porte que des noms de domaine. Retirez-la."
            ),
            format!(
                "The CSR holds the e-mail address \"{mail}\" as an alternative name (SAN): a \
                 server certificate holds domain names only. Remove it."
            ),
        )),
        GeneralName::URI(uri) => issues.push(FieldIssue::new(
            pointer,
            Code::CsrSanUri,
            format!(
                "Le CSR contient l'URI « {uri} » en nom alternatif (SAN) : mettez seulement le \
                 nom de domaine (par exemple www.exemple.fr)."
            ),
            format!(
                "The CSR holds the URI \"{uri}\" as an alternative name (SAN): put only the \
                 domain name (for instance www.example.com)."
            ),
        )),
        other => {
            let kind = match other {
                GeneralName::OtherName(..) => "otherName",
                GeneralName::X400Address(_) => "x400Address",
                GeneralName::DirectoryName(_) => "directoryName",
                GeneralName::EDIPartyName(_) => "ediPartyName",
                GeneralName::RegisteredID(_) => "registeredID",
                _ => "?",
            };
            issues.push(FieldIssue::new(
                pointer,
                Code::CsrSanUnsupported,
                format!(
                    "Le CSR contient un nom alternatif (SAN) de type {kind}, non pris en charge : \
                     seuls des noms de domaine (DNS) sont acceptés."
                ),
                format!(
                    "The CSR holds an alternative name (SAN) of kind {kind}, which is not \
                     supported: only domain names (DNS) are accepted."
                ),
            ));
        }
    }
}

const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";

/// The key's details, whether it is refused as a type (`key_algorithm`), and whether its
/// signature can and should be verified.
fn check_key(
    spki: &x509_parser::x509::SubjectPublicKeyInfo,
    pointer: &str,
    issues: &mut Vec<FieldIssue>,
) -> (KeyDetails, bool, bool) {
    let alg_oid = spki.algorithm.algorithm.to_id_string();
    let mut key = KeyDetails {
        algorithm: alg_oid.clone(),
        bits: 0,
        curve: None,
        exponent: None,
    };
    let refuse = |issues: &mut Vec<FieldIssue>, name: &str| {
        issues.push(FieldIssue::new(
            pointer,
            Code::KeyAlgorithm,
            format!(
                "La clé du CSR est de type {name}, refusé par les règles des autorités de \
                 certification : utilisez une clé ECDSA P-256 ou P-384, ou RSA d'au moins 2048 \
                 bits."
            ),
            format!(
                "The CSR's key is of type {name}, which the certification authorities' rules \
                 refuse: use an ECDSA P-256 or P-384 key, or RSA of 2048 bits at least."
            ),
        ));
    };
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let modulus = num_bigint::BigUint::from_bytes_be(rsa.modulus);
            let exponent = num_bigint::BigUint::from_bytes_be(rsa.exponent);
            key.algorithm = "rsa".into();
            key.bits = modulus.bits();
            key.exponent = u64::try_from(&exponent).ok();
            let found = rsa_checks::check_rsa_key(&modulus, &exponent, pointer);
            // ring verifies 2048..=8192-bit moduli with e < 2^33 only; outside, the
            // size or exponent finding says enough.
            let verifiable = !found.iter().any(|i| {
                matches!(
                    i.code.as_str(),
                    "key_too_small" | "key_too_large" | "key_exponent"
                )
            });
            issues.extend(found);
            (key, false, verifiable)
        }
        Ok(PublicKey::EC(point)) => {
            key.algorithm = "ecdsa".into();
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let (name, bits) = match curve_oid.as_deref() {
                Some("1.2.840.10045.3.1.7") => ("P-256".to_owned(), 256),
                Some("1.3.132.0.34") => ("P-384".to_owned(), 384),
                Some("1.3.132.0.35") => ("P-521".to_owned(), 521),
                Some("1.3.132.0.10") => ("secp256k1".to_owned(), 256),
                Some("1.2.840.10045.3.1.1") => ("P-192".to_owned(), 192),
                Some("1.3.132.0.33") => ("P-224".to_owned(), 224),
                Some("1.3.36.3.3.2.8.1.1.7") => ("brainpoolP256r1".to_owned(), 256),
                Some("1.3.36.3.3.2.8.1.1.11") => ("brainpoolP384r1".to_owned(), 384),
                Some("1.3.36.3.3.2.8.1.1.13") => ("brainpoolP512r1".to_owned(), 512),
                Some(other) => (other.to_owned(), point.key_size() as u64),
                None => ("explicit parameters".to_owned(), point.key_size() as u64),
            };
            let ok = matches!(name.as_str(), "P-256" | "P-384");
            if !ok {
                issues.push(FieldIssue::new(
                    pointer,
                    Code::KeyCurve,
                    format!(
                        "La clé ECDSA du CSR est sur la courbe {name}, refusée : seules P-256 \
                         (prime256v1) et P-384 (secp384r1) sont acceptées."
                    ),
                    format!(
                        "The CSR's ECDSA key is on curve {name}, which is refused: only P-256 \
                         (prime256v1) and P-384 (secp384r1) are accepted."
                    ),
                ));
            }
            key.bits = bits;
            key.curve = Some(name);
            (key, false, ok)
        }
        Ok(PublicKey::DSA(y)) => {
            key.algorithm = "dsa".into();
            key.bits = num_bigint::BigUint::from_bytes_be(y).bits().div_ceil(8) * 8;
            refuse(issues, "DSA");
            (key, true, false)
        }
        Ok(_) => {
            let (name, algorithm, bits) = match alg_oid.as_str() {
                "1.3.101.112" => ("Ed25519", "ed25519", 256),
                "1.3.101.113" => ("Ed448", "ed448", 456),
                OID_RSA_PSS => (
                    "RSASSA-PSS (RSA restreinte à PSS / RSA restricted to PSS)",
                    "rsassa-pss",
                    0,
                ),
                _ => ("inconnu / unknown", "", 0),
            };
            if !algorithm.is_empty() {
                key.algorithm = algorithm.into();
            }
            key.bits = bits;
            let shown = if algorithm.is_empty() {
                format!("{name} ({alg_oid})")
            } else {
                name.to_owned()
            };
            refuse(issues, &shown);
            (key, true, false)
        }
        Err(_) => {
            issues.push(malformed(
                pointer,
                "la clé publique est illisible",
                "the public key cannot be read",
            ));
            (key, true, false)
        }
    }
}

/// A readable name for a signature algorithm OID, and whether it is accepted.
fn signature_algorithm_name(oid: &str) -> (String, bool) {
    let (name, ok) = match oid {
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", true),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", true),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", true),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", true),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", true),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", false),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224", false),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", false),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", false),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => ("sha1WithRSAEncryption", false),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", false),
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", false),
        OID_RSA_PSS => ("rsassaPss", false),
        "1.3.101.112" => ("Ed25519", false),
        "1.3.101.113" => ("Ed448", false),
        "1.2.840.10040.4.3" => ("dsa-with-SHA1", false),
        "2.16.840.1.101.3.4.3.1" => ("dsa_with_SHA224", false),
        "2.16.840.1.101.3.4.3.2" => ("dsa_with_SHA256", false),
        other => return (other.to_owned(), false),
    };
    (name.to_owned(), ok)
}

/// A directory string attribute as text: UTF8String, PrintableString, IA5String,
/// NumericString, VisibleString, TeletexString (read as Latin-1), BMPString, UniversalString.
fn attr_string(atv: &AttributeTypeAndValue) -> Option<String> {
    let any = atv.attr_value();
    let data = any.data;
    match any.tag().0 {
        12 | 18 | 19 | 22 | 26 => std::str::from_utf8(data).ok().map(str::to_owned),
        20 => Some(data.iter().map(|&b| char::from(b)).collect()),
        30 if data.len() % 2 == 0 => {
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        28 if data.len() % 4 == 0 => data
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => None,
    }
}

fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        // not registered by RFC 4514 but universally understood (OpenSSL's name)
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => return None,
    })
}

/// RFC 4514 string of a name: RDNs last-to-first, `,` between RDNs, `+` inside one.
pub(crate) fn rfc4514(name: &X509Name) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let oid = atv.attr_type().to_id_string();
                    let typ = short_name(&oid).map_or(oid.clone(), str::to_owned);
                    match (short_name(&oid), attr_string(atv)) {
                        (Some(_), Some(value)) => format!("{typ}={}", escape_4514(&value)),
                        _ => format!("{typ}=#{}", hex::encode(value_der(atv))),
                    }
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// The DER encoding of an attribute value (for the `#hex` form).
fn value_der(atv: &AttributeTypeAndValue) -> Vec<u8> {
    let any = atv.attr_value();
    let data = any.data;
    let constructed = if any.header.is_constructed() { 0x20 } else { 0 };
    let mut out = vec![(any.tag().0 as u8 & 0x1f) | constructed | ((any.class() as u8) << 6)];
    let len = data.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(data);
    out
}

pub fn escape_4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            _ => out.push(c),
        }
    }
    out
}

/// PEM armour: 64-column base64, LF line ends, final newline.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/csr/",
                $name
            ))
        };
    }

    fn codes(d: &CsrDecoding) -> Vec<&str> {
        d.issues.iter().map(|i| i.code.as_str()).collect()
    }

    #[test]
    fn fixtures_give_exact_codes() {
        let cases: &[(&str, &str, &[&str], bool)] = &[
            // (file, text, expected codes, details expected)
            ("rsa2048_ok", fixture!("rsa2048_ok.pem"), &[], true),
            ("rsa3072_ok", fixture!("rsa3072_ok.pem"), &[], true),
            ("ec_p256_ok", fixture!("ec_p256_ok.pem"), &[], true),
            ("ec_p384_ok", fixture!("ec_p384_ok.pem"), &[], true),
            ("wildcard_ok", fixture!("wildcard_ok.pem"), &[], true),
            ("multi_san_ok", fixture!("multi_san_ok.pem"), &[], true),
            ("new_label_ok", fixture!("new_label_ok.pem"), &[], true),
            ("san_localhost", fixture!("san_localhost.pem"), &[], true),
            ("cn_incomplete", fixture!("cn_incomplete.pem"), &[], true),
            (
                "rsa1024_too_small",
                fixture!("rsa1024_too_small.pem"),
                &["key_too_small"],
                true,
            ),
            (
                "rsa_exponent3",
                fixture!("rsa_exponent3.pem"),
                &["key_exponent"],
                true,
            ),
            (
                "ec_p521_curve",
                fixture!("ec_p521_curve.pem"),
                &["key_curve"],
                true,
            ),
            (
                "ec_secp256k1_curve",
                fixture!("ec_secp256k1_curve.pem"),
                &["key_curve"],
                true,
            ),
            (
                "ec_brainpool_curve",
                fixture!("ec_brainpool_curve.pem"),
                &["key_curve"],
                true,
            ),
            (
                "ed25519_algorithm",
                fixture!("ed25519_algorithm.pem"),
                &["key_algorithm"],
                true,
            ),
            (
                "dsa_algorithm",
                fixture!("dsa_algorithm.pem"),
                &["key_algorithm"],
                true,
            ),
            (
                "sha1_signature",
                fixture!("sha1_signature.pem"),
                &["csr_signature_algorithm"],
                true,
            ),
            (
                "rsa_pss_signature",
                fixture!("rsa_pss_signature.pem"),
                &["csr_signature_algorithm"],
                true,
            ),
            (
                "bad_signature",
                fixture!("bad_signature.pem"),
                &["csr_bad_signature"],
                true,
            ),
            (
                "san_ip",
                fixture!("san_ip.pem"),
                &["domain_ip_address"],
                true,
            ),
            (
                "san_email",
                fixture!("san_email.pem"),
                &["csr_san_email"],
                true,
            ),
            ("san_uri", fixture!("san_uri.pem"), &["csr_san_uri"], true),
            (
                "cn_too_long",
                fixture!("cn_too_long.pem"),
                &["csr_cn_too_long"],
                true,
            ),
            (
                "no_names",
                fixture!("no_names.pem"),
                &["csr_no_names"],
                true,
            ),
            (
                "san_non_ascii",
                fixture!("san_non_ascii.pem"),
                &["csr_malformed"],
                true,
            ),
            (
                "too_many_names",
                fixture!("too_many_names.pem"),
                &["csr_too_many_names"],
                true,
            ),
            (
                "multiple",
                fixture!("multiple.pem"),
                &["csr_multiple"],
                false,
            ),
            (
                "certificate",
                fixture!("certificate.pem"),
                &["csr_is_certificate"],
                false,
            ),
            (
                "private_key",
                fixture!("private_key.pem"),
                &["csr_is_private_key"],
                false,
            ),
            (
                "public_key",
                fixture!("public_key.pem"),
                &["csr_is_public_key"],
                false,
            ),
            (
                "truncated",
                fixture!("truncated.pem"),
                &["csr_truncated"],
                false,
            ),
            ("junk", fixture!("junk.pem"), &["csr_not_pem"], false),
        ];
        for (name, text, expected, details) in cases {
            let d = decode_csr(text, "/csr_pem");
            assert_eq!(codes(&d), *expected, "{name}: {:#?}", d.issues);
            assert_eq!(d.details.is_some(), *details, "{name}");
            assert!(d.issues.iter().all(|i| i.pointer == "/csr_pem"), "{name}");
            assert!(
                d.issues
                    .iter()
                    .all(|i| !i.message_fr.is_empty() && !i.message_en.is_empty()),
                "{name}"
            );
        }
        let der = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/csr/der.bin"
        ));
        let d = decode_csr(&String::from_utf8_lossy(der), "/csr_pem");
        assert_eq!(codes(&d), ["csr_not_pem"]);
        assert!(d.issues[0].message_en.contains("DER"));
    }

    #[test]
    fn details_of_a_good_csr() {
        let d = decode_csr(fixture!("rsa2048_ok.pem"), "/csr_pem");
        let details = d.details.unwrap();
        assert_eq!(details.subject, "CN=www.certigna.fr,O=Certigna Test,C=FR");
        assert_eq!(details.common_name.as_deref(), Some("www.certigna.fr"));
        assert_eq!(details.dns_names, ["www.certigna.fr"]);
        assert_eq!(details.key.algorithm, "rsa");
        assert_eq!(details.key.bits, 2048);
        assert_eq!(details.key.exponent, Some(65537));
        assert_eq!(details.key.curve, None);
        assert_eq!(details.signature_algorithm, "sha256WithRSAEncryption");
        assert_eq!(details.public_key_sha256.len(), 64);
        assert_eq!(details.pem, fixture!("rsa2048_ok.pem"));

        let p384 = decode_csr(fixture!("ec_p384_ok.pem"), "/x")
            .details
            .unwrap();
        assert_eq!(p384.key.curve.as_deref(), Some("P-384"));
        assert_eq!(p384.key.bits, 384);
        assert_eq!(p384.signature_algorithm, "ecdsa-with-SHA384");
        let multi = decode_csr(fixture!("multi_san_ok.pem"), "/x")
            .details
            .unwrap();
        assert_eq!(
            multi.dns_names,
            ["www.certigna.fr", "certigna.fr", "shop.certigna.fr"]
        );
        let wild = decode_csr(fixture!("wildcard_ok.pem"), "/x")
            .details
            .unwrap();
        assert_eq!(wild.dns_names, ["*.certigna.fr"]);
        let p521 = decode_csr(fixture!("ec_p521_curve.pem"), "/x")
            .details
            .unwrap();
        assert_eq!(
            (p521.key.curve.as_deref(), p521.key.bits),
            (Some("P-521"), 521)
        );
        let ed = decode_csr(fixture!("ed25519_algorithm.pem"), "/x")
            .details
            .unwrap();
        assert_eq!(ed.key.algorithm, "ed25519");
        let non_ascii = decode_csr(fixture!("san_non_ascii.pem"), "/x")
            .details
            .unwrap();
        assert_eq!(non_ascii.dns_names, ["www.certigna.fr"], "never converted");
        let no_names = decode_csr(fixture!("no_names.pem"), "/x").details.unwrap();
        assert_eq!(no_names.subject, "O=Certigna Test,C=FR");
        assert_eq!(no_names.common_name, None);
        // the fingerprint is the SHA-256 of the SPKI, as openssl computes it
        let ec = decode_csr(fixture!("ec_p256_ok.pem"), "/x")
            .details
            .unwrap();
        let bad = decode_csr(fixture!("bad_signature.pem"), "/x")
            .details
            .unwrap();
        assert_eq!(ec.public_key_sha256, bad.public_key_sha256);
    }

    #[test]
    fn same_key_same_fingerprint_as_openssl() {
        // public_key.pem is the SPKI of the key behind ec_p256_ok.pem
        let pem = fixture!("public_key.pem");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let spki = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        let d = decode_csr(fixture!("ec_p256_ok.pem"), "/x")
            .details
            .unwrap();
        assert_eq!(d.public_key_sha256, hex::encode(Sha256::digest(&spki)));
    }

    #[test]
    fn input_variants() {
        let good = fixture!("ec_p256_ok.pem");
        assert_eq!(codes(&decode_csr("", "/p")), ["csr_empty"]);
        assert_eq!(codes(&decode_csr(" \r\n\t ", "/p")), ["csr_empty"]);
        // whitespace, CRLF, one-line paste, BOM
        let crlf = good.replace('\n', "\r\n");
        assert!(decode_csr(&format!("\n\n  {crlf}  \n"), "/p").is_valid());
        assert!(decode_csr(&good.replace('\n', " "), "/p").is_valid());
        assert!(decode_csr(&format!("\u{feff}{good}"), "/p").is_valid());
        // text around the block, a certificate beside it: the CSR is used
        let with_cert = format!("Subject: ...\n{}\n{good}", fixture!("certificate.pem"));
        assert!(decode_csr(&with_cert, "/p").is_valid());
        // base64 without armour
        let body: String = good.lines().filter(|l| !l.starts_with("-----")).collect();
        let d = decode_csr(&body, "/p");
        assert_eq!(codes(&d), ["csr_not_pem"]);
        assert!(d.issues[0].message_en.contains("without its armour"));
        // END without BEGIN
        let tail: String = good.lines().skip(3).collect::<Vec<_>>().join("\n");
        assert_eq!(codes(&decode_csr(&tail, "/p")), ["csr_truncated"]);
        // damaged base64, and body cut at a line boundary but END present
        let damaged = good.replacen("MII", "M!I", 1);
        assert_eq!(codes(&decode_csr(&damaged, "/p")), ["csr_truncated"]);
        let lines: Vec<&str> = good.lines().collect();
        let cut = [&lines[..3], &lines[lines.len() - 1..]].concat().join("\n");
        assert_eq!(codes(&decode_csr(&cut, "/p")), ["csr_truncated"]);
        // well armoured garbage
        let garbage = "-----BEGIN CERTIFICATE REQUEST-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE REQUEST-----\n";
        assert_eq!(codes(&decode_csr(garbage, "/p")), ["csr_malformed"]);
        let other = "-----BEGIN PKCS12-----\naGVsbG8gd29ybGQ=\n-----END PKCS12-----\n";
        assert_eq!(codes(&decode_csr(other, "/p")), ["csr_malformed"]);
        // a private key beside a CSR is still reported, and the CSR still read
        let both = format!("{}{good}", fixture!("private_key.pem"));
        let d = decode_csr(&both, "/p");
        assert_eq!(codes(&d), ["csr_is_private_key"]);
        assert!(d.details.is_some());
        // a certificate with its chain (no CSR)
        let chain = format!(
            "{}{}",
            fixture!("certificate.pem"),
            fixture!("certificate.pem")
        );
        assert_eq!(codes(&decode_csr(&chain, "/p")), ["csr_is_certificate"]);
    }

    #[test]
    fn every_private_key_label_is_refused_and_never_echoed() {
        let key = fixture!("private_key.pem");
        let body: Vec<&str> = key.lines().filter(|l| !l.starts_with("-----")).collect();
        for label in [
            "PRIVATE KEY",
            "RSA PRIVATE KEY",
            "EC PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "DSA PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
        ] {
            let pem = format!(
                "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
                body.join("\n")
            );
            let d = decode_csr(&pem, "/csr_pem");
            assert_eq!(codes(&d), ["csr_is_private_key"], "{label}");
            let i = &d.issues[0];
            assert!(i.message_en.contains("Never send"));
            assert!(i.message_fr.contains("Ne transmettez jamais"));
            for line in &body {
                assert!(!i.message_en.contains(line) && !i.message_fr.contains(line));
            }
            // truncated key: still a key
            let cut = format!("-----BEGIN {label}-----\n{}\n", body[0]);
            assert_eq!(
                codes(&decode_csr(&cut, "/csr_pem")),
                ["csr_is_private_key"],
                "{label}"
            );
        }
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(
            codes(&decode_csr(legacy, "/csr_pem")),
            ["csr_is_private_key"]
        );
    }

    #[test]
    fn several_findings_at_once() {
        // an RSA-1024 key signed with SHA-1 with IP, e-mail and URI SANs
        let d = decode_csr(fixture!("many_problems.pem"), "/csr_pem");
        assert_eq!(
            codes(&d),
            [
                "domain_ip_address",
                "csr_san_email",
                "csr_san_uri",
                "key_too_small",
                "csr_signature_algorithm"
            ]
        );
        assert!(d.issues[0].message_en.contains("192.0.2.1"));
        assert!(d.issues[1].message_en.contains("admin@certigna.fr"));
        let details = d.details.unwrap();
        assert_eq!(details.dns_names, ["www.certigna.fr"]);
        assert_eq!(details.signature_algorithm, "sha1WithRSAEncryption");
        assert_eq!(details.key.bits, 1024);
    }

    #[test]
    fn rfc4514_escaping() {
        assert_eq!(escape_4514("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_4514(" #x "), "\\ #x\\ ");
        assert_eq!(escape_4514("#x"), "\\#x");
        assert_eq!(
            escape_4514("Équipe <Web>; \"x\"\\"),
            "Équipe \\<Web\\>\\; \\\"x\\\"\\\\"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics_on_arbitrary_text(s in "\\PC*") {
            let d = decode_csr(&s, "/p");
            proptest::prop_assert!(!d.issues.is_empty());
        }

        #[test]
        fn never_panics_on_mangled_csr(cut in 0usize..1200, flip in 0usize..1200, c in proptest::char::any()) {
            let good = fixture!("rsa2048_ok.pem");
            let mut s: String = good.chars().take(cut).collect();
            if flip < s.len() && s.is_char_boundary(flip) && s.is_char_boundary(flip + 1) {
                s.replace_range(flip..flip + 1, &c.to_string());
            }
            let _ = decode_csr(&s, "/p");
        }
    }

    /// `cargo test --release -- --ignored --nocapture decode_timing`
    #[test]
    #[ignore]
    fn decode_timing() {
        for (name, pem) in [
            ("rsa2048", fixture!("rsa2048_ok.pem")),
            ("rsa3072", fixture!("rsa3072_ok.pem")),
            ("ec_p256", fixture!("ec_p256_ok.pem")),
        ] {
            assert!(decode_csr(pem, "/p").is_valid());
            let n = 2000;
            let start = std::time::Instant::now();
            for _ in 0..n {
                std::hint::black_box(decode_csr(std::hint::black_box(pem), "/p"));
            }
            let per = start.elapsed() / n;
            println!(
                "{name}: {per:?} per decode_csr ({:.0}/s single thread)",
                1.0 / per.as_secs_f64()
            );
        }
        let moduli = crate::domain::pki::rsa_checks::tests::corpus_moduli();
        let e = num_bigint::BigUint::from(65537u32);
        let n = 2000;
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(rsa_checks::check_rsa_key(&moduli[0], &e, "/p"));
        }
        println!("rsa_checks 2048: {:?}", start.elapsed() / n);
        for (label, f) in [
            (
                "small primes",
                (|m| {
                    std::hint::black_box(rsa_checks::small_prime_factor(m));
                }) as fn(&num_bigint::BigUint),
            ),
            ("fermat", |m| {
                std::hint::black_box(rsa_checks::fermat_factor(m, rsa_checks::FERMAT_ROUNDS));
            }),
            ("roca", |m| {
                std::hint::black_box(rsa_checks::is_roca(m));
            }),
        ] {
            let start = std::time::Instant::now();
            for _ in 0..n {
                f(&moduli[0]);
            }
            println!("  {label}: {:?}", start.elapsed() / n);
        }
    }
}
