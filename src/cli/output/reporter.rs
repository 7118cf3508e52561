//! The reporter every headless command prints through: events as JSON lines on stdout or as
//! text (results on stdout, progress and problems on stderr).

use std::cell::Cell;
use std::io::Write;

use super::{Event, json_line, text, write_err, write_out};

/// Where a headless command's events go: text for people, or JSON lines for programs.
pub struct Reporter {
    json: bool,
    table_started: Cell<bool>,
    command: String,
    verbose: bool,
}

impl Reporter {
    /// What says a long wait before a retry on stderr, with when the next try goes out (quiet
    /// in JSON mode unless verbose).
    pub fn wait_listener(&self) -> Option<crate::api::http::transport::WaitListener> {
        if self.json && !self.verbose {
            return None;
        }
        Some(std::sync::Arc::new(
            |n: crate::api::http::transport::WaitNotice| {
                if n.wait < crate::api::http::transport::NOTICEABLE_WAIT {
                    return;
                }
                write_err(&format!(
                    "waiting {} for the service ({}), until {}: {}",
                    humantime::format_duration(std::time::Duration::from_secs(n.wait.as_secs())),
                    n.reason,
                    n.until.with_timezone(&chrono::Local).format("%H:%M:%S"),
                    n.url
                ));
            },
        ))
    }

    /// `command`: how the user runs offerdeck with this config (`offerdeck --config FILE`), for
    /// the commands hints suggest.
    /// With `verbose`, progress is written on stderr in JSON mode too (it is kept quiet there
    /// otherwise: the JSON lines say it all).
    pub fn new(json: bool, command: &str, verbose: bool) -> Reporter {
        Reporter {
            json,
            command: command.to_string(),
            verbose,
            table_started: Cell::new(false),
        }
    }

    /// How the user runs offerdeck with this config, for hints.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// Reports an event: as JSON on stdout, and as text (results on stdout unless in JSON
    /// mode; progress and errors on stderr always).
    pub fn emit(&self, event: &Event) {
        if self.json {
            // Safe by construction (see `json_line`), and its layout must stay exact.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", json_line(event));
        }
        // In JSON mode, stderr carries problems only, unless progress was asked for.
        let quiet = self.json && !self.verbose && !event.is_problem();
        if !quiet {
            text::write(event, self.json, &self.command, &self.table_started);
        }
    }

    /// A result line for people only (nothing in JSON mode), on stdout.
    pub fn result_text(&self, line: &str) {
        if !self.json {
            write_out(line);
        }
    }

    /// A problem for people on stderr, in both modes.
    pub fn note(&self, line: &str) {
        write_err(line);
    }

    /// Progress for people on stderr: in JSON mode only when asked for (`--verbose`).
    pub fn progress(&self, line: &str) {
        if !self.json || self.verbose {
            write_err(line);
        }
    }
}
