//! `orders.holder`: the domain holder ("titulaire") of step 12 — the account's own
//! organization or another one — and the certificate manager ("responsable du certificat").

use serde::{Deserialize, Serialize};

use super::{check_version, parse, unversioned, Invalid, CURRENT};
use crate::domain::order::holder::{
    CertificateManager, Contact, Holder, HolderParty, Organization,
};

/// `{"v": 1, "type": "self" | "other_organization", <the organization's fields>,
/// "certificate_manager": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredHolder {
    #[serde(default = "unversioned")]
    pub(crate) v: u32,
    #[serde(flatten)]
    pub(crate) party: StoredParty,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) certificate_manager: Option<StoredPerson>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub(crate) enum StoredParty {
    #[serde(rename = "self")]
    Own,
    #[serde(rename = "other_organization")]
    OtherOrganization(Box<StoredOrganization>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredOrganization {
    pub(crate) legal_name: String,
    pub(crate) country: String,
    pub(crate) city: String,
    pub(crate) address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) registration_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) vat_number: Option<String>,
    pub(crate) contact: StoredContact,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredContact {
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) phone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredPerson {
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) email: String,
    pub(crate) phone: String,
}

impl From<&Holder> for StoredHolder {
    fn from(h: &Holder) -> Self {
        let party = match &h.party {
            HolderParty::Own => StoredParty::Own,
            HolderParty::OtherOrganization(o) => {
                StoredParty::OtherOrganization(Box::new(StoredOrganization {
                    legal_name: o.legal_name.clone(),
                    country: o.country.as_str().to_owned(),
                    city: o.city.clone(),
                    address: o.address.clone(),
                    postal_code: o.postal_code.clone(),
                    registration_number: o.registration_number.clone(),
                    vat_number: o.vat_number.clone(),
                    contact: StoredContact {
                        name: o.contact.name.clone(),
                        email: o.contact.email.as_str().to_owned(),
                        phone: o.contact.phone.as_str().to_owned(),
                    },
                }))
            }
        };
        StoredHolder {
            v: CURRENT,
            party,
            certificate_manager: h.certificate_manager.as_ref().map(|m| StoredPerson {
                first_name: m.first_name.clone(),
                last_name: m.last_name.clone(),
                email: m.email.as_str().to_owned(),
                phone: m.phone.as_str().to_owned(),
            }),
        }
    }
}

impl TryFrom<StoredHolder> for Holder {
    type Error = Invalid;

    fn try_from(s: StoredHolder) -> Result<Self, Invalid> {
        check_version(s.v)?;
        let party = match s.party {
            StoredParty::Own => HolderParty::Own,
            StoredParty::OtherOrganization(o) => {
                let o = *o;
                HolderParty::OtherOrganization(Box::new(Organization {
                    legal_name: o.legal_name,
                    country: parse("country", o.country)?,
                    city: o.city,
                    address: o.address,
                    postal_code: o.postal_code,
                    registration_number: o.registration_number,
                    vat_number: o.vat_number,
                    contact: Contact {
                        name: o.contact.name,
                        email: parse("contact.email", o.contact.email)?,
                        phone: parse("contact.phone", o.contact.phone)?,
                    },
                }))
            }
        };
        let certificate_manager = s
            .certificate_manager
            .map(|m| {
                Ok::<_, Invalid>(CertificateManager {
                    first_name: m.first_name,
                    last_name: m.last_name,
                    email: parse("certificate_manager.email", m.email)?,
                    phone: parse("certificate_manager.phone", m.phone)?,
                })
            })
            .transpose()?;
        Ok(Holder {
            party,
            certificate_manager,
        })
    }
}
