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

/// Status of one publishing step.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StepState {
    NotStarted,
    InProgress,
    WaitingForPublisherReview,
    WaitingForApproval,
    Blocked,
    Rejected,
    Complete,
    Canceled,
    Failed,
    Unknown(String),
}

impl StepState {
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

    pub fn as_str(&self) -> &str {
        match self {
            StepState::NotStarted => "notStarted",
            StepState::InProgress => "inProgress",
            StepState::WaitingForPublisherReview => "waitingForPublisherReview",
            StepState::WaitingForApproval => "waitingForApproval",
            StepState::Blocked => "blocked",
            StepState::Rejected => "rejected",
            StepState::Complete => "complete",
            StepState::Canceled => "canceled",
            StepState::Failed => "failed",
            StepState::Unknown(raw) => raw,
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
}

text_enum!(StepState);
