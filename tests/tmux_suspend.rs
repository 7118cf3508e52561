//! Job control as a shell user meets it: `offerdeck --demo` started from an interactive shell in
//! tmux, suspended with Ctrl-Z (and with SIGTSTP from outside), then brought back with `fg`.
//! Suspended, the terminal is the shell's again: main screen, a visible cursor, no mouse capture.
//! Continued, the dashboard repaints itself whole.

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `alternate screen on, cursor visible, mouse reported`, as tmux sees the pane.
fn modes(session: &str) -> String {
    tmux(&[
        "display-message",
        "-p",
        "-t",
        session,
        "#{alternate_on} #{cursor_flag} #{mouse_any_flag}",
    ])
    .trim()
    .to_string()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool, screen: impl Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}; screen:\n{}", screen());
}

#[test]
fn a_suspended_dashboard_gives_the_terminal_back_and_repaints_when_continued() {
    let session = format!("offerdeck-suspend-{}", std::process::id());
    let data = tempfile::tempdir().unwrap();
    let _ = tmux(&["kill-session", "-t", &session]);
    let started = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "80",
            "-y",
            "24",
            "bash",
            "--norc",
            "--noprofile",
            "-i",
        ])
        .env("PS1", "shell$ ")
        .status()
        .expect("tmux runs")
        .success();
    assert!(started);
    let screen = || tmux(&["capture-pane", "-p", "-t", &session]);
    let cmd = format!(
        "OFFERDECK_DATA_DIR='{}' '{}' --demo",
        data.path().display(),
        env!("CARGO_BIN_EXE_offerdeck")
    );
    tmux(&["send-keys", "-t", &session, &cmd, "Enter"]);
    wait_for("the dashboard", || screen().contains("contoso"), screen);
    assert_eq!(
        modes(&session),
        "1 0 1",
        "alternate screen, no cursor, mouse on"
    );

    // Ctrl-Z: the shell's terminal again, and its prompt.
    tmux(&["send-keys", "-t", &session, "C-z"]);
    wait_for("the shell", || modes(&session) == "0 1 0", screen);
    wait_for("the job stopped", || screen().contains("Stopped"), screen);
    // Continued: the dashboard whole again.
    tmux(&["send-keys", "-t", &session, "fg", "Enter"]);
    wait_for("the dashboard again", || modes(&session) == "1 0 1", screen);
    wait_for(
        "its table repainted",
        || screen().contains("contoso"),
        screen,
    );

    // SIGTSTP from outside does the same.
    let pid = tmux(&["display-message", "-p", "-t", &session, "#{pane_pid}"]);
    let found = Command::new("pgrep")
        .args(["-P", pid.trim(), "-f", "offerdeck"])
        .output()
        .expect("pgrep runs");
    let child = String::from_utf8_lossy(&found.stdout).trim().to_string();
    assert!(!child.is_empty(), "the dashboard's process");
    let _ = Command::new("kill").args(["-TSTP", &child]).status();
    wait_for(
        "the shell after SIGTSTP",
        || modes(&session) == "0 1 0",
        screen,
    );
    tmux(&["send-keys", "-t", &session, "fg", "Enter"]);
    wait_for(
        "the dashboard after fg",
        || modes(&session) == "1 0 1",
        screen,
    );
    wait_for("its table", || screen().contains("contoso"), screen);
    tmux(&["send-keys", "-t", &session, "q"]);
    wait_for(
        "the dashboard to end",
        || modes(&session) == "0 1 0",
        screen,
    );
    let _ = tmux(&["kill-session", "-t", &session]);
}
