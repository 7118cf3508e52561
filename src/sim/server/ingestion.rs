//! The Product Ingestion API's routes under `/rp/product-ingestion`: the checks every request
//! gets (`$version`, bearer token), then the answer of the state machine in `sim::ingestion`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderValue;
use axum::http::header::RETRY_AFTER;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::middleware::{bearer_token, query_value};
use super::{Shared, answer};
use crate::sim::ingestion::Answer;

type Sim = State<Arc<Shared>>;

/// Where the API lives on the simulator, as on `graph.microsoft.com`.
pub(super) const BASE_PATH: &str = "/rp/product-ingestion";

/// Schema versions the simulator accepts in `$version` (a missing one is accepted, as the
/// real service does for the many clients that omit it).
const ACCEPTED_VERSIONS: [&str; 4] = [
    "2022-03-01-preview2",
    "2022-03-01-preview3",
    "2022-03-01-preview5",
    "2022-07-01",
];

fn reply((status, body): Answer) -> Response {
    let mut response = answer(status, &body);
    if status == 429 {
        response.headers_mut().insert(
            RETRY_AFTER,
            HeaderValue::from(crate::sim::ingestion::RETRY_AFTER_SECONDS),
        );
    }
    response
}

fn ingestion_error(status: u16, code: &str, message: &str) -> Response {
    answer(
        status,
        &json!({"error": {"code": code, "message": message, "details": []}}),
    )
}

/// The routes, nested under `BASE_PATH` by the caller.
pub(super) fn routes(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/product", get(products))
        .route("/product/{guid}", get(product))
        .route("/plan", get(plans))
        .route("/submission/{guid}", get(submissions))
        .route("/submission/{guid}/{number}", get(submission))
        .route("/resource-tree/product/{guid}", get(resource_tree))
        .route("/configure", post(configure))
        .route("/configure/{job}", get(job_detail))
        .route("/configure/{job}/status", get(job_status))
        // Any other resource by its durable id (`virtual-machine-plan-technical-configuration/…`).
        .route("/{kind}/{*rest}", get(resource))
        .route("/configure/{job}/cancel", post(cancel))
        .fallback(|| async { ingestion_error(404, "notFound", "Resource not found") })
        .route_layer(from_fn_with_state(shared, authenticate))
}

/// A known `$version` (or none) and a valid bearer token, else 400 or 401.
async fn authenticate(State(sh): Sim, req: Request, next: Next) -> Response {
    match query_value(&req, "$version") {
        Some(version) if !ACCEPTED_VERSIONS.contains(&version.as_str()) => {
            return ingestion_error(
                400,
                "badRequest",
                &format!("The $version '{version}' is not supported."),
            );
        }
        None if sh.lock_ingestion().strictness().require_version => {
            return ingestion_error(
                400,
                "badRequest",
                "The $version query parameter is required.",
            );
        }
        _ => {}
    }
    use crate::sim::model::tokens::{Audience, Refusal};
    match sh
        .lock()
        .principal(bearer_token(&req), Audience::Graph, sh.clock.now())
    {
        Ok(_) => {}
        Err(Refusal::WrongAudience) => {
            return ingestion_error(
                401,
                "unauthorized",
                "Access token validation failure. Invalid audience.",
            );
        }
        Err(Refusal::Invalid) => {
            return ingestion_error(
                401,
                "unauthorized",
                "Authentication Error: ensure you're using a valid Azure AD access token",
            );
        }
    }
    next.run(req).await
}

async fn products(State(sh): Sim, Query(query): Query<HashMap<String, String>>) -> Response {
    let param = |name: &str| param(&query, name);
    let external = param("externalId");
    let size = param("$maxpagesize").and_then(|v| v.parse().ok());
    let from = param("continuationToken")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let version = param("$version").unwrap_or(ACCEPTED_VERSIONS[0]);
    reply(sh.lock_ingestion().products(external, size, from, version))
}

/// A query parameter, its name matched without regard to case.
fn param<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

async fn product(State(sh): Sim, Path(guid): Path<String>) -> Response {
    reply(sh.lock_ingestion().product(&guid))
}

async fn plans(State(sh): Sim, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some(product) = param(&query, "product") else {
        return ingestion_error(
            400,
            "badRequest",
            "The product query parameter is required (product=product/<guid>).",
        );
    };
    reply(
        sh.lock_ingestion()
            .plans(product, param(&query, "externalId")),
    )
}

async fn resource(State(sh): Sim, Path((kind, rest)): Path<(String, String)>) -> Response {
    reply(sh.lock_ingestion().resource(&format!("{kind}/{rest}")))
}

async fn job_detail(State(sh): Sim, Path(job): Path<String>) -> Response {
    let now = sh.clock.now();
    reply(sh.lock_ingestion().job_detail(&job, now))
}

async fn submissions(State(sh): Sim, Path(guid): Path<String>) -> Response {
    let now = sh.clock.now();
    reply(sh.lock_ingestion().submissions(&guid, now))
}

async fn submission(State(sh): Sim, Path((guid, number)): Path<(String, String)>) -> Response {
    let now = sh.clock.now();
    reply(sh.lock_ingestion().submission(&guid, &number, now))
}

async fn resource_tree(
    State(sh): Sim,
    Path(guid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let target = param(&query, "targetType").unwrap_or("draft");
    // A client that sends no `$version` gets the newest shapes.
    let version = param(&query, "$version");
    let now = sh.clock.now();
    reply(
        sh.lock_ingestion()
            .resource_tree(&guid, target, version, now),
    )
}

async fn job_status(State(sh): Sim, Path(job): Path<String>) -> Response {
    let now = sh.clock.now();
    reply(sh.lock_ingestion().job_status(&job, now))
}

async fn cancel(State(sh): Sim, Path(job): Path<String>) -> Response {
    let now = sh.clock.now();
    let mut state = sh.lock_ingestion();
    let answer = state.cancel(&job, now);
    sh.save_ingestion(&state);
    reply(answer)
}

async fn configure(State(sh): Sim, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return ingestion_error(
            400,
            "badRequest",
            "Invalid configuration: the body is not JSON",
        );
    };
    let now = sh.clock.now();
    let mut state = sh.lock_ingestion();
    let answer = state.configure(&request, now);
    sh.save_ingestion(&state);
    reply(answer)
}
