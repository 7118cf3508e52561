//! Notifications when a watched operation ends: a loopback webhook server takes what Teams,
//! Slack and Mattermost take, and the notification command gets the offer and its status.

mod common;

use std::sync::{Arc, Mutex};

/// A loopback incoming webhook: keeps every body it gets; answers `status`.
async fn webhook(status: u16) -> (std::net::SocketAddr, Arc<Mutex<Vec<serde_json::Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/hooks/{secret}",
        axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body);
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, got)
}

fn config(
    dir: &std::path::Path,
    sim: &offerdeck::sim::Simulator,
    hook: &str,
    out: &std::path::Path,
) -> String {
    let addr = sim.addr();
    let text = format!(
        r#"[ingestion]
base_url = "http://{addr}/rp/product-ingestion"
poll_interval = "50ms"
poll_interval_max = "50ms"

[ingestion.auth]
tenant_id = "t"
client_id = "offerdeck-demo"
client_secret_env = "OFFERDECK_DEMO_SECRET"
authority = "http://{addr}"

[notify]
webhook_url = "{hook}"
command = "printf '%s|%s|%s' \"$OFFERDECK_OFFER\" \"$OFFERDECK_STATUS\" \"$OFFERDECK_MESSAGE\" > '{}'"

[[offers]]
publisher = "fabrikam"
offer = "alpha"
backend = "ingestion"

[[offers]]
publisher = "fabrikam"
offer = "beta"
backend = "ingestion"
"#,
        out.display()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_publish_that_ends_is_told_to_the_webhook_and_the_command() {
    let sim = common::simulator(common::FAST).await;
    let (addr, got) = webhook(200).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notified.txt");
    let config = config(
        dir.path(),
        &sim,
        &format!("http://{addr}/hooks/T0KEN-s3cret-part"),
        &out,
    );
    let data = dir.path().join("data");
    let run = common::offerdeck(
        &data,
        &["--config", &config, "publish", "fabrikam/alpha", "--wait"],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bodies = got.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let text = bodies[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("fabrikam/alpha: publish is ready for go-live"),
        "{text}"
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.starts_with("fabrikam/alpha|waitingForPublisherReview|fabrikam/alpha: publish"),
        "{written}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_webhook_that_fails_is_a_warning_that_never_shows_its_address() {
    let sim = common::simulator(common::FAST).await;
    let (addr, got) = webhook(500).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notified.txt");
    let config = config(
        dir.path(),
        &sim,
        &format!("http://{addr}/hooks/T0KEN-s3cret-part"),
        &out,
    );
    let data = dir.path().join("data");
    let run = common::offerdeck(
        &data,
        &["--config", &config, "publish", "fabrikam/beta", "--wait"],
        &[],
    )
    .await;
    // The publish failed certification (exit 1); the notification was tried and said so.
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(got.lock().unwrap().len(), 1);
    assert!(
        run.stderr.contains("notification webhook failed: HTTP 500"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("T0KEN-s3cret-part"), "{}", run.stderr);
    let log = std::fs::read_to_string(data.join("logs/offerdeck.log")).unwrap_or_default();
    assert!(
        !log.contains("T0KEN-s3cret-part"),
        "the log keeps the secret out"
    );
    sim.stop().await;
}
