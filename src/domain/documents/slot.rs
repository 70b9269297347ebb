//! A justificatif's slot after "Commander" (SPEC §8): `required` → `uploaded` → `accepted` |
//! `rejected`, a rejected slot taking a new upload (the history of files is kept), and the
//! operator's review of the file under review: accepted, or rejected with a coded reason and
//! an optional message the customer reads. Pure: who and when are passed in.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::upload::FileKind;
use crate::domain::account::AccountId;
use crate::domain::shared::issue::{Code, FieldIssue};

/// The status of one justificatif of a submitted order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum SlotStatus {
    /// Nothing sent yet.
    Required,
    /// A file was sent and awaits an operator's review.
    Uploaded,
    /// The file under review was accepted: the requirement is met.
    Accepted,
    /// The file under review was refused: a new one is expected.
    Rejected,
}

impl SlotStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// The status after a new file: only an empty or a rejected slot takes one.
    pub fn after_upload(self) -> Result<SlotStatus, SlotError> {
        match self {
            SlotStatus::Required | SlotStatus::Rejected => Ok(SlotStatus::Uploaded),
            other => Err(SlotError::NotOpen(other)),
        }
    }

    /// The status after a review: only a slot whose file awaits review takes one.
    pub fn after_review(self, decision: Decision) -> Result<SlotStatus, SlotError> {
        match (self, decision) {
            (SlotStatus::Uploaded, Decision::Accepted) => Ok(SlotStatus::Accepted),
            (SlotStatus::Uploaded, Decision::Rejected) => Ok(SlotStatus::Rejected),
            (other, _) => Err(SlotError::NotUnderReview(other)),
        }
    }
}

/// Why a slot refused an upload or a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    /// An upload to a slot that is accepted or whose file is under review.
    #[error("the document is {0:?}: it takes no new file")]
    NotOpen(SlotStatus),
    /// A review of a slot that has no file awaiting review.
    #[error("the document is {0:?}: no file awaits review")]
    NotUnderReview(SlotStatus),
    /// The order has no justificatif with this code.
    #[error("no such document")]
    Unknown,
}

/// An operator's decision on the file under review.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum Decision {
    Accepted,
    Rejected,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// Why a file was refused: a closed list, each with the sentence the customer reads.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::EnumIter,
)]
#[strum(serialize_all = "snake_case")]
pub enum RejectionReason {
    Illegible,
    Expired,
    NameMismatch,
    WrongDocument,
    Incomplete,
    Other,
}

impl RejectionReason {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            RejectionReason::Illegible => "Le document est illisible (flou, coupé ou trop sombre).",
            RejectionReason::Expired => "Le document est périmé ou trop ancien.",
            RejectionReason::NameMismatch => {
                "Le nom ou la raison sociale du document ne correspond pas à la commande."
            }
            RejectionReason::WrongDocument => "Ce n'est pas le document demandé.",
            RejectionReason::Incomplete => {
                "Le document est incomplet (pages ou signature manquantes)."
            }
            RejectionReason::Other => "Le document ne peut pas être accepté (voir le message).",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RejectionReason::Illegible => {
                "The document is illegible (blurred, cut off or too dark)."
            }
            RejectionReason::Expired => "The document has expired or is too old.",
            RejectionReason::NameMismatch => {
                "The name or company name on the document does not match the order."
            }
            RejectionReason::WrongDocument => "This is not the document asked for.",
            RejectionReason::Incomplete => {
                "The document is incomplete (pages or signature missing)."
            }
            RejectionReason::Other => "The document cannot be accepted (see the message).",
        }
    }
}

/// The longest review message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// A review as asked, checked: a reason with a rejection only, the message trimmed (an empty
/// one is none), at most [`MAX_MESSAGE_CHARS`], no control characters but line breaks and tabs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewInput {
    pub decision: Decision,
    pub reason: Option<RejectionReason>,
    pub message: Option<String>,
}

impl ReviewInput {
    /// Every problem at once, pointed at the request's fields (`/reason`, `/message`).
    pub fn parse(
        decision: Decision,
        reason: Option<RejectionReason>,
        message: Option<String>,
    ) -> Result<Self, Vec<FieldIssue>> {
        let mut issues = Vec::new();
        match (decision, reason) {
            (Decision::Rejected, None) => issues.push(FieldIssue::new(
                "/reason",
                Code::Required,
                "Un refus doit donner son motif (reason).",
                "A rejection must give its reason.",
            )),
            (Decision::Accepted, Some(_)) => issues.push(FieldIssue::new(
                "/reason",
                Code::ReviewReasonUnexpected,
                Code::ReviewReasonUnexpected.fr(),
                Code::ReviewReasonUnexpected.en(),
            )),
            _ => {}
        }
        let message = message
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty());
        if let Some(m) = &message {
            if m.chars().count() > MAX_MESSAGE_CHARS {
                issues.push(FieldIssue::new(
                    "/message",
                    Code::TooLong,
                    format!("Le message dépasse {MAX_MESSAGE_CHARS} caractères."),
                    format!("The message exceeds {MAX_MESSAGE_CHARS} characters."),
                ));
            }
            if m.chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
            {
                issues.push(FieldIssue::new(
                    "/message",
                    Code::NotPrintable,
                    "Le message contient des caractères de contrôle.",
                    "The message contains control characters.",
                ));
            }
        }
        if issues.is_empty() {
            Ok(ReviewInput {
                decision,
                reason,
                message,
            })
        } else {
            Err(issues)
        }
    }
}

/// A review made: what, why, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub decision: Decision,
    pub reason: Option<RejectionReason>,
    pub message: Option<String>,
    pub reviewed_by: AccountId,
    pub reviewed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId(pub Uuid);

/// One uploaded file of a justificatif, with its review once made. The bytes are in the
/// object store under `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFile {
    pub id: FileId,
    /// The justificatif it was sent for (of the order it was read with).
    pub code: String,
    pub storage_key: String,
    /// Lowercase hex.
    pub sha256: String,
    pub size: u64,
    pub kind: FileKind,
    /// The client's file name, cleaned: metadata only, never a path.
    pub original_name: Option<String>,
    pub uploaded_by: AccountId,
    pub uploaded_at: DateTime<Utc>,
    pub review: Option<Review>,
}

/// A justificatif slot of a submitted order: its status and its files, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub code: String,
    pub position: i32,
    pub status: SlotStatus,
    pub files: Vec<DocumentFile>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn only_an_empty_or_rejected_slot_takes_a_file_and_only_an_uploaded_one_a_review() {
        use SlotStatus::*;
        assert_eq!(Required.after_upload(), Ok(Uploaded));
        assert_eq!(Rejected.after_upload(), Ok(Uploaded));
        assert_eq!(Uploaded.after_upload(), Err(SlotError::NotOpen(Uploaded)));
        assert_eq!(Accepted.after_upload(), Err(SlotError::NotOpen(Accepted)));
        assert_eq!(Uploaded.after_review(Decision::Accepted), Ok(Accepted));
        assert_eq!(Uploaded.after_review(Decision::Rejected), Ok(Rejected));
        for s in [Required, Accepted, Rejected] {
            for d in Decision::iter() {
                assert_eq!(s.after_review(d), Err(SlotError::NotUnderReview(s)));
            }
        }
    }

    #[test]
    fn names_round_trip_and_every_reason_has_both_sentences() {
        for s in SlotStatus::iter() {
            assert_eq!(SlotStatus::parse(s.as_str()), Some(s));
        }
        for d in Decision::iter() {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        for r in RejectionReason::iter() {
            assert_eq!(RejectionReason::parse(r.as_str()), Some(r));
            assert!(!r.label_fr().is_empty() && !r.label_en().is_empty());
        }
        assert_eq!(RejectionReason::NameMismatch.as_str(), "name_mismatch");
    }

    #[test]
    fn a_rejection_needs_its_reason_an_acceptance_takes_none_and_the_message_is_bounded() {
        let codes = |r: Result<ReviewInput, Vec<FieldIssue>>| -> Vec<(String, Code)> {
            r.unwrap_err()
                .into_iter()
                .map(|i| (i.pointer, i.code))
                .collect()
        };
        assert_eq!(
            codes(ReviewInput::parse(Decision::Rejected, None, None)),
            [("/reason".to_owned(), Code::Required)]
        );
        assert_eq!(
            codes(ReviewInput::parse(
                Decision::Accepted,
                Some(RejectionReason::Other),
                Some("x".repeat(MAX_MESSAGE_CHARS + 1))
            )),
            [
                ("/reason".to_owned(), Code::ReviewReasonUnexpected),
                ("/message".to_owned(), Code::TooLong)
            ]
        );
        let ok = ReviewInput::parse(
            Decision::Rejected,
            Some(RejectionReason::Expired),
            Some("  Kbis de plus de 3 mois.\n ".into()),
        )
        .unwrap();
        assert_eq!(ok.message.as_deref(), Some("Kbis de plus de 3 mois."));
        let blank = ReviewInput::parse(Decision::Accepted, None, Some("   ".into())).unwrap();
        assert_eq!(blank.message, None);
        assert_eq!(
            codes(ReviewInput::parse(
                Decision::Accepted,
                None,
                Some("a\u{7}b".into())
            )),
            [("/message".to_owned(), Code::NotPrintable)]
        );
    }
}
