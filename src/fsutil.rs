//! File helpers shared by the config writer and the state store.

use std::io::Write;
use std::path::Path;

/// The names of the temporary copies `write_atomically` makes of `target`: `.{name}.XXXXXX.tmp`
/// beside it, so a copy left by a killed process can be recognised and removed.
pub fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.")
}

/// Writes next to the target, syncs, keeps the permissions, renames over it, syncs the folder.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(target))
        .suffix(".tmp")
        .tempfile_in(dir)?;
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

/// Creates a folder of ours (and its parents) and keeps it private (0700), whatever the
/// umask: the state store and the logs hold offer names, operation URLs and times.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    refuse_symlink(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Refuses a path that is a symbolic link: a link in the data folder would make offerdeck write
/// into whatever it points to (another program's database, a file elsewhere).
pub fn refuse_symlink(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; offerdeck writes only to its own files: remove the link",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Opens (creating it private, 0600) a file of ours to append to, never through a symbolic
/// link; an existing one is made private too.
pub fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    refuse_symlink(path)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// Makes a file of ours private (0600) when it exists, creating it empty and private when it
/// does not (so a database is never created with the umask's permissions first).
pub fn private_file(path: &Path) -> std::io::Result<()> {
    open_private_append(path).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn our_folders_and_files_are_private_and_never_links() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data/logs");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("offerdeck.log");
        std::fs::write(&file, "old line\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_private_append(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        let fresh = dir.join("new.db");
        private_file(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);

        let elsewhere = root.path().join("elsewhere.db");
        std::fs::write(&elsewhere, "another program's").unwrap();
        let link = dir.join("linked.db");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let refused = open_private_append(&link).unwrap_err().to_string();
        assert!(refused.contains("symbolic link"), "{refused}");
        assert_eq!(
            std::fs::read_to_string(&elsewhere).unwrap(),
            "another program's"
        );
    }
}
