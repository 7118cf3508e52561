//! What a hostile or broken service cannot do to offerdeck: make it read without end, make it
//! print a secret, or hand it something that is not a token. Every server here is on loopback.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use offerdeck::api::{ApiError, TokenSource};

const CANARY_SECRET: &str = "canary-client-secret-7Qz!";

/// An endless body: 64 KiB chunks for ever.
fn endless(prefix: &'static [u8]) -> Body {
    let first =
        futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from_static(prefix)) });
    let rest = futures::stream::repeat_with(|| Ok(Bytes::from(vec![b' '; 64 << 10])));
    Body::from_stream(futures::StreamExt::chain(first, rest))
}

type Seen = Arc<Mutex<Vec<String>>>;

/// The hostile service, and the bearer tokens it was shown.
async fn hostile() -> (SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: Bytes| {
            let record = record.clone();
            async move {
                let path = uri.path().to_string();
                if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok())
                    && !path.contains("/publishers/once/")
                {
                    record.lock().unwrap().push(auth.to_string());
                }
                if path.starts_with("/echo/oauth2/token") {
                    // A token endpoint that repeats the form it was sent, secret included.
                    let form = String::from_utf8_lossy(&body).into_owned();
                    let answer = serde_json::json!({"error": "invalid_request",
                        "error_description": format!("AADSTS90014: bad request: {form}")});
                    return (StatusCode::BAD_REQUEST, answer.to_string()).into_response();
                }
                if path.starts_with("/endless/oauth2/token") {
                    return (StatusCode::OK, endless(b"{\"access_token\":\"")).into_response();
                }
                if path.contains("/publishers/endless/") {
                    return (StatusCode::OK, endless(b"[")).into_response();
                }
                if path.contains("/publishers/stalling/") {
                    // Asks for eleven days.
                    return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "999999")], "{}").into_response();
                }
                if path.contains("/publishers/once/") && !record.lock().unwrap().iter().any(|s| s == "throttled") {
                    record.lock().unwrap().push("throttled".into());
                    return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "2")], "{}").into_response();
                }
                if path.contains("/publishers/failing/") {
                    let body = endless(b"{\"error\":{\"code\":\"Boom\",\"message\":\"the start of an endless error\"}}");
                    return (StatusCode::BAD_REQUEST, body).into_response();
                }
                let status = serde_json::json!({"status": "running", "steps": []});
                Response::builder()
                    .header("content-type", "application/json")
                    .body(Body::from(status.to_string()))
                    .unwrap()
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, seen)
}

fn client(addr: SocketAddr, source: TokenSource) -> offerdeck::api::CppClient {
    let settings = offerdeck::api::ClientSettings {
        base_url: format!("http://{addr}/").parse().unwrap(),
        retry: offerdeck::api::http::retry::RetryPolicy {
            max_retries: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    common::client_with(settings, source)
}

fn token(t: &str) -> TokenSource {
    TokenSource::Static {
        token: offerdeck::api::Secret::new(t),
        origin: "test".into(),
    }
}

#[tokio::test]
async fn endless_bodies_end_at_a_limit_that_is_named() {
    let (addr, _) = hostile().await;
    let c = client(addr, token("t-endless-1"));
    let err = tokio::time::timeout(Duration::from_secs(30), c.list_offers("endless"))
        .await
        .expect("an endless answer does not hang the client")
        .unwrap_err();
    assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("8 MiB"), "{err}");
    // An endless error body: its start is read, the rest is not.
    let err = tokio::time::timeout(Duration::from_secs(30), c.list_offers("failing"))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err.service_error().map(|e| e.status), Some(400), "{err:?}");
    // An endless token answer.
    let source = TokenSource::ClientCredentials {
        authority: format!("http://{addr}/").parse().unwrap(),
        tenant_id: "endless".into(),
        client_id: "c".into(),
        client_secret: offerdeck::api::Secret::new("s-unused-secret"),
        resource: "r".into(),
    };
    let err = tokio::time::timeout(
        Duration::from_secs(30),
        client(addr, source).list_offers("p"),
    )
    .await
    .unwrap()
    .unwrap_err();
    assert!(matches!(err, ApiError::Token(_)), "{err:?}");
    assert!(err.to_string().contains("64 KiB"), "{err}");
}

fn config(dir: &std::path::Path, addr: SocketAddr, auth: &str) -> String {
    let text = format!(
        "[api]\nbase_url = \"http://{addr}\"\nmax_retries = 0\n[auth]\n{auth}\n[[offers]]\npublisher = \"p\"\noffer = \"o\"\n"
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn written(dir: &std::path::Path) -> String {
    common::walk(dir)
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_redacted_from_every_message_and_log() {
    let (addr, _) = hostile().await;
    let env = [
        ("OFFERDECK_CANARY_SECRET", CANARY_SECRET),
        ("OFFERDECK_LOG", "trace"),
    ];
    // A token endpoint that echoes the client secret back in its error.
    let dir = tempfile::tempdir().unwrap();
    let c = config(
        dir.path(),
        addr,
        &format!(
            "tenant_id = \"echo\"\nclient_id = \"c\"\nclient_secret_env = \"OFFERDECK_CANARY_SECRET\"\nauthority = \"http://{addr}\""
        ),
    );
    let mut everything = String::new();
    for args in [
        &["status", "p/o"][..],
        &["status", "p/o", "--json"],
        &["offers", "--json"],
    ] {
        let mut full = vec!["--config", c.as_str()];
        full.extend_from_slice(args);
        let run = common::offerdeck(dir.path(), &full, &env).await;
        assert_eq!(run.code, 5, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("AADSTS90014"),
            "the rest of the message stays: {}",
            run.stderr
        );
        everything.push_str(&run.stdout);
        everything.push_str(&run.stderr);
    }
    // A failing token command that prints the secret on stderr.
    let vault = tempfile::tempdir().unwrap();
    std::fs::write(vault.path().join("s"), CANARY_SECRET).unwrap();
    let c2 = config(
        dir.path(),
        addr,
        &format!(
            "token_command = \"echo login failed for $(cat {}) >&2; exit 2\"\nclient_secret_env = \"OFFERDECK_CANARY_SECRET\"\ntenant_id = \"t\"\nclient_id = \"c\"",
            vault.path().join("s").display()
        ),
    );
    let run = common::offerdeck(
        dir.path(),
        &["--config", &c2, "status", "p/o", "--json"],
        &env,
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("login failed for ***"),
        "{}",
        run.stderr
    );
    everything.push_str(&run.stdout);
    everything.push_str(&run.stderr);
    everything.push_str(&written(dir.path()));
    let form_encoded: String =
        url::form_urlencoded::byte_serialize(CANARY_SECRET.as_bytes()).collect();
    assert!(!everything.contains(CANARY_SECRET), "the secret leaked");
    assert!(
        !everything.contains(&form_encoded),
        "the form-encoded secret leaked"
    );
    assert!(everything.contains("***"), "redacted, not dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_command_gets_no_secret_and_leaves_nothing_running() {
    let (addr, seen) = hostile().await;
    let dir = tempfile::tempdir().unwrap();
    let marker = format!("sleep {}", 3_000 + std::process::id() % 1_000);
    let c = config(
        dir.path(),
        addr,
        &format!(
            "token_command = \"({marker} >/dev/null 2>&1 &); echo t-${{OFFERDECK_CANARY_SECRET:-clean}}\""
        ),
    );
    let run = common::offerdeck(
        dir.path(),
        &["--config", &c, "status", "p/o"],
        &[("OFFERDECK_CANARY_SECRET", CANARY_SECRET)],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        ["Bearer t-clean"],
        "the command saw no secret"
    );
    // What the command started in the background went with it.
    let left = std::process::Command::new("pgrep")
        .args(["-f", &marker])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "{marker} survived: {:?}",
        String::from_utf8_lossy(&left.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn something_that_is_not_a_token_is_an_auth_error() {
    let (addr, seen) = hostile().await;
    let dir = tempfile::tempdir().unwrap();
    for (command, why) in [
        ("printf 'tok\\\\001en'", "control characters"),
        ("head -c 17000 /dev/zero | tr '\\\\0' a", "at most 16 KiB"),
    ] {
        let c = config(dir.path(), addr, &format!("token_command = \"{command}\""));
        let run = common::offerdeck(dir.path(), &["--config", &c, "status", "p/o"], &[]).await;
        assert_eq!(run.code, 5, "{command}: {}", run.stderr);
        assert!(run.stderr.contains(why), "{command}: {}", run.stderr);
    }
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent with it");
    let run = common::offerdeck(
        dir.path(),
        &["--config", &config(dir.path(), addr, ""), "status", "p/o"],
        &[("OFFERDECK_TOKEN", "a token with spaces")],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_of_days_gives_up_at_the_budget_and_a_wait_is_said() {
    let (addr, _) = hostile().await;
    let settings = offerdeck::api::ClientSettings {
        base_url: format!("http://{addr}/").parse().unwrap(),
        retry: offerdeck::api::http::retry::RetryPolicy {
            budget: Duration::from_secs(5),
            ..Default::default()
        },
        ..Default::default()
    };
    let c = common::client_with(settings, token("t-budget-1"));
    let err = tokio::time::timeout(Duration::from_secs(10), c.offer_status("stalling", "o"))
        .await
        .expect("gave up instead of waiting days")
        .unwrap_err();
    assert!(err.to_string().contains("retry budget of 5s"), "{err}");
    // The command line says it waits, and until when, then carries on.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[api]\nbase_url = \"http://{addr}\"\nretry_budget = \"30s\"\n[[offers]]\npublisher = \"once\"\noffer = \"o\"\n"),
    )
    .unwrap();
    let run = common::offerdeck(
        dir.path(),
        &[
            "--config",
            &config.display().to_string(),
            "status",
            "once/o",
        ],
        &[("OFFERDECK_TOKEN", "t-budget-2")],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("waiting 2s for the service (HTTP 429, Retry-After), until "),
        "{}",
        run.stderr
    );
}

/// `--max-in-flight N`: a service near capacity. Beyond N requests at once it refuses with 429
/// and Retry-After; a client that keeps fewer in flight is never refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulator_with_a_capacity_refuses_what_is_beyond_it() {
    let mut options = offerdeck::sim::SimOptions::demo(3_600.0);
    options.latency = std::time::Duration::from_millis(100);
    options.max_in_flight = Some(4);
    let sim = common::simulator_with(options).await;
    let http = reqwest::Client::new();
    let url = format!("{}api/publishers?api-version=2017-10-31", sim.base_url());
    let answers = futures::future::join_all((0..10).map(|_| http.get(&url).send())).await;
    let refused: Vec<_> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok())
        .filter(|a| a.status().as_u16() == 429)
        .collect();
    assert!(!refused.is_empty(), "some of 10 at once are over 4");
    assert!(
        refused
            .iter()
            .all(|a| a.headers().contains_key("retry-after"))
    );
    assert_eq!(sim.overload_refusals(), refused.len() as u64);
    // A fixed bound of 2 stays under it.
    let mut settings = common::fast_settings(&sim);
    settings.max_concurrency = 2;
    settings.concurrency_ceiling = 2;
    let client = common::client_with(settings, common::credentials(&sim));
    let before = sim.overload_refusals();
    let statuses = futures::future::join_all(
        [
            "contoso-vm",
            "contoso-analytics",
            "contoso-gateway",
            "contoso-vm",
        ]
        .iter()
        .map(|o| client.offer_status("contoso", o)),
    )
    .await;
    assert!(statuses.iter().all(Result::is_ok), "{statuses:?}");
    assert_eq!(sim.overload_refusals(), before);
    sim.stop().await;
}
