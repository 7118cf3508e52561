//! The Cloud Partner Portal API behind the backend seam: offers and their status endpoint, an
//! operation per publish, go-live or cancel, followed at its operation URL, with steps.

pub mod observe;

use url::Url;

pub use observe::Observe;

use super::{ListedOffer, Started};
use crate::api::http::pointer;
use crate::api::{ApiError, CppClient};
use crate::domain::OfferType;
use crate::domain::{BackendKind, FoundVia, Observation, OfferId, OpKind, Operation};
use crate::text::sanitize_line;

/// Where CPP offers not yet moved to Partner Center are managed.
pub const PORTAL: &str = "https://cloudpartner.azure.com/";

/// The CPP client, behind the seam.
#[derive(Debug, Clone)]
pub struct CppBackend {
    pub(super) client: CppClient,
}

impl CppBackend {
    pub fn new(client: CppClient) -> CppBackend {
        CppBackend { client }
    }

    /// The offers a publisher has on this API.
    pub(super) async fn list_offers(&self, publisher: &str) -> Result<Vec<ListedOffer>, ApiError> {
        Ok(self
            .client
            .list_offers(publisher)
            .await?
            .into_iter()
            .filter_map(|o| {
                let id =
                    OfferId::new(&sanitize_line(&o.publisher_id), &sanitize_line(&o.id)).ok()?;
                Some(ListedOffer {
                    id,
                    name: sanitize_line(&o.definition.display_text),
                    status: o.status.clone(),
                    offer_type: OfferType::from_service(&sanitize_line(&o.offer_type_id)),
                    portal_url: partner_center_page(&o.pc_redirect_uri),
                    migrated: o.is_migrated(),
                    unusable: None,
                })
            })
            .collect())
    }

    /// The offer at the service (a 404 says it is not there), as a listing shows it.
    pub(super) async fn resolve(&self, offer: &OfferId) -> Result<ListedOffer, ApiError> {
        let found = self
            .client
            .get_offer(offer.publisher(), offer.offer())
            .await?;
        let migrated = found.summary.is_migrated();
        Ok(ListedOffer {
            id: offer.clone(),
            name: sanitize_line(&found.summary.definition.display_text),
            status: found.summary.status,
            offer_type: OfferType::from_service(&sanitize_line(&found.summary.offer_type_id)),
            portal_url: partner_center_page(&found.summary.pc_redirect_uri),
            migrated,
            unusable: None,
        })
    }

    /// The offer's status endpoint, with the steps of what ran last.
    pub(super) async fn status(&self, offer: &OfferId) -> Result<Observation, ApiError> {
        Ok(self
            .client
            .offer_status(offer.publisher(), offer.offer())
            .await?
            .observe(None))
    }

    /// Starts a publish or a go-live; the client never sends the POST twice.
    pub(super) async fn start(
        &self,
        kind: OpKind,
        offer: &OfferId,
        emails: &[String],
    ) -> Result<Started, ApiError> {
        let started = self
            .client
            .start(kind, offer.publisher(), offer.offer(), emails)
            .await?;
        Ok(Started {
            pointer: started.url,
            kind,
            adopted: started.adopted,
            found_via: found_via(started.found_via),
        })
    }

    /// Cancels what runs on the offer, as `/submissions` names it. `None`: nothing runs.
    pub(super) async fn cancel(&self, offer: &OfferId) -> Result<Option<Started>, ApiError> {
        let Some(super::Running {
            kind,
            pointer: running,
            ..
        }) = self.running(offer).await?
        else {
            return Ok(None);
        };
        // The service answers 202 with the pointer of the operation the cancel lands on, or
        // with none: then it is the one found running just before.
        let pointer = match self
            .client
            .start(OpKind::Cancel, offer.publisher(), offer.offer(), &[])
            .await
        {
            Ok(started) => started.url,
            Err(ApiError::NoOperation(_)) => running,
            Err(e) => return Err(e),
        };
        Ok(Some(Started {
            pointer,
            kind,
            adopted: false,
            found_via: FoundVia::Cancel,
        }))
    }

    /// The preview slot, and the production slot (a 404 when nothing is live).
    pub(super) async fn preview_and_live(
        &self,
        offer: &OfferId,
    ) -> Result<(serde_json::Value, Result<serde_json::Value, ApiError>), ApiError> {
        let preview = self
            .client
            .get_slot(offer.publisher(), offer.offer(), "preview")
            .await?;
        let live = self
            .client
            .get_slot(offer.publisher(), offer.offer(), "production")
            .await;
        Ok((preview, live))
    }

    /// Reads an operation at its URL.
    pub(super) async fn poll(&self, operation: &Operation) -> Result<Observation, ApiError> {
        Ok(self
            .client
            .get_operation(&operation.pointer)
            .await?
            .observe(Some(operation.kind)))
    }

    /// The operation running on the offer, from `/submissions`, with its kind.
    pub(super) async fn running(
        &self,
        offer: &OfferId,
    ) -> Result<Option<super::Running>, ApiError> {
        let found = self
            .client
            .running_submission(offer.publisher(), offer.offer())
            .await?;
        Ok(found.filter(|s| pointer::is_path_segment(&s.id)).map(|s| {
            let kind = if OpKind::GoLive.matches_submission_type(&s.submission_type) {
                OpKind::GoLive
            } else {
                OpKind::Publish
            };
            let url = self
                .client
                .operation_url(offer.publisher(), offer.offer(), &s.id);
            super::Running {
                kind,
                pointer: url,
                since: super::service_time(&s.changed_time),
            }
        }))
    }

    /// The operation at a URL given by hand: its offer read from the path (and checked against
    /// `offer` when one is named), its kind from the service's answer.
    pub(super) async fn operation_at(
        &self,
        url: &str,
        offer: Option<&OfferId>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Operation, ApiError> {
        let pointer = self.client.resolve_pointer(url)?;
        let untrusted = |reason: &str| ApiError::UntrustedUrl {
            url: pointer.to_string(),
            reason: reason.to_string(),
        };
        let (publisher, offer_in_url) = crate::api::http::pointer::offer_of(&pointer)
            .ok_or_else(|| untrusted("not an operation URL of this API"))?;
        let in_url = OfferId::new(&publisher, &offer_in_url)
            .map_err(|e| untrusted(&format!("no offer in it ({e})")))?;
        if let Some(named) = offer.filter(|named| **named != in_url) {
            return Err(untrusted(&format!(
                "it is an operation of {in_url}, not of {named}"
            )));
        }
        let offer = in_url;
        let detail = self.client.get_operation(&pointer).await?;
        let kind = if OpKind::GoLive.matches_submission_type(&detail.submission_type) {
            OpKind::GoLive
        } else {
            OpKind::Publish
        };
        Ok(Operation::new(
            offer,
            BackendKind::Cpp,
            kind,
            pointer,
            &[],
            now,
        ))
    }

    /// A stored pointer, resolved and checked against the configured origin again.
    pub(super) fn check(&self, pointer: &Url) -> Result<Url, ApiError> {
        self.client.resolve_pointer(pointer.as_str())
    }
}

/// The client names the pointer header it read (`location`, `operation-location`), or
/// `submissions` when it found the operation there.
fn found_via(word: &str) -> FoundVia {
    match word {
        "location" => FoundVia::Location,
        "operation-location" => FoundVia::OperationLocation,
        _ => FoundVia::Submissions,
    }
}

/// A Partner Center page the service names, when it is one (an address from the network is
/// opened only on Microsoft's own host, over https).
fn partner_center_page(raw: &str) -> Option<String> {
    let url = Url::parse(raw.trim()).ok()?;
    (url.scheme() == "https" && url.host_str() == Some("partner.microsoft.com"))
        .then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_via_says_the_words_the_client_does() {
        for header in crate::api::http::pointer::POINTER_HEADERS {
            assert_eq!(found_via(header).as_str(), header);
        }
        assert_eq!(found_via("submissions"), FoundVia::Submissions);
    }

    #[test]
    fn only_partner_centers_own_pages_are_opened() {
        let page = "https://partner.microsoft.com/en-us/dashboard/commercial-marketplace/offers/0f8e/overview";
        assert_eq!(partner_center_page(page).as_deref(), Some(page));
        assert_eq!(partner_center_page("http://partner.microsoft.com/x"), None);
        assert_eq!(
            partner_center_page("https://evil.example/partner.microsoft.com"),
            None
        );
        assert_eq!(partner_center_page("javascript:alert(1)"), None);
        assert_eq!(partner_center_page(""), None);
    }
}
