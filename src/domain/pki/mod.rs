//! Domain names, CSRs, RSA key checks, key pair and CSR generation; issuing certificates
//! (the sandbox CA, the check of an uploaded chain) and their download formats.

pub(crate) mod chain;
pub(crate) mod csr;
pub(crate) mod formats;
pub(crate) mod fqdn;
pub(crate) mod issuance;
pub(crate) mod keygen;
pub(crate) mod rsa_checks;
pub(crate) mod sandbox_ca;
