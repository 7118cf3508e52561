//! The simulated Product Ingestion API as the maintained peers meet it, over real HTTP on
//! loopback: whole VM offer trees, a draft that configure edits at once and that publishes and
//! go-lives carry to preview and live, a job's detail, and the 400s that name the field.
//! The clock is manual: hours of certification pass in one call, no test sleeps.

mod common;

use std::time::Duration;

use offerdeck::sim::Simulator;
use serde_json::{Value, json};

const ALPHA: &str = "6f1c2d3e-4a5b-4c6d-8e7f-000000000001";
const CONFIGURE: &str = "https://schema.mp.microsoft.com/schema/configure/2022-07-01";
/// A preview's certification, then some, in service time.
const TO_PREVIEW: Duration = Duration::from_secs(3 * 3_600);

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
            ("scope", "https://graph.microsoft.com/.default"),
        ];
        let answer: Value = http
            .post(format!("{root}t/oauth2/v2.0/token"))
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

    async fn configure(&self, resources: Vec<Value>) -> (u16, Value) {
        let body = json!({"$schema": CONFIGURE, "resources": resources});
        let r = self
            .http
            .post(format!("{}/configure", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn tree(&self, target: &str) -> (u16, Value) {
        self.get(&format!(
            "resource-tree/product/{ALPHA}?targetType={target}"
        ))
        .await
    }

    /// The version numbers of the first plan's technical configuration in an environment.
    async fn versions(&self, target: &str) -> Vec<String> {
        let (code, tree) = self.tree(target).await;
        if code != 200 {
            return Vec::new();
        }
        config_of(&tree)["vmImageVersions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["versionNumber"].as_str().unwrap().to_string())
            .collect()
    }

    async fn submission_id(&self, target: &str) -> String {
        let (_, subs) = self.get(&format!("submission/{ALPHA}")).await;
        subs["value"]
            .as_array()
            .unwrap()
            .iter()
            .rfind(|s| s["target"]["targetType"] == target)
            .map(|s| s["id"].as_str().unwrap().to_string())
            .unwrap()
    }
}

async fn simulator() -> Simulator {
    let mut options = offerdeck::sim::SimOptions::demo(1.0);
    options.clock = common::manual_clock();
    options.settings.token_lifetime = Duration::from_secs(30 * 86_400);
    common::simulator_with(options).await
}

/// The first plan's technical configuration in a tree.
fn config_of(tree: &Value) -> Value {
    tree["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["id"]
                .as_str()
                .unwrap()
                .starts_with("virtual-machine-plan-technical-configuration/")
        })
        .cloned()
        .unwrap()
}

/// What cloudpub sends to add version 2.0.0 (see the fixture's origin note).
fn peer_config() -> Value {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/peer_shapes/cloudpub_tech_config_put.json"),
    )
    .unwrap();
    let mut config: Value = serde_json::from_str(&text).unwrap();
    config.as_object_mut().unwrap().remove("_origin");
    config
}

fn publish(target: &str, id: Option<String>) -> Value {
    let mut submission = json!({
        "$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2",
        "product": format!("product/{ALPHA}"),
        "target": {"targetType": target},
    });
    if let Some(id) = id {
        submission["id"] = json!(id);
    }
    submission
}

/// The message of the schemaValidationError detail of a 400.
fn detail(body: &Value) -> String {
    assert_eq!(
        body["error"]["details"][0]["code"], "schemaValidationError",
        "{body}"
    );
    body["error"]["details"][0]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_tree_holds_every_resource_of_a_vm_offer() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    let (code, tree) = api.tree("draft").await;
    assert_eq!(code, 200, "{tree}");
    assert_eq!(tree["root"], format!("product/{ALPHA}"));
    assert_eq!(tree["target"]["targetType"], "draft");
    let resources = tree["resources"].as_array().unwrap();
    let kind = |r: &Value| {
        r["id"]
            .as_str()
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string()
    };
    let kinds: std::collections::BTreeSet<String> = resources.iter().map(kind).collect();
    for wanted in [
        "product",
        "property",
        "customer-leads",
        "listing",
        "listing-asset",
        "plan",
        "plan-listing",
        "price-and-availability-offer",
        "price-and-availability-plan",
        "virtual-machine-plan-technical-configuration",
        "reseller",
        "submission",
    ] {
        assert!(kinds.contains(wanted), "no {wanted} in {kinds:?}");
    }
    for r in resources {
        let schema = r["$schema"].as_str().unwrap();
        assert!(
            schema.starts_with("https://schema.mp.microsoft.com/schema/"),
            "{r}"
        );
        assert!(schema.contains(&format!("/{}/", kind(r))), "{r}");
        if kind(r) != "product" {
            assert_eq!(r["product"], format!("product/{ALPHA}"), "{r}");
        }
    }
    let plans: Vec<&Value> = resources.iter().filter(|r| kind(r) == "plan").collect();
    assert_eq!(plans.len(), 2);
    let configs: Vec<&Value> = resources
        .iter()
        .filter(|r| kind(r) == "virtual-machine-plan-technical-configuration")
        .collect();
    assert_eq!(configs.len(), plans.len());
    for config in &configs {
        assert!(plans.iter().any(|p| p["id"] == config["plan"]));
        for sku in config["skus"].as_array().unwrap() {
            assert!(sku["skuId"].is_string() && sku["imageType"].is_string());
        }
        for key in [
            "operatingSystem",
            "recommendedVmSizes",
            "openPorts",
            "vmProperties",
        ] {
            assert!(config.get(key).is_some(), "{key} missing: {config}");
        }
        let version = &config["vmImageVersions"][0];
        assert_eq!(version["lifecycleState"], "generallyAvailable");
        assert!(version["vmImages"][0]["source"]["sourceType"].is_string());
    }
    // Both kinds of image source are there: SAS URIs and a shared image gallery.
    let sources: Vec<&str> = configs
        .iter()
        .map(|c| {
            c["vmImageVersions"][0]["vmImages"][0]["source"]["sourceType"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(sources.contains(&"sasUri") && sources.contains(&"sharedImageGallery"));
    assert!(configs[0]["vmImageVersions"][0]["vmImages"][0]["source"]["osDisk"]["uri"].is_string());
    // A never-published product has no preview or live tree.
    assert_eq!(api.tree("preview").await.0, 404);
    assert_eq!(api.tree("live").await.0, 404);
    sim.stop().await;
}

#[tokio::test]
async fn a_draft_edit_shows_in_draft_then_preview_then_live() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    let (code, job) = api.configure(vec![peer_config()]).await;
    assert_eq!(code, 202, "{job}");
    // In the draft at once; nowhere else.
    assert_eq!(api.versions("draft").await, ["1.0.0", "2.0.0"]);
    assert!(api.versions("preview").await.is_empty());

    let (code, _) = api.configure(vec![publish("preview", None)]).await;
    assert_eq!(code, 202);
    sim.advance(TO_PREVIEW);
    assert_eq!(api.versions("preview").await, ["1.0.0", "2.0.0"]);
    assert!(api.versions("live").await.is_empty());

    let preview = api.submission_id("preview").await;
    let (code, body) = api
        .configure(vec![publish("live", Some(preview.clone()))])
        .await;
    assert_eq!(code, 202, "{body}");
    sim.advance(TO_PREVIEW);
    assert_eq!(api.versions("live").await, ["1.0.0", "2.0.0"]);
    assert_eq!(api.submission_id("live").await, preview);

    // Going live again with the same, already live, preview is refused for what it is.
    let (code, body) = api.configure(vec![publish("live", Some(preview))]).await;
    assert_eq!(code, 400);
    let text = body.to_string();
    assert!(text.contains("already live"), "{text}");
    assert!(!text.contains("isn't null or 0"), "{text}");
    sim.stop().await;
}

#[tokio::test]
async fn a_jobs_detail_lists_what_it_applied_once_it_completed() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    let (_, job) = api.configure(vec![peer_config()]).await;
    let id = job["jobId"].as_str().unwrap();
    let (code, early) = api.get(&format!("configure/{id}")).await;
    assert_eq!(code, 400, "{early}");
    sim.advance(Duration::from_secs(60));
    let (code, status) = api.get(&format!("configure/{id}/status")).await;
    assert_eq!(
        (code, status["jobResult"].as_str()),
        (200, Some("succeeded"))
    );
    let (code, detail) = api.get(&format!("configure/{id}")).await;
    assert_eq!(code, 200, "{detail}");
    assert!(
        detail["$schema"]
            .as_str()
            .unwrap()
            .contains("/configure-detail/")
    );
    let applied = detail["resources"].as_array().unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0]["id"], peer_config()["id"]);
    sim.stop().await;
}

async fn refused(api: &Api, body: Value) -> String {
    let (code, answer) = api.configure(vec![body]).await;
    assert_eq!(code, 400, "{answer}");
    detail(&answer)
}

#[tokio::test]
async fn an_invalid_resource_is_a_400_naming_its_field() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;

    let mut unknown = peer_config();
    unknown["$schema"] =
        json!("https://schema.mp.microsoft.com/schema/no-such-resource/2022-07-01");
    assert!(
        refused(&api, unknown)
            .await
            .starts_with("resources[0].$schema:")
    );

    let mut orphan = peer_config();
    orphan.as_object_mut().unwrap().remove("product");
    assert!(
        refused(&api, orphan)
            .await
            .starts_with("resources[0].product:")
    );

    let mut twice = peer_config();
    let first = twice["vmImageVersions"][0].clone();
    twice["vmImageVersions"].as_array_mut().unwrap().push(first);
    let message = refused(&api, twice).await;
    assert!(
        message.starts_with("resources[0].vmImageVersions[2].versionNumber:"),
        "{message}"
    );
    assert!(message.contains("already exists"), "{message}");

    let mut arm = peer_config();
    arm["vmImageVersions"][1]["vmImages"][0]["imageType"] = json!("arm64Gen2");
    let message = refused(&api, arm).await;
    assert!(
        message.starts_with("resources[0].vmImageVersions[1].vmImages[0].imageType:"),
        "{message}"
    );

    // None of them changed the draft.
    assert_eq!(api.versions("draft").await, ["1.0.0"]);
    sim.stop().await;
}

#[tokio::test]
async fn the_retired_schema_host_is_accepted_unless_the_service_is_strict() {
    let retired = |mut config: Value| {
        config["$schema"] = json!(
            "https://product-ingestion.azureedge.net/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview2"
        );
        config
    };
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    assert_eq!(api.configure(vec![retired(peer_config())]).await.0, 202);
    // Stored under the current host, as the service answers.
    let (_, tree) = api.tree("draft").await;
    assert!(
        config_of(&tree)["$schema"]
            .as_str()
            .unwrap()
            .starts_with("https://schema.mp.microsoft.com/")
    );
    sim.stop().await;

    let mut options = offerdeck::sim::SimOptions::demo(1.0);
    options.clock = common::manual_clock();
    options.strictness.require_schema_host = true;
    let sim = common::simulator_with(options).await;
    let api = Api::new(&sim).await;
    let (code, body) = api.configure(vec![retired(peer_config())]).await;
    assert_eq!(code, 400);
    assert!(detail(&body).starts_with("resources[0].$schema:"));
    sim.stop().await;
}

#[tokio::test]
async fn one_product_its_plans_and_any_resource_read_by_id() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    let (code, product) = api.get(&format!("product/{ALPHA}")).await;
    assert_eq!(code, 200);
    assert_eq!(product["identity"]["externalId"], "alpha");
    let (code, plans) = api.get(&format!("plan?product=product/{ALPHA}")).await;
    assert_eq!(code, 200);
    assert_eq!(plans["value"].as_array().unwrap().len(), 2);
    let (_, one) = api
        .get(&format!("plan?product=product/{ALPHA}&externalId=gallery"))
        .await;
    assert_eq!(one["value"][0]["identity"]["externalId"], "gallery");
    let config_id = peer_config()["id"].as_str().unwrap().to_string();
    let (code, config) = api.get(&config_id).await;
    assert_eq!(code, 200);
    assert_eq!(config["id"], json!(config_id));
    assert_eq!(
        api.get("product/00000000-0000-0000-0000-000000000000")
            .await
            .0,
        404
    );
    sim.stop().await;
}

#[tokio::test]
async fn leaving_out_a_published_version_fails_the_job_with_the_services_words() {
    let sim = simulator().await;
    let api = Api::new(&sim).await;
    api.configure(vec![publish("preview", None)]).await;
    sim.advance(TO_PREVIEW);
    let mut without = peer_config();
    without["vmImageVersions"].as_array_mut().unwrap().remove(0);
    let (code, job) = api.configure(vec![without]).await;
    assert_eq!(code, 202);
    sim.advance(Duration::from_secs(60));
    let (_, status) = api
        .get(&format!(
            "configure/{}/status",
            job["jobId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status["jobResult"], "failed");
    assert!(
        status["errors"]
            .to_string()
            .contains("Cannot delete image '1.0.0' as it is already published"),
        "{status}"
    );
    assert_eq!(api.versions("draft").await, ["1.0.0"]);
    sim.stop().await;
}
