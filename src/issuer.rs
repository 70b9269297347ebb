//! The configured certificate issuer, built at start-up from [`IssuerSettings`], and the
//! files behind it: the sandbox CA's directory (`SANDBOX_CA_DIR`) and the trust anchors
//! (`TRUST_ANCHORS`). The rules themselves are pure and live in `domain::pki` (issuance,
//! sandbox_ca, chain, formats); this module re-exports what the rest of the service calls, so
//! that callers name `crate::issuer::…` only.
//!
//! The sandbox directory holds one CA, in `ca/`:
//!
//! | file | content |
//! |------|---------|
//! | `ca/root.pem` | the sandbox root (give it to `openssl verify -CAfile`) |
//! | `ca/issuing-ca.pem` | the issuing CA, the intermediate of every chain |
//! | `ca/root.key.pem`, `ca/issuing-ca.key.pem` | the keys, `ENCRYPTED PRIVATE KEY` only (0600) |
//! | `ca/passphrase` | only when `SANDBOX_CA_PASSPHRASE` was unset in development or test: the generated passphrase (0600) |
//!
//! The first process to start makes the CA in a staging directory beside `ca/` and renames
//! it into place; the rename is atomic and fails when `ca/` exists, so two processes starting
//! at once end up with the same CA (the loser drops its own and loads the winner's). Later
//! starts load `ca/` again: the same root across restarts.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

pub use crate::config::IssuerSettings;
pub use crate::domain::pki::chain::{
    certificates_of_pem, verify_chain, ChainExpectation, TrustAnchors, CHAIN_POINTER,
    MAX_CHAIN_CERTIFICATES,
};
pub use crate::domain::pki::formats::{CertificateFormat, FormatError};
pub use crate::domain::pki::issuance::{
    br_latest_not_after, br_max_validity_days, summarize, within_br_maximum, CertificateSummary,
    IssueError, IssueRequest, IssuedCertificate, Issuer, IssuerMode, ManualIssuer,
};
pub use crate::domain::pki::sandbox_ca::{
    SandboxCa, SandboxCaError, SandboxCaFiles, ISSUING_CN, ROOT_CN,
};

/// The CA's own directory inside `SANDBOX_CA_DIR`.
pub const CA_SUBDIR: &str = "ca";
pub const ROOT_CERT_FILE: &str = "root.pem";
pub const ISSUING_CERT_FILE: &str = "issuing-ca.pem";
pub const ROOT_KEY_FILE: &str = "root.key.pem";
pub const ISSUING_KEY_FILE: &str = "issuing-ca.key.pem";
pub const PASSPHRASE_FILE: &str = "passphrase";

/// Why the issuer could not be set up: the service does not start.
#[derive(Debug, thiserror::Error)]
pub enum IssuerSetupError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}: the sandbox CA's keys are encrypted, but SANDBOX_CA_PASSPHRASE is unset and \
         there is no passphrase file",
        .0.display()
    )]
    NoPassphrase(PathBuf),
    #[error(
        "SANDBOX_CA_PASSPHRASE is required to create the sandbox CA outside development and \
         test"
    )]
    PassphraseRequired,
    #[error("{}: {source}", path.display())]
    Ca {
        path: PathBuf,
        source: SandboxCaError,
    },
    #[error("TRUST_ANCHORS {}: {reason}", path.display())]
    TrustAnchors { path: PathBuf, reason: String },
    #[error("ISSUER=manual needs TRUST_ANCHORS: the PEM file(s) of the roots an uploaded chain must lead to")]
    NoTrustAnchors,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IssuerSetupError + '_ {
    move |source| IssuerSetupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The issuer `settings` ask for. `development` (the environment is development or test)
/// allows generating the sandbox's passphrase when `SANDBOX_CA_PASSPHRASE` is unset;
/// `now` dates a new sandbox CA.
pub fn build_issuer(
    settings: &IssuerSettings,
    development: bool,
    now: DateTime<Utc>,
) -> Result<Arc<dyn Issuer>, IssuerSetupError> {
    let anchors = load_trust_anchors(&settings.trust_anchors)?;
    match settings.mode {
        IssuerMode::Manual if anchors.is_empty() => Err(IssuerSetupError::NoTrustAnchors),
        IssuerMode::Manual => Ok(Arc::new(ManualIssuer::new(anchors))),
        IssuerMode::Sandbox => {
            let ca = open_sandbox_ca(
                &settings.sandbox_ca_dir,
                settings.passphrase.as_deref(),
                development,
                now,
            )?;
            Ok(Arc::new(ca.with_extra_anchors(&anchors)))
        }
    }
}

/// Every certificate of the PEM files `paths`.
pub fn load_trust_anchors(paths: &[PathBuf]) -> Result<TrustAnchors, IssuerSetupError> {
    let mut anchors = TrustAnchors::default();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let found =
            TrustAnchors::from_pem(&text).map_err(|reason| IssuerSetupError::TrustAnchors {
                path: path.clone(),
                reason,
            })?;
        anchors.extend(&found);
    }
    Ok(anchors)
}

/// Loads the sandbox CA kept in `dir`, or makes it when there is none (see the module's
/// doc). `passphrase` is `SANDBOX_CA_PASSPHRASE`; without it, a new CA gets a generated one
/// (kept in `ca/passphrase`, 0600) when `development` allows, and an existing CA is opened
/// with its `ca/passphrase` file.
pub fn open_sandbox_ca(
    dir: &Path,
    passphrase: Option<&str>,
    development: bool,
    now: DateTime<Utc>,
) -> Result<SandboxCa, IssuerSetupError> {
    let ca_dir = dir.join(CA_SUBDIR);
    if !ca_dir.join(ROOT_CERT_FILE).exists() {
        create_sandbox_ca(dir, passphrase, development, now)?;
    }
    load_sandbox_ca(&ca_dir, passphrase)
}

fn load_sandbox_ca(ca_dir: &Path, passphrase: Option<&str>) -> Result<SandboxCa, IssuerSetupError> {
    let read = |name: &str| {
        let path = ca_dir.join(name);
        std::fs::read_to_string(&path).map_err(io(&path))
    };
    let passphrase = match passphrase {
        Some(p) => Zeroizing::new(p.to_owned()),
        None => {
            let path = ca_dir.join(PASSPHRASE_FILE);
            match std::fs::read_to_string(&path) {
                Ok(p) => Zeroizing::new(p.trim().to_owned()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(IssuerSetupError::NoPassphrase(ca_dir.to_owned()))
                }
                Err(e) => return Err(io(&path)(e)),
            }
        }
    };
    let files = SandboxCaFiles {
        root_cert_pem: read(ROOT_CERT_FILE)?,
        issuing_cert_pem: read(ISSUING_CERT_FILE)?,
        root_key_pem: Zeroizing::new(read(ROOT_KEY_FILE)?),
        issuing_key_pem: Zeroizing::new(read(ISSUING_KEY_FILE)?),
    };
    SandboxCa::from_files(&files, &passphrase).map_err(|source| IssuerSetupError::Ca {
        path: ca_dir.to_owned(),
        source,
    })
}

/// Makes a CA in a staging directory and renames it to `dir/ca`; losing the race to another
/// process is not an error (its CA is then loaded).
fn create_sandbox_ca(
    dir: &Path,
    passphrase: Option<&str>,
    development: bool,
    now: DateTime<Utc>,
) -> Result<(), IssuerSetupError> {
    let (passphrase, generated) = match passphrase {
        Some(p) => (Zeroizing::new(p.to_owned()), false),
        None if development => {
            let bytes: [u8; 32] = rand::random();
            let p = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            (Zeroizing::new(p), true)
        }
        None => return Err(IssuerSetupError::PassphraseRequired),
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let (_, files) =
        SandboxCa::generate(now, &passphrase).map_err(|source| IssuerSetupError::Ca {
            path: dir.to_owned(),
            source,
        })?;
    let staging = dir.join(format!(
        ".staging-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = (|| {
        create_private_dir(&staging)?;
        write_file(
            &staging.join(ROOT_CERT_FILE),
            files.root_cert_pem.as_bytes(),
            0o644,
        )?;
        write_file(
            &staging.join(ISSUING_CERT_FILE),
            files.issuing_cert_pem.as_bytes(),
            0o644,
        )?;
        write_file(
            &staging.join(ROOT_KEY_FILE),
            files.root_key_pem.as_bytes(),
            0o600,
        )?;
        write_file(
            &staging.join(ISSUING_KEY_FILE),
            files.issuing_key_pem.as_bytes(),
            0o600,
        )?;
        if generated {
            write_file(
                &staging.join(PASSPHRASE_FILE),
                format!("{}\n", passphrase.as_str()).as_bytes(),
                0o600,
            )?;
        }
        let ca_dir = dir.join(CA_SUBDIR);
        match std::fs::rename(&staging, &ca_dir) {
            Ok(()) => {
                sync_dir(dir);
                Ok(())
            }
            // Another process made it first (rename onto a non-empty directory fails).
            Err(_) if ca_dir.join(ROOT_CERT_FILE).exists() => Ok(()),
            Err(e) => Err(io(&ca_dir)(e)),
        }
    })();
    if staging.exists() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn create_private_dir(path: &Path) -> Result<(), IssuerSetupError> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(io(path))
}

/// Writes a new file with `mode` (on Unix) and flushes it to disk.
fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), IssuerSetupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pki::csr::to_pem;
    use crate::domain::pki::keygen::{generate_csr, CsrSubject, KeyType};
    use std::process::Command;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-02T06:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "certorder-issuer-{tag}-{}-{:x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn names() -> Vec<String> {
        ["www.certigna.fr", "certigna.fr"]
            .map(String::from)
            .to_vec()
    }

    fn csr(key_type: KeyType) -> (String, String) {
        let subject = CsrSubject {
            common_name: String::new(),
            organization: None,
            organizational_unit: None,
            locality: None,
            country: None,
        };
        let out = generate_csr(key_type, &subject, &names(), None).unwrap();
        (out.csr_pem, out.public_key_sha256)
    }

    fn issue(issuer: &dyn Issuer, key_type: KeyType) -> (IssuedCertificate, String) {
        let (pem, key_sha) = csr(key_type);
        let names = names();
        let req = IssueRequest {
            csr_pem: &pem,
            names: &names,
            order_number: "CO-1",
            // openssl verify checks validity against the real clock
            not_before: Utc::now() - chrono::Duration::minutes(5),
            not_after: Utc::now() + chrono::Duration::days(30),
        };
        (issuer.issue(&req).unwrap(), key_sha)
    }

    /// The openssl binary, or `None` to skip; with `CI` set, a missing openssl fails.
    fn openssl() -> Option<&'static str> {
        let found = Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found && std::env::var_os("CI").is_some() {
            panic!("openssl is not installed, and CI is set: the format tests need it");
        }
        found.then_some("openssl")
    }

    fn run(args: &[&str], dir: &Path) -> String {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn settings(dir: &Path, passphrase: Option<&str>) -> IssuerSettings {
        IssuerSettings {
            mode: IssuerMode::Sandbox,
            sandbox_ca_dir: dir.to_owned(),
            passphrase: passphrase.map(str::to_owned),
            trust_anchors: Vec::new(),
        }
    }

    #[test]
    fn the_sandbox_ca_is_made_once_and_reloaded_with_the_same_root_across_restarts() {
        let dir = temp_dir("reload");
        let first = open_sandbox_ca(&dir, None, true, now()).unwrap();
        let again = open_sandbox_ca(&dir, None, true, now()).unwrap();
        assert_eq!(first.root_der(), again.root_der());
        assert_eq!(first.issuing_der(), again.issuing_der());
        // the generated passphrase is kept in a 0600 file beside the keys
        let pass = dir.join(CA_SUBDIR).join(PASSPHRASE_FILE);
        assert!(std::fs::read_to_string(&pass).unwrap().trim().len() >= 40);
        #[cfg(unix)]
        for file in [PASSPHRASE_FILE, ROOT_KEY_FILE, ISSUING_KEY_FILE] {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.join(CA_SUBDIR).join(file)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{file}");
        }
        // no staging directory is left behind
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, [CA_SUBDIR]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_keys_on_disk_are_encrypted_and_a_wrong_passphrase_does_not_open_them() {
        let dir = temp_dir("encrypted");
        open_sandbox_ca(&dir, Some("the right passphrase"), false, now()).unwrap();
        assert!(
            !dir.join(CA_SUBDIR).join(PASSPHRASE_FILE).exists(),
            "given, not kept"
        );
        for file in [ROOT_KEY_FILE, ISSUING_KEY_FILE] {
            let text = std::fs::read_to_string(dir.join(CA_SUBDIR).join(file)).unwrap();
            assert!(
                text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
                "{file}"
            );
            assert!(!text.contains("-----BEGIN PRIVATE KEY-----"), "{file}");
            assert!(!text.contains("-----BEGIN EC PRIVATE KEY-----"), "{file}");
        }
        let wrong = open_sandbox_ca(&dir, Some("another passphrase"), false, now()).unwrap_err();
        assert!(
            matches!(
                wrong,
                IssuerSetupError::Ca {
                    source: SandboxCaError::WrongPassphrase(_),
                    ..
                }
            ),
            "{wrong}"
        );
        let none = open_sandbox_ca(&dir, None, false, now()).unwrap_err();
        assert!(matches!(none, IssuerSetupError::NoPassphrase(_)), "{none}");
        assert!(open_sandbox_ca(&dir, Some("the right passphrase"), false, now()).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn outside_development_a_new_sandbox_needs_its_passphrase_given() {
        let dir = temp_dir("prod");
        let e = open_sandbox_ca(&dir, None, false, now()).unwrap_err();
        assert!(matches!(e, IssuerSetupError::PassphraseRequired), "{e}");
        assert!(!dir.join(CA_SUBDIR).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn threads_opening_at_once_end_up_with_one_and_the_same_ca() {
        let dir = temp_dir("race");
        let barrier = std::sync::Barrier::new(3);
        let roots: Vec<Vec<u8>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..3)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        open_sandbox_ca(&dir, None, true, now())
                            .unwrap()
                            .root_der()
                            .to_vec()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(roots.windows(2).all(|w| w[0] == w[1]), "one CA");
        let on_disk = std::fs::read_to_string(dir.join(CA_SUBDIR).join(ROOT_CERT_FILE)).unwrap();
        assert_eq!(on_disk, to_pem("CERTIFICATE", &roots[0]));
        let left = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(left, 1, "the losers' staging directories are gone");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Run by the test below in child processes (does nothing in a normal run).
    #[test]
    #[ignore]
    fn child_process_opens_the_sandbox_ca() {
        let Some(dir) = std::env::var_os("CERTORDER_TEST_SANDBOX_RACE_DIR") else {
            return;
        };
        let ca = open_sandbox_ca(Path::new(&dir), None, true, now()).unwrap();
        println!(
            "ROOT={}",
            crate::domain::pki::issuance::sha256_hex(ca.root_der())
        );
    }

    #[test]
    fn two_processes_starting_at_once_end_up_with_the_same_ca() {
        let dir = temp_dir("processes");
        let exe = std::env::current_exe().unwrap();
        let children: Vec<_> = (0..2)
            .map(|_| {
                Command::new(&exe)
                    .args([
                        "--ignored",
                        "--exact",
                        "issuer::tests::child_process_opens_the_sandbox_ca",
                        "--nocapture",
                        "--test-threads=1",
                    ])
                    .env("CERTORDER_TEST_SANDBOX_RACE_DIR", &dir)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let roots: Vec<String> = children
            .into_iter()
            .map(|child| {
                let out = child.wait_with_output().unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
                assert!(
                    out.status.success(),
                    "{stdout}{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                stdout
                    .lines()
                    .find_map(|l| l.split_once("ROOT=").map(|(_, r)| &r[..64.min(r.len())]))
                    .unwrap_or_else(|| panic!("no ROOT= line: {stdout}"))
                    .to_owned()
            })
            .collect();
        assert_eq!(roots[0], roots[1], "one CA for both processes");
        let on_disk = std::fs::read_to_string(dir.join(CA_SUBDIR).join(ROOT_CERT_FILE)).unwrap();
        let der = pkcs8::der::pem::decode_vec(on_disk.as_bytes()).unwrap().1;
        assert_eq!(crate::domain::pki::issuance::sha256_hex(&der), roots[0]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn build_issuer_follows_the_mode_and_manual_needs_trust_anchors() {
        let dir = temp_dir("build");
        let sandbox = build_issuer(&settings(&dir, Some("pass phrase 1")), false, now()).unwrap();
        assert_eq!(sandbox.mode(), IssuerMode::Sandbox);
        assert_eq!(sandbox.trust_anchors().len(), 1, "its own root");

        let mut manual = settings(&dir, None);
        manual.mode = IssuerMode::Manual;
        assert!(matches!(
            build_issuer(&manual, false, now()),
            Err(IssuerSetupError::NoTrustAnchors)
        ));
        manual.trust_anchors = vec![dir.join(CA_SUBDIR).join(ROOT_CERT_FILE)];
        let issuer = build_issuer(&manual, false, now()).unwrap();
        assert_eq!(issuer.mode(), IssuerMode::Manual);
        assert_eq!(
            issuer.trust_anchors().ders(),
            [sandbox.trust_anchors().ders()[0].clone()]
        );
        // a chain the sandbox issued verifies against the manual issuer's anchors
        let (issued, key_sha) = issue(sandbox.as_ref(), KeyType::EcdsaP256);
        let pem = CertificateFormat::PemChain
            .encode(&issued.chain_der)
            .unwrap();
        let names = names();
        let expected = ChainExpectation {
            public_key_sha256: &key_sha,
            names: &names,
        };
        let verified = verify_chain(
            std::str::from_utf8(&pem).unwrap(),
            &expected,
            issuer.trust_anchors(),
            Utc::now(),
        )
        .unwrap();
        assert_eq!(verified, issued);

        manual.trust_anchors = vec![dir.join("missing.pem")];
        assert!(matches!(
            build_issuer(&manual, false, now()),
            Err(IssuerSetupError::Io { .. })
        ));
        let not_pem = dir.join("not.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        manual.trust_anchors = vec![not_pem];
        assert!(matches!(
            build_issuer(&manual, false, now()),
            Err(IssuerSetupError::TrustAnchors { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn openssl_verifies_the_sandbox_chain_and_reads_the_pkcs7_and_der_downloads() {
        let Some(_) = openssl() else {
            eprintln!("openssl not installed: skipped (CI is unset)");
            return;
        };
        let dir = temp_dir("openssl");
        let ca = open_sandbox_ca(&dir, None, true, now()).unwrap();
        for key_type in [KeyType::Rsa2048, KeyType::EcdsaP256] {
            let (issued, _) = issue(&ca, key_type);
            let chain = &issued.chain_der;
            let write = |name: &str, bytes: Vec<u8>| std::fs::write(dir.join(name), bytes).unwrap();
            write(
                "leaf.pem",
                CertificateFormat::PemLeaf.encode(chain).unwrap(),
            );
            write(
                "chain.pem",
                CertificateFormat::PemChain.encode(chain).unwrap(),
            );
            write(
                "leaf.cer",
                CertificateFormat::DerLeaf.encode(chain).unwrap(),
            );
            write("chain.p7b", CertificateFormat::Pkcs7.encode(chain).unwrap());
            write(
                "intermediate.pem",
                to_pem("CERTIFICATE", &chain[1]).into_bytes(),
            );
            let root = dir.join(CA_SUBDIR).join(ROOT_CERT_FILE);
            let root = root.to_str().unwrap();

            let out = run(
                &[
                    "verify",
                    "-CAfile",
                    root,
                    "-untrusted",
                    "intermediate.pem",
                    "leaf.pem",
                ],
                &dir,
            );
            assert_eq!(out.trim(), "leaf.pem: OK", "{key_type}");
            // the chain download alone is enough: leaf first, then the intermediate
            let out = run(
                &[
                    "verify",
                    "-purpose",
                    "sslserver",
                    "-CAfile",
                    root,
                    "-untrusted",
                    "chain.pem",
                    "leaf.pem",
                ],
                &dir,
            );
            assert_eq!(out.trim(), "leaf.pem: OK", "{key_type}");
            let printed = run(
                &[
                    "pkcs7",
                    "-inform",
                    "DER",
                    "-in",
                    "chain.p7b",
                    "-print_certs",
                ],
                &dir,
            );
            assert_eq!(printed.matches("-----BEGIN CERTIFICATE-----").count(), 2);
            assert!(
                printed.contains("subject=CN=www.certigna.fr")
                    || printed.contains("subject=CN = www.certigna.fr"),
                "{printed}"
            );
            assert!(printed.contains("NOT TRUSTED"), "{printed}");
            let text = run(
                &[
                    "x509", "-inform", "DER", "-in", "leaf.cer", "-noout", "-text",
                ],
                &dir,
            );
            assert!(
                text.contains("DNS:www.certigna.fr, DNS:certigna.fr"),
                "{text}"
            );
            assert!(text.contains("TLS Web Server Authentication"), "{text}");
            assert!(text.contains("CA:FALSE"), "{text}");
            let fingerprint = run(
                &[
                    "x509",
                    "-inform",
                    "DER",
                    "-in",
                    "leaf.cer",
                    "-noout",
                    "-fingerprint",
                    "-sha256",
                ],
                &dir,
            );
            let hex: String = fingerprint
                .trim()
                .rsplit('=')
                .next()
                .unwrap()
                .replace(':', "")
                .to_ascii_lowercase();
            assert_eq!(hex, issued.summary.sha256_fingerprint);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
