//! A hostile service on loopback: every string it sends carries terminal escape sequences
//! (window title, clipboard, screen clear, reset), C1 controls and bidi overrides. Nothing of it
//! may reach a terminal raw, whatever command prints it, in text or JSON.

mod common;
#[path = "hostile/lows.rs"]
mod lows;
#[path = "hostile/shapes.rs"]
mod shapes;

use std::net::SocketAddr;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Everything a terminal would act on.
const EVIL: &str = "A\u{1b}]0;pwned\u{7}B\u{1b}]52;c;cHduZWQ=\u{7}C\u{1b}[2J\u{1b}cD\u{9b}31mE\u{202e}F\u{7f}G\r\nH";

fn step(name: &str, status: &str) -> serde_json::Value {
    json!({"id": EVIL, "stepName": name, "status": status, "estimatedTimeFrame": EVIL,
           "progressPercentage": 40,
           "messages": [{"messageHtml": format!("<b>{EVIL}</b>"), "level": EVIL}]})
}

fn operation() -> serde_json::Value {
    json!({"id": "op1", "status": EVIL, "submissionType": "publish",
           "steps": [step(EVIL, "inProgress"), step("Certification", EVIL)],
           "messages": [{"messageHtml": EVIL, "level": "error"}]})
}

/// The hostile service: statuses, operations and errors all carry `EVIL`.
async fn hostile() -> SocketAddr {
    let app = axum::Router::new().fallback(
        |method: axum::http::Method, uri: axum::http::Uri| async move {
            let path = uri.path().to_string();
            let json_answer = |status: StatusCode, body: serde_json::Value| -> Response {
                (status, [("content-type", "application/json")], body.to_string()).into_response()
            };
            if path.ends_with("/status") {
                if path.contains("/offers/broken") {
                    return json_answer(
                        StatusCode::NOT_FOUND,
                        json!({"Product": {"serviceName": EVIL, "error": EVIL, "exceptionCode": EVIL}}),
                    );
                }
                return json_answer(StatusCode::OK, operation());
            }
            if path.ends_with("/publish") && method == axum::http::Method::POST {
                if path.contains("/offers/rejected") {
                    return json_answer(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        json!({"error": {"code": EVIL, "message": EVIL,
                                         "details": [{"code": EVIL, "target": EVIL, "message": EVIL}]}}),
                    );
                }
                let mut headers = HeaderMap::new();
                headers.insert(
                    "location",
                    HeaderValue::from_static("/api/publishers/p/offers/o/operations/op1?api-version=2017-10-31"),
                );
                headers.insert("x-ms-correlation-request-id", HeaderValue::from_static("corr"));
                return (StatusCode::ACCEPTED, headers).into_response();
            }
            if path.contains("/operations/") {
                // A failed operation: its reason and final status are hostile too.
                let mut body = operation();
                body["status"] = json!("failed");
                return json_answer(StatusCode::OK, body);
            }
            json_answer(StatusCode::NOT_FOUND, json!({"error": {"code": EVIL, "message": EVIL}}))
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

fn config(dir: &std::path::Path, api: SocketAddr) -> String {
    let text = format!(
        "[api]\nbase_url = \"http://{api}\"\npoll_interval = \"100ms\"\npoll_interval_max = \"100ms\"\nmax_retries = 0\n\
         [[offers]]\npublisher = \"p\"\noffer = \"o\"\n\
         [[offers]]\npublisher = \"p\"\noffer = \"broken\"\n\
         [[offers]]\npublisher = \"p\"\noffer = \"rejected\"\n"
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// True when the text holds nothing a terminal would interpret.
fn inert(text: &str) -> Result<(), String> {
    match text.char_indices().find(|(_, c)| {
        (c.is_control() && *c != '\n')
            || ('\u{202a}'..='\u{202e}').contains(c)
            || ('\u{2066}'..='\u{2069}').contains(c)
    }) {
        Some((i, c)) => Err(format!(
            "{c:?} at {i} in {:?}",
            &text[i.saturating_sub(40)..(i + 20).min(text.len())]
        )),
        None => Ok(()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_escape_sequence_reaches_the_terminal_from_any_command() {
    let api = hostile().await;
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), api);
    let env = [("OFFERDECK_TOKEN", "canary-token")];
    let runs: &[&[&str]] = &[
        &["status", "p/o"],
        &["status", "p/o", "--json"],
        &["status", "p/broken"],
        &["status", "p/broken", "--json"],
        &["offers"],
        &["offers", "--json"],
        &["publish", "p/rejected"],
        &["publish", "p/rejected", "--json"],
        &["publish", "p/o", "--wait"],
        &["publish", "p/o", "--wait", "--json"],
        &["watch"],
    ];
    let mut saw_failure_text = false;
    for args in runs {
        let mut full = vec!["--config", c.as_str()];
        full.extend_from_slice(args);
        let run = common::offerdeck(dir.path(), &full, &env).await;
        for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            if let Err(e) = inert(text) {
                panic!("{args:?} {name}: {e}\n{text}");
            }
        }
        // The text survives, only the sequences are gone.
        saw_failure_text |= run.stderr.contains("ABC") || run.stdout.contains("ABC");
        assert!(
            !run.stdout.contains("pwned") && !run.stderr.contains("pwned"),
            "{args:?}: an OSC payload survived"
        );
    }
    assert!(
        saw_failure_text,
        "the plain text of the service's messages is still shown"
    );
}

/// A token whose lifetime is absurd (10^13 seconds, from a token command as from an endpoint)
/// is held to a day: the command answers, nothing panics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_token_lifetime_is_no_panic() {
    let api = hostile().await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[api]\nbase_url = \"http://{api}\"\nmax_retries = 0\n\
         [auth]\ntoken_command = \"echo '{{\\\"accessToken\\\": \\\"absurd-lifetime-token\\\", \\\"expires_in\\\": 10000000000000}}'\"\n\
         [[offers]]\npublisher = \"p\"\noffer = \"o\"\n"
    );
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let c = path.display().to_string();
    let run = common::offerdeck(dir.path(), &["--config", &c, "status", "p/o"], &[]).await;
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_ne!(run.code, 101, "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A service that accepts a publish with a 202 whose body is larger than offerdeck reads
/// (9 MiB): the start is known by its status line and `Location`, so it is recorded and
/// followed, and never sent a second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_start_with_a_body_too_large_to_read_is_recorded_not_lost() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let posts = Arc::new(AtomicUsize::new(0));
    let counted = posts.clone();
    let app =
        axum::Router::new().fallback(move |method: axum::http::Method, uri: axum::http::Uri| {
            let counted = counted.clone();
            async move {
                let path = uri.path().to_string();
                if method == axum::http::Method::POST && path.ends_with("/publish") {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let big = format!("{{\"padding\": \"{}\"}}", "x".repeat(9 << 20));
                    return (
                        StatusCode::ACCEPTED,
                        [(
                            "location",
                            "/api/publishers/p/offers/o/operations/big1?api-version=2017-10-31",
                        )],
                        big,
                    )
                        .into_response();
                }
                let body = if path.contains("/operations/") {
                    json!({"id": "big1", "status": "running", "submissionType": "publish",
                           "steps": [{"id": "s1", "stepName": "Validation", "status": "inProgress",
                                      "progressPercentage": 10}]})
                } else {
                    json!({"status": "neverPublished", "steps": []})
                };
                (
                    StatusCode::OK,
                    [("content-type", "application/json")],
                    body.to_string(),
                )
                    .into_response()
            }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[api]\nbase_url = \"http://{api}\"\nmax_retries = 0\n\
         [[offers]]\npublisher = \"p\"\noffer = \"o\"\nnotification_emails = [\"ops@p.example\"]\n"
    );
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    let c = path.display().to_string();
    let env = [("OFFERDECK_TOKEN", "big-body-token")];
    let first = common::offerdeck(dir.path(), &["--config", &c, "publish", "p/o"], &env).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stderr.contains("accepted"), "{}", first.stderr);
    assert!(first.stderr.contains("operations/big1"), "{}", first.stderr);
    // Recorded: a second publish sees it running and sends nothing.
    let second = common::offerdeck(dir.path(), &["--config", &c, "publish", "p/o"], &env).await;
    assert_ne!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stderr.contains("in flight") || second.stderr.contains("running"),
        "{}",
        second.stderr
    );
    assert_eq!(posts.load(Ordering::SeqCst), 1, "sent once");
}
