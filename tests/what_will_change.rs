//! What going live would change, read from the simulator over HTTP: the CPP preview slot
//! against production, and the Product Ingestion preview resource tree against live's.

mod common;

use std::time::Duration;

use offerdeck::backend::{Backend, CppBackend, IngestionBackend};
use offerdeck::domain::{OfferId, OpKind};

fn ingestion(sim: &offerdeck::sim::Simulator) -> Backend {
    Backend::Ingestion(IngestionBackend::new(common::ingestion_client(sim)))
}

/// A new image version in the draft (as the peers add one), published: preview and live
/// differ by it.
async fn add_image_version(sim: &offerdeck::sim::Simulator, guid: &str, version: &str) {
    let http = reqwest::Client::new();
    let root = sim.base_url();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "offerdeck-demo"),
        ("client_secret", "demo-secret"),
        ("resource", "https://graph.microsoft.com"),
    ];
    let token: serde_json::Value = http
        .post(format!("{root}t/oauth2/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let base = format!("{root}rp/product-ingestion");
    let tree: serde_json::Value = http
        .get(format!("{base}/resource-tree/product/{guid}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut config = tree["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["id"]
                .as_str()
                .unwrap()
                .starts_with("virtual-machine-plan-technical-configuration/")
        })
        .unwrap()
        .clone();
    let mut added = config["vmImageVersions"][0].clone();
    added["versionNumber"] = serde_json::json!(version);
    config["vmImageVersions"]
        .as_array_mut()
        .unwrap()
        .push(added);
    let body = serde_json::json!({"$schema": "https://schema.mp.microsoft.com/schema/configure/2022-07-01", "resources": [config]});
    let answer = http
        .post(format!("{base}/configure"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 202);
}

/// The simulator sends what the service sends: the submission resources differ between preview
/// and live, and asset URLs come signed anew on each read. Only the real change is listed, and
/// what was left out is said.
#[tokio::test]
async fn a_second_ingestion_preview_differs_from_live_by_its_image() {
    let sim = common::manual_simulator().await;
    let backend = ingestion(&sim);
    let alpha = OfferId::new("fabrikam", "alpha").unwrap();
    backend.start(OpKind::Publish, &alpha, &[]).await.unwrap();
    sim.advance(Duration::from_secs(3 * 3_600));
    // Never live yet: all of it goes public.
    let first = backend.what_will_change(&alpha).await.unwrap();
    assert!(first.never_live);
    backend.start(OpKind::GoLive, &alpha, &[]).await.unwrap();
    sim.advance(Duration::from_secs(3 * 3_600));
    add_image_version(&sim, "6f1c2d3e-4a5b-4c6d-8e7f-000000000001", "2.0.0").await;
    backend.start(OpKind::Publish, &alpha, &[]).await.unwrap();
    sim.advance(Duration::from_secs(3 * 3_600));
    let second = backend.what_will_change(&alpha).await.unwrap();
    assert!(!second.never_live);
    let paths: Vec<&str> = second.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths.len(), 1, "{:?}", second.fields);
    assert!(paths[0].contains("vmImageVersions"), "{paths:?}");
    let change = &second.fields[0];
    assert_ne!(change.before, change.after);
    let left_out = second.left_out.join(" | ");
    assert!(left_out.contains("submission resources"), "{left_out}");
    assert!(left_out.contains("SAS signature"), "{left_out}");
    sim.stop().await;
}

#[tokio::test]
async fn a_cpp_preview_is_compared_with_production() {
    let sim = common::manual_simulator().await;
    let backend = Backend::Cpp(CppBackend::new(common::client(&sim)));
    // fabrikam-ml is live; a new publish waits for go-live with the next version.
    let ml = OfferId::new("fabrikam", "fabrikam-ml").unwrap();
    backend
        .start(OpKind::Publish, &ml, &["ml@fabrikam.com".into()])
        .await
        .unwrap();
    sim.advance(common::TO_SIGNOFF);
    let diff = backend.what_will_change(&ml).await.unwrap();
    assert!(!diff.never_live);
    let paths: Vec<&str> = diff.fields.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.contains(&"version"), "{paths:?}");
    assert!(paths.iter().any(|p| p.contains("vmImages")), "{paths:?}");
    sim.stop().await;
}

#[tokio::test]
async fn an_offers_page_is_the_one_the_service_names() {
    let sim = common::simulator(common::FAST).await;
    let cpp = Backend::Cpp(CppBackend::new(common::client(&sim)));
    let vm = cpp
        .resolve(&OfferId::new("contoso", "contoso-vm").unwrap())
        .await
        .unwrap();
    let page = vm
        .portal_url
        .expect("a migrated offer names its Partner Center page");
    assert!(page.starts_with("https://partner.microsoft.com/"), "{page}");
    let alpha = ingestion(&sim)
        .resolve(&OfferId::new("fabrikam", "alpha").unwrap())
        .await
        .unwrap();
    assert_eq!(
        alpha.portal_url.as_deref(),
        Some(
            "https://partner.microsoft.com/dashboard/commercial-marketplace/offers/6f1c2d3e-4a5b-4c6d-8e7f-000000000001/overview"
        )
    );
    sim.stop().await;
}
