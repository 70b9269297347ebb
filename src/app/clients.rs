//! A partner's client list (SPEC §10): invitations, the client's consent, the end of a link.

use uuid::Uuid;

use super::{App, AppError};
use crate::domain::account::clients::ClientLink;
use crate::domain::account::{normalize_username, Caller, Role};
use crate::domain::shared::issue::{Code, FieldIssue};
use crate::persistence::partner_clients as repo;
pub use crate::persistence::partner_clients::ListedLink;

fn partner_only(caller: &Caller) -> Result<(), AppError> {
    match (caller.role, &caller.partner_code) {
        (Role::Partner, Some(_)) => Ok(()),
        _ => Err(AppError::PartnerOnly),
    }
}

/// A partner invites the account `username`: pending until its user accepts. The answer is
/// the same whether or not a customer has this username.
pub async fn invite(app: &App, caller: Caller, username: &str) -> Result<ClientLink, AppError> {
    partner_only(&caller)?;
    let Some(username) = normalize_username(username) else {
        return Err(AppError::Invalid(vec![FieldIssue::new(
            "/username",
            Code::UsernameInvalid,
            "Un identifiant compte de 3 à 64 caractères : lettres, chiffres, « . », « _ », « - », « @ ».",
            "A username is 3 to 64 characters: letters, digits, \".\", \"_\", \"-\", \"@\".",
        )]));
    };
    let now = app.now();
    let partner = caller.account_id;
    Ok(app
        .db
        .run(move |conn| repo::invite(conn, partner, &username, now))
        .await?)
}

/// The partner's pending and active links.
pub async fn of_partner(app: &App, caller: Caller) -> Result<Vec<ListedLink>, AppError> {
    partner_only(&caller)?;
    Ok(app
        .db
        .run(move |conn| repo::of_partner(conn, caller.account_id))
        .await?)
}

/// The partner ends a link (its orders already made stay the client's, and the partner keeps
/// following them as their agent).
pub async fn end_as_partner(app: &App, caller: Caller, id: Uuid) -> Result<(), AppError> {
    partner_only(&caller)?;
    end(app, caller, id).await
}

/// The invitations and links of the caller's account, as a client.
pub async fn of_client(app: &App, caller: Caller) -> Result<Vec<ListedLink>, AppError> {
    Ok(app
        .db
        .run(move |conn| repo::of_client(conn, caller.account_id))
        .await?)
}

/// The client accepts a partner's invitation: the partner may now order for it.
pub async fn accept(app: &App, caller: Caller, id: Uuid) -> Result<ClientLink, AppError> {
    let now = app.now();
    Ok(app
        .db
        .run(move |conn| repo::accept(conn, caller.account_id, id, now))
        .await?)
}

/// Either side ends (or the client declines) a link.
pub async fn end(app: &App, caller: Caller, id: Uuid) -> Result<(), AppError> {
    let now = app.now();
    Ok(app
        .db
        .run(move |conn| repo::end(conn, caller.account_id, id, now))
        .await?)
}
