pub mod auth;
pub mod catalog;
pub mod checks;
pub mod formulaire;
pub mod health;
pub mod keygen;
pub mod orders;
pub mod wizard;
