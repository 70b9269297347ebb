//! Integration tests: the real HTTP server against real PostgreSQL, one database per test.

mod support;

mod auth;
mod contract;
mod errors;
mod orders;
mod wizard;
