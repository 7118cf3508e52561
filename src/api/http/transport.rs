//! The transport both APIs' clients send through: the bearer token on every request (and only
//! to where the client sends it), the concurrency bound, one token refresh on a 401, retries by
//! class of error under the one retry policy, redirects refused, answers decoded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, HeaderMap};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::auth::TokenProvider;
use super::body::{Capped, MAX_ANSWER, MAX_ERROR_BODY, read_capped};
use super::error::{ApiError, ServiceError, reqwest_reason};
use super::retry::{Resend, RetryPolicy, retry_after};
use super::shape::{self, AnswerLimit};

/// The header the services put their request id in.
pub const CORRELATION_HEADER: &str = "x-ms-correlation-request-id";

/// What a successful answer carried.
#[derive(Debug)]
pub struct Reply {
    pub headers: HeaderMap,
    pub body: String,
    pub url: Url,
    /// A request that may have changed something was answered with success, but its body
    /// could not be read (too large, cut off): its status line and headers still tell what
    /// was accepted, and the body is empty.
    pub body_unread: bool,
}

/// Sends requests with a bearer token. Cheap to clone; clones share the connection pool, the
/// token cache, the concurrency bound and the request count.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    auth: Arc<TokenProvider>,
    /// How many requests go out at once (adaptive, or fixed).
    limiter: Arc<super::limiter::Limiter>,
    requests_sent: Arc<AtomicU64>,
    retry: RetryPolicy,
    /// Told of every long wait before a retry, so the user can see it (not only the log).
    on_wait: Arc<RwLock<Option<WaitListener>>>,
    /// Told of every request sent and how it went (the dashboard's event log).
    on_call: Arc<RwLock<Option<CallListener>>>,
}

/// One request as it went: for the event log. The path carries no query (no secret is ever in
/// one, but a log of paths reads better without `api-version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    /// The HTTP status, or none when no answer came.
    pub status: Option<u16>,
    pub duration: Duration,
    pub correlation_id: Option<String>,
    /// Why no answer came.
    pub error: Option<String>,
}

/// Who hears of every request.
pub type CallListener = Arc<dyn Fn(CallRecord) + Send + Sync>;

/// A wait before a retry that a user should hear of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitNotice {
    pub url: Url,
    pub wait: Duration,
    /// When the next try goes out.
    pub until: DateTime<Utc>,
    /// Why: the service's status and whether it named the wait.
    pub reason: String,
}

/// Who hears of long waits.
pub type WaitListener = Arc<dyn Fn(WaitNotice) + Send + Sync>;

/// Waits shorter than this are ordinary backoff: shown on a row, not worth a line of their own.
pub const NOTICEABLE_WAIT: Duration = Duration::from_secs(2);

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Transport {
    /// `max_concurrency` requests in flight at once at first, across every clone, growing to
    /// `ceiling` while answers are fast and clean (a fixed bound when they are equal).
    pub fn new(
        http: reqwest::Client,
        auth: Arc<TokenProvider>,
        max_concurrency: usize,
        ceiling: usize,
        retry: RetryPolicy,
    ) -> Transport {
        Transport {
            http,
            auth,
            limiter: Arc::new(super::limiter::Limiter::new(max_concurrency, ceiling)),
            requests_sent: Arc::new(AtomicU64::new(0)),
            retry,
            on_wait: Arc::default(),
            on_call: Arc::default(),
        }
    }

    /// Tells `listener` of every request sent (every clone).
    pub fn on_call(&self, listener: CallListener) {
        *self.on_call.write().unwrap_or_else(|p| p.into_inner()) = Some(listener);
    }

    fn record_call(&self, record: CallRecord) {
        let listener = self
            .on_call
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(listener) = listener {
            listener(record);
        }
    }

    /// Tells `listener` of every wait before a retry (every clone).
    pub fn on_wait(&self, listener: WaitListener) {
        *self.on_wait.write().unwrap_or_else(|p| p.into_inner()) = Some(listener);
    }

    /// Says a wait is coming, then waits.
    async fn wait(&self, url: &Url, wait: Duration, reason: String) {
        {
            let listener = self
                .on_wait
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            if let Some(listener) = listener {
                listener(WaitNotice {
                    url: url.clone(),
                    wait,
                    until: Utc::now() + crate::clock::span(wait),
                    reason,
                });
            }
        }
        tokio::time::sleep(wait).await;
    }

    /// Requests sent so far (every attempt counts), for diagnostics and tests.
    pub fn requests_sent(&self) -> u64 {
        self.requests_sent.load(Ordering::Relaxed)
    }

    pub async fn execute(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        resend: Resend,
    ) -> Result<Reply, ApiError> {
        self.execute_with(method, url, body, resend, &[]).await
    }

    /// `execute` with more request headers (`If-Match` on a write that must not overwrite a
    /// change it has not seen).
    pub async fn execute_with(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        resend: Resend,
        headers: &[(reqwest::header::HeaderName, String)],
    ) -> Result<Reply, ApiError> {
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        let mut waits = self.retry.waits();
        let call = |status: Option<u16>,
                    correlation_id: Option<String>,
                    error: Option<String>,
                    sent: &(DateTime<Utc>, std::time::Instant)| CallRecord {
            at: sent.0,
            method: method.to_string(),
            path: url.path().to_string(),
            status,
            duration: sent.1.elapsed(),
            correlation_id,
            error,
        };
        loop {
            attempt += 1;
            let token = match self.auth.token().await {
                Ok(token) => token,
                Err(e) => {
                    // No sign-in, no request: an API whose token endpoint does not answer
                    // cannot be used, and is said so (the header, the event log) like one
                    // that does not answer itself.
                    if let ApiError::Unreachable {
                        url: at, reason, ..
                    } = &e
                    {
                        let path = at
                            .split(' ')
                            .next()
                            .and_then(|u| Url::parse(u).ok())
                            .map(|u| u.path().to_string())
                            .unwrap_or_else(|| "token endpoint".into());
                        self.record_call(CallRecord {
                            at: Utc::now(),
                            method: "POST".into(),
                            path,
                            status: None,
                            duration: Duration::ZERO,
                            correlation_id: None,
                            error: Some(format!("sign-in: {reason}")),
                        });
                    }
                    return Err(e);
                }
            };
            // When the request went out (after waiting for a permit), for the event log.
            let sent_at: (DateTime<Utc>, std::time::Instant);
            let outcome = {
                let permit = self.limiter.acquire().await;
                self.requests_sent.fetch_add(1, Ordering::Relaxed);
                sent_at = (Utc::now(), std::time::Instant::now());
                let mut request = self
                    .http
                    .request(method.clone(), url.clone())
                    .bearer_auth(token.expose())
                    .header(ACCEPT, "application/json");
                for (name, value) in headers {
                    request = request.header(name, value);
                }
                if let Some(body) = body {
                    request = request.json(body);
                }
                let answered = match request.send().await {
                    Ok(response) => {
                        let status = response.status();
                        let headers = response.headers().clone();
                        // Answers are read up to a cap; an error body needs far less.
                        let limit = if status.is_success() {
                            MAX_ANSWER
                        } else {
                            MAX_ERROR_BODY
                        };
                        read_capped(response, limit)
                            .await
                            .map(|body| (status, headers, body))
                    }
                    Err(e) => Err(e),
                };
                // How it went, for the bound: throttled, answered in so long, or neither.
                permit.done(match &answered {
                    Ok((status, _, _))
                        if *status == StatusCode::TOO_MANY_REQUESTS
                            || *status == StatusCode::SERVICE_UNAVAILABLE =>
                    {
                        super::limiter::Outcome::Overloaded
                    }
                    Ok(_) => super::limiter::Outcome::Answered(sent_at.1.elapsed()),
                    Err(_) => super::limiter::Outcome::Neutral,
                });
                answered
            };
            let (status, headers, text) = match outcome {
                // An accepted start is known by its status line and headers before its body:
                // a body too large to read loses nothing of it (and the request is not sent
                // again).
                Ok((status, headers, Capped::Over))
                    if status.is_success() && !resend.after_no_answer() =>
                {
                    tracing::warn!(%method, %url, "an answer too large to read; keeping its status and headers");
                    self.record_call(call(
                        Some(status.as_u16()),
                        None,
                        Some(format!("body over {} MiB, not read", MAX_ANSWER >> 20)),
                        &sent_at,
                    ));
                    return Ok(Reply {
                        headers,
                        body: String::new(),
                        url,
                        body_unread: true,
                    });
                }
                Ok((status, _, Capped::Over)) if status.is_success() => {
                    return Err(ApiError::TooLarge {
                        url: url.to_string(),
                        limit: AnswerLimit::Bytes(MAX_ANSWER),
                    });
                }
                Ok((status, headers, body)) => (status, headers, body.text()),
                Err(e) => {
                    let reason = reqwest_reason(e);
                    self.record_call(call(None, None, Some(reason.clone()), &sent_at));
                    tracing::warn!(%method, %url, attempt, %reason, "request failed without an answer");
                    if resend.after_no_answer()
                        && let Some(wait) = waits.next(None)
                    {
                        self.wait(&url, wait, format!("no answer ({reason})")).await;
                        continue;
                    }
                    let reason = match waits.gave_up() {
                        Some(why) => format!("{reason}; {why}"),
                        None => reason,
                    };
                    return Err(ApiError::Unreachable {
                        url: url.to_string(),
                        attempts: attempt,
                        reason,
                    });
                }
            };
            let correlation_id = headers
                .get(CORRELATION_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(crate::text::sanitize_line);
            tracing::debug!(%method, %url, status = status.as_u16(), correlation_id = correlation_id.as_deref().unwrap_or("-"), "answer");
            self.record_call(call(
                Some(status.as_u16()),
                correlation_id.clone(),
                None,
                &sent_at,
            ));
            // A GET answered with broken JSON (a truncated body) is worth another try.
            if status.is_success()
                && resend.after_no_answer()
                && !text.trim().is_empty()
                && serde_json::from_str::<serde::de::IgnoredAny>(without_bom(&text)).is_err()
                && let Some(wait) = waits.next(None)
            {
                tracing::warn!(%method, %url, attempt, "unreadable JSON in the answer; retrying");
                self.wait(&url, wait, "an unreadable answer".into()).await;
                continue;
            }
            if status.is_success() {
                return Ok(Reply {
                    headers,
                    body: text,
                    url,
                    body_unread: false,
                });
            }
            if status.is_redirection() {
                let target = headers
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("(none)");
                return Err(ApiError::UntrustedUrl {
                    url: crate::text::sanitize_line(target),
                    reason: format!(
                        "HTTP {} redirect; redirects are never followed with a token",
                        status.as_u16()
                    ),
                });
            }
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                tracing::info!(%url, "401: refreshing the token once");
                refreshed = true;
                self.auth.invalidate().await;
                attempt -= 1;
                continue;
            }
            let mut error = ServiceError::from_body(status.as_u16(), &text, correlation_id);
            let asked = retry_after(&headers);
            if resend.after_status(status.as_u16())
                && let Some(wait) = waits.next(asked)
            {
                tracing::warn!(%method, %url, attempt, status = status.as_u16(), wait_ms = wait.as_millis() as u64, "retrying");
                let reason = match asked {
                    Some(_) => format!("HTTP {}, Retry-After", status.as_u16()),
                    None => format!("HTTP {}", status.as_u16()),
                };
                self.wait(&url, wait, reason).await;
                continue;
            }
            if let Some(why) = waits.gave_up() {
                error.message = format!("{}; {why}", error.message);
            }
            let error = ApiError::from_status(error);
            let error = match (status.as_u16(), error) {
                (401, ApiError::Auth(mut e)) => {
                    e.message = format!(
                        "{} — the {} was rejected even after a refresh",
                        e.message,
                        self.auth.source().describe()
                    );
                    ApiError::Auth(e)
                }
                (_, other) => other,
            };
            return Err(error);
        }
    }
}

/// The text without the byte-order mark some services put first (JSON allows a reader to
/// ignore it; serde_json does not).
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Reads a JSON answer, saying where it came from and how it starts when it cannot.
pub fn decode<T: DeserializeOwned>(reply: &Reply) -> Result<T, ApiError> {
    // The shape first: what the parse would expand into is bounded before it happens.
    let body = without_bom(&reply.body);
    shape::check(body).map_err(|limit| ApiError::TooLarge {
        url: reply.url.to_string(),
        limit,
    })?;
    serde_json::from_str(body).map_err(|e| ApiError::Decode {
        url: reply.url.to_string(),
        reason: format!(
            "{e} (body starts {:?})",
            crate::text::truncate(&crate::text::sanitize_line(&reply.body), 80)
        ),
    })
}
