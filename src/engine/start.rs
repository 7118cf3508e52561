//! Starting, canceling and discovering operations: each asks the offer's backend, then records
//! what the service accepted in the state store before anything else, so an accepted operation
//! is never lost. Also what an account can see, for discovery and the picker.

use chrono::{DateTime, Utc};

use crate::api::ApiError;
use crate::backend::Backend;
use crate::domain::{OfferId, OpKind, Operation, StartFailure};
use crate::store::{StateStore, StoreError};

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
    let Some(running) = backend.running(offer).await? else {
        return Ok(None);
    };
    // Started when the service says, not when this side noticed (never in the future).
    let since = running.since.filter(|t| *t <= now).unwrap_or(now);
    let operation = Operation::new(
        offer.clone(),
        backend.kind(),
        running.kind,
        running.pointer,
        &[],
        since,
    );
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
                .filter(|o| all_types || o.offer_type.is_virtual_machine()),
        );
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found.dedup_by(|a, b| a.id == b.id);
    Ok(found)
}
