//! Publishes followed to their end at the service's own pace (time scale 1: days), each poll a
//! real request to the simulator over loopback. The simulator and the followers share a manual
//! clock, moved to the next wake-up whenever every follower waits: days pass in moments, and
//! what is counted is exactly what a real run would send. Shared by the polling benchmark and
//! its test.
// Shared by benches and tests, each of which uses a part.
#![allow(unreachable_pub, dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use offerdeck::api::ingestion::client::{DEFAULT_RESOURCE, DEFAULT_VERSION, IngestionClient};
use offerdeck::api::{ClientSettings, CppClient, Secret, TokenProvider, TokenSource};
use offerdeck::backend::{Backend, CppBackend, IngestionBackend};
use offerdeck::clock::{Clock, ManualClock};
use offerdeck::domain::{BackendKind, Cadence, OfferId, OpKind, Status};
use offerdeck::engine::FollowPolicy;
use offerdeck::engine::start as ops;
use offerdeck::sim::ingestion::{PreviewOutcome, ProductSpec, Quirk};
use offerdeck::sim::{SimOptions, Simulator};
use offerdeck::store::StateStore;

#[path = "engine_follow.rs"]
mod engine_follow;

/// What following a set of publishes to their end cost.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Requests to the API while following (the starts and the token endpoint not counted).
    pub api_calls: u64,
    /// Hours the operations ran, summed, in the service's time.
    pub operation_hours: f64,
    /// How each one ended.
    pub statuses: Vec<Status>,
    /// Per operation, how long it ran until its follower saw the end (service time).
    pub seen_after: Vec<chrono::Duration>,
}

impl Outcome {
    pub fn calls_per_operation_hour(&self) -> f64 {
        self.api_calls as f64 / self.operation_hours
    }
}

fn token_source(sim: &Simulator, resource: &str) -> TokenSource {
    TokenSource::ClientCredentials {
        authority: sim.base_url(),
        tenant_id: "bench".into(),
        client_id: "offerdeck-demo".into(),
        client_secret: Secret::new("demo-secret"),
        resource: resource.into(),
    }
}

fn backend(sim: &Simulator, api: BackendKind) -> Backend {
    let http = offerdeck::api::http::settings::http_client(
        Duration::from_secs(5),
        Duration::from_secs(10),
    )
    .expect("an HTTP client");
    match api {
        BackendKind::Cpp => {
            let provider =
                TokenProvider::new(token_source(sim, "https://cloudpartner.azure.com"), http)
                    .with_clock(sim.clock().clone());
            let settings = ClientSettings {
                base_url: sim.base_url(),
                ..ClientSettings::default()
            };
            Backend::Cpp(CppBackend::new(
                CppClient::new(settings, Arc::new(provider)).expect("a CPP client"),
            ))
        }
        BackendKind::Ingestion => {
            let provider = TokenProvider::new(token_source(sim, DEFAULT_RESOURCE), http)
                .with_clock(sim.clock().clone());
            let settings = ClientSettings {
                base_url: sim.base_url().join("rp/product-ingestion").expect("a URL"),
                api_version: DEFAULT_VERSION.into(),
                ..ClientSettings::default()
            };
            Backend::Ingestion(IngestionBackend::new(
                IngestionClient::new(settings, Arc::new(provider)).expect("an ingestion client"),
            ))
        }
    }
}

/// Products that all pass validation and certification.
fn products(count: usize) -> Vec<ProductSpec> {
    (1..=count)
        .map(|i| ProductSpec {
            guid: format!("0b3e5c1a-0000-4000-8000-{i:012}"),
            external_id: format!("offer-{i:04}"),
            alias: format!("Bench {i}"),
            outcome: PreviewOutcome::Succeeds,
            quirk: Quirk::None,
        })
        .collect()
}

/// Starts `offers` publishes on one API and follows each to its end with `cadence`, in the
/// simulator's time at scale 1.
pub async fn follow_publishes(api: BackendKind, offers: usize, cadence: Cadence) -> Outcome {
    let start: DateTime<Utc> = DateTime::from_timestamp(1_790_000_000, 0).expect("a time");
    let clock = Clock::manual(start);
    let Clock::Manual(manual) = clock.clone() else {
        unreachable!("a manual clock was made")
    };
    let mut options = SimOptions::demo(1.0);
    options.clock = clock.clone();
    options.offers = offerdeck::sim::catalogue::bench_offers(offers);
    options.products = products(offers);
    let sim = Simulator::start(([127, 0, 0, 1], 0).into(), options)
        .await
        .expect("the simulator starts");
    let backend = backend(&sim, api);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = StateStore::open(dir.path());
    let mut started = Vec::new();
    for i in 1..=offers {
        let offer = OfferId::new("bench", &format!("offer-{i:04}")).expect("an offer id");
        let outcome = ops::start(
            &backend,
            &store,
            OpKind::Publish,
            &offer,
            &["ops@bench.example".into()],
            clock.now(),
        )
        .await
        .unwrap_or_else(|e| panic!("{offer}: the publish did not start: {e}"));
        started.push(outcome.operation);
    }
    let calls_before = sim.with_state(|s| s.api_requests);
    let mut engine = engine_follow::follow(
        backend.clone(),
        store.clone(),
        clock.clone(),
        FollowPolicy::adaptive(cadence),
        started,
    );
    let ended = drive(&manual, offers, &mut engine).await;
    engine.engine.shutdown();
    let api_calls = sim.with_state(|s| s.api_requests) - calls_before;
    let seen_after: Vec<chrono::Duration> = ended.iter().map(|(_, ran)| *ran).collect();
    let operation_hours = seen_after
        .iter()
        .map(|d| d.num_seconds() as f64 / 3_600.0)
        .sum();
    sim.stop().await;
    Outcome {
        api_calls,
        operation_hours,
        statuses: ended.into_iter().map(|(status, _)| status).collect(),
        seen_after,
    }
}

/// Moves the clock to the next wake-up each time every follower still running waits, until all
/// have stopped; returns how each ended and how long it ran.
async fn drive(
    clock: &ManualClock,
    mut running: usize,
    started: &mut offerdeck::engine::Started,
) -> Vec<(Status, chrono::Duration)> {
    let mut ended = Vec::new();
    let mut seen: Vec<offerdeck::domain::OfferId> = Vec::new();
    while running > 0 {
        tokio::select! {
            event = started.recv() => match event {
                Some(event) => match engine_follow::ended(&event, started) {
                    Some(Ok(operation)) if !seen.contains(&operation.offer) => {
                        seen.push(operation.offer.clone());
                        running -= 1;
                        ended.push((operation.seen.status.clone(), clock.now() - operation.started_at));
                    }
                    Some(Err(why)) => panic!("stopped: {why}"),
                    Some(Ok(_)) | None => {}
                },
                None => break,
            },
            _ = clock.until_sleeping(running) => {
                clock.advance_to_next_wake();
            }
        }
    }
    ended
}
