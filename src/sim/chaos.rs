//! Chaos mode: faults injected into the simulator's answers at configurable rates, to prove the
//! client survives what a real network and a real service do. Only `/api` requests are touched;
//! the token endpoint stays reliable.

use std::sync::Mutex;
use std::time::Duration;

/// Fault rates (each between 0 and 1; their sum at most 1) and their parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Chaos {
    /// 429 with `Retry-After`.
    pub throttle: f64,
    /// 500 or 503 with the Partner Center shim body.
    pub server_error: f64,
    /// An HTML error page (502 from a gateway).
    pub html: f64,
    /// An answer delayed by `slow_delay` (set it past the client's timeout).
    pub slow: f64,
    /// The request is served, then the connection dies mid-answer.
    pub drop: f64,
    /// The request is served, but its JSON body is cut in half.
    pub truncate: f64,
    pub slow_delay: Duration,
    pub retry_after_secs: u64,
    pub seed: u64,
}

impl Chaos {
    /// `total` spread evenly over the six kinds of fault.
    pub fn even(total: f64, seed: u64) -> Chaos {
        let each = total.clamp(0.0, 1.0) / 6.0;
        Chaos {
            throttle: each,
            server_error: each,
            html: each,
            slow: each,
            drop: each,
            truncate: each,
            slow_delay: Duration::from_secs(70),
            retry_after_secs: 1,
            seed,
        }
    }
}

/// One drawn fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    Throttle,
    ServerError,
    Html,
    Slow,
    Drop,
    Truncate,
}

/// How many of each fault were injected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChaosStats {
    pub requests: u64,
    pub throttle: u64,
    pub server_error: u64,
    pub html: u64,
    pub slow: u64,
    pub drop: u64,
    pub truncate: u64,
}

impl ChaosStats {
    pub fn faults(&self) -> u64 {
        self.throttle + self.server_error + self.html + self.slow + self.drop + self.truncate
    }
}

/// The seeded dice and the tally.
pub struct ChaosEngine {
    pub chaos: Chaos,
    state: Mutex<(fastrand::Rng, ChaosStats)>,
}

impl ChaosEngine {
    pub fn new(chaos: Chaos) -> ChaosEngine {
        let rng = fastrand::Rng::with_seed(chaos.seed);
        ChaosEngine {
            chaos,
            state: Mutex::new((rng, ChaosStats::default())),
        }
    }

    /// Draws the fault for one request, if any.
    pub fn draw(&self) -> Option<Fault> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (rng, stats) = &mut *guard;
        stats.requests += 1;
        let roll = rng.f64();
        let c = &self.chaos;
        let table = [
            (c.throttle, Fault::Throttle),
            (c.server_error, Fault::ServerError),
            (c.html, Fault::Html),
            (c.slow, Fault::Slow),
            (c.drop, Fault::Drop),
            (c.truncate, Fault::Truncate),
        ];
        let mut edge = 0.0;
        for (rate, fault) in table {
            edge += rate;
            if roll < edge {
                match fault {
                    Fault::Throttle => stats.throttle += 1,
                    Fault::ServerError => stats.server_error += 1,
                    Fault::Html => stats.html += 1,
                    Fault::Slow => stats.slow += 1,
                    Fault::Drop => stats.drop += 1,
                    Fault::Truncate => stats.truncate += 1,
                }
                return Some(fault);
            }
        }
        None
    }

    /// A coin for details (500 or 503).
    pub fn coin(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .bool()
    }

    pub fn stats(&self) -> ChaosStats {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1
    }
}
