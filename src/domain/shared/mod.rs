//! What every part of the domain shares: error codes, field issues, money, payment
//! methods.

pub mod code;
pub mod issue;
pub mod money;
pub mod payment_method;
