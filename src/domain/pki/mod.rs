//! Domain names, CSRs, RSA key checks, key pair and CSR generation.

pub(crate) mod csr;
pub(crate) mod fqdn;
pub(crate) mod keygen;
pub(crate) mod rsa_checks;
