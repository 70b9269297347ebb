//! Stateless checks: the same CSR and domain rules as the wizard, no order needed.

use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::catalog::{find_authority, Authority};
use crate::domain::order::wizard::{list_verdict, verify_decoding, MAX_ADDITIONAL_DOMAINS_INPUT};
use crate::domain::order::CsrOrigin;
use crate::domain::pki::csr::decode_csr as decode;
use crate::domain::pki::fqdn::{
    check_domain_list, check_name, Fqdn, ListRules, NameRules, NameVerdict,
};
use crate::domain::shared::issue::{Code, FieldIssue, Lang};
use crate::http::json::ValidJson;
use crate::http::problem::{ApiError, Problem, ProblemField};
use crate::http::views::CsrView;
use crate::http::{AcceptLanguage, AppState};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsrDecodeRequest {
    /// The CSR, PEM PKCS#10.
    #[schema(
        example = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB...\n-----END CERTIFICATE REQUEST-----\n"
    )]
    pub csr_pem: String,
    /// Check the CSR as an order for this authority would: wildcards, the limit of extra
    /// names and the registrable-domain rule. The verdict is the order's.
    pub authority: Option<String>,
}

/// One name's verdict under the domain rules.
#[derive(Serialize, ToSchema)]
pub struct NameVerdictView {
    /// The name as given.
    pub input: String,
    pub valid: bool,
    /// Lowercase A-label form.
    #[schema(required = true)]
    pub normalized: Option<String>,
    /// Unicode form (IDN).
    #[schema(required = true)]
    pub unicode: Option<String>,
    /// The registrable domain (public suffix + one label), e.g. `certigna.fr`.
    #[schema(required = true)]
    pub registrable_domain: Option<String>,
    #[schema(required = true)]
    pub public_suffix: Option<String>,
    pub wildcard: bool,
    /// Every rule the name breaks.
    pub reasons: Vec<ProblemField>,
}

fn localize(issues: &[FieldIssue], lang: Lang) -> Vec<ProblemField> {
    ProblemField::localized(issues, lang)
}

impl NameVerdictView {
    fn from(v: NameVerdict, pointer: &str, lang: Lang) -> Self {
        let issues: Vec<FieldIssue> = v.issues.into_iter().map(|i| i.at(pointer)).collect();
        NameVerdictView {
            input: v.input,
            valid: v.valid,
            normalized: v.normalized,
            unicode: v.unicode,
            registrable_domain: v.registrable_domain,
            public_suffix: v.public_suffix,
            wildcard: v.wildcard,
            reasons: localize(&issues, lang),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CsrDecodeResponse {
    /// True when the CSR would be accepted by an order (for `authority`, when given): the
    /// same functions give both verdicts.
    pub valid: bool,
    /// The decoded CSR, whenever it could be parsed at all.
    #[schema(required = true)]
    pub csr: Option<CsrView>,
    /// The verdict on each name (CN, then SAN dNSNames).
    pub names: Vec<NameVerdictView>,
    /// Every finding on the CSR and its names, each with a stable code.
    pub issues: Vec<ProblemField>,
}

fn authority_of<'a>(
    state: &'a AppState,
    id: Option<&str>,
    pointer: &str,
) -> Result<Option<&'a Authority>, ApiError> {
    id.map(|id| {
        find_authority(&state.app.catalog, id.trim(), pointer)
            .map_err(|e| ApiError::Validation(vec![e]))
    })
    .transpose()
}

/// Decode and check a CSR, reporting every finding (not only the first).
///
/// The same checks as step 9 ("Vérifier la demande"): the self-signature, the signature
/// algorithm, the key (RSA ≥ 2048 bits, exponent, small factors, Fermat, ROCA; ECDSA P-256
/// or P-384), the CN and each name under the domain rules. Always 200 for a well-formed
/// request: `valid` says whether an order would accept it. Public.
#[utoipa::path(
    tag = "checks",
    request_body = CsrDecodeRequest,
    responses(
        (status = 200, description = "The verdict", body = CsrDecodeResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing field, unknown field or unknown authority", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/csr/decode")]
pub async fn decode_csr(
    state: web::Data<AppState>,
    lang: AcceptLanguage,
    body: ValidJson<CsrDecodeRequest>,
) -> Result<web::Json<CsrDecodeResponse>, ApiError> {
    let lang = lang.0;
    let req = body.0;
    let authority = authority_of(&state, req.authority.as_deref(), "/authority")?;
    let rules = NameRules {
        wildcard_allowed: authority.is_none_or(|a| a.wildcard_allowed),
    };
    let decoding = decode(&req.csr_pem, "/csr_pem");
    let mut names = Vec::new();
    if let Some(d) = &decoding.details {
        let mut seen: Vec<String> = Vec::new();
        for raw in d.common_name.iter().chain(d.dns_names.iter()) {
            if seen.iter().any(|s| s.eq_ignore_ascii_case(raw)) {
                continue;
            }
            seen.push(raw.clone());
            names.push(NameVerdictView::from(
                check_name(raw, rules),
                "/csr_pem",
                lang,
            ));
        }
    }
    let csr = decoding.details.as_ref().map(CsrView::from);
    // The order's verdict, by the order's functions: the CSR and each of its names, then
    // the authority's list rules (limit of extra names, registrable domain).
    let issues = match verify_decoding(decoding, CsrOrigin::Pasted, "/csr_pem", rules) {
        Ok(record) => {
            let mut issues = Vec::new();
            let (primary, others) = record
                .names
                .split_first()
                .map_or((None, &[][..]), |(p, o)| (Some(p.as_str()), o));
            list_verdict(primary, "/csr_pem", others, &[], authority, &mut issues);
            issues
        }
        Err(issues) => issues,
    };
    Ok(web::Json(CsrDecodeResponse {
        valid: csr.is_some() && issues.is_empty(),
        csr,
        names,
        issues: localize(&issues, lang),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"names": ["www.certigna.fr", "certigna.fr", "certigna", "192.0.2.1"], "authority": "certigna-ssl"}))]
pub struct DomainsCheckRequest {
    /// The names to check; with an authority, the first is the primary name and the others
    /// its extra subdomains. At most 100.
    #[schema(max_items = 100)]
    pub names: Vec<String>,
    /// Check wildcards, the count limit and the registrable-domain rule as this authority
    /// sets them.
    pub authority: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DomainsCheckResponse {
    /// True when every name, and the list as a whole, passes.
    pub valid: bool,
    /// Per name, in the order given.
    pub results: Vec<NameVerdictView>,
    /// With an authority: the effective list (primary first, duplicates merged).
    pub domains: Vec<String>,
    /// With an authority: list-level problems (limit, registrable domain), pointing at
    /// `/names/{index}` or `/names`.
    pub list_issues: Vec<ProblemField>,
}

/// Check domain names: normalization, syntax, public suffix, reserved names, IP addresses,
/// wildcards and, with an authority, its list rules. Public.
#[utoipa::path(
    tag = "checks",
    request_body = DomainsCheckRequest,
    responses(
        (status = 200, description = "The verdicts", body = DomainsCheckResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many names, unknown field or unknown authority", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/domains/check")]
pub async fn check_domains(
    state: web::Data<AppState>,
    lang: AcceptLanguage,
    body: ValidJson<DomainsCheckRequest>,
) -> Result<web::Json<DomainsCheckResponse>, ApiError> {
    let lang = lang.0;
    let req = body.0;
    if req.names.len() > MAX_ADDITIONAL_DOMAINS_INPUT {
        return Err(ApiError::Validation(vec![FieldIssue::new(
            "/names",
            Code::TooManyDomains,
            format!("Au plus {MAX_ADDITIONAL_DOMAINS_INPUT} noms par requête."),
            format!("At most {MAX_ADDITIONAL_DOMAINS_INPUT} names per request."),
        )]));
    }
    let authority = authority_of(&state, req.authority.as_deref(), "/authority")?;
    let rules = NameRules {
        wildcard_allowed: authority.is_none_or(|a| a.wildcard_allowed),
    };
    let results: Vec<NameVerdictView> = req
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| NameVerdictView::from(check_name(n, rules), &format!("/names/{i}"), lang))
        .collect();
    let (domains, list_issues) = match (authority, req.names.split_first()) {
        (Some(a), Some((first, rest))) => {
            let list_rules = ListRules {
                wildcard_allowed: a.wildcard_allowed,
                max_additional_domains: a.max_additional_domains,
                extras_any_registrable_domain: a.additional_domains_any_registrable_domain,
            };
            let primary = Fqdn::parse(first, rules).ok();
            // extras are names 1.. of the request; per-name syntax is already in `results`
            let pointer_of = |index: Option<usize>| match index {
                Some(i) => format!("/names/{}", i + 1),
                None => "/names".to_owned(),
            };
            let outcome = check_domain_list(primary.as_ref(), rest, &pointer_of, &list_rules);
            let issues: Vec<FieldIssue> = outcome
                .issues
                .into_iter()
                .filter(|i| {
                    matches!(
                        i.code,
                        Code::TooManyDomains | Code::DomainOutsideRegistrable
                    )
                })
                .collect();
            (
                outcome
                    .domains
                    .iter()
                    .map(|d| d.as_str().to_owned())
                    .collect(),
                localize(&issues, lang),
            )
        }
        _ => (Vec::new(), Vec::new()),
    };
    Ok(web::Json(DomainsCheckResponse {
        valid: results.iter().all(|r| r.valid) && list_issues.is_empty(),
        results,
        domains,
        list_issues,
    }))
}
