//! The "Formulaire de demande de certificat" (SPEC §5): the data frozen at `commander` and its
//! rendering as an A4 PDF in French.
//!
//! Rendering is pure: it works in memory and reads no clock (every date shown comes from the
//! data; the PDF's own creation date is `submitted_at`). Text uses DejaVu Sans, embedded from
//! `assets/fonts/` (a Latin/Greek/Cyrillic subset, licence and README beside it), so that
//! French accents and signs (é è à ç « » œ ’ €) render in every viewer; a character the font
//! lacks is drawn as `?`.

use chrono::{DateTime, Utc};
use printpdf::{
    path::PaintMode, Color, IndirectFontRef, Line, Mm, OffsetDateTime, PdfDocument,
    PdfDocumentReference, PdfLayerReference, Point, Rect, Rgb,
};

pub use crate::domain::order::formulaire::{
    FormulaireData, OrganizationBlock, PersonBlock, PriceBlock,
};

const FONT_REGULAR: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));
const FONT_BOLD: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans-Bold.ttf"
));

#[derive(Debug, thiserror::Error)]
pub enum FormulaireError {
    #[error("embedded font could not be read: {0}")]
    Font(String),
    #[error("PDF could not be written: {0}")]
    Pdf(String),
}

// ---------------------------------------------------------------------------------------------
// French formatting, shared with the e-mail.

/// `123456` → `1 234,56 €` (the separators are U+00A0 no-break spaces).
pub fn format_eur(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02}\u{a0}€", abs % 100)
}

/// `20.0` → `20 %`, `5.5` → `5,5 %` (U+00A0 before `%`).
pub fn format_percent(rate: f64) -> String {
    let s = format!("{rate:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{}\u{a0}%", s.replace('.', ","))
}

/// `25/11/2026`.
pub fn format_date(at: &DateTime<Utc>) -> String {
    at.format("%d/%m/%Y").to_string()
}

/// `25/11/2026 à 14:30 UTC`.
pub fn format_date_time(at: &DateTime<Utc>) -> String {
    at.format("%d/%m/%Y à %H:%M UTC").to_string()
}

// ---------------------------------------------------------------------------------------------
// Font metrics (advance widths), to wrap text. printpdf 0.7 does not expose them; the
// embedded TrueType fonts are read with `ttf-parser`.

struct Metrics {
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
}

impl Metrics {
    fn parse(font: &'static [u8]) -> Option<Self> {
        let face = ttf_parser::Face::parse(font, 0).ok()?;
        let units_per_em = f32::from(face.units_per_em());
        Some(Self { face, units_per_em })
    }

    fn has(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }

    /// `text` with every character the font lacks replaced by `?`.
    fn sanitize(&self, text: &str) -> String {
        text.chars()
            .map(|c| if self.has(c) { c } else { '?' })
            .collect()
    }

    fn advance(&self, c: char) -> f32 {
        let glyph = self
            .face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('?'))
            .unwrap_or(ttf_parser::GlyphId(0));
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) / self.units_per_em
    }

    /// Width in millimetres of `text` at `size` points.
    fn width_mm(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size * PT_MM
    }

    /// Lines of `text` that fit in `width` mm: breaks at spaces, and inside a word too long
    /// for a line. Explicit `\n` start a new line.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width_mm(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // the word alone on a new line; split it if it is still too long
                for ch in word.chars() {
                    line.push(ch);
                    if self.width_mm(&line, size) > width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::take(&mut line));
                        line.push(ch);
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

// ---------------------------------------------------------------------------------------------
// Layout

const PT_MM: f32 = 0.352_778;
const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 18.0;
const RIGHT: f32 = PAGE_W - 18.0;
const TOP: f32 = PAGE_H - 18.0;
const BOTTOM: f32 = 20.0;
const CONTENT_W: f32 = RIGHT - LEFT;
const LABEL_W: f32 = 55.0;
const VALUE_X: f32 = LEFT + LABEL_W + 3.0;
const VALUE_W: f32 = RIGHT - VALUE_X;

const BODY: f32 = 9.5;
const SMALL: f32 = 8.0;
const BODY_LH: f32 = 4.6;
const SMALL_LH: f32 = 3.9;

#[derive(Clone, Copy)]
enum Face {
    Regular,
    Bold,
}

fn black() -> Color {
    Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None))
}

fn grey() -> Color {
    Color::Rgb(Rgb::new(0.35, 0.35, 0.38, None))
}

fn accent() -> Color {
    Color::Rgb(Rgb::new(0.05, 0.22, 0.45, None))
}

struct Canvas {
    doc: PdfDocumentReference,
    regular: IndirectFontRef,
    bold: IndirectFontRef,
    m_regular: Metrics,
    m_bold: Metrics,
    layers: Vec<PdfLayerReference>,
    /// Baseline of the next line, in mm from the bottom of the page.
    y: f32,
    /// Heading repeated at the top of a page a list flowed onto.
    continued: Option<String>,
}

impl Canvas {
    fn metrics(&self, face: Face) -> &Metrics {
        match face {
            Face::Regular => &self.m_regular,
            Face::Bold => &self.m_bold,
        }
    }

    fn layer(&self) -> &PdfLayerReference {
        self.layers.last().expect("a page exists")
    }

    fn text(&self, s: &str, face: Face, size: f32, x: f32, y: f32, color: Color) {
        if s.is_empty() {
            return;
        }
        let font = match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        };
        let s = self.metrics(face).sanitize(s);
        let layer = self.layer();
        layer.set_fill_color(color);
        layer.use_text(s, size, Mm(x), Mm(y), font);
    }

    fn hline(&self, x1: f32, x2: f32, y: f32, thickness: f32, color: Color) {
        let layer = self.layer();
        layer.set_outline_color(color);
        layer.set_outline_thickness(thickness);
        layer.add_line(Line {
            points: vec![
                (Point::new(Mm(x1), Mm(y)), false),
                (Point::new(Mm(x2), Mm(y)), false),
            ],
            is_closed: false,
        });
    }

    fn rect(&self, x1: f32, y1: f32, x2: f32, y2: f32, thickness: f32) {
        let layer = self.layer();
        layer.set_outline_color(black());
        layer.set_outline_thickness(thickness);
        layer.add_rect(Rect::new(Mm(x1), Mm(y1), Mm(x2), Mm(y2)).with_mode(PaintMode::Stroke));
    }

    fn new_page(&mut self) {
        let (page, layer) = self.doc.add_page(Mm(PAGE_W), Mm(PAGE_H), "Formulaire");
        self.layers.push(self.doc.get_page(page).get_layer(layer));
        self.y = TOP;
        if let Some(title) = self.continued.clone() {
            self.text(&title, Face::Bold, 11.0, LEFT, self.y, accent());
            self.hline(LEFT, RIGHT, self.y - 1.8, 0.6, accent());
            self.y -= 8.0;
        }
    }

    /// Starts a new page unless `height` mm fit above the bottom margin.
    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    fn heading(&mut self, title: &str) {
        self.continued = None;
        self.y -= 3.0;
        self.ensure(8.0 + 3.0 * BODY_LH);
        self.text(title, Face::Bold, 11.0, LEFT, self.y, accent());
        self.hline(LEFT, RIGHT, self.y - 1.8, 0.6, accent());
        self.y -= 7.0;
    }

    /// Wrapped text at `x`, `width` wide; flows onto further pages.
    fn paragraph(&mut self, text: &str, face: Face, size: f32, x: f32, width: f32, color: Color) {
        let lh = if size <= SMALL { SMALL_LH } else { BODY_LH };
        for line in self.metrics(face).wrap(text, size, width) {
            self.ensure(lh);
            self.text(&line, face, size, x, self.y, color.clone());
            self.y -= lh;
        }
    }

    /// A "label: value" row, both wrapped in their column; kept on one page.
    fn field(&mut self, label: &str, value: &str) {
        let labels = self.m_regular.wrap(label, BODY, LABEL_W);
        let values = self.m_bold.wrap(value, BODY, VALUE_W);
        let rows = labels.len().max(values.len());
        self.ensure(rows as f32 * BODY_LH);
        for (i, l) in labels.iter().enumerate() {
            self.text(
                l,
                Face::Regular,
                BODY,
                LEFT,
                self.y - i as f32 * BODY_LH,
                grey(),
            );
        }
        for (i, v) in values.iter().enumerate() {
            self.text(
                v,
                Face::Bold,
                BODY,
                VALUE_X,
                self.y - i as f32 * BODY_LH,
                black(),
            );
        }
        self.y -= rows as f32 * BODY_LH + 0.8;
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }
}

const NOT_GIVEN: &str = "non renseigné";

fn organization(c: &mut Canvas, org: &OrganizationBlock) {
    c.field("Raison sociale", &org.legal_name);
    c.field(
        "SIREN / SIRET",
        org.siren_siret.as_deref().unwrap_or(NOT_GIVEN),
    );
    c.field("Adresse", &org.address);
    let city = match org.postal_code.as_deref() {
        Some(pc) if !pc.trim().is_empty() => format!("{pc} {}", org.city),
        _ => org.city.clone(),
    };
    c.field("Code postal et ville", &city);
    c.field("Pays", &org.country);
}

fn person(c: &mut Canvas, p: &PersonBlock) {
    c.field("Nom", &p.name);
    c.field("Adresse e-mail", &p.email);
    c.field("Téléphone", p.phone.as_deref().unwrap_or(NOT_GIVEN));
}

/// Renders the form as a PDF document (A4, French), in memory.
pub fn render_pdf(data: &FormulaireData) -> Result<Vec<u8>, FormulaireError> {
    let title = "Formulaire de demande de certificat";
    let stamp = OffsetDateTime::from_unix_timestamp(data.submitted_at.timestamp())
        .map_err(|e| FormulaireError::Pdf(e.to_string()))?;
    let (doc, page, layer) = PdfDocument::new(
        format!("{title} {}", data.order_number),
        Mm(PAGE_W),
        Mm(PAGE_H),
        "Formulaire",
    );
    let doc = doc
        .with_creation_date(stamp)
        .with_mod_date(stamp)
        .with_metadata_date(stamp)
        .with_document_id(document_id(&data.order_number))
        .with_creator("certorder")
        .with_producer("certorder")
        .with_subject(format!("{title} — commande {}", data.order_number));
    let regular = doc
        .add_external_font(FONT_REGULAR)
        .map_err(|e| FormulaireError::Font(e.to_string()))?;
    let bold = doc
        .add_external_font(FONT_BOLD)
        .map_err(|e| FormulaireError::Font(e.to_string()))?;
    let bad_font = || FormulaireError::Font("unreadable TrueType tables".into());
    let first = doc.get_page(page).get_layer(layer);
    let mut c = Canvas {
        doc,
        regular,
        bold,
        m_regular: Metrics::parse(FONT_REGULAR).ok_or_else(bad_font)?,
        m_bold: Metrics::parse(FONT_BOLD).ok_or_else(bad_font)?,
        layers: vec![first],
        y: TOP,
        continued: None,
    };

    // Title block
    c.text(title, Face::Bold, 17.0, LEFT, c.y - 2.0, accent());
    c.y -= 10.0;
    c.text(
        &format!(
            "Commande n° {} du {}",
            data.order_number,
            format_date(&data.submitted_at)
        ),
        Face::Bold,
        11.0,
        LEFT,
        c.y,
        black(),
    );
    c.y -= 6.5;
    c.paragraph(
        "Ce formulaire récapitule la commande validée par le bouton « Commander ». \
         Vérifiez-le, faites-le dater, signer et revêtir du cachet de l’organisation par son \
         représentant légal, puis renvoyez-le avec les justificatifs listés ci-dessous : nous \
         mettrons alors en œuvre la délivrance de votre certificat.",
        Face::Regular,
        BODY,
        LEFT,
        CONTENT_W,
        black(),
    );

    c.heading("Commande");
    c.field("N° de commande", &data.order_number);
    c.field("Date de la commande", &format_date_time(&data.submitted_at));
    c.field("Autorité de certification", &data.authority_name);
    c.field("Produit", &data.product_line_label);
    c.field("Durée", &format!("{} mois", data.duration_months));
    c.field(
        "Validité de chaque certificat",
        &format!("{} jours", data.certificate_validity_days),
    );
    c.field("Nombre d’émissions", &data.issuances.to_string());

    c.heading("Organisation cliente (compte)");
    organization(&mut c, &data.account);

    c.heading("Demandeur");
    person(&mut c, &data.requester);

    c.heading("Titulaire du domaine");
    let holder_note = if data.holder_is_self {
        "Le titulaire du domaine est l’organisation cliente elle-même."
    } else {
        "Le titulaire du domaine est une autre organisation : son autorisation signée est à joindre."
    };
    c.paragraph(holder_note, Face::Regular, BODY, LEFT, CONTENT_W, black());
    c.gap(1.0);
    organization(&mut c, &data.holder);

    if let Some(manager) = &data.certificate_manager {
        c.heading("Responsable du certificat");
        person(&mut c, manager);
    }

    c.heading("Clé et demande de certificat (CSR)");
    c.field("Type de clé", &data.key_description);
    c.field(
        "Empreinte SHA-256 de la clé publique",
        &data.csr_key_fingerprint_sha256,
    );

    let domains_title = format!("Domaines à certifier ({})", data.domains.len());
    c.heading(&domains_title);
    c.continued = Some(format!("{domains_title} — suite"));
    let num_w = c
        .m_regular
        .width_mm(&format!("{}.", data.domains.len()), BODY)
        + 2.0;
    for (i, domain) in data.domains.iter().enumerate() {
        let lines = c.m_bold.wrap(domain, BODY, CONTENT_W - num_w);
        for (j, line) in lines.iter().enumerate() {
            c.ensure(BODY_LH);
            if j == 0 {
                c.text(
                    &format!("{}.", i + 1),
                    Face::Regular,
                    BODY,
                    LEFT,
                    c.y,
                    grey(),
                );
            }
            c.text(line, Face::Bold, BODY, LEFT + num_w, c.y, black());
            c.y -= BODY_LH;
        }
    }
    c.continued = None;

    c.heading("Paiement");
    c.field("Moyen de paiement", &data.payment_method_label);
    for (label, value) in &data.payment_references {
        c.field(label, value);
    }
    c.field("Montant HT", &format_eur(data.price.excl_vat_cents));
    c.field(
        &format!("TVA ({})", format_percent(data.price.vat_rate_percent)),
        &format_eur(data.price.vat_cents),
    );
    c.field("Montant TTC", &format_eur(data.price.incl_vat_cents));

    c.heading("Conditions générales d’utilisation");
    c.field("Version acceptée", &data.terms_version);
    c.field("Acceptées le", &format_date_time(&data.terms_accepted_at));

    c.heading("Justificatifs à renvoyer");
    c.paragraph(
        "Joignez chacune des pièces suivantes à ce formulaire signé (cochez-les) :",
        Face::Regular,
        BODY,
        LEFT,
        CONTENT_W,
        black(),
    );
    c.gap(1.5);
    let text_x = LEFT + 6.0;
    let text_w = RIGHT - text_x;
    for doc in &data.documents {
        let label = c.m_bold.wrap(&doc.label_fr, BODY, text_w);
        let reason = c.m_regular.wrap(&doc.reason_fr, SMALL, text_w);
        c.ensure(label.len() as f32 * BODY_LH + reason.len() as f32 * SMALL_LH + 2.0);
        c.rect(LEFT + 0.5, c.y - 0.6, LEFT + 3.9, c.y + 2.8, 0.7);
        for line in &label {
            c.text(line, Face::Bold, BODY, text_x, c.y, black());
            c.y -= BODY_LH;
        }
        for line in &reason {
            c.text(line, Face::Regular, SMALL, text_x, c.y, grey());
            c.y -= SMALL_LH;
        }
        c.y -= 2.0;
    }

    // Signature: kept on one page.
    let statement = format!(
        "Je soussigné(e), représentant(e) légal(e) de {}, certifie l’exactitude des \
         informations ci-dessus, déclare avoir accepté les conditions générales d’utilisation \
         (version {}) et demande la délivrance du certificat.",
        data.account.legal_name, data.terms_version
    );
    let statement_lines = c.m_regular.wrap(&statement, BODY, CONTENT_W).len();
    let box_h = 38.0;
    c.y -= 3.0;
    c.ensure(8.0 + statement_lines as f32 * BODY_LH + 2.0 + box_h + 2.0);
    c.heading("Signature du représentant légal");
    c.paragraph(&statement, Face::Regular, BODY, LEFT, CONTENT_W, black());
    c.y -= 2.0;
    let mid = LEFT + CONTENT_W / 2.0;
    let top = c.y + 1.0;
    let bottom = top - box_h;
    c.rect(LEFT, bottom, mid - 3.0, top, 0.8);
    c.rect(mid + 3.0, bottom, RIGHT, top, 0.8);
    c.text(
        "Nom, prénom et qualité du représentant légal",
        Face::Regular,
        SMALL,
        LEFT + 2.0,
        top - 4.5,
        grey(),
    );
    c.text(
        "Date, signature et cachet",
        Face::Bold,
        SMALL,
        mid + 5.0,
        top - 4.5,
        grey(),
    );
    c.text(
        "Date : ____ / ____ / ________",
        Face::Regular,
        SMALL,
        mid + 5.0,
        top - 10.0,
        grey(),
    );
    c.y = bottom - 4.0;

    // Footers, now that the page count is known.
    let pages = c.layers.len();
    for (i, layer) in c.layers.iter().enumerate() {
        let footer = format!(
            "{title} — commande {} — page {} / {pages}",
            data.order_number,
            i + 1
        );
        let w = c.m_regular.width_mm(&footer, 7.5);
        layer.set_fill_color(grey());
        layer.use_text(footer, 7.5, Mm((PAGE_W - w) / 2.0), Mm(10.0), &c.regular);
    }

    c.doc
        .save_to_bytes()
        .map_err(|e| FormulaireError::Pdf(e.to_string()))
}

/// A stable 32-character document id derived from the order number.
fn document_id(order_number: &str) -> String {
    // FNV-1a, twice with different seeds: uniqueness only matters per order number.
    let fnv = |seed: u64| {
        order_number.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016X}{:016X}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x84222325cbf29ce4)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_formatted_french_style() {
        assert_eq!(format_eur(123_456), "1\u{a0}234,56\u{a0}€");
        assert_eq!(format_eur(0), "0,00\u{a0}€");
        assert_eq!(format_eur(5), "0,05\u{a0}€");
        assert_eq!(format_eur(99_999), "999,99\u{a0}€");
        assert_eq!(format_eur(123_456_789), "1\u{a0}234\u{a0}567,89\u{a0}€");
        assert_eq!(format_eur(-100_000), "-1\u{a0}000,00\u{a0}€");
    }

    #[test]
    fn percent_and_dates() {
        assert_eq!(format_percent(20.0), "20\u{a0}%");
        assert_eq!(format_percent(5.5), "5,5\u{a0}%");
        assert_eq!(format_percent(8.5), "8,5\u{a0}%");
        let at = DateTime::parse_from_rfc3339("2026-11-25T14:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_date(&at), "25/11/2026");
        assert_eq!(format_date_time(&at), "25/11/2026 à 14:30 UTC");
    }

    #[test]
    fn metrics_read_the_embedded_fonts() {
        let m = Metrics::parse(FONT_REGULAR).unwrap();
        for c in "éèàç«»œ’€ ".chars() {
            assert!(m.has(c), "{c}");
        }
        assert!(m.width_mm("W", 10.0) > m.width_mm("i", 10.0));
        let lines = m.wrap(&"a".repeat(300), 10.0, 50.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| m.width_mm(l, 10.0) <= 50.0));
        assert_eq!(m.wrap("un deux", 10.0, 100.0), ["un deux"]);
        assert_eq!(m.wrap("", 10.0, 100.0), [""]);
        assert_eq!(m.sanitize("été 😀 中"), "été ? ?");
    }
}
