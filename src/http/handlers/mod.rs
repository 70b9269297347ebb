pub mod auth;
pub mod formulaire;
pub mod health;
pub mod orders;
