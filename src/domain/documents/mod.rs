//! The justificatifs (supporting documents) an order needs, as data-driven rules.

pub mod justificatifs;
