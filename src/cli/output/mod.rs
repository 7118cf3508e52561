//! What the headless commands print, as typed events behind one reporter. The text form goes to
//! a terminal (results on stdout, progress and errors on stderr); the JSON form is one object per
//! line on stdout, the versioned contract documented in the README (`"schema": 1` on every
//! object). Every line written passes through here, and through the sanitiser: text from the
//! network reaches no terminal raw.

use serde::Serialize;

use crate::api::ApiError;
use crate::domain::{Operation, Step};
use crate::engine::OfferState;
pub use crate::term::{write_err, write_out};

/// The version of the JSON lines contract. Fields may be added within a version; none is
/// removed or changes meaning.
pub const SCHEMA: u32 = 1;

mod images;
mod reporter;
pub mod text;

pub use images::{ChangeOut, ImageOut, VersionOut};
pub use reporter::Reporter;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One thing a headless command reports.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// One configured offer and its status (`offers`).
    Offer {
        offer: String,
        backend: String,
        status: String,
        raw_status: String,
        /// The offer's state in the dashboard's words ("rejected", "ready for go-live").
        state: String,
        step: Option<String>,
        progress: u8,
        failure: Option<String>,
        notification_emails: Vec<String>,
    },
    /// An offer's status with every step (`status`).
    Status {
        offer: String,
        backend: String,
        status: String,
        raw_status: String,
        /// The offer's state in the dashboard's words ("rejected", "ready for go-live").
        state: String,
        progress: u8,
        failure: Option<String>,
        /// The problems a rejection that stands listed (absent when there is none).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        details: Vec<String>,
        steps: Vec<StepOut>,
        /// Steps the service listed past the ones offerdeck keeps (absent when none were cut).
        #[serde(skip_serializing_if = "is_zero")]
        steps_not_kept: usize,
        /// Product Ingestion offers: the submission per environment (empty for CPP offers).
        submissions: Vec<crate::domain::SubmissionSeen>,
    },
    /// The service accepted a publish, go-live or cancel.
    Accepted {
        offer: String,
        kind: String,
        operation_url: String,
        adopted: bool,
        notification_emails: Vec<String>,
    },
    /// A cancel was asked for while nothing ran.
    NothingToCancel { offer: String },
    /// An operation followed with `--wait` or `watch` changed.
    Changed {
        offer: String,
        kind: String,
        status: String,
        step: Option<String>,
        step_status: Option<String>,
        step_progress: Option<u8>,
        progress: u8,
        failure: Option<String>,
        operation_url: String,
    },
    /// A poll failed; the next try comes after `wait_seconds`.
    Retrying {
        offer: String,
        kind: String,
        attempt: u32,
        error: String,
        wait_seconds: u64,
    },
    /// An operation followed to its end (or as far as it could be followed).
    Final {
        offer: String,
        kind: String,
        status: String,
        success: bool,
        failure: Option<String>,
        /// Why it is not followed any more, when it was lost (not found, another origin).
        lost: Option<String>,
        progress: u8,
        operation_url: String,
    },
    /// The service accepted an operation, but the state store could not record it: nothing will
    /// resume it unless it is followed by hand (`watch --url operation_url`).
    NotRecorded {
        offer: String,
        kind: String,
        operation_url: String,
        message: String,
        exit_code: u8,
    },
    /// The state store could not be written, or was found unreadable and moved aside.
    StoreProblem {
        offer: Option<String>,
        message: String,
    },
    /// A past operation (`history`): how long it took and how it ended.
    History {
        offer: String,
        backend: String,
        kind: String,
        status: String,
        success: bool,
        started_at: String,
        /// When it ended (or was last seen, while it runs).
        updated_at: String,
        finished: bool,
        duration_seconds: i64,
        failure: Option<String>,
        operation_url: String,
    },
    /// An offer the account can see (`discover`), and whether the config has it.
    Discovered {
        offer: String,
        backend: String,
        name: String,
        offer_type: String,
        configured: bool,
        /// Why it cannot be configured, when it cannot (never added by `--add`).
        #[serde(skip_serializing_if = "Option::is_none")]
        unusable: Option<String>,
    },
    /// An offer `discover --add` appended to the config.
    Added {
        offer: String,
        backend: String,
        config: String,
    },
    /// One plan of an offer with its image versions in one environment (`image list`).
    Plan {
        offer: String,
        backend: String,
        environment: String,
        plan: String,
        image_types: Vec<String>,
        versions: Vec<VersionOut>,
    },
    /// An environment of an offer that holds nothing yet (`image list`).
    NothingIn {
        offer: String,
        environment: String,
        reason: String,
    },
    /// What `image add` does to one plan: `added`, `would_add` (a dry run: nothing sent),
    /// `already_there` (nothing to send) or `refused` (nothing sent to any plan).
    ImageAdd {
        offer: String,
        plan: String,
        version: String,
        change: String,
        reason: Option<String>,
        warnings: Vec<String>,
    },
    /// What `image deprecate` or `image restore` did to one version: `deprecated`,
    /// `restored`, `would_deprecate`, `would_restore` (a dry run) or `unchanged`.
    ImageLifecycle {
        offer: String,
        plan: String,
        version: String,
        change: String,
        was: String,
        deprecated_on: Option<String>,
        warnings: Vec<String>,
    },
    /// A check of a build's source that fails, before anything is sent.
    CheckFailed {
        source: String,
        image_type: Option<String>,
        check: String,
        reason: String,
    },
    /// What a publish would send: the draft's fields that differ from the preview
    /// (`publish --dry-run`, `--if-changed`).
    DraftChanges {
        offer: String,
        /// Nothing was ever published to preview: all of the draft goes.
        no_preview: bool,
        changes: Vec<ChangeOut>,
        left_out: Vec<String>,
    },
    /// A source every check passed (`check`).
    CheckPassed {
        source: String,
        image_type: Option<String>,
    },
    /// Something failed; `exit_code` is what the command exits with because of it.
    Error {
        context: String,
        offer: Option<String>,
        message: String,
        http_status: Option<u16>,
        code: Option<String>,
        details: Vec<String>,
        correlation_id: Option<String>,
        exit_code: u8,
    },
}

/// One step in a `status` event.
#[derive(Debug, Clone, Serialize)]
pub struct StepOut {
    pub id: String,
    pub name: String,
    pub status: String,
    pub progress: u8,
    pub estimated_time_frame: String,
    pub messages: Vec<MessageOut>,
}

/// One message of a step.
#[derive(Debug, Clone, Serialize)]
pub struct MessageOut {
    pub level: String,
    pub text: String,
}

impl From<&Step> for StepOut {
    fn from(s: &Step) -> Self {
        StepOut {
            id: s.id.clone(),
            name: s.name.clone(),
            status: s.status.to_string(),
            progress: s.progress,
            estimated_time_frame: s.estimate.clone(),
            messages: s
                .messages
                .iter()
                .map(|m| MessageOut {
                    level: m.level.clone(),
                    text: m.text.clone(),
                })
                .collect(),
        }
    }
}

impl Event {
    /// Every event kind, as its `"event"` value.
    pub const KINDS: [&'static str; 20] = [
        "offer",
        "status",
        "accepted",
        "nothing_to_cancel",
        "changed",
        "retrying",
        "final",
        "not_recorded",
        "store_problem",
        "history",
        "discovered",
        "added",
        "plan",
        "nothing_in",
        "image_add",
        "image_lifecycle",
        "check_failed",
        "check_passed",
        "draft_changes",
        "error",
    ];

    /// Events that report a problem (always said on stderr, in JSON mode too).
    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            Event::Error { .. }
                | Event::NotRecorded { .. }
                | Event::StoreProblem { .. }
                | Event::CheckFailed { .. }
        ) || matches!(self, Event::ImageAdd { change, .. } if change == "refused")
    }

    /// This event's `"event"` value.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Offer { .. } => "offer",
            Event::Status { .. } => "status",
            Event::Accepted { .. } => "accepted",
            Event::NothingToCancel { .. } => "nothing_to_cancel",
            Event::Changed { .. } => "changed",
            Event::Retrying { .. } => "retrying",
            Event::Final { .. } => "final",
            Event::NotRecorded { .. } => "not_recorded",
            Event::StoreProblem { .. } => "store_problem",
            Event::History { .. } => "history",
            Event::Discovered { .. } => "discovered",
            Event::Added { .. } => "added",
            Event::Plan { .. } => "plan",
            Event::NothingIn { .. } => "nothing_in",
            Event::ImageAdd { .. } => "image_add",
            Event::ImageLifecycle { .. } => "image_lifecycle",
            Event::CheckFailed { .. } => "check_failed",
            Event::CheckPassed { .. } => "check_passed",
            Event::DraftChanges { .. } => "draft_changes",
            Event::Error { .. } => "error",
        }
    }

    /// One configured offer as the engine knows it: `status` is what it rests on (the service's
    /// word, or the operation's while it runs or its end is the news), `state` and `failure`
    /// are the dashboard's (a rejection the service does not know of stands here too).
    pub fn offer(config: &crate::config::OfferConfig, state: &OfferState) -> Event {
        let seen = state.seen().cloned().unwrap_or_default();
        let (status, raw_status) = rests_on(state, &seen);
        Event::Offer {
            offer: config.id.to_string(),
            backend: config.backend.to_string(),
            status,
            raw_status,
            state: state.standing().label(),
            // A step is news only while something runs (or is stuck): a finished offer's
            // first step is not its current one.
            step: state
                .current_step()
                .or_else(|| {
                    seen.current_step
                        .as_ref()
                        .filter(|_| seen.failure.is_some())
                })
                .map(|s| s.name.clone()),
            progress: state.progress().unwrap_or(seen.progress),
            failure: state.reason(),
            notification_emails: config.notification_emails.clone(),
        }
    }

    /// An offer's status with every step, as the engine knows it (see `offer`).
    pub fn status(state: &OfferState) -> Event {
        let seen = state.seen().cloned().unwrap_or_default();
        let (status, raw_status) = rests_on(state, &seen);
        Event::Status {
            offer: state.id.to_string(),
            backend: state.backend.to_string(),
            status,
            raw_status,
            state: state.standing().label(),
            progress: state.progress().unwrap_or(seen.progress),
            failure: state.reason(),
            details: state.rejection_details().to_vec(),
            steps: state.steps().iter().map(StepOut::from).collect(),
            steps_not_kept: seen.steps_not_kept,
            submissions: seen.submissions.clone(),
        }
    }

    pub fn history(op: &Operation) -> Event {
        let end = op.updated_at;
        Event::History {
            offer: op.offer.to_string(),
            backend: op.backend.to_string(),
            kind: op.kind.as_str().to_string(),
            status: op.seen.status.as_str().to_string(),
            success: op.finished && op.succeeded(),
            started_at: op
                .started_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            updated_at: end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            finished: op.finished,
            duration_seconds: (end - op.started_at).num_seconds().max(0),
            failure: op.seen.failure.clone().or_else(|| op.lost.clone()),
            operation_url: op.pointer.to_string(),
        }
    }

    pub fn changed(op: &Operation) -> Event {
        let step = op.seen.current_step.as_ref();
        Event::Changed {
            offer: op.offer.to_string(),
            kind: op.kind.as_str().to_string(),
            status: op.seen.status.as_str().to_string(),
            step: step.map(|s| s.name.clone()),
            step_status: step.map(|s| s.status.to_string()),
            step_progress: step.map(|s| s.progress),
            progress: op.seen.progress,
            failure: op.seen.failure.clone(),
            operation_url: op.pointer.to_string(),
        }
    }

    pub fn final_of(op: &Operation) -> Event {
        Event::Final {
            offer: op.offer.to_string(),
            kind: op.kind.as_str().to_string(),
            status: op.seen.status.as_str().to_string(),
            success: op.succeeded(),
            failure: op.seen.failure.clone(),
            lost: op.lost.clone(),
            progress: op.seen.progress,
            operation_url: op.pointer.to_string(),
        }
    }

    pub fn problem(
        context: &str,
        offer: Option<String>,
        problem: &crate::engine::Problem,
    ) -> Event {
        Event::Error {
            context: context.to_string(),
            offer,
            message: problem.message.clone(),
            http_status: problem.http_status,
            code: problem.code.clone(),
            details: problem.details.clone(),
            correlation_id: problem.correlation_id.clone(),
            exit_code: super::exit::exit_for_problem(problem) as u8,
        }
    }

    pub fn error(context: &str, offer: Option<String>, error: &ApiError) -> Event {
        let se = error.service_error();
        Event::Error {
            context: context.to_string(),
            offer,
            message: error.to_string(),
            http_status: se.map(|e| e.status),
            code: se.and_then(|e| e.code.clone()),
            details: se.map(|e| e.details.clone()).unwrap_or_default(),
            correlation_id: se.and_then(|e| e.correlation_id.clone()),
            exit_code: super::exit_for(error) as u8,
        }
    }
}

/// The status an offer rests on and the service's word for it. A lost operation's last look is
/// not what the service says now: there, it is the offer's status as read when it was lost
/// (the steps and progress stay the lost operation's, as the views show them).
fn rests_on(state: &OfferState, seen: &crate::domain::Observation) -> (String, String) {
    match (state.standing(), state.service.as_ref()) {
        (crate::engine::Standing::Lost, Some(service)) => (
            service.status.as_str().to_string(),
            service.raw_status.clone(),
        ),
        _ => (seen.status.as_str().to_string(), seen.raw_status.clone()),
    }
}

/// The JSON form of an event: the event with the schema version.
#[derive(Serialize)]
struct Line<'a> {
    schema: u32,
    #[serde(flatten)]
    event: &'a Event,
}

/// An event as one JSON line. serde_json escapes C0 controls; C1 controls, DEL and bidi
/// overrides are escaped here too, so a line is safe to `cat` to a terminal.
pub fn json_line(event: &Event) -> String {
    let raw = serde_json::to_string(&Line {
        schema: SCHEMA,
        event,
    })
    // Serialising plain data with string keys cannot fail; an empty object is the fallback.
    .unwrap_or_else(|_| String::from("{}"));
    let raw = crate::redact::scrub(&raw);
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let escape =
            matches!(c, '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if escape {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}
