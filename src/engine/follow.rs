//! Following an operation: a poll task per operation, which holds no state of its own. It asks
//! the offer's backend (or, when another offerdeck on the same data folder already polls that
//! operation, reads what that one records), hands the answer to the engine, and waits as long
//! as the engine says. The engine applies the answer to its one copy of the operation.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::Report;
use crate::api::ApiError;
use crate::api::http::retry::RetryPolicy;
use crate::backend::Backend;
use crate::clock::Clock;
use crate::domain::{Cadence, Estimate, Observation, OpKind, Operation, StepKey};
use crate::store::StateStore;

/// How often and how patiently an operation is polled.
#[derive(Debug, Clone, Copy)]
pub struct FollowPolicy {
    /// The wait between good polls: from `poll_interval` up to `poll_interval_max`, following
    /// the work (see `domain::cadence`).
    pub cadence: Cadence,
    /// The longest wait between polls while errors repeat.
    pub max_backoff: Duration,
    /// Polls failing in a row before giving up (the operation goes on at the service).
    pub max_consecutive_errors: u32,
}

/// The follow policy of each API: each has its own poll interval.
#[derive(Debug, Clone, Copy)]
pub struct FollowPolicies {
    pub cpp: FollowPolicy,
    pub ingestion: FollowPolicy,
}

impl FollowPolicies {
    pub fn from_config(config: &crate::config::Config) -> FollowPolicies {
        use crate::domain::BackendKind;
        FollowPolicies {
            cpp: FollowPolicy::adaptive(config.cadence(BackendKind::Cpp)),
            ingestion: FollowPolicy::adaptive(config.cadence(BackendKind::Ingestion)),
        }
    }

    pub fn of(&self, kind: crate::domain::BackendKind) -> FollowPolicy {
        match kind {
            crate::domain::BackendKind::Cpp => self.cpp,
            crate::domain::BackendKind::Ingestion => self.ingestion,
        }
    }
}

impl FollowPolicy {
    /// Polls at one pace, whatever runs.
    pub fn every(interval: Duration) -> FollowPolicy {
        FollowPolicy::adaptive(Cadence::fixed(interval))
    }

    /// Polls that follow the work, within the cadence's bounds.
    pub fn adaptive(cadence: Cadence) -> FollowPolicy {
        FollowPolicy {
            cadence,
            max_backoff: Duration::from_secs(300).max(cadence.floor),
            max_consecutive_errors: 8,
        }
    }

    /// The waits after failed polls: from the poll interval, doubling up to `max_backoff`.
    pub(super) fn retry(&self) -> RetryPolicy {
        RetryPolicy {
            first: self.cadence.floor,
            cap: self.max_backoff,
            max_retries: self.max_consecutive_errors.saturating_sub(1),
            // Polls wait on the interval, not on Retry-After: no budget beyond the count.
            budget: Duration::MAX,
        }
    }
}

/// What a poll task does next, as the engine decides.
#[derive(Debug)]
pub(super) enum Next {
    /// Poll again after `wait`; `operation` is the engine's copy as it stands.
    After {
        operation: Box<Operation>,
        wait: Duration,
    },
    Stop,
}

/// How long a lease on polling an operation lasts past the next poll: long enough that a slow
/// poll keeps it, short enough that another offerdeck takes over soon after this one stops.
fn lease_for(wait: Duration) -> Duration {
    wait.saturating_mul(2) + Duration::from_secs(60)
}

/// Takes over a lease whose holder (named `pid-random`) is no process of this machine any
/// more; true when this process holds it now.
fn holder_gone(
    store: &StateStore,
    pointer: &url::Url,
    holder: &str,
    now: chrono::DateTime<chrono::Utc>,
    ttl: Duration,
) -> bool {
    let Ok(Some(other)) = store.lease_holder(pointer) else {
        return false;
    };
    if holder_runs(&other) {
        return false;
    }
    let until = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
    store
        .take_over(pointer, &other, holder, until)
        .unwrap_or(false)
}

/// Whether the process a holder name (`pid-random`) names still runs; a name that does not read
/// is taken as running (trusted until its lease runs out).
pub(super) fn holder_runs(holder: &str) -> bool {
    holder
        .split('-')
        .next()
        .and_then(|p| p.parse::<i32>().ok())
        .is_none_or(process_alive)
}

/// Whether a process runs with this id (signal 0 asks without sending anything).
#[cfg(unix)]
fn process_alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Elsewhere a held lease is trusted until it runs out.
#[cfg(not(unix))]
fn process_alive(_pid: i32) -> bool {
    true
}

/// The poll task of one operation: polls until the engine says stop, `cancel` fires, or the
/// engine is gone. `holder` names this process in the state store's leases.
#[allow(clippy::too_many_arguments)]
pub(super) async fn poll_task(
    backend: Backend,
    store: Option<StateStore>,
    holder: String,
    mut operation: Operation,
    clock: Clock,
    (cancel, wake): (CancellationToken, std::sync::Arc<tokio::sync::Notify>),
    reports: mpsc::UnboundedSender<Report>,
) {
    let mut wait = Duration::ZERO;
    // Until when this process holds the lease: renewed when half of it is left, not at every
    // poll (a write per poll would load the store for nothing).
    let mut held_until: Option<chrono::DateTime<chrono::Utc>> = None;
    loop {
        if !wait.is_zero() {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = clock.sleep(wait) => {}
                _ = wake.notified() => {}
            }
        }
        let now = clock.now();
        let ttl = lease_for(wait);
        let half = chrono::Duration::from_std(ttl / 2).unwrap_or(chrono::Duration::MAX);
        let fresh = held_until.is_some_and(|until| until - now > half);
        let elsewhere = match &store {
            Some(_) if fresh => false,
            Some(store) => match store.lease(&operation.pointer, &holder, now, ttl) {
                Ok(true) => {
                    held_until = chrono::Duration::from_std(ttl).ok().map(|t| now + t);
                    false
                }
                // Held by a process of this machine that is gone (killed): taken over at
                // once rather than when the lease runs out.
                Ok(false) if holder_gone(store, &operation.pointer, &holder, now, ttl) => {
                    held_until = chrono::Duration::from_std(ttl).ok().map(|t| now + t);
                    false
                }
                Ok(false) => {
                    held_until = None;
                    true
                }
                Err(e) => {
                    tracing::debug!(error = %e, "no lease: polling anyway");
                    false
                }
            },
            None => false,
        };
        let recorded = match (&store, elsewhere) {
            (Some(store), true) => store.find(&operation.pointer).ok().flatten(),
            _ => None,
        };
        // Read from the records: the service answered when they were written, not now.
        let mut answered_at = None;
        let result: Result<Observation, ApiError> = match recorded {
            Some(record) => {
                answered_at = Some(record.updated_at);
                Ok(record.seen)
            }
            None => tokio::select! {
                _ = cancel.cancelled() => break,
                r = backend.poll(&operation) => r,
            },
        };
        let (reply, answer) = oneshot::channel();
        let report = Report::Polled {
            offer: operation.offer.clone(),
            pointer: operation.pointer.clone(),
            result,
            elsewhere,
            answered_at,
            reply,
        };
        if reports.send(report).is_err() {
            break;
        }
        match answer.await {
            Ok(Next::After {
                operation: o,
                wait: w,
            }) => {
                operation = *o;
                wait = w;
            }
            Ok(Next::Stop) | Err(_) => break,
        }
    }
    // The lease is the actor's to give up, not this task's: a task replaced by one polling the
    // same operation (same holder) would otherwise delete the lease its successor just renewed,
    // and another offerdeck would start polling too.
}

/// What the history says of the step a follower's operation runs: read once per step, not at
/// every poll.
#[derive(Default)]
pub(super) struct StepHistory {
    step: Option<String>,
    estimate: Option<Estimate>,
}

impl StepHistory {
    pub(super) fn of(&mut self, store: Option<&StateStore>, op: &Operation) -> Option<Estimate> {
        let step = op.seen.current_step.as_ref().map(|s| &s.id);
        if step != self.step.as_ref() {
            self.step = step.cloned();
            self.estimate = match (store, step) {
                (Some(store), Some(step)) if op.kind != OpKind::Cancel => store
                    .estimate(&StepKey::new(&op.offer, op.backend, op.kind, step))
                    .unwrap_or_else(|e| {
                        tracing::debug!(error = %e, "no estimate from the history");
                        None
                    }),
                _ => None,
            };
        }
        self.estimate
    }
}
