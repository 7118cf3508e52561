//! The one operation model: what a backend observes, what the store persists, what the follower
//! updates and what the dashboard and the headless commands show. Every text in it is plain and
//! sanitised when it is made (by the backend that read it from the network).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{BackendKind, OfferId, OpKind, Status, StepState};

/// One step of a publish (CPP), or one phase (ingestion), as last seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub name: String,
    /// The service's word for the step's state (`inProgress`, `blocked`…).
    pub status: StepState,
    pub progress: u8,
    /// The service's own estimate (`< 15 min`, `~2-3 days`).
    #[serde(default)]
    pub estimate: String,
    #[serde(default)]
    pub messages: Vec<StepMessage>,
}

/// A step message turned into plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepMessage {
    pub level: String,
    pub text: String,
}

impl StepMessage {
    pub fn is_error(&self) -> bool {
        self.level.eq_ignore_ascii_case("error")
    }
}

/// What one look at an offer or an operation showed, in the shared vocabulary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// The status a user cares about (sign-off lifted out of a `running` top level).
    #[serde(rename = "last_status")]
    pub status: Status,
    /// The top-level status exactly as the service sent it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub raw_status: String,
    /// Overall progress in percent over the steps that belong to the operation.
    #[serde(default)]
    pub progress: u8,
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Steps the service listed past the ones kept (`bounds::MAX_STEPS`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub steps_not_kept: usize,
    /// The step being worked on (or stuck); none once the operation succeeded.
    #[serde(default)]
    pub current_step: Option<Step>,
    /// Why it failed or is blocked, when it is.
    #[serde(default)]
    pub failure: Option<String>,
    /// The submission per environment (Product Ingestion offers only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub submissions: Vec<SubmissionSeen>,
    /// The product's GUID (Product Ingestion offers only): its Partner Center page's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_guid: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One environment's submission of a Product Ingestion product, as last read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionSeen {
    /// `draft`, `preview` or `live`.
    pub environment: Environment,
    /// The submission number (`0` for the draft; large numbers otherwise).
    pub number: String,
    /// `status/result` as the service sent them (empty for the draft).
    pub state: String,
}

/// The environment a Product Ingestion submission targets. Stored and printed as its word.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Environment {
    Draft,
    Preview,
    Live,
    /// Another target (`flight`, `sandbox`…), by the service's word.
    Other(String),
}

impl Environment {
    /// The environment a word names exactly; any other word is `Other`.
    pub fn from_word(word: &str) -> Environment {
        match word {
            "draft" => Environment::Draft,
            "preview" => Environment::Preview,
            "live" => Environment::Live,
            other => Environment::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Environment::Draft => "draft",
            Environment::Preview => "preview",
            Environment::Live => "live",
            Environment::Other(word) => word,
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`: views align it in columns.
        f.pad(self.as_str())
    }
}

impl From<&str> for Environment {
    fn from(word: &str) -> Environment {
        Environment::from_word(word)
    }
}

impl Serialize for Environment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Environment {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Environment::from_word(&String::deserialize(d)?))
    }
}

/// How the address an operation is followed at was found when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FoundVia {
    /// CPP's `Location` header.
    Location,
    /// CPP's `Operation-Location` header.
    OperationLocation,
    /// What runs on the offer (CPP's `/submissions`, Product Ingestion's submissions).
    Submissions,
    /// A Product Ingestion configure job.
    Configure,
    /// The answer to a cancel, or the operation it lands on.
    Cancel,
}

impl FoundVia {
    pub fn as_str(self) -> &'static str {
        match self {
            FoundVia::Location => "location",
            FoundVia::OperationLocation => "operation-location",
            FoundVia::Submissions => "submissions",
            FoundVia::Configure => "configure",
            FoundVia::Cancel => "cancel",
        }
    }
}

impl fmt::Display for FoundVia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A long-running operation offerdeck started, adopted or discovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    #[serde(flatten)]
    pub offer: OfferId,
    /// The API it runs on (records written before there was a choice are CPP's).
    #[serde(default)]
    pub backend: BackendKind,
    /// Publish or go live. A cancel is not an operation of its own: it is a request on one
    /// (`cancel_requested_at`), which then ends `canceled`.
    pub kind: OpKind,
    /// Where the operation is followed (resolved, on the API's origin).
    #[serde(rename = "operation_url")]
    pub pointer: Url,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub seen: Observation,
    #[serde(default)]
    pub notification_emails: Vec<String>,
    /// True once the operation reached a state it will not leave on its own.
    #[serde(default)]
    pub finished: bool,
    /// When its current step (or phase) was first seen: how long that step has run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_since: Option<DateTime<Utc>>,
    /// When the user asked to cancel it, if they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_requested_at: Option<DateTime<Utc>>,
    /// Why it can no longer be followed (the service no longer knows it, or its URL is on
    /// another origin): it is over for offerdeck, whatever happens at the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<String>,
}

/// A start the service did not take: a rejection by validation (HTTP 422), or a failure before
/// any operation began (a 503 to the publish, an authentication failure). Kept until the next
/// operation of the offer, so it survives a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartFailure {
    #[serde(flatten)]
    pub offer: OfferId,
    pub kind: OpKind,
    pub at: DateTime<Utc>,
    /// True for a rejection by validation (HTTP 422).
    pub rejected: bool,
    /// One plain line.
    pub message: String,
    #[serde(default)]
    pub details: Vec<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
}

/// What a new observation changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// Anything a user would see (status, step, progress, failure).
    pub visible: bool,
    /// Something a resume needs (status, current step and its state, failure, the end): worth a
    /// write of the store. A percent of progress is not.
    pub durable: bool,
}

impl Operation {
    pub fn new(
        offer: OfferId,
        backend: BackendKind,
        kind: OpKind,
        pointer: Url,
        emails: &[String],
        now: DateTime<Utc>,
    ) -> Operation {
        Operation {
            offer,
            backend,
            kind,
            pointer,
            started_at: now,
            updated_at: now,
            seen: Observation {
                status: Status::NotStarted,
                ..Observation::default()
            },
            notification_emails: emails.to_vec(),
            finished: false,
            step_since: None,
            cancel_requested_at: None,
            lost: None,
        }
    }

    /// Takes in what a poll observed.
    pub fn apply(&mut self, seen: Observation, now: DateTime<Utc>) -> Change {
        // Borrowed, not cloned: this runs at every poll.
        fn step_of(o: &Observation) -> Option<(&str, &str)> {
            o.current_step
                .as_ref()
                .map(|s| (s.id.as_str(), s.status.as_str()))
        }
        fn step_id(o: &Observation) -> Option<&str> {
            o.current_step.as_ref().map(|s| s.id.as_str())
        }
        let finished = self.kind.ends_at(&seen.status);
        let durable = seen.status != self.seen.status
            || finished != self.finished
            || seen.failure != self.seen.failure
            || step_of(&seen) != step_of(&self.seen);
        let visible = durable || seen != self.seen;
        if step_id(&seen) != step_id(&self.seen) || self.step_since.is_none() {
            self.step_since = seen.current_step.as_ref().map(|_| now);
        }
        self.seen = seen;
        self.finished = finished;
        self.updated_at = now;
        Change { visible, durable }
    }

    /// True when it ended the way it was meant to: as its kind ends, or canceled when the user
    /// asked for that.
    pub fn succeeded(&self) -> bool {
        if self.lost.is_some() {
            return false;
        }
        if self.cancel_requested_at.is_some() {
            return self.seen.status == Status::Canceled;
        }
        self.kind.succeeded_at(&self.seen.status)
    }

    /// Marks it as no longer followed, for good.
    pub fn lose(&mut self, why: &str) {
        self.lost = Some(why.to_string());
        self.finished = true;
    }

    /// The operation's id at the service: the segment after `operations/` (a GUID, or the
    /// legacy `publisher$offer$version$slot`), else the last path segment.
    pub fn operation_id(&self) -> String {
        let segments: Vec<&str> = self
            .pointer
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        // CPP: `…/operations/{id}`; Product Ingestion: `…/configure/{jobId}/status`.
        let after = |word: &str| {
            segments
                .iter()
                .position(|s| s.eq_ignore_ascii_case(word))
                .and_then(|i| segments.get(i + 1))
        };
        let id = after("operations")
            .or_else(|| after("configure"))
            .or(segments.last())
            .copied()
            .unwrap_or_default();
        percent_encoding::percent_decode_str(id)
            .decode_utf8_lossy()
            .into_owned()
    }
}

impl OpKind {
    /// Whether an operation of this kind is over once it shows this status. A publish is over
    /// at publisher sign-off: what follows needs a go-live.
    pub fn ends_at(self, status: &Status) -> bool {
        match status {
            Status::Succeeded | Status::Failed | Status::Canceled => true,
            Status::WaitingForPublisherReview => self != OpKind::GoLive,
            _ => false,
        }
    }

    /// True when an operation of this kind reached the end it is meant to reach.
    pub fn succeeded_at(self, status: &Status) -> bool {
        match self {
            OpKind::Publish => matches!(
                status,
                Status::WaitingForPublisherReview | Status::Succeeded
            ),
            OpKind::GoLive => matches!(status, Status::Succeeded),
            OpKind::Cancel => matches!(status, Status::Canceled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(url: &str) -> Operation {
        Operation::new(
            OfferId::new("p", "o").unwrap(),
            BackendKind::Cpp,
            OpKind::Publish,
            Url::parse(url).unwrap(),
            &[],
            Utc::now(),
        )
    }

    #[test]
    fn an_environment_is_stored_as_its_word_and_padded_in_columns() {
        for word in ["draft", "preview", "live", "flight"] {
            let env = Environment::from_word(word);
            let json = serde_json::to_string(&env).unwrap();
            assert_eq!(json, format!("\"{word}\""));
            assert_eq!(serde_json::from_str::<Environment>(&json).unwrap(), env);
        }
        assert_eq!(Environment::from_word("live"), Environment::Live);
        assert_eq!(format!("[{:<8}]", Environment::Preview), "[preview ]");
        assert_eq!(
            FoundVia::OperationLocation.to_string(),
            "operation-location"
        );
    }

    #[test]
    fn ids_of_both_pointer_shapes() {
        assert_eq!(
            op("https://h/api/publishers/p/offers/o/operations/abc-1?api-version=1").operation_id(),
            "abc-1"
        );
        assert_eq!(
            op("https://h/api/operations/p$o$2$preview?api-version=1").operation_id(),
            "p$o$2$preview"
        );
        assert_eq!(
            op("https://h/rp/product-ingestion/configure/job-7/status?%24version=1").operation_id(),
            "job-7"
        );
    }

    #[test]
    fn a_poll_says_what_changed_and_a_requested_cancel_counts_as_success() {
        let mut o = op("https://h/api/operations/x");
        let running = Observation {
            status: Status::Running,
            progress: 10,
            ..Observation::default()
        };
        assert_eq!(
            o.apply(running.clone(), Utc::now()),
            Change {
                visible: true,
                durable: true
            }
        );
        let more = Observation {
            progress: 20,
            ..running
        };
        assert_eq!(
            o.apply(more, Utc::now()),
            Change {
                visible: true,
                durable: false
            }
        );
        let canceled = Observation {
            status: Status::Canceled,
            ..Observation::default()
        };
        o.apply(canceled, Utc::now());
        assert!(o.finished && !o.succeeded());
        o.cancel_requested_at = Some(Utc::now());
        assert!(o.succeeded());
    }
}
