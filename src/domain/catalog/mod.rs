//! The catalogue: which certificate authorities ("autorités") can be ordered, for how long,
//! with how many extra domains, at what price, paid how; the current CGU; the key types offered
//! for generation; and the CA/Browser Forum schedule of maximum certificate lifetimes.
//!
//! It is data, not code: a versioned JSON file (`data/catalog.json`, bundled with
//! `include_str!`) that an operator replaces. [`Catalog::from_json`] refuses unknown fields and
//! checks the file's own consistency, so a `Catalog` that exists is usable.

pub(crate) mod pricing;

use std::collections::HashSet;
use std::fmt;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::shared::issue::{Code, FieldIssue};
use crate::domain::shared::money::Currency;
use crate::domain::shared::payment_method::PaymentMethod;

/// Highest price accepted in the catalogue file, in cents (1,000,000 €), so prices stay far
/// from integer overflow.
pub const MAX_PRICE_CENTS: i64 = 100_000_000;
/// Highest `max_additional_domains` accepted in the catalogue file.
pub const MAX_ADDITIONAL_DOMAINS: u32 = 1000;

/// Key types offered by `POST /orders/{id}/generate-csr` (the key generator's own type).
pub use crate::domain::pki::keygen::KeyType;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyTypeEntry {
    pub id: KeyType,
    pub label_fr: String,
    pub label_en: String,
    /// Exactly one entry of the catalogue is the default.
    pub default: bool,
}

/// The current general terms of use ("conditions générales d'utilisation", CGU).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    pub version: String,
    pub url: String,
}

/// `SSL` (Pack SSL) or `SSL RGS*` (French government security baseline, needs a named
/// "responsable du certificat"). Wire names `ssl`, `ssl_rgs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductLine {
    Ssl,
    SslRgs,
}

impl ProductLine {
    pub fn label(self) -> &'static str {
        match self {
            ProductLine::Ssl => "SSL",
            ProductLine::SslRgs => "SSL RGS*",
        }
    }
}

/// One orderable certificate product of an authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    /// Stable id used by `PATCH /orders/{id}` `authority` (lowercase letters, digits, `-`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The issuing certification authority (printed on the form).
    pub issuer: String,
    pub product_line: ProductLine,
    /// Offered durations, whole years expressed in months (12, 24, 36).
    pub durations_months: Vec<u32>,
    /// How many names may be added beyond the primary FQDN.
    pub max_additional_domains: u32,
    /// Whether a leftmost `*` label is allowed.
    pub wildcard_allowed: bool,
    /// Whether extra names may belong to another registrable domain than the primary name.
    pub additional_domains_any_registrable_domain: bool,
    /// Price excl. VAT per year, in cents.
    pub price_per_year_cents: i64,
    /// Price excl. VAT per extra domain and per year, in cents.
    pub price_per_additional_domain_per_year_cents: i64,
    pub payment_methods: Vec<PaymentMethod>,
    /// Whether the holder step must name a "responsable du certificat" (SSL RGS*).
    pub requires_certificate_manager: bool,
    /// What happens after "Commander": acceptance of the certificate and refunds.
    pub after_commander: AfterCommander,
}

/// The product's rules after "Commander" (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterCommander {
    /// Whether the customer must accept the issued certificate explicitly (BR §9.6.3;
    /// Certigna's "Accepter / Refuser" for SSL RGS*). `false`: accepted at issuance.
    pub acceptance_required: bool,
    /// Business days (French public holidays excluded) after issuance to accept; past them
    /// the certificate is revoked without refund. Ignored when acceptance is implicit.
    pub acceptance_business_days: u32,
    /// Days after "Commander" within which a paid order cancelled before issuance is
    /// refunded.
    pub refund_window_days: u32,
}

impl Authority {
    pub fn allows_duration(&self, months: u32) -> bool {
        self.durations_months.contains(&months)
    }

    pub fn allows_payment(&self, method: PaymentMethod) -> bool {
        self.payment_methods.contains(&method)
    }
}

/// From `from` on, a newly issued certificate lives at most `max_days` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifetimeStep {
    pub from: NaiveDate,
    pub max_days: u32,
}

/// The maximum-validity schedule (CA/Browser Forum ballot SC-081): non-empty, dates strictly
/// increasing, every `max_days` ≥ 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<LifetimeStep>", into = "Vec<LifetimeStep>")]
pub struct LifetimeSchedule(Vec<LifetimeStep>);

impl LifetimeSchedule {
    pub fn new(steps: Vec<LifetimeStep>) -> Result<Self, CatalogProblem> {
        if steps.is_empty() {
            return Err(CatalogProblem::LifetimeEmpty);
        }
        if let Some(step) = steps.iter().find(|s| s.max_days == 0) {
            return Err(CatalogProblem::LifetimeZeroDays(step.from));
        }
        if let Some(pair) = steps.windows(2).find(|w| w[0].from >= w[1].from) {
            return Err(CatalogProblem::LifetimeNotIncreasing(pair[1].from));
        }
        Ok(Self(steps))
    }

    pub fn steps(&self) -> &[LifetimeStep] {
        &self.0
    }

    /// The longest validity, in days, of a certificate issued on `date`. Dates before the
    /// first step use the first step.
    pub fn max_days_on(&self, date: NaiveDate) -> u32 {
        self.0
            .iter()
            .rev()
            .find(|s| s.from <= date)
            .unwrap_or(&self.0[0])
            .max_days
    }
}

impl TryFrom<Vec<LifetimeStep>> for LifetimeSchedule {
    type Error = CatalogProblem;
    fn try_from(steps: Vec<LifetimeStep>) -> Result<Self, Self::Error> {
        Self::new(steps)
    }
}

impl From<LifetimeSchedule> for Vec<LifetimeStep> {
    fn from(schedule: LifetimeSchedule) -> Self {
        schedule.0
    }
}

/// One certificate of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCertificate {
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub validity_days: u32,
}

/// How a subscription of `duration_months` is covered by certificates whose lifetime the
/// schedule caps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificatePlan {
    /// Validity of the first certificate, issued at the start.
    pub certificate_validity_days: u32,
    /// How many certificates are issued over the subscription.
    pub issuances: u32,
    /// Start + duration (chrono month arithmetic: 31 January + 1 month = end of February).
    pub subscription_end: NaiveDate,
    pub certificates: Vec<PlannedCertificate>,
}

/// Simulates the subscription: a certificate is issued at `start` for the longest validity
/// allowed on that day; when it expires the next one is issued under the rule of *its* issue
/// day; and so on until `start + duration_months`. The last certificate is cut at the end of
/// the subscription (a certificate never outlives what was paid for), so validities add up to
/// exactly the subscription's length in days. A zero duration plans no certificate.
pub fn certificate_plan(
    schedule: &LifetimeSchedule,
    start: NaiveDate,
    duration_months: u32,
) -> CertificatePlan {
    let subscription_end = start
        .checked_add_months(Months::new(duration_months))
        .unwrap_or(NaiveDate::MAX);
    let mut certificates = Vec::new();
    let mut issued_on = start;
    while issued_on < subscription_end {
        let remaining = (subscription_end - issued_on).num_days();
        let validity_days =
            u32::try_from(remaining.min(i64::from(schedule.max_days_on(issued_on))))
                .expect("between 1 and a u32 max_days");
        let expires_on = issued_on + chrono::Days::new(u64::from(validity_days));
        certificates.push(PlannedCertificate {
            issued_on,
            expires_on,
            validity_days,
        });
        issued_on = expires_on;
    }
    CertificatePlan {
        certificate_validity_days: certificates.first().map_or(0, |c| c.validity_days),
        issuances: u32::try_from(certificates.len()).unwrap_or(u32::MAX),
        subscription_end,
        certificates,
    }
}

/// A consistency problem of the catalogue file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogProblem {
    #[error("catalog_version is empty")]
    VersionEmpty,
    #[error("vat_rate_basis_points {0} is above 10000 (100 %)")]
    VatRate(u32),
    #[error("terms.version is empty")]
    TermsVersionEmpty,
    #[error("terms.url `{0}` is not an https:// URL")]
    TermsUrl(String),
    #[error("key_types is empty")]
    NoKeyTypes,
    #[error("key type `{0}` is listed twice")]
    DuplicateKeyType(&'static str),
    #[error("key_types must have exactly one default, found {0}")]
    KeyTypeDefaults(usize),
    #[error("certificate_lifetime is empty")]
    LifetimeEmpty,
    #[error("certificate_lifetime step from {0} has max_days 0")]
    LifetimeZeroDays(NaiveDate),
    #[error("certificate_lifetime dates must strictly increase (at {0})")]
    LifetimeNotIncreasing(NaiveDate),
    #[error("authorities is empty")]
    NoAuthorities,
    #[error("authority id `{0}` is not lowercase letters, digits and `-`")]
    AuthorityId(String),
    #[error("authority id `{0}` is listed twice")]
    DuplicateAuthority(String),
    #[error("authority `{0}`: {1} is empty")]
    EmptyText(String, &'static str),
    #[error("authority `{0}`: durations_months is empty")]
    NoDurations(String),
    #[error("authority `{0}`: duration {1} months is not a positive whole number of years")]
    Duration(String, u32),
    #[error("authority `{0}`: duration {1} months is listed twice")]
    DuplicateDuration(String, u32),
    #[error("authority `{0}`: {1} must be between 0 and {MAX_PRICE_CENTS} cents")]
    PriceRange(String, &'static str),
    #[error("authority `{0}`: max_additional_domains is above {MAX_ADDITIONAL_DOMAINS}")]
    TooManyAdditionalDomains(String),
    #[error("authority `{0}`: payment_methods is empty")]
    NoPaymentMethods(String),
    #[error("authority `{0}`: payment method `{1}` is listed twice")]
    DuplicatePaymentMethod(String, &'static str),
    #[error("authority `{0}`: an ssl_rgs product requires a certificate manager")]
    RgsWithoutCertificateManager(String),
    #[error("authority `{0}`: acceptance is required but its deadline is 0 business days")]
    AcceptanceWithoutDeadline(String),
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the catalogue is not JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the catalogue is inconsistent: {}", Problems(.0))]
    Invalid(Vec<CatalogProblem>),
}

struct Problems<'a>(&'a [CatalogProblem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// BR 4.2.1 (ballot SC-081): 398 days, then 200 from 2026-03-15, 100 from 2027-03-15 and
/// 10 from 2029-03-15.
fn default_domain_validation_reuse() -> LifetimeSchedule {
    let step = |y, m, d, days| LifetimeStep {
        from: NaiveDate::from_ymd_opt(y, m, d).expect("a date"),
        max_days: days,
    };
    LifetimeSchedule(vec![
        step(2020, 9, 1, 398),
        step(2026, 3, 15, 200),
        step(2027, 3, 15, 100),
        step(2029, 3, 15, 10),
    ])
}

fn default_organization_validation_reuse_days() -> u32 {
    398
}

/// The file's shape, before its consistency is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    catalog_version: String,
    /// True while the prices are the example ones shipped with the code.
    example_prices: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    currency: Currency,
    vat_rate_basis_points: u32,
    terms: Terms,
    key_types: Vec<KeyTypeEntry>,
    certificate_lifetime: LifetimeSchedule,
    /// How long a domain control may be reused (BR 4.2.1), same shape as the lifetimes.
    #[serde(default = "default_domain_validation_reuse")]
    domain_validation_reuse: LifetimeSchedule,
    /// How long the organization's validation may be reused, in days (BR 4.2.1: 398).
    #[serde(default = "default_organization_validation_reuse_days")]
    organization_validation_reuse_days: u32,
    authorities: Vec<Authority>,
}

/// A loaded, self-consistent catalogue. Serializes back to the file's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CatalogFile", into = "CatalogFile")]
pub struct Catalog(CatalogFile);

impl TryFrom<CatalogFile> for Catalog {
    type Error = CatalogError;
    fn try_from(file: CatalogFile) -> Result<Self, CatalogError> {
        let problems = check(&file);
        if problems.is_empty() {
            Ok(Catalog(file))
        } else {
            Err(CatalogError::Invalid(problems))
        }
    }
}

impl From<Catalog> for CatalogFile {
    fn from(catalog: Catalog) -> Self {
        catalog.0
    }
}

fn check(file: &CatalogFile) -> Vec<CatalogProblem> {
    use CatalogProblem as P;
    let mut problems = Vec::new();
    if file.catalog_version.trim().is_empty() {
        problems.push(P::VersionEmpty);
    }
    if file.vat_rate_basis_points > 10_000 {
        problems.push(P::VatRate(file.vat_rate_basis_points));
    }
    if file.terms.version.trim().is_empty() {
        problems.push(P::TermsVersionEmpty);
    }
    if !file.terms.url.starts_with("https://") || file.terms.url.len() <= "https://".len() {
        problems.push(P::TermsUrl(file.terms.url.clone()));
    }
    if file.key_types.is_empty() {
        problems.push(P::NoKeyTypes);
    } else {
        let defaults = file.key_types.iter().filter(|k| k.default).count();
        if defaults != 1 {
            problems.push(P::KeyTypeDefaults(defaults));
        }
    }
    let mut seen_keys = HashSet::new();
    for k in &file.key_types {
        if !seen_keys.insert(k.id) {
            problems.push(P::DuplicateKeyType(k.id.as_str()));
        }
    }
    if file.authorities.is_empty() {
        problems.push(P::NoAuthorities);
    }
    let mut seen_ids = HashSet::new();
    for a in &file.authorities {
        let id = || a.id.clone();
        let id_ok = !a.id.is_empty()
            && a.id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            problems.push(P::AuthorityId(id()));
        }
        if !seen_ids.insert(a.id.as_str()) {
            problems.push(P::DuplicateAuthority(id()));
        }
        if a.name.trim().is_empty() {
            problems.push(P::EmptyText(id(), "name"));
        }
        if a.issuer.trim().is_empty() {
            problems.push(P::EmptyText(id(), "issuer"));
        }
        if a.durations_months.is_empty() {
            problems.push(P::NoDurations(id()));
        }
        let mut seen_durations = HashSet::new();
        for &d in &a.durations_months {
            if d == 0 || d % 12 != 0 || d > 120 {
                problems.push(P::Duration(id(), d));
            }
            if !seen_durations.insert(d) {
                problems.push(P::DuplicateDuration(id(), d));
            }
        }
        for (value, field) in [
            (a.price_per_year_cents, "price_per_year_cents"),
            (
                a.price_per_additional_domain_per_year_cents,
                "price_per_additional_domain_per_year_cents",
            ),
        ] {
            if !(0..=MAX_PRICE_CENTS).contains(&value) {
                problems.push(P::PriceRange(id(), field));
            }
        }
        if a.max_additional_domains > MAX_ADDITIONAL_DOMAINS {
            problems.push(P::TooManyAdditionalDomains(id()));
        }
        if a.payment_methods.is_empty() {
            problems.push(P::NoPaymentMethods(id()));
        }
        let mut seen_methods = HashSet::new();
        for &m in &a.payment_methods {
            if !seen_methods.insert(m) {
                problems.push(P::DuplicatePaymentMethod(id(), m.as_str()));
            }
        }
        if a.product_line == ProductLine::SslRgs && !a.requires_certificate_manager {
            problems.push(P::RgsWithoutCertificateManager(id()));
        }
        if a.after_commander.acceptance_required && a.after_commander.acceptance_business_days == 0
        {
            problems.push(P::AcceptanceWithoutDeadline(id()));
        }
    }
    problems
}

const BUNDLED: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/catalog.json"));

impl Catalog {
    /// Parses and checks a catalogue file. Unknown fields, unknown payment methods, key types,
    /// product lines or currencies are refused; then every consistency problem is listed.
    pub fn from_json(json: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = serde_json::from_str(json)?;
        Catalog::try_from(file)
    }

    /// The catalogue shipped with the code (`data/catalog.json`, example prices).
    pub fn bundled() -> Catalog {
        Catalog::from_json(BUNDLED).expect("the bundled data/catalog.json is valid")
    }

    pub fn version(&self) -> &str {
        &self.0.catalog_version
    }

    /// True while the prices are the example ones shipped with the code.
    pub fn example_prices(&self) -> bool {
        self.0.example_prices
    }

    pub fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    pub fn currency(&self) -> Currency {
        self.0.currency
    }

    /// VAT rate in basis points (2000 = 20 %).
    pub fn vat_rate_basis_points(&self) -> u32 {
        self.0.vat_rate_basis_points
    }

    pub fn terms(&self) -> &Terms {
        &self.0.terms
    }

    pub fn key_types(&self) -> &[KeyTypeEntry] {
        &self.0.key_types
    }

    pub fn default_key_type(&self) -> KeyType {
        self.0
            .key_types
            .iter()
            .find(|k| k.default)
            .expect("a checked catalogue has one default key type")
            .id
    }

    pub fn offers_key_type(&self, key_type: KeyType) -> bool {
        self.0.key_types.iter().any(|k| k.id == key_type)
    }

    pub fn lifetime(&self) -> &LifetimeSchedule {
        &self.0.certificate_lifetime
    }

    /// The domain control reuse period (days) in force on each date.
    pub fn domain_validation_reuse(&self) -> &LifetimeSchedule {
        &self.0.domain_validation_reuse
    }

    /// How long the organization's validation is reusable, in days.
    pub fn organization_validation_reuse_days(&self) -> u32 {
        self.0.organization_validation_reuse_days
    }

    pub fn authorities(&self) -> &[Authority] {
        &self.0.authorities
    }

    pub fn authority(&self, id: &str) -> Option<&Authority> {
        self.0.authorities.iter().find(|a| a.id == id)
    }
}

/// The authority an order names, or an `authority_unknown` issue at `pointer`.
pub fn find_authority<'a>(
    catalog: &'a Catalog,
    id: &str,
    pointer: &str,
) -> Result<&'a Authority, FieldIssue> {
    catalog.authority(id).ok_or_else(|| {
        let known = catalog
            .authorities()
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        FieldIssue::new(
            pointer,
            Code::AuthorityUnknown,
            format!("L'autorité « {id} » n'existe pas dans le catalogue ; autorités proposées : {known}."),
            format!("Authority `{id}` is not in the catalogue; offered authorities: {known}."),
        )
    })
}

/// `duration_not_allowed` at `pointer` unless the authority offers `months`.
pub fn check_duration(authority: &Authority, months: u32, pointer: &str) -> Result<(), FieldIssue> {
    if authority.allows_duration(months) {
        return Ok(());
    }
    let offered = authority
        .durations_months
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Err(FieldIssue::new(
        pointer,
        Code::DurationNotAllowed,
        format!(
            "La durée de {months} mois n'est pas proposée pour « {} » ; durées proposées (mois) : {offered}.",
            authority.name
        ),
        format!(
            "A duration of {months} months is not offered for {}; offered durations (months): {offered}.",
            authority.name
        ),
    ))
}

/// `terms_not_current` at `pointer` unless `accepted_version` is the current CGU version.
pub fn check_terms(terms: &Terms, accepted_version: &str, pointer: &str) -> Result<(), FieldIssue> {
    if accepted_version.trim() == terms.version {
        return Ok(());
    }
    Err(FieldIssue::new(
        pointer,
        Code::TermsNotCurrent,
        format!(
            "Vous devez accepter la version en vigueur des CGU ({}, {}), pas « {} ».",
            terms.version, terms.url, accepted_version
        ),
        format!(
            "You must accept the current terms of use ({}, {}), not `{}`.",
            terms.version, terms.url, accepted_version
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn bundled_value() -> Value {
        serde_json::from_str(BUNDLED).unwrap()
    }

    fn problems(value: Value) -> Vec<CatalogProblem> {
        match Catalog::from_json(&value.to_string()) {
            Err(CatalogError::Invalid(p)) => p,
            other => panic!("expected consistency problems, got {other:?}"),
        }
    }

    #[test]
    fn the_bundled_catalogue_loads_and_has_the_three_example_authorities() {
        let c = Catalog::bundled();
        assert_eq!(c.version(), "2026-11-01");
        assert!(c.example_prices());
        assert_eq!(c.currency(), Currency::Eur);
        assert_eq!(c.vat_rate_basis_points(), 2000);
        assert_eq!(c.terms().version, "CGU-2026-09");
        assert_eq!(c.default_key_type(), KeyType::EcdsaP256);
        assert!(c.offers_key_type(KeyType::Rsa4096));
        let ids: Vec<_> = c.authorities().iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            ["certigna-ssl", "certigna-ssl-wildcard", "certigna-ssl-rgs"]
        );
    }

    #[test]
    fn the_rgs_authority_needs_a_certificate_manager_and_takes_public_payment_methods() {
        let c = Catalog::bundled();
        let rgs = c.authority("certigna-ssl-rgs").unwrap();
        assert_eq!(rgs.product_line, ProductLine::SslRgs);
        assert!(rgs.requires_certificate_manager);
        assert!(rgs.allows_payment(PaymentMethod::PurchaseOrder));
        assert!(rgs.allows_payment(PaymentMethod::AdministrativeMandate));
        assert!(!rgs.allows_payment(PaymentMethod::Card));
        let ssl = c.authority("certigna-ssl").unwrap();
        assert!(ssl.allows_payment(PaymentMethod::Card));
        assert!(!ssl.allows_payment(PaymentMethod::PurchaseOrder));
        assert!(ssl.allows_duration(24));
        assert!(!ssl.allows_duration(18));
        assert!(c.authority("nope").is_none());
    }

    #[test]
    fn the_catalogue_serializes_back_to_the_same_json() {
        let c = Catalog::bundled();
        assert_eq!(serde_json::to_value(&c).unwrap(), bundled_value());
        let again: Catalog = serde_json::from_value(bundled_value()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let mut v = bundled_value();
        v["authorities"][0]["colour"] = json!("blue");
        assert!(matches!(
            Catalog::from_json(&v.to_string()),
            Err(CatalogError::Json(_))
        ));
        let mut v = bundled_value();
        v["extra"] = json!(1);
        assert!(matches!(
            Catalog::from_json(&v.to_string()),
            Err(CatalogError::Json(_))
        ));
    }

    #[test]
    fn an_unknown_payment_method_or_key_type_is_refused() {
        let mut v = bundled_value();
        v["authorities"][0]["payment_methods"] = json!(["card", "paypal"]);
        assert!(matches!(
            Catalog::from_json(&v.to_string()),
            Err(CatalogError::Json(_))
        ));
        let mut v = bundled_value();
        v["key_types"][0]["id"] = json!("ed25519");
        assert!(matches!(
            Catalog::from_json(&v.to_string()),
            Err(CatalogError::Json(_))
        ));
    }

    #[test]
    fn every_consistency_problem_is_listed_at_once() {
        let mut v = bundled_value();
        v["authorities"][1]["id"] = json!("certigna-ssl");
        v["authorities"][0]["durations_months"] = json!([]);
        v["authorities"][2]["durations_months"] = json!([12, 18, 12]);
        v["authorities"][2]["requires_certificate_manager"] = json!(false);
        v["authorities"][0]["payment_methods"] = json!(["card", "card"]);
        v["authorities"][0]["price_per_year_cents"] = json!(-1);
        v["key_types"][1]["default"] = json!(true);
        v["terms"]["url"] = json!("http://example.com");
        let p = problems(v);
        let s = "certigna-ssl".to_string();
        let rgs = "certigna-ssl-rgs".to_string();
        for expected in [
            CatalogProblem::DuplicateAuthority(s.clone()),
            CatalogProblem::NoDurations(s.clone()),
            CatalogProblem::Duration(rgs.clone(), 18),
            CatalogProblem::DuplicateDuration(rgs.clone(), 12),
            CatalogProblem::RgsWithoutCertificateManager(rgs),
            CatalogProblem::DuplicatePaymentMethod(s.clone(), "card"),
            CatalogProblem::PriceRange(s, "price_per_year_cents"),
            CatalogProblem::KeyTypeDefaults(2),
            CatalogProblem::TermsUrl("http://example.com".into()),
        ] {
            assert!(p.contains(&expected), "missing {expected:?} in {p:?}");
        }
        let message = CatalogError::Invalid(p).to_string();
        assert!(message.contains("listed twice"), "{message}");
    }

    #[test]
    fn a_lifetime_schedule_must_be_increasing_and_positive() {
        let mut v = bundled_value();
        v["certificate_lifetime"] = json!([
            {"from": "2027-03-15", "max_days": 99},
            {"from": "2026-03-15", "max_days": 199}
        ]);
        assert!(Catalog::from_json(&v.to_string()).is_err());
        assert_eq!(
            LifetimeSchedule::new(vec![]),
            Err(CatalogProblem::LifetimeEmpty)
        );
        assert_eq!(
            LifetimeSchedule::new(vec![LifetimeStep {
                from: date("2026-03-15"),
                max_days: 0
            }]),
            Err(CatalogProblem::LifetimeZeroDays(date("2026-03-15")))
        );
    }

    #[test]
    fn the_maximum_validity_follows_ballot_sc081() {
        let c = Catalog::bundled();
        let s = c.lifetime();
        assert_eq!(s.max_days_on(date("2026-03-14")), 398);
        assert_eq!(s.max_days_on(date("2026-03-15")), 199);
        assert_eq!(s.max_days_on(date("2027-03-14")), 199);
        assert_eq!(s.max_days_on(date("2027-03-15")), 99);
        assert_eq!(s.max_days_on(date("2029-03-14")), 99);
        assert_eq!(s.max_days_on(date("2029-03-15")), 46);
        assert_eq!(s.max_days_on(date("2040-01-01")), 46);
        assert_eq!(s.max_days_on(date("2010-01-01")), 398);
    }

    #[test]
    fn twelve_months_from_november_2026_take_three_certificates() {
        let c = Catalog::bundled();
        let plan = certificate_plan(c.lifetime(), date("2026-11-25"), 12);
        assert_eq!(plan.subscription_end, date("2027-11-25"));
        assert_eq!(plan.certificate_validity_days, 199);
        assert_eq!(plan.issuances, 3);
        let days: Vec<_> = plan.certificates.iter().map(|c| c.validity_days).collect();
        // 199 days to 2027-06-12 (issued before 15 March 2027), then 99 days, then the rest.
        assert_eq!(days, [199, 99, 67]);
        assert_eq!(plan.certificates[1].issued_on, date("2027-06-12"));
        assert_eq!(plan.certificates[2].issued_on, date("2027-09-19"));
    }

    #[test]
    fn thirty_six_months_crossing_march_2029_switch_to_46_day_certificates() {
        let c = Catalog::bundled();
        let plan = certificate_plan(c.lifetime(), date("2026-11-25"), 36);
        assert_eq!(plan.subscription_end, date("2029-11-25"));
        assert_eq!(plan.certificate_validity_days, 199);
        let days: Vec<_> = plan.certificates.iter().map(|c| c.validity_days).collect();
        assert_eq!(days, [199, 99, 99, 99, 99, 99, 99, 99, 46, 46, 46, 46, 20]);
        assert_eq!(plan.issuances, 13);
        // The 99-day certificate issued on 2029-01-26 runs past 15 March 2029 unchanged.
        assert_eq!(plan.certificates[7].issued_on, date("2029-01-26"));
        assert_eq!(plan.certificates[8].issued_on, date("2029-05-05"));
    }

    #[test]
    fn a_year_starting_before_march_2026_is_one_certificate_cut_to_the_year() {
        let c = Catalog::bundled();
        let plan = certificate_plan(c.lifetime(), date("2026-01-10"), 12);
        assert_eq!(plan.issuances, 1);
        assert_eq!(plan.certificate_validity_days, 365);
    }

    #[test]
    fn a_zero_duration_plans_no_certificate() {
        let c = Catalog::bundled();
        let plan = certificate_plan(c.lifetime(), date("2026-11-25"), 0);
        assert_eq!((plan.issuances, plan.certificate_validity_days), (0, 0));
        assert_eq!(plan.subscription_end, date("2026-11-25"));
    }

    #[test]
    fn an_unknown_authority_is_reported_with_the_offered_ids() {
        let c = Catalog::bundled();
        assert!(find_authority(&c, "certigna-ssl", "/authority").is_ok());
        let issue = find_authority(&c, "verisign", "/authority").unwrap_err();
        assert_eq!(
            (issue.pointer.as_str(), issue.code.as_str()),
            ("/authority", "authority_unknown")
        );
        assert!(issue.message_en.contains("certigna-ssl-rgs"));
    }

    #[test]
    fn a_duration_the_authority_does_not_offer_is_reported_with_the_offered_ones() {
        let c = Catalog::bundled();
        let a = c.authority("certigna-ssl").unwrap();
        assert!(check_duration(a, 36, "/duration_months").is_ok());
        let issue = check_duration(a, 48, "/duration_months").unwrap_err();
        assert_eq!(issue.code, "duration_not_allowed");
        assert!(issue.message_fr.contains("12, 24, 36"));
    }

    #[test]
    fn only_the_current_terms_version_is_accepted() {
        let c = Catalog::bundled();
        assert!(check_terms(c.terms(), "CGU-2026-09", "/terms/version").is_ok());
        let issue = check_terms(c.terms(), "CGU-2025-01", "/terms/version").unwrap_err();
        assert_eq!(issue.code, "terms_not_current");
        assert!(issue.message_fr.contains("CGU-2026-09"));
    }

    proptest! {
        #[test]
        fn a_plan_covers_the_subscription_exactly_with_allowed_lifetimes(
            offset in 0u32..3000,
            months in 0u32..=120,
        ) {
            let c = Catalog::bundled();
            let start = date("2025-01-01") + chrono::Days::new(u64::from(offset));
            let plan = certificate_plan(c.lifetime(), start, months);
            let total: i64 = plan.certificates.iter().map(|c| i64::from(c.validity_days)).sum();
            prop_assert_eq!(total, (plan.subscription_end - start).num_days());
            let mut expected_issue = start;
            for cert in &plan.certificates {
                prop_assert_eq!(cert.issued_on, expected_issue);
                prop_assert!(cert.validity_days >= 1);
                prop_assert!(cert.validity_days <= c.lifetime().max_days_on(cert.issued_on));
                expected_issue = cert.expires_on;
            }
            prop_assert_eq!(plan.issuances as usize, plan.certificates.len());
        }
    }
}
