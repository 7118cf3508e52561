//! The database's schema, as numbered migrations: a database is brought up to date when it is
//! opened (in one transaction, so two processes opening it at once do it once). The version is
//! SQLite's `user_version`.

use rusqlite::Connection;

/// Every migration, in order; the database's `user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    // 1: operations (the whole record as JSON, with the columns queries need), the transitions
    //    each one went through, the last start the service did not take, product ids.
    "CREATE TABLE operations (
        pointer     TEXT NOT NULL,
        kind        TEXT NOT NULL,
        offer       TEXT NOT NULL,
        backend     TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        finished    INTEGER NOT NULL,
        record      TEXT NOT NULL,
        PRIMARY KEY (pointer, kind)
    );
    CREATE INDEX operations_unfinished ON operations (finished, started_at);
    CREATE INDEX operations_offer ON operations (offer, started_at);
    CREATE TABLE transitions (
        id          INTEGER PRIMARY KEY,
        pointer     TEXT NOT NULL,
        kind        TEXT NOT NULL,
        offer       TEXT NOT NULL,
        backend     TEXT NOT NULL,
        at          TEXT NOT NULL,
        status      TEXT NOT NULL,
        step_id     TEXT,
        step_name   TEXT,
        step_status TEXT,
        failure     TEXT,
        finished    INTEGER NOT NULL
    );
    CREATE INDEX transitions_operation ON transitions (pointer, kind, at);
    CREATE INDEX transitions_offer ON transitions (offer, at);
    CREATE TABLE failures (
        offer   TEXT NOT NULL,
        kind    TEXT NOT NULL,
        at      TEXT NOT NULL,
        record  TEXT NOT NULL,
        PRIMARY KEY (offer, kind)
    );
    CREATE TABLE products (
        offer   TEXT PRIMARY KEY,
        id      TEXT NOT NULL
    );
    CREATE TABLE meta (
        key     TEXT PRIMARY KEY,
        value   TEXT NOT NULL
    );",
    // 2: every request sent to either API (the dashboard's event log).
    "CREATE TABLE api_calls (
        id              INTEGER PRIMARY KEY,
        at              TEXT NOT NULL,
        method          TEXT NOT NULL,
        path            TEXT NOT NULL,
        status          INTEGER,
        duration_ms     INTEGER NOT NULL,
        correlation_id  TEXT,
        error           TEXT
    );
    CREATE INDEX api_calls_at ON api_calls (at);",
    // 3: who polls an operation: one offerdeck per operation, however many share the folder.
    "CREATE TABLE leases (
        pointer TEXT PRIMARY KEY,
        holder  TEXT NOT NULL,
        until   TEXT NOT NULL
    );",
];

/// The schema version this build writes.
pub(super) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies the migrations the database lacks. A database from a newer offerdeck is refused
/// rather than misread.
pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<(), String>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > VERSION {
        return Ok(Err(format!(
            "it was written by a newer offerdeck (schema {current}, this one knows up to {VERSION}); update offerdeck"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()?;
    Ok(Ok(()))
}
