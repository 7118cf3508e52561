//! Secrets stay secret: the token and the client secret never show up in output, logs, the state
//! store or error messages; the token never travels to another origin, redirects included; plain
//! http is refused off loopback.

mod common;

use std::sync::{Arc, Mutex};

use offerdeck::api::{ApiError, Secret, TokenSource};
use offerdeck::domain::OpKind;
use offerdeck::sim::{SimOptions, Simulator};

const SECRET: &str = "S3CRET-canary-7f1e9c2b-client-secret";
const TOKEN: &str = "TOKEN-canary-3b8d61aa-bearer";

fn everything_written(dir: &std::path::Path) -> String {
    let mut all = String::new();
    for entry in common::walk(dir) {
        all.push_str(&String::from_utf8_lossy(&std::fs::read(&entry).unwrap()));
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_and_tokens_never_leak() {
    let mut options = SimOptions::demo(common::FAST);
    options.client_secret = SECRET.into();
    let sim = Simulator::start(([127, 0, 0, 1], 0).into(), options)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = common::write_config(dir.path(), &sim, "100ms");
    let c = config.display().to_string();
    let env = [
        ("OFFERDECK_DEMO_SECRET", SECRET),
        ("OFFERDECK_LOG", "trace"),
    ];
    let mut output = String::new();
    for args in [
        vec![
            "--config",
            &c,
            "publish",
            "contoso/contoso-vm",
            "--wait",
            "--json",
        ],
        vec!["--config", &c, "offers", "--json"],
        vec!["--config", &c, "status", "northwind/northwind-app"],
        vec!["--config", &c, "publish", "contoso/contoso-analytics"],
        vec!["--config", &c, "watch"],
    ] {
        let run = common::offerdeck(dir.path(), &args, &env).await;
        output.push_str(&run.stdout);
        output.push_str(&run.stderr);
    }
    // A wrong secret: the error names the problem, not the secret.
    let wrong = format!("{SECRET}-wrong");
    let run = common::offerdeck(
        dir.path(),
        &["--config", &c, "offers"],
        &[
            ("OFFERDECK_DEMO_SECRET", &wrong),
            ("OFFERDECK_LOG", "trace"),
        ],
    )
    .await;
    assert_eq!(run.code, 5);
    output.push_str(&run.stdout);
    output.push_str(&run.stderr);

    let written = everything_written(dir.path());
    assert!(
        written.contains("operation started"),
        "the trace log was written"
    );
    let tokens = sim.with_state(|s| s.issued_tokens());
    assert!(!tokens.is_empty());
    for haystack in [&output, &written] {
        assert!(!haystack.contains(SECRET), "the client secret leaked");
        for token in &tokens {
            assert!(!haystack.contains(token.as_str()), "a bearer token leaked");
        }
        assert!(
            !haystack.to_lowercase().contains("bearer sim-"),
            "an Authorization header leaked"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_a_command_never_leaks() {
    let mut options = SimOptions::demo(common::FAST);
    options.static_token = Some(TOKEN.into());
    let sim = Simulator::start(([127, 0, 0, 1], 0).into(), options)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The command reads the token from a file outside the data folder (it gets a minimal
    // environment, so not from a variable of ours).
    let vault = tempfile::tempdir().unwrap();
    let token_file = vault.path().join("token");
    std::fs::write(&token_file, TOKEN).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[api]\nbase_url = \"{}\"\npoll_interval = \"100ms\"\npoll_interval_max = \"100ms\"\n[auth]\ntoken_command = \"cat {}\"\n[[offers]]\npublisher = \"contoso\"\noffer = \"contoso-vm\"\n",
            sim.base_url(),
            token_file.display()
        ),
    )
    .unwrap();
    let c = config.display().to_string();
    let env = [("OFFERDECK_LOG", "trace")];
    let run = common::offerdeck(
        dir.path(),
        &["--config", &c, "publish", "contoso/contoso-vm", "--wait"],
        &env,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run2 = common::offerdeck(
        dir.path(),
        &["--config", &c, "status", "northwind/northwind-app"],
        &env,
    )
    .await;
    assert_eq!(run2.code, 5);
    let all = format!(
        "{}{}{}{}{}",
        run.stdout,
        run.stderr,
        run2.stdout,
        run2.stderr,
        everything_written(dir.path())
    );
    assert!(!all.contains(TOKEN), "the token leaked");
}

type Seen = Arc<Mutex<Vec<String>>>;

/// A loopback server that records every Authorization header it is sent.
async fn attacker() -> (std::net::SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
        let record = record.clone();
        async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("<none>")
                .to_string();
            record.lock().unwrap().push(auth);
            "{}"
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, seen)
}

/// The "API": its 202 points at the attacker, and every GET redirects there.
async fn hostile_api(target: std::net::SocketAddr) -> std::net::SocketAddr {
    use axum::http::StatusCode;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| async move {
        let elsewhere = format!("http://{target}/api/publishers/p/offers/o/operations/1");
        let status = if uri.path().ends_with("/publish") {
            StatusCode::ACCEPTED
        } else {
            StatusCode::TEMPORARY_REDIRECT
        };
        (status, [("location", elsewhere)])
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test]
async fn the_token_is_never_sent_to_another_origin() {
    let (evil, seen) = attacker().await;
    let api = hostile_api(evil).await;
    let settings = offerdeck::api::ClientSettings {
        base_url: format!("http://{api}/").parse().unwrap(),
        retry: offerdeck::api::http::retry::RetryPolicy {
            max_retries: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    let client = common::client_with(
        settings,
        TokenSource::Static {
            token: Secret::new(TOKEN),
            origin: "test".into(),
        },
    );
    let err = client
        .start(OpKind::Publish, "p", "o", &[])
        .await
        .unwrap_err();
    assert!(matches!(&err, ApiError::UntrustedUrl { .. }), "{err:?}");
    assert!(!err.to_string().contains(TOKEN));
    let err = client.offer_status("p", "o").await.unwrap_err();
    assert!(
        matches!(&err, ApiError::UntrustedUrl { reason, .. } if reason.contains("redirect")),
        "{err:?}"
    );
    let err = client
        .get_operation(
            &format!("http://{evil}/api/publishers/p/offers/o/operations/1")
                .parse()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::UntrustedUrl { .. }));
    assert!(
        seen.lock().unwrap().is_empty(),
        "the attacker was contacted: {:?}",
        seen.lock().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_off_loopback_is_refused_in_config() {
    let dir = tempfile::tempdir().unwrap();
    for (key, section) in [("base_url", "api"), ("authority", "auth")] {
        let path = dir.path().join(format!("{key}.toml"));
        std::fs::write(
            &path,
            format!("[{section}]\n{key} = \"http://cloudpartner.example.com\"\n"),
        )
        .unwrap();
        let run = common::offerdeck(
            dir.path(),
            &["--config", &path.display().to_string(), "offers"],
            &[],
        )
        .await;
        assert_eq!(run.code, 2, "{key}: {}", run.stderr);
        assert!(
            run.stderr.contains(":2:") && run.stderr.contains("plain http"),
            "{}",
            run.stderr
        );
    }
}
