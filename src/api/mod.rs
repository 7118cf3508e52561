//! The Cloud Partner Portal API client: wire types, HTTP, authentication. No terminal code.

pub mod auth;
pub mod client;
pub mod error;
pub mod pointer;
pub mod retry;
pub mod types;

pub use auth::{Secret, TokenProvider, TokenSource};
pub use client::{ClientSettings, CppClient, Started};
pub use error::{ApiError, ServiceError};
pub use types::{
    Message, OfferSummary, OpKind, OperationDetail, Status, Step, StepStatus, Submission,
};
