//! The backend seam: what offerdeck asks of a publishing API, whichever it is: the Cloud
//! Partner Portal API or the Partner Center Product Ingestion API (`ingestion.rs`). Everything
//! above this module (operations, store, dashboard, commands) speaks only the shared model of
//! `crate::domain`.

mod ingestion;

use url::Url;

pub use ingestion::{IngestionBackend, observe_job, observe_submission};

use crate::api::{ApiError, CppClient};
pub use crate::domain::BackendKind;
use crate::domain::{Observation, OfferId, OpKind, Operation};

/// An operation the service accepted (or that was already running).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub pointer: Url,
    /// The kind of what is followed: for a cancel, the operation it lands on.
    pub kind: OpKind,
    /// True when nothing new was started: an operation already running is followed instead.
    pub adopted: bool,
    /// How the pointer was found (`location`, `operation-location`, `submissions`).
    pub found_via: &'static str,
}

/// What going live would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatWillChange {
    /// Nothing is live yet: the whole preview goes public.
    pub never_live: bool,
    pub fields: Vec<crate::domain::diff::FieldChange>,
}

/// An offer as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOffer {
    pub id: OfferId,
    /// The offer's display name, as plain text.
    pub name: String,
    pub status: crate::domain::Status,
    /// The service's word for the kind of offer (`microsoft-azure-virtualmachines`,
    /// `azureVirtualMachine`…), as plain text.
    pub offer_type: String,
    /// The offer's page in Partner Center, when the service names one (a migrated CPP offer's
    /// `pcRedirectUri`; a product's overview).
    pub portal_url: Option<String>,
}

/// A Partner Center page the service names, when it is one (an address from the network is
/// opened only on Microsoft's own host, over https).
fn partner_center_page(raw: &str) -> Option<String> {
    let url = Url::parse(raw.trim()).ok()?;
    (url.scheme() == "https" && url.host_str() == Some("partner.microsoft.com"))
        .then(|| url.to_string())
}

/// The overview page of a Product Ingestion product.
pub fn product_page(guid: &str) -> String {
    format!("https://partner.microsoft.com/dashboard/commercial-marketplace/offers/{guid}/overview")
}

impl ListedOffer {
    /// A virtual machine offer (core or not): what offerdeck publishes.
    pub fn is_virtual_machine(&self) -> bool {
        [
            "microsoft-azure-virtualmachines",
            "microsoft-azure-corevm",
            "azureVirtualMachine",
            "coreVirtualMachine",
        ]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(&self.offer_type))
    }
}

/// A connection to one publishing API. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Backend {
    Cpp(CppClient),
    Ingestion(IngestionBackend),
}

impl Backend {
    pub fn kind(&self) -> BackendKind {
        match self {
            Backend::Cpp(_) => BackendKind::Cpp,
            Backend::Ingestion(_) => BackendKind::Ingestion,
        }
    }

    /// The offers a publisher has on this API.
    pub async fn list_offers(&self, publisher: &str) -> Result<Vec<ListedOffer>, ApiError> {
        match self {
            Backend::Cpp(c) => Ok(c
                .list_offers(publisher)
                .await?
                .into_iter()
                .filter_map(|o| {
                    let id = OfferId::new(
                        &crate::text::sanitize_line(&o.publisher_id),
                        &crate::text::sanitize_line(&o.id),
                    )
                    .ok()?;
                    Some(ListedOffer {
                        id,
                        name: crate::text::sanitize_line(&o.definition.display_text),
                        status: o.status.clone(),
                        offer_type: crate::text::sanitize_line(&o.offer_type_id),
                        portal_url: partner_center_page(&o.pc_redirect_uri),
                    })
                })
                .collect()),
            // The seller account is a label of the config, not something the API knows.
            Backend::Ingestion(i) => Ok(i
                .client
                .list_products()
                .await?
                .into_iter()
                .filter_map(|p| {
                    let id = OfferId::new(
                        publisher,
                        &crate::text::sanitize_line(&p.identity.external_id),
                    )
                    .ok()?;
                    Some(ListedOffer {
                        id,
                        name: crate::text::sanitize_line(&p.alias),
                        status: crate::domain::Status::default(),
                        offer_type: crate::text::sanitize_line(&p.kind),
                        portal_url: p.guid().map(product_page),
                    })
                })
                .collect()),
        }
    }

    /// Finds the offer at the service (a 404 says it is not there), as a listing shows it.
    pub async fn resolve(&self, offer: &OfferId) -> Result<ListedOffer, ApiError> {
        match self {
            Backend::Cpp(c) => {
                let found = c.get_offer(offer.publisher(), offer.offer()).await?;
                Ok(ListedOffer {
                    id: offer.clone(),
                    name: crate::text::sanitize_line(&found.summary.definition.display_text),
                    status: found.summary.status,
                    offer_type: crate::text::sanitize_line(&found.summary.offer_type_id),
                    portal_url: partner_center_page(&found.summary.pc_redirect_uri),
                })
            }
            Backend::Ingestion(i) => {
                let product = i.product(offer).await?;
                let status = i.status(offer).await?.status;
                Ok(ListedOffer {
                    id: offer.clone(),
                    name: crate::text::sanitize_line(&product.alias),
                    status,
                    offer_type: crate::text::sanitize_line(&product.kind),
                    portal_url: product.guid().map(product_page),
                })
            }
        }
    }

    /// The offer's current status, with the steps of what ran last.
    pub async fn status(&self, offer: &OfferId) -> Result<Observation, ApiError> {
        match self {
            Backend::Cpp(c) => Ok(c
                .offer_status(offer.publisher(), offer.offer())
                .await?
                .observe(None)),
            Backend::Ingestion(i) => i.status(offer).await,
        }
    }

    /// Starts a publish or a go-live, and says where to follow it.
    pub async fn start(
        &self,
        kind: OpKind,
        offer: &OfferId,
        emails: &[String],
    ) -> Result<Started, ApiError> {
        match self {
            Backend::Cpp(c) => {
                let started = c
                    .start(kind, offer.publisher(), offer.offer(), emails)
                    .await?;
                Ok(Started {
                    pointer: started.url,
                    kind,
                    adopted: started.adopted,
                    found_via: started.found_via,
                })
            }
            // No e-mails: that API notifies the account's contacts itself.
            Backend::Ingestion(i) => i.start(kind, offer).await,
        }
    }

    /// Asks the service to cancel what runs on the offer. `None`: nothing was running. `known`
    /// is the unfinished operation offerdeck recorded for the offer, if any: the only way to
    /// name a Product Ingestion job, which the service lists nowhere.
    pub async fn cancel(
        &self,
        offer: &OfferId,
        known: Option<&Operation>,
    ) -> Result<Option<Started>, ApiError> {
        match self {
            Backend::Cpp(c) => {
                let Some((kind, running)) = self.running(offer).await? else {
                    return Ok(None);
                };
                // The service answers 202 with the pointer of the operation the cancel lands
                // on, or with none: then it is the one found running just before.
                let pointer = match c
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
                    found_via: "cancel",
                }))
            }
            // The job comes from the record: the service names no running job.
            Backend::Ingestion(i) => {
                let Some(known) = known else {
                    return Ok(None);
                };
                let pointer = i.cancel(&known.pointer).await?;
                Ok(Some(Started {
                    pointer,
                    kind: known.kind,
                    adopted: false,
                    found_via: "cancel",
                }))
            }
        }
    }

    /// What going live would change: the preview's fields that differ from live's (CPP: the
    /// preview slot against production; Product Ingestion: the preview resource tree against
    /// live's). Never live: `never_live`, and no field list (all of it goes public).
    pub async fn what_will_change(&self, offer: &OfferId) -> Result<WhatWillChange, ApiError> {
        let (preview, live) = match self {
            Backend::Cpp(c) => {
                let preview = c
                    .get_slot(offer.publisher(), offer.offer(), "preview")
                    .await?;
                let live = c
                    .get_slot(offer.publisher(), offer.offer(), "production")
                    .await;
                (preview, live)
            }
            Backend::Ingestion(i) => {
                let product = i.product(offer).await?;
                let guid = product.guid().unwrap_or_default().to_string();
                // The trees' resources: their `target` differs by definition.
                let resources = |tree: serde_json::Value| tree["resources"].clone();
                let preview = resources(i.client.resource_tree(&guid, "preview").await?);
                let live = i.client.resource_tree(&guid, "live").await.map(resources);
                (preview, live)
            }
        };
        match live {
            Ok(live) => Ok(WhatWillChange {
                never_live: false,
                fields: crate::domain::diff::diff(&live, &preview),
            }),
            Err(ApiError::NotFound(_)) => Ok(WhatWillChange {
                never_live: true,
                fields: Vec::new(),
            }),
            Err(e) => Err(e),
        }
    }

    /// Reads an operation where it is followed.
    pub async fn poll(&self, operation: &Operation) -> Result<Observation, ApiError> {
        match self {
            Backend::Cpp(c) => Ok(c
                .get_operation(&operation.pointer)
                .await?
                .observe(Some(operation.kind))),
            Backend::Ingestion(i) => i.poll(operation).await,
        }
    }

    /// The operation running on the offer at the service, whoever started it (the portal,
    /// another tool), with its kind.
    pub async fn running(&self, offer: &OfferId) -> Result<Option<(OpKind, Url)>, ApiError> {
        match self {
            Backend::Cpp(c) => {
                let found = c
                    .running_submission(offer.publisher(), offer.offer())
                    .await?;
                Ok(found.filter(|s| !s.id.is_empty()).map(|s| {
                    let kind = if OpKind::GoLive.matches_submission_type(&s.submission_type) {
                        OpKind::GoLive
                    } else {
                        OpKind::Publish
                    };
                    let url = c.operation_url(offer.publisher(), offer.offer(), &s.id);
                    (kind, url)
                }))
            }
            // The service names no job for a submission in flight: its submission is followed.
            Backend::Ingestion(i) => i.running(offer).await,
        }
    }

    /// The operation at a URL given by hand (`watch --url`): checked against the configured
    /// origin, its offer read from the path, its kind from the service's answer.
    pub async fn operation_at(
        &self,
        url: &str,
        offer: Option<&OfferId>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Operation, ApiError> {
        match self {
            Backend::Cpp(c) => {
                let pointer = c.resolve_pointer(url)?;
                let untrusted = |reason: &str| ApiError::UntrustedUrl {
                    url: pointer.to_string(),
                    reason: reason.to_string(),
                };
                let (publisher, offer_in_url) = crate::api::http::pointer::offer_of(&pointer)
                    .ok_or_else(|| untrusted("not an operation URL of this API"))?;
                let in_url = OfferId::new(&publisher, &offer_in_url)
                    .map_err(|e| untrusted(&format!("no offer in it ({e})")))?;
                if let Some(named) = offer.filter(|named| **named != in_url) {
                    return Err(untrusted(&format!("it is an operation of {in_url}, not of {named}")));
                }
                let offer = in_url;
                let detail = c.get_operation(&pointer).await?;
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
            // A job URL does not name its product: the offer is given with it.
            Backend::Ingestion(i) => match offer {
                Some(offer) => i.operation_at(url, offer, now).await,
                None => Err(ApiError::UntrustedUrl {
                    url: url.to_string(),
                    reason: "a Product Ingestion URL does not name its offer: give it too (offerdeck watch PUBLISHER/OFFER --url URL)".into(),
                }),
            },
        }
    }

    /// A stored pointer, checked again against the configured origin before any token goes
    /// with it (the store is a file anyone with access could edit).
    pub fn check_pointer(&self, pointer: &Url) -> Result<Url, ApiError> {
        match self {
            Backend::Cpp(c) => c.resolve_pointer(pointer.as_str()),
            Backend::Ingestion(i) => i.check(pointer),
        }
    }

    /// Tells `listener` of every long wait before a retry.
    /// Tells `listener` of every request sent.
    pub fn on_call(&self, listener: crate::api::http::transport::CallListener) {
        match self {
            Backend::Cpp(c) => c.on_call(listener),
            Backend::Ingestion(i) => i.client.on_call(listener),
        }
    }

    pub fn on_wait(&self, listener: crate::api::http::transport::WaitListener) {
        match self {
            Backend::Cpp(c) => c.on_wait(listener),
            Backend::Ingestion(i) => i.client.on_wait(listener),
        }
    }

    /// Requests sent so far, every attempt counted.
    pub fn requests_sent(&self) -> u64 {
        match self {
            Backend::Cpp(c) => c.requests_sent(),
            Backend::Ingestion(i) => i.client.requests_sent(),
        }
    }
}

/// The backends a configuration uses, one per kind: each exists only when an offer uses it (so
/// its credentials are needed only then); CPP's also when nothing else is configured.
#[derive(Debug, Clone)]
pub struct Backends {
    /// Always one: what answers for a kind nothing uses (and the offer is not found there).
    first: Backend,
    second: Option<Backend>,
}

impl Backends {
    pub fn new(cpp: CppClient) -> Backends {
        Backends {
            first: Backend::Cpp(cpp),
            second: None,
        }
    }

    /// Only the Product Ingestion API (every offer of the config is on it).
    pub fn ingestion_only(client: crate::api::ingestion::client::IngestionClient) -> Backends {
        Backends {
            first: Backend::Ingestion(IngestionBackend::new(client)),
            second: None,
        }
    }

    pub fn with_ingestion(
        mut self,
        client: crate::api::ingestion::client::IngestionClient,
    ) -> Backends {
        self.second = Some(Backend::Ingestion(IngestionBackend::new(client)));
        self
    }

    /// Keeps what the backends learn once per offer (Product Ingestion ids) in `store`.
    pub fn remembering_in(mut self, store: &crate::store::StateStore) -> Backends {
        for slot in std::iter::once(&mut self.first).chain(self.second.as_mut()) {
            if let Backend::Ingestion(i) = slot {
                *i = i.clone().remembering_in(store.clone());
            }
        }
        self
    }

    fn all(&self) -> impl Iterator<Item = &Backend> {
        std::iter::once(&self.first).chain(self.second.as_ref())
    }

    /// Tells `listener` of every long wait before a retry, on every backend.
    pub fn on_wait(&self, listener: crate::api::http::transport::WaitListener) {
        for backend in self.all() {
            backend.on_wait(listener.clone());
        }
    }

    /// Tells `listener` of every request sent, on every backend.
    pub fn on_call(&self, listener: crate::api::http::transport::CallListener) {
        for backend in self.all() {
            backend.on_call(listener.clone());
        }
    }

    /// The backend whose API a URL belongs to (CPP's when none claims it).
    pub fn owning(&self, url: &str) -> &Backend {
        let parsed = Url::parse(url);
        self.all()
            .find(|b| match (b, &parsed) {
                (Backend::Ingestion(i), Ok(url)) => i.owns(url),
                _ => false,
            })
            .unwrap_or_else(|| self.get(BackendKind::Cpp))
    }

    /// The backend of a kind; asked for a kind no offer uses, the one there is answers (and
    /// the offer is not found).
    pub fn get(&self, kind: BackendKind) -> &Backend {
        self.all().find(|b| b.kind() == kind).unwrap_or(&self.first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
