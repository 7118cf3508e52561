//! Status fan-out: `offerdeck offers` for 200 offers against the simulator with 50 ms added
//! latency: the adaptive bound (16 growing to 64), a fixed bound of 16, and one request at a
//! time (what existing tools do), side by side in one process; medians of several runs and
//! their ratios are printed. Then against a simulator that takes at most 32 requests at once
//! (`--max-in-flight 32`): the 429s each bound gets.
//!
//! `cargo bench --bench fanout` (set FANOUT_RUNS to change the number of runs).

use std::path::Path;
use std::time::{Duration, Instant};

use offerdeck::sim::{SimOptions, Simulator};

const OFFERS: usize = 200;
const LATENCY: Duration = Duration::from_millis(50);

fn config(dir: &Path, sim: &Simulator, concurrency: usize, max: usize) -> std::path::PathBuf {
    let mut text = format!(
        "[api]\nbase_url = \"{}\"\nconcurrency = {concurrency}\nmax_concurrency = {max}\n[auth]\ntenant_id = \"t\"\nclient_id = \"offerdeck-demo\"\nclient_secret_env = \"OFFERDECK_DEMO_SECRET\"\nauthority = \"{}\"\n",
        sim.base_url(),
        sim.base_url()
    );
    for i in 1..=OFFERS {
        text.push_str(&format!(
            "[[offers]]\npublisher = \"bench\"\noffer = \"offer-{i:04}\"\n"
        ));
    }
    let path = dir.join(format!("c{concurrency}-{max}-{}.toml", sim.addr().port()));
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
    let start = |max_in_flight: Option<usize>| async move {
        let mut options = SimOptions::demo(3_600.0);
        options.offers = offerdeck::sim::catalogue::bench_offers(OFFERS);
        options.latency = LATENCY;
        options.max_in_flight = max_in_flight;
        Simulator::start(([127, 0, 0, 1], 0).into(), options)
            .await
            .unwrap()
    };
    let sim = start(None).await;
    let dir = tempfile::tempdir().unwrap();
    // (name, initial bound, ceiling)
    let bounds = [
        ("adaptive 16..64", 16, 64),
        ("fixed 16", 16, 16),
        ("sequential", 1, 1),
    ];
    let mut results = Vec::new();
    for (name, initial, max) in bounds {
        let path = config(dir.path(), &sim, initial, max);
        let n = if max == 1 { runs.min(3) } else { runs };
        let mut times = Vec::new();
        for _ in 0..n {
            times.push(time_offers(dir.path(), &path).await);
        }
        let m = median(times.clone());
        println!(
            "fanout: {name:<16} median {:>8.1} ms over {n} runs {:?}",
            m.as_secs_f64() * 1e3,
            times
                .iter()
                .map(|t| (t.as_secs_f64() * 1e3).round())
                .collect::<Vec<_>>()
        );
        results.push((name, m));
    }
    let sequential = results[2].1.as_secs_f64();
    for (name, m) in &results[..2] {
        println!(
            "fanout: {name} / sequential = {:.3} (target at most 0.05 for adaptive)",
            m.as_secs_f64() / sequential
        );
    }
    sim.stop().await;

    // A service that takes at most 32 at once: how many 429s each bound gets.
    let busy = start(Some(32)).await;
    for (name, initial, max) in &bounds[..2] {
        let path = config(dir.path(), &busy, *initial, *max);
        let mut refused = Vec::new();
        let mut times = Vec::new();
        for _ in 0..runs {
            let before = busy.overload_refusals();
            times.push(time_offers(dir.path(), &path).await);
            refused.push(busy.overload_refusals() - before);
        }
        refused.sort();
        println!(
            "fanout: max-in-flight 32, {name:<16} median {:>8.1} ms, 429s per run: median {} {:?}",
            median(times).as_secs_f64() * 1e3,
            refused[refused.len() / 2],
            refused
        );
    }
    busy.stop().await;
}
