//! The event log: every request sent to the APIs and every change an operation went through,
//! newest first, as the state store keeps them.

use chrono::{DateTime, Utc};

/// What a log line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// A request and its answer.
    Call,
    /// An operation's new status, step or phase.
    Change,
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    pub kind: LogKind,
    /// `GET 200 /api/… · 143 ms · corr 0f8e…`, or `contoso/vm publish: running · Certification`.
    pub text: String,
    /// A failed request (no answer, or 4xx/5xx) or a failed operation.
    pub error: bool,
}
