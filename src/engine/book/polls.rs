//! The book's half that follows: what a poll, a retry or a stop does to an offer's operation,
//! another process following it, and each API's reachability from every request.

use chrono::{DateTime, Utc};

use super::{Book, Polled, Reach, news, snapshot};
use crate::domain::{BackendKind, Observation, OfferId};
use crate::engine::events::{EngineEvent, News};
use crate::engine::offer::{Activity, Retry};
use crate::engine::problem::Problem;

impl Book {
    /// A poll of the operation at `pointer` answered (or failed, for good or not).
    pub fn polled(
        &mut self,
        id: &OfferId,
        pointer: &url::Url,
        result: Result<Observation, Problem>,
        now: DateTime<Utc>,
    ) -> Polled {
        let none = Polled {
            events: Vec::new(),
            change: None,
            operation: None,
            notice: None,
        };
        let Some(state) = self.get_mut(id) else {
            return none;
        };
        let Some(op) = state.op.as_mut().filter(|o| &o.pointer == pointer) else {
            // A newer operation is followed: this one's news is old.
            return none;
        };
        let seen = match result {
            Ok(seen) => seen,
            Err(problem) => {
                let operation = Some(op.clone());
                state.last_poll = Some(now);
                state.problem = Some((now, problem));
                return Polled {
                    events: vec![snapshot(state)],
                    change: None,
                    operation,
                    notice: None,
                };
            }
        };
        let before = op.seen.status.clone();
        let change = op.apply(seen, now);
        let status = op.seen.status.clone();
        let (kind, failure, asked) = (
            op.kind,
            op.seen.failure.clone(),
            op.cancel_requested_at.is_some(),
        );
        let operation = op.clone();
        let was_retrying = state.retrying.take().is_some();
        let had_problem = state.problem.take().is_some();
        state.last_poll = Some(now);
        state.last_ok = Some(now);
        if operation.finished {
            state.activity = Activity::Idle;
        }
        let mut events = Vec::new();
        if change.visible || was_retrying || had_problem || operation.finished {
            events.push(snapshot(state));
        }
        let notice = (before != status)
            .then(|| crate::engine::notify::Notice::of(&operation))
            .flatten();
        if before != status {
            events.push(news(
                id,
                News::StatusChanged {
                    kind,
                    status,
                    failure,
                    asked_to_cancel: asked,
                },
            ));
        }
        Polled {
            events,
            change: Some(change),
            operation: Some(operation),
            notice,
        }
    }

    /// The last good answer came at `at`, not now (read from another offerdeck's records).
    pub fn answered_at(&mut self, id: &OfferId, at: DateTime<Utc>) {
        if let Some(state) = self.get_mut(id) {
            state.last_ok = Some(at);
        }
    }

    /// When the follower polls next (said to the views: "next in …"), after a good poll.
    pub fn next_poll(&mut self, id: &OfferId, wait: std::time::Duration) -> Vec<EngineEvent> {
        let Some(state) = self.get_mut(id) else {
            return Vec::new();
        };
        state.poll_every = Some(wait);
        match state.last_ok {
            Some(at) => vec![EngineEvent::Polled {
                offer: id.clone(),
                at,
                next_poll: wait,
            }],
            None => Vec::new(),
        }
    }

    /// A request about the offer failed and will be tried again.
    pub fn retrying(
        &mut self,
        id: &OfferId,
        reason: &str,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Vec<EngineEvent> {
        let Some(state) = self.get_mut(id) else {
            return Vec::new();
        };
        let attempt = state.retrying.as_ref().map_or(1, |r| r.attempt + 1);
        state.last_poll = Some(now);
        state.retrying = Some(Retry {
            attempt,
            reason: crate::text::sanitize_line(reason),
            until,
        });
        vec![snapshot(state)]
    }

    /// The follower of the operation at `pointer` stopped: it ended, or was given up
    /// (`problem`: it is over for this side, whatever the service does).
    pub fn stopped(
        &mut self,
        id: &OfferId,
        pointer: &url::Url,
        problem: Option<Problem>,
        now: DateTime<Utc>,
    ) -> Vec<EngineEvent> {
        let Some(state) = self.get_mut(id) else {
            return Vec::new();
        };
        let Some(op) = state.op.as_mut().filter(|o| &o.pointer == pointer) else {
            return Vec::new();
        };
        // Not followed any more: over for this side (p and r work again), whatever happens at
        // the service; only a permanent loss is recorded so (`lost`), and `Recheck` tries
        // again. Its time ends here: the elapsed time never goes back.
        if let Some(p) = &problem
            && !op.finished
        {
            op.lose(&p.message);
            op.updated_at = now;
        }
        state.retrying = None;
        if state.activity == Activity::Following {
            state.activity = Activity::Idle;
        }
        let mut events = Vec::new();
        if let Some(p) = problem {
            state.problem = Some((now, p.clone()));
            events.push(snapshot(state));
            events.push(news(id, News::StoppedFollowing { problem: p }));
        } else {
            events.push(snapshot(state));
        }
        events
    }

    /// Another offerdeck follows the offer's operation (or stopped doing so).
    pub fn followed_elsewhere(&mut self, id: &OfferId, elsewhere: bool) -> Vec<EngineEvent> {
        match self.get_mut(id) {
            Some(state) if state.followed_elsewhere != elsewhere => {
                state.followed_elsewhere = elsewhere;
                vec![snapshot(state)]
            }
            _ => Vec::new(),
        }
    }

    /// A request to an API got an answer (any HTTP status) or none.
    pub fn call(
        &mut self,
        api: BackendKind,
        answered: bool,
        at: DateTime<Utc>,
    ) -> Vec<EngineEvent> {
        self.reach_change(api, |reach| {
            if answered {
                reach.unreachable_since = None;
                reach.next_try = None;
                reach.last_answer = Some(at);
            } else {
                reach.unreachable_since.get_or_insert(at);
            }
        })
    }

    /// The engine asks an unreachable API again at `at`: said with its reachability.
    pub fn next_try(&mut self, api: BackendKind, at: DateTime<Utc>) -> Vec<EngineEvent> {
        self.reach_change(api, |reach| {
            if reach.unreachable_since.is_some() {
                reach.next_try = Some(at);
            }
        })
    }

    /// What another offerdeck on the folder finds of `api` (`None`: nothing, or that it answers).
    pub fn reach_elsewhere(
        &mut self,
        api: BackendKind,
        found: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    ) -> Vec<EngineEvent> {
        self.reach_change(api, |reach| reach.elsewhere = found)
    }

    /// Applies `change` to what is known of `api`; the front ends hear when what they are told
    /// changes.
    fn reach_change(
        &mut self,
        api: BackendKind,
        change: impl FnOnce(&mut Reach),
    ) -> Vec<EngineEvent> {
        let reach = self.reach.entry(api).or_default();
        let before = reach.shown();
        change(reach);
        let (unreachable_since, next_try) = reach.shown();
        if before == (unreachable_since, next_try) {
            return Vec::new();
        }
        vec![EngineEvent::Reachability {
            api,
            unreachable_since,
            next_try,
        }]
    }

    /// Since when an API has not answered, if it has not.
    pub fn unreachable_since(&self, api: BackendKind) -> Option<DateTime<Utc>> {
        self.reach.get(&api).and_then(|r| r.unreachable_since)
    }

    /// When an unreachable `api` is asked again, if that is set.
    pub fn next_try_of(&self, api: BackendKind) -> Option<DateTime<Utc>> {
        self.reach.get(&api).and_then(|r| r.next_try)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap_or_default()
    }

    fn shown(events: &[EngineEvent]) -> Option<Option<DateTime<Utc>>> {
        events.iter().rev().find_map(|e| match e {
            EngineEvent::Reachability {
                unreachable_since, ..
            } => Some(*unreachable_since),
            _ => None,
        })
    }

    #[test]
    fn another_process_finding_counts_until_an_answer_here_says_otherwise() {
        let mut book = Book::default();
        let cpp = BackendKind::Cpp;
        // Answered here at 10; the other process finds it unreachable since 20: said.
        book.call(cpp, true, at(10));
        let events = book.reach_elsewhere(cpp, Some((at(20), Some(at(25)))));
        assert_eq!(shown(&events), Some(Some(at(20))));
        // An answer here at 30 is newer evidence: reachable, whatever the other one says.
        assert_eq!(shown(&book.call(cpp, true, at(30))), Some(None));
        assert!(book.reach_elsewhere(cpp, Some((at(20), None))).is_empty());
        // This process's own finding comes first, and probes are its own business.
        assert_eq!(shown(&book.call(cpp, false, at(40))), Some(Some(at(40))));
        assert_eq!(book.unreachable_since(cpp), Some(at(40)));
        assert!(book.reach_elsewhere(cpp, None).is_empty());
    }
}
