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

pub(super) fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
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
