//! Logs go to a file in the data folder, never to the terminal the dashboard draws on.
//! `OFFERDECK_LOG` (or `RUST_LOG`) sets the filter; the default is `info`.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Log lines waiting for the writer thread, at most.
const LOG_QUEUE_LINES: usize = 4_096;

/// Starts file logging; keep the guard alive until exit so the last lines are flushed.
/// Returns `None` (and logs nothing) when the folder cannot be created.
pub fn init(file_name: &str) -> Option<(WorkerGuard, PathBuf)> {
    let dir = crate::paths::log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    let appender =
        crate::redact::ScrubbingWriter(tracing_appender::rolling::never(&dir, file_name));
    // The writer's queue is allocated whole at start: its default of 128,000 lines is 4 MiB,
    // a quarter of the dashboard's memory. A few thousand lines absorb any burst we log (a
    // full queue drops lines rather than slow the dashboard).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(appender);
    let filter = std::env::var("OFFERDECK_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .with_target(false)
        .try_init()
        .is_ok();
    installed.then(|| (guard, dir.join(file_name)))
}
