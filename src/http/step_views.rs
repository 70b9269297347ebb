//! The holder and payment steps as the API shows them back (`OrderResponse.holder`,
//! `OrderResponse.payment`): the API's own types, built from the domain's validated values.
//! Their JSON is the request's shape with normalized values, so a client can send what it
//! read and it validates again; the contract documents them with the request schemas
//! (`HolderRequest`, `PaymentRequest`). The domain types carry no serde shape of their own.

use serde::Serialize;

use super::steps::PaymentMethodView;
use crate::domain::order::holder::{
    CertificateManager, Contact, Holder, HolderParty, Organization,
};
use crate::domain::order::payment::{Payment, PurchaseOrderReferences};

/// `{"type": "self", …}` or `{"type": "other_organization", …}`.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HolderView {
    #[serde(rename = "self")]
    OwnOrganization {
        #[serde(skip_serializing_if = "Option::is_none")]
        certificate_manager: Option<PersonView>,
    },
    OtherOrganization(Box<OrganizationView>),
}

#[derive(Debug, Serialize)]
pub struct OrganizationView {
    legal_name: String,
    country: String,
    city: String,
    address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    registration_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vat_number: Option<String>,
    contact: ContactView,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate_manager: Option<PersonView>,
}

#[derive(Debug, Serialize)]
pub struct ContactView {
    name: String,
    email: String,
    phone: String,
}

#[derive(Debug, Serialize)]
pub struct PersonView {
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
}

impl From<&CertificateManager> for PersonView {
    fn from(m: &CertificateManager) -> Self {
        PersonView {
            first_name: m.first_name.clone(),
            last_name: m.last_name.clone(),
            email: m.email.as_str().to_owned(),
            phone: m.phone.as_str().to_owned(),
        }
    }
}

impl From<&Contact> for ContactView {
    fn from(c: &Contact) -> Self {
        ContactView {
            name: c.name.clone(),
            email: c.email.as_str().to_owned(),
            phone: c.phone.as_str().to_owned(),
        }
    }
}

impl OrganizationView {
    fn new(o: &Organization, certificate_manager: Option<PersonView>) -> Self {
        OrganizationView {
            legal_name: o.legal_name.clone(),
            country: o.country.as_str().to_owned(),
            city: o.city.clone(),
            address: o.address.clone(),
            postal_code: o.postal_code.clone(),
            registration_number: o.registration_number.clone(),
            vat_number: o.vat_number.clone(),
            contact: ContactView::from(&o.contact),
            certificate_manager,
        }
    }
}

impl From<&Holder> for HolderView {
    fn from(h: &Holder) -> Self {
        let manager = h.certificate_manager.as_ref().map(PersonView::from);
        match &h.party {
            HolderParty::Own => HolderView::OwnOrganization {
                certificate_manager: manager,
            },
            HolderParty::OtherOrganization(o) => {
                HolderView::OtherOrganization(Box::new(OrganizationView::new(o, manager)))
            }
        }
    }
}

/// `{"method": …}`, with `purchase_order` for that method only.
#[derive(Debug, Serialize)]
pub struct PaymentView {
    method: PaymentMethodView,
    #[serde(skip_serializing_if = "Option::is_none")]
    purchase_order: Option<PurchaseOrderView>,
}

#[derive(Debug, Serialize)]
pub struct PurchaseOrderView {
    purchase_order_number: String,
    engagement_number: String,
    service_code: String,
}

impl From<&PurchaseOrderReferences> for PurchaseOrderView {
    fn from(r: &PurchaseOrderReferences) -> Self {
        PurchaseOrderView {
            purchase_order_number: r.purchase_order_number().to_owned(),
            engagement_number: r.engagement_number().to_owned(),
            service_code: r.service_code().to_owned(),
        }
    }
}

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        PaymentView {
            method: p.method().into(),
            purchase_order: p.purchase_order().map(PurchaseOrderView::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::domain::order::holder::{validate_holder, HolderInput};
    use crate::domain::order::payment::{validate_payment, PaymentInput, PaymentMethod};

    fn holder(value: Value, rgs: bool) -> Holder {
        let input: HolderInput = serde_json::from_value(value).expect("input shape");
        validate_holder(&input, rgs, "/holder").unwrap()
    }

    fn shown(h: &Holder) -> Value {
        serde_json::to_value(HolderView::from(h)).unwrap()
    }

    #[test]
    fn self_as_holder_is_shown_as_its_type_alone() {
        assert_eq!(
            shown(&holder(json!({"type": "self"}), false)),
            json!({"type": "self"})
        );
    }

    #[test]
    fn a_shown_holder_is_an_input_that_validates_to_the_same_holder() {
        let manager = json!({"first_name": "Jeanne", "last_name": "Martin",
                             "email": "jeanne.martin@example.fr", "phone": "01 23 45 67 89"});
        let other = json!({
            "type": "other_organization", "legal_name": "DHIMYOTIS", "country": "fr",
            "city": "Villeneuve-d'Ascq", "address": "20 allée de la Râperie",
            "postal_code": "59650", "registration_number": "481 463 081",
            "vat_number": "FR 85 481463081",
            "contact": {"name": "Paul Durand", "email": "Paul.Durand@Example.FR",
                        "phone": "+33 (0)3 20 00 00 00"},
            "certificate_manager": manager.clone()
        });
        for input in [
            other,
            json!({"type": "self", "certificate_manager": manager}),
        ] {
            let h = holder(input, true);
            let view = shown(&h);
            assert_eq!(view["certificate_manager"]["phone"], "+33123456789");
            assert_eq!(holder(view.clone(), true), h, "{view}");
        }
        let view = shown(&holder(
            json!({"type": "other_organization", "legal_name": "ACME", "country": "de",
                   "city": "Berlin", "address": "Unter den Linden 1",
                   "contact": {"name": "A B", "email": "a@example.de", "phone": "+49 30 123456"}}),
            false,
        ));
        assert_eq!(view["country"], "DE");
        assert_eq!(view["contact"]["phone"], "+4930123456");
        assert!(view.get("postal_code").is_none() && view.get("vat_number").is_none());
    }

    #[test]
    fn a_shown_payment_is_the_input_shape() {
        let rgs = [
            PaymentMethod::BankTransfer,
            PaymentMethod::Cheque,
            PaymentMethod::PurchaseOrder,
        ];
        let raw = json!({"method": "purchase_order", "purchase_order": {
            "purchase_order_number": "BC1", "engagement_number": "EJ1", "service_code": "S1"}});
        for raw in [raw, json!({"method": "cheque"})] {
            let input: PaymentInput = serde_json::from_value(raw.clone()).unwrap();
            let payment = validate_payment(&input, &rgs, "/payment").unwrap();
            assert_eq!(
                serde_json::to_value(PaymentView::from(&payment)).unwrap(),
                raw
            );
        }
    }
}
