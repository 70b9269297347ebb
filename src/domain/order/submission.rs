//! "Commander": what an order freezes when it is submitted — the catalogue entry, the price,
//! the certificate plan, the domain list, the justificatifs to send back and the data of the
//! PDF form. Pure: the caller passes the account, the catalogue and the time.

use chrono::{DateTime, Utc};

use crate::domain::account::Account;
use crate::domain::catalog::pricing::Price;
use crate::domain::catalog::{Authority, Catalog, CertificatePlan};
use crate::domain::documents::justificatifs::{Justificatif, JustificatifFacts, JustificatifRules};
use crate::domain::order::formulaire::{
    FormulaireData, OrganizationBlock, PersonBlock, PriceBlock,
};
use crate::domain::order::holder::{HolderParty, Organization};
use crate::domain::order::wizard::assess;
use crate::domain::order::{OrderData, Step};
use crate::domain::shared::issue::{Code, FieldIssue};

/// Everything `commander` froze, stored with the order.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub catalog_version: String,
    pub authority: Authority,
    pub price: Price,
    pub plan: CertificatePlan,
    pub domains: Vec<String>,
    /// The justificatifs to send back.
    pub documents: Vec<Justificatif>,
    /// The data of the PDF form (rendered on demand and for the e-mail).
    pub formulaire: FormulaireData,
}

/// The facts of `order` the rules look at, as `commander` takes them (the account's
/// organization and role, the holder, the product line, the payment method); `Err` lists
/// the steps still unanswered that they depend on. A draft's justificatifs are previewed
/// with this and `JustificatifRules::required`, the same rules as at "Commander".
pub fn facts_of(
    order: &OrderData,
    account: &Account,
    catalog: &Catalog,
) -> Result<JustificatifFacts, Vec<Step>> {
    let authority = order
        .authority
        .as_deref()
        .and_then(|a| catalog.authority(a));
    match (authority, &order.holder, &order.payment) {
        (Some(authority), Some(holder), Some(payment)) => Ok(JustificatifFacts {
            organization_kind: account.organization.kind,
            requester_is_legal_representative: account.legal_representative,
            holder_is_other_organization: matches!(holder.party, HolderParty::OtherOrganization(_)),
            product_line: authority.product_line,
            payment_method: payment.method().as_str().to_owned(),
        }),
        (authority, holder, payment) => Err([
            (authority.is_none(), Step::Authority),
            (holder.is_none(), Step::Holder),
            (payment.is_none(), Step::Payment),
        ]
        .into_iter()
        .filter_map(|(unknown, step)| unknown.then_some(step))
        .collect()),
    }
}

/// What "commander" freezes for a draft, or every missing or invalid step. The order's own
/// [`submit`](crate::domain::order::Order::submit) calls it and makes the transition.
pub(crate) fn freeze(
    order: &OrderData,
    account: &Account,
    catalog: &Catalog,
    rules: &JustificatifRules,
    now: DateTime<Utc>,
) -> Result<Submission, Vec<FieldIssue>> {
    let assessment = assess(order, catalog, now.date_naive());
    if !assessment.ready() {
        return Err(assessment.blocking_issues());
    }
    // `ready` guarantees every step below is answered and valid.
    let incomplete = || {
        vec![FieldIssue::new(
            "",
            Code::OrderIncomplete,
            "Commande incomplète.",
            "Incomplete order.",
        )]
    };
    let authority = order
        .authority
        .as_deref()
        .and_then(|id| catalog.authority(id))
        .ok_or_else(incomplete)?;
    let (Some(price), Some(plan), Some(holder), Some(payment), Some(terms), Some(csr)) = (
        assessment.price,
        assessment.plan.clone(),
        order.holder.as_ref(),
        order.payment.as_ref(),
        order.terms.as_ref(),
        order.csr.as_ref(),
    ) else {
        return Err(incomplete());
    };

    let facts = facts_of(order, account, catalog).map_err(|_| incomplete())?;
    let documents = rules.required(&facts);

    let account_block = OrganizationBlock {
        legal_name: account.organization.legal_name.clone(),
        siren_siret: account.organization.registration_number.clone(),
        address: account.organization.address.clone(),
        postal_code: account.organization.postal_code.clone(),
        city: account.organization.city.clone(),
        country: account.organization.country.clone(),
    };
    let holder_block = match &holder.party {
        HolderParty::Own => account_block.clone(),
        HolderParty::OtherOrganization(org) => organization_block(org),
    };
    let key = &csr.details.key;
    let key_description = match (&key.curve, key.algorithm.as_str()) {
        (Some(curve), _) => format!("ECDSA {curve}"),
        (None, "rsa") => format!("RSA {} bits", key.bits),
        (None, other) => format!("{other} {}", key.bits),
    };
    let payment_references = payment
        .purchase_order()
        .map(|po| {
            vec![
                (
                    "Numéro de bon de commande".to_owned(),
                    po.purchase_order_number().to_owned(),
                ),
                (
                    "Numéro d'engagement".to_owned(),
                    po.engagement_number().to_owned(),
                ),
                (
                    "Code service (Chorus Pro)".to_owned(),
                    po.service_code().to_owned(),
                ),
            ]
        })
        .unwrap_or_default();
    let formulaire = FormulaireData {
        order_number: order.number.clone(),
        submitted_at: now,
        account: account_block,
        requester: PersonBlock {
            name: account.full_name.clone(),
            email: account.email.clone(),
            phone: account.phone.clone(),
        },
        holder: holder_block,
        holder_is_self: matches!(holder.party, HolderParty::Own),
        authority_name: authority.name.clone(),
        product_line_label: authority.product_line.label().to_owned(),
        duration_months: plan_months(order),
        certificate_validity_days: plan.certificate_validity_days,
        issuances: plan.issuances,
        domains: assessment
            .domains
            .iter()
            .map(|d| readable_domain(d))
            .collect(),
        csr_key_fingerprint_sha256: csr.details.public_key_sha256.clone(),
        key_description,
        payment_method_label: payment.method().label_fr().to_owned(),
        payment_references,
        price: PriceBlock {
            excl_vat_cents: price.excl_vat_cents,
            vat_cents: price.vat_cents,
            incl_vat_cents: price.incl_vat_cents,
            vat_rate_percent: f64::from(price.vat_rate_basis_points) / 100.0,
        },
        terms_version: terms.version.clone(),
        terms_accepted_at: terms.accepted_at,
        certificate_manager: holder.certificate_manager.as_ref().map(|m| PersonBlock {
            name: format!("{} {}", m.first_name, m.last_name),
            email: m.email.as_str().to_owned(),
            phone: Some(m.phone.as_str().to_owned()),
        }),
        documents: documents.clone(),
    };
    let submission = Submission {
        catalog_version: catalog.version().to_owned(),
        authority: authority.clone(),
        price,
        plan,
        domains: assessment.domains,
        documents,
        formulaire,
    };
    Ok(submission)
}

/// An IDN as the customer wrote it, with its A-label: `www.société.fr (www.xn--socit-esab.fr)`.
fn readable_domain(ascii: &str) -> String {
    let (unicode, result) = idna::domain_to_unicode(ascii);
    match result {
        Ok(()) if unicode != ascii => format!("{unicode} ({ascii})"),
        _ => ascii.to_owned(),
    }
}

fn plan_months(order: &OrderData) -> u32 {
    order
        .duration_months
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or(0)
}

fn organization_block(org: &Organization) -> OrganizationBlock {
    OrganizationBlock {
        legal_name: org.legal_name.clone(),
        siren_siret: org.registration_number.clone(),
        address: org.address.clone(),
        postal_code: org.postal_code.clone(),
        city: org.city.clone(),
        country: org.country.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::readable_domain;

    #[test]
    fn an_idn_shows_its_unicode_form_beside_its_a_label_on_the_form() {
        assert_eq!(
            readable_domain("www.xn--socit-esab.fr"),
            "www.société.fr (www.xn--socit-esab.fr)"
        );
        assert_eq!(readable_domain("www.certigna.fr"), "www.certigna.fr");
    }
}
