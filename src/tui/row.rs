//! One row of the offers table: what is known about an offer, and what its status column says.

use chrono::{DateTime, Utc};

use super::state::ErrorEntry;
use crate::domain::{
    BackendKind, Estimate, Estimates, Observation, OfferId, OpKind, Operation, Outlook, Phase,
    StartFailure, Status, Step, StepKey, ingestion_phase,
};
use crate::text::{sanitize_line, truncate};

/// What a row is doing locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Idle,
    Loading,
    Submitting(OpKind),
    /// A follower polls the row's operation.
    Following,
}

/// One offer of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferRow {
    pub id: OfferId,
    pub backend: BackendKind,
    pub emails: Vec<String>,
    /// Not in the config (an operation resumed from the state store).
    pub unconfigured: bool,
    pub activity: Activity,
    /// The offer's status as last read, with the steps of what ran last.
    pub service: Option<Observation>,
    /// The operation offerdeck started, resumed or discovered, as last polled.
    pub op: Option<Operation>,
    /// The attempt and error of a poll being retried.
    pub retrying: Option<(u32, String)>,
    pub last_poll: Option<DateTime<Utc>>,
    /// When the service last answered well for this row.
    pub last_ok: Option<DateTime<Utc>>,
    /// How long the follower said it waits after that answer (polls follow the work).
    pub poll_every: Option<std::time::Duration>,
    /// The last start the service did not take (a 422, or a failure before any operation),
    /// shown until a newer operation.
    pub failed_start: Option<StartFailure>,
    pub last_error: Option<ErrorEntry>,
    pub flash_until: Option<DateTime<Utc>>,
    /// Marked for an action on several offers at once (`Space`, `*`).
    pub marked: bool,
}

impl OfferRow {
    pub fn new(id: OfferId, backend: BackendKind, emails: Vec<String>) -> OfferRow {
        OfferRow {
            id,
            backend,
            emails,
            unconfigured: false,
            activity: Activity::Idle,
            service: None,
            op: None,
            retrying: None,
            last_poll: None,
            last_ok: None,
            poll_every: None,
            failed_start: None,
            last_error: None,
            flash_until: None,
            marked: false,
        }
    }

    /// An operation is running (or being started) for this offer.
    pub fn in_flight(&self) -> bool {
        matches!(self.activity, Activity::Submitting(_))
            || self.op.as_ref().is_some_and(|o| !o.finished)
    }

    /// What the row shows, from the most specific knowledge available.
    pub fn state(&self) -> RowState {
        if let Activity::Submitting(kind) = self.activity {
            return RowState::Submitting(kind);
        }
        if let Some(f) = &self.failed_start {
            let newer_op = self.op.as_ref().is_some_and(|o| o.started_at > f.at);
            if !newer_op {
                return match f.rejected {
                    true => RowState::Rejected(f.details.len()),
                    false => RowState::NotSent(f.kind),
                };
            }
        }
        if let Some(op) = &self.op {
            if op.lost.is_some() {
                return RowState::Lost;
            }
            if !op.finished {
                if let Some((attempt, _)) = &self.retrying {
                    return RowState::Retrying(*attempt);
                }
                if op.seen.failure.is_some() {
                    return RowState::Blocked;
                }
                if op.cancel_requested_at.is_some() {
                    return RowState::Canceling;
                }
                return RowState::Running(op.kind);
            }
            return RowState::from_status(&op.seen.status, op.kind);
        }
        if self.activity == Activity::Loading {
            return RowState::Loading;
        }
        match &self.service {
            Some(seen) => RowState::from_status(&seen.status, OpKind::Publish),
            None if self.last_error.is_some() => RowState::Error,
            None => RowState::Loading,
        }
    }

    /// What the row knows last: the followed operation, else the offer's status.
    fn seen(&self) -> Option<&Observation> {
        self.op.as_ref().map(|o| &o.seen).or(self.service.as_ref())
    }

    /// The reason a failed or blocked operation gives.
    pub fn failure(&self) -> Option<&str> {
        self.seen().and_then(|s| s.failure.as_deref())
    }

    /// The phase of an ingestion offer (that API reports no steps); `None` for CPP offers.
    pub fn phase(&self, now: DateTime<Utc>) -> Option<Phase> {
        if self.backend != BackendKind::Ingestion {
            return None;
        }
        let status = self
            .service
            .as_ref()
            .map(|s| s.status.clone())
            .unwrap_or_default();
        ingestion_phase(self.op.as_ref(), &status, now)
    }

    /// What the history says of the step (or phase) that runs now: its estimate, what it
    /// predicts, and the step's name. `None` without a running step or enough history.
    pub fn outlook(
        &self,
        estimates: &Estimates,
        now: DateTime<Utc>,
    ) -> Option<(Estimate, Outlook, String)> {
        let op = self
            .op
            .as_ref()
            .filter(|o| !o.finished && o.lost.is_none())?;
        let step = op.seen.current_step.as_ref()?;
        let since = op.step_since.unwrap_or(op.started_at);
        let key = StepKey::new(&self.id, self.backend, op.kind, &step.id);
        let estimate = *estimates.get(&key)?;
        Some((estimate, estimate.outlook(now - since), step.name.clone()))
    }

    /// Overall progress, when something is running or done. An ingestion job reports none:
    /// its phase and elapsed time stand for it.
    pub fn progress(&self) -> Option<u8> {
        if self.backend == BackendKind::Ingestion {
            return None;
        }
        match &self.op {
            Some(op) => Some(op.seen.progress),
            None => self
                .service
                .as_ref()
                .filter(|s| s.status.is_active())
                .map(|s| s.progress),
        }
    }

    /// The step being worked on, while something runs.
    pub fn current_step(&self) -> Option<&Step> {
        self.seen()
            .filter(|_| self.in_flight())
            .and_then(|s| s.current_step.as_ref())
    }

    /// Every step of what runs or ran last.
    pub fn steps(&self) -> &[Step] {
        match (&self.op, &self.service) {
            (Some(op), _) if !op.seen.steps.is_empty() => &op.seen.steps,
            (_, Some(seen)) => &seen.steps,
            _ => &[],
        }
    }

    /// True when the row passes the filter (see `domain::filter` for the language).
    pub fn matches(&self, filter: &crate::domain::filter::Filter) -> bool {
        if filter.is_empty() {
            return true;
        }
        let offer = self.id.to_string();
        let status = self.state().label();
        filter.matches(&crate::domain::filter::Subject {
            offer: &offer,
            publisher: self.id.publisher(),
            status: &status,
            backend: self.backend.as_str(),
            emails: &self.emails,
        })
    }
}

/// What a row shows in its status column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowState {
    Loading,
    Error,
    Submitting(OpKind),
    Running(OpKind),
    /// Running, and the user asked for a cancel that has not landed yet.
    Canceling,
    /// Running, but a step is blocked with an error.
    Blocked,
    Retrying(u32),
    Rejected(usize),
    /// A start failed before the service began anything (not a rejection).
    NotSent(OpKind),
    /// The operation can no longer be followed (its reason is on the row).
    Lost,
    ReadyForGoLive,
    Live,
    Failed,
    Canceled,
    NeverPublished,
    Idle,
    Unknown(String),
}

impl RowState {
    pub fn from_status(status: &Status, kind: OpKind) -> RowState {
        match status {
            Status::WaitingForPublisherReview => RowState::ReadyForGoLive,
            Status::Succeeded => RowState::Live,
            Status::Failed => RowState::Failed,
            Status::Canceled => RowState::Canceled,
            Status::NeverPublished => RowState::NeverPublished,
            Status::Running | Status::NotStarted => RowState::Running(kind),
            Status::Unknown(raw) if raw.is_empty() => RowState::Idle,
            Status::Unknown(raw) => RowState::Unknown(truncate(&sanitize_line(raw), 24)),
        }
    }

    /// Where the state sorts by status: problems first, then what runs, what waits for
    /// go-live, what is done, what never ran.
    pub fn rank(&self) -> u8 {
        match self {
            RowState::Error
            | RowState::Failed
            | RowState::Rejected(_)
            | RowState::NotSent(_)
            | RowState::Lost => 0,
            RowState::Blocked | RowState::Retrying(_) => 1,
            RowState::Submitting(_) | RowState::Running(_) | RowState::Canceling => 2,
            RowState::ReadyForGoLive => 3,
            RowState::Canceled => 4,
            RowState::Live => 5,
            RowState::Unknown(_) => 6,
            RowState::NeverPublished | RowState::Idle | RowState::Loading => 7,
        }
    }

    pub fn label(&self) -> String {
        match self {
            RowState::Loading => "loading".into(),
            RowState::Error => "error".into(),
            RowState::Submitting(OpKind::Cancel) => "asking to cancel".into(),
            RowState::Submitting(kind) => format!("starting {kind}"),
            RowState::Running(OpKind::GoLive) => "going live".into(),
            RowState::Running(OpKind::Cancel) | RowState::Canceling => "canceling".into(),
            RowState::Running(OpKind::Publish) => "publishing".into(),
            RowState::Blocked => "blocked".into(),
            RowState::Retrying(n) => format!("retrying ({n})"),
            RowState::Rejected(_) => "rejected".into(),
            RowState::NotSent(kind) => format!("{kind} not sent"),
            RowState::Lost => "not followed".into(),
            RowState::ReadyForGoLive => "ready for go-live".into(),
            RowState::Live => "live".into(),
            RowState::Failed => "failed".into(),
            RowState::Canceled => "canceled".into(),
            RowState::NeverPublished => "never published".into(),
            RowState::Idle => "idle".into(),
            RowState::Unknown(raw) => raw.clone(),
        }
    }
}
