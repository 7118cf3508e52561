//! `--demo`: the embedded simulator on a loopback port, and a copy of `assets/demo.toml`
//! pointed at it. The simulator's state, the config copy and the state store live in a demo
//! folder of their own, so a restarted demo resumes what was in flight and never mixes with real
//! operations.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::sim::{SimOptions, Simulator};

/// The shipped demo config (compiled in, so the binary works from any folder).
pub const DEMO_CONFIG: &str = include_str!("../assets/demo.toml");
const PLACEHOLDER_ADDR: &str = "127.0.0.1:7878";

/// A running demo: its simulator and the config file that points at it.
pub struct Demo {
    /// Held while the demo runs: a second demo on the same folder is refused.
    _lock: std::fs::File,
    pub simulator: Simulator,
    pub config_path: PathBuf,
    pub dir: PathBuf,
}

/// The demo folder, inside the data folder.
pub fn demo_dir() -> PathBuf {
    crate::paths::data_dir().join("demo")
}

/// Where a headless command with `--demo` runs: the demo dashboard's simulator when one runs
/// (its config and records, so the command sees what the dashboard shows), else a simulator
/// of its own for the command's length, on the same folder.
pub enum DemoFor {
    Running { config_path: PathBuf, dir: PathBuf },
    Started(Demo),
}

impl DemoFor {
    pub fn config_path(&self) -> &Path {
        match self {
            DemoFor::Running { config_path, .. } => config_path,
            DemoFor::Started(demo) => &demo.config_path,
        }
    }

    pub fn dir(&self) -> &Path {
        match self {
            DemoFor::Running { dir, .. } => dir,
            DemoFor::Started(demo) => &demo.dir,
        }
    }

    /// Stops the simulator this command started (none when the dashboard's was used).
    pub async fn stop(self) {
        if let DemoFor::Started(demo) = self {
            demo.simulator.stop().await;
        }
    }
}

/// The demo a headless command runs on: the running one's, or one started for it.
pub async fn for_command(time_scale: f64) -> std::io::Result<DemoFor> {
    match start(time_scale).await {
        Ok(demo) => Ok(DemoFor::Started(demo)),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let dir = demo_dir();
            let config_path = dir.join("demo.toml");
            if config_path.is_file() {
                Ok(DemoFor::Running { config_path, dir })
            } else {
                Err(e)
            }
        }
        Err(e) => Err(e),
    }
}

/// Starts the simulator (on the port the previous demo used, when free) and writes the config.
pub async fn start(time_scale: f64) -> std::io::Result<Demo> {
    let dir = demo_dir();
    std::fs::create_dir_all(&dir)?;
    // One demo per folder: a second one would take over the simulator's port and files while
    // the first still follows operations there.
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("demo.lock"))?;
    if let Err(std::fs::TryLockError::WouldBlock) = lock.try_lock() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            format!(
                "another offerdeck --demo runs on {}; quit it first, or give this one a folder of its own with OFFERDECK_DATA_DIR",
                crate::paths::display(&dir)
            ),
        ));
    }
    let port_file = dir.join("port");
    let previous: Option<SocketAddr> = std::fs::read_to_string(&port_file)
        .ok()
        .and_then(|s| s.trim().parse().ok());
    let mut options = SimOptions::demo(time_scale);
    options.persist = Some(dir.join("simulator.json"));
    let simulator = match previous {
        Some(addr) => match Simulator::start(addr, options.clone()).await {
            Ok(sim) => sim,
            Err(_) => fresh(&dir, options).await?,
        },
        None => fresh(&dir, options).await?,
    };
    let addr = simulator.addr().to_string();
    std::fs::write(&port_file, &addr)?;
    let config_path = dir.join("demo.toml");
    // Keep e-mail edits made in an earlier demo: only the address changes.
    let text = match std::fs::read_to_string(&config_path) {
        Ok(existing) if crate::config::parse(&config_path, &existing).is_ok() => {
            replace_addr(&existing, &addr)
                .unwrap_or_else(|| DEMO_CONFIG.replace(PLACEHOLDER_ADDR, &addr))
        }
        _ => DEMO_CONFIG.replace(PLACEHOLDER_ADDR, &addr),
    };
    crate::fsutil::write_atomically(&config_path, text.as_bytes())?;
    Ok(Demo {
        _lock: lock,
        simulator,
        config_path,
        dir,
    })
}

/// A simulator on a new port: what an earlier demo recorded points at the old one, so the saved
/// simulator state and the demo's records start afresh.
async fn fresh(dir: &Path, options: SimOptions) -> std::io::Result<Simulator> {
    for stale in [
        "simulator.json",
        "simulator.ingestion.json",
        "operations.json",
        "offerdeck.db",
        "offerdeck.db-wal",
        "offerdeck.db-shm",
    ] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    let mut options = options;
    if let Some(p) = &options.persist {
        let _ = std::fs::remove_file(p);
        let _ = std::fs::remove_file(crate::sim::ingestion_file(p));
    }
    options.persist = Some(dir.join("simulator.json"));
    // The demo config's own port when it is free (the README's examples use it), else any.
    match PLACEHOLDER_ADDR.parse::<SocketAddr>() {
        Ok(usual) => match Simulator::start(usual, options.clone()).await {
            Ok(sim) => Ok(sim),
            Err(_) => Simulator::start(([127, 0, 0, 1], 0).into(), options).await,
        },
        Err(_) => Simulator::start(([127, 0, 0, 1], 0).into(), options).await,
    }
}

/// Points the base URLs and token authorities of a demo config at `addr`, through toml_edit so
/// comments, layout and the user's e-mail edits survive. `None` when a section is missing (a
/// demo config from before the Product Ingestion API): the shipped one is used instead.
fn replace_addr(config: &str, addr: &str) -> Option<String> {
    let mut doc: toml_edit::DocumentMut = config.parse().ok()?;
    let root = format!("http://{addr}");
    let ingestion = format!("{root}/rp/product-ingestion");
    let places: [(&[&str], &str, &str); 4] = [
        (&["api"], "base_url", &root),
        (&["auth"], "authority", &root),
        (&["ingestion"], "base_url", &ingestion),
        (&["ingestion", "auth"], "authority", &root),
    ];
    for (tables, key, url) in places {
        let mut table = doc.as_table_mut() as &mut dyn toml_edit::TableLike;
        for name in tables {
            table = table.get_mut(name)?.as_table_like_mut()?;
        }
        let item = table.get_mut(key)?;
        let decor = item.as_value().map(|v| v.decor().clone());
        let mut value = toml_edit::Value::from(url);
        if let Some(decor) = decor {
            *value.decor_mut() = decor;
        }
        *item = toml_edit::Item::Value(value);
    }
    Some(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_changes_and_everything_else_stays() {
        let edited = DEMO_CONFIG.replace(
            "notification_emails = [\"ops@contoso.com\", \"release@contoso.com\"]",
            "notification_emails = [\"me@contoso.com\"]   # mine",
        );
        let moved = replace_addr(&edited, "127.0.0.1:9999").unwrap();
        assert!(
            moved.contains("base_url = \"http://127.0.0.1:9999\""),
            "{moved}"
        );
        assert!(
            moved.contains("authority = \"http://127.0.0.1:9999\""),
            "{moved}"
        );
        assert!(moved.contains("[\"me@contoso.com\"]   # mine"), "{moved}");
        assert!(
            moved.contains("# the simulator runs days in seconds"),
            "{moved}"
        );
        assert!(!moved.contains("7878"), "{moved}");
        assert!(
            moved.contains("base_url = \"http://127.0.0.1:9999/rp/product-ingestion\""),
            "{moved}"
        );
        // A demo config from before the ingestion section: the shipped one replaces it.
        let start = DEMO_CONFIG.find("[ingestion]").unwrap();
        let end = DEMO_CONFIG[start..].find("[[offers]]").unwrap() + start;
        let old = format!("{}{}", &DEMO_CONFIG[..start], &DEMO_CONFIG[end..]);
        assert_eq!(replace_addr(&old, "127.0.0.1:9999"), None);
    }
}
