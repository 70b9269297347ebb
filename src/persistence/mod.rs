//! The persistence layer: diesel on PostgreSQL. Row structs never leave this module; the
//! repositories take `&mut PgConnection` and return domain types.
//!
//! [`Db::run`] is the one door to the database: it runs a closure on the blocking thread pool
//! with a pooled connection and the caller's tracing span re-entered, at most as many at once
//! as the pool has connections. Async code never calls `pool.get()` itself.

pub mod accounts;
pub mod documents;
pub mod events;
pub mod idempotency;
pub mod login;
pub mod orders;
pub mod schema;

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
        .map_err(|e| DbError::Unavailable(format!("blocking task failed: {e}")))?
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

/// Creates the database named in `database_url` if it does not exist, then runs the embedded
/// migrations. Called at start-up and by the CLI.
pub fn prepare_database(
    database_url: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    create_database_if_missing(database_url)?;
    let mut conn = PgConnection::establish(database_url)?;
    conn.run_pending_migrations(MIGRATIONS)?;
    Ok(())
}

fn create_database_if_missing(
    database_url: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
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
        return Err(format!("cannot create database {name:?}: unsupported name").into());
    }
    url.set_path("/postgres");
    let mut admin = PgConnection::establish(url.as_str())?;
    let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
    )))
    .get_result(&mut admin)?;
    if !exists {
        tracing::info!(database = %name, "creating database");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut admin)?;
    }
    Ok(())
}
