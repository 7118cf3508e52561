//! Where "now" comes from: the system clock, or a manual one that tests move forward. The
//! simulator's state machine and the token cache read time only through a `Clock`, so a test
//! advances days of publishing in one call instead of sleeping.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// A source of the current time. Cheap to clone; clones of a manual clock share its time.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system's wall clock.
    #[default]
    System,
    /// A clock that only moves when told to.
    Manual(ManualClock),
}

impl Clock {
    /// A manual clock set to `start`.
    pub fn manual(start: DateTime<Utc>) -> Clock {
        Clock::Manual(ManualClock::new(start))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(m) => m.now(),
        }
    }

    /// Moves a manual clock forward; the system clock moves by itself, so this returns false.
    pub fn advance(&self, by: Duration) -> bool {
        match self {
            Clock::System => false,
            Clock::Manual(m) => {
                m.advance(by);
                true
            }
        }
    }
}

/// The shared time of a manual clock.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        // A poisoned lock still holds a valid time.
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.checked_add_signed(span(by)).unwrap_or(*now);
    }
}

/// A std duration as a chrono span, saturating at chrono's limit.
pub fn span(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// Seconds from `from` to `to` (negative when `to` is earlier), with sub-second precision.
pub fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let d = to - from;
    d.num_milliseconds() as f64 / 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let clock = Clock::manual(start);
        let other = clock.clone();
        assert_eq!(clock.now(), start);
        assert!(other.advance(Duration::from_secs(90)));
        assert_eq!(seconds_between(start, clock.now()), 90.0);
        assert!(!Clock::System.advance(Duration::from_secs(1)));
    }
}
