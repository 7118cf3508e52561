//! How long steps (CPP) and phases (Product Ingestion) took before, for a seller: the median
//! and the 90th percentile of their past durations, read from the state store's history. The
//! dashboard turns them into "~2 h left" and "slower than usual".

use std::collections::HashMap;

use chrono::Duration;

use super::{BackendKind, OfferId, OpKind};

/// Past durations of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    pub median: Duration,
    pub p90: Duration,
    /// How many past runs of the step it is made of.
    pub count: usize,
}

/// Fewer past runs than this say too little to predict from.
pub const MIN_SAMPLES: usize = 3;

impl Estimate {
    /// From past durations (any order); `None` when there are too few.
    pub fn of(mut durations: Vec<Duration>) -> Option<Estimate> {
        if durations.len() < MIN_SAMPLES {
            return None;
        }
        durations.sort();
        let at = |q: f64| durations[((durations.len() - 1) as f64 * q).round() as usize];
        Some(Estimate {
            median: at(0.5),
            p90: at(0.9),
            count: durations.len(),
        })
    }
}

/// Which step of whose operation: the seller (publisher, lower case), the API, the kind of
/// operation and the step's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StepKey {
    pub publisher: String,
    pub backend: BackendKind,
    pub kind: OpKind,
    pub step: String,
}

impl StepKey {
    pub fn new(offer: &OfferId, backend: BackendKind, kind: OpKind, step: &str) -> StepKey {
        StepKey {
            publisher: offer.publisher().to_lowercase(),
            backend,
            kind,
            step: step.to_string(),
        }
    }
}

/// Every step's estimate that the history supports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Estimates(pub HashMap<StepKey, Estimate>);

impl Estimates {
    pub fn get(&self, key: &StepKey) -> Option<&Estimate> {
        self.0.get(key)
    }

    /// Durations per step, as the history read them, turned into estimates.
    pub fn from_durations(durations: HashMap<StepKey, Vec<Duration>>) -> Estimates {
        Estimates(
            durations
                .into_iter()
                .filter_map(|(k, d)| Estimate::of(d).map(|e| (k, e)))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_and_90th_percentile_need_a_few_samples() {
        let minutes = |m: &[i64]| m.iter().map(|&m| Duration::minutes(m)).collect::<Vec<_>>();
        assert_eq!(Estimate::of(minutes(&[10, 20])), None);
        let e = Estimate::of(minutes(&[50, 10, 30, 20, 40, 60, 70, 80, 90, 100])).unwrap();
        assert_eq!(e.median, Duration::minutes(60));
        assert_eq!(e.p90, Duration::minutes(90));
        assert_eq!(e.count, 10);
    }
}

/// What an estimate says of a step that has run for some time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outlook {
    /// About this much longer, judging by the median.
    Left(Duration),
    /// Past the median, within the usual range: any time now.
    Due,
    /// Past the 90th percentile: slower than usual.
    Slower,
}

impl Estimate {
    pub fn outlook(&self, elapsed: Duration) -> Outlook {
        if elapsed > self.p90 {
            Outlook::Slower
        } else if elapsed >= self.median {
            Outlook::Due
        } else {
            Outlook::Left(self.median - elapsed)
        }
    }
}
