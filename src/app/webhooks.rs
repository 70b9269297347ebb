//! Webhook endpoints (create, list, change, delete, rotate the secret), their deliveries
//! (list, redeliver one, recover a time range) and the dispatcher's step: lease one due
//! delivery, sign and POST it outside any transaction, record the attempt and what follows
//! (the retry schedule of `domain::webhooks`, 410 and 5 days of failure disabling the
//! endpoint). Every time comes from the app's clock.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{App, AppError};
use crate::domain::account::AccountId;
use crate::domain::order::OrderEventType;
use crate::domain::shared::issue::{Code, FieldIssue};
use crate::domain::webhooks::{self as rules, secret_text, SECRET_BYTES};
use crate::persistence::webhooks::{self as repo, AttemptRecord, Claimed, NewEndpoint, Next};
pub use crate::persistence::webhooks::{AttemptRow, Change, Delivery, Endpoint};
use crate::persistence::DbError;
use crate::webhooks::{parse_url, resolve, TargetError};

/// An endpoint with its secret (`whsec_…`), shown once: at creation, or at a rotation.
#[derive(Debug)]
pub struct WithSecret {
    pub endpoint: Endpoint,
    pub secret: zeroize::Zeroizing<String>,
}

fn new_secret() -> (
    zeroize::Zeroizing<[u8; SECRET_BYTES]>,
    zeroize::Zeroizing<String>,
) {
    let bytes = zeroize::Zeroizing::new(rand::random::<[u8; SECRET_BYTES]>());
    let text = zeroize::Zeroizing::new(secret_text(bytes.as_slice()));
    (bytes, text)
}

/// The refusal of a target URL, as a field problem of `/url`.
pub fn url_issue(e: &TargetError) -> FieldIssue {
    let (code, fr, en) = match e {
        TargetError::Invalid => (
            Code::WebhookUrlInvalid,
            "Une URL absolue http(s) avec un nom d'hôte, sans identifiants.".to_owned(),
            "An absolute http(s) URL with a host name and no credentials.".to_owned(),
        ),
        TargetError::NotHttps => (
            Code::WebhookUrlNotHttps,
            "L'URL doit être en https.".to_owned(),
            "The URL must use https.".to_owned(),
        ),
        TargetError::Unresolvable => (
            Code::WebhookUrlUnresolvable,
            "Ce nom d'hôte ne se résout pas.".to_owned(),
            "This host name does not resolve.".to_owned(),
        ),
        TargetError::Private(ip) => (
            Code::WebhookUrlPrivate,
            format!("Le nom pointe vers une adresse privée ou de bouclage ({ip}) : refusée."),
            format!("The name points to a private or loopback address ({ip}): refused."),
        ),
    };
    FieldIssue::new("/url", code, fr, en)
}

/// Checks a target: its shape, then its addresses.
pub async fn check_url(app: &App, raw: &str) -> Result<String, FieldIssue> {
    let settings = &app.webhooks.settings;
    let url = parse_url(raw, settings).map_err(|e| url_issue(&e))?;
    if url.as_str().len() > 2000 {
        return Err(FieldIssue::new(
            "/url",
            Code::WebhookUrlInvalid,
            "URL de 2000 caractères au plus.",
            "A URL of at most 2000 characters.",
        ));
    }
    resolve(&url, settings).await.map_err(|e| url_issue(&e))?;
    Ok(url.to_string())
}

pub async fn create(
    app: &App,
    account: AccountId,
    url: String,
    description: String,
    event_types: Vec<OrderEventType>,
) -> Result<WithSecret, AppError> {
    let now = app.now();
    let id = Uuid::now_v7();
    let (bytes, text) = new_secret();
    let sealed = app.webhooks.secrets.seal(id, bytes.as_slice());
    let endpoint = app
        .db
        .run(move |conn| {
            repo::insert(
                conn,
                &NewEndpoint {
                    id,
                    account_id: account,
                    url: &url,
                    description: &description,
                    event_types: &event_types,
                    sealed_secret: &sealed,
                    now,
                },
            )
        })
        .await?;
    Ok(WithSecret {
        endpoint,
        secret: text,
    })
}

pub async fn list(app: &App, account: AccountId) -> Result<Vec<Endpoint>, AppError> {
    Ok(app.db.run(move |conn| repo::list(conn, account)).await?)
}

pub async fn get(app: &App, account: AccountId, id: Uuid) -> Result<Endpoint, AppError> {
    Ok(app
        .db
        .run(move |conn| repo::find(conn, account, id))
        .await?)
}

pub async fn update(
    app: &App,
    account: AccountId,
    id: Uuid,
    change: Change,
) -> Result<Endpoint, AppError> {
    let now = app.now();
    Ok(app
        .db
        .transaction(move |conn| repo::update(conn, account, id, change, now))
        .await?)
}

pub async fn delete(app: &App, account: AccountId, id: Uuid) -> Result<(), AppError> {
    let now = app.now();
    Ok(app
        .db
        .transaction(move |conn| repo::delete(conn, account, id, now))
        .await?)
}

/// A new secret; the former one keeps signing for `WEBHOOK_ROTATION_GRACE_HOURS`.
pub async fn rotate(app: &App, account: AccountId, id: Uuid) -> Result<WithSecret, AppError> {
    let now = app.now();
    let until = now
        + Duration::from_std(app.webhooks.settings.rotation_grace).unwrap_or(Duration::hours(24));
    let (bytes, text) = new_secret();
    let sealed = app.webhooks.secrets.seal(id, bytes.as_slice());
    let endpoint = app
        .db
        .transaction(move |conn| repo::rotate(conn, account, id, &sealed, until, now))
        .await?;
    Ok(WithSecret {
        endpoint,
        secret: text,
    })
}

pub async fn deliveries(
    app: &App,
    account: AccountId,
    endpoint: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Delivery>, AppError> {
    Ok(app
        .db
        .run(move |conn| repo::deliveries(conn, account, endpoint, after, limit))
        .await?)
}

pub async fn redeliver(app: &App, account: AccountId, id: Uuid) -> Result<(), AppError> {
    let now = app.now();
    Ok(app
        .db
        .run(move |conn| repo::redeliver(conn, account, id, now))
        .await?)
}

pub async fn recover(
    app: &App,
    account: AccountId,
    endpoint: Uuid,
    since: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Result<usize, AppError> {
    let now = app.now();
    let until = until.unwrap_or(now);
    if until <= since {
        return Err(AppError::Invalid(vec![FieldIssue::new(
            "/until",
            Code::WebhookRecoverRange,
            Code::WebhookRecoverRange.fr(),
            Code::WebhookRecoverRange.en(),
        )]));
    }
    // the events kept: 30 days, as the feed
    let since = since.max(now - Duration::days(crate::persistence::events::FEED_DAYS));
    Ok(app
        .db
        .transaction(move |conn| repo::recover(conn, account, endpoint, since, until, now))
        .await?)
}

/// What the dispatcher's step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatched {
    Delivered,
    Retry,
    Failed,
    /// The lease ran out before the outcome could be recorded (another dispatcher has it).
    Lost,
}

/// Leases one due delivery, signs and POSTs it, records the attempt. `Ok(None)`: nothing due.
pub async fn dispatch_one(app: &App) -> Result<Option<Dispatched>, AppError> {
    let now = app.now();
    let Some(claim) = app.db.run(move |conn| repo::claim(conn, now)).await? else {
        return Ok(None);
    };
    let span = tracing::info_span!(
        "webhook_delivery",
        delivery_id = %claim.id,
        event_id = %claim.event_id,
        endpoint_id = %claim.endpoint_id,
        attempt = claim.attempts + 1,
    );
    tracing::Instrument::instrument(send(app, claim), span)
        .await
        .map(Some)
}

async fn send(app: &App, claim: Claimed) -> Result<Dispatched, AppError> {
    let secrets = &app.webhooks.secrets;
    let settings = &app.webhooks.settings;
    let now = app.now();
    let body = claim.payload.to_string();
    let current = secrets.open(claim.endpoint_id, &claim.secret);
    let previous = match (&claim.previous_secret, claim.previous_secret_until) {
        (Some(sealed), Some(until)) if until > now => secrets.open(claim.endpoint_id, sealed),
        _ => None,
    };
    let attempt = match &current {
        Some(key) => {
            let mut keys: Vec<&[u8]> = vec![key.as_slice()];
            if let Some(p) = &previous {
                keys.push(p.as_slice());
            }
            let ts = now.timestamp();
            let signature = rules::signature_header(&keys, &claim.event_id.to_string(), ts, &body);
            crate::webhooks::post(settings, &claim.url, claim.event_id, ts, &signature, body).await
        }
        None => crate::webhooks::Attempt {
            status: None,
            error: Some(
                "the endpoint's secret cannot be read (WEBHOOK_SECRET_KEY changed?)".into(),
            ),
            retry_after: None,
            duration: std::time::Duration::ZERO,
        },
    };
    let at = app.now();
    let failures = u32::try_from(claim.attempts + 1).unwrap_or(u32::MAX);
    let gone = attempt.status == Some(410);
    let next = if attempt.delivered() {
        Next::Delivered
    } else if gone {
        Next::Failed
    } else {
        match rules::next_delay(failures, attempt.retry_after) {
            Some(d) => Next::Retry(at + Duration::from_std(d).unwrap_or(Duration::hours(10))),
            None => Next::Failed,
        }
    };
    match (&attempt.status, &attempt.error) {
        (_, None) => tracing::info!(status = attempt.status, "webhook delivered"),
        (status, Some(e)) => {
            tracing::warn!(status = *status, error = %e, next = ?next, "webhook not delivered")
        }
    }
    let record = AttemptRecord {
        at,
        status: attempt.status,
        error: attempt.error.as_deref(),
        duration_ms: i32::try_from(attempt.duration.as_millis()).unwrap_or(i32::MAX),
    };
    let error = attempt.error.clone();
    let kept = app
        .db
        .transaction(move |conn| -> Result<bool, DbError> {
            let record = AttemptRecord {
                error: error.as_deref(),
                ..record
            };
            if !repo::record(conn, &claim, &record, next)? {
                return Ok(false);
            }
            if next == Next::Delivered {
                repo::endpoint_succeeded(conn, claim.endpoint_id)?;
            } else if gone {
                if repo::disable(conn, claim.endpoint_id, "gone", at)? {
                    tracing::warn!("the receiver answered 410 Gone: endpoint disabled");
                }
            } else {
                let since = repo::endpoint_failed(conn, claim.endpoint_id, at)?;
                if at - since >= Duration::days(rules::FAILING_DAYS)
                    && repo::disable(conn, claim.endpoint_id, "failing", at)?
                {
                    // its owner is told by e-mail (the mail worker sends it)
                    repo::queue_notice(conn, claim.endpoint_id, at)?;
                    tracing::warn!(failing_since = %since, "endpoint failing for 5 days: disabled, owner notified");
                }
            }
            Ok(true)
        })
        .await?;
    Ok(match (kept, next) {
        (false, _) => Dispatched::Lost,
        (true, Next::Delivered) => Dispatched::Delivered,
        (true, Next::Retry(_)) => Dispatched::Retry,
        (true, Next::Failed) => Dispatched::Failed,
    })
}

/// Delivers every due delivery (the dispatcher's loop body; `certorder`'s tests call it).
pub async fn dispatch_due(app: &App) -> Result<usize, AppError> {
    let mut n = 0;
    while dispatch_one(app).await?.is_some() {
        n += 1;
    }
    Ok(n)
}
