//! The README's test command on a fresh machine: when no server answers at `DATABASE_URL`
//! but PostgreSQL's binaries are installed, the harness starts a private cluster.

/// Runs one test of this very binary with `DATABASE_URL` pointing at a closed port.
#[test]
fn with_no_server_at_database_url_the_harness_starts_a_private_postgresql() {
    if !std::path::Path::new("/usr/lib/postgresql").exists() {
        eprintln!("PostgreSQL's binaries are not installed: nothing to prove here");
        return;
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // the listener is dropped: nothing answers there any more
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "orders::the_same_idempotency_key_replays_the_first_draft_instead_of_creating_another",
            "--nocapture",
        ])
        .env(
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{closed}/postgres"),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(
        stderr.contains("starting a private one"),
        "the test did not run against a private cluster: {stderr}"
    );
}
