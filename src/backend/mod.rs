//! The backend seam: what offerdeck asks of a publishing API, whichever it is. Today the Cloud
//! Partner Portal API is the one implementation; the Product Ingestion API becomes a second
//! variant. Everything above this module (operations, store, dashboard, commands) speaks only
//! the shared model of `crate::domain`.

use url::Url;

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

/// An offer as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOffer {
    pub id: OfferId,
    /// The offer's display name, as plain text.
    pub name: String,
    pub status: crate::domain::Status,
}

/// A connection to one publishing API. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Backend {
    Cpp(CppClient),
}

impl Backend {
    pub fn kind(&self) -> BackendKind {
        match self {
            Backend::Cpp(_) => BackendKind::Cpp,
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
        }
    }

    /// Asks the service to cancel what runs on the offer. `None`: nothing was running.
    pub async fn cancel(&self, offer: &OfferId) -> Result<Option<Started>, ApiError> {
        let Some((kind, running)) = self.running(offer).await? else {
            return Ok(None);
        };
        match self {
            Backend::Cpp(c) => {
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
        }
    }

    /// Reads an operation where it is followed.
    pub async fn poll(&self, operation: &Operation) -> Result<Observation, ApiError> {
        match self {
            Backend::Cpp(c) => Ok(c
                .get_operation(&operation.pointer)
                .await?
                .observe(Some(operation.kind))),
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
        }
    }

    /// The operation at a URL given by hand (`watch --url`): checked against the configured
    /// origin, its offer read from the path, its kind from the service's answer.
    pub async fn operation_at(
        &self,
        url: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Operation, ApiError> {
        match self {
            Backend::Cpp(c) => {
                let pointer = c.resolve_pointer(url)?;
                let untrusted = |reason: &str| ApiError::UntrustedUrl {
                    url: pointer.to_string(),
                    reason: reason.to_string(),
                };
                let (publisher, offer) = crate::api::pointer::offer_of(&pointer)
                    .ok_or_else(|| untrusted("not an operation URL of this API"))?;
                let offer = OfferId::new(&publisher, &offer)
                    .map_err(|e| untrusted(&format!("no offer in it ({e})")))?;
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
        }
    }

    /// A stored pointer, checked again against the configured origin before any token goes
    /// with it (the store is a file anyone with access could edit).
    pub fn check_pointer(&self, pointer: &Url) -> Result<Url, ApiError> {
        match self {
            Backend::Cpp(c) => c.resolve_pointer(pointer.as_str()),
        }
    }

    /// Tells `listener` of every long wait before a retry.
    pub fn on_wait(&self, listener: crate::api::transport::WaitListener) {
        match self {
            Backend::Cpp(c) => c.on_wait(listener),
        }
    }

    /// Requests sent so far, every attempt counted.
    pub fn requests_sent(&self) -> u64 {
        match self {
            Backend::Cpp(c) => c.requests_sent(),
        }
    }
}

/// The backends a configuration uses, one per kind.
#[derive(Debug, Clone)]
pub struct Backends {
    cpp: Backend,
}

impl Backends {
    pub fn new(cpp: CppClient) -> Backends {
        Backends {
            cpp: Backend::Cpp(cpp),
        }
    }

    /// Tells `listener` of every long wait before a retry, on every backend.
    pub fn on_wait(&self, listener: crate::api::transport::WaitListener) {
        self.cpp.on_wait(listener);
    }

    pub fn get(&self, kind: BackendKind) -> &Backend {
        match kind {
            BackendKind::Cpp => &self.cpp,
        }
    }
}
