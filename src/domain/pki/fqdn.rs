//! Domain names that a TLS certificate may be ordered for (SPEC §3 "Domains").
//!
//! One implementation serves the order's `fqdn`, its `additional_domains`, the names read
//! from a CSR (CN and SAN dNSNames) and the stateless `POST /domains/check` endpoint.
//!
//! # Pipeline of [`Fqdn::parse`]
//!
//! 1. The input is trimmed; an empty input (or a lone `.`) is `domain_empty`.
//! 2. IP literals (dotted IPv4, including the shorthand / hex / octal forms a URL parser
//!    would read as IPv4, and IPv6 with or without brackets) are `domain_ip_address`.
//! 3. ASCII input is lowercased; non-ASCII input goes through IDNA UTS 46 ToASCII as done by
//!    [`idna::domain_to_ascii`] (non-transitional: `ß` stays `ß`, i.e. `xn--zca`). Its
//!    failure is `domain_idna_invalid`. Then ONE trailing dot is dropped.
//! 4. Syntax of the A-label form: whole name ≤ 253 octets, labels 1..=63 octets, LDH only
//!    (`a-z`, `0-9`, `-`), no leading/trailing hyphen, no `--` in positions 3–4 unless the
//!    label is an `xn--` label that is a valid A-label (decodes with Punycode, and its
//!    U-label passes UTS 46 with STD3 rules and hyphen checks and re-encodes to itself).
//! 5. Wildcard: only a whole leftmost `*` label (`wildcard_position` otherwise); refused when
//!    [`NameRules::wildcard_allowed`] is false (`wildcard_not_allowed`). **The parser** does
//!    this check, so every caller states its rules explicitly.
//! 6. Structure, on the name without its `*.` label: reserved / internal names
//!    ([`RESERVED_SUFFIXES`], `domain_reserved`) are refused first; then the name must end in
//!    an ICANN public suffix and have at least one label before it.
//!
//! Every problem found for one name is reported (not only the first, at most one issue per
//! code, quoting every offending label), except that an empty name, an IP address or an
//! IDNA failure stop the analysis, and that step 6 is skipped when the last label is
//! already refused by the syntax rules (the other verdicts would only add noise). Issues
//! are pointed at `""`; the caller re-points them with [`FieldIssue::at`]. The message of
//! `fqdn_incomplete` is the seed's exact sentence, so it does not quote the name.
//!
//! A stored name can be re-read with `Fqdn::parse(s, NameRules::WILDCARD)`.
//!
//! # Public suffix choice
//!
//! Only the **ICANN section** of the Public Suffix List counts, as the CA/Browser Forum
//! Baseline Requirements (§3.2.2.6) recommend for deciding what is "registry-controlled".
//! A name under a private-section suffix is judged by the ICANN suffix under it: for
//! `foo.blogspot.com` the public suffix is `com` and the registrable domain `blogspot.com`,
//! so `blogspot.com` is complete and `*.blogspot.com` is allowed (domain-control validation
//! of the registrable domain is the authority's job, not this module's).
//!
//! A name that is itself an ICANN public suffix (`fr`, `gouv.fr`, `co.uk`) is
//! `fqdn_incomplete` (one code, with the seed's message; no separate `domain_public_suffix`).
//! A single-label name (`certigna`) is `fqdn_incomplete` whether or not its label is a TLD.
//! A name of two labels or more whose TLD is not in the list at all (`foo.notatld`) is
//! `domain_unknown_tld`. A wildcard directly on a public suffix (`*.fr`, `*.gouv.fr`,
//! `*.co.uk`) is `wildcard_on_public_suffix` (not also `fqdn_incomplete`).
//!
//! # Lists
//!
//! [`check_domain_list`] parses extra names with the list's wildcard rule, merges
//! duplicates (reported as [`DuplicateNote`]s, not as errors), enforces the limit of
//! additional names and the "same registrable domain as the primary" rule. A wildcard and a
//! plain name it covers (`*.a.fr`, `www.a.fr`) are distinct names, not duplicates.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use psl::{Psl, Type};
use serde::{Serialize, Serializer};

use crate::domain::shared::issue::{Code, FieldIssue};

/// Longest name accepted, in octets of the A-label form without the trailing dot (RFC 1035).
pub const MAX_NAME_LEN: usize = 253;
/// Longest label accepted, in octets (RFC 1035).
pub const MAX_LABEL_LEN: usize = 63;

/// Reserved, special-use or internal-network names: a name equal to one of these, or under
/// one of them, is `domain_reserved`. No publicly trusted certificate can be issued for them.
pub const RESERVED_SUFFIXES: &[&str] = &[
    // RFC 6761 §6.3 (loopback), §6.2/§6.4/§6.5 (test, invalid, example): RFC 2606 TLDs.
    "localhost",
    "test",
    "example",
    "invalid",
    // RFC 2606 §3: second-level names reserved for documentation.
    "example.com",
    "example.net",
    "example.org",
    // RFC 6762: multicast DNS.
    "local",
    // RFC 7686: Tor hidden services.
    "onion",
    // RFC 9476: non-DNS resolution contexts.
    "alt",
    // RFC 8375: home networks.
    "home.arpa",
    // RFC 3172 / RFC 3596: reverse DNS trees.
    "in-addr.arpa",
    "ip6.arpa",
    // RFC 3172: the rest of `arpa` is infrastructure too (covers the three above).
    "arpa",
    // ICANN resolution 2024.07.29.06: reserved for private use.
    "internal",
    // RFC 6762 Appendix G: TLDs seen on enterprise internal networks (`internal` above).
    "intranet",
    "private",
    "corp",
    "home",
    "lan",
];

/// Rules that depend on the authority / product, for one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NameRules {
    /// Whether a leftmost `*` label is allowed (`wildcard_not_allowed` otherwise).
    pub wildcard_allowed: bool,
}

#[cfg(test)]
impl NameRules {
    pub const NO_WILDCARD: NameRules = NameRules {
        wildcard_allowed: false,
    };
    pub const WILDCARD: NameRules = NameRules {
        wildcard_allowed: true,
    };
}

/// Rules of the authority / product for an order's list of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListRules {
    /// Whether a leftmost `*` label is allowed in the extra names.
    pub wildcard_allowed: bool,
    /// How many distinct names may be added beyond the primary name.
    pub max_additional_domains: u32,
    /// `false`: every extra name must have the primary's registrable domain
    /// (`domain_outside_registrable`); `true`: any registrable domain.
    pub extras_any_registrable_domain: bool,
}

impl ListRules {
    pub fn name_rules(&self) -> NameRules {
        NameRules {
            wildcard_allowed: self.wildcard_allowed,
        }
    }
}

/// A valid, normalized domain name (A-label form, lowercase, no trailing dot), possibly a
/// wildcard (`*.` + name). A value that exists passed every rule of [`Fqdn::parse`].
#[derive(Debug, Clone)]
pub struct Fqdn {
    name: String,
    wildcard: bool,
    /// Byte offset in `name` where the ICANN public suffix starts.
    suffix_start: usize,
    /// Byte offset in `name` where the registrable domain starts.
    registrable_start: usize,
}

impl PartialEq for Fqdn {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Fqdn {}
impl std::hash::Hash for Fqdn {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state)
    }
}
impl PartialOrd for Fqdn {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Fqdn {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name.cmp(&other.name)
    }
}

impl fmt::Display for Fqdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl AsRef<str> for Fqdn {
    fn as_ref(&self) -> &str {
        &self.name
    }
}

impl Serialize for Fqdn {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name)
    }
}

impl Fqdn {
    /// Normalizes and validates one name. On failure, every problem found (pointer `""`).
    pub fn parse(input: &str, rules: NameRules) -> Result<Fqdn, Vec<FieldIssue>> {
        let trimmed = input.trim();
        let shown = quote(trimmed);
        if trimmed.is_empty() || trimmed == "." {
            return Err(vec![issue_empty()]);
        }
        if is_ip_literal(trimmed) {
            return Err(vec![issue_ip(&shown)]);
        }
        let ascii = if trimmed.is_ascii() {
            trimmed.to_ascii_lowercase()
        } else {
            match idna::domain_to_ascii(trimmed) {
                Ok(a) => a,
                Err(_) => return Err(vec![issue_idna(&shown)]),
            }
        };
        let name = ascii.strip_suffix('.').unwrap_or(&ascii);
        if name.is_empty() {
            return Err(vec![issue_empty()]);
        }
        if is_ip_literal(name) {
            return Err(vec![issue_ip(&shown)]);
        }

        let mut issues = Vec::new();
        let labels: Vec<&str> = name.split('.').collect();
        let wildcard = labels[0] == "*";

        // Wildcard position and permission.
        let misplaced: Vec<&str> = labels
            .iter()
            .enumerate()
            .filter(|(i, l)| l.contains('*') && !(*i == 0 && **l == "*"))
            .map(|(_, l)| *l)
            .collect();
        if !misplaced.is_empty() {
            issues.push(issue_wildcard_position(&shown, &misplaced));
        }
        if wildcard && !rules.wildcard_allowed {
            issues.push(issue_wildcard_not_allowed(&shown));
        }

        // Lengths.
        if name.len() > MAX_NAME_LEN {
            issues.push(issue_too_long(&shown, name.len()));
        }
        if labels.iter().any(|l| l.is_empty()) {
            issues.push(issue_label_empty(&shown));
        }
        let long: Vec<&str> = labels
            .iter()
            .copied()
            .filter(|l| l.len() > MAX_LABEL_LEN)
            .collect();
        if !long.is_empty() {
            issues.push(issue_label_too_long(&shown, &long));
        }

        // Characters and hyphens ('*' is judged by the wildcard rules above).
        let bad_chars: Vec<&str> = labels
            .iter()
            .copied()
            .filter(|l| !l.bytes().all(|b| is_ldh(b) || b == b'*'))
            .collect();
        if !bad_chars.is_empty() {
            issues.push(issue_invalid_char(&shown, &bad_chars));
        }
        let edge: Vec<&str> = labels
            .iter()
            .copied()
            .filter(|l| l.starts_with('-') || l.ends_with('-'))
            .collect();
        if !edge.is_empty() {
            issues.push(issue_hyphen_edge(&shown, &edge));
        }
        let double: Vec<&str> = labels
            .iter()
            .copied()
            .filter(|l| l.get(2..4) == Some("--") && !l.starts_with("xn--"))
            .collect();
        if !double.is_empty() {
            issues.push(issue_double_hyphen(&shown, &double));
        }
        let bad_alabels: Vec<&str> = labels
            .iter()
            .copied()
            .filter(|l| l.starts_with("xn--") && l.bytes().all(is_ldh) && !is_valid_alabel(l))
            .collect();
        if !bad_alabels.is_empty() {
            issues.push(issue_bad_alabel(&shown, &bad_alabels));
        }

        // Structure of the name without its wildcard label.
        let base_labels = if wildcard { &labels[1..] } else { &labels[..] };
        let base_start = if wildcard { 2 } else { 0 };
        let mut offsets = None;
        let tld = labels[labels.len() - 1];
        if base_labels.is_empty() {
            issues.push(issue_incomplete());
        } else if tld.is_empty() || !tld.bytes().all(is_ldh) {
            // The syntax issues above already say what is wrong with the last label; a
            // public-suffix verdict on it would only add noise.
        } else if let Some(reserved) = reserved_suffix(&name[base_start..]) {
            issues.push(issue_reserved(&shown, reserved));
        } else {
            match icann_suffix_labels(base_labels) {
                None if base_labels.len() == 1 => issues.push(issue_incomplete()),
                None => issues.push(issue_unknown_tld(
                    &shown,
                    base_labels[base_labels.len() - 1],
                )),
                Some(n) if n >= base_labels.len() => {
                    if wildcard {
                        issues.push(issue_wildcard_on_suffix(&shown, &name[base_start..]));
                    } else {
                        issues.push(issue_incomplete());
                    }
                }
                // A PSL wildcard rule (`*.kawasaki.jp`): every child of the base is itself a
                // public suffix, so the wildcard stands in a public-suffix position.
                Some(_) if wildcard && children_are_public_suffixes(base_labels) => {
                    issues.push(issue_wildcard_on_suffix(
                        &shown,
                        &format!("*.{}", &name[base_start..]),
                    ));
                }
                Some(n) => {
                    let suffix_start = name.len() - tail_len(base_labels, n);
                    let registrable_start = name.len() - tail_len(base_labels, n + 1);
                    offsets = Some((suffix_start, registrable_start));
                }
            }
        }

        match offsets {
            Some((suffix_start, registrable_start)) if issues.is_empty() => Ok(Fqdn {
                name: name.to_owned(),
                wildcard,
                suffix_start,
                registrable_start,
            }),
            // Defensive: never refuse a name without saying why.
            _ if issues.is_empty() => Err(vec![issue_incomplete()]),
            _ => Err(issues),
        }
    }

    /// The normalized A-label form, e.g. `*.xn--caf-dma.fr`.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The Unicode (U-label) form, e.g. `*.café.fr`.
    pub fn to_unicode(&self) -> String {
        idna::domain_to_unicode(&self.name).0
    }

    /// Whether the name starts with a `*` label.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// The ICANN public suffix plus one label: `www.certigna.fr` → `certigna.fr`,
    /// `a.b.gouv.fr` → `b.gouv.fr`, `*.x.co.uk` → `x.co.uk`.
    pub fn registrable_domain(&self) -> String {
        self.name[self.registrable_start..].to_owned()
    }

    /// The ICANN public suffix: `www.certigna.fr` → `fr`, `a.b.gouv.fr` → `gouv.fr`.
    pub fn public_suffix(&self) -> &str {
        &self.name[self.suffix_start..]
    }

    #[cfg(test)]
    /// The name without its wildcard label (the name itself when not a wildcard).
    pub fn base_name(&self) -> &str {
        if self.wildcard {
            &self.name[2..]
        } else {
            &self.name
        }
    }
}

/// The result of checking one name alone (`POST /domains/check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameVerdict {
    pub input: String,
    pub valid: bool,
    pub normalized: Option<String>,
    pub unicode: Option<String>,
    pub registrable_domain: Option<String>,
    pub public_suffix: Option<String>,
    pub wildcard: bool,
    pub issues: Vec<FieldIssue>,
}

/// Checks one name; issues are pointed at `""`.
pub fn check_name(input: &str, rules: NameRules) -> NameVerdict {
    match Fqdn::parse(input, rules) {
        Ok(f) => NameVerdict {
            input: input.to_owned(),
            valid: true,
            normalized: Some(f.as_str().to_owned()),
            unicode: Some(f.to_unicode()),
            registrable_domain: Some(f.registrable_domain()),
            public_suffix: Some(f.public_suffix().to_owned()),
            wildcard: f.is_wildcard(),
            issues: Vec::new(),
        },
        Err(issues) => NameVerdict {
            input: input.to_owned(),
            valid: false,
            normalized: None,
            unicode: None,
            registrable_domain: None,
            public_suffix: None,
            wildcard: input.trim_start().starts_with("*."),
            issues,
        },
    }
}

/// An extra name that was merged because it normalizes to a name already in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateNote {
    /// Pointer of the merged entry, e.g. `/additional_domains/3`.
    pub pointer: String,
    /// The normalized name.
    pub name: String,
    /// Index in `extras` of the first occurrence; `None` when it repeats the primary name.
    pub first_index: Option<usize>,
}

/// What [`check_domain_list`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainListOutcome {
    /// Effective list: the primary first, then each extra that passed every check, in input
    /// order, without duplicates.
    pub domains: Vec<Fqdn>,
    /// Every problem, pointed where `pointer_of` says: `pointer_of(Some(index))` for the
    /// `index`-th extra name, `pointer_of(None)` for the list as a whole.
    pub issues: Vec<FieldIssue>,
    /// Extras merged into an earlier equal name (not errors).
    pub duplicates: Vec<DuplicateNote>,
}

#[cfg(test)]
impl DomainListOutcome {
    pub fn is_valid(&self) -> bool {
        self.issues.is_empty()
    }
}

/// Checks an order's extra names against its primary name and the authority's rules.
///
/// The primary is assumed already parsed by the caller (with its own [`NameRules`]); it is
/// not re-checked. Without a primary, the registrable-domain rule cannot apply and is
/// skipped. The limit counts the distinct, syntactically valid extras that differ from the
/// primary (an invalid extra is already an issue of its own).
pub fn check_domain_list(
    primary: Option<&Fqdn>,
    extras: &[String],
    pointer_of: &dyn Fn(Option<usize>) -> String,
    rules: &ListRules,
) -> DomainListOutcome {
    let mut domains: Vec<Fqdn> = primary.into_iter().cloned().collect();
    let mut issues = Vec::new();
    let mut duplicates = Vec::new();
    // (normalized name, index in extras) of every distinct parsed extra.
    let mut seen: Vec<(Fqdn, usize)> = Vec::new();
    let primary_registrable = primary.map(Fqdn::registrable_domain);

    for (index, raw) in extras.iter().enumerate() {
        let pointer = pointer_of(Some(index));
        let fqdn = match Fqdn::parse(raw, rules.name_rules()) {
            Ok(f) => f,
            Err(found) => {
                issues.extend(found.into_iter().map(|i| i.at(pointer.clone())));
                continue;
            }
        };
        if primary == Some(&fqdn) {
            duplicates.push(DuplicateNote {
                pointer,
                name: fqdn.name,
                first_index: None,
            });
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(f, _)| *f == fqdn) {
            duplicates.push(DuplicateNote {
                pointer,
                name: fqdn.name,
                first_index: Some(*first),
            });
            continue;
        }
        seen.push((fqdn.clone(), index));
        match &primary_registrable {
            Some(reg)
                if !rules.extras_any_registrable_domain && fqdn.registrable_domain() != *reg =>
            {
                issues.push(issue_outside_registrable(&fqdn, reg).at(pointer));
            }
            _ => domains.push(fqdn),
        }
    }

    if seen.len() > rules.max_additional_domains as usize {
        issues.push(issue_too_many(seen.len(), rules.max_additional_domains).at(pointer_of(None)));
    }

    DomainListOutcome {
        domains,
        issues,
        duplicates,
    }
}

#[cfg(test)]
/// The pointers of a list of names that sits at `prefix` in the request: `{prefix}/{index}`
/// for one name, `prefix` for the list.
pub fn under(prefix: &str) -> impl Fn(Option<usize>) -> String + '_ {
    move |index| match index {
        Some(i) => format!("{prefix}/{i}"),
        None => prefix.to_owned(),
    }
}

const FQDN_INCOMPLETE_FR: &str =
    "Vous devez saisir un FQDN complet (« sousdomaine.domaine.tld », par exemple www.certigna.fr)";
const FQDN_INCOMPLETE_EN: &str =
    "Enter a complete FQDN (\"subdomain.domain.tld\", for example www.certigna.fr)";

// ---------------------------------------------------------------------------------------
// Helpers

fn is_ldh(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

/// An `xn--` label is valid when its U-label passes UTS 46 with STD3 rules and hyphen
/// checks (no leading/trailing hyphen, no `--` in positions 3–4) and re-encodes to itself.
fn is_valid_alabel(label: &str) -> bool {
    if !label.bytes().all(is_ldh) {
        return false;
    }
    matches!(
        Uts46::new().to_ascii(
            label.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::Check,
            DnsLength::Ignore,
        ),
        Ok(a) if a == label
    )
}

/// IPv4 (dotted quad, or what a URL parser reads as IPv4: 1 to 4 numeric parts in decimal,
/// octal or `0x` hex), IPv6 (optionally bracketed, optionally with a `%zone`).
fn is_ip_literal(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    let inner = s
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(s);
    let no_zone = inner.split('%').next().unwrap_or(inner);
    if no_zone.parse::<Ipv6Addr>().is_ok() || inner.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    let parts: Vec<&str> = s.split('.').collect();
    let numeric = |p: &str| {
        let p = p.to_ascii_lowercase();
        match p.strip_prefix("0x") {
            Some(hex) => hex.bytes().all(|b| b.is_ascii_hexdigit()),
            None => !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()),
        }
    };
    parts.len() >= 2 && parts.len() <= 4 && parts.iter().all(|p| numeric(p))
}

fn reserved_suffix(base: &str) -> Option<&'static str> {
    RESERVED_SUFFIXES.iter().copied().find(|r| {
        base == *r
            || (base.len() > r.len()
                && base.ends_with(r)
                && base.as_bytes()[base.len() - r.len() - 1] == b'.')
    })
}

/// Number of labels of the ICANN public suffix of `labels`, `None` when the TLD is not in
/// the list. Private-section matches are skipped: the lookup is retried on the private
/// suffix minus its leftmost label until an ICANN (or no) rule matches.
fn icann_suffix_labels(labels: &[&str]) -> Option<usize> {
    let mut n = labels.len();
    while n > 0 {
        let tail = &labels[labels.len() - n..];
        let info = psl::List.find(tail.iter().rev().map(|l| l.as_bytes()));
        let count = labels_in_tail(tail, info.len)?;
        match info.typ {
            Some(Type::Icann) => return Some(count),
            Some(Type::Private) => n = count - 1,
            None => return None,
        }
    }
    None
}

/// Whether any child label of `base` would make an ICANN public suffix (a PSL wildcard
/// rule `*.base`), probed with a label no exception rule names.
fn children_are_public_suffixes(base: &[&str]) -> bool {
    let mut probe = Vec::with_capacity(base.len() + 1);
    probe.push("x--certorder-probe");
    probe.extend_from_slice(base);
    icann_suffix_labels(&probe).is_some_and(|n| n >= probe.len())
}

/// How many trailing labels of `tail` make exactly `bytes` octets (dots included).
fn labels_in_tail(tail: &[&str], bytes: usize) -> Option<usize> {
    let mut total = 0;
    for (k, l) in tail.iter().rev().enumerate() {
        total += l.len() + usize::from(k > 0);
        if total == bytes {
            return Some(k + 1);
        }
        if total > bytes {
            return None;
        }
    }
    None
}

/// Octets of the last `n` labels joined with dots.
fn tail_len(labels: &[&str], n: usize) -> usize {
    let tail = &labels[labels.len() - n..];
    tail.iter().map(|l| l.len()).sum::<usize>() + n - 1
}

/// Quotes user input in messages, cut to a readable length.
fn quote(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

fn quote_list(labels: &[&str]) -> String {
    let mut out: Vec<String> = labels.iter().take(5).map(|l| quote(l)).collect();
    if labels.len() > 5 {
        out.push("…".to_owned());
    }
    out.join(", ")
}

fn issue_empty() -> FieldIssue {
    FieldIssue::new(
        "",
        Code::DomainEmpty,
        "Le nom de domaine est vide.",
        "The domain name is empty.",
    )
}

fn issue_ip(name: &str) -> FieldIssue {
    FieldIssue::new(
        "",
        Code::DomainIpAddress,
        format!("« {name} » est une adresse IP : saisissez un nom de domaine."),
        format!("\"{name}\" is an IP address: enter a domain name."),
    )
}

fn issue_idna(name: &str) -> FieldIssue {
    FieldIssue::new(
        "",
        Code::DomainIdnaInvalid,
        format!("« {name} » ne peut pas être converti en nom de domaine ASCII (IDNA UTS 46)."),
        format!("\"{name}\" cannot be converted to an ASCII domain name (IDNA UTS 46)."),
    )
}

fn issue_too_long(name: &str, len: usize) -> FieldIssue {
    FieldIssue::new(
        "",
        Code::DomainTooLong,
        format!("« {name} » fait {len} caractères, le maximum est {MAX_NAME_LEN}."),
        format!("\"{name}\" is {len} characters long, the maximum is {MAX_NAME_LEN}."),
    )
}

fn issue_label_empty(name: &str) -> FieldIssue {
    FieldIssue::new(
        "",
        Code::DomainLabelEmpty,
        format!(
            "« {name} » contient un label vide (deux points consécutifs ou un point au début)."
        ),
        format!("\"{name}\" has an empty label (two consecutive dots or a leading dot)."),
    )
}

fn issue_label_too_long(name: &str, labels: &[&str]) -> FieldIssue {
    let l = quote_list(labels);
    FieldIssue::new(
        "",
        Code::DomainLabelTooLong,
        format!("« {name} » : le label « {l} » dépasse {MAX_LABEL_LEN} caractères."),
        format!("\"{name}\": the label \"{l}\" is longer than {MAX_LABEL_LEN} characters."),
    )
}

fn issue_invalid_char(name: &str, labels: &[&str]) -> FieldIssue {
    let l = quote_list(labels);
    FieldIssue::new(
        "",
        Code::DomainLabelInvalidChar,
        format!("« {name} » : le label « {l} » contient un caractère interdit (seuls a-z, 0-9 et le tiret sont permis)."),
        format!("\"{name}\": the label \"{l}\" has a forbidden character (only a-z, 0-9 and the hyphen are allowed)."),
    )
}

fn issue_hyphen_edge(name: &str, labels: &[&str]) -> FieldIssue {
    let l = quote_list(labels);
    FieldIssue::new(
        "",
        Code::DomainLabelHyphenEdge,
        format!("« {name} » : le label « {l} » commence ou finit par un tiret."),
        format!("\"{name}\": the label \"{l}\" starts or ends with a hyphen."),
    )
}

fn issue_double_hyphen(name: &str, labels: &[&str]) -> FieldIssue {
    let l = quote_list(labels);
    FieldIssue::new(
        "",
        Code::DomainLabelDoubleHyphen,
        format!("« {name} » : le label « {l} » a « -- » en 3e et 4e positions sans être un label « xn-- »."),
        format!("\"{name}\": the label \"{l}\" has \"--\" in 3rd and 4th positions without being an \"xn--\" label."),
    )
}

fn issue_bad_alabel(name: &str, labels: &[&str]) -> FieldIssue {
    let l = quote_list(labels);
    FieldIssue::new(
        "",
        Code::DomainLabelInvalidAlabel,
        format!("« {name} » : le label « {l} » n'est pas un nom internationalisé valide (Punycode/IDNA)."),
        format!("\"{name}\": the label \"{l}\" is not a valid internationalized label (Punycode/IDNA)."),
    )
}

fn issue_reserved(name: &str, reserved: &str) -> FieldIssue {
    FieldIssue::new(
        "",
        Code::DomainReserved,
        format!("« {name} » est un nom réservé ou interne (« {reserved} ») : aucun certificat public ne peut le couvrir."),
        format!("\"{name}\" is a reserved or internal name (\"{reserved}\"): no public certificate can cover it."),
    )
}

fn issue_unknown_tld(name: &str, tld: &str) -> FieldIssue {
    let tld = quote(tld);
    FieldIssue::new(
        "",
        Code::DomainUnknownTld,
        format!("« {name} » : l'extension « {tld} » n'existe pas (absente de la Public Suffix List)."),
        format!("\"{name}\": the top-level domain \"{tld}\" does not exist (not in the Public Suffix List)."),
    )
}

fn issue_incomplete() -> FieldIssue {
    FieldIssue::new(
        "",
        Code::FqdnIncomplete,
        FQDN_INCOMPLETE_FR,
        FQDN_INCOMPLETE_EN,
    )
}

fn issue_wildcard_position(name: &str, labels: &[&str]) -> FieldIssue {
    let l = quote_list(labels);
    FieldIssue::new(
        "",
        Code::WildcardPosition,
        format!("« {name} » : « * » n'est permis que comme label entier le plus à gauche (« *.domaine.fr »), pas dans « {l} »."),
        format!("\"{name}\": \"*\" is only allowed as the whole leftmost label (\"*.domain.fr\"), not in \"{l}\"."),
    )
}

fn issue_wildcard_not_allowed(name: &str) -> FieldIssue {
    FieldIssue::new(
        "",
        Code::WildcardNotAllowed,
        format!("« {name} » est un nom générique (*.) : ce produit ne les permet pas."),
        format!("\"{name}\" is a wildcard name (*.): this product does not allow them."),
    )
}

fn issue_wildcard_on_suffix(name: &str, suffix: &str) -> FieldIssue {
    FieldIssue::new(
        "",
        Code::WildcardOnPublicSuffix,
        format!("« {name} » : un nom générique ne peut pas porter directement sur le suffixe public « {suffix} »."),
        format!("\"{name}\": a wildcard cannot be placed directly on the public suffix \"{suffix}\"."),
    )
}

fn issue_outside_registrable(name: &Fqdn, primary_registrable: &str) -> FieldIssue {
    let reg = name.registrable_domain();
    FieldIssue::new(
        "",
        Code::DomainOutsideRegistrable,
        format!("« {name} » appartient au domaine « {reg} », pas au domaine « {primary_registrable} » du FQDN principal."),
        format!("\"{name}\" belongs to the domain \"{reg}\", not to the primary FQDN's domain \"{primary_registrable}\"."),
    )
}

fn issue_too_many(count: usize, max: u32) -> FieldIssue {
    FieldIssue::new(
        "",
        Code::TooManyDomains,
        format!("{count} domaines supplémentaires distincts, l'autorité en permet au plus {max}."),
        format!("{count} distinct additional domains, the authority allows at most {max}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NO_WC: NameRules = NameRules::NO_WILDCARD;
    const WC: NameRules = NameRules::WILDCARD;

    fn ok(input: &str) -> Fqdn {
        Fqdn::parse(input, WC).unwrap_or_else(|e| panic!("{input:?} refused: {e:?}"))
    }

    fn codes(input: &str, rules: NameRules) -> Vec<String> {
        match Fqdn::parse(input, rules) {
            Ok(f) => panic!("{input:?} accepted as {f}"),
            Err(issues) => issues.into_iter().map(|i| i.code.to_string()).collect(),
        }
    }

    fn only(input: &str, code: &str) {
        assert_eq!(codes(input, WC), vec![code.to_owned()], "input {input:?}");
    }

    fn has(input: &str, code: &str) {
        let c = codes(input, WC);
        assert!(c.iter().any(|x| x == code), "{input:?}: {c:?} lacks {code}");
    }

    fn rules(max: u32, any: bool) -> ListRules {
        ListRules {
            wildcard_allowed: true,
            max_additional_domains: max,
            extras_any_registrable_domain: any,
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    // ---- complete names and normalization

    #[test]
    fn www_certigna_fr_is_complete() {
        let f = ok("www.certigna.fr");
        assert_eq!(f.as_str(), "www.certigna.fr");
        assert_eq!(f.registrable_domain(), "certigna.fr");
        assert_eq!(f.public_suffix(), "fr");
        assert!(!f.is_wildcard());
    }

    #[test]
    fn certigna_fr_is_complete() {
        let f = ok("certigna.fr");
        assert_eq!(f.registrable_domain(), "certigna.fr");
    }

    #[test]
    fn spaces_case_and_one_trailing_dot_are_normalized() {
        assert_eq!(ok("  WWW.Certigna.FR.  ").as_str(), "www.certigna.fr");
        assert_eq!(ok("\tcertigna.fr\n").as_str(), "certigna.fr");
    }

    #[test]
    fn two_trailing_dots_leave_an_empty_label() {
        only("certigna.fr..", "domain_label_empty");
    }

    #[test]
    fn registrable_domain_follows_multi_label_icann_suffixes() {
        let f = ok("a.b.gouv.fr");
        assert_eq!(f.registrable_domain(), "b.gouv.fr");
        assert_eq!(f.public_suffix(), "gouv.fr");
        let w = ok("*.x.co.uk");
        assert_eq!(w.registrable_domain(), "x.co.uk");
        assert_eq!(w.public_suffix(), "co.uk");
        assert_eq!(w.base_name(), "x.co.uk");
    }

    #[test]
    fn private_section_suffixes_do_not_count_only_icann_does() {
        let f = ok("foo.blogspot.com");
        assert_eq!(f.public_suffix(), "com");
        assert_eq!(f.registrable_domain(), "blogspot.com");
        assert_eq!(ok("blogspot.com").registrable_domain(), "blogspot.com");
        assert_eq!(
            ok("a.b.compute.amazonaws.com").registrable_domain(),
            "amazonaws.com"
        );
        assert!(ok("*.github.io").is_wildcard());
    }

    #[test]
    fn display_serialize_and_as_ref_give_the_a_label_form() {
        let f = ok("Café.fr");
        assert_eq!(f.to_string(), "xn--caf-dma.fr");
        assert_eq!(serde_json::to_string(&f).unwrap(), "\"xn--caf-dma.fr\"");
        assert_eq!(f.as_ref(), "xn--caf-dma.fr");
    }

    // ---- IDN

    #[test]
    fn unicode_cafe_fr_becomes_its_a_label() {
        let f = ok("café.fr");
        assert_eq!(f.as_str(), "xn--caf-dma.fr");
        assert_eq!(f.to_unicode(), "café.fr");
        assert_eq!(ok("CAFÉ.FR"), f);
        assert_eq!(ok("xn--caf-dma.fr"), f);
        assert_eq!(ok("XN--CAF-DMA.FR."), f);
    }

    #[test]
    fn idna_is_non_transitional_so_eszett_is_kept() {
        assert_eq!(ok("faß.de").as_str(), "xn--fa-hia.de");
    }

    #[test]
    fn unicode_dots_and_wildcards_are_mapped() {
        assert_eq!(ok("www。café。fr").as_str(), "www.xn--caf-dma.fr");
        let w = ok("*.café.fr");
        assert_eq!(w.as_str(), "*.xn--caf-dma.fr");
        assert_eq!(w.to_unicode(), "*.café.fr");
    }

    #[test]
    fn idn_tld_is_a_real_suffix() {
        assert_eq!(ok("пример.рф").public_suffix(), "xn--p1ai");
    }

    #[test]
    fn idna_failure_has_its_own_code() {
        only("xn--zz.café.fr", "domain_idna_invalid");
        only("a\u{202e}é.fr", "domain_idna_invalid");
    }

    #[test]
    fn invalid_xn_label_is_refused() {
        only("xn--zz.fr", "domain_label_invalid_alabel");
        only("xn--abc.certigna.fr", "domain_label_invalid_alabel");
        has("www.xn--.fr", "domain_label_invalid_alabel");
    }

    #[test]
    fn xn_label_whose_u_label_starts_with_a_hyphen_is_refused() {
        only("-café.fr", "domain_label_invalid_alabel");
        only("xn---caf-epa.fr", "domain_label_invalid_alabel");
    }

    #[test]
    fn xn_label_whose_u_label_has_an_underscore_is_refused() {
        only("xn--a_b-dma.fr", "domain_label_invalid_char");
        only("a_bé.fr", "domain_label_invalid_char");
    }

    // ---- lengths

    #[test]
    fn label_of_63_is_accepted_and_64_refused() {
        let l63 = "a".repeat(63);
        ok(&format!("{l63}.fr"));
        let l64 = "a".repeat(64);
        only(&format!("{l64}.fr"), "domain_label_too_long");
    }

    #[test]
    fn name_of_253_is_accepted_and_254_refused() {
        let l = "a".repeat(63);
        // 4 × 63 + 3 dots = 255: build exact sizes from 62-char labels + "fr".
        let n253 = format!(
            "{}.{}.{}.{}.fr",
            "a".repeat(62),
            "b".repeat(62),
            "c".repeat(62),
            "d".repeat(61)
        );
        assert_eq!(n253.len(), 253);
        ok(&n253);
        let n254 = format!(
            "{}.{}.{}.{}.fr",
            "a".repeat(62),
            "b".repeat(62),
            "c".repeat(62),
            "d".repeat(62)
        );
        assert_eq!(n254.len(), 254);
        only(&n254, "domain_too_long");
        only(&format!("{l}.{l}.{l}.{l}.fr"), "domain_too_long");
        // The trailing dot does not count.
        ok(&format!("{n253}."));
    }

    #[test]
    fn empty_name_is_refused() {
        only("", "domain_empty");
        only("   ", "domain_empty");
        only(".", "domain_empty");
        only("。", "domain_empty");
    }

    #[test]
    fn empty_label_is_refused() {
        only("a..certigna.fr", "domain_label_empty");
        only(".certigna.fr", "domain_label_empty");
    }

    // ---- characters and hyphens

    #[test]
    fn underscore_is_refused() {
        only("_acme.certigna.fr", "domain_label_invalid_char");
        only("my_host.certigna.fr", "domain_label_invalid_char");
    }

    #[test]
    fn spaces_and_symbols_inside_are_refused() {
        only("www certigna.fr", "domain_label_invalid_char");
        only("www.certigna!.fr", "domain_label_invalid_char");
        only("https://www.certigna.fr", "domain_label_invalid_char");
    }

    #[test]
    fn leading_or_trailing_hyphen_is_refused() {
        only("-www.certigna.fr", "domain_label_hyphen_edge");
        only("www-.certigna.fr", "domain_label_hyphen_edge");
        only("www.certigna-.fr", "domain_label_hyphen_edge");
    }

    #[test]
    fn inner_hyphens_are_accepted() {
        ok("my-host.cert-igna.fr");
        ok("a-b-c.certigna.fr");
        ok("ab-c--d.certigna.fr");
    }

    #[test]
    fn double_hyphen_in_positions_3_and_4_is_refused_unless_xn() {
        only("ab--cd.certigna.fr", "domain_label_double_hyphen");
        only("www.ab--c.fr", "domain_label_double_hyphen");
        ok("xn--mnchen-3ya.de");
    }

    #[test]
    fn every_problem_of_a_name_is_reported() {
        let c = codes(&format!("-a_b.{}.x..fr", "z".repeat(64)), NO_WC);
        for code in [
            "domain_label_empty",
            "domain_label_too_long",
            "domain_label_invalid_char",
            "domain_label_hyphen_edge",
        ] {
            assert!(c.iter().any(|x| x == code), "{c:?} lacks {code}");
        }
        let c = codes("*.a*.ab--c.fr", NO_WC);
        assert_eq!(
            c,
            [
                "wildcard_position",
                "wildcard_not_allowed",
                "domain_label_double_hyphen"
            ]
        );
    }

    #[test]
    fn messages_quote_the_offending_name() {
        let e = Fqdn::parse("my_host.certigna.fr", NO_WC).unwrap_err();
        assert!(e[0].message_fr.contains("my_host.certigna.fr"));
        assert!(e[0].message_en.contains("my_host.certigna.fr"));
        assert!(e[0].message_en.contains("my_host"));
        assert_eq!(e[0].pointer, "");
    }

    #[test]
    fn huge_inputs_are_quoted_shortly() {
        let big = "a".repeat(10_000);
        let e = Fqdn::parse(&big, NO_WC).unwrap_err();
        assert!(e.iter().all(|i| i.message_en.len() < 600), "{e:?}");
    }

    // ---- IP addresses

    #[test]
    fn ipv4_is_refused() {
        only("192.168.1.1", "domain_ip_address");
        only("8.8.8.8.", "domain_ip_address");
        only(" 10.0.0.1 ", "domain_ip_address");
        only("127.1", "domain_ip_address");
        only("0x7f.0.0.1", "domain_ip_address");
        only("999.1.1.1", "domain_ip_address");
        only("１９２.１６８.１.１", "domain_ip_address");
    }

    #[test]
    fn ipv6_with_or_without_brackets_is_refused() {
        only("::1", "domain_ip_address");
        only("[::1]", "domain_ip_address");
        only("2001:db8::1", "domain_ip_address");
        only("[2001:DB8::1]", "domain_ip_address");
        only("fe80::1%eth0", "domain_ip_address");
        only("[192.0.2.1]", "domain_ip_address");
    }

    #[test]
    fn a_name_with_digits_is_not_an_ip() {
        ok("1.2.3.certigna.fr");
        ok("123.fr");
    }

    // ---- reserved names

    #[test]
    fn every_reserved_suffix_is_refused_alone_and_below() {
        for r in RESERVED_SUFFIXES {
            only(r, "domain_reserved");
            only(&format!("host.{r}"), "domain_reserved");
            only(&format!("*.host.{r}"), "domain_reserved");
        }
    }

    #[test]
    fn localhost_and_its_subdomains_are_reserved() {
        only("localhost", "domain_reserved");
        only("LOCALHOST.", "domain_reserved");
        only("app.localhost", "domain_reserved");
        only("*.localhost", "domain_reserved");
    }

    #[test]
    fn listed_special_use_names_are_reserved() {
        for n in [
            "printer.local",
            "db.internal",
            "www.test",
            "www.example",
            "foo.invalid",
            "abc.onion",
            "router.home.arpa",
            "1.0.168.192.in-addr.arpa",
            "b.a.ip6.arpa",
            "example.com",
            "www.example.net",
            "a.b.example.org",
            "nas.lan",
        ] {
            only(n, "domain_reserved");
        }
    }

    #[test]
    fn names_that_merely_end_like_a_reserved_one_are_accepted() {
        ok("mylocal.fr");
        ok("notexample.com");
        ok("example.fr");
        ok("local.certigna.fr");
        ok("test.certigna.fr");
    }

    // ---- completeness

    #[test]
    fn bare_tld_is_incomplete_with_the_seed_message() {
        let e = Fqdn::parse("fr", NO_WC).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].code, "fqdn_incomplete");
        assert_eq!(
            e[0].message_fr,
            "Vous devez saisir un FQDN complet (« sousdomaine.domaine.tld », par exemple www.certigna.fr)"
        );
        assert_eq!(
            e[0].message_en,
            "Enter a complete FQDN (\"subdomain.domain.tld\", for example www.certigna.fr)"
        );
    }

    #[test]
    fn single_label_is_incomplete() {
        only("certigna", "fqdn_incomplete");
        only("Certigna.", "fqdn_incomplete");
        only("com", "fqdn_incomplete");
    }

    #[test]
    fn bare_multi_label_public_suffix_is_incomplete() {
        only("gouv.fr", "fqdn_incomplete");
        only("co.uk", "fqdn_incomplete");
    }

    #[test]
    fn unknown_tld_is_refused() {
        only("foo.notatld", "domain_unknown_tld");
        only("www.certigna", "domain_unknown_tld");
    }

    #[test]
    fn lone_wildcard_is_incomplete() {
        only("*", "fqdn_incomplete");
        only("*.", "fqdn_incomplete");
    }

    // ---- wildcards

    #[test]
    fn leftmost_wildcard_is_accepted_where_allowed() {
        let f = ok("*.certigna.fr");
        assert!(f.is_wildcard());
        assert_eq!(f.registrable_domain(), "certigna.fr");
        assert_eq!(f.base_name(), "certigna.fr");
        assert!(ok("*.www.certigna.fr").is_wildcard());
    }

    #[test]
    fn wildcard_is_refused_where_not_allowed() {
        assert_eq!(codes("*.certigna.fr", NO_WC), ["wildcard_not_allowed"]);
    }

    #[test]
    fn misplaced_wildcards_are_refused() {
        only("a.*.fr", "wildcard_position");
        only("*a.certigna.fr", "wildcard_position");
        only("a*.certigna.fr", "wildcard_position");
        only("**.certigna.fr", "wildcard_position");
        only("*.*.certigna.fr", "wildcard_position");
        only("www.certigna.*", "wildcard_position");
    }

    #[test]
    fn wildcard_on_a_public_suffix_is_refused() {
        only("*.fr", "wildcard_on_public_suffix");
        only("*.gouv.fr", "wildcard_on_public_suffix");
        only("*.co.uk", "wildcard_on_public_suffix");
        only("*.com", "wildcard_on_public_suffix");
    }

    #[test]
    fn a_wildcard_whose_every_child_is_a_public_suffix_is_refused() {
        // The PSL's wildcard rules `*.ck`, `*.kawasaki.jp`, `*.bd`: every `x.kawasaki.jp` is
        // a public suffix, so `*.kawasaki.jp` would name public suffixes.
        only("*.kawasaki.jp", "wildcard_on_public_suffix");
        only("*.foo.ck", "wildcard_on_public_suffix");
        only("*.com.bd", "wildcard_on_public_suffix");
        assert!(Fqdn::parse("*.ck", WC).is_err());
        // One level below, the names are registrable again.
        assert_eq!(
            ok("*.city.foo.kawasaki.jp").registrable_domain(),
            "city.foo.kawasaki.jp"
        );
        assert_eq!(ok("www.foo.kawasaki.jp").public_suffix(), "foo.kawasaki.jp");
    }

    #[test]
    fn wildcard_on_a_private_suffix_is_a_wildcard_on_a_registrable_domain() {
        assert_eq!(ok("*.blogspot.com").registrable_domain(), "blogspot.com");
    }

    // ---- check_name

    #[test]
    fn check_name_gives_every_form_of_a_valid_name() {
        let v = check_name(" *.Café.fr ", WC);
        assert!(v.valid);
        assert_eq!(v.input, " *.Café.fr ");
        assert_eq!(v.normalized.as_deref(), Some("*.xn--caf-dma.fr"));
        assert_eq!(v.unicode.as_deref(), Some("*.café.fr"));
        assert_eq!(v.registrable_domain.as_deref(), Some("xn--caf-dma.fr"));
        assert_eq!(v.public_suffix.as_deref(), Some("fr"));
        assert!(v.wildcard);
        assert!(v.issues.is_empty());
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["normalized"], "*.xn--caf-dma.fr");
    }

    #[test]
    fn check_name_gives_the_issues_of_an_invalid_name() {
        let v = check_name("certigna", NO_WC);
        assert!(!v.valid);
        assert_eq!(v.normalized, None);
        assert_eq!(v.issues[0].code, "fqdn_incomplete");
        assert!(!v.wildcard);
    }

    // ---- lists

    #[test]
    fn duplicates_are_merged_and_noted() {
        let p = ok("www.certigna.fr");
        let extras = strings(&[
            "WWW.certigna.fr.",
            "mail.certigna.fr",
            "Mail.Certigna.FR",
            "api.certigna.fr",
        ]);
        let o = check_domain_list(
            Some(&p),
            &extras,
            &under("/additional_domains"),
            &rules(5, false),
        );
        assert!(o.is_valid(), "{:?}", o.issues);
        let names: Vec<&str> = o.domains.iter().map(Fqdn::as_str).collect();
        assert_eq!(
            names,
            ["www.certigna.fr", "mail.certigna.fr", "api.certigna.fr"]
        );
        assert_eq!(
            o.duplicates,
            vec![
                DuplicateNote {
                    pointer: "/additional_domains/0".into(),
                    name: "www.certigna.fr".into(),
                    first_index: None
                },
                DuplicateNote {
                    pointer: "/additional_domains/2".into(),
                    name: "mail.certigna.fr".into(),
                    first_index: Some(1)
                },
            ]
        );
    }

    #[test]
    fn idn_duplicates_are_merged() {
        let p = ok("café.fr");
        let o = check_domain_list(
            Some(&p),
            &strings(&["xn--caf-dma.fr"]),
            &under("/x"),
            &rules(0, false),
        );
        assert!(o.is_valid());
        assert_eq!(o.domains.len(), 1);
        assert_eq!(o.duplicates.len(), 1);
    }

    #[test]
    fn a_wildcard_and_a_name_it_covers_are_both_kept() {
        let p = ok("www.certigna.fr");
        let o = check_domain_list(
            Some(&p),
            &strings(&["*.certigna.fr"]),
            &under("/x"),
            &rules(1, false),
        );
        assert!(o.is_valid());
        assert_eq!(o.domains.len(), 2);
    }

    #[test]
    fn extras_outside_the_registrable_domain_are_refused_unless_allowed() {
        let p = ok("www.certigna.fr");
        let extras = strings(&["shop.certigna.fr", "www.dhimyotis.com", "certigna.com"]);
        let o = check_domain_list(
            Some(&p),
            &extras,
            &under("/additional_domains"),
            &rules(5, false),
        );
        let got: Vec<(&str, &str)> = o
            .issues
            .iter()
            .map(|i| (i.pointer.as_str(), i.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("/additional_domains/1", "domain_outside_registrable"),
                ("/additional_domains/2", "domain_outside_registrable"),
            ]
        );
        assert!(o.issues[0].message_fr.contains("www.dhimyotis.com"));
        assert_eq!(o.domains.len(), 2);

        let o = check_domain_list(
            Some(&p),
            &extras,
            &under("/additional_domains"),
            &rules(5, true),
        );
        assert!(o.is_valid());
        assert_eq!(o.domains.len(), 4);
    }

    #[test]
    fn registrable_rule_uses_the_icann_suffix() {
        let p = ok("a.b.gouv.fr");
        let o = check_domain_list(
            Some(&p),
            &strings(&["c.b.gouv.fr", "c.gouv.fr"]),
            &under("/x"),
            &rules(5, false),
        );
        assert_eq!(o.issues.len(), 1);
        assert_eq!(o.issues[0].pointer, "/x/1");
    }

    #[test]
    fn too_many_distinct_extras_are_refused_at_the_list_pointer() {
        let p = ok("certigna.fr");
        let extras = strings(&[
            "a.certigna.fr",
            "b.certigna.fr",
            "A.certigna.fr",
            "certigna.fr",
        ]);
        let o = check_domain_list(
            Some(&p),
            &extras,
            &under("/additional_domains"),
            &rules(2, false),
        );
        assert!(o.is_valid(), "duplicates do not count: {:?}", o.issues);
        let o = check_domain_list(
            Some(&p),
            &extras,
            &under("/additional_domains"),
            &rules(1, false),
        );
        assert_eq!(o.issues.len(), 1);
        assert_eq!(o.issues[0].code, "too_many_domains");
        assert_eq!(o.issues[0].pointer, "/additional_domains");
    }

    #[test]
    fn per_name_issues_are_pointed_at_their_index() {
        let p = ok("certigna.fr");
        let extras = strings(&[
            "ok.certigna.fr",
            "bad_name.certigna.fr",
            "10.0.0.1",
            "*.certigna.fr",
        ]);
        let mut r = rules(10, false);
        r.wildcard_allowed = false;
        let o = check_domain_list(Some(&p), &extras, &under("/additional_domains"), &r);
        let got: Vec<(&str, &str)> = o
            .issues
            .iter()
            .map(|i| (i.pointer.as_str(), i.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("/additional_domains/1", "domain_label_invalid_char"),
                ("/additional_domains/2", "domain_ip_address"),
                ("/additional_domains/3", "wildcard_not_allowed"),
            ]
        );
        assert_eq!(o.domains.len(), 2);
    }

    #[test]
    fn without_a_primary_extras_are_still_checked() {
        let extras = strings(&["a.certigna.fr", "b.other.fr", "a.certigna.fr"]);
        let o = check_domain_list(
            None,
            &extras,
            &under("/additional_domains"),
            &rules(5, false),
        );
        assert!(o.is_valid());
        assert_eq!(o.domains.len(), 2);
        assert_eq!(o.duplicates[0].first_index, Some(0));
    }

    // ---- contract

    #[test]
    fn the_list_rules_codes_exist_under_their_wire_names() {
        // every code is a variant of the closed `Code` enum (uniqueness and messages are
        // tested there); integrators match on these strings
        for code in [
            "domain_outside_registrable",
            "too_many_domains",
            "fqdn_incomplete",
        ] {
            assert!(Code::parse(code).is_some(), "{code}");
        }
    }

    #[test]
    fn a_misplaced_wildcard_and_a_bad_character_are_both_reported() {
        has("*a.b_c.fr", "wildcard_position");
        has("*a.b_c.fr", "domain_label_invalid_char");
    }

    // ---- properties

    fn name_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ *a-zA-Z0-9._-]{0,80}",
            "(\\*\\.)?([a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?\\.){1,4}(fr|com|co\\.uk|gouv\\.fr|blogspot\\.com|xn--p1ai|notatld|local)",
            "([a-zàéèçüß0-9-]{1,12}\\.){1,3}(fr|de|com)",
        ]
    }

    proptest! {
        #[test]
        fn a_wildcard_under_a_psl_wildcard_rule_is_refused_and_one_level_below_accepted(
            label in "[a-v][a-z0-9]{0,10}",
        ) {
            // `*.ck` is a PSL wildcard rule (with the exception `www.ck`): every `label.ck`
            // is a public suffix.
            let refused = codes(&format!("*.{label}.ck"), WC);
            prop_assert_eq!(refused, vec!["wildcard_on_public_suffix".to_owned()]);
            let below = format!("*.{label}.{label}.ck");
            prop_assert!(Fqdn::parse(&below, WC).is_ok(), "{} refused", below);
        }

        #[test]
        fn parse_never_panics_and_never_refuses_silently(s in any::<String>()) {
            if let Err(issues) = Fqdn::parse(&s, WC) {
                prop_assert!(!issues.is_empty());
            }
            let _ = check_name(&s, NO_WC);
        }

        #[test]
        fn accepted_names_reparse_to_themselves(s in name_strategy()) {
            if let Ok(f) = Fqdn::parse(&s, WC) {
                prop_assert_eq!(Fqdn::parse(f.as_str(), WC).ok(), Some(f.clone()));
                prop_assert_eq!(Fqdn::parse(&f.to_unicode(), WC).ok(), Some(f.clone()));
            }
        }

        #[test]
        fn accepted_names_respect_lengths_and_charset(s in name_strategy()) {
            if let Ok(f) = Fqdn::parse(&s, WC) {
                let n = f.as_str();
                prop_assert!(n.len() <= MAX_NAME_LEN);
                prop_assert!(n.split('.').all(|l| !l.is_empty() && l.len() <= MAX_LABEL_LEN));
                prop_assert!(n.bytes().all(|b| is_ldh(b) || b == b'.' || b == b'*'));
                prop_assert!(!n.ends_with('.'));
                prop_assert!(n.ends_with(f.public_suffix()));
                prop_assert!(n.ends_with(&f.registrable_domain()));
                prop_assert!(f.registrable_domain().len() > f.public_suffix().len());
            }
        }

        #[test]
        fn case_and_trailing_dot_variants_parse_the_same(s in name_strategy()) {
            if let Ok(f) = Fqdn::parse(&s, WC) {
                let upper = f.as_str().to_ascii_uppercase();
                prop_assert_eq!(Fqdn::parse(&upper, WC).ok(), Some(f.clone()));
                prop_assert_eq!(Fqdn::parse(&format!("{upper}."), WC).ok(), Some(f.clone()));
                prop_assert_eq!(Fqdn::parse(&format!(" {}. ", f.as_str()), WC).ok(), Some(f.clone()));
            }
        }
    }
}
