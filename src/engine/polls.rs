//! The actor's following: poll tasks started and paced, each answer applied to the one copy
//! of the operation, the store written, people told, waits placed on the offer they are about.

use tokio::sync::oneshot;

use crate::domain::Status;

use super::*;

/// The shortest wait of a follower parked on its API's outage: the probe is due (or overdue) now.
const OUTAGE_POLL_MIN: std::time::Duration = std::time::Duration::from_millis(500);

impl Actor {
    /// Starts following an operation (replacing whatever the offer followed).
    pub(super) fn follow(&mut self, operation: Operation) -> Vec<EngineEvent> {
        let now = self.now();
        if let Some(old) = self.followers.remove(&operation.offer) {
            old.cancel.cancel();
            if old.pointer != operation.pointer {
                self.unlease(&old.pointer);
            }
        }
        let backend = match self.setup.backends.require(operation.backend) {
            Ok(b) => b.clone(),
            Err(e) => {
                let (offer, pointer) = (&operation.offer, &operation.pointer);
                return self
                    .book
                    .stopped(offer, pointer, Some(Problem::from(e)), now);
            }
        };
        // A stored pointer is checked again before any token goes with it: one that fails is
        // lost for good (and recorded so), never polled.
        if let Err(e) = backend.check_pointer(&operation.pointer) {
            let (offer, pointer) = (operation.offer.clone(), operation.pointer.clone());
            let mut events = self
                .book
                .stopped(&offer, &pointer, Some(Problem::from(e)), now);
            if let Some(op) = self.book.get(&offer).and_then(|s| s.op.clone()) {
                events.extend(self.record(&offer, &op));
            }
            return events;
        }
        let policy = self.setup.policies.of(operation.backend);
        let cancel = self.root.child_token();
        let wake = std::sync::Arc::new(tokio::sync::Notify::new());
        self.followers.insert(
            operation.offer.clone(),
            Follower {
                pointer: operation.pointer.clone(),
                cancel: cancel.clone(),
                failures: 0,
                waits: policy.retry().waits(),
                history: StepHistory::default(),
                store_failing: false,
                unknown_polls: 0,
                written_at: None,
                wake: wake.clone(),
                parked: false,
            },
        );
        tokio::spawn(follow::poll_task(
            backend,
            Some(self.setup.store.clone()),
            self.holder.clone(),
            operation,
            self.setup.clock.clone(),
            (cancel, wake),
            self.reports.clone(),
        ));
        Vec::new()
    }

    /// Gives up this process's lease on polling the operation at `pointer`: it follows it no
    /// more, and another offerdeck on the folder may take it at once.
    pub(super) fn unlease(&self, pointer: &url::Url) {
        if let Err(e) = self.setup.store.release(pointer, &self.holder) {
            tracing::debug!(error = %e, "could not release the lease");
        }
    }

    pub(super) fn polled(
        &mut self,
        offer: OfferId,
        pointer: url::Url,
        result: Result<Observation, ApiError>,
        (elsewhere, answered_at): (bool, Option<DateTime<Utc>>),
        reply: oneshot::Sender<Next>,
    ) -> Vec<EngineEvent> {
        let now = self.now();
        let current = self
            .followers
            .get(&offer)
            .is_some_and(|f| f.pointer == pointer);
        if !current {
            let _ = reply.send(Next::Stop);
            return Vec::new();
        }
        let kind = self.book.get(&offer).map(|s| s.backend).unwrap_or_default();
        let policy = self.setup.policies.of(kind);
        let mut events = self.book.followed_elsewhere(&offer, elsewhere);
        match result {
            Ok(seen) => {
                let polled = self.book.polled(&offer, &pointer, Ok(seen), now);
                if let Some(at) = answered_at {
                    self.book.answered_at(&offer, at);
                }
                events.extend(polled.events);
                let Some(operation) = polled.operation else {
                    // The offer follows a newer operation now: this one is polled no more.
                    let _ = reply.send(Next::Stop);
                    self.followers.remove(&offer);
                    self.unlease(&pointer);
                    return events;
                };
                if let Some(f) = self.followers.get_mut(&offer) {
                    f.failures = 0;
                    f.waits = policy.retry().waits();
                    f.parked = false;
                }
                // What a resume needs is written at once, and the rest (progress, that it was
                // polled at all) at most every few seconds: another offerdeck reading these
                // records (and `status`) is never far behind, and sees when they stop coming.
                let durable = polled.change.is_some_and(|c| c.durable);
                let progress_due = self
                    .followers
                    .get(&offer)
                    .is_none_or(|f| f.written_at.is_none_or(|t| now - t >= RECORD_EVERY));
                if (durable || progress_due) && !elsewhere {
                    events.extend(self.record(&offer, &operation));
                    if let Some(f) = self.followers.get_mut(&offer) {
                        f.written_at = Some(now);
                    }
                }
                if let Some(notice) = polled.notice {
                    events.extend(self.notify(notice));
                }
                if operation.finished {
                    let _ = reply.send(Next::Stop);
                    self.followers.remove(&offer);
                    self.unlease(&pointer);
                    events.extend(self.book.stopped(&offer, &pointer, None, now));
                    // Its end is news for the offer's status, and one more run for the history.
                    events.extend(self.refresh(&offer));
                    self.load_estimates();
                    return events;
                }
                let unknown = matches!(&operation.seen.status, Status::Unknown(_));
                if !unknown && let Some(f) = self.followers.get_mut(&offer) {
                    f.unknown_polls = 0;
                }
                let wait = if unknown {
                    // A state this version does not know says nothing of when it ends: looked
                    // at less and less often (doubling, up to five minutes or the ceiling),
                    // never at the floor for ever.
                    let polls = self.followers.get_mut(&offer).map_or(1, |f| {
                        f.unknown_polls += 1;
                        f.unknown_polls
                    });
                    unknown_wait(policy.cadence, polls)
                } else if policy.cadence.is_fixed() {
                    policy.cadence.floor
                } else {
                    let store = Some(&self.setup.store);
                    let past = self
                        .followers
                        .get_mut(&offer)
                        .and_then(|f| f.history.of(store, &operation));
                    let expected = Expectation::of(&operation, past.as_ref(), now);
                    policy.cadence.next_wait(&operation, expected, now)
                };
                events.extend(self.book.next_poll(&offer, wait));
                let _ = reply.send(Next::After {
                    operation: Box::new(operation),
                    wait,
                });
            }
            Err(error) => {
                // The whole API does not answer and is being probed: the follower waits for the
                // probe (its next try is the header's) and is woken at the first answer; an
                // outage counts against no operation, however long it lasts.
                let outage = matches!(error, ApiError::Unreachable { .. })
                    && self.book.unreachable_since(kind).is_some()
                    && self.probes.contains_key(&kind);
                let probe_in = self
                    .book
                    .next_try_of(kind)
                    .and_then(|at| (at - now).to_std().ok())
                    .unwrap_or_default()
                    .max(OUTAGE_POLL_MIN);
                let next = match self.followers.get_mut(&offer) {
                    Some(f) if outage => {
                        f.parked = true;
                        Some(probe_in)
                    }
                    Some(f) if error.is_transient() => {
                        f.failures += 1;
                        f.waits.next(None)
                    }
                    _ => None,
                };
                let problem = Problem::from(&error);
                match next {
                    Some(wait) => {
                        tracing::warn!(url = %pointer, error = %error, "poll failed; backing off");
                        let until = chrono::Duration::from_std(wait).ok().map(|w| now + w);
                        events.extend(self.book.retrying(&offer, &problem.message, until, now));
                        let operation = self.book.get(&offer).and_then(|s| s.op.clone());
                        match operation {
                            Some(operation) => {
                                let _ = reply.send(Next::After {
                                    operation: Box::new(operation),
                                    wait,
                                });
                            }
                            None => {
                                let _ = reply.send(Next::Stop);
                            }
                        }
                    }
                    None => {
                        tracing::warn!(url = %pointer, error = %error, "stopped following");
                        let _ = reply.send(Next::Stop);
                        self.followers.remove(&offer);
                        self.unlease(&pointer);
                        let lost = error.is_permanent();
                        events.extend(self.book.stopped(&offer, &pointer, Some(problem), now));
                        if lost && let Some(op) = self.book.get(&offer).and_then(|s| s.op.clone()) {
                            events.extend(self.record(&offer, &op));
                            // What the offer is in now is the service's word: read at once, so
                            // this row says what a restart or `status` says (the lost operation
                            // stays on the row as the last one, with why).
                            events.extend(self.refresh(&offer));
                        }
                    }
                }
            }
        }
        events
    }

    /// Writes the operation to the store; a failure is said once per run of failures.
    pub(super) fn record(&mut self, offer: &OfferId, operation: &Operation) -> Vec<EngineEvent> {
        let store = &self.setup.store;
        let mut problems = store.take_notices();
        let failing = match store.upsert(operation) {
            Ok(()) => false,
            Err(e) => {
                tracing::error!(error = %e, "could not update the state store");
                let said = self.followers.get(offer).is_some_and(|f| f.store_failing);
                if !said {
                    problems.push(format!(
                        "progress not recorded: {e}; a restart may not know how far it got"
                    ));
                }
                true
            }
        };
        if let Some(f) = self.followers.get_mut(offer) {
            f.store_failing = failing;
        }
        problems.extend(store.take_notices());
        problems
            .into_iter()
            .map(|m| EngineEvent::News {
                offer: Some(offer.clone()),
                news: News::StoreProblem(m),
            })
            .collect()
    }

    /// Tells people (webhook, command, desktop) what the book decided they hear of.
    pub(super) fn notify(&self, notice: Notice) -> Vec<EngineEvent> {
        if let Some(notifier) = self.setup.notifier.clone() {
            let notice = notice.clone();
            // Straight to the front end: once `settle` returns, what failed is in its queue.
            let events = self.events.clone();
            self.sending.spawn(async move {
                for problem in notifier.send(&notice).await {
                    let news = News::NotifyProblem(problem);
                    let _ = events.send(EngineEvent::News { offer: None, news }).await;
                }
            });
        }
        if self.setup.desktop {
            vec![EngineEvent::Desktop(notice)]
        } else {
            Vec::new()
        }
    }

    /// A request waits before a retry: on the row it is about when one is, else for all.
    pub(super) fn waiting(
        &mut self,
        notice: crate::api::http::transport::WaitNotice,
    ) -> Vec<EngineEvent> {
        let now = self.now();
        let offer = self.offer_of(&notice.url);
        let until = notice
            .until
            .with_timezone(&chrono::Local)
            .format("%H:%M:%S")
            .to_string();
        let reason =
            crate::text::sanitize_line(&format!("waiting until {until} ({})", notice.reason));
        let mut events = match &offer {
            Some(offer) => self.book.retrying(offer, &reason, Some(notice.until), now),
            None => Vec::new(),
        };
        // A long wait is said for all too (the header's ⏳ line): nothing moves until then.
        if notice.wait >= crate::api::http::transport::NOTICEABLE_WAIT {
            events.push(EngineEvent::Waiting {
                until: notice.until,
                reason,
            });
        }
        events
    }

    /// The tracked offer a request URL is about: a followed operation's, or the offer a CPP
    /// path names.
    pub(super) fn offer_of(&self, url: &url::Url) -> Option<OfferId> {
        let by_pointer = self.book.offers().iter().find(|s| {
            s.op.as_ref()
                .is_some_and(|o| o.pointer.path() == url.path())
        });
        if let Some(state) = by_pointer {
            return Some(state.id.clone());
        }
        let (publisher, offer) = crate::api::http::pointer::offer_of(url)?;
        let id = OfferId::new(&publisher, &offer).ok()?;
        self.book.get(&id).map(|s| s.id.clone())
    }
}

/// The wait after the `polls`th poll in a row that found a state this version does not know.
fn unknown_wait(cadence: crate::domain::Cadence, polls: u32) -> std::time::Duration {
    let cap = cadence.ceiling.max(std::time::Duration::from_secs(300));
    cadence
        .floor
        .saturating_mul(2u32.saturating_pow(polls.min(20)))
        .min(cap)
        .max(cadence.floor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_state_nobody_knows_is_looked_at_less_and_less_often() {
        let fixed = crate::domain::Cadence::fixed(Duration::from_millis(50));
        let waits: Vec<u128> = (1..=4)
            .map(|n| unknown_wait(fixed, n).as_millis())
            .collect();
        assert_eq!(waits, vec![100, 200, 400, 800]);
        assert_eq!(unknown_wait(fixed, 40), Duration::from_secs(300));
    }
}
