//! `--demo` with a headless command runs the command on the demo (its simulator, config and
//! records), never silently on something else; `history --demo` reads the demo's records.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_with_demo_runs_on_the_demo_and_its_history_is_the_demos() {
    let dir = tempfile::tempdir().unwrap();
    let run = offerdeck(dir.path(), &["--demo", "offers"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("contoso/contoso-vm"), "{}", run.stdout);
    assert!(run.stdout.contains("fabrikam/alpha"), "{}", run.stdout);
    // A publish on the demo is recorded in the demo's folder, and its history finds it there.
    let run = offerdeck(
        dir.path(),
        &["--demo", "publish", "contoso/contoso-vm"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = offerdeck(dir.path(), &["--demo", "history", "--json"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("contoso/contoso-vm"), "{}", run.stdout);
    // Without --demo, the real folder's history has none of it, and says where it looked.
    let run = offerdeck(dir.path(), &["history"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("no operations in the last 30 days in"),
        "{}",
        run.stderr
    );
    // --demo and --config together: refused, nothing run.
    let run = offerdeck(
        dir.path(),
        &["--demo", "--config", "elsewhere.toml", "offers"],
        &[],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not both"), "{}", run.stderr);
}
