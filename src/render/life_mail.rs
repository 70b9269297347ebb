//! The French e-mails of the life after "Commander" (SPEC §8): each step the customer must act
//! on or be told of — a justificatif refused, the order validated or refused, the certificate
//! issued (with its download link), the acceptance reminder, the certificate revoked, the
//! order cancelled (with the refund decision). One plain-text + HTML pair per event; the
//! Message-ID is the event's, so a message re-sent by the outbox is recognizably the same.

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use crate::domain::order::life::{RejectionReason, RevocationReason};
use crate::domain::order::{OrderData, OrderEventType};
use crate::render::formulaire::format_date_time;
use crate::workers::smtp::MailError;

/// What one life e-mail says.
#[derive(Debug, Clone, PartialEq, Eq, askama::Template)]
#[template(path = "mail/order_update.txt")]
pub struct LifeMail {
    pub subject: String,
    pub paragraphs: Vec<String>,
    /// A link to act on (label, URL).
    pub link: Option<(String, String)>,
}

#[derive(askama::Template)]
#[template(path = "mail/order_update.html")]
struct LifeMailHtml<'a> {
    subject: &'a str,
    paragraphs: &'a [String],
    link: &'a Option<(String, String)>,
}

fn date_of(detail: &serde_json::Value, key: &str) -> Option<String> {
    detail
        .get(key)
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<DateTime<Utc>>().ok())
        .map(|d| format_date_time(&d))
}

fn text_of<'a>(detail: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    detail
        .get(key)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
}

/// The e-mail of an event, or `None` for the events that send none (or the order e-mail of
/// `order.submitted`, built by `render::mail`).
pub fn life_mail(
    kind: OrderEventType,
    order: &OrderData,
    detail: &serde_json::Value,
    base_url: &str,
) -> Option<LifeMail> {
    let n = &order.number;
    let base = base_url.trim_end_matches('/');
    let order_link = (
        "Suivre la commande".to_owned(),
        format!("{base}/orders/{}/life", order.id.0),
    );
    let mail = match kind {
        OrderEventType::Validated => LifeMail {
            subject: format!("Commande {n} validée"),
            paragraphs: vec![format!(
                "Votre commande {n} est validée : les justificatifs sont acceptés et le paiement est reçu. Le certificat va être émis."
            )],
            link: Some(order_link),
        },
        OrderEventType::Rejected => {
            let reason = text_of(detail, "reason")
                .and_then(|r| {
                    use strum::IntoEnumIterator;
                    RejectionReason::iter().find(|x| x.as_str() == r)
                })
                .map(RejectionReason::message_fr)
                .unwrap_or("La commande a été refusée.");
            let mut paragraphs = vec![format!("Votre commande {n} a été refusée. {reason}")];
            if let Some(m) = text_of(detail, "message") {
                paragraphs.push(format!("Message de l'opérateur : {m}"));
            }
            LifeMail {
                subject: format!("Commande {n} refusée"),
                paragraphs,
                link: Some(order_link),
            }
        }
        OrderEventType::Issued => {
            let mut paragraphs = vec![format!("Le certificat de votre commande {n} est émis.")];
            match date_of(detail, "acceptance_deadline") {
                Some(deadline) => paragraphs.push(format!(
                    "Vérifiez son contenu, puis acceptez-le ou refusez-le avant le {deadline}. Sans acceptation dans ce délai, il sera révoqué sans remboursement."
                )),
                None => paragraphs.push("Il est prêt à être installé.".to_owned()),
            }
            LifeMail {
                subject: format!("Votre certificat est émis (commande {n})"),
                paragraphs,
                link: Some((
                    "Télécharger le certificat (chaîne PEM)".to_owned(),
                    format!("{base}/orders/{}/certificate?format=chain", order.id.0),
                )),
            }
        }
        OrderEventType::AcceptanceReminder => LifeMail {
            subject: format!("Rappel : acceptez votre certificat (commande {n})"),
            paragraphs: vec![format!(
                "Le certificat de votre commande {n} attend votre acceptation jusqu'au {}. Sans acceptation, il sera révoqué sans remboursement.",
                date_of(detail, "deadline").unwrap_or_else(|| "délai indiqué".into())
            )],
            link: Some(order_link),
        },
        OrderEventType::RenewalWindowOpened => LifeMail {
            subject: format!("Renouvelez votre certificat (commande {n})"),
            paragraphs: vec![
                format!(
                    "Le certificat de votre commande {n} expire le {}. Votre abonnement comprend un certificat suivant : la fenêtre de renouvellement est ouverte.",
                    date_of(detail, "expires_at").unwrap_or_else(|| "bientôt".into())
                ),
                format!(
                    "Fournissez un nouveau CSR pour les mêmes noms, de préférence avant le {}.",
                    date_of(detail, "suggested_end").unwrap_or_else(|| "l'expiration".into()),
                ),
            ],
            link: Some(order_link),
        },
        OrderEventType::CertificateExpiring => {
            let expires = date_of(detail, "expires_at").unwrap_or_else(|| "bientôt".into());
            let paragraph = if detail.get("last").and_then(|v| v.as_bool()) == Some(true) {
                format!("Le certificat de votre commande {n} expire le {expires}. C'est le dernier de votre abonnement : passez une nouvelle commande pour continuer.")
            } else {
                format!("Le certificat de votre commande {n} expire le {expires} et n'est pas encore renouvelé. Fournissez un nouveau CSR pour les mêmes noms dès maintenant.")
            };
            LifeMail {
                subject: format!("Votre certificat expire dans 7 jours (commande {n})"),
                paragraphs: vec![paragraph],
                link: Some(order_link),
            }
        }
        OrderEventType::Expired => LifeMail {
            subject: format!("Abonnement terminé (commande {n})"),
            paragraphs: vec![format!(
                "Le dernier certificat de votre commande {n} a expiré : l'abonnement est terminé."
            )],
            link: Some(order_link),
        },
        OrderEventType::Revoked => {
            let reason = text_of(detail, "reason").unwrap_or("unspecified");
            let why = match reason {
                r if r == RevocationReason::PrivilegeWithdrawn.as_str() => {
                    "il n'a pas été accepté dans le délai"
                }
                r if r == RevocationReason::KeyCompromise.as_str() => "sa clé est compromise",
                _ => "à votre demande",
            };
            LifeMail {
                subject: format!("Certificat révoqué (commande {n})"),
                paragraphs: vec![format!(
                    "Le certificat de votre commande {n} est révoqué : {why} (motif RFC 5280 : {reason})."
                )],
                link: Some(order_link),
            }
        }
        OrderEventType::Cancelled => {
            let refund = match detail.get("refund_due").and_then(|v| v.as_bool()) {
                Some(true) => "Un remboursement est dû : l'autorité de certification vous rembourse.",
                Some(false) => "Aucun remboursement n'est dû (rien n'a été payé, ou le délai de remboursement est passé).",
                None => return None, // a draft withdrawn: nothing to tell
            };
            LifeMail {
                subject: format!("Commande {n} annulée"),
                paragraphs: vec![format!("Votre commande {n} est annulée. {refund}")],
                link: Some(order_link),
            }
        }
        OrderEventType::DocumentRejected => {
            let doc = text_of(detail, "code").unwrap_or("un justificatif");
            let mut paragraphs = vec![format!(
                "Le justificatif « {doc} » de votre commande {n} est refusé{}.",
                text_of(detail, "reason_fr")
                    .map(|r| format!(" : {r}"))
                    .unwrap_or_default()
            )];
            if let Some(m) = text_of(detail, "message") {
                paragraphs.push(format!("Message de l'opérateur : {m}"));
            }
            paragraphs.push("Déposez un nouveau fichier pour ce justificatif.".to_owned());
            LifeMail {
                subject: format!("Justificatif refusé (commande {n})"),
                paragraphs,
                link: Some((
                    "Déposer le justificatif".to_owned(),
                    format!("{base}/orders/{}/documents", order.id.0),
                )),
            }
        }
        _ => return None,
    };
    Some(mail)
}

/// The e-mail telling an endpoint's owner that its webhook endpoint was disabled after 5 days
/// of failed deliveries.
pub fn webhook_disabled_mail(url: &str, failing_since: Option<DateTime<Utc>>) -> LifeMail {
    let since = failing_since
        .map(|d| format!(" depuis le {}", format_date_time(&d)))
        .unwrap_or_default();
    LifeMail {
        subject: "Webhook désactivé après 5 jours d'échecs".to_owned(),
        paragraphs: vec![
            format!("Les envois vers votre point de réception {url} échouent{since} : il est désactivé et ne reçoit plus d'événements."),
            "Corrigez-le, puis réactivez-le (PATCH /webhook-endpoints/{id} avec {\"enabled\": true}) et rattrapez les événements manqués (POST /webhook-endpoints/{id}/recover), ou lisez-les dans GET /events.".to_owned(),
        ],
        link: None,
    }
}

/// The message: multipart/alternative (plain text, HTML), Message-ID from the event.
pub fn build_life_email(
    mail: &LifeMail,
    event_id: uuid::Uuid,
    from: &str,
    to: &str,
) -> Result<Message, MailError> {
    use askama::Template as _;
    let parse = |a: &str| -> Result<Mailbox, MailError> {
        a.parse()
            .map_err(|e: lettre::address::AddressError| MailError::Address {
                address: a.to_owned(),
                reason: e.to_string(),
            })
    };
    let from = parse(from)?;
    let to = parse(to)?;
    let text = mail.render().map_err(|e| MailError::Build(e.to_string()))?;
    let html = LifeMailHtml {
        subject: &mail.subject,
        paragraphs: &mail.paragraphs,
        link: &mail.link,
    }
    .render()
    .map_err(|e| MailError::Build(e.to_string()))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!(
            "<{}.event@{}>",
            event_id,
            from.email.domain()
        )))
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| MailError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::Order;
    use chrono::TimeZone;

    fn order() -> OrderData {
        let o = Order::test_draft(Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap());
        (*o).clone()
    }

    #[test]
    fn the_issued_email_links_the_download_and_gives_the_acceptance_deadline() {
        let detail =
            serde_json::json!({"serial": "01", "acceptance_deadline": "2026-12-29T22:00:00Z"});
        let m = life_mail(
            OrderEventType::Issued,
            &order(),
            &detail,
            "https://api.example/",
        )
        .unwrap();
        assert!(m.paragraphs[1].contains("29/12/2026 à 22:00 UTC"), "{m:?}");
        let (_, url) = m.link.clone().unwrap();
        assert!(
            url.starts_with("https://api.example/orders/")
                && url.ends_with("/certificate?format=chain")
        );
        let email = build_life_email(
            &m,
            uuid::Uuid::nil(),
            "commandes@certorder.example",
            "client@example.fr",
        )
        .unwrap();
        let raw = String::from_utf8(email.formatted()).unwrap();
        assert!(raw.contains(
            "Message-ID: <00000000-0000-0000-0000-000000000000.event@certorder.example>"
        ));
    }

    #[test]
    fn renewal_reminders_give_the_expiry_and_the_last_one_says_the_plan_ends() {
        let o = order();
        let m = life_mail(
            OrderEventType::RenewalWindowOpened,
            &o,
            &serde_json::json!({"expires_at": "2027-06-18T10:00:00Z", "suggested_end": "2027-06-11T10:00:00Z"}),
            "x",
        )
        .unwrap();
        assert!(m.paragraphs[0].contains("18/06/2027"), "{m:?}");
        assert!(m.paragraphs[1].contains("11/06/2027"), "{m:?}");
        let soon = |last: bool| {
            life_mail(
                OrderEventType::CertificateExpiring,
                &o,
                &serde_json::json!({"expires_at": "2027-06-18T10:00:00Z", "last": last}),
                "x",
            )
            .unwrap()
            .paragraphs[0]
                .clone()
        };
        assert!(soon(false).contains("pas encore renouvelé"));
        assert!(soon(true).contains("dernier de votre abonnement"));
        let expired = life_mail(OrderEventType::Expired, &o, &serde_json::json!({}), "x").unwrap();
        assert!(expired.subject.contains("terminé"));
    }

    #[test]
    fn a_withdrawn_draft_sends_nothing_and_a_cancelled_order_says_whether_a_refund_is_due() {
        let o = order();
        assert_eq!(
            life_mail(OrderEventType::Cancelled, &o, &serde_json::json!({}), "x"),
            None
        );
        let m = life_mail(
            OrderEventType::Cancelled,
            &o,
            &serde_json::json!({"refund_due": true}),
            "x",
        )
        .unwrap();
        assert!(m.paragraphs[0].contains("remboursement est dû"));
        assert_eq!(
            life_mail(OrderEventType::Created, &o, &serde_json::json!({}), "x"),
            None
        );
    }

    #[test]
    fn the_html_body_escapes_the_operators_message() {
        use askama::Template as _;
        let m = life_mail(
            OrderEventType::Rejected,
            &order(),
            &serde_json::json!({"reason": "other", "message": "<script>x</script>"}),
            "x",
        )
        .unwrap();
        let html = LifeMailHtml {
            subject: &m.subject,
            paragraphs: &m.paragraphs,
            link: &m.link,
        }
        .render()
        .unwrap();
        assert!(html.contains("&#60;script&#62;") && !html.contains("<script>"));
    }
}
