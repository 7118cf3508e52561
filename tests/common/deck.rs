//! The dashboard beside the engine's book, without a network: a test says what the service
//! answered, the book turns it into the engine's events (as the engine's actor does), and the
//! dashboard's `update` takes them. What the dashboard asks of the engine comes back as
//! `Effect::Engine` for the test to assert on.

use std::time::Duration;

use chrono::{DateTime, Utc};

use offerdeck::domain::{Observation, OfferId, OpKind, Operation, StartFailure};
use offerdeck::engine::start::StartOutcome;
use offerdeck::engine::{Book, EngineEvent, Problem};
use offerdeck::tui::msg::{Effect, Msg};
use offerdeck::tui::state::App;

pub struct Deck {
    pub app: App,
    pub book: Book,
    pub now: DateTime<Utc>,
    /// The offers whose status showed something running that nothing here follows: the
    /// engine looks for that operation (and follows it) when it reads this.
    pub looked_for: Vec<OfferId>,
}

impl Deck {
    /// The dashboard on `config`'s offers, after the store gave back `operations` (newest of
    /// each offer) and `failures`; returns the effects `App::new` asked for.
    pub fn start(
        config: &offerdeck::config::Config,
        operations: Vec<Operation>,
        failures: Vec<StartFailure>,
        now: DateTime<Utc>,
    ) -> (Deck, Vec<Effect>) {
        let mut book = Book::new(config.offers.iter().map(|o| (o.id.clone(), o.backend)));
        let (_, follow) = book.restore(operations, failures);
        let (app, effects) = App::new(config, "test", book.offers().to_vec(), now);
        let mut deck = Deck {
            app,
            book,
            now,
            looked_for: Vec::new(),
        };
        // As the dashboard says at start what it took up from the store.
        let mut effects = effects;
        if !follow.is_empty() {
            effects.extend(deck.feed(vec![EngineEvent::News {
                offer: None,
                news: offerdeck::engine::News::Resumed {
                    count: follow.len(),
                    at_start: true,
                },
            }]));
        }
        (deck, effects)
    }

    /// Takes the engine's events into the dashboard, in order; returns every effect.
    pub fn feed(&mut self, events: Vec<EngineEvent>) -> Vec<Effect> {
        let mut effects = Vec::new();
        for event in events {
            effects.extend(self.app.update(Msg::Engine(event), self.now));
        }
        effects
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        self.app.update(msg, self.now)
    }

    /// The offer's status was read.
    pub fn status(&mut self, offer: &OfferId, result: Result<Observation, Problem>) -> Vec<Effect> {
        let events = self.book.loading(offer);
        self.feed(events);
        let (mut events, untracked) = self.book.status_read(offer, result, self.now);
        // An operation the store had as running, which nothing followed, ended meanwhile.
        if self.book.take_ended_unfollowed(offer, self.now).is_some() {
            events.extend(
                self.book
                    .get(offer)
                    .map(|s| EngineEvent::Offer(Box::new(s.clone()))),
            );
        }
        if untracked {
            self.looked_for.push(offer.clone());
        }
        self.feed(events)
    }

    /// A start (or a cancel) was sent and the service answered.
    pub fn started(
        &mut self,
        offer: &OfferId,
        kind: OpKind,
        result: Result<Option<StartOutcome>, Problem>,
    ) -> Vec<Effect> {
        let mut events = self.book.submitting(offer, kind);
        let (answer, _) = self.book.start_answered(offer, kind, result, self.now);
        events.extend(answer);
        self.feed(events)
    }

    /// The service accepted a start: `operation` runs.
    pub fn accepted(&mut self, operation: &Operation) -> Vec<Effect> {
        let outcome = StartOutcome {
            operation: operation.clone(),
            adopted: false,
            not_recorded: None,
            store_notices: Vec::new(),
        };
        self.started(&operation.offer.clone(), operation.kind, Ok(Some(outcome)))
    }

    /// A poll of `operation` showed what its `seen` says; the next one comes after `wait`.
    /// Desktop notices come back as `Effect::Desktop`, as the engine sends them.
    pub fn polled(&mut self, operation: &Operation, wait: Duration) -> Vec<Effect> {
        let (offer, pointer) = (operation.offer.clone(), operation.pointer.clone());
        let polled = self
            .book
            .polled(&offer, &pointer, Ok(operation.seen.clone()), self.now);
        let mut events = polled.events;
        if let Some(notice) = polled.notice {
            events.push(EngineEvent::Desktop(notice));
        }
        match &polled.operation {
            // A newer operation is followed: this poll's news is old, and nothing follows.
            None => {}
            Some(o) if o.finished => {
                events.extend(self.book.stopped(&offer, &pointer, None, self.now));
            }
            Some(_) => events.extend(self.book.next_poll(&offer, wait)),
        }
        self.feed(events)
    }

    /// A poll failed and is tried again after `wait`.
    pub fn retrying(&mut self, operation: &Operation, reason: &str, wait: Duration) -> Vec<Effect> {
        let until = self.now + chrono::Duration::from_std(wait).unwrap();
        let events = self
            .book
            .retrying(&operation.offer, reason, Some(until), self.now);
        self.feed(events)
    }

    /// Following stopped with a problem. `_lost` (the service no longer knows it) matters to
    /// the store only, which keeps a permanent loss; the dashboard sees both alike.
    pub fn stopped(&mut self, operation: &Operation, problem: Problem, _lost: bool) -> Vec<Effect> {
        let events = self.book.stopped(
            &operation.offer,
            &operation.pointer,
            Some(problem),
            self.now,
        );
        self.feed(events)
    }

    /// An operation started elsewhere was found running.
    pub fn discovered(&mut self, operation: &Operation) -> Vec<Effect> {
        let (events, _) = self.book.discovered(operation.clone());
        self.feed(events)
    }

    /// The store was read again and had these operations (Ctrl-r, the refresh).
    pub fn reloaded(&mut self, operations: Vec<Operation>) -> Vec<Effect> {
        let (mut events, follow) = self.book.restore(operations, Vec::new());
        if !follow.is_empty() {
            events.push(EngineEvent::News {
                offer: None,
                news: offerdeck::engine::News::Resumed {
                    count: follow.len(),
                    at_start: false,
                },
            });
        }
        self.feed(events)
    }

    /// A request waits before a retry (`WaitNotice`): on the row of the offer it is about
    /// (a followed operation's, or the offer a CPP path names), else for the whole header when
    /// the wait is long enough to notice.
    pub fn waited(&mut self, notice: &offerdeck::api::http::transport::WaitNotice) -> Vec<Effect> {
        let by_pointer = self
            .book
            .offers()
            .iter()
            .find(|s| {
                s.op.as_ref()
                    .is_some_and(|o| o.pointer.path() == notice.url.path())
            })
            .map(|s| s.id.clone());
        let offer = by_pointer.or_else(|| {
            let (publisher, offer) = offerdeck::api::http::pointer::offer_of(&notice.url)?;
            let id = OfferId::new(&publisher, &offer).ok()?;
            self.book.get(&id).map(|s| s.id.clone())
        });
        let until = notice
            .until
            .with_timezone(&chrono::Local)
            .format("%H:%M:%S")
            .to_string();
        let reason = format!("waiting until {until} ({})", notice.reason);
        let events = match offer {
            Some(offer) => self
                .book
                .retrying(&offer, &reason, Some(notice.until), self.now),
            None if notice.wait >= offerdeck::api::http::transport::NOTICEABLE_WAIT => {
                vec![EngineEvent::Waiting {
                    until: notice.until,
                    reason,
                }]
            }
            None => Vec::new(),
        };
        self.feed(events)
    }

    /// Any request to `api` answered (or not).
    pub fn call(&mut self, api: offerdeck::domain::BackendKind, answered: bool) -> Vec<Effect> {
        let events = self.book.call(api, answered, self.now);
        self.feed(events)
    }
}

/// A problem as the engine makes it from the API's error.
pub fn problem(error: offerdeck::api::ApiError) -> Problem {
    Problem::from(error)
}
