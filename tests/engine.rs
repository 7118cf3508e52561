//! The engine on its own, headless, against the simulator over real HTTP: it starts, follows,
//! merges cancel requests, refuses by its rules before anything is sent, decides the
//! notifications, and keeps every offer's truth across restarts and across two processes on
//! one data folder.

mod common;

use std::time::Duration;

use offerdeck::domain::{BackendKind, OfferId, OpKind, Status};
use offerdeck::engine::{
    Activity, Command, Engine, EngineEvent, FollowPolicies, News, OfferState, Refusal, Setup,
    Standing, Started,
};
use offerdeck::sim::Simulator;
use offerdeck::store::StateStore;

const DEADLINE: Duration = Duration::from_secs(30);

fn id(s: &str) -> OfferId {
    s.parse().unwrap()
}

/// The demo's client secret, which the demo config names, in this process's environment.
fn demo_secret() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: set once, before any test thread reads the environment through the config (every
    // test calls this first), always to the same value.
    ONCE.call_once(|| unsafe { std::env::set_var("OFFERDECK_DEMO_SECRET", "demo-secret") });
}

/// An engine on the demo config's offers against `sim`, with its store in `dir`.
fn engine(sim: &Simulator, dir: &std::path::Path, token: Option<&str>) -> Started {
    engine_on(sim, dir, token, offerdeck::clock::Clock::System)
}

/// `engine`, on `clock` (the simulator's, when the test moves time).
fn engine_on(
    sim: &Simulator,
    dir: &std::path::Path,
    token: Option<&str>,
    clock: offerdeck::clock::Clock,
) -> Started {
    demo_secret();
    let path = common::write_config(dir, sim, "50ms");
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
async fn until(
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
fn ask(started: &Started, offer: &OfferId, kind: OpKind, emails: Vec<String>) {
    started.engine.send(Command::Start {
        offer: offer.clone(),
        kind,
        emails,
        retry: false,
    });
}

fn state<'a>(started: &'a Started, offer: &OfferId) -> &'a OfferState {
    started.last.get(offer).expect("a tracked offer")
}

async fn read(started: &mut Started, offer: &OfferId) {
    started.engine.send(Command::Refresh(offer.clone()));
    let offer = offer.clone();
    until(started, "the status", |e, _| {
        matches!(e, EngineEvent::Offer(s) if s.id == offer && s.activity != Activity::Loading
            && (s.service_at.is_some() || s.problem.is_some()))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_is_started_followed_to_sign_off_recorded_and_notified() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let mut started = engine(&sim, dir.path(), None);
    let vm = id("contoso/contoso-vm");
    read(&mut started, &vm).await;
    assert_eq!(state(&started, &vm).standing(), Standing::NeverPublished);
    ask(
        &started,
        &vm,
        OpKind::Publish,
        vec!["ops@contoso.com".into()],
    );
    let events = until(&mut started, "sign-off", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.standing() == Standing::ReadyForGoLive)
    })
    .await;
    assert!(events.iter().any(|e| matches!(
        e,
        EngineEvent::News {
            news: News::Accepted {
                kind: OpKind::Publish,
                adopted: false
            },
            ..
        }
    )));
    // The one rule for notices: sign-off is news people hear of, once.
    until(
        &mut started,
        "the desktop notice",
        |e, _| matches!(e, EngineEvent::Desktop(n) if n.message.contains("ready for go-live")),
    )
    .await;
    // The store has it as the engine does.
    let stored = StateStore::open(dir.path()).latest().unwrap();
    let record = stored.iter().find(|o| o.offer == vm).unwrap();
    assert!(record.finished);
    assert_eq!(record.seen.status, Status::WaitingForPublisherReview);
    assert_eq!(
        record.notification_emails,
        vec!["ops@contoso.com".to_string()]
    );
    started.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_refuse_before_anything_is_sent() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let mut started = engine(&sim, dir.path(), None);
    let vm = id("contoso/contoso-vm");
    read(&mut started, &vm).await;
    let before = sim.with_state(|s| s.api_requests);
    ask(&started, &vm, OpKind::GoLive, Vec::new());
    let events = until(&mut started, "the refusal", |e, _| {
        matches!(
            e,
            EngineEvent::News {
                news: News::Refused(_),
                ..
            }
        )
    })
    .await;
    assert!(events.iter().any(|e| matches!(
        e,
        EngineEvent::News {
            news: News::Refused(Refusal::NotReadyForGoLive(_)),
            ..
        }
    )));
    ask(&started, &vm, OpKind::Cancel, Vec::new());
    until(&mut started, "the refusal", |e, _| {
        matches!(
            e,
            EngineEvent::News {
                news: News::Refused(Refusal::NothingRunning),
                ..
            }
        )
    })
    .await;
    assert_eq!(
        sim.with_state(|s| s.api_requests),
        before,
        "nothing was sent"
    );
    started.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_is_a_request_on_the_running_publish_which_ends_canceled() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut started = engine(&sim, dir.path(), None);
    let vm = id("contoso/contoso-vm");
    read(&mut started, &vm).await;
    ask(&started, &vm, OpKind::Publish, Vec::new());
    until(&mut started, "the publish to run", |_, s| {
        s.last.get(&vm).is_some_and(|o| o.running().is_some())
    })
    .await;
    // A second publish while one runs is refused by the rules.
    ask(&started, &vm, OpKind::Publish, Vec::new());
    until(&mut started, "the refusal", |e, _| {
        matches!(
            e,
            EngineEvent::News {
                news: News::Refused(Refusal::Busy(_)),
                ..
            }
        )
    })
    .await;
    ask(&started, &vm, OpKind::Cancel, Vec::new());
    until(&mut started, "the cancel request", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.standing() == Standing::Canceling)
    })
    .await;
    // The cancel lands minutes of service time later; one copy knew it was asked for.
    // The cancel lands two minutes of service time after it was asked for.
    sim.advance(Duration::from_secs(300));
    let events = until(&mut started, "canceled", |e, _| {
        matches!(
            e,
            EngineEvent::News {
                news: News::StatusChanged {
                    status: Status::Canceled,
                    ..
                },
                ..
            }
        )
    })
    .await;
    assert!(events.iter().any(|e| matches!(
        e,
        EngineEvent::News {
            news: News::StatusChanged {
                status: Status::Canceled,
                asked_to_cancel: true,
                ..
            },
            ..
        }
    )));
    let op = state(&started, &vm).op.clone().unwrap();
    assert!(
        op.succeeded(),
        "a requested cancel is how it was meant to end"
    );
    let record = StateStore::open(dir.path())
        .find(&op.pointer)
        .unwrap()
        .unwrap();
    assert!(record.cancel_requested_at.is_some() && record.finished);
    started.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_product_ingestion_publish_keeps_its_reason_after_a_restart() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let beta = id("fabrikam/beta");
    let reason = {
        let mut started = engine(&sim, dir.path(), None);
        read(&mut started, &beta).await;
        ask(&started, &beta, OpKind::Publish, Vec::new());
        until(&mut started, "the failure", |_, s| {
            s.last
                .get(&beta)
                .is_some_and(|o| o.standing() == Standing::Failed)
        })
        .await;
        let reason = state(&started, &beta).failure().unwrap().to_string();
        assert!(reason.contains("certification failed"), "{reason}");
        started.engine.shutdown();
        reason
    };
    // A new process: the service's status says failed and gives no reason; the store has it.
    let mut again = engine(&sim, dir.path(), None);
    read(&mut again, &beta).await;
    let truth = state(&again, &beta);
    assert_eq!(truth.standing(), Standing::Failed);
    assert_eq!(truth.failure(), Some(reason.as_str()));
    assert!(truth.shown_op().is_some(), "its last operation is known");
    again.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_failed_start_does_not_hide_a_preview_waiting_for_sign_off() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let eta = id("fabrikam/eta");
    {
        // A token the service refuses: the publish is not sent, and that is recorded.
        let mut started = engine(&sim, dir.path(), Some("expired-token"));
        read(&mut started, &eta).await;
        ask(&started, &eta, OpKind::Publish, Vec::new());
        until(&mut started, "the failed start", |e, _| {
            matches!(
                e,
                EngineEvent::News {
                    news: News::StartFailed { .. },
                    ..
                }
            ) || matches!(
                e,
                EngineEvent::News {
                    news: News::Refused(_),
                    ..
                }
            )
        })
        .await;
        started.engine.shutdown();
    }
    assert_eq!(StateStore::open(dir.path()).failures().unwrap().len(), 1);
    let mut again = engine(&sim, dir.path(), None);
    read(&mut again, &eta).await;
    let truth = state(&again, &eta);
    assert_eq!(truth.standing(), Standing::ReadyForGoLive);
    assert!(
        truth.earlier_failure().is_some(),
        "the attempt is still shown beside it"
    );
    assert!(offerdeck::engine::may_start(OpKind::GoLive, truth, false).is_ok());
    assert!(
        offerdeck::engine::rules::warning_before(OpKind::Publish, truth)
            .is_some_and(|w| w.contains("waiting for sign-off")),
        "a publish over it is warned about"
    );
    again.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reachability_is_per_api_and_clears_at_the_first_answer() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let mut started = engine(&sim, dir.path(), None);
    // One offer's throttling is that offer's: the API answers (a 429 is an answer).
    let db = id("fabrikam/fabrikam-db");
    let mut events = Vec::new();
    // Every third request of this offer is answered 429: three reads meet one.
    for _ in 0..3 {
        started.engine.send(Command::Refresh(db.clone()));
        events.extend(
            until(&mut started, "the throttled status", |e, _| {
                matches!(e, EngineEvent::Offer(s) if s.id == db && s.activity == Activity::Idle
                    && s.service_at.is_some())
            })
            .await,
        );
    }
    // The 429 was that offer's: its row said it retries.
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EngineEvent::Offer(s) if s.id == db && s.retrying.is_some())),
        "{events:#?}"
    );
    assert!(
        !events.iter().any(|e| matches!(
            e,
            EngineEvent::Reachability {
                unreachable_since: Some(_),
                ..
            }
        )),
        "throttling is an answer: {events:#?}"
    );
    started.engine.shutdown();
    // A closed port: no answer to any request, so that API is unreachable, the other is not.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let path = common::write_config(dir.path(), &sim, "50ms");
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        &format!("base_url = \"http://{}\"", sim.addr()),
        &format!("base_url = \"http://{closed}\"\nmax_retries = 0"),
        1,
    );
    std::fs::write(&path, text).unwrap();
    let config = offerdeck::config::load(&path, "test").unwrap();
    demo_secret();
    let store = StateStore::open(dir.path());
    let setup = Setup {
        backends: offerdeck::engine::wiring::backends(&config).unwrap(),
        store,
        clock: offerdeck::clock::Clock::System,
        policies: FollowPolicies::from_config(&config),
        notifier: None,
        desktop: false,
        read_only: false,
        only_tracked: false,
        resume: false,
        on_wait: None,
        follow_starts: true,
    };
    let offers = config
        .offers
        .iter()
        .map(|o| (o.id.clone(), o.backend))
        .collect();
    let mut closed_engine = Engine::start(setup, offers).unwrap();
    let vm = id("contoso/contoso-vm");
    closed_engine.engine.send(Command::Refresh(vm.clone()));
    let events = until(&mut closed_engine, "CPP unreachable", |e, _| {
        matches!(
            e,
            EngineEvent::Reachability {
                api: BackendKind::Cpp,
                unreachable_since: Some(_)
            }
        )
    })
    .await;
    assert!(!events.iter().any(|e| matches!(
        e,
        EngineEvent::Reachability {
            api: BackendKind::Ingestion,
            unreachable_since: Some(_)
        }
    )));
    // The Product Ingestion API answers: never said unreachable.
    read(&mut closed_engine, &id("fabrikam/alpha")).await;
    closed_engine.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_on_one_data_folder_poll_an_operation_once() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let mut first = engine(&sim, dir.path(), None);
    read(&mut first, &vm).await;
    ask(&first, &vm, OpKind::Publish, Vec::new());
    until(&mut first, "the publish to be polled", |e, s| {
        matches!(e, EngineEvent::Polled { .. } | EngineEvent::Offer(_))
            && s.last
                .get(&vm)
                .is_some_and(|o| o.running().is_some() && o.last_ok.is_some())
    })
    .await;
    // A second process on the same folder resumes it, sees the first one polls it, and reads
    // what that one records instead of asking the service too.
    let mut second = engine(&sim, dir.path(), None);
    until(&mut second, "following elsewhere", |_, s| {
        s.last.get(&vm).is_some_and(|o| o.followed_elsewhere)
    })
    .await;
    // When the first one stops, the second takes over at once.
    first.engine.shutdown();
    sim.advance(Duration::from_secs(60));
    until(&mut second, "polling it itself", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| !o.followed_elsewhere && o.running().is_some())
    })
    .await;
    second.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_started_elsewhere_keeps_the_start_the_service_gives() {
    let sim = common::manual_simulator().await;
    let (mine, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alpha = id("fabrikam/alpha");
    // Someone else (another machine, its own data folder) publishes.
    let mut other = engine_on(&sim, theirs.path(), None, sim.clock().clone());
    read(&mut other, &alpha).await;
    ask(&other, &alpha, OpKind::Publish, Vec::new());
    until(&mut other, "their publish", |_, s| {
        s.last.get(&alpha).is_some_and(|o| o.running().is_some())
    })
    .await;
    let began = state(&other, &alpha).op.as_ref().unwrap().started_at;
    other.engine.shutdown();
    sim.advance(Duration::from_secs(120));
    // This side notices it two minutes later, and says when it began.
    let mut started = engine_on(&sim, mine.path(), None, sim.clock().clone());
    read(&mut started, &alpha).await;
    until(&mut started, "the publish found running", |e, _| {
        matches!(
            e,
            EngineEvent::News {
                news: News::FoundRunning { .. },
                ..
            }
        )
    })
    .await;
    let found = state(&started, &alpha).op.clone().unwrap();
    assert!(
        (found.started_at - began).num_seconds().abs() <= 1,
        "started {} (began {began})",
        found.started_at
    );
    started.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_takes_in_what_another_process_ran_meanwhile_even_once_it_ended() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let mut watching = engine(&sim, dir.path(), None);
    let mut other = engine(&sim, dir.path(), None);
    read(&mut other, &vm).await;
    ask(&other, &vm, OpKind::Publish, Vec::new());
    until(&mut other, "sign-off", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.standing() == Standing::ReadyForGoLive)
    })
    .await;
    other.engine.shutdown();
    // The first process knew nothing of it; a reload brings the operation, ended or not.
    watching.engine.send(Command::Reload);
    until(&mut watching, "the other process's publish", |_, s| {
        s.last
            .get(&vm)
            .and_then(|o| o.op.as_ref())
            .is_some_and(|op| op.kind == OpKind::Publish && op.finished)
    })
    .await;
    watching.engine.shutdown();
    sim.stop().await;
}
