//! How soon to look at an operation again. A publish spends days in steps whose end nobody
//! waits for by the second, and minutes in steps that fail fast: polling at one pace either
//! wastes calls (and the service's patience) or news. So the wait follows the work: short right
//! after a start and as the expected end of the current step nears, long while a step that
//! takes days has far to go, and growing again once a step overruns its usual time.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::phase::{self, Expected};
use super::{BackendKind, Estimate, Operation};

/// For this long after a start (or a cancel request) polls keep the shortest wait: a
/// validation that fails, or a cancel that lands, is what the user is waiting to see.
pub const START_WINDOW: chrono::Duration = chrono::Duration::minutes(2);

/// Looks before the earliest expected end: the wait is this share of the time left to it.
const BEFORE_END_SHARE: i32 = 4;
/// Looks spread over the span in which the end is expected.
const LOOKS_IN_WINDOW: i32 = 20;
/// Without any expectation, the wait is this share of the time the step has run.
const UNKNOWN_SHARE: i32 = 10;

/// The bounds every wait keeps to: `[api] poll_interval` and `poll_interval_max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    pub floor: Duration,
    pub ceiling: Duration,
}

/// When the current step (or phase) is expected to end, and how long it has run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    pub elapsed: chrono::Duration,
    /// The end could come from here (the median of past runs, or the low end of a range).
    pub early: chrono::Duration,
    /// Later than this is slower than usual (the 90th percentile, or the high end).
    pub late: chrono::Duration,
}

impl Cadence {
    /// The same wait whatever runs.
    pub fn fixed(every: Duration) -> Cadence {
        Cadence {
            floor: every,
            ceiling: every,
        }
    }

    pub fn is_fixed(&self) -> bool {
        self.ceiling <= self.floor
    }

    /// The wait before the next poll of `op`, given what is expected of its current step.
    pub fn next_wait(
        &self,
        op: &Operation,
        expected: Option<Expectation>,
        now: DateTime<Utc>,
    ) -> Duration {
        if self.is_fixed() {
            return self.floor;
        }
        let recent = |t: DateTime<Utc>| now - t < START_WINDOW;
        if recent(op.started_at) || op.cancel_requested_at.is_some_and(recent) {
            return self.floor;
        }
        let wait = match expected {
            Some(e) if e.elapsed < e.early => (e.early - e.elapsed) / BEFORE_END_SHARE,
            Some(e) if e.elapsed <= e.late => (e.late - e.early) / LOOKS_IN_WINDOW,
            // Overrunning: it ends when it ends; look less often the longer it is late.
            Some(e) => {
                (e.elapsed - e.late) / BEFORE_END_SHARE + (e.late - e.early) / LOOKS_IN_WINDOW
            }
            None => {
                let since = op.step_since.unwrap_or(op.started_at);
                (now - since) / UNKNOWN_SHARE
            }
        };
        wait.to_std()
            .unwrap_or(Duration::ZERO)
            .clamp(self.floor, self.ceiling.max(self.floor))
    }
}

impl Expectation {
    fn from_range(elapsed: chrono::Duration, range: Expected) -> Expectation {
        Expectation {
            elapsed,
            early: range.low,
            late: range.high.max(range.low),
        }
    }

    fn from_estimate(elapsed: chrono::Duration, estimate: &Estimate) -> Expectation {
        Expectation {
            elapsed,
            early: estimate.median,
            late: estimate.p90.max(estimate.median),
        }
    }

    /// What is expected of the step `op` runs now: from the history of this seller's past
    /// runs of it (when there are enough), else from the service's own estimate (CPP) or the
    /// documented phase durations (Product Ingestion). `None` when nothing is known.
    pub fn of(op: &Operation, history: Option<&Estimate>, now: DateTime<Utc>) -> Option<Self> {
        let step = op.seen.current_step.as_ref()?;
        let elapsed = (now - op.step_since.unwrap_or(op.started_at)).max(chrono::Duration::zero());
        if let Some(estimate) = history {
            return Some(Self::from_estimate(elapsed, estimate));
        }
        match op.backend {
            BackendKind::Cpp => {
                parse_time_frame(&step.estimate).map(|r| Self::from_range(elapsed, r))
            }
            // One job for the whole publish: its phase is told from the time since the start.
            BackendKind::Ingestion => {
                let phase = phase::ingestion_phase(Some(op), &op.seen.status, now)?;
                Some(Self::from_range(phase.elapsed?, phase.expected?))
            }
        }
    }
}

/// The service's estimate of a step (`< 15 min`, `~2-3 days`, `< 1 hour`, `30 min–6 h`) as a
/// range: "less than N" is expected from N/2 to N; "about A to B" from A to B; "about N" from
/// ¾N to 1¼N. `None` for anything else.
pub fn parse_time_frame(text: &str) -> Option<Expected> {
    let text = text.trim();
    let (below, rest) = match text.strip_prefix('<') {
        Some(rest) => (true, rest),
        None => (false, text.trim_start_matches(['~', '≈'])),
    };
    let mut parts = rest.splitn(2, ['-', '–']);
    let first = parts.next()?.trim();
    let second = parts.next().map(str::trim);
    let (low_n, low_unit) = number_and_unit(first)?;
    let (low, high) = match second {
        Some(second) => {
            let (high_n, high_unit) = number_and_unit(second)?;
            let high_unit = high_unit?;
            (low_n * low_unit.unwrap_or(high_unit), high_n * high_unit)
        }
        None => {
            let n = low_n * low_unit?;
            if below {
                (n / 2.0, n)
            } else {
                (n * 0.75, n * 1.25)
            }
        }
    };
    if !(low.is_finite() && high.is_finite() && 0.0 <= low && low <= high) {
        return None;
    }
    let span = |seconds: f64| chrono::Duration::try_seconds(seconds.round() as i64);
    Some(Expected {
        low: span(low)?,
        high: span(high)?,
    })
}

/// `15 min` → (15, Some(60 s)); `2` → (2, None).
fn number_and_unit(text: &str) -> Option<(f64, Option<f64>)> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let n: f64 = text[..split].parse().ok()?;
    let unit = text[split..].trim().to_ascii_lowercase();
    let seconds = match unit.trim_end_matches('s') {
        "" => return Some((n, None)),
        "m" | "min" | "minute" | "mn" => 60.0,
        "h" | "hr" | "hour" => 3_600.0,
        "d" | "day" | "business day" => 86_400.0,
        "w" | "wk" | "week" => 7.0 * 86_400.0,
        _ => return None,
    };
    Some((n, Some(seconds)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OfferId, OpKind, Status, Step};
    use chrono::Duration as Span;

    const FLOOR: Duration = Duration::from_secs(15);
    const CEILING: Duration = Duration::from_secs(300);
    const ADAPTIVE: Cadence = Cadence {
        floor: FLOOR,
        ceiling: CEILING,
    };

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn running(backend: BackendKind, step: &str, estimate: &str, step_since: Span) -> Operation {
        let mut op = Operation::new(
            OfferId::new("contoso", "vm").unwrap(),
            backend,
            OpKind::Publish,
            url::Url::parse("https://h/op").unwrap(),
            &[],
            t0(),
        );
        op.seen.status = Status::Running;
        op.seen.current_step = Some(Step {
            id: step.into(),
            name: step.into(),
            status: "inProgress".into(),
            estimate: estimate.into(),
            ..Step::default()
        });
        op.step_since = Some(t0() + step_since);
        op
    }

    fn wait_at(op: &Operation, history: Option<&Estimate>, at: Span) -> Duration {
        let now = t0() + at;
        ADAPTIVE.next_wait(op, Expectation::of(op, history, now), now)
    }

    #[test]
    fn the_service_estimates_read_as_ranges() {
        let range = |t: &str| parse_time_frame(t).map(|e| (e.low, e.high));
        assert_eq!(
            range("< 15 min"),
            Some((Span::seconds(450), Span::minutes(15)))
        );
        assert_eq!(range("~2-3 days"), Some((Span::days(2), Span::days(3))));
        assert_eq!(range("< 5 day"), Some((Span::hours(60), Span::days(5))));
        assert_eq!(range("< 1 hour"), Some((Span::minutes(30), Span::hours(1))));
        assert_eq!(
            range("30 min–6 h"),
            Some((Span::minutes(30), Span::hours(6)))
        );
        assert_eq!(range("1–5 min"), Some((Span::minutes(1), Span::minutes(5))));
        assert_eq!(range("~1 week"), Some((Span::hours(126), Span::hours(210))));
        for nonsense in [
            "",
            "soon",
            "< x min",
            "3-2 days",
            "~2-3 parsecs",
            "1e999 days",
        ] {
            assert_eq!(range(nonsense), None, "{nonsense}");
        }
    }

    #[test]
    fn right_after_a_start_and_a_cancel_polls_are_the_shortest() {
        let op = running(
            BackendKind::Cpp,
            "displaycertify",
            "~2-3 days",
            Span::zero(),
        );
        assert_eq!(wait_at(&op, None, Span::seconds(30)), FLOOR);
        let mut canceling = op.clone();
        canceling.cancel_requested_at = Some(t0() + Span::hours(5));
        assert_eq!(
            wait_at(&canceling, None, Span::hours(5) + Span::minutes(1)),
            FLOOR
        );
        assert_eq!(wait_at(&op, None, Span::hours(5)), CEILING);
    }

    #[test]
    fn a_step_of_days_is_polled_at_the_ceiling_until_its_end_nears() {
        let op = running(
            BackendKind::Cpp,
            "displaycertify",
            "~2-3 days",
            Span::zero(),
        );
        assert_eq!(wait_at(&op, None, Span::hours(1)), CEILING);
        assert_eq!(wait_at(&op, None, Span::hours(47)), CEILING);
        // Ten minutes before the earliest expected end: a look every 2.5 minutes.
        assert_eq!(
            wait_at(&op, None, Span::hours(48) - Span::minutes(10)),
            Duration::from_secs(150)
        );
        assert_eq!(
            wait_at(&op, None, Span::hours(48) - Span::seconds(30)),
            FLOOR
        );
        // Within the day the end is expected in: 24 h / 20, capped.
        assert_eq!(wait_at(&op, None, Span::hours(60)), CEILING);
    }

    #[test]
    fn a_short_step_is_polled_often_and_an_overrun_less_and_less() {
        let op = running(
            BackendKind::Cpp,
            "displaydummycertify",
            "< 15 min",
            Span::zero(),
        );
        // 7.5 to 15 minutes: 7.5 min / 20 = 22.5 s.
        assert_eq!(
            wait_at(&op, None, Span::minutes(10)),
            Duration::from_millis(22_500)
        );
        let late = wait_at(&op, None, Span::minutes(25));
        let later = wait_at(&op, None, Span::minutes(35));
        assert!(
            FLOOR < late && late < later && later <= CEILING,
            "{late:?} {later:?}"
        );
    }

    #[test]
    fn the_history_of_the_step_outweighs_the_service_estimate() {
        let op = running(
            BackendKind::Cpp,
            "displaycertify",
            "~2-3 days",
            Span::zero(),
        );
        let quick = Estimate {
            median: Span::minutes(40),
            p90: Span::minutes(60),
            count: 5,
        };
        // The service says days; here it usually takes 40 minutes: 60 s is 20 min / 20.
        assert_eq!(
            wait_at(&op, Some(&quick), Span::minutes(45)),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn an_unknown_step_is_polled_more_rarely_the_longer_it_runs() {
        let op = running(BackendKind::Cpp, "mystery", "", Span::zero());
        assert_eq!(
            wait_at(&op, None, Span::minutes(5)),
            Duration::from_secs(30)
        );
        assert_eq!(wait_at(&op, None, Span::hours(2)), CEILING);
    }

    #[test]
    fn an_ingestion_job_follows_its_phase() {
        let cadence = Cadence {
            floor: Duration::from_secs(60),
            ceiling: CEILING,
        };
        let op = running(
            BackendKind::Ingestion,
            "preview",
            "30 min–6 h",
            Span::zero(),
        );
        let at = |m: i64| {
            let now = t0() + Span::minutes(m);
            cadence.next_wait(&op, Expectation::of(&op, None, now), now)
        };
        // Validation (1–5 min): never more than once a minute.
        assert_eq!(at(3), Duration::from_secs(60));
        // Certification (30 min–6 h): 20 minutes before its earliest end, a look every 5.
        assert_eq!(at(10), CEILING);
        assert_eq!(at(26), Duration::from_secs(60));
    }

    #[test]
    fn equal_bounds_mean_fixed_polls() {
        let op = running(
            BackendKind::Cpp,
            "displaycertify",
            "~2-3 days",
            Span::zero(),
        );
        let fixed = Cadence::fixed(FLOOR);
        assert!(fixed.is_fixed());
        let now = t0() + Span::hours(3);
        assert_eq!(
            fixed.next_wait(&op, Expectation::of(&op, None, now), now),
            FLOOR
        );
    }
}
