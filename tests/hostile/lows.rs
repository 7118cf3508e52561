//! The small things a hostile service (or a careless config) still broke: a short secret shown
//! in clear, `.` and `..` ids vanishing from URLs, job ids encoded twice, a state nobody knows
//! polled at the floor for ever.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::common;

type Paths = Arc<Mutex<Vec<String>>>;

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Echoes the bearer token in every CPP error; runs Product Ingestion jobs whose id needs
/// percent-encoding. Records every path asked, as sent.
async fn service() -> (SocketAddr, Paths) {
    let paths: Paths = Arc::default();
    let seen = paths.clone();
    let app = axum::Router::new().fallback(
        move |method: axum::http::Method, uri: Uri, headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                let path = uri.path().to_string();
                seen.lock().unwrap().push(path.clone());
                let token = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .trim_start_matches("Bearer ")
                    .to_string();
                if path.ends_with("/offers/bom/status") {
                    let body = format!("\u{feff}{}", json!({"status": "running", "steps": []}));
                    return (StatusCode::OK, [("content-type", "application/json")], body).into_response();
                }
                if path.ends_with("/offers/twice/status") {
                    let body = r#"{"status": "running", "status": "failed", "steps": []}"#;
                    return (StatusCode::OK, [("content-type", "application/json")], body).into_response();
                }
                if path.contains("/operations/exploding") {
                    return answer(StatusCode::OK, json!({"status": "exploding", "steps": []}));
                }
                if path.starts_with("/api/") {
                    return answer(
                        StatusCode::BAD_REQUEST,
                        json!({"error": {"code": "BadToken", "message": format!("the token {token} is not for this offer")}}),
                    );
                }
                if path.ends_with("/product") {
                    return answer(
                        StatusCode::OK,
                        json!({"value": [{"id": "product/00000000-0000-0000-0000-000000000001",
                                           "identity": {"externalId": "alpha"},
                                           "type": "azureVirtualMachine", "alias": "Alpha"}]}),
                    );
                }
                if path.contains("/submission/") {
                    return answer(StatusCode::OK, json!({"value": []}));
                }
                if path.ends_with("/configure") && method == axum::http::Method::POST {
                    return answer(
                        StatusCode::ACCEPTED,
                        json!({"jobId": "job 1/ä", "jobStatus": "notStarted"}),
                    );
                }
                if path.ends_with("/status") {
                    return answer(
                        StatusCode::OK,
                        json!({"jobId": "job 1/ä", "jobStatus": "completed", "jobResult": "succeeded"}),
                    );
                }
                answer(StatusCode::NOT_FOUND, json!({}))
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, paths)
}

fn config(dir: &std::path::Path, api: SocketAddr, extra: &str) -> String {
    let text = format!(
        "[api]\nbase_url = \"http://{api}\"\npoll_interval = \"100ms\"\npoll_interval_max = \"100ms\"\nmax_retries = 0\n\
         [ingestion]\nbase_url = \"http://{api}/rp/product-ingestion\"\npoll_interval = \"100ms\"\npoll_interval_max = \"100ms\"\n\
         [[offers]]\npublisher = \"p\"\noffer = \"o\"\n\
         [[offers]]\npublisher = \"fabrikam\"\noffer = \"alpha\"\nbackend = \"ingestion\"\n{extra}"
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_token_the_service_echoes_is_hidden_too() {
    let (api, _) = service().await;
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), api, "");
    for json in [false, true] {
        let mut args = vec!["--config", &c, "status", "p/o"];
        if json {
            args.push("--json");
        }
        let run = common::offerdeck(
            dir.path(),
            &args,
            &[
                ("OFFERDECK_TOKEN", "k9Q"),
                ("OFFERDECK_INGESTION_TOKEN", "tok-ingestion"),
            ],
        )
        .await;
        assert_ne!(run.code, 0);
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(said.contains("the token *** is not"), "{said}");
        assert!(!said.contains("k9Q"), "{said}");
    }
    let log =
        std::fs::read_to_string(dir.path().join("logs").join("offerdeck.log")).unwrap_or_default();
    assert!(!log.contains("k9Q"), "the log holds the token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dot_and_dot_dot_are_refused_as_ids_before_anything_is_sent() {
    let (api, paths) = service().await;
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), api, "");
    for target in ["p/..", "./o"] {
        let run = common::offerdeck(
            dir.path(),
            &["--config", &c, "publish", target],
            &[("OFFERDECK_TOKEN", "tok-dots")],
        )
        .await;
        assert_eq!(run.code, 2, "{target}: {}", run.stderr);
        assert!(run.stderr.contains("path step"), "{target}: {}", run.stderr);
    }
    // In the config: the file, the line and what is wrong.
    let c = config(
        dir.path(),
        api,
        "[[offers]]\npublisher = \"p\"\noffer = \"..\"\n",
    );
    let run = common::offerdeck(
        dir.path(),
        &["--config", &c, "offers"],
        &[("OFFERDECK_TOKEN", "tok-dots")],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("config.toml:19:"), "{}", run.stderr);
    assert!(run.stderr.contains("path step"), "{}", run.stderr);
    assert!(
        paths.lock().unwrap().is_empty(),
        "nothing sent: {:?}",
        paths.lock().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_id_that_needs_encoding_is_encoded_once() {
    let (api, paths) = service().await;
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), api, "");
    let run = common::offerdeck(
        dir.path(),
        &["--config", &c, "publish", "fabrikam/alpha", "--wait"],
        &[
            ("OFFERDECK_INGESTION_TOKEN", "tok-encoding"),
            ("OFFERDECK_TOKEN", "tok-cpp"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let paths = paths.lock().unwrap().clone();
    let status: Vec<_> = paths.iter().filter(|p| p.ends_with("/status")).collect();
    assert!(!status.is_empty(), "{paths:?}");
    for p in status {
        assert_eq!(p, "/rp/product-ingestion/configure/job%201%2F%C3%A4/status");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_byte_order_mark_is_read_past_and_a_key_sent_twice_is_a_clear_parse_error() {
    let (api, _) = service().await;
    let dir = tempfile::tempdir().unwrap();
    let extra = "[[offers]]\npublisher = \"p\"\noffer = \"bom\"\n[[offers]]\npublisher = \"p\"\noffer = \"twice\"\n";
    let c = config(dir.path(), api, extra);
    let env = [
        ("OFFERDECK_TOKEN", "tok-shapes"),
        ("OFFERDECK_INGESTION_TOKEN", "tok-ingestion"),
    ];
    let run = common::offerdeck(dir.path(), &["--config", &c, "status", "p/bom"], &env).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("p/bom: publishing (0%)"),
        "{}",
        run.stdout
    );
    let run = common::offerdeck(dir.path(), &["--config", &c, "status", "p/twice"], &env).await;
    assert_eq!(run.code, 8, "not 'unreachable': {}", run.stderr);
    assert!(
        run.stderr.contains("duplicate field `status`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("unreachable"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_in_a_failing_token_commands_message_is_hidden_by_its_shape() {
    let (api, _) = service().await;
    let dir = tempfile::tempdir().unwrap();
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlLWNhbmFyeQ";
    let script = dir.path().join("token.sh");
    std::fs::write(
        &script,
        format!("echo stale token {jwt} refused >&2\nexit 3\n"),
    )
    .unwrap();
    let extra = format!("[auth]\ntoken_command = \"sh {}\"\n", script.display());
    let c = config(dir.path(), api, "");
    let text = std::fs::read_to_string(&c).unwrap().replace(
        "[[offers]]\npublisher = \"p\"",
        &format!("{extra}[[offers]]\npublisher = \"p\""),
    );
    std::fs::write(&c, text).unwrap();
    let run = common::offerdeck(
        dir.path(),
        &["--config", &c, "status", "p/o"],
        &[("OFFERDECK_INGESTION_TOKEN", "tok-ingestion")],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("stale token *** refused"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("eyJ"), "{}", run.stderr);
    let log =
        std::fs::read_to_string(dir.path().join("logs").join("offerdeck.log")).unwrap_or_default();
    assert!(!log.contains("eyJ"), "the log holds it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_in_a_state_nobody_knows_is_polled_less_and_less_often() {
    let (api, paths) = service().await;
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), api, "");
    let config = offerdeck::config::load(std::path::Path::new(&c), "test").unwrap();
    // SAFETY: this test's own variable, set before anything reads the environment here.
    unsafe { std::env::set_var("HOSTILE_LOWS_TOKEN", "tok-unknown-state") };
    let mut config = config;
    config.auth.token_env = "HOSTILE_LOWS_TOKEN".into();
    config.ingestion.auth.token_env = "HOSTILE_LOWS_TOKEN".into();
    let store = offerdeck::store::StateStore::open(dir.path());
    let setup = offerdeck::engine::Setup {
        backends: offerdeck::engine::wiring::backends(&config).unwrap(),
        store,
        clock: offerdeck::clock::Clock::System,
        policies: offerdeck::engine::FollowPolicies::from_config(&config),
        notifier: None,
        desktop: false,
        read_only: false,
        only_tracked: false,
        resume: true,
        on_wait: None,
        follow_starts: true,
    };
    let offer: offerdeck::domain::OfferId = "p/o".parse().unwrap();
    let mut started = offerdeck::engine::Engine::start(
        setup,
        vec![(offer.clone(), offerdeck::domain::BackendKind::Cpp)],
    )
    .unwrap();
    let pointer = format!(
        "http://{api}/api/publishers/p/offers/o/operations/exploding?api-version=2017-10-31"
    );
    started
        .engine
        .send(offerdeck::engine::Command::Follow(Box::new(
            offerdeck::domain::Operation::new(
                offer.clone(),
                offerdeck::domain::BackendKind::Cpp,
                offerdeck::domain::OpKind::Publish,
                pointer.parse().unwrap(),
                &[],
                chrono::Utc::now(),
            ),
        )));
    // The waits after each poll: doubling from the 100 ms floor, not 100 ms for ever.
    let mut waits = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while waits.len() < 4 {
        let event = tokio::time::timeout_at(deadline, started.recv())
            .await
            .expect("polls within the deadline")
            .expect("the engine runs");
        if let offerdeck::engine::EngineEvent::Polled { next_poll, .. } = event {
            waits.push(next_poll.as_millis());
        }
    }
    assert_eq!(
        waits,
        vec![200, 400, 800, 1600],
        "{:?}",
        paths.lock().unwrap()
    );
    // Still followed, with the word the service gave kept for the views.
    let state = started.last.get(&offer).unwrap();
    assert!(state.running().is_some());
    assert_eq!(
        state.seen().map(|s| s.raw_status.as_str()),
        Some("exploding")
    );
    started.engine.shutdown();
}
