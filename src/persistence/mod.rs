//! The persistence layer: diesel on PostgreSQL. Row structs never leave this module; the
//! repositories take `&mut PgConnection` and return domain types.
//!
//! [`Db::run`] is the one door to the database: it runs a closure on the blocking thread pool
//! with a pooled connection and the caller's tracing span re-entered, at most as many at once
//! as the pool has connections. Async code never calls `pool.get()` itself.

pub(crate) mod accounts;
pub(crate) mod certificates;
pub(crate) mod credentials;
pub(crate) mod dcv;
pub(crate) mod documents;
pub mod events;
pub(crate) mod idempotency;
pub(crate) mod jobs;
pub(crate) mod life;
pub(crate) mod login;
pub(crate) mod orders;
pub(crate) mod partner_clients;
pub mod schema;
pub(crate) mod stored;
pub(crate) mod webhooks;

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type PgPool = Pool<ConnectionManager<PgConnection>>;
pub type PgPooled = PooledConnection<ConnectionManager<PgConnection>>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had: the database is down or the pool is exhausted.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("record not found")]
    NotFound,
    /// The row changed since the caller read it (optimistic concurrency).
    #[error("version conflict")]
    VersionConflict,
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("stored data could not be read back: {0}")]
    Corrupt(String),
    /// The closure panicked on the blocking pool. The panic was logged where it happened
    /// (with the request's span); the pool thread lives on.
    #[error("a database task panicked")]
    Panicked,
}

impl DbError {
    /// Errors that say the server is unreachable, rather than that a query is wrong.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Unavailable(_) => true,
            DbError::Query(diesel::result::Error::DatabaseError(kind, info)) => {
                matches!(kind, diesel::result::DatabaseErrorKind::ClosedConnection)
                    || info.message().contains("terminating connection")
                    || info.message().contains("server closed the connection")
            }
            _ => false,
        }
    }
}

#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    /// One permit per pooled connection: at most `size` closures are on the blocking pool
    /// at once. The others wait here, asynchronously, instead of each taking a blocking
    /// thread that would then sleep in r2d2's queue (64 requests would mean 64 threads
    /// fighting over 16 connections on 2 cores).
    permits: Arc<Semaphore>,
}

impl Db {
    pub fn connect(database_url: &str, size: u32) -> Result<Self, DbError> {
        let manager = ConnectionManager::<PgConnection>::new(database_url);
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(size.min(4)))
            .connection_timeout(Duration::from_secs(3))
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        Ok(Self {
            pool,
            permits: Arc::new(Semaphore::new(size.max(1) as usize)),
        })
    }

    /// A connection for synchronous code (CLI, the outbox worker's thread, tests).
    pub fn get(&self) -> Result<PgPooled, DbError> {
        self.pool
            .get()
            .map_err(|e| DbError::Unavailable(e.to_string()))
    }

    /// Runs `f` with a pooled connection on the blocking pool, inside the current span.
    /// `E` is the caller's error type, so that a closure can fail with a domain error too.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        actix_web::rt::task::spawn_blocking(move || {
            let _permit = permit;
            let _entered = span.enter();
            let mut conn = pool
                .get()
                .map_err(|e| DbError::Unavailable(e.to_string()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| {
            if e.is_panic() {
                DbError::Panicked
            } else {
                DbError::Unavailable(format!("blocking task failed: {e}"))
            }
        })?
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise.
    pub async fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        self.run(move |conn| conn.transaction(f)).await
    }

    pub async fn ping(&self) -> Result<(), DbError> {
        self.run(|conn| -> Result<(), DbError> {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
    }
}

/// Any key will do as long as every replica uses the same one: it serializes the creation of
/// the database (taken in the `postgres` database) and the migrations (taken in the
/// service's database; advisory locks are per database).
const PREPARE_LOCK: i64 = 0x6365_7274_6f72_6465; // "certorde"

/// Why the database could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations: {0}")]
    Migration(String),
    #[error("cannot create database {0:?}: unsupported name")]
    UnsupportedName(String),
    #[error("invalid DATABASE_URL: {0}")]
    Url(#[from] url::ParseError),
    /// The database has migrations this binary does not carry: it was migrated by a newer
    /// release. Running would mean serving with a schema the code does not know.
    #[error(
        "the database has migrations this binary does not know ({}): this certorder is older \
than the database's schema; deploy the release that applied them (or newer)",
        .0.join(", ")
    )]
    NewerSchema(Vec<String>),
}

/// Creates the database named in `database_url` if it does not exist, then runs the embedded
/// migrations. Called at start-up and by the CLI.
///
/// Replicas may start at the same moment: the creation tolerates a concurrent creator, and the
/// migrations run under a PostgreSQL advisory lock held on a dedicated connection, so one
/// replica migrates while the others wait and then find nothing pending. A binary older than
/// the database (an applied migration it does not know) refuses to start.
pub fn prepare_database(database_url: &str) -> Result<(), PrepareError> {
    create_database_if_missing(database_url)?;
    let mut conn = PgConnection::establish(database_url)?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(PREPARE_LOCK)
        .execute(&mut conn)?;
    let result = migrate(&mut conn);
    // Closing the connection would release the lock too; unlock explicitly all the same.
    let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(PREPARE_LOCK)
        .execute(&mut conn);
    result
}

/// Runs `f` while holding the preparation lock on a connection of its own: replicas starting
/// together run it one after the other (the development seeding: two concurrent inserts of
/// the same demo partner collide on `partner_code`, which `ON CONFLICT (username)` does not
/// arbitrate).
pub fn under_prepare_lock<T>(database_url: &str, f: impl FnOnce() -> T) -> Result<T, PrepareError> {
    let mut conn = PgConnection::establish(database_url)?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(PREPARE_LOCK)
        .execute(&mut conn)?;
    let out = f();
    let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(PREPARE_LOCK)
        .execute(&mut conn);
    Ok(out)
}

fn migrate(conn: &mut PgConnection) -> Result<(), PrepareError> {
    use diesel::migration::MigrationSource;
    let known: std::collections::HashSet<String> =
        MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
            .map_err(|e| PrepareError::Migration(e.to_string()))?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect();
    let mut unknown: Vec<String> = conn
        .applied_migrations()
        .map_err(|e| PrepareError::Migration(e.to_string()))?
        .into_iter()
        .map(|v| v.to_string())
        .filter(|v| !known.contains(v))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        return Err(PrepareError::NewerSchema(unknown));
    }
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| PrepareError::Migration(e.to_string()))?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "migrations applied");
    }
    Ok(())
}

fn create_database_if_missing(database_url: &str) -> Result<(), PrepareError> {
    if PgConnection::establish(database_url).is_ok() {
        return Ok(());
    }
    let mut url = url::Url::parse(database_url)?;
    let name = url.path().trim_start_matches('/').to_owned();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(PrepareError::UnsupportedName(name));
    }
    url.set_path("/postgres");
    let mut admin = PgConnection::establish(url.as_str())?;
    // Replicas starting together queue here; the first creates, the others find it.
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(PREPARE_LOCK)
        .execute(&mut admin)?;
    let result = create_unless_exists(&mut admin, &name);
    let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(PREPARE_LOCK)
        .execute(&mut admin);
    result
}

fn create_unless_exists(admin: &mut PgConnection, name: &str) -> Result<(), PrepareError> {
    let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
    )))
    .get_result(admin)?;
    if exists {
        return Ok(());
    }
    tracing::info!(database = %name, "creating database");
    match diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(admin) {
        Ok(_) => Ok(()),
        // A creator that does not take the lock (an older release, a person) was first:
        // 42P04 duplicate_database, or the unique index of pg_database when both inserted
        // at once. Either way the database is there, which is all that was asked.
        Err(e) if is_duplicate_database(&e) => {
            tracing::info!(database = %name, "created concurrently by another process");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// diesel has no kind for SQLSTATE 42P04; its message is stable across PostgreSQL releases.
fn is_duplicate_database(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => true,
        Error::DatabaseError(_, info) => {
            info.message().contains("already exists") && info.message().contains("database")
        }
        _ => false,
    }
}
