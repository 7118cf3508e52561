//! Two offerdecks on one data folder (two dashboards, a dashboard and a headless command): one
//! truth. What one starts, the other takes up within a second of its record; one polls an
//! operation for both, and the other takes over when it stops.

mod common;

use std::time::Duration;

use common::engine::*;
use offerdeck::domain::OpKind;
use offerdeck::engine::{Command, EngineEvent, News, Standing, Started};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_on_one_data_folder_poll_an_operation_once() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let mut first = engine(&sim, dir.path(), None);
    read(&mut first, &vm).await;
    ask(&first, &vm, OpKind::Publish, Vec::new());
    polled_here(&mut first, &vm).await;
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

/// Following again what is followed (a record read back that looks like a new run of it)
/// replaces its poll task with one on the same operation: the lease stays this process's (the old task once gave it up under the new one's feet, and a
/// second offerdeck on the folder began polling too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_the_same_operation_again_keeps_the_lease_on_polling() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let mut polling = engine(&sim, dir.path(), None);
    read(&mut polling, &vm).await;
    ask(&polling, &vm, OpKind::Publish, Vec::new());
    polled_here(&mut polling, &vm).await;
    let op = state(&polling, &vm).op.clone().unwrap();
    let pointer = op.pointer.clone();
    let store = offerdeck::store::StateStore::open(dir.path());
    for round in 0..5 {
        polling.engine.send(Command::Follow(Box::new(op.clone())));
        // Two polls after it: the new task's first, and one more.
        let mut polls = 0;
        until(&mut polling, "polls after following again", |e, _| {
            if matches!(e, EngineEvent::Polled { offer, .. } if *offer == vm) {
                polls += 1;
            }
            polls >= 2
        })
        .await;
        assert!(
            store.lease_holder(&pointer).unwrap().is_some(),
            "round {round}: nobody holds the lease on polling the publish"
        );
    }
    let mut reading = engine(&sim, dir.path(), None);
    until(&mut reading, "following elsewhere", |_, s| {
        s.last.get(&vm).is_some_and(|o| o.followed_elsewhere)
    })
    .await;
    polling.engine.shutdown();
    reading.engine.shutdown();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_another_process_starts_is_followed_here_within_seconds_and_taken_over() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let mut watching = engine(&sim, dir.path(), None);
    read(&mut watching, &vm).await;
    let mut other = engine(&sim, dir.path(), None);
    read(&mut other, &vm).await;
    ask(&other, &vm, OpKind::Publish, Vec::new());
    until(&mut other, "their publish", |_, s| {
        s.last.get(&vm).is_some_and(|o| o.running().is_some())
    })
    .await;
    let theirs = state(&other, &vm).op.clone().unwrap();
    // Nobody asks this one to reload: it sees the other's record by itself, with the start
    // the other one recorded, and reads what that one polls.
    until(&mut watching, "their publish, here", |_, s| {
        s.last.get(&vm).is_some_and(|o| {
            o.running().is_some_and(|op| op.pointer == theirs.pointer) && o.followed_elsewhere
        })
    })
    .await;
    assert_eq!(
        state(&watching, &vm).op.as_ref().unwrap().started_at,
        theirs.started_at
    );
    // The other one quits: this one polls it itself from its next poll.
    other.engine.shutdown();
    until(&mut watching, "polling it itself", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| !o.followed_elsewhere && o.running().is_some())
    })
    .await;
    watching.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recheck_of_an_old_lost_operation_gives_way_to_the_newer_one_started_elsewhere() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    // An old publish the service no longer knows: this process finds it lost.
    let store = offerdeck::store::StateStore::open(dir.path());
    let old = offerdeck::domain::Operation::new(
        vm.clone(),
        offerdeck::domain::BackendKind::Cpp,
        OpKind::Publish,
        sim.base_url()
            .join("api/publishers/contoso/offers/contoso-vm/operations/gone?api-version=2017-10-31")
            .unwrap(),
        &[],
        chrono::Utc::now() - chrono::Duration::hours(2),
    );
    store.upsert(&old).unwrap();
    let mut watching = engine(&sim, dir.path(), None);
    until(&mut watching, "the old publish lost", |_, s| {
        s.last
            .get(&vm)
            .and_then(|o| o.op.as_ref())
            .is_some_and(|op| op.lost.is_some())
    })
    .await;
    assert_eq!(state(&watching, &vm).standing(), Standing::Lost);
    // Another dashboard on the folder publishes.
    let mut other = engine(&sim, dir.path(), None);
    read(&mut other, &vm).await;
    ask(&other, &vm, OpKind::Publish, Vec::new());
    until(&mut other, "their publish", |_, s| {
        s.last.get(&vm).is_some_and(|o| o.running().is_some())
    })
    .await;
    let theirs = state(&other, &vm).op.clone().unwrap();
    // Ctrl-r here, in the order that once kept the old one: the old operation is tried
    // again first. The newer one is what the offer follows all the same.
    watching.engine.send(Command::Recheck(vm.clone()));
    watching.engine.send(Command::Reload);
    until(&mut watching, "the newer publish followed", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.running().is_some_and(|op| op.pointer == theirs.pointer))
    })
    .await;
    assert_eq!(
        state(&watching, &vm).standing(),
        Standing::Running(OpKind::Publish)
    );
    other.engine.shutdown();
    watching.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_live_sent_by_a_headless_command_shows_here_and_ends_live() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let mut watching = engine(&sim, dir.path(), None);
    read(&mut watching, &vm).await;
    ask(&watching, &vm, OpKind::Publish, Vec::new());
    until(&mut watching, "sign-off", |_, s| {
        s.last
            .get(&vm)
            .is_some_and(|o| o.standing() == Standing::ReadyForGoLive)
    })
    .await;
    // `offerdeck golive` in another terminal, on the same data folder.
    let config = dir.path().join("config.toml").display().to_string();
    let run = common::offerdeck(
        dir.path(),
        &["--config", &config, "golive", "contoso/contoso-vm"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    until(&mut watching, "the go-live, then live", |_, s| {
        s.last.get(&vm).is_some_and(|o| {
            o.op.as_ref().is_some_and(|op| op.kind == OpKind::GoLive)
                && o.standing() == Standing::Live
        })
    })
    .await;
    // And nothing here still offers a go-live of it.
    assert!(offerdeck::engine::may_start(OpKind::GoLive, state(&watching, &vm), false).is_err());
    watching.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_again_on_the_same_operation_url_shows_in_the_other_process_as_new() {
    let sim = common::simulator(common::FAST).await;
    let addr = sim.addr();
    let dir = tempfile::tempdir().unwrap();
    // CPP's legacy pointers name the offer's version slot: a service that forgot its runs
    // (here, restarted) gives the next publish the URL of the last one.
    let gateway = id("contoso/contoso-gateway");
    let mut one = engine(&sim, dir.path(), None);
    let mut other = engine(&sim, dir.path(), None);
    read(&mut one, &gateway).await;
    read(&mut other, &gateway).await;
    ask(&one, &gateway, OpKind::Publish, Vec::new());
    until(&mut one, "the first publish failed", |_, s| {
        s.last
            .get(&gateway)
            .is_some_and(|o| o.standing() == Standing::Failed)
    })
    .await;
    let first = state(&one, &gateway).op.clone().unwrap();
    until(&mut other, "the first publish, there", |_, s| {
        s.last
            .get(&gateway)
            .and_then(|o| o.op.as_ref())
            .is_some_and(|op| op.finished)
    })
    .await;
    sim.stop().await;
    let sim =
        offerdeck::sim::Simulator::start(addr, offerdeck::sim::SimOptions::demo(common::FAST))
            .await
            .expect("the service is back on its port, its runs forgotten");
    read(&mut one, &gateway).await;
    // A connection kept from before the restart may be closed under the ask: the start fails
    // as unreachable and, as a user would, the test asks again (a few times at most).
    for _ in 0..3 {
        ask(&one, &gateway, OpKind::Publish, Vec::new());
        let seen = until(
            &mut one,
            "the second publish accepted or refused",
            |e, s| {
                matches!(
                    e,
                    EngineEvent::News {
                        news: News::StartFailed { .. },
                        ..
                    }
                ) || s
                    .last
                    .get(&gateway)
                    .and_then(|o| o.op.as_ref())
                    .is_some_and(|op| op.started_at > first.updated_at)
            },
        )
        .await;
        if !matches!(
            seen.last(),
            Some(EngineEvent::News { news: News::StartFailed { problem, .. }, .. })
                if problem.kind == offerdeck::engine::ProblemKind::Unreachable
        ) {
            break;
        }
    }
    let second = state(&one, &gateway).op.clone().unwrap();
    assert!(
        second.started_at > first.updated_at,
        "the second publish was never accepted: {second:#?}"
    );
    assert_eq!(second.pointer, first.pointer, "the same URL");
    // The other process takes it up as the new run it is, with its own start.
    until(&mut other, "the second publish, there", |_, s| {
        s.last
            .get(&gateway)
            .and_then(|o| o.op.as_ref())
            .is_some_and(|op| op.started_at == second.started_at)
    })
    .await;
    // And the history keeps both runs.
    let runs = offerdeck::store::StateStore::open(dir.path())
        .history(
            Some(&gateway),
            first.started_at - chrono::Duration::seconds(1),
        )
        .unwrap();
    assert_eq!(runs.len(), 2, "{runs:#?}");
    one.engine.shutdown();
    other.engine.shutdown();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_process_that_reads_the_records_sees_progress_within_a_step_too() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let mut polling = engine(&sim, dir.path(), None);
    read(&mut polling, &vm).await;
    ask(&polling, &vm, OpKind::Publish, Vec::new());
    polled_here(&mut polling, &vm).await;
    let op = state(&polling, &vm).op.clone().unwrap();
    let pointer = op.pointer.clone();
    let store = offerdeck::store::StateStore::open(dir.path());
    // Into the first step's work (its state changes: written at once).
    sim.advance(Duration::from_secs(60));
    let (step, state_word, before) = recorded(&store, &pointer, |_, state: &Option<String>, _| {
        state.as_deref() == Some("inProgress")
    })
    .await;
    // Further into the same step: only its percentage grows, and the records follow it.
    sim.advance(Duration::from_secs(60));
    let (later_step, later_state, after) = recorded(
        &store,
        &pointer,
        |id: &Option<String>, state: &Option<String>, p| {
            *id == step && *state == state_word && p > before
        },
    )
    .await;
    assert_eq!((later_step, later_state), (step, state_word));
    assert!(after > before);
    polling.engine.shutdown();
    sim.stop().await;
}

/// The current step, its state and its progress as the records hold them of the operation at
/// `pointer`, once they satisfy `done` (within the deadline).
async fn recorded(
    store: &offerdeck::store::StateStore,
    pointer: &url::Url,
    done: impl Fn(&Option<String>, &Option<String>, u8) -> bool,
) -> (Option<String>, Option<String>, u8) {
    let read = || {
        let op = store.find(pointer).unwrap().unwrap();
        let step = op.seen.current_step.as_ref();
        let id = step.map(|s| s.id.clone());
        let state = step.map(|s| s.status.to_string());
        let progress = step.map_or(0, |s| s.progress);
        (id, state, progress)
    };
    // What satisfied `done`, as it was then (the records may move on right after).
    let mut found = None;
    common::wait_until("the records to reach the step asked for", DEADLINE, || {
        let (id, state, progress) = read();
        let ok = done(&id, &state, progress);
        if ok {
            found = Some((id, state, progress));
        }
        ok
    })
    .await;
    found.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reading_process_sees_the_answers_stop_when_the_polling_one_gets_none() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let vm = id("contoso/contoso-vm");
    let mut polling = engine(&sim, dir.path(), None);
    read(&mut polling, &vm).await;
    ask(&polling, &vm, OpKind::Publish, Vec::new());
    polled_here(&mut polling, &vm).await;
    let mut reading = engine(&sim, dir.path(), None);
    until(&mut reading, "following elsewhere", |_, s| {
        s.last.get(&vm).is_some_and(|o| o.followed_elsewhere)
    })
    .await;
    // The service goes away: the polling process retries; the reading one keeps reading the
    // records, and its last good answer stays when they were last written, not now.
    sim.stop().await;
    let stopped = chrono::Utc::now();
    until(&mut polling, "retrying", |_, s| {
        s.last.get(&vm).is_some_and(|o| o.retrying.is_some())
    })
    .await;
    // What the polling one finds of the API, the reading one says too (it sends nothing).
    until(
        &mut reading,
        "CPP unreachable, as the polling one finds",
        |e, _| {
            matches!(
                e,
                EngineEvent::Reachability {
                    api: offerdeck::domain::BackendKind::Cpp,
                    unreachable_since: Some(_),
                    ..
                }
            )
        },
    )
    .await;
    until(
        &mut reading,
        "answers older than the records' pace",
        |e, _| {
            matches!(e, EngineEvent::Polled { offer, at, .. }
            if *offer == vm && *at <= stopped
                && chrono::Utc::now() - *at > offerdeck::engine::RECORD_EVERY)
        },
    )
    .await;
    // The polling one stops: its finding goes with it (the reading one, taking over, finds
    // out for itself).
    polling.engine.shutdown();
    let store = offerdeck::store::StateStore::open(dir.path());
    assert!(store.reach_elsewhere("no-such-holder").unwrap().is_empty());
    reading.engine.shutdown();
}

/// Until `started` itself polled the publish on `offer`: it holds the lease by then (taken
/// before its first poll), so an engine started after it reads the records. The start's answer
/// alone is not enough: on a loaded machine the poll task may not have run yet, and the second
/// engine would take the lease first.
async fn polled_here(started: &mut Started, offer: &offerdeck::domain::OfferId) {
    until(started, "the publish polled here", |e, s| {
        matches!(e, EngineEvent::Polled { offer: o, .. } if o == offer)
            && s.last.get(offer).is_some_and(|o| o.running().is_some())
    })
    .await;
}
