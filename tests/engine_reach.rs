//! Reachability as the engine judges it, per API: an API that stops answering is said so
//! (its token endpoint included), asked again on a backoff that is said, and cleared by itself
//! at its first answer, with every failed read read again.

mod common;

use common::engine::*;
use offerdeck::domain::{BackendKind, OpKind};
use offerdeck::engine::{Activity, Command, EngineEvent, Standing};
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

/// A publish followed through an outage: its follower waits for the API's probe (its next try
/// is the header's, not a backoff of its own), gives up on nothing however many tries fail,
/// and polls at once when anything gets an answer from the API again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_waits_out_an_outage_on_the_probe_and_polls_at_the_first_answer() {
    let dir = tempfile::tempdir().unwrap();
    let options = || {
        let mut options = SimOptions::demo(1.0);
        options.clock = common::manual_clock();
        // The restarted service still runs the publish.
        options.persist = Some(dir.path().join("service.json"));
        options
    };
    let sim = common::simulator_with(options()).await;
    let addr = sim.addr();
    let mut started = engine_at(addr, dir.path(), None, offerdeck::clock::Clock::System);
    let (vm, analytics) = (id("contoso/contoso-vm"), id("contoso/contoso-analytics"));
    read(&mut started, &vm).await;
    read(&mut started, &analytics).await;
    ask(&started, &vm, OpKind::Publish, Vec::new());
    until(&mut started, "the publish polled", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.running().is_some() && o.last_ok.is_some())
    })
    .await;
    sim.stop().await;
    // Two probes in a row (5 s apart, then 10 s): each time the follower's next try is the
    // probe's, and it still follows (its own backoff, at the 50 ms floor, would have given up
    // after eight failures, about six seconds in).
    let mut next_try = None;
    let mut probes = 0;
    let mut agreed = 0;
    until(
        &mut started,
        "the follower on the probe's schedule",
        |e, s| {
            if let EngineEvent::Reachability {
                api: BackendKind::Cpp,
                next_try: Some(at),
                ..
            } = e
                && next_try != Some(*at)
            {
                next_try = Some(*at);
                probes += 1;
                agreed = 0;
            }
            let follower = s.last.get(&vm).and_then(|o| o.retrying.as_ref()?.until);
            if let (Some(at), Some(retry)) = (next_try, follower)
                && (retry - at).abs() < chrono::Duration::milliseconds(600)
            {
                agreed = probes;
            }
            probes >= 2 && agreed == probes
        },
    )
    .await;
    assert_eq!(state(&started, &vm).activity, Activity::Following);
    let parked_until = next_try.unwrap();
    // The service comes back; a read of another offer gets the first answer: the follower
    // polls then, not at its next try.
    let sim = common::simulator_at(addr, options()).await;
    started.engine.send(Command::Refresh(analytics.clone()));
    until(&mut started, "the publish polled again", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.retrying.is_none() && o.running().is_some())
    })
    .await;
    let polled = state(&started, &vm).last_ok.unwrap();
    assert!(
        polled < parked_until - chrono::Duration::seconds(1),
        "polled at {polled}, its next try was {parked_until}"
    );
    started.engine.shutdown();
    sim.stop().await;
}
