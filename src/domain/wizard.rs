//! The ordering wizard's rules: applying a PATCH of steps to a draft, and assessing an order
//! (what is missing, what no longer fits, its domain list, price and certificate plan).
//!
//! One function, [`assess`], says what is wrong with an order; `apply` uses it too, so a
//! PATCH is refused for exactly the problems a later `commander` would refuse — restricted
//! to the fields the PATCH carries. A step that another change made invalid (a duration the
//! new authority does not offer) is reported on the order, not silently kept or dropped.

use chrono::{DateTime, NaiveDate, Utc};

use super::account::Caller;
use super::catalog::{self, certificate_plan, Authority, Catalog, CertificatePlan};
use super::csr::decode_csr;
use super::fqdn::{check_domain_list, Fqdn, ListRules, NameRules};
use super::holder::{validate_holder, HolderInput};
use super::issue::FieldIssue;
use super::order::{
    CsrOrigin, CsrRecord, GenerationMethod, Order, PartnerChoice, Step, TermsAcceptance,
};
use super::payment::{validate_payment, PaymentInput, PaymentMethod};
use super::pricing::{price, Price};

/// Most extra names a request may carry (the catalogue's limits are far lower).
pub const MAX_ADDITIONAL_DOMAINS_INPUT: usize = 100;
/// Longest partner code.
pub const MAX_PARTNER_CODE: usize = 32;

/// A PATCH: `None` leaves a step unchanged, `Some(None)` clears it, `Some(Some(v))` sets it.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    pub authority: Option<Option<String>>,
    pub partner: Option<Option<PartnerChoice>>,
    pub duration_months: Option<Option<i64>>,
    pub generation_method: Option<Option<GenerationMethod>>,
    pub csr_pem: Option<Option<String>>,
    pub fqdn: Option<Option<String>>,
    pub additional_domains: Option<Vec<String>>,
    pub holder: Option<Option<HolderInput>>,
    pub payment: Option<Option<PaymentInput>>,
    pub terms: Option<Option<String>>,
}

impl Changes {
    /// The pointers of the fields this PATCH carries.
    fn pointers(&self) -> Vec<&'static str> {
        let mut p = Vec::new();
        let mut add = |carried: bool, pointer| {
            if carried {
                p.push(pointer)
            }
        };
        add(self.authority.is_some(), "/authority");
        add(self.partner.is_some(), "/partner");
        add(self.duration_months.is_some(), "/duration_months");
        add(self.generation_method.is_some(), "/generation_method");
        add(self.csr_pem.is_some(), "/csr_pem");
        add(self.fqdn.is_some(), "/fqdn");
        add(self.additional_domains.is_some(), "/additional_domains");
        add(self.holder.is_some(), "/holder");
        add(self.payment.is_some(), "/payment");
        add(self.terms.is_some(), "/terms");
        p
    }

    /// The partner code this PATCH names, to look up before `apply`.
    pub fn partner_code(&self) -> Option<&str> {
        match &self.partner {
            Some(Some(PartnerChoice::Partner { code })) => Some(code.trim()),
            _ => None,
        }
    }
}

/// What `apply` needs besides the order: the catalogue, the time, who asks and from where,
/// and whether the partner code named by the PATCH exists.
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub now: DateTime<Utc>,
    pub caller: &'a Caller,
    pub client_address: Option<String>,
    pub partner_exists: bool,
}

fn issue(pointer: &str, code: &str, fr: String, en: String) -> FieldIssue {
    FieldIssue::new(pointer, code, fr, en)
}

/// Name rules under an authority; with none chosen yet, wildcards are let through and
/// checked again once the authority is known.
fn name_rules(authority: Option<&Authority>) -> NameRules {
    NameRules {
        wildcard_allowed: authority.is_none_or(|a| a.wildcard_allowed),
    }
}

/// Applies a PATCH to a draft: validates every carried field (all problems at once) and
/// returns the new order (version + 1), or the problems and no change at all.
pub fn apply(order: &Order, changes: Changes, ctx: &Context<'_>) -> Result<Order, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut next = order.clone();

    if let Some(authority) = &changes.authority {
        next.authority = match authority {
            None => None,
            Some(id) => match catalog::find_authority(ctx.catalog, id.trim(), "/authority") {
                Ok(a) => Some(a.id.clone()),
                Err(e) => {
                    issues.push(e);
                    None
                }
            },
        };
    }
    let authority = next
        .authority
        .as_deref()
        .and_then(|id| ctx.catalog.authority(id));

    if let Some(partner) = &changes.partner {
        if order.partner_fixed {
            issues.push(issue(
                "/partner",
                "partner_fixed",
                "Cette commande a été créée par un partenaire : son code partenaire ne peut pas changer.".into(),
                "This order was created by a partner: its partner code cannot change.".into(),
            ));
        } else {
            next.partner = match partner {
                None => None,
                Some(PartnerChoice::None) => Some(PartnerChoice::None),
                Some(PartnerChoice::Partner { code }) => {
                    let code = code.trim();
                    if code.is_empty() || code.chars().count() > MAX_PARTNER_CODE {
                        issues.push(issue(
                            "/partner/code",
                            "partner_code_invalid",
                            format!(
                                "Un code partenaire compte de 1 à {MAX_PARTNER_CODE} caractères."
                            ),
                            format!("A partner code is 1 to {MAX_PARTNER_CODE} characters long."),
                        ));
                    } else if !ctx.partner_exists {
                        issues.push(issue(
                            "/partner/code",
                            "partner_unknown",
                            format!("Aucun partenaire n'a le code « {code} ». Vérifiez-le, ou répondez « Non » ({{\"type\": \"none\"}})."),
                            format!("No partner has the code \"{code}\". Check it, or answer \"no\" ({{\"type\": \"none\"}})."),
                        ));
                    }
                    Some(PartnerChoice::Partner {
                        code: code.to_owned(),
                    })
                }
            };
        }
    }

    if let Some(duration) = changes.duration_months {
        next.duration_months = match duration {
            None => None,
            Some(m) => match (u32::try_from(m), authority) {
                (Ok(m), Some(a)) => match catalog::check_duration(a, m, "/duration_months") {
                    Ok(()) => Some(m as i32),
                    Err(e) => {
                        issues.push(e);
                        None
                    }
                },
                (Ok(m), None)
                    if ctx
                        .catalog
                        .authorities()
                        .iter()
                        .any(|a| a.allows_duration(m)) =>
                {
                    Some(m as i32)
                }
                _ => {
                    let mut offered: Vec<u32> = ctx
                        .catalog
                        .authorities()
                        .iter()
                        .flat_map(|a| a.durations_months.clone())
                        .collect();
                    offered.sort_unstable();
                    offered.dedup();
                    let offered = offered
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ");
                    issues.push(issue(
                        "/duration_months",
                        "duration_not_allowed",
                        format!("La durée de {m} mois n'est pas proposée ; durées proposées (mois) : {offered}."),
                        format!("A duration of {m} months is not offered; offered durations (months): {offered}."),
                    ));
                    None
                }
            },
        };
    }

    if let Some(method) = changes.generation_method {
        next.generation_method = method;
    }
    let method = next.generation_method;

    if let Some(csr) = &changes.csr_pem {
        next.csr = match csr {
            None => None,
            Some(_) if method == Some(GenerationMethod::Generate) => {
                issues.push(issue(
                    "/csr_pem",
                    "csr_not_expected",
                    "Avec la génération par le service (generation_method « generate »), la CSR est produite par POST /orders/{id}/generate-csr : ne collez pas de CSR.".into(),
                    "With generation by the service (generation_method \"generate\"), the CSR is made by POST /orders/{id}/generate-csr: do not paste one.".into(),
                ));
                order.csr.clone()
            }
            Some(pem) => {
                match verify_csr(pem, CsrOrigin::Pasted, "/csr_pem", name_rules(authority)) {
                    Ok(record) => Some(record),
                    Err(mut e) => {
                        issues.append(&mut e);
                        None
                    }
                }
            }
        };
    }

    let names_before = (next.fqdn.clone(), next.additional_domains.clone());
    if let Some(fqdn) = &changes.fqdn {
        next.fqdn = match fqdn {
            None => None,
            Some(_) if method == Some(GenerationMethod::Csr) => {
                issues.push(issue(
                    "/fqdn",
                    "fqdn_not_expected",
                    "Avec une CSR collée (generation_method « csr »), les noms sont lus dans la CSR : donnez csr_pem, pas fqdn.".into(),
                    "With a pasted CSR (generation_method \"csr\"), the names are read from the CSR: send csr_pem, not fqdn.".into(),
                ));
                order.fqdn.clone()
            }
            Some(name) => match Fqdn::parse(name, name_rules(authority)) {
                Ok(f) => Some(f.as_str().to_owned()),
                Err(e) => {
                    issues.extend(e.into_iter().map(|i| i.at("/fqdn")));
                    None
                }
            },
        };
    }
    if let Some(extras) = &changes.additional_domains {
        if extras.len() > MAX_ADDITIONAL_DOMAINS_INPUT {
            issues.push(issue(
                "/additional_domains",
                "too_many_domains",
                format!("Au plus {MAX_ADDITIONAL_DOMAINS_INPUT} noms supplémentaires par requête."),
                format!("At most {MAX_ADDITIONAL_DOMAINS_INPUT} additional names per request."),
            ));
        } else {
            next.additional_domains = extras.iter().map(|s| s.trim().to_owned()).collect();
        }
    }
    // A generated CSR carries the names it was made for: new names need a new CSR.
    if (next.fqdn.clone(), next.additional_domains.clone()) != names_before
        && next
            .csr
            .as_ref()
            .is_some_and(|c| c.origin == CsrOrigin::Generated)
    {
        next.csr = None;
    }

    if let Some(holder) = &changes.holder {
        next.holder = match holder {
            None => None,
            Some(input) => {
                let requires_manager = authority.is_some_and(|a| a.requires_certificate_manager);
                match validate_holder(input, requires_manager, "/holder") {
                    Ok(h) => Some(h),
                    Err(mut e) => {
                        issues.append(&mut e);
                        None
                    }
                }
            }
        };
    }

    if let Some(payment) = &changes.payment {
        next.payment = match payment {
            None => None,
            Some(input) => {
                let allowed = authority.map_or(&PaymentMethod::ALL[..], |a| &a.payment_methods[..]);
                match validate_payment(input, allowed, "/payment") {
                    Ok(p) => Some(p),
                    Err(mut e) => {
                        issues.append(&mut e);
                        None
                    }
                }
            }
        };
    }

    if let Some(terms) = &changes.terms {
        next.terms = match terms {
            None => None,
            Some(version) => {
                match catalog::check_terms(ctx.catalog.terms(), version, "/terms/version") {
                    Ok(()) => Some(TermsAcceptance {
                        version: version.trim().to_owned(),
                        accepted_by: ctx.caller.account_id.0,
                        accepted_at: ctx.now,
                        client_address: ctx.client_address.clone(),
                    }),
                    Err(e) => {
                        issues.push(e);
                        None
                    }
                }
            }
        };
    }

    // Rules that depend on several steps (domain list, limits, wildcards), for the fields
    // this PATCH carries.
    if issues.is_empty() {
        let carried = changes.pointers();
        let assessment = assess(&next, ctx.catalog, ctx.now.date_naive());
        issues.extend(assessment.problems.into_iter().filter(|p| {
            carried
                .iter()
                .any(|c| p.pointer == *c || p.pointer.starts_with(&format!("{c}/")))
        }));
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    next.version += 1;
    next.updated_at = ctx.now;
    Ok(next)
}

/// Decodes and checks a CSR: every finding on the CSR itself and on each name it carries.
pub fn verify_csr(
    pem: &str,
    origin: CsrOrigin,
    pointer: &str,
    rules: NameRules,
) -> Result<CsrRecord, Vec<FieldIssue>> {
    let decoding = decode_csr(pem, pointer);
    let mut issues = decoding.issues;
    let Some(details) = decoding.details else {
        return Err(issues);
    };
    let mut names: Vec<String> = Vec::new();
    for raw in details.common_name.iter().chain(details.dns_names.iter()) {
        match Fqdn::parse(raw, rules) {
            Ok(f) => {
                if !names.iter().any(|n| n == f.as_str()) {
                    names.push(f.as_str().to_owned());
                }
            }
            Err(e) => issues.extend(e.into_iter().map(|i| i.at(pointer))),
        }
    }
    // The same finding on CN and SAN is reported once.
    issues.dedup_by(|a, b| a.code == b.code && a.message_en == b.message_en);
    if issues.is_empty() {
        Ok(CsrRecord {
            origin,
            details,
            names,
        })
    } else {
        Err(issues)
    }
}

/// What an order is, against the catalogue: missing steps, problems, domains, price, plan.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub missing: Vec<Step>,
    pub problems: Vec<FieldIssue>,
    /// The effective domain list: the primary name, then every other name, merged.
    pub domains: Vec<String>,
    pub price: Option<Price>,
    pub plan: Option<CertificatePlan>,
}

impl Assessment {
    pub fn ready(&self) -> bool {
        self.missing.is_empty() && self.problems.is_empty()
    }

    /// The 422 list of `commander`: one entry per missing step, then each problem.
    pub fn blocking_issues(&self) -> Vec<FieldIssue> {
        let mut out: Vec<FieldIssue> = self
            .missing
            .iter()
            .map(|s| {
                FieldIssue::new(
                    s.pointer(),
                    "step_missing",
                    format!("Étape non renseignée : {}.", s.label_fr()),
                    format!("Step not answered: {}.", s.label_en()),
                )
            })
            .collect();
        out.extend(self.problems.iter().cloned());
        out
    }
}

/// Assesses an order. `today` dates the certificate plan of a draft.
pub fn assess(order: &Order, catalog: &Catalog, today: NaiveDate) -> Assessment {
    let mut problems = Vec::new();
    let authority = match order.authority.as_deref() {
        None => None,
        Some(id) => match catalog::find_authority(catalog, id, "/authority") {
            Ok(a) => Some(a),
            Err(e) => {
                problems.push(e);
                None
            }
        },
    };
    let duration = order.duration_months.and_then(|m| u32::try_from(m).ok());
    if let (Some(a), Some(m)) = (authority, duration) {
        if let Err(e) = catalog::check_duration(a, m, "/duration_months") {
            problems.push(e);
        }
    }

    let domains = domain_list(order, authority, &mut problems);

    if let (Some(a), Some(p)) = (authority, &order.payment) {
        if !a.allows_payment(p.method()) {
            let allowed = a
                .payment_methods
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            problems.push(FieldIssue::new(
                "/payment/method",
                "payment_method_not_allowed",
                format!(
                    "« {} » n'accepte pas ce moyen de paiement ; moyens acceptés : {allowed}.",
                    a.name
                ),
                format!(
                    "{} does not accept this payment method; accepted methods: {allowed}.",
                    a.name
                ),
            ));
        }
    }
    if let (Some(a), Some(h)) = (authority, &order.holder) {
        if a.requires_certificate_manager && h.certificate_manager.is_none() {
            problems.push(FieldIssue::new(
                "/holder/certificate_manager",
                "certificate_manager_required",
                format!(
                    "« {} » exige un responsable du certificat (holder.certificate_manager).",
                    a.name
                ),
                format!(
                    "{} requires a certificate manager (holder.certificate_manager).",
                    a.name
                ),
            ));
        }
    }
    if let Some(t) = &order.terms {
        if let Err(e) = catalog::check_terms(catalog.terms(), &t.version, "/terms/version") {
            problems.push(e);
        }
    }

    let price = match (authority, duration) {
        (Some(a), Some(m)) if a.allows_duration(m) => {
            let extra = u32::try_from(domains.len().saturating_sub(1)).unwrap_or(u32::MAX);
            Some(price(a, m, extra, catalog.vat_rate_basis_points()))
        }
        _ => None,
    };
    let plan = duration.map(|m| certificate_plan(catalog.lifetime(), today, m));
    Assessment {
        missing: order.missing(),
        problems,
        domains,
        price,
        plan,
    }
}

/// The effective domain list and its problems: the primary name (the FQDN in case 2, the
/// CSR's first name in case 1), the CSR's other names, then the extra subdomains.
fn domain_list(
    order: &Order,
    authority: Option<&Authority>,
    problems: &mut Vec<FieldIssue>,
) -> Vec<String> {
    let rules = name_rules(authority);
    let use_csr = match order.generation_method {
        Some(GenerationMethod::Csr) => true,
        Some(GenerationMethod::Generate) => false,
        None => order.fqdn.is_none(),
    };
    let (primary_name, csr_extras, primary_pointer): (Option<String>, Vec<String>, &str) =
        if use_csr {
            match &order.csr {
                Some(c) => (
                    c.names.first().cloned(),
                    c.names.iter().skip(1).cloned().collect(),
                    "/csr_pem",
                ),
                None => (None, Vec::new(), "/csr_pem"),
            }
        } else {
            (order.fqdn.clone(), Vec::new(), "/fqdn")
        };
    let primary = primary_name
        .as_deref()
        .and_then(|name| match Fqdn::parse(name, rules) {
            Ok(f) => Some(f),
            Err(e) => {
                problems.extend(e.into_iter().map(|i| i.at(primary_pointer)));
                None
            }
        });
    let extras: Vec<String> = csr_extras
        .iter()
        .chain(order.additional_domains.iter())
        .cloned()
        .collect();
    let list_rules = ListRules {
        wildcard_allowed: rules.wildcard_allowed,
        max_additional_domains: authority.map_or(u32::MAX, |a| a.max_additional_domains),
        extras_any_registrable_domain: authority
            .is_none_or(|a| a.additional_domains_any_registrable_domain),
    };
    let outcome = check_domain_list(primary.as_ref(), &extras, "/__extras", &list_rules);
    let k = csr_extras.len();
    for issue in outcome.issues {
        let pointer = match issue.pointer.strip_prefix("/__extras") {
            Some("") => "/additional_domains".to_owned(),
            Some(rest) => {
                let index: usize = rest
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .and_then(|i| i.parse().ok())
                    .unwrap_or(0);
                if index < k {
                    "/csr_pem".to_owned()
                } else {
                    format!("/additional_domains/{}", index - k)
                }
            }
            None => issue.pointer.clone(),
        };
        problems.push(issue.at(pointer));
    }
    outcome
        .domains
        .iter()
        .map(|f| f.as_str().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::{AccountId, Role};
    use crate::domain::order::{order_number, OrderId, OrderStatus};
    use chrono::TimeZone;
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
    }

    fn draft() -> Order {
        Order {
            id: OrderId(Uuid::nil()),
            number: order_number(now(), 1),
            account_id: AccountId(Uuid::nil()),
            status: OrderStatus::Draft,
            version: 1,
            authority: None,
            partner: None,
            partner_fixed: false,
            duration_months: None,
            generation_method: None,
            csr: None,
            fqdn: None,
            additional_domains: vec![],
            holder: None,
            payment: None,
            terms: None,
            submitted: None,
            created_at: now(),
            updated_at: now(),
            submitted_at: None,
            cancelled_at: None,
        }
    }

    fn caller() -> Caller {
        Caller {
            account_id: AccountId(Uuid::nil()),
            role: Role::Customer,
            partner_code: None,
        }
    }

    fn apply_to(order: &Order, changes: Changes) -> Result<Order, Vec<FieldIssue>> {
        let catalog = Catalog::bundled();
        let caller = caller();
        let ctx = Context {
            catalog: &catalog,
            now: now(),
            caller: &caller,
            client_address: None,
            partner_exists: true,
        };
        apply(order, changes, &ctx)
    }

    fn codes(issues: &[FieldIssue]) -> Vec<(&str, &str)> {
        issues
            .iter()
            .map(|i| (i.pointer.as_str(), i.code.as_str()))
            .collect()
    }

    #[test]
    fn a_duration_the_new_authority_does_not_offer_is_reported_not_dropped() {
        let mut o = draft();
        o.authority = Some("certigna-ssl".into());
        o.duration_months = Some(48);
        let a = assess(&o, &Catalog::bundled(), now().date_naive());
        assert_eq!(
            codes(&a.problems),
            [("/duration_months", "duration_not_allowed")]
        );
        assert_eq!(o.duration_months, Some(48));
        assert!(a.price.is_none());
    }

    #[test]
    fn changing_the_authority_succeeds_even_when_another_step_stops_fitting() {
        let mut o = draft();
        o.authority = Some("certigna-ssl".into());
        o.payment = Some(
            validate_payment(
                &PaymentInput {
                    method: Some("card".into()),
                    purchase_order: None,
                },
                &PaymentMethod::ALL,
                "/payment",
            )
            .unwrap(),
        );
        let next = apply_to(
            &o,
            Changes {
                authority: Some(Some("certigna-ssl-rgs".into())),
                ..Default::default()
            },
        )
        .unwrap();
        let a = assess(&next, &Catalog::bundled(), now().date_naive());
        assert_eq!(
            codes(&a.problems),
            [("/payment/method", "payment_method_not_allowed")]
        );
        assert_eq!(next.version, 2);
    }

    #[test]
    fn a_patch_with_any_bad_field_changes_nothing_and_reports_every_field() {
        let o = draft();
        let err = apply_to(
            &o,
            Changes {
                authority: Some(Some("nope".into())),
                duration_months: Some(Some(7)),
                terms: Some(Some("CGU-1999".into())),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            codes(&err),
            [
                ("/authority", "authority_unknown"),
                ("/duration_months", "duration_not_allowed"),
                ("/terms/version", "terms_not_current")
            ]
        );
    }

    #[test]
    fn the_price_counts_each_extra_name_per_year_with_vat() {
        let mut o = draft();
        o.authority = Some("certigna-ssl".into());
        o.duration_months = Some(24);
        o.generation_method = Some(GenerationMethod::Generate);
        o.fqdn = Some("www.certigna.fr".into());
        o.additional_domains = vec![
            "certigna.fr".into(),
            "shop.certigna.fr".into(),
            "WWW.certigna.fr.".into(),
        ];
        let a = assess(&o, &Catalog::bundled(), now().date_naive());
        assert!(a.problems.is_empty(), "{:?}", a.problems);
        assert_eq!(
            a.domains,
            ["www.certigna.fr", "certigna.fr", "shop.certigna.fr"]
        );
        let p = a.price.unwrap();
        // (120.00 + 2 × 30.00) × 2 years = 360.00 excl. VAT, 72.00 VAT
        assert_eq!(
            (p.excl_vat_cents, p.vat_cents, p.incl_vat_cents),
            (36_000, 7_200, 43_200)
        );
    }

    #[test]
    fn extra_names_outside_the_registrable_domain_or_over_the_limit_point_at_their_index() {
        let mut o = draft();
        o.authority = Some("certigna-ssl".into());
        o.generation_method = Some(GenerationMethod::Generate);
        o.fqdn = Some("www.certigna.fr".into());
        let err = apply_to(
            &o,
            Changes {
                additional_domains: Some(vec!["a.certigna.fr".into(), "www.google.fr".into()]),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            codes(&err),
            [("/additional_domains/1", "domain_outside_registrable")]
        );
        let five: Vec<String> = (1..=5).map(|i| format!("s{i}.certigna.fr")).collect();
        let err = apply_to(
            &o,
            Changes {
                additional_domains: Some(five),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(codes(&err), [("/additional_domains", "too_many_domains")]);
    }

    #[test]
    fn an_incomplete_fqdn_gets_the_seed_message() {
        let mut o = draft();
        o.generation_method = Some(GenerationMethod::Generate);
        let err = apply_to(
            &o,
            Changes {
                fqdn: Some(Some("certigna".into())),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(codes(&err), [("/fqdn", "fqdn_incomplete")]);
        assert!(err[0]
            .message_fr
            .starts_with("Vous devez saisir un FQDN complet"));
    }

    #[test]
    fn a_wildcard_is_refused_once_an_authority_without_wildcards_is_chosen() {
        let mut o = draft();
        o.generation_method = Some(GenerationMethod::Generate);
        let o = apply_to(
            &o,
            Changes {
                fqdn: Some(Some("*.certigna.fr".into())),
                ..Default::default()
            },
        )
        .unwrap();
        let err = apply_to(
            &o,
            Changes {
                authority: Some(Some("certigna-ssl".into())),
                ..Default::default()
            },
        );
        // the authority change itself is accepted; the wildcard becomes a problem on /fqdn
        let o = err.unwrap();
        let a = assess(&o, &Catalog::bundled(), now().date_naive());
        assert_eq!(codes(&a.problems), [("/fqdn", "wildcard_not_allowed")]);
        let ok = apply_to(
            &o,
            Changes {
                authority: Some(Some("certigna-ssl-wildcard".into())),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(assess(&ok, &Catalog::bundled(), now().date_naive())
            .problems
            .is_empty());
    }

    #[test]
    fn new_names_discard_a_generated_csr() {
        let mut o = draft();
        o.generation_method = Some(GenerationMethod::Generate);
        o.fqdn = Some("www.certigna.fr".into());
        let record = verify_csr(
            include_str!("../../tests/fixtures/csr/ec_p256_ok.pem"),
            CsrOrigin::Generated,
            "/csr_pem",
            NameRules {
                wildcard_allowed: false,
            },
        )
        .unwrap();
        o.csr = Some(record);
        let next = apply_to(
            &o,
            Changes {
                additional_domains: Some(vec!["certigna.fr".into()]),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(next.csr.is_none());
        assert!(next.missing().contains(&Step::Csr));
    }

    #[test]
    fn a_fixed_partner_cannot_be_changed() {
        let mut o = draft();
        o.partner = Some(PartnerChoice::Partner {
            code: "PART-DEMO".into(),
        });
        o.partner_fixed = true;
        let err = apply_to(
            &o,
            Changes {
                partner: Some(Some(PartnerChoice::None)),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(codes(&err), [("/partner", "partner_fixed")]);
    }
}
