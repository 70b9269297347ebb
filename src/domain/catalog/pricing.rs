//! The price of an order: the authority's yearly price plus its yearly price per extra
//! domain, times the number of years, then VAT. All amounts are integer cents.

use serde::{Deserialize, Serialize};

use crate::domain::catalog::Authority;
pub use crate::domain::shared::money::Currency;

/// A price in cents. `incl_vat_cents == excl_vat_cents + vat_cents` always.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub excl_vat_cents: i64,
    pub vat_cents: i64,
    pub incl_vat_cents: i64,
    /// The VAT rate applied, in basis points (2000 = 20 %).
    pub vat_rate_basis_points: u32,
    pub currency: Currency,
}

/// `numerator / denominator` rounded half up, for a non-negative numerator.
fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    (numerator + denominator / 2) / denominator
}

/// The price of `duration_months` of the authority's certificate covering `additional_domains`
/// names beyond the primary one.
///
/// Price excl. VAT = (price per year + additional × price per extra domain per year) ×
/// duration / 12 (catalogue durations are whole years, so this is exact; any other duration is
/// prorated and rounded half up to the cent). VAT = excl. VAT × rate, rounded half up to the
/// cent; incl. VAT = excl. + VAT. Amounts that would not fit an `i64` saturate (a validated
/// catalogue with a checked domain count and duration never comes close).
pub fn price(
    authority: &Authority,
    duration_months: u32,
    additional_domains: u32,
    vat_rate_basis_points: u32,
) -> Price {
    let per_year = i128::from(authority.price_per_year_cents.max(0))
        + i128::from(additional_domains)
            * i128::from(authority.price_per_additional_domain_per_year_cents.max(0));
    let excl = div_round_half_up(per_year * i128::from(duration_months), 12);
    let vat = div_round_half_up(excl * i128::from(vat_rate_basis_points), 10_000);
    let clamp = |v: i128| i64::try_from(v).unwrap_or(i64::MAX);
    let (excl_vat_cents, vat_cents) = (clamp(excl), clamp(vat));
    Price {
        excl_vat_cents,
        vat_cents,
        incl_vat_cents: excl_vat_cents.saturating_add(vat_cents),
        vat_rate_basis_points,
        currency: Currency::Eur,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{Catalog, ProductLine};
    use crate::domain::shared::payment_method::PaymentMethod;
    use proptest::prelude::*;

    fn authority(per_year: i64, per_domain: i64) -> Authority {
        Authority {
            id: "test".into(),
            name: "Test".into(),
            issuer: "Test CA".into(),
            product_line: ProductLine::Ssl,
            durations_months: vec![12, 24, 36],
            max_additional_domains: 4,
            wildcard_allowed: false,
            additional_domains_any_registrable_domain: false,
            price_per_year_cents: per_year,
            price_per_additional_domain_per_year_cents: per_domain,
            payment_methods: vec![PaymentMethod::Card],
            requires_certificate_manager: false,
            after_commander: crate::domain::catalog::AfterCommander {
                acceptance_required: false,
                acceptance_business_days: 0,
                refund_window_days: 30,
            },
        }
    }

    #[test]
    fn one_year_without_extra_domains_is_the_yearly_price_plus_twenty_percent_vat() {
        let p = price(&authority(12_000, 3_000), 12, 0, 2000);
        assert_eq!(
            (p.excl_vat_cents, p.vat_cents, p.incl_vat_cents),
            (12_000, 2_400, 14_400)
        );
        assert_eq!(p.currency, Currency::Eur);
        assert_eq!(p.vat_rate_basis_points, 2000);
    }

    #[test]
    fn extra_domains_are_priced_per_domain_and_per_year() {
        // (120 € + 2 × 30 €) × 3 years = 540 €.
        let p = price(&authority(12_000, 3_000), 36, 2, 2000);
        assert_eq!(
            (p.excl_vat_cents, p.vat_cents, p.incl_vat_cents),
            (54_000, 10_800, 64_800)
        );
    }

    #[test]
    fn vat_is_rounded_half_up_to_the_cent() {
        // 0.05 € × 10 % = 0.005 € → 0.01 €.
        let p = price(&authority(5, 0), 12, 0, 1000);
        assert_eq!((p.excl_vat_cents, p.vat_cents, p.incl_vat_cents), (5, 1, 6));
        // 0.04 € × 10 % = 0.004 € → 0.00 €.
        let p = price(&authority(4, 0), 12, 0, 1000);
        assert_eq!(p.vat_cents, 0);
        // 0.99 € × 5.5 % = 0.05445 € → 0.05 €.
        let p = price(&authority(99, 0), 12, 0, 550);
        assert_eq!(p.vat_cents, 5);
    }

    #[test]
    fn a_zero_vat_rate_gives_no_vat() {
        let p = price(&authority(12_000, 0), 24, 0, 0);
        assert_eq!(
            (p.excl_vat_cents, p.vat_cents, p.incl_vat_cents),
            (24_000, 0, 24_000)
        );
    }

    #[test]
    fn every_bundled_authority_has_a_positive_price_for_each_of_its_durations() {
        let catalog = Catalog::bundled();
        for a in catalog.authorities() {
            for &months in &a.durations_months {
                let p = price(
                    a,
                    months,
                    a.max_additional_domains,
                    catalog.vat_rate_basis_points(),
                );
                assert!(p.excl_vat_cents > 0, "{} {months}", a.id);
                assert_eq!(p.incl_vat_cents, p.excl_vat_cents + p.vat_cents);
            }
        }
    }

    #[test]
    fn a_price_serializes_with_its_currency_code() {
        let p = price(&authority(100, 0), 12, 0, 2000);
        assert_eq!(
            serde_json::to_value(p).unwrap(),
            serde_json::json!({"excl_vat_cents": 100, "vat_cents": 20, "incl_vat_cents": 120,
                "vat_rate_basis_points": 2000, "currency": "EUR"})
        );
    }

    proptest! {
        #[test]
        fn incl_vat_is_excl_plus_vat_and_vat_is_within_half_a_cent_of_exact(
            per_year in 0i64..10_000_000,
            per_domain in 0i64..1_000_000,
            years in 1u32..=5,
            domains in 0u32..=100,
            rate in 0u32..=10_000,
        ) {
            let p = price(&authority(per_year, per_domain), years * 12, domains, rate);
            prop_assert_eq!(p.incl_vat_cents, p.excl_vat_cents + p.vat_cents);
            prop_assert_eq!(
                p.excl_vat_cents,
                (per_year + i64::from(domains) * per_domain) * i64::from(years)
            );
            // vat − excl × rate / 10000 lies in (−½, +½] cent (half up), in 1/10000 cent.
            let exact = i128::from(p.excl_vat_cents) * i128::from(rate);
            let diff = i128::from(p.vat_cents) * 10_000 - exact;
            prop_assert!(-5_000 < diff && diff <= 5_000, "diff {}", diff);
        }
    }
}
