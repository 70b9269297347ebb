//! The ordering wizard's rules: applying a PATCH of steps to a draft, and assessing an order
//! (what is missing, what no longer fits, its domain list, price and certificate plan).
//!
//! One function, [`assess`], says what is wrong with an order; `apply` uses it too, so a
//! PATCH is refused for exactly the problems a later `commander` would refuse — restricted
//! to the fields the PATCH carries. A step that another change made invalid (a duration the
//! new authority does not offer) is reported on the order, not silently kept or dropped.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::account::{Account, Caller};
use crate::domain::catalog::pricing::{price, Price};
use crate::domain::catalog::{self, certificate_plan, Authority, Catalog, CertificatePlan};
use crate::domain::order::holder::{validate_holder, HolderInput, HolderParty};
use crate::domain::order::payment::{validate_payment, PaymentInput, PaymentMethod};
use crate::domain::order::{
    CsrOrigin, CsrRecord, GenerationMethod, OrderData, PartnerChoice, Step, TermsAcceptance,
};
use crate::domain::pki::csr::{decode_csr, CsrDecoding};
use crate::domain::pki::fqdn::{check_domain_list, Fqdn, ListRules, NameRules};
use crate::domain::pki::keygen::CsrSubject;
use crate::domain::shared::issue::{Code, FieldIssue};

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

/// What `apply` needs besides the order: the catalogue, the time, who asks and from where.
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub now: DateTime<Utc>,
    pub caller: &'a Caller,
    pub client_address: Option<String>,
}

/// Name rules under an authority; with none chosen yet, wildcards are let through and
/// checked again once the authority is known.
fn name_rules(authority: Option<&Authority>) -> NameRules {
    NameRules {
        wildcard_allowed: authority.is_none_or(|a| a.wildcard_allowed),
    }
}

/// Applies a PATCH to a draft: validates every carried field (all problems at once) and
/// returns the new order, or the problems and no change at all. One function per step below;
/// then the rules that span several steps, for the fields the PATCH carries.
pub(crate) fn apply(
    order: &OrderData,
    changes: Changes,
    ctx: &Context<'_>,
) -> Result<OrderData, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut next = order.clone();
    if let Some(value) = &changes.authority {
        next.authority = authority_step(value.as_deref(), ctx, &mut issues);
    }
    let authority = next
        .authority
        .as_deref()
        .and_then(|id| ctx.catalog.authority(id));
    if let Some(value) = &changes.partner {
        if order.partner_fixed {
            issues.push(FieldIssue::new(
                "/partner",
                Code::PartnerFixed,
                "Cette commande a été créée par un partenaire : son code partenaire ne peut pas changer.",
                "This order was created by a partner: its partner code cannot change.",
            ));
        } else {
            next.partner = partner_step(value.as_ref(), &mut issues);
        }
    }
    if let Some(value) = changes.duration_months {
        next.duration_months = duration_step(value, authority, ctx, &mut issues);
    }
    if let Some(method) = changes.generation_method {
        next.generation_method = method;
    }
    let method = next.generation_method;
    if let Some(value) = &changes.csr_pem {
        next.csr = csr_step(order, value.as_deref(), method, authority, &mut issues);
    }
    if let Some(value) = &changes.fqdn {
        next.fqdn = fqdn_step(order, value.as_deref(), method, authority, &mut issues);
    }
    if let Some(extras) = &changes.additional_domains {
        if let Some(list) = additional_domains_step(extras, &mut issues) {
            next.additional_domains = list;
        }
    }
    // A generated CSR carries the names it was made for: when they change it is kept and
    // `assess` reports it stale (`csr_stale`), never dropped without a word.
    if let Some(value) = &changes.holder {
        next.holder = holder_step(value.as_ref(), authority, &mut issues);
    }
    if let Some(value) = &changes.payment {
        next.payment = payment_step(value.as_ref(), authority, &mut issues);
    }
    if let Some(value) = &changes.terms {
        next.terms = terms_step(value.as_deref(), ctx, &mut issues);
    }
    cross_step_problems(&next, &changes, ctx, &mut issues);
    if issues.is_empty() {
        Ok(next)
    } else {
        Err(issues)
    }
}

/// Step 5: the authority, by its catalogue id.
fn authority_step(
    value: Option<&str>,
    ctx: &Context<'_>,
    issues: &mut Vec<FieldIssue>,
) -> Option<String> {
    match value {
        None => None,
        Some(id) => match catalog::find_authority(ctx.catalog, id.trim(), "/authority") {
            Ok(a) => Some(a.id.clone()),
            Err(e) => {
                issues.push(e);
                None
            }
        },
    }
}

/// Step 6: a partner code or an explicit "no". Whether a partner has the code is not said:
/// the answer would tell anyone which codes exist. The partner the code names follows the
/// order read-only (`rights`); a code no partner has names no one.
fn partner_step(
    value: Option<&PartnerChoice>,
    issues: &mut Vec<FieldIssue>,
) -> Option<PartnerChoice> {
    match value {
        None => None,
        Some(PartnerChoice::None) => Some(PartnerChoice::None),
        Some(PartnerChoice::Partner { code }) => {
            let code = code.trim();
            if code.is_empty() || code.chars().count() > MAX_PARTNER_CODE {
                issues.push(FieldIssue::new(
                    "/partner/code",
                    Code::PartnerCodeInvalid,
                    format!("Un code partenaire compte de 1 à {MAX_PARTNER_CODE} caractères."),
                    format!("A partner code is 1 to {MAX_PARTNER_CODE} characters long."),
                ));
            }
            Some(PartnerChoice::Partner {
                code: code.to_owned(),
            })
        }
    }
}

/// Step 7: a duration the authority offers (any authority's, while none is chosen).
fn duration_step(
    value: Option<i64>,
    authority: Option<&Authority>,
    ctx: &Context<'_>,
    issues: &mut Vec<FieldIssue>,
) -> Option<i32> {
    match value {
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
                issues.push(FieldIssue::new(
                "/duration_months",
                Code::DurationNotAllowed,
                format!("La durée de {m} mois n'est pas proposée ; durées proposées (mois) : {offered}."),
                format!("A duration of {m} months is not offered; offered durations (months): {offered}."),
            ));
                None
            }
        },
    }
}

/// Case 1: a pasted CSR, verified (refused in case 2, where the service makes it).
fn csr_step(
    order: &OrderData,
    value: Option<&str>,
    method: Option<GenerationMethod>,
    authority: Option<&Authority>,
    issues: &mut Vec<FieldIssue>,
) -> Option<CsrRecord> {
    match value {
        None => None,
        Some(_) if method == Some(GenerationMethod::Generate) => {
            issues.push(FieldIssue::new(
            "/csr_pem",
            Code::CsrNotExpected,
            "Avec la génération par le service (generation_method « generate »), la CSR est produite par POST /orders/{id}/generate-csr : ne collez pas de CSR.",
            "With generation by the service (generation_method \"generate\"), the CSR is made by POST /orders/{id}/generate-csr: do not paste one.",
        ));
            order.csr.clone()
        }
        Some(pem) => match verify_csr(pem, CsrOrigin::Pasted, "/csr_pem", name_rules(authority)) {
            Ok(record) => Some(record),
            Err(mut e) => {
                issues.append(&mut e);
                None
            }
        },
    }
}

/// Case 2: the FQDN to protect (refused in case 1, where the names are the CSR's).
fn fqdn_step(
    order: &OrderData,
    value: Option<&str>,
    method: Option<GenerationMethod>,
    authority: Option<&Authority>,
    issues: &mut Vec<FieldIssue>,
) -> Option<String> {
    match value {
        None => None,
        Some(_) if method == Some(GenerationMethod::Csr) => {
            issues.push(FieldIssue::new(
            "/fqdn",
            Code::FqdnNotExpected,
            "Avec une CSR collée (generation_method « csr »), les noms sont lus dans la CSR : donnez csr_pem, pas fqdn.",
            "With a pasted CSR (generation_method \"csr\"), the names are read from the CSR: send csr_pem, not fqdn.",
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
    }
}

/// The extra subdomains, as given (checked with the whole list by `assess`).
fn additional_domains_step(extras: &[String], issues: &mut Vec<FieldIssue>) -> Option<Vec<String>> {
    if extras.len() > MAX_ADDITIONAL_DOMAINS_INPUT {
        issues.push(FieldIssue::new(
            "/additional_domains",
            Code::TooManyDomains,
            format!("Au plus {MAX_ADDITIONAL_DOMAINS_INPUT} noms supplémentaires par requête."),
            format!("At most {MAX_ADDITIONAL_DOMAINS_INPUT} additional names per request."),
        ));
        None
    } else {
        Some(extras.iter().map(|s| s.trim().to_owned()).collect())
    }
}

/// Steps 11–12: the holder (with the certificate manager the authority may require).
fn holder_step(
    value: Option<&HolderInput>,
    authority: Option<&Authority>,
    issues: &mut Vec<FieldIssue>,
) -> Option<crate::domain::order::holder::Holder> {
    match value {
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
    }
}

/// Step 14: a payment method the authority accepts, with its references.
fn payment_step(
    value: Option<&PaymentInput>,
    authority: Option<&Authority>,
    issues: &mut Vec<FieldIssue>,
) -> Option<crate::domain::order::payment::Payment> {
    match value {
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
    }
}

/// Step 15: the current CGU version, with who accepted it, when and from where.
fn terms_step(
    value: Option<&str>,
    ctx: &Context<'_>,
    issues: &mut Vec<FieldIssue>,
) -> Option<TermsAcceptance> {
    match value {
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
    }
}

/// Rules that depend on several steps (domain list, limits, wildcards), for the fields the
/// PATCH carries — with the field problems already found, so that every problem of the body
/// is listed at once (a refused field is unset in `next`, so it is not reported twice).
fn cross_step_problems(
    next: &OrderData,
    changes: &Changes,
    ctx: &Context<'_>,
    issues: &mut Vec<FieldIssue>,
) {
    let carried = changes.pointers();
    let assessment = assess(next, ctx.catalog, ctx.now.date_naive());
    for p in assessment.problems {
        let carried_here = carried
            .iter()
            .any(|c| p.pointer == *c || p.pointer.starts_with(&format!("{c}/")));
        if carried_here
            && !issues
                .iter()
                .any(|i| i.pointer == p.pointer && i.code == p.code)
        {
            issues.push(p);
        }
    }
}

/// Decodes and checks a CSR: every finding on the CSR itself and on each name it carries.
pub fn verify_csr(
    pem: &str,
    origin: CsrOrigin,
    pointer: &str,
    rules: NameRules,
) -> Result<CsrRecord, Vec<FieldIssue>> {
    verify_decoding(decode_csr(pem, pointer), origin, pointer, rules)
}

/// [`verify_csr`] of a CSR already decoded (`POST /csr/decode` shows the decoding too).
pub fn verify_decoding(
    decoding: CsrDecoding,
    origin: CsrOrigin,
    pointer: &str,
    rules: NameRules,
) -> Result<CsrRecord, Vec<FieldIssue>> {
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
                    Code::StepMissing,
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
pub fn assess(order: &OrderData, catalog: &Catalog, today: NaiveDate) -> Assessment {
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
    problems.extend(stale_csr(order, &domains));

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
                Code::PaymentMethodNotAllowed,
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
                Code::CertificateManagerRequired,
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
    order: &OrderData,
    authority: Option<&Authority>,
    problems: &mut Vec<FieldIssue>,
) -> Vec<String> {
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
    list_verdict(
        primary_name.as_deref(),
        primary_pointer,
        &csr_extras,
        &order.additional_domains,
        authority,
        problems,
    )
}

/// The verdict on a list of names under an authority's rules (wildcards, the limit of
/// extra names, the registrable-domain rule): the effective list and its problems. The
/// primary name's problems point at `primary_pointer`; the CSR's other names' at
/// `/csr_pem`; the extra names' at `/additional_domains/{i}`. One function for the order
/// and for `POST /csr/decode` with an authority.
pub fn list_verdict(
    primary_name: Option<&str>,
    primary_pointer: &str,
    csr_extras: &[String],
    additional_domains: &[String],
    authority: Option<&Authority>,
    problems: &mut Vec<FieldIssue>,
) -> Vec<String> {
    let rules = name_rules(authority);
    let primary = primary_name.and_then(|name| match Fqdn::parse(name, rules) {
        Ok(f) => Some(f),
        Err(e) => {
            problems.extend(e.into_iter().map(|i| i.at(primary_pointer)));
            None
        }
    });
    let extras: Vec<String> = csr_extras
        .iter()
        .chain(additional_domains.iter())
        .cloned()
        .collect();
    let list_rules = ListRules {
        wildcard_allowed: rules.wildcard_allowed,
        max_additional_domains: authority.map_or(u32::MAX, |a| a.max_additional_domains),
        extras_any_registrable_domain: authority
            .is_none_or(|a| a.additional_domains_any_registrable_domain),
    };
    // the extras are the CSR's other names, then the customer's additional domains: a
    // finding about one of the former points at the CSR
    let k = csr_extras.len();
    let pointer_of = |index: Option<usize>| match index {
        None => "/additional_domains".to_owned(),
        Some(i) if i < k => "/csr_pem".to_owned(),
        Some(i) => format!("/additional_domains/{}", i - k),
    };
    let outcome = check_domain_list(primary.as_ref(), &extras, &pointer_of, &list_rules);
    problems.extend(outcome.issues);
    outcome
        .domains
        .iter()
        .map(|f| f.as_str().to_owned())
        .collect()
}

/// A generated CSR that no longer fits the order (case 2): made for other names, or with
/// another organization than the holder now given. It is kept and reported, so that the
/// customer knows to generate it again (`POST /orders/{id}/generate-csr`).
fn stale_csr(order: &OrderData, domains: &[String]) -> Vec<FieldIssue> {
    let Some(csr) = order
        .csr
        .as_ref()
        .filter(|c| c.origin == CsrOrigin::Generated)
    else {
        return Vec::new();
    };
    let mut issues = Vec::new();
    let mut made_for = csr.names.clone();
    made_for.sort();
    let mut now = domains.to_vec();
    now.sort();
    if !now.is_empty() && made_for != now {
        issues.push(FieldIssue::new(
            "/csr_pem",
            Code::CsrStale,
            format!(
                "La CSR générée porte les noms {} ; la commande porte maintenant {} : générez-la de nouveau.",
                csr.names.join(", "),
                domains.join(", ")
            ),
            format!(
                "The generated CSR carries the names {}; the order now has {}: generate it again.",
                csr.names.join(", "),
                domains.join(", ")
            ),
        ));
    }
    if let Some(HolderParty::OtherOrganization(org)) = order.holder.as_ref().map(|h| &h.party) {
        let subject = format!(",{},", csr.details.subject);
        let expected = format!(
            ",O={},",
            crate::domain::pki::csr::escape_4514(&org.legal_name)
        );
        if !subject.contains(&expected) {
            issues.push(FieldIssue::new(
                "/csr_pem",
                Code::CsrStale,
                format!(
                    "La CSR générée a pour sujet « {} », pas le titulaire « {} » : générez-la de nouveau.",
                    csr.details.subject, org.legal_name
                ),
                format!(
                    "The generated CSR's subject is \"{}\", not the holder \"{}\": generate it again.",
                    csr.details.subject, org.legal_name
                ),
            ));
        }
    }
    issues
}

/// Case 2: the CSR's subject — the FQDN as CN, and the holder's organization (the
/// account's own when the holder is "self").
pub fn csr_subject(order: &OrderData, account: &Account) -> CsrSubject {
    let fqdn = order.fqdn.as_deref().unwrap_or_default();
    let (organization, locality, country) = match order.holder.as_ref().map(|h| &h.party) {
        Some(HolderParty::OtherOrganization(org)) => (
            org.legal_name.clone(),
            org.city.clone(),
            org.country.as_str().to_owned(),
        ),
        _ => (
            account.organization.legal_name.clone(),
            account.organization.city.clone(),
            account.organization.country.clone(),
        ),
    };
    CsrSubject {
        common_name: fqdn.to_owned(),
        organization: Some(organization),
        organizational_unit: None,
        locality: Some(locality),
        country: Some(country),
    }
}

/// Case 2: what stops key and CSR generation now (method, FQDN, name problems), if anything.
pub fn generation_blockers(order: &OrderData, assessment: &Assessment) -> Vec<FieldIssue> {
    let (names, problems) = (&assessment.domains, &assessment.problems);
    let mut issues = Vec::new();
    if order.generation_method != Some(GenerationMethod::Generate) {
        issues.push(FieldIssue::new(
            "/generation_method",
            Code::GenerationMethodNotGenerate,
            "Choisissez d'abord generation_method « generate » (cas 2 : CSR générée par le service).",
            "First set generation_method to \"generate\" (case 2: the service makes the CSR).",
        ));
    }
    if order.fqdn.is_none() {
        issues.push(FieldIssue::new(
            "/fqdn",
            Code::StepMissing,
            "Saisissez d'abord le FQDN à protéger (fqdn).",
            "First enter the FQDN to protect (fqdn).",
        ));
    }
    issues.extend(
        problems
            .iter()
            .filter(|p| {
                p.pointer.starts_with("/fqdn") || p.pointer.starts_with("/additional_domains")
            })
            .cloned(),
    );
    if issues.is_empty() && names.is_empty() {
        issues.push(FieldIssue::new(
            "/fqdn",
            Code::StepMissing,
            "Aucun nom à protéger.",
            "No name to protect.",
        ));
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::account::{AccountId, Role};
    use crate::domain::order::{ChangeError, Order};
    use chrono::TimeZone;
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
    }

    fn draft() -> Order {
        Order::test_draft(now())
    }

    fn caller() -> Caller {
        Caller {
            account_id: AccountId(Uuid::nil()),
            role: Role::Customer,
            partner_code: None,
        }
    }

    fn apply_to(order: &Order, changes: Changes) -> Result<Order, Vec<FieldIssue>> {
        let mut next = order.clone();
        let catalog = Catalog::bundled();
        let caller = caller();
        let ctx = Context {
            catalog: &catalog,
            now: now(),
            caller: &caller,
            client_address: None,
        };
        match next.apply_changes(changes, &ctx) {
            Ok(()) => Ok(next),
            Err(ChangeError::Invalid(issues)) => Err(issues),
            Err(other) => panic!("{other}"),
        }
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
        o.data.authority = Some("certigna-ssl".into());
        o.data.duration_months = Some(48);
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
        o.data.authority = Some("certigna-ssl".into());
        o.data.payment = Some(
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
        // the version is the repository's to bump, in the UPDATE that saves the change
        assert_eq!(next.version, o.version);
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
        o.data.authority = Some("certigna-ssl".into());
        o.data.duration_months = Some(24);
        o.data.generation_method = Some(GenerationMethod::Generate);
        o.data.fqdn = Some("www.certigna.fr".into());
        o.data.additional_domains = vec![
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
        o.data.authority = Some("certigna-ssl".into());
        o.data.generation_method = Some(GenerationMethod::Generate);
        o.data.fqdn = Some("www.certigna.fr".into());
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
        o.data.generation_method = Some(GenerationMethod::Generate);
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
        o.data.generation_method = Some(GenerationMethod::Generate);
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
    fn new_names_make_a_generated_csr_stale_reported_not_silently_discarded() {
        let mut o = draft();
        o.data.generation_method = Some(GenerationMethod::Generate);
        o.data.fqdn = Some("www.certigna.fr".into());
        let record = verify_csr(
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/csr/ec_p256_ok.pem"
            )),
            CsrOrigin::Generated,
            "/csr_pem",
            NameRules {
                wildcard_allowed: false,
            },
        )
        .unwrap();
        o.data.csr = Some(record);
        let next = apply_to(
            &o,
            Changes {
                additional_domains: Some(vec!["certigna.fr".into()]),
                ..Default::default()
            },
        )
        .unwrap();
        // Issue 13 item 2: the CSR used to be dropped without a word; it is kept, and the
        // order cannot be submitted until it is generated again for the new names.
        assert!(next.csr.is_some());
        let assessment = assess(&next, &Catalog::bundled(), now().date_naive());
        assert!(!assessment.ready());
        assert!(assessment
            .problems
            .iter()
            .any(|p| p.pointer == "/csr_pem" && p.code == "csr_stale"));
    }

    #[test]
    fn case_two_is_blocked_until_generate_and_an_fqdn_then_the_subject_is_the_holders() {
        let o = draft();
        let blocked = generation_blockers(&o, &assess(&o, &Catalog::bundled(), now().date_naive()));
        assert_eq!(
            codes(&blocked),
            [
                ("/generation_method", "generation_method_not_generate"),
                ("/fqdn", "step_missing")
            ]
        );
        let mut o = o;
        o.data.generation_method = Some(GenerationMethod::Generate);
        o.data.fqdn = Some("www.certigna.fr".into());
        assert!(
            generation_blockers(&o, &assess(&o, &Catalog::bundled(), now().date_naive()))
                .is_empty()
        );
        let account = Account {
            id: crate::domain::account::AccountId(Uuid::nil()),
            username: "demo".into(),
            role: Role::Customer,
            email: "a@example.fr".into(),
            full_name: "A".into(),
            phone: None,
            partner_code: None,
            organization: crate::domain::account::Organization {
                legal_name: "Démo Client SAS".into(),
                kind: crate::domain::account::OrganizationKind::Company,
                registration_number: None,
                address: "1 rue".into(),
                postal_code: None,
                city: "Lille".into(),
                country: "FR".into(),
            },
            legal_representative: true,
        };
        let subject = csr_subject(&o, &account);
        assert_eq!(subject.common_name, "www.certigna.fr");
        assert_eq!(subject.organization.as_deref(), Some("Démo Client SAS"));
        assert_eq!(
            (subject.locality.as_deref(), subject.country.as_deref()),
            (Some("Lille"), Some("FR"))
        );
    }

    #[test]
    fn a_fixed_partner_cannot_be_changed() {
        let mut o = draft();
        o.data.partner = Some(PartnerChoice::Partner {
            code: "PART-DEMO".into(),
        });
        o.data.partner_fixed = true;
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
