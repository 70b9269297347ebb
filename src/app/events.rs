//! The events feed: what a partner polls, or reads to reconcile after an outage — the same
//! events (and ids) as the e-mails and, later, the webhooks.

use uuid::Uuid;

use super::{App, AppError};
use crate::domain::account::Caller;
use crate::domain::order::OrderEventType;
use crate::persistence::events;

/// A page of the caller's events after `after`, oldest first (`limit` rows at most).
pub async fn feed(
    app: &App,
    caller: Caller,
    after: Option<Uuid>,
    types: Vec<OrderEventType>,
    limit: i64,
) -> Result<Vec<(Uuid, serde_json::Value)>, AppError> {
    let now = app.now();
    Ok(app
        .db
        .run(move |conn| events::feed(conn, &caller, after, &types, now, limit))
        .await?)
}
