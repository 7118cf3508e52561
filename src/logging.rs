//! Logs go to a file in the data folder, never to the terminal the dashboard draws on.
//! `OFFERDECK_LOG` (or `RUST_LOG`) sets the filter; the default is `info`.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Log lines waiting for the writer thread, at most.
const LOG_QUEUE_LINES: usize = 4_096;

/// Starts file logging; keep the guard alive until exit so the last lines are flushed.
/// When the log cannot be opened (a read-only folder, a folder in its place, a symbolic link),
/// nothing is logged and why is returned: the command goes on without a log.
pub fn init(file_name: &str) -> Result<(WorkerGuard, PathBuf), String> {
    let dir = crate::paths::log_dir();
    let path = dir.join(file_name);
    // Opened here, private and never through a link, rather than by the appender, which
    // panics on a file it cannot open.
    let file = crate::fsutil::private_dir(&dir)
        .and_then(|()| crate::fsutil::open_private_append(&path))
        .map_err(|e| format!("no log is written: {}: {e}", path.display()))?;
    let appender = crate::redact::ScrubbingWriter(file);
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
    if installed {
        Ok((guard, path))
    } else {
        Err("no log is written: a logger was installed already".into())
    }
}
