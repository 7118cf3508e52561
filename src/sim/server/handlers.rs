//! One handler per endpoint: the checks every offer request gets, then the state machine's
//! answer.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::header::HOST;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ApiVersion, Principal, Shared, answer, error};
use crate::domain::OpKind;
use crate::sim::PointerStyle;
use crate::sim::model::{PostOutcome, PostRequest, SimState};

type Sim = State<Arc<Shared>>;

pub(super) async fn no_such_resource() -> Response {
    error(404, "NotFound", "No such resource.")
}

pub(super) async fn use_post() -> Response {
    error(405, "MethodNotAllowed", "use POST")
}

/// `POST /{tenant}/oauth2/token`: client credentials only.
pub(super) async fn token(State(sh): Sim, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if field("grant_type") != "client_credentials" {
        return answer(
            400,
            &json!({"error": "unsupported_grant_type", "error_description": "AADSTS70003: only client_credentials is supported (simulated)."}),
        );
    }
    if field("client_id") != sh.client_id || field("client_secret") != sh.client_secret {
        return answer(
            401,
            &json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret or unknown client id (simulated)."}),
        );
    }
    let now = sh.clock.now();
    let audience =
        crate::sim::model::tokens::Audience::requested(field("resource"), field("scope"));
    let (token, lifetime) = sh.lock().issue_token(field("client_id"), audience, now);
    let expires_on = now.timestamp() + lifetime as i64;
    answer(
        200,
        &json!({
            "token_type": "Bearer",
            "expires_in": lifetime.to_string(),
            "ext_expires_in": lifetime.to_string(),
            "expires_on": expires_on.to_string(),
            "not_before": now.timestamp().to_string(),
            "resource": field("resource"),
            "access_token": token,
        }),
    )
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: the fake Azure AD's discovery
/// document. It names Azure AD's own https endpoints, as the real one does (MSAL accepts no
/// other scheme): a client run against the simulator sends that host here.
pub(super) async fn openid_configuration(Path(tenant): Path<String>) -> Response {
    let base = format!("https://login.microsoftonline.com/{tenant}");
    answer(
        200,
        &json!({
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "issuer": format!("{base}/v2.0"),
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "response_types_supported": ["code", "id_token", "token"],
            "grant_types_supported": ["client_credentials"],
        }),
    )
}

pub(super) async fn publishers(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
) -> Response {
    answer(200, &sh.lock().publishers_json(&client))
}

pub(super) async fn offer_types() -> Response {
    answer(
        200,
        &json!([{"id": "microsoft-azure-virtualmachines"}, {"id": "microsoft-azure-corevm"}]),
    )
}

/// The refusal of a request on a publisher the client may not see (403) or that does not exist
/// (404), if it is one.
fn check_publisher(sh: &Shared, publisher: &str, client: &str) -> Option<Response> {
    match sh.lock().publisher_allows(publisher, client) {
        Some(true) => None,
        Some(false) => Some(error(
            403,
            "Forbidden",
            "User does not have the required permissions",
        )),
        None => Some(error(
            404,
            "NotFound",
            &format!("Publisher {publisher} was not found."),
        )),
    }
}

/// The checks of every request on one offer: the publisher, the offer, and the offer's own
/// scenario faults (throttling, server errors). Returns the refusal, if any.
fn check_offer(
    sh: &Shared,
    client: &str,
    publisher: &str,
    offer: &str,
    is_get: bool,
) -> Option<Response> {
    if let Some(denied) = check_publisher(sh, publisher, client) {
        return Some(denied);
    }
    let mut state = sh.lock();
    if !state.offer_exists(publisher, offer) {
        return Some(answer(404, &SimState::not_found_body(publisher, offer)));
    }
    if let Some(fault) = state.fault_for(publisher, offer, is_get) {
        let mut r = answer(fault.status, &fault.body);
        for (name, value) in fault.headers {
            if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
                r.headers_mut().insert(n, v);
            }
        }
        return Some(r);
    }
    None
}

pub(super) async fn legacy_operation(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
    Path(pointer): Path<String>,
) -> Response {
    let publisher = pointer.split('$').next().unwrap_or("");
    if let Some(denied) = check_publisher(&sh, publisher, &client) {
        return denied;
    }
    match sh.lock().legacy_operation(&pointer, sh.clock.now()) {
        Some(body) => answer(200, &body),
        None => error(
            404,
            "NotFound",
            &format!("Operation {pointer} was not found."),
        ),
    }
}

pub(super) async fn list_offers(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
    Path(publisher): Path<String>,
) -> Response {
    if let Some(denied) = check_publisher(&sh, &publisher, &client) {
        return denied;
    }
    answer(200, &sh.lock().list_offers(&publisher, sh.clock.now()))
}

pub(super) async fn get_offer(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
    Path((publisher, offer)): Path<(String, String)>,
) -> Response {
    if let Some(denied) = check_offer(&sh, &client, &publisher, &offer, true) {
        return denied;
    }
    let now = sh.clock.now();
    let mut state = sh.lock();
    let read = state.get_offer(&publisher, &offer, now);
    state.after_read(&publisher, &offer, now);
    drop(state);
    match read {
        Some((body, etag)) => with_etag(answer(200, &body), &etag),
        None => answer(404, &SimState::not_found_body(&publisher, &offer)),
    }
}

/// `PUT …/offers/{o}`: create (201) or modify (200, with `If-Match`) the offer's draft.
pub(super) async fn put_offer(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
    Path((publisher, offer)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(denied) = check_publisher(&sh, &publisher, &client) {
        return denied;
    }
    let exists = sh.lock().offer_exists(&publisher, &offer);
    if exists && let Some(denied) = check_offer(&sh, &client, &publisher, &offer, false) {
        return denied;
    }
    let Ok(document) = serde_json::from_slice::<Value>(&body) else {
        return error(400, "BadRequest", "The request body is not a JSON offer.");
    };
    let if_match = headers
        .get(axum::http::header::IF_MATCH)
        .and_then(|v| v.to_str().ok());
    let now = sh.clock.now();
    let mut state = sh.lock();
    let outcome = state.put_offer(&publisher, &offer, if_match, &document, now);
    sh.save(&state);
    drop(state);
    let response = answer(outcome.status, &outcome.body);
    match outcome.etag {
        Some(etag) => with_etag(response, &etag),
        None => response,
    }
}

fn with_etag(mut r: Response, etag: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(etag) {
        r.headers_mut().insert("etag", v);
    }
    r
}

pub(super) async fn offer_status(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
    Path((publisher, offer)): Path<(String, String)>,
) -> Response {
    if let Some(denied) = check_offer(&sh, &client, &publisher, &offer, true) {
        return denied;
    }
    let body = sh
        .lock()
        .offer_status_body(&publisher, &offer, sh.clock.now());
    answer(200, &body)
}

pub(super) async fn submissions(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
    Path((publisher, offer)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(denied) = check_offer(&sh, &client, &publisher, &offer, true) {
        return denied;
    }
    let filter = query
        .iter()
        .find(|(k, _)| {
            k.eq_ignore_ascii_case("status") || k.eq_ignore_ascii_case("submissionState")
        })
        .map(|(_, v)| v.as_str());
    let list = sh
        .lock()
        .submissions(&publisher, &offer, filter, sh.clock.now());
    answer(200, &list)
}

pub(super) async fn operation(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
    Path((publisher, offer, id)): Path<(String, String, String)>,
) -> Response {
    if let Some(denied) = check_offer(&sh, &client, &publisher, &offer, true) {
        return denied;
    }
    match sh.lock().operation(&publisher, &offer, &id, sh.clock.now()) {
        Some(body) => answer(200, &body),
        None => error(
            404,
            "NotFound",
            &format!("Operation {id} was not found on offer {offer}."),
        ),
    }
}

pub(super) async fn slot(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
    Path((publisher, offer, name)): Path<(String, String, String)>,
) -> Response {
    if let Some(denied) = check_offer(&sh, &client, &publisher, &offer, true) {
        return denied;
    }
    let now = sh.clock.now();
    let state = sh.lock();
    let slot = name.to_ascii_lowercase();
    if !matches!(slot.as_str(), "draft" | "preview" | "production") {
        return error(
            400,
            "BadRequest",
            &format!("Unknown slot {name}; use draft, preview or production."),
        );
    }
    match state.slot_document(&publisher, &offer, &slot, now) {
        Some((body, etag)) => with_etag(answer(200, &body), &etag),
        None => error(
            404,
            "NotFound",
            &format!(
                "There is no {name} slot deployed for Offer ID '{offer}', Publisher ID '{publisher}'"
            ),
        ),
    }
}

/// `POST …/offers/{o}/publish|golive|cancel`: 202 with the operation pointer in the headers
/// this offer's style uses.
pub(super) async fn start(
    State(sh): Sim,
    Extension(Principal(client)): Extension<Principal>,
    Extension(ApiVersion(api_version)): Extension<ApiVersion>,
    Path((publisher, offer, action)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let kind = match action.to_ascii_lowercase().as_str() {
        "publish" => OpKind::Publish,
        "golive" => OpKind::GoLive,
        "cancel" => OpKind::Cancel,
        _ => return error(404, "NotFound", "No such action."),
    };
    if let Some(denied) = check_offer(&sh, &client, &publisher, &offer, false) {
        return denied;
    }
    let emails = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| {
            v["metadata"]["notification-emails"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_default();
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}");
    let now = sh.clock.now();
    let mut state = sh.lock();
    let style = state.pointer_style(&publisher, &offer);
    let outcome = state.post(
        &PostRequest {
            publisher: &publisher,
            offer: &offer,
            kind,
            emails: &emails,
            base: &base,
            api_version: &api_version,
        },
        now,
    );
    sh.save(&state);
    drop(state);
    match outcome {
        PostOutcome::Accepted { pointer } => {
            let mut r = StatusCode::ACCEPTED.into_response();
            let names: &[&str] = match style {
                PointerStyle::Both => &["location", "operation-location"],
                PointerStyle::Location => &["location"],
                PointerStyle::OperationLocationAbsolute => &["operation-location"],
                PointerStyle::None => &[],
            };
            if let Some(v) = pointer.and_then(|p| HeaderValue::from_str(&p).ok()) {
                for name in names {
                    r.headers_mut().insert(*name, v.clone());
                }
            }
            r
        }
        PostOutcome::AcceptedButLost => error(
            500,
            "InternalServerError",
            "We cannot complete the request now, please try again later.",
        ),
        PostOutcome::Refused { status, body } => answer(status, &body),
    }
}
