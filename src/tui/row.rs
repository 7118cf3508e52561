//! One row of the offers table: the engine's truth about an offer, as last sent, and what only
//! the table has (its marks, its flash, the e-mails the config gives).

use chrono::{DateTime, Utc};

use crate::domain::{
    BackendKind, Estimate, Estimates, OfferId, Outlook, Phase, StartFailure, Step,
};
pub use crate::engine::{Activity, Standing};
use crate::engine::{OfferState, Problem};

/// One offer of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferRow {
    pub id: OfferId,
    pub backend: BackendKind,
    /// What the engine knows of the offer; replaced whole by each of its snapshots.
    pub truth: OfferState,
    pub emails: Vec<String>,
    /// Not in the config (an operation resumed from the state store).
    pub unconfigured: bool,
    pub flash_until: Option<DateTime<Utc>>,
    /// Marked for an action on several offers at once (`Space`, `*`).
    pub marked: bool,
}

impl OfferRow {
    pub fn new(id: OfferId, backend: BackendKind, emails: Vec<String>) -> OfferRow {
        OfferRow {
            truth: OfferState::new(id.clone(), backend),
            id,
            backend,
            emails,
            unconfigured: false,
            flash_until: None,
            marked: false,
        }
    }

    /// A row for what the engine knows of an offer.
    pub fn of(truth: OfferState, emails: Vec<String>) -> OfferRow {
        OfferRow {
            id: truth.id.clone(),
            backend: truth.backend,
            truth,
            emails,
            unconfigured: false,
            flash_until: None,
            marked: false,
        }
    }

    /// An operation is running (or being started) for this offer.
    pub fn in_flight(&self) -> bool {
        self.truth.in_flight()
    }

    /// What the row shows in its status column.
    pub fn state(&self) -> Standing {
        self.truth.standing()
    }

    /// The reason a failed or blocked operation gives.
    pub fn failure(&self) -> Option<&str> {
        self.truth.failure()
    }

    pub fn phase(&self, now: DateTime<Utc>) -> Option<Phase> {
        self.truth.phase(now)
    }

    pub fn outlook(
        &self,
        estimates: &Estimates,
        now: DateTime<Utc>,
    ) -> Option<(Estimate, Outlook, String)> {
        self.truth.outlook(estimates, now)
    }

    pub fn progress(&self) -> Option<u8> {
        self.truth.progress()
    }

    pub fn current_step(&self) -> Option<&Step> {
        self.truth.current_step()
    }

    pub fn steps(&self) -> &[Step] {
        self.truth.steps()
    }

    /// The last problem reading or following the offer.
    pub fn problem(&self) -> Option<&Problem> {
        self.truth.problem.as_ref().map(|(_, p)| p)
    }

    /// The failed start the row shows as its state, when one stands.
    pub fn failed_start(&self) -> Option<&StartFailure> {
        self.truth.standing_failure()
    }

    /// True when the row passes the filter (see `domain::filter` for the language).
    pub fn matches(&self, filter: &crate::domain::filter::Filter) -> bool {
        if filter.is_empty() {
            return true;
        }
        let offer = self.id.to_string();
        let status = self.state().label();
        filter.matches(&crate::domain::filter::Subject {
            offer: &offer,
            publisher: self.id.publisher(),
            status: &status,
            backend: self.backend.as_str(),
            emails: &self.emails,
        })
    }
}
