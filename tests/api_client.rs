//! The API client against the simulator over real loopback HTTP: every endpoint, every pointer
//! style, auth refresh, retries by class, and refusal of foreign origins.

mod common;

use std::time::Duration;

use offerdeck::api::{ApiError, TokenSource};
use offerdeck::backend::cpp::Observe;
use offerdeck::domain::{OpKind, Status, StepState};
use offerdeck::sim::{Behaviour, OfferSpec, PointerStyle, SimOptions};

use common::*;

#[tokio::test]
async fn lists_offers_and_reads_offer_and_status() {
    let sim = simulator(FAST).await;
    let c = client(&sim);
    let offers = c.list_offers("contoso").await.unwrap();
    let ids: Vec<&str> = offers.iter().map(|o| o.id.as_str()).collect();
    assert!(ids.contains(&"contoso-vm") && ids.contains(&"contoso-gateway"));
    assert!(offers.iter().all(|o| o.status == Status::NeverPublished));
    let offer = c.get_offer("fabrikam", "fabrikam-ml").await.unwrap();
    assert_eq!(offer.summary.status, Status::Succeeded);
    assert!(offer.etag.as_deref().unwrap().starts_with("W/\"datetime'"));
    assert!(offer.document["definition"]["plans"].is_array());
    let status = c.offer_status("contoso", "contoso-vm").await.unwrap();
    assert_eq!(status.status, Status::NeverPublished);
}

#[tokio::test]
async fn publish_follows_each_pointer_style_to_signoff() {
    let sim = manual_simulator().await;
    let c = client(&sim);
    // Location (migrated), legacy `$` path, absolute Operation-Location, and no header at all.
    for (publisher, offer, via) in [
        ("contoso", "contoso-vm", "location"),
        ("fabrikam", "fabrikam-db", "operation-location"),
        ("fabrikam", "fabrikam-ml", "submissions"),
    ] {
        let started = c
            .start(
                OpKind::Publish,
                publisher,
                offer,
                &["ops@contoso.com".into()],
            )
            .await
            .unwrap();
        assert_eq!(started.found_via, via, "{offer}");
        assert_eq!(started.url.origin(), sim.base_url().origin());
        assert!(
            started
                .url
                .query()
                .unwrap()
                .contains("api-version=2017-10-31")
        );
        let op = c.get_operation(&started.url).await.unwrap();
        assert!(op.status.is_active(), "{offer}: {:?}", op.status);
        assert!(sim.advance(TO_SIGNOFF));
        let op = c.get_operation(&started.url).await.unwrap();
        assert_eq!(
            op.effective_status(),
            Status::WaitingForPublisherReview,
            "{offer}"
        );
        // The observed shape: top level still `running`, the signoff step waiting.
        assert_eq!(op.status, Status::Running);
        assert!(
            op.steps
                .iter()
                .any(|s| s.is_signoff() && s.status == StepState::WaitingForPublisherReview)
        );
        assert_eq!(op.progress(Some(OpKind::Publish)), 100);
    }
    let legacy = c
        .start(OpKind::Publish, "contoso", "contoso-gateway", &[])
        .await
        .unwrap();
    assert!(
        legacy
            .url
            .path()
            .contains("/api/operations/contoso$contoso-gateway$"),
        "{}",
        legacy.url
    );
    let op = c.get_operation(&legacy.url).await.unwrap();
    assert!(op.status.is_active());
}

#[tokio::test]
async fn rejection_carries_every_validation_detail() {
    let sim = simulator(FAST).await;
    let c = client(&sim);
    let err = c
        .start(OpKind::Publish, "contoso", "contoso-analytics", &[])
        .await
        .unwrap_err();
    let ApiError::Validation(se) = &err else {
        panic!("expected a 422, got {err:?}")
    };
    assert_eq!(se.status, 422);
    assert_eq!(se.code.as_deref(), Some("ValidationFailed"));
    assert_eq!(se.details.len(), 3);
    assert!(se.details[0].contains("vmImages"));
    assert!(se.correlation_id.is_some());
    // Retrying goes through.
    c.start(OpKind::Publish, "contoso", "contoso-analytics", &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_lost_answer_to_publish_is_not_sent_twice() {
    let sim = simulator(FAST).await;
    let c = client(&sim);
    let started = c
        .start(OpKind::Publish, "fabrikam", "fabrikam-web", &[])
        .await
        .unwrap();
    assert!(started.adopted, "the running operation is adopted");
    assert_eq!(started.found_via, "submissions");
    assert_eq!(
        sim.with_state(|s| s.post_count("fabrikam", "fabrikam-web", "publish")),
        1
    );
}

#[tokio::test]
async fn throttling_and_transient_errors_are_retried_within_bounds() {
    let sim = simulator(FAST).await;
    let c = client(&sim);
    // Every 3rd request on fabrikam-db is a 429 with Retry-After: 1.
    let before = c.requests_sent();
    let started = std::time::Instant::now();
    for _ in 0..3 {
        c.offer_status("fabrikam", "fabrikam-db").await.unwrap();
    }
    assert_eq!(c.requests_sent() - before, 4, "one retry for the one 429");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was honoured"
    );
    // Every 4th GET on fabrikam-web is a 500 with the shim body.
    let before = c.requests_sent();
    for _ in 0..4 {
        c.offer_status("fabrikam", "fabrikam-web").await.unwrap();
    }
    assert_eq!(c.requests_sent() - before, 5);
}

#[tokio::test]
async fn server_errors_give_up_after_the_configured_retries() {
    let mut options = SimOptions::demo(FAST);
    options
        .offers
        .push(
            OfferSpec::plain("contoso", "always-500").with_behaviour(Behaviour::Flaky {
                every: 1,
                lose_first_accept: false,
            }),
        );
    let sim = simulator_with(options).await;
    let mut settings = fast_settings(&sim);
    settings.retry.max_retries = 2;
    let c = client_with(settings, credentials(&sim));
    let err = c.offer_status("contoso", "always-500").await.unwrap_err();
    let ApiError::Server(se) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(se.status, 500);
    assert_eq!(se.service.as_deref(), Some("Variant"));
    assert!(se.message.contains("Retry is OK"));
    assert!(
        !se.message.contains("   at "),
        "stack trace cut: {}",
        se.message
    );
    assert_eq!(c.requests_sent(), 3);
}

#[tokio::test]
async fn errors_are_classified() {
    let sim = simulator(FAST).await;
    let c = client(&sim);
    assert!(
        matches!(c.offer_status("northwind", "northwind-app").await, Err(ApiError::Auth(e)) if e.status == 403)
    );
    match c.offer_status("contoso", "missing").await {
        Err(ApiError::NotFound(e)) => {
            assert_eq!(e.code.as_deref(), Some("Http404Exception"));
            assert_eq!(e.service.as_deref(), Some("Product"));
        }
        other => panic!("{other:?}"),
    }
    // Go live before sign-off is refused, and not retried.
    let before = c.requests_sent();
    assert!(
        matches!(c.start(OpKind::GoLive, "contoso", "contoso-vm", &[]).await, Err(ApiError::Refused(e)) if e.status == 400)
    );
    assert_eq!(c.requests_sent() - before, 1);
    // A wrong api-version is the documented 400 body.
    let mut settings = fast_settings(&sim);
    settings.api_version = "2099-01-01".into();
    let bad = client_with(settings, credentials(&sim));
    match bad.list_offers("contoso").await {
        Err(ApiError::Refused(e)) => assert_eq!(e.code.as_deref(), Some("InvalidAPIVersion")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_401_refreshes_the_token_once() {
    let sim = simulator(FAST).await;
    let c = client(&sim);
    c.list_offers("contoso").await.unwrap();
    sim.with_state(|s| s.expire_tokens());
    c.list_offers("contoso")
        .await
        .expect("the token is refreshed after the 401");
    // A static token that is rejected fails clearly after one refresh.
    let bad = client_with(
        fast_settings(&sim),
        TokenSource::Static {
            token: offerdeck::api::Secret::new("nope-token-123"),
            origin: "$OFFERDECK_TOKEN".into(),
        },
    );
    let err = bad.list_offers("contoso").await.unwrap_err();
    assert!(matches!(&err, ApiError::Auth(e) if e.status == 401));
    assert!(err.to_string().contains("$OFFERDECK_TOKEN"));
    assert!(!err.to_string().contains("nope-token-123"));
    assert_eq!(bad.requests_sent(), 2);
}

#[tokio::test]
async fn cancel_reaches_canceled_and_submissions_show_it() {
    let sim = manual_simulator().await;
    let c = client(&sim);
    let started = c
        .start(OpKind::Publish, "contoso", "contoso-vm", &[])
        .await
        .unwrap();
    let cancel = c
        .start(OpKind::Cancel, "contoso", "contoso-vm", &[])
        .await
        .unwrap();
    assert_eq!(cancel.url, started.url);
    // The service takes a minute or two to land a cancel.
    let op = c.get_operation(&started.url).await.unwrap();
    assert!(op.status.is_active(), "{:?}", op.status);
    sim.advance(Duration::from_secs(180));
    let op = c.get_operation(&started.url).await.unwrap();
    assert_eq!(op.status, Status::Canceled);
    let subs = c
        .list_submissions("contoso", "contoso-vm", None)
        .await
        .unwrap();
    assert_eq!(subs[0].submission_state, Status::Canceled);
    assert!(
        c.running_submission("contoso", "contoso-vm")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn plain_http_is_refused_off_loopback() {
    let settings = offerdeck::api::ClientSettings {
        base_url: "http://cloudpartner.example.com".parse().unwrap(),
        ..Default::default()
    };
    let http =
        offerdeck::api::http::settings::http_client(Duration::from_secs(1), Duration::from_secs(1))
            .unwrap();
    let provider = std::sync::Arc::new(offerdeck::api::TokenProvider::new(
        TokenSource::Static {
            token: offerdeck::api::Secret::new("x"),
            origin: "t".into(),
        },
        http,
    ));
    let err = offerdeck::api::CppClient::new(settings, provider).unwrap_err();
    assert!(err.to_string().contains("plain http"), "{err}");
}

#[tokio::test]
async fn unreachable_service_is_reported_after_retries() {
    // Bind then drop a listener, so the port is (almost certainly) closed.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let settings = offerdeck::api::ClientSettings {
        base_url: format!("http://{addr}/").parse().unwrap(),
        retry: offerdeck::api::http::retry::RetryPolicy {
            first: Duration::from_millis(5),
            cap: Duration::from_millis(20),
            max_retries: 2,
            budget: offerdeck::api::http::retry::DEFAULT_BUDGET,
        },
        ..Default::default()
    };
    let c = client_with(
        settings,
        TokenSource::Static {
            token: offerdeck::api::Secret::new("x"),
            origin: "t".into(),
        },
    );
    match c.list_offers("p").await {
        Err(ApiError::Unreachable { attempts, .. }) => assert_eq!(attempts, 3),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn go_live_after_signoff_reaches_succeeded() {
    let sim = manual_simulator().await;
    let c = client(&sim);
    let publish = c
        .start(OpKind::Publish, "contoso", "contoso-vm", &[])
        .await
        .unwrap();
    sim.advance(TO_SIGNOFF);
    assert_eq!(
        c.get_operation(&publish.url)
            .await
            .unwrap()
            .effective_status(),
        Status::WaitingForPublisherReview
    );
    let golive = c
        .start(OpKind::GoLive, "contoso", "contoso-vm", &[])
        .await
        .unwrap();
    assert_ne!(golive.url, publish.url);
    let op = c.get_operation(&golive.url).await.unwrap();
    assert!(op.status.is_active(), "{:?}", op.status);
    sim.advance(TO_LIVE);
    let op = c.get_operation(&golive.url).await.unwrap();
    assert_eq!(op.status, Status::Succeeded);
    let offer = c.get_offer("contoso", "contoso-vm").await.unwrap();
    assert_eq!(offer.summary.status, Status::Succeeded);
    assert_eq!(offer.summary.version, Some(1));
    assert_eq!(
        c.get_operation(&publish.url).await.unwrap().status,
        Status::Succeeded
    );
}

#[tokio::test]
async fn simulator_routes_accept_trailing_slashes_and_case() {
    let mut options = SimOptions::demo(FAST);
    options
        .offers
        .push(OfferSpec::plain("contoso", "loc-only").with_pointer(PointerStyle::Location));
    let sim = simulator_with(options).await;
    let c = client(&sim);
    // The client's own URL plus a trailing slash, through the raw HTTP client.
    let token = match credentials(&sim) {
        TokenSource::ClientCredentials { .. } => {
            let p = offerdeck::api::TokenProvider::new(credentials(&sim), reqwest::Client::new());
            p.token().await.unwrap()
        }
        _ => unreachable!(),
    };
    let url = format!(
        "{}api/publishers/contoso/offers/contoso-vm/SUBMISSIONS/?api-version=2017-10-31",
        sim.base_url()
    );
    let r = reqwest::Client::new()
        .get(&url)
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-ms-correlation-request-id"));
    let r = reqwest::Client::new()
        .get(format!(
            "{}api/publishers/contoso/offers/contoso-vm/slot/Preview?api-version=2017-10-31",
            sim.base_url()
        ))
        .bearer_auth(token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "no preview before a publish");
    let r = reqwest::Client::new()
        .get(format!(
            "{}api/publishers/contoso/offers?api-version=2017-10-31",
            sim.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "no token, no answer");
    drop(c);
}

#[test]
fn path_segments_are_percent_encoded() {
    let settings = offerdeck::api::ClientSettings::default();
    let c = client_with(
        settings,
        TokenSource::Static {
            token: offerdeck::api::Secret::new("x"),
            origin: "t".into(),
        },
    );
    let url = c.offer_url("con toso", Some("a/b#c?d"), &["status"]);
    assert_eq!(
        url.path(),
        "/api/publishers/con%20toso/offers/a%2Fb%23c%3Fd/status"
    );
    assert_eq!(url.query(), Some("api-version=2017-10-31"));
}

#[tokio::test]
async fn the_backend_lists_and_resolves_offers() {
    let sim = simulator(FAST).await;
    let backend =
        offerdeck::backend::Backend::Cpp(offerdeck::backend::CppBackend::new(client(&sim)));
    let listed = backend.list_offers("contoso").await.unwrap();
    let ids: Vec<String> = listed.iter().map(|o| o.id.to_string()).collect();
    assert!(ids.contains(&"contoso/contoso-vm".to_string()), "{ids:?}");
    assert!(listed.iter().all(|o| !o.name.is_empty()));
    let ml: offerdeck::domain::OfferId = "FABRIKAM/fabrikam-ml".parse().unwrap();
    let found = backend.resolve(&ml).await.unwrap();
    assert_eq!(found.status, Status::Succeeded);
    assert_eq!(found.id, ml);
    let missing: offerdeck::domain::OfferId = "contoso/nope".parse().unwrap();
    assert!(matches!(
        backend.resolve(&missing).await,
        Err(ApiError::NotFound(_))
    ));
}
