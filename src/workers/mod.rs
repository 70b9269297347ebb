//! Background work that leaves the service through events: the e-mail sender, the webhook
//! dispatcher and the scheduler. A worker claims its work, does the I/O outside any database
//! transaction and records the outcome.

pub(crate) mod mail;
pub mod scheduler;
pub mod smtp;
pub mod webhooks;
