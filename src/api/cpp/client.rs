//! The Cloud Partner Portal API client: its URLs, its endpoints and how an operation is started
//! without ever being sent twice. Requests go through the shared `Transport`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::types::{Offer, OfferSummary, OpKind, OperationDetail, Submission};
use crate::api::http::auth::TokenProvider;
use crate::api::http::error::ApiError;
use crate::api::http::pointer;
use crate::api::http::retry::{DEFAULT_BUDGET, Resend, RetryPolicy};
use crate::api::http::settings::{ClientSettings, transport_for};
use crate::api::http::transport::{CallListener, Reply, Transport, WaitListener, decode};

pub const DEFAULT_BASE_URL: &str = "https://cloudpartner.azure.com";
pub const DEFAULT_API_VERSION: &str = "2017-10-31";

// `ClientSettings::default()` is this API's; the Product Ingestion settings take its timeouts
// and retries with their own URL and version.
impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            // Infallible: a constant, valid URL.
            base_url: Url::parse(DEFAULT_BASE_URL).unwrap_or_else(|_| unreachable!()),
            api_version: DEFAULT_API_VERSION.to_string(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy {
                first: Duration::from_millis(500),
                cap: Duration::from_secs(30),
                max_retries: 4,
                budget: DEFAULT_BUDGET,
            },
            max_concurrency: 16,
            concurrency_ceiling: 64,
        }
    }
}

/// A long-running operation the service accepted (or that was already running).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub url: Url,
    /// True when no new operation was started: an existing one is followed instead.
    pub adopted: bool,
    /// How the pointer was found: `location`, `operation-location` or `submissions`.
    pub found_via: &'static str,
}

/// The Cloud Partner Portal client. Cheap to clone; clones share the connection pool, the token
/// cache and the concurrency bound.
#[derive(Clone)]
pub struct CppClient {
    transport: Transport,
    settings: Arc<ClientSettings>,
}

impl std::fmt::Debug for CppClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CppClient")
            .field("base_url", &self.settings.base_url.as_str())
            .field("transport", &self.transport)
            .finish()
    }
}

impl CppClient {
    pub fn new(settings: ClientSettings, auth: Arc<TokenProvider>) -> Result<CppClient, ApiError> {
        let transport = transport_for(&settings, auth)?;
        Ok(CppClient {
            transport,
            settings: Arc::new(settings),
        })
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

    /// `{base}/api/publishers/{publisher}/offers[/{offer}[/tail…]]`, every segment
    /// percent-encoded, with the api-version.
    pub fn offer_url(&self, publisher: &str, offer: Option<&str>, tail: &[&str]) -> Url {
        let mut url = self.settings.base_url.clone();
        {
            // A base URL that cannot be a base was refused in `new` (scheme check), so the
            // segments are always available; the fallback keeps the URL unchanged.
            if let Ok(mut segments) = url.path_segments_mut() {
                segments
                    .pop_if_empty()
                    .extend(["api", "publishers", publisher, "offers"]);
                if let Some(offer) = offer {
                    segments.push(offer);
                }
                segments.extend(tail);
            }
        }
        url.query_pairs_mut()
            .append_pair("api-version", &self.settings.api_version);
        url
    }

    /// The URL of one operation, from the id `/submissions` gives.
    pub fn operation_url(&self, publisher: &str, offer: &str, operation_id: &str) -> Url {
        self.offer_url(publisher, Some(offer), &["operations", operation_id])
    }

    /// `GET /api/publishers/{p}/offers`.
    pub async fn list_offers(&self, publisher: &str) -> Result<Vec<OfferSummary>, ApiError> {
        let url = self.offer_url(publisher, None, &[]);
        let reply = self
            .transport
            .execute(Method::GET, url, None, Resend::Idempotent)
            .await?;
        decode(&reply)
    }

    /// `GET /api/publishers/{p}/offers/{o}/slot/{slot}`: the offer as it is in `draft`,
    /// `preview` or `production`, as the service sent it.
    pub async fn get_slot(
        &self,
        publisher: &str,
        offer: &str,
        slot: &str,
    ) -> Result<Value, ApiError> {
        let url = self.offer_url(publisher, Some(offer), &["slot", slot]);
        let reply = self
            .transport
            .execute(Method::GET, url, None, Resend::Idempotent)
            .await?;
        decode(&reply)
    }

    /// `GET /api/publishers/{p}/offers/{o}`, the whole document kept.
    pub async fn get_offer(&self, publisher: &str, offer: &str) -> Result<Offer, ApiError> {
        let url = self.offer_url(publisher, Some(offer), &[]);
        let reply = self
            .transport
            .execute(Method::GET, url, None, Resend::Idempotent)
            .await?;
        offer_of(&reply)
    }

    /// `PUT /api/publishers/{p}/offers/{o}` with the whole document and `If-Match: etag`: the
    /// offer's draft becomes `document`, unless it changed since `etag` was read (412, a
    /// `Conflict`). Never re-sent after no answer: the caller reads the offer again instead.
    pub async fn put_offer(
        &self,
        publisher: &str,
        offer: &str,
        document: &Value,
        etag: &str,
    ) -> Result<Offer, ApiError> {
        let url = self.offer_url(publisher, Some(offer), &[]);
        let reply = self
            .transport
            .execute_with(
                Method::PUT,
                url,
                Some(document),
                Resend::OnlyWhenThrottled,
                &[(reqwest::header::IF_MATCH, etag.to_string())],
            )
            .await?;
        offer_of(&reply)
    }

    /// `GET /api/publishers/{p}/offers/{o}/status`.
    pub async fn offer_status(
        &self,
        publisher: &str,
        offer: &str,
    ) -> Result<OperationDetail, ApiError> {
        let url = self.offer_url(publisher, Some(offer), &["status"]);
        let reply = self
            .transport
            .execute(Method::GET, url, None, Resend::Idempotent)
            .await?;
        decode_operation(&reply)
    }

    /// `GET /api/publishers/{p}/offers/{o}/submissions?status=…`, newest first.
    pub async fn list_submissions(
        &self,
        publisher: &str,
        offer: &str,
        status: Option<&str>,
    ) -> Result<Vec<Submission>, ApiError> {
        let mut url = self.offer_url(publisher, Some(offer), &["submissions"]);
        if let Some(status) = status {
            url.query_pairs_mut().append_pair("status", status);
        }
        let reply = self
            .transport
            .execute(Method::GET, url, None, Resend::Idempotent)
            .await?;
        let mut list: Vec<Submission> = decode(&reply)?;
        list.sort_by(|a, b| b.changed_time.cmp(&a.changed_time));
        Ok(list)
    }

    /// `GET` an operation by the URL its pointer resolved to (either path shape).
    pub async fn get_operation(&self, url: &Url) -> Result<OperationDetail, ApiError> {
        pointer::ensure_same_origin(&self.settings.base_url, url)?;
        let reply = self
            .transport
            .execute(Method::GET, url.clone(), None, Resend::Idempotent)
            .await?;
        decode_operation(&reply)
    }

    /// Resolves an operation pointer (from a header or the state store) against the base URL.
    pub fn resolve_pointer(&self, value: &str) -> Result<Url, ApiError> {
        pointer::resolve(&self.settings.base_url, value, &self.settings.api_version)
    }

    /// Starts a publish, go-live or cancel and returns where to follow it.
    ///
    /// The POST is never blindly re-sent: when its outcome is unclear (5xx, timeout, dropped
    /// connection), `/submissions` tells whether the operation started after all. When the 202
    /// carries no pointer, the running operation is found the same way.
    pub async fn start(
        &self,
        kind: OpKind,
        publisher: &str,
        offer: &str,
        emails: &[String],
    ) -> Result<Started, ApiError> {
        let url = self.offer_url(publisher, Some(offer), &[kind.action_segment()]);
        let body = json!({ "metadata": { "notification-emails": emails.join(",") } });
        match self
            .transport
            .execute(Method::POST, url, Some(&body), Resend::OnlyWhenThrottled)
            .await
        {
            Ok(reply) => {
                if let Some((name, value)) = pointer::pointer_header(&reply.headers) {
                    let url = self.resolve_pointer(&value)?;
                    return Ok(Started {
                        url,
                        adopted: false,
                        found_via: name,
                    });
                }
                tracing::info!(%kind, publisher, offer, "no operation pointer in the answer; asking /submissions");
                match self.find_running(kind, publisher, offer).await? {
                    Some(url) => Ok(Started {
                        url,
                        adopted: false,
                        found_via: "submissions",
                    }),
                    None => Err(ApiError::NoOperation(format!(
                        "the service accepted the {kind} of {publisher}/{offer} but named no operation, and none is running"
                    ))),
                }
            }
            Err(err) if err.is_unclear() => {
                tracing::warn!(%kind, publisher, offer, error = %err, "unclear answer to a POST; checking /submissions before anything else");
                match self.find_running(kind, publisher, offer).await {
                    Ok(Some(url)) => Ok(Started {
                        url,
                        adopted: true,
                        found_via: "submissions",
                    }),
                    _ => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// The newest running operation of this kind, from `/submissions`.
    pub async fn find_running(
        &self,
        kind: OpKind,
        publisher: &str,
        offer: &str,
    ) -> Result<Option<Url>, ApiError> {
        Ok(self
            .running_submissions(publisher, offer)
            .await?
            .into_iter()
            .find(|s| {
                s.submission_type.is_empty() || kind.matches_submission_type(&s.submission_type)
            })
            .filter(|s| pointer::is_path_segment(&s.id))
            .map(|s| self.operation_url(publisher, offer, &s.id)))
    }

    /// The newest operation running on the offer, whatever its kind, from `/submissions`.
    pub async fn running_submission(
        &self,
        publisher: &str,
        offer: &str,
    ) -> Result<Option<Submission>, ApiError> {
        Ok(self
            .running_submissions(publisher, offer)
            .await?
            .into_iter()
            .next())
    }

    /// Submissions still running (or about to), newest first.
    async fn running_submissions(
        &self,
        publisher: &str,
        offer: &str,
    ) -> Result<Vec<Submission>, ApiError> {
        let list = self
            .list_submissions(publisher, offer, Some("running"))
            .await?;
        Ok(list
            .into_iter()
            .filter(|s| s.submission_state.is_active())
            .collect())
    }
}

/// An operation body is one object; the documentation wraps it in an array, so a one-element
/// array is accepted too.
fn decode_operation(reply: &Reply) -> Result<OperationDetail, ApiError> {
    // The usual object is read straight into its type (no `Value` of it beside the result).
    if reply.body.trim_start().starts_with('{') {
        return decode(reply);
    }
    let value: Value = decode(reply)?;
    let value = match value {
        Value::Array(mut items) if items.len() == 1 => items.remove(0),
        other => other,
    };
    if !value.is_object() {
        return Err(ApiError::Decode {
            url: reply.url.to_string(),
            reason: "expected an operation object".into(),
        });
    }
    serde_json::from_value(value).map_err(|e| ApiError::Decode {
        url: reply.url.to_string(),
        reason: e.to_string(),
    })
}

/// An offer document as a GET or PUT answered it, with its ETag.
fn offer_of(reply: &Reply) -> Result<Offer, ApiError> {
    let document: Value = decode(reply)?;
    // Read from the document in place: a copy of it would double what an offer holds.
    let summary = OfferSummary::deserialize(&document).unwrap_or_default();
    let etag = reply
        .headers
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok(Offer {
        summary,
        document,
        etag,
    })
}
