//! CSRs and domain names through HTTP: the stateless checks, case 1 refusals on the order,
//! and case 2 key generation (encryption, the OpenSSL recipe, the bounded pool).

use base64::Engine;
use serde_json::{json, Value};

use crate::support::*;

async fn decode(app: &TestApp, csr: &str) -> Value {
    let res = app
        .client
        .post(app.url("/csr/decode"))
        .json(&json!({"csr_pem": csr}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn issue_codes(body: &Value) -> Vec<String> {
    body["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn every_csr_of_the_corpus_is_accepted_or_refused_for_its_own_reason() {
    let app = TestApp::spawn().await;
    let cases: &[(&str, &[&str])] = &[
        ("rsa2048_ok.pem", &[]),
        ("rsa3072_ok.pem", &[]),
        ("ec_p256_ok.pem", &[]),
        ("ec_p384_ok.pem", &[]),
        ("multi_san_ok.pem", &[]),
        ("new_label_ok.pem", &[]),
        ("wildcard_ok.pem", &[]),
        ("rsa1024_too_small.pem", &["key_too_small"]),
        ("rsa_exponent3.pem", &["key_exponent"]),
        ("ec_p521_curve.pem", &["key_curve"]),
        ("ec_secp256k1_curve.pem", &["key_curve"]),
        ("ec_brainpool_curve.pem", &["key_curve"]),
        ("ed25519_algorithm.pem", &["key_algorithm"]),
        ("dsa_algorithm.pem", &["key_algorithm"]),
        ("sha1_signature.pem", &["csr_signature_algorithm"]),
        ("bad_signature.pem", &["csr_bad_signature"]),
        ("san_ip.pem", &["domain_ip_address"]),
        ("san_email.pem", &["csr_san_email"]),
        ("san_uri.pem", &["csr_san_uri"]),
        ("cn_too_long.pem", &["csr_cn_too_long"]),
        ("no_names.pem", &["csr_no_names"]),
        ("multiple.pem", &["csr_multiple"]),
        ("certificate.pem", &["csr_is_certificate"]),
        ("private_key.pem", &["csr_is_private_key"]),
        ("public_key.pem", &["csr_is_public_key"]),
        ("truncated.pem", &["csr_truncated"]),
        ("junk.pem", &["csr_not_pem"]),
        ("san_localhost.pem", &["domain_reserved"]),
        ("cn_incomplete.pem", &["fqdn_incomplete"]),
    ];
    for (file, expected) in cases {
        let body = decode(&app, &fixture(file)).await;
        let mut codes = issue_codes(&body);
        codes.dedup();
        assert_eq!(codes, *expected, "{file}: {body}");
        assert_eq!(body["valid"], expected.is_empty(), "{file}");
        if !expected.is_empty() {
            assert!(
                body["issues"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|i| i["pointer"] == "/csr_pem"),
                "{file}"
            );
        }
    }
}

#[actix_web::test]
async fn a_csr_with_many_problems_gets_every_finding_not_one_vague_line() {
    let app = TestApp::spawn().await;
    let body = decode(&app, &fixture("many_problems.pem")).await;
    let codes = issue_codes(&body);
    for code in [
        "key_too_small",
        "csr_signature_algorithm",
        "domain_ip_address",
        "csr_san_email",
        "csr_san_uri",
    ] {
        assert!(
            codes.contains(&code.to_owned()),
            "{code} missing from {codes:?}"
        );
    }
    assert_eq!(
        body["csr"]["key"]["bits"], 1024,
        "the CSR is still decoded and shown"
    );
}

#[actix_web::test]
async fn der_bytes_sent_as_base64_without_armour_get_their_own_error_and_a_private_key_is_never_echoed(
) {
    let app = TestApp::spawn().await;
    let der = std::fs::read(format!(
        "{}/tests/fixtures/csr/der.bin",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    assert_eq!(issue_codes(&decode(&app, &b64).await), ["csr_not_pem"]);
    let key = fixture("private_key.pem");
    let body = decode(&app, &key).await;
    let key_line = key.lines().nth(1).unwrap();
    assert!(
        !body.to_string().contains(key_line),
        "the key was echoed back"
    );
}

#[actix_web::test]
async fn csr_findings_are_english_on_request() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/csr/decode"))
        .header("accept-language", "en")
        .json(&json!({"csr_pem": fixture("rsa1024_too_small.pem")}))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    let msg = body["issues"][0]["message"].as_str().unwrap();
    assert!(msg.contains("2048"), "{msg}");
    assert!(msg.is_ascii(), "English message expected: {msg}");
}

#[actix_web::test]
async fn a_wildcard_csr_is_refused_under_an_authority_without_wildcards() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/csr/decode"))
        .json(&json!({"csr_pem": fixture("wildcard_ok.pem"), "authority": "certigna-ssl"}))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert!(
        issue_codes(&body).contains(&"wildcard_not_allowed".to_owned()),
        "{body}"
    );
    let res = app
        .client
        .post(app.url("/csr/decode"))
        .json(&json!({"csr_pem": fixture("wildcard_ok.pem"), "authority": "certigna-ssl-wildcard"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["valid"], true);
}

#[actix_web::test]
async fn domains_check_gives_each_names_verdict_normal_form_registrable_domain_and_reasons() {
    let app = TestApp::spawn().await;
    let names = json!([
        "WWW.Certigna.FR.",
        "café.fr",
        "certigna",
        "gouv.fr",
        "192.0.2.1",
        "intranet.local",
        "*.certigna.fr",
        "a..b.fr",
        "-x.fr"
    ]);
    let res = app
        .client
        .post(app.url("/domains/check"))
        .json(&json!({"names": names}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let r = body["results"].as_array().unwrap();
    assert_eq!(r[0]["valid"], true);
    assert_eq!(r[0]["normalized"], "www.certigna.fr");
    assert_eq!(r[0]["registrable_domain"], "certigna.fr");
    assert_eq!(r[1]["normalized"], "xn--caf-dma.fr");
    assert_eq!(r[1]["unicode"], "café.fr");
    let first_code = |i: usize| r[i]["reasons"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(first_code(2), "fqdn_incomplete");
    assert!(r[2]["reasons"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Vous devez saisir un FQDN complet (« sousdomaine.domaine.tld »"));
    assert_eq!(r[2]["reasons"][0]["pointer"], "/names/2");
    assert_eq!(first_code(3), "fqdn_incomplete");
    assert_eq!(first_code(4), "domain_ip_address");
    assert_eq!(first_code(5), "domain_reserved");
    assert_eq!(
        r[6]["valid"], true,
        "no authority given: wildcards are not ruled out"
    );
    assert_eq!(r[6]["wildcard"], true);
    assert_eq!(r[7]["valid"], false);
    assert_eq!(r[8]["valid"], false);
    assert_eq!(body["valid"], false);
}

#[actix_web::test]
async fn domains_check_with_an_authority_applies_its_limit_wildcards_and_registrable_domain() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/domains/check"))
        .json(&json!({"names": ["www.certigna.fr", "certigna.fr", "www.certigna.fr", "www.google.fr", "*.certigna.fr"], "authority": "certigna-ssl"}))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    let list: Vec<(&str, &str)> = body["list_issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["pointer"].as_str().unwrap(), i["code"].as_str().unwrap()))
        .collect();
    assert!(
        list.contains(&("/names/3", "domain_outside_registrable")),
        "{list:?}"
    );
    assert_eq!(
        body["results"][4]["reasons"][0]["code"],
        "wildcard_not_allowed"
    );
    assert_eq!(
        body["domains"],
        json!(["www.certigna.fr", "certigna.fr"]),
        "duplicates merged"
    );
    let unknown = app
        .client
        .post(app.url("/domains/check"))
        .json(&json!({"names": ["a.fr"], "authority": "nope"}))
        .send()
        .await
        .unwrap();
    assert_problem(unknown, 422, "validation_failed").await;
}

#[actix_web::test]
async fn a_refused_csr_on_the_order_is_a_422_naming_each_rule_and_the_order_is_unchanged() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = app.create_order(&token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"generation_method": "csr", "csr_pem": fixture("many_problems.pem")}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let codes: Vec<String> = field_errors(&problem).into_iter().map(|(_, c)| c).collect();
    assert!(codes.len() >= 5, "{codes:?}");
    let read: Value = app
        .get(&format!("/orders/{oid}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert!(read["csr"].is_null());
    assert!(
        read["generation_method"].is_null(),
        "the whole PATCH was refused"
    );
    // an FQDN in case 1, or a CSR in case 2, is refused with its own code
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"generation_method": "csr"}),
    )
    .await;
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"fqdn": "www.certigna.fr"}),
        )
        .await;
    assert_eq!(
        field_errors(&assert_problem(res, 422, "validation_failed").await)[0].1,
        "fqdn_not_expected"
    );
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"generation_method": "generate"}),
    )
    .await;
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"csr_pem": fixture("ec_p256_ok.pem")}),
        )
        .await;
    assert_eq!(
        field_errors(&assert_problem(res, 422, "validation_failed").await)[0].1,
        "csr_not_expected"
    );
    let res = app
        .patch(
            &format!("/orders/{oid}"),
            &token,
            &json!({"fqdn": "certigna"}),
        )
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("/fqdn".to_owned(), "fqdn_incomplete".to_owned())]
    );
    assert_eq!(problem["errors"][0]["message"], "Vous devez saisir un FQDN complet (« sousdomaine.domaine.tld », par exemple www.certigna.fr)");
}

#[actix_web::test]
async fn generate_csr_encrypts_the_key_with_a_passphrase_and_openssl_can_read_it() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = case_two_order(&app, &token).await;
    let passphrase = "correct horse battery staple";
    let res = app
        .post(
            &format!("/orders/{oid}/generate-csr"),
            &token,
            &json!({"key_type": "rsa-2048", "passphrase": passphrase}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["private_key_encrypted"], true);
    let key = body["private_key_pem"].as_str().unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert_eq!(body["order"]["csr"]["key"]["algorithm"], "rsa");
    assert_eq!(body["order"]["csr"]["key"]["bits"], 2048);
    // the real openssl opens it with the passphrase, and the key matches the CSR
    let dir = std::env::temp_dir().join(format!("certorder-key-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "pkey",
            "-in",
            "key.pem",
            "-passin",
            &format!("pass:{passphrase}"),
            "-pubout",
        ])
        .current_dir(&dir)
        .output()
        .expect("openssl is installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.join("csr.pem"), body["csr_pem"].as_str().unwrap()).unwrap();
    let csr_pub = std::process::Command::new("openssl")
        .args(["req", "-in", "csr.pem", "-pubkey", "-noout"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&csr_pub.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        !captured_logs().contains(passphrase),
        "the passphrase reached the logs"
    );
    let short = app
        .post(
            &format!("/orders/{oid}/generate-csr"),
            &token,
            &json!({"passphrase": "short"}),
        )
        .await;
    let problem = assert_problem(short, 422, "validation_failed").await;
    assert_eq!(
        field_errors(&problem),
        vec![("/passphrase".to_owned(), "keygen_passphrase".to_owned())]
    );
}

#[actix_web::test]
async fn generate_csr_needs_case_two_and_an_fqdn_first() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let oid = app.create_order(&token).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(&format!("/orders/{oid}/generate-csr"), &token, &json!({}))
        .await;
    let problem = assert_problem(res, 422, "validation_failed").await;
    let errors = field_errors(&problem);
    assert!(
        errors.contains(&(
            "/generation_method".into(),
            "generation_method_not_generate".into()
        )),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("/fqdn".into(), "step_missing".into())),
        "{errors:?}"
    );
    let res = app
        .post(
            &format!("/orders/{oid}/generate-csr"),
            &token,
            &json!({"key_type": "dsa-1024"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
}

#[actix_web::test]
async fn with_server_side_generation_off_case_two_answers_an_openssl_recipe_for_the_same_names() {
    let app = TestApp::spawn_with(|s| s.server_keygen = false).await;
    let token = app.token(CLIENT).await;
    let oid = case_two_order(&app, &token).await;
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"additional_domains": ["certigna.fr"]}),
    )
    .await;
    let res = app
        .post(
            &format!("/orders/{oid}/generate-csr"),
            &token,
            &json!({"key_type": "ecdsa-p384"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["mode"], "openssl");
    assert!(body["private_key_pem"].is_null());
    let config = body["openssl"]["config"].as_str().unwrap();
    assert!(
        config.contains("www.certigna.fr") && config.contains("certigna.fr"),
        "{config}"
    );
    assert!(body["openssl"]["command"]
        .as_str()
        .unwrap()
        .contains("P-384"));
    assert!(
        body["order"]["csr"].is_null(),
        "nothing generated server-side"
    );
    // the recipe really makes a CSR the order accepts
    let dir = std::env::temp_dir().join(format!("certorder-recipe-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(body["openssl"]["config_file"].as_str().unwrap()),
        config,
    )
    .unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(body["openssl"]["command"].as_str().unwrap())
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csr =
        std::fs::read_to_string(dir.join(body["openssl"]["csr_file"].as_str().unwrap())).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    app.patch(
        &format!("/orders/{oid}"),
        &token,
        &json!({"generation_method": "csr"}),
    )
    .await;
    let res = app
        .patch(&format!("/orders/{oid}"), &token, &json!({"csr_pem": csr}))
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

#[actix_web::test]
async fn a_flood_of_key_generations_gets_503_with_retry_after_instead_of_stalling() {
    let app = TestApp::spawn_with(|s| {
        s.keygen_threads = 1;
        s.keygen_queue = 0;
    })
    .await;
    let token = app.token(CLIENT).await;
    let oid = case_two_order(&app, &token).await;
    let calls = (0..6).map(|_| {
        app.client
            .post(app.url(&format!("/orders/{oid}/generate-csr")))
            .bearer_auth(&token)
            .json(&json!({"key_type": "rsa-4096"}))
            .send()
    });
    let results = futures_util::future::join_all(calls).await;
    let mut ok = 0;
    let mut refused = 0;
    for r in results {
        let r = r.unwrap();
        match r.status().as_u16() {
            200 => ok += 1,
            503 => {
                assert!(r.headers().contains_key("retry-after"));
                assert_problem(r, 503, "service_unavailable").await;
                refused += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(ok >= 1 && refused >= 1, "ok {ok}, refused {refused}");
    // the server kept answering other requests
    assert_eq!(
        app.client
            .get(app.url("/health/live"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
