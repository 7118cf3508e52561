//! The past, as the state store keeps it: the transitions each operation went through, and
//! what can be read from them (for `history`, the error history and the time estimates).

use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::{offer_key, stamp};
use crate::domain::{OfferId, OpKind, Operation, StepKey};
use crate::redact::scrub;

/// What a transition records: the parts of an operation's state a user would notice change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub status: String,
    pub step_id: Option<String>,
    pub step_name: Option<String>,
    pub step_status: Option<String>,
    pub failure: Option<String>,
    pub finished: bool,
}

impl Transition {
    pub fn of(op: &Operation) -> Transition {
        let step = op.seen.current_step.as_ref();
        Transition {
            status: op.seen.status.as_str().to_string(),
            step_id: step.map(|s| s.id.clone()),
            step_name: step.map(|s| s.name.clone()),
            step_status: step.map(|s| s.status.to_string()),
            failure: op.seen.failure.clone().or_else(|| op.lost.clone()),
            finished: op.finished,
        }
    }

    /// Appends this transition of `op`, at the time the operation was last updated.
    pub(super) fn insert(&self, conn: &Connection, op: &Operation) -> rusqlite::Result<()> {
        conn.execute(
            "INSERT INTO transitions
               (pointer, kind, offer, backend, at, status, step_id, step_name, step_status, failure, finished)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                scrub(op.pointer.as_str()),
                op.kind.as_str(),
                offer_key(&op.offer),
                op.backend.as_str(),
                stamp(op.updated_at),
                self.status,
                self.step_id,
                self.step_name,
                self.step_status,
                self.failure.as_deref().map(scrub),
                self.finished
            ],
        )?;
        Ok(())
    }
}

/// One transition as read back: enough to tell how long each step lasted.
struct Row {
    operation: (String, String),
    offer: String,
    backend: String,
    kind: String,
    at: String,
    status: String,
    step: Option<String>,
    finished: bool,
}

fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// How long each step (or phase) of past operations lasted, per seller, API, kind and step: a
/// step lasted from the first transition that showed it to the first that showed the
/// operation past it (another step, or its successful end). A step an operation failed or was
/// canceled in says nothing about how long it takes.
/// Only the transitions of one seller's operations of one kind on one API when `of` is given
/// (the follower asks for one step's; the dashboard for all).
pub fn step_durations(
    conn: &Connection,
    of: Option<&StepKey>,
) -> rusqlite::Result<HashMap<StepKey, Vec<chrono::Duration>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT pointer, kind, offer, backend, at, status, step_id, finished
         FROM transitions
         WHERE ?1 IS NULL OR (backend = ?1 AND kind = ?2 AND lower(offer) LIKE ?3 ESCAPE '\\')
         ORDER BY pointer, kind, at, id",
    )?;
    let filter = of.map(|key| {
        let publisher = key
            .publisher
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        (
            key.backend.as_str(),
            key.kind.as_str(),
            format!("{publisher}/%"),
        )
    });
    let rows = stmt.query_map(
        params![
            filter.as_ref().map(|f| f.0),
            filter.as_ref().map(|f| f.1),
            filter.as_ref().map(|f| f.2.as_str())
        ],
        |r| {
            Ok(Row {
                operation: (r.get(0)?, r.get(1)?),
                kind: r.get(1)?,
                offer: r.get(2)?,
                backend: r.get(3)?,
                at: r.get(4)?,
                status: r.get(5)?,
                step: r.get(6)?,
                finished: r.get(7)?,
            })
        },
    )?;
    let mut durations: HashMap<StepKey, Vec<chrono::Duration>> = HashMap::new();
    let mut current: Option<(Row, chrono::DateTime<chrono::Utc>)> = None;
    for row in rows {
        let row = row?;
        let Some(at) = parse_time(&row.at) else {
            continue;
        };
        if let Some((open, since)) = current.take() {
            let same_operation = open.operation == row.operation;
            let moved_on = row.step != open.step || row.finished;
            if same_operation && !moved_on {
                current = Some((open, since));
                continue;
            }
            let good_end = !row.finished
                || matches!(
                    row.status.as_str(),
                    "succeeded" | "waitingForPublisherReview"
                );
            if same_operation
                && good_end
                && let (Some(step), Some(key)) = (&open.step, key_of(&open))
            {
                durations
                    .entry(StepKey {
                        step: step.clone(),
                        ..key
                    })
                    .or_default()
                    .push(at - since);
            }
        }
        if !row.finished && row.step.is_some() {
            current = Some((row, at));
        }
    }
    Ok(durations)
}

/// The seller, API and kind of a transition's operation (the step is filled in by the caller).
fn key_of(row: &Row) -> Option<StepKey> {
    let (publisher, _) = row.offer.split_once('/')?;
    Some(StepKey {
        publisher: publisher.to_lowercase(),
        backend: row.backend.parse().ok()?,
        kind: match row.kind.as_str() {
            "golive" => OpKind::GoLive,
            "publish" => OpKind::Publish,
            _ => return None,
        },
        step: String::new(),
    })
}

/// Past operations started since `since`, of one offer or all, newest first.
pub fn operations_since(
    conn: &Connection,
    offer: Option<&OfferId>,
    since: chrono::DateTime<chrono::Utc>,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record FROM operations
         WHERE started_at >= ?1 AND (?2 IS NULL OR offer = ?2)
         ORDER BY started_at DESC",
    )?;
    let rows = stmt.query_map(params![stamp(since), offer.map(offer_key)], |r| r.get(0))?;
    rows.collect()
}

/// Keeps the newest calls only.
const CALLS_KEPT: i64 = 20_000;

/// Appends requests as they went, and keeps the newest `CALLS_KEPT`.
pub fn insert_calls(
    conn: &Connection,
    calls: &[crate::api::http::transport::CallRecord],
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO api_calls (at, method, path, status, duration_ms, correlation_id, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for c in calls {
        // What the service sent back (a path holding an echoed token, an error) is kept
        // scrubbed: other processes read it without knowing this one's tokens.
        stmt.execute(params![
            stamp(c.at),
            c.method,
            scrub(&c.path),
            c.status,
            c.duration.as_millis() as i64,
            c.correlation_id.as_deref().map(scrub),
            c.error.as_deref().map(scrub)
        ])?;
    }
    conn.execute(
        "DELETE FROM api_calls WHERE id <= (SELECT max(id) FROM api_calls) - ?1",
        params![CALLS_KEPT],
    )?;
    Ok(())
}

/// A log line read as (time, text, error), kept when its time reads.
fn push(
    entries: &mut Vec<crate::domain::log::LogEntry>,
    kind: crate::domain::log::LogKind,
    (at, text, error): (String, String, bool),
) {
    if let Some(at) = parse_time(&at) {
        entries.push(crate::domain::log::LogEntry {
            at,
            kind,
            text: crate::text::sanitize_line(&text),
            error,
        });
    }
}

/// The newest `limit` lines of the event log: requests and operation changes, newest first.
pub fn log(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<crate::domain::log::LogEntry>> {
    use crate::domain::log::LogKind;
    let mut entries = Vec::new();
    let mut calls = conn.prepare_cached(
        "SELECT at, method, path, status, duration_ms, correlation_id, error
         FROM api_calls ORDER BY at DESC LIMIT ?1",
    )?;
    let rows = calls.query_map(params![limit as i64], |r| {
        let status: Option<u16> = r.get(3)?;
        let correlation: Option<String> = r.get(5)?;
        let error: Option<String> = r.get(6)?;
        let answer = match (&status, &error) {
            (Some(s), _) => s.to_string(),
            (None, Some(e)) => format!("no answer ({e})"),
            (None, None) => "no answer".into(),
        };
        // The answer before the path: a long path is what gets cut.
        let mut text = format!(
            "{} {answer} {} · {} ms",
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(4)?
        );
        if let Some(id) = correlation {
            text.push_str(&format!(" · corr {id}"));
        }
        Ok((
            r.get::<_, String>(0)?,
            text,
            status.is_none_or(|s| s >= 400),
        ))
    })?;
    for row in rows {
        push(&mut entries, LogKind::Call, row?);
    }
    let mut changes = conn.prepare_cached(
        "SELECT at, offer, kind, status, step_name, failure FROM transitions
         ORDER BY at DESC LIMIT ?1",
    )?;
    let rows = changes.query_map(params![limit as i64], |r| {
        let step: Option<String> = r.get(4)?;
        let failure: Option<String> = r.get(5)?;
        let mut text = format!(
            "{} {}: {}",
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?
        );
        if let Some(step) = step {
            text.push_str(&format!(" · {step}"));
        }
        if let Some(why) = &failure {
            text.push_str(&format!(" · {why}"));
        }
        Ok((r.get::<_, String>(0)?, text, failure.is_some()))
    })?;
    for row in rows {
        push(&mut entries, LogKind::Change, row?);
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    entries.truncate(limit);
    Ok(entries)
}
