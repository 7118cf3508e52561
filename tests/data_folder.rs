//! The data folder as a hostile or careless machine leaves it: a log that cannot be opened, a
//! umask that would make files readable by others, symbolic links planted in place of
//! offerdeck's files. Each command still runs, keeps what it writes private, and writes
//! through no link.

mod common;

use std::os::unix::fs::PermissionsExt;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

async fn simulated(dir: &std::path::Path) -> (offerdeck::sim::Simulator, String) {
    let sim = common::simulator(common::FAST).await;
    let config = common::write_config(dir, &sim, "100ms");
    (sim, config.display().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_that_cannot_be_opened_is_a_warning_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, config) = simulated(dir.path()).await;
    let data = dir.path().join("data");
    // A folder where the log file should be.
    std::fs::create_dir_all(data.join("logs/offerdeck.log")).unwrap();
    for args in [
        vec!["--config", &config, "history"],
        vec!["--config", &config, "status", "contoso/contoso-vm"],
    ] {
        let run = common::offerdeck(&data, &args, &[]).await;
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("warning: no log is written"),
            "{args:?}: {}",
            run.stderr
        );
    }
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_and_the_log_are_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, config) = simulated(dir.path()).await;
    let data = dir.path().join("data");
    // Made readable by everyone beforehand, as a umask of 022 (or a careless copy) would.
    std::fs::create_dir_all(data.join("logs")).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = common::offerdeck(
        &data,
        &["--config", &config, "publish", "contoso/contoso-vm"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("logs")), 0o700);
    assert_eq!(mode(&data.join("logs/offerdeck.log")), 0o600);
    let files = common::walk(&data);
    let db: Vec<_> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "db"))
        .collect();
    assert!(!db.is_empty(), "{files:?}");
    for file in files {
        assert_eq!(mode(&file) & 0o077, 0, "{} is not private", file.display());
    }
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_linked_store_or_log_is_refused_and_its_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, config) = simulated(dir.path()).await;
    let data = dir.path().join("data");
    // Learn the store's file name from a first run, then plant links.
    let first = common::offerdeck(&data, &["--config", &config, "history"], &[]).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let db = common::walk(&data)
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "db"))
        .expect("a store");
    let victim = dir.path().join("someone-elses.db");
    std::fs::write(&victim, b"another program's data").unwrap();
    for f in common::walk(&data) {
        std::fs::remove_file(f).unwrap();
    }
    std::os::unix::fs::symlink(&victim, &db).unwrap();
    let log_victim = dir.path().join("someone-elses.log");
    std::fs::write(&log_victim, b"their lines\n").unwrap();
    std::os::unix::fs::symlink(&log_victim, data.join("logs/offerdeck.log")).unwrap();

    let run = common::offerdeck(
        &data,
        &["--config", &config, "publish", "contoso/contoso-vm"],
        &[],
    )
    .await;
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    // The service took it: said loudly, with how to follow it, as for any store that cannot
    // record (exit 7).
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(
        run.stderr.contains("watch contoso/contoso-vm --url"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"another program's data",
        "nothing written through the link"
    );
    assert_eq!(std::fs::read(&log_victim).unwrap(), b"their lines\n");
    sim.stop().await;
}

/// A store another process holds (a long write transaction) keeps no command waiting for
/// minutes: an accepted publish waits a few seconds, then says why it could not record and
/// how to follow it (exit 7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_held_by_another_process_is_said_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, config) = simulated(dir.path()).await;
    let data = dir.path().join("data");
    let first = common::offerdeck(&data, &["--config", &config, "history"], &[]).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let holder = rusqlite::Connection::open(data.join("offerdeck.db")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let run = common::offerdeck(
        &data,
        &["--config", &config, "publish", "contoso/contoso-vm"],
        &[],
    )
    .await;
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(
        run.stderr.contains("another process holds"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("watch contoso/contoso-vm --url"),
        "{}",
        run.stderr
    );
    holder.execute_batch("ROLLBACK").unwrap();
    sim.stop().await;
}
