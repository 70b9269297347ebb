//! Case 2 of an order: the service makes the key pair and the CSR (rcgen), or, where
//! server-side key generation is switched off, hands out an OpenSSL command and config that
//! make the same CSR on the customer's machine.
//!
//! The private key only ever lives in a [`Zeroizing`] string returned to the caller, and no
//! `Debug` output shows it.

use std::fmt;

use pkcs8::der::pem::LineEnding;
use pkcs8::der::pem::PemLabel;
use pkcs8::pkcs5::pbes2;
use pkcs8::{EncryptedPrivateKeyInfo, PrivateKeyInfo};
use rand::RngCore;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, KeyPair, RsaKeySize, SanType,
    SignatureAlgorithm,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::domain::pki::csr::{decode_csr, CN_MAX_CHARS};
use crate::domain::shared::issue::{Code, FieldIssue};

/// PBKDF2-HMAC-SHA256 iterations protecting an encrypted private key (with AES-256-CBC).
/// PBKDF2 rather than scrypt so that every OpenSSL (`openssl pkey -passin …`) reads it:
/// OpenSSL's default scrypt memory limit refuses the pkcs8 crate's default scrypt cost.
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// Shortest accepted passphrase, in characters.
pub const PASSPHRASE_MIN_CHARS: usize = 8;

/// The key types the service can generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum KeyType {
    #[default]
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    #[serde(rename = "ecdsa-p384")]
    EcdsaP384,
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    #[serde(rename = "rsa-4096")]
    Rsa4096,
}

impl KeyType {
    pub const ALL: [KeyType; 5] = [
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::Rsa2048,
        KeyType::Rsa3072,
        KeyType::Rsa4096,
    ];

    /// The serde name, e.g. `ecdsa-p256`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::EcdsaP256 => "ecdsa-p256",
            KeyType::EcdsaP384 => "ecdsa-p384",
            KeyType::Rsa2048 => "rsa-2048",
            KeyType::Rsa3072 => "rsa-3072",
            KeyType::Rsa4096 => "rsa-4096",
        }
    }

    /// RSA generation takes ~0.1–1 s of CPU: run it off the request threads.
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096)
    }

    fn signature_algorithm(self) -> &'static SignatureAlgorithm {
        match self {
            KeyType::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyType::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => &rcgen::PKCS_RSA_SHA256,
        }
    }

    fn generate(self) -> Result<KeyPair, rcgen::Error> {
        let alg = self.signature_algorithm();
        match self {
            KeyType::EcdsaP256 | KeyType::EcdsaP384 => KeyPair::generate_for(alg),
            KeyType::Rsa2048 => KeyPair::generate_rsa_for(alg, RsaKeySize::_2048),
            KeyType::Rsa3072 => KeyPair::generate_rsa_for(alg, RsaKeySize::_3072),
            KeyType::Rsa4096 => KeyPair::generate_rsa_for(alg, RsaKeySize::_4096),
        }
    }

    fn openssl_newkey(self) -> &'static str {
        match self {
            KeyType::EcdsaP256 => {
                "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve"
            }
            KeyType::EcdsaP384 => {
                "-newkey ec -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve"
            }
            KeyType::Rsa2048 => "-newkey rsa:2048",
            KeyType::Rsa3072 => "-newkey rsa:3072",
            KeyType::Rsa4096 => "-newkey rsa:4096",
        }
    }

    fn openssl_digest(self) -> &'static str {
        match self {
            KeyType::EcdsaP384 => "sha384",
            _ => "sha256",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The subject of the CSR (the holder). Empty optional fields are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsrSubject {
    /// The CN; when empty, the first name of the list that fits in 64 characters.
    pub common_name: String,
    pub organization: Option<String>,
    pub organizational_unit: Option<String>,
    pub locality: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `FR`.
    pub country: Option<String>,
}

/// A generated key pair and CSR. `Debug` does not show the private key.
pub struct GeneratedCsr {
    pub key_type: KeyType,
    pub csr_pem: String,
    /// PKCS#8 PEM: `PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY` (PBES2, PBKDF2-HMAC-SHA256,
    /// AES-256-CBC) when a passphrase was given. Wiped from memory when dropped.
    pub private_key_pem: Zeroizing<String>,
    /// Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo (as in `CsrDetails`).
    pub public_key_sha256: String,
}

impl fmt::Debug for GeneratedCsr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedCsr")
            .field("key_type", &self.key_type)
            .field("csr_pem", &self.csr_pem)
            .field("private_key_pem", &"[redacted]")
            .field("public_key_sha256", &self.public_key_sha256)
            .finish()
    }
}

/// Why a key pair and CSR could not be made. Never carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeygenError {
    #[error("no domain name to put in the CSR")]
    NoNames,
    #[error("invalid domain name for the CSR: {0}")]
    InvalidName(String),
    #[error("invalid subject field {field}: {reason}")]
    Subject { field: &'static str, reason: String },
    #[error("passphrase too short (at least {PASSPHRASE_MIN_CHARS} characters)")]
    Passphrase,
    #[error("key or CSR generation failed: {0}")]
    Failed(String),
}

impl KeygenError {
    /// The stable error code.
    pub fn code(&self) -> Code {
        match self {
            KeygenError::NoNames | KeygenError::InvalidName(_) => Code::KeygenNoNames,
            KeygenError::Subject { .. } => Code::KeygenSubject,
            KeygenError::Passphrase => Code::KeygenPassphrase,
            KeygenError::Failed(_) => Code::KeygenFailed,
        }
    }

    /// The error as a finding at `pointer`.
    pub fn to_issue(&self, pointer: &str) -> FieldIssue {
        let (fr, en) = match self {
            KeygenError::NoNames => (
                "Aucun nom de domaine : impossible de générer le CSR.".to_owned(),
                "No domain name: the CSR cannot be generated.".to_owned(),
            ),
            KeygenError::InvalidName(name) => (
                format!("Le nom « {name} » ne peut pas figurer dans un CSR (ASCII, sans espace, 253 caractères au plus)."),
                format!("The name \"{name}\" cannot go in a CSR (ASCII, no spaces, 253 characters at most)."),
            ),
            KeygenError::Subject { field, reason } => (
                format!("Le champ {field} du sujet est invalide : {reason}."),
                format!("The subject field {field} is invalid: {reason}."),
            ),
            KeygenError::Passphrase => (
                format!("La phrase de passe doit faire au moins {PASSPHRASE_MIN_CHARS} caractères."),
                format!("The passphrase must have at least {PASSPHRASE_MIN_CHARS} characters."),
            ),
            KeygenError::Failed(_) => (
                "La génération de la clé ou du CSR a échoué ; réessayez.".to_owned(),
                "Generating the key or the CSR failed; try again.".to_owned(),
            ),
        };
        FieldIssue::new(pointer, self.code(), fr, en)
    }
}

/// The names that go in the CSR: the subject's CN (when given) first, then `dns_names`,
/// without duplicates; and the CN to use (`None` when no name fits in 64 characters).
fn names_and_cn(
    subject: &CsrSubject,
    dns_names: &[String],
) -> Result<(Vec<String>, Option<String>), KeygenError> {
    let mut names: Vec<String> = Vec::new();
    let cn = subject.common_name.trim();
    for name in std::iter::once(cn)
        .filter(|n| !n.is_empty())
        .chain(dns_names.iter().map(|n| n.trim()))
    {
        let valid = !name.is_empty()
            && name.len() <= 253
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*' | b'_'))
            && name.parse::<std::net::IpAddr>().is_err();
        if !valid {
            return Err(KeygenError::InvalidName(
                name.chars().take(80).filter(|c| !c.is_control()).collect(),
            ));
        }
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
    }
    if names.is_empty() {
        return Err(KeygenError::NoNames);
    }
    let cn = if cn.is_empty() {
        names.iter().find(|n| n.len() <= CN_MAX_CHARS).cloned()
    } else if cn.len() > CN_MAX_CHARS {
        return Err(KeygenError::Subject {
            field: "common_name",
            reason: format!("plus de / more than {CN_MAX_CHARS} characters"),
        });
    } else {
        Some(cn.to_owned())
    };
    Ok((names, cn))
}

/// The optional subject fields, checked: (openssl short name, rcgen type, value).
fn subject_fields(
    subject: &CsrSubject,
) -> Result<Vec<(&'static str, DnType, String)>, KeygenError> {
    let mut fields = Vec::new();
    let optional = [
        (
            "organization",
            "O",
            DnType::OrganizationName,
            &subject.organization,
        ),
        (
            "organizational_unit",
            "OU",
            DnType::OrganizationalUnitName,
            &subject.organizational_unit,
        ),
        ("locality", "L", DnType::LocalityName, &subject.locality),
    ];
    for (field, short, typ, value) in optional {
        let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        if value.chars().count() > 64 || value.chars().any(char::is_control) {
            return Err(KeygenError::Subject {
                field,
                reason: "plus de 64 caractères ou caractère de contrôle / more than 64 characters or a control character".into(),
            });
        }
        fields.push((short, typ, value.to_owned()));
    }
    if let Some(country) = subject
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(KeygenError::Subject {
                field: "country",
                reason: "code ISO 3166-1 alpha-2 attendu / ISO 3166-1 alpha-2 code expected".into(),
            });
        }
        fields.push(("C", DnType::CountryName, country.to_ascii_uppercase()));
    }
    Ok(fields)
}

/// Checks what [`generate_csr`] and [`openssl_instructions`] would put in the CSR.
pub fn validate_request(subject: &CsrSubject, dns_names: &[String]) -> Result<(), KeygenError> {
    names_and_cn(subject, dns_names)?;
    subject_fields(subject)?;
    Ok(())
}

/// Makes a key pair and a CSR for `dns_names` (SAN dNSNames; the CN is the subject's CN, or
/// the first name). The CSR passes [`decode_csr`] with no finding. Slow for RSA (run it off
/// the request threads); the encryption with a passphrase costs ~0.15 s more.
pub fn generate_csr(
    key_type: KeyType,
    subject: &CsrSubject,
    dns_names: &[String],
    passphrase: Option<&str>,
) -> Result<GeneratedCsr, KeygenError> {
    if passphrase.is_some_and(|p| p.chars().count() < PASSPHRASE_MIN_CHARS) {
        return Err(KeygenError::Passphrase);
    }
    let (names, cn) = names_and_cn(subject, dns_names)?;
    let fields = subject_fields(subject)?;
    let failed = |e: &dyn fmt::Display| KeygenError::Failed(e.to_string());

    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    for (_, typ, value) in fields {
        let value = if typ == DnType::CountryName {
            DnValue::PrintableString(value.try_into().map_err(|e| failed(&e))?)
        } else {
            DnValue::Utf8String(value)
        };
        dn.push(typ, value);
    }
    if let Some(cn) = &cn {
        dn.push(DnType::CommonName, DnValue::Utf8String(cn.clone()));
    }
    params.distinguished_name = dn;
    params.subject_alt_names = names
        .iter()
        .map(|n| Ok(SanType::DnsName(n.clone().try_into()?)))
        .collect::<Result<_, rcgen::Error>>()
        .map_err(|e| failed(&e))?;

    let key_pair = key_type.generate().map_err(|e| failed(&e))?;
    let csr_pem = params
        .serialize_request(&key_pair)
        .and_then(|csr| csr.pem())
        .map_err(|e| failed(&e))?;
    let private_key_pem = match passphrase {
        None => Zeroizing::new(key_pair.serialize_pem()),
        Some(pass) => encrypt_pkcs8(key_pair.serialized_der(), pass, PBKDF2_ITERATIONS)?,
    };
    drop(key_pair);

    let decoded = decode_csr(&csr_pem, "/csr_pem");
    match decoded.details {
        Some(details) if decoded.issues.is_empty() => Ok(GeneratedCsr {
            key_type,
            csr_pem: details.pem,
            private_key_pem,
            public_key_sha256: details.public_key_sha256,
        }),
        _ => Err(KeygenError::Failed(format!(
            "generated CSR fails its own checks: {:?}",
            decoded.issues.iter().map(|i| &i.code).collect::<Vec<_>>()
        ))),
    }
}

/// PKCS#8 DER → `ENCRYPTED PRIVATE KEY` PEM (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC).
pub(crate) fn encrypt_pkcs8(
    der: &[u8],
    passphrase: &str,
    iterations: u32,
) -> Result<Zeroizing<String>, KeygenError> {
    let failed = |e: &dyn fmt::Display| KeygenError::Failed(e.to_string());
    let info = PrivateKeyInfo::try_from(der).map_err(|e| failed(&e))?;
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    let mut rng = rand::rngs::OsRng;
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut iv);
    let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, &salt, &iv)
        .map_err(|e| failed(&e))?;
    let encrypted = info
        .encrypt_with_params(params, passphrase.as_bytes())
        .map_err(|e| failed(&e))?;
    let pem = encrypted
        .to_pem(EncryptedPrivateKeyInfo::PEM_LABEL, LineEnding::LF)
        .map_err(|e| failed(&e))?;
    Ok(pem)
}

/// What an operator who forbids server-side key generation gives the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenSslInstructions {
    /// File name the config must be saved as (`certorder.cnf`).
    pub config_file: String,
    /// An `openssl req` config with `[req]`, `[dn]` and `[san]` sections.
    pub config: String,
    /// The command to run in the folder holding the config.
    pub command: String,
    /// Where the command writes the key and the CSR.
    pub key_file: String,
    pub csr_file: String,
}

/// Escapes a value for an OpenSSL config file (`$` expands variables, `#` starts a comment).
fn conf_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars().filter(|c| !c.is_control()) {
        if matches!(c, '\\' | '$' | '#' | '"' | '\'') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An OpenSSL config and command that make, on the customer's machine, the CSR that
/// [`generate_csr`] would make. Call [`validate_request`] first: invalid fields are left
/// out here rather than refused.
pub fn openssl_instructions(
    key_type: KeyType,
    subject: &CsrSubject,
    dns_names: &[String],
) -> OpenSslInstructions {
    let (names, cn) = names_and_cn(subject, dns_names).unwrap_or_else(|_| {
        let names: Vec<String> = dns_names
            .iter()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty() && n.is_ascii() && !n.contains(char::is_whitespace))
            .collect();
        let cn = names.iter().find(|n| n.len() <= CN_MAX_CHARS).cloned();
        (names, cn)
    });
    let fields = subject_fields(subject).unwrap_or_default();
    let base: String = names
        .first()
        .map(|n| n.replace('*', "wildcard"))
        .unwrap_or_else(|| "certorder".into())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let key_file = format!("{base}.key");
    let csr_file = format!("{base}.csr");

    let mut config = format!(
        "# certorder: certificate signing request for {}\n\
         # Keep the .key file secret: never send it to anyone, only the .csr file.\n\
         [req]\n\
         prompt = no\n\
         default_md = {}\n\
         utf8 = yes\n\
         string_mask = utf8only\n\
         distinguished_name = dn\n\
         req_extensions = san\n\
         \n\
         [dn]\n",
        conf_escape(&names.join(", ")),
        key_type.openssl_digest(),
    );
    for (short, _, value) in &fields {
        config.push_str(&format!("{short} = {}\n", conf_escape(value)));
    }
    if let Some(cn) = &cn {
        config.push_str(&format!("CN = {}\n", conf_escape(cn)));
    }
    let san: Vec<String> = names
        .iter()
        .map(|n| format!("DNS:{}", conf_escape(n)))
        .collect();
    config.push_str(&format!("\n[san]\nsubjectAltName = {}\n", san.join(",")));

    let command = format!(
        "openssl req -new {} -nodes -keyout {key_file} -out {csr_file} -config certorder.cnf",
        key_type.openssl_newkey()
    );
    OpenSslInstructions {
        config_file: "certorder.cnf".into(),
        config,
        command,
        key_file,
        csr_file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> CsrSubject {
        CsrSubject {
            common_name: String::new(),
            organization: Some("Certigna Test, S.A.S. #1 $HOME".into()),
            organizational_unit: Some("Équipe Web".into()),
            locality: Some("Villeneuve-d'Ascq".into()),
            country: Some("fr".into()),
        }
    }

    fn names() -> Vec<String> {
        ["www.certigna.fr", "certigna.fr", "shop.certigna.fr"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn every_key_type_makes_a_csr_that_passes_decode_csr() {
        for key_type in KeyType::ALL {
            let out = generate_csr(key_type, &subject(), &names(), None).unwrap();
            let decoded = decode_csr(&out.csr_pem, "/csr_pem");
            assert!(
                decoded.issues.is_empty(),
                "{key_type}: {:?}",
                decoded.issues
            );
            let d = decoded.details.unwrap();
            assert_eq!(d.dns_names, names());
            assert_eq!(d.common_name.as_deref(), Some("www.certigna.fr"));
            assert_eq!(d.public_key_sha256, out.public_key_sha256);
            assert!(d.subject.contains("C=FR"), "{}", d.subject);
            assert!(
                d.subject.starts_with("CN=www.certigna.fr,"),
                "{}",
                d.subject
            );
            assert!(
                d.subject.contains("O=Certigna Test\\, S.A.S. #1 $HOME"),
                "{}",
                d.subject
            );
            let (alg, bits) = match key_type {
                KeyType::EcdsaP256 => ("ecdsa", 256),
                KeyType::EcdsaP384 => ("ecdsa", 384),
                KeyType::Rsa2048 => ("rsa", 2048),
                KeyType::Rsa3072 => ("rsa", 3072),
                KeyType::Rsa4096 => ("rsa", 4096),
            };
            assert_eq!((d.key.algorithm.as_str(), d.key.bits), (alg, bits));
            if key_type.is_rsa() {
                assert_eq!(d.key.exponent, Some(65537));
                assert_eq!(d.signature_algorithm, "sha256WithRSAEncryption");
            }
            assert!(out
                .private_key_pem
                .starts_with("-----BEGIN PRIVATE KEY-----"));
            // the key is PKCS#8 and matches the CSR
            let (label, der) = pkcs8::der::pem::decode_vec(out.private_key_pem.as_bytes()).unwrap();
            assert_eq!(label, "PRIVATE KEY");
            let info = PrivateKeyInfo::try_from(der.as_slice()).unwrap();
            let kp = KeyPair::try_from(der.as_slice()).unwrap();
            assert!(!info.private_key.is_empty());
            use sha2::Digest;
            assert_eq!(
                hex::encode(sha2::Sha256::digest(
                    rcgen::PublicKeyData::subject_public_key_info(&kp)
                )),
                out.public_key_sha256
            );
        }
    }

    #[test]
    fn passphrase_encrypts_and_decrypts_back() {
        let out = generate_csr(
            KeyType::EcdsaP256,
            &subject(),
            &names(),
            Some("correct horse"),
        )
        .unwrap();
        assert!(out
            .private_key_pem
            .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let (label, der) = pkcs8::der::pem::decode_vec(out.private_key_pem.as_bytes()).unwrap();
        assert_eq!(label, "ENCRYPTED PRIVATE KEY");
        let enc = EncryptedPrivateKeyInfo::try_from(der.as_slice()).unwrap();
        assert!(enc.decrypt("wrong passphrase").is_err());
        let plain = enc.decrypt("correct horse").unwrap();
        let kp = KeyPair::try_from(plain.as_bytes()).unwrap();
        use sha2::Digest;
        assert_eq!(
            hex::encode(sha2::Sha256::digest(
                rcgen::PublicKeyData::subject_public_key_info(&kp)
            )),
            out.public_key_sha256
        );
        // and OpenSSL reads it with the passphrase
        let dir = temp_dir("pass");
        let path = dir.join("key.pem");
        std::fs::write(&path, out.private_key_pem.as_bytes()).unwrap();
        let res = std::process::Command::new(openssl())
            .args(["pkey", "-in"])
            .arg(&path)
            .args(["-passin", "pass:correct horse", "-noout"])
            .output()
            .expect("run openssl");
        std::fs::remove_dir_all(&dir).ok();
        assert!(
            res.status.success(),
            "{}",
            String::from_utf8_lossy(&res.stderr)
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let out = generate_csr(KeyType::EcdsaP256, &subject(), &names(), None).unwrap();
        let shown = format!("{out:?}");
        assert!(shown.contains("[redacted]"));
        assert!(!shown.contains("PRIVATE KEY"));
    }

    #[test]
    fn input_errors() {
        let s = subject();
        assert_eq!(
            generate_csr(KeyType::EcdsaP256, &s, &[], None).unwrap_err(),
            KeygenError::NoNames
        );
        let err = generate_csr(KeyType::EcdsaP256, &s, &["bad name".into()], None).unwrap_err();
        assert_eq!(err.code(), "keygen_no_names");
        let err = generate_csr(KeyType::EcdsaP256, &s, &["192.0.2.1".into()], None).unwrap_err();
        assert!(matches!(err, KeygenError::InvalidName(_)));
        let bad_country = CsrSubject {
            country: Some("FRA".into()),
            ..subject()
        };
        let err = generate_csr(KeyType::EcdsaP256, &bad_country, &names(), None).unwrap_err();
        assert_eq!(err.code(), "keygen_subject");
        assert_eq!(err.to_issue("/holder/country").pointer, "/holder/country");
        let err = generate_csr(KeyType::EcdsaP256, &s, &names(), Some("short")).unwrap_err();
        assert_eq!(err, KeygenError::Passphrase);
        assert_eq!(KeygenError::Passphrase.code(), "keygen_passphrase");
        assert_eq!(KeygenError::Failed("x".into()).code(), "keygen_failed");
    }

    #[test]
    fn explicit_cn_goes_first_and_into_the_san() {
        let s = CsrSubject {
            common_name: "portail.certigna.fr".into(),
            ..Default::default()
        };
        let out = generate_csr(KeyType::EcdsaP256, &s, &names(), None).unwrap();
        let d = decode_csr(&out.csr_pem, "/").details.unwrap();
        assert_eq!(d.common_name.as_deref(), Some("portail.certigna.fr"));
        assert_eq!(d.dns_names[0], "portail.certigna.fr");
        assert_eq!(d.dns_names.len(), 4);
        assert_eq!(d.subject, "CN=portail.certigna.fr");
        // a first name longer than 64 characters stays out of the CN
        let long = format!("{}.certigna.fr", "a".repeat(60));
        let out = generate_csr(
            KeyType::EcdsaP256,
            &CsrSubject::default(),
            &[long.clone(), "certigna.fr".into()],
            None,
        )
        .unwrap();
        let d = decode_csr(&out.csr_pem, "/").details.unwrap();
        assert_eq!(d.common_name.as_deref(), Some("certigna.fr"));
        assert_eq!(d.dns_names, [long, "certigna.fr".to_owned()]);
    }

    #[test]
    fn key_type_serde_names() {
        let json = serde_json::to_string(&KeyType::ALL).unwrap();
        assert_eq!(
            json,
            r#"["ecdsa-p256","ecdsa-p384","rsa-2048","rsa-3072","rsa-4096"]"#
        );
        for k in KeyType::ALL {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(KeyType::default(), KeyType::EcdsaP256);
        let k: KeyType = serde_json::from_str("\"rsa-3072\"").unwrap();
        assert_eq!(k, KeyType::Rsa3072);
    }

    fn openssl() -> &'static str {
        let path = "openssl";
        let ok = std::process::Command::new(path)
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "the `openssl` command is needed by this test and was not found on PATH (install the openssl package)");
        path
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "certorder-keygen-{tag}-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn openssl_instructions_make_a_valid_csr() {
        openssl();
        for key_type in [KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Rsa2048] {
            let mut names = names();
            names.push("*.certigna.fr".into());
            let ins = openssl_instructions(key_type, &subject(), &names);
            assert!(
                ins.config.contains("[req]")
                    && ins.config.contains("[dn]")
                    && ins.config.contains("[san]")
            );
            let dir = temp_dir(key_type.as_str());
            std::fs::write(dir.join(&ins.config_file), &ins.config).unwrap();
            let res = std::process::Command::new("sh")
                .arg("-c")
                .arg(&ins.command)
                .current_dir(&dir)
                .output()
                .unwrap();
            let csr = std::fs::read_to_string(dir.join(&ins.csr_file));
            let key_written = dir.join(&ins.key_file).exists();
            std::fs::remove_dir_all(&dir).ok();
            assert!(
                res.status.success(),
                "{}\n{}",
                ins.command,
                String::from_utf8_lossy(&res.stderr)
            );
            assert!(key_written);
            let decoded = decode_csr(&csr.unwrap(), "/csr_pem");
            assert!(
                decoded.issues.is_empty(),
                "{key_type}: {:?}",
                decoded.issues
            );
            let d = decoded.details.unwrap();
            assert_eq!(d.dns_names, names);
            assert_eq!(d.common_name.as_deref(), Some("www.certigna.fr"));
            assert_eq!(
                d.subject,
                "CN=www.certigna.fr,C=FR,L=Villeneuve-d'Ascq,OU=Équipe Web,O=Certigna Test\\, S.A.S. #1 $HOME"
            );
            let expected_alg = match key_type {
                KeyType::EcdsaP384 => "ecdsa-with-SHA384",
                KeyType::EcdsaP256 => "ecdsa-with-SHA256",
                _ => "sha256WithRSAEncryption",
            };
            assert_eq!(d.signature_algorithm, expected_alg);
        }
    }
}
