//! A typical submitted order, with accents everywhere, and a stand-in for `commander`.

use certorder::domain::documents::justificatifs::{
    default_rules, JustificatifFacts, OrganizationKind, ProductLine,
};
use certorder::persistence::schema::{accounts, orders};
use certorder::persistence::DbError;
use certorder::render::formulaire::{FormulaireData, OrganizationBlock, PersonBlock, PriceBlock};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::support::TestApp;

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The form's data of an order for `domain_count` domains (SSL RGS*, a holder other than the
/// account, paid by purchase order: most justificatifs apply).
pub fn order(domain_count: usize) -> FormulaireData {
    let facts = JustificatifFacts {
        organization_kind: OrganizationKind::Company,
        requester_is_legal_representative: false,
        holder_is_other_organization: true,
        product_line: ProductLine::SslRgs,
        payment_method: "purchase_order".into(),
    };
    let mut domains = vec!["www.exemple-societe.fr".to_owned()];
    domains.extend((1..domain_count).map(|i| format!("service-{i:03}.exemple-societe.fr")));
    FormulaireData {
        order_number: "CMD-2026-000123".into(),
        submitted_at: at("2026-11-25T14:30:00Z"),
        account: OrganizationBlock {
            legal_name: "Société Générale d’Équipements « Œuvre & Fils »".into(),
            siren_siret: Some("552 100 554 00012".into()),
            address: "12, rue de la Forêt-Noire, bâtiment Ç".into(),
            postal_code: Some("75008".into()),
            city: "Paris".into(),
            country: "France".into(),
        },
        requester: PersonBlock {
            name: "Françoise Lefèvre".into(),
            email: "francoise.lefevre@exemple-societe.fr".into(),
            phone: Some("+33 1 23 45 67 89".into()),
        },
        holder: OrganizationBlock {
            legal_name: "Mairie de Saint-Étienne-du-Rouvray".into(),
            siren_siret: None,
            address: "Place de l’Hôtel de Ville".into(),
            postal_code: Some("76800".into()),
            city: "Saint-Étienne-du-Rouvray".into(),
            country: "France".into(),
        },
        holder_is_self: false,
        authority_name: "Certigna Services CA".into(),
        product_line_label: "SSL RGS*".into(),
        duration_months: 24,
        certificate_validity_days: 397,
        issuances: 2,
        domains,
        csr_key_fingerprint_sha256:
            "3f:a9:1c:0b:7e:55:d2:48:90:ab:cd:ef:01:23:45:67:89:ab:cd:ef:fe:dc:ba:98:76:54:32:10:0f:1e:2d:3c"
                .into(),
        key_description: "ECDSA P-256".into(),
        payment_method_label: "Bon de commande".into(),
        payment_references: vec![
            ("N° de bon de commande".into(), "BC-2026-0042".into()),
            ("Service payeur".into(), "Direction des achats <compta>".into()),
        ],
        price: PriceBlock {
            excl_vat_cents: 123_456,
            vat_cents: 24_691,
            incl_vat_cents: 148_147,
            vat_rate_percent: 20.0,
        },
        terms_version: "CGU-2026-03".into(),
        terms_accepted_at: at("2026-11-25T14:28:10Z"),
        certificate_manager: Some(PersonBlock {
            name: "Jérôme Çelik".into(),
            email: "jerome.celik@exemple-societe.fr".into(),
            phone: None,
        }),
        documents: default_rules().required(&facts),
    }
}

/// A submitted order, as the tests of the e-mail need it.
pub struct Submitted {
    pub id: Uuid,
    pub number: String,
    /// The account's e-mail address: the recipient.
    pub recipient: String,
    pub data: FormulaireData,
}

/// Creates `count` complete drafts through the API (case 1, a pasted CSR with three names)
/// and submits each with `POST /orders/{id}/commander`; returns what each froze.
pub async fn submit_orders(app: &TestApp, token: &str, count: usize) -> Vec<Submitted> {
    let mut out = Vec::new();
    for _ in 0..count {
        let draft = app.create_order(token).await;
        let oid = draft["id"].as_str().unwrap().to_owned();
        crate::support::fill_steps(app, token, &oid, "certigna-ssl").await;
        let res = app
            .patch(
                &format!("/orders/{oid}"),
                token,
                &json!({"generation_method": "csr", "csr_pem": crate::support::fixture("multi_san_ok.pem")}),
            )
            .await;
        assert_eq!(res.status(), 200);
        let res = app
            .post(&format!("/orders/{oid}/commander"), token, &json!({}))
            .await;
        assert_eq!(res.status(), 200, "commander");
        let id = Uuid::parse_str(&oid).unwrap();
        let (submitted, recipient) = app
            .db
            .run(
                move |conn| -> Result<(Option<serde_json::Value>, String), DbError> {
                    Ok(orders::table
                        .inner_join(accounts::table)
                        .filter(orders::id.eq(id))
                        .select((orders::submitted, accounts::email))
                        .first(conn)?)
                },
            )
            .await
            .unwrap();
        let data: FormulaireData =
            serde_json::from_value(submitted.unwrap()["formulaire"].clone()).unwrap();
        out.push(Submitted {
            id,
            number: data.order_number.clone(),
            recipient,
            data,
        });
    }
    out
}

pub async fn submit_order(app: &TestApp, token: &str) -> Submitted {
    submit_orders(app, token, 1).await.pop().unwrap()
}

/// The text of a PDF, with no-break spaces as plain ones.
pub fn pdf_text(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf)
        .expect("text extracted")
        .replace('\u{a0}', " ")
}

/// Whitespace runs as one space (pdf-extract breaks lines where the PDF wraps them).
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
