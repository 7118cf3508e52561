//! The text form of the events: a table and detail on stdout, progress and errors on stderr,
//! every line made terminal-safe.

use std::cell::Cell;

use super::Event;
use crate::cli::Exit;
use crate::domain::Status;
use crate::term::{write_err, write_out};
use crate::text::truncate;

/// Which stream a line goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// The lines of an event's text form.
#[derive(Debug, Default)]
pub struct Lines(pub Vec<(Stream, String)>);

impl Lines {
    pub(super) fn out(&mut self, line: impl Into<String>) {
        self.0.push((Stream::Out, line.into()));
    }

    pub(super) fn err(&mut self, line: impl Into<String>) {
        self.0.push((Stream::Err, line.into()));
    }
}

/// Writes an event for people. In JSON mode, results (offers, status) are left to the JSON
/// line; progress and errors still go to stderr.
pub(super) fn write(event: &Event, json: bool, command: &str, table_started: &Cell<bool>) {
    for (stream, line) in lines(event, json, command, table_started).0 {
        match stream {
            Stream::Out => write_out(&line),
            Stream::Err => write_err(&line),
        }
    }
}

/// An event's text form, line by line, before it is made terminal-safe.
/// `command` is how the user runs offerdeck (`offerdeck --config FILE`), for the hints.
pub fn lines(event: &Event, json: bool, command: &str, table_started: &Cell<bool>) -> Lines {
    let mut lines = Lines::default();
    match event {
        Event::Offer { .. } | Event::Status { .. } if json => {}
        Event::Offer {
            offer,
            state,
            step,
            progress,
            failure,
            notification_emails,
            backend,
            ..
        } => {
            if !table_started.replace(true) {
                lines.out(format!(
                    "{:<34} {:<20} {:<30} {:>4}  E-MAILS",
                    "OFFER", "STATUS", "STEP OR REASON", "%"
                ));
            }
            // Why the offer stands as it does when it has a why, else the step that runs.
            let detail = failure.as_deref().or(step.as_deref()).unwrap_or("");
            lines.out(format!(
                "{:<34} {:<20} {:<30} {:>4}  {}",
                offer,
                truncate(state, 20),
                truncate(detail, 30),
                percent(backend, *progress),
                emails_cell(backend, notification_emails)
            ));
            // A reason longer than its column is printed whole beneath.
            if let Some(reason) = failure.as_ref().filter(|r| r.chars().count() > 30) {
                lines.out(format!("    {reason}"));
            }
        }
        Event::Status {
            offer,
            backend,
            state,
            progress,
            failure,
            details,
            steps,
            steps_not_kept,
            submissions,
            ..
        } => {
            match shows_progress(backend) {
                true => lines.out(format!("{offer}: {state} ({progress}%)")),
                false => lines.out(format!("{offer}: {state}")),
            }
            if let Some(reason) = failure {
                lines.out(format!("  reason: {reason}"));
            }
            for detail in details {
                lines.out(format!("  - {detail}"));
            }
            for sub in submissions {
                lines.out(format!(
                    "  submission {:<8} #{:<20} {}",
                    sub.environment, sub.number, sub.state
                ));
            }
            for s in steps {
                lines.out(format!(
                    "  {:<44} {:<26} {:>3}%  {}",
                    truncate(&s.name, 44),
                    s.status,
                    s.progress,
                    s.estimated_time_frame
                ));
                for m in &s.messages {
                    lines.out(format!("      [{}] {}", m.level, m.text));
                }
            }
            if *steps_not_kept > 0 {
                lines.out(format!(
                    "  … and {steps_not_kept} more steps, not kept (offerdeck keeps {})",
                    crate::domain::bounds::MAX_STEPS
                ));
            }
        }
        Event::Accepted {
            offer,
            kind,
            operation_url,
            adopted,
            ..
        } => {
            if *adopted {
                lines.err(format!(
                    "{kind} of {offer}: the service answered unclearly, but an operation is running; following it (not sent twice)"
                ));
            } else {
                lines.err(format!(
                    "{kind} of {offer} accepted; operation {operation_url}"
                ));
            }
        }
        Event::History { .. } if json => {}
        Event::History {
            offer,
            kind,
            status,
            started_at,
            finished,
            duration_seconds,
            failure,
            ..
        } => {
            if !table_started.replace(true) {
                lines.out(format!(
                    "{:<20} {:<34} {:<8} {:<20} {:>9}  REASON",
                    "STARTED", "OFFER", "KIND", "OUTCOME", "TOOK"
                ));
            }
            let status_word = Status::parse(status);
            let outcome = if *finished && status_word.is_active() {
                // Ended while the service still said it ran: it could no longer be followed.
                "not followed".to_string()
            } else if *finished {
                status_word.label().to_string()
            } else {
                format!("{} (runs)", Status::parse(status).label())
            };
            let took = humantime::format_duration(std::time::Duration::from_secs(
                (*duration_seconds).max(0) as u64,
            ))
            .to_string();
            // The biggest two units say enough (`2h 5m`, not `2h 5m 17s`).
            let took: Vec<&str> = took.split(' ').take(2).collect();
            lines.out(format!(
                "{:<20} {:<34} {:<8} {:<20} {:>9}  {}",
                started_at.replace('T', " ").trim_end_matches('Z'),
                offer,
                kind,
                truncate(&outcome, 20),
                took.join(" "),
                failure
                    .as_deref()
                    .map(|f| truncate(f, 60))
                    .unwrap_or_default()
            ));
        }
        Event::Discovered { .. } if json => {}
        Event::Discovered {
            offer,
            backend,
            name,
            offer_type,
            configured,
            unusable,
        } => {
            if !table_started.replace(true) {
                lines.out(format!(
                    "{:<34} {:<4} {:<32} {:<32} CONFIGURED",
                    "OFFER", "API", "NAME", "TYPE"
                ));
            }
            let api = if backend == "ingestion" { "PC" } else { "CPP" };
            lines.out(format!(
                "{:<34} {:<4} {:<32} {:<32} {}",
                offer,
                api,
                truncate(name, 32),
                truncate(offer_type, 32),
                match (configured, unusable) {
                    (true, _) => "yes",
                    (false, Some(_)) => "cannot be",
                    (false, None) => "—",
                }
            ));
            if let Some(why) = unusable {
                // Never cut: it says what to fix.
                lines.out(format!("  ↳ {offer} cannot be configured: {why}"));
            }
        }
        Event::Added {
            offer,
            backend,
            config,
        } => {
            lines.err(format!("added {offer} ({backend}) to {config}"));
        }
        Event::Plan { .. }
        | Event::NothingIn { .. }
        | Event::ImageAdd { .. }
        | Event::ImageLifecycle { .. }
        | Event::CheckFailed { .. }
        | Event::CheckPassed { .. }
        | Event::DraftChanges { .. } => super::images::lines(event, json, &mut lines),
        Event::NothingToCancel { offer } => {
            lines.err(format!("nothing is running on {offer}; nothing to cancel"));
        }
        Event::Changed {
            offer,
            kind,
            status,
            step,
            step_status,
            step_progress,
            progress,
            failure,
            ..
        } => {
            let time = chrono::Local::now().format("%H:%M:%S");
            let label = Status::parse(status).label().to_string();
            let mut line = format!("[{time}] {offer} {kind}: {label}");
            if let Some(step) = step {
                line.push_str(&format!(
                    " — {step} {} {}%",
                    step_status.as_deref().unwrap_or(""),
                    step_progress.unwrap_or(0)
                ));
            }
            line.push_str(&format!(" (overall {progress}%)"));
            if let Some(f) = failure {
                line.push_str(&format!(" — {f}"));
            }
            lines.err(line);
        }
        Event::Retrying {
            offer,
            kind,
            attempt,
            error,
            wait_seconds,
        } => lines.err(format!(
            "{offer} {kind}: poll failed ({error}); retry {attempt} in {wait_seconds}s"
        )),
        Event::Final {
            offer,
            kind,
            lost: Some(why),
            ..
        } => lines.err(format!("{offer} {kind}: not followed any more: {why}")),
        Event::Final {
            offer,
            kind,
            status,
            success,
            failure,
            ..
        } => {
            let what = format!("{offer} {kind}");
            let status = Status::parse(status);
            let line = match (&status, success) {
                (Status::WaitingForPublisherReview, true) => format!(
                    "{what}: ready for go-live (publisher sign-off): run `{command} golive {offer}`"
                ),
                (Status::Canceled, true) => {
                    format!("{what}: canceled, as requested")
                }
                (_, true) => format!("{what}: {}", status.label()),
                (Status::Failed, _) => format!(
                    "{what}: failed: {}",
                    failure.as_deref().unwrap_or("no reason given")
                ),
                (status, _) => format!("{what}: ended {}", status.label()),
            };
            lines.err(line);
        }
        Event::NotRecorded {
            offer,
            kind,
            operation_url,
            message,
            ..
        } => {
            lines.err(format!(
                "error: the {kind} of {offer} was accepted and runs at the service, but it could not be recorded: {message}"
            ));
            lines.err(format!(
                "  nothing will resume it by itself; follow it with: {command} watch {offer} --url {operation_url}"
            ));
        }
        Event::StoreProblem { offer, message } => {
            let on = offer.as_ref().map(|o| format!("{o}: ")).unwrap_or_default();
            lines.err(format!("warning: {on}{message}"));
        }
        Event::Error {
            context,
            message,
            details,
            exit_code,
            ..
        } => {
            lines.err(format!("error: {context}: {message}"));
            for detail in details {
                lines.err(format!("  - {detail}"));
            }
            if *exit_code == Exit::Auth as u8 {
                lines.err(
                    "  hint: check [auth] in the config, or set $OFFERDECK_TOKEN to a fresh token",
                );
            }
        }
    }
    lines
}

/// The e-mails column: the Product Ingestion API takes none (Partner Center notifies the
/// account's contacts), which is said rather than left empty.
/// The API reports a percentage (the Product Ingestion API does not: nothing is invented).
fn shows_progress(backend: &str) -> bool {
    backend
        .parse::<crate::domain::BackendKind>()
        .is_ok_and(|kind| kind.caps().reports_progress)
}

/// The `%` cell: the percentage, or a dash for an API that reports none (as the dashboard).
fn percent(backend: &str, progress: u8) -> String {
    match shows_progress(backend) {
        true => format!("{progress:>3}%"),
        false => "-".to_string(),
    }
}

fn emails_cell(backend: &str, emails: &[String]) -> String {
    if backend == crate::domain::BackendKind::Ingestion.as_str() {
        "(Partner Center contacts)".to_string()
    } else {
        emails.join(", ")
    }
}
