//! The simulated Product Ingestion API over real HTTP: a publish to preview, go-live with the
//! preview's submission id, and the checks every request gets. The clock is manual, so hours
//! of certification pass in one call.

mod common;

use std::time::Duration;

use offerdeck::api::ingestion::types::{ConfigureStatus, Page, Product, Submission};
use offerdeck::backend::ingestion::derive_status;
use offerdeck::domain::Status;
use offerdeck::sim::Simulator;
use serde_json::{Value, json};

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn new(sim: &Simulator) -> Api {
        let http = reqwest::Client::new();
        let root = sim.base_url().to_string();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", "offerdeck-demo"),
            ("client_secret", "demo-secret"),
            ("resource", "https://graph.microsoft.com"),
        ];
        let answer: Value = http
            .post(format!("{root}test-tenant/oauth2/token"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Api {
            http,
            base: format!("{root}rp/product-ingestion"),
            token: answer["access_token"].as_str().unwrap().to_string(),
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn status(&self, guid: &str) -> (Status, Vec<Submission>) {
        let (code, body) = self
            .get(&format!("submission/{guid}?$version=2022-03-01-preview2"))
            .await;
        assert_eq!(code, 200, "{body}");
        let page: Page<Submission> = serde_json::from_value(body).unwrap();
        (derive_status(&page.value, None), page.value)
    }
}

/// A manual-clock simulator whose tokens outlast the hours these tests skip over.
async fn simulator() -> Simulator {
    let mut options = offerdeck::sim::SimOptions::demo(1.0);
    options.clock = common::manual_clock();
    options.settings.token_lifetime = Duration::from_secs(30 * 86_400);
    common::simulator_with(options).await
}

fn submission(product: &str, target: &str, id: Option<&str>) -> Value {
    let mut resource = json!({
        "$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2",
        "product": product,
        "target": {"targetType": target},
    });
    if let Some(id) = id {
        resource["id"] = json!(id);
    }
    json!({
        "$schema": "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2",
        "resources": [resource],
    })
}

#[tokio::test]
async fn a_product_goes_to_preview_then_live_over_http() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;

    let (code, body) = api
        .get("product?$version=2022-03-01-preview2&externalId=alpha")
        .await;
    assert_eq!(code, 200);
    let products: Page<Product> = serde_json::from_value(body).unwrap();
    assert_eq!(products.value.len(), 1);
    let product = &products.value[0];
    let guid = product.guid().unwrap().to_string();
    assert_eq!(api.status(&guid).await.0, Status::NeverPublished);

    let (code, body) = api
        .post(
            "configure?$version=2022-03-01-preview2",
            &submission(&product.id, "preview", None),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    let job: ConfigureStatus = serde_json::from_value(body).unwrap();
    assert!(job.job_status.is_active());

    sim.advance(Duration::from_secs(600));
    assert_eq!(api.status(&guid).await.0, Status::Running);
    sim.advance(Duration::from_secs(3 * 3_600));
    let (code, body) = api
        .get(&format!(
            "configure/{}/status?$version=2022-03-01-preview2",
            job.job_id
        ))
        .await;
    assert_eq!(code, 200);
    let done: ConfigureStatus = serde_json::from_value(body).unwrap();
    assert_eq!(done.job_result.as_str(), "succeeded");
    let (status, submissions) = api.status(&guid).await;
    assert_eq!(status, Status::WaitingForPublisherReview);

    let preview = submissions
        .iter()
        .find(|s| s.target.target_type.as_str() == "preview")
        .unwrap();
    let (code, body) = api
        .post(
            "configure?$version=2022-03-01-preview2",
            &submission(&product.id, "live", Some(&preview.id)),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    sim.advance(Duration::from_secs(2 * 3_600));
    assert_eq!(api.status(&guid).await.0, Status::Succeeded);
    sim.stop().await;
}

#[tokio::test]
async fn requests_without_a_token_or_with_an_unknown_version_are_refused() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    let (code, body) = api.get("product?$version=1999-01-01").await;
    assert_eq!(code, 400);
    assert_eq!(body["error"]["code"], "badRequest");
    // Many clients omit $version; the service accepts that.
    assert_eq!(api.get("product").await.0, 200);

    let anonymous = reqwest::Client::new()
        .get(format!("{}/product", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let (code, body) = api.get("configure/no-such-job/status").await;
    assert_eq!(code, 404);
    assert_eq!(body["error"]["code"], "notFound");
    // The service matches literal segments without regard to case.
    assert_eq!(api.get("Product?externalId=BETA").await.0, 200);
    sim.stop().await;
}

#[tokio::test]
async fn the_version_asked_for_caps_the_schema_of_each_resource_read() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    let (_, found) = api.get("product?externalId=alpha").await;
    let product = found["value"][0]["id"].as_str().unwrap().to_string();
    let guid = product.trim_start_matches("product/");
    let tech_schema = |tree: &Value| {
        tree["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["$schema"].as_str())
            .find(|s| s.contains("/virtual-machine-plan-technical-configuration/"))
            .unwrap()
            .to_string()
    };
    // The newest shape, with a version past it or with none.
    for query in ["&$version=2022-07-01", ""] {
        let (code, tree) = api
            .get(&format!(
                "resource-tree/product/{guid}?targetType=draft{query}"
            ))
            .await;
        assert_eq!(code, 200, "{tree}");
        assert!(
            tech_schema(&tree).ends_with("/2022-03-01-preview5"),
            "{query}: {tree}"
        );
    }
    // An older version asked for: nothing newer than it comes back.
    let (_, tree) = api
        .get(&format!(
            "resource-tree/product/{guid}?targetType=draft&$version=2022-03-01-preview3"
        ))
        .await;
    assert!(
        tech_schema(&tree).ends_with("/2022-03-01-preview3"),
        "{tree}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn cancel_and_a_certification_failure_over_http() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    let (_, body) = api.post("configure", &submission_by_external("beta")).await;
    let job: ConfigureStatus = serde_json::from_value(body).unwrap();
    sim.advance(Duration::from_secs(3 * 3_600));
    let (_, body) = api.get(&format!("configure/{}/status", job.job_id)).await;
    let failed: ConfigureStatus = serde_json::from_value(body).unwrap();
    assert!(failed.is_certification_failure(), "{failed:?}");
    let (code, body) = api
        .post(&format!("configure/{}/cancel", job.job_id), &json!({}))
        .await;
    assert_eq!(code, 400);
    assert!(body.to_string().contains("already completed"));

    let (_, body) = api
        .post("configure", &submission_by_external("alpha"))
        .await;
    let job: ConfigureStatus = serde_json::from_value(body).unwrap();
    let (code, body) = api
        .post("configure", &submission_by_external("alpha"))
        .await;
    assert_eq!(code, 409, "a second publish while one runs: {body}");
    let (code, body) = api
        .post(&format!("configure/{}/cancel", job.job_id), &json!({}))
        .await;
    assert_eq!(code, 200);
    assert_eq!(body["jobResult"], "cancelled");
    sim.stop().await;
}

fn submission_by_external(external_id: &str) -> Value {
    let mut body = submission("", "preview", None);
    body["resources"][0]["product"] = json!({ "externalId": external_id });
    body
}

fn ingestion_client(sim: &Simulator) -> offerdeck::api::ingestion::client::IngestionClient {
    common::ingestion_client(sim)
}

#[tokio::test]
async fn the_client_publishes_to_preview_and_takes_it_live() {
    let sim = common::manual_simulator().await;
    let client = ingestion_client(&sim);
    assert!(
        client
            .find_product("no-such-offer")
            .await
            .unwrap()
            .is_none()
    );
    let product = client.find_product("ALPHA").await.unwrap().unwrap();
    let guid = product.guid().unwrap().to_string();

    // Nothing to take live before a preview exists: refused before anything is sent.
    let sent = client.requests_sent();
    let early = client.go_live(&product.id).await.unwrap_err();
    assert!(
        early.to_string().contains("no successful preview"),
        "{early}"
    );
    assert_eq!(
        client.requests_sent(),
        sent + 1,
        "only the submissions were read"
    );

    let job = client.publish_preview(&product.id).await.unwrap();
    assert!(job.job_status.is_active());
    let locked = client.publish_preview(&product.id).await.unwrap_err();
    assert!(
        locked.to_string().contains("already being published"),
        "{locked}"
    );

    sim.advance(Duration::from_secs(4 * 3_600));
    let done = client.job_status(&job.job_id).await.unwrap();
    assert_eq!(done.job_result.as_str(), "succeeded");
    let ready = derive_status(&client.submissions(&guid).await.unwrap(), Some(&done));
    assert_eq!(ready, Status::WaitingForPublisherReview);

    let live_job = client.go_live(&product.id).await.unwrap();
    sim.advance(Duration::from_secs(2 * 3_600));
    let live = client.job_status(&live_job.job_id).await.unwrap();
    let status = derive_status(&client.submissions(&guid).await.unwrap(), Some(&live));
    assert_eq!(status, Status::Succeeded);
    let again = client.go_live(&product.id).await.unwrap_err();
    assert!(again.to_string().contains("already live"), "{again}");

    // A job that is done cannot be cancelled; the service's words reach the caller.
    let refused = client.cancel(&live_job.job_id).await.unwrap_err();
    assert!(
        refused.to_string().contains("already completed"),
        "{refused}"
    );
    sim.stop().await;
}

#[tokio::test]
async fn throttling_carries_retry_after_and_the_client_waits_it_out() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    // epsilon answers every third request about it with 429.
    let guid = "6f1c2d3e-4a5b-4c6d-8e7f-000000000005";
    let mut throttled = None;
    for _ in 0..3 {
        let r = api
            .http
            .get(format!("{}/submission/{guid}", api.base))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 429 {
            throttled = r.headers().get("retry-after").cloned();
        }
    }
    assert_eq!(throttled.unwrap(), "1");

    // The client honours it (and reads a 500 on job status again) without the caller seeing it.
    let client = ingestion_client(&sim);
    let sent = client.requests_sent();
    for _ in 0..3 {
        client.submissions(guid).await.unwrap();
    }
    assert!(client.requests_sent() > sent + 3, "one request was retried");
    let zeta = client.find_product("zeta").await.unwrap().unwrap();
    let job = client.publish_preview(&zeta.id).await.unwrap();
    for _ in 0..3 {
        assert!(client.job_status(&job.job_id).await.is_ok());
    }
    sim.stop().await;
}

#[tokio::test]
async fn a_strict_simulator_wants_the_version_and_the_current_schema_host() {
    let mut options = offerdeck::sim::SimOptions::demo(1.0);
    options.clock = common::manual_clock();
    options.strictness = offerdeck::sim::ingestion::Strictness {
        require_version: true,
        require_schema_host: true,
    };
    let sim = common::simulator_with(options).await;
    let api = Api::new(&sim).await;
    assert_eq!(api.get("product").await.0, 400);
    assert_eq!(api.get("product?$version=2022-03-01-preview2").await.0, 200);
    // offerdeck's client sends both, so it passes.
    let client = ingestion_client(&sim);
    let eta = client.find_product("eta").await.unwrap().unwrap();
    let live = client.go_live(&eta.id).await.unwrap();
    assert!(live.job_status.is_active());
    sim.stop().await;
}

/// A page whose `@nextLink` points at another origin: the listing stops with a clear error and
/// the token never goes there.
#[tokio::test]
async fn a_next_link_to_another_origin_is_never_fetched_with_the_token() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    async fn serve(app: axum::Router) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let hits = elsewhere_hits.clone();
    let elsewhere = serve(axum::Router::new().fallback(move || {
        hits.fetch_add(1, Ordering::SeqCst);
        async { axum::Json(json!({"value": []})) }
    }))
    .await;
    let service = serve(axum::Router::new().fallback(move || async move {
        axum::Json(json!({
            "value": [{"id": "product/11111111-2222-4333-8444-555555555555",
                       "identity": {"externalId": "alpha"}, "type": "azureVirtualMachine",
                       "alias": "Alpha"}],
            "@nextLink": format!("http://{elsewhere}/rp/product-ingestion/product?page=2"),
        }))
    }))
    .await;
    let mut settings = common::fast_settings_for(&format!("http://{service}/rp/product-ingestion"));
    settings.api_version = offerdeck::api::ingestion::client::DEFAULT_VERSION.into();
    let source = offerdeck::api::TokenSource::Static {
        token: offerdeck::api::Secret::new("canary-token-for-the-ingestion-api"),
        origin: "test".into(),
    };
    let http = offerdeck::api::http::settings::http_client(
        Duration::from_secs(5),
        Duration::from_secs(10),
    )
    .unwrap();
    let client = offerdeck::api::ingestion::client::IngestionClient::new(
        settings,
        Arc::new(offerdeck::api::TokenProvider::new(source, http)),
    )
    .unwrap();
    let error = client.list_products().await.unwrap_err();
    assert!(
        matches!(error, offerdeck::api::ApiError::UntrustedUrl { .. }),
        "{error:?}"
    );
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0);
}

/// The demo restarts its simulator on the same state file: a Product Ingestion job started
/// before is still there after, and still runs to its end.
#[tokio::test]
async fn jobs_survive_a_restart_of_a_persisted_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let options = || {
        let mut options = offerdeck::sim::SimOptions::demo(1.0);
        options.clock = common::manual_clock();
        options.persist = Some(dir.path().join("simulator.json"));
        options
    };
    let sim = common::simulator_with(options()).await;
    let client = ingestion_client(&sim);
    let alpha = client.find_product("alpha").await.unwrap().unwrap();
    let job = client.publish_preview(&alpha.id).await.unwrap();
    sim.stop().await;

    let sim = common::simulator_with(options()).await;
    let client = ingestion_client(&sim);
    let status = client.job_status(&job.job_id).await.unwrap();
    assert!(status.job_status.is_active(), "{status:?}");
    sim.advance(Duration::from_secs(3 * 3_600));
    let status = client.job_status(&job.job_id).await.unwrap();
    assert_eq!(
        status.job_result,
        offerdeck::api::ingestion::types::JobResult::Succeeded
    );
    sim.stop().await;
}
