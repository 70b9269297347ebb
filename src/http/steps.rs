//! Request bodies of the wizard's steps (`PATCH /orders/{id}`), with their OpenAPI schemas
//! and examples. They convert into the domain's inputs, which validate them.

use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use super::views::{GenerationMethodView, PartnerView};
use crate::domain::order::holder::{ContactInput, HolderInput, OrganizationInput, PersonInput};
use crate::domain::order::payment::{PaymentInput, PurchaseOrderInput};
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

/// The domain holder. `{"type": "self"}`: the account's organization. Otherwise the other
/// organization's details. For SSL RGS*, `certificate_manager` (the "responsable du
/// certificat") is required whatever the type.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[schema(example = json!({
    "type": "other_organization",
    "legal_name": "Mairie de Villeneuve",
    "country": "FR",
    "city": "Villeneuve-d'Ascq",
    "address": "Place Salvador Allende",
    "postal_code": "59650",
    "registration_number": "21590009700018",
    "vat_number": null,
    "contact": {"name": "Claire Petit", "email": "claire.petit@example.fr", "phone": "+33 3 20 00 00 00"},
    "certificate_manager": {"first_name": "Paul", "last_name": "Leroy", "email": "paul.leroy@example.fr", "phone": "03 20 00 00 01"}
}))]
pub enum HolderRequest {
    /// The account's own organization holds the domain.
    #[serde(rename = "self")]
    OwnOrganization {
        #[serde(default)]
        certificate_manager: Option<PersonRequest>,
    },
    /// Another organization holds the domain: its details and a contact person.
    OtherOrganization(Box<OrganizationRequest>),
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRequest {
    /// Legal name, at most 64 characters.
    #[schema(max_length = 64)]
    pub legal_name: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[schema(example = "FR")]
    pub country: Option<String>,
    pub city: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    /// France: SIREN (9 digits) or SIRET (14 digits), checked with Luhn (La Poste's SIRETs
    /// by digit sum). Required for France.
    pub registration_number: Option<String>,
    /// Optional intra-EU VAT number; a French one is checked against the SIREN.
    pub vat_number: Option<String>,
    pub contact: Option<ContactRequest>,
    /// The "responsable du certificat" (required for SSL RGS*).
    pub certificate_manager: Option<PersonRequest>,
}

/// The holder's contact person.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    pub name: Option<String>,
    pub email: Option<String>,
    /// E.164 (`+33…`) or French national format.
    pub phone: Option<String>,
}

/// A named person: the "responsable du certificat" of an SSL RGS* certificate.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRequest {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Step 14. `method` is one the authority allows (see `GET /catalog`). A
/// `purchase_order` carries the references public buyers give.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"method": "purchase_order", "purchase_order": {"purchase_order_number": "BC-2026-0042", "engagement_number": "EJ-1234567", "service_code": "SERVICE-INFO"}}))]
pub struct PaymentRequest {
    /// `card`, `bank_transfer`, `cheque`, `administrative_mandate` or `purchase_order`.
    #[schema(example = "bank_transfer")]
    pub method: Option<String>,
    pub purchase_order: Option<PurchaseOrderRequest>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderRequest {
    /// At most 50 characters.
    pub purchase_order_number: Option<String>,
    /// The engagement number ("numéro d'engagement juridique").
    pub engagement_number: Option<String>,
    /// The buyer's Chorus Pro service code.
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
            HolderRequest::OwnOrganization {
                certificate_manager,
            } => HolderInput::Own {
                certificate_manager: certificate_manager.map(Into::into),
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
