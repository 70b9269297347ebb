//! The French e-mail sent after `commander`: a summary, the justificatifs to send back, what
//! to do next, and the PDF form attached.

use std::fmt::Write as _;

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
    let pdf_type =
        ContentType::parse("application/pdf").map_err(|e| MailError::Build(e.to_string()))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(order_email_subject(&data.order_number))
        .message_id(Some(message_id))
        .multipart(
            MultiPart::mixed()
                .multipart(MultiPart::alternative_plain_html(
                    plain_text(data),
                    html(data),
                ))
                .singlepart(
                    Attachment::new(pdf_file_name(&data.order_number)).body(pdf.to_vec(), pdf_type),
                ),
        )
        .map_err(|e| MailError::Build(e.to_string()))
}

struct Summary {
    rows: Vec<(&'static str, String)>,
    domains: Vec<String>,
    more_domains: usize,
}

fn summary(d: &FormulaireData) -> Summary {
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
    Summary {
        rows,
        domains: d.domains.iter().take(DOMAINS_IN_BODY).cloned().collect(),
        more_domains: d.domains.len().saturating_sub(DOMAINS_IN_BODY),
    }
}

fn more_domains_text(n: usize) -> String {
    format!("… et {n} autre(s) : la liste complète figure dans le formulaire joint.")
}

const NEXT_STEPS: [&str; 3] = [
    "Imprimez le formulaire joint et vérifiez les informations qu’il contient.",
    "Faites-le dater, signer et revêtir du cachet de l’organisation par son représentant légal.",
    "Renvoyez-le, en réponse à ce message, avec les justificatifs listés ci-dessous.",
];

fn plain_text(d: &FormulaireData) -> String {
    let s = summary(d);
    let mut t = String::new();
    let _ = writeln!(t, "Bonjour {},\n", d.requester.name);
    let _ = writeln!(
        t,
        "Votre commande {} a bien été enregistrée. Vous trouverez ci-joint le formulaire de \
         demande de certificat ({}).\n",
        d.order_number,
        pdf_file_name(&d.order_number)
    );
    for (label, value) in &s.rows {
        let _ = writeln!(t, "- {label} : {value}");
    }
    let _ = writeln!(t, "\nDomaines ({}) :", d.domains.len());
    for domain in &s.domains {
        let _ = writeln!(t, "- {domain}");
    }
    if s.more_domains > 0 {
        let _ = writeln!(t, "{}", more_domains_text(s.more_domains));
    }
    let _ = writeln!(t, "\nPour valider votre demande de certificat :");
    for (i, step) in NEXT_STEPS.iter().enumerate() {
        let _ = writeln!(t, "{}. {step}", i + 1);
    }
    let _ = writeln!(t, "\nJustificatifs à renvoyer :");
    for doc in &d.documents {
        let _ = writeln!(t, "[ ] {}\n    {}", doc.label_fr, doc.reason_fr);
    }
    let _ = writeln!(
        t,
        "\nVotre certificat sera délivré une fois le dossier complet et le paiement reçu.\n\n\
         Cordialement,\nLe service des commandes"
    );
    t
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn html(d: &FormulaireData) -> String {
    let e = escape_html;
    let s = summary(d);
    let mut h = String::new();
    h.push_str(
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <title>Votre commande</title></head>\n\
         <body style=\"font-family: Arial, Helvetica, sans-serif; color: #222;\">\n",
    );
    let _ = writeln!(h, "<p>Bonjour {},</p>", e(&d.requester.name));
    let _ = writeln!(
        h,
        "<p>Votre commande <strong>{}</strong> a bien été enregistrée. Vous trouverez ci-joint \
         le formulaire de demande de certificat (<em>{}</em>).</p>",
        e(&d.order_number),
        e(&pdf_file_name(&d.order_number))
    );
    h.push_str("<table cellpadding=\"3\" style=\"border-collapse: collapse;\">\n");
    for (label, value) in &s.rows {
        let _ = writeln!(
            h,
            "<tr><td style=\"color: #555;\">{}</td><td><strong>{}</strong></td></tr>",
            e(label),
            e(value)
        );
    }
    h.push_str("</table>\n");
    let _ = writeln!(h, "<p>Domaines ({}) :</p>\n<ul>", d.domains.len());
    for domain in &s.domains {
        let _ = writeln!(h, "<li>{}</li>", e(domain));
    }
    h.push_str("</ul>\n");
    if s.more_domains > 0 {
        let _ = writeln!(h, "<p>{}</p>", e(&more_domains_text(s.more_domains)));
    }
    h.push_str("<p><strong>Pour valider votre demande de certificat :</strong></p>\n<ol>\n");
    for step in NEXT_STEPS {
        let _ = writeln!(h, "<li>{}</li>", e(step));
    }
    h.push_str("</ol>\n<p><strong>Justificatifs à renvoyer :</strong></p>\n<ul>\n");
    for doc in &d.documents {
        let _ = writeln!(
            h,
            "<li>&#9744; <strong>{}</strong><br><span style=\"color: #555;\">{}</span></li>",
            e(&doc.label_fr),
            e(&doc.reason_fr)
        );
    }
    h.push_str(
        "</ul>\n<p>Votre certificat sera délivré une fois le dossier complet et le paiement \
         reçu.</p>\n<p>Cordialement,<br>Le service des commandes</p>\n</body></html>\n",
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping() {
        assert_eq!(
            escape_html(r#"<b>"A&B"</b> l'été"#),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; l&#39;été"
        );
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
