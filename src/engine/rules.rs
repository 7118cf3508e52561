//! What may start when: the one set of rules, asked by the dashboard for its keys and hints
//! and by the headless commands before they send anything.

use super::offer::{OfferState, Standing};
use crate::domain::OpKind;

/// Why something cannot go to an offer now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An operation runs (or is being started) on the offer.
    Busy(OpKind),
    /// A retry, but the last publish neither failed nor was rejected.
    NothingToRetry,
    /// A go-live needs a publish waiting for sign-off; the offer's state now.
    NotReadyForGoLive(String),
    /// A cancel, but nothing runs.
    NothingRunning,
    /// Watching only.
    ReadOnly,
}

impl Refusal {
    /// One plain line, naming the offer.
    pub fn message(&self, offer: &crate::domain::OfferId) -> String {
        match self {
            Refusal::Busy(OpKind::GoLive) => {
                format!("{offer}: wait for the running operation to finish")
            }
            Refusal::Busy(_) => {
                format!("{offer}: an operation is already in flight (c cancels it)")
            }
            Refusal::NothingToRetry => format!(
                "{offer}: nothing to retry (the last publish neither failed nor was rejected)"
            ),
            Refusal::NotReadyForGoLive(now) if now == "live" => format!(
                "{offer}: nothing waits for go-live (it is already live); go live needs a publish waiting for publisher sign-off"
            ),
            Refusal::NotReadyForGoLive(now) => format!(
                "{offer}: go live needs a publish waiting for publisher sign-off (it is {now})"
            ),
            Refusal::NothingRunning => format!("{offer}: nothing is running"),
            Refusal::ReadOnly => format!("{offer}: read-only: nothing is sent"),
        }
    }
}

/// Whether `kind` may go to the offer now (`retry`: a publish meant to redo a failed one).
pub fn may_start(kind: OpKind, state: &OfferState, retry: bool) -> Result<(), Refusal> {
    let standing = state.standing();
    match kind {
        OpKind::Publish if state.in_flight() => Err(Refusal::Busy(kind)),
        OpKind::Publish if retry && !retryable(state, &standing) => Err(Refusal::NothingToRetry),
        OpKind::GoLive if state.in_flight() => Err(Refusal::Busy(kind)),
        OpKind::GoLive if standing != Standing::ReadyForGoLive => {
            Err(Refusal::NotReadyForGoLive(standing.label()))
        }
        // Something the service runs that nothing here follows (the portal) can be canceled too.
        OpKind::Cancel
            if !state.in_flight()
                && !state.service.as_ref().is_some_and(|s| s.status.is_active()) =>
        {
            Err(Refusal::NothingRunning)
        }
        _ => Ok(()),
    }
}

/// A publish can be retried after a rejection, a start not sent, a lost follow, a failure or
/// a cancel; also when such an attempt is shown beside a newer state.
fn retryable(state: &OfferState, standing: &Standing) -> bool {
    matches!(
        standing,
        Standing::Rejected(_)
            | Standing::NotSent(OpKind::Publish)
            | Standing::Lost
            | Standing::Failed
            | Standing::Canceled
    ) || state
        .earlier_failure()
        .is_some_and(|f| f.kind == OpKind::Publish)
}

/// What a publisher should hear before a start: a preview waiting for sign-off that a new
/// publish would replace.
pub fn warning_before(kind: OpKind, state: &OfferState) -> Option<String> {
    if kind != OpKind::Publish || state.standing() != Standing::ReadyForGoLive {
        return None;
    }
    let since = state
        .waiting_for_signoff_since()
        .map(|t| {
            format!(
                " since {}",
                t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")
            )
        })
        .unwrap_or_default();
    Some(format!(
        "{} has a preview waiting for sign-off{since}; publishing replaces it (its certification starts over)",
        state.id
    ))
}
