//! The state store: every operation offerdeck started (or adopted), recorded as soon as its
//! pointer is known, so that the dashboard and `watch` can resume it after a restart.
//!
//! One JSON file in the data folder. Every change is a read-modify-write under an exclusive lock
//! on a companion lock file (so two offerdeck processes never lose each other's writes), written
//! atomically (temporary file, fsync, rename).

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{OpKind, OperationDetail, Status, Step};

/// Finished operations kept as history; older ones are dropped.
pub const HISTORY_LIMIT: usize = 200;

/// A summary of one step as last seen. Every text in it is already plain and sanitised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub id: String,
    pub name: String,
    pub status: String,
    pub progress: u8,
    #[serde(default)]
    pub estimate: String,
    #[serde(default)]
    pub messages: Vec<StepMessage>,
}

/// A step message turned into plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepMessage {
    pub level: String,
    pub text: String,
}

impl From<&Step> for StepRecord {
    fn from(s: &Step) -> Self {
        StepRecord {
            id: crate::text::sanitize_line(&s.id),
            name: crate::text::sanitize_line(s.name()),
            status: crate::text::sanitize_line(s.status.as_str()),
            progress: s.progress(),
            estimate: crate::text::sanitize_line(&s.estimated_time_frame),
            messages: s
                .messages
                .iter()
                .map(|m| StepMessage {
                    level: crate::text::sanitize_line(&m.level),
                    text: crate::text::html_to_text(&m.message_html),
                })
                .filter(|m| !m.text.is_empty())
                .collect(),
        }
    }
}

/// One operation as offerdeck knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRecord {
    pub publisher: String,
    pub offer: String,
    pub kind: OpKind,
    /// The resolved URL the operation is followed at.
    pub operation_url: String,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_status: Status,
    #[serde(default)]
    pub steps: Vec<StepRecord>,
    #[serde(default)]
    pub progress: u8,
    /// The step being worked on (or stuck), as the last poll showed it.
    #[serde(default)]
    pub current_step: Option<StepRecord>,
    /// Why it failed, when it did.
    #[serde(default)]
    pub failure: Option<String>,
    #[serde(default)]
    pub notification_emails: Vec<String>,
    /// True once the operation reached a state it will not leave on its own.
    #[serde(default)]
    pub finished: bool,
}

impl OperationRecord {
    pub fn new(
        publisher: &str,
        offer: &str,
        kind: OpKind,
        url: &str,
        emails: &[String],
    ) -> OperationRecord {
        let now = Utc::now();
        OperationRecord {
            publisher: publisher.to_string(),
            offer: offer.to_string(),
            kind,
            operation_url: url.to_string(),
            started_at: now,
            updated_at: now,
            last_status: Status::NotStarted,
            steps: Vec::new(),
            progress: 0,
            current_step: None,
            failure: None,
            notification_emails: emails.to_vec(),
            finished: false,
        }
    }

    pub fn key(&self) -> String {
        format!("{}/{}", self.publisher, self.offer)
    }

    /// Takes in what a poll returned.
    pub fn apply(&mut self, detail: &OperationDetail) {
        let status = detail.effective_status();
        self.finished = is_final(self.kind, &status);
        self.progress = detail.progress(Some(self.kind));
        self.steps = detail.steps.iter().map(StepRecord::from).collect();
        self.current_step = match status {
            Status::Succeeded => None,
            _ => detail.current_step(Some(self.kind)).map(StepRecord::from),
        };
        self.failure = match status {
            Status::Failed | Status::Canceled => detail.failure_reason(),
            _ => detail
                .failure_reason()
                .filter(|_| detail.steps.iter().any(|s| s.status.is_problem())),
        };
        self.last_status = status;
        self.updated_at = Utc::now();
    }
}

/// Whether an operation of this kind is over once it shows this status. A publish is over at
/// publisher sign-off: what follows needs a go-live.
pub fn is_final(kind: OpKind, status: &Status) -> bool {
    match status {
        Status::Succeeded | Status::Failed | Status::Canceled => true,
        Status::WaitingForPublisherReview => kind == OpKind::Publish || kind == OpKind::Cancel,
        _ => false,
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    version: u32,
    operations: Vec<OperationRecord>,
}

/// Errors of the state store name the file.
#[derive(Debug, thiserror::Error)]
#[error("state store {path}: {message}")]
pub struct StoreError {
    pub path: PathBuf,
    pub message: String,
}

/// The state store in one folder.
#[derive(Debug, Clone)]
pub struct StateStore {
    path: PathBuf,
    lock_path: PathBuf,
}

impl StateStore {
    pub fn open(dir: &Path) -> StateStore {
        StateStore {
            path: dir.join("operations.json"),
            lock_path: dir.join("operations.lock"),
        }
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

    /// Every record, oldest first.
    pub fn load(&self) -> Result<Vec<OperationRecord>, StoreError> {
        let _lock = self.lock()?;
        Ok(self.read()?.operations)
    }

    /// Records not finished yet.
    pub fn unfinished(&self) -> Result<Vec<OperationRecord>, StoreError> {
        Ok(self.load()?.into_iter().filter(|r| !r.finished).collect())
    }

    /// Inserts or replaces the record of the same operation URL and kind (a cancel is recorded
    /// beside the publish it cancels, even when the service answers with the same URL).
    pub fn upsert(&self, record: &OperationRecord) -> Result<(), StoreError> {
        self.modify(|ops| {
            match ops
                .iter_mut()
                .find(|r| r.operation_url == record.operation_url && r.kind == record.kind)
            {
                Some(existing) => {
                    let started_at = existing.started_at.min(record.started_at);
                    *existing = record.clone();
                    existing.started_at = started_at;
                }
                None => ops.push(record.clone()),
            }
        })
    }

    /// Applies `change` to the records under the lock and writes the result.
    pub fn modify(&self, change: impl FnOnce(&mut Vec<OperationRecord>)) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut file = self.read()?;
        change(&mut file.operations);
        prune(&mut file.operations);
        file.version = 1;
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| self.err(e))?;
        crate::fsutil::write_atomically(&self.path, &bytes).map_err(|e| self.err(e))
    }

    fn read(&self) -> Result<StoreFile, StoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(StoreFile::default()),
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                self.err(format!("{e}; move the file aside to start afresh (operations keep running on the service)"))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoreFile::default()),
            Err(e) => Err(self.err(e)),
        }
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
fn prune(ops: &mut Vec<OperationRecord>) {
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

    #[test]
    fn records_survive_and_history_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path());
        let mut r = OperationRecord::new("p", "o", OpKind::Publish, "http://127.0.0.1/op/1", &[]);
        store.upsert(&r).unwrap();
        r.last_status = Status::Running;
        store.upsert(&r).unwrap();
        assert_eq!(store.load().unwrap().len(), 1);
        assert_eq!(store.unfinished().unwrap()[0].last_status, Status::Running);
        for i in 0..(HISTORY_LIMIT + 10) {
            let mut f = OperationRecord::new("p", "o", OpKind::Publish, &format!("u{i}"), &[]);
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
                        let r = OperationRecord::new(
                            "p",
                            "o",
                            OpKind::Publish,
                            &format!("t{t}-{i}"),
                            &[],
                        );
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
