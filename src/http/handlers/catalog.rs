//! The catalogue: what a frontend needs to fill its forms (steps 5, 7, 14, 15).

use actix_web::{get, web};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::catalog::{certificate_plan, Catalog, ProductLine};
use crate::domain::pki::keygen::KeyType;
use crate::http::handlers::keygen::KeyTypeView;
use crate::http::steps::PaymentMethodView;
use crate::http::AppState;

/// The product line: `ssl` (Pack SSL) or `ssl_rgs` (SSL RGS*, which needs a named
/// "responsable du certificat").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductLineView {
    Ssl,
    SslRgs,
}

impl From<ProductLine> for ProductLineView {
    fn from(p: ProductLine) -> Self {
        match p {
            ProductLine::Ssl => Self::Ssl,
            ProductLine::SslRgs => Self::SslRgs,
        }
    }
}

impl From<KeyType> for KeyTypeView {
    fn from(k: KeyType) -> Self {
        match k {
            KeyType::EcdsaP256 => Self::EcdsaP256,
            KeyType::EcdsaP384 => Self::EcdsaP384,
            KeyType::Rsa2048 => Self::Rsa2048,
            KeyType::Rsa3072 => Self::Rsa3072,
            KeyType::Rsa4096 => Self::Rsa4096,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CatalogResponse {
    /// Version of the catalogue data.
    #[schema(example = "2026-11-01")]
    pub catalog_version: String,
    /// True while the prices are the example data shipped with certorder.
    pub example_prices: bool,
    /// A note from the operator about the catalogue; `null` when none.
    #[schema(required = true)]
    pub note: Option<String>,
    #[schema(example = "EUR")]
    pub currency: String,
    /// 2000 = 20 %.
    pub vat_rate_basis_points: u32,
    /// The current CGU: `terms.version` is what step 15 must accept.
    pub terms: TermsEntry,
    /// Key types `POST /orders/{id}/generate-csr` can make.
    pub key_types: Vec<KeyTypeEntryView>,
    /// The CA/Browser Forum's maximum certificate validity, by issue date.
    pub certificate_lifetime: Vec<LifetimeEntry>,
    pub authorities: Vec<AuthorityEntry>,
    /// The wizard's steps: labels, the generation methods each applies to, and the fields
    /// (JSON pointers) that answer it.
    pub wizard: crate::http::wizard_meta::WizardEntry,
}

#[derive(Serialize, ToSchema)]
pub struct TermsEntry {
    #[schema(example = "CGU-2026-09")]
    pub version: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct KeyTypeEntryView {
    /// What to send as `key_type` to `POST /orders/{id}/generate-csr`.
    pub id: KeyTypeView,
    pub label_fr: String,
    pub label_en: String,
    pub default: bool,
}

#[derive(Serialize, ToSchema)]
pub struct LifetimeEntry {
    pub from: NaiveDate,
    pub max_days: u32,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentMethodEntry {
    /// What to send as `payment.method`.
    pub id: PaymentMethodView,
    pub label_fr: String,
    pub label_en: String,
}

/// A duration and how it is fulfilled for an order placed today.
#[derive(Serialize, ToSchema)]
pub struct DurationEntry {
    pub months: u32,
    /// Validity of the first certificate, in days.
    pub certificate_validity_days: u32,
    /// Certificates issued over the duration.
    pub issuances: u32,
    /// Price excluding VAT for the primary name alone, in cents.
    pub price_excl_vat_cents: i64,
}

/// One orderable product of an authority.
#[derive(Serialize, ToSchema)]
pub struct AuthorityEntry {
    /// The id to send as `authority`.
    #[schema(example = "certigna-ssl")]
    pub id: String,
    pub name: String,
    /// The issuing CA.
    pub issuer: String,
    pub product_line: ProductLineView,
    pub product_line_label: String,
    pub durations: Vec<DurationEntry>,
    /// Names allowed beyond the primary one.
    pub max_additional_domains: u32,
    pub wildcard_allowed: bool,
    /// False: extra names must share the primary name's registrable domain.
    pub additional_domains_any_registrable_domain: bool,
    pub price_per_year_cents: i64,
    pub price_per_additional_domain_per_year_cents: i64,
    pub payment_methods: Vec<PaymentMethodEntry>,
    /// SSL RGS*: the holder step needs a "responsable du certificat".
    pub requires_certificate_manager: bool,
    /// What happens after "Commander": acceptance of the certificate and refunds.
    pub after_commander: AfterCommanderEntry,
}

/// The product's rules after "Commander".
#[derive(Debug, Serialize, ToSchema)]
pub struct AfterCommanderEntry {
    /// The customer must accept the issued certificate explicitly (SSL RGS*); `false`: it is
    /// accepted at issuance.
    pub acceptance_required: bool,
    /// French business days after issuance to accept (public holidays excluded); past them the
    /// certificate is revoked without refund. 0 when acceptance is implicit.
    pub acceptance_business_days: u32,
    /// A paid order cancelled before issuance within this many days of "Commander" is
    /// refunded.
    pub refund_window_days: u32,
}

impl CatalogResponse {
    pub fn build(catalog: &Catalog, today: NaiveDate) -> Self {
        CatalogResponse {
            catalog_version: catalog.version().to_owned(),
            example_prices: catalog.example_prices(),
            note: catalog.note().map(str::to_owned),
            currency: catalog.currency().as_str().to_owned(),
            vat_rate_basis_points: catalog.vat_rate_basis_points(),
            terms: TermsEntry {
                version: catalog.terms().version.clone(),
                url: catalog.terms().url.clone(),
            },
            key_types: catalog
                .key_types()
                .iter()
                .map(|k| KeyTypeEntryView {
                    id: k.id.into(),
                    label_fr: k.label_fr.clone(),
                    label_en: k.label_en.clone(),
                    default: k.default,
                })
                .collect(),
            certificate_lifetime: catalog
                .lifetime()
                .steps()
                .iter()
                .map(|s| LifetimeEntry {
                    from: s.from,
                    max_days: s.max_days,
                })
                .collect(),
            authorities: catalog
                .authorities()
                .iter()
                .map(|a| AuthorityEntry {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    issuer: a.issuer.clone(),
                    product_line: a.product_line.into(),
                    product_line_label: a.product_line.label().to_owned(),
                    durations: a
                        .durations_months
                        .iter()
                        .map(|&months| {
                            let plan = certificate_plan(catalog.lifetime(), today, months);
                            DurationEntry {
                                months,
                                certificate_validity_days: plan.certificate_validity_days,
                                issuances: plan.issuances,
                                price_excl_vat_cents: crate::domain::catalog::pricing::price(
                                    a, months, 0, 0,
                                )
                                .excl_vat_cents,
                            }
                        })
                        .collect(),
                    max_additional_domains: a.max_additional_domains,
                    wildcard_allowed: a.wildcard_allowed,
                    additional_domains_any_registrable_domain: a
                        .additional_domains_any_registrable_domain,
                    price_per_year_cents: a.price_per_year_cents,
                    price_per_additional_domain_per_year_cents: a
                        .price_per_additional_domain_per_year_cents,
                    payment_methods: a
                        .payment_methods
                        .iter()
                        .map(|m| PaymentMethodEntry {
                            id: (*m).into(),
                            label_fr: m.label_fr().to_owned(),
                            label_en: m.label_en().to_owned(),
                        })
                        .collect(),
                    requires_certificate_manager: a.requires_certificate_manager,
                    after_commander: AfterCommanderEntry {
                        acceptance_required: a.after_commander.acceptance_required,
                        acceptance_business_days: a.after_commander.acceptance_business_days,
                        refund_window_days: a.after_commander.refund_window_days,
                    },
                })
                .collect(),
            wizard: crate::http::wizard_meta::wizard(),
        }
    }
}

/// The catalogue: authorities, durations (and how many certificates each covers), limits,
/// example prices, payment methods, the current CGU and the key types. Public.
#[utoipa::path(tag = "catalog", responses((status = 200, description = "The catalogue", body = CatalogResponse)))]
#[get("/catalog")]
pub async fn get_catalog(state: web::Data<AppState>) -> web::Json<CatalogResponse> {
    web::Json(CatalogResponse::build(
        &state.app.catalog,
        Utc::now().date_naive(),
    ))
}
