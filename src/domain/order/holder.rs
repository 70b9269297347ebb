//! The domain holder ("titulaire du domaine", wizard step 12 in case 1, 11 in case 2): either
//! the account's own organization, or another organization whose details the customer gives.
//! SSL RGS* orders also name the "responsable du certificat" (certificate manager), a person
//! accountable for the certificate; that person is part of this step whatever the holder.
//!
//! Input shape (`PATCH /orders/{id}` field `holder`), tagged by `type`:
//!
//! ```json
//! { "type": "self",
//!   "certificate_manager": { "first_name": "Jeanne", "last_name": "Martin",
//!                            "email": "jeanne.martin@example.fr", "phone": "01 23 45 67 89" } }
//!
//! { "type": "other_organization",
//!   "legal_name": "DHIMYOTIS", "country": "FR", "city": "Villeneuve-d'Ascq",
//!   "address": "20 allée de la Râperie", "postal_code": "59650",
//!   "registration_number": "481 463 081", "vat_number": "FR85481463081",
//!   "contact": { "name": "Paul Durand", "email": "paul@example.fr", "phone": "+33 3 20 00 00 00" },
//!   "certificate_manager": { … } }
//! ```
//!
//! `registration_number` is one field for both French identifiers: 9 digits is a SIREN
//! (company), 14 digits a SIRET (establishment); spaces are ignored. It is required when
//! `country` is `FR` and free text (≤ 32 characters, unchecked) elsewhere. `postal_code`,
//! `vat_number` and, unless the product needs it, `certificate_manager` are optional.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::shared::issue::{Code, FieldIssue};

pub const MAX_LEGAL_NAME_CHARS: usize = 64;
pub const MAX_CITY_CHARS: usize = 64;
pub const MAX_ADDRESS_CHARS: usize = 200;
pub const MAX_POSTAL_CODE_CHARS: usize = 16;
pub const MAX_FOREIGN_REGISTRATION_CHARS: usize = 32;
pub const MAX_PERSON_NAME_CHARS: usize = 64;
pub const MAX_CONTACT_NAME_CHARS: usize = 128;

/// Every ISO 3166-1 alpha-2 code officially assigned (249), sorted.
pub const COUNTRY_CODES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

// ---------------------------------------------------------------------------------------------
// Check digits

/// Luhn (mod 10) check over a string of ASCII digits; `false` for anything else or empty.
pub fn luhn_is_valid(digits: &str) -> bool {
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_sum(digits, false) % 10 == 0
}

#[cfg(test)]
/// The digit that, appended to `digits` (ASCII digits), makes a Luhn-valid number.
pub fn luhn_check_digit(digits: &str) -> Option<u8> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(((10 - luhn_sum(digits, true) % 10) % 10) as u8)
}

/// Luhn sum; `check_digit_follows` says whether the rightmost digit given is already doubled.
fn luhn_sum(digits: &str, check_digit_follows: bool) -> u32 {
    digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if (i % 2 == 1) != check_digit_follows {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum()
}

/// A SIREN (French company number): exactly 9 ASCII digits passing the Luhn check.
pub fn siren_is_valid(siren: &str) -> bool {
    siren.len() == 9 && luhn_is_valid(siren)
}

/// The SIREN of La Poste, whose establishments' SIRETs do not follow Luhn.
pub const LA_POSTE_SIREN: &str = "356000000";
/// La Poste's head office SIRET, which does follow Luhn.
const LA_POSTE_HEAD_OFFICE_SIRET: &str = "35600000000048";

/// A SIRET (French establishment number): 14 ASCII digits whose first 9 are a valid SIREN and
/// which pass the Luhn check — except La Poste's establishments (`356000000…`, other than the
/// head office), whose digits must add up to a multiple of 5 instead (INSEE rule).
pub fn siret_is_valid(siret: &str) -> bool {
    if siret.len() != 14 || !siret.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if !siren_is_valid(&siret[..9]) {
        return false;
    }
    if siret.starts_with(LA_POSTE_SIREN) && siret != LA_POSTE_HEAD_OFFICE_SIRET {
        siret.bytes().map(|b| u32::from(b - b'0')).sum::<u32>() % 5 == 0
    } else {
        luhn_is_valid(siret)
    }
}

/// The numeric key of a French VAT number (`FR` + key + SIREN): (12 + 3 × (SIREN mod 97))
/// mod 97. `None` unless `siren` is 9 ASCII digits (its Luhn check is not required here).
pub fn fr_vat_key(siren: &str) -> Option<u8> {
    if siren.len() != 9 || !siren.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = siren.parse().ok()?;
    Some(((12 + 3 * (n % 97)) % 97) as u8)
}

#[cfg(test)]
/// The French VAT number of a SIREN, e.g. `FR85481463081`.
pub fn fr_vat_number(siren: &str) -> Option<String> {
    fr_vat_key(siren).map(|key| format!("FR{key:02}{siren}"))
}

// ---------------------------------------------------------------------------------------------
// Value types

/// An ISO 3166-1 alpha-2 country code, uppercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Accepts any case (`fr` → `FR`), surrounding spaces ignored.
    pub fn parse(value: &str) -> Option<Self> {
        let upper = value.trim().to_ascii_uppercase();
        COUNTRY_CODES.binary_search(&upper.as_str()).ok().map(|_| {
            let b = upper.as_bytes();
            CountryCode([b[0], b[1]])
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII")
    }

    pub fn is_france(&self) -> bool {
        &self.0 == b"FR"
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        CountryCode::parse(&value)
            .ok_or_else(|| format!("`{value}` is not an ISO 3166-1 alpha-2 code"))
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> String {
        code.as_str().to_owned()
    }
}

/// An e-mail address that passed a reasonable syntax check: ASCII, one `@`, a dot-atom local
/// part of at most 64 characters, a domain of LDH labels with at least two labels and an
/// alphabetic TLD, 254 characters at most. The domain is lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.len() > 254 || !value.is_ascii() {
            return None;
        }
        let (local, domain) = value.split_once('@')?;
        let local_ok = (1..=64).contains(&local.len())
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b));
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && domain.len() <= 253
            && labels.iter().all(|l| {
                (1..=63).contains(&l.len())
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            && labels.last().is_some_and(|tld| {
                tld.len() >= 2
                    && (tld.bytes().all(|b| b.is_ascii_alphabetic()) || tld.starts_with("xn--"))
            });
        (local_ok && domain_ok).then(|| Email(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Email::parse(&value).ok_or_else(|| format!("`{value}` is not a valid e-mail address"))
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// A phone number in E.164 form (`+` then 7 to 15 digits, not starting with 0).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

/// French overseas national prefixes (first 4 digits of a national number) that belong to
/// another E.164 country code than +33.
const FR_OVERSEAS_PREFIXES: &[(&str, &str)] = &[
    ("0262", "262"), // La Réunion
    ("0263", "262"),
    ("0692", "262"),
    ("0693", "262"),
    ("0269", "262"), // Mayotte
    ("0639", "262"),
    ("0590", "590"), // Guadeloupe, Saint-Martin, Saint-Barthélemy
    ("0690", "590"),
    ("0691", "590"),
    ("0594", "594"), // Guyane
    ("0694", "594"),
    ("0596", "596"), // Martinique
    ("0696", "596"),
    ("0697", "596"),
    ("0508", "508"), // Saint-Pierre-et-Miquelon
];

impl Phone {
    /// Accepts E.164 (`+33 1 23 45 67 89`, `+33 (0)1 23…`, `0033 1 23…`) or a French national
    /// number (`01 23 45 67 89`; overseas prefixes get their own country code). Spaces, dots,
    /// hyphens, slashes and parentheses are ignored.
    pub fn parse(value: &str) -> Option<Self> {
        let without_trunk = value.trim().replace("(0)", "");
        let compact: String = without_trunk
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-' | '/' | '(' | ')')))
            .collect();
        let international = if let Some(rest) = compact.strip_prefix('+') {
            rest.to_owned()
        } else if let Some(rest) = compact.strip_prefix("00") {
            rest.to_owned()
        } else if compact.len() == 10
            && compact.starts_with('0')
            && !compact.starts_with("00")
            && compact.bytes().all(|b| b.is_ascii_digit())
        {
            let country = FR_OVERSEAS_PREFIXES
                .iter()
                .find(|(prefix, _)| compact.starts_with(prefix))
                .map_or("33", |(_, cc)| cc);
            format!("{country}{}", &compact[1..])
        } else {
            return None;
        };
        let ok = (7..=15).contains(&international.len())
            && !international.starts_with('0')
            && international.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Phone(format!("+{international}")))
    }

    /// E.164, e.g. `+33123456789`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Phone::parse(&value).ok_or_else(|| format!("`{value}` is not a valid phone number"))
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

// ---------------------------------------------------------------------------------------------
// Input

/// The `holder` field as a client sends it. Text fields are `Option` so that a missing one is
/// reported as `required` with every other problem; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum HolderInput {
    /// The account's own organization holds the domain.
    #[serde(rename = "self")]
    Own {
        #[serde(default)]
        certificate_manager: Option<PersonInput>,
    },
    /// Another organization holds the domain.
    OtherOrganization(Box<OrganizationInput>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    #[serde(default)]
    pub legal_name: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    /// SIREN (9 digits) or SIRET (14 digits) for France; free text elsewhere.
    #[serde(default)]
    pub registration_number: Option<String>,
    #[serde(default)]
    pub vat_number: Option<String>,
    #[serde(default)]
    pub contact: Option<ContactInput>,
    #[serde(default)]
    pub certificate_manager: Option<PersonInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// The "responsable du certificat".
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Validated holder

/// A validated holder step. The API shows it with its own type
/// (`http::step_views::HolderView`), storage with its own (`persistence::stored::holder`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub party: HolderParty,
    /// Present whenever the product requires it; kept if given for another product.
    pub certificate_manager: Option<CertificateManager>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderParty {
    /// The account's own organization.
    Own,
    OtherOrganization(Box<Organization>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub legal_name: String,
    pub country: CountryCode,
    pub city: String,
    pub address: String,
    pub postal_code: Option<String>,
    /// France: the SIREN or SIRET digits, spaces removed. Elsewhere: as given, trimmed.
    pub registration_number: Option<String>,
    /// Uppercase, without spaces, dots or hyphens.
    pub vat_number: Option<String>,
    pub contact: Contact,
}

impl Organization {
    /// The SIREN of a French organization (the first 9 digits of a SIRET).
    pub fn siren(&self) -> Option<&str> {
        let number = self.registration_number.as_deref()?;
        (self.country.is_france() && matches!(number.len(), 9 | 14)).then(|| &number[..9])
    }

    /// The SIRET of a French organization that gave one.
    pub fn siret(&self) -> Option<&str> {
        let number = self.registration_number.as_deref()?;
        (self.country.is_france() && number.len() == 14).then_some(number)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub email: Email,
    pub phone: Phone,
}

/// The "responsable du certificat" of an SSL RGS* certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateManager {
    pub first_name: String,
    pub last_name: String,
    pub email: Email,
    pub phone: Phone,
}

// ---------------------------------------------------------------------------------------------
// Validation

struct Checker {
    issues: Vec<FieldIssue>,
}

impl Checker {
    fn required(&mut self, pointer: String, what_fr: &str, what_en: &str) {
        self.issues.push(FieldIssue::new(
            pointer,
            Code::Required,
            format!("{what_fr} est obligatoire."),
            format!("The {what_en} is required."),
        ));
    }

    /// A required or optional text: trimmed, non-empty when required, ≤ `max` characters,
    /// no control characters.
    fn text(
        &mut self,
        value: Option<&str>,
        pointer: String,
        max: usize,
        required: bool,
        what_fr: &str,
        what_en: &str,
    ) -> Option<String> {
        let value = value.map(str::trim).unwrap_or_default();
        if value.is_empty() {
            if required {
                self.required(pointer, what_fr, what_en);
            }
            return None;
        }
        let mut ok = true;
        let chars = value.chars().count();
        if chars > max {
            self.issues.push(FieldIssue::new(
                pointer.clone(),
                Code::TooLong,
                format!("{what_fr} fait au plus {max} caractères (ici {chars})."),
                format!("The {what_en} is at most {max} characters long (got {chars})."),
            ));
            ok = false;
        }
        if value.chars().any(char::is_control) {
            self.issues.push(FieldIssue::new(
                pointer,
                Code::NotPrintable,
                format!("{what_fr} ne doit pas contenir de caractères de contrôle."),
                format!("The {what_en} must not contain control characters."),
            ));
            ok = false;
        }
        ok.then(|| value.to_owned())
    }

    fn email(&mut self, value: Option<&str>, pointer: String) -> Option<Email> {
        let raw = value.map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            self.required(pointer, "L'adresse e-mail", "e-mail address");
            return None;
        }
        let email = Email::parse(raw);
        if email.is_none() {
            self.issues.push(FieldIssue::new(
                pointer,
                Code::EmailInvalid,
                format!("« {raw} » n'est pas une adresse e-mail valide (forme attendue : nom@domaine.fr, caractères ASCII)."),
                format!("`{raw}` is not a valid e-mail address (expected form: name@domain.com, ASCII characters)."),
            ));
        }
        email
    }

    fn phone(&mut self, value: Option<&str>, pointer: String) -> Option<Phone> {
        let raw = value.map(str::trim).unwrap_or_default();
        if raw.is_empty() {
            self.required(pointer, "Le numéro de téléphone", "phone number");
            return None;
        }
        let phone = Phone::parse(raw);
        if phone.is_none() {
            self.issues.push(FieldIssue::new(
                pointer,
                Code::PhoneInvalid,
                format!("« {raw} » n'est pas un numéro de téléphone valide : format international (+33 1 23 45 67 89) ou national français à 10 chiffres (01 23 45 67 89)."),
                format!("`{raw}` is not a valid phone number: use international format (+33 1 23 45 67 89) or a 10-digit French national number (01 23 45 67 89)."),
            ));
        }
        phone
    }

    fn person(&mut self, input: &PersonInput, pointer: &str) -> Option<CertificateManager> {
        let first_name = self.text(
            input.first_name.as_deref(),
            format!("{pointer}/first_name"),
            MAX_PERSON_NAME_CHARS,
            true,
            "Le prénom du responsable du certificat",
            "certificate manager's first name",
        );
        let last_name = self.text(
            input.last_name.as_deref(),
            format!("{pointer}/last_name"),
            MAX_PERSON_NAME_CHARS,
            true,
            "Le nom du responsable du certificat",
            "certificate manager's last name",
        );
        let email = self.email(input.email.as_deref(), format!("{pointer}/email"));
        let phone = self.phone(input.phone.as_deref(), format!("{pointer}/phone"));
        Some(CertificateManager {
            first_name: first_name?,
            last_name: last_name?,
            email: email?,
            phone: phone?,
        })
    }

    fn contact(&mut self, input: &ContactInput, pointer: &str) -> Option<Contact> {
        let name = self.text(
            input.name.as_deref(),
            format!("{pointer}/name"),
            MAX_CONTACT_NAME_CHARS,
            true,
            "Le nom du contact",
            "contact name",
        );
        let email = self.email(input.email.as_deref(), format!("{pointer}/email"));
        let phone = self.phone(input.phone.as_deref(), format!("{pointer}/phone"));
        Some(Contact {
            name: name?,
            email: email?,
            phone: phone?,
        })
    }

    /// SIREN/SIRET of a French holder: digits only (spaces removed) or an issue.
    fn french_registration(&mut self, value: Option<&str>, pointer: String) -> Option<String> {
        let compact: String = value
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if compact.is_empty() {
            self.issues.push(FieldIssue::new(
                pointer,
                Code::SirenRequired,
                "Un titulaire situé en France doit donner son SIREN (9 chiffres) ou son SIRET (14 chiffres).",
                "A holder located in France must give its SIREN (9 digits) or SIRET (14 digits).",
            ));
            return None;
        }
        let all_digits = compact.bytes().all(|b| b.is_ascii_digit());
        if all_digits && compact.len() == 14 {
            if siret_is_valid(&compact) {
                return Some(compact);
            }
            self.issues.push(FieldIssue::new(
                pointer,
                Code::SiretInvalid,
                format!("Le SIRET {compact} est invalide : sa clé de Luhn est fausse (pour La Poste, 356000000…, la somme des chiffres doit être un multiple de 5)."),
                format!("SIRET {compact} is invalid: its Luhn check fails (for La Poste, 356000000…, the digits must add up to a multiple of 5)."),
            ));
            return None;
        }
        if all_digits && compact.len() == 9 {
            if siren_is_valid(&compact) {
                return Some(compact);
            }
            self.issues.push(FieldIssue::new(
                pointer,
                Code::SirenInvalid,
                format!("Le SIREN {compact} est invalide : sa clé de Luhn est fausse."),
                format!("SIREN {compact} is invalid: its Luhn check fails."),
            ));
            return None;
        }
        self.issues.push(FieldIssue::new(
            pointer,
            Code::SirenInvalid,
            "Le numéro d'immatriculation doit être un SIREN de 9 chiffres ou un SIRET de 14 chiffres.",
            "The registration number must be a 9-digit SIREN or a 14-digit SIRET.",
        ));
        None
    }

    /// The VAT number normalized, or an issue. `french` is whether the holder is in France;
    /// `siren` the holder's valid SIREN when known.
    fn vat(
        &mut self,
        value: Option<&str>,
        pointer: String,
        french: bool,
        siren: Option<&str>,
    ) -> Option<String> {
        let compact: String = value
            .unwrap_or_default()
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-')))
            .collect::<String>()
            .to_ascii_uppercase();
        if compact.is_empty() {
            return None;
        }
        let invalid =
            |fr: String, en: String| FieldIssue::new(pointer.clone(), Code::VatInvalid, fr, en);
        if let Some(rest) = compact.strip_prefix("FR") {
            let b = rest.as_bytes();
            let well_formed = b.len() == 11
                && b[..2]
                    .iter()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
                && b[2..].iter().all(u8::is_ascii_digit);
            if !well_formed {
                self.issues.push(invalid(
                    format!("Le numéro de TVA « {compact} » est mal formé : attendu FR, une clé de 2 caractères puis le SIREN (9 chiffres)."),
                    format!("VAT number `{compact}` is malformed: expected FR, a 2-character key, then the SIREN (9 digits)."),
                ));
                return None;
            }
            let (key, vat_siren) = rest.split_at(2);
            if key.bytes().all(|c| c.is_ascii_digit()) {
                let expected = fr_vat_key(vat_siren).expect("9 digits");
                if key.parse::<u8>().ok() != Some(expected) {
                    self.issues.push(invalid(
                        format!("La clé du numéro de TVA « {compact} » est fausse : pour le SIREN {vat_siren}, elle vaut {expected:02}."),
                        format!("The key of VAT number `{compact}` is wrong: for SIREN {vat_siren} it is {expected:02}."),
                    ));
                    return None;
                }
            }
            if let Some(siren) = siren {
                if siren != vat_siren {
                    self.issues.push(FieldIssue::new(
                        pointer,
                        Code::VatSirenMismatch,
                        format!("Le numéro de TVA « {compact} » contient le SIREN {vat_siren}, pas celui du titulaire ({siren})."),
                        format!("VAT number `{compact}` carries SIREN {vat_siren}, not the holder's ({siren})."),
                    ));
                    return None;
                }
            }
            return Some(compact);
        }
        if french {
            self.issues.push(invalid(
                format!("Le numéro de TVA d'un titulaire situé en France commence par FR (« {compact} »)."),
                format!("The VAT number of a holder located in France starts with FR (`{compact}`)."),
            ));
            return None;
        }
        let b = compact.as_bytes();
        let well_formed = (4..=15).contains(&b.len())
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..].iter().all(u8::is_ascii_alphanumeric);
        if !well_formed {
            self.issues.push(invalid(
                format!("Le numéro de TVA « {compact} » est mal formé : attendu le préfixe pays (2 lettres) puis 2 à 13 lettres ou chiffres."),
                format!("VAT number `{compact}` is malformed: expected the country prefix (2 letters) then 2 to 13 letters or digits."),
            ));
            return None;
        }
        Some(compact)
    }

    /// `None` when something is missing or wrong; the issues say what (an optional field that
    /// is given but wrong also leaves an issue, so the caller never uses a partial result).
    fn organization(&mut self, input: &OrganizationInput, pointer: &str) -> Option<Organization> {
        let legal_name = self.text(
            input.legal_name.as_deref(),
            format!("{pointer}/legal_name"),
            MAX_LEGAL_NAME_CHARS,
            true,
            "La raison sociale",
            "legal name",
        );
        let country_pointer = format!("{pointer}/country");
        let country = match input.country.as_deref().map(str::trim) {
            None | Some("") => {
                self.required(country_pointer, "Le pays", "country");
                None
            }
            Some(raw) => {
                let code = CountryCode::parse(raw);
                if code.is_none() {
                    self.issues.push(FieldIssue::new(
                        country_pointer,
                        Code::CountryInvalid,
                        format!("« {raw} » n'est pas un code pays ISO 3166-1 alpha-2 (deux lettres, ex. FR, BE, DE)."),
                        format!("`{raw}` is not an ISO 3166-1 alpha-2 country code (two letters, e.g. FR, BE, DE)."),
                    ));
                }
                code
            }
        };
        let city = self.text(
            input.city.as_deref(),
            format!("{pointer}/city"),
            MAX_CITY_CHARS,
            true,
            "La ville",
            "city",
        );
        let address = self.text(
            input.address.as_deref(),
            format!("{pointer}/address"),
            MAX_ADDRESS_CHARS,
            true,
            "L'adresse",
            "address",
        );
        let postal_code = self.text(
            input.postal_code.as_deref(),
            format!("{pointer}/postal_code"),
            MAX_POSTAL_CODE_CHARS,
            false,
            "Le code postal",
            "postal code",
        );

        let french = country.is_some_and(|c| c.is_france());
        let registration_pointer = format!("{pointer}/registration_number");
        let registration_number = if french {
            self.french_registration(input.registration_number.as_deref(), registration_pointer)
        } else {
            self.text(
                input.registration_number.as_deref(),
                registration_pointer,
                MAX_FOREIGN_REGISTRATION_CHARS,
                false,
                "Le numéro d'immatriculation",
                "registration number",
            )
        };
        let siren = registration_number
            .as_deref()
            .filter(|_| french)
            .map(|r| &r[..9]);

        let vat_number = self.vat(
            input.vat_number.as_deref(),
            format!("{pointer}/vat_number"),
            french,
            siren,
        );

        let contact_pointer = format!("{pointer}/contact");
        let contact = match &input.contact {
            None => {
                self.required(
                    contact_pointer,
                    "Le contact (nom, e-mail, téléphone)",
                    "contact (name, e-mail, phone)",
                );
                None
            }
            Some(c) => self.contact(c, &contact_pointer),
        };

        Some(Organization {
            legal_name: legal_name?,
            country: country?,
            city: city?,
            address: address?,
            postal_code,
            registration_number,
            vat_number,
            contact: contact?,
        })
    }
}

/// Validates the holder step. `requires_certificate_manager` comes from the chosen
/// authority (SSL RGS*); `pointer` is where `input` sits in the request (usually `/holder`).
/// Every problem is reported, each with a pointer under `pointer`.
pub fn validate_holder(
    input: &HolderInput,
    requires_certificate_manager: bool,
    pointer: &str,
) -> Result<Holder, Vec<FieldIssue>> {
    let mut checker = Checker { issues: Vec::new() };
    let (party, manager_input) = match input {
        HolderInput::Own {
            certificate_manager,
        } => (Some(HolderParty::Own), certificate_manager.as_ref()),
        HolderInput::OtherOrganization(org) => (
            checker
                .organization(org, pointer)
                .map(|org| HolderParty::OtherOrganization(Box::new(org))),
            org.certificate_manager.as_ref(),
        ),
    };
    let manager_pointer = format!("{pointer}/certificate_manager");
    let certificate_manager = match manager_input {
        Some(person) => checker.person(person, &manager_pointer),
        None if requires_certificate_manager => {
            checker.issues.push(FieldIssue::new(
                manager_pointer,
                Code::CertificateManagerRequired,
                "Un certificat SSL RGS* demande un responsable du certificat : donnez son prénom, son nom, son e-mail et son téléphone.",
                "An SSL RGS* certificate needs a certificate manager: give their first name, last name, e-mail and phone.",
            ));
            None
        }
        None => None,
    };
    if !checker.issues.is_empty() {
        return Err(checker.issues);
    }
    Ok(Holder {
        party: party.expect("no issue means a party"),
        certificate_manager,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    // Public numbers: Dhimyotis (Certigna) SIREN 481 463 081; La Poste SIREN 356 000 000, head
    // office SIRET 356 000 000 00048 and establishment SIRET 356 000 000 49837; SIRET
    // 732 829 320 00074 (python-stdnum's example).
    const DHIMYOTIS_SIREN: &str = "481463081";

    fn input(value: Value) -> HolderInput {
        serde_json::from_value(value).expect("input shape")
    }

    fn manager() -> Value {
        json!({"first_name": "Jeanne", "last_name": "Martin",
               "email": "jeanne.martin@example.fr", "phone": "01 23 45 67 89"})
    }

    fn other() -> Value {
        json!({
            "type": "other_organization",
            "legal_name": "DHIMYOTIS",
            "country": "FR",
            "city": "Villeneuve-d'Ascq",
            "address": "20 allée de la Râperie",
            "postal_code": "59650",
            "registration_number": "481 463 081",
            "vat_number": "FR 85 481463081",
            "contact": {"name": "Paul Durand", "email": "Paul.Durand@Example.FR",
                        "phone": "+33 (0)3 20 00 00 00"}
        })
    }

    fn codes(issues: &[FieldIssue]) -> Vec<(&str, &str)> {
        issues
            .iter()
            .map(|i| (i.pointer.as_str(), i.code.as_str()))
            .collect()
    }

    fn issues_with(change: impl FnOnce(&mut Value)) -> Vec<FieldIssue> {
        let mut v = other();
        change(&mut v);
        validate_holder(&input(v), false, "/holder").unwrap_err()
    }

    #[test]
    fn self_as_holder_needs_nothing_else_for_plain_ssl() {
        let h = validate_holder(&input(json!({"type": "self"})), false, "/holder").unwrap();
        assert_eq!(h.party, HolderParty::Own);
        assert_eq!(h.certificate_manager, None);
    }

    #[test]
    fn rgs_needs_a_certificate_manager_whatever_the_holder() {
        let issues = validate_holder(&input(json!({"type": "self"})), true, "/holder").unwrap_err();
        assert_eq!(
            codes(&issues),
            [(
                "/holder/certificate_manager",
                "certificate_manager_required"
            )]
        );
        let issues = validate_holder(&input(other()), true, "/holder").unwrap_err();
        assert_eq!(
            codes(&issues),
            [(
                "/holder/certificate_manager",
                "certificate_manager_required"
            )]
        );
        let h = validate_holder(
            &input(json!({"type": "self", "certificate_manager": manager()})),
            true,
            "/holder",
        )
        .unwrap();
        let m = h.certificate_manager.unwrap();
        assert_eq!(m.phone.as_str(), "+33123456789");
        assert_eq!(m.last_name, "Martin");
    }

    #[test]
    fn an_incomplete_certificate_manager_is_reported_field_by_field() {
        let issues = validate_holder(
            &input(
                json!({"type": "self", "certificate_manager": {"first_name": "Jeanne",
                "email": "nope", "phone": "12"}}),
            ),
            true,
            "/holder",
        )
        .unwrap_err();
        assert_eq!(
            codes(&issues),
            [
                ("/holder/certificate_manager/last_name", "required"),
                ("/holder/certificate_manager/email", "email_invalid"),
                ("/holder/certificate_manager/phone", "phone_invalid"),
            ]
        );
    }

    #[test]
    fn a_french_organization_is_validated_and_normalized() {
        let h = validate_holder(&input(other()), false, "/holder").unwrap();
        let HolderParty::OtherOrganization(org) = &h.party else {
            panic!("an organization")
        };
        assert_eq!(org.registration_number.as_deref(), Some(DHIMYOTIS_SIREN));
        assert_eq!(org.siren(), Some(DHIMYOTIS_SIREN));
        assert_eq!(org.siret(), None);
        assert_eq!(org.vat_number.as_deref(), Some("FR85481463081"));
        assert_eq!(org.contact.email.as_str(), "Paul.Durand@example.fr");
        assert_eq!(org.contact.phone.as_str(), "+33320000000");
        assert_eq!(org.country.as_str(), "FR");
    }

    #[test]
    fn every_problem_of_an_organization_is_reported_at_once() {
        let issues = validate_holder(
            &input(
                json!({"type": "other_organization", "legal_name": "x".repeat(65),
                "country": "XX", "address": " ", "vat_number": "FR00",
                "contact": {"name": "Paul", "email": "paul@", "phone": "abc"}}),
            ),
            false,
            "/holder",
        )
        .unwrap_err();
        assert_eq!(
            codes(&issues),
            [
                ("/holder/legal_name", "too_long"),
                ("/holder/country", "country_invalid"),
                ("/holder/city", "required"),
                ("/holder/address", "required"),
                ("/holder/vat_number", "vat_invalid"),
                ("/holder/contact/email", "email_invalid"),
                ("/holder/contact/phone", "phone_invalid"),
            ]
        );
        for issue in &issues {
            assert!(!issue.message_fr.is_empty() && !issue.message_en.is_empty());
        }
    }

    #[test]
    fn a_legal_name_of_sixty_four_characters_is_accepted_and_sixty_five_is_too_long() {
        let mut v = other();
        v["legal_name"] = json!("É".repeat(64));
        assert!(validate_holder(&input(v), false, "/holder").is_ok());
        let issues = issues_with(|v| v["legal_name"] = json!("É".repeat(65)));
        assert_eq!(codes(&issues), [("/holder/legal_name", "too_long")]);
        assert!(issues[0].message_fr.contains("64"));
    }

    #[test]
    fn a_missing_contact_is_required() {
        let issues = issues_with(|v| {
            v.as_object_mut().unwrap().remove("contact");
        });
        assert_eq!(codes(&issues), [("/holder/contact", "required")]);
    }

    #[test]
    fn a_french_holder_without_siren_is_refused() {
        let issues = issues_with(|v| {
            v.as_object_mut().unwrap().remove("registration_number");
            v.as_object_mut().unwrap().remove("vat_number");
        });
        assert_eq!(
            codes(&issues),
            [("/holder/registration_number", "siren_required")]
        );
    }

    #[test]
    fn a_foreign_holder_needs_no_siren_and_keeps_a_free_registration_number() {
        let h = validate_holder(
            &input(
                json!({"type": "other_organization", "legal_name": "Beispiel GmbH",
                "country": "de", "city": "Berlin", "address": "Unter den Linden 1",
                "registration_number": "HRB 12345", "vat_number": "DE 123456789",
                "contact": {"name": "Max", "email": "max@beispiel.de", "phone": "+49 30 1234567"}}),
            ),
            false,
            "/holder",
        )
        .unwrap();
        let HolderParty::OtherOrganization(org) = h.party else {
            panic!("an organization")
        };
        assert_eq!(org.country.as_str(), "DE");
        assert_eq!(org.siren(), None);
        assert_eq!(org.registration_number.as_deref(), Some("HRB 12345"));
        assert_eq!(org.vat_number.as_deref(), Some("DE123456789"));
    }

    #[test]
    fn a_siren_with_a_wrong_luhn_key_is_invalid() {
        let issues = issues_with(|v| {
            v["registration_number"] = json!("481463082");
            v.as_object_mut().unwrap().remove("vat_number");
        });
        assert_eq!(
            codes(&issues),
            [("/holder/registration_number", "siren_invalid")]
        );
    }

    #[test]
    fn a_number_of_neither_nine_nor_fourteen_digits_is_an_invalid_siren() {
        let issues = issues_with(|v| v["registration_number"] = json!("12345"));
        assert_eq!(
            codes(&issues),
            [("/holder/registration_number", "siren_invalid")]
        );
        assert!(issues[0].message_en.contains("14-digit SIRET"));
    }

    #[test]
    fn a_siret_is_accepted_and_its_siren_checked_against_the_vat_number() {
        let mut v = other();
        v["registration_number"] = json!("481 463 081 00036");
        let h = validate_holder(&input(v), false, "/holder").unwrap();
        let HolderParty::OtherOrganization(org) = h.party else {
            panic!("an organization")
        };
        assert_eq!(org.siret(), Some("48146308100036"));
        assert_eq!(org.siren(), Some(DHIMYOTIS_SIREN));
        let issues = issues_with(|v| v["registration_number"] = json!("48146308100037"));
        assert_eq!(
            codes(&issues),
            [("/holder/registration_number", "siret_invalid")]
        );
    }

    #[test]
    fn a_vat_number_with_a_wrong_key_is_invalid_and_names_the_right_key() {
        let issues = issues_with(|v| v["vat_number"] = json!("FR84481463081"));
        assert_eq!(codes(&issues), [("/holder/vat_number", "vat_invalid")]);
        assert!(issues[0].message_en.contains("85"));
    }

    #[test]
    fn a_vat_number_of_another_siren_is_a_mismatch() {
        let issues = issues_with(|v| v["vat_number"] = json!("FR39356000000"));
        assert_eq!(
            codes(&issues),
            [("/holder/vat_number", "vat_siren_mismatch")]
        );
    }

    #[test]
    fn a_french_holder_with_a_foreign_vat_number_is_refused() {
        let issues = issues_with(|v| v["vat_number"] = json!("DE123456789"));
        assert_eq!(codes(&issues), [("/holder/vat_number", "vat_invalid")]);
    }

    #[test]
    fn a_vat_number_with_an_alphanumeric_key_is_accepted_on_its_format() {
        let mut v = other();
        v["vat_number"] = json!("FRXY481463081");
        assert!(validate_holder(&input(v), false, "/holder").is_ok());
    }

    #[test]
    fn unknown_fields_and_fields_of_the_other_type_are_refused_by_the_input_shape() {
        for bad in [
            json!({"type": "self", "legal_name": "x"}),
            json!({"type": "someone"}),
            json!({"type": "other_organization", "siren": "481463081"}),
            json!({"type": "other_organization", "contact": {"fax": "1"}}),
        ] {
            assert!(
                serde_json::from_value::<HolderInput>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn control_characters_in_a_text_are_refused() {
        let issues = issues_with(|v| v["city"] = json!("Lille\u{0}"));
        assert_eq!(codes(&issues), [("/holder/city", "not_printable")]);
    }

    #[test]
    fn the_pointer_given_is_the_prefix_of_every_issue() {
        let issues =
            validate_holder(&input(json!({"type": "self"})), true, "/order/holder").unwrap_err();
        assert_eq!(issues[0].pointer, "/order/holder/certificate_manager");
    }

    #[test]
    fn real_sirens_and_sirets_pass_their_checks() {
        assert!(siren_is_valid(DHIMYOTIS_SIREN));
        assert!(siren_is_valid(LA_POSTE_SIREN));
        assert!(siret_is_valid("35600000000048"));
        assert!(siret_is_valid("35600000049837"));
        assert!(siret_is_valid("73282932000074"));
        assert!(siret_is_valid("48146308100036"));
    }

    #[test]
    fn la_poste_sirets_check_by_digit_sum_not_luhn() {
        // Digit sum 45: valid for La Poste although the Luhn check fails.
        assert!(!luhn_is_valid("35600000049837"));
        assert!(siret_is_valid("35600000049837"));
        // Digit sum 46: invalid.
        assert!(!siret_is_valid("35600000049838"));
        // The Luhn rule alone does not make a La Poste establishment valid (sum 33).
        assert!(luhn_is_valid("35600000000121"));
        assert!(!siret_is_valid("35600000000121"));
    }

    #[test]
    fn malformed_numbers_are_invalid() {
        for s in [
            "",
            "48146308",
            "4814630810",
            "48146308a",
            " 481463081",
            "４８１４６３０８１",
        ] {
            assert!(!siren_is_valid(s), "{s}");
        }
        for s in ["", "4814630810003", "481463081000360", "4814630810003a"] {
            assert!(!siret_is_valid(s), "{s}");
        }
        // Luhn-valid 14 digits whose SIREN part is not a valid SIREN.
        assert!(luhn_is_valid("12345678000006") && !siren_is_valid("123456780"));
        assert!(!siret_is_valid("12345678000006"));
    }

    #[test]
    fn the_french_vat_key_is_computed_from_the_siren() {
        assert_eq!(fr_vat_key(DHIMYOTIS_SIREN), Some(85));
        assert_eq!(fr_vat_key(LA_POSTE_SIREN), Some(39));
        assert_eq!(fr_vat_key("000000000"), Some(12));
        assert_eq!(fr_vat_key("12345678"), None);
        assert_eq!(
            fr_vat_number(DHIMYOTIS_SIREN).as_deref(),
            Some("FR85481463081")
        );
        // A key below 10 is written with two digits.
        let siren = (0..1000u32)
            .map(|n| format!("{n:09}"))
            .find(|s| fr_vat_key(s).unwrap() < 10)
            .unwrap();
        assert_eq!(fr_vat_number(&siren).unwrap().len(), 13);
    }

    #[test]
    fn the_country_list_is_the_complete_sorted_iso_3166_1_alpha_2_list() {
        assert_eq!(COUNTRY_CODES.len(), 249);
        assert!(COUNTRY_CODES.windows(2).all(|w| w[0] < w[1]));
        for code in [
            "FR", "BE", "DE", "GP", "RE", "MQ", "NC", "PF", "GB", "US", "SS",
        ] {
            assert!(CountryCode::parse(code).is_some(), "{code}");
        }
        // Not assigned (Kosovo's XK is user-assigned), reserved or malformed.
        for code in ["XK", "UK", "EU", "ZZ", "F", "FRA", "", "F1"] {
            assert!(CountryCode::parse(code).is_none(), "{code}");
        }
        assert_eq!(CountryCode::parse(" be ").unwrap().as_str(), "BE");
    }

    #[test]
    fn emails_of_reasonable_shape_are_accepted_and_others_refused() {
        for ok in [
            "a@b.fr",
            "jean.dupont+certs@mairie-lille.fr",
            "x_y@sub.example.co.uk",
            "o'brien@example.ie",
            "a@xn--bcher-kva.example",
        ] {
            assert!(Email::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "plain",
            "@example.fr",
            "a@",
            "a@b",
            "a@@b.fr",
            "a@b@c.fr",
            ".a@b.fr",
            "a.@b.fr",
            "a..b@c.fr",
            "a b@c.fr",
            "a@-b.fr",
            "a@b-.fr",
            "a@b..fr",
            "a@b.f",
            "a@b.123",
            "é@b.fr",
            "a@exämple.fr",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Email::parse(" A@B.FR ").unwrap().as_str(), "A@b.fr");
        assert!(Email::parse(&format!("{}@b.fr", "a".repeat(65))).is_none());
    }

    #[test]
    fn phones_are_normalized_to_e164() {
        for (raw, e164) in [
            ("01 23 45 67 89", "+33123456789"),
            ("06.12.34.56.78", "+33612345678"),
            ("+33 6 12 34 56 78", "+33612345678"),
            ("+33 (0)6 12 34 56 78", "+33612345678"),
            ("0033 6 12 34 56 78", "+33612345678"),
            ("02 62 12 34 56", "+262262123456"),
            ("0696 12 34 56", "+596696123456"),
            ("+1 (415) 555-0100", "+14155550100"),
            ("+32 2 123 45 67", "+3221234567"),
        ] {
            assert_eq!(
                Phone::parse(raw).map(|p| p.0),
                Some(e164.to_owned()),
                "{raw}"
            );
        }
        for bad in [
            "",
            "123",
            "00 12",
            "1234567890",
            "0012345",
            "+0123456789",
            "+33 6 12 34 56 78 90 12 34",
            "06 12 34 56 7",
            "06 12 34 56 78 9",
            "+33 6 12 34 56 7A",
            "tel:+33612345678",
        ] {
            assert!(Phone::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn every_code_used_is_documented() {
        for code in [
            "required",
            "too_long",
            "not_printable",
            "country_invalid",
            "siren_required",
            "siren_invalid",
            "siret_invalid",
            "vat_invalid",
            "vat_siren_mismatch",
            "email_invalid",
            "phone_invalid",
            "certificate_manager_required",
        ] {
            assert!(Code::parse(code).is_some(), "{code}");
        }
    }

    proptest! {
        #[test]
        fn eight_random_digits_with_their_luhn_check_digit_make_a_valid_siren(
            body in "[0-9]{8}",
        ) {
            let siren = format!("{body}{}", luhn_check_digit(&body).unwrap());
            prop_assert!(siren_is_valid(&siren));
        }

        #[test]
        fn changing_any_single_digit_of_a_valid_siren_makes_it_invalid(
            body in "[0-9]{8}",
            position in 0usize..9,
            delta in 1u8..10,
        ) {
            let siren = format!("{body}{}", luhn_check_digit(&body).unwrap());
            let mut bytes = siren.into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            prop_assert!(!siren_is_valid(std::str::from_utf8(&bytes).unwrap()));
        }

        #[test]
        fn changing_any_single_digit_of_a_valid_non_la_poste_siret_makes_it_invalid(
            body in "[0-9]{8}",
            nic in "[0-9]{4}",
            position in 0usize..14,
            delta in 1u8..10,
        ) {
            let siren = format!("{body}{}", luhn_check_digit(&body).unwrap());
            prop_assume!(siren != LA_POSTE_SIREN);
            let partial = format!("{siren}{nic}");
            let siret = format!("{partial}{}", luhn_check_digit(&partial).unwrap());
            prop_assert!(siret_is_valid(&siret));
            let mut bytes = siret.into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assume!(!changed.starts_with(LA_POSTE_SIREN));
            prop_assert!(!siret_is_valid(&changed));
        }

        #[test]
        fn the_vat_number_of_any_valid_siren_is_accepted_for_that_siren(body in "[0-9]{8}") {
            let siren = format!("{body}{}", luhn_check_digit(&body).unwrap());
            let mut v = other();
            v["registration_number"] = json!(siren);
            v["vat_number"] = json!(fr_vat_number(&siren).unwrap());
            prop_assert!(validate_holder(&input(v), false, "/holder").is_ok());
        }

        #[test]
        fn any_french_ten_digit_number_normalizes_to_nine_digits_after_a_country_code(
            digits in "0[1-9][0-9]{8}",
        ) {
            let phone = Phone::parse(&digits).unwrap();
            let s = phone.as_str();
            prop_assert!(s.starts_with('+'));
            prop_assert!(s.ends_with(&digits[1..]));
            prop_assert!(Phone::parse(s).unwrap() == phone);
        }
    }
}
