//! Polls that follow the work, over days of the service's time (a manual clock shared with the
//! simulator; every poll a real request): a publish is not polled every few seconds while a
//! step that takes days runs, its end is still seen within minutes, and a Product Ingestion
//! job is never polled more than once a minute.

#[path = "../benches/support/polling.rs"]
mod polling;

use std::time::Duration;

use offerdeck::domain::{BackendKind, Cadence, Status};

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_publish_of_days_costs_a_few_calls_an_hour_and_its_end_is_seen_within_minutes() {
    let adaptive = Cadence {
        floor: Duration::from_secs(15),
        ceiling: 5 * MINUTE,
    };
    let outcome = polling::follow_publishes(BackendKind::Cpp, 2, adaptive).await;
    assert_eq!(outcome.statuses, vec![Status::WaitingForPublisherReview; 2]);
    // Fixed 15 s polls cost 240 calls an hour.
    let rate = outcome.calls_per_operation_hour();
    assert!(rate < 20.0, "{rate:.1} calls per operation-hour");
    // The simulator's publish reaches sign-off after 85 h 15 min (every step of its plan).
    let end = chrono::Duration::minutes(85 * 60 + 15);
    for seen in &outcome.seen_after {
        assert!(*seen >= end, "seen before it happened: {seen}");
        assert!(
            *seen - end <= chrono::Duration::minutes(5),
            "the end was seen {} late",
            *seen - end
        );
    }
}

#[tokio::test]
async fn an_ingestion_job_is_polled_at_most_once_a_minute() {
    let adaptive = Cadence {
        floor: MINUTE,
        ceiling: 5 * MINUTE,
    };
    let outcome = polling::follow_publishes(BackendKind::Ingestion, 2, adaptive).await;
    assert_eq!(outcome.statuses, vec![Status::WaitingForPublisherReview; 2]);
    let minutes: i64 = outcome.seen_after.iter().map(|d| d.num_minutes() + 1).sum();
    assert!(
        outcome.api_calls as i64 <= minutes,
        "{} calls in {minutes} job-minutes",
        outcome.api_calls
    );
    // Fewer than a fixed minute would make: the wait grows while certification runs.
    assert!(
        (outcome.api_calls as i64) < minutes / 2,
        "{} calls in {minutes} job-minutes",
        outcome.api_calls
    );
}
