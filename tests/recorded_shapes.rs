//! Bodies in the shapes the peers' recordings show (Red Hat's cloudpub and SUSE's
//! azure-img-utils test suites recorded them from the real Product Ingestion service; these are
//! written anew from what those show, with our own ids), served from loopback to the real
//! client: what it reads of them, and what it refuses to send.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::routing::{get, post};
use offerdeck::api::ingestion::client::IngestionClient;
use offerdeck::api::{ApiError, Secret, TokenProvider, TokenSource};
use serde_json::{Value, json};

const GUID: &str = "7a1c0000-0000-4000-8000-00000000b001";

/// A service answering `GET submission/{guid}` with `submissions`, counting the POSTs it gets.
async fn serve(submissions: Value) -> (String, Arc<AtomicUsize>) {
    serve_with(submissions, json!({"value": []})).await
}

/// The same, answering `GET product` with `products`.
async fn serve_with(submissions: Value, products: Value) -> (String, Arc<AtomicUsize>) {
    let posts = Arc::new(AtomicUsize::new(0));
    let counted = posts.clone();
    let app = axum::Router::new()
        .route(
            "/product",
            get(move || {
                let body = products.clone();
                async move { Json(body) }
            }),
        )
        .route(
            "/submission/{guid}",
            get(move || {
                let body = submissions.clone();
                async move { Json(body) }
            }),
        )
        .route(
            "/configure",
            post(move || {
                counted.fetch_add(1, Ordering::SeqCst);
                async { Json(json!({"jobId": "j-1", "jobStatus": "notStarted"})) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/"), posts)
}

fn client(base: &str) -> IngestionClient {
    let source = TokenSource::Static {
        token: Secret::new("recorded-shapes-token"),
        origin: "the test".into(),
    };
    let http = offerdeck::api::http::settings::http_client(
        Duration::from_secs(5),
        Duration::from_secs(10),
    )
    .unwrap();
    let provider = Arc::new(TokenProvider::new(source, http));
    let mut settings = common::fast_settings_for(base);
    settings.api_version = offerdeck::api::ingestion::client::DEFAULT_VERSION.into();
    IngestionClient::new(settings, provider).unwrap()
}

fn entry(target: &str, id: Option<&str>, status: &str, result: &str, created: &str) -> Value {
    let mut e = json!({
        "$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2",
        "product": format!("product/{GUID}"),
        "target": {"targetType": target},
        "status": status, "result": result, "created": created,
    });
    if let Some(id) = id {
        e["id"] = json!(format!("submission/{GUID}/{id}"));
    }
    e
}

#[tokio::test]
async fn a_go_live_over_a_preview_without_an_id_is_refused_here_and_nothing_is_sent() {
    let (base, posts) = serve(json!({"value": [
        {"id": format!("submission/{GUID}/0"), "product": format!("product/{GUID}"),
         "target": {"targetType": "draft"}},
        entry("live", Some("1152921505697000001"), "completed", "succeeded", "2026-01-10T08:00:00Z"),
        // cloudpub's recordings hold a preview entry with no id.
        {"product": format!("product/{GUID}"), "target": {"targetType": "preview"},
         "status": "completed", "result": "succeeded", "created": "2026-02-01T08:00:00Z"},
    ]}))
    .await;
    let error = client(&base)
        .go_live(&format!("product/{GUID}"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ApiError::NotReady(why) if why.contains("no id")),
        "{error:?}"
    );
    assert_eq!(posts.load(Ordering::SeqCst), 0, "nothing may be sent");
}

#[tokio::test]
async fn a_go_live_names_the_newest_successful_preview() {
    let (base, posts) = serve(json!({"value": [
        entry("preview", Some("1152921505697000002"), "completed", "succeeded", "2026-01-05T08:00:00Z"),
        entry("live", Some("1152921505697000002"), "completed", "succeeded", "2026-01-06T08:00:00Z"),
        entry("preview", Some("1152921505697000009"), "completed", "succeeded", "2026-02-01T08:00:00Z"),
    ]}))
    .await;
    // The older preview is live already; the newer one is what waits.
    let job = client(&base)
        .go_live(&format!("product/{GUID}"))
        .await
        .unwrap();
    assert_eq!(job.job_id, "j-1");
    assert_eq!(posts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_product_without_an_external_id_is_listed_by_its_guid_with_why_it_cannot_be_added() {
    let product = |guid: &str, identity: Value, alias: &str| {
        json!({
            "$schema": "https://schema.mp.microsoft.com/schema/product/2022-03-01-preview2",
            "id": format!("product/{guid}"), "identity": identity,
            "type": "azureVirtualMachine", "alias": alias,
        })
    };
    let (base, _) = serve_with(
        json!({"value": []}),
        json!({"value": [
            product(GUID, json!({"externalId": "named-vm"}), "Named VM"),
            // azure-img-utils' recordings hold a product listed with no identity at all.
            {"id": "product/7a1c0000-0000-4000-8000-00000000b002", "type": "azureVirtualMachine",
             "alias": "Nameless VM"},
        ]}),
    )
    .await;
    let backend = offerdeck::backend::Backend::Ingestion(
        offerdeck::backend::IngestionBackend::new(client(&base)),
    );
    let listed = backend.list_offers("contoso").await.unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0].id.to_string(), "contoso/named-vm");
    assert_eq!(listed[0].unusable, None);
    let nameless = &listed[1];
    assert_eq!(
        nameless.id.to_string(),
        "contoso/7a1c0000-0000-4000-8000-00000000b002"
    );
    assert_eq!(nameless.name, "Nameless VM");
    assert!(
        nameless
            .unusable
            .as_deref()
            .is_some_and(|why| why.contains("no externalId")),
        "{nameless:?}"
    );
}

/// Each call says the `$version` Microsoft documents for it: resource trees are read as
/// preview5 (the technical configuration's newest shape), everything else as preview2.
#[tokio::test]
async fn resource_trees_are_read_with_their_own_version_and_other_calls_with_the_default() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let heard = seen.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let heard = heard.clone();
        async move {
            heard.lock().unwrap().push(uri.to_string());
            Json(json!({"value": [], "resources": []}))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = client(&format!("http://{addr}/"));
    client.resource_tree(GUID, "preview").await.unwrap();
    client.submissions(GUID).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen[0].starts_with(&format!("/resource-tree/product/{GUID}?"))
            && seen[0].contains("%24version=2022-03-01-preview5")
            && seen[0].contains("targetType=preview")
            && !seen[0].contains("preview2"),
        "{seen:?}"
    );
    assert!(
        seen[1].contains("%24version=2022-03-01-preview2"),
        "{seen:?}"
    );
    let custom = offerdeck::api::ingestion::client::IngestionClient::with_tree_version(
        self::client(&format!("http://{addr}/")),
        "2022-07-01",
    );
    custom.resource_tree(GUID, "live").await.unwrap();
}
