//! A newcomer's first minutes: `cargo run` in development on a fresh database creates the
//! demo accounts and says how to sign in.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::support::*;

#[actix_web::test]
async fn in_development_the_binary_seeds_the_demo_accounts_and_says_how_to_sign_in() {
    let (database_url, drop_database) = new_database_url();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_certorder"))
        .env("DATABASE_URL", &database_url)
        .env("BIND_ADDRESS", format!("127.0.0.1:{port}"))
        .env("PUBLIC_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("CERTORDER_ENV", "development")
        .env("OUTBOX_WORKER", "off")
        .env("HTTP_WORKERS", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut signed_in = None;
    for _ in 0..150 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let res = client
            .post(format!("{base}/auth/token"))
            .json(&serde_json::json!({"username": CLIENT.0, "password": CLIENT.1}))
            .send()
            .await;
        if let Ok(res) = res {
            signed_in = Some(res.status());
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    drop_database();
    assert_eq!(signed_in.map(|s| s.as_u16()), Some(200), "{logs}");
    assert!(logs.contains("demo accounts created"), "{logs}");
    assert!(logs.contains("demo-client-password"), "{logs}");
}
