//! Where "now" comes from: the system clock, or a manual one that tests move forward. The
//! simulator's state machine and the token cache read time only through a `Clock`, so a test
//! advances days of publishing in one call instead of sleeping.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

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

    /// Waits `d` by this clock: real time for the system clock; for a manual one, until it
    /// is moved past the wake-up.
    pub async fn sleep(&self, d: Duration) {
        match self {
            Clock::System => tokio::time::sleep(d).await,
            Clock::Manual(m) => m.sleep(d).await,
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

/// The shared time of a manual clock, and who sleeps on it: a driver (a test, the polling
/// benchmark) moves time to the next wake-up once everyone that will sleep sleeps, and so runs
/// days of polling in moments, each poll a real request.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<ManualInner>);

#[derive(Debug)]
struct ManualInner {
    now: watch::Sender<DateTime<Utc>>,
    /// Pending wake-ups, by time and a number of their own (two may share a time).
    sleepers: Mutex<BTreeSet<(DateTime<Utc>, u64)>>,
    /// How many sleep now (for `until_sleeping`).
    sleeping: watch::Sender<usize>,
    next_id: std::sync::atomic::AtomicU64,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock(Arc::new(ManualInner {
            now: watch::Sender::new(start),
            sleepers: Mutex::new(BTreeSet::new()),
            sleeping: watch::Sender::new(0),
            next_id: std::sync::atomic::AtomicU64::new(0),
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        *self.0.now.borrow()
    }

    pub fn advance(&self, by: Duration) {
        self.0
            .now
            .send_modify(|now| *now = now.checked_add_signed(span(by)).unwrap_or(*now));
        self.wake_due();
    }

    /// Moves time to the earliest pending wake-up; false when nobody sleeps.
    pub fn advance_to_next_wake(&self) -> bool {
        let next = self.sleepers().first().map(|(at, _)| *at);
        let Some(next) = next else { return false };
        self.0.now.send_modify(|now| *now = (*now).max(next));
        self.wake_due();
        true
    }

    /// Waits until at least `count` tasks sleep on this clock.
    pub async fn until_sleeping(&self, count: usize) {
        let mut sleeping = self.0.sleeping.subscribe();
        // The sender lives as long as `self`, so this cannot fail while we wait.
        let _ = sleeping.wait_for(|n| *n >= count).await;
    }

    async fn sleep(&self, d: Duration) {
        let deadline = self
            .now()
            .checked_add_signed(span(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let id = self
            .0
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut now = self.0.now.subscribe();
        let _registered = Sleeper::register(self, (deadline, id));
        // The sender lives as long as `self`, so this cannot fail while we wait.
        let _ = now.wait_for(|now| *now >= deadline).await;
    }

    fn sleepers(&self) -> std::sync::MutexGuard<'_, BTreeSet<(DateTime<Utc>, u64)>> {
        // A poisoned lock still holds a valid set.
        self.0.sleepers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Those whose time came are no longer counted as sleeping (they are about to run).
    fn wake_due(&self) {
        let now = self.now();
        let mut sleepers = self.sleepers();
        let later = sleepers.split_off(&(now, u64::MAX));
        *sleepers = later;
        self.0.sleeping.send_replace(sleepers.len());
    }
}

/// A wake-up registered on a manual clock, removed when the sleep ends or is dropped.
struct Sleeper<'a> {
    clock: &'a ManualClock,
    key: (DateTime<Utc>, u64),
}

impl<'a> Sleeper<'a> {
    fn register(clock: &'a ManualClock, key: (DateTime<Utc>, u64)) -> Sleeper<'a> {
        let mut sleepers = clock.sleepers();
        sleepers.insert(key);
        clock.0.sleeping.send_replace(sleepers.len());
        drop(sleepers);
        Sleeper { clock, key }
    }
}

impl Drop for Sleeper<'_> {
    fn drop(&mut self) {
        let mut sleepers = self.clock.sleepers();
        if sleepers.remove(&self.key) {
            self.clock.0.sleeping.send_replace(sleepers.len());
        }
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

    #[tokio::test]
    async fn sleepers_on_a_manual_clock_wake_when_it_reaches_them_in_order() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let Clock::Manual(manual) = Clock::manual(start) else {
            unreachable!()
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for minutes in [5u64, 1, 3] {
            let clock = Clock::Manual(manual.clone());
            let tx = tx.clone();
            tokio::spawn(async move {
                clock.sleep(Duration::from_secs(minutes * 60)).await;
                let _ = tx.send((minutes, clock.now()));
            });
        }
        let mut woke = Vec::new();
        for left in (1..=3).rev() {
            manual.until_sleeping(left).await;
            assert!(manual.advance_to_next_wake());
            woke.push(rx.recv().await.unwrap());
        }
        let minutes = |t: DateTime<Utc>| (t - start).num_minutes();
        assert_eq!(
            woke.iter()
                .map(|(m, t)| (*m, minutes(*t)))
                .collect::<Vec<_>>(),
            vec![(1, 1), (3, 3), (5, 5)]
        );
        assert!(!manual.advance_to_next_wake());
    }
}
