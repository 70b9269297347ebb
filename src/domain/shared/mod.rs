//! What every part of the domain shares: error codes, field issues, money, payment
//! methods.

pub(crate) mod business_days;
pub mod code;
pub(crate) mod issue;
pub(crate) mod money;
pub(crate) mod payment_method;
