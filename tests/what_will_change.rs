//! What going live would change, read from the simulator over HTTP: the CPP preview slot
//! against production, and the Product Ingestion preview resource tree against live's.

mod common;

use std::time::Duration;

use offerdeck::backend::{Backend, CppBackend, IngestionBackend};
use offerdeck::domain::{OfferId, OpKind};

fn ingestion(sim: &offerdeck::sim::Simulator) -> Backend {
    Backend::Ingestion(IngestionBackend::new(common::ingestion_client(sim)))
}

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
    backend.start(OpKind::Publish, &alpha, &[]).await.unwrap();
    sim.advance(Duration::from_secs(3 * 3_600));
    let second = backend.what_will_change(&alpha).await.unwrap();
    assert!(!second.never_live);
    let paths: Vec<&str> = second.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths.len(), 1, "{:?}", second.fields);
    assert!(paths[0].contains("vmImageVersions"), "{paths:?}");
    let change = &second.fields[0];
    assert_ne!(change.before, change.after);
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
