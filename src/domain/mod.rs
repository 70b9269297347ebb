//! The domain layer: pure Rust, no actix, no diesel, no clock, no I/O.

pub mod account;
pub mod fqdn;
pub mod issue;
pub mod order;
pub mod password;
