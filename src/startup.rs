//! Builds the application: database, pool, HTTP server on its own listener (port 0 in tests).

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use actix_web_prom::PrometheusMetricsBuilder;
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::app;
use crate::config::Settings;
use crate::domain::catalog::Catalog;
use crate::domain::documents::justificatifs::default_rules;
use crate::housekeeping::{self, Housekeeper};
use crate::http::bounded_pool::BoundedPool;
use crate::http::password_pool::PasswordPool;
use crate::http::rate_limit::RateLimits;
use crate::http::{self, auth::JwtKeys, json::BodyLimit, AppState};
use crate::persistence::{self, Db};
use crate::storage::Storage;
use crate::workers::mail::OutboxWorker;
use crate::workers::scheduler::Scheduler;
use crate::workers::webhooks::Dispatcher;

/// How many PDF downloads may wait for a render slot before the next one gets 503.
const PDF_RENDER_QUEUE: usize = 32;

pub struct Application {
    port: u16,
    server: Server,
    /// The e-mail worker, when `OUTBOX_WORKER` is on; stopped after the server.
    worker: Option<OutboxWorker>,
    /// The periodic purge, unless `HOUSEKEEPING_INTERVAL_SECONDS` is 0.
    housekeeper: Option<Housekeeper>,
    /// The due jobs' runner, unless `SCHEDULER_INTERVAL_SECONDS` is 0.
    scheduler: Option<Scheduler>,
    /// The webhook dispatcher, when `WEBHOOK_DISPATCHER` is on.
    dispatcher: Option<Dispatcher>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(String),
    #[error("listener: {0}")]
    Listener(#[from] std::io::Error),
    #[error("catalogue: {0}")]
    Catalog(String),
    #[error("metrics: {0}")]
    Metrics(String),
    #[error("issuer: {0}")]
    Issuer(String),
    #[error("contract: {0}")]
    Contract(String),
    #[error("outbox worker: {0}")]
    Worker(#[from] crate::workers::smtp::MailError),
    #[error("file storage: {0}")]
    Storage(#[from] crate::storage::StorageError),
}

impl Application {
    /// Prepares the database (creates it, runs migrations), binds the listener and builds the
    /// server. The server runs when `run_until_stopped` is awaited.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with(settings, |_| {}).await
    }

    /// `build`, with `extra` registering more routes behind the same middleware (the tests
    /// add routes that panic). They stay out of the OpenAPI contract; the binary adds none.
    pub async fn build_with(
        settings: Settings,
        extra: fn(&mut web::ServiceConfig),
    ) -> Result<Self, StartupError> {
        http::panic::install_hook();
        keep_large_blocks_out_of_the_heap();
        let url = settings.database_url.clone();
        actix_web::rt::task::spawn_blocking(move || persistence::prepare_database(&url))
            .await
            .map_err(|e| StartupError::Database(e.to_string()))?
            .map_err(|e| StartupError::Database(e.to_string()))?;
        let db = Db::connect(&settings.database_url, settings.pool_size)
            .map_err(|e| StartupError::Database(e.to_string()))?;
        let listener = TcpListener::bind(&settings.bind_address)?;
        let port = listener.local_addr()?.port();
        let worker = settings
            .outbox_worker
            .then(|| OutboxWorker::spawn(db.clone(), &settings))
            .transpose()?;
        let limits = Arc::new(RateLimits::new(&settings.rate_limits));
        let housekeeper = (!settings.housekeeping_interval.is_zero()).then(|| {
            Housekeeper::spawn(
                db.clone(),
                limits.clone(),
                housekeeping::Policy {
                    idempotency_ttl: settings.idempotency_ttl,
                    login_failure_window: settings.login_failure_window,
                    batch: settings.housekeeping_batch.max(1),
                },
                settings.housekeeping_interval,
            )
        });
        let app = build_app(db, &settings)?;
        let dispatcher = settings
            .webhooks
            .dispatcher
            .then(|| Dispatcher::spawn(app.clone(), settings.webhooks.poll));
        let scheduler = (!settings.scheduler_interval.is_zero())
            .then(|| Scheduler::spawn(app.clone(), settings.scheduler_interval));
        let server = run(listener, app, limits, settings, extra)?;
        Ok(Self {
            port,
            server,
            worker,
            housekeeper,
            scheduler,
            dispatcher,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> Result<(), std::io::Error> {
        let result = self.server.await;
        if let Some(worker) = self.worker {
            worker.stop().await;
        }
        if let Some(housekeeper) = self.housekeeper {
            housekeeper.stop().await;
        }
        if let Some(scheduler) = self.scheduler {
            scheduler.stop().await;
        }
        if let Some(dispatcher) = self.dispatcher {
            dispatcher.stop().await;
        }
        result
    }
}

/// The use cases' shared state: the database, the catalogue, the rules, the issuer.
pub fn build_app(db: Db, settings: &Settings) -> Result<app::App, StartupError> {
    let catalog = match &settings.catalog_path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| StartupError::Catalog(format!("{path}: {e}")))?;
            Catalog::from_json(&text).map_err(|e| StartupError::Catalog(format!("{path}: {e}")))?
        }
        None => Catalog::bundled(),
    };
    let issuer = crate::issuance::from_settings(settings).map_err(StartupError::Issuer)?;
    // the store is built on first use (see `storage`)
    let storage = Storage::new(settings.storage.clone())?;
    Ok(app::App::new(db, catalog, default_rules(), issuer)
        .with_storage(storage)
        .with_dcv(settings.dcv.clone())
        .with_webhooks(settings.webhooks.clone())
        .with_clock(settings.clock.clone())
        .with_renewal_window(settings.renewal_window_days))
}

fn run(
    listener: TcpListener,
    app: app::App,
    limits: Arc<RateLimits>,
    settings: Settings,
    extra: fn(&mut web::ServiceConfig),
) -> Result<Server, StartupError> {
    let workers = settings.workers.max(1);
    let body_limit = settings.max_body_bytes;
    let state = web::Data::new(AppState {
        app,
        uploads: tokio::sync::Semaphore::new(settings.upload_concurrency.max(1)),
        keys: JwtKeys::new(&settings.jwt),
        keygen: BoundedPool::new(settings.keygen_threads, settings.keygen_queue),
        renders: BoundedPool::new(
            std::thread::available_parallelism().map_or(2, |n| n.get().min(4)),
            PDF_RENDER_QUEUE,
        ),
        passwords: PasswordPool::new(settings.password_hash_threads, settings.password_hash_queue),
        limits,
        settings: Arc::new(settings),
    });
    let prometheus = PrometheusMetricsBuilder::new("certorder")
        .endpoint("/metrics")
        .build()
        .map_err(|e| StartupError::Metrics(e.to_string()))?;
    let contract = web::Data::new(
        http::ContractJson::build().map_err(|e| StartupError::Metrics(e.to_string()))?,
    );
    // building the contract left its freed pages in this thread's arena: give them back
    release_freed_memory();
    let cors_origins = state.settings.cors_allowed_origins.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(contract.clone())
            .app_data(BodyLimit(body_limit))
            .app_data(http::json_config(body_limit))
            .app_data(http::query_config())
            .app_data(http::path_config())
            .configure(http::routes)
            .configure(extra)
            .route("/openapi.json", web::get().to(http::contract_json))
            .service(SwaggerUi::new("/swagger-ui/{_:.*}").config(Config::from("/openapi.json")))
            .default_service(web::to(http::not_found))
            .wrap(from_fn(http::panic::catch_panic))
            .wrap(from_fn(http::rate_limit::limit))
            .wrap(prometheus.clone())
            .wrap(from_fn(http::problem::render_problems))
            .wrap(TracingLogger::default())
            .wrap(http::cors(&cors_origins))
    })
    .workers(workers)
    .shutdown_timeout(20)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Allocations of 256 KiB or more (a password verifier's 19 MiB, an upload's 1 MiB blocks)
/// get pages of their own, given back when freed, and free space above 512 KiB at the top of a
/// heap is given back too. glibc otherwise raises both thresholds after the first such free
/// (the mmap one to the block's size, the trim one to twice that), and later big blocks stay
/// resident once freed (measured: the first sign-in left ~40 MB resident, ten uploads of
/// 10 MiB another ~25 MB). Setting the mmap threshold later does not lower the trim one, so
/// `main` calls this before anything allocates a big block (the development seeding hashes
/// passwords before the server is built); `build_with` calls it again for the tests.
pub fn keep_large_blocks_out_of_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "jemalloc")))]
    // SAFETY: mallopt only sets tunables of the allocator; it takes no pointer.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 * 1024);
    }
}

/// Returns the allocator's free pages to the system (glibc's `malloc_trim`; elsewhere
/// nothing).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "jemalloc")))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointer.
    unsafe {
        libc::malloc_trim(0);
    }
}
