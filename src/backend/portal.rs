//! Where an offer is managed, for `o` and the copy menu: a Product Ingestion product's overview
//! in Partner Center, the Partner Center page a migrated CPP offer names, or the Cloud Partner
//! Portal. The one place these addresses are written.

use super::Backend;
use crate::domain::{BackendKind, Observation, OfferId};

/// The offer's page from what is known already: a product's overview when its id was read, a
/// page the service named, else the portal of its API.
pub fn portal_url(
    kind: BackendKind,
    _offer: &OfferId,
    seen: Option<&Observation>,
    named: Option<String>,
) -> String {
    if let Some(url) = named {
        return url;
    }
    if let Some(guid) = seen.and_then(|s| s.product_guid.as_deref()) {
        return super::ingestion::product_page(guid);
    }
    match kind {
        BackendKind::Cpp => super::cpp::PORTAL.to_string(),
        BackendKind::Ingestion => {
            "https://partner.microsoft.com/dashboard/commercial-marketplace/overview".to_string()
        }
    }
}

/// The offer's page, asking the service when what is known does not name it (a migrated CPP
/// offer's `pcRedirectUri`, a product's durable id).
pub async fn portal_page(backend: &Backend, offer: &OfferId, seen: Option<&Observation>) -> String {
    if let Some(guid) = seen.and_then(|s| s.product_guid.as_deref()) {
        return super::ingestion::product_page(guid);
    }
    let named = match backend.resolve(offer).await {
        Ok(found) => found.portal_url,
        Err(e) => {
            tracing::warn!(%offer, error = %e, "could not read the offer's page");
            None
        }
    };
    portal_url(backend.kind(), offer, seen, named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_named_wins_then_the_product_then_the_portal_of_the_api() {
        let offer: OfferId = "contoso/vm".parse().unwrap();
        let named = "https://partner.microsoft.com/dashboard/x".to_string();
        assert_eq!(
            portal_url(BackendKind::Cpp, &offer, None, Some(named.clone())),
            named
        );
        assert_eq!(
            portal_url(BackendKind::Cpp, &offer, None, None),
            super::super::cpp::PORTAL
        );
        let seen = Observation {
            product_guid: Some("0f8e".into()),
            ..Observation::default()
        };
        assert!(portal_url(BackendKind::Ingestion, &offer, Some(&seen), None).contains("/0f8e/"));
        assert!(
            portal_url(BackendKind::Ingestion, &offer, None, None)
                .starts_with("https://partner.microsoft.com/")
        );
    }
}
