//! Where offerdeck keeps its files. `OFFERDECK_DATA_DIR` overrides the data folder (state store
//! and logs), which is how tests and several side-by-side setups keep apart.

use std::path::PathBuf;

use directories::ProjectDirs;

pub const DATA_DIR_ENV: &str = "OFFERDECK_DATA_DIR";

fn project() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "offerdeck")
}

/// The folder the default config file lives in.
pub fn config_dir() -> PathBuf {
    project()
        .map(|p| p.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".offerdeck"))
}

/// The folder for the state store and the logs.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    project()
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".offerdeck"))
}

pub fn log_dir() -> PathBuf {
    data_dir().join("logs")
}

/// A path for display: the home folder written as `~`.
pub fn display(path: &std::path::Path) -> String {
    let shown = path.display().to_string();
    match std::env::var_os("HOME").map(PathBuf::from) {
        Some(home) if !home.as_os_str().is_empty() && path.starts_with(&home) => {
            format!(
                "~/{}",
                path.strip_prefix(&home)
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            )
        }
        _ => shown,
    }
}
