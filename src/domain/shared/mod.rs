//! What every part of the domain shares: problem codes and field paths.

pub mod issue;
