//! The truth about one offer: what the service said of it last, the operation that runs or ran
//! on it, the last start the service did not take, and what is being asked. The engine holds
//! the one copy; the front ends get snapshots. Everything a view shows of an offer (its
//! standing, its reason, its progress) is derived here, so the dashboard, `status` and `watch`
//! say the same.

use chrono::{DateTime, Utc};

use super::problem::Problem;
use crate::domain::{
    BackendKind, Estimate, Estimates, Observation, OfferId, OpKind, Operation, Outlook, Phase,
    StartFailure, Status, Step, StepKey, ingestion_phase,
};
use crate::text::{sanitize_line, truncate};

/// What is being done for an offer on this side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Idle,
    /// Its status is being read.
    Loading,
    /// A start (or a cancel request) is on its way to the service.
    Submitting(OpKind),
    /// Its operation is followed.
    Following,
}

/// A request about the offer that failed and will be tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// How many times in a row it failed.
    pub attempt: u32,
    /// Why, in one plain line.
    pub reason: String,
    /// When the next try goes out, when known.
    pub until: Option<DateTime<Utc>>,
}

/// Everything known about one offer.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferState {
    pub id: OfferId,
    pub backend: BackendKind,
    pub activity: Activity,
    /// The offer's status as last read, with the steps of what ran last.
    pub service: Option<Observation>,
    /// When `service` was read.
    pub service_at: Option<DateTime<Utc>>,
    /// The newest operation known on the offer: running, or the last one that ended (from the
    /// state store after a restart).
    pub op: Option<Operation>,
    /// A poll or a read being retried.
    pub retrying: Option<Retry>,
    pub last_poll: Option<DateTime<Utc>>,
    /// When the service last answered well for this offer.
    pub last_ok: Option<DateTime<Utc>>,
    /// How long the follower waits after its last answer (polls follow the work).
    pub poll_every: Option<std::time::Duration>,
    /// The last start the service did not take (a 422, or a failure before any operation).
    pub failed_start: Option<StartFailure>,
    /// The last problem reading the offer or following its operation; cleared by a good answer.
    pub problem: Option<(DateTime<Utc>, Problem)>,
    /// Another offerdeck on the same data folder follows its operation; this one reads what
    /// that one records instead of polling too.
    pub followed_elsewhere: bool,
    /// The offer moved to Partner Center (its CPP listing says so): a publish's e-mails go to
    /// the seller contact, not to the addresses sent. `None` until the listing was read.
    pub migrated: Option<bool>,
    /// A cancel was sent and not answered yet (a throttled one waits out its Retry-After): the
    /// operation keeps being followed meanwhile.
    pub asking_to_cancel: bool,
}

impl OfferState {
    pub fn new(id: OfferId, backend: BackendKind) -> OfferState {
        OfferState {
            id,
            backend,
            activity: Activity::Idle,
            service: None,
            service_at: None,
            op: None,
            retrying: None,
            last_poll: None,
            last_ok: None,
            poll_every: None,
            failed_start: None,
            problem: None,
            followed_elsewhere: false,
            migrated: None,
            asking_to_cancel: false,
        }
    }

    /// An operation runs (or is being started or canceled) on the offer.
    pub fn in_flight(&self) -> bool {
        matches!(self.activity, Activity::Submitting(_)) || self.running().is_some()
    }

    /// The operation that runs now, if one does.
    pub fn running(&self) -> Option<&Operation> {
        self.op.as_ref().filter(|o| !o.finished && o.lost.is_none())
    }

    /// The service's status was read after `at`: it is newer knowledge than what happened then.
    fn read_since(&self, at: DateTime<Utc>) -> bool {
        // Strictly after: at the same instant the more specific knowledge (the operation,
        // the failed start) wins.
        self.service.is_some() && self.service_at.is_some_and(|t| t > at)
    }

    /// The failed start that stands as the offer's state: newer than any operation, and not
    /// overtaken by what the service says since (work in flight, or a preview waiting for
    /// sign-off, whoever started it).
    pub fn standing_failure(&self) -> Option<&StartFailure> {
        let f = self.failed_start.as_ref()?;
        if self.op.as_ref().is_some_and(|o| o.started_at > f.at) || self.running().is_some() {
            return None;
        }
        // A live offer overtakes a go-live that was not sent (someone else took it live); it
        // does not overtake a publish (the live version is an older one).
        let overtaken = self.read_since(f.at)
            && self.service.as_ref().is_some_and(|s| {
                s.status.is_active()
                    || s.status == Status::WaitingForPublisherReview
                    || (f.kind == OpKind::GoLive && s.status == Status::Succeeded)
            });
        (!overtaken).then_some(f)
    }

    /// A failed start that no longer stands but is worth showing beside the state (the last
    /// attempt), until a newer operation.
    pub fn earlier_failure(&self) -> Option<&StartFailure> {
        let f = self.failed_start.as_ref()?;
        if self.op.as_ref().is_some_and(|o| o.started_at > f.at) {
            return None;
        }
        self.standing_failure().is_none().then_some(f)
    }

    /// The operation whose end is still the offer's state: the service has not been read since
    /// it ended (or lost it), or says the same.
    fn ended_op(&self) -> Option<&Operation> {
        let op = self.op.as_ref().filter(|o| o.finished)?;
        match &self.service {
            Some(seen) if self.read_since(op.updated_at) => {
                let same = if op.lost.is_some() {
                    // A service that shows nothing of it (never published, or a word this
                    // version does not know) says nothing newer: "not followed" stands. Any
                    // other status is what became of it.
                    matches!(seen.status, Status::NeverPublished | Status::Unknown(_))
                } else {
                    // A cancelled first publish leaves nothing at the service (Product
                    // Ingestion lists no submission for it): "never published" agrees with it.
                    seen.status == op.seen.status
                        || (op.seen.status == Status::Canceled
                            && seen.status == Status::NeverPublished)
                };
                same.then_some(op)
            }
            _ => Some(op),
        }
    }

    /// What the offer's state is, from the most specific knowledge available.
    pub fn standing(&self) -> Standing {
        if let Activity::Submitting(kind) = self.activity {
            return Standing::Submitting(kind);
        }
        if self.asking_to_cancel {
            return Standing::Submitting(OpKind::Cancel);
        }
        if let Some(op) = self.running() {
            if let Some(retry) = &self.retrying {
                return Standing::Retrying(retry.attempt);
            }
            if op.seen.failure.is_some() {
                return Standing::Blocked;
            }
            if op.cancel_requested_at.is_some() {
                return Standing::Canceling;
            }
            return Standing::Running(op.kind);
        }
        if let Some(f) = self.standing_failure() {
            return match f.rejected {
                true => Standing::Rejected(f.details.len()),
                false => Standing::NotSent(f.kind),
            };
        }
        if let Some(op) = self.ended_op() {
            if op.lost.is_some() {
                return Standing::Lost;
            }
            return Standing::from_status(&op.seen.status, op.kind);
        }
        if self.activity == Activity::Loading && self.service.is_none() {
            return Standing::Loading;
        }
        match &self.service {
            Some(seen) => Standing::from_status(&seen.status, OpKind::Publish),
            None if self.problem.is_some() => Standing::Error,
            None => Standing::Loading,
        }
    }

    /// What the offer's state rests on: the operation while it runs or while its end is the
    /// newest news, else the offer's status.
    pub fn seen(&self) -> Option<&Observation> {
        match (self.running().or(self.ended_op()), &self.service) {
            (Some(op), _) => Some(&op.seen),
            (None, Some(seen)) => Some(seen),
            (None, None) => self.op.as_ref().map(|o| &o.seen),
        }
    }

    /// Why the offer failed or is blocked, when it is. A failed status with no reason of its own
    /// (the Product Ingestion API gives none for an offer) takes the reason of the operation
    /// that failed, which the state store keeps across restarts.
    pub fn failure(&self) -> Option<&str> {
        if let Some(reason) = self.seen().and_then(|s| s.failure.as_deref()) {
            return Some(reason);
        }
        let failed = self.standing() == Standing::Failed;
        self.op
            .as_ref()
            .filter(|o| failed && o.seen.status == Status::Failed)
            .and_then(|o| o.seen.failure.as_deref())
    }

    /// Why the offer stands as it does, in one line, when its state has a why: the failed
    /// start that stands (a rejection, a start not sent), an operation no longer followed, a
    /// failure or a blocked step, a request being retried, a read that failed. Every view gives
    /// this one (the row, the detail view, `offers`, `status`), so they cannot disagree.
    pub fn reason(&self) -> Option<String> {
        match self.standing() {
            Standing::Rejected(_) | Standing::NotSent(_) => {
                self.standing_failure().map(|f| f.message.clone())
            }
            Standing::Lost => self.op.as_ref().and_then(|o| o.lost.clone()),
            Standing::Retrying(_) => self.retrying.as_ref().map(|r| r.reason.clone()),
            Standing::Error => self.problem.as_ref().map(|(_, p)| p.message.clone()),
            _ => self.failure().map(str::to_string),
        }
    }

    /// The problems a rejection that stands listed, one line each (empty otherwise).
    pub fn rejection_details(&self) -> &[String] {
        match self.standing_failure() {
            Some(f) if f.rejected => &f.details,
            _ => &[],
        }
    }

    /// The phase of a Product Ingestion offer (that API reports no steps); `None` otherwise.
    pub fn phase(&self, now: DateTime<Utc>) -> Option<Phase> {
        if self.backend != BackendKind::Ingestion {
            return None;
        }
        let status = self
            .service
            .as_ref()
            .map(|s| s.status.clone())
            .unwrap_or_default();
        let op = self.running().or(self.ended_op());
        ingestion_phase(op, &status, now)
    }

    /// What the history says of the step (or phase) that runs now: its estimate, what it
    /// predicts, and the step's name. `None` without a running step or enough history.
    pub fn outlook(
        &self,
        estimates: &Estimates,
        now: DateTime<Utc>,
    ) -> Option<(Estimate, Outlook, String)> {
        let op = self.running()?;
        let step = op.seen.current_step.as_ref()?;
        let since = op.step_since.unwrap_or(op.started_at);
        let key = StepKey::new(&self.id, self.backend, op.kind, &step.id);
        let estimate = *estimates.get(&key)?;
        Some((estimate, estimate.outlook(now - since), step.name.clone()))
    }

    /// Overall progress, when something runs or ran. The Product Ingestion API reports none:
    /// `None` (never an invented 0 or 100).
    pub fn progress(&self) -> Option<u8> {
        if self.backend == BackendKind::Ingestion {
            return None;
        }
        if let Some(op) = self.running().or(self.ended_op()) {
            return Some(op.seen.progress);
        }
        self.service
            .as_ref()
            .filter(|s| s.status.is_active())
            .map(|s| s.progress)
    }

    /// The step being worked on, while something runs.
    pub fn current_step(&self) -> Option<&Step> {
        self.seen()
            .filter(|_| self.in_flight())
            .and_then(|s| s.current_step.as_ref())
    }

    /// Every step of what runs or ran last.
    pub fn steps(&self) -> &[Step] {
        match (self.running().or(self.ended_op()), &self.service) {
            (Some(op), _) if !op.seen.steps.is_empty() => &op.seen.steps,
            (_, Some(seen)) => &seen.steps,
            _ => &[],
        }
    }

    /// The operation a view shows (its URL, start, polls): the running one, else the last one
    /// known, unless a newer failed start stands instead.
    pub fn shown_op(&self) -> Option<&Operation> {
        self.running().or(self.op.as_ref())
    }

    /// How long the shown operation ran (or runs): to now while it runs, to its last news once
    /// it ended or was lost. Never shrinks while nothing new starts.
    pub fn elapsed(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        let op = self.shown_op()?;
        let end = if op.finished { op.updated_at } else { now };
        Some((end - op.started_at).max(chrono::Duration::zero()))
    }

    /// When the offer started waiting for publisher sign-off, when it does and that is known.
    pub fn waiting_for_signoff_since(&self) -> Option<DateTime<Utc>> {
        if self.standing() != Standing::ReadyForGoLive {
            return None;
        }
        self.op
            .as_ref()
            .filter(|o| {
                o.kind == OpKind::Publish && o.seen.status == Status::WaitingForPublisherReview
            })
            .map(|o| o.step_since.unwrap_or(o.updated_at))
    }
}

/// What an offer's state is, in the one vocabulary of every view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
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

impl Standing {
    pub fn from_status(status: &Status, kind: OpKind) -> Standing {
        match status {
            Status::WaitingForPublisherReview => Standing::ReadyForGoLive,
            Status::Succeeded => Standing::Live,
            Status::Failed => Standing::Failed,
            Status::Canceled => Standing::Canceled,
            Status::NeverPublished => Standing::NeverPublished,
            Status::Running | Status::NotStarted => Standing::Running(kind),
            Status::Unknown(raw) if raw.is_empty() => Standing::Idle,
            Status::Unknown(raw) => Standing::Unknown(truncate(&sanitize_line(raw), 24)),
        }
    }

    /// Where the state sorts by status: problems first, then what runs, what waits for
    /// go-live, what is done, what never ran.
    pub fn rank(&self) -> u8 {
        match self {
            Standing::Error
            | Standing::Failed
            | Standing::Rejected(_)
            | Standing::NotSent(_)
            | Standing::Lost => 0,
            Standing::Blocked | Standing::Retrying(_) => 1,
            Standing::Submitting(_) | Standing::Running(_) | Standing::Canceling => 2,
            Standing::ReadyForGoLive => 3,
            Standing::Canceled => 4,
            Standing::Live => 5,
            Standing::Unknown(_) => 6,
            Standing::NeverPublished | Standing::Idle | Standing::Loading => 7,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Standing::Loading => "loading".into(),
            Standing::Error => "error".into(),
            Standing::Submitting(OpKind::Cancel) => "asking to cancel".into(),
            Standing::Submitting(kind) => format!("starting {kind}"),
            Standing::Running(OpKind::GoLive) => "going live".into(),
            Standing::Running(OpKind::Cancel) | Standing::Canceling => "canceling".into(),
            Standing::Running(OpKind::Publish) => "publishing".into(),
            Standing::Blocked => "blocked".into(),
            Standing::Retrying(n) => format!("retrying ({n})"),
            Standing::Rejected(_) => "rejected".into(),
            Standing::NotSent(kind) => format!("{kind} not sent"),
            Standing::Lost => "not followed".into(),
            Standing::ReadyForGoLive => "ready for go-live".into(),
            Standing::Live => "live".into(),
            Standing::Failed => "failed".into(),
            Standing::Canceled => "canceled".into(),
            Standing::NeverPublished => "never published".into(),
            Standing::Idle => "idle".into(),
            Standing::Unknown(raw) => raw.clone(),
        }
    }
}

#[cfg(test)]
#[path = "offer_tests.rs"]
mod tests;
