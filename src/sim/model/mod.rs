//! The simulated service's state: offers, operations and tokens. Nothing here does I/O or reads
//! a clock: every call takes the moment it happens at (from the simulator's clock), and the
//! bodies it answers with are the simulator's own wire shapes (`wire.rs`), written from the
//! CPP reference apart from offerdeck's client types.
//!
//! `plan.rs` is the publish state machine of one operation, `behaviour.rs` how the scenario
//! offers misbehave, `tokens.rs` the fake Azure AD's tokens.

mod behaviour;
mod offer_put;
mod plan;
mod reads;
pub mod tokens;
pub mod wire;
mod writes;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::catalogue::{OfferSpec, PublisherSpec};
use crate::domain::OpKind;
pub use behaviour::{Fault, shim_error};
pub use offer_put::PutOutcome;
pub use plan::{LIVE_SECONDS, OpState};
use plan::{SimOp, Snapshot};
use tokens::Tokens;

/// A moment of the service's time, read from the simulator's clock (wall-clock time rather than
/// a monotonic instant, so a saved simulator can be restored and its operations carry on).
pub type Moment = DateTime<Utc>;

/// Knobs of the simulated service.
#[derive(Debug, Clone)]
pub struct SimSettings {
    /// Simulated seconds per real second.
    pub time_scale: f64,
    /// Return `waitingForPublisherReview` at the top of `/status` instead of the observed
    /// `running` (the documented enum).
    pub signoff_top_level: bool,
    /// Carry the sign-off marker in the step's `stepName` (`"publisher-signoff"`, as SUSE's
    /// client reads it) rather than its `id`, the shape the docs' sample shows.
    pub signoff_in_step_name: bool,
    pub token_lifetime: Duration,
}

impl Default for SimSettings {
    fn default() -> Self {
        SimSettings {
            time_scale: 3_600.0,
            signoff_top_level: false,
            signoff_in_step_name: false,
            token_lifetime: Duration::from_secs(3_600),
        }
    }
}

/// A POST on an offer: what, on which offer, and where its pointer must lead.
#[derive(Debug, Clone, Copy)]
pub struct PostRequest<'a> {
    pub publisher: &'a str,
    pub offer: &'a str,
    pub kind: OpKind,
    pub emails: &'a str,
    /// `http://host:port` the client used, for absolute pointers.
    pub base: &'a str,
    pub api_version: &'a str,
}

/// The result of a POST on an offer, for the HTTP layer to turn into a response.
#[derive(Debug, Clone, PartialEq)]
pub enum PostOutcome {
    /// 202 with the pointer of this operation (or no pointer).
    Accepted { pointer: Option<String> },
    /// 202 and the operation started, but the answer is lost: the HTTP layer sends 500.
    AcceptedButLost,
    /// An error status with a JSON body.
    Refused { status: u16, body: Value },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SimOffer {
    spec: OfferSpec,
    guid: String,
    version: i64,
    changed: DateTime<Utc>,
    /// Operation ids, oldest first.
    ops: Vec<String>,
    publish_attempts: u32,
    lost_accepts: u32,
    requests: u64,
    gets: u64,
    posts: BTreeMap<String, u64>,
    /// The draft's `definition` as the last PUT left it; until one, the simulator's own.
    #[serde(default)]
    definition: Option<Value>,
    /// Reads after which someone else (the portal, a colleague) edits the draft at once: a
    /// write made on that read meets a changed ETag.
    #[serde(default)]
    edits_after_read: u32,
}

/// A saved simulator (see `SimState::save`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    publishers: Vec<PublisherSpec>,
    offers: Vec<SimOffer>,
    ops: Vec<SimOp>,
}

/// The whole simulated service.
pub struct SimState {
    pub settings: SimSettings,
    publishers: Vec<PublisherSpec>,
    offers: BTreeMap<(String, String), SimOffer>,
    ops: HashMap<String, SimOp>,
    tokens: Tokens,
    pub total_requests: u64,
    /// Of those, the requests to either API (not to the token endpoint): what polling costs.
    pub api_requests: u64,
}

fn key(publisher: &str, offer: &str) -> (String, String) {
    (publisher.to_ascii_lowercase(), offer.to_ascii_lowercase())
}

/// A time as the service writes it: seven fractional digits (chrono has no %.7f).
pub fn timestamp(t: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

/// The service's usual error shape, `{"error":{"code","message"}}`: every error the simulator
/// sends in that shape is built here.
pub fn error_body(code: &str, message: &str) -> Value {
    json!({ "error": { "code": code, "message": message } })
}

impl SimState {
    pub fn new(
        settings: SimSettings,
        publishers: Vec<PublisherSpec>,
        offers: Vec<OfferSpec>,
        now: Moment,
    ) -> SimState {
        let mut state = SimState {
            settings,
            publishers,
            offers: BTreeMap::new(),
            ops: HashMap::new(),
            tokens: Tokens::default(),
            total_requests: 0,
            api_requests: 0,
        };
        for spec in offers {
            state.add_offer(spec, now);
        }
        state
    }

    pub fn add_offer(&mut self, spec: OfferSpec, now: Moment) {
        let version = if spec.live { 3 } else { 0 };
        self.offers.insert(
            key(&spec.publisher, &spec.offer),
            SimOffer {
                guid: uuid::Uuid::new_v4().to_string(),
                version,
                changed: now,
                ops: Vec::new(),
                publish_attempts: 0,
                lost_accepts: 0,
                requests: 0,
                gets: 0,
                posts: BTreeMap::new(),
                definition: None,
                edits_after_read: 0,
                spec,
            },
        );
    }

    // ----- tokens -------------------------------------------------------------------------

    /// A new token for a client, and its lifetime in seconds.
    pub fn issue_token(
        &mut self,
        client_id: &str,
        audience: Option<tokens::Audience>,
        now: Moment,
    ) -> (String, u64) {
        let lifetime = self.settings.token_lifetime;
        (
            self.tokens.issue(client_id, audience, lifetime, now),
            lifetime.as_secs(),
        )
    }

    pub fn add_static_token(&mut self, token: &str, client_id: &str) {
        self.tokens.add_static(token, client_id);
    }

    /// The client a bearer token belongs to, if it is valid now for the API of `audience`.
    pub fn principal(
        &self,
        token: &str,
        audience: tokens::Audience,
        now: Moment,
    ) -> Result<String, tokens::Refusal> {
        self.tokens.principal(token, audience, now)
    }

    /// Every token the token endpoint handed out.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.tokens.issued()
    }

    /// Expires every issued token (tests of the 401-refresh path).
    pub fn expire_tokens(&mut self) {
        self.tokens.expire_all();
    }

    // ----- publishers and faults ----------------------------------------------------------

    pub fn publisher_allows(&self, publisher: &str, client: &str) -> Option<bool> {
        self.publishers
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(publisher))
            .map(|p| p.allowed_clients.iter().any(|c| c == client))
    }

    /// `GET /api/publishers`: the publishers this client may see. The shape has no type in the
    /// client (offerdeck never lists publishers), so it is written here.
    pub fn publishers_json(&self, client: &str) -> Value {
        Value::Array(
            self.publishers
                .iter()
                .filter(|p| p.allowed_clients.iter().any(|c| c == client))
                .map(|p| json!({"id": p.id, "version": 1, "definition": {"displayText": p.display, "offerTypeCategories": ["microsoft-azure-virtualmachines"], "sellerId": 1_234_567}}))
                .collect(),
        )
    }

    /// Counts a request on an offer and returns the fault to answer with, if any.
    pub fn fault_for(&mut self, publisher: &str, offer: &str, is_get: bool) -> Option<Fault> {
        let o = self.offers.get_mut(&key(publisher, offer))?;
        o.requests += 1;
        if is_get {
            o.gets += 1;
        }
        behaviour::fault(&o.spec.behaviour, o.requests, o.gets, is_get)
    }

    /// POSTs received per offer and action (`publish`, `golive`, `cancel`).
    pub fn post_count(&self, publisher: &str, offer: &str, action: &str) -> u64 {
        self.offers
            .get(&key(publisher, offer))
            .and_then(|o| o.posts.get(action).copied())
            .unwrap_or(0)
    }

    pub fn offer_exists(&self, publisher: &str, offer: &str) -> bool {
        self.offers.contains_key(&key(publisher, offer))
    }

    /// The 404 of an unknown offer, in the Partner Center shim's shape.
    pub fn not_found_body(publisher: &str, offer: &str) -> Value {
        json!({"Product": {
            "serviceName": "Product",
            "error": format!("Microsoft.Ingestion.Api.Common.Exceptions.Http404Exception: CPP product {offer} not found in current PC environment.\r\n   at Microsoft.Ingestion.Api.Controllers.CppOperationController (publisher {publisher})"),
            "exceptionCode": "Http404Exception",
            "httpStatusCode": "NotFound"
        }})
    }

    // ----- operations ---------------------------------------------------------------------

    fn snapshot(&self, op: &SimOp, now: Moment) -> Snapshot {
        op.snapshot(now, self.settings.time_scale)
    }

    /// Everything needed to bring this service back after a restart.
    pub fn save(&self) -> Saved {
        Saved {
            publishers: self.publishers.clone(),
            offers: self.offers.values().cloned().collect(),
            ops: self.ops.values().cloned().collect(),
        }
    }

    /// A service as it was saved (settings come from the current run).
    pub fn restore(settings: SimSettings, saved: Saved, now: Moment) -> SimState {
        let mut state = SimState::new(settings, saved.publishers, Vec::new(), now);
        for o in saved.offers {
            state
                .offers
                .insert(key(&o.spec.publisher, &o.spec.offer), o);
        }
        for op in saved.ops {
            state.ops.insert(op.id.clone(), op);
        }
        state
    }

    /// Operations of a kind the service created for an offer (a publish sent twice shows here).
    pub fn operations_created(&self, publisher: &str, offer: &str, kind: OpKind) -> usize {
        self.offers
            .get(&key(publisher, offer))
            .map(|o| {
                o.ops
                    .iter()
                    .filter_map(|id| self.ops.get(id))
                    .filter(|op| op.kind == kind)
                    .count()
            })
            .unwrap_or(0)
    }

    /// The offers of the catalogue as `publisher/offer`.
    pub fn offer_keys(&self) -> Vec<String> {
        self.offers
            .values()
            .map(|o| format!("{}/{}", o.spec.publisher, o.spec.offer))
            .collect()
    }
}

fn submission_type(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Publish => "publish",
        OpKind::GoLive => "goLive",
        OpKind::Cancel => "cancel",
    }
}

#[cfg(test)]
mod tests;
