//! The state store: every operation offerdeck started (or adopted), recorded as soon as its
//! pointer is known, and every transition it went through. The dashboard and `watch` resume
//! what is unfinished after a restart; `history` and the time estimates read the past.
//!
//! One SQLite database (`offerdeck.db`, SQLite bundled in the binary) in the data folder, in WAL
//! mode: several offerdeck processes read and write it at once, each write one short
//! transaction. A poll that changes nothing writes nothing; one that changes something writes
//! its operation's row and one transition row. The JSON file of earlier versions is imported
//! once and kept as a backup (`legacy_json.rs`); the schema is versioned (`schema.rs`).

mod event_log;
pub mod history;
mod legacy_json;
mod open;
mod reach;
mod schema;
mod wal;
mod writes;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::{OfferId, Operation, StartFailure};
use open::{BUSY_RETRIES, busy_pause, is_busy};
pub use reach::ReachFinding;

/// The database's file name in the data folder.
pub const DB_FILE: &str = "offerdeck.db";

/// Finished operations kept as history; older ones (and their transitions) are dropped.
pub const HISTORY_LIMIT: usize = 5_000;

/// How long one statement waits for another process's transaction (SQLite's busy timeout).
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a call waits for the store in all, however many times SQLite says "busy": a store
/// held by another process must not hold a command (an accepted publish among them) for
/// minutes; past this the caller is told, and says so.
const PATIENCE: Duration = Duration::from_secs(5);

/// Errors of the state store name the file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("state store {path}: {message}")]
pub struct StoreError {
    pub path: PathBuf,
    pub message: String,
}

/// The state store in one folder. Cheap to clone; clones share one connection and their notices.
#[derive(Debug, Clone)]
pub struct StateStore {
    dir: PathBuf,
    path: PathBuf,
    /// Opened on first use (a command that never touches the store never creates it).
    conn: Arc<Mutex<Option<Connection>>>,
    /// Things the user must hear about that did not stop the store (a corrupt file moved aside).
    notices: Arc<Mutex<Vec<String>>>,
    history_limit: usize,
    /// Since when another process has held the database past this one's patience: until a
    /// call gets through again, calls try once without waiting (a command makes several).
    held_since: Arc<Mutex<Option<std::time::Instant>>>,
}

/// A time as stored: RFC 3339 in UTC with microseconds, so text order is time order.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An offer as a key: offer ids compare without regard to case.
fn offer_key(offer: &OfferId) -> String {
    offer.to_string().to_lowercase()
}

impl StateStore {
    pub fn open(dir: &Path) -> StateStore {
        StateStore {
            dir: dir.to_path_buf(),
            path: dir.join(DB_FILE),
            conn: Arc::default(),
            notices: Arc::default(),
            history_limit: HISTORY_LIMIT,
            held_since: Arc::default(),
        }
    }

    /// The same store keeping at most `limit` finished operations (tests of the bound).
    pub fn with_history_limit(mut self, limit: usize) -> StateStore {
        self.history_limit = limit;
        self
    }

    /// What happened to the store that the user must be told (and forgets it).
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn notice(&self, text: String) {
        tracing::error!("{text}");
        self.notices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(text);
    }

    /// The store in the default data folder.
    pub fn default_location() -> StateStore {
        StateStore::open(&crate::paths::data_dir())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, message: impl std::fmt::Display) -> StoreError {
        StoreError {
            path: self.path.clone(),
            message: message.to_string(),
        }
    }

    fn connection(&self) -> MutexGuard<'_, Option<Connection>> {
        // A poisoned lock only means a panic elsewhere mid-call; SQLite kept the data whole.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the database, opening (and if need be creating, migrating and importing)
    /// it first. SQLite answers "busy" at once in a few cases its busy timeout does not cover
    /// (another process switching to WAL, or recovering it): then `f` is tried again, a
    /// bounded number of times.
    fn with_db<T>(
        &self,
        mut f: impl FnMut(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut guard = self.connection();
        let mut attempt = 0;
        let started = std::time::Instant::now();
        let held_lock = || self.held_since.lock().unwrap_or_else(|p| p.into_inner());
        let held_before = *held_lock();
        // Held already: one try that does not wait, until a call gets through.
        let patience = if held_before.is_some() {
            Duration::ZERO
        } else {
            PATIENCE
        };
        let wait = if held_before.is_some() {
            Duration::ZERO
        } else {
            BUSY_TIMEOUT
        };
        if let Some(conn) = guard.as_mut() {
            let _ = conn.busy_timeout(wait);
        }
        let patient = |attempt: u32| attempt < BUSY_RETRIES && started.elapsed() < patience;
        let held = |e: &dyn std::fmt::Display| {
            let since = held_lock().get_or_insert(started).elapsed().as_secs();
            format!("another process holds the database (waited {since} s): {e}")
        };
        // Damaged pages past the schema are found only when a query reaches them: then the
        // file is moved aside once, what can still be read of unfinished operations is carried
        // over, and `f` runs on the new database (an accepted operation is still recorded).
        let mut damaged = false;
        let mut carried: Vec<Operation> = Vec::new();
        loop {
            if guard.is_none() {
                match self.open_db(wait) {
                    Ok(mut conn) => {
                        if !carried.is_empty() {
                            self.carry_over(&mut conn, std::mem::take(&mut carried));
                        }
                        *guard = Some(conn)
                    }
                    Err(e) if e.busy && patient(attempt) => {
                        attempt += 1;
                        std::thread::sleep(busy_pause(attempt));
                        continue;
                    }
                    Err(e) if e.busy => return Err(self.err(held(&e.error.message))),
                    Err(e) => return Err(e.error),
                }
            }
            let Some(conn) = guard.as_mut() else {
                return Err(self.err("the database is not open"));
            };
            match f(conn) {
                Err(e) if is_busy(&e) && patient(attempt) => {
                    if attempt == 0 {
                        tracing::warn!(path = %self.path.display(), "the state store is busy (another process writes it); waiting up to {} s", PATIENCE.as_secs());
                    }
                    attempt += 1;
                    std::thread::sleep(busy_pause(attempt));
                }
                Err(e) if is_busy(&e) => return Err(self.err(held(&e))),
                Err(e) if open::is_corruption(&e) && !damaged => {
                    damaged = true;
                    tracing::warn!(path = %self.path.display(), error = %e, "damaged pages in the state store");
                    carried = open::salvage(conn);
                    *guard = None;
                    self.move_damaged_aside(&e, carried.len())?;
                }
                other => {
                    if held_before.is_some() && other.is_ok() {
                        *held_lock() = None;
                        let _ = conn.busy_timeout(BUSY_TIMEOUT);
                    }
                    return other.map_err(|e| self.err(e));
                }
            }
        }
    }

    /// Removes the temporary copies of the old JSON store that a process killed mid-write left
    /// behind. Returns how many were removed.
    pub fn clean_debris(&self) -> Result<usize, StoreError> {
        let removed = legacy_json::clean_debris(&self.dir).map_err(|e| self.err(e))?;
        if removed > 0 {
            tracing::info!(removed, dir = %self.dir.display(), "removed temporary copies of the old state store left by an interrupted write");
        }
        Ok(removed)
    }

    fn operations(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Operation>, StoreError> {
        let sql = format!("SELECT record FROM operations {filter} ORDER BY started_at, pointer");
        let rows: Vec<String> = self.with_db(|conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(args, |r| r.get::<_, String>(0))?;
            rows.collect()
        })?;
        Ok(rows
            .iter()
            .filter_map(|json| match serde_json::from_str(json) {
                Ok(op) => Some(op),
                Err(e) => {
                    tracing::warn!(error = %e, "skipped an operation record this version cannot read");
                    None
                }
            })
            .collect())
    }

    /// Every record, oldest first.
    pub fn load(&self) -> Result<Vec<Operation>, StoreError> {
        self.operations("", &[])
    }

    /// Records not finished yet.
    pub fn unfinished(&self) -> Result<Vec<Operation>, StoreError> {
        self.operations("WHERE finished = 0", &[])
    }

    /// The newest operation of each offer (publish or go-live; ended or not), oldest first:
    /// what an offer's state rests on after a restart.
    pub fn latest(&self) -> Result<Vec<Operation>, StoreError> {
        self.operations(
            "o WHERE kind != 'cancel' AND started_at = (SELECT MAX(started_at) FROM operations i
               WHERE i.offer = o.offer AND i.kind != 'cancel')",
            &[],
        )
    }

    /// Takes (or keeps) the lease on polling the operation at `pointer` for `holder`, until
    /// `now + ttl`. False while another holder's lease runs: that process polls it, and this
    /// one reads what it records.
    pub fn lease(
        &self,
        pointer: &url::Url,
        holder: &str,
        now: DateTime<Utc>,
        ttl: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let until = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        self.with_db(|conn| {
            let changed = conn.execute(
                "INSERT INTO leases (pointer, holder, until) VALUES (?1, ?2, ?3)
                 ON CONFLICT (pointer) DO UPDATE SET holder = excluded.holder, until = excluded.until
                 WHERE leases.holder = excluded.holder OR leases.until < ?4",
                params![pointer.as_str(), holder, stamp(until), stamp(now)],
            )?;
            Ok(changed > 0)
        })
    }

    /// Who holds the lease on polling the operation at `pointer`, if anyone.
    pub fn lease_holder(&self, pointer: &url::Url) -> Result<Option<String>, StoreError> {
        self.with_db(|conn| {
            conn.query_row(
                "SELECT holder FROM leases WHERE pointer = ?1",
                params![pointer.as_str()],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Takes over the lease `from` holds (a process that is gone) for `holder`.
    pub fn take_over(
        &self,
        pointer: &url::Url,
        from: &str,
        holder: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.with_db(|conn| {
            let changed = conn.execute(
                "UPDATE leases SET holder = ?1, until = ?2 WHERE pointer = ?3 AND holder = ?4",
                params![holder, stamp(until), pointer.as_str(), from],
            )?;
            Ok(changed > 0)
        })
    }

    /// Gives up every lease `holder` has (the process stops following).
    pub fn release_all(&self, holder: &str) -> Result<(), StoreError> {
        self.with_db(|conn| {
            conn.execute("DELETE FROM leases WHERE holder = ?1", params![holder])
                .map(|_| ())
        })
    }

    /// Gives up `holder`'s lease on the operation at `pointer` (another process may take it).
    pub fn release(&self, pointer: &url::Url, holder: &str) -> Result<(), StoreError> {
        self.with_db(|conn| {
            conn.execute(
                "DELETE FROM leases WHERE pointer = ?1 AND holder = ?2",
                params![pointer.as_str(), holder],
            )
            .map(|_| ())
        })
    }

    /// The record of the operation at `pointer`, if any (the newest, should there be several).
    pub fn find(&self, pointer: &url::Url) -> Result<Option<Operation>, StoreError> {
        Ok(self
            .operations("WHERE pointer = ?1", &[&pointer.as_str()])?
            .pop())
    }

    /// Inserts or updates the record of the same operation (pointer and kind). Nothing is
    /// written when nothing changed; a change a user would see also writes a transition.
    pub fn upsert(&self, record: &Operation) -> Result<(), StoreError> {
        let limit = self.history_limit;
        self.with_db(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let existing: Option<Operation> = tx
                .query_row(
                    "SELECT record FROM operations WHERE pointer = ?1 AND kind = ?2",
                    // Stored scrubbed (a pointer holding an echoed token).
                    params![
                        crate::redact::scrub(record.pointer.as_str()),
                        record.kind.as_str()
                    ],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .and_then(|json| serde_json::from_str(&json).ok());
            if writes::write_operation(&tx, existing.as_ref(), record, limit)? {
                tx.commit()?;
            }
            Ok(())
        })
    }

    /// A number that changes whenever another connection (another offerdeck on this folder)
    /// committed a change: cheap enough to ask every second, so what another process starts or
    /// sees is taken up at once rather than at the next slow refresh.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.with_db(|conn| conn.query_row("PRAGMA data_version", [], |r| r.get(0)))
    }

    /// Records a start the service did not take (replacing the previous one of that offer and
    /// kind), so it is shown again after a restart.
    pub fn record_failure(&self, failure: &StartFailure) -> Result<(), StoreError> {
        self.with_db(|conn| writes::write_failure(conn, failure))
    }

    /// The starts the service did not take, newer than any operation of their offer.
    pub fn failures(&self) -> Result<Vec<StartFailure>, StoreError> {
        let rows: Vec<String> = self.with_db(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT f.record FROM failures f WHERE NOT EXISTS (
                    SELECT 1 FROM operations o WHERE o.offer = f.offer AND o.started_at > f.at)
                 ORDER BY f.at",
            )?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        })?;
        Ok(rows
            .iter()
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }

    /// The durable id recorded for a Product Ingestion offer.
    pub fn product_id(&self, offer: &OfferId) -> Result<Option<String>, StoreError> {
        self.with_db(|conn| {
            conn.query_row(
                "SELECT id FROM products WHERE offer = ?1",
                params![offer_key(offer)],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Records (or, with `None`, forgets) the durable id of a Product Ingestion offer.
    pub fn set_product_id(&self, offer: &OfferId, id: Option<&str>) -> Result<(), StoreError> {
        self.with_db(|conn| {
            match id {
                Some(id) => conn.execute(
                    "INSERT INTO products (offer, id) VALUES (?1, ?2)
                     ON CONFLICT (offer) DO UPDATE SET id = excluded.id WHERE id <> excluded.id",
                    params![offer_key(offer), id],
                )?,
                None => conn.execute(
                    "DELETE FROM products WHERE offer = ?1",
                    params![offer_key(offer)],
                )?,
            };
            Ok(())
        })
    }

    /// Runs a read-only query (tests look at the tables this way).
    #[cfg(test)]
    fn read<T>(&self, f: impl Fn(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        self.with_db(|conn| f(conn))
    }

    /// How long each step or phase took before, per seller: the median and 90th percentile of
    /// the past durations of every step the history has enough runs of.
    pub fn estimates(&self) -> Result<crate::domain::Estimates, StoreError> {
        let durations = self.with_db(|conn| history::step_durations(conn, None))?;
        Ok(crate::domain::Estimates::from_durations(durations))
    }

    /// The estimate of one step, when the history has enough runs of it (read only for it).
    pub fn estimate(
        &self,
        key: &crate::domain::StepKey,
    ) -> Result<Option<crate::domain::Estimate>, StoreError> {
        let durations = self.with_db(|conn| history::step_durations(conn, Some(key)))?;
        Ok(crate::domain::Estimates::from_durations(durations)
            .get(key)
            .copied())
    }

    /// Operations started since `since`, of one offer or of all, newest first.
    pub fn history(
        &self,
        offer: Option<&OfferId>,
        since: DateTime<Utc>,
    ) -> Result<Vec<Operation>, StoreError> {
        let rows = self.with_db(|conn| history::operations_since(conn, offer, since))?;
        Ok(rows
            .iter()
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests;
