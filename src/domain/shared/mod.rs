//! What every part of the domain shares: error codes, field issues, money.

pub mod code;
pub mod issue;
pub mod money;
