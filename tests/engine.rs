//! The engine on its own, headless, against the simulator over real HTTP: it starts, follows,
//! merges cancel requests, refuses by its rules before anything is sent, decides the
//! notifications, and keeps every offer's truth across restarts and across two processes on
//! one data folder.

mod common;

use common::engine::*;

use std::time::Duration;

use offerdeck::domain::{BackendKind, OpKind, Status};
use offerdeck::engine::{
    Activity, Command, Engine, EngineEvent, FollowPolicies, News, Refusal, Setup, Standing,
};
use offerdeck::store::StateStore;

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
                unreachable_since: Some(_),
                ..
            }
        )
    })
    .await;
    assert!(!events.iter().any(|e| matches!(
        e,
        EngineEvent::Reachability {
            api: BackendKind::Ingestion,
            unreachable_since: Some(_),
            ..
        }
    )));
    // The Product Ingestion API answers: never said unreachable.
    read(&mut closed_engine, &id("fabrikam/alpha")).await;
    closed_engine.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_live_refused_because_it_went_live_elsewhere_shows_live_at_once() {
    let sim = common::simulator(common::FAST).await;
    let (mine, theirs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let vm = id("contoso/contoso-vm");
    let mut here = engine(&sim, mine.path(), None);
    read(&mut here, &vm).await;
    ask(&here, &vm, OpKind::Publish, Vec::new());
    until(&mut here, "sign-off", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.standing() == Standing::ReadyForGoLive)
    })
    .await;
    // Someone on another machine takes it live.
    let mut other = engine(&sim, theirs.path(), None);
    read(&mut other, &vm).await;
    ask(&other, &vm, OpKind::GoLive, Vec::new());
    until(&mut other, "live, there", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.standing() == Standing::Live)
    })
    .await;
    other.engine.shutdown();
    // Here it still looks ready; L is refused by the service, and the row says live at once
    // (nobody presses Ctrl-r), with nothing left to go live.
    ask(&here, &vm, OpKind::GoLive, Vec::new());
    until(&mut here, "live, here", |_, s| {
        s.last.get(&vm).is_some_and(|o| {
            o.failed_start
                .as_ref()
                .is_some_and(|f| f.kind == OpKind::GoLive)
                && o.standing() == Standing::Live
        })
    })
    .await;
    assert!(offerdeck::engine::may_start(OpKind::GoLive, state(&here, &vm), false).is_err());
    here.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_off_is_known_by_its_step_name_too() {
    // The shape SUSE's client reads: the marker in `stepName`, another `id`.
    let mut options = offerdeck::sim::SimOptions::demo(common::FAST);
    options.settings.signoff_in_step_name = true;
    let sim = common::simulator_with(options).await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let mut started = engine(&sim, dir.path(), None);
    read(&mut started, &vm).await;
    ask(&started, &vm, OpKind::Publish, Vec::new());
    until(&mut started, "sign-off", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.standing() == Standing::ReadyForGoLive)
    })
    .await;
    let steps = state(&started, &vm).steps().to_vec();
    assert!(
        steps
            .iter()
            .any(|s| s.id == "publishersignoff" && s.name == "publisher-signoff"),
        "{steps:#?}"
    );
    ask(&started, &vm, OpKind::GoLive, Vec::new());
    until(&mut started, "live", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.standing() == Standing::Live)
    })
    .await;
    started.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_the_service_forgot_is_not_followed_in_every_view_and_across_restarts() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let store = StateStore::open(dir.path());
    let forgotten = offerdeck::domain::Operation::new(
        vm.clone(),
        BackendKind::Cpp,
        OpKind::Publish,
        sim.base_url()
            .join("api/publishers/contoso/offers/contoso-vm/operations/forgotten?api-version=2017-10-31")
            .unwrap(),
        &[],
        chrono::Utc::now() - chrono::Duration::hours(1),
    );
    store.upsert(&forgotten).unwrap();
    // Followed from the store, 404: no longer followed, and the offer's status is read at once;
    // it shows nothing of it (never published), so "not followed" stands, with why.
    let mut started = engine(&sim, dir.path(), None);
    until(&mut started, "the status read after the loss", |_, s| {
        s.last.get(&vm).is_some_and(|o| {
            o.op.as_ref().is_some_and(|op| op.lost.is_some())
                && o.service_at > o.op.as_ref().map(|op| op.updated_at)
        })
    })
    .await;
    let here = state(&started, &vm).clone();
    assert_eq!(here.standing(), Standing::Lost);
    assert!(
        here.reason().is_some_and(|r| r.contains("404")),
        "{:?}",
        here.reason()
    );
    // And `r` may retry it.
    assert!(offerdeck::engine::may_start(OpKind::Publish, &here, true).is_ok());
    started.engine.shutdown();
    // What a restart (or `status`) says is the same.
    let mut again = engine(&sim, dir.path(), None);
    read(&mut again, &vm).await;
    assert_eq!(state(&again, &vm).standing(), here.standing());
    again.engine.shutdown();
    sim.stop().await;
}
