//! Reachability as the engine judges it, per API: an API that stops answering is said so
//! (its token endpoint included), asked again on a backoff that is said, and cleared by itself
//! at its first answer, with every failed read read again.

mod common;

use common::engine::*;
use offerdeck::domain::BackendKind;
use offerdeck::engine::{EngineEvent, Standing};
use offerdeck::sim::{SimOptions, Simulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_that_does_not_answer_is_asked_again_and_clears_by_itself_when_it_does() {
    // A port where nothing listens yet: no token, no answer.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut started = engine_at(addr, dir.path(), None, offerdeck::clock::Clock::System);
    let vm = id("contoso/contoso-vm");
    read(&mut started, &vm).await;
    assert_eq!(state(&started, &vm).standing(), Standing::Error);
    // Unreachable (the sign-in got no answer), with the next try said.
    let events = until(
        &mut started,
        "CPP unreachable, and when it is asked again",
        |e, _| {
            matches!(
                e,
                EngineEvent::Reachability {
                    api: BackendKind::Cpp,
                    unreachable_since: Some(_),
                    next_try: Some(_),
                }
            )
        },
    )
    .await;
    let next = events.iter().rev().find_map(|e| match e {
        EngineEvent::Reachability { next_try, .. } => *next_try,
        _ => None,
    });
    let wait = next.unwrap() - chrono::Utc::now();
    // Soon, and never more than a minute away (the backoff's cap).
    assert!(
        wait > chrono::Duration::zero() && wait <= chrono::Duration::seconds(60),
        "{wait}"
    );
    // The service comes back: nobody presses anything, the next probe finds it, and the row
    // that failed is read again.
    let sim = Simulator::start(addr, SimOptions::demo(common::FAST))
        .await
        .expect("the service comes back on its port");
    until(&mut started, "CPP reachable again", |e, _| {
        matches!(
            e,
            EngineEvent::Reachability {
                api: BackendKind::Cpp,
                unreachable_since: None,
                ..
            }
        )
    })
    .await;
    until(&mut started, "the failed row read again", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.problem.is_none() && o.service.is_some())
    })
    .await;
    assert_eq!(state(&started, &vm).standing(), Standing::NeverPublished);
    started.engine.shutdown();
    sim.stop().await;
}
