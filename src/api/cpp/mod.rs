//! The Cloud Partner Portal API on the wire: its client (URLs, endpoints, starting an operation
//! without sending it twice) and its lenient wire types.

pub mod client;
pub mod types;

pub use client::{CppClient, Started};
