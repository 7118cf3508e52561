//! Shared test helpers: an in-process simulator on a loopback port, clients and configs for it.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use offerdeck::api::ClientSettings;
use offerdeck::api::http::retry::RetryPolicy;
use offerdeck::api::http::settings::http_client;
use offerdeck::api::{CppClient, Secret, TokenProvider, TokenSource};
use offerdeck::sim::{SimOptions, Simulator};

pub mod deck;
pub mod engine;

/// Simulated seconds per real second in tests: a publish reaches sign-off in about 1.5 s.
pub const FAST: f64 = 200_000.0;

/// Service time for a publish to reach publisher sign-off (every step of the plan done).
pub const TO_SIGNOFF: Duration = Duration::from_secs(4 * 86_400);
/// Service time for a go-live to finish.
pub const TO_LIVE: Duration = Duration::from_secs(3 * 86_400);

/// A manual clock at the current whole second (token expiry times are whole seconds).
pub fn manual_clock() -> offerdeck::clock::Clock {
    let now = chrono::Utc::now().timestamp();
    offerdeck::clock::Clock::manual(chrono::DateTime::from_timestamp(now, 0).unwrap())
}

/// A simulator on a manual clock at the service's own pace: nothing moves until the test calls
/// `sim.advance(…)`, so a test walks days of publishing without waiting.
pub async fn manual_simulator() -> Simulator {
    let mut options = SimOptions::demo(1.0);
    options.clock = manual_clock();
    simulator_with(options).await
}

pub async fn simulator(scale: f64) -> Simulator {
    Simulator::start(([127, 0, 0, 1], 0).into(), SimOptions::demo(scale))
        .await
        .expect("simulator starts")
}

pub async fn simulator_with(options: SimOptions) -> Simulator {
    Simulator::start(([127, 0, 0, 1], 0).into(), options)
        .await
        .expect("simulator starts")
}

/// A simulator on `addr` (a port another one listened on: a restart of the service).
pub async fn simulator_at(addr: std::net::SocketAddr, options: SimOptions) -> Simulator {
    Simulator::start(addr, options)
        .await
        .expect("the simulator starts on its port again")
}

pub fn credentials(sim: &Simulator) -> TokenSource {
    TokenSource::ClientCredentials {
        authority: sim.base_url(),
        tenant_id: "test-tenant".into(),
        client_id: "offerdeck-demo".into(),
        client_secret: Secret::new("demo-secret"),
        resource: "https://cloudpartner.azure.com".into(),
    }
}

pub fn fast_settings(sim: &Simulator) -> ClientSettings {
    fast_settings_for(sim.base_url().as_str())
}

/// Quick retries against any loopback service at `base_url`.
pub fn fast_settings_for(base_url: &str) -> ClientSettings {
    ClientSettings {
        base_url: url::Url::parse(base_url).expect("a base URL"),
        retry: RetryPolicy {
            first: Duration::from_millis(10),
            cap: Duration::from_millis(100),
            max_retries: 4,
            budget: offerdeck::api::http::retry::DEFAULT_BUDGET,
        },
        request_timeout: Duration::from_secs(10),
        ..ClientSettings::default()
    }
}

pub fn client_with(settings: ClientSettings, source: TokenSource) -> CppClient {
    let http = http_client(Duration::from_secs(5), Duration::from_secs(10)).unwrap();
    CppClient::new(settings, Arc::new(TokenProvider::new(source, http))).unwrap()
}

/// A client of the simulator whose token cache reads the simulator's clock.
pub fn client(sim: &Simulator) -> CppClient {
    let http = http_client(Duration::from_secs(5), Duration::from_secs(10)).unwrap();
    let provider = TokenProvider::new(credentials(sim), http).with_clock(sim.clock().clone());
    CppClient::new(fast_settings(sim), Arc::new(provider)).unwrap()
}

/// A config file for the binary, pointing at the simulator, with the demo offers.
pub fn write_config(dir: &Path, sim: &Simulator, poll: &str) -> PathBuf {
    write_config_at(dir, sim.addr(), poll)
}

/// `write_config` for a service at `addr` (one that may not be listening yet).
pub fn write_config_at(dir: &Path, addr: std::net::SocketAddr, poll: &str) -> PathBuf {
    let text = offerdeck::demo::DEMO_CONFIG
        .replace("127.0.0.1:7878", &addr.to_string())
        .replace(
            "poll_interval = \"2s\"",
            &format!("poll_interval = \"{poll}\""),
        )
        .replace(
            "poll_interval_max = \"2s\"",
            &format!("poll_interval_max = \"{poll}\""),
        );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A fixture recorded from the service or its docs, read from the shared folder.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

/// The output of one run of the real binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the offerdeck binary with a clean environment pointing its data folder at `data`.
pub async fn offerdeck(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_offerdeck"));
    cmd.args(args)
        .env_remove("OFFERDECK_TOKEN")
        .env_remove("OFFERDECK_CONFIG")
        .env_remove("NO_COLOR")
        .env("OFFERDECK_DATA_DIR", data)
        .env("OFFERDECK_DEMO_SECRET", "demo-secret")
        .env("OFFERDECK_LOG", "debug")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("offerdeck finished within 60 s")
        .expect("offerdeck ran");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file below a folder.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Waits until `done()` holds, looking again every 20 ms; fails the test after `limit`. The one
/// polling wait of the suite: tests wait on conditions, never for a fixed time.
pub async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// offerdeck's own ingestion client against the simulator, with a token for the Graph audience
/// read through the simulator's clock (so skipped hours expire and refresh it as in life).
pub fn ingestion_client(sim: &Simulator) -> offerdeck::api::ingestion::client::IngestionClient {
    use offerdeck::api::ingestion::client::{DEFAULT_RESOURCE, DEFAULT_VERSION, IngestionClient};
    use offerdeck::api::{Secret, TokenProvider, TokenSource};
    let source = TokenSource::ClientCredentials {
        authority: sim.base_url(),
        tenant_id: "test-tenant".into(),
        client_id: "offerdeck-demo".into(),
        client_secret: Secret::new("demo-secret"),
        resource: DEFAULT_RESOURCE.into(),
    };
    let http = offerdeck::api::http::settings::http_client(
        Duration::from_secs(5),
        Duration::from_secs(10),
    )
    .unwrap();
    let provider = TokenProvider::new(source, http).with_clock(sim.clock().clone());
    let mut settings = fast_settings(sim);
    settings.base_url = sim.base_url().join("rp/product-ingestion").unwrap();
    settings.api_version = DEFAULT_VERSION.into();
    IngestionClient::new(settings, std::sync::Arc::new(provider)).unwrap()
}
