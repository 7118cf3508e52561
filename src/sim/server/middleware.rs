//! What every request goes through: counting and latency, authentication of API requests, and
//! chaos mode's faults.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{ApiVersion, Principal, Shared, answer, error};
use crate::sim::ACCEPTED_API_VERSIONS;
use crate::sim::chaos::Fault as ChaosFault;
use crate::sim::model::shim_error;

type Sim = State<Arc<Shared>>;

/// The response header that carries the request's correlation id (the same name the client
/// reads; written here again so the simulator does not lean on the client's code).
const CORRELATION_HEADER: &str = "x-ms-correlation-request-id";

/// One request in flight, counted until its answer is sent.
struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Every request: counted, delayed by the configured latency, answered with a correlation id.
/// With `--max-in-flight N`, the service behaves as one near capacity: past half of N requests
/// in flight its answers slow down (twice the latency at N), and beyond N it refuses with 429
/// and `Retry-After`.
pub(super) async fn count_and_delay(State(sh): Sim, req: Request, next: Next) -> Response {
    use std::sync::atomic::Ordering;
    {
        let path = req.uri().path();
        let api = path.starts_with("/api/") || path.starts_with("/rp/");
        let mut state = sh.lock();
        state.total_requests += 1;
        state.api_requests += u64::from(api);
    }
    let now_in = sh.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    let _in_flight = InFlight(&sh.in_flight);
    let mut delay = sh.latency;
    if let Some(max) = sh.max_in_flight {
        if now_in > max {
            sh.overload_refusals.fetch_add(1, Ordering::Relaxed);
            let mut refused = error(
                429,
                "TooManyRequests",
                "Too many requests in flight; retry after the time given in Retry-After.",
            );
            refused.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from_static("1"),
            );
            return refused;
        }
        let half = (max / 2).max(1);
        if now_in > half {
            delay += sh.latency.mul_f64((now_in - half) as f64 / half as f64);
        }
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut response = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        response
            .headers_mut()
            .entry(HeaderName::from_static(CORRELATION_HEADER))
            .or_insert(v);
    }
    response
}

/// A query parameter of the request, its name matched without regard to case.
pub(super) fn query_value(req: &Request, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.into_owned())
}

/// The bearer token of the request (empty when there is none).
pub(super) fn bearer_token(req: &Request) -> &str {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .unwrap_or("")
}

/// API requests: a known api-version and a valid bearer token, else 400 or 401.
pub(super) async fn authenticate(State(sh): Sim, mut req: Request, next: Next) -> Response {
    let api_version = query_value(&req, "api-version").unwrap_or_default();
    if !ACCEPTED_API_VERSIONS.contains(&api_version.as_str()) {
        return error(
            400,
            "InvalidAPIVersion",
            "Invalid api version. Allowed values are [2016-08-01-preview]",
        );
    }
    let client = match sh.lock().principal(
        bearer_token(&req),
        crate::sim::model::tokens::Audience::CloudPartner,
        sh.clock.now(),
    ) {
        Ok(client) => client,
        Err(crate::sim::model::tokens::Refusal::WrongAudience) => {
            return error(
                401,
                "Unauthorized",
                "Authentication failed: the token's audience is not https://cloudpartner.azure.com.",
            );
        }
        Err(_) => {
            return error(
                401,
                "Unauthorized",
                "Authentication failed: the bearer token is missing, invalid or expired.",
            );
        }
    };
    req.extensions_mut().insert(Principal(client));
    req.extensions_mut().insert(ApiVersion(api_version));
    next.run(req).await
}

/// Chaos mode: a share of API answers replaced by a fault.
pub(super) async fn chaos(State(sh): Sim, req: Request, next: Next) -> Response {
    let Some(engine) = &sh.chaos else {
        return next.run(req).await;
    };
    match engine.draw() {
        None => next.run(req).await,
        Some(ChaosFault::Throttle) => {
            let mut r = error(
                429,
                "TooManyRequests",
                "Too many requests (simulated chaos).",
            );
            if let Ok(v) = HeaderValue::from_str(&engine.chaos.retry_after_secs.to_string()) {
                r.headers_mut().insert("retry-after", v);
            }
            r
        }
        Some(ChaosFault::ServerError) => {
            let status = if engine.coin() { 500 } else { 503 };
            answer(
                status,
                &shim_error(
                    "Variant",
                    "snapshot() resulted in an internal conflict! Retry is OK.\r\n   at (simulated chaos)",
                ),
            )
        }
        Some(ChaosFault::Html) => (
            StatusCode::BAD_GATEWAY,
            [(CONTENT_TYPE, "text/html")],
            "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>The gateway did not receive a timely response (simulated chaos).</p></body></html>",
        )
            .into_response(),
        Some(ChaosFault::Slow) => {
            tokio::time::sleep(engine.chaos.slow_delay).await;
            next.run(req).await
        }
        Some(ChaosFault::Drop) => {
            // Served, then the connection dies mid-answer: the client cannot tell what happened.
            let (mut parts, _) = next.run(req).await.into_parts();
            parts.headers.remove(CONTENT_LENGTH);
            let stream = futures::stream::iter(vec![
                Ok::<_, std::io::Error>(Bytes::from_static(b"{\"status\":")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "simulated chaos: connection dropped",
                )),
            ]);
            Response::from_parts(parts, Body::from_stream(stream))
        }
        Some(ChaosFault::Truncate) => {
            let (mut parts, body) = next.run(req).await.into_parts();
            let bytes = axum::body::to_bytes(body, 16 << 20)
                .await
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            let half = text.floor_char_boundary(text.len() / 2);
            parts.headers.remove(CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(text[..half].to_string()))
        }
    }
}
