//! Renewals (SPEC §9): a subscription of one to three years is covered by several
//! certificates, since a certificate lives at most what the Baseline Requirements allow on its
//! issue day (199 days from 2026-03-15, 99 from 2027-03-15, 46 from 2029-03-15).
//!
//! The plan is fixed at the first issuance: it runs from then for the order's duration
//! ([`PlanProgress`]). Each certificate's validity is the longest allowed on its issue day,
//! cut at the plan's end, so the last one never outlives what was paid for. The next issuance
//! is due when the current certificate expires; a renewal window opens
//! [`RenewalPolicy::window_days`] before, during which the customer gives a new CSR for the
//! same names ([`Order::request_renewal`]). What the order shows of it is a
//! [`RenewalOutlook`], in the spirit of ACME Renewal Information (RFC 9773): a suggested
//! window and an explanation. The scheduler reminds the customer when the window opens and
//! 7 days before expiry ([`Order::remind_renewal`]), and ends the plan when its last
//! certificate expires ([`Order::expire_plan`]). Pure: time and rules are passed in.

use chrono::{DateTime, Duration, Months, Utc};
use uuid::Uuid;

use super::life::{Action, IssuanceMode, LifeError, NextAction};
use super::{
    CsrRecord, Order, OrderData, OrderEventType, OrderStatus, Transition, TransitionError,
};
use crate::domain::account::AccountId;
use crate::domain::catalog::LifetimeSchedule;

/// How many days before expiry the last reminder goes out.
pub const LAST_REMINDER_DAYS: i64 = 7;

/// The subscription, as fixed at the first issuance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanProgress {
    pub starts_at: DateTime<Utc>,
    /// `starts_at` + the order's duration: no certificate is valid past it.
    pub ends_at: DateTime<Utc>,
    /// Certificates issued so far (the current one is number `issued`).
    pub issued: u32,
}

/// The customer's renewal: the CSR of the next certificate, until it is issued.
#[derive(Debug, Clone, PartialEq)]
pub struct RenewalRequest {
    pub csr: CsrRecord,
    pub requested_at: DateTime<Utc>,
    pub requested_by: Uuid,
}

/// The rules renewals follow (configuration and catalogue data).
#[derive(Debug, Clone, Copy)]
pub struct RenewalPolicy<'a> {
    /// How many days before the current certificate expires the window opens
    /// (`RENEWAL_WINDOW_DAYS`, 30 by default).
    pub window_days: u32,
    /// The longest validity allowed on each day (catalogue).
    pub lifetime: &'a LifetimeSchedule,
}

/// Where the next issuance stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewalPhase {
    /// The window is not open yet.
    Scheduled,
    /// The window is open: a new CSR is awaited.
    Open,
    /// A CSR was given: the next certificate is issued once every name's control is valid.
    Requested,
    /// The current certificate expired without renewal (the plan still runs).
    Overdue,
}

/// One certificate still to come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedIssuance {
    /// Its rank in the plan (2 for the first renewal).
    pub number: u32,
    /// When it is due: the previous certificate's expiry.
    pub due_at: DateTime<Utc>,
    /// Its expected end, if issued when due.
    pub expires_at: DateTime<Utc>,
}

/// What the order shows of its next issuance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalOutlook {
    /// The next certificate's rank in the plan.
    pub issuance: u32,
    /// How many certificates the plan holds in all, as of now.
    pub planned_issuances: u32,
    pub phase: RenewalPhase,
    pub certificate_expires_at: DateTime<Utc>,
    /// When a renewal is accepted from (the window's opening).
    pub window_opens_at: DateTime<Utc>,
    /// When to renew: from the window's opening to a week before expiry.
    pub suggested_start: DateTime<Utc>,
    pub suggested_end: DateTime<Utc>,
    pub plan_ends_at: DateTime<Utc>,
    /// The certificates still to come, the next one first.
    pub upcoming: Vec<PlannedIssuance>,
}

impl RenewalOutlook {
    pub fn explanation_fr(&self) -> String {
        let day = |d: DateTime<Utc>| d.format("%d/%m/%Y").to_string();
        let what = match self.phase {
            RenewalPhase::Scheduled => format!(
                "La fenêtre de renouvellement ouvre le {}.",
                day(self.window_opens_at)
            ),
            RenewalPhase::Open => "La fenêtre de renouvellement est ouverte.".to_owned(),
            RenewalPhase::Requested => "Le renouvellement est demandé : le certificat suivant est émis dès que chaque domaine est contrôlé.".to_owned(),
            RenewalPhase::Overdue => "Le certificat a expiré sans renouvellement ; renouvelez maintenant.".to_owned(),
        };
        format!(
            "Le certificat actuel expire le {}. Le certificat n° {} sur {} de l'abonnement (qui se termine le {}) est à demander entre le {} et le {}, avec un nouveau CSR pour les mêmes noms ; le contrôle d'un domaine validé depuis plus longtemps que la durée de réutilisation sera refait. {what}",
            day(self.certificate_expires_at),
            self.issuance,
            self.planned_issuances,
            day(self.plan_ends_at),
            day(self.suggested_start),
            day(self.suggested_end),
        )
    }

    pub fn explanation_en(&self) -> String {
        let day = |d: DateTime<Utc>| d.format("%Y-%m-%d").to_string();
        let what = match self.phase {
            RenewalPhase::Scheduled => {
                format!("The renewal window opens on {}.", day(self.window_opens_at))
            }
            RenewalPhase::Open => "The renewal window is open.".to_owned(),
            RenewalPhase::Requested => "Renewal requested: the next certificate is issued as soon as every domain is validated.".to_owned(),
            RenewalPhase::Overdue => {
                "The certificate expired without renewal; renew now.".to_owned()
            }
        };
        format!(
            "The current certificate expires on {}. Certificate {} of {} of the subscription (which ends on {}) is to be requested between {} and {}, with a new CSR for the same names; a domain validated longer ago than the reuse period is validated again. {what}",
            day(self.certificate_expires_at),
            self.issuance,
            self.planned_issuances,
            day(self.plan_ends_at),
            day(self.suggested_start),
            day(self.suggested_end),
        )
    }
}

/// Which reminder the scheduler sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewalReminder {
    /// The renewal window opened.
    WindowOpened,
    /// The certificate expires in [`LAST_REMINDER_DAYS`] days.
    ExpiresSoon,
}

/// The end of a certificate issued at `at`: the longest validity allowed that day, cut at
/// the plan's end.
pub fn validity_end(
    lifetime: &LifetimeSchedule,
    at: DateTime<Utc>,
    plan_ends_at: DateTime<Utc>,
) -> DateTime<Utc> {
    let longest = at + Duration::days(i64::from(lifetime.max_days_on(at.date_naive())));
    longest.min(plan_ends_at)
}

/// The certificates still to come after one expiring at `from`, each issued when due.
fn upcoming(
    lifetime: &LifetimeSchedule,
    first_number: u32,
    from: DateTime<Utc>,
    plan_ends_at: DateTime<Utc>,
) -> Vec<PlannedIssuance> {
    let mut out = Vec::new();
    let mut due_at = from;
    while due_at < plan_ends_at && out.len() < 100 {
        let expires_at = validity_end(lifetime, due_at, plan_ends_at);
        out.push(PlannedIssuance {
            number: first_number + u32::try_from(out.len()).unwrap_or(u32::MAX),
            due_at,
            expires_at,
        });
        due_at = expires_at;
    }
    out
}

fn same_names(a: &[String], b: &[String]) -> bool {
    let norm = |v: &[String]| {
        let mut v: Vec<String> = v.iter().map(|n| n.to_ascii_lowercase()).collect();
        v.sort();
        v.dedup();
        v
    };
    norm(a) == norm(b)
}

impl OrderData {
    /// Whether the names' controls may be worked on: a submitted order, or an active one
    /// whose renewal waits for them.
    pub fn domain_control_open(&self) -> bool {
        match self.status {
            OrderStatus::Submitted => true,
            OrderStatus::Active => self.life.renewal.is_some(),
            _ => false,
        }
    }
}

/// What the certificate's expiry does to the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanExpiry {
    /// It was the plan's last certificate: the order is `expired`.
    Expired,
    /// Another certificate may still come: look again at the plan's end.
    LookAgainAt(DateTime<Utc>),
    /// Nothing to do (renewed, revoked, or not expired yet).
    Nothing,
}

impl Order {
    /// The plan, once the first certificate is issued.
    pub fn plan_progress(&self) -> Option<PlanProgress> {
        self.data.life.plan
    }

    /// The customer's pending renewal, if any.
    pub fn renewal_request(&self) -> Option<&RenewalRequest> {
        self.data.life.renewal.as_ref()
    }

    /// The CSR the next certificate is issued for: the renewal's, or the order's own.
    pub fn issuance_csr(&self) -> Option<&CsrRecord> {
        self.data
            .life
            .renewal
            .as_ref()
            .map(|r| &r.csr)
            .or(self.data.csr.as_ref())
    }

    /// The names every certificate of the order carries (fixed at "Commander").
    pub fn certified_names(&self) -> Vec<String> {
        match (&self.data.submission, &self.data.csr) {
            (Some(s), _) => s.domains.clone(),
            (None, Some(c)) => c.names.clone(),
            (None, None) => Vec::new(),
        }
    }

    /// Where a certificate issued now ends: the longest validity allowed today, never past
    /// the plan's end (for the first certificate, the plan starts now).
    pub fn issuance_not_after(
        &self,
        lifetime: &LifetimeSchedule,
        now: DateTime<Utc>,
    ) -> DateTime<Utc> {
        validity_end(lifetime, now, self.issuance_plan_end(now))
    }

    /// The end of the plan a certificate issued now belongs to (for the first, the plan
    /// would start now): no certificate of the order may be valid past it.
    pub fn issuance_plan_end(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.data.life.plan {
            Some(p) => p.ends_at,
            None => self.plan_end_from(now),
        }
    }

    fn plan_end_from(&self, start: DateTime<Utc>) -> DateTime<Utc> {
        let months = self
            .data
            .duration_months
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(0);
        start
            .checked_add_months(Months::new(months))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Records an issuance in the plan: the first fixes it; a renewal's consumes the request.
    /// Returns the transition to apply (`Issue` for the first, `Renew` after).
    pub(super) fn advance_plan(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<(Transition, u32), LifeError> {
        match (self.data.status, self.data.life.plan) {
            (OrderStatus::Validated, _) => {
                let plan = PlanProgress {
                    starts_at: now,
                    ends_at: self.plan_end_from(now),
                    issued: 1,
                };
                self.data.life.plan = Some(plan);
                Ok((Transition::Issue, 1))
            }
            (OrderStatus::Active, Some(mut plan)) if self.data.life.renewal.is_some() => {
                plan.issued += 1;
                self.data.life.plan = Some(plan);
                if let Some(r) = self.data.life.renewal.take() {
                    // the order's CSR becomes the renewal's: the next renewal compares to it
                    self.data.csr = Some(r.csr);
                }
                Ok((Transition::Renew, plan.issued))
            }
            (from, _) => Err(LifeError::Transition(TransitionError {
                from,
                transition: Transition::Issue,
            })),
        }
    }

    /// Whether a certificate may be issued or attached now: `Ok(false)` for the first (a
    /// validated order), `Ok(true)` for a renewal (an active order whose renewal was asked).
    pub fn awaiting_certificate(&self) -> Result<bool, LifeError> {
        match self.data.status {
            OrderStatus::Validated => Ok(false),
            OrderStatus::Active
                if self.data.life.renewal.is_some() && self.data.life.revocation.is_none() =>
            {
                Ok(true)
            }
            from => Err(LifeError::Transition(TransitionError {
                from,
                transition: Transition::Issue,
            })),
        }
    }

    /// The next issuance, while the plan holds one more certificate after the current one.
    pub fn renewal_outlook(
        &self,
        policy: &RenewalPolicy<'_>,
        now: DateTime<Utc>,
    ) -> Option<RenewalOutlook> {
        if !matches!(self.data.status, OrderStatus::Active | OrderStatus::Issued)
            || self.data.life.revocation.is_some()
        {
            return None;
        }
        let plan = self.data.life.plan?;
        let cert = self.data.life.certificate.as_ref()?;
        if cert.not_after >= plan.ends_at {
            return None; // the last certificate
        }
        let expires = cert.not_after;
        let opens = expires - Duration::days(i64::from(policy.window_days));
        let suggested_end = (expires - Duration::days(LAST_REMINDER_DAYS)).max(opens);
        let upcoming = upcoming(policy.lifetime, plan.issued + 1, expires, plan.ends_at);
        let phase = if self.data.life.renewal.is_some() {
            RenewalPhase::Requested
        } else if now < opens {
            RenewalPhase::Scheduled
        } else if now < expires {
            RenewalPhase::Open
        } else {
            RenewalPhase::Overdue
        };
        Some(RenewalOutlook {
            issuance: plan.issued + 1,
            planned_issuances: plan.issued + u32::try_from(upcoming.len()).unwrap_or(0),
            phase,
            certificate_expires_at: expires,
            window_opens_at: opens,
            suggested_start: opens,
            suggested_end,
            plan_ends_at: plan.ends_at,
            upcoming,
        })
    }

    /// Whether a renewal may be asked now: an `active` order whose plan holds another
    /// certificate and whose window is open.
    pub fn renewal_allowed(
        &self,
        policy: &RenewalPolicy<'_>,
        now: DateTime<Utc>,
    ) -> Result<RenewalOutlook, LifeError> {
        if self.data.status != OrderStatus::Active || self.data.life.revocation.is_some() {
            return Err(LifeError::Transition(TransitionError {
                from: self.data.status,
                transition: Transition::Renew,
            }));
        }
        let outlook = self
            .renewal_outlook(policy, now)
            .ok_or(LifeError::RenewalNotPlanned)?;
        if now < outlook.window_opens_at {
            return Err(LifeError::RenewalNotOpen {
                opens_at: outlook.window_opens_at,
            });
        }
        Ok(outlook)
    }

    /// The customer gives the next certificate's CSR (verified by the caller with the one
    /// CSR check): an `active` order whose window is open, for exactly the order's names. A
    /// second request before issuance replaces the first.
    pub fn request_renewal(
        &mut self,
        csr: CsrRecord,
        policy: &RenewalPolicy<'_>,
        by: AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), LifeError> {
        let outlook = self.renewal_allowed(policy, now)?;
        let expected = self.certified_names();
        if !same_names(&csr.names, &expected) {
            return Err(LifeError::RenewalNamesDiffer {
                expected,
                found: csr.names.clone(),
            });
        }
        let key = csr.details.public_key_sha256.clone();
        self.data.life.renewal = Some(RenewalRequest {
            csr,
            requested_at: now,
            requested_by: by.0,
        });
        self.data.updated_at = now;
        self.record_by(
            super::OrderEventType::RenewalRequested,
            now,
            Some(by),
            serde_json::json!({ "issuance": outlook.issuance, "public_key_sha256": key }),
        );
        Ok(())
    }

    /// The scheduler's renewal reminders (an event, mailed). `false`: nothing to remind (the
    /// renewal was requested, the order left `active`, or the moment is not reached).
    pub fn remind_renewal(
        &mut self,
        reminder: RenewalReminder,
        policy: &RenewalPolicy<'_>,
        now: DateTime<Utc>,
    ) -> bool {
        if self.data.status != OrderStatus::Active
            || self.data.life.revocation.is_some()
            || self.data.life.renewal.is_some()
        {
            return false;
        }
        let (Some(plan), Some(cert)) = (self.data.life.plan, self.data.life.certificate.as_ref())
        else {
            return false;
        };
        let expires = cert.not_after;
        let last = expires >= plan.ends_at;
        let outlook = self.renewal_outlook(policy, now);
        let (kind, detail) = match reminder {
            RenewalReminder::WindowOpened => {
                let Some(o) = outlook.filter(|o| o.phase == RenewalPhase::Open) else {
                    return false;
                };
                (
                    OrderEventType::RenewalWindowOpened,
                    serde_json::json!({
                        "issuance": o.issuance,
                        "expires_at": expires,
                        "suggested_start": o.suggested_start,
                        "suggested_end": o.suggested_end,
                    }),
                )
            }
            RenewalReminder::ExpiresSoon => {
                if now >= expires || now < expires - Duration::days(LAST_REMINDER_DAYS) {
                    return false;
                }
                (
                    OrderEventType::CertificateExpiring,
                    serde_json::json!({ "expires_at": expires, "last": last }),
                )
            }
        };
        self.record_by(kind, now, None, detail);
        true
    }

    /// The scheduler, at the current certificate's expiry: if it was the plan's last (or the
    /// plan ended), the order is `expired`.
    pub fn expire_plan(&mut self, now: DateTime<Utc>) -> Result<PlanExpiry, TransitionError> {
        let (Some(plan), Some(cert)) = (self.data.life.plan, self.data.life.certificate.as_ref())
        else {
            return Ok(PlanExpiry::Nothing);
        };
        if self.data.status != OrderStatus::Active || now < cert.not_after {
            return Ok(PlanExpiry::Nothing);
        }
        let expires = cert.not_after;
        if expires < plan.ends_at && now < plan.ends_at {
            return Ok(PlanExpiry::LookAgainAt(plan.ends_at));
        }
        self.apply_transition(Transition::Expire, now)?;
        self.data.life.renewal = None;
        self.record_by(
            OrderEventType::Expired,
            now,
            None,
            serde_json::json!({ "expired_at": expires, "issued": plan.issued }),
        );
        Ok(PlanExpiry::Expired)
    }
}

impl RenewalOutlook {
    /// Who must act for the next issuance: the customer (renew, or redo a domain's
    /// control), then the service (sandbox) or an operator (manual). `None` while the window
    /// is not open.
    pub fn next_action(&self, domains_valid: bool, mode: IssuanceMode) -> Option<NextAction> {
        let action = match self.phase {
            RenewalPhase::Scheduled => return None,
            RenewalPhase::Open | RenewalPhase::Overdue => Action::RenewCertificate,
            RenewalPhase::Requested if !domains_valid => Action::ValidateDomains,
            RenewalPhase::Requested => match mode {
                IssuanceMode::Sandbox => Action::IssueCertificate,
                IssuanceMode::Manual => Action::AttachCertificate,
            },
        };
        Some(NextAction {
            due: Some(self.certificate_expires_at),
            ..NextAction::of(action)
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::domain::catalog::LifetimeStep;

    fn schedule() -> LifetimeSchedule {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        LifetimeSchedule::new(vec![
            LifetimeStep {
                from: d(2000, 1, 1),
                max_days: 398,
            },
            LifetimeStep {
                from: d(2026, 3, 15),
                max_days: 199,
            },
            LifetimeStep {
                from: d(2027, 3, 15),
                max_days: 99,
            },
        ])
        .unwrap()
    }

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap()
    }

    #[test]
    fn each_certificate_gets_the_longest_validity_of_its_day_cut_at_the_plans_end() {
        let s = schedule();
        let end = at(2027, 12, 1);
        assert_eq!(validity_end(&s, at(2026, 12, 1), end), at(2027, 6, 18));
        // after 2027-03-15: 99 days
        assert_eq!(validity_end(&s, at(2027, 6, 18), end), at(2027, 9, 25));
        // the last one stops at the plan's end
        assert_eq!(validity_end(&s, at(2027, 9, 25), end), end);
        let rest = upcoming(&s, 2, at(2027, 6, 18), end);
        assert_eq!(
            rest.iter()
                .map(|p| (p.number, p.due_at))
                .collect::<Vec<_>>(),
            [(2, at(2027, 6, 18)), (3, at(2027, 9, 25))]
        );
        assert_eq!(rest.last().unwrap().expires_at, end);
    }

    #[test]
    fn names_are_compared_as_sets_case_insensitively() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(same_names(
            &v(&["a.fr", "www.a.fr"]),
            &v(&["WWW.a.fr", "a.fr"])
        ));
        assert!(!same_names(&v(&["a.fr"]), &v(&["a.fr", "www.a.fr"])));
        assert!(!same_names(&v(&["a.fr", "b.fr"]), &v(&["a.fr", "c.fr"])));
    }

    fn issued_12_months(t: DateTime<Utc>) -> Order {
        use crate::domain::catalog::AfterCommander;
        use crate::domain::order::life::{CertificateRef, IssuanceSource};
        let mut o = Order::test_draft(t);
        o.data.status = OrderStatus::Validated;
        o.data.duration_months = Some(12);
        let not_after = o.issuance_not_after(&schedule(), t);
        let policy = AfterCommander {
            acceptance_required: false,
            acceptance_business_days: 0,
            refund_window_days: 30,
        };
        o.issue(
            CertificateRef {
                id: Uuid::nil(),
                serial_hex: "01".into(),
                not_before: t,
                not_after,
                issued_at: t,
                source: IssuanceSource::Sandbox,
            },
            &policy,
            None,
            t,
        )
        .unwrap();
        o
    }

    fn csr_of(o: &Order, names: &[&str]) -> CsrRecord {
        let mut c = o.data.csr.clone().unwrap_or_else(|| CsrRecord {
            origin: crate::domain::order::CsrOrigin::Pasted,
            details: crate::domain::pki::csr::decode_csr(
                include_str!("../../../tests/fixtures/csr/ec_p256_ok.pem"),
                "/csr_pem",
            )
            .details
            .unwrap(),
            names: vec![],
        });
        c.names = names.iter().map(|n| n.to_string()).collect();
        c
    }

    #[test]
    fn the_first_issuance_fixes_the_plan_and_the_window_opens_thirty_days_before_expiry() {
        let t = at(2026, 12, 1);
        let mut o = issued_12_months(t);
        let s = schedule();
        let policy = RenewalPolicy {
            window_days: 30,
            lifetime: &s,
        };
        let plan = o.plan_progress().unwrap();
        assert_eq!(
            (plan.starts_at, plan.ends_at, plan.issued),
            (t, at(2027, 12, 1), 1)
        );
        let r = o.renewal_outlook(&policy, t).unwrap();
        assert_eq!(r.phase, RenewalPhase::Scheduled);
        assert_eq!(r.certificate_expires_at, at(2027, 6, 18));
        assert_eq!(r.window_opens_at, at(2027, 5, 19));
        assert_eq!(r.suggested_end, at(2027, 6, 11));
        assert!(r.explanation_en().contains("2027-05-19"));
        assert_eq!(
            o.request_renewal(csr_of(&o, &[]), &policy, AccountId(Uuid::nil()), t),
            Err(LifeError::RenewalNotOpen {
                opens_at: at(2027, 5, 19)
            })
        );
        // in the window, other names are refused, the same ones accepted
        let names = o.certified_names();
        let inside = at(2027, 5, 21);
        assert!(matches!(
            o.request_renewal(
                csr_of(&o, &["other.fr"]),
                &policy,
                AccountId(Uuid::nil()),
                inside
            ),
            Err(LifeError::RenewalNamesDiffer { .. })
        ));
        let same: Vec<&str> = names.iter().map(String::as_str).collect();
        o.request_renewal(csr_of(&o, &same), &policy, AccountId(Uuid::nil()), inside)
            .unwrap();
        assert_eq!(
            o.renewal_outlook(&policy, inside).unwrap().phase,
            RenewalPhase::Requested
        );
        assert_eq!(o.awaiting_certificate(), Ok(true));
        // reminders are not sent once the renewal is asked
        assert!(!o.remind_renewal(RenewalReminder::ExpiresSoon, &policy, at(2027, 6, 12)));
    }

    #[test]
    fn an_unrenewed_certificate_leaves_the_plan_running_until_its_end_then_it_expires() {
        let t = at(2026, 12, 1);
        let mut o = issued_12_months(t);
        let expires = o.life().certificate.as_ref().unwrap().not_after;
        assert_eq!(
            o.expire_plan(expires - Duration::hours(1)),
            Ok(PlanExpiry::Nothing)
        );
        assert_eq!(
            o.expire_plan(expires),
            Ok(PlanExpiry::LookAgainAt(at(2027, 12, 1)))
        );
        assert_eq!(o.status, OrderStatus::Active);
        assert_eq!(o.expire_plan(at(2027, 12, 1)), Ok(PlanExpiry::Expired));
        assert_eq!(o.status, OrderStatus::Expired);
    }
}
