//! The publish state machine of one operation: which step it is at, with what progress, at a
//! given moment. Nothing is stored per poll: the state is computed from the start time, the time
//! scale and the events (cancel, close), so days of the service pass in seconds.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire::{LIVE_STEP, Message, SIGNOFF_STEP, Step};
use crate::clock::seconds_between;
use crate::domain::OpKind;

/// Step states as the service writes them.
const NOT_STARTED: &str = "notStarted";
const IN_PROGRESS: &str = "inProgress";
const COMPLETE: &str = "complete";
const WAITING_FOR_REVIEW: &str = "waitingForPublisherReview";
const BLOCKED: &str = "blocked";
const REJECTED: &str = "rejected";
const CANCELED: &str = "canceled";

/// One timed step of a plan.
struct StepPlan {
    id: &'static str,
    name: &'static str,
    estimate: &'static str,
    description: &'static str,
    /// Simulated seconds.
    seconds: f64,
}

const PUBLISH_STEPS: [StepPlan; 4] = [
    StepPlan {
        id: "displaydummycertify",
        name: "Validate Pre-Requisites",
        estimate: "< 15 min",
        description: "Offer settings provided are validated.",
        seconds: 900.0,
    },
    StepPlan {
        id: "displaycertify",
        name: "Certification",
        estimate: "~2-3 days",
        description: "Your offer is analyzed by our certification systems for issues.",
        seconds: 216_000.0,
    },
    StepPlan {
        id: "displayprovision",
        name: "Provisioning",
        estimate: "< 1 day",
        description: "Your virtual machine is being replicated in our production systems.",
        seconds: 86_400.0,
    },
    StepPlan {
        id: "displaypackage",
        name: "Packaging and Lead Generation Registration",
        estimate: "< 1 hour",
        description: "Your virtual machine is being packaged for customers. Additionally, lead systems are being configured and set up.",
        seconds: 3_600.0,
    },
];
const SIGNOFF: StepPlan = StepPlan {
    id: SIGNOFF_STEP,
    name: "Publisher signoff",
    estimate: "< 1 hour",
    description: "Offer is available to preview. Ensure that everything looks good before making your offer live.",
    seconds: 0.0,
};
const LIVE: StepPlan = StepPlan {
    id: LIVE_STEP,
    name: "Live",
    estimate: "~2-5 days",
    description: "Offer is publicly visible and is available for purchase.",
    seconds: 172_800.0,
};
/// The go-live's `live` step, in simulated seconds.
pub const LIVE_SECONDS: f64 = LIVE.seconds;
/// How long a cancel takes to land on the service (real: 1–3 minutes), simulated seconds.
pub(super) const CANCEL_SECONDS: f64 = 120.0;
/// Where certification blocks in the failure scenario (fraction of the step), and for how long
/// it stays blocked before the operation fails (fraction of the step).
const BLOCK_AT: f64 = 0.4;
const BLOCK_FOR: f64 = 0.25;

/// The operation-level state, with the words the service uses on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpState {
    NotStarted,
    Running,
    Complete,
    Failed,
    Canceled,
}

impl OpState {
    /// As the service writes it: `complete`, not the offer's `succeeded`.
    pub fn spelled(self) -> &'static str {
        match self {
            OpState::NotStarted => "notStarted",
            OpState::Running => "running",
            OpState::Complete => "complete",
            OpState::Failed => "failed",
            OpState::Canceled => "canceled",
        }
    }

    pub fn is_active(self) -> bool {
        matches!(self, OpState::NotStarted | OpState::Running)
    }
}

/// How a publish waiting at sign-off was closed by a later operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum ClosedAs {
    /// A go-live followed it.
    Completed,
    /// A new publish replaced it.
    Superseded,
}

/// One operation of the simulated service.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SimOp {
    pub id: String,
    pub publisher: String,
    pub offer: String,
    pub kind: OpKind,
    pub started: DateTime<Utc>,
    pub changed: DateTime<Utc>,
    pub emails: String,
    pub publishing_version: i64,
    pub offer_version: i64,
    /// When a requested cancel takes effect.
    pub cancel_at: Option<DateTime<Utc>>,
    /// A publish whose sign-off was completed by a go-live (or replaced by a new publish).
    pub closed: Option<(DateTime<Utc>, ClosedAs)>,
    pub certification_failure: Option<String>,
    /// The draft definition a publish took to preview (when a PUT had set one).
    #[serde(default)]
    pub definition: Option<serde_json::Value>,
}

/// What an operation looks like at an instant.
#[derive(Debug, Clone)]
pub(super) struct Snapshot {
    pub state: OpState,
    pub steps: Vec<Step>,
    pub cancellable: bool,
    pub failure: Option<String>,
    pub at_signoff: bool,
}

fn step(plan: &StepPlan) -> Step {
    Step {
        id: plan.id.into(),
        step_name: plan.name.into(),
        description: plan.description.into(),
        status: NOT_STARTED.into(),
        messages: Vec::new(),
        progress_percentage: Some(0),
        estimated_time_frame: plan.estimate.into(),
    }
}

fn message(text: &str, level: &str, at: DateTime<Utc>) -> Message {
    Message {
        message_html: text.into(),
        level: level.into(),
        timestamp: super::timestamp(at),
    }
}

fn completed(mut s: Step, now: DateTime<Utc>) -> Step {
    s.status = COMPLETE.into();
    s.progress_percentage = Some(100);
    s.messages = vec![message("Step completed.", "information", now)];
    s
}

impl SimOp {
    /// The operation as it is at `now`, with the time scale of the service.
    pub(super) fn snapshot(&self, now: DateTime<Utc>, scale: f64) -> Snapshot {
        let sim_secs = |until| seconds_between(self.started, until).max(0.0) * scale;
        // A cancel freezes the operation where it was when the cancel landed.
        let canceled = self.cancel_at.filter(|at| *at <= now);
        let closed = self.closed.filter(|(at, _)| *at <= now);
        let at = canceled.or(closed.map(|(at, _)| at)).unwrap_or(now);
        let t = sim_secs(at);
        let mut snap = match self.kind {
            OpKind::Publish | OpKind::Cancel => self.publish_snapshot(t, now),
            OpKind::GoLive => golive_snapshot(t, now),
        };
        let terminal = matches!(
            snap.state,
            OpState::Complete | OpState::Failed | OpState::Canceled
        );
        if canceled.is_some() && !terminal {
            snap.state = OpState::Canceled;
            snap.cancellable = false;
            snap.at_signoff = false;
            if let Some(s) = snap.steps.iter_mut().find(|s| {
                matches!(
                    s.status.as_str(),
                    IN_PROGRESS | BLOCKED | WAITING_FOR_REVIEW
                )
            }) {
                s.status = CANCELED.into();
                s.messages = vec![message(
                    "The operation was canceled at the publisher's request.",
                    "information",
                    now,
                )];
            }
        } else if let Some((_, how)) = closed {
            if snap.at_signoff {
                snap.at_signoff = false;
                snap.cancellable = false;
                snap.state = match how {
                    ClosedAs::Completed => OpState::Complete,
                    ClosedAs::Superseded => OpState::Canceled,
                };
                for s in snap.steps.iter_mut().filter(|s| s.id == SIGNOFF_STEP) {
                    s.status = match how {
                        ClosedAs::Completed => COMPLETE.into(),
                        ClosedAs::Superseded => CANCELED.into(),
                    };
                }
            }
        } else if self.cancel_at.is_some() {
            // Requested but not landed yet.
            snap.cancellable = false;
        }
        snap
    }

    fn publish_snapshot(&self, t: f64, now: DateTime<Utc>) -> Snapshot {
        let mut steps = Vec::new();
        let mut cumulative = 0.0;
        let mut state = OpState::Running;
        let mut failure = None;
        let mut reached_signoff = true;
        for (index, plan) in PUBLISH_STEPS.iter().enumerate() {
            let start = cumulative;
            cumulative += plan.seconds;
            let mut s = step(plan);
            if !reached_signoff {
                steps.push(s);
                continue;
            }
            let failing = index == 1 && self.certification_failure.is_some();
            if failing && t >= start + plan.seconds * BLOCK_AT {
                let text = self.certification_failure.clone().unwrap_or_default();
                s.status = BLOCKED.into();
                s.progress_percentage = Some((BLOCK_AT * 100.0) as i64);
                s.messages = vec![message(&text, "error", now)];
                if t >= start + plan.seconds * (BLOCK_AT + BLOCK_FOR) {
                    state = OpState::Failed;
                    s.status = REJECTED.into();
                }
                failure = Some(text);
                reached_signoff = false;
            } else if t >= cumulative {
                s = completed(s, now);
            } else if t >= start {
                let pct = ((t - start) / plan.seconds * 100.0).clamp(0.0, 99.0) as i64;
                s.status = IN_PROGRESS.into();
                s.progress_percentage = Some(pct);
                reached_signoff = false;
            } else {
                reached_signoff = false;
            }
            steps.push(s);
        }
        let mut signoff = step(&SIGNOFF);
        if reached_signoff {
            signoff.status = WAITING_FOR_REVIEW.into();
        }
        steps.push(signoff);
        steps.push(step(&LIVE));
        if t < 1.0 && state == OpState::Running {
            state = OpState::NotStarted;
        }
        Snapshot {
            state,
            steps,
            cancellable: state.is_active(),
            failure,
            at_signoff: reached_signoff && state == OpState::Running,
        }
    }
}

fn golive_snapshot(t: f64, now: DateTime<Utc>) -> Snapshot {
    let mut steps: Vec<Step> = PUBLISH_STEPS.iter().map(step).collect();
    let mut signoff = step(&SIGNOFF);
    signoff.status = COMPLETE.into();
    steps.push(signoff);
    let mut live = step(&LIVE);
    let state = if t >= LIVE_SECONDS {
        live = completed(live, now);
        OpState::Complete
    } else {
        live.status = IN_PROGRESS.into();
        live.progress_percentage = Some(((t / LIVE_SECONDS) * 100.0).clamp(0.0, 99.0) as i64);
        OpState::Running
    };
    steps.push(live);
    // A go-live can be canceled until a quarter of the way through.
    Snapshot {
        state,
        steps,
        cancellable: t < LIVE_SECONDS * 0.25,
        failure: None,
        at_signoff: false,
    }
}
