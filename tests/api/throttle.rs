//! Sign-in throttling that does not lock victims out, the rate limits of the expensive
//! routes, and the housekeeping that purges what expires.

use diesel::prelude::*;
use serde_json::json;

use crate::support::*;
use certorder::housekeeping;

/// Clients are told apart by `X-Forwarded-For` in these tests (all connect from loopback).
fn by_forwarded_for(s: &mut certorder::config::Settings) {
    s.rate_limits.trust_forwarded_for = true;
}

async fn sign_in(app: &TestApp, from: &str, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/auth/token"))
        .header("x-forwarded-for", from)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_username_locked_out_from_one_address_still_signs_in_from_another() {
    let app = TestApp::spawn_with(by_forwarded_for).await; // 3 failures allowed in tests
    let attacker = "203.0.113.66";
    for _ in 0..3 {
        let res = sign_in(&app, attacker, CLIENT.0, "bad-password-x").await;
        assert_eq!(res.status(), 401);
    }
    let locked = sign_in(&app, attacker, CLIENT.0, CLIENT.1).await;
    assert!(locked.headers().contains_key("retry-after"));
    assert_problem(locked, 429, "too_many_sign_in_failures").await;
    // The victim, from their own address, with the right password.
    let victim = sign_in(&app, "198.51.100.7", CLIENT.0, CLIENT.1).await;
    assert_eq!(victim.status(), 200);
}

#[actix_web::test]
async fn parallel_wrong_passwords_get_exactly_the_allowed_number_of_verifications() {
    let app = TestApp::spawn_with(|s| {
        by_forwarded_for(s);
        s.password_hash_queue = 64;
    })
    .await;
    let attempts = (0..20).map(|_| sign_in(&app, "203.0.113.5", CLIENT.0, "bad-password-y"));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let verified = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((verified, refused), (3, 17), "{statuses:?}");
}

#[actix_web::test]
async fn an_address_failing_with_many_usernames_is_locked_out_but_other_addresses_are_not() {
    let app = TestApp::spawn_with(|s| {
        by_forwarded_for(s);
        s.login_address_max_failures = 4;
    })
    .await;
    let sprayer = "203.0.113.99";
    for i in 0..4 {
        let res = sign_in(&app, sprayer, &format!("nobody{i}"), "spray-password").await;
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let refused = sign_in(&app, sprayer, CLIENT.0, CLIENT.1).await;
    assert_problem(refused, 429, "too_many_sign_in_failures").await;
    assert_eq!(
        sign_in(&app, "198.51.100.8", CLIENT.0, CLIENT.1)
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn a_successful_sign_in_does_not_wipe_the_addresss_earlier_failures() {
    let app = TestApp::spawn_with(|s| {
        by_forwarded_for(s);
        s.login_address_max_failures = 3;
    })
    .await;
    let from = "203.0.113.42";
    assert_eq!(
        sign_in(&app, from, "nobody-a", "guess-one").await.status(),
        401
    );
    assert_eq!(sign_in(&app, from, CLIENT.0, CLIENT.1).await.status(), 200);
    assert_eq!(
        sign_in(&app, from, "nobody-b", "guess-two").await.status(),
        401
    );
    assert_eq!(sign_in(&app, from, CLIENT.0, CLIENT.1).await.status(), 200);
    assert_eq!(
        sign_in(&app, from, "nobody-c", "guess-three")
            .await
            .status(),
        401
    );
    let refused = sign_in(&app, from, "nobody-d", "guess-four").await;
    assert_problem(refused, 429, "too_many_sign_in_failures").await;
}

#[actix_web::test]
async fn past_the_sign_in_rate_limit_an_address_gets_429_with_ratelimit_headers() {
    let app = TestApp::spawn_with(|s| {
        by_forwarded_for(s);
        s.rate_limits.sign_in.per_address = 2;
    })
    .await;
    let from = "192.0.2.33";
    for left in ["1", "0"] {
        let res = sign_in(&app, from, CLIENT.0, CLIENT.1).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["ratelimit-policy"],
            "\"sign-in-address\";q=2;w=60"
        );
        let rl = res.headers()["ratelimit"].to_str().unwrap().to_owned();
        assert!(
            rl.starts_with(&format!("\"sign-in-address\";r={left};t=")),
            "{rl}"
        );
    }
    let res = sign_in(&app, from, CLIENT.0, CLIENT.1).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    let rl = res.headers()["ratelimit"].to_str().unwrap().to_owned();
    assert_eq!(rl, format!("\"sign-in-address\";r=0;t={retry}"));
    assert_problem(res, 429, "rate_limited").await;
    // Another address is not affected.
    assert_eq!(
        sign_in(&app, "192.0.2.34", CLIENT.0, CLIENT.1)
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn the_stateless_checks_are_rate_limited_per_address_and_per_account() {
    let app = TestApp::spawn_with(|s| {
        by_forwarded_for(s);
        s.rate_limits.checks.per_address = 3;
        s.rate_limits.checks.per_account = 2;
    })
    .await;
    let check = |from: &'static str, token: Option<String>| {
        let mut req = app
            .client
            .post(app.url("/domains/check"))
            .header("x-forwarded-for", from)
            .json(&json!({"names": ["www.certigna.fr"]}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let token = app.token(CLIENT).await;
    assert_eq!(
        check("192.0.2.50", Some(token.clone()))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        check("192.0.2.51", Some(token.clone()))
            .await
            .unwrap()
            .status(),
        200
    );
    // The account's quota is spent, whatever the address.
    let res = check("192.0.2.52", Some(token)).await.unwrap();
    assert_eq!(
        res.headers()["ratelimit-policy"],
        "\"checks-account\";q=2;w=60"
    );
    assert_problem(res, 429, "rate_limited").await;
    // Without a token, per address only.
    for _ in 0..3 {
        assert_eq!(check("192.0.2.60", None).await.unwrap().status(), 200);
    }
    assert_problem(
        check("192.0.2.60", None).await.unwrap(),
        429,
        "rate_limited",
    )
    .await;
}

#[actix_web::test]
async fn housekeeping_purges_expired_idempotency_keys_stale_login_failures_and_expired_refresh_tokens_in_bounded_runs(
) {
    let app = TestApp::spawn().await;
    let mut conn = app.connection();
    diesel::sql_query(
        "INSERT INTO idempotency_keys (account_id, scope, key, request_hash, status_code, response, created_at) \
         SELECT id, 'test', 'old-' || g, 'h', 200, '{}'::jsonb, now() - interval '25 hours' \
         FROM accounts, generate_series(1, 3) g WHERE username = 'demo.client' \
         UNION ALL \
         SELECT id, 'test', 'fresh', 'h', 200, '{}'::jsonb, now() - interval '1 hour' \
         FROM accounts WHERE username = 'demo.client'",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO login_failures (username, client_addr, failures, last_failure_at, locked_until) VALUES \
         ('stale', '192.0.2.1', 2, now() - interval '2 hours', NULL), \
         ('locked', '192.0.2.1', 9, now() - interval '2 hours', now() + interval '10 minutes'), \
         ('recent', '192.0.2.1', 1, now(), NULL)",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO login_address_failures (client_addr, failures, last_failure_at) VALUES \
         ('192.0.2.1', 12, now() - interval '2 hours')",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO refresh_tokens (id, family_id, account_id, token_hash, created_at, expires_at, used_at) \
         SELECT gen_random_uuid(), gen_random_uuid(), id, repeat(g::text, 64), now() - interval '31 days', \
                now() - CASE WHEN g < 4 THEN interval '1 day' ELSE interval '-1 day' END, \
                CASE WHEN g = 1 THEN now() - interval '30 days' END \
         FROM accounts, generate_series(1, 4) g WHERE username = 'demo.client'",
    )
    .execute(&mut conn)
    .unwrap();
    let policy = housekeeping::Policy {
        idempotency_ttl: std::time::Duration::from_secs(24 * 3600),
        login_failure_window: std::time::Duration::from_secs(900),
        batch: 2,
    };
    let now = chrono::Utc::now();
    let first = housekeeping::run_once(&app.db, None, policy, now)
        .await
        .unwrap();
    assert_eq!(first.idempotency_keys, 2, "at most one batch per run");
    let second = housekeeping::run_once(&app.db, None, policy, now)
        .await
        .unwrap();
    assert_eq!(second.idempotency_keys, 1);
    assert_eq!(first.login_failures + second.login_failures, 2);
    assert_eq!((first.refresh_tokens, second.refresh_tokens), (2, 1));
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM refresh_tokens WHERE expires_at > now()"),
        1,
        "the live token stays"
    );
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM idempotency_keys"),
        1
    );
    let left: Vec<String> =
        diesel::sql_query("SELECT username FROM login_failures ORDER BY username")
            .load::<Name>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|n| n.username)
            .collect();
    assert_eq!(left, ["locked", "recent"]);
    assert_eq!(
        app.sql_count("SELECT count(*) AS n FROM login_address_failures"),
        0
    );
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    username: String,
}
