//! The command line: arguments, the headless commands, their typed output and exit codes, and
//! the dispatch to the dashboard, a command or the simulator.

pub mod args;
pub mod commands;
mod discover;
mod draft;
pub mod exit;
pub mod image;
pub mod output;
pub mod run;
mod watch;

pub use args::{Cli, Command, HeadlessCommand, SimulateArgs};
pub use exit::{Exit, exit_for};
