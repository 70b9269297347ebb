//! The payment step (wizard step 14, "Sélectionnez votre moyen de paiement").
//!
//! The service only records the customer's choice; it never charges a card. A public buyer
//! paying by purchase order ("bon de commande") gives the three references that Chorus Pro
//! invoices need: the purchase-order number, the engagement number ("numéro d'engagement
//! juridique") and the service code ("code service").
//!
//! Input shape (`PATCH /orders/{id}` field `payment`):
//!
//! ```json
//! { "method": "purchase_order",
//!   "purchase_order": { "purchase_order_number": "BC-2026-0042",
//!                       "engagement_number": "1300012345",
//!                       "service_code": "SERV-DSI" } }
//! ```
//!
//! `purchase_order` is required with, and only allowed with, `"method": "purchase_order"`.

use serde::Deserialize;

use crate::domain::shared::issue::{Code, FieldIssue};
pub use crate::domain::shared::payment_method::PaymentMethod;

/// Longest purchase-order reference accepted, in characters.
pub const MAX_REFERENCE_CHARS: usize = 50;

/// The `payment` field as a client sends it. Every field is optional at this level so that
/// a missing one is reported as `required` alongside every other problem.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub purchase_order: Option<PurchaseOrderInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderInput {
    #[serde(default)]
    pub purchase_order_number: Option<String>,
    #[serde(default)]
    pub engagement_number: Option<String>,
    /// Chorus Pro service code of the buyer.
    #[serde(default)]
    pub service_code: Option<String>,
}

/// References of a purchase order, each trimmed, non-empty, ≤ 50 printable characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseOrderReferences {
    purchase_order_number: String,
    engagement_number: String,
    service_code: String,
}

impl PurchaseOrderReferences {
    /// References checked when they were given (by [`validate_payment`]) and kept since:
    /// persistence reads them back with this, without checking them again.
    pub fn from_validated(
        purchase_order_number: String,
        engagement_number: String,
        service_code: String,
    ) -> Self {
        PurchaseOrderReferences {
            purchase_order_number,
            engagement_number,
            service_code,
        }
    }

    pub fn purchase_order_number(&self) -> &str {
        &self.purchase_order_number
    }
    pub fn engagement_number(&self) -> &str {
        &self.engagement_number
    }
    /// Chorus Pro service code.
    pub fn service_code(&self) -> &str {
        &self.service_code
    }
}

/// A validated payment choice. The API shows it with its own type
/// (`http::step_views::PaymentView`), storage with its own (`persistence::stored::payment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payment {
    Card,
    BankTransfer,
    Cheque,
    AdministrativeMandate,
    PurchaseOrder {
        purchase_order: PurchaseOrderReferences,
    },
}

impl Payment {
    pub fn method(&self) -> PaymentMethod {
        match self {
            Payment::Card => PaymentMethod::Card,
            Payment::BankTransfer => PaymentMethod::BankTransfer,
            Payment::Cheque => PaymentMethod::Cheque,
            Payment::AdministrativeMandate => PaymentMethod::AdministrativeMandate,
            Payment::PurchaseOrder { .. } => PaymentMethod::PurchaseOrder,
        }
    }

    pub fn purchase_order(&self) -> Option<&PurchaseOrderReferences> {
        match self {
            Payment::PurchaseOrder { purchase_order } => Some(purchase_order),
            _ => None,
        }
    }
}

fn method_list(methods: &[PaymentMethod], french: bool) -> String {
    methods
        .iter()
        .map(|m| {
            let label = if french { m.label_fr() } else { m.label_en() };
            format!("{} ({label})", m.as_str())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks one purchase-order reference; pushes its problems and returns the trimmed value.
fn reference(
    value: Option<&str>,
    pointer: String,
    what_fr: &str,
    what_en: &str,
    issues: &mut Vec<FieldIssue>,
) -> Option<String> {
    let value = value.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        issues.push(FieldIssue::new(
            pointer,
            Code::Required,
            format!("Le {what_fr} est obligatoire pour un paiement par bon de commande."),
            format!("The {what_en} is required for payment by purchase order."),
        ));
        return None;
    }
    let mut ok = true;
    let chars = value.chars().count();
    if chars > MAX_REFERENCE_CHARS {
        issues.push(FieldIssue::new(
            pointer.clone(),
            Code::TooLong,
            format!("Le {what_fr} fait au plus {MAX_REFERENCE_CHARS} caractères (ici {chars})."),
            format!(
                "The {what_en} is at most {MAX_REFERENCE_CHARS} characters long (got {chars})."
            ),
        ));
        ok = false;
    }
    if value.chars().any(char::is_control) {
        issues.push(FieldIssue::new(
            pointer,
            Code::NotPrintable,
            format!("Le {what_fr} ne doit pas contenir de caractères de contrôle."),
            format!("The {what_en} must not contain control characters."),
        ));
        ok = false;
    }
    ok.then(|| value.to_owned())
}

/// Validates the payment step against the methods the chosen authority allows.
/// `pointer` is where `input` sits in the request (usually `/payment`). Reports every problem.
pub fn validate_payment(
    input: &PaymentInput,
    allowed: &[PaymentMethod],
    pointer: &str,
) -> Result<Payment, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let method = match input.method.as_deref().map(str::trim) {
        None | Some("") => {
            issues.push(FieldIssue::new(
                format!("{pointer}/method"),
                Code::Required,
                format!(
                    "Choisissez un moyen de paiement parmi : {}.",
                    method_list(allowed, true)
                ),
                format!(
                    "Choose a payment method among: {}.",
                    method_list(allowed, false)
                ),
            ));
            None
        }
        Some(name) => match PaymentMethod::parse(name) {
            None => {
                issues.push(FieldIssue::new(
                    format!("{pointer}/method"),
                    Code::PaymentMethodUnknown,
                    format!(
                        "Le moyen de paiement « {name} » n'existe pas ; moyens acceptés : {}.",
                        method_list(allowed, true)
                    ),
                    format!(
                        "Payment method `{name}` does not exist; accepted methods: {}.",
                        method_list(allowed, false)
                    ),
                ));
                None
            }
            Some(method) if !allowed.contains(&method) => {
                issues.push(FieldIssue::new(
                    format!("{pointer}/method"),
                    Code::PaymentMethodNotAllowed,
                    format!(
                        "Le paiement par « {} » n'est pas accepté pour ce certificat ; moyens acceptés : {}.",
                        method.label_fr(),
                        method_list(allowed, true)
                    ),
                    format!(
                        "Payment by {} is not accepted for this certificate; accepted methods: {}.",
                        method.label_en().to_lowercase(),
                        method_list(allowed, false)
                    ),
                ));
                Some(method)
            }
            Some(method) => Some(method),
        },
    };

    let po_pointer = format!("{pointer}/purchase_order");
    let references = match (method, &input.purchase_order) {
        (Some(PaymentMethod::PurchaseOrder), None) => {
            issues.push(FieldIssue::new(
                po_pointer,
                Code::Required,
                "Le paiement par bon de commande demande le numéro de bon de commande, le numéro d'engagement et le code service.",
                "Payment by purchase order needs the purchase-order number, the engagement number and the service code.",
            ));
            None
        }
        (Some(PaymentMethod::PurchaseOrder), Some(po)) => {
            let number = reference(
                po.purchase_order_number.as_deref(),
                format!("{po_pointer}/purchase_order_number"),
                "numéro de bon de commande",
                "purchase-order number",
                &mut issues,
            );
            let engagement = reference(
                po.engagement_number.as_deref(),
                format!("{po_pointer}/engagement_number"),
                "numéro d'engagement",
                "engagement number",
                &mut issues,
            );
            let service = reference(
                po.service_code.as_deref(),
                format!("{po_pointer}/service_code"),
                "code service (Chorus Pro)",
                "service code (Chorus Pro)",
                &mut issues,
            );
            match (number, engagement, service) {
                (Some(purchase_order_number), Some(engagement_number), Some(service_code)) => {
                    Some(PurchaseOrderReferences {
                        purchase_order_number,
                        engagement_number,
                        service_code,
                    })
                }
                _ => None,
            }
        }
        (Some(other), Some(_)) => {
            issues.push(FieldIssue::new(
                po_pointer,
                Code::NotAllowedForMethod,
                format!(
                    "Les références de bon de commande ne vont qu'avec le paiement par bon de commande, pas avec « {} ».",
                    other.label_fr()
                ),
                format!(
                    "Purchase-order references only go with payment by purchase order, not with {}.",
                    other.label_en().to_lowercase()
                ),
            ));
            None
        }
        (_, _) => None,
    };

    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(
        match method.expect("a method is present when there is no issue") {
            PaymentMethod::Card => Payment::Card,
            PaymentMethod::BankTransfer => Payment::BankTransfer,
            PaymentMethod::Cheque => Payment::Cheque,
            PaymentMethod::AdministrativeMandate => Payment::AdministrativeMandate,
            PaymentMethod::PurchaseOrder => Payment::PurchaseOrder {
                purchase_order: references.expect("references are present when there is no issue"),
            },
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const RGS: &[PaymentMethod] = &[
        PaymentMethod::BankTransfer,
        PaymentMethod::AdministrativeMandate,
        PaymentMethod::PurchaseOrder,
    ];

    fn input(value: serde_json::Value) -> PaymentInput {
        serde_json::from_value(value).expect("input shape")
    }

    fn codes(issues: &[FieldIssue]) -> Vec<(&str, &str)> {
        issues
            .iter()
            .map(|i| (i.pointer.as_str(), i.code.as_str()))
            .collect()
    }

    #[test]
    fn an_allowed_simple_method_is_accepted() {
        let payment =
            validate_payment(&input(json!({"method": "bank_transfer"})), RGS, "/payment").unwrap();
        assert_eq!(payment, Payment::BankTransfer);
        assert_eq!(payment.method(), PaymentMethod::BankTransfer);
        assert_eq!(payment.purchase_order(), None);
    }

    #[test]
    fn a_purchase_order_with_its_three_references_is_accepted_and_trimmed() {
        let payment = validate_payment(
            &input(json!({"method": "purchase_order", "purchase_order": {
                "purchase_order_number": " BC-2026-0042 ",
                "engagement_number": "1300012345",
                "service_code": "SERV-DSI"}})),
            RGS,
            "/payment",
        )
        .unwrap();
        let po = payment.purchase_order().unwrap();
        assert_eq!(po.purchase_order_number(), "BC-2026-0042");
        assert_eq!(po.engagement_number(), "1300012345");
        assert_eq!(po.service_code(), "SERV-DSI");
    }

    #[test]
    fn a_method_the_authority_does_not_allow_is_refused_naming_the_allowed_ones() {
        let issues =
            validate_payment(&input(json!({"method": "card"})), RGS, "/payment").unwrap_err();
        assert_eq!(
            codes(&issues),
            [("/payment/method", "payment_method_not_allowed")]
        );
        assert!(issues[0].message_fr.contains("Carte bancaire"));
        assert!(issues[0].message_fr.contains("Mandat administratif"));
        assert!(issues[0].message_en.contains("administrative_mandate"));
    }

    #[test]
    fn an_unknown_method_is_reported_as_unknown() {
        let issues =
            validate_payment(&input(json!({"method": "bitcoin"})), RGS, "/payment").unwrap_err();
        assert_eq!(
            codes(&issues),
            [("/payment/method", "payment_method_unknown")]
        );
    }

    #[test]
    fn a_missing_method_is_required() {
        let issues = validate_payment(&input(json!({})), RGS, "/payment").unwrap_err();
        assert_eq!(codes(&issues), [("/payment/method", "required")]);
    }

    #[test]
    fn a_purchase_order_without_references_is_refused() {
        let issues = validate_payment(&input(json!({"method": "purchase_order"})), RGS, "/payment")
            .unwrap_err();
        assert_eq!(codes(&issues), [("/payment/purchase_order", "required")]);
    }

    #[test]
    fn every_bad_reference_is_reported_at_once() {
        let issues = validate_payment(
            &input(json!({"method": "purchase_order", "purchase_order": {
                "purchase_order_number": "x".repeat(51),
                "engagement_number": "  ",
                "service_code": "A\u{7}B"}})),
            RGS,
            "/payment",
        )
        .unwrap_err();
        assert_eq!(
            codes(&issues),
            [
                ("/payment/purchase_order/purchase_order_number", "too_long"),
                ("/payment/purchase_order/engagement_number", "required"),
                ("/payment/purchase_order/service_code", "not_printable"),
            ]
        );
    }

    #[test]
    fn a_reference_of_exactly_fifty_characters_is_accepted() {
        let r = "é".repeat(50);
        let payment = validate_payment(
            &input(json!({"method": "purchase_order", "purchase_order": {
                "purchase_order_number": r, "engagement_number": r, "service_code": r}})),
            RGS,
            "/payment",
        );
        assert!(payment.is_ok());
    }

    #[test]
    fn purchase_order_references_with_another_method_are_refused() {
        let issues = validate_payment(
            &input(json!({"method": "bank_transfer", "purchase_order": {}})),
            RGS,
            "/payment",
        )
        .unwrap_err();
        assert_eq!(
            codes(&issues),
            [("/payment/purchase_order", "not_allowed_for_method")]
        );
    }

    #[test]
    fn a_not_allowed_method_and_misplaced_references_are_both_reported() {
        let issues = validate_payment(
            &input(json!({"method": "card", "purchase_order": {}})),
            RGS,
            "/payment",
        )
        .unwrap_err();
        assert_eq!(
            codes(&issues),
            [
                ("/payment/method", "payment_method_not_allowed"),
                ("/payment/purchase_order", "not_allowed_for_method"),
            ]
        );
    }

    #[test]
    fn unknown_fields_are_refused_by_the_input_shape() {
        assert!(
            serde_json::from_value::<PaymentInput>(json!({"method": "card", "iban": "x"})).is_err()
        );
        assert!(serde_json::from_value::<PaymentInput>(
            json!({"method": "purchase_order", "purchase_order": {"siret": "x"}})
        )
        .is_err());
    }

    #[test]
    fn every_method_has_labels_and_round_trips_its_wire_name() {
        let fr: Vec<_> = PaymentMethod::ALL.iter().map(|m| m.label_fr()).collect();
        assert_eq!(
            fr,
            [
                "Carte bancaire",
                "Virement bancaire",
                "Chèque",
                "Mandat administratif",
                "Bon de commande"
            ]
        );
        for m in PaymentMethod::ALL {
            assert_eq!(PaymentMethod::parse(m.as_str()), Some(m));
            assert_eq!(
                serde_json::to_value(m).unwrap(),
                json!(m.as_str()),
                "serde name of {m:?}"
            );
            assert!(!m.label_en().is_empty());
        }
    }

    #[test]
    fn every_code_used_is_documented() {
        for code in [
            "required",
            "payment_method_unknown",
            "payment_method_not_allowed",
            "too_long",
            "not_printable",
            "not_allowed_for_method",
        ] {
            assert!(Code::parse(code).is_some(), "{code}");
        }
    }

    proptest! {
        #[test]
        fn any_printable_reference_up_to_fifty_characters_is_accepted(
            a in "[A-Za-z0-9 /_.-]{0,48}[A-Z0-9]",
        ) {
            let result = validate_payment(
                &input(json!({"method": "purchase_order", "purchase_order": {
                    "purchase_order_number": a, "engagement_number": a, "service_code": a}})),
                RGS,
                "/payment",
            );
            prop_assert!(result.is_ok());
        }
    }
}
