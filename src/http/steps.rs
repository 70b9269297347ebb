//! Request bodies of the wizard's steps (`PATCH /orders/{id}`), with their OpenAPI schemas
//! and examples. They convert into the domain's inputs, which validate them.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use super::contract::{discriminated_union, tagged_variant, with_conditional_rules};

use crate::domain::order::holder::{ContactInput, HolderInput, OrganizationInput, PersonInput};
use crate::domain::order::payment::{PaymentInput, PaymentMethod, PurchaseOrderInput};
use crate::domain::order::wizard::Changes;
use crate::domain::order::{GenerationMethod, PartnerChoice};

/// `null` is a value here (it clears the step), absence is not: `Some(None)` vs `None`.
fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Any subset of the wizard's steps. Absent fields are unchanged; `null` clears a step.
/// The whole PATCH is refused (422, nothing saved) if any field breaks a rule.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "authority": "certigna-ssl",
    "partner": {"type": "none"},
    "duration_months": 12,
    "generation_method": "generate",
    "fqdn": "www.certigna.fr",
    "additional_domains": ["certigna.fr"],
    "holder": {"type": "self"},
    "payment": {"method": "bank_transfer"},
    "terms": {"version": "CGU-2026-09"}
}))]
pub struct OrderPatch {
    /// Step 5: an authority id from `GET /catalog`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "certigna-ssl")]
    pub authority: Option<Option<String>>,
    /// Step 6: "Passez-vous par un partenaire ?" — a partner code, or an explicit "no".
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<PartnerView>)]
    pub partner: Option<Option<PartnerView>>,
    /// Step 7: one of the authority's durations, in months.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, example = 24)]
    pub duration_months: Option<Option<i64>>,
    /// Step 8: `csr` (case 1: paste a CSR) or `generate` (case 2: the service makes it).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<GenerationMethodView>)]
    pub generation_method: Option<Option<GenerationMethodView>>,
    /// Case 1, steps 9–11: the CSR (PEM PKCS#10). Verified at once; the order then shows
    /// the decoded CSR and the domains read from it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB...\n-----END CERTIFICATE REQUEST-----\n")]
    pub csr_pem: Option<Option<String>>,
    /// Case 2, step 9: the complete FQDN to protect (`sousdomaine.domaine.tld`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "www.certigna.fr")]
    pub fqdn: Option<Option<String>>,
    /// Extra subdomains ("sous-domaines supplémentaires"), in the primary name's
    /// registrable domain unless the authority allows otherwise. `null` empties the list.
    #[serde(default, deserialize_with = "nullable_list")]
    #[schema(value_type = Option<Vec<String>>, example = json!(["certigna.fr", "shop.certigna.fr"]))]
    pub additional_domains: Option<Vec<String>>,
    /// Steps 11–12: the domain holder (titulaire): the account's organization, or another.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<HolderRequest>)]
    pub holder: Option<Option<HolderRequest>>,
    /// Step 14: the payment method (and a purchase order's references).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<PaymentRequest>)]
    pub payment: Option<Option<PaymentRequest>>,
    /// Step 15: acceptance of the CGU — the current version from `GET /catalog`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<TermsRequest>)]
    pub terms: Option<Option<TermsRequest>>,
}

fn nullable_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Option::<Vec<String>>::deserialize(d).map(|v| Some(v.unwrap_or_default()))
}

impl OrderPatch {
    pub fn into_changes(self) -> Changes {
        Changes {
            authority: self.authority,
            partner: self.partner.map(|p| {
                p.map(|p| match p {
                    PartnerView::None => PartnerChoice::None,
                    PartnerView::Partner { code } => PartnerChoice::Partner { code },
                })
            }),
            duration_months: self.duration_months,
            generation_method: self
                .generation_method
                .map(|m| m.map(GenerationMethod::from)),
            csr_pem: self.csr_pem,
            fqdn: self.fqdn,
            additional_domains: self.additional_domains,
            holder: self.holder.map(|h| h.map(HolderInput::from)),
            payment: self.payment.map(|p| p.map(PaymentInput::from)),
            terms: self.terms.map(|t| t.map(|t| t.version)),
        }
    }
}

/// Step 15: the CGU version accepted. Who accepted, when and from which address are
/// recorded by the service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": "CGU-2026-09"}))]
pub struct TermsRequest {
    pub version: String,
}

/// The domain holder: `{"type": "self"}` (the account's organization) or
/// `{"type": "other_organization", …}` with that organization's details. For SSL RGS*,
/// `certificate_manager` (the "responsable du certificat") is required whatever the type.
///
/// Its schema is a `oneOf` of two complete objects, discriminated by `type`
/// ([`HolderRequest::schema`]): the serde shape is an internally tagged enum, which utoipa
/// would render as `allOf[OrganizationRequest, {type}]` — unsatisfiable once
/// `OrganizationRequest` forbids other properties.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum HolderRequest {
    /// The account's own organization holds the domain.
    #[serde(rename = "self")]
    OwnOrganization(SelfHolderRequest),
    /// Another organization holds the domain: its details and a contact person.
    OtherOrganization(Box<OrganizationRequest>),
}

/// `{"type": "self"}`: the account's own organization holds the domain.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfHolderRequest {
    /// The "responsable du certificat" (required for SSL RGS*).
    #[serde(default)]
    pub certificate_manager: Option<PersonRequest>,
}

impl PartialSchema for HolderRequest {
    // `example`, as utoipa's derive writes for every other schema of this contract.
    #[allow(deprecated)]
    fn schema() -> RefOr<Schema> {
        discriminated_union(
            "type",
            &[
                ("self", "HolderSelf"),
                ("other_organization", "HolderOtherOrganization"),
            ],
        )
        .description(Some(
                "The domain holder (titulaire), discriminated by `type`: `self` (the account's \
organization) or `other_organization` (that organization's details). For SSL RGS*, \
`certificate_manager` (the \"responsable du certificat\") is required whatever the type.",
            ))
            .example(Some(json!({
                "type": "other_organization",
                "legal_name": "Mairie de Villeneuve",
                "country": "FR",
                "city": "Villeneuve-d'Ascq",
                "address": "Place Salvador Allende",
                "postal_code": "59650",
                "registration_number": "73282932000074",
                "vat_number": null,
                "contact": {"name": "Claire Petit", "email": "claire.petit@example.fr", "phone": "+33 3 20 00 00 00"},
                "certificate_manager": {"first_name": "Paul", "last_name": "Leroy", "email": "paul.leroy@example.fr", "phone": "03 20 00 00 01"}
            })))
            .into()
    }
}

impl ToSchema for HolderRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            "HolderSelf".into(),
            tagged_variant(
                SelfHolderRequest::schema(),
                "type",
                "self",
                "The account's own organization holds the domain.",
            ),
        ));
        let mut other = tagged_variant(
            OrganizationRequest::schema(),
            "type",
            "other_organization",
            "Another organization holds the domain: its details and a contact person.",
        );
        with_conditional_rules(&mut other, french_holder_rules());
        schemas.push(("HolderOtherOrganization".into(), other));
        <SelfHolderRequest as ToSchema>::schemas(schemas);
        <OrganizationRequest as ToSchema>::schemas(schemas);
    }
}

/// A French SIREN (9 digits) or SIRET (14 digits); spaces are ignored.
const SIREN_OR_SIRET: &str = "^\\s*(?:[0-9]\\s*){9}(?:(?:[0-9]\\s*){5})?$";
/// A French VAT number, `FR` + a 2-character key + the SIREN; spaces, dots and hyphens
/// are ignored; empty means none.
const FR_VAT: &str =
    "^[\\s.\\-]*(?:[Ff][\\s.\\-]*[Rr](?:[\\s.\\-]*[0-9A-Za-z]){2}(?:[\\s.\\-]*[0-9]){9}[\\s.\\-]*)?$";

/// A French holder gives a SIREN or SIRET, and a French VAT number if any.
fn french_holder_rules() -> serde_json::Value {
    json!([{
        "if": {"required": ["country"], "properties": {"country": {"pattern": "^\\s*[Ff][Rr]\\s*$"}}},
        "then": {
            "required": ["registration_number"],
            "properties": {
                "registration_number": {"type": "string", "pattern": SIREN_OR_SIRET},
                "vat_number": {"type": ["string", "null"], "pattern": FR_VAT}
            }
        }
    }])
}

/// `purchase_order` goes with the method `purchase_order`, and only with it.
pub(crate) fn payment_rules() -> serde_json::Value {
    json!([{
        "if": {"required": ["method"], "properties": {"method": {"const": "purchase_order"}}},
        "then": {"required": ["purchase_order"], "properties": {"purchase_order": {"type": "object"}}},
        "else": {"properties": {"purchase_order": {"type": "null"}}}
    }])
}

/// Another organization as holder. `required`, lengths and patterns say what the service
/// checks; a body that breaks them is still answered by the service's own 422 naming the
/// field and the rule (`required`, `too_long`, `siren_invalid`, …).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRequest {
    /// Legal name ("raison sociale"), at most 64 characters.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 64, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$", example = "DHIMYOTIS")]
    pub legal_name: Option<String>,
    /// ISO 3166-1 alpha-2 country code (any case; stored uppercase).
    #[schema(required = true, value_type = String, pattern = "^\\s*[A-Za-z]{2}\\s*$", example = "FR")]
    pub country: Option<String>,
    /// At most 64 characters.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 64, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub city: Option<String>,
    /// At most 200 characters.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub address: Option<String>,
    /// At most 16 characters.
    #[schema(max_length = 16, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub postal_code: Option<String>,
    /// France (required): SIREN (9 digits) or SIRET (14 digits), spaces ignored, checked
    /// with Luhn (La Poste's SIRETs by digit sum). Elsewhere: free text, at most 32
    /// characters, unchecked.
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$",
        example = "481463081"
    )]
    pub registration_number: Option<String>,
    /// Optional intra-EU VAT number (spaces, dots and hyphens ignored); a French holder's
    /// starts with `FR` and is checked against its SIREN.
    #[schema(pattern = "^[0-9A-Za-z\\s.\\-]*$", example = "FR85481463081")]
    pub vat_number: Option<String>,
    #[schema(required = true, value_type = ContactRequest)]
    pub contact: Option<ContactRequest>,
    /// The "responsable du certificat" (required for SSL RGS*).
    pub certificate_manager: Option<PersonRequest>,
}

/// The holder's contact person.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// At most 128 characters.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 128, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub name: Option<String>,
    #[schema(required = true, value_type = String, pattern = "^\\s*[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]{1,64}@(?:[A-Za-z0-9\\-]{1,63}\\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9\\-]{1,59})\\s*$", example = "paul.durand@example.fr")]
    pub email: Option<String>,
    /// E.164 (`+33…`) or French national format; stored as E.164.
    #[schema(required = true, value_type = String, pattern = "^[\\s.\\-/()]*\\+?[0-9\\s.\\-/()]{7,}$", example = "+33 3 20 00 00 00")]
    pub phone: Option<String>,
}

/// A named person: the "responsable du certificat" of an SSL RGS* certificate.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRequest {
    /// At most 64 characters.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 64, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub first_name: Option<String>,
    /// At most 64 characters.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 64, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub last_name: Option<String>,
    #[schema(required = true, value_type = String, pattern = "^\\s*[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]{1,64}@(?:[A-Za-z0-9\\-]{1,63}\\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9\\-]{1,59})\\s*$")]
    pub email: Option<String>,
    /// E.164 (`+33…`) or French national format; stored as E.164.
    #[schema(required = true, value_type = String, pattern = "^[\\s.\\-/()]*\\+?[0-9\\s.\\-/()]{7,}$")]
    pub phone: Option<String>,
}

/// A payment method id (step 14); `GET /catalog` lists the ones each authority allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethodView {
    Card,
    BankTransfer,
    Cheque,
    /// "Mandat administratif": the payment procedure of French public bodies.
    AdministrativeMandate,
    /// "Bon de commande": carries the Chorus Pro references (`purchase_order`).
    PurchaseOrder,
}

impl From<PaymentMethod> for PaymentMethodView {
    fn from(m: PaymentMethod) -> Self {
        match m {
            PaymentMethod::Card => Self::Card,
            PaymentMethod::BankTransfer => Self::BankTransfer,
            PaymentMethod::Cheque => Self::Cheque,
            PaymentMethod::AdministrativeMandate => Self::AdministrativeMandate,
            PaymentMethod::PurchaseOrder => Self::PurchaseOrder,
        }
    }
}

/// Step 14. `method` is one the authority allows (see `GET /catalog`). A
/// `purchase_order` carries the references public buyers give (required with that method,
/// refused with the others).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"method": "purchase_order", "purchase_order": {"purchase_order_number": "BC-2026-0042", "engagement_number": "EJ-1234567", "service_code": "SERVICE-INFO"}}))]
pub struct PaymentRequest {
    #[schema(required = true, value_type = PaymentMethodView, example = "bank_transfer")]
    pub method: Option<String>,
    pub purchase_order: Option<PurchaseOrderRequest>,
}

/// The references of a purchase order ("bon de commande"), each at most 50 characters.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderRequest {
    /// The purchase-order number.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub purchase_order_number: Option<String>,
    /// The engagement number ("numéro d'engagement juridique").
    #[schema(required = true, value_type = String, min_length = 1, max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub engagement_number: Option<String>,
    /// The buyer's Chorus Pro service code.
    #[schema(required = true, value_type = String, min_length = 1, max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub service_code: Option<String>,
}

impl From<PersonRequest> for PersonInput {
    fn from(p: PersonRequest) -> Self {
        PersonInput {
            first_name: p.first_name,
            last_name: p.last_name,
            email: p.email,
            phone: p.phone,
        }
    }
}

impl From<HolderRequest> for HolderInput {
    fn from(h: HolderRequest) -> Self {
        match h {
            HolderRequest::OwnOrganization(own) => HolderInput::Own {
                certificate_manager: own.certificate_manager.map(Into::into),
            },
            HolderRequest::OtherOrganization(o) => {
                HolderInput::OtherOrganization(Box::new(OrganizationInput {
                    legal_name: o.legal_name,
                    country: o.country,
                    city: o.city,
                    address: o.address,
                    postal_code: o.postal_code,
                    registration_number: o.registration_number,
                    vat_number: o.vat_number,
                    contact: o.contact.map(|c| ContactInput {
                        name: c.name,
                        email: c.email,
                        phone: c.phone,
                    }),
                    certificate_manager: o.certificate_manager.map(Into::into),
                }))
            }
        }
    }
}

impl From<PaymentRequest> for PaymentInput {
    fn from(p: PaymentRequest) -> Self {
        PaymentInput {
            method: p.method,
            purchase_order: p.purchase_order.map(|po| PurchaseOrderInput {
                purchase_order_number: po.purchase_order_number,
                engagement_number: po.engagement_number,
                service_code: po.service_code,
            }),
        }
    }
}

/// Step 8: `csr` (case 1, paste a CSR) or `generate` (case 2, the service makes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenerationMethodView {
    Csr,
    Generate,
}

impl From<GenerationMethod> for GenerationMethodView {
    fn from(m: GenerationMethod) -> Self {
        match m {
            GenerationMethod::Csr => Self::Csr,
            GenerationMethod::Generate => Self::Generate,
        }
    }
}

impl From<GenerationMethodView> for GenerationMethod {
    fn from(m: GenerationMethodView) -> Self {
        match m {
            GenerationMethodView::Csr => Self::Csr,
            GenerationMethodView::Generate => Self::Generate,
        }
    }
}

/// Step 6: "Passez-vous par un partenaire ?" — `{"type": "partner", "code": "…"}` or an
/// explicit `{"type": "none"}` ("Non").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PartnerView {
    /// "Non": no partner.
    None,
    /// Through a partner of the authority, identified by its code.
    Partner {
        #[schema(example = "PART-0001", max_length = 32)]
        code: String,
    },
}

impl From<&PartnerChoice> for PartnerView {
    fn from(p: &PartnerChoice) -> Self {
        match p {
            PartnerChoice::None => Self::None,
            PartnerChoice::Partner { code } => Self::Partner { code: code.clone() },
        }
    }
}

/// Rules utoipa's derives cannot state, added to the components they belong to.
pub struct Refinements;

impl utoipa::Modify for Refinements {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        if let Some(payment) = components.schemas.get_mut("PaymentRequest") {
            with_conditional_rules(payment, payment_rules());
        }
    }
}
