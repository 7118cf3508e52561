//! The phase of a Product Ingestion publish. That API reports no steps and no progress, only
//! that a job runs; what a publisher wants to know is which part of the wait they are in and
//! whether it is taking longer than it should. Validation takes minutes and certification
//! hours (Microsoft's documented durations), so a running publish to preview is in validation
//! for its first minutes and in certification after: an estimate, and shown as one.

use chrono::{DateTime, Duration, Utc};

use super::{OpKind, Operation, Status};

/// A documented range of durations for a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    pub low: Duration,
    pub high: Duration,
}

impl Expected {
    const fn minutes(low: i64, high: i64) -> Expected {
        Expected {
            low: Duration::minutes(low),
            high: Duration::minutes(high),
        }
    }

    /// `1–5 min`, `30 min–6 h`.
    pub fn label(&self) -> String {
        let (low, low_unit) = human(self.low);
        let (high, high_unit) = human(self.high);
        if low_unit == high_unit {
            format!("{low}–{high} {high_unit}")
        } else {
            format!("{low} {low_unit}–{high} {high_unit}")
        }
    }
}

impl Expected {
    /// The longest usual duration in few characters: `6h`, `5m`.
    pub fn high_short(&self) -> String {
        match human(self.high) {
            (n, "h") => format!("{n}h"),
            (n, _) => format!("{n}m"),
        }
    }
}

/// A whole number of hours, or else minutes.
fn human(d: Duration) -> (i64, &'static str) {
    let minutes = d.num_minutes();
    if minutes >= 60 && minutes % 60 == 0 {
        (minutes / 60, "h")
    } else {
        (minutes, "min")
    }
}

/// Automated validation of a publish to preview: "purchase-flow setup <10 min"…
pub const VALIDATION: Expected = Expected::minutes(1, 5);
/// Certification: "30 minutes to several hours".
pub const CERTIFICATION: Expected = Expected::minutes(30, 6 * 60);
/// Publishing live after go-live: purchase flow, lead registration, final publish.
pub const GOING_LIVE: Expected = Expected::minutes(30, 4 * 60);
/// A publish still running this long after its start is past validation.
const VALIDATION_ENDS_BY: Duration = Duration::minutes(10);

/// Where an ingestion offer stands, in words a publisher uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    pub name: &'static str,
    /// Time spent so far, for a phase that runs.
    pub elapsed: Option<Duration>,
    /// How long the phase usually takes, when it runs.
    pub expected: Option<Expected>,
    /// Told from the elapsed time, not reported by the service.
    pub estimated: bool,
}

impl Phase {
    fn done(name: &'static str) -> Phase {
        Phase {
            name,
            elapsed: None,
            expected: None,
            estimated: false,
        }
    }

    /// Running past the longest usual duration.
    pub fn slow(&self) -> bool {
        matches!((self.elapsed, self.expected), (Some(e), Some(x)) if e > x.high)
    }
}

/// The phase of an ingestion offer from the operation offerdeck follows (if any) and the
/// offer's status as last read. `None` when there is nothing to say (never published, failed:
/// the reason says more).
pub fn ingestion_phase(
    op: Option<&Operation>,
    status: &Status,
    now: DateTime<Utc>,
) -> Option<Phase> {
    if let Some(op) = op.filter(|o| !o.finished && o.lost.is_none()) {
        let elapsed = (now - op.started_at).max(Duration::zero());
        return Some(match op.kind {
            OpKind::GoLive => Phase {
                name: "going live",
                elapsed: Some(elapsed),
                expected: Some(GOING_LIVE),
                estimated: false,
            },
            _ if elapsed < VALIDATION_ENDS_BY => Phase {
                name: "validation",
                elapsed: Some(elapsed),
                expected: Some(VALIDATION),
                estimated: true,
            },
            _ => Phase {
                name: "certification",
                elapsed: Some(elapsed),
                expected: Some(CERTIFICATION),
                estimated: true,
            },
        });
    }
    let status = op
        .filter(|o| o.lost.is_none())
        .map_or(status, |o| &o.seen.status);
    match status {
        Status::WaitingForPublisherReview => Some(Phase::done("ready for go-live")),
        Status::Succeeded => Some(Phase::done("live")),
        // Started elsewhere (the web portal): running, since an unknown time.
        Status::Running | Status::NotStarted => Some(Phase::done("publishing")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BackendKind, OfferId};

    fn op(kind: OpKind, minutes_ago: i64, now: DateTime<Utc>) -> Operation {
        Operation::new(
            OfferId::new("p", "o").unwrap(),
            BackendKind::Ingestion,
            kind,
            url::Url::parse("https://h/rp/product-ingestion/configure/j/status").unwrap(),
            &[],
            now - Duration::minutes(minutes_ago),
        )
    }

    #[test]
    fn a_publish_is_in_validation_then_certification_and_flagged_when_slow() {
        let now = Utc::now();
        let early =
            ingestion_phase(Some(&op(OpKind::Publish, 3, now)), &Status::Running, now).unwrap();
        assert_eq!(early.name, "validation");
        assert_eq!(early.expected.unwrap().label(), "1–5 min");
        assert!(!early.slow());
        let later =
            ingestion_phase(Some(&op(OpKind::Publish, 90, now)), &Status::Running, now).unwrap();
        assert_eq!(later.name, "certification");
        assert_eq!(later.expected.unwrap().label(), "30 min–6 h");
        assert!(!later.slow());
        let slow = ingestion_phase(
            Some(&op(OpKind::Publish, 7 * 60, now)),
            &Status::Running,
            now,
        )
        .unwrap();
        assert!(slow.slow());
        let live =
            ingestion_phase(Some(&op(OpKind::GoLive, 5, now)), &Status::Running, now).unwrap();
        assert_eq!(live.name, "going live");
        assert!(!live.estimated);
    }

    #[test]
    fn a_finished_publish_names_where_the_offer_stands() {
        let now = Utc::now();
        let mut done = op(OpKind::Publish, 200, now);
        done.finished = true;
        done.seen.status = Status::WaitingForPublisherReview;
        let phase = ingestion_phase(Some(&done), &Status::NeverPublished, now).unwrap();
        assert_eq!(phase.name, "ready for go-live");
        assert_eq!(phase.elapsed, None);
        assert_eq!(
            ingestion_phase(None, &Status::Succeeded, now).unwrap().name,
            "live"
        );
        assert_eq!(ingestion_phase(None, &Status::NeverPublished, now), None);
    }
}
