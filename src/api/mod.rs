//! Talking to Microsoft: the shared HTTP layer (`transport`, `retry`, `auth`, `error`, `pointer`)
//! and the Cloud Partner Portal API's client (`client`) and wire types (`types`), and the
//! Product Ingestion API's client (`ingestion_client`), wire types and status derivation
//! (`ingestion_types`). No terminal
//! code; above this, only `crate::backend` and `crate::domain` are used.

pub mod auth;
pub mod body;
pub mod client;
pub mod error;
pub mod ingestion_client;
pub mod ingestion_types;
pub mod limiter;
pub mod pointer;
pub mod retry;
pub mod token;
pub mod token_command;
pub mod transport;
pub mod types;

pub use auth::{Secret, TokenProvider, TokenSource};
pub use client::{ClientSettings, CppClient, Started};
pub use error::{ApiError, ServiceError};
pub use types::{
    Message, OfferSummary, OpKind, OperationDetail, Status, Step, StepStatus, Submission,
};
