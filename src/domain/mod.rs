//! The domain layer: pure Rust, no actix, no diesel, no clock, no I/O.
//!
//! - [`shared`]: value types and the closed list of problem codes every rule reports with;
//! - [`account`]: accounts, roles, who may see what, password hashing;
//! - [`order`]: the order aggregate, its state machine, the wizard's steps and "commander";
//! - [`catalog`]: authorities, durations, certificate lifetimes, prices;
//! - [`pki`]: domain names, CSRs, RSA key checks, key and CSR generation;
//! - [`documents`]: which justificatifs an order needs;
//! - [`webhooks`]: the Standard Webhooks signature and the retry schedule.

pub(crate) mod account;
pub(crate) mod catalog;
pub(crate) mod dcv;
pub mod documents;
pub(crate) mod order;
pub(crate) mod pki;
pub mod shared;
pub mod webhooks;
