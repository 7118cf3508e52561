//! One configure job of the simulated service: what it looks like at a given moment, computed
//! from its start, the time scale and its cancel, never stored per poll.

use serde_json::{Value, json};

use super::resources::Target;
use super::{Moment, PreviewOutcome};
use crate::clock::seconds_between;

/// Simulated seconds a job waits before it runs.
const QUEUED_SECONDS: f64 = 30.0;
/// Automated validation of a publish to preview.
const VALIDATION_SECONDS: f64 = 180.0;
/// Certification, after validation ("30 minutes to several hours").
const CERTIFICATION_SECONDS: f64 = 7_200.0;
/// Publishing to live after go-live.
const LIVE_SECONDS: f64 = 3_600.0;
/// Applying draft edits (the documentation's sample job took 16 s).
const DRAFT_SECONDS: f64 = 16.0;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct SimJob {
    pub(super) id: String,
    pub(super) product: String,
    pub(super) target: Target,
    pub(super) start: Moment,
    pub(super) cancelled_at: Option<Moment>,
    pub(super) outcome: PreviewOutcome,
    /// The resources the job applied (its configure-detail), with their durable ids.
    #[serde(default)]
    pub(super) applied: Vec<Value>,
    /// What a publish or go-live makes of its environment once it succeeds (without the
    /// submission resource, which follows the job).
    #[serde(default)]
    pub(super) snapshot: Vec<Value>,
    /// Why a draft job fails, if it does (errors found while applying, not by the schema).
    #[serde(default)]
    pub(super) failure: Option<Value>,
}

/// What a job looks like at one moment.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct JobView {
    pub(super) status: &'static str,
    pub(super) result: &'static str,
    pub(super) end: Option<f64>,
    pub(super) errors: Value,
}

impl SimJob {
    /// Simulated seconds until the job completes, and how it ends then.
    fn plan(&self) -> (f64, PreviewOutcome) {
        match (self.target, self.outcome) {
            (Target::Draft, _) => (QUEUED_SECONDS + DRAFT_SECONDS, PreviewOutcome::Succeeds),
            (Target::Live, _) => (QUEUED_SECONDS + LIVE_SECONDS, PreviewOutcome::Succeeds),
            (_, PreviewOutcome::FailsValidation) => {
                (QUEUED_SECONDS + VALIDATION_SECONDS, self.outcome)
            }
            (_, outcome) => (
                QUEUED_SECONDS + VALIDATION_SECONDS + CERTIFICATION_SECONDS,
                outcome,
            ),
        }
    }

    pub(super) fn view(&self, now: Moment, scale: f64) -> JobView {
        let elapsed = |at: Moment| seconds_between(self.start, at) * scale;
        let (duration, outcome) = self.plan();
        if let Some(cancelled) = self.cancelled_at {
            return JobView {
                status: "completed",
                result: "cancelled",
                end: Some(elapsed(cancelled)),
                errors: json!([]),
            };
        }
        let seconds = elapsed(now);
        if seconds < QUEUED_SECONDS {
            return running("notStarted");
        }
        if seconds < duration {
            return running("running");
        }
        let (result, errors) = match (outcome, &self.failure) {
            (_, Some(errors)) => ("failed", errors.clone()),
            (PreviewOutcome::Succeeds, None) => ("succeeded", json!([])),
            (PreviewOutcome::FailsValidation, None) => (
                "failed",
                json!([{"code": "conflict", "message": "Validation failed for the submission",
                        "details": [{"code": "invalidResource",
                                     "message": "The plan's technical configuration has no image",
                                     "resourceId": format!("virtual-machine-plan-technical-configuration/{}/{}", self.product, super::resources::plan_guid(&self.product, 1)),
                                     "details": []}]}]),
            ),
            (PreviewOutcome::FailsCertification, None) => (
                "failed",
                json!([{"code": "invalidState", "message": "Certification",
                        "details": [{"code": "invalidState",
                                     "message": "Issues found during Certification.",
                                     "details": []}]}]),
            ),
        };
        JobView {
            status: "completed",
            result,
            end: Some(duration),
            errors,
        }
    }

    /// Cancel is allowed until certification completes; a go-live cannot be cancelled.
    pub(super) fn can_cancel(&self, now: Moment, scale: f64) -> bool {
        self.target == Target::Preview
            && self.cancelled_at.is_none()
            && self.view(now, scale).status != "completed"
    }
}

fn running(status: &'static str) -> JobView {
    JobView {
        status,
        result: "pending",
        end: None,
        errors: json!([]),
    }
}
