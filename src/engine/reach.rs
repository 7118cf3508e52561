//! The actor's watch on each API's reachability: once no request gets an answer, it asks the
//! API again on a backoff (one read, not one per offer) and says when; at the first answer,
//! every offer whose read failed meanwhile is read again, so the table clears at once rather
//! than at the next slow refresh.

use std::time::Duration;

use super::*;

/// The first wait before an unreachable API is asked again; it doubles up to `PROBE_MAX`.
const PROBE_FIRST: Duration = Duration::from_secs(5);
const PROBE_MAX: Duration = Duration::from_secs(60);

/// The wait before the `attempt`th probe (from 1).
fn probe_wait(attempt: u32) -> Duration {
    PROBE_FIRST
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(8)))
        .min(PROBE_MAX)
}

impl Actor {
    /// A request to `api` got an answer or none: its reachability, the probes it starts or
    /// ends, and the reads again once it answers.
    pub(super) fn called(
        &mut self,
        api: BackendKind,
        answered: bool,
        at: DateTime<Utc>,
    ) -> Vec<EngineEvent> {
        let was = self.book.unreachable_since(api).is_some();
        let mut events = self.book.call(api, answered, at);
        let is = self.book.unreachable_since(api).is_some();
        if !self.setup.resume {
            // A one-off command reports what it met; nobody watches the table.
            return events;
        }
        if was != is {
            self.share_reach(api);
        }
        match (was, is) {
            (false, true) => {
                self.probes.insert(api, 0);
                events.extend(self.schedule_probe(api));
            }
            (true, false) => {
                self.probes.remove(&api);
                // Its followers waited for this answer: they poll now.
                let book = &self.book;
                for (offer, follower) in self.followers.iter_mut() {
                    let of_api = book.get(offer).is_some_and(|s| s.backend == api);
                    if of_api && follower.parked {
                        follower.parked = false;
                        follower.wake.notify_one();
                    }
                }
                let failed: Vec<OfferId> = self
                    .book
                    .offers()
                    .iter()
                    .filter(|s| s.backend == api && s.problem.is_some())
                    .filter(|s| s.activity == Activity::Idle && !s.in_flight())
                    .map(|s| s.id.clone())
                    .collect();
                for offer in failed {
                    events.extend(self.refresh(&offer));
                }
            }
            _ => {}
        }
        events
    }

    /// The time for the next probe of an unreachable API came: one offer of it is read (the
    /// answer, or none, is a call like any other), and the next probe is set.
    pub(super) fn probe(&mut self, api: BackendKind) -> Vec<EngineEvent> {
        if self.book.unreachable_since(api).is_none() || !self.probes.contains_key(&api) {
            return Vec::new();
        }
        let offers = self.book.offers();
        let idle = |s: &&OfferState| s.backend == api && s.activity == Activity::Idle;
        let pick = offers
            .iter()
            .filter(idle)
            .find(|s| s.problem.is_some())
            .or_else(|| offers.iter().find(idle))
            .map(|s| s.id.clone());
        let mut events = Vec::new();
        // Nothing idle: the followers of that API retry by themselves, and their polls count.
        if let Some(offer) = pick {
            events.extend(self.refresh(&offer));
        }
        events.extend(self.schedule_probe(api));
        events
    }

    fn schedule_probe(&mut self, api: BackendKind) -> Vec<EngineEvent> {
        let attempt = self.probes.entry(api).or_insert(0);
        *attempt += 1;
        let wait = probe_wait(*attempt);
        let at = self.now() + crate::clock::span(wait);
        let clock = self.setup.clock.clone();
        self.spawn(async move {
            clock.sleep(wait).await;
            Report::Probe(api)
        });
        let events = self.book.next_try(api, at);
        self.share_reach(api);
        events
    }

    /// Writes what this process finds of `api` where the other offerdecks on the folder read
    /// it (a dashboard whose operations this one polls sends nothing to find out itself).
    fn share_reach(&self, api: BackendKind) {
        let found = self
            .book
            .unreachable_since(api)
            .map(|since| (since, self.book.next_try_of(api)));
        if let Err(e) = self.setup.store.record_reach(api, &self.holder, found) {
            tracing::debug!(error = %e, "could not share the API's reachability");
        }
    }

    /// Takes in what the other offerdecks on the folder (those still running) find of each
    /// API: the earliest since, and the soonest next try, of those that find it unreachable.
    pub(super) fn reach_from_store(&mut self) -> Vec<EngineEvent> {
        let findings = match self.setup.store.reach_elsewhere(&self.holder) {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(error = %e, "could not read the other processes' reachability");
                return Vec::new();
            }
        };
        let mut events = Vec::new();
        for api in BackendKind::ALL {
            let theirs = findings
                .iter()
                .filter(|f| f.api == api && super::follow::holder_runs(&f.holder));
            let since = theirs.clone().map(|f| f.unreachable_since).min();
            let next = theirs.filter_map(|f| f.next_try).min();
            events.extend(self.book.reach_elsewhere(api, since.map(|s| (s, next))));
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_back_off_from_five_seconds_to_a_minute() {
        let waits: Vec<u64> = (1..=6).map(|n| probe_wait(n).as_secs()).collect();
        assert_eq!(waits, vec![5, 10, 20, 40, 60, 60]);
        assert_eq!(probe_wait(u32::MAX), PROBE_MAX);
    }
}
