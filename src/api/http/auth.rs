//! Bearer tokens for the API: from an environment variable, from a command (such as
//! `az account get-access-token`), or from Azure AD client credentials. Tokens are cached and
//! refreshed ahead of expiry; they never appear in `Debug`, `Display`, logs or errors.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::body::{Capped, MAX_ERROR_BODY, read_capped};
use super::error::{ApiError, reqwest_reason};
use super::retry::RetryPolicy;
use super::token::{Secret, check_token, parse_token_json};
use crate::clock::{Clock, span};

/// Connection failures to the token endpoint: two more tries, soon.
const TOKEN_ENDPOINT_RETRY: RetryPolicy = RetryPolicy {
    first: Duration::from_millis(500),
    cap: Duration::from_secs(2),
    max_retries: 2,
    budget: super::retry::DEFAULT_BUDGET,
};

/// Where tokens come from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// A token read from an environment variable (named, so errors can say which).
    Static { token: Secret, origin: String },
    /// A shell command printing a bare token or JSON with `accessToken`/`expiresOn`.
    Command { command: String },
    /// Azure AD v1 client credentials (`POST {authority}/{tenant}/oauth2/token`).
    ClientCredentials {
        authority: Url,
        tenant_id: String,
        client_id: String,
        client_secret: Secret,
        resource: String,
    },
}

impl TokenSource {
    pub fn describe(&self) -> String {
        match self {
            TokenSource::Static { origin, .. } => format!("token from {origin}"),
            TokenSource::Command { command } => format!("token command `{command}`"),
            TokenSource::ClientCredentials {
                client_id,
                tenant_id,
                ..
            } => {
                format!("client credentials of {client_id} in tenant {tenant_id}")
            }
        }
    }
}

struct Cached {
    token: Secret,
    /// When to fetch a new one (ahead of the real expiry); `None` = never expires on its own.
    refresh_at: Option<DateTime<Utc>>,
}

/// Hands out tokens, fetching and caching them as needed. Safe to share between tasks: one
/// refresh happens at a time.
pub struct TokenProvider {
    source: TokenSource,
    http: reqwest::Client,
    cache: Mutex<Option<Cached>>,
    /// The last failed fetch, and when it ended: callers that were waiting for that fetch get
    /// its error instead of trying again one after another (one fetch for all, even a failing one).
    failed: std::sync::Mutex<Option<(std::time::Instant, ApiError)>>,
    /// How long before expiry a token is replaced.
    refresh_margin: Duration,
    clock: Clock,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("source", &self.source.describe())
            .finish()
    }
}

impl TokenProvider {
    pub fn new(source: TokenSource, http: reqwest::Client) -> TokenProvider {
        match &source {
            TokenSource::Static { token, .. } => crate::redact::register(token.expose()),
            TokenSource::ClientCredentials { client_secret, .. } => {
                crate::redact::register(client_secret.expose())
            }
            TokenSource::Command { .. } => {}
        }
        TokenProvider {
            source,
            http,
            cache: Mutex::new(None),
            failed: std::sync::Mutex::new(None),
            refresh_margin: Duration::from_secs(300),
            clock: Clock::System,
        }
    }

    /// The same provider reading expiry times from `clock` (tests share the simulator's).
    pub fn with_clock(mut self, clock: Clock) -> TokenProvider {
        self.clock = clock;
        self
    }

    pub fn source(&self) -> &TokenSource {
        &self.source
    }

    /// A valid token, from the cache while it is fresh.
    pub async fn token(&self) -> Result<Secret, ApiError> {
        let asked = std::time::Instant::now();
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && cached.refresh_at.is_none_or(|t| self.clock.now() < t)
        {
            return Ok(cached.token.clone());
        }
        // A fetch that failed while this caller waited for the lock answers it too.
        if let Some((at, error)) = self
            .failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            && *at >= asked
        {
            return Err(error.clone());
        }
        let (token, expires_at) = match self.fetch().await {
            Ok(fetched) => fetched,
            Err(e) => {
                *self.failed.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((std::time::Instant::now(), e.clone()));
                return Err(e);
            }
        };
        // Every token ever handed out stays hidden, the previous ones included.
        crate::redact::register(token.expose());
        let refresh_at = expires_at.map(|exp| {
            let lifetime = (exp - self.clock.now()).to_std().unwrap_or_default();
            // Refresh 5 minutes early, or halfway through a token shorter than 10 minutes.
            let margin = self.refresh_margin.min(lifetime / 2);
            exp - span(margin)
        });
        *cache = Some(Cached {
            token: token.clone(),
            refresh_at,
        });
        Ok(token)
    }

    /// Forgets the cached token (after a 401), so the next call fetches a new one.
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    async fn fetch(&self) -> Result<(Secret, Option<DateTime<Utc>>), ApiError> {
        match &self.source {
            TokenSource::Static { token, .. } => Ok((token.clone(), None)),
            TokenSource::Command { command } => {
                super::token_command::run(command, &self.source.describe(), self.clock.now()).await
            }
            TokenSource::ClientCredentials {
                authority,
                tenant_id,
                client_id,
                client_secret,
                resource,
            } => {
                let mut url = authority.clone();
                url.path_segments_mut()
                    .map_err(|_| {
                        ApiError::Token(format!("authority {authority} cannot take a path"))
                    })?
                    .pop_if_empty()
                    .extend([tenant_id.as_str(), "oauth2", "token"]);
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    ("client_secret", client_secret.expose()),
                    ("resource", resource.as_str()),
                ];
                tracing::debug!(%url, client_id, "requesting token with client credentials");
                // Connection failures are retried a little; what the endpoint says is not.
                let mut attempt = 0;
                let mut waits = TOKEN_ENDPOINT_RETRY.waits();
                let response = loop {
                    attempt += 1;
                    match self.http.post(url.clone()).form(&form).send().await {
                        Ok(r) => break r,
                        Err(e) => {
                            let reason = reqwest_reason(e);
                            let Some(wait) = waits.next(None) else {
                                return Err(ApiError::Unreachable {
                                    url: format!("{url} (token endpoint)"),
                                    attempts: attempt,
                                    reason,
                                });
                            };
                            tracing::warn!(%url, attempt, %reason, "token endpoint unreachable; retrying");
                            tokio::time::sleep(wait).await;
                        }
                    }
                };
                let status = response.status();
                let body = match read_capped(response, MAX_ERROR_BODY).await {
                    Ok(Capped::Over) => {
                        return Err(ApiError::Token(format!(
                            "token endpoint {url} answered with more than {} KiB, the most offerdeck reads",
                            MAX_ERROR_BODY >> 10
                        )));
                    }
                    Ok(body) => body.text(),
                    Err(e) => {
                        return Err(ApiError::Token(format!(
                            "token endpoint {url}: {}",
                            reqwest_reason(e)
                        )));
                    }
                };
                if !status.is_success() {
                    let detail = serde_json::from_str::<Value>(&body)
                        .ok()
                        .and_then(|v| {
                            v.get("error_description")
                                .or_else(|| v.get("error"))
                                .and_then(Value::as_str)
                                .map(|s| crate::text::truncate(&crate::text::sanitize_line(s), 300))
                        })
                        .unwrap_or_else(|| "no details".into());
                    return Err(ApiError::Token(format!(
                        "token endpoint {url} answered HTTP {}: {detail} (check tenant_id, client_id and the secret)",
                        status.as_u16()
                    )));
                }
                let (token, expiry) =
                    parse_token_json(&body, self.clock.now()).ok_or_else(|| {
                        ApiError::Token(format!(
                            "token endpoint {url} answered without an access_token"
                        ))
                    })?;
                check_token(token.expose())
                    .map_err(|why| ApiError::Token(format!("token endpoint {url}: {why}")))?;
                Ok((token, expiry))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        let src = TokenSource::Static {
            token: s,
            origin: "$OFFERDECK_TOKEN".into(),
        };
        assert!(!format!("{src:?}").contains("hunter2"));
    }
}
