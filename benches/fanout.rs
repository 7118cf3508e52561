//! Status fan-out: `offerdeck offers` for 200 offers against the simulator with 50 ms added
//! latency, against the same binary limited to one request at a time (what existing tools do).
//! Both run side by side in one process; medians of several runs and their ratio are printed.
//!
//! `cargo bench --bench fanout` (set FANOUT_RUNS to change the number of runs).

use std::path::Path;
use std::time::{Duration, Instant};

use offerdeck::sim::{SimOptions, Simulator};

const OFFERS: usize = 200;
const LATENCY: Duration = Duration::from_millis(50);

fn config(dir: &Path, sim: &Simulator, concurrency: usize) -> std::path::PathBuf {
    let mut text = format!(
        "[api]\nbase_url = \"{}\"\nconcurrency = {concurrency}\n[auth]\ntenant_id = \"t\"\nclient_id = \"offerdeck-demo\"\nclient_secret_env = \"OFFERDECK_DEMO_SECRET\"\nauthority = \"{}\"\n",
        sim.base_url(),
        sim.base_url()
    );
    for i in 1..=OFFERS {
        text.push_str(&format!(
            "[[offers]]\npublisher = \"bench\"\noffer = \"offer-{i:04}\"\n"
        ));
    }
    let path = dir.join(format!("c{concurrency}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

async fn time_offers(dir: &Path, config: &Path) -> Duration {
    let start = Instant::now();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_offerdeck"))
        .args([
            "--config",
            &config.display().to_string(),
            "offers",
            "--json",
        ])
        .env("OFFERDECK_DATA_DIR", dir)
        .env("OFFERDECK_DEMO_SECRET", "demo-secret")
        .env_remove("OFFERDECK_TOKEN")
        .output()
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), OFFERS);
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    // `cargo test --benches` runs benches with --bench absent; keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("fanout: run with `cargo bench --bench fanout`");
        return;
    }
    let runs: usize = std::env::var("FANOUT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut options = SimOptions::demo(3_600.0);
    options.offers = offerdeck::sim::catalogue::bench_offers(OFFERS);
    options.latency = LATENCY;
    let sim = Simulator::start(([127, 0, 0, 1], 0).into(), options)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for concurrency in [16usize, 32, 1] {
        let path = config(dir.path(), &sim, concurrency);
        let n = if concurrency == 1 { runs.min(3) } else { runs };
        let mut times = Vec::new();
        for _ in 0..n {
            times.push(time_offers(dir.path(), &path).await);
        }
        let m = median(times.clone());
        println!(
            "fanout: concurrency {concurrency:>2}: median {:>8.1} ms over {n} runs {:?}",
            m.as_secs_f64() * 1e3,
            times
                .iter()
                .map(|t| (t.as_secs_f64() * 1e3).round())
                .collect::<Vec<_>>()
        );
        results.push((concurrency, m));
    }
    let sequential = results
        .iter()
        .find(|(c, _)| *c == 1)
        .map(|(_, m)| *m)
        .unwrap();
    for (c, m) in &results {
        if *c != 1 {
            println!(
                "fanout: concurrency {c:>2} / sequential = {:.3} (target at most 0.15)",
                m.as_secs_f64() / sequential.as_secs_f64()
            );
        }
    }
    sim.stop().await;
}
