//! The headless commands on Product Ingestion offers, as a user runs them: the real binary
//! against the simulator over loopback HTTP.

mod common;

use std::path::{Path, PathBuf};

use offerdeck::sim::Simulator;

/// A config with CPP's demo section plus `[ingestion]`, and offers on both APIs.
fn write_config(dir: &Path, sim: &Simulator) -> PathBuf {
    let addr = sim.addr();
    let text = format!(
        r#"[api]
base_url = "http://{addr}"
poll_interval = "50ms"

[auth]
tenant_id = "demo-tenant"
client_id = "offerdeck-demo"
client_secret_env = "OFFERDECK_DEMO_SECRET"
authority = "http://{addr}"

[ingestion]
base_url = "http://{addr}/rp/product-ingestion"
poll_interval = "50ms"

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
    sim.stop().await;
}
