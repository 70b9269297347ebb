//! The stored shapes against `tests/fixtures/stored/`: JSON exactly as the code wrote it before
//! these types existed (c3abe60), i.e. what rows already in the database hold.
//!
//! NEVER regenerate those fixtures to make these tests pass. If a test here fails, the code
//! changed what is stored: existing rows would no longer read, or new rows would differ from
//! old ones. A new shape is a new version (`"v": 2`) read beside version 1, with fixtures of
//! its own; the version-1 fixtures stay as they are.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::csr::StoredCsr;
use super::domains::StoredDomains;
use super::holder::StoredHolder;
use super::life::StoredLife;
use super::payment::StoredPayment;
use super::submission::StoredSubmission;
use super::terms::StoredTerms;
use super::{read, write, Invalid};
use crate::domain::order::holder::Holder;
use crate::domain::order::life::Life;
use crate::domain::order::payment::Payment;
use crate::domain::order::submission::Submission;
use crate::domain::order::{CsrRecord, TermsAcceptance};

/// The fixture `tests/fixtures/stored/<name>.json`.
pub(crate) fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/stored/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `value` with the version this code writes added (objects only: an array has no room).
pub(crate) fn versioned(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.insert("v".to_owned(), json!(1));
    }
    value
}

/// Reads the fixture into the domain through `S`, writes it back through `S`: the same JSON
/// plus `"v": 1`; and the written JSON reads back to the same domain value.
fn round_trips<S, D>(name: &str) -> D
where
    S: Serialize + DeserializeOwned + for<'a> From<&'a D>,
    D: TryFrom<S, Error = Invalid> + PartialEq + Debug,
{
    let stored = fixture(name);
    let domain: D = read::<S, D>(name, stored.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = write::<S, D>(&domain).unwrap();
    assert_eq!(
        written,
        versioned(stored),
        "{name}: written back differently"
    );
    let again: D = read::<S, D>(name, written).unwrap();
    assert_eq!(
        again, domain,
        "{name}: the written JSON reads back differently"
    );
    domain
}

#[test]
fn each_stored_fixture_reads_into_the_domain_and_writes_back_the_same_json_with_its_version() {
    let csr: CsrRecord = round_trips::<StoredCsr, _>("csr");
    assert_eq!(csr.names, ["www.certigna.fr"]);
    let holder: Holder = round_trips::<StoredHolder, _>("holder");
    assert!(holder.certificate_manager.is_some());
    let payment: Payment = round_trips::<StoredPayment, _>("payment");
    assert!(payment.purchase_order().is_some());
    let _: TermsAcceptance = round_trips::<StoredTerms, _>("terms");
    let submission: Submission = round_trips::<StoredSubmission, _>("submitted");
    assert_eq!(submission.authority.id, "certigna-ssl-rgs");
    let life: Life = round_trips::<StoredLife, _>("life");
    assert!(life.payment.is_some() && life.approval.is_some());
    assert!(life.certificate.is_some() && life.acceptance.is_some());
    let renewing: Life = round_trips::<StoredLife, _>("life_renewing");
    assert_eq!(renewing.plan.map(|p| p.issued), Some(1));
    assert_eq!(
        renewing.renewal.map(|r| r.csr.names),
        Some(vec!["www.certigna.fr".to_owned()])
    );
    let domains: Vec<String> = round_trips::<StoredDomains, _>("additional_domains");
    assert!(domains.is_empty());
}

#[test]
fn a_document_without_a_version_reads_as_version_1_and_a_later_version_is_refused() {
    let terms = fixture("terms");
    assert!(terms.get("v").is_none(), "the fixtures predate versions");
    assert!(read::<StoredTerms, TermsAcceptance>("terms", terms.clone()).is_ok());
    let mut later = terms;
    later["v"] = json!(2);
    let err = read::<StoredTerms, TermsAcceptance>("terms", later).unwrap_err();
    assert!(err.to_string().contains("version 2"), "{err}");
}

#[test]
fn an_empty_life_of_old_rows_reads_and_is_written_with_its_version_only() {
    let life: Life = read::<StoredLife, _>("life", json!({})).unwrap();
    assert_eq!(life, Life::default());
    assert_eq!(write::<StoredLife, _>(&life).unwrap(), json!({"v": 1}));
}

#[test]
fn a_stored_value_that_the_domain_refuses_is_reported_as_corrupt_with_its_column() {
    let mut holder = fixture("holder");
    holder["contact"]["email"] = json!("not an e-mail");
    let err = read::<StoredHolder, Holder>("holder", holder).unwrap_err();
    assert!(err.to_string().contains("orders.holder"), "{err}");
    assert!(err.to_string().contains("contact.email"), "{err}");
}

/// Every field name of every object in `value`, as `path.name` (array items as `[]`).
fn field_paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = format!("{prefix}.{k}");
                field_paths(v, &path, out);
                out.push(path);
            }
        }
        Value::Array(items) => {
            for item in items {
                field_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// The stored types, built by hand here (no domain value, no domain serde involved), write
/// exactly the field names the fixtures hold: the stored shape is spelled in `stored/`, so a
/// field renamed in the domain or in an API DTO cannot reach the database.
#[test]
fn the_stored_types_alone_write_the_field_names_of_the_fixtures() {
    for name in [
        "csr",
        "holder",
        "payment",
        "terms",
        "submitted",
        "life",
        "life_renewing",
        "additional_domains",
    ] {
        let stored = fixture(name);
        let rewritten = match name {
            "csr" => to_stored_and_back::<StoredCsr>(&stored),
            "holder" => to_stored_and_back::<StoredHolder>(&stored),
            "payment" => to_stored_and_back::<StoredPayment>(&stored),
            "terms" => to_stored_and_back::<StoredTerms>(&stored),
            "submitted" => to_stored_and_back::<StoredSubmission>(&stored),
            "life" | "life_renewing" => to_stored_and_back::<StoredLife>(&stored),
            _ => to_stored_and_back::<StoredDomains>(&stored),
        };
        let (mut want, mut got) = (Vec::new(), Vec::new());
        field_paths(&versioned(stored), "", &mut want);
        field_paths(&rewritten, "", &mut got);
        want.sort();
        want.dedup();
        got.sort();
        got.dedup();
        assert_eq!(got, want, "{name}: field names");
    }
}

fn to_stored_and_back<S: Serialize + DeserializeOwned>(value: &Value) -> Value {
    serde_json::to_value(serde_json::from_value::<S>(value.clone()).expect("the fixture reads"))
        .unwrap()
}

/// Compiles only if `$t` implements neither `Serialize` nor `Deserialize`: these domain
/// values reach the database through the stored types alone, so renaming one of their fields
/// can only break the build of the conversions, never change the stored JSON silently.
/// (Holder and Payment keep the serde of the API's request/response shape; the stored
/// types spell their own names all the same.)
macro_rules! assert_no_serde {
    ($($t:ty),+ $(,)?) => {
        $(const _: fn() = || {
            trait NotSerialize<A> {
                fn check() {}
            }
            impl<T: ?Sized> NotSerialize<()> for T {}
            impl<T: ?Sized + serde::Serialize> NotSerialize<u8> for T {}
            trait NotDeserialize<A> {
                fn check() {}
            }
            impl<T: ?Sized> NotDeserialize<()> for T {}
            impl<T: ?Sized + serde::de::DeserializeOwned> NotDeserialize<u8> for T {}
            // ambiguous, hence a compile error, as soon as the second impl applies
            <$t as NotSerialize<_>>::check();
            <$t as NotDeserialize<_>>::check();
        };)+
    };
}

assert_no_serde!(
    Life,
    crate::domain::order::life::CertificateRef,
    crate::domain::order::life::Acceptance,
    crate::domain::order::life::IssuanceSource,
    CsrRecord,
    crate::domain::order::CsrOrigin,
    crate::domain::pki::csr::CsrDetails,
    TermsAcceptance,
    Submission,
);
