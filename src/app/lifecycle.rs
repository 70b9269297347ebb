//! The use cases of the life after "Commander" (SPEC §8): what operators do (record the
//! payment, approve or reject, attach a certificate, record a revocation), what customers do
//! (cancel, accept or refuse the certificate, ask for revocation), what the scheduler does
//! (issue in the sandbox, revoke what was not accepted in time), and what everyone reads (the
//! requirements, the next action, the timeline, the certificate).

use chrono::{DateTime, Duration, Utc};
use diesel::{Connection, PgConnection};
use uuid::Uuid;

use super::{App, AppError};
use crate::domain::account::{AccountId, Caller, Role};
use crate::domain::catalog::AfterCommander;
use crate::domain::order::life::TimelineEntry;
use crate::domain::order::life::{
    CertificateRef, DomainControlStatus, IssuanceMode, IssuanceSource, LifeError, NextAction,
    PaymentStatus, RejectionReason, Requirements, RevocationReason,
};
use crate::domain::order::renewal::{
    PlanExpiry, RenewalOutlook, RenewalPhase, RenewalReminder, LAST_REMINDER_DAYS,
};
use crate::domain::order::rights::Action;
use crate::domain::order::wizard::csr_subject;
use crate::domain::order::{CsrRecord, Order, OrderData, OrderId, OrderStatus};
use crate::domain::pki::chain::certificates_of_pem;
pub use crate::domain::pki::formats::CertificateFormat;
use crate::domain::pki::fqdn::NameRules;
use crate::domain::pki::keygen::CsrSubject;
use crate::domain::shared::issue::{Code, FieldIssue};
use crate::persistence::certificates::{self, StoredCertificate};
use crate::persistence::jobs::{self, Job, JobKind};
use crate::persistence::{accounts, orders};
use crate::persistence::{documents, life};

/// A certificate made or checked by the issuer, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// The chain, PEM, leaf first (the root excluded).
    pub chain_pem: String,
    pub serial_hex: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// What the API shows of it (subject, SANs, validity, key fingerprint…).
    pub summary: serde_json::Value,
}

/// How certificates are made: the sandbox CA, or the chain an operator uploads (checked).
pub trait CertificateIssuer: Send + Sync {
    fn mode(&self) -> IssuanceMode;
    /// Issues the order's next certificate (sandbox) for its current CSR (the renewal's, if
    /// one is pending), valid from `now` to `not_after`; `Err` with the reason otherwise.
    fn issue(
        &self,
        order: &Order,
        not_after: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<NewCertificate, String>;
    /// Checks the chain an operator uploads against the order (its current CSR's key, its
    /// names) and the trust anchors; every problem on `/chain_pem`.
    fn verify_upload(
        &self,
        order: &Order,
        chain_pem: &str,
        now: DateTime<Utc>,
    ) -> Result<NewCertificate, Vec<FieldIssue>>;
}

/// An order with what its life view needs: the requirements (submitted orders) and the next
/// action.
#[derive(Debug, Clone)]
pub struct LifeOutcome {
    pub order: Order,
    pub requirements: Option<Requirements>,
    pub next_action: Option<NextAction>,
    /// The next certificate of the plan, while there is one.
    pub renewal: Option<RenewalOutlook>,
}

/// How many times a failing job is tried before it is marked failed.
const MAX_JOB_ATTEMPTS: i32 = 8;

fn operator_only(caller: &Caller) -> Result<(), AppError> {
    if caller.role == Role::Operator {
        Ok(())
    } else {
        Err(AppError::OperatorOnly)
    }
}

fn policy_of(order: &OrderData) -> AfterCommander {
    order
        .submission
        .as_ref()
        .map(|s| s.authority.after_commander)
        .unwrap_or(AfterCommander {
            acceptance_required: false,
            acceptance_business_days: 0,
            refund_window_days: 0,
        })
}

/// The requirements of a submitted order: each slot's status, the payment, domain control
/// (valid until the issue "Domain control" exists).
fn requirements(
    conn: &mut PgConnection,
    app: &App,
    order: &OrderData,
) -> Result<Requirements, AppError> {
    Ok(Requirements {
        documents: documents::slot_statuses(conn, order.id)?,
        payment: match order.life.payment {
            Some(_) => PaymentStatus::Received,
            None => PaymentStatus::Awaiting,
        },
        domain_control: super::dcv::status(conn, app, order)?,
    })
}

fn outcome(conn: &mut PgConnection, app: &App, order: Order) -> Result<LifeOutcome, AppError> {
    let mode = app.issuer.mode();
    let requirements = match order.status {
        OrderStatus::Submitted | OrderStatus::Validated => Some(requirements(conn, app, &order)?),
        _ => None,
    };
    let renewal = order.renewal_outlook(&app.renewal_policy(), app.now());
    let mut next_action = order.next_action(requirements.as_ref(), mode);
    if let (None, Some(r)) = (&next_action, &renewal) {
        let domains_valid = r.phase != RenewalPhase::Requested
            || super::dcv::status(conn, app, &order)? == DomainControlStatus::Valid;
        next_action = r.next_action(domains_valid, mode);
    }
    Ok(LifeOutcome {
        order,
        requirements,
        next_action,
        renewal,
    })
}

/// Saves the order at the version it was read and records its events.
fn save(conn: &mut PgConnection, mut order: Order) -> Result<Order, AppError> {
    let events = order.take_events();
    let saved = orders::save(conn, &order, order.version)?;
    super::orders::record_events_for(conn, &saved, &events, None)?;
    Ok(saved)
}

/// Runs `change` on the order, locked, for a caller who may see it; saves it.
async fn change<F>(app: &App, caller: Caller, id: OrderId, f: F) -> Result<LifeOutcome, AppError>
where
    F: FnOnce(&mut PgConnection, &mut Order, &App) -> Result<(), AppError> + Send + 'static,
{
    let app = app.clone();
    app.db
        .clone()
        .transaction(move |conn| {
            let mut order = orders::lock_visible(conn, id, &caller)?;
            f(conn, &mut order, &app)?;
            let saved = save(conn, order)?;
            outcome(conn, &app, saved)
        })
        .await
}

/// A change on the customer's side (`action` in the rights matrix: an operator never acts
/// as the customer).
async fn change_as_owner<F>(
    app: &App,
    caller: Caller,
    id: OrderId,
    action: Action,
    f: F,
) -> Result<LifeOutcome, AppError>
where
    F: FnOnce(&mut Order, AccountId, &App) -> Result<(), LifeError> + Send + 'static,
{
    let by = caller.account_id;
    change(app, caller.clone(), id, move |_, order, app| {
        super::authorize(order, &caller, action)?;
        Ok(f(order, by, app)?)
    })
    .await
}

/// A change only an operator makes.
async fn change_as_operator<F>(
    app: &App,
    caller: Caller,
    id: OrderId,
    f: F,
) -> Result<LifeOutcome, AppError>
where
    F: FnOnce(&mut Order, AccountId, &App) -> Result<(), LifeError> + Send + 'static,
{
    operator_only(&caller)?;
    let by = caller.account_id;
    change(app, caller, id, move |_, order, app| Ok(f(order, by, app)?)).await
}

/// The order's life: requirements and next action.
pub async fn get(app: &App, caller: Caller, id: OrderId) -> Result<LifeOutcome, AppError> {
    let app = app.clone();
    app.db
        .clone()
        .run(move |conn| {
            let order = orders::find_visible(conn, id, &caller)?;
            outcome(conn, &app, order)
        })
        .await
}

/// An operator records the payment as received, with its reference.
pub async fn record_payment(
    app: &App,
    caller: Caller,
    id: OrderId,
    reference: String,
) -> Result<LifeOutcome, AppError> {
    change_as_operator(app, caller, id, move |order, by, app| {
        order.record_payment(reference, by, app.now())
    })
    .await
}

/// An operator approves the order (every requirement met): `validated`. In the sandbox the
/// certificate is then issued by a job, due at once.
pub async fn approve(app: &App, caller: Caller, id: OrderId) -> Result<LifeOutcome, AppError> {
    operator_only(&caller)?;
    let by = caller.account_id;
    let approved = change(app, caller.clone(), id, move |conn, order, app| {
        let r = requirements(conn, app, order)?;
        let now = app.now();
        order.approve(&r, by, now)?;
        if app.issuer.mode() == IssuanceMode::Sandbox {
            jobs::schedule(conn, JobKind::Issue, order.id, now)?;
        }
        Ok(())
    })
    .await?;
    if app.issuer.mode() == IssuanceMode::Sandbox {
        issue_now(app, id).await;
        return get(app, caller, id).await;
    }
    Ok(approved)
}

/// An operator rejects the order with a coded reason and a message.
pub async fn reject(
    app: &App,
    caller: Caller,
    id: OrderId,
    reason: RejectionReason,
    message: Option<String>,
) -> Result<LifeOutcome, AppError> {
    change_as_operator(app, caller, id, move |order, by, app| {
        order.reject(reason, message, by, app.now())
    })
    .await
}

/// An operator attaches the chain the real CA issued; refused unless it matches the order.
pub async fn attach_certificate(
    app: &App,
    caller: Caller,
    id: OrderId,
    chain_pem: String,
) -> Result<LifeOutcome, AppError> {
    operator_only(&caller)?;
    let by = caller.account_id;
    change(app, caller, id, move |conn, order, app| {
        let now = app.now();
        if order.awaiting_certificate()? && !domains_valid(conn, app, order)? {
            return Err(AppError::Life(LifeError::RequirementsUnmet(vec![
                "domain_control",
            ])));
        }
        let cert = app
            .issuer
            .verify_upload(order, &chain_pem, now)
            .map_err(AppError::Invalid)?;
        let plan_end = order.issuance_plan_end(now);
        if cert.not_after > plan_end {
            return Err(AppError::Invalid(vec![FieldIssue::new(
                "/chain_pem",
                Code::CertificatePastPlanEnd,
                format!(
                    "Le certificat est valide jusqu'au {} ; l'abonnement se termine le {} : l'autorité doit émettre un certificat plus court.",
                    cert.not_after.format("%d/%m/%Y %H:%M UTC"),
                    plan_end.format("%d/%m/%Y %H:%M UTC")
                ),
                format!(
                    "The certificate is valid until {}; the subscription ends at {}: the authority must issue a shorter one.",
                    cert.not_after.format("%Y-%m-%d %H:%M UTC"),
                    plan_end.format("%Y-%m-%d %H:%M UTC")
                ),
            )]));
        }
        store_and_issue(
            conn,
            app,
            order,
            cert,
            IssuanceSource::Manual,
            Some(by),
            now,
        )
    })
    .await
}

/// The customer withdraws a submitted or validated order; the refund is recorded.
pub async fn cancel(app: &App, caller: Caller, id: OrderId) -> Result<LifeOutcome, AppError> {
    change_as_owner(app, caller, id, Action::Cancel, move |order, by, app| {
        let policy = policy_of(order);
        order.cancel_submitted(&policy, by, app.now())
    })
    .await
}

/// The customer accepts the issued certificate: `active`.
pub async fn accept(app: &App, caller: Caller, id: OrderId) -> Result<LifeOutcome, AppError> {
    change_as_owner(
        app,
        caller,
        id,
        Action::AcceptCertificate,
        move |order, by, app| order.accept(by, app.now()),
    )
    .await
}

/// The customer refuses the issued certificate: revocation requested (done at once in the
/// sandbox).
pub async fn refuse(
    app: &App,
    caller: Caller,
    id: OrderId,
    message: Option<String>,
) -> Result<LifeOutcome, AppError> {
    change_as_owner(
        app,
        caller,
        id,
        Action::AcceptCertificate,
        move |order, by, app| order.refuse(message, by, app.issuer.mode(), app.now()),
    )
    .await
}

/// The customer asks for revocation with an RFC 5280 reason.
pub async fn request_revocation(
    app: &App,
    caller: Caller,
    id: OrderId,
    reason: RevocationReason,
) -> Result<LifeOutcome, AppError> {
    change_as_owner(
        app,
        caller,
        id,
        Action::RequestRevocation,
        move |order, by, app| order.request_revocation(reason, by, app.issuer.mode(), app.now()),
    )
    .await
}

/// An operator records the revocation the CA made.
pub async fn record_revocation(
    app: &App,
    caller: Caller,
    id: OrderId,
) -> Result<LifeOutcome, AppError> {
    change_as_operator(app, caller, id, move |order, by, app| {
        order.record_revocation(by, app.now())
    })
    .await
}

/// The operators' work queue: the orders waiting for one of them (documents to review, an
/// order to approve, a certificate to attach, a revocation to record), oldest first.
pub async fn review_queue(
    app: &App,
    caller: Caller,
    limit: i64,
) -> Result<Vec<LifeOutcome>, AppError> {
    operator_only(&caller)?;
    let mode = app.issuer.mode();
    let app = app.clone();
    app.db
        .clone()
        .run(move |conn| -> Result<_, AppError> {
            let ids = life::awaiting_operator(conn, mode == IssuanceMode::Manual, limit)?;
            ids.into_iter()
                .map(|id| {
                    let order = orders::find(conn, id)?;
                    outcome(conn, &app, order)
                })
                .collect()
        })
        .await
}

/// The order's events, oldest first.
pub async fn timeline(
    app: &App,
    caller: Caller,
    id: OrderId,
) -> Result<Vec<TimelineEntry>, AppError> {
    app.db
        .run(move |conn| -> Result<_, AppError> {
            orders::find_visible(conn, id, &caller)?;
            Ok(life::timeline(conn, id)?)
        })
        .await
}

/// The order's current certificate.
pub async fn certificate(
    app: &App,
    caller: Caller,
    id: OrderId,
) -> Result<StoredCertificate, AppError> {
    app.db
        .run(move |conn| -> Result<_, AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            super::authorize(&order, &caller, Action::Certificate)?;
            let Some(current) = order.life.certificate.as_ref() else {
                return Err(AppError::NoCertificate(order.status));
            };
            Ok(certificates::find(conn, id, current.id)?)
        })
        .await
}

/// The certificate as a file: its media type and bytes, from the stored PEM chain.
pub fn encode(
    cert: &StoredCertificate,
    format: CertificateFormat,
) -> Result<(&'static str, Vec<u8>), AppError> {
    let chain = certificates_of_pem(&cert.chain_pem)
        .map_err(|e| AppError::Issuance(format!("stored chain unreadable: {e}")))?;
    let bytes = format
        .encode(&chain)
        .map_err(|e| AppError::Issuance(e.to_string()))?;
    Ok((format.media_type(), bytes))
}

fn domains_valid(conn: &mut PgConnection, app: &App, order: &Order) -> Result<bool, AppError> {
    Ok(super::dcv::status(conn, app, order)? == DomainControlStatus::Valid)
}

fn store_and_issue(
    conn: &mut PgConnection,
    app: &App,
    order: &mut Order,
    cert: NewCertificate,
    source: IssuanceSource,
    by: Option<crate::domain::account::AccountId>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = Uuid::now_v7();
    certificates::insert(
        conn,
        &StoredCertificate {
            id,
            order_id: order.id,
            serial: cert.serial_hex.clone(),
            source: source.as_str().to_owned(),
            chain_pem: cert.chain_pem,
            summary: cert.summary,
            issued_at: now,
        },
    )?;
    let policy = policy_of(order);
    order.issue(
        CertificateRef {
            id,
            serial_hex: cert.serial_hex,
            not_before: cert.not_before,
            not_after: cert.not_after,
            issued_at: now,
            source,
        },
        &policy,
        by,
        now,
    )?;
    if let Some(deadline) = order.life().acceptance.as_ref().and_then(|a| a.deadline) {
        jobs::schedule(conn, JobKind::AcceptanceDeadline, order.id, deadline)?;
        let reminder = deadline - Duration::days(2);
        if reminder > now {
            jobs::schedule(conn, JobKind::AcceptanceReminder, order.id, reminder)?;
        }
    }
    schedule_renewal_jobs(conn, app, order, now)
}

/// The jobs of the current certificate's end: the renewal window's reminder (when the plan
/// holds another certificate), the last week's reminder, and the expiry itself.
fn schedule_renewal_jobs(
    conn: &mut PgConnection,
    app: &App,
    order: &Order,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(cert) = order.life().certificate.as_ref() else {
        return Ok(());
    };
    if let Some(r) = order.renewal_outlook(&app.renewal_policy(), now) {
        jobs::schedule(
            conn,
            JobKind::RenewalWindow,
            order.id,
            r.window_opens_at.max(now),
        )?;
    }
    let last_week = cert.not_after - Duration::days(LAST_REMINDER_DAYS);
    jobs::schedule(conn, JobKind::ExpiryReminder, order.id, last_week.max(now))?;
    jobs::schedule(conn, JobKind::CertificateExpiry, order.id, cert.not_after)?;
    Ok(())
}

/// The customer gives the next certificate's CSR (pasted, or generated by the service):
/// the order's names, during the renewal window. Controls past their reuse period are redone;
/// once every name is valid the sandbox issues at once (a job), or an operator attaches the
/// chain (manual).
pub async fn request_renewal(
    app: &App,
    caller: Caller,
    id: OrderId,
    csr: CsrRecord,
) -> Result<LifeOutcome, AppError> {
    let by = caller.account_id;
    let who = caller.clone();
    let sandbox = app.issuer.mode() == IssuanceMode::Sandbox;
    let requested = change(app, caller.clone(), id, move |conn, order, app| {
        super::authorize(order, &who, Action::Renew)?;
        let now = app.now();
        order.request_renewal(csr, &app.renewal_policy(), by, now)?;
        // the issuance job waits for the names' controls if one must be redone
        super::dcv::redo_expired(conn, app, order, now)?;
        if sandbox {
            jobs::schedule(conn, JobKind::Issue, order.id, now)?;
        }
        Ok(())
    })
    .await?;
    if sandbox && issue_now(app, id).await {
        return get(app, caller, id).await;
    }
    Ok(requested)
}

/// What the service needs to make a renewal's key pair and CSR (case 2): the order's names
/// and the subject the first CSR was made with.
pub struct RenewalGeneration {
    pub names: Vec<String>,
    pub subject: CsrSubject,
    pub name_rules: NameRules,
}

/// Checks a renewal could be asked now (the caller, the status, the window) and gives what
/// generating its CSR needs; the key pair is made by the caller, off the request threads.
pub async fn prepare_renewal_generation(
    app: &App,
    caller: Caller,
    id: OrderId,
) -> Result<RenewalGeneration, AppError> {
    let app = app.clone();
    app.db
        .clone()
        .run(move |conn| -> Result<_, AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            super::authorize(&order, &caller, Action::Renew)?;
            let now = app.now();
            order.renewal_allowed(&app.renewal_policy(), now)?;
            let account = accounts::find_by_id(conn, order.account_id)?;
            let wildcard_allowed = order
                .authority
                .as_deref()
                .and_then(|a| app.catalog.authority(a))
                .is_none_or(|a| a.wildcard_allowed);
            Ok(RenewalGeneration {
                names: order.certified_names(),
                subject: csr_subject(&order, &account),
                name_rules: NameRules { wildcard_allowed },
            })
        })
        .await
}

/// Runs the order's due issuance job now rather than at the scheduler's next tick (sandbox);
/// `true` if one ran. If it fails, the job stays due.
pub async fn issue_now(app: &App, id: OrderId) -> bool {
    match run_one(app, Some((JobKind::Issue, id))).await {
        Ok(ran) => ran,
        Err(e) => {
            tracing::warn!(order = %id.0, error = %e, "sandbox issuance deferred to the scheduler");
            false
        }
    }
}

/// After "check now": a renewal whose every name is now valid is issued at once (sandbox;
/// in manual mode the operator attaches the chain). `true` if a certificate was issued.
pub async fn issue_renewal_if_ready(app: &App, id: OrderId) -> Result<bool, AppError> {
    if app.issuer.mode() != IssuanceMode::Sandbox {
        return Ok(false);
    }
    let app2 = app.clone();
    let ready = app
        .db
        .clone()
        .transaction(move |conn| -> Result<bool, AppError> {
            let order = orders::find_for_update(conn, id)?;
            let ready = order.awaiting_certificate().ok() == Some(true)
                && domains_valid(conn, &app2, &order)?;
            if ready {
                jobs::schedule(conn, JobKind::Issue, id, app2.now())?;
            }
            Ok(ready)
        })
        .await?;
    Ok(ready && issue_now(app, id).await)
}

// ---------------------------------------------------------------------------------------------
// The scheduler's work

/// A job claimed and what came of it (`Err`: the reason it will be retried).
type JobOutcome = Option<(Job, Result<(), String>)>;

/// Runs one due job (of `only`'s kind and order, if given) in one transaction: claimed with
/// `SKIP LOCKED`, done, marked done. `Ok(false)`: nothing was due.
pub async fn run_one(app: &App, only: Option<(JobKind, OrderId)>) -> Result<bool, AppError> {
    let app = app.clone();
    let outcome = app
        .db
        .clone()
        .transaction(move |conn| -> Result<JobOutcome, AppError> {
            let now = app.now();
            let Some(job) = jobs::claim_due(conn, now, only)? else {
                return Ok(None);
            };
            // a savepoint: a failing job rolls back its own changes, not the claim
            let result = conn.transaction(|conn| do_job(conn, &app, &job, now));
            match result {
                Ok(()) => {
                    jobs::finish(conn, &job, now)?;
                    Ok(Some((job, Ok(()))))
                }
                Err(e) if e.is_unavailable() || e.is_panic() => Err(e),
                Err(e) => {
                    let give_up = job.attempts + 1 >= MAX_JOB_ATTEMPTS;
                    let retry = now + Duration::minutes(5 << job.attempts.clamp(0, 6));
                    jobs::retry_later(conn, &job, retry, give_up, &e.to_string())?;
                    Ok(Some((job, Err(e.to_string()))))
                }
            }
        })
        .await?;
    match outcome {
        None => Ok(false),
        Some((job, Ok(()))) => {
            tracing::info!(job = %job.id, kind = job.kind.as_str(), order = %job.order_id.0, "job done");
            Ok(true)
        }
        Some((job, Err(e))) => {
            tracing::warn!(job = %job.id, kind = job.kind.as_str(), order = %job.order_id.0, error = %e, "job failed");
            Ok(true)
        }
    }
}

/// Runs every job due now; returns how many ran.
pub async fn run_due(app: &App) -> Result<usize, AppError> {
    Ok(run_due_until(app, None).await?.0)
}

/// Runs due jobs one by one until none is due or `until` has passed: how many ran, and
/// whether some may be left.
pub async fn run_due_until(
    app: &App,
    until: Option<std::time::Instant>,
) -> Result<(usize, bool), AppError> {
    let mut n = 0;
    loop {
        if until.is_some_and(|u| std::time::Instant::now() >= u) {
            return Ok((n, true));
        }
        if !run_one(app, None).await? {
            return Ok((n, false));
        }
        n += 1;
    }
}

fn do_job(
    conn: &mut PgConnection,
    app: &App,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut order = orders::find_for_update(conn, job.order_id)?;
    match job.kind {
        JobKind::Issue => {
            match order.awaiting_certificate() {
                Ok(false) => {}
                // a renewal: once every name's control is valid
                Ok(true) => {
                    if !super::dcv::redo_expired(conn, app, &order, now)? {
                        // look again when the next recheck is due (or in an hour)
                        let next = super::dcv::next_recheck(conn, order.id)?
                            .unwrap_or(now + Duration::hours(1))
                            .max(now + Duration::minutes(1));
                        jobs::schedule(conn, JobKind::Issue, order.id, next)?;
                        return Ok(());
                    }
                }
                Err(_) => return Ok(()), // cancelled, rejected or revoked meanwhile
            }
            let not_after = order.issuance_not_after(app.catalog.lifetime(), now);
            let cert = app
                .issuer
                .issue(&order, not_after, now)
                .map_err(AppError::Issuance)?;
            store_and_issue(
                conn,
                app,
                &mut order,
                cert,
                IssuanceSource::Sandbox,
                None,
                now,
            )?;
        }
        JobKind::AcceptanceDeadline => {
            if !order.expire_acceptance(app.issuer.mode(), now)? {
                return Ok(());
            }
        }
        JobKind::AcceptanceReminder => {
            // the e-mail goes out through the event outbox
            if !order.remind_acceptance(now) {
                return Ok(());
            }
        }
        JobKind::RenewalWindow | JobKind::ExpiryReminder => {
            let reminder = match job.kind {
                JobKind::RenewalWindow => RenewalReminder::WindowOpened,
                _ => RenewalReminder::ExpiresSoon,
            };
            if !order.remind_renewal(reminder, &app.renewal_policy(), now) {
                return Ok(());
            }
        }
        JobKind::CertificateExpiry => match order
            .expire_plan(now)
            .map_err(|t| AppError::Life(LifeError::Transition(t)))?
        {
            PlanExpiry::Expired => {}
            PlanExpiry::LookAgainAt(plan_end) => {
                // a renewal may still come: look again at the plan's end
                jobs::schedule(conn, JobKind::CertificateExpiry, order.id, plan_end)?;
                return Ok(());
            }
            PlanExpiry::Nothing => return Ok(()),
        },
    }
    save(conn, order)?;
    Ok(())
}

impl From<LifeError> for AppError {
    fn from(e: LifeError) -> Self {
        // the wizard's transitions keep their own problem (order_not_draft); the life's
        // say what the status does not allow now
        AppError::Life(e)
    }
}
