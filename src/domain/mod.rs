//! The domain layer: pure Rust, no actix, no diesel, no clock, no I/O.

pub mod account;
pub mod catalog;
pub mod csr;
pub mod formulaire;
pub mod fqdn;
pub mod holder;
pub mod issue;
pub mod justificatifs;
pub mod keygen;
pub mod notification;
pub mod order;
pub mod password;
pub mod payment;
pub mod pricing;
pub mod rsa_checks;
pub mod submission;
pub mod wizard;
