//! The embedded simulator of the Cloud Partner Portal API: a real HTTP server on loopback, in
//! the same binary, with the publish state machine, step progress, 422 validation failures,
//! certification failures, throttling, transient faults and a fake Azure AD token endpoint.
//!
//! `offerdeck simulate` serves it; `--demo` and the tests start it in-process on port 0.

pub mod catalogue;
pub mod chaos;
pub mod model;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::api::OpKind;
use crate::clock::Clock;
pub use catalogue::{Behaviour, OfferSpec, PointerStyle, PublisherSpec};
pub use chaos::{Chaos, ChaosStats};
pub use model::{Fault, PostOutcome, PostRequest, SimSettings, SimState};

/// The api-versions the simulator accepts (the real service also knows the preview one).
pub const ACCEPTED_API_VERSIONS: [&str; 2] = ["2017-10-31", "2016-08-01-preview"];

/// Everything that shapes a simulator run.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub settings: SimSettings,
    pub publishers: Vec<PublisherSpec>,
    pub offers: Vec<OfferSpec>,
    /// Added to every answer (to measure clients against a realistic round trip).
    pub latency: Duration,
    pub client_id: String,
    pub client_secret: String,
    /// A token accepted without the token endpoint (given to the demo principal).
    pub static_token: Option<String>,
    /// Where the service's state is saved after every change, and restored from at start, so
    /// a restarted simulator still knows the operations it was running.
    pub persist: Option<PathBuf>,
    /// Faults injected into `/api` answers.
    pub chaos: Option<Chaos>,
    /// Where the service's time comes from: the system clock, or a manual one tests advance.
    pub clock: Clock,
}

impl SimOptions {
    /// The demo catalogue at the given time scale.
    pub fn demo(time_scale: f64) -> SimOptions {
        let (publishers, offers) = catalogue::demo();
        SimOptions {
            settings: SimSettings {
                time_scale,
                ..SimSettings::default()
            },
            publishers,
            offers,
            latency: Duration::ZERO,
            client_id: catalogue::DEMO_CLIENT_ID.into(),
            client_secret: catalogue::DEMO_CLIENT_SECRET.into(),
            static_token: None,
            persist: None,
            chaos: None,
            clock: Clock::System,
        }
    }
}

struct Shared {
    state: Mutex<SimState>,
    latency: Duration,
    client_id: String,
    client_secret: String,
    persist: Option<PathBuf>,
    chaos: Option<chaos::ChaosEngine>,
    clock: Clock,
}

impl Shared {
    /// A poisoned lock only means a handler panicked mid-change; the simulator keeps serving.
    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running simulator. Dropping it (or `stop`) shuts the server down.
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Simulator {
    /// Binds `addr` (port 0 picks a free one) and serves until stopped.
    pub async fn start(addr: SocketAddr, options: SimOptions) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let saved = options
            .persist
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|bytes| serde_json::from_slice::<model::Saved>(&bytes).ok());
        let now = options.clock.now();
        let mut state = match saved {
            Some(saved) => SimState::restore(options.settings, saved, now),
            None => SimState::new(options.settings, options.publishers, options.offers, now),
        };
        if let Some(token) = &options.static_token {
            state.add_static_token(token, &options.client_id);
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            latency: options.latency,
            client_id: options.client_id,
            client_secret: options.client_secret,
            persist: options.persist,
            chaos: options.chaos.map(chaos::ChaosEngine::new),
            clock: options.clock,
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "simulator stopped");
            }
        });
        tracing::info!(%addr, "simulator listening");
        Ok(Simulator {
            addr,
            shared,
            shutdown,
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}/`
    pub fn base_url(&self) -> Url {
        // Infallible: formatted from a socket address.
        Url::parse(&format!("http://{}/", self.addr)).unwrap_or_else(|_| unreachable!())
    }

    /// The simulated service's clock (a test with a manual clock advances it).
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Moves a manual clock forward: the service's operations progress by that much real time
    /// (times the time scale). Returns false on the system clock, which moves by itself.
    pub fn advance(&self, by: Duration) -> bool {
        self.shared.clock.advance(by)
    }

    /// Reads or changes the simulated service (tests inject conditions this way).
    pub fn with_state<R>(&self, f: impl FnOnce(&mut SimState) -> R) -> R {
        f(&mut self.shared.lock())
    }

    /// The faults chaos mode injected so far.
    pub fn chaos_stats(&self) -> ChaosStats {
        self.shared
            .chaos
            .as_ref()
            .map(|c| c.stats())
            .unwrap_or_default()
    }

    /// Stops serving and waits for the server task.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

type Answer = (StatusCode, Vec<(String, String)>, Value);

fn json_answer(status: u16, body: Value) -> Answer {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Vec::new(),
        body,
    )
}

fn error_answer(status: u16, code: &str, message: &str) -> Answer {
    json_answer(status, json!({"error": {"code": code, "message": message}}))
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    let fault = match &shared.chaos {
        Some(engine) if uri.path().starts_with("/api") => engine.draw(),
        _ => None,
    };
    if let (Some(fault), Some(engine)) = (fault, &shared.chaos) {
        match fault {
            chaos::Fault::Throttle => {
                let body = json!({"error": {"code": "TooManyRequests", "message": "Too many requests (simulated chaos)."}}).to_string();
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", engine.chaos.retry_after_secs.to_string())],
                    body,
                )
                    .into_response();
            }
            chaos::Fault::ServerError => {
                let status = if engine.coin() {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                };
                let body = json!({"Variant": {"serviceName": "Variant", "error": "snapshot() resulted in an internal conflict! Retry is OK.\r\n   at (simulated chaos)"}}).to_string();
                return (status, body).into_response();
            }
            chaos::Fault::Html => {
                let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>The gateway did not receive a timely response (simulated chaos).</p></body></html>";
                return (
                    StatusCode::BAD_GATEWAY,
                    [(axum::http::header::CONTENT_TYPE, "text/html")],
                    page,
                )
                    .into_response();
            }
            chaos::Fault::Slow => tokio::time::sleep(engine.chaos.slow_delay).await,
            chaos::Fault::Drop | chaos::Fault::Truncate => {}
        }
    }
    let (status, extra, body) = route(&shared, &method, &uri, &headers, &body);
    match fault {
        Some(chaos::Fault::Drop) => {
            // Served, then the connection dies mid-answer: the client cannot tell what happened.
            let stream = futures::stream::iter(vec![
                Ok::<_, std::io::Error>(Bytes::from_static(b"{\"status\":")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "simulated chaos: connection dropped",
                )),
            ]);
            return (status, axum::body::Body::from_stream(stream)).into_response();
        }
        Some(chaos::Fault::Truncate) if !body.is_null() => {
            let text = body.to_string();
            let half = text.floor_char_boundary(text.len() / 2);
            return (
                status,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                text[..half].to_string(),
            )
                .into_response();
        }
        _ => {}
    }
    let mut response = if body.is_null() {
        status.into_response()
    } else {
        (
            status,
            [(
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )],
            body.to_string(),
        )
            .into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert(
            HeaderName::from_static(crate::api::client::CORRELATION_HEADER),
            v,
        );
    }
    for (name, value) in extra {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            h.insert(n, v);
        }
    }
    response
}

fn segments(uri: &Uri) -> Vec<String> {
    let mut segs: Vec<String> = uri
        .path()
        .split('/')
        .skip(1)
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    // Trailing slashes are accepted everywhere.
    while segs.last().is_some_and(String::is_empty) {
        segs.pop();
    }
    segs
}

fn query(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn route(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Answer {
    let segs = segments(uri);
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let now = shared.clock.now();
    shared.lock().total_requests += 1;

    // The fake Azure AD token endpoint: v1 /{tenant}/oauth2/token and v2 /{tenant}/oauth2/v2.0/token.
    let is_token = matches!(s.as_slice(), [_, o, t] if eq(o, "oauth2") && eq(t, "token"))
        || matches!(s.as_slice(), [_, o, v, t] if eq(o, "oauth2") && eq(v, "v2.0") && eq(t, "token"));
    if is_token {
        if method != Method::POST {
            return error_answer(405, "MethodNotAllowed", "use POST");
        }
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        let field = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        if field("grant_type") != "client_credentials" {
            return json_answer(
                400,
                json!({"error": "unsupported_grant_type", "error_description": "AADSTS70003: only client_credentials is supported (simulated)."}),
            );
        }
        if field("client_id") != shared.client_id || field("client_secret") != shared.client_secret
        {
            return json_answer(
                401,
                json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret or unknown client id (simulated)."}),
            );
        }
        let (token, lifetime) = shared.lock().issue_token(field("client_id"), now);
        let expires_on = now.timestamp() + lifetime as i64;
        return json_answer(
            200,
            json!({
                "token_type": "Bearer",
                "expires_in": lifetime.to_string(),
                "ext_expires_in": lifetime.to_string(),
                "expires_on": expires_on.to_string(),
                "not_before": now.timestamp().to_string(),
                "resource": field("resource"),
                "access_token": token,
            }),
        );
    }

    if !matches!(s.first(), Some(a) if eq(a, "api")) {
        return error_answer(404, "NotFound", "No such resource.");
    }
    let q = query(uri);
    let qv = |k: &str| {
        q.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let api_version = qv("api-version").unwrap_or_default();
    if !ACCEPTED_API_VERSIONS.contains(&api_version.as_str()) {
        return error_answer(
            400,
            "InvalidAPIVersion",
            "Invalid api version. Allowed values are [2016-08-01-preview]",
        );
    }
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .unwrap_or("");
    let Some(client) = shared.lock().principal(token, now) else {
        return error_answer(
            401,
            "Unauthorized",
            "Authentication failed: the bearer token is missing, invalid or expired.",
        );
    };
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}");

    match s.as_slice() {
        [_, p] if eq(p, "publishers") && method == Method::GET => {
            json_answer(200, shared.lock().publishers_json(&client))
        }
        [_, t] if eq(t, "offerTypes") && method == Method::GET => json_answer(
            200,
            json!([{"id": "microsoft-azure-virtualmachines"}, {"id": "microsoft-azure-corevm"}]),
        ),
        [_, o, legacy] if eq(o, "operations") && method == Method::GET => {
            let publisher = legacy.split('$').next().unwrap_or("");
            if let Some(denied) = check_publisher(shared, publisher, &client) {
                return denied;
            }
            match shared.lock().legacy_operation(legacy, now) {
                Some(v) => json_answer(200, v),
                None => error_answer(
                    404,
                    "NotFound",
                    &format!("Operation {legacy} was not found."),
                ),
            }
        }
        [_, p, publisher, o, rest @ ..] if eq(p, "publishers") && eq(o, "offers") => {
            if let Some(denied) = check_publisher(shared, publisher, &client) {
                return denied;
            }
            if rest.is_empty() {
                return match *method {
                    Method::GET => json_answer(200, shared.lock().list_offers(publisher, now)),
                    _ => error_answer(
                        405,
                        "MethodNotAllowed",
                        "Only GET is supported on the offer list.",
                    ),
                };
            }
            let offer = rest[0];
            let mut state = shared.lock();
            if !state.offer_exists(publisher, offer) {
                return json_answer(404, SimState::not_found_body(publisher, offer));
            }
            if let Some(fault) = state.fault_for(publisher, offer, *method == Method::GET) {
                let mut answer = json_answer(fault.status, fault.body);
                answer.1 = fault.headers;
                return answer;
            }
            match (&rest[1..], method.clone()) {
                ([], Method::GET) => match state.get_offer(publisher, offer, now) {
                    Some((v, etag)) => (StatusCode::OK, vec![("etag".into(), etag)], v),
                    None => json_answer(404, SimState::not_found_body(publisher, offer)),
                },
                ([st], Method::GET) if eq(st, "status") => json_answer(
                    200,
                    state
                        .offer_status_json(publisher, offer, now)
                        .unwrap_or(Value::Null),
                ),
                ([sub], Method::GET) if eq(sub, "submissions") => {
                    let filter = qv("status").or_else(|| qv("submissionState"));
                    json_answer(
                        200,
                        state
                            .submissions(publisher, offer, filter.as_deref(), now)
                            .unwrap_or(Value::Null),
                    )
                }
                ([ops, id], Method::GET) if eq(ops, "operations") => {
                    match state.operation(publisher, offer, id, now) {
                        Some(v) => json_answer(200, v),
                        None => error_answer(
                            404,
                            "NotFound",
                            &format!("Operation {id} was not found on offer {offer}."),
                        ),
                    }
                }
                ([slot, name], Method::GET) if eq(slot, "slot") => {
                    let status = state
                        .get_offer(publisher, offer, now)
                        .map(|(v, _)| v["status"].as_str().unwrap_or("").to_string())
                        .unwrap_or_default();
                    let available = match name.to_ascii_lowercase().as_str() {
                        "draft" => true,
                        "preview" => {
                            matches!(status.as_str(), "waitingForPublisherReview" | "succeeded")
                        }
                        "production" => status == "succeeded",
                        _ => {
                            return error_answer(
                                400,
                                "BadRequest",
                                &format!("Unknown slot {name}; use draft, preview or production."),
                            );
                        }
                    };
                    if available {
                        let (v, etag) = state
                            .get_offer(publisher, offer, now)
                            .unwrap_or((Value::Null, String::new()));
                        (StatusCode::OK, vec![("etag".into(), etag)], v)
                    } else {
                        error_answer(
                            404,
                            "NotFound",
                            &format!(
                                "There is no {name} slot deployed for Offer ID '{offer}', Publisher ID '{publisher}'"
                            ),
                        )
                    }
                }
                ([action], Method::POST) => {
                    let kind = match action.to_ascii_lowercase().as_str() {
                        "publish" => OpKind::Publish,
                        "golive" => OpKind::GoLive,
                        "cancel" => OpKind::Cancel,
                        _ => return error_answer(404, "NotFound", "No such action."),
                    };
                    let emails = serde_json::from_slice::<Value>(body)
                        .ok()
                        .and_then(|v| {
                            v["metadata"]["notification-emails"]
                                .as_str()
                                .map(str::to_string)
                        })
                        .unwrap_or_default();
                    let style = state.pointer_style(publisher, offer);
                    let request = model::PostRequest {
                        publisher,
                        offer,
                        kind,
                        emails: &emails,
                        base: &base,
                        api_version: &api_version,
                    };
                    let outcome = state.post(&request, now);
                    if let Some(path) = &shared.persist {
                        match serde_json::to_vec(&state.save()) {
                            Ok(bytes) => {
                                if let Err(e) = crate::fsutil::write_atomically(path, &bytes) {
                                    tracing::warn!(error = %e, path = %path.display(), "could not save the simulator state");
                                }
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "could not serialise the simulator state")
                            }
                        }
                    }
                    match outcome {
                        PostOutcome::Accepted { pointer } => {
                            let mut extra = Vec::new();
                            if let Some(p) = pointer {
                                match style {
                                    PointerStyle::Both => {
                                        extra.push(("location".into(), p.clone()));
                                        extra.push(("operation-location".into(), p));
                                    }
                                    PointerStyle::Location => extra.push(("location".into(), p)),
                                    PointerStyle::OperationLocationAbsolute => {
                                        extra.push(("operation-location".into(), p))
                                    }
                                    PointerStyle::None => {}
                                }
                            }
                            (StatusCode::ACCEPTED, extra, Value::Null)
                        }
                        PostOutcome::AcceptedButLost => json_answer(
                            500,
                            json!({"error": {"code": "InternalServerError", "message": "We cannot complete the request now, please try again later."}}),
                        ),
                        PostOutcome::Refused { status, body } => json_answer(status, body),
                    }
                }
                _ => error_answer(404, "NotFound", "No such resource."),
            }
        }
        _ => error_answer(404, "NotFound", "No such resource."),
    }
}

fn check_publisher(shared: &Shared, publisher: &str, client: &str) -> Option<Answer> {
    match shared.lock().publisher_allows(publisher, client) {
        Some(true) => None,
        Some(false) => Some(error_answer(
            403,
            "Forbidden",
            "User does not have the required permissions",
        )),
        None => Some(error_answer(
            404,
            "NotFound",
            &format!("Publisher {publisher} was not found."),
        )),
    }
}
