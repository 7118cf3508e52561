//! offerdeck: a terminal dashboard and CLI for Azure Marketplace publishers, over the Cloud
//! Partner Portal API, with an embedded simulator of that API.

pub mod api;
pub mod text;
pub mod config;
pub mod emails;
pub mod paths;
pub mod store;
pub mod fsutil;
pub mod sim;
pub mod logging;
pub mod ops;
pub mod setup;
pub mod cli;
pub mod demo;
pub mod headless;
pub mod run;
pub mod tui;
