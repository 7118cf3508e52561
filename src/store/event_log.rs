//! The event log: every request sent to either API as it went (kept scrubbed, the newest
//! 20,000), read back beside the operations' transitions for the dashboard's `l`.

use rusqlite::{Connection, params};

use super::history::parse_time;
use super::{StateStore, StoreError, stamp};
use crate::redact::scrub;

impl StateStore {
    /// Records requests as they went (the event log).
    pub fn record_calls(
        &self,
        calls: &[crate::api::http::transport::CallRecord],
    ) -> Result<(), StoreError> {
        self.with_db(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            insert_calls(&tx, calls)?;
            tx.commit()
        })
    }

    /// The newest `limit` lines of the event log: requests and operation changes.
    pub fn log(&self, limit: usize) -> Result<Vec<crate::domain::log::LogEntry>, StoreError> {
        self.with_db(|conn| log(conn, limit))
    }

    /// A listener for the transport that records every request here, off the request's path:
    /// calls are queued (never blocking a request; a full queue drops them) and written in
    /// batches by a task of the current runtime.
    pub fn call_recorder(&self) -> crate::api::http::transport::CallListener {
        let (tx, mut rx) =
            tokio::sync::mpsc::channel::<crate::api::http::transport::CallRecord>(1_024);
        let store = self.clone();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while let Ok(more) = rx.try_recv() {
                    batch.push(more);
                }
                let store = store.clone();
                let written = tokio::task::spawn_blocking(move || store.record_calls(&batch)).await;
                if let Ok(Err(e)) = written {
                    tracing::warn!(error = %e, "could not record requests in the event log");
                }
            }
        });
        std::sync::Arc::new(move |call| {
            let _ = tx.try_send(call);
        })
    }
}

/// Keeps the newest calls only.
const CALLS_KEPT: i64 = 20_000;

/// Appends requests as they went, and keeps the newest `CALLS_KEPT`.
fn insert_calls(
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
fn log(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<crate::domain::log::LogEntry>> {
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
