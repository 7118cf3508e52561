//! The engine on its own, as the engine tests drive it: on the demo config's offers against a
//! simulator, with its store in a folder, waiting on its events with a deadline.

use std::time::Duration;

use offerdeck::domain::{OfferId, OpKind};
use offerdeck::engine::{
    Activity, Command, Engine, EngineEvent, FollowPolicies, OfferState, Setup, Started,
};
use offerdeck::sim::Simulator;
use offerdeck::store::StateStore;

pub const DEADLINE: Duration = Duration::from_secs(30);

pub fn id(s: &str) -> OfferId {
    s.parse().unwrap()
}

/// The demo's client secret, which the demo config names, in this process's environment.
pub fn demo_secret() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: set once, before any test thread reads the environment through the config (every
    // test calls this first), always to the same value.
    ONCE.call_once(|| unsafe { std::env::set_var("OFFERDECK_DEMO_SECRET", "demo-secret") });
}

/// An engine on the demo config's offers against `sim`, with its store in `dir`.
pub fn engine(sim: &Simulator, dir: &std::path::Path, token: Option<&str>) -> Started {
    engine_on(sim, dir, token, offerdeck::clock::Clock::System)
}

/// `engine`, on `clock` (the simulator's, when the test moves time).
pub fn engine_on(
    sim: &Simulator,
    dir: &std::path::Path,
    token: Option<&str>,
    clock: offerdeck::clock::Clock,
) -> Started {
    engine_at(sim.addr(), dir, token, clock)
}

/// `engine_on` for a service at `addr` (one that may not be listening yet).
pub fn engine_at(
    addr: std::net::SocketAddr,
    dir: &std::path::Path,
    token: Option<&str>,
    clock: offerdeck::clock::Clock,
) -> Started {
    demo_secret();
    let path = super::write_config_at(dir, addr, "50ms");
    let config = offerdeck::config::load(&path, "test").unwrap();
    let backends = match token {
        Some(t) => {
            let mut c = config.clone();
            c.auth.token_env = "ENGINE_TEST_NO_SUCH_VAR".into();
            c.ingestion.auth.token_env = "ENGINE_TEST_NO_SUCH_VAR".into();
            c.auth.token_command = Some(format!("echo {t}"));
            c.ingestion.auth.token_command = Some(format!("echo {t}"));
            c.auth.tenant_id = None;
            c.ingestion.auth.tenant_id = None;
            offerdeck::engine::wiring::backends(&c).unwrap()
        }
        None => offerdeck::engine::wiring::backends(&config).unwrap(),
    };
    let store = StateStore::open(dir);
    let setup = Setup {
        backends: backends.remembering_in(&store),
        store,
        clock,
        policies: FollowPolicies::from_config(&config),
        notifier: None,
        desktop: true,
        read_only: false,
        only_tracked: false,
        resume: true,
        on_wait: None,
        follow_starts: true,
    };
    let offers = config
        .offers
        .iter()
        .map(|o| (o.id.clone(), o.backend))
        .collect();
    Engine::start(setup, offers).unwrap()
}

/// Events until `done` says so of one, within the deadline; returns every event seen.
pub async fn until(
    started: &mut Started,
    what: &str,
    mut done: impl FnMut(&EngineEvent, &Started) -> bool,
) -> Vec<EngineEvent> {
    let mut seen = Vec::new();
    let waited = tokio::time::timeout(DEADLINE, async {
        while let Some(event) = started.recv().await {
            let stop = done(&event, started);
            seen.push(event);
            if stop {
                return;
            }
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "timed out waiting for {what}; saw {seen:#?}"
    );
    seen
}

/// Asks the engine for `kind` on `offer`.
pub fn ask(started: &Started, offer: &OfferId, kind: OpKind, emails: Vec<String>) {
    started.engine.send(Command::Start {
        offer: offer.clone(),
        kind,
        emails,
        retry: false,
    });
}

pub fn state<'a>(started: &'a Started, offer: &OfferId) -> &'a OfferState {
    started.last.get(offer).expect("a tracked offer")
}

pub async fn read(started: &mut Started, offer: &OfferId) {
    started.engine.send(Command::Refresh(offer.clone()));
    let offer = offer.clone();
    until(started, "the status", |e, _| {
        matches!(e, EngineEvent::Offer(s) if s.id == offer && s.activity != Activity::Loading
            && (s.service_at.is_some() || s.problem.is_some()))
    })
    .await;
}
