//! The supporting documents ("justificatifs") a customer sends back after `commander`
//! (SPEC §5).
//!
//! The rules are data, not code: `data/justificatifs.json` lists each document with its
//! labels, the reason it is asked for and a condition over a few facts of the order
//! ([`JustificatifFacts`]). A condition is a JSON object; every key present must hold
//! (all-of):
//!
//! | key | value | holds when |
//! |---|---|---|
//! | `always` | `true` / `false` | always / never |
//! | `organization_kind` | list of `company`, `public_body`, `association` | the kind is listed |
//! | `requester_is_legal_representative` | bool | the fact equals the value |
//! | `holder_is_other_organization` | bool | the fact equals the value |
//! | `product_line` | `ssl` or `ssl_rgs` | the product line equals the value |
//! | `payment_method` | string, e.g. `purchase_order` | the payment method equals the value |
//!
//! Unknown keys, an empty condition, an empty `organization_kind` list, a duplicated code or
//! an empty label are rejected when the rules are loaded.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

pub use crate::domain::account::OrganizationKind;
pub use crate::domain::catalog::ProductLine;

/// The facts of an order the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JustificatifFacts {
    pub organization_kind: OrganizationKind,
    pub requester_is_legal_representative: bool,
    pub holder_is_other_organization: bool,
    pub product_line: ProductLine,
    /// The payment method's wire name (`PaymentMethod` in snake case, e.g. `purchase_order`).
    pub payment_method: String,
}

/// One document to send back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Justificatif {
    /// Stable machine code, e.g. `extrait_kbis`.
    pub code: String,
    pub label_fr: String,
    pub label_en: String,
    /// Why this document is asked for this order.
    pub reason_fr: String,
    pub reason_en: String,
}

/// A condition of the rules file (all-of over the keys present).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Condition {
    #[serde(default)]
    always: Option<bool>,
    #[serde(default)]
    organization_kind: Option<Vec<OrganizationKind>>,
    #[serde(default)]
    requester_is_legal_representative: Option<bool>,
    #[serde(default)]
    holder_is_other_organization: Option<bool>,
    #[serde(default)]
    product_line: Option<ProductLine>,
    #[serde(default)]
    payment_method: Option<String>,
}

impl Condition {
    fn is_empty(&self) -> bool {
        *self == Condition::default()
    }

    fn holds(&self, facts: &JustificatifFacts) -> bool {
        self.always.unwrap_or(true)
            && self
                .organization_kind
                .as_ref()
                .is_none_or(|kinds| kinds.contains(&facts.organization_kind))
            && self
                .requester_is_legal_representative
                .is_none_or(|v| v == facts.requester_is_legal_representative)
            && self
                .holder_is_other_organization
                .is_none_or(|v| v == facts.holder_is_other_organization)
            && self.product_line.is_none_or(|v| v == facts.product_line)
            && self
                .payment_method
                .as_deref()
                .is_none_or(|v| v == facts.payment_method)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    code: String,
    label_fr: String,
    label_en: String,
    reason_fr: String,
    reason_en: String,
    when: Condition,
}

/// A rules file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("justificatifs rules are not valid JSON for the expected schema: {0}")]
    Json(#[from] serde_json::Error),
    #[error("justificatifs rule `{code}`: {problem}")]
    Invalid { code: String, problem: String },
}

/// The loaded rules, in file order.
#[derive(Debug, Clone)]
pub struct JustificatifRules {
    rules: Vec<Rule>,
}

impl JustificatifRules {
    /// Loads and checks a rules file (a JSON array of documents).
    pub fn from_json(json: &str) -> Result<Self, RulesError> {
        let rules: Vec<Rule> = serde_json::from_str(json)?;
        let mut seen = HashSet::new();
        for rule in &rules {
            let invalid = |problem: &str| RulesError::Invalid {
                code: rule.code.clone(),
                problem: problem.to_owned(),
            };
            if rule.code.trim().is_empty() {
                return Err(invalid("empty code"));
            }
            if !seen.insert(rule.code.as_str()) {
                return Err(invalid("duplicated code"));
            }
            if [
                &rule.label_fr,
                &rule.label_en,
                &rule.reason_fr,
                &rule.reason_en,
            ]
            .iter()
            .any(|s| s.trim().is_empty())
            {
                return Err(invalid("empty label or reason"));
            }
            if rule.when.is_empty() {
                return Err(invalid("empty condition (write {\"always\": true})"));
            }
            if rule
                .when
                .organization_kind
                .as_ref()
                .is_some_and(|k| k.is_empty())
            {
                return Err(invalid("empty organization_kind list"));
            }
        }
        Ok(Self { rules })
    }

    /// The documents required for an order with these facts, in file order.
    pub fn required(&self, facts: &JustificatifFacts) -> Vec<Justificatif> {
        self.rules
            .iter()
            .filter(|rule| rule.when.holds(facts))
            .map(|rule| Justificatif {
                code: rule.code.clone(),
                label_fr: rule.label_fr.clone(),
                label_en: rule.label_en.clone(),
                reason_fr: rule.reason_fr.clone(),
                reason_en: rule.reason_en.clone(),
            })
            .collect()
    }

    /// Every document code the rules know, in file order.
    pub fn codes(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.code.as_str()).collect()
    }
}

/// The rules shipped with the service (`data/justificatifs.json`, compiled in).
pub fn default_rules() -> JustificatifRules {
    JustificatifRules::from_json(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/justificatifs.json"
    )))
    .expect("data/justificatifs.json is valid (checked by the tests)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A company, whose legal representative orders an SSL certificate for its own domains
    /// and pays by card: the minimal set.
    fn base() -> JustificatifFacts {
        JustificatifFacts {
            organization_kind: OrganizationKind::Company,
            requester_is_legal_representative: true,
            holder_is_other_organization: false,
            product_line: ProductLine::Ssl,
            payment_method: "card".into(),
        }
    }

    fn codes(facts: &JustificatifFacts) -> Vec<String> {
        default_rules()
            .required(facts)
            .into_iter()
            .map(|j| j.code)
            .collect()
    }

    #[test]
    fn shipped_rules_load_with_every_code() {
        assert_eq!(
            default_rules().codes(),
            [
                "formulaire_signe",
                "extrait_kbis",
                "avis_situation_sirene",
                "piece_identite_representant_legal",
                "mandat",
                "piece_identite_demandeur",
                "autorisation_titulaire_domaine",
                "piece_identite_responsable_certificat",
                "bon_de_commande_signe",
            ]
        );
    }

    #[test]
    fn minimal_company_order() {
        assert_eq!(
            codes(&base()),
            [
                "formulaire_signe",
                "extrait_kbis",
                "piece_identite_representant_legal"
            ]
        );
    }

    #[test]
    fn signed_form_and_legal_representative_id_always() {
        for kind in [
            OrganizationKind::Company,
            OrganizationKind::PublicBody,
            OrganizationKind::Association,
        ] {
            for rep in [true, false] {
                for other in [true, false] {
                    for line in [ProductLine::Ssl, ProductLine::SslRgs] {
                        for pay in ["card", "transfer", "purchase_order"] {
                            let facts = JustificatifFacts {
                                organization_kind: kind,
                                requester_is_legal_representative: rep,
                                holder_is_other_organization: other,
                                product_line: line,
                                payment_method: pay.into(),
                            };
                            let c = codes(&facts);
                            assert_eq!(c[0], "formulaire_signe");
                            assert!(c.contains(&"piece_identite_representant_legal".to_owned()));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn kbis_for_company_sirene_for_public_body_and_association() {
        let c = codes(&base());
        assert!(c.contains(&"extrait_kbis".into()));
        assert!(!c.contains(&"avis_situation_sirene".into()));
        for kind in [OrganizationKind::PublicBody, OrganizationKind::Association] {
            let c = codes(&JustificatifFacts {
                organization_kind: kind,
                ..base()
            });
            assert!(c.contains(&"avis_situation_sirene".into()), "{kind:?}");
            assert!(!c.contains(&"extrait_kbis".into()), "{kind:?}");
        }
    }

    #[test]
    fn mandate_and_requester_id_when_requester_is_not_legal_representative() {
        let c = codes(&JustificatifFacts {
            requester_is_legal_representative: false,
            ..base()
        });
        assert!(c.contains(&"mandat".into()));
        assert!(c.contains(&"piece_identite_demandeur".into()));
        let c = codes(&base());
        assert!(!c.contains(&"mandat".into()));
        assert!(!c.contains(&"piece_identite_demandeur".into()));
    }

    #[test]
    fn holder_authorization_when_holder_is_another_organization() {
        let c = codes(&JustificatifFacts {
            holder_is_other_organization: true,
            ..base()
        });
        assert!(c.contains(&"autorisation_titulaire_domaine".into()));
        assert!(!codes(&base()).contains(&"autorisation_titulaire_domaine".into()));
    }

    #[test]
    fn certificate_manager_id_for_ssl_rgs_only() {
        let c = codes(&JustificatifFacts {
            product_line: ProductLine::SslRgs,
            ..base()
        });
        assert!(c.contains(&"piece_identite_responsable_certificat".into()));
        assert!(!codes(&base()).contains(&"piece_identite_responsable_certificat".into()));
    }

    #[test]
    fn signed_purchase_order_when_paying_by_purchase_order() {
        let c = codes(&JustificatifFacts {
            payment_method: "purchase_order".into(),
            ..base()
        });
        assert!(c.contains(&"bon_de_commande_signe".into()));
        for pay in ["card", "transfer", "purchase_order_x", ""] {
            let c = codes(&JustificatifFacts {
                payment_method: pay.into(),
                ..base()
            });
            assert!(!c.contains(&"bon_de_commande_signe".into()), "{pay}");
        }
    }

    #[test]
    fn everything_at_once_keeps_file_order() {
        let c = codes(&JustificatifFacts {
            organization_kind: OrganizationKind::Association,
            requester_is_legal_representative: false,
            holder_is_other_organization: true,
            product_line: ProductLine::SslRgs,
            payment_method: "purchase_order".into(),
        });
        assert_eq!(
            c,
            [
                "formulaire_signe",
                "avis_situation_sirene",
                "piece_identite_representant_legal",
                "mandat",
                "piece_identite_demandeur",
                "autorisation_titulaire_domaine",
                "piece_identite_responsable_certificat",
                "bon_de_commande_signe",
            ]
        );
    }

    #[test]
    fn serializes_code_labels_and_reasons() {
        let j = &default_rules().required(&base())[1];
        let v = serde_json::to_value(j).unwrap();
        assert_eq!(v["code"], "extrait_kbis");
        assert_eq!(v["label_fr"], "Extrait Kbis de moins de 3 mois");
        assert!(v["label_en"].as_str().unwrap().contains("Kbis"));
        assert!(v["reason_fr"].as_str().unwrap().contains("entreprise"));
        assert!(v["reason_en"].as_str().unwrap().contains("company"));
        assert_eq!(v.as_object().unwrap().len(), 5);
    }

    fn rule(when: &str) -> String {
        format!(
            r#"[{{"code":"x","label_fr":"a","label_en":"b","reason_fr":"c","reason_en":"d","when":{when}}}]"#
        )
    }

    #[test]
    fn all_keys_of_a_condition_must_hold() {
        let rules = JustificatifRules::from_json(&rule(
            r#"{"organization_kind":["company"],"payment_method":"purchase_order"}"#,
        ))
        .unwrap();
        assert!(rules.required(&base()).is_empty());
        let po = JustificatifFacts {
            payment_method: "purchase_order".into(),
            ..base()
        };
        assert_eq!(rules.required(&po).len(), 1);
        let assoc = JustificatifFacts {
            organization_kind: OrganizationKind::Association,
            ..po
        };
        assert!(rules.required(&assoc).is_empty());
        let never = JustificatifRules::from_json(&rule(r#"{"always":false}"#)).unwrap();
        assert!(never.required(&base()).is_empty());
    }

    #[test]
    fn bad_rules_are_rejected_at_load() {
        for when in [
            r#"{"alwayz":true}"#,
            r#"{}"#,
            r#"{"organization_kind":[]}"#,
            r#"{"organization_kind":["ngo"]}"#,
            r#"{"product_line":"ev"}"#,
        ] {
            assert!(JustificatifRules::from_json(&rule(when)).is_err(), "{when}");
        }
        // unknown key on the document itself
        let extra = r#"[{"code":"x","label_fr":"a","label_en":"b","reason_fr":"c","reason_en":"d","when":{"always":true},"note":"?"}]"#;
        assert!(JustificatifRules::from_json(extra).is_err());
        let dup = r#"[{"code":"x","label_fr":"a","label_en":"b","reason_fr":"c","reason_en":"d","when":{"always":true}},
                      {"code":"x","label_fr":"a","label_en":"b","reason_fr":"c","reason_en":"d","when":{"always":true}}]"#;
        assert!(JustificatifRules::from_json(dup).is_err());
        let empty_label = r#"[{"code":"x","label_fr":" ","label_en":"b","reason_fr":"c","reason_en":"d","when":{"always":true}}]"#;
        assert!(JustificatifRules::from_json(empty_label).is_err());
    }
}
