//! The headless commands, run as a user runs them: the real binary, a config file, the simulator
//! on loopback. Every documented exit code is seen here.

mod common;

use std::time::Duration;

use common::*;

fn cfg(path: &std::path::Path) -> String {
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_wait_reaches_signoff_and_golive_goes_live() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &cfg(&config),
            "publish",
            "contoso/contoso-vm",
            "--wait",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("accepted"), "{}", run.stderr);
    assert!(
        run.stderr.contains("Certification"),
        "progress lines name the steps: {}",
        run.stderr
    );
    assert!(run.stderr.contains("ready for go-live"), "{}", run.stderr);
    // The e-mails of the config went with the publish.
    let subs = client(&sim)
        .list_submissions("contoso", "contoso-vm", None)
        .await
        .unwrap();
    assert_eq!(subs.len(), 1);
    // Ready for go-live is a publish done: 100 % in the table too.
    let run = offerdeck(dir.path(), &["--config", &cfg(&config), "offers"], &[]).await;
    let vm = run
        .stdout
        .lines()
        .find(|l| l.starts_with("contoso/contoso-vm"))
        .unwrap()
        .to_string();
    assert!(
        vm.contains("ready for go-live") && vm.contains("100%"),
        "{vm}"
    );

    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &cfg(&config),
            "golive",
            "contoso/contoso-vm",
            "--wait",
            "--json",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect();
    assert_eq!(lines.first().unwrap()["event"], "accepted");
    let last = lines.last().unwrap();
    assert_eq!(
        (
            last["event"].as_str(),
            last["status"].as_str(),
            last["success"].as_bool()
        ),
        (Some("final"), Some("succeeded"), Some(true))
    );
    // With --json, stderr stays quiet unless asked (--verbose): the JSON lines say it all.
    assert_eq!(run.stderr, "", "stderr with --json");

    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &cfg(&config),
            "status",
            "contoso/contoso-vm",
            "--json",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0);
    let status: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(status["status"], "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exit_code() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let c = cfg(&config);

    // 3: rejected by validation, every detail printed.
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "publish", "contoso/contoso-analytics"],
        &[],
    )
    .await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("vmImages")
            && run.stderr.contains("privacyURL")
            && run.stderr.contains("summary"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("correlation id"), "{}", run.stderr);
    // The retry is accepted.
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "publish", "contoso/contoso-analytics"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    // 1: certification fails, the reason is shown.
    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &c,
            "publish",
            "contoso/contoso-gateway",
            "--wait",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("No virtual machine image was found for the plan gateway-byol"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("<b>"), "HTML is turned into text");

    // 4: not found.
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "status", "contoso/no-such-offer"],
        &[],
    )
    .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    // 5: permission.
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "status", "northwind/northwind-app"],
        &[],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("403"));
    // 5: a wrong client secret.
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "offers"],
        &[("OFFERDECK_DEMO_SECRET", "wrong-secret-value")],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        !run.stderr.contains("wrong-secret-value") && !run.stdout.contains("wrong-secret-value")
    );
    // 2: usage and config errors.
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "publish", "contoso/unknown"],
        &[],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not configured") && run.stderr.contains("contoso/contoso-vm"),
        "{}",
        run.stderr
    );
    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &c,
            "publish",
            "contoso/contoso-vm",
            "--emails",
            "ok@contoso.com,broken",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("\"broken\""), "{}", run.stderr);
    let run = offerdeck(dir.path(), &["--config", &c, "publish", "not-a-ref"], &[]).await;
    assert_eq!(run.code, 2);
    // 6: unreachable after retries.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let bad = dir.path().join("closed.toml");
    std::fs::write(&bad, format!("[api]\nbase_url = \"http://{closed}\"\nmax_retries = 1\n[[offers]]\npublisher = \"p\"\noffer = \"o\"\n")).unwrap();
    let run = offerdeck(
        dir.path(),
        &["--config", &cfg(&bad), "status", "p/o"],
        &[("OFFERDECK_TOKEN", "tok-for-test")],
    )
    .await;
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stderr.contains("unreachable"), "{}", run.stderr);
    // 0 with nothing to cancel.
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "cancel", "fabrikam/fabrikam-db"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("nothing to cancel"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configs_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[api]\nbase_url = \"https://cloudpartner.azure.com\"\n\n[[offers]]\npublisher = \"contoso\"\noffer = \"vm\"\nnotification_emails = [\"ops@contoso.com\", \"ops.contoso.com\"]\n").unwrap();
    let run = offerdeck(dir.path(), &["--config", &cfg(&path), "offers"], &[]).await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!("{}:7:", path.display())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("ops.contoso.com") && run.stderr.contains("no @"),
        "{}",
        run.stderr
    );

    std::fs::write(&path, "[auth]\ntoken_envv = \"X\"\n").unwrap();
    let run = offerdeck(dir.path(), &["--config", &cfg(&path), "offers"], &[]).await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(":2:1:") && run.stderr.contains("token_envv"),
        "{}",
        run.stderr
    );

    let run = offerdeck(
        dir.path(),
        &["--config", &cfg(&dir.path().join("missing.toml")), "offers"],
        &[],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--demo") && run.stderr.contains("[[offers]]"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_are_recorded_and_watch_resumes_them() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let c = cfg(&config);
    for offer in ["contoso/contoso-vm", "fabrikam/fabrikam-ml"] {
        let run = offerdeck(dir.path(), &["--config", &c, "publish", offer], &[]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let store = offerdeck::store::StateStore::open(dir.path());
    let recorded = store.unfinished().unwrap();
    assert_eq!(recorded.len(), 2, "recorded as soon as accepted");
    assert!(
        recorded
            .iter()
            .all(|r| r.kind == offerdeck::domain::OpKind::Publish)
    );

    let run = offerdeck(dir.path(), &["watch", "--config", &c, "--json"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let finals = run
        .stdout
        .lines()
        .filter(|l| l.contains("\"event\":\"final\""))
        .count();
    assert_eq!(finals, 2, "{}", run.stdout);
    assert!(store.unfinished().unwrap().is_empty());
    assert!(
        store
            .load()
            .unwrap()
            .iter()
            .all(|r| r.seen.status == offerdeck::domain::Status::WaitingForPublisherReview)
    );
    // Nothing was published twice.
    assert_eq!(
        sim.with_state(|s| s.post_count("contoso", "contoso-vm", "publish")),
        1
    );
    let run = offerdeck(dir.path(), &["watch", "--config", &c], &[]).await;
    assert_eq!(run.code, 0);
    assert!(run.stderr.contains("no unfinished operations"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offers_table_lists_every_configured_offer() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let run = offerdeck(dir.path(), &["--config", &cfg(&config), "offers"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for offer in [
        "contoso/contoso-vm",
        "contoso/contoso-analytics",
        "fabrikam/fabrikam-db",
        "fabrikam/fabrikam-ml",
    ] {
        assert!(run.stdout.contains(offer), "{offer}: {}", run.stdout);
    }
    assert!(run.stdout.contains("never published"));
    // One vocabulary: a live offer is "live" in the table as in the dashboard; the JSON keeps
    // the shared status word.
    let ml = run
        .stdout
        .lines()
        .find(|l| l.starts_with("fabrikam/fabrikam-ml"))
        .unwrap();
    assert!(ml.contains(" live ") && ml.contains("100%"), "{ml}");
    assert!(run.stdout.contains("dba@fabrikam.com"));
    let run = offerdeck(
        dir.path(),
        &["--config", &cfg(&config), "offers", "--json"],
        &[],
    )
    .await;
    let ml: serde_json::Value = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["offer"] == "fabrikam/fabrikam-ml")
        .unwrap();
    assert_eq!(ml["status"], "succeeded");
    assert_eq!(ml["step"], serde_json::Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_stay_out_of_output_logs_and_state() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let token = sim.with_state(|s| s.issue_token("offerdeck-demo", None, sim.clock().now()).0);
    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &cfg(&config),
            "publish",
            "contoso/contoso-vm",
            "--wait",
            "--json",
        ],
        &[("OFFERDECK_TOKEN", &token)],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run2 = offerdeck(dir.path(), &["--config", &cfg(&config), "offers"], &[]).await;
    assert_eq!(run2.code, 0);
    let mut everything = format!("{}{}{}{}", run.stdout, run.stderr, run2.stdout, run2.stderr);
    for entry in common::walk(dir.path()) {
        everything.push_str(&String::from_utf8_lossy(&std::fs::read(entry).unwrap()));
    }
    let log = std::fs::read_to_string(dir.path().join("logs/offerdeck.log"))
        .expect("the log file was written");
    assert!(log.contains("operation started"), "{log}");
    assert!(!everything.contains(&token), "the token leaked");
    assert!(
        !everything.contains("demo-secret\""),
        "the client secret leaked"
    );
    assert!(
        !everything.contains("client_secret="),
        "the token form leaked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_wait_follows_the_publish_to_canceled_and_watch_agrees() {
    // A manual clock: the publish stays running until the cancel has landed.
    let sim = manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let c = cfg(&config);
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "publish", "contoso/contoso-vm"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cancel = tokio::spawn({
        let dir = dir.path().to_path_buf();
        let c = c.clone();
        async move {
            offerdeck(
                &dir,
                &[
                    "--config",
                    &c,
                    "cancel",
                    "contoso/contoso-vm",
                    "--wait",
                    "--json",
                    "--verbose",
                ],
                &[],
            )
            .await
        }
    });
    // The cancel lands a couple of minutes of service time after it was asked for.
    let store = offerdeck::store::StateStore::open(dir.path());
    wait_until(
        "the cancel request to be recorded",
        Duration::from_secs(30),
        || {
            store
                .load()
                .is_ok_and(|all| all.iter().any(|o| o.cancel_requested_at.is_some()))
        },
    )
    .await;
    sim.advance(Duration::from_secs(300));
    let run = cancel.await.unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["event"], "accepted");
    assert_eq!(lines[0]["kind"], "cancel");
    let last = lines.last().unwrap();
    assert_eq!(
        (
            &last["event"],
            &last["kind"],
            &last["status"],
            &last["success"]
        ),
        (
            &serde_json::json!("final"),
            &serde_json::json!("publish"),
            &serde_json::json!("canceled"),
            &serde_json::json!(true)
        )
    );
    assert!(
        run.stderr.contains("canceled, as requested"),
        "{}",
        run.stderr
    );
    // One record: the publish, canceled as asked; no cancel record beside it.
    let all = store.load().unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].finished && all[0].succeeded());
    let run = offerdeck(dir.path(), &["--config", &c, "watch"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("no unfinished operations"),
        "{}",
        run.stderr
    );
    // Nothing runs any more: a second cancel says so and succeeds.
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "cancel", "contoso/contoso-vm", "--json"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"event\":\"nothing_to_cancel\""),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_operation_is_never_lost_silently() {
    let sim = manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let c = cfg(&config);
    // A store that cannot be read or written (a folder where the file should be).
    let store_path = dir.path().join("offerdeck.db");
    std::fs::create_dir(&store_path).unwrap();
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "publish", "contoso/contoso-vm", "--json"],
        &[],
    )
    .await;
    assert_eq!(run.code, 7, "accepted but not recorded: {}", run.stderr);
    assert!(
        run.stderr.contains("could not be recorded"),
        "{}",
        run.stderr
    );
    let event = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["event"] == "not_recorded")
        .expect("a not_recorded event");
    assert_eq!(event["exit_code"], 7);
    let url = event["operation_url"].as_str().unwrap().to_string();
    assert!(
        run.stderr.contains(&format!(
            "offerdeck --config {c} watch contoso/contoso-vm --url {url}"
        )),
        "{}",
        run.stderr
    );
    // Followed by hand, it reaches its end.
    sim.advance(TO_SIGNOFF);
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "watch", "contoso/contoso-vm", "--url", &url],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("ready for go-live"), "{}", run.stderr);
    // A URL off the configured origin is refused before any token goes there.
    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &c,
            "watch",
            "--url",
            "https://evil.example/api/operations/x$y$1$preview",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("not on the configured API origin"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_store_is_moved_aside_and_the_new_operation_recorded() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let corrupt = b"{\"version\":1,\"operations\":[{\"publisher\":";
    std::fs::write(dir.path().join("operations.json"), corrupt).unwrap();
    let run = offerdeck(
        dir.path(),
        &["--config", &cfg(&config), "publish", "contoso/contoso-vm"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("moved aside"), "{}", run.stderr);
    let aside: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("operations.json.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(std::fs::read(&aside[0]).unwrap(), corrupt, "kept as it was");
    let store = offerdeck::store::StateStore::open(dir.path());
    assert_eq!(
        store.unfinished().unwrap().len(),
        1,
        "recorded in a new store"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_a_config_error_naming_the_auth_section() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[api]\nbase_url = \"http://127.0.0.1:9\"\n\n[auth]\nresource = \"https://cloudpartner.azure.com\"\n\n[[offers]]\npublisher = \"p\"\noffer = \"o\"\n",
    )
    .unwrap();
    let c = cfg(&config);
    let run = offerdeck(dir.path(), &["--config", &c, "offers"], &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("(line 4)"), "{}", run.stderr);
    assert!(
        run.stderr.contains("$OFFERDECK_TOKEN is not set"),
        "{}",
        run.stderr
    );
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "offers"],
        &[("OFFERDECK_TOKEN", "  ")],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("$OFFERDECK_TOKEN is set but empty"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hints_name_the_config_that_was_given() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let c = cfg(&config);
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "publish", "contoso/contoso-vm", "--wait"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "run `offerdeck --config {c} golive contoso/contoso-vm`"
        )),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_asked_for_earlier_is_not_a_failure_for_a_later_watch() {
    let sim = manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let c = cfg(&config);
    for command in ["publish", "cancel"] {
        let run = offerdeck(
            dir.path(),
            &["--config", &c, command, "contoso/contoso-vm"],
            &[],
        )
        .await;
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
    }
    sim.advance(Duration::from_secs(300));
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "watch", "--json", "--verbose"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("canceled, as requested"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("\"success\":true"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_without_a_terminal_is_a_clear_usage_error() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    for args in [vec!["--demo"], vec!["--config", &cfg(&config)]] {
        let run = offerdeck(dir.path(), &args, &[]).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("needs a terminal"), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_is_kept_and_shown_again_after_a_restart() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &cfg(&config),
            "publish",
            "contoso/contoso-analytics",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    // What a dashboard started now reads.
    let store = offerdeck::store::StateStore::open(dir.path());
    let failures = store.failures().unwrap();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].rejected && failures[0].details.len() == 3);
    let parsed = offerdeck::config::load(&config, "test").unwrap();
    let (deck, _) = common::deck::Deck::start(
        &parsed,
        store.latest().unwrap(),
        failures,
        chrono::Utc::now(),
    );
    let app = deck.app;
    let row = app
        .table
        .rows
        .iter()
        .find(|r| r.id.to_string() == "contoso/contoso-analytics")
        .unwrap();
    assert_eq!(row.state(), offerdeck::tui::row::Standing::Rejected(3));
    // And the headless commands say the same as the row: rejected, why, and each problem.
    let status = offerdeck(
        dir.path(),
        &[
            "--config",
            &cfg(&config),
            "status",
            "contoso/contoso-analytics",
        ],
        &[],
    )
    .await;
    assert!(
        status
            .stdout
            .contains("contoso/contoso-analytics: rejected")
            && status
                .stdout
                .contains("reason: The offer failed validation")
            && status.stdout.contains("- ")
            && status.stdout.contains("privacyURL"),
        "{}",
        status.stdout
    );
    let json = offerdeck(
        dir.path(),
        &[
            "--config",
            &cfg(&config),
            "status",
            "--json",
            "contoso/contoso-analytics",
        ],
        &[],
    )
    .await;
    let line: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(line["state"], "rejected", "{line}");
    assert!(
        line["failure"]
            .as_str()
            .is_some_and(|f| f.contains("failed validation"))
    );
    assert_eq!(line["details"].as_array().map(Vec::len), Some(3), "{line}");
    let offers = offerdeck(dir.path(), &["--config", &cfg(&config), "offers"], &[]).await;
    let analytics = offers
        .stdout
        .lines()
        .find(|l| l.starts_with("contoso/contoso-analytics"))
        .unwrap_or_default();
    assert!(analytics.contains("rejected"), "{}", offers.stdout);
    // The next publish goes through, and the failure is forgotten.
    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &cfg(&config),
            "publish",
            "contoso/contoso-analytics",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(store.failures().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_that_cannot_be_followed_are_marked_lost_not_followed_for_ever() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let c = cfg(&config);
    let store = offerdeck::store::StateStore::open(dir.path());
    let now = chrono::Utc::now();
    // One on the port an earlier simulator had, one the service does not know.
    let elsewhere = offerdeck::domain::Operation::new(
        "contoso/contoso-vm".parse().unwrap(),
        offerdeck::domain::BackendKind::Cpp,
        offerdeck::domain::OpKind::Publish,
        "http://127.0.0.1:9/api/publishers/contoso/offers/contoso-vm/operations/x?api-version=2017-10-31"
            .parse()
            .unwrap(),
        &[],
        now,
    );
    let unknown = offerdeck::domain::Operation::new(
        "contoso/contoso-gateway".parse().unwrap(),
        offerdeck::domain::BackendKind::Cpp,
        offerdeck::domain::OpKind::Publish,
        sim.base_url()
            .join("api/publishers/contoso/offers/contoso-gateway/operations/nope?api-version=2017-10-31")
            .unwrap(),
        &[],
        now,
    );
    store.upsert(&elsewhere).unwrap();
    store.upsert(&unknown).unwrap();
    let run = offerdeck(
        dir.path(),
        &["--config", &c, "watch", "--json", "--verbose"],
        &[],
    )
    .await;
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("not followed any more"),
        "{}",
        run.stderr
    );
    let all = store.load().unwrap();
    assert!(
        all.iter().all(|o| o.lost.is_some() && o.finished),
        "{all:?}"
    );
    // Nothing waits for them any more.
    let run = offerdeck(dir.path(), &["--config", &c, "watch"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("no unfinished operations"),
        "{}",
        run.stderr
    );
    // The history says how they ended: not followed (not "running").
    let run = offerdeck(dir.path(), &["--config", &c, "history"], &[]).await;
    let gateway = run
        .stdout
        .lines()
        .find(|l| l.contains("contoso/contoso-gateway"))
        .unwrap_or_default();
    assert!(
        gateway.contains("not followed") && !gateway.contains("running"),
        "{}",
        run.stdout
    );
    // `status --json` says the service's word of the offer now, beside the dashboard's.
    let run = offerdeck(
        dir.path(),
        &[
            "--config",
            &c,
            "status",
            "contoso/contoso-gateway",
            "--json",
        ],
        &[],
    )
    .await;
    let line: serde_json::Value = serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(line["state"], "not followed", "{line}");
    assert_eq!(line["status"], "neverPublished", "{line}");
    assert_eq!(line["raw_status"], "neverPublished", "{line}");
}

/// The API no longer sends a publish's e-mails for an offer that moved to Partner Center:
/// `publish` says so for such an offer (its listing says `migrated`), and not for the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_says_a_moved_offers_emails_go_to_its_seller_contact_and_only_then() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    let publish = |offer: &'static str| {
        let args = ["--config", &cfg(&config), "publish", offer].map(str::to_string);
        let data = dir.path().to_path_buf();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            offerdeck(&data, &args, &[]).await
        }
    };
    let moved = publish("contoso/contoso-vm").await;
    assert_eq!(moved.code, 0, "{}", moved.stderr);
    assert!(
        moved
            .stderr
            .contains("contoso/contoso-vm moved to Partner Center")
            && moved.stderr.contains("seller contact"),
        "{}",
        moved.stderr
    );
    let legacy = publish("contoso/contoso-gateway").await;
    assert_eq!(legacy.code, 0, "{}", legacy.stderr);
    assert!(legacy.stderr.contains("accepted"), "{}", legacy.stderr);
    assert!(
        !legacy.stderr.contains("moved to Partner Center"),
        "{}",
        legacy.stderr
    );
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_api_without_credentials_does_not_stop_the_other() {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms");
    // The Product Ingestion API has no credentials at all (the README's example, with only a
    // CPP token at hand).
    let text = std::fs::read_to_string(&config).unwrap();
    let at = text.find("[ingestion.auth]").unwrap();
    let end = at + text[at..].find("\n\n").unwrap();
    let text = format!(
        "{}[ingestion.auth]\ntoken_env = \"NO_SUCH_INGESTION_TOKEN\"{}",
        &text[..at],
        &text[end..]
    );
    std::fs::write(&config, text).unwrap();
    let run = offerdeck(dir.path(), &["--config", &cfg(&config), "offers"], &[]).await;
    // The CPP offers are listed; each Product Ingestion one says, by name, what is missing.
    assert!(
        run.stdout.contains("contoso/contoso-vm") && run.stdout.contains("never published"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stderr.contains("status of fabrikam/alpha")
            && run.stderr.contains("$NO_SUCH_INGESTION_TOKEN is not set"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 5, "an authentication problem: {}", run.stderr);
    // A command about a CPP offer alone succeeds.
    let run = offerdeck(
        dir.path(),
        &["--config", &cfg(&config), "status", "contoso/contoso-vm"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Neither API with credentials is still a clear error at once.
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "client_secret_env = \"OFFERDECK_DEMO_SECRET\"",
        "client_secret_env = \"NO_SUCH_SECRET\"",
    );
    std::fs::write(&config, text).unwrap();
    let run = offerdeck(dir.path(), &["--config", &cfg(&config), "offers"], &[]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("NO_SUCH_SECRET"), "{}", run.stderr);
}
