//! Domain control use cases (SPEC §9): the controls of an order's names, the method each
//! uses, "check now" (one name or all) and the scheduler's rechecks. The DNS queries and
//! HTTP fetches run outside any transaction; what they saw is recorded after, on the locked
//! row (a check whose token changed meanwhile is dropped).

use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;

use super::{App, AppError};
use crate::domain::account::Caller;
use crate::domain::dcv::{
    evaluate_dns, evaluate_http, under_suffix, ControlStatus, DnsAnswer, DomainControl, Method,
    Token, DNS_LABEL, HTTP_PATH,
};
use crate::domain::order::life::DomainControlStatus;
use crate::domain::order::rights::Action;
use crate::domain::order::{OrderData, OrderId};
use crate::persistence::{dcv, orders};

/// How long a replica holds a claimed recheck.
const LEASE_SECONDS: i64 = 120;

fn new_token() -> Token {
    Token::from_bytes(rand::random())
}

/// The reuse period (days) of a control validated on `now`'s date (catalogue data).
pub fn reuse_days(app: &App, now: DateTime<Utc>) -> u32 {
    app.catalog
        .domain_validation_reuse()
        .max_days_on(now.date_naive())
}

/// The order's controls, one per name (a wildcard on its base domain), made on first use;
/// names under a test suffix (`DCV_TEST_SUFFIXES`, none in production) are valid at once.
pub fn ensure(
    conn: &mut PgConnection,
    app: &App,
    order: &OrderData,
) -> Result<Vec<DomainControl>, AppError> {
    let Some(submission) = order.submission.as_ref() else {
        return Ok(Vec::new());
    };
    let mut existing = dcv::list(conn, order.id)?;
    let now = app.now();
    let mut added = false;
    for name in &submission.domains {
        let (base, _) = crate::domain::dcv::base_domain(name);
        if existing.iter().any(|c| c.name == base) {
            continue;
        }
        let mut c = DomainControl::new(name, new_token(), now);
        if let Some(s) = test_suffix(app, &c.name) {
            c.validate_by_test_suffix(s, now, reuse_days(app, now));
        }
        dcv::insert(conn, order.id, &c)?;
        existing.push(c);
        added = true;
    }
    if added {
        existing = dcv::list(conn, order.id)?;
    }
    Ok(existing)
}

/// `valid` when every name's control is valid now.
pub fn status(
    conn: &mut PgConnection,
    app: &App,
    order: &OrderData,
) -> Result<DomainControlStatus, AppError> {
    let now = app.now();
    let controls = ensure(conn, app, order)?;
    Ok(
        if !controls.is_empty()
            && controls
                .iter()
                .all(|c| c.status(now) == ControlStatus::Valid)
        {
            DomainControlStatus::Valid
        } else {
            DomainControlStatus::Pending
        },
    )
}

fn open(order: &OrderData) -> Result<(), AppError> {
    if order.domain_control_open() {
        Ok(())
    } else {
        Err(AppError::DcvClosed(order.status))
    }
}

/// The name under a test suffix (`DCV_TEST_SUFFIXES`), if any.
fn test_suffix<'a>(app: &'a App, name: &str) -> Option<&'a String> {
    app.dcv
        .settings
        .test_suffixes
        .iter()
        .find(|s| under_suffix(name, s))
}

/// When the order's next automatic recheck is due, if one is.
pub fn next_recheck(
    conn: &mut PgConnection,
    order: OrderId,
) -> Result<Option<DateTime<Utc>>, AppError> {
    Ok(dcv::list(conn, order)?
        .into_iter()
        .filter(|c| !c.valid)
        .filter_map(|c| c.next_check_at)
        .min())
}

/// Before a renewal's issuance: every control past its reuse period is redone (a new token,
/// pending; under a test suffix, valid again at once). `true` when every name is valid now.
pub fn redo_expired(
    conn: &mut PgConnection,
    app: &App,
    order: &OrderData,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut all_valid = true;
    for mut c in ensure(conn, app, order)? {
        if c.status(now) == ControlStatus::Expired {
            c.redo(new_token(), now);
            if let Some(s) = test_suffix(app, &c.name) {
                c.validate_by_test_suffix(s, now, reuse_days(app, now));
            }
            dcv::save(conn, order.id, &c)?;
        }
        all_valid &= c.status(now) == ControlStatus::Valid;
    }
    Ok(all_valid)
}

/// The order's controls (its owner, or an operator).
pub async fn list(app: &App, caller: Caller, id: OrderId) -> Result<Vec<DomainControl>, AppError> {
    let app = app.clone();
    app.db
        .clone()
        .run(move |conn| -> Result<_, AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            if order.submission.is_none() {
                return Err(AppError::DcvClosed(order.status));
            }
            ensure(conn, &app, &order)
        })
        .await
}

fn owner_only(caller: &Caller, order: &OrderData) -> Result<(), AppError> {
    super::authorize(order, caller, Action::DomainControl)
}

/// The owner chooses another method for one name: a new token, pending again.
pub async fn set_method(
    app: &App,
    caller: Caller,
    id: OrderId,
    name: String,
    method: Method,
) -> Result<DomainControl, AppError> {
    let app = app.clone();
    app.db
        .clone()
        .transaction(move |conn| -> Result<_, AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            owner_only(&caller, &order)?;
            open(&order)?;
            ensure(conn, &app, &order)?;
            let mut c = dcv::find_for_update(conn, id, &name.to_ascii_lowercase())?
                .ok_or(AppError::UnknownDomain)?;
            c.change_method(method, new_token(), app.now())?;
            dcv::save(conn, id, &c)?;
            Ok(c)
        })
        .await
}

/// Checks `c` now: the DNS queries or the HTTP fetch, and the diagnosis of what was seen.
async fn perform(app: &App, c: &DomainControl) -> crate::domain::dcv::Diagnosis {
    match c.method {
        Method::DnsTxt => {
            let at_label = app.dcv.txt(&format!("{DNS_LABEL}.{}", c.name)).await;
            let at_name = match at_label {
                DnsAnswer::NoRecords | DnsAnswer::NxDomain => app.dcv.txt(&c.name).await,
                _ => DnsAnswer::NoRecords,
            };
            evaluate_dns(&c.name, &c.token, &at_label, &at_name)
        }
        Method::HttpFile => {
            let path = format!("{HTTP_PATH}{}", c.file_name());
            let answer = app.dcv.fetch(&c.name, &path).await;
            evaluate_http(&c.url(app.dcv.settings.http_port), &c.token, &answer)
        }
    }
}

/// Checks one control of the order and records the outcome.
async fn check_one(app: &App, id: OrderId, c: DomainControl) -> Result<DomainControl, AppError> {
    let diagnosis = if c.token_expires_at <= app.now() {
        None
    } else {
        Some(perform(app, &c).await)
    };
    let app2 = app.clone();
    app.db
        .clone()
        .transaction(move |conn| -> Result<_, AppError> {
            let mut now_c =
                dcv::find_for_update(conn, id, &c.name)?.ok_or(AppError::UnknownDomain)?;
            let now = app2.now();
            if now_c.token != c.token || now_c.method != c.method {
                return Ok(now_c); // changed meanwhile: this check is moot
            }
            if !now_c.expire_token_if_due(new_token(), now) {
                if let Some(d) = diagnosis {
                    now_c.record(d, now, reuse_days(&app2, now));
                }
            }
            dcv::save(conn, id, &now_c)?;
            Ok(now_c)
        })
        .await
}

/// "Check now": one name (`Some`) or every name not valid yet (`None`); the owner only.
pub async fn check(
    app: &App,
    caller: Caller,
    id: OrderId,
    name: Option<String>,
) -> Result<Vec<DomainControl>, AppError> {
    let app2 = app.clone();
    let controls = app
        .db
        .clone()
        .run(move |conn| -> Result<_, AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            owner_only(&caller, &order)?;
            open(&order)?;
            ensure(conn, &app2, &order)
        })
        .await?;
    let now = app.now();
    let chosen: Vec<DomainControl> = match &name {
        Some(n) => {
            let n = n.to_ascii_lowercase();
            vec![controls
                .iter()
                .find(|c| c.name == n)
                .cloned()
                .ok_or(AppError::UnknownDomain)?]
        }
        None => controls
            .iter()
            .filter(|c| c.status(now) != ControlStatus::Valid)
            .cloned()
            .collect(),
    };
    let mut done = Vec::new();
    for c in chosen {
        done.push(check_one(app, id, c).await?);
    }
    if name.is_some() {
        return Ok(done);
    }
    Ok(controls
        .into_iter()
        .map(|c| done.iter().find(|d| d.name == c.name).cloned().unwrap_or(c))
        .collect())
}

/// The scheduler's rechecks: every pending control due now, each claimed once across
/// replicas (leased), checked, recorded; `only` narrows to one order. Returns how many.
pub async fn run_due(app: &App, only: Option<OrderId>) -> Result<usize, AppError> {
    Ok(run_due_until(app, only, None).await?.0)
}

/// Rechecks due domains one by one until none is due or `until` has passed: how many were
/// taken, and whether some may be left.
pub async fn run_due_until(
    app: &App,
    only: Option<OrderId>,
    until: Option<std::time::Instant>,
) -> Result<(usize, bool), AppError> {
    let mut n = 0;
    loop {
        if until.is_some_and(|u| std::time::Instant::now() >= u) {
            return Ok((n, true));
        }
        let now = app.now();
        let claimed = app
            .db
            .run(move |conn| {
                dcv::claim_due(conn, now, now + Duration::seconds(LEASE_SECONDS), only)
            })
            .await?;
        let Some((order, name)) = claimed else {
            return Ok((n, false));
        };
        let c = app
            .db
            .run({
                let name = name.clone();
                move |conn| -> Result<_, AppError> {
                    let o = orders::find(conn, order)?;
                    let c = dcv::list(conn, order)?.into_iter().find(|c| c.name == name);
                    Ok((o.domain_control_open(), c))
                }
            })
            .await?;
        n += 1;
        match c {
            (true, Some(c)) => {
                if let Err(e) = check_one(app, order, c).await {
                    tracing::warn!(order = %order.0, domain = %name, error = %e, "domain recheck failed");
                }
            }
            (_, Some(mut c)) => {
                // no longer open (approved, cancelled…): no more rechecks
                c.next_check_at = None;
                app.db.run(move |conn| dcv::save(conn, order, &c)).await?;
            }
            _ => {}
        }
    }
}
