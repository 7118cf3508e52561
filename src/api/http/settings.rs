//! How a client talks to its service (base URL, version, timeouts, retries, concurrency), and
//! the HTTP client and transport built from that. Shared by both APIs' clients.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::auth::TokenProvider;
use super::error::{ApiError, reqwest_reason};
use super::pointer;
use super::retry::RetryPolicy;
use super::transport::Transport;

/// How a client talks to the service. Every field comes from configuration; `Default` is the
/// Cloud Partner Portal's (in `api::cpp::client`, next to its URL and version).
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub base_url: Url,
    pub api_version: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// How requests that may be retried are retried.
    pub retry: RetryPolicy,
    /// Requests in flight at once at first, across all tasks sharing this client.
    pub max_concurrency: usize,
    /// How far the bound may grow while answers are fast and clean (equal to
    /// `max_concurrency`: a fixed bound).
    pub concurrency_ceiling: usize,
}

/// Builds the reqwest client every part of offerdeck uses: rustls, timeouts, no redirects
/// (a redirect could carry the bearer token to another origin).
pub fn http_client(
    connect_timeout: Duration,
    request_timeout: Duration,
) -> Result<reqwest::Client, ApiError> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("offerdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            ApiError::Client(format!(
                "cannot build the HTTP client: {}",
                reqwest_reason(e)
            ))
        })
}

/// The transport of a client: its base URL checked (https, or http on loopback), its timeouts,
/// concurrency bound and retry policy from the settings.
pub fn transport_for(
    settings: &ClientSettings,
    auth: Arc<TokenProvider>,
) -> Result<Transport, ApiError> {
    pointer::check_endpoint_scheme(&settings.base_url).map_err(|reason| {
        ApiError::UntrustedUrl {
            url: settings.base_url.to_string(),
            reason,
        }
    })?;
    let http = http_client(settings.connect_timeout, settings.request_timeout)?;
    Ok(Transport::new(
        http,
        auth,
        settings.max_concurrency,
        settings.concurrency_ceiling,
        settings.retry,
    ))
}
