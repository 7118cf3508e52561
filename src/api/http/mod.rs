//! The HTTP layer both APIs' clients share: the transport (token, concurrency bound, 401
//! refresh, retries, no redirects), bounded bodies, tokens and where they come from, the retry
//! policy, errors, and where an operation pointer (and so a token) may go.

pub mod auth;
pub mod body;
pub mod error;
pub mod limiter;
pub mod pointer;
pub mod retry;
pub mod settings;
pub mod shape;
pub mod token;
pub mod token_command;
pub mod transport;

pub use auth::{TokenProvider, TokenSource};
pub use error::{ApiError, ServiceError};
pub use settings::ClientSettings;
pub use token::Secret;
