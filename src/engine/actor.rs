//! The actor's work on what the front ends ask and the store says: commands, status reads,
//! starts, reloads, discoveries. (Following and polling: `polls.rs`.)

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::*;

impl Actor {
    pub(super) async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<Report>) {
        loop {
            let report = tokio::select! {
                _ = self.root.cancelled() => break,
                r = inbox.recv() => match r {
                    Some(r) => r,
                    None => break,
                },
            };
            let events = self.on(report);
            for event in events {
                if self.events.send(event).await.is_err() {
                    // Nobody listens any more: the front end has gone.
                    self.root.cancel();
                    return;
                }
            }
        }
        self.root.cancel();
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        self.setup.clock.now()
    }

    /// Runs `work` off the actor; its report comes back through the inbox.
    pub(super) fn spawn<F>(&self, work: F)
    where
        F: std::future::Future<Output = Report> + Send + 'static,
    {
        let reports = self.reports.clone();
        let cancel = self.root.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                report = work => { let _ = reports.send(report); }
            }
        });
    }

    pub(super) fn backend(&self, offer: &OfferId) -> Result<crate::backend::Backend, ApiError> {
        let kind = self.book.get(offer).map(|s| s.backend).unwrap_or_default();
        self.setup.backends.require(kind).cloned()
    }

    pub(super) fn on(&mut self, report: Report) -> Vec<EngineEvent> {
        let now = self.now();
        match report {
            Report::Command(command) => self.command(command),
            Report::Status { offer, result } => {
                let (mut events, untracked) =
                    self.book
                        .status_read(&offer, result.map_err(Problem::from), now);
                // An operation the store had as running, which nothing followed, ended
                // meanwhile: recorded so.
                if let Some(op) = self.book.take_ended_unfollowed(&offer, now) {
                    events.extend(self.record(&offer, &op));
                    events.extend(
                        self.book
                            .get(&offer)
                            .map(|s| EngineEvent::Offer(Box::new(s.clone()))),
                    );
                }
                // Found running by someone else: followed like our own where this engine
                // follows what runs (the dashboard, `watch`), not by a one-off read.
                if untracked && self.setup.resume {
                    self.discover(&offer);
                }
                events
            }
            Report::Started {
                offer,
                kind,
                result,
            } => {
                let result = result.map_err(Problem::from);
                // Refused (a 409 or another 4xx): the offer is likely not where this side
                // thought (another tool went live meanwhile); its status is read at once, so
                // the row says where it is beside the refusal.
                let refused = matches!(&result, Err(p) if p.kind == ProblemKind::Refused);
                let (events, follow) = self.book.start_answered(&offer, kind, result, now);
                let mut events = events;
                if refused && follow.is_none() {
                    events.extend(self.refresh(&offer));
                }
                match follow {
                    Some(operation) if self.setup.follow_starts => {
                        events.extend(self.follow(operation))
                    }
                    Some(operation) => events.extend(self.book.unfollowed_now(&operation.offer)),
                    None => {}
                }
                events
            }
            Report::Discovered(operation) => {
                let (mut events, follow) = self.book.discovered(operation);
                if let Some(operation) = follow {
                    events.extend(self.follow(operation));
                }
                events
            }
            Report::Polled {
                offer,
                pointer,
                result,
                elsewhere,
                answered_at,
                reply,
            } => self.polled(offer, pointer, result, (elsewhere, answered_at), reply),
            Report::NothingRuns(offer) => {
                let standing = self
                    .book
                    .get(&offer)
                    .map(|s| s.standing().label())
                    .unwrap_or_default();
                vec![EngineEvent::News {
                    offer: Some(offer),
                    news: News::NothingRuns { standing },
                }]
            }
            Report::Call { api, answered, at } => self.called(api, answered, at),
            Report::Probe(api) => self.probe(api),
            Report::Wait(notice) => self.waiting(notice),
            Report::Event(event) => vec![event],
            Report::Listed(migrated) => {
                let mut events = self.book.listed(migrated);
                events.push(EngineEvent::ListingsRead);
                events
            }
        }
    }

    pub(super) fn command(&mut self, command: Command) -> Vec<EngineEvent> {
        match command {
            Command::Refresh(offer) => self.refresh(&offer),
            Command::Recheck(offer) => match self.book.retake(&offer) {
                Some(operation) => {
                    let mut events: Vec<EngineEvent> = self
                        .book
                        .get(&offer)
                        .map(|s| EngineEvent::Offer(Box::new(s.clone())))
                        .into_iter()
                        .collect();
                    events.extend(self.follow(operation));
                    events
                }
                None => self.refresh(&offer),
            },
            Command::RefreshIdle => {
                let idle: Vec<OfferId> = self
                    .book
                    .offers()
                    .iter()
                    .filter(|s| s.activity == Activity::Idle && !s.in_flight())
                    .map(|s| s.id.clone())
                    .collect();
                idle.iter().flat_map(|o| self.refresh(o)).collect()
            }
            Command::Start {
                offer,
                kind,
                emails,
                retry,
            } => self.start(offer, kind, emails, retry),
            Command::Reload => self.reload(),
            Command::Discover(offer) => {
                self.discover(&offer);
                Vec::new()
            }
            Command::Follow(operation) => {
                let mut events = self.book.follow_given((*operation).clone());
                events.extend(self.follow(*operation));
                events
            }
            Command::Track(offer, backend) => self.book.track(&offer, backend),
            Command::WhatWillChange(offer) => {
                match self.backend(&offer) {
                    Ok(backend) => self.spawn(async move {
                        let result = backend
                            .what_will_change(&offer)
                            .await
                            .map_err(Problem::from);
                        Report::Event(EngineEvent::Diff { offer, result })
                    }),
                    Err(e) => {
                        return vec![EngineEvent::Diff {
                            offer,
                            result: Err(Problem::from(e)),
                        }];
                    }
                }
                Vec::new()
            }
            Command::ListAvailable(publishers) => {
                let backends = self.setup.backends.clone();
                self.spawn(async move {
                    let mut found = Vec::new();
                    let mut errors = Vec::new();
                    for (kind, publishers) in publishers {
                        let Some(backend) = backends.get(kind) else {
                            continue;
                        };
                        match start::available(backend, &publishers, false).await {
                            Ok(offers) => found.extend(offers.into_iter().map(|o| (kind, o))),
                            Err(e) => errors.push(format!("{kind}: {}", Problem::from(e))),
                        }
                    }
                    Report::Event(EngineEvent::Available { found, errors })
                });
                Vec::new()
            }
            Command::LoadEstimates => {
                self.load_estimates();
                Vec::new()
            }
            Command::ReadListings => {
                self.read_listings();
                Vec::new()
            }
            Command::PortalPage(offer) => {
                let kind = self.book.get(&offer).map(|s| s.backend).unwrap_or_default();
                let backend = self.setup.backends.get(kind).cloned();
                let seen = self.book.get(&offer).and_then(|s| s.service.clone());
                self.spawn(async move {
                    let url = match backend {
                        Some(backend) => {
                            crate::backend::portal_page(&backend, &offer, seen.as_ref()).await
                        }
                        None => crate::backend::portal_url(kind, &offer, seen.as_ref(), None),
                    };
                    Report::Event(EngineEvent::PortalPage { offer, url })
                });
                Vec::new()
            }
            Command::LoadLog => {
                let store = self.setup.store.clone();
                self.spawn(async move {
                    let read = tokio::task::spawn_blocking(move || store.log(LOG_LINES)).await;
                    match read {
                        Ok(Ok(entries)) => Report::Event(EngineEvent::Log(entries)),
                        Ok(Err(e)) => store_problem(None, format!("the event log: {e}")),
                        Err(e) => store_problem(None, format!("the event log task failed: {e}")),
                    }
                });
                Vec::new()
            }
        }
    }

    pub(super) fn load_estimates(&self) {
        let store = self.setup.store.clone();
        self.spawn(async move {
            let read = tokio::task::spawn_blocking(move || store.estimates()).await;
            match read {
                Ok(Ok(estimates)) => Report::Event(EngineEvent::Estimates(estimates)),
                Ok(Err(e)) => store_problem(None, format!("the history: {e}")),
                Err(e) => store_problem(None, format!("the history task failed: {e}")),
            }
        });
    }

    /// One listing per CPP publisher tracked (not one read per offer): which offers moved to
    /// Partner Center. A listing that fails says nothing (the note is a courtesy).
    fn read_listings(&mut self) {
        let Some(backend) = self.setup.backends.get(BackendKind::Cpp).cloned() else {
            self.spawn(async { Report::Listed(Vec::new()) });
            return;
        };
        let mut publishers: Vec<String> = self
            .book
            .offers()
            .iter()
            .filter(|s| s.backend == BackendKind::Cpp)
            .map(|s| s.id.publisher().to_string())
            .collect();
        publishers.sort_by_key(|p| p.to_ascii_lowercase());
        publishers.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        self.spawn(async move {
            let mut migrated = Vec::new();
            for publisher in publishers {
                match backend.list_offers(&publisher).await {
                    Ok(listed) => migrated.extend(listed.into_iter().map(|o| (o.id, o.migrated))),
                    Err(e) => {
                        tracing::info!(%publisher, error = %e, "no listing: migration unknown")
                    }
                }
            }
            Report::Listed(migrated)
        });
    }

    pub(super) fn refresh(&mut self, offer: &OfferId) -> Vec<EngineEvent> {
        let backend = match self.backend(offer) {
            Ok(b) => b,
            Err(e) => {
                return self
                    .book
                    .status_read(offer, Err(Problem::from(e)), self.now())
                    .0;
            }
        };
        let events = self.book.loading(offer);
        let offer = offer.clone();
        self.spawn(async move {
            let result = backend.status(&offer).await;
            Report::Status { offer, result }
        });
        events
    }

    pub(super) fn start(
        &mut self,
        offer: OfferId,
        kind: OpKind,
        emails: Vec<String>,
        retry: bool,
    ) -> Vec<EngineEvent> {
        let refusal = match self.book.get(&offer) {
            _ if self.setup.read_only => Some(Refusal::ReadOnly),
            Some(state) => may_start(kind, state, retry).err(),
            None => None,
        };
        if let Some(refusal) = refusal {
            return vec![EngineEvent::News {
                offer: Some(offer),
                news: News::Refused(refusal),
            }];
        }
        let backend = match self.backend(&offer) {
            Ok(b) => b,
            Err(e) => {
                return self
                    .book
                    .start_answered(&offer, kind, Err(Problem::from(e)), self.now())
                    .0;
            }
        };
        let events = self.book.submitting(&offer, kind);
        let store = self.setup.store.clone();
        let now = self.now();
        self.spawn(async move {
            let result = if kind == OpKind::Cancel {
                start::cancel(&backend, &store, &offer, now).await
            } else {
                start::start(&backend, &store, kind, &offer, &emails, now)
                    .await
                    .map(Some)
            };
            Report::Started {
                offer,
                kind,
                result,
            }
        });
        events
    }

    pub(super) fn reload(&mut self) -> Vec<EngineEvent> {
        let store = &self.setup.store;
        // The newest operation of each offer, ended or not: one another process started and
        // saw end meanwhile is the offer's news too (its start, its operation).
        let unfinished = match store.latest() {
            Ok(ops) => ops,
            Err(e) => {
                return vec![EngineEvent::News {
                    offer: None,
                    news: News::StoreProblem(e.to_string()),
                }];
            }
        };
        let mut events: Vec<EngineEvent> = store
            .take_notices()
            .into_iter()
            .map(|m| EngineEvent::News {
                offer: None,
                news: News::StoreProblem(m),
            })
            .collect();
        let failures = store.failures().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the recorded failed starts");
            Vec::new()
        });
        let (restored, follow) = self.book.restore(unfinished, failures);
        events.extend(restored);
        // A follower whose operation a newer one replaced stops.
        let book = &self.book;
        let mut replaced = Vec::new();
        self.followers.retain(|offer, follower| {
            let current = book
                .get(offer)
                .and_then(|s| s.op.as_ref())
                .is_some_and(|op| op.pointer == follower.pointer);
            if !current {
                follower.cancel.cancel();
                replaced.push(follower.pointer.clone());
            }
            current
        });
        for pointer in &replaced {
            self.unlease(pointer);
        }
        if !follow.is_empty() {
            events.push(EngineEvent::News {
                offer: None,
                news: News::Resumed {
                    count: follow.len(),
                    at_start: false,
                },
            });
        }
        for operation in follow {
            events.extend(self.follow(operation));
        }
        events.extend(self.reach_from_store());
        events
    }

    pub(super) fn discover(&self, offer: &OfferId) {
        let Ok(backend) = self.backend(offer) else {
            return;
        };
        let (store, now, offer) = (self.setup.store.clone(), self.now(), offer.clone());
        let (reports, cancel) = (self.reports.clone(), self.root.clone());
        tokio::spawn(async move {
            let found = tokio::select! {
                _ = cancel.cancelled() => return,
                found = start::discover(&backend, &store, &offer, now) => found,
            };
            match found {
                Ok(Some(operation)) => {
                    let _ = reports.send(Report::Discovered(operation));
                }
                // Nothing runs: the offer's status says what it is in instead.
                Ok(None) => {
                    let result = backend.status(&offer).await;
                    let _ = reports.send(Report::Status {
                        offer: offer.clone(),
                        result,
                    });
                    let _ = reports.send(Report::NothingRuns(offer.clone()));
                }
                // The row keeps what it showed; the next refresh looks again.
                Err(e) => {
                    tracing::warn!(%offer, error = %e, "could not look for the running operation");
                    let _ = reports.send(Report::Event(EngineEvent::News {
                        offer: Some(offer.clone()),
                        news: News::StoppedFollowing {
                            problem: Problem::from(e),
                        },
                    }));
                }
            }
            for notice in store.take_notices() {
                let _ = reports.send(store_problem(Some(offer.clone()), notice));
            }
        });
    }
}
