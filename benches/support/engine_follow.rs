//! Following operations to their ends through the engine, as `watch` does: shared by the
//! polling benchmark and the soak test.
// Shared by benches and tests, each of which uses a part.
#![allow(unreachable_pub, dead_code)]

use offerdeck::backend::{Backend, Backends};
use offerdeck::clock::Clock;
use offerdeck::domain::Operation;
use offerdeck::engine::{
    Activity, Command, Engine, EngineEvent, FollowPolicies, FollowPolicy, News, Setup, Started,
};
use offerdeck::store::StateStore;

/// An engine following `operations` with `policy` (both APIs alike).
pub fn follow(
    backend: Backend,
    store: StateStore,
    clock: Clock,
    policy: FollowPolicy,
    operations: Vec<Operation>,
) -> Started {
    let setup = Setup {
        backends: Backends::single(backend.clone()),
        store,
        clock,
        policies: FollowPolicies {
            cpp: policy,
            ingestion: policy,
        },
        notifier: None,
        desktop: false,
        read_only: false,
        only_tracked: true,
        resume: false,
        on_wait: None,
        follow_starts: true,
    };
    let offers = operations
        .iter()
        .map(|o| (o.offer.clone(), o.backend))
        .collect();
    let started = Engine::start(setup, offers).expect("the engine starts");
    for operation in operations {
        started.engine.send(Command::Follow(Box::new(operation)));
    }
    started
}

/// What one event says of an end: the operation as it ended, or why following it stopped.
pub fn ended(event: &EngineEvent, started: &Started) -> Option<Result<Operation, String>> {
    match event {
        EngineEvent::Offer(state) if state.activity != Activity::Following => state
            .op
            .as_ref()
            .filter(|o| o.finished && state.problem.is_none())
            .map(|o| Ok(o.clone())),
        EngineEvent::News {
            offer: Some(offer),
            news: News::StoppedFollowing { problem },
        } => Some(Err(format!(
            "{offer}: {problem} (last: {:?})",
            started
                .last
                .get(offer)
                .and_then(|s| s.op.as_ref())
                .map(|o| &o.seen.status)
        ))),
        _ => None,
    }
}
