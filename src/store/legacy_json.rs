//! The state store of earlier versions: one JSON file, `operations.json`. It is read once,
//! imported into the database, and kept beside it as a backup. An unreadable one is moved
//! aside, never overwritten.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::{OpKind, Operation, StartFailure};

/// The file's name in the data folder.
pub(super) const FILE: &str = "operations.json";

/// What the legacy file held.
#[derive(Debug, Default, Deserialize)]
pub(super) struct LegacyFile {
    #[serde(default)]
    pub operations: Vec<Operation>,
    #[serde(default)]
    pub failures: Vec<StartFailure>,
    #[serde(default)]
    pub products: BTreeMap<String, String>,
}

/// What was found where the legacy file would be.
pub(super) enum Legacy {
    Absent,
    Read(LegacyFile),
    /// There, but not a store: why.
    Unreadable(String),
}

pub(super) fn read(dir: &Path) -> std::io::Result<Legacy> {
    match std::fs::read(dir.join(FILE)) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
            Ok(Legacy::Read(LegacyFile::default()))
        }
        Ok(bytes) => match serde_json::from_slice::<LegacyFile>(&bytes) {
            Ok(mut file) => {
                // Earlier versions recorded a cancel as an operation of its own; it is a
                // request on the operation it cancels now.
                file.operations.retain(|r| r.kind != OpKind::Cancel);
                Ok(Legacy::Read(file))
            }
            Err(e) => Ok(Legacy::Unreadable(e.to_string())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Legacy::Absent),
        Err(e) => Err(e),
    }
}

/// Renames `path` to `<name>.<why>-<time>` (never over another file); gives the new path.
pub(super) fn set_aside(path: &Path, why: &str) -> Result<PathBuf, String> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut aside = path.with_file_name(format!("{name}.{why}-{stamp}"));
    let mut n = 1;
    while aside.exists() {
        n += 1;
        aside = path.with_file_name(format!("{name}.{why}-{stamp}-{n}"));
    }
    std::fs::rename(path, &aside).map_err(|e| {
        format!(
            "{} could not be moved aside to {} ({e}); move it by hand",
            path.display(),
            aside.display()
        )
    })?;
    Ok(aside)
}

/// Removes the temporary copies of the legacy file that a process killed mid-write left behind.
/// Returns how many were removed.
pub(super) fn clean_debris(dir: &Path) -> std::io::Result<usize> {
    let prefix = crate::fsutil::temp_prefix(&dir.join(FILE));
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.starts_with(&prefix) && name.ends_with(".tmp");
        // Still earlier versions named their copies `.tmpXXXXXX`: removed when they hold a store.
        let older = name.starts_with(".tmp")
            && name.len() == 10
            && std::fs::read(entry.path())
                .is_ok_and(|b| b.is_empty() || b.starts_with(b"{\n  \"version\""));
        if (ours || older) && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}
