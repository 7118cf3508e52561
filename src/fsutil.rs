//! File helpers shared by the config writer and the state store.

use std::io::Write;
use std::path::Path;

/// Writes next to the target, syncs, keeps the permissions, renames over it, syncs the folder.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(target) {
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    tmp.persist(target).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(dir) {
        // Best effort: some filesystems refuse to sync a directory.
        let _ = d.sync_all();
    }
    Ok(())
}
