//! The PDF form: its rendering, and `GET /orders/{id}/formulaire.pdf`.

use certorder::render::formulaire::render_pdf;

use crate::sample::{self, flat, pdf_text, submit_order};
use crate::support::*;

fn page_count(text: &str) -> usize {
    (1..100)
        .take_while(|n| text.contains(&format!("page {n} / ")))
        .count()
}

#[test]
fn a_typical_form_shows_every_field_with_its_accents() {
    let data = sample::order(3);
    let pdf = render_pdf(&data).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 400_000, "PDF too large: {} bytes", pdf.len());
    let text = pdf_text(&pdf);
    for needle in [
        "Formulaire de demande de certificat",
        "CMD-2026-000123",
        "25/11/2026",
        "Société Générale d’Équipements « Œuvre & Fils »",
        "552 100 554 00012",
        "12, rue de la Forêt-Noire, bâtiment Ç",
        "Mairie de Saint-Étienne-du-Rouvray",
        "Le titulaire du domaine est une autre organisation",
        "Françoise Lefèvre",
        "+33 1 23 45 67 89",
        "24 mois",
        "397 jours",
        "Certigna Services CA",
        "SSL RGS*",
        "ECDSA P-256",
        "3f:a9:1c:0b",
        "Responsable du certificat",
        "Jérôme Çelik",
        "Bon de commande",
        "BC-2026-0042",
        "Direction des achats <compta>",
        "1 234,56 €",
        "246,91 €",
        "1 481,47 €",
        "TVA (20 %)",
        "CGU-2026-03",
        "25/11/2026 à 14:28 UTC",
        "Date, signature et cachet",
        "Justificatifs à renvoyer",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let flat_text = flat(&text);
    for domain in &data.domains {
        assert!(text.contains(domain.as_str()), "missing {domain}");
    }
    for doc in &data.documents {
        assert!(
            flat_text.contains(&flat(&doc.label_fr)),
            "missing {}",
            doc.code
        );
    }
}

#[test]
fn a_holder_that_is_the_account_itself_is_stated_as_such() {
    let mut data = sample::order(1);
    data.holder = data.account.clone();
    data.holder_is_self = true;
    data.certificate_manager = None;
    let text = pdf_text(&render_pdf(&data).unwrap());
    assert!(text.contains("Le titulaire du domaine est l’organisation cliente elle-même"));
    assert!(!text.contains("Responsable du certificat"));
}

#[test]
fn a_long_domain_list_flows_onto_further_pages() {
    let data = sample::order(150);
    let text = pdf_text(&render_pdf(&data).unwrap());
    for domain in &data.domains {
        assert!(text.contains(domain.as_str()), "missing {domain}");
    }
    assert!(text.contains("Domaines à certifier (150) — suite"));
    assert!(page_count(&text) >= 4, "pages: {}", page_count(&text));
    assert!(text.contains("Date, signature et cachet"));
}

#[test]
fn very_long_values_wrap_instead_of_overflowing() {
    let mut data = sample::order(2);
    let long = format!("{}.exemple.fr", "tres-long-sous-domaine".repeat(11));
    data.domains.push(long.clone());
    data.account.legal_name = "Association « Les Amis du Très Long Nom » ".repeat(6);
    let text = pdf_text(&render_pdf(&data).unwrap());
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains(&long));
}

#[actix_web::test]
async fn the_owner_downloads_the_pdf_form_of_a_submitted_order() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let order = submit_order(&app, &token).await;
    let res = app
        .get(&format!("/orders/{}/formulaire.pdf", order.id), &token)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"formulaire-{}.pdf\"", order.number).as_str()
    );
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = flat(&pdf_text(&pdf));
    assert!(text.contains(&order.number), "{text}");
    assert!(text.contains(&order.data.holder.legal_name), "{text}");
    assert!(text.contains("Démo Client SAS"), "accents render: {text}");

    let view: serde_json::Value = app
        .get(&format!("/orders/{}", order.id), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        view["links"]["formulaire"],
        format!("/orders/{}/formulaire.pdf", order.id)
    );
}

#[actix_web::test]
async fn a_draft_or_cancelled_order_has_no_pdf_form_409() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let draft = app.create_order(&token).await;
    let path = format!("/orders/{}/formulaire.pdf", draft["id"].as_str().unwrap());
    assert_problem(app.get(&path, &token).await, 409, "order_not_submitted").await;

    let res = app
        .client
        .delete(app.url(&format!("/orders/{}", draft["id"].as_str().unwrap())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_problem(app.get(&path, &token).await, 409, "order_not_submitted").await;
}

#[actix_web::test]
async fn another_account_gets_404_for_the_pdf_form_and_no_token_401() {
    let app = TestApp::spawn().await;
    let token = app.token(CLIENT).await;
    let order = submit_order(&app, &token).await;
    let path = format!("/orders/{}/formulaire.pdf", order.id);
    let other = app.token(OTHER).await;
    assert_problem(app.get(&path, &other).await, 404, "not_found").await;
    let res = app.client.get(app.url(&path)).send().await.unwrap();
    assert_problem(res, 401, "token_missing").await;
    assert_problem(
        app.get("/orders/not-a-uuid/formulaire.pdf", &token).await,
        404,
        "not_found",
    )
    .await;
}
