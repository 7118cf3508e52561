//! The Partner Center Product Ingestion API on the wire: its client (products, submissions,
//! configure jobs) and its lenient wire types.

pub mod client;
pub mod types;

pub use client::IngestionClient;
