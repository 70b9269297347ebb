//! The use cases: what a request (or a worker) asks the service to do. Each function opens
//! its unit of work (one database transaction through [`Db::transaction`], on the blocking
//! pool), loads the aggregate, calls its domain methods, saves it with the version it was read
//! at and records its events in the same transaction — then returns domain results. The HTTP
//! layer builds its views from them, after the commit.
//!
//! Nothing here knows HTTP; nothing in `http/` knows diesel or the repositories.

pub(crate) mod auth;
pub(crate) mod clients;
pub(crate) mod credentials;
pub mod dcv;
pub(crate) mod documents;
pub(crate) mod events;
pub(crate) mod lifecycle;
pub(crate) mod orders;
pub mod webhooks;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::account::Caller;
use crate::domain::catalog::Catalog;
use crate::domain::documents::justificatifs::JustificatifRules;
use crate::domain::documents::slot::SlotError;
use crate::domain::order::rights::{Action, Refusal, Relation};
use crate::domain::order::{OrderData, OrderStatus, TransitionError};
use crate::domain::shared::issue::FieldIssue;
use crate::persistence::{Db, DbError};
use crate::storage::{Storage, StorageError};

/// The time, injected so that tests can run a plan's deadlines in seconds.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock a test moves: every clone reads and moves the same time.
#[derive(Clone)]
pub struct ManualClock(Arc<std::sync::Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(std::sync::Mutex::new(now)))
    }
    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A clock stopped at one instant.
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock that tests move forward (shared by several servers, so that their deadlines and
/// retry delays pass in seconds): the system time plus an offset.
#[derive(Default)]
pub struct OffsetClock(std::sync::atomic::AtomicI64);

impl OffsetClock {
    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        self.0
            .fetch_add(by.num_milliseconds(), std::sync::atomic::Ordering::SeqCst);
    }

    /// How far ahead of the system time it is.
    pub fn offset(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }
}

/// What the use cases share: the database, the catalogue, the justificatifs rules, the clock
/// and the store of uploaded files.
#[derive(Clone)]
pub struct App {
    /// The one door to the database: use cases and workers go through it; `http` never does.
    pub db: Db,
    pub catalog: Arc<Catalog>,
    pub justificatifs: Arc<JustificatifRules>,
    pub clock: Arc<dyn Clock>,
    /// How certificates are made (sandbox CA or operator upload).
    pub issuer: Arc<dyn lifecycle::CertificateIssuer>,
    /// The uploaded justificatifs' bytes (built on first use).
    pub storage: Storage,
    /// The domain control checks (DNS queries, HTTP fetches).
    pub dcv: Arc<crate::dcv::Checker>,
    /// Days before expiry a renewal window opens (`RENEWAL_WINDOW_DAYS`).
    pub renewal_window_days: u32,
    /// Webhooks' settings and the key their secrets are encrypted under.
    pub webhooks: Arc<crate::webhooks::Webhooks>,
}

impl App {
    pub fn new(
        db: Db,
        catalog: Catalog,
        justificatifs: JustificatifRules,
        issuer: Arc<dyn lifecycle::CertificateIssuer>,
    ) -> Self {
        App {
            db,
            catalog: Arc::new(catalog),
            justificatifs: Arc::new(justificatifs),
            clock: Arc::new(SystemClock),
            issuer,
            storage: Storage::directory(crate::storage::DEFAULT_STORAGE_URL),
            dcv: Arc::new(crate::dcv::Checker::new(Default::default())),
            renewal_window_days: 30,
            webhooks: Arc::new(crate::webhooks::Webhooks::new(Default::default())),
        }
    }

    /// The same, reading `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same, opening renewal windows `days` before expiry.
    pub fn with_renewal_window(mut self, days: u32) -> Self {
        self.renewal_window_days = days;
        self
    }

    /// The rules renewals follow.
    pub fn renewal_policy(&self) -> crate::domain::order::renewal::RenewalPolicy<'_> {
        crate::domain::order::renewal::RenewalPolicy {
            window_days: self.renewal_window_days,
            lifetime: self.catalog.lifetime(),
        }
    }

    /// The same, at another time (`certorder run-jobs --now`, tests of deadlines).
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.clock = Arc::new(FixedClock(now));
        self
    }

    /// The same, storing uploads in `storage`.
    pub fn with_storage(mut self, storage: Storage) -> Self {
        self.storage = storage;
        self
    }

    /// The same, with these domain control settings.
    pub fn with_dcv(mut self, settings: crate::dcv::DcvSettings) -> Self {
        self.dcv = Arc::new(crate::dcv::Checker::new(settings));
        self
    }

    /// The same, with these webhook settings.
    pub fn with_webhooks(mut self, settings: crate::webhooks::WebhookSettings) -> Self {
        self.webhooks = Arc::new(crate::webhooks::Webhooks::new(settings));
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Whether the database answers (the readiness probe).
    pub async fn ping(&self) -> Result<(), AppError> {
        Ok(self.db.ping().await?)
    }
}

/// Why a use case did not do what was asked. No HTTP here: `http::problem` maps each to a
/// status and a problem+json body.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such resource, or not the caller's to see.
    #[error("not found")]
    NotFound,
    /// The caller may see it, not do this (see `domain::order::rights`).
    #[error("read only")]
    ReadOnly,
    /// Only the order's owner, the subscriber, may do this (accept the CGU or the
    /// certificate): not the partner preparing the order for it.
    #[error("the subscriber's to do")]
    SubscriberOnly,
    /// Reserved to partners with a partner code (the client list).
    #[error("partners only")]
    PartnerOnly,
    /// `on_behalf_of` names an account that is not one of the partner's active clients.
    #[error("not one of the partner's clients")]
    NotAClient,
    /// The order's status does not allow it.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The order is not submitted (its form does not exist yet, or any more).
    #[error("the order is {0:?}, not submitted")]
    NotSubmitted(OrderStatus),
    /// `If-Match` named another version than the current one (or the row changed under a
    /// save, when the current version is not known).
    #[error("stale version (current {current_version:?})")]
    Stale { current_version: Option<i32> },
    /// The request breaks rules: every problem, each with its field.
    #[error("{} field problem(s)", .0.len())]
    Invalid(Vec<FieldIssue>),
    /// "Commander" on an incomplete order: every missing or invalid step.
    #[error("order incomplete")]
    Incomplete(Vec<FieldIssue>),
    /// "Commander" with another Idempotency-Key on an order already submitted.
    #[error("already submitted by another request")]
    AlreadySubmitted,
    /// The names changed while the key pair was being generated.
    #[error("the order's names changed meanwhile")]
    NamesChanged,
    /// The same Idempotency-Key came with another request.
    #[error("idempotency key reused for another request")]
    IdempotencyKeyReused,
    /// Reserved to operators.
    #[error("operators only")]
    OperatorOnly,
    /// A life change the order refused (SPEC §8).
    #[error(transparent)]
    Life(crate::domain::order::life::LifeError),
    /// The order has no certificate (yet, or any more).
    #[error("no certificate ({0:?})")]
    NoCertificate(OrderStatus),
    /// The issuer could not make the certificate (retried by the scheduler).
    #[error("issuance failed: {0}")]
    Issuance(String),
    /// A justificatif's slot refused an upload or a review (or does not exist).
    #[error(transparent)]
    Slot(#[from] SlotError),
    /// The order's justificatifs take uploads and reviews only while it is submitted.
    #[error("the order is {0:?}: its documents are not open")]
    DocumentsClosed(OrderStatus),
    /// The object store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Domain control: the order has no such name.
    #[error("no such domain in the order")]
    UnknownDomain,
    /// Domain control: a method the name cannot use.
    #[error(transparent)]
    Dcv(#[from] crate::domain::dcv::DcvError),
    /// Domain control is open only while the order is submitted.
    #[error("the order is {0:?}: domain control is closed")]
    DcvClosed(OrderStatus),
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            DbError::VersionConflict => AppError::Stale {
                current_version: None,
            },
            other => AppError::Db(other),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        DbError::from(e).into()
    }
}

impl AppError {
    /// A panic in the blocking task (a bug, logged by the panic hook).
    pub fn is_panic(&self) -> bool {
        matches!(self, AppError::Db(DbError::Panicked))
    }

    /// The database could not be reached (worth retrying), rather than a bug.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, AppError::Db(e) if e.is_unavailable())
    }
}

/// An `Idempotency-Key` with the fingerprint of its request: a retry with the same key and
/// request gets the first answer; another request with the key is refused.
#[derive(Debug, Clone, Default)]
pub struct Idempotency {
    pub key: Option<String>,
    pub request_hash: String,
}

/// Whether `caller` may do `action` on the order (`domain::order::rights`), as the error a
/// use case returns: not found when the order is not the caller's to see.
pub(crate) fn authorize(
    order: &OrderData,
    caller: &Caller,
    action: Action,
) -> Result<(), AppError> {
    match order.authorize(caller, action) {
        Ok(_) => Ok(()),
        Err(Refusal::Invisible) => Err(AppError::NotFound),
        Err(Refusal::Forbidden(
            Relation::PartnerForClient,
            Action::AcceptTerms | Action::AcceptCertificate,
        )) => Err(AppError::SubscriberOnly),
        Err(Refusal::Forbidden(..)) => Err(AppError::ReadOnly),
    }
}
