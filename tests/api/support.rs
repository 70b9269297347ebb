//! The test harness: each test gets its own database, cloned from a template that is
//! migrated and seeded once per migration set, and a real HTTP server on a free port.

use std::sync::OnceLock;

use certorder::config::Settings;
use certorder::persistence::{self, Db};
use certorder::startup::Application;
use diesel::prelude::*;
use diesel::PgConnection;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const CLIENT: (&str, &str) = ("demo.client", "demo-client-password");
pub const PARTNER: (&str, &str) = ("demo.partenaire", "demo-partner-password");
pub const OPERATOR: (&str, &str) = ("demo.operateur", "demo-operator-password");
/// A second customer, to prove that one account never sees another's orders.
pub const OTHER: (&str, &str) = ("autre.client", "autre-client-password");

/// The server's base URL for the PostgreSQL cluster the tests use: `DATABASE_URL`'s server
/// if set, else the local one — or, when nothing answers there but PostgreSQL's binaries
/// are installed, a private cluster this test process starts ([`private_server`]).
fn server_url() -> url::Url {
    static URL: OnceLock<url::Url> = OnceLock::new();
    URL.get_or_init(|| {
        let raw = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut url = url::Url::parse(&raw).expect("DATABASE_URL is a URL");
        if !answers(&url) {
            if let Some(port) = private_server() {
                url = url::Url::parse(&format!("postgres://postgres@127.0.0.1:{port}/postgres"))
                    .unwrap();
            }
        }
        url.set_path("/postgres");
        url.query_pairs_mut()
            .clear()
            .append_pair("sslmode", "disable");
        url
    })
    .clone()
}

/// Whether a server accepts TCP connections at the URL's host and port.
fn answers(url: &url::Url) -> bool {
    use std::net::ToSocketAddrs;
    let host = url.host_str().unwrap_or("127.0.0.1");
    let port = url.port().unwrap_or(5432);
    (host, port).to_socket_addrs().is_ok_and(|mut addrs| {
        addrs.any(|a| {
            std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(2)).is_ok()
        })
    })
}

/// A private PostgreSQL cluster (as `faults/common.py` makes): `initdb` into a temporary
/// directory (as the `postgres` user when run as root), `postgres` on a free loopback port,
/// and a watchdog that stops it and removes the directory once this test process is gone.
/// `None` when PostgreSQL's binaries are not installed.
fn private_server() -> Option<u16> {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").exists() && b.join("postgres").exists())
        .max_by_key(|b| {
            b.parent()
                .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
                .unwrap_or(0)
        })?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let dir = std::env::temp_dir().join(format!("certorder-test-pg-{}", std::process::id()));
    let data = dir.join("data");
    std::fs::create_dir_all(&dir).ok()?;
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let as_postgres = |program: std::path::PathBuf| {
        let mut cmd = if root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            std::process::Command::new(program)
        };
        cmd.stdin(std::process::Stdio::null());
        cmd
    };
    if root {
        std::process::Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status()
            .ok()?;
    }
    eprintln!(
        "no PostgreSQL answers at DATABASE_URL: starting a private one on port {port} ({})",
        dir.display()
    );
    let initdb = as_postgres(bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    if !initdb.success() {
        return None;
    }
    // The watchdog: runs the server, and stops it (then removes its directory) when the
    // test process that started it has exited.
    let script = format!(
        "{postgres} -D {data} -p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c max_connections=200 >{dir}/pg.log 2>&1 & pg=$!; \
         while [ -d /proc/{parent} ] && kill -0 $pg 2>/dev/null; do sleep 1; done; \
         kill -INT $pg 2>/dev/null; wait $pg; [ -n \"$CERTORDER_KEEP_TEST_PG\" ] || rm -rf {dir}",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
        parent = std::process::id(),
    );
    let mut sh = if root {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "postgres", "--", "sh", "-c", &script]);
        c
    } else {
        let mut c = std::process::Command::new("sh");
        c.args(["-c", &script]);
        c
    };
    sh.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let url = url::Url::parse(&format!("postgres://postgres@127.0.0.1:{port}/postgres")).ok()?;
    for _ in 0..300 {
        if answers(&url) && PgConnection::establish(url.as_str()).is_ok() {
            return Some(port);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    None
}

/// A database's URL on the tests' PostgreSQL server.
pub fn url_of(name: &str) -> String {
    database_url(name)
}

/// Drops a database the test made itself (not a `TestApp`'s: those drop their own).
pub fn drop_database(name: &str) {
    let mut admin = PgConnection::establish(server_url().as_str()).unwrap();
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .unwrap();
}

/// A test database's URL. TLS is switched off: the server is local, and libpq's TLS state
/// must not be in use when the test process exits (a pool thread reconnecting through
/// OpenSSL while the process tears OpenSSL down crashes it).
pub fn database_url(name: &str) -> String {
    let mut url = server_url();
    url.set_path(&format!("/{name}"));
    url.query_pairs_mut()
        .clear()
        .append_pair("sslmode", "disable");
    url.to_string()
}

/// The template's name carries a hash of the migrations and the seed, so that a change
/// makes a new template instead of reusing a stale one.
fn template_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let mut h = Sha256::new();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut entries: Vec<_> = walk(std::path::Path::new(dir));
        entries.sort();
        for path in entries {
            h.update(path.to_string_lossy().as_bytes());
            h.update(std::fs::read(&path).unwrap());
        }
        h.update(include_bytes!("support.rs"));
        format!("certorder_tpl_{}", &hex::encode(h.finalize())[..16])
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn ensure_template(admin: &mut PgConnection) {
    let name = template_name();
    // Test processes run in parallel (nextest): one builds the template, the others wait.
    diesel::sql_query("SELECT pg_advisory_lock(727274)")
        .execute(admin)
        .unwrap();
    let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
    )))
    .get_result(admin)
    .unwrap();
    if !exists {
        let building = format!("{name}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(admin)
            .unwrap();
        diesel::sql_query(format!("CREATE DATABASE {building}"))
            .execute(admin)
            .unwrap();
        let url = database_url(&building);
        persistence::prepare_database(&url).unwrap();
        {
            let db = Db::connect(&url, 1).unwrap();
            certorder::cli::seed_demo_accounts(&db).unwrap();
            let args = certorder::cli::CreateAccount {
                username: OTHER.0.into(),
                role: certorder::cli::RoleArg::Customer,
                email: "autre@demo.localhost".into(),
                full_name: "Dominique Autre".into(),
                phone: None,
                partner_code: None,
                organization: "Autre Organisation".into(),
                organization_kind: certorder::cli::KindArg::Association,
                registration_number: Some("732829320".into()),
                address: "1 rue de la Paix".into(),
                postal_code: Some("75002".into()),
                city: "Paris".into(),
                country: "FR".into(),
                not_legal_representative: true,
            };
            certorder::cli::create_account(&db, &args, OTHER.1).unwrap();
        }
        diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
            .execute(admin)
            .unwrap();
    }
    diesel::sql_query("SELECT pg_advisory_unlock(727274)")
        .execute(admin)
        .unwrap();
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db_name: String,
    pub db: Db,
    /// False for a second server on another test's database: the first one drops it.
    owns_db: bool,
}

/// The tests' sandbox CA (made by the first test server, reused by the others).
pub fn sandbox_ca_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("certorder-test-sandbox-ca")
}

/// Settings for a test server; `tweak` may change them before start.
pub fn test_settings(db_name: &str) -> Settings {
    let mut s = Settings::from_env().expect("settings");
    s.database_url = database_url(db_name);
    s.bind_address = "127.0.0.1:0".into();
    s.pool_size = 4;
    s.workers = 1;
    s.login_max_failures = 3;
    s.login_lockout = std::time::Duration::from_secs(60);
    s.public_base_url = "http://127.0.0.1".into();
    // The e-mail worker runs only in the tests that start an SMTP sink (see `mail.rs`).
    s.outbox_worker = false;
    // The scheduler runs only when a test asks (`certorder run-jobs`, or approval's own
    // issuance); the sandbox CA is one per machine, shared by the tests (safe to open at once).
    s.scheduler_interval = std::time::Duration::ZERO;
    s.issuer.mode = certorder::issuer::IssuerMode::Sandbox;
    s.issuer.sandbox_ca_dir = sandbox_ca_dir();
    // Domain control: the fixtures' names are taken as valid in the sandbox (their own
    // suffixes, beside the documented `certorder-test`); the tests of domain control
    // (`dcv.rs`) clear this list and check against their own DNS and HTTP servers, on
    // loopback, which tests allow.
    s.dcv.test_suffixes = vec![
        "certorder-test".into(),
        "certigna.fr".into(),
        "dhimyotis.com".into(),
    ];
    s.dcv.allow_private_targets = true;
    // Webhooks: the dispatcher runs only in the tests that ask (`webhooks.rs`), polling
    // often; their receivers are on loopback, which tests allow (one test turns it off).
    s.webhooks.dispatcher = false;
    s.webhooks.poll = std::time::Duration::from_millis(50);
    s.webhooks.allow_private_targets = true;
    // Uploads in a directory of the test's own, removed with its database.
    s.storage = certorder::storage::StorageSettings {
        url: uploads_dir(db_name).to_string_lossy().into_owned(),
        ..Default::default()
    };
    s
}

/// Where a test server stores uploaded files (unless the test points it elsewhere).
fn uploads_dir(db_name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("certorder-uploads-{db_name}"))
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_with_routes(tweak, |_| {}).await
    }

    /// A server whose use cases and workers read the time from `clock` (a test moves it
    /// forward to pass delays in seconds).
    pub async fn spawn_at(
        clock: std::sync::Arc<dyn certorder::app::Clock>,
        tweak: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let db_name = Self::new_database().await;
        Self::start(db_name, true, tweak, |_| {}, Some(clock)).await
    }

    /// A second server on this test's database, reading the time from `clock`.
    pub async fn spawn_replica_at(
        &self,
        clock: std::sync::Arc<dyn certorder::app::Clock>,
        tweak: impl FnOnce(&mut Settings),
    ) -> TestApp {
        Self::start(self.db_name.clone(), false, tweak, |_| {}, Some(clock)).await
    }

    /// A server with more routes behind the same middleware (tests only: e.g. routes that
    /// panic). They are not part of the contract.
    pub async fn spawn_with_routes(
        tweak: impl FnOnce(&mut Settings),
        extra: fn(&mut actix_web::web::ServiceConfig),
    ) -> TestApp {
        let db_name = Self::new_database().await;
        Self::start(db_name, true, tweak, extra, None).await
    }

    /// A new database of the test's own, made from the migrated template.
    async fn new_database() -> String {
        install_log_capture();
        let db_name = format!("certorder_test_{}", uuid::Uuid::new_v4().simple());
        let name = db_name.clone();
        actix_web::rt::task::spawn_blocking(move || {
            let mut admin =
                PgConnection::establish(server_url().as_str()).expect("PostgreSQL is reachable");
            ensure_template(&mut admin);
            diesel::sql_query(format!(
                "CREATE DATABASE {name} TEMPLATE {}",
                template_name()
            ))
            .execute(&mut admin)
            .unwrap();
        })
        .await
        .unwrap();
        db_name
    }

    /// A second server (another replica) on this test's database.
    pub async fn spawn_replica(&self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        Self::start(self.db_name.clone(), false, tweak, |_| {}, None).await
    }

    async fn start(
        db_name: String,
        owns_db: bool,
        tweak: impl FnOnce(&mut Settings),
        extra: fn(&mut actix_web::web::ServiceConfig),
        clock: Option<std::sync::Arc<dyn certorder::app::Clock>>,
    ) -> TestApp {
        let mut settings = test_settings(&db_name);
        if let Some(clock) = clock {
            settings.clock = clock;
        }
        tweak(&mut settings);
        let db = Db::connect(&settings.database_url, 2).unwrap();
        let app = Application::build_with(settings, extra)
            .await
            .expect("the application starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db_name,
            db,
            owns_db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The directory of this test's uploaded files (the default local storage).
    pub fn uploads_dir(&self) -> std::path::PathBuf {
        uploads_dir(&self.db_name)
    }

    pub async fn token(&self, (username, password): (&str, &str)) -> String {
        let res = self
            .client
            .post(self.url("/auth/token"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "sign-in of {username}");
        res.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn create_order(&self, token: &str) -> Value {
        let res = self
            .client
            .post(self.url("/orders"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        res.json().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A connection of its own to the test's database, closed when dropped (the pool's are
    /// kept open).
    pub fn connection(&self) -> PgConnection {
        PgConnection::establish(&database_url(&self.db_name)).unwrap()
    }

    /// Runs SQL on the test's own database (for checks that look behind the API).
    pub fn sql_count(&self, query: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db.get().unwrap();
        diesel::sql_query(query)
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if !self.owns_db {
            return;
        }
        let name = self.db_name.clone();
        let _ = std::fs::remove_dir_all(uploads_dir(&name));
        // The server's pool still holds connections: FORCE closes them.
        let _ = std::thread::spawn(move || {
            if let Ok(mut admin) = PgConnection::establish(server_url().as_str()) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        })
        .join();
    }
}

/// Asserts a problem+json answer with this status and code; returns its body.
pub async fn assert_problem(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(ct.as_deref(), Some("application/problem+json"));
    assert!(res.headers().contains_key("x-request-id"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "problem code in {body}");
    // every code sent, the problem's and its fields', is one the contract documents
    let documented = |c: &Value| {
        c.as_str()
            .is_some_and(|c| certorder::domain::shared::code::Code::parse(c).is_some())
    };
    assert!(documented(&body["code"]), "undocumented code in {body}");
    if let Some(errors) = body["errors"].as_array() {
        assert!(
            errors.iter().all(|e| documented(&e["code"])),
            "undocumented field code in {body}"
        );
    }
    assert_eq!(body["status"], status);
    assert!(
        body["request_id"].as_str().is_some_and(|s| !s.is_empty()),
        "request_id in {body}"
    );
    assert!(body["title"].as_str().is_some_and(|s| !s.is_empty()));
    body
}

/// The codes of a problem's field errors, with their pointers.
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every log line the servers of this test process write, kept in memory so that a test
/// can prove what never reaches a log (private keys, passwords, tokens).
static LOGS: OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct LogSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn install_log_capture() {
    LOGS.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = LogSink(buffer.clone());
        let _ = tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new("debug"))
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(move || sink.clone()),
            )
            .try_init();
        buffer
    });
}

/// The captured logs so far.
pub fn captured_logs() -> String {
    LOGS.get()
        .map(|b| String::from_utf8_lossy(&b.lock().unwrap()).into_owned())
        .unwrap_or_default()
}

/// Answers every step but the CSR/FQDN one for `authority`, returning the order.
pub async fn fill_steps(app: &TestApp, token: &str, id: &str, authority: &str) -> Value {
    let holder = if authority == "certigna-ssl-rgs" {
        json!({"type": "self", "certificate_manager": {"first_name": "Paul", "last_name": "Leroy", "email": "paul.leroy@example.fr", "phone": "+33320000001"}})
    } else {
        json!({"type": "self"})
    };
    let payment = if authority == "certigna-ssl-rgs" {
        json!({"method": "administrative_mandate"})
    } else {
        json!({"method": "bank_transfer"})
    };
    let res = app
        .patch(
            &format!("/orders/{id}"),
            token,
            &json!({"authority": authority, "partner": {"type": "none"}, "duration_months": 12, "holder": holder, "payment": payment, "terms": {"version": "CGU-2026-09"}}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

/// A fixture CSR of the committed corpus.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/csr/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A draft of `token`'s account with every step answered for case 2 but the CSR (the FQDN
/// is set; `generate-csr` comes next).
pub async fn case_two_order(app: &TestApp, token: &str) -> String {
    let oid = app.create_order(token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    fill_steps(app, token, &oid, "certigna-ssl").await;
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            token,
            &json!({"generation_method": "generate", "fqdn": "www.certigna.fr"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    oid
}

/// The URL of a database that does not exist yet on the tests' server (the service creates
/// it), and a function that drops it.
pub fn new_database_url() -> (String, impl FnOnce()) {
    let name = format!("certorder_blank_{}", uuid::Uuid::new_v4().simple());
    let url = database_url(&name);
    let drop = move || {
        if let Ok(mut admin) = PgConnection::establish(server_url().as_str()) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    };
    (url, drop)
}
