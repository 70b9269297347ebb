//! The order's use cases: create a draft, read and list, answer steps, cancel, "Commander",
//! the form's data, and case 2's key generation (prepared and attached around the key pool).

use diesel::PgConnection;
use uuid::Uuid;

use super::{authorize, App, AppError, Idempotency};
use crate::domain::account::{Account, AccountId, Caller, Role};
use crate::domain::documents::justificatifs::Justificatif;
use crate::domain::order::formulaire::FormulaireData;
use crate::domain::order::notification::{mailed, Notification};
use crate::domain::order::rights::Action;
use crate::domain::order::submission::facts_of;
use crate::domain::order::wizard::{assess, csr_subject, generation_blockers, Changes, Context};
use crate::domain::order::{
    order_number, ChangeError, CsrRecord, Order, OrderId, OrderStatus, Step, Transition,
};
use crate::domain::pki::fqdn::NameRules;
use crate::domain::pki::keygen::CsrSubject;
use crate::persistence::{accounts, documents, events, idempotency, orders, partner_clients};

/// An order as a use case leaves it, with what its view needs besides.
#[derive(Debug, Clone)]
pub struct OrderOutcome {
    pub order: Order,
    /// The order e-mail's state (submitted orders, on reads and "Commander").
    pub notification: Option<Notification>,
    /// A new order (201) rather than an existing one.
    pub created: bool,
    /// The answer of an earlier call with the same Idempotency-Key.
    pub replayed: bool,
}

impl OrderOutcome {
    fn of(order: Order) -> Self {
        OrderOutcome {
            order,
            notification: None,
            created: false,
            replayed: false,
        }
    }
}

/// What `If-Match` asks for: any version, or one of these (strong comparison: a weak tag
/// never matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Any,
    Versions(Vec<i32>),
}

impl Expected {
    pub fn matches(&self, version: i32) -> bool {
        match self {
            Expected::Any => true,
            Expected::Versions(v) => v.contains(&version),
        }
    }
}

const CREATE_SCOPE: &str = "create_order";
const COMMANDER_SCOPE: &str = "commander";

/// "Nouvelle commande": a draft, with the steps of `changes` answered at once (nothing is
/// created if one breaks a rule). A partner's own order carries its code, fixed; so does
/// the one it prepares `on_behalf_of` one of its active clients, which the client owns.
pub async fn create(
    app: &App,
    caller: Caller,
    on_behalf_of: Option<AccountId>,
    changes: Option<Changes>,
    client_address: Option<String>,
    idem: Idempotency,
) -> Result<OrderOutcome, AppError> {
    let app = app.clone();
    app.db
        .clone()
        .transaction(move |conn| {
            if let Some(replayed) = replay(conn, &caller, CREATE_SCOPE, &idem)? {
                return Ok(replayed);
            }
            let now = app.now();
            let fixed_code = match caller.role {
                Role::Partner => caller.partner_code.clone(),
                _ => None,
            };
            let (owner, agent) = match on_behalf_of {
                None => (caller.account_id, None),
                Some(client) => {
                    let linked = fixed_code.is_some()
                        && partner_clients::is_active(conn, caller.account_id, client)?;
                    if !linked {
                        return Err(AppError::NotAClient);
                    }
                    (client, Some(caller.account_id))
                }
            };
            let number = order_number(now, orders::next_number(conn)?);
            let mut order = Order::create(
                OrderId(Uuid::now_v7()),
                number,
                owner,
                agent,
                fixed_code,
                now,
            );
            if let Some(changes) = &changes {
                for action in patch_actions(changes) {
                    authorize(&order, &caller, *action)?;
                }
            }
            let answered = changes.is_some();
            if let Some(changes) = changes {
                let ctx = Context {
                    catalog: &app.catalog,
                    now,
                    caller: &caller,
                    client_address,
                };
                order.apply_changes(changes, &ctx).map_err(change_error)?;
            }
            let events = order.take_events();
            let saved = orders::insert(conn, &order)?;
            let saved = if answered {
                orders::save(conn, &order, saved.version)?
            } else {
                saved
            };
            record_events_for(conn, &saved, &events, None)?;
            let outcome = OrderOutcome {
                created: true,
                ..OrderOutcome::of(saved)
            };
            remember(conn, &caller, CREATE_SCOPE, &idem, &outcome)?;
            Ok(outcome)
        })
        .await
}

/// A page of the caller's orders, newest first, after the cursor (an order id), at most
/// `limit` rows.
pub async fn list(
    app: &App,
    caller: Caller,
    status: Option<OrderStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Order>, AppError> {
    Ok(app
        .db
        .run(move |conn| orders::list(conn, &caller, status, after, limit))
        .await?)
}

/// One order, with the state of its e-mail once submitted.
pub async fn get(app: &App, caller: Caller, id: OrderId) -> Result<OrderOutcome, AppError> {
    app.db
        .run(move |conn| -> Result<_, AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            // A second query for submitted orders only: drafts stay one query.
            let notification = match order.submitted_at {
                Some(_) => events::notification(conn, id)?,
                None => None,
            };
            Ok(OrderOutcome {
                notification,
                ..OrderOutcome::of(order)
            })
        })
        .await
}

/// Answers steps of the wizard (a PATCH).
pub async fn patch(
    app: &App,
    caller: Caller,
    id: OrderId,
    expected: Option<Expected>,
    changes: Changes,
    client_address: Option<String>,
) -> Result<Order, AppError> {
    let app = app.clone();
    app.db
        .clone()
        .transaction(move |conn| {
            let actions = patch_actions(&changes);
            let mut order = lock_for_change(conn, id, &caller, expected.as_ref(), actions)?;
            let ctx = Context {
                catalog: &app.catalog,
                now: app.now(),
                caller: &caller,
                client_address,
            };
            order.apply_changes(changes, &ctx).map_err(change_error)?;
            save(conn, order)
        })
        .await
}

/// Withdraws a draft: `cancelled`, nothing erased.
pub async fn cancel(
    app: &App,
    caller: Caller,
    id: OrderId,
    expected: Option<Expected>,
) -> Result<Order, AppError> {
    let app = app.clone();
    app.db
        .clone()
        .transaction(move |conn| {
            let mut order =
                lock_for_change(conn, id, &caller, expected.as_ref(), &[Action::Cancel])?;
            order.cancel_draft(app.now())?;
            save(conn, order)
        })
        .await
}

/// "Commander": in one transaction the order is frozen and submitted, its justificatifs
/// become document slots and `order.submitted` is recorded (the e-mail goes out through it).
/// Called again on a submitted order (same key, or none), it answers the same and submits
/// nothing more; with another key it is refused.
pub async fn commander(
    app: &App,
    caller: Caller,
    id: OrderId,
    expected: Option<Expected>,
    idem: Idempotency,
) -> Result<OrderOutcome, AppError> {
    let app = app.clone();
    app.db
        .clone()
        .transaction(move |conn| {
            if let Some(replayed) = replay(conn, &caller, COMMANDER_SCOPE, &idem)? {
                return Ok(replayed);
            }
            let mut order =
                lock_for_change(conn, id, &caller, expected.as_ref(), &[Action::Commander])?;
            let order = match order.status {
                OrderStatus::Submitted if idem.key.is_some() => {
                    return Err(AppError::AlreadySubmitted)
                }
                OrderStatus::Submitted => order,
                _ => {
                    let account = accounts::find_by_id(conn, order.account_id)?;
                    order
                        .submit(&account, &app.catalog, &app.justificatifs, app.now())
                        .map_err(|e| match e {
                            ChangeError::Invalid(issues) => AppError::Incomplete(issues),
                            ChangeError::Transition(t) => AppError::Transition(t),
                        })?;
                    let saved = save_with(conn, order, Some(&account))?;
                    if let Some(submission) = &saved.submission {
                        documents::create_slots(conn, saved.id, &submission.documents)?;
                    }
                    // one domain control per name, made with the submission
                    super::dcv::ensure(conn, &app, &saved)?;
                    tracing::info!(order = %saved.id.0, number = %saved.number, "order submitted");
                    saved
                }
            };
            let notification = events::notification(conn, order.id)?;
            let outcome = OrderOutcome {
                notification,
                ..OrderOutcome::of(order)
            };
            remember(conn, &caller, COMMANDER_SCOPE, &idem, &outcome)?;
            Ok(outcome)
        })
        .await
}

/// The data of the PDF form, frozen by "Commander" (kept in every later status).
pub async fn formulaire(
    app: &App,
    caller: Caller,
    id: OrderId,
) -> Result<FormulaireData, AppError> {
    let order = app
        .db
        .run(move |conn| -> Result<Order, AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            authorize(&order, &caller, Action::Pdf)?;
            Ok(order)
        })
        .await?;
    match &order.submission {
        Some(s) => Ok(s.formulaire.clone()),
        None => Err(AppError::NotSubmitted(order.status)),
    }
}

/// The justificatifs of an order: frozen by "Commander", or previewed on a draft by the
/// rules "Commander" applies.
#[derive(Debug, Clone)]
pub enum Documents {
    Frozen(Vec<Justificatif>),
    Preview(Vec<Justificatif>),
    /// The list depends on these unanswered steps.
    WaitingFor(Vec<Step>),
}

pub async fn documents(app: &App, caller: Caller, id: OrderId) -> Result<Documents, AppError> {
    let (order, account) = app
        .db
        .run(move |conn| -> Result<(Order, Account), AppError> {
            let order = orders::find_visible(conn, id, &caller)?;
            authorize(&order, &caller, Action::ReadDocuments)?;
            let account = accounts::find_by_id(conn, order.account_id)?;
            Ok((order, account))
        })
        .await?;
    if let Some(submission) = &order.submission {
        return Ok(Documents::Frozen(submission.documents.clone()));
    }
    Ok(match facts_of(&order, &account, &app.catalog) {
        Ok(facts) => Documents::Preview(app.justificatifs.required(&facts)),
        Err(steps) => Documents::WaitingFor(steps),
    })
}

/// Case 2, before the key pair is made: the order's names and the CSR's subject, or what
/// stops generation now.
#[derive(Debug, Clone)]
pub struct Generation {
    pub order: Order,
    pub names: Vec<String>,
    pub subject: CsrSubject,
    pub name_rules: NameRules,
}

pub async fn prepare_generation(
    app: &App,
    caller: Caller,
    id: OrderId,
) -> Result<Generation, AppError> {
    let c = caller.clone();
    let (order, account) = app
        .db
        .run(move |conn| -> Result<(Order, Account), AppError> {
            let order = orders::find_visible(conn, id, &c)?;
            authorize(&order, &c, Action::Patch)?;
            let account = accounts::find_by_id(conn, order.account_id)?;
            Ok((order, account))
        })
        .await?;
    order.can(Transition::Edit)?;
    let assessment = assess(&order, &app.catalog, app.now().date_naive());
    let blockers = generation_blockers(&order, &assessment);
    if !blockers.is_empty() {
        return Err(AppError::Invalid(blockers));
    }
    let wildcard_allowed = order
        .authority
        .as_deref()
        .and_then(|a| app.catalog.authority(a))
        .is_none_or(|a| a.wildcard_allowed);
    // what the key generation and the OpenSSL recipe would put in the CSR, refused alike
    let subject = csr_subject(&order, &account);
    crate::domain::pki::keygen::validate_request(&subject, &assessment.domains)
        .map_err(|e| AppError::Invalid(vec![e.to_issue("/fqdn")]))?;
    Ok(Generation {
        subject,
        names: assessment.domains,
        name_rules: NameRules { wildcard_allowed },
        order,
    })
}

/// Case 2, after the key pair is made: stores the CSR, unless the order's names changed
/// meanwhile.
pub async fn attach_generated_csr(
    app: &App,
    caller: Caller,
    generation: &Generation,
    record: CsrRecord,
) -> Result<Order, AppError> {
    let app = app.clone();
    let id = generation.order.id;
    let version_read = generation.order.version;
    let names = generation.names.clone();
    app.db
        .clone()
        .transaction(move |conn| {
            let mut order = lock_for_change(conn, id, &caller, None, &[Action::Patch])?;
            order.can(Transition::Edit)?;
            let now = app.now();
            let now_names = assess(&order, &app.catalog, now.date_naive()).domains;
            if order.version != version_read && now_names != names {
                return Err(AppError::NamesChanged);
            }
            order.attach_generated_csr(record, now)?;
            save(conn, order)
        })
        .await
}

// ---------------------------------------------------------------------------------------------

/// Locks the order for `actions` by the caller: visible (else not found), `If-Match`
/// current (else stale), each action allowed by the rights matrix (else read only, or the
/// subscriber's). The status is the aggregate's to check.
fn lock_for_change(
    conn: &mut PgConnection,
    id: OrderId,
    caller: &Caller,
    expected: Option<&Expected>,
    actions: &[Action],
) -> Result<Order, AppError> {
    let order = orders::lock_visible(conn, id, caller)?;
    if expected.is_some_and(|e| !e.matches(order.version)) {
        return Err(AppError::Stale {
            current_version: Some(order.version),
        });
    }
    for action in actions {
        authorize(&order, caller, *action)?;
    }
    Ok(order)
}

/// What a PATCH of `changes` does: the steps, and the CGU if it carries them.
fn patch_actions(changes: &Changes) -> &'static [Action] {
    if changes.terms.is_some() {
        &[Action::Patch, Action::AcceptTerms]
    } else {
        &[Action::Patch]
    }
}

fn change_error(e: ChangeError) -> AppError {
    match e {
        ChangeError::Invalid(issues) => AppError::Invalid(issues),
        ChangeError::Transition(t) => AppError::Transition(t),
    }
}

/// Saves the order at the version it was read and records its events.
fn save(conn: &mut PgConnection, order: Order) -> Result<Order, AppError> {
    save_with(conn, order, None)
}

fn save_with(
    conn: &mut PgConnection,
    mut order: Order,
    owner: Option<&Account>,
) -> Result<Order, AppError> {
    let events = order.take_events();
    let saved = orders::save(conn, &order, order.version)?;
    record_events_for(conn, &saved, &events, owner)?;
    Ok(saved)
}

/// Stores each event; the e-mailed ones go to the order's owner.
pub(super) fn record_events_for(
    conn: &mut PgConnection,
    order: &Order,
    list: &[crate::domain::order::OrderEvent],
    owner: Option<&Account>,
) -> Result<(), AppError> {
    let mut recipient = owner.map(|a| a.email.clone());
    for event in list {
        if mailed(event) && recipient.is_none() {
            recipient = Some(accounts::find_by_id(conn, order.account_id)?.email);
        }
        events::append(conn, order, event, recipient.as_deref().unwrap_or(""))?;
    }
    Ok(())
}

/// The first answer for this Idempotency-Key, if it was seen with the same request. Runs in
/// the transaction that will [`remember`] the new answer (the key is locked meanwhile).
fn replay(
    conn: &mut PgConnection,
    caller: &Caller,
    scope: &str,
    idem: &Idempotency,
) -> Result<Option<OrderOutcome>, AppError> {
    let Some(key) = idem.key.as_deref() else {
        return Ok(None);
    };
    match idempotency::find(conn, caller.account_id, scope, key)? {
        None => Ok(None),
        Some(stored) if stored.request_hash == idem.request_hash => Ok(Some(OrderOutcome {
            order: stored.order,
            notification: stored.notification,
            created: stored.created,
            replayed: true,
        })),
        Some(_) => Err(AppError::IdempotencyKeyReused),
    }
}

fn remember(
    conn: &mut PgConnection,
    caller: &Caller,
    scope: &str,
    idem: &Idempotency,
    outcome: &OrderOutcome,
) -> Result<(), AppError> {
    if let Some(key) = idem.key.as_deref() {
        idempotency::store(
            conn,
            caller.account_id,
            scope,
            key,
            &idempotency::Stored {
                request_hash: idem.request_hash.clone(),
                created: outcome.created,
                order: outcome.order.clone(),
                notification: outcome.notification.clone(),
            },
        )?;
    }
    Ok(())
}
