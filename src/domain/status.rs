//! The shared vocabulary of statuses and operation kinds, whichever API an offer is on.

use std::fmt;

use serde::{Deserialize, Serialize};

/// For an enum with `parse`, `as_str` and an `Unknown(String)` variant: `Display`, a `Default`
/// (an empty unknown), and serde as a string read leniently (a number or null is accepted).
macro_rules! text_enum {
    ($name:ident) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::parse(&$crate::lenient::lenient_string(d)?))
            }
        }
    };
}
pub(crate) use text_enum;

/// Status of an offer, an operation or a submission, normalised from the many spellings the
/// service and its documentation use (`complete`, `Completed`, `succeeded`, `not started`...).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    NeverPublished,
    NotStarted,
    Running,
    WaitingForPublisherReview,
    Succeeded,
    Failed,
    Canceled,
    /// A value we do not know, kept verbatim so it can be shown as the service sent it.
    Unknown(String),
}

/// Lower-case with spaces, `_` and `-` removed: how spellings are compared.
pub fn squash(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Status {
    pub fn parse(raw: &str) -> Status {
        match squash(raw).as_str() {
            "neverpublished" => Status::NeverPublished,
            "notstarted" | "queued" => Status::NotStarted,
            "running" | "inprogress" => Status::Running,
            "waitingforpublisherreview" => Status::WaitingForPublisherReview,
            "succeeded" | "complete" | "completed" | "success" | "published" => Status::Succeeded,
            "failed" | "failure" => Status::Failed,
            "canceled" | "cancelled" => Status::Canceled,
            _ => Status::Unknown(raw.to_string()),
        }
    }

    /// The canonical wire spelling (camelCase), or the raw value for unknown statuses.
    pub fn as_str(&self) -> &str {
        match self {
            Status::NeverPublished => "neverPublished",
            Status::NotStarted => "notStarted",
            Status::Running => "running",
            Status::WaitingForPublisherReview => "waitingForPublisherReview",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Canceled => "canceled",
            Status::Unknown(raw) => raw,
        }
    }

    /// A short human label.
    pub fn label(&self) -> &str {
        match self {
            Status::NeverPublished => "never published",
            Status::NotStarted => "queued",
            Status::Running => "running",
            Status::WaitingForPublisherReview => "ready for go-live",
            // The one vocabulary of every view: a succeeded offer (or go-live) is live.
            Status::Succeeded => "live",
            Status::Failed => "failed",
            Status::Canceled => "canceled",
            Status::Unknown(raw) => raw,
        }
    }

    /// True while the service is still working (or about to).
    pub fn is_active(&self) -> bool {
        matches!(self, Status::NotStarted | Status::Running)
    }
}

text_enum!(Status);

/// The state of one step (CPP) or phase (Product Ingestion), by the service's word for it.
///
/// Stored in the state store and printed in the JSON lines as exactly that word, so it is read
/// back exactly too: one of the canonical spellings below is its variant, and any other word
/// (Product Ingestion's `succeeded`, `running`, `pending`…) stays `Unknown` with that word.
/// `meaning` reads such a word leniently.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StepState {
    NotStarted,
    InProgress,
    Complete,
    WaitingForPublisherReview,
    WaitingForApproval,
    Blocked,
    Rejected,
    Failed,
    Canceled,
    /// A word outside the vocabulary above, kept verbatim.
    Unknown(String),
}

impl StepState {
    const KNOWN: [StepState; 9] = [
        StepState::NotStarted,
        StepState::InProgress,
        StepState::Complete,
        StepState::WaitingForPublisherReview,
        StepState::WaitingForApproval,
        StepState::Blocked,
        StepState::Rejected,
        StepState::Failed,
        StepState::Canceled,
    ];

    /// The state a word names exactly (as stored and printed); any other word is `Unknown`.
    pub fn from_word(word: &str) -> StepState {
        StepState::KNOWN
            .into_iter()
            .find(|s| s.as_str() == word)
            .unwrap_or_else(|| StepState::Unknown(word.to_string()))
    }

    /// Reads a word leniently, as it comes from the service: case, spaces, `_` and `-`
    /// ignored, and the synonyms (`running`, `completed`, `succeeded`, `cancelled`) folded in.
    pub fn parse(raw: &str) -> StepState {
        match squash(raw).as_str() {
            "notstarted" => StepState::NotStarted,
            "inprogress" | "running" => StepState::InProgress,
            "waitingforpublisherreview" => StepState::WaitingForPublisherReview,
            "waitingforapproval" => StepState::WaitingForApproval,
            "blocked" => StepState::Blocked,
            "rejected" => StepState::Rejected,
            "complete" | "completed" | "succeeded" => StepState::Complete,
            "canceled" | "cancelled" => StepState::Canceled,
            "failed" => StepState::Failed,
            _ => StepState::Unknown(raw.to_string()),
        }
    }

    /// The word, as stored and printed.
    pub fn as_str(&self) -> &str {
        match self {
            StepState::NotStarted => "notStarted",
            StepState::InProgress => "inProgress",
            StepState::Complete => "complete",
            StepState::WaitingForPublisherReview => "waitingForPublisherReview",
            StepState::WaitingForApproval => "waitingForApproval",
            StepState::Blocked => "blocked",
            StepState::Rejected => "rejected",
            StepState::Failed => "failed",
            StepState::Canceled => "canceled",
            StepState::Unknown(word) => word,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self, StepState::Complete)
    }

    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            StepState::Blocked | StepState::Rejected | StepState::Failed
        )
    }

    /// What the word means, read leniently (`succeeded` is `Complete`): for showing it.
    pub fn meaning(&self) -> StepState {
        match self {
            StepState::Unknown(word) => StepState::parse(word),
            known => known.clone(),
        }
    }
}

impl Default for StepState {
    fn default() -> Self {
        StepState::Unknown(String::new())
    }
}

impl fmt::Display for StepState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`: views align it in columns.
        f.pad(self.as_str())
    }
}

impl From<&str> for StepState {
    fn from(word: &str) -> StepState {
        StepState::from_word(word)
    }
}

impl Serialize for StepState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StepState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(StepState::from_word(&String::deserialize(d)?))
    }
}

/// What kind of long-running operation this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    Publish,
    #[serde(alias = "goLive")]
    GoLive,
    Cancel,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Publish => "publish",
            OpKind::GoLive => "golive",
            OpKind::Cancel => "cancel",
        }
    }

    /// The path segment of the POST that starts it.
    pub fn action_segment(self) -> &'static str {
        self.as_str()
    }

    /// Whether a `submissionType` from `/submissions` names this kind.
    pub fn matches_submission_type(self, raw: &str) -> bool {
        let s = squash(raw);
        match self {
            OpKind::Publish => s == "publish",
            OpKind::GoLive => s == "golive",
            OpKind::Cancel => s == "cancel",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_state_is_stored_and_read_back_as_the_same_word() {
        let words = [
            "notStarted",
            "inProgress",
            "complete",
            "waitingForPublisherReview",
            "waitingForApproval",
            "blocked",
            "rejected",
            "failed",
            "canceled",
            // Product Ingestion's words, and odd ones, stay as they are.
            "succeeded",
            "cancelled",
            "running",
            "pending",
            "Complete",
            "",
        ];
        for word in words {
            let state = StepState::from_word(word);
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, serde_json::to_string(word).unwrap());
            assert_eq!(serde_json::from_str::<StepState>(&json).unwrap(), state);
            assert_eq!(state.to_string(), word);
        }
        assert_eq!(StepState::from_word("blocked"), StepState::Blocked);
        assert_eq!(
            StepState::from_word("succeeded"),
            StepState::Unknown("succeeded".into())
        );
    }

    #[test]
    fn the_meaning_of_a_step_state_is_read_leniently() {
        assert_eq!(
            StepState::from_word("succeeded").meaning(),
            StepState::Complete
        );
        assert_eq!(
            StepState::from_word("cancelled").meaning(),
            StepState::Canceled
        );
        assert_eq!(
            StepState::from_word("running").meaning(),
            StepState::InProgress
        );
        assert_eq!(
            StepState::from_word("pending").meaning(),
            StepState::Unknown("pending".into())
        );
        assert_eq!(StepState::parse("In Progress"), StepState::InProgress);
        assert_eq!(format!("[{:<8}]", StepState::Failed), "[failed  ]");
    }
}
