//! offerdeck: a terminal dashboard and CLI for Azure Marketplace publishers, over the Cloud
//! Partner Portal API and the Partner Center Product Ingestion API, with an embedded simulator
//! of both.

// What the compiler can hold of the standards: no print that bypasses the terminal writer
// (`term`), no unwrap or expect outside tests (clippy.toml allows them there).
#![warn(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::dbg_macro,
    clippy::unwrap_used,
    clippy::expect_used
)]

pub mod api;
pub mod backend;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod emails;
pub mod engine;
pub mod fsutil;
pub mod lenient;
pub mod logging;
pub mod paths;
pub mod preflight;
pub mod redact;
pub mod sim;
pub mod store;
pub mod term;
pub mod text;
pub mod tui;

/// When the process started (set first thing in `main`), for start-up timings in the log.
pub fn process_start() -> std::time::Instant {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *START.get_or_init(std::time::Instant::now)
}
