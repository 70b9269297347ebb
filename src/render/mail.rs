//! The French e-mail sent after `commander`: a summary, the justificatifs to upload, what
//! to do next (with the upload link), and the PDF form attached.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::Message;

use crate::render::formulaire::{format_date, format_eur, format_percent, FormulaireData};
use crate::workers::smtp::MailError;

/// How many domains the body lists before referring to the attached form.
const DOMAINS_IN_BODY: usize = 20;

/// `Votre commande CMD-2026-000123 — formulaire et justificatifs`.
pub fn order_email_subject(order_number: &str) -> String {
    format!("Votre commande {order_number} — formulaire et justificatifs")
}

/// `formulaire-CMD-2026-000123.pdf`.
pub fn pdf_file_name(order_number: &str) -> String {
    format!("formulaire-{}.pdf", safe_token(order_number))
}

fn safe_token(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Address {
            address: address.to_owned(),
            reason: e.to_string(),
        })
}

/// Builds the order e-mail: multipart/mixed of (text/plain + text/html alternative) and the
/// PDF. The Message-ID is derived from the order number, so a message re-sent by the outbox
/// after an uncertain failure can be recognized as the same one.
pub fn build_order_email(
    data: &FormulaireData,
    pdf: &[u8],
    upload_url: &str,
    from: &str,
    to: &str,
) -> Result<Message, MailError> {
    let from = mailbox(from)?;
    let to = mailbox(to)?;
    let message_id = format!(
        "<{}.formulaire@{}>",
        safe_token(&data.order_number),
        from.email.domain()
    );
    let (text, html) = bodies(data, upload_url)?;
    let pdf_type =
        ContentType::parse("application/pdf").map_err(|e| MailError::Build(e.to_string()))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(order_email_subject(&data.order_number))
        .message_id(Some(message_id))
        .multipart(
            MultiPart::mixed()
                .multipart(MultiPart::alternative_plain_html(text, html))
                .singlepart(
                    Attachment::new(pdf_file_name(&data.order_number)).body(pdf.to_vec(), pdf_type),
                ),
        )
        .map_err(|e| MailError::Build(e.to_string()))
}

/// The steps to take, the last one linking the upload of the signed form and justificatifs.
fn next_steps(upload_url: &str) -> Vec<String> {
    vec![
        "Imprimez le formulaire joint et vérifiez les informations qu’il contient.".to_owned(),
        "Faites-le dater, signer et revêtir du cachet de l’organisation par son représentant légal.".to_owned(),
        format!("Déposez-le avec les justificatifs listés ci-dessous, un fichier PDF, JPEG ou PNG par justificatif : {upload_url}"),
    ]
}

/// What both bodies of the order e-mail show. The HTML one escapes every value (askama's
/// default for `.html` templates); the plain-text one is sent as is.
#[derive(askama::Template)]
#[template(path = "mail/order_submitted.html")]
struct OrderSubmittedHtml<'a>(&'a OrderSubmitted);

#[derive(askama::Template)]
#[template(path = "mail/order_submitted.txt")]
struct OrderSubmittedText<'a>(&'a OrderSubmitted);

struct OrderSubmitted {
    requester: String,
    order_number: String,
    pdf_name: String,
    rows: Vec<(&'static str, String)>,
    domain_count: usize,
    domains: Vec<String>,
    more_domains: Option<String>,
    steps: Vec<String>,
    documents: Vec<(String, String)>,
}

impl std::ops::Deref for OrderSubmittedHtml<'_> {
    type Target = OrderSubmitted;
    fn deref(&self) -> &OrderSubmitted {
        self.0
    }
}

impl std::ops::Deref for OrderSubmittedText<'_> {
    type Target = OrderSubmitted;
    fn deref(&self) -> &OrderSubmitted {
        self.0
    }
}

fn order_submitted(d: &FormulaireData, upload_url: &str) -> OrderSubmitted {
    let mut rows = vec![
        ("Numéro de commande", d.order_number.clone()),
        ("Date", format_date(&d.submitted_at)),
        ("Autorité de certification", d.authority_name.clone()),
        ("Produit", d.product_line_label.clone()),
        ("Durée", format!("{} mois", d.duration_months)),
        ("Organisation", d.account.legal_name.clone()),
    ];
    if !d.holder_is_self {
        rows.push(("Titulaire du domaine", d.holder.legal_name.clone()));
    }
    rows.push(("Moyen de paiement", d.payment_method_label.clone()));
    rows.push(("Montant HT", format_eur(d.price.excl_vat_cents)));
    rows.push((
        "TVA",
        format!(
            "{} ({})",
            format_eur(d.price.vat_cents),
            format_percent(d.price.vat_rate_percent)
        ),
    ));
    rows.push(("Montant TTC", format_eur(d.price.incl_vat_cents)));
    let more = d.domains.len().saturating_sub(DOMAINS_IN_BODY);
    OrderSubmitted {
        requester: d.requester.name.clone(),
        order_number: d.order_number.clone(),
        pdf_name: pdf_file_name(&d.order_number),
        rows,
        domain_count: d.domains.len(),
        domains: d.domains.iter().take(DOMAINS_IN_BODY).cloned().collect(),
        more_domains: (more > 0).then(|| {
            format!("… et {more} autre(s) : la liste complète figure dans le formulaire joint.")
        }),
        steps: next_steps(upload_url),
        documents: d
            .documents
            .iter()
            .map(|doc| (doc.label_fr.clone(), doc.reason_fr.clone()))
            .collect(),
    }
}

/// The two bodies (plain text, HTML) of the order e-mail.
fn bodies(d: &FormulaireData, upload_url: &str) -> Result<(String, String), MailError> {
    use askama::Template as _;
    let data = order_submitted(d, upload_url);
    let text = OrderSubmittedText(&data)
        .render()
        .map_err(|e| MailError::Build(e.to_string()))?;
    let html = OrderSubmittedHtml(&data)
        .render()
        .map_err(|e| MailError::Build(e.to_string()))?;
    Ok((text, html))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile() -> OrderSubmitted {
        OrderSubmitted {
            requester: r#"<b>"A&B"</b> l'été"#.to_owned(),
            order_number: "CMD-2026-000123".to_owned(),
            pdf_name: pdf_file_name("CMD-2026-000123"),
            rows: vec![("Organisation", "<script>alert(1)</script>".to_owned())],
            domain_count: 2,
            domains: vec!["www.a.fr".to_owned(), "b.a.fr".to_owned()],
            more_domains: None,
            steps: next_steps("https://api.example/orders/x/documents"),
            documents: vec![("Extrait K<bis>".to_owned(), "raison".to_owned())],
        }
    }

    #[test]
    fn the_html_body_escapes_every_value_and_the_text_body_keeps_them() {
        use askama::Template as _;
        let data = hostile();
        let html = OrderSubmittedHtml(&data).render().unwrap();
        assert!(
            html.contains("Bonjour &#60;b&#62;&#34;A&#38;B&#34;&#60;/b&#62; l&#39;été,"),
            "{html}"
        );
        assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
        assert!(html.contains("Extrait K&#60;bis&#62;"));
        assert!(!html.contains("<script>") && !html.contains("<b>"));
        let text = OrderSubmittedText(&data).render().unwrap();
        assert!(
            text.starts_with("Bonjour <b>\"A&B\"</b> l'été,\n\n"),
            "{text}"
        );
        assert!(text.contains("- Organisation : <script>alert(1)</script>\n"));
        assert!(
            text.contains("Domaines (2) :\n- www.a.fr\n- b.a.fr\n"),
            "{text}"
        );
        assert!(text.contains("1. Imprimez le formulaire joint"));
        assert!(text.contains("[ ] Extrait K<bis>\n    raison\n"));
    }

    #[test]
    fn names() {
        assert_eq!(
            order_email_subject("CMD-2026-000123"),
            "Votre commande CMD-2026-000123 — formulaire et justificatifs"
        );
        assert_eq!(
            pdf_file_name("CMD-2026-000123"),
            "formulaire-CMD-2026-000123.pdf"
        );
        assert_eq!(pdf_file_name("a/b c"), "formulaire-a_b_c.pdf");
    }
}
