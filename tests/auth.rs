//! Where tokens come from: a command, client credentials against the simulator's fake Azure AD,
//! or the environment; caching, refresh ahead of expiry, and errors that never show a secret.

mod common;

use std::time::Duration;

use offerdeck::api::{ApiError, Secret, TokenProvider, TokenSource};
use offerdeck::config::{AuthConfig, DEFAULT_RESOURCE};
use offerdeck::sim::SimOptions;

fn provider(source: TokenSource) -> TokenProvider {
    TokenProvider::new(source, reqwest::Client::new())
}

/// Waits (10 s at most) for the process to end; `what` says which it is when it does not.
async fn ends_within_seconds(pid: i32, what: &str) {
    common::wait_until(&format!("{what} ({pid})"), Duration::from_secs(10), || {
        !alive(pid)
    })
    .await;
}

/// Whether a process still runs (a zombie waiting for a reaper has ended too).
fn alive(pid: i32) -> bool {
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|r| r.trim_start().starts_with('Z'))
    });
    // SAFETY: signal 0 only asks whether the process exists.
    !zombie && unsafe { libc::kill(pid, 0) } == 0
}

#[tokio::test]
async fn token_command_prints_a_bare_token_or_az_json() {
    let p = provider(TokenSource::Command {
        command: "printf 'bare-token-1\\n'".into(),
    });
    assert_eq!(p.token().await.unwrap().expose(), "bare-token-1");
    let p = provider(TokenSource::Command {
        command: r#"echo '{"accessToken":"az-token","expiresOn":"2099-01-01 10:00:00.000000","tokenType":"Bearer"}'"#.into(),
    });
    assert_eq!(p.token().await.unwrap().expose(), "az-token");
    // What a failing command prints on stdout is never shown; the command itself is named whole.
    let dir = tempfile::tempdir().unwrap();
    let printed = dir.path().join("printed");
    std::fs::write(&printed, "printed-secret-xyz").unwrap();
    let command = format!(
        "cat {} ; echo 'az: login required' >&2; exit 3",
        printed.display()
    );
    let p = provider(TokenSource::Command {
        command: command.clone(),
    });
    let err = p.token().await.unwrap_err().to_string();
    assert!(
        err.contains("login required") && err.contains("exit status: 3"),
        "{err}"
    );
    assert!(err.contains(&format!("`{command}`")), "{err}");
    assert!(!err.contains("printed-secret-xyz"), "{err}");
}

#[tokio::test]
async fn a_token_command_that_leaves_a_child_holding_its_output_gives_its_token_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("child.pid");
    // The child keeps stdout open for a minute and a half; the token is printed at once.
    let p = provider(TokenSource::Command {
        command: format!(
            "sleep 90 & echo $! > {}; echo tok-background-abcdef",
            pidfile.display()
        ),
    });
    let token = tokio::time::timeout(Duration::from_secs(20), p.token())
        .await
        .expect("not held until the child ends (60 s before)")
        .unwrap();
    assert_eq!(token.expose(), "tok-background-abcdef");
    // And the child went with the command.
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    ends_within_seconds(pid, "the child outlived the command").await;
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_grandchild_that_leaves_the_process_group_goes_with_the_token_command() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("escaped.pid");
    // `setsid` takes it out of the command's process group (and session).
    let p = provider(TokenSource::Command {
        command: format!(
            "setsid sh -c 'echo $$ > {}; exec sleep 90' & sleep 0.2; echo tok-escaped-abcdef",
            pidfile.display()
        ),
    });
    let token = tokio::time::timeout(Duration::from_secs(20), p.token())
        .await
        .expect("not held until the grandchild ends")
        .unwrap();
    assert_eq!(token.expose(), "tok-escaped-abcdef");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    ends_within_seconds(pid, "the escaped grandchild outlived the command").await;
}

#[tokio::test]
async fn client_credentials_are_cached_and_refreshed_before_expiry() {
    let mut options = SimOptions::demo(common::FAST);
    options.settings.token_lifetime = Duration::from_secs(2);
    options.clock = common::manual_clock();
    let sim = common::simulator_with(options).await;
    let p = provider(common::credentials(&sim)).with_clock(sim.clock().clone());
    let first = p.token().await.unwrap();
    sim.advance(Duration::from_millis(900));
    assert_eq!(p.token().await.unwrap(), first, "cached while fresh");
    // Refreshed halfway through a short lifetime, before the service would refuse it.
    sim.advance(Duration::from_millis(300));
    let second = p.token().await.unwrap();
    assert_ne!(second, first);
    let now = sim.clock().now();
    assert!(sim.with_state(|s| {
        s.principal(
            second.expose(),
            offerdeck::sim::model::tokens::Audience::CloudPartner,
            now,
        )
        .is_ok()
    }));
    assert!(
        sim.with_state(|s| s
            .principal(
                first.expose(),
                offerdeck::sim::model::tokens::Audience::CloudPartner,
                now
            )
            .is_ok()),
        "the old token was replaced before it expired"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_a_clear_error_without_the_secret() {
    let sim = common::simulator(common::FAST).await;
    let source = TokenSource::ClientCredentials {
        authority: sim.base_url(),
        tenant_id: "t".into(),
        client_id: "offerdeck-demo".into(),
        client_secret: Secret::new("not-the-secret-42"),
        resource: DEFAULT_RESOURCE.into(),
    };
    let err = provider(source).token().await.unwrap_err();
    assert!(matches!(err, ApiError::Token(_)));
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("HTTP 401") && text.contains("Invalid client secret"),
        "{text}"
    );
    assert!(!text.contains("not-the-secret-42"), "{text}");
}

#[test]
fn the_token_variable_wins_over_the_config() {
    let var = "OFFERDECK_TEST_TOKEN_PRECEDENCE";
    let auth = AuthConfig {
        token_env: var.into(),
        token_command: Some("echo from-command".into()),
        resource: DEFAULT_RESOURCE.into(),
        ..AuthConfig::default()
    };
    let path = std::path::Path::new("c.toml");
    assert!(matches!(
        offerdeck::engine::wiring::token_source(&auth, path).unwrap(),
        TokenSource::Command { .. }
    ));
    // SAFETY: this variable name is used by this test only; nothing else reads it.
    unsafe { std::env::set_var(var, "env-token") };
    let source = offerdeck::engine::wiring::token_source(&auth, path).unwrap();
    unsafe { std::env::remove_var(var) };
    assert!(matches!(&source, TokenSource::Static { token, .. } if token.expose() == "env-token"));
    let none = AuthConfig {
        token_env: "OFFERDECK_TEST_UNSET_VAR".into(),
        resource: DEFAULT_RESOURCE.into(),
        ..AuthConfig::default()
    };
    let err = offerdeck::engine::wiring::token_source(&none, path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("$OFFERDECK_TEST_UNSET_VAR") && err.contains("c.toml"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_one_token_fetch_even_when_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let p = std::sync::Arc::new(provider(TokenSource::Command {
        command: format!(
            "echo run >> {}; sleep 0.3; echo 'login required' >&2; exit 1",
            runs.display()
        ),
    }));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.token().await })
        })
        .collect();
    for t in tasks {
        let err = t.await.unwrap().unwrap_err();
        assert!(err.to_string().contains("login required"), "{err}");
    }
    let count = std::fs::read_to_string(&runs).unwrap().lines().count();
    assert_eq!(count, 1, "one fetch for every waiting request");
}
