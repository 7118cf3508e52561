//! The dashboard as a person meets it, in tmux at 80×24: the terminal is always given back when
//! it is stopped from outside (SIGTERM, SIGHUP, SIGINT), a second demo on the same folder is
//! refused, and the header turns red when the service goes away.

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits until `check` holds, failing after a deadline; the pause is only how often it looks.
fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn signals_stop_the_dashboard_and_give_the_terminal_back() {
    let data = tempfile::tempdir().unwrap();
    let name = format!("offerdeck-signals-{}", std::process::id());
    let _cleanup = session(
        &name,
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color bash --norc --noprofile",
    );
    let shell = tmux(&["display-message", "-p", "-t", &name, "#{pane_pid}"])
        .trim()
        .to_string();
    let screen = || tmux(&["capture-pane", "-p", "-t", &name]);
    for (round, signal) in ["TERM", "HUP", "INT"].iter().enumerate() {
        let launch = format!(
            "OFFERDECK_DATA_DIR={} {} --demo",
            data.path().display(),
            env!("CARGO_BIN_EXE_offerdeck")
        );
        tmux(&["send-keys", "-t", &name, &launch, "Enter"]);
        wait_for("the dashboard", || screen().contains("offers[9/9]"));
        assert_eq!(
            tmux(&["display-message", "-p", "-t", &name, "#{alternate_on}"]).trim(),
            "1"
        );
        let child = String::from_utf8_lossy(
            &Command::new("pgrep")
                .args(["-P", &shell])
                .output()
                .unwrap()
                .stdout,
        )
        .trim()
        .to_string();
        assert!(!child.is_empty(), "offerdeck runs under the shell");
        assert!(
            Command::new("kill")
                .args([&format!("-{signal}"), &child])
                .status()
                .unwrap()
                .success()
        );
        wait_for("the alternate screen to be left", || {
            tmux(&["display-message", "-p", "-t", &name, "#{alternate_on}"]).trim() == "0"
        });
        assert_eq!(
            tmux(&["display-message", "-p", "-t", &name, "#{cursor_flag}"]).trim(),
            "1",
            "the cursor is shown again after SIG{signal}"
        );
        let probe = format!("echo usable-{round}-$((40+2))");
        tmux(&["send-keys", "-t", &name, &probe, "Enter"]);
        let expected = format!("usable-{round}-42");
        wait_for("the shell to run a command", || {
            screen().lines().any(|l| l.trim() == expected)
        });
    }
}

/// A detached tmux session at 80×24 running `command`, killed when dropped.
fn session(name: &str, command: &str) -> Cleanup {
    let ok = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "80",
            "-y",
            "24",
            command,
        ])
        .status()
        .unwrap()
        .success();
    assert!(ok, "tmux session {name} started");
    Cleanup(name.to_string())
}

struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .status();
    }
}

#[test]
fn a_second_demo_on_the_same_folder_is_refused_with_a_clear_message() {
    let data = tempfile::tempdir().unwrap();
    let name = format!("offerdeck-twice-{}", std::process::id());
    let launch = format!(
        "env OFFERDECK_DATA_DIR={} {} --demo",
        data.path().display(),
        env!("CARGO_BIN_EXE_offerdeck")
    );
    let _cleanup = session(&name, &launch);
    let first = || tmux(&["capture-pane", "-p", "-t", &format!("{name}:0")]);
    wait_for("the first demo", || first().contains("offers[9/9]"));
    tmux(&[
        "new-window",
        "-t",
        &name,
        &format!("{launch}; echo exit=$?; sleep 30"),
    ]);
    let second = || tmux(&["capture-pane", "-p", "-t", &format!("{name}:1")]);
    wait_for("the second demo to be refused", || {
        second().contains("exit=")
    });
    let screen = second();
    assert!(
        screen.contains("another offerdeck --demo runs on"),
        "{screen}"
    );
    assert!(screen.contains("exit=2"), "{screen}");
    // The first one is untouched.
    assert!(first().contains("offers[9/9]"));
}

#[test]
fn the_header_turns_red_when_the_service_goes_away() {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut simulator = Child(simulator_at(port, data.path()));
    let config = data.path().join("config.toml");
    std::fs::write(
        &config,
        offerdeck::demo::DEMO_CONFIG.replace("127.0.0.1:7878", &format!("127.0.0.1:{port}")),
    )
    .unwrap();
    let name = format!("offerdeck-red-{}", std::process::id());
    let launch = format!(
        "env OFFERDECK_DATA_DIR={} OFFERDECK_DEMO_SECRET=demo-secret {} --config {}",
        data.path().display(),
        env!("CARGO_BIN_EXE_offerdeck"),
        config.display()
    );
    let _cleanup = session(&name, &launch);
    let screen = || tmux(&["capture-pane", "-p", "-t", &name]);
    wait_for("the dashboard to read the offers", || {
        screen().contains("never published")
    });
    // Something to follow, then the service goes away.
    tmux(&["send-keys", "-t", &name, "p"]);
    wait_for("the confirmation", || screen().contains("y confirm"));
    tmux(&["send-keys", "-t", &name, "y"]);
    wait_for("the publish to be followed", || {
        screen().contains("publishing")
    });
    assert!(screen().lines().next().unwrap_or("").contains("live"));
    simulator.0.kill().unwrap();
    simulator.0.wait().unwrap();
    wait_for("the header to say the service is unreachable", || {
        screen()
            .lines()
            .next()
            .unwrap_or("")
            .contains("✖ CPP unreachable since")
    });
    let header = screen().lines().next().unwrap_or("").to_string();
    assert!(!header.contains("● live"), "{header}");
    // The service comes back on the same address: its first answer clears the alarm (the
    // follower's next try, or Ctrl-r).
    let _back = Child(simulator_at(port, data.path()));
    wait_for("the simulator to listen again", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    tmux(&["send-keys", "-t", &name, "C-r"]);
    wait_for("the header to clear", || {
        !screen()
            .lines()
            .next()
            .unwrap_or("")
            .contains("unreachable")
    });
}

/// A simulator on `port`, its state in `data`.
fn simulator_at(port: u16, data: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_offerdeck"))
        .args([
            "simulate",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--time-scale",
            "200",
        ])
        .env("OFFERDECK_DATA_DIR", data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// A child process ended with the test, whatever happens.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
