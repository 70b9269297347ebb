//! The issuer the use cases call ([`CertificateIssuer`]), over the configured
//! [`crate::issuer::Issuer`]: it turns an order into an issuance request (its CSR, its names,
//! the validity the plan gives the certificate issued now), checks an operator's upload against
//! the order's CSR key and names, and stores what the API shows of a certificate.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::app::lifecycle::{CertificateIssuer, NewCertificate};
use crate::config::Settings;
use crate::domain::order::life::IssuanceMode;
use crate::domain::order::Order;
use crate::domain::shared::issue::{Code, FieldIssue};
use crate::issuer::{
    build_issuer, verify_chain, CertificateFormat, ChainExpectation, IssueRequest,
    IssuedCertificate, Issuer, IssuerMode, CHAIN_POINTER,
};

/// The configured issuer, as the use cases see it.
pub struct OrderIssuer(Arc<dyn Issuer>);

/// Builds it from the settings (`ISSUER`, `SANDBOX_CA_DIR`, `SANDBOX_CA_PASSPHRASE`,
/// `TRUST_ANCHORS`).
pub fn from_settings(settings: &Settings) -> Result<Arc<dyn CertificateIssuer>, String> {
    let inner = build_issuer(
        &settings.issuer,
        settings.environment.is_development(),
        Utc::now(),
    )
    .map_err(|e| e.to_string())?;
    Ok(Arc::new(OrderIssuer(inner)))
}

fn new_certificate(issued: IssuedCertificate) -> Result<NewCertificate, String> {
    let s = &issued.summary;
    let chain_pem = CertificateFormat::PemChain
        .encode(&issued.chain_der)
        .map_err(|e| e.to_string())?;
    Ok(NewCertificate {
        chain_pem: String::from_utf8(chain_pem).map_err(|e| e.to_string())?,
        serial_hex: s.serial_hex.clone(),
        not_before: s.not_before,
        not_after: s.not_after,
        summary: serde_json::to_value(s).map_err(|e| e.to_string())?,
    })
}

impl CertificateIssuer for OrderIssuer {
    fn mode(&self) -> IssuanceMode {
        match self.0.mode() {
            IssuerMode::Sandbox => IssuanceMode::Sandbox,
            IssuerMode::Manual => IssuanceMode::Manual,
        }
    }

    fn issue(
        &self,
        order: &Order,
        not_after: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<NewCertificate, String> {
        let csr = order.issuance_csr().ok_or("the order has no CSR")?;
        let issued = self
            .0
            .issue(&IssueRequest {
                csr_pem: &csr.details.pem,
                names: &csr.names,
                order_number: &order.number,
                not_before: now,
                not_after,
            })
            .map_err(|e| e.to_string())?;
        new_certificate(issued)
    }

    fn verify_upload(
        &self,
        order: &Order,
        chain_pem: &str,
        now: DateTime<Utc>,
    ) -> Result<NewCertificate, Vec<FieldIssue>> {
        let Some(csr) = order.issuance_csr() else {
            return Err(vec![FieldIssue::new(
                CHAIN_POINTER,
                Code::CertificateKeyMismatch,
                "La commande n'a pas de CSR à comparer.",
                "The order has no CSR to compare with.",
            )]);
        };
        let names = order.certified_names();
        let issued = verify_chain(
            chain_pem,
            &ChainExpectation {
                public_key_sha256: &csr.details.public_key_sha256,
                names: &names,
            },
            self.0.trust_anchors(),
            now,
        )?;
        new_certificate(issued).map_err(|e| {
            vec![FieldIssue::new(
                CHAIN_POINTER,
                Code::CertificateUnparsable,
                format!("Certificat illisible : {e}"),
                format!("Unreadable certificate: {e}"),
            )]
        })
    }
}
