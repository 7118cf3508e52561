//! Answers within the byte cap that would expand into hundreds of MiB: dense lists of tiny
//! objects, deep nesting, one enormous string, thousands of steps or job errors, pages without
//! end. Each is refused with the limit named, or kept within what offerdeck keeps (and says so);
//! nothing printed or stored grows with the answer. (Peak memory of the same shapes is measured
//! by `scripts/memory-under-hostile-shapes.sh`.)

use std::net::SocketAddr;

use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::common;

/// Just under the 8 MiB read cap.
const NEARLY_8_MIB: usize = (8 << 20) - 4096;

/// `{"status":"running","steps":[{},{},…]}`: 2.8 million objects in 8 MiB.
fn dense_steps() -> String {
    let mut body = String::from(r#"{"status":"running","steps":["#);
    while body.len() < NEARLY_8_MIB {
        body.push_str("{},");
    }
    body.push_str("{}]}");
    body
}

fn steps(n: usize) -> serde_json::Value {
    let steps: Vec<_> = (0..n)
        .map(|i| {
            json!({"id": format!("s{i}"), "stepName": format!("Step {i}"), "status": "inProgress",
                   "messages": [{"messageHtml": format!("message {i}"), "level": "info"}]})
        })
        .collect();
    json!({"status": "running", "steps": steps})
}

fn failed_job(errors: usize) -> serde_json::Value {
    let errors: Vec<_> = (0..errors)
        .map(|i| json!({"code": "invalidResource", "message": format!("problem number {i}")}))
        .collect();
    json!({"jobId": "j1", "jobStatus": "completed", "jobResult": "failed", "errors": errors})
}

fn product(n: usize) -> serde_json::Value {
    json!({"id": format!("product/0000000{n}-0000-0000-0000-000000000000"),
           "identity": {"externalId": if n == 0 { "alpha".to_string() } else { format!("p{n}") }},
           "type": "azureVirtualMachine", "alias": format!("Product {n}")})
}

fn answer(body: String) -> Response {
    (StatusCode::OK, [("content-type", "application/json")], body).into_response()
}

/// The hostile service; what it answers depends on the offer or the base path asked.
async fn service() -> SocketAddr {
    let app = axum::Router::new().fallback(|method: axum::http::Method, uri: Uri| async move {
        let path = uri.path().to_string();
        let query = uri.query().unwrap_or("").to_string();
        // CPP.
        if path.ends_with("/offers/dense/status") {
            return answer(dense_steps());
        }
        if path.ends_with("/offers/deep/status") {
            return answer(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)));
        }
        if path.ends_with("/offers/long/status") {
            let name = "x".repeat(2 << 20);
            return answer(json!({"status": "running", "steps": [{"stepName": name}]}).to_string());
        }
        if path.ends_with("/offers/many/status") {
            return answer(steps(3_000).to_string());
        }
        // Product Ingestion.
        if path.ends_with("/product") {
            let page: usize = query
                .split('&')
                .find_map(|p| p.strip_prefix("page="))
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            let next = if path.starts_with("/loop/") {
                // Every page after the first points back at the second.
                "product?$version=2022-07-01&page=1".to_string()
            } else if path.starts_with("/endless/") {
                format!("product?$version=2022-07-01&page={}", page + 1)
            } else {
                String::new()
            };
            let mut body = json!({"value": [product(page)]});
            if !next.is_empty() {
                body["@nextLink"] = json!(next);
            }
            return answer(body.to_string());
        }
        if path.contains("/submission/") {
            return answer(json!({"value": []}).to_string());
        }
        if path.ends_with("/configure") && method == axum::http::Method::POST {
            let body = json!({"jobId": "j1", "jobStatus": "notStarted"}).to_string();
            return (
                StatusCode::ACCEPTED,
                [("content-type", "application/json")],
                body,
            )
                .into_response();
        }
        if path.ends_with("/configure/j1/status") {
            return answer(failed_job(15_000).to_string());
        }
        (StatusCode::NOT_FOUND, "{}").into_response()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

fn config(dir: &std::path::Path, api: SocketAddr, ingestion_prefix: &str) -> String {
    let mut text = format!(
        "[api]\nbase_url = \"http://{api}\"\npoll_interval = \"100ms\"\npoll_interval_max = \"100ms\"\nmax_retries = 0\n\
         [ingestion]\nbase_url = \"http://{api}{ingestion_prefix}/rp/product-ingestion\"\n\
         poll_interval = \"100ms\"\npoll_interval_max = \"100ms\"\n"
    );
    for offer in ["dense", "deep", "long", "many"] {
        text.push_str(&format!(
            "[[offers]]\npublisher = \"p\"\noffer = \"{offer}\"\n"
        ));
    }
    text.push_str(
        "[[offers]]\npublisher = \"fabrikam\"\noffer = \"alpha\"\nbackend = \"ingestion\"\n",
    );
    let path = dir.join(format!("config{}.toml", ingestion_prefix.replace('/', "-")));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const TOKENS: [(&str, &str); 2] = [
    ("OFFERDECK_TOKEN", "shape-cpp-token"),
    ("OFFERDECK_INGESTION_TOKEN", "shape-ingestion-token"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_would_expand_past_a_limit_is_refused_with_the_limit_named() {
    let api = service().await;
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), api, "");
    for (offer, limit) in [
        ("p/dense", "100000 JSON values"),
        ("p/deep", "64 levels of nesting"),
        ("p/long", "1024 KiB in one string"),
    ] {
        for json in [false, true] {
            let mut args = vec!["--config", &c, "status", offer];
            if json {
                args.push("--json");
            }
            let run = common::offerdeck(dir.path(), &args, &TOKENS).await;
            assert_eq!(run.code, 8, "{offer}: {}{}", run.stdout, run.stderr);
            let said = format!("{}{}", run.stdout, run.stderr);
            assert!(said.contains(limit), "{offer}: {said}");
            assert!(said.contains("nothing of it was used"), "{offer}: {said}");
            assert!(said.len() < 4096, "{offer}: {} bytes said", said.len());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_steps_are_kept_to_fifty_and_the_rest_counted() {
    let api = service().await;
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), api, "");
    let run = common::offerdeck(dir.path(), &["--config", &c, "status", "p/many"], &TOKENS).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("… and 2950 more steps, not kept (offerdeck keeps 50)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Step 49") && !run.stdout.contains("Step 50 "));
    let run = common::offerdeck(
        dir.path(),
        &["--config", &c, "status", "p/many", "--json"],
        &TOKENS,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(status["steps"].as_array().map(Vec::len), Some(50));
    assert_eq!(status["steps_not_kept"], 2950);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_failing_with_thousands_of_errors_is_stored_and_printed_bounded() {
    let api = service().await;
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), api, "");
    let run = common::offerdeck(
        dir.path(),
        &[
            "--config",
            &c,
            "publish",
            "fabrikam/alpha",
            "--wait",
            "--json",
        ],
        &TOKENS,
    )
    .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("problem number 0"), "{}", run.stdout);
    assert!(
        run.stdout.contains("14950 more messages, not kept"),
        "{}",
        &run.stdout[..run.stdout.len().min(2000)]
    );
    assert!(
        run.stdout.len() < 512 << 10,
        "{} bytes printed",
        run.stdout.len()
    );
    // What the store keeps of it is as bounded: the history prints it whole.
    let run = common::offerdeck(dir.path(), &["--config", &c, "history", "--json"], &TOKENS).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("problem number 0"), "{}", run.stdout);
    assert!(
        run.stdout.len() < 64 << 10,
        "{} bytes of history",
        run.stdout.len()
    );
    let db = std::fs::metadata(dir.path().join("offerdeck.db"))
        .unwrap()
        .len();
    assert!(db < 4 << 20, "the store is {db} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_that_loop_or_never_end_are_an_error_not_a_partial_list() {
    let api = service().await;
    let dir = tempfile::tempdir().unwrap();
    for (prefix, said) in [
        (
            "/loop",
            "@nextLink leads back to a page already read (after 2 pages)",
        ),
        ("/endless", "100 pages, the most offerdeck follows"),
    ] {
        let c = config(dir.path(), api, prefix);
        let run = common::offerdeck(
            dir.path(),
            &["--config", &c, "discover", "--backend", "ingestion"],
            &TOKENS,
        )
        .await;
        assert_eq!(run.code, 8, "{prefix}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(said), "{prefix}: {}", run.stderr);
    }
    // A list that ends is read whole.
    let c = config(dir.path(), api, "");
    let run = common::offerdeck(
        dir.path(),
        &["--config", &c, "discover", "--backend", "ingestion"],
        &TOKENS,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("fabrikam/alpha") || run.stdout.contains("alpha"),
        "{}",
        run.stdout
    );
}
