//! The response bodies recorded from the real service and its docs (in ../shared/fixtures),
//! malformed ones included, through the parsers and through the client over HTTP.

mod common;

use offerdeck::api::ApiError;
use offerdeck::api::cpp::types::{Offer, OfferSummary, OperationDetail, Submission};
use offerdeck::api::http::error::ServiceError;
use offerdeck::api::http::pointer;
use offerdeck::backend::cpp::Observe;
use offerdeck::domain::{OpKind, Status, StepState};

use common::{fixture, fixtures_dir};

#[test]
fn offers_and_lists_parse() {
    let list: Vec<OfferSummary> =
        serde_json::from_str(&fixture("azpc_list-offers_200.json")).unwrap();
    assert!(!list.is_empty());
    assert!(
        list.iter()
            .all(|o| o.status == Status::NeverPublished && o.is_migrated())
    );
    let empty: Vec<OfferSummary> =
        serde_json::from_str(&fixture("azpc_list-offers_200-empty.json")).unwrap();
    assert!(empty.is_empty());
    // The docs sample's "published" is not in the enum; it reads as live.
    let docs: Vec<OfferSummary> =
        serde_json::from_str(&fixture("msdocs_list-offers_200.json")).unwrap();
    assert_eq!(docs[0].status, Status::Succeeded);
    let waiting: OfferSummary = serde_json::from_str(&fixture(
        "azpc_get-offer_200-waitingForPublisherReview.json",
    ))
    .unwrap();
    assert_eq!(waiting.status, Status::WaitingForPublisherReview);
    let failed: OfferSummary =
        serde_json::from_str(&fixture("msdocs_get-offer_200-failed.json")).unwrap();
    assert_eq!(failed.status, Status::Failed);
    for name in [
        "pub_get-offer_200-corevm.json",
        "pub_get-offer_200-virtualmachines.json",
    ] {
        let o: OfferSummary = serde_json::from_str(&fixture(name)).unwrap();
        assert!(!o.id.is_empty(), "{name}");
        assert!(
            !matches!(o.status, Status::Unknown(_)),
            "{name}: {:?}",
            o.status
        );
    }
}

#[test]
fn operation_and_status_bodies_parse() {
    let op: OperationDetail =
        serde_json::from_str(&fixture("msdocs_get-operation_200-running-blocked.json")).unwrap();
    assert_eq!(op.status, Status::Running);
    let step = op.current_step(Some(OpKind::Publish)).unwrap();
    assert_eq!(step.id, "displaycertify");
    assert_eq!(step.status, StepState::Blocked);
    assert_eq!(
        op.failure_reason().as_deref(),
        Some("No virtual machine image was found for the plan contoso.")
    );
    assert_eq!(op.cancellation_request_state, "canCancel");

    let status: OperationDetail =
        serde_json::from_str(&fixture("msdocs_get-offer-status_200-succeeded.json")).unwrap();
    assert_eq!(status.status, Status::Succeeded);
    assert_eq!(status.steps.len(), 6);
    assert_eq!(status.steps[0].progress_percentage, Some(100));
    assert_eq!(
        status.notification_emails.as_deref(),
        Some("jdoe@contoso.com")
    );

    let subs: Vec<Submission> =
        serde_json::from_str(&fixture("msdocs_list-operations_200.json")).unwrap();
    assert_eq!(subs[0].submission_state, Status::Running);
    assert!(OpKind::Publish.matches_submission_type(&subs[0].submission_type));
}

#[test]
fn error_bodies_of_every_shape() {
    let e = ServiceError::from_body(403, &fixture("azpc_get-offer_403-forbidden.json"), None);
    assert_eq!(
        (e.code.as_deref(), e.message.as_str()),
        (
            Some("Forbidden"),
            "User does not have the required permissions"
        )
    );
    let e = ServiceError::from_body(
        404,
        &fixture("azpc_get-offer_404-cpp-product-not-found.json"),
        None,
    );
    assert_eq!(e.service.as_deref(), Some("Product"));
    assert_eq!(e.code.as_deref(), Some("Http404Exception"));
    assert!(
        e.message
            .ends_with("CPP product test-offer not found in current PC environment."),
        "{}",
        e.message
    );
    let e = ServiceError::from_body(
        400,
        &fixture("azpc_put-offer_400-offertypeid-empty.json"),
        None,
    );
    assert_eq!(e.code.as_deref(), Some("BadRequest"));
    let e = ServiceError::from_body(
        400,
        &fixture("msdocs_error_400-invalid-api-version.json"),
        None,
    );
    assert_eq!(e.code.as_deref(), Some("InvalidAPIVersion"));
    let e = ServiceError::from_body(
        409,
        &fixture("pub-issue22_put-offer_409-invalid-resource-id.json"),
        None,
    );
    assert!(
        matches!(ApiError::from_status(e), ApiError::Conflict(se) if se.code.as_deref() == Some("InvalidResourceId"))
    );
    let e = ServiceError::from_body(
        500,
        &fixture("pub-issue28_put-offer_500-variant-snapshot-conflict.json"),
        None,
    );
    assert_eq!(e.service.as_deref(), Some("Variant"));
    assert!(e.message.contains("Retry is OK"));
    // Malformed bodies still give a readable message.
    for name in [
        "msdocs_error_400-invalid-api-version.verbatim.txt",
        "pub-issue28_put-offer_500-variant-snapshot-conflict.verbatim.txt",
        "msdocs-issue54002_cpp-call_500-internal-server-error.fragment.txt",
    ] {
        let e = ServiceError::from_body(500, &fixture(name), None);
        assert!(!e.message.is_empty(), "{name}");
        assert!(e.message.chars().all(|c| !c.is_control()), "{name}");
    }
}

#[test]
fn every_documented_pointer_resolves_on_the_api_origin() {
    let doc: serde_json::Value =
        serde_json::from_str(&fixture("msdocs_lro-post_202-location-headers.json")).unwrap();
    let base: url::Url = "https://cloudpartner.azure.com".parse().unwrap();
    let mut seen = 0;
    for (key, value) in doc.as_object().unwrap() {
        let Some(line) = value.get("header_line").and_then(|v| v.as_str()) else {
            continue;
        };
        let (name, pointer_value) = line.split_once(": ").unwrap();
        assert!(
            pointer::POINTER_HEADERS.contains(&name.to_ascii_lowercase().as_str()),
            "{key}: {name}"
        );
        let url = pointer::resolve(&base, pointer_value, "2017-10-31").unwrap();
        assert_eq!(url.host_str(), Some("cloudpartner.azure.com"), "{key}");
        assert!(url.query().unwrap().contains("api-version="), "{key}");
        if pointer_value.contains('$') {
            assert!(url.path().contains('$'), "`$` stays literal: {url}");
        }
        seen += 1;
    }
    assert_eq!(seen, 5);
}

#[test]
fn every_fixture_file_is_handled_without_panic() {
    // Whatever the file, each parser either reads it or says why.
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = serde_json::from_str::<OperationDetail>(&text);
        let _ = serde_json::from_str::<Vec<OfferSummary>>(&text);
        let _ = serde_json::from_str::<Vec<Submission>>(&text);
        let e = ServiceError::from_body(500, &text, None);
        assert!(!e.message.is_empty(), "{}", path.display());
    }
}

/// Serves one fixture body at every path, as the service would.
async fn replay(body: String, status: u16) -> (url::Url, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move {
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                [("content-type", "application/json")],
                body,
            )
        }
    });
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/").parse().unwrap(), task)
}

fn replay_client(base: url::Url) -> offerdeck::api::CppClient {
    let settings = offerdeck::api::ClientSettings {
        base_url: base,
        retry: offerdeck::api::http::retry::RetryPolicy {
            max_retries: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    common::client_with(
        settings,
        offerdeck::api::TokenSource::Static {
            token: offerdeck::api::Secret::new("t"),
            origin: "test".into(),
        },
    )
}

#[tokio::test]
async fn recorded_bodies_through_the_client() {
    let (base, task) = replay(
        fixture("msdocs_get-operation_200-running-blocked.verbatim.txt"),
        200,
    )
    .await;
    let c = replay_client(base.clone());
    let url = c.operation_url("contoso", "o", "id");
    // Wrapped in [ ] with a stray brace as published: a clear decode error, not a panic.
    assert!(matches!(
        c.get_operation(&url).await,
        Err(ApiError::Decode { .. })
    ));
    task.abort();

    let (base, task) = replay(
        format!(
            "[{}]",
            fixture("msdocs_get-operation_200-running-blocked.json")
        ),
        200,
    )
    .await;
    let c = replay_client(base);
    let op = c
        .get_operation(&c.operation_url("contoso", "o", "id"))
        .await
        .unwrap();
    assert_eq!(
        op.status,
        Status::Running,
        "a one-element array is read as the object"
    );
    task.abort();

    let (base, task) = replay(
        fixture("azpc_get-offer_200-waitingForPublisherReview.json"),
        200,
    )
    .await;
    let offer: Offer = replay_client(base).get_offer("p", "o").await.unwrap();
    assert_eq!(offer.summary.status, Status::WaitingForPublisherReview);
    task.abort();

    let (base, task) = replay(
        fixture("azpc_get-offer_404-cpp-product-not-found.json"),
        404,
    )
    .await;
    assert!(matches!(
        replay_client(base).get_offer("p", "o").await,
        Err(ApiError::NotFound(_))
    ));
    task.abort();
}
