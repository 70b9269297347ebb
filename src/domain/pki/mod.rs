//! Domain names, CSRs, RSA key checks, key pair and CSR generation.

pub mod csr;
pub mod fqdn;
pub mod keygen;
pub mod rsa_checks;
