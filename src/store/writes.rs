//! Writing operations and failures: an operation is merged with what the store has, written
//! only when something changed, with a transition when a user would see the change; the
//! history stays bounded.

use rusqlite::{Connection, params};

use super::{history, offer_key, stamp};
use crate::domain::{Operation, StartFailure};
use crate::redact::scrub;

/// Writes `record` over `existing` (the stored version, if any); returns whether anything was
/// written. A follower's copy may predate a cancel asked for by another process, or hold a
/// later start time: the earliest start and any cancel request are kept.
pub(super) fn write_operation(
    conn: &Connection,
    existing: Option<&Operation>,
    record: &Operation,
    history_limit: usize,
) -> rusqlite::Result<bool> {
    // An operation URL used again for a new operation (CPP's legacy pointers name the offer's
    // slot, not the run): the ended one keeps its record under a key of its own, and the new
    // one starts a record of its own, with its own start.
    let existing = match existing {
        Some(old) if old.finished && !record.finished && record.started_at >= old.updated_at => {
            let pointer = scrub(old.pointer.as_str());
            let kept = format!("{pointer}#ended-{}", stamp(old.started_at));
            for table in ["operations", "transitions"] {
                conn.execute(
                    &format!("UPDATE {table} SET pointer = ?1 WHERE pointer = ?2 AND kind = ?3"),
                    params![kept, pointer, old.kind.as_str()],
                )?;
            }
            None
        }
        other => other,
    };
    // A loss never overwrites an end already recorded: when two offerdecks follow one
    // operation and the service forgets it, the one that polled records the loss first with
    // what it saw last; the other's copy (read from records a poll or two behind) adds nothing,
    // and would put older progress over newer.
    if let Some(old) = existing
        && old.finished
        && record.lost.is_some()
    {
        return Ok(false);
    }
    let mut merged = record.clone();
    if let Some(old) = existing {
        merged.started_at = old.started_at.min(record.started_at);
        merged.cancel_requested_at = record.cancel_requested_at.or(old.cancel_requested_at);
        if old == &merged {
            return Ok(false);
        }
    }
    let json = serde_json::to_string(&merged)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    // A token the service echoed (in an operation URL, a job id, a message) is not kept at
    // rest: `history` in another process could not know to hide it.
    let json = scrub(&json);
    let pointer = scrub(merged.pointer.as_str());
    conn.execute(
        "INSERT INTO operations (pointer, kind, offer, backend, started_at, updated_at, finished, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (pointer, kind) DO UPDATE SET
           offer = excluded.offer, backend = excluded.backend, started_at = excluded.started_at,
           updated_at = excluded.updated_at, finished = excluded.finished, record = excluded.record",
        params![
            pointer,
            merged.kind.as_str(),
            offer_key(&merged.offer),
            merged.backend.as_str(),
            stamp(merged.started_at),
            stamp(merged.updated_at),
            merged.finished,
            json
        ],
    )?;
    if existing.is_none_or(|old| history::Transition::of(old) != history::Transition::of(&merged)) {
        history::Transition::of(&merged).insert(conn, &merged)?;
    }
    if merged.finished {
        prune(conn, history_limit)?;
    }
    Ok(true)
}

pub(super) fn write_failure(conn: &Connection, failure: &StartFailure) -> rusqlite::Result<()> {
    let json = serde_json::to_string(failure)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let json = scrub(&json);
    conn.execute(
        "INSERT OR REPLACE INTO failures (offer, kind, at, record) VALUES (?1, ?2, ?3, ?4)",
        params![
            offer_key(&failure.offer),
            failure.kind.as_str(),
            stamp(failure.at),
            json
        ],
    )?;
    Ok(())
}

/// Keeps every unfinished operation and the newest `limit` finished ones, with their
/// transitions.
fn prune(conn: &Connection, limit: usize) -> rusqlite::Result<()> {
    let dropped = conn.execute(
        "DELETE FROM operations WHERE rowid IN (
            SELECT rowid FROM operations WHERE finished = 1
            ORDER BY updated_at DESC LIMIT -1 OFFSET ?1)",
        params![limit as i64],
    )?;
    if dropped > 0 {
        conn.execute(
            "DELETE FROM transitions WHERE NOT EXISTS (
                SELECT 1 FROM operations o
                WHERE o.pointer = transitions.pointer AND o.kind = transitions.kind)",
            [],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::domain::{BackendKind, OfferId, OpKind, Operation, Status};
    use crate::store::StateStore;

    #[test]
    fn a_loss_told_by_a_second_process_does_not_put_older_progress_over_the_first_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path());
        let mut op = Operation::new(
            OfferId::new("p", "o").unwrap(),
            BackendKind::Cpp,
            OpKind::Publish,
            url::Url::parse("http://127.0.0.1/op/1").unwrap(),
            &[],
            chrono::Utc::now(),
        );
        op.seen.status = Status::Running;
        op.seen.progress = 20;
        store.upsert(&op).unwrap();
        // The polling process saw 21 % and then lost it.
        let mut first = op.clone();
        first.seen.progress = 21;
        first.lose("the service no longer knows it");
        store.upsert(&first).unwrap();
        // The reading one, a record behind, loses it too.
        let mut second = op.clone();
        second.lose("the service no longer knows it");
        second.updated_at += chrono::Duration::seconds(3);
        store.upsert(&second).unwrap();
        let kept = store.load().unwrap().pop().unwrap();
        assert_eq!(
            kept.seen.progress, 21,
            "the first loss, with what it saw last"
        );
        // An end the service told of still replaces a loss.
        let mut ended = op.clone();
        ended.seen.status = Status::Succeeded;
        ended.finished = true;
        store.upsert(&ended).unwrap();
        assert_eq!(
            store.load().unwrap().pop().unwrap().seen.status,
            Status::Succeeded
        );
    }
}
