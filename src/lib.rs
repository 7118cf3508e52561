//! offerdeck: a terminal dashboard and CLI for Azure Marketplace publishers, over the Cloud
//! Partner Portal API and the Partner Center Product Ingestion API, with an embedded simulator
//! of both.

pub mod api;
pub mod backend;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod emails;
pub mod fsutil;
pub mod lenient;
pub mod logging;
pub mod notify;
pub mod ops;
pub mod paths;
pub mod redact;
pub mod setup;
pub mod sim;
pub mod store;
pub mod text;
pub mod tui;

/// When the process started (set first thing in `main`), for start-up timings in the log.
pub fn process_start() -> std::time::Instant {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *START.get_or_init(std::time::Instant::now)
}
