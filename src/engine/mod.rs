//! The application layer: one engine owns every offer's state and every operation offerdeck
//! follows. Front ends (the dashboard, the headless commands) send it `Command`s and read its
//! `EngineEvent`s; they never talk to an API or the state store about operations themselves,
//! so they cannot disagree.
//!
//! Inside, one actor task holds the `Book` (plain data, `book.rs`) and the followers' pacing.
//! Work that waits on the network runs in spawned tasks that report back to the actor as
//! `Report`s; the actor applies them to the book, writes the store, decides notifications,
//! and sends the events the book returns.

mod actor;
pub mod book;
pub mod events;
mod follow;
pub mod notify;
pub mod offer;
mod polls;
pub mod problem;
mod reach;
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

/// How often a followed operation is written to the store at least while it is polled well
/// (what changed at once): how far behind another offerdeck reading the records may be.
pub const RECORD_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(5);

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
    /// Reads the listing of each CPP publisher tracked: which offers moved to Partner Center
    /// (their e-mails go to the seller contact).
    ReadListings,
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
    /// What the CPP listings said of each offer's move to Partner Center.
    Listed(Vec<(OfferId, bool)>),
    Polled {
        offer: OfferId,
        pointer: url::Url,
        result: Result<Observation, ApiError>,
        /// Read from another offerdeck's records, not from the service.
        elsewhere: bool,
        /// When the service last answered, when that was not now (the records' time).
        answered_at: Option<DateTime<Utc>>,
        reply: oneshot::Sender<Next>,
    },
    /// A request to an API got an answer (any HTTP status) or none.
    Call {
        api: BackendKind,
        answered: bool,
        at: DateTime<Utc>,
    },
    /// The time came to ask an unreachable API again.
    Probe(BackendKind),
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
        // Before the store is read: a change another process makes from now on is news.
        let version = setup.store.data_version().ok();
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
        if setup.resume {
            watch_store(&setup.store, version, &reports, &root);
        }
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
            probes: HashMap::new(),
        };
        let mut first = Vec::new();
        for operation in follow {
            first.extend(actor.follow(operation));
        }
        if actor.setup.resume {
            first.extend(actor.reach_from_store());
        }
        for event in first {
            let _ = actor.reports.send(Report::Event(event));
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
        if let Err(e) = self.store.forget_reach(&self.holder) {
            tracing::debug!(error = %e, "could not withdraw what it found of the APIs");
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

/// How often the store is asked whether another process changed it.
const STORE_WATCH: std::time::Duration = std::time::Duration::from_secs(1);

/// Where the engine follows what runs (the dashboard, `watch`): the store is watched, and what
/// another offerdeck on the same folder starts, sees or records is taken up within a second
/// (`Command::Reload`), so two processes on one folder show one truth. Real time, not the
/// engine's clock: this paces a local file, not the service.
fn watch_store(
    store: &StateStore,
    read_at: Option<i64>,
    reports: &mpsc::UnboundedSender<Report>,
    root: &CancellationToken,
) {
    let (store, reports, root) = (store.clone(), reports.clone(), root.clone());
    tokio::spawn(async move {
        let mut seen: Option<i64> = read_at;
        loop {
            tokio::select! {
                _ = root.cancelled() => return,
                _ = tokio::time::sleep(STORE_WATCH) => {}
            }
            let store = store.clone();
            let Ok(Ok(version)) = tokio::task::spawn_blocking(move || store.data_version()).await
            else {
                continue;
            };
            if seen.is_some_and(|v| v != version)
                && reports.send(Report::Command(Command::Reload)).is_err()
            {
                return;
            }
            seen = Some(version);
        }
    });
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
    /// Polls in a row that found a state this version does not know.
    unknown_polls: u32,
    /// When this follower last wrote the operation to the store.
    written_at: Option<DateTime<Utc>>,
    /// Ends the poll task's wait at once: the API answers again after an outage.
    wake: std::sync::Arc<tokio::sync::Notify>,
    /// Waiting out its API's outage on the probe's schedule rather than its own backoff.
    parked: bool,
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
    /// The probes so far of each API that does not answer.
    probes: HashMap<BackendKind, u32>,
}

fn store_problem(offer: Option<OfferId>, message: String) -> Report {
    Report::Event(EngineEvent::News {
        offer,
        news: News::StoreProblem(message),
    })
}
