//! The state store: every operation offerdeck started (or adopted), recorded as soon as its
//! pointer is known, so that the dashboard and `watch` can resume it after a restart.
//!
//! One JSON file in the data folder. Every change is a read-modify-write under an exclusive lock
//! on a companion lock file (so two offerdeck processes never lose each other's writes), written
//! atomically (temporary file, fsync, rename).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::domain::{OpKind, Operation, StartFailure};

/// Finished operations kept as history; older ones are dropped.
pub const HISTORY_LIMIT: usize = 200;

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    version: u32,
    operations: Vec<Operation>,
    /// The last start the service did not take, per offer and kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    failures: Vec<StartFailure>,
    /// Product Ingestion offers' durable ids (`product/<guid>`), by offer (lower case): found
    /// once by external id, then used directly.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    products: std::collections::BTreeMap<String, String>,
}

/// Errors of the state store name the file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("state store {path}: {message}")]
pub struct StoreError {
    pub path: PathBuf,
    pub message: String,
}

/// The state store in one folder. Cheap to clone; clones share their notices.
#[derive(Debug, Clone)]
pub struct StateStore {
    path: PathBuf,
    lock_path: PathBuf,
    /// Things the user must hear about that did not stop the store (a corrupt file moved aside).
    notices: Arc<Mutex<Vec<String>>>,
}

impl StateStore {
    pub fn open(dir: &Path) -> StateStore {
        StateStore {
            path: dir.join("operations.json"),
            lock_path: dir.join("operations.lock"),
            notices: Arc::default(),
        }
    }

    /// What happened to the store that the user must be told (and forgets it).
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()))
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

    /// Removes the temporary copies of the store that a process killed mid-write left behind
    /// (under the lock, so no write is in progress). Returns how many were removed.
    pub fn clean_debris(&self) -> Result<usize, StoreError> {
        let _lock = self.lock()?;
        let Some(dir) = self.path.parent() else {
            return Ok(0);
        };
        let prefix = crate::fsutil::temp_prefix(&self.path);
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(self.err(e)),
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with(&prefix) && name.ends_with(".tmp");
            // Earlier versions named their copies `.tmpXXXXXX`: removed when they hold a store.
            let legacy = name.starts_with(".tmp")
                && name.len() == 10
                && std::fs::read(entry.path())
                    .is_ok_and(|b| b.is_empty() || b.starts_with(b"{\n  \"version\""));
            if (ours || legacy) && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        if removed > 0 {
            tracing::info!(removed, dir = %dir.display(), "removed temporary copies of the state store left by an interrupted write");
        }
        Ok(removed)
    }

    /// Every record, oldest first.
    pub fn load(&self) -> Result<Vec<Operation>, StoreError> {
        let _lock = self.lock()?;
        Ok(self.read()?.operations)
    }

    /// Records not finished yet.
    pub fn unfinished(&self) -> Result<Vec<Operation>, StoreError> {
        Ok(self
            .load()?
            .into_iter()
            .filter(|r| !r.finished && r.kind != OpKind::Cancel)
            .collect())
    }

    /// The record of the operation at `pointer`, if any.
    pub fn find(&self, pointer: &url::Url) -> Result<Option<Operation>, StoreError> {
        Ok(self
            .load()?
            .into_iter()
            .rev()
            .find(|r| &r.pointer == pointer))
    }

    /// Inserts or replaces the record of the same operation (pointer and kind).
    pub fn upsert(&self, record: &Operation) -> Result<(), StoreError> {
        self.modify(|ops| {
            match ops
                .iter_mut()
                .find(|r| r.pointer == record.pointer && r.kind == record.kind)
            {
                Some(existing) => {
                    // A follower's copy may predate a cancel asked for by another process.
                    let started_at = existing.started_at.min(record.started_at);
                    let cancel_requested_at =
                        record.cancel_requested_at.or(existing.cancel_requested_at);
                    *existing = record.clone();
                    existing.started_at = started_at;
                    existing.cancel_requested_at = cancel_requested_at;
                }
                None => ops.push(record.clone()),
            }
        })
    }

    /// Records a start the service did not take (replacing the previous one of that offer and
    /// kind), so it is shown again after a restart.
    pub fn record_failure(&self, failure: &StartFailure) -> Result<(), StoreError> {
        self.modify_file(|file| {
            file.failures
                .retain(|f| !(f.offer == failure.offer && f.kind == failure.kind));
            file.failures.push(failure.clone());
        })
    }

    /// The starts the service did not take, newer than any operation of their offer.
    pub fn failures(&self) -> Result<Vec<StartFailure>, StoreError> {
        let _lock = self.lock()?;
        Ok(self.read()?.failures)
    }

    /// The durable id recorded for a Product Ingestion offer.
    pub fn product_id(&self, offer: &crate::domain::OfferId) -> Result<Option<String>, StoreError> {
        let _lock = self.lock()?;
        Ok(self
            .read()?
            .products
            .get(&offer.to_string().to_lowercase())
            .cloned())
    }

    /// Records (or, with `None`, forgets) the durable id of a Product Ingestion offer.
    pub fn set_product_id(
        &self,
        offer: &crate::domain::OfferId,
        id: Option<&str>,
    ) -> Result<(), StoreError> {
        let key = offer.to_string().to_lowercase();
        if self.product_id(offer)?.as_deref() == id {
            return Ok(());
        }
        self.modify_file(|file| match id {
            Some(id) => {
                file.products.insert(key, id.to_string());
            }
            None => {
                file.products.remove(&key);
            }
        })
    }

    /// Applies `change` to the records under the lock and writes the result.
    pub fn modify(&self, change: impl FnOnce(&mut Vec<Operation>)) -> Result<(), StoreError> {
        self.modify_file(|file| change(&mut file.operations))
    }

    fn modify_file(&self, change: impl FnOnce(&mut StoreFile)) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        change(&mut file);
        // A failure is forgotten once an operation of the same offer started after it.
        let operations = &file.operations;
        file.failures.retain(|f| {
            !operations
                .iter()
                .any(|o| o.offer == f.offer && o.started_at > f.at)
        });
        // Earlier versions recorded a cancel as an operation of its own; it is a request on the
        // operation it cancels now.
        file.operations.retain(|r| r.kind != OpKind::Cancel);
        prune(&mut file.operations);
        file.version = 1;
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| self.err(e))?;
        crate::fsutil::write_atomically(&self.path, &bytes).map_err(|e| self.err(e))
    }

    /// Reads the file (under the lock). A file that cannot be understood is never overwritten:
    /// it is moved aside, the user is told, and a new store starts.
    fn read(&self) -> Result<StoreFile, StoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(StoreFile::default()),
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(file) => Ok(file),
                Err(e) => {
                    let aside = self.move_aside()?;
                    let notice = format!(
                        "the state store {} could not be read ({e}); it was moved aside to {} and a new one started (the operations in it go on at the service)",
                        self.path.display(),
                        aside.display()
                    );
                    tracing::error!("{notice}");
                    self.notices
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(notice);
                    Ok(StoreFile::default())
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoreFile::default()),
            Err(e) => Err(self.err(e)),
        }
    }

    /// Renames the store to `operations.json.corrupt-<time>` (never over another one).
    fn move_aside(&self) -> Result<PathBuf, StoreError> {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut aside = self.path.with_file_name(format!("{name}.corrupt-{stamp}"));
        let mut n = 1;
        while aside.exists() {
            n += 1;
            aside = self
                .path
                .with_file_name(format!("{name}.corrupt-{stamp}-{n}"));
        }
        std::fs::rename(&self.path, &aside).map_err(|e| {
            self.err(format!(
                "it cannot be read, and could not be moved aside to {} ({e}); move it aside by hand",
                aside.display()
            ))
        })?;
        Ok(aside)
    }

    fn lock(&self) -> Result<File, StoreError> {
        if let Some(dir) = self.lock_path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.err(e))?;
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .map_err(|e| self.err(e))?;
        // Released when the file is dropped (closed).
        file.lock().map_err(|e| self.err(e))?;
        Ok(file)
    }
}

/// Keeps every unfinished record and the newest finished ones.
fn prune(ops: &mut Vec<Operation>) {
    let finished = ops.iter().filter(|r| r.finished).count();
    if finished <= HISTORY_LIMIT {
        return;
    }
    let mut excess = finished - HISTORY_LIMIT;
    ops.sort_by_key(|r| r.updated_at);
    ops.retain(|r| {
        if r.finished && excess > 0 {
            excess -= 1;
            false
        } else {
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BackendKind, OfferId, Status};

    fn op(url: &str) -> Operation {
        Operation::new(
            OfferId::new("p", "o").unwrap(),
            BackendKind::Cpp,
            OpKind::Publish,
            url::Url::parse(url).unwrap(),
            &[],
            chrono::Utc::now(),
        )
    }

    #[test]
    fn records_survive_and_history_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path());
        let mut r = op("http://127.0.0.1/op/1");
        store.upsert(&r).unwrap();
        r.seen.status = Status::Running;
        store.upsert(&r).unwrap();
        assert_eq!(store.load().unwrap().len(), 1);
        assert_eq!(store.unfinished().unwrap()[0].seen.status, Status::Running);
        for i in 0..(HISTORY_LIMIT + 10) {
            let mut f = op(&format!("http://127.0.0.1/u{i}"));
            f.finished = true;
            store.upsert(&f).unwrap();
        }
        let all = store.load().unwrap();
        assert_eq!(all.iter().filter(|r| r.finished).count(), HISTORY_LIMIT);
        assert_eq!(all.iter().filter(|r| !r.finished).count(), 1);
    }

    #[test]
    fn two_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let store = StateStore::open(dir.path());
                std::thread::spawn(move || {
                    for i in 0..25 {
                        let r = op(&format!("http://127.0.0.1/t{t}-{i}"));
                        store.upsert(&r).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(StateStore::open(dir.path()).load().unwrap().len(), 100);
    }
}

#[cfg(test)]
mod corrupt {
    use super::*;

    #[test]
    fn a_corrupt_store_is_moved_aside_reported_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path());
        std::fs::write(store.path(), b"{\"version\":1,\"operations\":[{\"trunc").unwrap();
        assert!(store.load().unwrap().is_empty());
        let notices = store.take_notices();
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("moved aside"), "{notices:?}");
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("operations.json.corrupt-")
            })
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            std::fs::read(aside[0].path()).unwrap(),
            b"{\"version\":1,\"operations\":[{\"trunc"
        );
        assert!(store.take_notices().is_empty(), "said once");
    }
}

#[cfg(test)]
mod debris {
    use super::*;

    #[test]
    fn copies_left_by_a_killed_writer_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path());
        store.modify(|_| {}).unwrap();
        let ours = dir.path().join(".operations.json.a1B2c3.tmp");
        let legacy = dir.path().join(".tmpX1y2Z3");
        let other = dir.path().join(".tmpQwErTy");
        std::fs::write(&ours, b"{\"version\":1").unwrap();
        std::fs::write(&legacy, b"{\n  \"version\": 1,\n  \"operations\": [").unwrap();
        std::fs::write(&other, b"not ours").unwrap();
        std::fs::write(dir.path().join("notes.tmp"), b"keep").unwrap();
        assert_eq!(store.clean_debris().unwrap(), 2);
        assert!(!ours.exists() && !legacy.exists());
        assert!(other.exists() && dir.path().join("notes.tmp").exists());
        assert!(store.path().exists());
        // A write leaves no copy of its own behind.
        store.modify(|_| {}).unwrap();
        assert_eq!(store.clean_debris().unwrap(), 0);
    }
}

#[cfg(test)]
mod compatibility {
    use super::*;

    #[test]
    fn a_store_written_by_the_previous_version_loads_and_drops_its_cancel_records() {
        let dir = tempfile::tempdir().unwrap();
        let old = r#"{"version":1,"operations":[
          {"publisher":"contoso","offer":"contoso-vm","kind":"publish",
           "operation_url":"http://127.0.0.1:9/api/publishers/contoso/offers/contoso-vm/operations/a1?api-version=2017-10-31",
           "started_at":"2026-11-24T10:00:00Z","updated_at":"2026-11-24T10:01:00Z","last_status":"running",
           "steps":[{"id":"s","name":"S","status":"inProgress","progress":40}],"progress":20,
           "current_step":null,"failure":null,"notification_emails":["a@b.com"],"finished":false},
          {"publisher":"contoso","offer":"contoso-vm","kind":"cancel",
           "operation_url":"http://127.0.0.1:9/api/publishers/contoso/offers/contoso-vm/operations/a1?api-version=2017-10-31",
           "started_at":"2026-11-24T10:02:00Z","updated_at":"2026-11-24T10:02:00Z","last_status":"notStarted",
           "notification_emails":[],"finished":false}]}"#;
        std::fs::write(dir.path().join("operations.json"), old).unwrap();
        let store = StateStore::open(dir.path());
        let unfinished = store.unfinished().unwrap();
        assert_eq!(unfinished.len(), 1);
        let op = &unfinished[0];
        assert_eq!(op.offer.to_string(), "contoso/contoso-vm");
        assert_eq!(op.seen.steps[0].progress, 40);
        assert_eq!(op.operation_id(), "a1");
        store.upsert(op).unwrap();
        assert_eq!(store.load().unwrap().len(), 1, "the cancel record is gone");
    }
}
