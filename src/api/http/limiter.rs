//! How many requests go out at once. The bound adapts (AIMD): it grows while answers come back
//! as fast as the fastest seen (half as many again per round trip at first, then one more per
//! round trip),
//! stops growing once their slowness says requests queue at the service, and shrinks by a third
//! on a 429, a 503, or answers so slow that many must be queued; never below one nor above the
//! configured maximum. With the maximum equal to the start it is a fixed bound.
//!
//! Not tower's `ConcurrencyLimitLayer`: its bound is fixed, and this one moves with every
//! answer; the transport is one `send` over reqwest, where a `Service` stack would add types
//! and no behaviour (the retry policy needs the request's method and the answer's headers,
//! which it reads directly).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// How a request went, for the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered, in this long (not throttled).
    Answered(Duration),
    /// 429 or 503: the service says it has too much.
    Overloaded,
    /// Anything else (no answer, an error of ours): says nothing about load.
    Neutral,
}

#[derive(Debug)]
struct State {
    limit: f64,
    in_flight: usize,
    /// Growing by one per answer (per round trip: doubling) until the first decrease.
    slow_start: bool,
    /// The fastest answer seen: what "slowing down" is measured against.
    fastest: Option<Duration>,
    /// Decreases come at most once per fastest round trip (a burst of 429s is one signal).
    last_decrease: Option<Instant>,
}

/// The bound, shared by every clone of a client.
#[derive(Debug)]
pub struct Limiter {
    state: Mutex<State>,
    freed: Notify,
    max: usize,
    adaptive: bool,
}

/// A request's place under the bound; give it back with `done`, or drop it (neutral).
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a Limiter,
    open: bool,
}

impl Limiter {
    /// Starts at `initial` requests in flight; adapts up to `max` unless they are equal.
    pub fn new(initial: usize, max: usize) -> Limiter {
        let initial = initial.max(1);
        let max = max.max(initial);
        Limiter {
            state: Mutex::new(State {
                limit: initial as f64,
                in_flight: 0,
                slow_start: true,
                fastest: None,
                last_decrease: None,
            }),
            freed: Notify::new(),
            max,
            adaptive: max > initial,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is numbers only: a panic mid-update leaves it usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current bound.
    pub fn limit(&self) -> usize {
        self.lock().limit as usize
    }

    /// A place under the bound, if one is free now.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut state = self.lock();
        if state.in_flight < (state.limit as usize).max(1) {
            state.in_flight += 1;
            return Some(Permit {
                limiter: self,
                open: true,
            });
        }
        None
    }

    /// Waits for a place under the bound.
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            let notified = self.freed.notified();
            if let Some(permit) = self.try_acquire() {
                return permit;
            }
            notified.await;
        }
    }

    fn release(&self, outcome: Outcome, now: Instant) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if self.adaptive {
            self.adapt(&mut state, outcome, now);
        }
        drop(state);
        // Every waiter looks again: the bound may have grown by more than one.
        self.freed.notify_waiters();
    }

    fn adapt(&self, state: &mut State, outcome: Outcome, now: Instant) {
        // A few milliseconds either way are noise, not load.
        let slack = Duration::from_millis(3);
        let pace = match outcome {
            Outcome::Answered(took) => {
                let fastest = state.fastest.map_or(took, |f| f.min(took));
                state.fastest = Some(fastest);
                // How many requests wait at the service, judging by how much slower than the
                // fastest this answer came (Vegas): a few is fine, more means it fills up.
                let queued = state.limit * (1.0 - fastest.as_secs_f64() / took.as_secs_f64());
                if took <= fastest + slack || queued < 2.0 {
                    Pace::Clean
                } else if queued <= (state.limit / 4.0).max(4.0) {
                    Pace::Slowing
                } else {
                    Pace::Overloaded
                }
            }
            Outcome::Overloaded => Pace::Overloaded,
            Outcome::Neutral => return,
        };
        match pace {
            // Half a place per clean answer: half as many again per round trip, so a service
            // that fills up says so (slower answers) before the bound overshoots it by much.
            Pace::Clean if state.slow_start => {
                state.limit = (state.limit + 0.5).min(self.max as f64);
            }
            Pace::Clean => {
                state.limit = (state.limit + 1.0 / state.limit).min(self.max as f64);
            }
            // Answers slowing down: the service is filling up; growing stops here.
            Pace::Slowing => state.slow_start = false,
            Pace::Overloaded => {
                state.slow_start = false;
                let window = state.fastest.unwrap_or(Duration::from_millis(50));
                if state.last_decrease.is_none_or(|at| now - at >= window) {
                    state.limit = (state.limit * 2.0 / 3.0).max(1.0);
                    state.last_decrease = Some(now);
                }
            }
        }
    }
}

/// What an answer says of the service's load.
enum Pace {
    /// As fast as the fastest: room for more.
    Clean,
    /// Somewhat slower (a few requests queue): filling up, hold.
    Slowing,
    /// Much slower (many queue), or a 429/503: too much, back off.
    Overloaded,
}

impl Permit<'_> {
    /// Gives the place back, saying how the request went.
    pub fn done(self, outcome: Outcome) {
        self.done_at(outcome, Instant::now());
    }

    /// `done`, at a given moment (tests walk time this way).
    pub fn done_at(mut self, outcome: Outcome, now: Instant) {
        self.open = false;
        self.limiter.release(outcome, now);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.open {
            self.limiter.release(Outcome::Neutral, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_grows_while_answers_are_clean_and_shrinks_on_overload() {
        let limiter = Limiter::new(4, 64);
        let t0 = Instant::now();
        let ms = |n: u64| Duration::from_millis(n);
        let answer = |limiter: &Limiter, took: u64, at: Instant| {
            limiter
                .try_acquire()
                .unwrap()
                .done_at(Outcome::Answered(ms(took)), at);
        };
        for _ in 0..40 {
            answer(&limiter, 50, t0);
        }
        assert_eq!(
            limiter.limit(),
            24,
            "slow start: half a place per clean answer"
        );
        limiter
            .try_acquire()
            .unwrap()
            .done_at(Outcome::Overloaded, t0);
        assert_eq!(limiter.limit(), 16, "a third less");
        // A burst of 429s in the same round trip is one signal.
        limiter
            .try_acquire()
            .unwrap()
            .done_at(Outcome::Overloaded, t0 + ms(10));
        assert_eq!(limiter.limit(), 16);
        // After the first decrease, one more per round trip (about as many answers as the
        // bound) only.
        for _ in 0..17 {
            answer(&limiter, 50, t0 + ms(20));
        }
        assert_eq!(limiter.limit(), 17);
        // Somewhat slower answers stop the growth; much slower ones count as overload.
        answer(&limiter, 60, t0 + ms(60));
        assert_eq!(limiter.limit(), 17);
        answer(&limiter, 200, t0 + ms(100));
        assert_eq!(limiter.limit(), 11);
        // Never above the maximum, never below one.
        let small = Limiter::new(1, 2);
        for _ in 0..10 {
            answer(&small, 1, t0);
        }
        assert_eq!(small.limit(), 2);
        let tiny = Limiter::new(1, 4);
        for i in 0..5 {
            tiny.try_acquire()
                .unwrap()
                .done_at(Outcome::Overloaded, t0 + ms(100 * i));
        }
        assert_eq!(tiny.limit(), 1);
    }

    #[test]
    fn a_fixed_bound_stays_put_and_holds() {
        let limiter = Limiter::new(2, 2);
        let a = limiter.try_acquire().unwrap();
        let _b = limiter.try_acquire().unwrap();
        assert!(limiter.try_acquire().is_none(), "a third waits");
        a.done(Outcome::Overloaded);
        assert_eq!(limiter.limit(), 2);
        assert!(limiter.try_acquire().is_some(), "a place freed is taken");
    }
}
