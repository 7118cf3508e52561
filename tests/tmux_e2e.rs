//! The real binary driven as a person drives it: `offerdeck --demo` in tmux, keys sent with
//! send-keys, the screen read with capture-pane. Publish and see it reach sign-off, edit an
//! e-mail, see a 422 with its details, retry it, quit, restart and see it resume. The time scale
//! gives a publish about 8 s, so the retried one is surely still running when the test quits.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Session {
    name: String,
}

impl Session {
    fn start(name: &str, data: &Path) -> Session {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", name])
            .output();
        let cmd = format!(
            "env -u OFFERDECK_DEMO_SECRET -u NO_COLOR OFFERDECK_DATA_DIR='{}' '{}' --demo --demo-time-scale 40000",
            data.display(),
            env!("CARGO_BIN_EXE_offerdeck")
        );
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "120",
                "-y",
                "30",
                &cmd,
                ";",
                "set-option",
                "-t",
                name,
                "remain-on-exit",
                "on",
            ])
            .status()
            .expect("tmux runs")
            .success();
        assert!(ok, "tmux session started");
        Session {
            name: name.to_string(),
        }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The main screen with its scrollback, wrapped lines joined (what is left after exit).
    fn transcript(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-J", "-S", "-", "-t", &self.name])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let ok = Command::new("tmux")
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .expect("send-keys")
                .success();
            // tmux delivers keys in order; the dashboard reads them in order.
            assert!(ok);
        }
    }

    /// Waits until the screen shows every needle (on one line each when `row` is given).
    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// True while offerdeck runs (the pane stays after it exits, so its last words can be read).
    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.name, "#{pane_dead}"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen.lines().find(|l| l.contains(needle)).unwrap_or("")
}

#[test]
fn demo_dashboard_end_to_end() {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have tmux (.ci/run installs it)"
        );
        eprintln!("tmux is not installed: skipping the end-to-end test (CI installs it)");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let name = format!("offerdeck-e2e-{}", std::process::id());
    let s = Session::start(&name, data.path());
    s.wait_for("the offers table", |sc| {
        sc.contains("offers[9/9]") && sc.contains("never published")
    });

    // Publish the first offer and watch it reach publisher sign-off.
    s.keys(&["p"]);
    s.wait_for("the confirmation", |sc| {
        sc.contains("Publish contoso/contoso-vm?") && sc.contains("ops@contoso.com")
    });
    s.keys(&["y"]);
    s.wait_for("the publish to run", |sc| {
        line_with(sc, "contoso/contoso-vm").contains("publishing")
    });
    s.wait_for("sign-off", |sc| {
        line_with(sc, "contoso/contoso-vm").contains("ready for go-live")
    });

    // Edit an e-mail: a bad address is refused, a good one saved to the config copy.
    s.keys(&["e", "End", ", qa-team"]);
    s.keys(&["Enter"]);
    s.wait_for("the refusal", |sc| {
        sc.contains("\"qa-team\" is not a valid e-mail address")
    });
    s.keys(&["@contoso.com", "Enter"]);
    s.wait_for("the save", |sc| sc.contains("notification e-mails saved"));
    let config = std::fs::read_to_string(data.path().join("demo/demo.toml")).unwrap();
    assert!(config.contains("\"qa-team@contoso.com\""), "{config}");
    assert!(
        config.contains("# goes through every step"),
        "comments survive: {config}"
    );

    // The analytics offer is rejected with validation details; retry it.
    s.keys(&["j", "p", "y"]);
    let popup = s.wait_for("the rejection popup", |sc| {
        sc.contains(": rejected by validation")
    });
    assert!(
        popup.contains("vmImages") && popup.contains("privacyURL"),
        "{popup}"
    );
    s.keys(&["Escape"]);
    s.wait_for("the row", |sc| {
        line_with(sc, "contoso/contoso-analytics").contains("rejected")
    });
    s.keys(&["r"]);
    s.wait_for("the retry confirmation", |sc| {
        sc.contains("Publish contoso/contoso-analytics again?")
    });
    s.keys(&["y"]);
    s.wait_for("the retried publish", |sc| {
        line_with(sc, "contoso/contoso-analytics").contains("publishing")
    });

    // Quit while it runs: asked first, then it resumes on the next start.
    s.keys(&["q"]);
    s.wait_for("the quit question", |sc| {
        sc.contains("in flight") && sc.contains("resumes")
    });
    s.keys(&["y"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!s.alive(), "offerdeck exited");
    let transcript = s.transcript();
    assert!(
        // The hint is a command that works for the demo.
        transcript.contains(
            "operation(s) still in flight at the service; `offerdeck --demo` resumes them"
        ),
        "{transcript}"
    );
    drop(s);
    let s = Session::start(&name, data.path());
    s.wait_for("the resume", |sc| sc.contains("resumed 1 operation"));
    s.wait_for("the resumed publish to reach sign-off", |sc| {
        line_with(sc, "contoso/contoso-analytics").contains("ready for go-live")
    });

    // A Product Ingestion offer in the same table: to preview, ready for go-live, then live.
    s.keys(&["/", "alpha", "Enter"]);
    s.wait_for("the filter", |sc| sc.contains("[1/9]"));
    s.keys(&["p"]);
    s.wait_for("the ingestion confirmation", |sc| {
        sc.contains("Publish fabrikam/alpha?") && sc.contains("Partner Center notifies")
    });
    s.keys(&["y"]);
    s.wait_for("the preview to be ready", |sc| {
        line_with(sc, "fabrikam/alpha").contains("ready for go-live")
    });
    s.keys(&["L"]);
    s.wait_for("the go-live confirmation", |sc| {
        sc.contains("fabrikam/alpha")
    });
    s.keys(&["y"]);
    s.wait_for("the offer to be live", |sc| {
        let row = line_with(sc, "fabrikam/alpha");
        row.contains("live") && !row.contains("go-live") && !row.contains("going")
    });

    // `a`: the offers the account has that the table lacks; one is marked and added.
    s.keys(&["Escape", "a"]);
    s.wait_for("the picker", |sc| {
        sc.contains("add offers") && sc.contains("fabrikam/gamma")
    });
    s.keys(&["Space"]);
    s.wait_for("a mark", |sc| sc.contains("1 marked"));
    s.keys(&["Enter"]);
    s.wait_for("the added row", |sc| {
        sc.contains("[10/10]") && sc.contains("added fabrikam/")
    });

    // `y` copies through OSC 52: tmux, told to accept it, keeps it as a paste buffer.
    let clipboard_on = Command::new("tmux")
        .args(["set-option", "-s", "set-clipboard", "on"])
        .status()
        .expect("tmux runs")
        .success();
    assert!(clipboard_on);
    s.keys(&["g", "y"]);
    s.wait_for("the copy menu", |sc| sc.contains("offer id"));
    s.keys(&["Enter"]);
    s.wait_for("the copy toast", |sc| sc.contains("copied the offer id"));
    let buffer = Command::new("tmux")
        .args(["show-buffer"])
        .output()
        .expect("show-buffer");
    assert_eq!(
        String::from_utf8_lossy(&buffer.stdout),
        "contoso/contoso-vm"
    );
    s.keys(&["C-c"]);
}
