//! What a listing shows of the products: every product the account sees, one product as a
//! listing shows it, and the preview and live trees a go-live compares.

use super::{IngestionBackend, product_page};
use crate::api::ApiError;
use crate::backend::ListedOffer;
use crate::domain::{OfferId, OfferType, Status};
use crate::text::sanitize_line;

impl IngestionBackend {
    /// The products the account sees, each under `publisher` (the seller account is a label
    /// of the config, not something the API knows).
    pub(in crate::backend) async fn list_offers(
        &self,
        publisher: &str,
    ) -> Result<Vec<ListedOffer>, ApiError> {
        Ok(self
            .client
            .list_products()
            .await?
            .into_iter()
            .filter_map(|p| {
                let external = sanitize_line(&p.identity.external_id);
                // Offers are named by their external id; a product without one is listed by
                // its GUID, with why it cannot be configured.
                let (name, unusable) = match OfferId::new(publisher, &external) {
                    Ok(id) => (id, None),
                    Err(_) => (
                        OfferId::new(publisher, p.guid()?).ok()?,
                        Some(if external.is_empty() {
                            "it has no externalId, which offerdeck names Product Ingestion offers by: give it one in Partner Center".to_string()
                        } else {
                            format!("its externalId {external:?} cannot be an offer name")
                        }),
                    ),
                };
                Some(ListedOffer {
                    id: name,
                    name: sanitize_line(&p.alias),
                    status: Status::default(),
                    offer_type: OfferType::from_service(&sanitize_line(&p.kind)),
                    portal_url: p.guid().map(product_page),
                    migrated: false,
                    unusable,
                })
            })
            .collect())
    }

    /// The offer's product (a 404 says it is not there), as a listing shows it.
    pub(in crate::backend) async fn resolve(
        &self,
        offer: &OfferId,
    ) -> Result<ListedOffer, ApiError> {
        let product = self.product(offer).await?;
        let status = self.status(offer).await?.status;
        Ok(ListedOffer {
            id: offer.clone(),
            name: sanitize_line(&product.alias),
            status,
            offer_type: OfferType::from_service(&sanitize_line(&product.kind)),
            portal_url: product.guid().map(product_page),
            migrated: false,
            unusable: None,
        })
    }

    /// The durable GUID of the offer's product.
    pub(in crate::backend) async fn guid(&self, offer: &OfferId) -> Result<String, ApiError> {
        Ok(self
            .product(offer)
            .await?
            .guid()
            .unwrap_or_default()
            .to_string())
    }

    /// The resources of the product's tree in one environment (`draft`, `preview`, `live`),
    /// taken out of the answer rather than copied.
    pub(in crate::backend) async fn resources(
        &self,
        guid: &str,
        target: &str,
    ) -> Result<Vec<serde_json::Value>, ApiError> {
        Ok(match self.client.resource_tree(guid, target).await? {
            serde_json::Value::Object(mut tree) => match tree.remove("resources") {
                Some(serde_json::Value::Array(list)) => list,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        })
    }

    /// `resources` of the offer's product, looked up first.
    pub(in crate::backend) async fn tree(
        &self,
        offer: &OfferId,
        target: &str,
    ) -> Result<Vec<serde_json::Value>, ApiError> {
        let guid = self.guid(offer).await?;
        self.resources(&guid, target).await
    }

    /// The resources of the preview tree, and of the live one (a 404 when nothing is live),
    /// with what was left out of them. Their `target` differs by definition, so only the
    /// resources are compared; and the submission resources, which always differ between the
    /// two (each names its own environment and submission), are left out.
    pub(in crate::backend) async fn preview_and_live(
        &self,
        offer: &OfferId,
    ) -> Result<
        (
            serde_json::Value,
            Result<serde_json::Value, ApiError>,
            Vec<String>,
        ),
        ApiError,
    > {
        let guid = self.guid(offer).await?;
        let (preview, mut dropped) = without_submissions(self.resources(&guid, "preview").await?);
        let live = self.resources(&guid, "live").await.map(|r| {
            let (live, also) = without_submissions(r);
            dropped |= also;
            live
        });
        let left_out = if dropped {
            vec!["the submission resources (they always differ between preview and live)".into()]
        } else {
            Vec::new()
        };
        Ok((preview, live, left_out))
    }
}

/// A tree's resources without its submission resources (which always differ between two
/// environments), and whether there were any.
pub(in crate::backend) fn without_submissions(
    resources: Vec<serde_json::Value>,
) -> (serde_json::Value, bool) {
    let mut dropped = false;
    let kept: Vec<serde_json::Value> = resources
        .into_iter()
        .filter(|r| {
            let submission = crate::backend::images::ingestion::type_of(r) == "submission";
            dropped |= submission;
            !submission
        })
        .collect();
    (serde_json::Value::Array(kept), dropped)
}
