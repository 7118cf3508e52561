//! The Product Ingestion API client: resolving a product by its external id, reading its
//! submissions, and the configure jobs that publish to preview, go live and cancel. Requests go
//! through the same `Transport` as CPP's (bounded reads, retries by class, token refresh).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

use super::types::{ConfigureStatus, JobResult, JobStatus, Page, Product, Submission, TargetType};
use crate::api::http::auth::TokenProvider;
use crate::api::http::error::ApiError;
use crate::api::http::pointer;
use crate::api::http::retry::Resend;
use crate::api::http::settings::{ClientSettings, transport_for};
use crate::api::http::shape::AnswerLimit;
use crate::api::http::transport::{CallListener, Transport, WaitListener, decode};

pub const DEFAULT_BASE_URL: &str = "https://graph.microsoft.com/rp/product-ingestion";
/// Sent as `$version` on every call; the service treats it as the newest schema to answer with.
/// `2022-03-01-preview2` is what Microsoft documents for configure, its status and submissions.
pub const DEFAULT_VERSION: &str = "2022-03-01-preview2";
/// Sent as `$version` on resource-tree reads: the newest schema Microsoft's own tools read
/// technical configurations in (preview5), which every resource older than it answers with its
/// own newest version up to it.
pub const DEFAULT_TREE_VERSION: &str = "2022-03-01-preview5";
/// The token audience of this API.
pub const DEFAULT_RESOURCE: &str = "https://graph.microsoft.com";
/// Microsoft asks for at most one status poll a minute per job.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// Where request bodies say their schemas live. Configurable: Microsoft moved it once (the old
/// `product-ingestion.azureedge.net` was retired in 2024 and every request naming it failed).
pub const DEFAULT_SCHEMA_HOST: &str = "https://schema.mp.microsoft.com/";
/// The schema version of the request bodies offerdeck sends.
const SCHEMA_VERSION: &str = "2022-03-01-preview2";

/// The Product Ingestion client. `settings.api_version` is the `$version`. Cheap to clone;
/// clones share the connection pool, the token cache and the concurrency bound.
#[derive(Clone)]
pub struct IngestionClient {
    transport: Transport,
    settings: Arc<ClientSettings>,
    schema_host: Url,
    /// `$version` of the resource-tree reads.
    tree_version: String,
}

impl std::fmt::Debug for IngestionClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestionClient")
            .field("base_url", &self.settings.base_url.as_str())
            .field("transport", &self.transport)
            .finish()
    }
}

impl IngestionClient {
    pub fn new(
        settings: ClientSettings,
        auth: Arc<TokenProvider>,
    ) -> Result<IngestionClient, ApiError> {
        let transport = transport_for(&settings, auth)?;
        Ok(IngestionClient {
            transport,
            settings: Arc::new(settings),
            // Infallible: a constant, valid URL.
            schema_host: Url::parse(DEFAULT_SCHEMA_HOST).unwrap_or_else(|_| unreachable!()),
            tree_version: DEFAULT_TREE_VERSION.to_string(),
        })
    }

    /// Reads resource trees with another `$version` than the default.
    pub fn with_tree_version(mut self, version: &str) -> IngestionClient {
        self.tree_version = version.to_string();
        self
    }

    /// Names request schemas on another host than the default.
    pub fn with_schema_host(mut self, host: Url) -> IngestionClient {
        self.schema_host = host;
        self
    }

    /// `{schema host}/schema/{resource}/{version}`.
    fn schema(&self, resource: &str) -> String {
        let host = self.schema_host.as_str().trim_end_matches('/');
        format!("{host}/schema/{resource}/{SCHEMA_VERSION}")
    }

    /// Tells `listener` of every long wait before a retry.
    pub fn on_wait(&self, listener: WaitListener) {
        self.transport.on_wait(listener);
    }

    /// Tells `listener` of every request sent.
    pub fn on_call(&self, listener: CallListener) {
        self.transport.on_call(listener);
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// Requests sent so far (every attempt counts), for diagnostics and tests.
    pub fn requests_sent(&self) -> u64 {
        self.transport.requests_sent()
    }

    /// `{base}/{segments…}?$version=…`, every segment percent-encoded.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.settings.base_url.clone();
        // A base URL that cannot be a base was refused in `new` (scheme check), so the
        // segments are always available; the fallback keeps the URL unchanged.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.query_pairs_mut()
            .append_pair("$version", &self.settings.api_version);
        url
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, url: Url) -> Result<T, ApiError> {
        let reply = self
            .transport
            .execute(Method::GET, url, None, Resend::Idempotent)
            .await?;
        decode(&reply)
    }

    /// `GET product?externalId=`: the product whose external id (CPP's offer id) is given.
    pub async fn find_product(&self, external_id: &str) -> Result<Option<Product>, ApiError> {
        let mut url = self.url(&["product"]);
        url.query_pairs_mut().append_pair("externalId", external_id);
        let page: Page<Product> = self.get(url).await?;
        // The service filters; matching again keeps a loose answer from naming another product.
        Ok(page
            .value
            .into_iter()
            .find(|p| p.identity.external_id.eq_ignore_ascii_case(external_id)))
    }

    /// `GET product`, every page: `@nextLink` is followed only on the configured origin (the
    /// token never goes elsewhere), never back to a page already read, and for at most
    /// `MAX_PAGES` pages and `MAX_PRODUCTS` products; past either the whole list is refused
    /// (a part of it would read as "these are all the account's products").
    pub async fn list_products(&self) -> Result<Vec<Product>, ApiError> {
        const MAX_PAGES: usize = 100;
        const MAX_PRODUCTS: usize = 10_000;
        let mut products = Vec::new();
        let first = self.url(&["product"]);
        let mut read = std::collections::HashSet::new();
        let mut next = Some(first.clone());
        while let Some(url) = next.take() {
            if read.len() >= MAX_PAGES {
                return Err(ApiError::TooLarge {
                    url: first.to_string(),
                    limit: AnswerLimit::Pages(MAX_PAGES),
                });
            }
            read.insert(url.to_string());
            let page: Page<Product> = self.get(url.clone()).await?;
            products.extend(page.value);
            if products.len() > MAX_PRODUCTS {
                return Err(ApiError::TooLarge {
                    url: first.to_string(),
                    limit: AnswerLimit::Items(MAX_PRODUCTS),
                });
            }
            if let Some(link) = page.next_link.filter(|l| !l.trim().is_empty()) {
                let link = url.join(link.trim()).map_err(|e| ApiError::Decode {
                    url: url.to_string(),
                    reason: format!("@nextLink is not a URL: {e}"),
                })?;
                pointer::ensure_same_origin(&self.settings.base_url, &link)?;
                if read.contains(link.as_str()) {
                    return Err(ApiError::Decode {
                        url: url.to_string(),
                        reason: format!(
                            "@nextLink leads back to a page already read (after {} pages); the list would never end",
                            read.len()
                        ),
                    });
                }
                next = Some(link);
            }
        }
        Ok(products)
    }

    /// `GET submission/{guid}`: the draft and the preview and live submissions.
    pub async fn submissions(&self, product_guid: &str) -> Result<Vec<Submission>, ApiError> {
        let page: Page<Submission> = self.get(self.url(&["submission", product_guid])).await?;
        Ok(page.value)
    }

    /// `GET submission/{guid}/{number}`: one submission.
    pub async fn submission(
        &self,
        product_guid: &str,
        number: &str,
    ) -> Result<Submission, ApiError> {
        self.get(self.url(&["submission", product_guid, number]))
            .await
    }

    /// `GET resource-tree/product/{guid}?targetType=`: every resource of the product in one
    /// environment, as the service sent it.
    pub async fn resource_tree(&self, product_guid: &str, target: &str) -> Result<Value, ApiError> {
        let mut url = self.url(&["resource-tree", "product", product_guid]);
        let query: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .filter(|(k, _)| k != "$version")
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(query)
            .append_pair("$version", &self.tree_version)
            .append_pair("targetType", target);
        self.get(url).await
    }

    /// `GET configure/{jobId}/status`.
    pub async fn job_status(&self, job_id: &str) -> Result<ConfigureStatus, ApiError> {
        self.get(self.url(&["configure", job_id, "status"])).await
    }

    /// `POST configure/{jobId}/cancel`. The service refuses (400) once certification is done.
    pub async fn cancel(&self, job_id: &str) -> Result<ConfigureStatus, ApiError> {
        let url = self.url(&["configure", job_id, "cancel"]);
        self.post(url, &json!({})).await
    }

    /// Publishes every draft of the product to preview: a configure job with one submission
    /// resource. `product` is the durable id (`product/<guid>`).
    pub async fn publish_preview(&self, product: &str) -> Result<ConfigureStatus, ApiError> {
        self.configure(json!({
            "$schema": self.schema("submission"),
            "product": product,
            "target": {"targetType": "preview"},
        }))
        .await
    }

    /// Pushes the successful preview live. The preview submission's id is read just before
    /// sending: a newer preview replaces it, and the service refuses a go-live without it.
    pub async fn go_live(&self, product: &str) -> Result<ConfigureStatus, ApiError> {
        let guid = super::types::guid_of_product(product)
            .ok_or_else(|| ApiError::NotReady(format!("{product} is not a product id")))?;
        let submissions = self.submissions(guid).await?;
        let preview = Submission::newest(&submissions, TargetType::Preview).filter(|s| {
            s.status == Some(JobStatus::Completed) && s.result == Some(JobResult::Succeeded)
        });
        let Some(preview) = preview else {
            return Err(ApiError::NotReady(
                "nothing to take live: no successful preview is waiting for go-live".into(),
            ));
        };
        if preview.id.trim().is_empty() {
            // The service would refuse `"id": ""` with a message about a null id; say what
            // is wrong instead, and send nothing.
            return Err(ApiError::NotReady(
                "the successful preview submission has no id, so there is nothing to name in a go-live; see Partner Center".into(),
            ));
        }
        if Submission::newest(&submissions, TargetType::Live)
            .is_some_and(|live| live.id == preview.id)
        {
            return Err(ApiError::NotReady(
                "already live: the preview has no changes that are not live".into(),
            ));
        }
        self.configure(json!({
            "$schema": self.schema("submission"),
            "id": preview.id,
            "product": product,
            "target": {"targetType": "live"},
        }))
        .await
    }

    /// `POST configure` with one resource. Never blindly re-sent: a second job could publish
    /// twice, so only a throttled request is tried again.
    async fn configure(&self, resource: Value) -> Result<ConfigureStatus, ApiError> {
        self.configure_resources(vec![resource]).await
    }

    /// `POST configure` with draft edits (resources as read and changed, no submission): a
    /// job whose end says whether the draft took them.
    pub async fn configure_resources(
        &self,
        resources: Vec<Value>,
    ) -> Result<ConfigureStatus, ApiError> {
        let body = json!({ "$schema": self.schema("configure"), "resources": resources });
        self.post(self.url(&["configure"]), &body).await
    }

    async fn post(&self, url: Url, body: &Value) -> Result<ConfigureStatus, ApiError> {
        let reply = self
            .transport
            .execute(Method::POST, url, Some(body), Resend::OnlyWhenThrottled)
            .await?;
        // A job id is in the body only: an answer whose body could not be read, or that names
        // no job, does not say whether a job started. Unclear (the caller looks at the
        // submissions before anything else), never sent again.
        if reply.body_unread {
            return Err(ApiError::Decode {
                url: reply.url.to_string(),
                reason: "the service accepted the request, but its answer was too large to read"
                    .into(),
            });
        }
        let status: ConfigureStatus = decode(&reply)?;
        if status.job_id.is_empty() {
            return Err(ApiError::Decode {
                url: reply.url.to_string(),
                reason: "the service accepted the request but named no configure job".into(),
            });
        }
        if !pointer::is_path_segment(&status.job_id) {
            return Err(ApiError::Decode {
                url: reply.url.to_string(),
                reason: format!(
                    "the service named the configure job {:?}, which cannot be part of a URL; see Partner Center",
                    crate::text::sanitize_line(&status.job_id)
                ),
            });
        }
        Ok(status)
    }
}
