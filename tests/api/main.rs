//! Integration tests: the real HTTP server against real PostgreSQL, one database per test.

mod sample;
mod smtp_sink;
mod startup;
mod support;

mod auth;
mod contract;
mod credentials;
mod csr;
mod dcv;
mod dcv_peers;
mod documents;
mod errors;
mod feed;
mod formulaire;
mod harness;
mod layout;
mod lifecycle;
mod mail;
mod orders;
mod partners;
mod preconditions;
mod reliability;
mod renewals;
mod schema;
mod security;
mod stored;
mod throttle;
mod verdicts;
mod webhooks;
mod wizard;
