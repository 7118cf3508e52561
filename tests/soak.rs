//! Fault soak: publishes through a simulator in chaos mode (429 with Retry-After, 500/503, HTML
//! error pages, answers slower than the client's timeout, dropped connections, truncated JSON).
//! Every operation must reach the state the simulator really has, the state store must agree,
//! nothing may be published twice, and the requests must stay within the retry bounds. The
//! binary is also killed with SIGKILL mid-run and restarted: nothing is lost.
//!
//! `cargo test --test soak` runs the short version; the long one (1,000 offers, 30 % chaos) is
//! `cargo test --release --test soak -- --ignored`.

mod common;

use std::time::Duration;

use offerdeck::backend::cpp::Observe;
use offerdeck::backend::{Backend, CppBackend};
use offerdeck::domain::{OfferId, OpKind, Operation, Status};
use offerdeck::engine::FollowPolicy;
use offerdeck::engine::start as ops;
use offerdeck::sim::{Chaos, OfferSpec, SimOptions, Simulator};
use offerdeck::store::StateStore;

#[path = "../benches/support/engine_follow.rs"]
mod engine_follow;

/// A publish reaches sign-off in about 2 s at this scale.
const SCALE: f64 = 150_000.0;

fn chaos(total: f64, seed: u64) -> Chaos {
    Chaos {
        slow_delay: Duration::from_millis(900),
        ..Chaos::even(total, seed)
    }
}

async fn chaos_sim(offers: usize, total: f64, seed: u64) -> Simulator {
    let mut options = SimOptions::demo(SCALE);
    options.offers = offerdeck::sim::catalogue::bench_offers(offers);
    options.chaos = Some(chaos(total, seed));
    Simulator::start(([127, 0, 0, 1], 0).into(), options)
        .await
        .unwrap()
}

fn soak_client(sim: &Simulator) -> Backend {
    let settings = offerdeck::api::ClientSettings {
        request_timeout: Duration::from_millis(500),
        max_concurrency: 16,
        ..common::fast_settings(sim)
    };
    Backend::Cpp(CppBackend::new(common::client_with(
        settings,
        common::credentials(sim),
    )))
}

/// What the simulator says about an operation right now.
fn truth(sim: &Simulator, record: &Operation) -> Status {
    let id = record.operation_id();
    let body = sim
        .with_state(|s| {
            s.operation(
                record.offer.publisher(),
                record.offer.offer(),
                &id,
                sim.clock().now(),
            )
        })
        .unwrap();
    // The simulator's own body, read the way the client reads the service's.
    let wire = serde_json::to_value(body).unwrap();
    serde_json::from_value::<offerdeck::api::cpp::types::OperationDetail>(wire)
        .unwrap()
        .effective_status()
}

async fn publish_everything(offers: usize, total: f64, seed: u64) {
    let sim = chaos_sim(offers, total, seed).await;
    let client = soak_client(&sim);
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=offers {
        let (client, store) = (client.clone(), store.clone());
        tasks.spawn(async move {
            let offer = OfferId::new("bench", &format!("offer-{i:04}")).unwrap();
            // The user (or a pipeline) tries again when a publish fails outright.
            let mut tries = 0;
            loop {
                tries += 1;
                match ops::start(
                    &client,
                    &store,
                    OpKind::Publish,
                    &offer,
                    &["ops@bench.com".into()],
                    chrono::Utc::now(),
                )
                .await
                {
                    Ok(started) => break started.operation,
                    // Each try draws new chaos dice; the client already backed off inside.
                    Err(e) if tries < 8 => {
                        assert!(
                            e.is_unclear() || matches!(e, offerdeck::api::ApiError::Server(_)),
                            "{offer}: {e}"
                        );
                    }
                    Err(e) => panic!("{offer}: could not start after {tries} tries: {e}"),
                }
            }
        });
    }
    let mut records = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        records.push(joined.expect("no task panicked"));
    }
    let policy = FollowPolicy {
        cadence: offerdeck::domain::Cadence::fixed(Duration::from_millis(200)),
        max_backoff: Duration::from_secs(2),
        max_consecutive_errors: 20,
    };
    let mut engine = engine_follow::follow(
        client.clone(),
        store.clone(),
        offerdeck::clock::Clock::System,
        policy,
        records,
    );
    let mut finals: Vec<Operation> = Vec::new();
    while finals.len() < offers {
        let event = engine.recv().await.expect("the engine runs");
        match engine_follow::ended(&event, &engine) {
            // Each offer's end once (its status is read again after it).
            Some(Ok(operation)) if !finals.iter().any(|f| f.offer == operation.offer) => {
                finals.push(operation)
            }
            Some(Ok(_)) => {}
            Some(Err(why)) => panic!("gave up: {why}"),
            None => {}
        }
    }
    engine.engine.shutdown();
    assert_eq!(finals.len(), offers);
    let stored = store.load().unwrap();
    // One record per publish, within the bounded history of finished operations.
    assert_eq!(stored.len(), offers.min(offerdeck::store::HISTORY_LIMIT));
    assert!(stored.iter().all(|r| r.finished));
    for record in &finals {
        assert!(record.finished);
        assert_eq!(
            record.seen.status,
            Status::WaitingForPublisherReview,
            "{}",
            record.offer
        );
        assert_eq!(truth(&sim, record), record.seen.status, "{}", record.offer);
        if let Some(kept) = stored.iter().find(|r| r.pointer == record.pointer) {
            assert_eq!(
                (kept.finished, &kept.seen.status),
                (true, &record.seen.status)
            );
        }
        let created = sim
            .with_state(|s| s.operations_created("bench", record.offer.offer(), OpKind::Publish));
        assert_eq!(created, 1, "{} published {created} times", record.offer);
    }
    let stats = sim.chaos_stats();
    assert!(
        stats.faults() > 0 && stats.throttle > 0 && stats.drop > 0 && stats.truncate > 0,
        "{stats:?}"
    );
    // No retry storm: every logical request costs at most 1 + max_retries attempts, and a
    // follower polls about every 200 ms for ~2 s: a start and ten polls, plus the retries of
    // the fifth of them that chaos answers with a fault, come to about 13 a publish. A storm
    // would be several times that.
    let sent = client.requests_sent();
    let ceiling = offers as u64 * 16;
    assert!(
        sent <= ceiling,
        "{sent} requests for {offers} publishes (ceiling {ceiling}); chaos {stats:?}"
    );
    eprintln!("soak: {offers} publishes, {sent} requests, faults injected {stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_publishes_through_chaos() {
    publish_everything(100, 0.2, 7).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long soak: cargo test --release --test soak -- --ignored"]
async fn a_thousand_publishes_through_heavy_chaos() {
    publish_everything(1_000, 0.3, 11).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_and_restarted_nothing_lost_nothing_twice() {
    // A manual clock: half the publishes start two days before the others, so after the watch
    // has run a while exactly that half has reached sign-off, whatever the machine's speed.
    let offers = 30;
    let mut options = SimOptions::demo(1.0);
    options.offers = offerdeck::sim::catalogue::bench_offers(offers);
    options.offers.push(OfferSpec::plain("contoso", "unused"));
    options.chaos = Some(chaos(0.1, 3));
    options.clock = common::manual_clock();
    let sim = Simulator::start(([127, 0, 0, 1], 0).into(), options)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = format!(
        "[api]\nbase_url = \"{}\"\npoll_interval = \"300ms\"\npoll_interval_max = \"300ms\"\nrequest_timeout = \"500ms\"\n[auth]\ntenant_id = \"t\"\nclient_id = \"offerdeck-demo\"\nclient_secret_env = \"OFFERDECK_DEMO_SECRET\"\nauthority = \"{}\"\n",
        sim.base_url(),
        sim.base_url()
    );
    for i in 1..=offers {
        config.push_str(&format!("[[offers]]\npublisher = \"bench\"\noffer = \"offer-{i:04}\"\nnotification_emails = [\"ops@bench.com\"]\n"));
    }
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    let c = config_path.display().to_string();

    let early = offers / 2;
    for i in 1..=offers {
        if i == early + 1 {
            sim.advance(Duration::from_secs(2 * 86_400));
        }
        let target = format!("bench/offer-{i:04}");
        let mut ok = false;
        for _ in 0..5 {
            let run =
                common::offerdeck(dir.path(), &["--config", &c, "publish", &target], &[]).await;
            if run.code == 0 {
                ok = true;
                break;
            }
            assert!(
                run.code == 6 || run.code == 8,
                "only 'unreachable' or 'unreadable' is worth trying again: {}",
                run.stderr
            );
        }
        assert!(ok, "{target} never started");
    }
    let store = StateStore::open(dir.path());
    assert_eq!(store.unfinished().unwrap().len(), offers);
    // The early half reaches sign-off; the late half is two days into certification.
    sim.advance(common::TO_SIGNOFF - Duration::from_secs(2 * 86_400));

    // Watch until the early half is recorded as finished, then kill -9 mid-run.
    let mut watch = tokio::process::Command::new(env!("CARGO_BIN_EXE_offerdeck"))
        .args(["--config", &c, "watch"])
        .env("OFFERDECK_DATA_DIR", dir.path())
        .env("OFFERDECK_DEMO_SECRET", "demo-secret")
        .env_remove("OFFERDECK_TOKEN")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    common::wait_until(
        "the watch to record the early half's sign-offs",
        Duration::from_secs(60),
        || {
            store
                .load()
                .is_ok_and(|all| all.iter().filter(|r| r.finished).count() >= early)
        },
    )
    .await;
    watch.start_kill().unwrap(); // SIGKILL
    let status = watch.wait().await.unwrap();
    assert!(!status.success());
    let left = store.unfinished().unwrap().len();
    assert_eq!(left, offers - early, "the kill landed mid-run");
    sim.advance(Duration::from_secs(2 * 86_400));

    // Restart: everything unfinished is resumed and finishes.
    let run = common::offerdeck(dir.path(), &["--config", &c, "watch", "--json"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let finals = run
        .stdout
        .lines()
        .filter(|l| l.contains("\"event\":\"final\""))
        .count();
    assert_eq!(finals, left, "the restart resumed exactly what was left");
    let records = store.load().unwrap();
    assert_eq!(records.len(), offers);
    // Whatever the kill interrupted, no temporary copy of the store is left behind.
    let debris: Vec<_> = common::walk(dir.path())
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(".operations.json.") || name.starts_with(".tmp")
        })
        .collect();
    assert!(debris.is_empty(), "{debris:?}");
    for record in &records {
        assert!(record.finished, "{}", record.offer);
        assert_eq!(truth(&sim, record), record.seen.status, "{}", record.offer);
        assert_eq!(
            sim.with_state(|s| s.operations_created(
                "bench",
                record.offer.offer(),
                OpKind::Publish
            )),
            1,
            "{}",
            record.offer
        );
    }
}
