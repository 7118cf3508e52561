//! The dashboard.

use crate::headless::{Context, Exit};

/// Display options from the command line and the environment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub ascii: bool,
    pub no_color: bool,
    pub title: String,
}

pub async fn run(_ctx: Context, _options: Options) -> Exit {
    eprintln!("the dashboard is being built");
    Exit::Failed
}
