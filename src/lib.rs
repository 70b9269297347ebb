//! certorder: a REST/JSON service for ordering TLS server certificates ("Pack SSL" and
//! "SSL RGS*") from a certificate authority. See the README.
//!
//! Layers: [`http`] (actix handlers, DTOs, errors), [`domain`] (pure rules),
//! [`persistence`] (diesel on PostgreSQL). [`startup`] wires them together.

pub mod app;
pub mod cli;
pub mod config;
pub mod dcv;
pub mod domain;
pub mod housekeeping;
pub mod http;
pub mod issuance;
pub mod issuer;
pub mod persistence;
pub mod render;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod webhooks;
pub mod workers;
