//! What one Cloud Partner Portal operation body shows, in the shared vocabulary: the status a
//! user cares about, the steps of the operation's kind, its progress and why it failed. Pure:
//! the answer in, an observation out; every text becomes plain, safe text here.

use crate::api::cpp::types::{OperationDetail, Step};
use crate::domain::{self, Observation, OpKind, Status, StepMessage, StepState};
use crate::text::sanitize_line;

/// How an operation body (`GET …/operations/{id}` or `GET …/status`) reads. A trait, so the
/// mapping lives here while callers keep writing `detail.observe(kind)`.
pub trait Observe {
    /// The status a user cares about: the service keeps `running` at the top level while the
    /// sign-off step waits, so that combination is lifted to `WaitingForPublisherReview`.
    fn effective_status(&self) -> Status;

    /// The step being worked on (or stuck): the first one not complete.
    fn current_step(&self, kind: Option<OpKind>) -> Option<&Step>;

    /// Overall progress in percent over the steps of this kind of operation.
    fn progress(&self, kind: Option<OpKind>) -> u8;

    /// What this body says, in the shared vocabulary, for an operation of `kind` (`None`: an
    /// offer's status, whatever ran last).
    fn observe(&self, kind: Option<OpKind>) -> Observation;

    /// The reason a failed or blocked operation gives: its first error-level message.
    fn failure_reason(&self) -> Option<String>;
}

impl Observe for OperationDetail {
    fn effective_status(&self) -> Status {
        if matches!(
            self.status.status,
            Status::Running | Status::NotStarted | Status::Unknown(_)
        ) && self
            .steps
            .iter()
            .any(|s| s.is_signoff() && s.status == StepState::WaitingForPublisherReview)
        {
            return Status::WaitingForPublisherReview;
        }
        self.status.status.clone()
    }

    fn current_step(&self, kind: Option<OpKind>) -> Option<&Step> {
        let steps = relevant_steps(self, kind);
        steps
            .iter()
            .find(|s| s.status.is_problem())
            .or_else(|| {
                steps.iter().find(|s| {
                    matches!(
                        s.status,
                        StepState::InProgress
                            | StepState::WaitingForPublisherReview
                            | StepState::WaitingForApproval
                            | StepState::Canceled
                    )
                })
            })
            .or_else(|| steps.iter().find(|s| !s.status.is_done()))
            .copied()
    }

    fn progress(&self, kind: Option<OpKind>) -> u8 {
        let status = self.effective_status();
        // Ready for go-live is a publish done: 100 % in every view (a go-live starts afresh).
        if matches!(status, Status::Succeeded)
            || (kind != Some(OpKind::GoLive) && status == Status::WaitingForPublisherReview)
        {
            return 100;
        }
        let steps = relevant_steps(self, kind);
        if steps.is_empty() {
            return 0;
        }
        let total: u32 = steps
            .iter()
            .map(|s| {
                if s.is_signoff() && s.status == StepState::WaitingForPublisherReview {
                    100
                } else {
                    u32::from(step_progress(s))
                }
            })
            .sum();
        (total / steps.len() as u32).min(100) as u8
    }

    fn observe(&self, kind: Option<OpKind>) -> Observation {
        let status = match self.effective_status() {
            Status::Unknown(raw) => Status::Unknown(sanitize_line(&raw)),
            known => known,
        };
        let failure = match status {
            Status::Failed | Status::Canceled => self.failure_reason(),
            // A running operation with a blocked or rejected step says why.
            _ => self
                .failure_reason()
                .filter(|_| self.steps.iter().any(|s| s.status.is_problem())),
        };
        let current_step = match status {
            Status::Succeeded => None,
            _ => self.current_step(kind).map(observe_step),
        };
        Observation {
            raw_status: sanitize_line(self.status.word()),
            progress: self.progress(kind),
            steps: self
                .steps
                .iter()
                .take(domain::bounds::MAX_STEPS)
                .map(observe_step)
                .collect(),
            steps_not_kept: self.steps.len().saturating_sub(domain::bounds::MAX_STEPS),
            current_step,
            failure,
            status,
            submissions: Vec::new(),
            product_guid: None,
        }
        .bounded()
    }

    fn failure_reason(&self) -> Option<String> {
        self.steps
            .iter()
            .flat_map(|s| s.messages.iter())
            .chain(self.messages.iter())
            .find(|m| m.is_error())
            .map(|m| crate::text::html_to_text(&m.message_html))
    }
}

/// Steps that belong to this kind of operation: a publish ends at sign-off; a go-live only
/// runs what follows sign-off (the service reports earlier steps as `notStarted`).
fn relevant_steps(detail: &OperationDetail, kind: Option<OpKind>) -> Vec<&Step> {
    let signoff = detail.steps.iter().position(Step::is_signoff);
    match (kind, signoff) {
        (Some(OpKind::Publish), Some(i)) => detail.steps[..=i].iter().collect(),
        (Some(OpKind::GoLive), Some(i)) => detail.steps[i + 1..].iter().collect(),
        _ => detail.steps.iter().collect(),
    }
}

/// A step's percent: 100 once complete, else what the service said, within 0–100.
fn step_progress(step: &Step) -> u8 {
    if step.status.is_done() {
        100
    } else {
        step.progress_percentage.unwrap_or(0).clamp(0, 100) as u8
    }
}

/// The step as the shared model holds it: plain text, messages without HTML.
fn observe_step(step: &Step) -> domain::Step {
    domain::Step {
        id: sanitize_line(&step.id),
        name: sanitize_line(step.name()),
        status: StepState::from_word(&sanitize_line(step.status.as_str())),
        progress: step_progress(step),
        estimate: sanitize_line(&step.estimated_time_frame),
        messages: domain::bounds::bounded_messages(
            step.messages
                .iter()
                .map(|m| StepMessage {
                    level: sanitize_line(&m.level),
                    text: crate::text::html_to_text(&m.message_html),
                })
                .filter(|m| !m.text.is_empty()),
        ),
    }
}
