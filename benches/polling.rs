//! Polls that follow the work: API calls per operation-hour of publishes followed to their end
//! at the service's own pace (time scale 1), with fixed polls (what offerdeck did before, at the
//! default `poll_interval`) and with polls that follow the work (the default bounds), side by
//! side in one run. Every poll is a real request to the simulator; a shared manual clock lets
//! days pass in moments (see `support/polling.rs`). The counts do not depend on the machine.
//!
//! `cargo bench --bench polling` (POLLING_OFFERS sets the publishes per case, default 10).

#[path = "support/polling.rs"]
mod polling;

use std::time::Duration;

use offerdeck::domain::{BackendKind, Cadence};

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() {
    // `cargo test --benches` runs benches with --bench absent; keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("polling: run with `cargo bench --bench polling`");
        return;
    }
    let offers: usize = std::env::var("POLLING_OFFERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let cases = [
        (
            BackendKind::Cpp,
            "CPP publish to sign-off",
            Duration::from_secs(15),
        ),
        (
            BackendKind::Ingestion,
            "Product Ingestion publish to preview",
            MINUTE,
        ),
    ];
    println!("{offers} publishes per case, followed to their end at time scale 1");
    println!(
        "{:<44} {:>22} {:>24} {:>7}",
        "case", "fixed (calls/op-hour)", "adaptive (calls/op-hour)", "ratio"
    );
    for (api, name, floor) in cases {
        let fixed = polling::follow_publishes(api, offers, Cadence::fixed(floor)).await;
        let adaptive = polling::follow_publishes(
            api,
            offers,
            Cadence {
                floor,
                ceiling: 5 * MINUTE,
            },
        )
        .await;
        for outcome in [&fixed, &adaptive] {
            assert!(
                outcome
                    .statuses
                    .iter()
                    .all(|s| *s == offerdeck::domain::Status::WaitingForPublisherReview),
                "every publish reaches sign-off: {:?}",
                outcome.statuses
            );
        }
        let lag = |o: &polling::Outcome| o.seen_after.iter().max().map_or(0, |d| d.num_seconds());
        println!(
            "{:<44} {:>22.1} {:>24.1} {:>7.3}",
            format!("{name} ({:.1} h)", fixed.operation_hours / offers as f64),
            fixed.calls_per_operation_hour(),
            adaptive.calls_per_operation_hour(),
            adaptive.calls_per_operation_hour() / fixed.calls_per_operation_hour()
        );
        println!(
            "{:<44} {:>22} {:>24}",
            "  calls in all / longest run seen (s)",
            format!("{} / {}", fixed.api_calls, lag(&fixed)),
            format!("{} / {}", adaptive.api_calls, lag(&adaptive)),
        );
    }
}
