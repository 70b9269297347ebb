//! Rendering: the PDF form ("formulaire de demande de certificat") and the e-mails.

pub mod formulaire;
pub mod life_mail;
pub mod mail;
