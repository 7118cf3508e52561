//! Starting and following long-running operations, shared by the headless commands and the
//! dashboard: the operation is recorded in the state store as soon as its pointer is known, and
//! every change a poll brings is written back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::api::ApiError;
use crate::api::http::retry::RetryPolicy;
use crate::backend::Backend;
use crate::clock::Clock;
use crate::domain::{
    Cadence, Estimate, Expectation, OfferId, OpKind, Operation, StartFailure, StepKey,
};
use crate::store::{StateStore, StoreError};

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
    fn retry(&self) -> RetryPolicy {
        RetryPolicy {
            first: self.cadence.floor,
            cap: self.max_backoff,
            max_retries: self.max_consecutive_errors.saturating_sub(1),
            // Polls wait on the interval, not on Retry-After: no budget beyond the count.
            budget: Duration::MAX,
        }
    }
}

/// News from a follower.
#[derive(Debug, Clone)]
pub enum FollowEvent {
    /// The operation changed (status, step, progress or failure reason); the next poll comes
    /// after `next_poll` (unless it finished).
    Changed {
        operation: Operation,
        next_poll: Duration,
    },
    /// A poll of the operation at `pointer` answered, and nothing a user would see changed
    /// (the data is fresh). Only its address travels: most polls are these.
    Polled {
        pointer: url::Url,
        next_poll: Duration,
    },
    /// A poll failed; the next one comes after `wait`.
    Retrying {
        operation: Operation,
        attempt: u32,
        error: String,
        wait: Duration,
        /// The service answered 429: it is there, only busy.
        throttled: bool,
    },
    /// The state store could not record the operation's progress, or was found unreadable and
    /// moved aside: the user must hear of it, not only the log.
    StoreProblem {
        operation: Operation,
        message: String,
    },
    /// The follower stopped for good: finished, gave up, or was cancelled.
    Stopped {
        operation: Operation,
        error: Option<ApiError>,
    },
}

/// What starting an operation gave.
#[derive(Debug, Clone)]
pub struct StartOutcome {
    pub operation: Operation,
    /// True when an operation already running was adopted instead of a new one started.
    pub adopted: bool,
    /// Set when the service accepted the operation but the state store could not record it:
    /// the operation runs, but nothing will resume it unless the user follows it by hand.
    pub not_recorded: Option<StoreError>,
    /// What else the store had to say (a corrupt file moved aside).
    pub store_notices: Vec<String>,
}

/// Starts a publish or a go-live and records it. An offer already running an operation of the
/// same kind is not started twice: the running one is adopted.
pub async fn start(
    backend: &Backend,
    store: &StateStore,
    kind: OpKind,
    offer: &OfferId,
    emails: &[String],
    now: DateTime<Utc>,
) -> Result<StartOutcome, ApiError> {
    let started = match backend.start(kind, offer, emails).await {
        Ok(started) => started,
        Err(error) => {
            // Kept, so the row says so after a restart too (the service keeps no trace of it).
            let failure = failure_of(offer, kind, now, &error);
            if let Err(e) = store.record_failure(&failure) {
                tracing::warn!(error = %e, "could not record the failed start");
            }
            return Err(error);
        }
    };
    let operation = Operation::new(
        offer.clone(),
        backend.kind(),
        started.kind,
        started.pointer,
        emails,
        now,
    );
    tracing::info!(%kind, %offer, url = %operation.pointer, via = %started.found_via, adopted = started.adopted, "operation started");
    Ok(record(store, operation, started.adopted))
}

/// Marks an operation that cannot be followed any more as lost, in the store too, so nothing
/// waits for it again (the operation itself, if any, goes on at the service).
fn lose(store: &Option<StateStore>, operation: &mut Operation, error: &ApiError) {
    operation.lose(&crate::text::sanitize_line(&error.to_string()));
    if let Some(store) = store
        && let Err(e) = store.upsert(operation)
    {
        tracing::error!(error = %e, "could not record that the operation is lost");
    }
}

/// What a start the service did not take is remembered as.
pub fn failure_of(
    offer: &OfferId,
    kind: OpKind,
    at: DateTime<Utc>,
    error: &ApiError,
) -> StartFailure {
    let se = error.service_error();
    StartFailure {
        offer: offer.clone(),
        kind,
        at,
        rejected: matches!(error, ApiError::Validation(_)),
        message: crate::text::sanitize_line(&match (error, se) {
            (ApiError::Validation(_), Some(se)) => se.message.clone(),
            _ => error.to_string(),
        }),
        details: se.map(|e| e.details.clone()).unwrap_or_default(),
        correlation_id: se.and_then(|e| e.correlation_id.clone()),
    }
}

/// Asks the service to cancel what runs on the offer, and marks that operation as one the user
/// wants canceled (its follower then sees it end `canceled`). `None`: nothing was running.
pub async fn cancel(
    backend: &Backend,
    store: &StateStore,
    offer: &OfferId,
    now: DateTime<Utc>,
) -> Result<Option<StartOutcome>, ApiError> {
    // The newest unfinished operation offerdeck recorded on the offer (a job of the Product
    // Ingestion API can only be named from it).
    let recorded = store.unfinished().ok().and_then(|ops| {
        ops.into_iter()
            .filter(|o| &o.offer == offer && o.backend == backend.kind())
            .max_by_key(|o| o.started_at)
    });
    let Some(started) = backend.cancel(offer, recorded.as_ref()).await? else {
        return Ok(None);
    };
    // The record of the operation being canceled, when offerdeck knows it.
    let known = store.find(&started.pointer).ok().flatten();
    let mut operation = known.unwrap_or_else(|| {
        Operation::new(
            offer.clone(),
            backend.kind(),
            started.kind,
            started.pointer.clone(),
            &[],
            now,
        )
    });
    operation.cancel_requested_at = Some(now);
    tracing::info!(%offer, url = %operation.pointer, "cancel requested");
    Ok(Some(record(store, operation, false)))
}

/// Finds the operation running at the service on an offer (started by the portal or another
/// tool) and records it, so it is followed and resumed like offerdeck's own.
pub async fn discover(
    backend: &Backend,
    store: &StateStore,
    offer: &OfferId,
    now: DateTime<Utc>,
) -> Result<Option<Operation>, ApiError> {
    let Some((kind, pointer)) = backend.running(offer).await? else {
        return Ok(None);
    };
    let operation = Operation::new(offer.clone(), backend.kind(), kind, pointer, &[], now);
    if let Err(e) = store.upsert(&operation) {
        tracing::error!(error = %e, "could not record the discovered operation");
    }
    Ok(Some(operation))
}

/// Records an operation the service accepted; says so loudly in the log when that fails (the
/// caller tells the user).
fn record(store: &StateStore, operation: Operation, adopted: bool) -> StartOutcome {
    let not_recorded = store.upsert(&operation).err();
    if let Some(e) = &not_recorded {
        tracing::error!(error = %e, url = %operation.pointer, "could not record the operation");
    }
    StartOutcome {
        operation,
        adopted,
        not_recorded,
        store_notices: store.take_notices(),
    }
}

/// Polls an operation until it is over (or `cancel` fires), sending every change through `tx`.
/// Transient errors back off up to the policy's cap; others stop the follower.
#[allow(clippy::too_many_arguments)]
pub async fn follow<M>(
    backend: Backend,
    store: Option<StateStore>,
    mut operation: Operation,
    policy: FollowPolicy,
    clock: Clock,
    cancel: CancellationToken,
    tx: mpsc::Sender<M>,
    wrap: impl Fn(FollowEvent) -> M,
) {
    if let Err(e) = backend.check_pointer(&operation.pointer) {
        lose(&store, &mut operation, &e);
        let _ = tx
            .send(wrap(FollowEvent::Stopped {
                operation,
                error: Some(e),
            }))
            .await;
        return;
    }
    let mut failures: u32 = 0;
    let mut waits = policy.retry().waits();
    // Said once per run of failed writes, not at every poll.
    let mut store_failing = false;
    // Before the first poll: none; after a good one: the cadence's; after a failure: a backoff.
    let mut wait = Duration::ZERO;
    let mut history = StepHistory::default();
    loop {
        if !wait.is_zero() {
            tokio::select! {
                _ = cancel.cancelled() => {
                    let _ = tx.send(wrap(FollowEvent::Stopped { operation, error: None })).await;
                    return;
                }
                _ = clock.sleep(wait) => {}
            }
        }
        let result = tokio::select! {
            _ = cancel.cancelled() => {
                let _ = tx.send(wrap(FollowEvent::Stopped { operation, error: None })).await;
                return;
            }
            r = backend.poll(&operation) => r,
        };
        let error = match result {
            Ok(seen) => {
                failures = 0;
                waits = policy.retry().waits();
                let now = clock.now();
                let change = operation.apply(seen, now);
                wait = if policy.cadence.is_fixed() {
                    policy.cadence.floor
                } else {
                    let past = history.of(store.as_ref(), &operation);
                    let expected = Expectation::of(&operation, past.as_ref(), now);
                    policy.cadence.next_wait(&operation, expected, now)
                };
                if change.durable
                    && let Some(store) = &store
                {
                    let mut problems = store.take_notices();
                    match store.upsert(&operation) {
                        Ok(()) => store_failing = false,
                        Err(e) => {
                            tracing::error!(error = %e, "could not update the state store");
                            if !std::mem::replace(&mut store_failing, true) {
                                problems.push(format!("progress not recorded: {e}; a restart may not know how far it got"));
                            }
                        }
                    }
                    problems.extend(store.take_notices());
                    for message in problems {
                        let event = FollowEvent::StoreProblem {
                            operation: operation.clone(),
                            message,
                        };
                        if tx.send(wrap(event)).await.is_err() {
                            return;
                        }
                    }
                }
                let news = if change.visible {
                    FollowEvent::Changed {
                        operation: operation.clone(),
                        next_poll: wait,
                    }
                } else {
                    FollowEvent::Polled {
                        pointer: operation.pointer.clone(),
                        next_poll: wait,
                    }
                };
                if tx.send(wrap(news)).await.is_err() {
                    return;
                }
                if operation.finished {
                    let _ = tx
                        .send(wrap(FollowEvent::Stopped {
                            operation,
                            error: None,
                        }))
                        .await;
                    return;
                }
                continue;
            }
            Err(error) => error,
        };
        let next = if error.is_transient() {
            waits.next(None)
        } else {
            None
        };
        let Some(next) = next else {
            tracing::warn!(url = %operation.pointer, error = %error, "stopped following");
            if error.is_permanent() {
                lose(&store, &mut operation, &error);
            }
            let _ = tx
                .send(wrap(FollowEvent::Stopped {
                    operation,
                    error: Some(error),
                }))
                .await;
            return;
        };
        failures += 1;
        wait = next;
        tracing::warn!(url = %operation.pointer, attempt = failures, error = %error, "poll failed; backing off");
        let event = FollowEvent::Retrying {
            operation: operation.clone(),
            attempt: failures,
            error: error.to_string(),
            wait,
            throttled: error.service_error().is_some_and(|e| e.status == 429),
        };
        if tx.send(wrap(event)).await.is_err() {
            return;
        }
    }
}

/// What the history says of the step a follower's operation runs: read once per step, not at
/// every poll.
#[derive(Default)]
struct StepHistory {
    step: Option<String>,
    estimate: Option<Estimate>,
}

impl StepHistory {
    fn of(&mut self, store: Option<&StateStore>, op: &Operation) -> Option<Estimate> {
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

/// The publishers `discover` lists on an API when none is given: those of the configured offers
/// on it (for the Product Ingestion API, the seller label they use), in config order.
pub fn configured_publishers(
    config: &crate::config::Config,
    kind: crate::domain::BackendKind,
) -> Vec<String> {
    let mut publishers: Vec<String> = Vec::new();
    for offer in config.offers.iter().filter(|o| o.backend == kind) {
        let p = offer.id.publisher();
        if !publishers.iter().any(|known| known.eq_ignore_ascii_case(p)) {
            publishers.push(p.to_string());
        }
    }
    publishers
}

/// The offers an account can see on one API, sorted: CPP's of each publisher; the Product
/// Ingestion account's products, under the seller label (the first of `publishers`). Only
/// virtual machine offers unless `all_types`.
pub async fn available(
    backend: &Backend,
    publishers: &[String],
    all_types: bool,
) -> Result<Vec<crate::backend::ListedOffer>, ApiError> {
    let labels: &[String] = match backend.kind() {
        crate::domain::BackendKind::Cpp => publishers,
        crate::domain::BackendKind::Ingestion => &publishers[..publishers.len().min(1)],
    };
    let mut found = Vec::new();
    for publisher in labels {
        found.extend(
            backend
                .list_offers(publisher)
                .await?
                .into_iter()
                .filter(|o| all_types || o.is_virtual_machine()),
        );
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    Ok(found)
}
