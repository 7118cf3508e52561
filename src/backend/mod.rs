//! The backend seam: what offerdeck asks of a publishing API, whichever it is: the Cloud
//! Partner Portal API (`cpp/`) or the Partner Center Product Ingestion API (`ingestion/`), each
//! an adapter with its own `observe` (where that API's answers become the shared model).
//! Everything above this module (operations, store, dashboard, commands) speaks only the shared
//! model of `crate::domain`.

pub mod cpp;
pub mod images;
pub mod ingestion;
mod portal;

use url::Url;

pub use cpp::CppBackend;
pub use ingestion::{IngestionBackend, observe_job, observe_submission};
pub use portal::{portal_page, portal_url};

use crate::api::http::transport::{CallListener, WaitListener};
use crate::api::ingestion::client::IngestionClient;
use crate::api::{ApiError, CppClient};
pub use crate::domain::BackendKind;
use crate::domain::{FoundVia, Observation, OfferId, OpKind, Operation};

/// An operation the service accepted (or that was already running).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub pointer: Url,
    /// The kind of what is followed: for a cancel, the operation it lands on.
    pub kind: OpKind,
    /// True when nothing new was started: an operation already running is followed instead.
    pub adopted: bool,
    /// How the pointer was found.
    pub found_via: FoundVia,
}

/// What going live would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatWillChange {
    /// Nothing is live yet: the whole preview goes public.
    pub never_live: bool,
    pub fields: Vec<crate::domain::diff::FieldChange>,
    /// What the comparison left out as noise, each said as a line (the view shows them).
    pub left_out: Vec<String>,
}

/// An offer as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOffer {
    pub id: OfferId,
    /// The offer's display name, as plain text.
    pub name: String,
    pub status: crate::domain::Status,
    /// What kind of offer it is (with the service's word for it).
    pub offer_type: crate::domain::OfferType,
    /// The offer's page in Partner Center, when the service names one (a migrated CPP offer's
    /// `pcRedirectUri`; a product's overview).
    pub portal_url: Option<String>,
    /// Moved to Partner Center (a CPP offer whose listing says `pcMigrationStatus: migrated`):
    /// the API no longer sends a publish's e-mails; the seller contact gets them.
    pub migrated: bool,
    /// Why offerdeck cannot name it in a config, when it cannot (a product with no
    /// `externalId`): listed so it is not missed, never added.
    pub unusable: Option<String>,
}

/// An operation running at the service on an offer, whoever started it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub kind: OpKind,
    pub pointer: Url,
    /// When the service says it began (or last changed, the closest it says), when it says.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

/// A time as the service writes it (RFC 3339, with or without a zone; fractions of any length).
fn service_time(raw: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let raw = raw.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// A connection to one publishing API. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Backend {
    Cpp(CppBackend),
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
            Backend::Cpp(c) => c.list_offers(publisher).await,
            Backend::Ingestion(i) => i.list_offers(publisher).await,
        }
    }

    /// Finds the offer at the service (a 404 says it is not there), as a listing shows it.
    pub async fn resolve(&self, offer: &OfferId) -> Result<ListedOffer, ApiError> {
        match self {
            Backend::Cpp(c) => c.resolve(offer).await,
            Backend::Ingestion(i) => i.resolve(offer).await,
        }
    }

    /// The offer's current status, with the steps of what ran last.
    pub async fn status(&self, offer: &OfferId) -> Result<Observation, ApiError> {
        match self {
            Backend::Cpp(c) => c.status(offer).await,
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
            Backend::Cpp(c) => c.start(kind, offer, emails).await,
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
            Backend::Cpp(c) => c.cancel(offer).await,
            Backend::Ingestion(i) => i.cancel(known).await,
        }
    }

    /// What going live would change: the preview's fields that differ from live's (CPP: the
    /// preview slot against production; Product Ingestion: the preview resource tree against
    /// live's). Never live: `never_live`, and no field list (all of it goes public).
    pub async fn what_will_change(&self, offer: &OfferId) -> Result<WhatWillChange, ApiError> {
        let (preview, live, mut left_out) = match self {
            Backend::Cpp(c) => {
                let (preview, live) = c.preview_and_live(offer).await?;
                (preview, live, Vec::new())
            }
            Backend::Ingestion(i) => i.preview_and_live(offer).await?,
        };
        match live {
            Ok(live) => {
                let compared = crate::domain::diff::diff(&live, &preview);
                if compared.resigned_urls > 0 {
                    left_out.push(format!(
                        "{} address(es) that differ only in their SAS signature (signed anew on every read)",
                        compared.resigned_urls
                    ));
                }
                Ok(WhatWillChange {
                    never_live: false,
                    fields: compared.fields,
                    left_out,
                })
            }
            Err(ApiError::NotFound(_)) => Ok(WhatWillChange {
                never_live: true,
                fields: Vec::new(),
                left_out: Vec::new(),
            }),
            Err(e) => Err(e),
        }
    }

    /// Reads an operation where it is followed.
    pub async fn poll(&self, operation: &Operation) -> Result<Observation, ApiError> {
        match self {
            Backend::Cpp(c) => c.poll(operation).await,
            Backend::Ingestion(i) => i.poll(operation).await,
        }
    }

    /// The operation running on the offer at the service, whoever started it (the portal,
    /// another tool), with its kind.
    pub async fn running(&self, offer: &OfferId) -> Result<Option<Running>, ApiError> {
        match self {
            Backend::Cpp(c) => c.running(offer).await,
            // The service names no job for a submission in flight: its submission is followed.
            Backend::Ingestion(i) => i.running(offer).await,
        }
    }

    /// The operation at a URL given by hand (`watch --url`): checked against the configured
    /// origin, its offer read from the path (or given), its kind from the service's answer.
    pub async fn operation_at(
        &self,
        url: &str,
        offer: Option<&OfferId>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Operation, ApiError> {
        match self {
            Backend::Cpp(c) => c.operation_at(url, offer, now).await,
            Backend::Ingestion(i) => i.operation_at(url, offer, now).await,
        }
    }

    /// A stored pointer, checked again against the configured origin before any token goes
    /// with it (the store is a file anyone with access could edit).
    pub fn check_pointer(&self, pointer: &Url) -> Result<Url, ApiError> {
        match self {
            Backend::Cpp(c) => c.check(pointer),
            Backend::Ingestion(i) => i.check(pointer),
        }
    }

    /// Tells `listener` of every request sent.
    pub fn on_call(&self, listener: CallListener) {
        match self {
            Backend::Cpp(c) => c.client.on_call(listener),
            Backend::Ingestion(i) => i.client.on_call(listener),
        }
    }

    /// Tells `listener` of every long wait before a retry.
    pub fn on_wait(&self, listener: WaitListener) {
        match self {
            Backend::Cpp(c) => c.client.on_wait(listener),
            Backend::Ingestion(i) => i.client.on_wait(listener),
        }
    }

    /// Requests sent so far, every attempt counted.
    pub fn requests_sent(&self) -> u64 {
        match self {
            Backend::Cpp(c) => c.client.requests_sent(),
            Backend::Ingestion(i) => i.client.requests_sent(),
        }
    }
}

/// The backends a configuration uses, at most one per kind: each exists only when an offer
/// uses it (so its credentials are needed only then); CPP's also when nothing else is
/// configured. Asked for one that does not exist, they say so (never another API's).
#[derive(Debug, Clone)]
pub struct Backends {
    cpp: Option<Backend>,
    ingestion: Option<Backend>,
    /// APIs the config's offers use whose client could not be made (no credentials), and why:
    /// their offers say so, the other API's work.
    missing: Vec<(BackendKind, String)>,
}

impl Backends {
    /// One backend, whichever API it is on.
    pub fn single(backend: Backend) -> Backends {
        match backend.kind() {
            BackendKind::Cpp => Backends {
                cpp: Some(backend),
                ingestion: None,
                missing: Vec::new(),
            },
            BackendKind::Ingestion => Backends {
                cpp: None,
                ingestion: Some(backend),
                missing: Vec::new(),
            },
        }
    }

    /// Every backend there is.
    pub fn each(&self) -> impl Iterator<Item = &Backend> {
        self.all()
    }

    pub fn new(cpp: CppClient) -> Backends {
        Backends {
            cpp: Some(Backend::Cpp(CppBackend::new(cpp))),
            ingestion: None,
            missing: Vec::new(),
        }
    }

    /// Only the Product Ingestion API (every offer of the config is on it).
    pub fn ingestion_only(client: IngestionClient) -> Backends {
        Backends {
            cpp: None,
            ingestion: Some(Backend::Ingestion(IngestionBackend::new(client))),
            missing: Vec::new(),
        }
    }

    pub fn with_ingestion(mut self, client: IngestionClient) -> Backends {
        self.ingestion = Some(Backend::Ingestion(IngestionBackend::new(client)));
        self
    }

    /// The same backends, and `kind` (whose offers the config has) could not be made: why.
    pub fn without(mut self, kind: BackendKind, why: String) -> Backends {
        self.missing.push((kind, why));
        self
    }

    /// The APIs the config's offers use that have no client, and why.
    pub fn missing(&self) -> &[(BackendKind, String)] {
        &self.missing
    }

    /// Keeps what the backends learn once per offer (Product Ingestion ids) in `store`.
    pub fn remembering_in(mut self, store: &crate::store::StateStore) -> Backends {
        if let Some(Backend::Ingestion(i)) = &mut self.ingestion {
            *i = i.clone().remembering_in(store.clone());
        }
        self
    }

    fn all(&self) -> impl Iterator<Item = &Backend> {
        self.cpp.iter().chain(self.ingestion.as_ref())
    }

    /// Tells `listener` of every long wait before a retry, on every backend.
    pub fn on_wait(&self, listener: WaitListener) {
        for backend in self.all() {
            backend.on_wait(listener.clone());
        }
    }

    /// Tells `listener` of every request sent, on every backend.
    pub fn on_call(&self, listener: CallListener) {
        for backend in self.all() {
            backend.on_call(listener.clone());
        }
    }

    /// The backend whose API a URL belongs to: Product Ingestion's when it claims the URL, else
    /// CPP's (which checks the URL's origin itself).
    pub fn owning(&self, url: &str) -> Result<&Backend, ApiError> {
        let claimed = match (&self.ingestion, Url::parse(url)) {
            (Some(backend @ Backend::Ingestion(i)), Ok(url)) if i.owns(&url) => Some(backend),
            _ => None,
        };
        match claimed {
            Some(backend) => Ok(backend),
            None => self.require(BackendKind::Cpp),
        }
    }

    /// The backend of a kind, when the configuration uses that API.
    pub fn get(&self, kind: BackendKind) -> Option<&Backend> {
        match kind {
            BackendKind::Cpp => self.cpp.as_ref(),
            BackendKind::Ingestion => self.ingestion.as_ref(),
        }
    }

    /// The backend of a kind, or an error saying that API is not configured.
    pub fn require(&self, kind: BackendKind) -> Result<&Backend, ApiError> {
        if let Some((_, why)) = self.missing.iter().find(|(k, _)| *k == kind) {
            return Err(ApiError::Token(why.clone()));
        }
        self.get(kind)
            .ok_or_else(|| ApiError::Unconfigured(unconfigured(kind).into()))
    }
}

/// Why a kind has no backend: no offer of the config is on it, so its client was not made.
fn unconfigured(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Cpp => {
            "no Cloud Partner Portal API is configured: add [auth] and an offer with backend = \"cpp\" to the config"
        }
        BackendKind::Ingestion => {
            "no Product Ingestion API is configured: add [ingestion.auth] and an offer with backend = \"ingestion\" to the config"
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::api::{ClientSettings, Secret, TokenProvider, TokenSource};

    fn provider() -> Arc<TokenProvider> {
        let source = TokenSource::Static {
            // Registered for redaction: a word no other test's output holds.
            token: Secret::new("backend-test-token-never-sent"),
            origin: "a test".into(),
        };
        Arc::new(TokenProvider::new(source, reqwest::Client::new()))
    }

    fn ingestion_client() -> IngestionClient {
        let settings = ClientSettings {
            base_url: Url::parse(crate::api::ingestion::client::DEFAULT_BASE_URL).unwrap(),
            ..ClientSettings::default()
        };
        IngestionClient::new(settings, provider()).unwrap()
    }

    #[test]
    fn a_kind_without_a_backend_is_an_error_not_the_other_api() {
        let only = Backends::ingestion_only(ingestion_client());
        assert!(only.get(BackendKind::Cpp).is_none());
        let error = only.require(BackendKind::Cpp).unwrap_err();
        assert!(matches!(error, ApiError::Unconfigured(_)), "{error:?}");
        assert!(
            error.to_string().contains("no Cloud Partner Portal API"),
            "{error}"
        );
        assert_eq!(
            only.require(BackendKind::Ingestion).unwrap().kind(),
            BackendKind::Ingestion
        );

        let cpp = Backends::new(CppClient::new(ClientSettings::default(), provider()).unwrap());
        assert!(cpp.get(BackendKind::Ingestion).is_none());
        let error = cpp.require(BackendKind::Ingestion).unwrap_err();
        assert!(error.to_string().contains("[ingestion.auth]"), "{error}");
    }

    #[test]
    fn a_url_goes_to_the_api_that_owns_it_or_to_none() {
        let job = "https://graph.microsoft.com/rp/product-ingestion/configure/j/status";
        let operation = "https://cloudpartner.azure.com/api/publishers/p/offers/o/operations/x";
        let only = Backends::ingestion_only(ingestion_client());
        assert_eq!(only.owning(job).unwrap().kind(), BackendKind::Ingestion);
        assert!(matches!(
            only.owning(operation),
            Err(ApiError::Unconfigured(_))
        ));
        let both = Backends::new(CppClient::new(ClientSettings::default(), provider()).unwrap())
            .with_ingestion(ingestion_client());
        assert_eq!(both.owning(job).unwrap().kind(), BackendKind::Ingestion);
        assert_eq!(both.owning(operation).unwrap().kind(), BackendKind::Cpp);
    }
}
