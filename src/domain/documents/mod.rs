//! The justificatifs (supporting documents) an order needs, as data-driven rules; after
//! "Commander", each one's slot, its uploaded files and their review.

pub mod justificatifs;
pub mod slot;
pub mod upload;
