//! Starting and following long-running operations, shared by the headless commands and the
//! dashboard: the operation is recorded in the state store as soon as its pointer is known, and
//! every change a poll brings is written back.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::api::retry::RetryPolicy;
use crate::api::{ApiError, CppClient, OpKind, Status};
use crate::store::{OperationRecord, StateStore};

/// How often and how patiently an operation is polled.
#[derive(Debug, Clone, Copy)]
pub struct FollowPolicy {
    pub interval: Duration,
    /// The longest wait between polls while errors repeat.
    pub max_backoff: Duration,
    /// Polls failing in a row before giving up (the operation goes on at the service).
    pub max_consecutive_errors: u32,
}

impl FollowPolicy {
    pub fn every(interval: Duration) -> FollowPolicy {
        FollowPolicy {
            interval,
            max_backoff: Duration::from_secs(300).max(interval),
            max_consecutive_errors: 8,
        }
    }

    /// The waits after failed polls: from the poll interval, doubling up to `max_backoff`.
    fn retry(&self) -> RetryPolicy {
        RetryPolicy {
            first: self.interval,
            cap: self.max_backoff,
            max_retries: self.max_consecutive_errors.saturating_sub(1),
        }
    }
}

/// News from a follower.
#[derive(Debug, Clone)]
pub enum FollowEvent {
    /// The operation changed (status, step, progress or failure reason).
    Changed(OperationRecord),
    /// A poll failed; the next one comes after `wait`.
    Retrying {
        record: OperationRecord,
        attempt: u32,
        error: String,
        wait: Duration,
    },
    /// The follower stopped for good: finished, gave up, or was cancelled.
    Stopped {
        record: OperationRecord,
        error: Option<ApiError>,
    },
}

/// True when the operation ended the way its kind is meant to end.
pub fn succeeded(kind: OpKind, status: &Status) -> bool {
    match kind {
        OpKind::Publish => matches!(
            status,
            Status::WaitingForPublisherReview | Status::Succeeded
        ),
        OpKind::GoLive => matches!(status, Status::Succeeded),
        OpKind::Cancel => matches!(status, Status::Canceled),
    }
}

/// Starts an operation and records it. An offer already running an operation of the same kind
/// is not started twice: the running one is adopted.
pub async fn start(
    client: &CppClient,
    store: &StateStore,
    kind: OpKind,
    publisher: &str,
    offer: &str,
    emails: &[String],
) -> Result<(OperationRecord, bool), ApiError> {
    let started = client.start(kind, publisher, offer, emails).await?;
    let record = OperationRecord::new(publisher, offer, kind, started.url.as_str(), emails);
    if let Err(e) = store.upsert(&record) {
        // The operation runs on the service whatever happens here; say so loudly.
        tracing::error!(error = %e, url = %started.url, "could not record the operation");
    }
    tracing::info!(%kind, publisher, offer, url = %started.url, via = started.found_via, adopted = started.adopted, "operation started");
    Ok((record, started.adopted))
}

/// Polls an operation until it is over (or `cancel` fires), sending every change through `tx`.
/// Transient errors back off exponentially up to the policy's cap; others stop the follower.
pub async fn follow<M>(
    client: CppClient,
    store: Option<StateStore>,
    mut record: OperationRecord,
    policy: FollowPolicy,
    cancel: CancellationToken,
    tx: mpsc::Sender<M>,
    wrap: impl Fn(FollowEvent) -> M,
) {
    let url = match client.resolve_pointer(&record.operation_url) {
        Ok(url) => url,
        Err(e) => {
            let _ = tx
                .send(wrap(FollowEvent::Stopped {
                    record,
                    error: Some(e),
                }))
                .await;
            return;
        }
    };
    let mut failures: u32 = 0;
    let mut waits = policy.retry().waits();
    // Before the first poll: none; after a good one: the interval; after a failure: a backoff.
    let mut wait = Duration::ZERO;
    loop {
        if !wait.is_zero() {
            tokio::select! {
                _ = cancel.cancelled() => {
                    let _ = tx.send(wrap(FollowEvent::Stopped { record, error: None })).await;
                    return;
                }
                _ = tokio::time::sleep(wait) => {}
            }
        }
        let result = tokio::select! {
            _ = cancel.cancelled() => {
                let _ = tx.send(wrap(FollowEvent::Stopped { record, error: None })).await;
                return;
            }
            r = client.get_operation(&url) => r,
        };
        match result {
            Ok(detail) => {
                failures = 0;
                waits = policy.retry().waits();
                wait = policy.interval;
                let before = record.clone();
                record.apply(&detail);
                let changed = before.last_status != record.last_status
                    || before.progress != record.progress
                    || before.steps != record.steps
                    || before.current_step != record.current_step
                    || before.failure != record.failure;
                // The store is rewritten (and synced) on what matters for a resume, not on
                // every percent of progress.
                let step_of = |r: &OperationRecord| {
                    r.current_step
                        .as_ref()
                        .map(|s| (s.id.clone(), s.status.clone()))
                };
                let worth_saving = before.last_status != record.last_status
                    || before.finished != record.finished
                    || before.failure != record.failure
                    || step_of(&before) != step_of(&record);
                if worth_saving
                    && let Some(store) = &store
                    && let Err(e) = store.upsert(&record)
                {
                    tracing::error!(error = %e, "could not update the state store");
                }
                if changed
                    && tx
                        .send(wrap(FollowEvent::Changed(record.clone())))
                        .await
                        .is_err()
                {
                    return;
                }
                if record.finished {
                    let _ = tx
                        .send(wrap(FollowEvent::Stopped {
                            record,
                            error: None,
                        }))
                        .await;
                    return;
                }
            }
            Err(error) => {
                let next = if error.is_transient() {
                    waits.next(None)
                } else {
                    None
                };
                let Some(next) = next else {
                    tracing::warn!(url = %url, error = %error, "stopped following");
                    let _ = tx
                        .send(wrap(FollowEvent::Stopped {
                            record,
                            error: Some(error),
                        }))
                        .await;
                    return;
                };
                failures += 1;
                wait = next;
                tracing::warn!(url = %url, attempt = failures, error = %error, "poll failed; backing off");
                let event = FollowEvent::Retrying {
                    record: record.clone(),
                    attempt: failures,
                    error: error.to_string(),
                    wait,
                };
                if tx.send(wrap(event)).await.is_err() {
                    return;
                }
            }
        }
    }
}
