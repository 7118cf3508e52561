//! The engine's state, as plain data changed by plain methods: every offer's truth and each
//! API's reachability. The actor (`mod.rs`) feeds it what the network and the store say and
//! sends on the events it returns; tests drive it the same way without a network.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::events::{EngineEvent, News};
use super::offer::{Activity, OfferState};
use super::problem::Problem;
use super::start::StartOutcome;
use crate::domain::{BackendKind, Change, Observation, OfferId, OpKind, Operation, StartFailure};

mod polls;

/// Whether one API answers, judged from every request sent to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Reach {
    /// Since when no request got an answer; `None` while (or once) one does.
    unreachable_since: Option<DateTime<Utc>>,
    /// When the engine asks it again, while it is unreachable.
    next_try: Option<DateTime<Utc>>,
    /// When a request of this process last got an answer.
    last_answer: Option<DateTime<Utc>>,
    /// Another offerdeck on the folder finds it unreachable since then (with its next try):
    /// this one, whose operations that one polls, may send nothing to find out.
    elsewhere: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
}

impl Reach {
    /// What the front ends are told: this process's finding, else another one's that no answer
    /// here since contradicts.
    fn shown(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        if self.unreachable_since.is_some() {
            return (self.unreachable_since, self.next_try);
        }
        match self.elsewhere {
            Some((since, next)) if self.last_answer.is_none_or(|a| a < since) => {
                (Some(since), next)
            }
            _ => (None, None),
        }
    }
}

/// What a poll brought, for the actor to act on.
#[derive(Debug, Clone)]
pub struct Polled {
    pub events: Vec<EngineEvent>,
    /// What the poll changed (the store is written when `durable`).
    pub change: Option<Change>,
    /// The operation as it stands now, when the offer still follows it.
    pub operation: Option<Operation>,
    /// What people are to be told (the operation reached an end or sign-off): the one rule
    /// for every front end.
    pub notice: Option<super::notify::Notice>,
}

/// Every tracked offer's truth, in the order they were first tracked.
#[derive(Debug, Clone, Default)]
pub struct Book {
    offers: Vec<OfferState>,
    index: HashMap<OfferId, usize>,
    reach: HashMap<BackendKind, Reach>,
}

fn snapshot(state: &OfferState) -> EngineEvent {
    EngineEvent::Offer(Box::new(state.clone()))
}

fn news(offer: &OfferId, news: News) -> EngineEvent {
    EngineEvent::News {
        offer: Some(offer.clone()),
        news,
    }
}

impl Book {
    /// A book of these offers, nothing known of them yet.
    pub fn new(offers: impl IntoIterator<Item = (OfferId, BackendKind)>) -> Book {
        let mut book = Book::default();
        for (id, backend) in offers {
            book.entry(&id, backend);
        }
        book
    }

    /// Every offer, in the order they were first tracked.
    pub fn offers(&self) -> &[OfferState] {
        &self.offers
    }

    pub fn get(&self, id: &OfferId) -> Option<&OfferState> {
        self.index.get(id).map(|&i| &self.offers[i])
    }

    fn get_mut(&mut self, id: &OfferId) -> Option<&mut OfferState> {
        self.index.get(id).map(|&i| &mut self.offers[i])
    }

    /// The offer's state, tracked from now on if it was not (an operation of the state store
    /// on an offer the config does not have).
    fn entry(&mut self, id: &OfferId, backend: BackendKind) -> &mut OfferState {
        let i = match self.index.get(id) {
            Some(&i) => i,
            None => {
                self.offers.push(OfferState::new(id.clone(), backend));
                self.index.insert(id.clone(), self.offers.len() - 1);
                self.offers.len() - 1
            }
        };
        &mut self.offers[i]
    }

    /// Tracks an offer (added to the config while running); nothing when it is tracked.
    /// What the listings said of each offer's move to Partner Center; a snapshot of each
    /// tracked offer it changes.
    pub fn listed(&mut self, migrated: Vec<(OfferId, bool)>) -> Vec<EngineEvent> {
        let mut events = Vec::new();
        for (id, moved) in migrated {
            if let Some(state) = self.get_mut(&id)
                && state.migrated != Some(moved)
            {
                state.migrated = Some(moved);
                events.push(snapshot(state));
            }
        }
        events
    }

    pub fn track(&mut self, id: &OfferId, backend: BackendKind) -> Vec<EngineEvent> {
        if self.index.contains_key(id) {
            return Vec::new();
        }
        vec![snapshot(self.entry(id, backend))]
    }

    /// Takes in what the state store knows: the newest operation of each offer (ended or not)
    /// and the starts the service did not take. Returns the unfinished operations to follow:
    /// the newest of each offer, unless the offer already follows something newer.
    pub fn restore(
        &mut self,
        operations: Vec<Operation>,
        failures: Vec<StartFailure>,
    ) -> (Vec<EngineEvent>, Vec<Operation>) {
        let mut follow: Vec<Operation> = Vec::new();
        let mut touched: Vec<OfferId> = Vec::new();
        let mut operations = operations;
        operations.sort_by_key(|o| o.started_at);
        for operation in operations.into_iter().filter(|o| o.kind != OpKind::Cancel) {
            let state = self.entry(&operation.offer, operation.backend);
            // A start of ours on its way is recorded by us; anything else newer than what the
            // offer has (even while it follows an older one) is the offer's news: another
            // offerdeck's publish is followed, not an old operation it overtook.
            let submitting = matches!(state.activity, Activity::Submitting(_));
            let newer = state.op.as_ref().is_none_or(|op| {
                // The same URL with a later start: a new run on it (the store keeps a run's
                // earliest start, so only another run starts later).
                let again = op.pointer == operation.pointer && operation.started_at > op.started_at;
                again || (op.pointer != operation.pointer && op.started_at <= operation.started_at)
            });
            if submitting || !newer {
                continue;
            }
            let offer = operation.offer.clone();
            follow.retain(|o| o.offer != offer);
            if !operation.finished {
                follow.push(operation.clone());
            }
            if state.activity == Activity::Following {
                state.activity = Activity::Idle;
                state.retrying = None;
                state.followed_elsewhere = false;
            }
            state.op = Some(operation);
            if !touched.contains(&offer) {
                touched.push(offer);
            }
        }
        for failure in failures {
            let offer = failure.offer.clone();
            if let Some(state) = self.get_mut(&offer)
                && state
                    .failed_start
                    .as_ref()
                    .is_none_or(|f| f.at < failure.at)
            {
                state.failed_start = Some(failure);
                if !touched.contains(&offer) {
                    touched.push(offer);
                }
            }
        }
        for operation in &follow {
            if let Some(state) = self.get_mut(&operation.offer) {
                state.activity = Activity::Following;
            }
        }
        let events = touched
            .iter()
            .filter_map(|id| self.get(id))
            .map(snapshot)
            .collect();
        (events, follow)
    }

    /// The offer's operation is known but nobody here follows it.
    pub fn unfollowed(&mut self, id: &OfferId) {
        if let Some(state) = self.get_mut(id)
            && state.activity == Activity::Following
        {
            state.activity = Activity::Idle;
        }
    }

    /// An operation no longer followed, to be tried once more (Ctrl-r): when the service still
    /// knows it, it is followed again; when not, it is lost again at once.
    pub fn retake(&mut self, id: &OfferId) -> Option<Operation> {
        let state = self.get_mut(id)?;
        if state.activity != Activity::Idle {
            return None;
        }
        let op = state
            .op
            .as_mut()
            .filter(|o| o.lost.is_some() || !o.finished)?;
        if op.lost.take().is_some() {
            op.finished = false;
        }
        state.activity = Activity::Following;
        Some(op.clone())
    }

    /// Like `unfollowed`, with the offer's new state as an event.
    pub fn unfollowed_now(&mut self, id: &OfferId) -> Vec<EngineEvent> {
        self.unfollowed(id);
        self.get(id).map(snapshot).into_iter().collect()
    }

    /// After a status read: an unfinished operation that nothing follows, which the service
    /// shows as no longer running (it ended while nobody watched), takes that end. Returns the
    /// operation when it changed, to be recorded.
    pub fn take_ended_unfollowed(&mut self, id: &OfferId, now: DateTime<Utc>) -> Option<Operation> {
        let state = self.get_mut(id)?;
        if state.activity == Activity::Following {
            return None;
        }
        let seen = state.service.clone().filter(|s| !s.status.is_active())?;
        let op = state
            .op
            .as_mut()
            .filter(|o| !o.finished && o.lost.is_none())?;
        if !op.kind.ends_at(&seen.status) {
            return None;
        }
        op.apply(seen, now);
        Some(op.clone())
    }

    /// The offer's status is being read.
    pub fn loading(&mut self, id: &OfferId) -> Vec<EngineEvent> {
        let Some(state) = self.get_mut(id) else {
            return Vec::new();
        };
        if state.activity == Activity::Idle {
            state.activity = Activity::Loading;
        }
        vec![snapshot(state)]
    }

    /// The offer's status, read. Returns whether the service runs something on it that the
    /// offer does not follow (the portal, another tool): worth looking for.
    pub fn status_read(
        &mut self,
        id: &OfferId,
        result: Result<Observation, Problem>,
        now: DateTime<Utc>,
    ) -> (Vec<EngineEvent>, bool) {
        let Some(state) = self.get_mut(id) else {
            return (Vec::new(), false);
        };
        if state.activity == Activity::Loading {
            state.activity = Activity::Idle;
        }
        state.last_poll = Some(now);
        let mut untracked = false;
        match result {
            Ok(seen) => {
                untracked = seen.status.is_active()
                    && state.running().is_none()
                    && state.activity == Activity::Idle;
                state.service = Some(seen);
                state.service_at = Some(now);
                state.problem = None;
                state.last_ok = Some(now);
                if state.activity != Activity::Following {
                    state.retrying = None;
                }
            }
            Err(problem) => state.problem = Some((now, problem)),
        }
        (vec![snapshot(state)], untracked)
    }

    /// A start (or a cancel request) goes to the service.
    pub fn submitting(&mut self, id: &OfferId, kind: OpKind) -> Vec<EngineEvent> {
        let Some(state) = self.get_mut(id) else {
            return Vec::new();
        };
        match kind {
            // A cancel is a request on what is followed: it goes on being followed.
            OpKind::Cancel => state.asking_to_cancel = true,
            _ => state.activity = Activity::Submitting(kind),
        }
        vec![snapshot(state)]
    }

    /// The answer to a start or a cancel. Returns the operation to follow, when a new one is.
    pub fn start_answered(
        &mut self,
        id: &OfferId,
        kind: OpKind,
        result: Result<Option<StartOutcome>, Problem>,
        now: DateTime<Utc>,
    ) -> (Vec<EngineEvent>, Option<Operation>) {
        let Some(state) = self.get_mut(id) else {
            return (Vec::new(), None);
        };
        let mut events = Vec::new();
        let mut follow = None;
        if kind == OpKind::Cancel {
            state.asking_to_cancel = false;
        }
        match result {
            Ok(None) => {
                if let Activity::Submitting(_) = state.activity {
                    state.activity = Activity::Idle;
                }
                events.push(news(id, News::NothingToCancel));
            }
            Ok(Some(outcome)) => {
                let StartOutcome {
                    operation,
                    adopted,
                    not_recorded,
                    store_notices,
                } = outcome;
                let same = state
                    .op
                    .as_ref()
                    .is_some_and(|o| o.pointer == operation.pointer);
                let followed = same && state.activity == Activity::Following;
                if kind != OpKind::Cancel {
                    state.failed_start = None;
                    state.retrying = None;
                    state.problem = None;
                }
                let mut operation = operation;
                if kind == OpKind::Cancel
                    && let Some(known) = state.op.as_ref().filter(|_| same)
                {
                    // The cancel is a request on the operation as this side knows it.
                    let requested = operation.cancel_requested_at;
                    operation = known.clone();
                    operation.cancel_requested_at = requested.or(operation.cancel_requested_at);
                }
                state.op = Some(operation.clone());
                if !followed {
                    state.activity = Activity::Following;
                    follow = Some(operation.clone());
                }
                let url = operation.pointer.to_string();
                events.push(snapshot(state));
                // What the store could not do comes first: a front end that stops at the
                // acceptance has heard it by then.
                for message in store_notices {
                    events.push(news(id, News::StoreProblem(message)));
                }
                if let Some(e) = not_recorded {
                    events.push(news(
                        id,
                        News::NotRecorded {
                            kind,
                            operation_url: url,
                            message: e.to_string(),
                        },
                    ));
                }
                events.push(news(
                    id,
                    match kind {
                        OpKind::Cancel => News::CancelRequested,
                        _ => News::Accepted { kind, adopted },
                    },
                ));
                return (events, follow);
            }
            Err(problem) => {
                state.activity = if state.running().is_some() {
                    Activity::Following
                } else {
                    Activity::Idle
                };
                state.failed_start = Some(StartFailure {
                    offer: id.clone(),
                    kind,
                    at: now,
                    rejected: problem.is_rejection(),
                    // What the store keeps too (`start::failure_of`): the same after a restart.
                    message: problem.headline.clone(),
                    details: problem.details.clone(),
                    correlation_id: problem.correlation_id.clone(),
                });
                if !problem.is_rejection() {
                    state.problem = Some((now, problem.clone()));
                }
                events.push(news(id, News::StartFailed { kind, problem }));
            }
        }
        events.insert(0, snapshot(state));
        (events, follow)
    }

    /// An operation found running at the service that nothing here follows. Returns it when
    /// the offer is to follow it now.
    pub fn discovered(&mut self, operation: Operation) -> (Vec<EngineEvent>, Option<Operation>) {
        let id = operation.offer.clone();
        let state = self.entry(&id, operation.backend);
        if state.in_flight() {
            return (Vec::new(), None);
        }
        let kind = operation.kind;
        state.op = Some(operation.clone());
        state.activity = Activity::Following;
        (
            vec![snapshot(state), news(&id, News::FoundRunning { kind })],
            Some(operation),
        )
    }

    /// Follows an operation given by hand (`watch --url`), whatever the offer did before.
    pub fn follow_given(&mut self, operation: Operation) -> Vec<EngineEvent> {
        let state = self.entry(&operation.offer, operation.backend);
        state.op = Some(operation);
        state.activity = Activity::Following;
        vec![snapshot(state)]
    }
}
