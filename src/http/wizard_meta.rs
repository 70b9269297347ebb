//! The wizard as data a frontend reads instead of hard-coding it (`GET /catalog`,
//! `wizard`): each step's labels (FR/EN), the generation methods it applies to, and the
//! fields that answer it — the JSON pointers that `missing`, `invalid` and `errors[]` use.

use serde::Serialize;
use utoipa::ToSchema;

use super::views::{GenerationMethodView, StepView};
use crate::domain::order::Step;

/// One field of a step: its pointer in `PATCH /orders/{id}`'s body and its labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldEntry {
    /// JSON pointer (RFC 6901) into the PATCH body, as `errors[].pointer` and
    /// `invalid[].pointer` give it (array items add `/{index}`).
    #[schema(example = "/holder/contact/email")]
    pub pointer: &'static str,
    pub label_fr: &'static str,
    pub label_en: &'static str,
}

/// One step of the wizard.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepEntry {
    /// The name `missing` uses.
    pub id: StepView,
    /// The steps of the authority's customer guide it stands for (e.g. `C1 9–11`).
    pub guide_steps: &'static str,
    pub label_fr: &'static str,
    pub label_en: &'static str,
    /// The generation methods for which the step applies (both, before one is chosen).
    pub generation_methods: Vec<GenerationMethodView>,
    /// The pointer of the step itself, as `commander`'s `step_missing` gives it.
    pub pointer: &'static str,
    /// Every field that answers the step, with its labels.
    pub fields: Vec<FieldEntry>,
}

/// The wizard: its steps in order, and how they map to fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct WizardEntry {
    pub steps: Vec<StepEntry>,
}

const fn f(pointer: &'static str, label_fr: &'static str, label_en: &'static str) -> FieldEntry {
    FieldEntry {
        pointer,
        label_fr,
        label_en,
    }
}

fn person(prefix: &'static str) -> [FieldEntry; 4] {
    match prefix {
        "/holder/certificate_manager" => [
            f(
                "/holder/certificate_manager/first_name",
                "Prénom du responsable du certificat",
                "Certificate manager's first name",
            ),
            f(
                "/holder/certificate_manager/last_name",
                "Nom du responsable du certificat",
                "Certificate manager's last name",
            ),
            f(
                "/holder/certificate_manager/email",
                "E-mail du responsable du certificat",
                "Certificate manager's e-mail",
            ),
            f(
                "/holder/certificate_manager/phone",
                "Téléphone du responsable du certificat",
                "Certificate manager's phone",
            ),
        ],
        _ => [
            f(
                "/holder/contact",
                "Contact chez le titulaire",
                "Contact at the holder",
            ),
            f("/holder/contact/name", "Nom du contact", "Contact name"),
            f(
                "/holder/contact/email",
                "E-mail du contact",
                "Contact e-mail",
            ),
            f(
                "/holder/contact/phone",
                "Téléphone du contact",
                "Contact phone",
            ),
        ],
    }
}

fn fields(step: Step) -> Vec<FieldEntry> {
    match step {
        Step::Authority => vec![f(
            "/authority",
            "Autorité de certification",
            "Certificate authority",
        )],
        Step::Partner => vec![
            f(
                "/partner",
                "Passez-vous par un partenaire ?",
                "Through a partner?",
            ),
            f("/partner/code", "Code partenaire", "Partner code"),
        ],
        Step::DurationMonths => vec![f("/duration_months", "Durée (mois)", "Duration (months)")],
        Step::GenerationMethod => vec![f(
            "/generation_method",
            "Méthode de génération de la CSR",
            "CSR generation method",
        )],
        Step::Fqdn => vec![
            f("/fqdn", "FQDN à protéger", "FQDN to protect"),
            f(
                "/additional_domains",
                "Sous-domaines supplémentaires",
                "Additional subdomains",
            ),
        ],
        Step::Csr => vec![
            f(
                "/csr_pem",
                "Demande de certificat (CSR)",
                "Certificate signing request (CSR)",
            ),
            f(
                "/additional_domains",
                "Sous-domaines supplémentaires",
                "Additional subdomains",
            ),
        ],
        Step::Holder => {
            let mut v = vec![
                f("/holder", "Titulaire du domaine", "Domain holder"),
                f(
                    "/holder/type",
                    "Le titulaire est-il votre organisation ?",
                    "Is the holder your organization?",
                ),
                f("/holder/legal_name", "Raison sociale", "Legal name"),
                f("/holder/country", "Pays", "Country"),
                f("/holder/city", "Ville", "City"),
                f("/holder/address", "Adresse", "Address"),
                f("/holder/postal_code", "Code postal", "Postal code"),
                f(
                    "/holder/registration_number",
                    "SIREN ou SIRET",
                    "SIREN or SIRET",
                ),
                f(
                    "/holder/vat_number",
                    "Numéro de TVA intracommunautaire",
                    "EU VAT number",
                ),
            ];
            v.extend(person("/holder/contact"));
            v.push(f(
                "/holder/certificate_manager",
                "Responsable du certificat",
                "Certificate manager",
            ));
            v.extend(person("/holder/certificate_manager"));
            v
        }
        Step::Payment => vec![
            f("/payment/method", "Moyen de paiement", "Payment method"),
            f(
                "/payment/purchase_order",
                "Bon de commande",
                "Purchase order",
            ),
            f(
                "/payment/purchase_order/purchase_order_number",
                "Numéro de bon de commande",
                "Purchase-order number",
            ),
            f(
                "/payment/purchase_order/engagement_number",
                "Numéro d'engagement juridique",
                "Engagement number",
            ),
            f(
                "/payment/purchase_order/service_code",
                "Code service (Chorus Pro)",
                "Service code (Chorus Pro)",
            ),
        ],
        Step::Terms => vec![f(
            "/terms/version",
            "Conditions générales d'utilisation acceptées",
            "Terms of use accepted",
        )],
    }
}

fn guide_steps(step: Step) -> &'static str {
    match step {
        Step::Authority => "5",
        Step::Partner => "6",
        Step::DurationMonths => "7",
        Step::GenerationMethod => "8",
        Step::Fqdn => "C2 9–10",
        Step::Csr => "C1 9–11, C2 (generate-csr)",
        Step::Holder => "C1 12, C2 11",
        Step::Payment => "14",
        Step::Terms => "15",
    }
}

fn title(step: Step) -> (&'static str, &'static str) {
    match step {
        Step::Authority => ("Autorité de certification", "Certificate authority"),
        Step::Partner => ("Partenaire", "Partner"),
        Step::DurationMonths => ("Durée", "Duration"),
        Step::GenerationMethod => ("Méthode de génération", "Generation method"),
        Step::Fqdn => ("Nom à protéger", "Name to protect"),
        Step::Csr => (
            "Demande de certificat (CSR)",
            "Certificate signing request (CSR)",
        ),
        Step::Holder => ("Titulaire du domaine", "Domain holder"),
        Step::Payment => ("Paiement", "Payment"),
        Step::Terms => ("Conditions générales", "Terms of use"),
    }
}

/// The wizard's metadata, built from the domain's list of steps.
pub fn wizard() -> WizardEntry {
    WizardEntry {
        steps: Step::ALL
            .iter()
            .map(|&step| {
                let (label_fr, label_en) = title(step);
                StepEntry {
                    id: step.into(),
                    guide_steps: guide_steps(step),
                    label_fr,
                    label_en,
                    generation_methods: match step {
                        Step::Fqdn => vec![GenerationMethodView::Generate],
                        _ => vec![GenerationMethodView::Csr, GenerationMethodView::Generate],
                    },
                    pointer: step.pointer(),
                    fields: fields(step),
                }
            })
            .collect(),
    }
}
