//! The backend-neutral core: which offer, what an operation is and what state it is in. Both
//! APIs' clients produce these; the store, the follower, the dashboard and the headless commands
//! use nothing else.

pub mod backend_kind;
pub mod bounds;
pub mod cadence;
pub mod caps;
pub mod diff;
pub mod estimate;
pub mod filter;
pub mod image;
pub mod log;
pub mod offer_id;
pub mod offer_type;
pub mod operation;
pub mod phase;
pub mod status;

pub use backend_kind::BackendKind;
pub use cadence::{Cadence, Expectation};
pub use caps::Caps;
pub use estimate::{Estimate, Estimates, Outlook, StepKey};
pub use offer_id::{OfferId, OfferIdError};
pub use offer_type::{OfferKind, OfferType};
pub use operation::{
    Change, Environment, FoundVia, Observation, Operation, StartFailure, Step, StepMessage,
    SubmissionSeen,
};
pub use phase::{Phase, ingestion_phase};
pub use status::{OpKind, Status, StepState};
