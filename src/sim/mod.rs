//! The embedded simulator of the Cloud Partner Portal API (and the Product Ingestion API): a
//! real HTTP server on loopback, in the same binary, with the publish state machine, step
//! progress, 422 validation failures, certification failures, throttling, transient faults and
//! a fake Azure AD token endpoint.
//!
//! It also serves the Product Ingestion API under `/rp/product-ingestion`; `ingestion` holds
//! that API's state machine (products, submissions per environment, configure jobs).
//!
//! `offerdeck simulate` serves it; `--demo` and the tests start it in-process on port 0.

pub mod catalogue;
pub mod chaos;
pub mod ingestion;
pub mod model;
mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::Layer;
use url::Url;

use crate::clock::Clock;
pub use catalogue::{Behaviour, OfferSpec, PointerStyle, PublisherSpec};
pub use chaos::{Chaos, ChaosStats};
pub use model::{Fault, PostOutcome, PostRequest, SimSettings, SimState};
use server::Shared;

/// The api-versions the simulator accepts (the real service also knows the preview one).
pub const ACCEPTED_API_VERSIONS: [&str; 2] = ["2017-10-31", "2016-08-01-preview"];

/// Everything that shapes a simulator run.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub settings: SimSettings,
    pub publishers: Vec<PublisherSpec>,
    pub offers: Vec<OfferSpec>,
    /// Added to every answer (to measure clients against a realistic round trip).
    pub latency: Duration,
    pub client_id: String,
    pub client_secret: String,
    /// A token accepted without the token endpoint (given to the demo principal).
    pub static_token: Option<String>,
    /// Where the service's state is saved after every change, and restored from at start, so
    /// a restarted simulator still knows the operations it was running.
    pub persist: Option<PathBuf>,
    /// Faults injected into `/api` answers.
    pub chaos: Option<Chaos>,
    /// The most requests the service answers at once; more are refused with 429 (and answers
    /// slow down past half of it).
    pub max_in_flight: Option<usize>,
    /// Where the service's time comes from: the system clock, or a manual one tests advance.
    pub clock: Clock,
    /// The products the Product Ingestion API serves.
    pub products: Vec<ingestion::ProductSpec>,
    /// What the Product Ingestion API insists on.
    pub strictness: ingestion::Strictness,
}

impl SimOptions {
    /// The demo catalogue at the given time scale.
    pub fn demo(time_scale: f64) -> SimOptions {
        let (publishers, offers) = catalogue::demo();
        SimOptions {
            settings: SimSettings {
                time_scale,
                ..SimSettings::default()
            },
            publishers,
            offers,
            latency: Duration::ZERO,
            client_id: catalogue::DEMO_CLIENT_ID.into(),
            client_secret: catalogue::DEMO_CLIENT_SECRET.into(),
            static_token: None,
            persist: None,
            chaos: None,
            max_in_flight: None,
            clock: Clock::System,
            products: catalogue::demo_products(),
            strictness: ingestion::Strictness::default(),
        }
    }
}

/// A running simulator. Dropping it (or `stop`) shuts the server down.
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Where the Product Ingestion API's state is kept between runs, beside the CPP state's file.
pub fn ingestion_file(persist: &std::path::Path) -> PathBuf {
    persist.with_extension("ingestion.json")
}

impl Simulator {
    /// Binds `addr` (port 0 picks a free one) and serves until stopped.
    pub async fn start(addr: SocketAddr, options: SimOptions) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let saved = options
            .persist
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|bytes| serde_json::from_slice::<model::Saved>(&bytes).ok());
        let now = options.clock.now();
        let time_scale = options.settings.time_scale;
        let mut state = match saved {
            Some(saved) => SimState::restore(options.settings, saved, now),
            None => SimState::new(options.settings, options.publishers, options.offers, now),
        };
        if let Some(token) = &options.static_token {
            state.add_static_token(token, &options.client_id);
        }
        // The Product Ingestion API's products and jobs, as the last run left them.
        let ingestion = options
            .persist
            .as_deref()
            .map(ingestion_file)
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|bytes| serde_json::from_slice::<ingestion::IngestionSim>(&bytes).ok())
            .map(|saved| saved.with_time_scale(time_scale))
            .unwrap_or_else(|| ingestion::IngestionSim::new(options.products, time_scale, now))
            .with_strictness(options.strictness);
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            ingestion: Mutex::new(ingestion),
            latency: options.latency,
            client_id: options.client_id,
            client_secret: options.client_secret,
            persist: options.persist,
            chaos: options.chaos.map(chaos::ChaosEngine::new),
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            max_in_flight: options.max_in_flight,
            overload_refusals: std::sync::atomic::AtomicU64::new(0),
            clock: options.clock,
        });
        // Paths are normalised before routing (a router's own layers run after it).
        let app =
            axum::middleware::map_request(server::normalize).layer(server::router(shared.clone()));
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let task = tokio::spawn(async move {
            let served = axum::serve(
                listener,
                axum::ServiceExt::<axum::extract::Request>::into_make_service(app),
            )
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "simulator stopped");
            }
        });
        tracing::info!(%addr, "simulator listening");
        Ok(Simulator {
            addr,
            shared,
            shutdown,
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}/`
    pub fn base_url(&self) -> Url {
        // Infallible: formatted from a socket address.
        Url::parse(&format!("http://{}/", self.addr)).unwrap_or_else(|_| unreachable!())
    }

    /// The simulated service's clock (a test with a manual clock advances it).
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Moves a manual clock forward: the service's operations progress by that much real time
    /// (times the time scale). Returns false on the system clock, which moves by itself.
    pub fn advance(&self, by: Duration) -> bool {
        self.shared.clock.advance(by)
    }

    /// Reads or changes the simulated service (tests inject conditions this way).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut SimState) -> R) -> R {
        f(&mut self.shared.lock())
    }

    /// Reads or changes the simulated Product Ingestion service.
    pub fn with_ingestion<R>(&self, f: impl FnOnce(&mut ingestion::IngestionSim) -> R) -> R {
        f(&mut self.shared.lock_ingestion())
    }

    /// Requests refused with 429 for being over `max_in_flight`, so far.
    pub fn overload_refusals(&self) -> u64 {
        self.shared
            .overload_refusals
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The faults chaos mode injected so far.
    pub fn chaos_stats(&self) -> ChaosStats {
        self.shared
            .chaos
            .as_ref()
            .map(|c| c.stats())
            .unwrap_or_default()
    }

    /// Stops serving and waits for the server task.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
