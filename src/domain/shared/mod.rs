//! What every part of the domain shares: problem codes, money.

pub mod issue;
pub mod money;
