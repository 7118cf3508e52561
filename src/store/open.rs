//! Opening the database: created and migrated on first use, the JSON store of earlier versions
//! imported once, a file that is not a database moved aside (never overwritten), and SQLite's
//! immediate "busy" answers told apart so they can be tried again.

use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};

use super::{StateStore, StoreError, legacy_json, schema, stamp, writes};
use crate::domain::Operation;

pub(super) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Tries after an immediate "busy": at most this many, paced by `busy_pause`.
pub(super) const BUSY_RETRIES: u32 = 40;

/// 5 ms, growing to 100 ms (the store's patience bounds the whole wait).
pub(super) fn busy_pause(attempt: u32) -> Duration {
    Duration::from_millis((5 * u64::from(attempt)).min(100))
}

/// Why the database could not be opened, and whether trying again may help.
pub(super) struct OpenError {
    pub(super) error: StoreError,
    pub(super) busy: bool,
    /// A page past the schema is damaged (found while migrating or importing).
    pub(super) corrupt: bool,
}

pub(super) fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

impl StateStore {
    /// Opens the database; one that is not a database, or whose pages past the schema are
    /// damaged, is moved aside (never overwritten) and a new one started, and the user is told.
    pub(super) fn open_db(&self, busy: Duration) -> Result<Connection, OpenError> {
        match self.open_once(busy) {
            Err(e) if e.corrupt => {
                // What can still be read of unfinished operations comes along.
                let carried = Connection::open_with_flags(
                    &self.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .map(|c| salvage(&c))
                .unwrap_or_default();
                self.move_damaged_aside(&e.error.message, carried.len())
                    .map_err(|error| OpenError {
                        error,
                        busy: false,
                        corrupt: false,
                    })?;
                let mut conn = self.open_once(busy)?;
                self.carry_over(&mut conn, carried);
                Ok(conn)
            }
            other => other,
        }
    }

    fn open_once(&self, busy: Duration) -> Result<Connection, OpenError> {
        let fail = |e: rusqlite::Error| OpenError {
            busy: is_busy(&e),
            corrupt: is_corruption(&e),
            error: self.err(e),
        };
        let plain = |error: StoreError| OpenError {
            error,
            busy: false,
            corrupt: false,
        };
        // Private whatever the umask (SQLite gives its -wal and -shm the database's mode), and
        // never through a symbolic link into some other file.
        crate::fsutil::private_dir(&self.dir)
            .and_then(|()| crate::fsutil::private_file(&self.path))
            .map_err(|e| plain(self.err(e)))?;
        self.check_wal();
        let mut conn = match self.try_open(busy) {
            Err(e) if is_corruption(&e) => {
                drop(e);
                let aside = self.move_aside("corrupt").map_err(plain)?;
                self.notice(format!(
                    "the state store {} could not be read (not a database); it was moved aside to {} and a new one started (the operations in it go on at the service)",
                    self.path.display(),
                    aside.display()
                ));
                self.try_open(busy).map_err(fail)?
            }
            other => other.map_err(fail)?,
        };
        match schema::migrate(&mut conn).map_err(fail)? {
            Ok(()) => {}
            Err(why) => return Err(plain(self.err(why))),
        }
        self.import_legacy(&mut conn)?;
        Ok(conn)
    }

    /// Before SQLite reads the write-ahead log (and drops what follows damage in it): damage
    /// that loses committed changes is said, and a copy of the log is kept for a closer look.
    fn check_wal(&self) {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        let lost = match super::wal::check(&wal) {
            super::wal::WalCheck::Fine => return,
            super::wal::WalCheck::BadHeader => "all of it".to_string(),
            super::wal::WalCheck::Damaged {
                at,
                committed_after,
            } => format!(
                "what follows its frame {} ({committed_after} committed change(s))",
                at + 1
            ),
        };
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
        let mut copy = wal.clone().into_os_string();
        copy.push(format!(".damaged-{stamp}"));
        let copy = PathBuf::from(copy);
        let kept = match std::fs::copy(&wal, &copy) {
            Ok(_) => format!("a copy of it is kept at {}", copy.display()),
            Err(e) => format!("it could not be copied aside ({e})"),
        };
        self.notice(format!(
            "the state store's write-ahead log {} is damaged: SQLite ignores {lost}, so operations recorded lately may be missing; {kept}. A publish still running at the service is found again by the dashboard or `watch P/O`",
            wal.display()
        ));
    }

    /// Moves the database aside (its write-ahead log with it, so the copy opens as it was),
    /// never overwriting anything. The connection to it must be closed first.
    pub(super) fn move_aside(&self, why: &str) -> Result<PathBuf, StoreError> {
        let aside = legacy_json::set_aside(&self.path, why).map_err(|e| self.err(e))?;
        for companion in ["-wal", "-shm"] {
            let with = |p: &std::path::Path| {
                let mut name = p.to_path_buf().into_os_string();
                name.push(companion);
                PathBuf::from(name)
            };
            let from = with(&self.path);
            if companion == "-wal" {
                let _ = std::fs::rename(&from, with(&aside));
            } else {
                let _ = std::fs::remove_file(from);
            }
        }
        Ok(aside)
    }

    /// Moves a database with damaged pages aside and tells the user, saying how many unfinished
    /// operations were read out of it to carry over.
    pub(super) fn move_damaged_aside(
        &self,
        error: &dyn std::fmt::Display,
        carried: usize,
    ) -> Result<(), StoreError> {
        tracing::warn!(path = %self.path.display(), %error, "damaged pages in the state store");
        let aside = self.move_aside("damaged")?;
        self.notice(format!(
            "the state store {} has damaged pages ({error}); it was moved aside to {} and a new one started, with the {carried} unfinished operation(s) that could still be read (the others go on at the service: `offerdeck watch P/O --url URL` follows one)",
            self.path.display(),
            aside.display(),
        ));
        Ok(())
    }

    /// Writes operations read from a damaged database into the new one, each on its own (one
    /// that cannot be written is logged, not a reason to lose the others).
    pub(super) fn carry_over(&self, conn: &mut Connection, operations: Vec<Operation>) {
        for op in &operations {
            if let Err(e) = writes::write_operation(conn, None, op, self.history_limit) {
                tracing::warn!(error = %e, pointer = %op.pointer, "could not carry an operation over");
            }
        }
    }

    fn try_open(&self, busy: Duration) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(busy)?;
        // WAL: readers never wait for the writer; NORMAL: a commit survives a crash of the
        // process (not of the machine's power, which costs an fsync per poll).
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // A small page cache: the store is small and read rarely; memory matters more.
        conn.pragma_update(None, "cache_size", -256)?;
        Ok(conn)
    }

    /// Imports the JSON file of earlier versions once (the first process to open the
    /// database does it), then keeps it beside as `operations.json.imported-<time>`.
    fn import_legacy(&self, conn: &mut Connection) -> Result<(), OpenError> {
        let sql = |e: rusqlite::Error| OpenError {
            busy: is_busy(&e),
            corrupt: is_corruption(&e),
            error: self.err(e),
        };
        let other = |e: String| OpenError {
            error: self.err(e),
            busy: false,
            corrupt: false,
        };
        let legacy_path = self.dir.join(legacy_json::FILE);
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql)?;
        let done: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'legacy_import'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        if done.is_some() {
            return Ok(());
        }
        let found = legacy_json::read(&self.dir).map_err(|e| other(e.to_string()))?;
        let mut imported = 0;
        if let legacy_json::Legacy::Read(file) = &found {
            for op in &file.operations {
                writes::write_operation(&tx, None, op, self.history_limit).map_err(sql)?;
                imported += 1;
            }
            for failure in &file.failures {
                writes::write_failure(&tx, failure).map_err(sql)?;
            }
            for (offer, id) in &file.products {
                tx.execute(
                    "INSERT OR REPLACE INTO products (offer, id) VALUES (?1, ?2)",
                    params![offer.to_lowercase(), id],
                )
                .map_err(sql)?;
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('legacy_import', ?1)",
            params![stamp(Utc::now())],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        match found {
            legacy_json::Legacy::Absent => {}
            legacy_json::Legacy::Read(_) => {
                match legacy_json::set_aside(&legacy_path, "imported") {
                    Ok(kept) => {
                        tracing::info!(imported, backup = %kept.display(), "imported the JSON state store")
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "imported the JSON state store, but could not rename it")
                    }
                }
            }
            legacy_json::Legacy::Unreadable(why) => {
                let aside = legacy_json::set_aside(&legacy_path, "corrupt").map_err(other)?;
                self.notice(format!(
                    "the state store {} could not be read ({why}); it was moved aside to {} and a new one started (the operations in it go on at the service)",
                    legacy_path.display(),
                    aside.display()
                ));
            }
        }
        Ok(())
    }
}

/// The unfinished operations a damaged database still gives, row by row: a damaged row ends the
/// reading, what was read before it is kept.
pub(super) fn salvage(conn: &Connection) -> Vec<Operation> {
    let Ok(mut stmt) = conn.prepare("SELECT record FROM operations WHERE finished = 0") else {
        return Vec::new();
    };
    let Ok(rows) = stmt.query_map([], |r| r.get::<_, String>(0)) else {
        return Vec::new();
    };
    rows.map_while(Result::ok)
        .filter_map(|json| serde_json::from_str(&json).ok())
        .collect()
}
