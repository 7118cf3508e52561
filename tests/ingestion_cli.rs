//! The headless commands on Product Ingestion offers, as a user runs them: the real binary
//! against the simulator over loopback HTTP.

mod common;

use std::path::{Path, PathBuf};

use offerdeck::sim::Simulator;
use offerdeck::sim::model::tokens::Audience;

/// A config with CPP's demo section plus `[ingestion]`, and offers on both APIs.
fn write_config(dir: &Path, sim: &Simulator) -> PathBuf {
    let addr = sim.addr();
    let text = format!(
        r#"[api]
base_url = "http://{addr}"
poll_interval = "50ms"
poll_interval_max = "50ms"

[auth]
tenant_id = "demo-tenant"
client_id = "offerdeck-demo"
client_secret_env = "OFFERDECK_DEMO_SECRET"
authority = "http://{addr}"

[ingestion]
base_url = "http://{addr}/rp/product-ingestion"
poll_interval = "50ms"
poll_interval_max = "50ms"

[ingestion.auth]
tenant_id = "demo-tenant"
client_id = "offerdeck-demo"
client_secret_env = "OFFERDECK_DEMO_SECRET"
authority = "http://{addr}"

[[offers]]
publisher = "fabrikam"
offer = "alpha"
backend = "ingestion"

[[offers]]
publisher = "fabrikam"
offer = "beta"
backend = "ingestion"

[[offers]]
publisher = "fabrikam"
offer = "iota"
backend = "ingestion"

[[offers]]
publisher = "fabrikam"
offer = "delta"
backend = "ingestion"

[[offers]]
publisher = "fabrikam"
offer = "epsilon"
backend = "ingestion"

[[offers]]
publisher = "fabrikam"
offer = "zeta"
backend = "ingestion"

[[offers]]
publisher = "fabrikam"
offer = "theta"
backend = "ingestion"

[[offers]]
publisher = "fabrikam"
offer = "not-at-the-service"
backend = "ingestion"

[[offers]]
publisher = "contoso"
offer = "contoso-vm"
"#
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn an_ingestion_offer_is_published_to_preview_then_taken_live() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let config = config.to_str().unwrap();
    let data = dir.path().join("data");
    let run = |args: Vec<&'static str>| {
        let data = data.clone();
        let mut all = vec!["--config", config];
        all.extend(args);
        let all: Vec<String> = all.into_iter().map(String::from).collect();
        async move {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            common::offerdeck(&data, &args, &[]).await
        }
    };

    let status = run(vec!["status", "fabrikam/alpha", "--json"]).await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        status.stdout.contains(r#""backend":"ingestion""#),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains(r#""status":"neverPublished""#),
        "{}",
        status.stdout
    );

    let publish = run(vec!["publish", "fabrikam/alpha", "--wait"]).await;
    assert_eq!(publish.code, 0, "{}", publish.stderr);
    assert!(
        publish.stderr.contains("ready for go-live"),
        "{}",
        publish.stderr
    );
    let status = run(vec!["status", "fabrikam/alpha", "--json"]).await;
    assert!(
        status
            .stdout
            .contains(r#""status":"waitingForPublisherReview""#),
        "{}",
        status.stdout
    );

    let golive = run(vec!["golive", "fabrikam/alpha", "--wait"]).await;
    assert_eq!(golive.code, 0, "{}", golive.stderr);
    let status = run(vec!["status", "fabrikam/alpha", "--json"]).await;
    assert!(
        status.stdout.contains(r#""status":"succeeded""#),
        "{}",
        status.stdout
    );

    // Taking live again: nothing waits for go-live, said plainly, exit 1.
    let again = run(vec!["golive", "fabrikam/alpha"]).await;
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("already live"), "{}", again.stderr);
    // In JSON too: an error event, with its exit code, and nothing sent.
    let again = run(vec!["golive", "fabrikam/alpha", "--json"]).await;
    assert_eq!(again.code, 1, "{}", again.stderr);
    let line: serde_json::Value = serde_json::from_str(again.stdout.trim()).unwrap();
    assert_eq!(line["event"], "error", "{line}");
    assert_eq!(line["exit_code"], 1, "{line}");
    sim.stop().await;
}

#[tokio::test]
async fn a_certification_failure_prints_every_nested_message_and_exits_1() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let data = dir.path().join("data");
    let args = [
        "--config",
        config.to_str().unwrap(),
        "publish",
        "fabrikam/beta",
        "--wait",
    ];
    let run = common::offerdeck(&data, &args, &[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("invalidState: Certification"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Issues found during Certification."),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("permanent"), "{}", run.stderr);

    // Another command, later: the service's status says failed and gives no reason; the
    // reason the state store kept of the last publish is given, in JSON and text alike.
    let status = [
        "--config",
        config.to_str().unwrap(),
        "status",
        "fabrikam/beta",
        "--json",
    ];
    let run = common::offerdeck(&data, &status, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(line["status"], "failed", "{line}");
    assert!(
        line["failure"]
            .as_str()
            .is_some_and(|f| f.contains("invalidState: Certification")),
        "{line}"
    );
    let offers = ["--config", config.to_str().unwrap(), "offers"];
    let run = common::offerdeck(&data, &offers, &[]).await;
    let mut lines = run.stdout.lines();
    let beta = lines
        .find(|l| l.contains("fabrikam/beta"))
        .unwrap_or_default()
        .to_string();
    assert!(
        beta.contains("failed") && beta.contains("certification"),
        "{}",
        run.stdout
    );
    // The whole reason, beneath its row.
    let whole = lines.next().unwrap_or_default();
    assert!(
        whole.starts_with("    ") && whole.contains("invalidState: Certification"),
        "{}",
        run.stdout
    );

    let missing = [
        "--config",
        config.to_str().unwrap(),
        "status",
        "fabrikam/not-at-the-service",
    ];
    let run = common::offerdeck(&data, &missing, &[]).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("not-at-the-service"), "{}", run.stderr);
    sim.stop().await;
}

#[tokio::test]
async fn a_running_ingestion_publish_is_cancelled_from_its_record() {
    // The service's own pace: the job stays in validation while the test runs.
    let sim = common::simulator(1.0).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let config = config.to_str().unwrap();
    let data = dir.path().join("data");
    let publish = common::offerdeck(
        &data,
        &["--config", config, "publish", "fabrikam/alpha"],
        &[],
    )
    .await;
    assert_eq!(publish.code, 0, "{}", publish.stderr);
    let cancel = common::offerdeck(
        &data,
        &["--config", config, "cancel", "fabrikam/alpha", "--wait"],
        &[],
    )
    .await;
    assert_eq!(cancel.code, 0, "{}", cancel.stderr);
    assert!(cancel.stderr.contains("canceled"), "{}", cancel.stderr);
    // Nothing recorded runs any more: a second cancel has nothing to do.
    let again = common::offerdeck(
        &data,
        &["--config", config, "cancel", "fabrikam/alpha"],
        &[],
    )
    .await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("nothing to cancel") || again.stdout.contains("nothing to cancel"),
        "{}{}",
        again.stdout,
        again.stderr
    );
    // The service lists nothing for a cancelled first publish; the offer's last operation is
    // known all the same, so the offer reads canceled, not never published.
    let status = common::offerdeck(
        &data,
        &["--config", config, "status", "fabrikam/alpha"],
        &[],
    )
    .await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(status.stdout.contains("canceled"), "{}", status.stdout);
    assert!(
        !status.stdout.contains("never published"),
        "{}",
        status.stdout
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_lost_answer_to_a_publish_is_adopted_from_the_submissions_not_sent_twice() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let data = dir.path().join("data");
    let args = [
        "--config",
        config.to_str().unwrap(),
        "publish",
        "fabrikam/iota",
        "--wait",
    ];
    let run = common::offerdeck(&data, &args, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("not sent twice"), "{}", run.stderr);
    assert!(run.stderr.contains("ready for go-live"), "{}", run.stderr);
    assert_eq!(sim.with_ingestion(|s| s.jobs_started("iota")), 1);
    sim.stop().await;
}

#[tokio::test]
async fn a_publish_started_by_another_tool_is_found_and_followed_to_its_end() {
    // The service's clock moves only when the test says: the publish cannot end before the
    // watch has found it.
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let config = config.to_str().unwrap().to_string();
    // Another machine (its own state store) starts the publish and walks away.
    let elsewhere = common::offerdeck(
        &dir.path().join("elsewhere"),
        &["--config", &config, "publish", "fabrikam/alpha"],
        &[],
    )
    .await;
    assert_eq!(elsewhere.code, 0, "{}", elsewhere.stderr);
    // Here nothing is recorded: `watch OFFER` finds the submission in flight, records it and
    // follows it to the end.
    let data = dir.path().join("data");
    let watch = {
        let (data, config) = (data.clone(), config.clone());
        tokio::spawn(async move {
            common::offerdeck(
                &data,
                &["--config", &config, "watch", "fabrikam/alpha", "--json"],
                &[],
            )
            .await
        })
    };
    let store = offerdeck::store::StateStore::open(&data);
    common::wait_until(
        "the watch to record the publish it found",
        std::time::Duration::from_secs(30),
        || {
            store.unfinished().is_ok_and(|ops| {
                ops.iter()
                    .any(|o| o.pointer.path().contains("/submission/"))
            })
        },
    )
    .await;
    sim.advance(std::time::Duration::from_secs(3 * 3_600));
    let watch = watch.await.unwrap();
    assert_eq!(watch.code, 0, "{}\n{}", watch.stdout, watch.stderr);
    assert!(
        watch
            .stdout
            .contains(r#""status":"waitingForPublisherReview""#),
        "{}",
        watch.stdout
    );
    // What was followed: the submission in flight (the service names no job for it).
    assert!(watch.stdout.contains("/submission/"), "{}", watch.stdout);
    sim.stop().await;
}

#[tokio::test]
async fn a_job_url_is_followed_by_hand_with_its_offer() {
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let config = config.to_str().unwrap();
    let publish = common::offerdeck(
        &dir.path().join("first"),
        &["--config", config, "publish", "fabrikam/alpha"],
        &[],
    )
    .await;
    assert_eq!(publish.code, 0, "{}", publish.stderr);
    let url = publish.stdout.trim().to_string();
    assert!(url.contains("/configure/"), "{url}");
    let data = dir.path().join("second");
    // A job URL does not name its product: without the offer, a clear refusal.
    let bare = common::offerdeck(&data, &["--config", config, "watch", "--url", &url], &[]).await;
    assert_ne!(bare.code, 0);
    assert!(bare.stderr.contains("give it too"), "{}", bare.stderr);
    sim.advance(std::time::Duration::from_secs(3 * 3_600));
    let watch = common::offerdeck(
        &data,
        &["--config", config, "watch", "fabrikam/alpha", "--url", &url],
        &[],
    )
    .await;
    assert_eq!(watch.code, 0, "{}", watch.stderr);
    assert!(
        watch.stderr.contains("ready for go-live"),
        "{}",
        watch.stderr
    );
    sim.stop().await;
}

#[tokio::test]
async fn an_ingestion_only_config_needs_no_cloud_partner_portal_credentials() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let addr = sim.addr();
    // No [auth] section at all, and only a token for the Product Ingestion API.
    let now = sim.clock().now();
    let token = sim.with_state(|s| {
        s.issue_token("offerdeck-demo", Some(Audience::Graph), now)
            .0
    });
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"[ingestion]
base_url = "http://{addr}/rp/product-ingestion"
poll_interval = "50ms"
poll_interval_max = "50ms"

[[offers]]
publisher = "fabrikam"
offer = "alpha"
backend = "ingestion"
"#
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let config = config.to_str().unwrap();
    let run = common::offerdeck(
        &data,
        &["--config", config, "offers", "--json"],
        &[("OFFERDECK_INGESTION_TOKEN", &token)],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(r#""offer":"fabrikam/alpha""#),
        "{}",
        run.stdout
    );
    // Without that token, the message names the section and the variable to set.
    let run = common::offerdeck(&data, &["--config", config, "offers"], &[]).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("OFFERDECK_INGESTION_TOKEN"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[ingestion.auth]"), "{}", run.stderr);
    // A token for the other API: the service's own words, exit 5.
    let cpp_token = sim.with_state(|s| {
        s.issue_token("offerdeck-demo", Some(Audience::CloudPartner), now)
            .0
    });
    let run = common::offerdeck(
        &data,
        &["--config", config, "status", "fabrikam/alpha"],
        &[("OFFERDECK_INGESTION_TOKEN", &cpp_token)],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("Invalid audience"), "{}", run.stderr);
    sim.stop().await;
}

#[tokio::test]
async fn the_product_id_is_looked_up_once_and_a_stale_one_is_replaced() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let config = config.to_str().unwrap();
    let data = dir.path().join("data");
    let status = async || {
        let run = common::offerdeck(
            &data,
            &["--config", config, "status", "fabrikam/alpha"],
            &[],
        )
        .await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    };
    status().await;
    let store = offerdeck::store::StateStore::open(&data);
    let alpha: offerdeck::domain::OfferId = "fabrikam/alpha".parse().unwrap();
    let recorded = || store.product_id(&alpha).unwrap();
    assert_eq!(
        recorded().as_deref(),
        Some("product/6f1c2d3e-4a5b-4c6d-8e7f-000000000001")
    );
    let reads = sim.with_ingestion(|s| s.product_reads());
    status().await;
    assert_eq!(
        sim.with_ingestion(|s| s.product_reads()),
        reads,
        "looked up again"
    );
    // A recorded id the service no longer knows (the product was recreated): found again
    // by external id, and the record corrected.
    store
        .set_product_id(&alpha, Some("product/6f1c2d3e-4a5b-4c6d-8e7f-0000000000ff"))
        .unwrap();
    status().await;
    assert_eq!(sim.with_ingestion(|s| s.product_reads()), reads + 1);
    assert_eq!(
        recorded().as_deref(),
        Some("product/6f1c2d3e-4a5b-4c6d-8e7f-000000000001")
    );
    sim.stop().await;
}

#[tokio::test]
async fn every_scenario_offer_behaves_as_the_contract_says() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let config = config.to_str().unwrap();
    let data = dir.path().join("data");
    let run = async |args: &[&str]| {
        let mut all = vec!["--config", config];
        all.extend_from_slice(args);
        common::offerdeck(&data, &all, &[]).await
    };
    // Throttled (429 + Retry-After) and 500 on every second job status read: both reach the
    // end of a followed publish, as pending, without failing it.
    for offer in ["fabrikam/epsilon", "fabrikam/zeta"] {
        let publish = run(&["publish", offer, "--wait"]).await;
        assert_eq!(publish.code, 0, "{offer}: {}", publish.stderr);
        assert!(
            publish.stderr.contains("ready for go-live"),
            "{offer}: {}",
            publish.stderr
        );
    }
    // A synchronous schema-validation 400: exit 3 with the details; accepted when sent again.
    let rejected = run(&["publish", "fabrikam/delta"]).await;
    assert_eq!(rejected.code, 3, "{}", rejected.stderr);
    assert!(rejected.stderr.contains("try again"), "{}", rejected.stderr);
    let again = run(&["publish", "fabrikam/delta", "--wait"]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    sim.stop().await;
    // A job too far along to cancel: the service's words, not a crash. On a service whose
    // clock stands still, so the job cannot end before the cancel is sent.
    let sim = common::manual_simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let config = config.to_str().unwrap();
    let data = dir.path().join("data");
    let run = async |args: &[&str]| {
        let mut all = vec!["--config", config];
        all.extend_from_slice(args);
        common::offerdeck(&data, &all, &[]).await
    };
    let publish = run(&["publish", "fabrikam/theta"]).await;
    assert_eq!(publish.code, 0, "{}", publish.stderr);
    let cancel = run(&["cancel", "fabrikam/theta"]).await;
    assert_ne!(cancel.code, 0, "{}", cancel.stderr);
    assert!(
        cancel.stderr.contains("Cannot cancel job"),
        "{}",
        cancel.stderr
    );
    assert!(!cancel.stderr.contains("panicked"), "{}", cancel.stderr);
    sim.stop().await;
}

#[tokio::test]
async fn history_lists_past_operations_with_durations_and_outcomes() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim);
    let config = config.to_str().unwrap();
    let data = dir.path().join("data");
    for offer in ["fabrikam/alpha", "fabrikam/beta"] {
        common::offerdeck(
            &data,
            &["--config", config, "publish", offer, "--wait"],
            &[],
        )
        .await;
    }
    // Every request went into the event log, with its answer.
    let log = offerdeck::store::StateStore::open(&data).log(500).unwrap();
    assert!(
        log.iter().any(|e| e
            .text
            .starts_with("POST 202 /rp/product-ingestion/configure ·")),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|e| e.kind == offerdeck::domain::log::LogKind::Change
                && e.text.contains("fabrikam/beta publish: failed")
                && e.error),
        "{log:#?}"
    );
    // No config needed: the history is in the state store.
    let run = common::offerdeck(&data, &["history", "--json"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{}", run.stdout);
    let beta = events
        .iter()
        .find(|e| e["offer"] == "fabrikam/beta")
        .unwrap();
    assert_eq!(beta["event"], "history");
    assert_eq!(beta["success"], false);
    assert!(
        beta["failure"]
            .as_str()
            .unwrap()
            .contains("certification failed"),
        "{beta}"
    );
    let alpha = events
        .iter()
        .find(|e| e["offer"] == "fabrikam/alpha")
        .unwrap();
    assert_eq!(alpha["success"], true);
    assert_eq!(alpha["status"], "waitingForPublisherReview");
    assert!(alpha["duration_seconds"].as_i64().unwrap() >= 0);
    // One offer, as a table.
    let run = common::offerdeck(&data, &["history", "fabrikam/beta"], &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("STARTED"), "{}", run.stdout);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert!(run.stdout.contains("failed"), "{}", run.stdout);
    sim.stop().await;
}

#[tokio::test]
async fn watch_names_the_state_of_an_offer_nothing_runs_on() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = common::write_config(dir.path(), &sim, "50ms");
    let data = dir.path().join("data");
    let args = [
        "--config",
        config.to_str().unwrap(),
        "watch",
        "fabrikam/eta",
    ];
    let run = common::offerdeck(&data, &args, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Published from the portal, waiting for go-live: said so, with what to run.
    assert!(
        run.stderr
            .contains("fabrikam/eta: nothing runs on it; it is ready for go-live"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("golive fabrikam/eta"), "{}", run.stderr);
    sim.stop().await;
}
