//! The application layer: one engine owns every offer's state and every operation offerdeck
//! follows. Front ends (the dashboard, the headless commands) send it `Command`s and read its
//! `EngineEvent`s; they never talk to an API or the state store about operations themselves,
//! so they cannot disagree.
//!
//! Inside, one actor task holds the `Book` (plain data, `book.rs`) and the followers' pacing.
//! Work that waits on the network runs in spawned tasks that report back to the actor as
//! `Report`s; the actor applies them to the book, writes the store, decides notifications,
//! and sends the events the book returns.

pub mod book;
pub mod events;
mod follow;
pub mod notify;
pub mod offer;
pub mod problem;
pub mod rules;
pub mod start;
pub mod wiring;

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// What listings and go-live comparisons give, as the front ends see them.
pub use crate::backend::{ListedOffer, WhatWillChange};
pub use book::Book;
pub use events::{EngineEvent, News};
pub use follow::{FollowPolicies, FollowPolicy};
pub use offer::{Activity, OfferState, Retry, Standing};
pub use problem::{Problem, ProblemKind};
pub use rules::{Refusal, may_start};

use crate::api::ApiError;
use crate::backend::Backends;
use crate::clock::Clock;
use crate::domain::{BackendKind, Expectation, Observation, OfferId, OpKind, Operation};
use crate::store::StateStore;
use follow::{Next, StepHistory};
use notify::{Notice, Notifier};
use start::StartOutcome;

/// Lines of the event log read at once (the newest).
const LOG_LINES: usize = 2_000;

/// What a front end asks of the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Reads an offer's status.
    Refresh(OfferId),
    /// Reads the status of every offer nothing runs on.
    RefreshIdle,
    /// Starts a publish or a go-live, or asks for a cancel. Refused (`News::Refused`) when the
    /// rules say it cannot go now; nothing is sent then.
    Start {
        offer: OfferId,
        kind: OpKind,
        emails: Vec<String>,
        retry: bool,
    },
    /// Reads the state store again: operations started elsewhere meanwhile are followed.
    Reload,
    /// Looks for an operation running at the service on an offer (the portal, another tool).
    Discover(OfferId),
    /// Follows an operation given by hand (`watch --url`).
    Follow(Box<Operation>),
    /// Tracks an offer added while running.
    Track(OfferId, BackendKind),
    /// Reads what going live would change for an offer.
    WhatWillChange(OfferId),
    /// Lists the offers each API's publishers have (for the picker).
    ListAvailable(Vec<(BackendKind, Vec<String>)>),
    /// Reads the step estimates from the history.
    LoadEstimates,
    /// Reads the newest lines of the event log.
    LoadLog,
    /// Finds the page where the offer is managed (`EngineEvent::PortalPage`).
    PortalPage(OfferId),
    /// Ctrl-r: an operation no longer followed is followed again (when the service still
    /// knows it), else the offer's status is read.
    Recheck(OfferId),
}

/// What the engine's tasks report to its actor.
enum Report {
    Command(Command),
    Status {
        offer: OfferId,
        result: Result<Observation, ApiError>,
    },
    Started {
        offer: OfferId,
        kind: OpKind,
        result: Result<Option<StartOutcome>, ApiError>,
    },
    Discovered(Operation),
    /// A look for a running operation found none.
    NothingRuns(OfferId),
    Polled {
        offer: OfferId,
        pointer: url::Url,
        result: Result<Observation, ApiError>,
        /// Read from another offerdeck's records, not from the service.
        elsewhere: bool,
        reply: oneshot::Sender<Next>,
    },
    /// A request to an API got an answer (any HTTP status) or none.
    Call {
        api: BackendKind,
        answered: bool,
        at: DateTime<Utc>,
    },
    /// A request waits before a retry.
    Wait(crate::api::http::transport::WaitNotice),
    /// An event made by a task, sent on as it is.
    Event(EngineEvent),
}

/// What the engine needs: the backends, the store, the clock, and how to follow and notify.
pub struct Setup {
    pub backends: Backends,
    pub store: StateStore,
    pub clock: Clock,
    pub policies: FollowPolicies,
    pub notifier: Option<Notifier>,
    /// Desktop notices are asked for (`[notify] desktop`): sent as `EngineEvent::Desktop`.
    pub desktop: bool,
    /// Watching only: every start is refused.
    pub read_only: bool,
    /// Only the offers given to `Engine::start` are tracked (a headless command about some
    /// offers); otherwise every offer the state store has operations of is too (the dashboard).
    pub only_tracked: bool,
    /// The unfinished operations of the store are followed from the start, and what an offer's
    /// status shows running elsewhere is looked for and followed too.
    pub resume: bool,
    /// Also told of every long wait before a retry (a headless command says it on stderr).
    pub on_wait: Option<crate::api::http::transport::WaitListener>,
    /// What the service accepts is followed (a headless command without `--wait` only
    /// records it).
    pub follow_starts: bool,
}

/// A handle on a running engine. Dropping every handle stops it (the operations go on at the
/// service).
#[derive(Clone)]
pub struct Engine {
    reports: mpsc::UnboundedSender<Report>,
    root: CancellationToken,
    /// Notifications being sent: a headless command waits for them before it exits.
    sending: tokio_util::task::TaskTracker,
    /// This process in the state store's leases, given up at shutdown.
    store: StateStore,
    holder: String,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Engine")
    }
}

/// What a started engine gives: its handle, its events, and every tracked offer's state as
/// it was when it started (so a view can draw at once).
pub struct Started {
    pub engine: Engine,
    pub events: mpsc::Receiver<EngineEvent>,
    pub offers: Vec<OfferState>,
    /// What the store said at start that the user must hear (a file moved aside).
    pub notices: Vec<String>,
    /// Unfinished operations taken up from the store.
    pub resumed: usize,
    /// The last snapshot of each offer taken through `recv` (a headless command's view).
    pub last: HashMap<OfferId, OfferState>,
}

impl Started {
    /// The next event, keeping the last snapshot of each offer in `last`.
    pub async fn recv(&mut self) -> Option<EngineEvent> {
        let event = self.events.recv().await?;
        self.keep(&event);
        Some(event)
    }

    /// The next event already waiting, if any.
    pub fn try_recv(&mut self) -> Result<EngineEvent, mpsc::error::TryRecvError> {
        let event = self.events.try_recv()?;
        self.keep(&event);
        Ok(event)
    }

    fn keep(&mut self, event: &EngineEvent) {
        match event {
            EngineEvent::Offer(state) => {
                self.last.insert(state.id.clone(), (**state).clone());
            }
            EngineEvent::Polled {
                offer,
                at,
                next_poll,
            } => {
                if let Some(state) = self.last.get_mut(offer) {
                    state.last_poll = Some(*at);
                    state.last_ok = Some(*at);
                    state.poll_every = Some(*next_poll);
                }
            }
            _ => {}
        }
    }
}

impl Engine {
    /// Starts the engine on these offers: restores what the state store knows of them (every
    /// offer's newest operation, the failed starts), follows what was left unfinished, and
    /// reads nothing else until asked. A store that cannot be read is said (in `notices`),
    /// never a reason not to start: what the service accepts is then said not recorded.
    pub fn start(
        setup: Setup,
        offers: Vec<(OfferId, BackendKind)>,
    ) -> Result<Started, crate::store::StoreError> {
        let mut unreadable = Vec::new();
        let mut latest = setup.store.latest().unwrap_or_else(|e| {
            unreadable.push(e.to_string());
            Vec::new()
        });
        if setup.only_tracked {
            latest.retain(|o| offers.iter().any(|(id, _)| *id == o.offer));
        }
        let failures = setup.store.failures().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the recorded failed starts");
            Vec::new()
        });
        let mut notices = setup.store.take_notices();
        notices.extend(unreadable);
        let mut book = Book::new(offers);
        let (_, mut follow) = book.restore(latest, failures);
        if !setup.resume {
            // Known, not followed: a headless command follows only what it is asked to.
            for operation in &follow {
                book.unfollowed(&operation.offer);
            }
            follow.clear();
        }
        notices.extend(setup.store.take_notices());
        let (reports, inbox) = mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::channel(1_024);
        let root = CancellationToken::new();
        let sending = tokio_util::task::TaskTracker::new();
        let holder = format!("{}-{:08x}", std::process::id(), fastrand::u32(..));
        let engine = Engine {
            reports: reports.clone(),
            root: root.clone(),
            sending: sending.clone(),
            store: setup.store.clone(),
            holder: holder.clone(),
        };
        listen(&setup, &reports);
        let offers = book.offers().to_vec();
        let resumed = follow.len();
        let mut actor = Actor {
            book,
            setup,
            reports,
            events: events_tx,
            root,
            followers: HashMap::new(),
            sending,
            holder,
        };
        for operation in follow {
            for event in actor.follow(operation) {
                let _ = actor.reports.send(Report::Event(event));
            }
        }
        tokio::spawn(actor.run(inbox));
        let last = offers.iter().map(|s| (s.id.clone(), s.clone())).collect();
        Ok(Started {
            engine,
            events,
            offers,
            notices,
            resumed,
            last,
        })
    }

    /// Asks something of the engine; never blocks (the engine takes it in order).
    pub fn send(&self, command: Command) {
        let _ = self.reports.send(Report::Command(command));
    }

    /// Stops every follower and the engine (the operations go on at the service).
    pub fn shutdown(&self) {
        self.root.cancel();
        // Another offerdeck on the same folder takes over at once, not when the leases expire.
        if let Err(e) = self.store.release_all(&self.holder) {
            tracing::debug!(error = %e, "could not give up the leases");
        }
    }

    /// Waits (a bounded time: each notification has its own deadline) for the notifications
    /// being sent, so a headless command does not exit before them.
    pub async fn settle(&self) {
        self.sending.close();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(20), self.sending.wait()).await;
    }
}

/// Hears of every request each backend sends (for reachability and the event log) and of
/// every long wait before a retry.
fn listen(setup: &Setup, reports: &mpsc::UnboundedSender<Report>) {
    let recorder = setup.store.call_recorder();
    let clock = setup.clock.clone();
    for backend in setup.backends.each() {
        let api = backend.kind();
        let (recorder, reports, clock) = (recorder.clone(), reports.clone(), clock.clone());
        let calls = reports.clone();
        backend.on_call(std::sync::Arc::new(move |call| {
            let answered = call.status.is_some();
            recorder(call);
            let _ = calls.send(Report::Call {
                api,
                answered,
                at: clock.now(),
            });
        }));
        let reports = reports.clone();
        let also = setup.on_wait.clone();
        backend.on_wait(std::sync::Arc::new(move |notice| {
            if let Some(also) = &also {
                also(notice.clone());
            }
            let _ = reports.send(Report::Wait(notice));
        }));
    }
}

/// The follower of one operation, as the actor paces it.
struct Follower {
    pointer: url::Url,
    cancel: CancellationToken,
    failures: u32,
    waits: crate::api::http::retry::Waits,
    history: StepHistory,
    /// Said once per run of failed writes, not at every poll.
    store_failing: bool,
}

struct Actor {
    book: Book,
    setup: Setup,
    reports: mpsc::UnboundedSender<Report>,
    events: mpsc::Sender<EngineEvent>,
    root: CancellationToken,
    followers: HashMap<OfferId, Follower>,
    sending: tokio_util::task::TaskTracker,
    /// This process, in the state store's leases.
    holder: String,
}

impl Actor {
    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<Report>) {
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

    fn now(&self) -> DateTime<Utc> {
        self.setup.clock.now()
    }

    /// Runs `work` off the actor; its report comes back through the inbox.
    fn spawn<F>(&self, work: F)
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

    fn backend(&self, offer: &OfferId) -> Result<crate::backend::Backend, ApiError> {
        let kind = self.book.get(offer).map(|s| s.backend).unwrap_or_default();
        self.setup.backends.require(kind).cloned()
    }

    fn on(&mut self, report: Report) -> Vec<EngineEvent> {
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
                let (events, follow) =
                    self.book
                        .start_answered(&offer, kind, result.map_err(Problem::from), now);
                let mut events = events;
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
                reply,
            } => self.polled(offer, pointer, result, elsewhere, reply),
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
            Report::Call { api, answered, at } => self.book.call(api, answered, at),
            Report::Wait(notice) => self.waiting(notice),
            Report::Event(event) => vec![event],
        }
    }

    fn command(&mut self, command: Command) -> Vec<EngineEvent> {
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

    fn load_estimates(&self) {
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

    fn refresh(&mut self, offer: &OfferId) -> Vec<EngineEvent> {
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

    fn start(
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

    fn reload(&mut self) -> Vec<EngineEvent> {
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
        let (restored, follow) = self.book.restore(unfinished, Vec::new());
        events.extend(restored);
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
        events
    }

    fn discover(&self, offer: &OfferId) {
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

    /// Starts following an operation (replacing whatever the offer followed).
    fn follow(&mut self, operation: Operation) -> Vec<EngineEvent> {
        let now = self.now();
        if let Some(old) = self.followers.remove(&operation.offer) {
            old.cancel.cancel();
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
        self.followers.insert(
            operation.offer.clone(),
            Follower {
                pointer: operation.pointer.clone(),
                cancel: cancel.clone(),
                failures: 0,
                waits: policy.retry().waits(),
                history: StepHistory::default(),
                store_failing: false,
            },
        );
        tokio::spawn(follow::poll_task(
            backend,
            Some(self.setup.store.clone()),
            self.holder.clone(),
            operation,
            self.setup.clock.clone(),
            cancel,
            self.reports.clone(),
        ));
        Vec::new()
    }

    fn polled(
        &mut self,
        offer: OfferId,
        pointer: url::Url,
        result: Result<Observation, ApiError>,
        elsewhere: bool,
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
                events.extend(polled.events);
                let Some(operation) = polled.operation else {
                    let _ = reply.send(Next::Stop);
                    return events;
                };
                if let Some(f) = self.followers.get_mut(&offer) {
                    f.failures = 0;
                    f.waits = policy.retry().waits();
                }
                if polled.change.is_some_and(|c| c.durable) && !elsewhere {
                    events.extend(self.record(&offer, &operation));
                }
                if let Some(notice) = polled.notice {
                    events.extend(self.notify(notice));
                }
                if operation.finished {
                    let _ = reply.send(Next::Stop);
                    self.followers.remove(&offer);
                    events.extend(self.book.stopped(&offer, &pointer, None, now));
                    // Its end is news for the offer's status, and one more run for the history.
                    events.extend(self.refresh(&offer));
                    self.load_estimates();
                    return events;
                }
                let wait = if policy.cadence.is_fixed() {
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
                let next = match self.followers.get_mut(&offer) {
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
                        let lost = error.is_permanent();
                        events.extend(self.book.stopped(&offer, &pointer, Some(problem), now));
                        if lost && let Some(op) = self.book.get(&offer).and_then(|s| s.op.clone()) {
                            events.extend(self.record(&offer, &op));
                        }
                    }
                }
            }
        }
        events
    }

    /// Writes the operation to the store; a failure is said once per run of failures.
    fn record(&mut self, offer: &OfferId, operation: &Operation) -> Vec<EngineEvent> {
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
    fn notify(&self, notice: Notice) -> Vec<EngineEvent> {
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
    fn waiting(&mut self, notice: crate::api::http::transport::WaitNotice) -> Vec<EngineEvent> {
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
    fn offer_of(&self, url: &url::Url) -> Option<OfferId> {
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

fn store_problem(offer: Option<OfferId>, message: String) -> Report {
    Report::Event(EngineEvent::News {
        offer,
        news: News::StoreProblem(message),
    })
}
