//! Talking to Microsoft, wire only: the shared HTTP layer (`http`), and per API its client and
//! wire types (`cpp`, `ingestion`). No terminal code, and no mapping to the shared model: that
//! is `crate::backend`'s.

pub mod blob;
pub mod cpp;
pub mod http;
pub mod ingestion;

pub use cpp::CppClient;
pub use http::{ApiError, ClientSettings, Secret, ServiceError, TokenProvider, TokenSource};
