//! The simulator's HTTP face: an axum `Router` with one handler per endpoint, and middlewares
//! for what every request goes through (path normalisation, latency, chaos, authentication).
//! Handlers (`handlers.rs`) read the state machine in `model` and answer with its bodies;
//! `middleware.rs` holds what every request goes through.

mod blobs;
mod handlers;
mod ingestion;
mod middleware;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::chaos::ChaosEngine;
use super::ingestion::IngestionSim;
use super::model::{SimState, error_body};
use crate::clock::Clock;
use handlers::*;
use middleware::{authenticate, chaos, count_and_delay};

/// What every handler shares: the service's state and the run's settings.
pub(super) struct Shared {
    pub state: Mutex<SimState>,
    /// The Product Ingestion API's products and jobs.
    pub ingestion: Mutex<IngestionSim>,
    pub latency: Duration,
    pub client_id: String,
    pub client_secret: String,
    pub persist: Option<PathBuf>,
    pub chaos: Option<ChaosEngine>,
    pub clock: Clock,
    /// Requests being answered now, and the most the service takes (`--max-in-flight`).
    pub in_flight: std::sync::atomic::AtomicUsize,
    pub max_in_flight: Option<usize>,
    /// Requests refused with 429 for being over `max_in_flight`.
    pub overload_refusals: std::sync::atomic::AtomicU64,
}

impl Shared {
    /// A poisoned lock only means a handler panicked mid-change; the simulator keeps serving.
    pub(super) fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Same as `lock`, for the Product Ingestion API's state.
    pub(super) fn lock_ingestion(&self) -> MutexGuard<'_, IngestionSim> {
        self.ingestion.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the Product Ingestion API's state where it is kept between runs, if anywhere.
    fn save_ingestion(&self, state: &IngestionSim) {
        let Some(path) = self.persist.as_deref().map(super::ingestion_file) else {
            return;
        };
        match serde_json::to_vec(state) {
            Ok(bytes) => {
                if let Err(e) = crate::fsutil::write_atomically(&path, &bytes) {
                    tracing::warn!(error = %e, path = %path.display(), "could not save the simulator state");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not serialise the simulator state"),
        }
    }

    /// Writes the service's state where it is kept between runs, if anywhere.
    fn save(&self, state: &SimState) {
        let Some(path) = &self.persist else { return };
        match serde_json::to_vec(&state.save()) {
            Ok(bytes) => {
                if let Err(e) = crate::fsutil::write_atomically(path, &bytes) {
                    tracing::warn!(error = %e, path = %path.display(), "could not save the simulator state");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not serialise the simulator state"),
        }
    }
}

/// The client a valid bearer token belongs to (set by `authenticate`).
#[derive(Debug, Clone)]
pub(super) struct Principal(pub String);

/// The api-version of the request (checked by `authenticate`).
#[derive(Debug, Clone)]
pub(super) struct ApiVersion(pub String);

/// A JSON answer as the service writes it.
fn answer(status: u16, body: &impl Serialize) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match serde_json::to_string(body) {
        Ok(text) => (
            status,
            [(CONTENT_TYPE, "application/json; charset=utf-8")],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn error(status: u16, code: &str, message: &str) -> Response {
    answer(status, &error_body(code, message))
}

/// The whole service: routes, then the middlewares every request goes through.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    let offer = "/api/publishers/{publisher}/offers/{offer}";
    let api = Router::new()
        .route("/api/publishers", get(publishers))
        .route("/api/offertypes", get(offer_types))
        .route("/api/operations/{pointer}", get(legacy_operation))
        .route(
            "/api/publishers/{publisher}/offers",
            get(list_offers).fallback(|| async {
                error(
                    405,
                    "MethodNotAllowed",
                    "Only GET is supported on the offer list.",
                )
            }),
        )
        .route(
            offer,
            get(get_offer).put(put_offer).fallback(no_such_resource),
        )
        .route(&format!("{offer}/status"), get(offer_status))
        .route(&format!("{offer}/submissions"), get(submissions))
        .route(&format!("{offer}/operations/{{id}}"), get(operation))
        .route(&format!("{offer}/slot/{{slot}}"), get(slot))
        .route(
            &format!("{offer}/{{action}}"),
            post(start).fallback(no_such_resource),
        )
        .route_layer(from_fn_with_state(shared.clone(), authenticate))
        .route_layer(from_fn_with_state(shared.clone(), chaos));
    Router::new()
        // The fake Azure AD: v1 and v2 token endpoints.
        .route("/{tenant}/oauth2/token", post(token).fallback(use_post))
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(token).fallback(use_post),
        )
        // What MSAL reads before it asks for a token (azure-img-utils signs in through it).
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(openid_configuration),
        )
        // A storage account's blobs, for the pre-flight checks of a VHD's SAS URI.
        .route(
            "/blobs/{account}/{container}/{*blob}",
            get(blobs::blob).head(blobs::blob),
        )
        .merge(api)
        .nest(
            ingestion::BASE_PATH,
            ingestion::routes(shared.clone())
                .route_layer(from_fn_with_state(shared.clone(), chaos)),
        )
        .fallback(no_such_resource)
        .layer(from_fn_with_state(shared.clone(), count_and_delay))
        .with_state(shared)
}

/// Literal path segments, matched without regard to case (the service does).
const LITERALS: [&str; 21] = [
    "api",
    "publishers",
    "offers",
    "offertypes",
    "operations",
    "status",
    "submissions",
    "slot",
    "oauth2",
    "token",
    "v2.0",
    "publish",
    "golive",
    "rp",
    "product-ingestion",
    "product",
    "submission",
    "configure",
    "cancel",
    "plan",
    "resource-tree",
];

/// Runs before routing: trailing slashes are dropped and literal segments lower-cased, as the
/// service accepts both.
pub(super) async fn normalize(mut req: Request) -> Request {
    let uri = req.uri();
    let path: Vec<String> = uri
        .path()
        .split('/')
        .map(|segment| {
            let lower = segment.to_ascii_lowercase();
            if LITERALS.contains(&lower.as_str()) {
                lower
            } else {
                segment.to_string()
            }
        })
        .collect();
    let mut path = path.join("/");
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    let rebuilt = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    if let Ok(new) = rebuilt.parse() {
        *req.uri_mut() = new;
    }
    req
}
