//! The one retry policy: capped exponential backoff with jitter (from `backon`), `Retry-After`
//! honoured, and the rule that a request which may have changed something at the service is
//! never re-sent blindly. The transport, the operation follower and the token endpoint all use it.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The longest `Retry-After` honoured: a bogus value cannot stall the program.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// How often and how patiently something is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait (each later one doubles, up to `cap`). Jitter adds up to as much again,
    /// so many clients do not retry in step.
    pub first: Duration,
    pub cap: Duration,
    /// Tries after the first one.
    pub max_retries: u32,
    /// The most one request may wait in all, `Retry-After`s included: past it, it gives up
    /// (and says why) rather than wait longer.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first: Duration::from_millis(250),
            cap: Duration::from_secs(15),
            max_retries: 4,
            budget: DEFAULT_BUDGET,
        }
    }
}

/// How long one request may wait in all, by default.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(600);

impl RetryPolicy {
    /// The waits of one request (or one run of failures), in order; `None` once the retries
    /// are spent. Start a new one after a success.
    pub fn waits(&self) -> Waits {
        Waits {
            backoff: ExponentialBuilder::new()
                .with_min_delay(self.first)
                .with_max_delay(self.cap.max(self.first))
                .with_factor(2.0)
                .with_jitter()
                .with_max_times(self.max_retries as usize)
                .build(),
            budget: self.budget,
            spent: Duration::ZERO,
            over_budget: None,
        }
    }
}

/// The waits of one run of retries.
pub struct Waits {
    backoff: backon::ExponentialBackoff,
    budget: Duration,
    spent: Duration,
    /// The wait that would have gone past the budget, when that is why the retries ended.
    over_budget: Option<Duration>,
}

impl Waits {
    /// The wait before the next try, or `None` when no try is left or the wait would go past
    /// the budget. A `Retry-After` from the service is honoured when it asks for longer (capped
    /// at [`MAX_RETRY_AFTER`]).
    pub fn next(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        let backoff = self.backoff.next()?;
        let wait = match retry_after {
            Some(asked) => asked.min(MAX_RETRY_AFTER).max(backoff / 4),
            None => backoff,
        };
        if self.spent.saturating_add(wait) > self.budget {
            self.over_budget = Some(wait);
            return None;
        }
        self.spent += wait;
        Some(wait)
    }

    /// Why the retries ended early, when the budget is the reason.
    pub fn gave_up(&self) -> Option<String> {
        self.over_budget.map(|wait| {
            format!(
                "gave up rather than wait {} more: past the retry budget of {} (retry_budget in [api])",
                humantime::format_duration(wait),
                humantime::format_duration(self.budget)
            )
        })
    }
}

/// Whether a request may be sent again when its outcome is unclear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Reads: retry 5xx, 429, timeouts, dropped connections and unreadable answers.
    Idempotent,
    /// Publish, go live, cancel: only a 429 (the service said it did nothing) is retried; any
    /// other unclear outcome is checked at the service, never re-sent.
    OnlyWhenThrottled,
}

impl Resend {
    /// May a request that got this HTTP status be sent again?
    pub fn after_status(self, status: u16) -> bool {
        match self {
            Resend::Idempotent => status == 429 || (500..=599).contains(&status),
            Resend::OnlyWhenThrottled => status == 429,
        }
    }

    /// May a request that got no answer (or an unreadable one) be sent again?
    pub fn after_no_answer(self) -> bool {
        self == Resend::Idempotent
    }
}

/// `Retry-After` as seconds or an HTTP date, capped at [`MAX_RETRY_AFTER`].
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if let Ok(secs) = raw.parse::<f64>() {
        Duration::try_from_secs_f64(secs.max(0.0)).ok()?
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
        (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
            .to_std()
            .unwrap_or_default()
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_stop_after_the_retries() {
        let policy = RetryPolicy {
            first: Duration::from_millis(100),
            cap: Duration::from_millis(400),
            max_retries: 4,
            budget: DEFAULT_BUDGET,
        };
        let mut waits = policy.waits();
        let all: Vec<Duration> = std::iter::from_fn(|| waits.next(None)).collect();
        assert_eq!(all.len(), 4);
        for (wait, floor) in all.iter().zip([100, 200, 400, 400]) {
            let floor = Duration::from_millis(floor);
            assert!(
                *wait >= floor && *wait <= floor * 2,
                "{wait:?} for {floor:?}"
            );
        }
        let mut waits = RetryPolicy {
            budget: Duration::MAX,
            ..policy
        }
        .waits();
        assert_eq!(
            waits.next(Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            waits.next(Some(Duration::from_secs(99_999))),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn the_budget_bounds_the_total_wait() {
        let policy = RetryPolicy {
            first: Duration::from_millis(10),
            cap: Duration::from_millis(10),
            max_retries: 10,
            budget: Duration::from_secs(5),
        };
        let mut waits = policy.waits();
        assert_eq!(
            waits.next(Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert!(waits.gave_up().is_none());
        assert_eq!(waits.next(Some(Duration::from_secs(999_999))), None);
        let why = waits.gave_up().unwrap();
        assert!(
            why.contains("10m") && why.contains("retry budget of 5s"),
            "{why}"
        );
    }

    #[test]
    fn a_write_is_only_resent_when_throttled() {
        assert!(Resend::OnlyWhenThrottled.after_status(429));
        assert!(!Resend::OnlyWhenThrottled.after_status(503));
        assert!(!Resend::OnlyWhenThrottled.after_no_answer());
        assert!(Resend::Idempotent.after_status(503) && Resend::Idempotent.after_no_answer());
        assert!(!Resend::Idempotent.after_status(404));
    }
}
