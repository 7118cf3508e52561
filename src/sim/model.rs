//! The simulated service's state: offers, operations and tokens, and the publish state machine.
//! Nothing here does I/O; time is passed in, and step progress is computed from it on demand, so
//! a publish that takes days on the service takes seconds at a high time scale.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::catalogue::{Behaviour, OfferSpec, PointerStyle, PublisherSpec};
use crate::api::OpKind;
use crate::clock::{seconds_between, span};

/// One timed step of a plan: id, name, estimated time frame, description, simulated seconds.
struct StepPlan {
    id: &'static str,
    name: &'static str,
    estimate: &'static str,
    description: &'static str,
    seconds: f64,
}

const PUBLISH_STEPS: [StepPlan; 4] = [
    StepPlan {
        id: "displaydummycertify",
        name: "Validate Pre-Requisites",
        estimate: "< 15 min",
        description: "Offer settings provided are validated.",
        seconds: 900.0,
    },
    StepPlan {
        id: "displaycertify",
        name: "Certification",
        estimate: "~2-3 days",
        description: "Your offer is analyzed by our certification systems for issues.",
        seconds: 216_000.0,
    },
    StepPlan {
        id: "displayprovision",
        name: "Provisioning",
        estimate: "< 1 day",
        description: "Your virtual machine is being replicated in our production systems.",
        seconds: 86_400.0,
    },
    StepPlan {
        id: "displaypackage",
        name: "Packaging and Lead Generation Registration",
        estimate: "< 1 hour",
        description: "Your virtual machine is being packaged for customers. Additionally, lead systems are being configured and set up.",
        seconds: 3_600.0,
    },
];
const SIGNOFF: (&str, &str, &str, &str) = (
    "publisher-signoff",
    "Publisher signoff",
    "< 1 hour",
    "Offer is available to preview. Ensure that everything looks good before making your offer live.",
);
const LIVE: (&str, &str, &str, &str) = (
    "live",
    "Live",
    "~2-5 days",
    "Offer is publicly visible and is available for purchase.",
);
/// The go-live's `live` step, in simulated seconds.
const LIVE_SECONDS: f64 = 172_800.0;
/// How long a cancel takes to land on the service (real: 1–3 minutes), simulated seconds.
const CANCEL_SECONDS: f64 = 120.0;
/// Where certification blocks in the failure scenario (fraction of the step), and for how long
/// it stays blocked before the operation fails (fraction of the step).
const BLOCK_AT: f64 = 0.4;
const BLOCK_FOR: f64 = 0.25;

/// Knobs of the simulated service.
#[derive(Debug, Clone)]
pub struct SimSettings {
    /// Simulated seconds per real second.
    pub time_scale: f64,
    /// Return `waitingForPublisherReview` at the top of `/status` instead of the observed
    /// `running` (the documented enum).
    pub signoff_top_level: bool,
    pub token_lifetime: Duration,
}

impl Default for SimSettings {
    fn default() -> Self {
        SimSettings {
            time_scale: 3_600.0,
            signoff_top_level: false,
            token_lifetime: Duration::from_secs(3_600),
        }
    }
}

/// A moment of the service's time, read from the simulator's clock (wall-clock time rather than
/// a monotonic instant, so a saved simulator can be restored and its operations carry on).
pub type Moment = DateTime<Utc>;

/// An injected failure: the answer to send instead of the real one.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SimOp {
    id: String,
    publisher: String,
    offer: String,
    kind: OpKind,
    started: Moment,
    changed: DateTime<Utc>,
    emails: String,
    publishing_version: i64,
    offer_version: i64,
    /// When a requested cancel takes effect.
    cancel_at: Option<Moment>,
    /// A publish whose sign-off was completed by a go-live (or replaced by a new publish).
    closed: Option<(Moment, ClosedAs)>,
    certification_failure: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum ClosedAs {
    Completed,
    Superseded,
}

/// What an operation looks like at an instant.
#[derive(Debug, Clone)]
struct Snapshot {
    status: &'static str,
    steps: Vec<Value>,
    cancellable: bool,
    failure: Option<String>,
    at_signoff: bool,
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
    tokens: HashMap<String, (String, Moment)>,
    /// Tokens accepted without the token endpoint (printed by `offerdeck simulate`).
    static_tokens: HashMap<String, String>,
    pub total_requests: u64,
}

fn key(publisher: &str, offer: &str) -> (String, String) {
    (publisher.to_ascii_lowercase(), offer.to_ascii_lowercase())
}

pub fn timestamp(t: DateTime<Utc>) -> String {
    // Seven fractional digits, as the service writes them (chrono has no %.7f).
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

fn error_body(code: &str, message: &str) -> Value {
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
            tokens: HashMap::new(),
            static_tokens: HashMap::new(),
            total_requests: 0,
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
                spec,
            },
        );
    }

    // ----- tokens -------------------------------------------------------------------------

    pub fn issue_token(&mut self, client_id: &str, now: Moment) -> (String, u64) {
        let token = format!("sim-{}", uuid::Uuid::new_v4().simple());
        self.tokens.insert(
            token.clone(),
            (
                client_id.to_string(),
                now + span(self.settings.token_lifetime),
            ),
        );
        (token, self.settings.token_lifetime.as_secs())
    }

    pub fn add_static_token(&mut self, token: &str, client_id: &str) {
        self.static_tokens
            .insert(token.to_string(), client_id.to_string());
    }

    /// The client a bearer token belongs to, if it is valid now.
    pub fn principal(&self, token: &str, now: Moment) -> Option<String> {
        if let Some(client) = self.static_tokens.get(token) {
            return Some(client.clone());
        }
        self.tokens
            .get(token)
            .filter(|(_, exp)| now < *exp)
            .map(|(c, _)| c.clone())
    }

    /// Every token the token endpoint handed out.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.tokens.keys().cloned().collect()
    }

    /// Expires every issued token (tests of the 401-refresh path).
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }

    pub fn publisher_allows(&self, publisher: &str, client: &str) -> Option<bool> {
        self.publishers
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(publisher))
            .map(|p| p.allowed_clients.iter().any(|c| c == client))
    }

    pub fn publishers_json(&self, client: &str) -> Value {
        Value::Array(
            self.publishers
                .iter()
                .filter(|p| p.allowed_clients.iter().any(|c| c == client))
                .map(|p| json!({"id": p.id, "version": 1, "definition": {"displayText": p.display, "offerTypeCategories": ["microsoft-azure-virtualmachines"], "sellerId": 1_234_567}}))
                .collect(),
        )
    }

    // ----- faults -------------------------------------------------------------------------

    /// Counts a request on an offer and returns the fault to answer with, if any.
    pub fn fault_for(&mut self, publisher: &str, offer: &str, is_get: bool) -> Option<Fault> {
        let o = self.offers.get_mut(&key(publisher, offer))?;
        o.requests += 1;
        if is_get {
            o.gets += 1;
        }
        match &o.spec.behaviour {
            Behaviour::Throttled {
                every,
                retry_after_secs,
            } if *every > 0 && o.requests % every == 0 => Some(Fault {
                status: 429,
                headers: vec![("retry-after".into(), retry_after_secs.to_string())],
                body: error_body(
                    "TooManyRequests",
                    "Too many requests; retry after the interval in Retry-After. (Simulated: the service documents no throttling.)",
                ),
            }),
            Behaviour::Flaky { every, .. } if is_get && *every > 0 && o.gets % every == 0 => {
                Some(Fault {
                    status: 500,
                    headers: Vec::new(),
                    body: json!({"Variant": {"serviceName": "Variant", "error": "snapshot() resulted in an internal conflict! Retry is OK.\r\n   at Microsoft.Ingestion.Api (simulated)"}}),
                })
            }
            _ => None,
        }
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
        let scale = self.settings.time_scale;
        let sim_secs = |until: Moment| seconds_between(op.started, until).max(0.0) * scale;
        // A cancel freezes the operation where it was when the cancel landed.
        let canceled = op.cancel_at.filter(|at| *at <= now);
        let closed = op.closed.filter(|(at, _)| *at <= now);
        let at = canceled.or(closed.map(|(at, _)| at)).unwrap_or(now);
        let t = sim_secs(at);
        let mut snap = match op.kind {
            OpKind::Publish | OpKind::Cancel => self.publish_snapshot(op, t, now),
            OpKind::GoLive => golive_snapshot(t, now),
        };
        let terminal = matches!(snap.status, "complete" | "failed" | "canceled");
        if canceled.is_some() && !terminal {
            snap.status = "canceled";
            snap.cancellable = false;
            snap.at_signoff = false;
            if let Some(step) = snap.steps.iter_mut().find(|s| {
                matches!(
                    s["status"].as_str(),
                    Some("inProgress" | "blocked" | "waitingForPublisherReview")
                )
            }) {
                step["status"] = json!("canceled");
                step["messages"] = json!([{"messageHtml": "The operation was canceled at the publisher's request.", "level": "information", "timestamp": timestamp(now)}]);
            }
        } else if let Some((_, how)) = closed {
            if snap.at_signoff {
                snap.at_signoff = false;
                snap.cancellable = false;
                snap.status = match how {
                    ClosedAs::Completed => "complete",
                    ClosedAs::Superseded => "canceled",
                };
                for step in snap.steps.iter_mut().filter(|s| s["id"] == SIGNOFF.0) {
                    step["status"] = json!(if how == ClosedAs::Completed {
                        "complete"
                    } else {
                        "canceled"
                    });
                }
            }
        } else if op.cancel_at.is_some() {
            // Requested but not landed yet.
            snap.cancellable = false;
        }
        snap
    }

    fn publish_snapshot(&self, op: &SimOp, t: f64, now: Moment) -> Snapshot {
        let now_ts = timestamp(now);
        let mut steps = Vec::new();
        let mut cumulative = 0.0;
        let mut status = "running";
        let mut failure = None;
        let mut reached_signoff = true;
        for (index, plan) in PUBLISH_STEPS.iter().enumerate() {
            let start = cumulative;
            cumulative += plan.seconds;
            let mut step = step_json(plan.id, plan.name, plan.estimate, plan.description);
            if !reached_signoff {
                steps.push(step);
                continue;
            }
            let failing = index == 1 && op.certification_failure.is_some();
            if failing && t >= start + plan.seconds * BLOCK_AT {
                let message = op.certification_failure.clone().unwrap_or_default();
                step["status"] = json!("blocked");
                step["progressPercentage"] = json!((BLOCK_AT * 100.0) as i64);
                step["messages"] = json!([
                    {"messageHtml": message, "level": "error", "timestamp": now_ts},
                ]);
                if t >= start + plan.seconds * (BLOCK_AT + BLOCK_FOR) {
                    status = "failed";
                    step["status"] = json!("rejected");
                }
                failure = Some(message);
                reached_signoff = false;
            } else if t >= cumulative {
                step["status"] = json!("complete");
                step["progressPercentage"] = json!(100);
                step["messages"] = json!([{"messageHtml": "Step completed.", "level": "information", "timestamp": now_ts}]);
            } else if t >= start {
                let pct = ((t - start) / plan.seconds * 100.0).clamp(0.0, 99.0) as i64;
                step["status"] = json!("inProgress");
                step["progressPercentage"] = json!(pct);
                reached_signoff = false;
            } else {
                reached_signoff = false;
            }
            steps.push(step);
        }
        let mut signoff = step_json(SIGNOFF.0, SIGNOFF.1, SIGNOFF.2, SIGNOFF.3);
        if reached_signoff {
            signoff["status"] = json!("waitingForPublisherReview");
        }
        steps.push(signoff);
        steps.push(step_json(LIVE.0, LIVE.1, LIVE.2, LIVE.3));
        if t < 1.0 && status == "running" {
            status = "notStarted";
        }
        Snapshot {
            status,
            steps,
            cancellable: status == "running" || status == "notStarted",
            failure,
            at_signoff: reached_signoff && status == "running",
        }
    }

    fn op_json(&self, op: &SimOp, now: Moment, top_level_signoff: bool) -> Value {
        let snap = self.snapshot(op, now);
        let migrated = self
            .offers
            .get(&key(&op.publisher, &op.offer))
            .is_none_or(|o| o.spec.migrated);
        let status = if top_level_signoff && snap.at_signoff {
            "waitingForPublisherReview"
        } else {
            snap.status
        };
        let mut body = json!({
            "id": op.id,
            "status": status,
            "messages": [],
            "publishingVersion": op.publishing_version,
            "offerVersion": op.offer_version,
            "cancellationRequestState": if snap.cancellable { "canCancel" } else { "cannotCancel" },
            "submissionType": submission_type(op.kind),
            "steps": snap.steps,
            "previewLinks": [],
            "liveLinks": [],
        });
        if let Some(failure) = snap.failure.filter(|_| snap.status == "failed") {
            body["messages"] = json!([{"messageHtml": failure, "level": "error", "timestamp": timestamp(op.changed)}]);
        }
        if !migrated {
            body["notificationEmails"] = json!(op.emails);
        }
        body
    }

    /// `GET …/operations/{id}`.
    pub fn operation(&self, publisher: &str, offer: &str, id: &str, now: Moment) -> Option<Value> {
        let op = self.ops.get(&id.to_ascii_lowercase())?;
        (op.publisher.eq_ignore_ascii_case(publisher) && op.offer.eq_ignore_ascii_case(offer))
            .then(|| self.op_json(op, now, false))
    }

    /// `GET /api/operations/{pub}${offer}${n}${slot}` (non-migrated offers).
    pub fn legacy_operation(&self, pointer: &str, now: Moment) -> Option<Value> {
        let parts: Vec<&str> = pointer.split('$').collect();
        let [publisher, offer, version, slot] = parts.as_slice() else {
            return None;
        };
        let version: i64 = version.parse().ok()?;
        let kind = if slot.eq_ignore_ascii_case("production") {
            OpKind::GoLive
        } else {
            OpKind::Publish
        };
        let o = self.offers.get(&key(publisher, offer))?;
        o.ops
            .iter()
            .rev()
            .filter_map(|id| self.ops.get(id))
            .find(|op| {
                op.publishing_version == version
                    && (op.kind == kind || (kind == OpKind::Publish && op.kind == OpKind::Cancel))
            })
            .map(|op| self.op_json(op, now, false))
    }

    fn latest_op(&self, o: &SimOffer) -> Option<&SimOp> {
        o.ops.last().and_then(|id| self.ops.get(id))
    }

    /// The offer status as GET offer and the offer list show it.
    fn offer_status(&self, o: &SimOffer, now: Moment) -> &'static str {
        match self.latest_op(o) {
            None => {
                if o.spec.live {
                    "succeeded"
                } else {
                    "neverPublished"
                }
            }
            Some(op) => {
                let snap = self.snapshot(op, now);
                match (op.kind, snap.status) {
                    (_, "notStarted") => "running",
                    (OpKind::Publish, "running") if snap.at_signoff => "waitingForPublisherReview",
                    (_, "running") => "running",
                    (OpKind::GoLive, "complete") => "succeeded",
                    (_, "complete") => "waitingForPublisherReview",
                    (_, "failed") => "failed",
                    (_, "canceled") => "canceled",
                    _ => "notStarted",
                }
            }
        }
    }

    fn offer_version(&self, o: &SimOffer, now: Moment) -> i64 {
        // The version goes up once a go-live completes.
        let completed_golives = o
            .ops
            .iter()
            .filter_map(|id| self.ops.get(id))
            .filter(|op| op.kind == OpKind::GoLive && self.snapshot(op, now).status == "complete")
            .count() as i64;
        o.version + completed_golives
    }

    fn summary_json(&self, o: &SimOffer, now: Moment) -> Value {
        let mut v = json!({
            "offerTypeId": "microsoft-azure-virtualmachines",
            "publisherId": o.spec.publisher,
            "status": self.offer_status(o, now),
            "id": o.spec.offer,
            "version": self.offer_version(o, now),
            "definition": {"displayText": o.spec.display},
            "changedTime": timestamp(o.changed),
        });
        if o.spec.migrated {
            v["lockStatus"] = json!("none");
            v["pcMigrationStatus"] = json!("migrated");
            v["pcRedirectUri"] = json!(format!(
                "https://partner.microsoft.com/en-us/dashboard/commercial-marketplace/offers/{}/overview",
                o.guid
            ));
            v["isvUpgradeRequest"] = json!(false);
        }
        v
    }

    pub fn list_offers(&self, publisher: &str, now: Moment) -> Value {
        Value::Array(
            self.offers
                .values()
                .filter(|o| o.spec.publisher.eq_ignore_ascii_case(publisher))
                .map(|o| self.summary_json(o, now))
                .collect(),
        )
    }

    /// `GET …/offers/{o}` and its ETag.
    pub fn get_offer(&self, publisher: &str, offer: &str, now: Moment) -> Option<(Value, String)> {
        let o = self.offers.get(&key(publisher, offer))?;
        let mut v = self.summary_json(o, now);
        v["definition"] = json!({
            "displayText": o.spec.display,
            "offer": {
                "microsoft-azure-marketplace.title": o.spec.display,
                "microsoft-azure-marketplace.summary": format!("{} on Azure", o.spec.display),
                "microsoft-azure-marketplace.leadDestination": "None",
                "microsoft-azure-marketplace.privacyURL": "https://example.com/privacy",
            },
            "plans": [{
                "planId": format!("{}-byol", o.spec.offer),
                "microsoft-azure-virtualmachines.skuTitle": o.spec.display,
                "microsoft-azure-virtualmachines.operatingSystemFamily": "Linux",
                "microsoft-azure-virtualmachines.vmImages": {"1.0.0": {"osVhdUrl": "https://example.blob.core.windows.net/vhds/image.vhd?sv=REDACTED", "lunVhdDetails": []}},
                "regions": ["US", "GB", "DE"],
            }],
        });
        let etag = format!(
            "W/\"datetime'{}'\"",
            timestamp(o.changed).replace(':', "%3A")
        );
        Some((v, etag))
    }

    /// `GET …/offers/{o}/status`: the latest operation, or the bare offer status.
    pub fn offer_status_json(&self, publisher: &str, offer: &str, now: Moment) -> Option<Value> {
        let o = self.offers.get(&key(publisher, offer))?;
        Some(match self.latest_op(o) {
            Some(op) => {
                let mut v = self.op_json(op, now, self.settings.signoff_top_level);
                if op.kind == OpKind::GoLive && v["status"] == "complete" {
                    v["status"] = json!("succeeded");
                }
                v
            }
            None => {
                json!({"status": self.offer_status(o, now), "messages": [], "steps": [], "previewLinks": [], "liveLinks": []})
            }
        })
    }

    /// `GET …/submissions`, newest first, optionally filtered on the operation state.
    pub fn submissions(
        &self,
        publisher: &str,
        offer: &str,
        filter: Option<&str>,
        now: Moment,
    ) -> Option<Value> {
        let o = self.offers.get(&key(publisher, offer))?;
        let wanted = filter.map(crate::api::Status::parse);
        let list = o
            .ops
            .iter()
            .rev()
            .filter_map(|id| self.ops.get(id))
            .filter_map(|op| {
                let snap = self.snapshot(op, now);
                let state = match snap.status {
                    "notStarted" => "running",
                    other => other,
                };
                if let Some(w) = &wanted
                    && crate::api::Status::parse(state) != *w
                {
                    return None;
                }
                let ticks = op.changed.timestamp_millis() * 10_000 + 621_355_968_000_000_000;
                Some(json!({
                    "id": op.id,
                    "offerId": o.guid,
                    "offerVersion": op.offer_version,
                    "offerTypeId": "microsoft-azure-virtualmachines",
                    "publisherId": o.spec.publisher,
                    "submissionType": submission_type(op.kind),
                    "submissionState": state,
                    "publishingVersion": op.publishing_version,
                    "slot": if op.kind == OpKind::GoLive { "production" } else { "staging" },
                    "version": ticks,
                    "definition": {"metadata": {"emails": op.emails}},
                    "changedTime": timestamp(op.changed),
                }))
            })
            .collect();
        Some(Value::Array(list))
    }

    fn pointer_for(
        &self,
        o: &SimOffer,
        op: &SimOp,
        base: &str,
        api_version: &str,
    ) -> Option<String> {
        let relative = if o.spec.migrated {
            format!(
                "/api/publishers/{}/offers/{}/operations/{}?api-version={api_version}",
                o.spec.publisher, o.spec.offer, op.id
            )
        } else {
            let slot = if op.kind == OpKind::GoLive {
                "production"
            } else {
                "preview"
            };
            format!(
                "/api/operations/{}${}${}${slot}?api-version={api_version}",
                o.spec.publisher, o.spec.offer, op.publishing_version
            )
        };
        match o.spec.pointer {
            PointerStyle::None => None,
            PointerStyle::OperationLocationAbsolute => {
                // The 2018 absolute form carries no api-version.
                let path = relative.split('?').next().unwrap_or(&relative).to_string();
                Some(format!("{}{path}", base.trim_end_matches('/')))
            }
            _ => Some(relative),
        }
    }

    pub fn pointer_style(&self, publisher: &str, offer: &str) -> PointerStyle {
        self.offers
            .get(&key(publisher, offer))
            .map(|o| o.spec.pointer)
            .unwrap_or(PointerStyle::Both)
    }

    /// POST publish / golive / cancel.
    pub fn post(&mut self, request: &PostRequest<'_>, now: Moment) -> PostOutcome {
        let PostRequest {
            publisher,
            offer,
            kind,
            emails,
            base,
            api_version,
        } = *request;
        let k = key(publisher, offer);
        let Some(o) = self.offers.get_mut(&k) else {
            return PostOutcome::Refused {
                status: 404,
                body: Self::not_found_body(publisher, offer),
            };
        };
        *o.posts.entry(kind.as_str().to_string()).or_insert(0) += 1;
        let latest_id = o.ops.last().cloned();
        let latest = latest_id
            .as_ref()
            .and_then(|id| self.ops.get(id))
            .map(|op| (op.id.clone(), op.kind, self.snapshot(op, now)));
        let active = latest
            .as_ref()
            .filter(|(_, _, s)| matches!(s.status, "running" | "notStarted"));
        match kind {
            OpKind::Publish => {
                if let Some((id, op_kind, snap)) = active {
                    if *op_kind == OpKind::GoLive {
                        return PostOutcome::Refused {
                            status: 409,
                            body: error_body(
                                "Conflict",
                                "An operation is already in progress on this offer.",
                            ),
                        };
                    }
                    if !snap.at_signoff {
                        // Same draft while running: the service re-queues nothing and points at the running one.
                        let id = id.clone();
                        return self.accepted(&k, &id, base, api_version);
                    }
                }
                let o = self.offers.get_mut(&k).map(|o| {
                    o.publish_attempts += 1;
                    (o.publish_attempts, o.spec.behaviour.clone())
                });
                let (attempt, behaviour) = o.unwrap_or((1, Behaviour::Plain));
                let details = validation_details(attempt, &behaviour, emails, offer);
                if !details.is_empty() {
                    return PostOutcome::Refused {
                        status: 422,
                        body: json!({"error": {
                            "code": "ValidationFailed",
                            "message": "The offer failed validation. Fix the problems listed in details, then publish again.",
                            "details": details,
                        }}),
                    };
                }
                if let Some((id, _, snap)) = &latest
                    && snap.at_signoff
                    && let Some(op) = self.ops.get_mut(id)
                {
                    op.closed = Some((now, ClosedAs::Superseded));
                }
                let failure = match &behaviour {
                    Behaviour::CertificationFailure(m) => Some(m.clone()),
                    _ => None,
                };
                let id = self.create_op(&k, OpKind::Publish, emails, failure, now);
                let lose = matches!(
                    behaviour,
                    Behaviour::Flaky {
                        lose_first_accept: true,
                        ..
                    }
                );
                if let Some(o) = self.offers.get_mut(&k)
                    && lose
                    && o.lost_accepts == 0
                {
                    o.lost_accepts += 1;
                    return PostOutcome::AcceptedButLost;
                }
                self.accepted(&k, &id, base, api_version)
            }
            OpKind::GoLive => match latest {
                Some((id, OpKind::Publish, snap)) if snap.at_signoff => {
                    if let Some(op) = self.ops.get_mut(&id) {
                        op.closed = Some((now, ClosedAs::Completed));
                    }
                    let new_id = self.create_op(&k, OpKind::GoLive, emails, None, now);
                    self.accepted(&k, &new_id, base, api_version)
                }
                Some((id, OpKind::GoLive, snap))
                    if matches!(snap.status, "running" | "notStarted") =>
                {
                    self.accepted(&k, &id, base, api_version)
                }
                _ => PostOutcome::Refused {
                    status: 400,
                    body: error_body(
                        "BadRequest",
                        "The offer has no preview waiting for publisher sign-off. Publish it and wait for the signoff step before going live.",
                    ),
                },
            },
            OpKind::Cancel => match active {
                Some((id, _, snap)) if snap.cancellable => {
                    let id = id.clone();
                    let delay = CANCEL_SECONDS / self.settings.time_scale.max(1e-9);
                    if let Some(op) = self.ops.get_mut(&id) {
                        op.cancel_at
                            .get_or_insert(now + span(Duration::from_secs_f64(delay)));
                    }
                    self.accepted(&k, &id, base, api_version)
                }
                // Observed: 202 whether or not anything was canceled.
                _ => PostOutcome::Accepted { pointer: None },
            },
        }
    }

    fn accepted(
        &self,
        k: &(String, String),
        id: &str,
        base: &str,
        api_version: &str,
    ) -> PostOutcome {
        let pointer = match (self.offers.get(k), self.ops.get(id)) {
            (Some(o), Some(op)) => self.pointer_for(o, op, base, api_version),
            _ => None,
        };
        PostOutcome::Accepted { pointer }
    }

    fn create_op(
        &mut self,
        k: &(String, String),
        kind: OpKind,
        emails: &str,
        failure: Option<String>,
        now: Moment,
    ) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let Some(o) = self.offers.get_mut(k) else {
            return id;
        };
        let publishing_version = o
            .ops
            .iter()
            .filter_map(|i| self.ops.get(i))
            .filter(|op| op.kind == OpKind::Publish)
            .count() as i64
            + 2;
        let publishing_version = if kind == OpKind::GoLive {
            publishing_version - 1
        } else {
            publishing_version
        };
        o.ops.push(id.clone());
        o.changed = now;
        let op = SimOp {
            id: id.clone(),
            publisher: o.spec.publisher.clone(),
            offer: o.spec.offer.clone(),
            kind,
            started: now,
            changed: now,
            emails: emails.to_string(),
            publishing_version,
            offer_version: o.version,
            cancel_at: None,
            closed: None,
            certification_failure: failure,
        };
        self.ops.insert(id.clone(), op);
        id
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

fn golive_snapshot(t: f64, now: Moment) -> Snapshot {
    let now_ts = timestamp(now);
    let mut steps: Vec<Value> = PUBLISH_STEPS
        .iter()
        .map(|p| step_json(p.id, p.name, p.estimate, p.description))
        .collect();
    let mut signoff = step_json(SIGNOFF.0, SIGNOFF.1, SIGNOFF.2, SIGNOFF.3);
    signoff["status"] = json!("complete");
    steps.push(signoff);
    let mut live = step_json(LIVE.0, LIVE.1, LIVE.2, LIVE.3);
    let status = if t >= LIVE_SECONDS {
        live["status"] = json!("complete");
        live["progressPercentage"] = json!(100);
        live["messages"] = json!([{"messageHtml": "Step completed.", "level": "information", "timestamp": now_ts}]);
        "complete"
    } else {
        live["status"] = json!("inProgress");
        live["progressPercentage"] = json!(((t / LIVE_SECONDS) * 100.0).clamp(0.0, 99.0) as i64);
        "running"
    };
    steps.push(live);
    // A go-live can be canceled until a quarter of the way through.
    Snapshot {
        status,
        steps,
        cancellable: t < LIVE_SECONDS * 0.25,
        failure: None,
        at_signoff: false,
    }
}

fn step_json(id: &str, name: &str, estimate: &str, description: &str) -> Value {
    json!({
        "estimatedTimeFrame": estimate,
        "id": id,
        "stepName": name,
        "description": description,
        "status": "notStarted",
        "messages": [],
        "progressPercentage": 0,
    })
}

fn submission_type(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Publish => "publish",
        OpKind::GoLive => "goLive",
        OpKind::Cancel => "cancel",
    }
}

/// Synchronous validation of a publish. The body of a 422 is undocumented; this one is invented
/// (`{"error":{"code":"ValidationFailed","message":…,"details":[{code,target,message}]}}`).
fn validation_details(
    attempt: u32,
    behaviour: &Behaviour,
    emails: &str,
    offer: &str,
) -> Vec<Value> {
    let mut details = Vec::new();
    for address in emails.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let domain = address
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default();
        if domain.is_empty() || domain.ends_with(".invalid") || domain.ends_with(".test") {
            details.push(json!({"code": "InvalidNotificationEmail", "target": "metadata.notification-emails", "message": format!("{address} cannot receive mail")}));
        }
    }
    if let Behaviour::RejectFirst(n) = behaviour
        && attempt <= *n
    {
        details.push(json!({"code": "MissingImage", "target": format!("plans[{offer}-byol].microsoft-azure-virtualmachines.vmImages"), "message": "Plan has no image version; add one with an osVhdUrl."}));
        details.push(json!({"code": "InvalidValue", "target": "microsoft-azure-marketplace.summary", "message": "Summary is longer than 100 characters."}));
        details.push(json!({"code": "RequiredField", "target": "microsoft-azure-marketplace.privacyURL", "message": "A privacy policy URL is required."}));
    }
    details
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::catalogue;

    fn post(
        s: &mut SimState,
        publisher: &str,
        offer: &str,
        kind: OpKind,
        emails: &str,
        at: Moment,
    ) -> PostOutcome {
        s.post(
            &PostRequest {
                publisher,
                offer,
                kind,
                emails,
                base: "http://h",
                api_version: "v",
            },
            at,
        )
    }

    fn state(scale: f64) -> SimState {
        let (p, o) = catalogue::demo();
        SimState::new(
            SimSettings {
                time_scale: scale,
                ..SimSettings::default()
            },
            p,
            o,
            t0(),
        )
    }

    fn t0() -> Moment {
        DateTime::from_timestamp(1_000_000, 0).unwrap()
    }

    /// `t` plus some seconds.
    fn plus(t: Moment, secs: f64) -> Moment {
        t + span(Duration::from_secs_f64(secs))
    }

    #[test]
    fn a_publish_walks_every_step_to_signoff_then_golive() {
        let mut s = state(3_600.0);
        let t0 = t0();
        let PostOutcome::Accepted { pointer: Some(p) } = post(
            &mut s,
            "contoso",
            "contoso-vm",
            OpKind::Publish,
            "a@x.com",
            t0,
        ) else {
            panic!()
        };
        let id = p
            .split("/operations/")
            .nth(1)
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let at = |secs: f64| plus(t0, secs);
        let op = s.operation("contoso", "contoso-vm", &id, at(30.0)).unwrap();
        assert_eq!(op["status"], "running");
        assert_eq!(op["steps"][1]["status"], "inProgress");
        let op = s.operation("contoso", "contoso-vm", &id, at(90.0)).unwrap();
        assert_eq!(op["steps"][0]["status"], "complete");
        let op = s
            .operation("contoso", "contoso-vm", &id, at(200.0))
            .unwrap();
        assert_eq!(op["steps"][4]["status"], "waitingForPublisherReview");
        assert_eq!(op["status"], "running");
        assert_eq!(
            s.get_offer("contoso", "contoso-vm", at(200.0)).unwrap().0["status"],
            "waitingForPublisherReview"
        );
        let PostOutcome::Accepted { pointer: Some(_) } = post(
            &mut s,
            "contoso",
            "contoso-vm",
            OpKind::GoLive,
            "",
            at(200.0),
        ) else {
            panic!()
        };
        let later = at(200.0 + LIVE_SECONDS / 3_600.0 + 1.0);
        assert_eq!(
            s.get_offer("contoso", "contoso-vm", later).unwrap().0["status"],
            "succeeded"
        );
        assert_eq!(
            s.get_offer("contoso", "contoso-vm", later).unwrap().0["version"],
            1
        );
        assert_eq!(
            s.operation("contoso", "contoso-vm", &id, later).unwrap()["status"],
            "complete"
        );
    }

    #[test]
    fn rejected_then_accepted_and_certification_failure() {
        let mut s = state(3_600.0);
        let t0 = t0();
        let first = post(
            &mut s,
            "contoso",
            "contoso-analytics",
            OpKind::Publish,
            "",
            t0,
        );
        assert!(matches!(first, PostOutcome::Refused { status: 422, .. }));
        assert!(matches!(
            post(
                &mut s,
                "contoso",
                "contoso-analytics",
                OpKind::Publish,
                "",
                t0
            ),
            PostOutcome::Accepted { .. }
        ));
        let bad_mail = post(
            &mut s,
            "contoso",
            "contoso-vm",
            OpKind::Publish,
            "x@mail.invalid",
            t0,
        );
        assert!(matches!(bad_mail, PostOutcome::Refused { status: 422, .. }));

        let PostOutcome::Accepted { pointer: Some(p) } = post(
            &mut s,
            "contoso",
            "contoso-gateway",
            OpKind::Publish,
            "",
            t0,
        ) else {
            panic!()
        };
        assert!(p.starts_with("/api/operations/contoso$contoso-gateway$2$preview"));
        let legacy = p
            .trim_start_matches("/api/operations/")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let blocked = s
            .legacy_operation(&legacy, plus(t0, 0.25 + 60.0 * 0.5))
            .unwrap();
        assert_eq!(blocked["status"], "running");
        assert_eq!(blocked["steps"][1]["status"], "blocked");
        let failed = s.legacy_operation(&legacy, plus(t0, 200.0)).unwrap();
        assert_eq!(failed["status"], "failed");
        assert!(failed["notificationEmails"].is_string());
    }

    #[test]
    fn cancel_lands_after_a_delay_and_conflicts_are_refused() {
        let mut s = state(3_600.0);
        let t0 = t0();
        let PostOutcome::Accepted { pointer: Some(p) } =
            post(&mut s, "contoso", "contoso-vm", OpKind::Publish, "", t0)
        else {
            panic!()
        };
        // Publishing the same draft again points at the running operation.
        assert_eq!(
            post(&mut s, "contoso", "contoso-vm", OpKind::Publish, "", t0),
            PostOutcome::Accepted {
                pointer: Some(p.clone())
            }
        );
        assert!(matches!(
            post(&mut s, "contoso", "contoso-vm", OpKind::GoLive, "", t0),
            PostOutcome::Refused { status: 400, .. }
        ));
        let at = plus(t0, 5.0);
        assert_eq!(
            post(&mut s, "contoso", "contoso-vm", OpKind::Cancel, "", at),
            PostOutcome::Accepted {
                pointer: Some(p.clone())
            }
        );
        let id = p
            .split("/operations/")
            .nth(1)
            .unwrap()
            .split('?')
            .next()
            .unwrap();
        assert_eq!(
            s.operation("contoso", "contoso-vm", id, at).unwrap()["status"],
            "running"
        );
        let done = s
            .operation("contoso", "contoso-vm", id, plus(at, 1.0))
            .unwrap();
        assert_eq!(done["status"], "canceled");
        assert!(
            done["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|st| st["status"] == "canceled")
        );
        // Nothing running: still 202, no pointer.
        assert_eq!(
            post(
                &mut s,
                "contoso",
                "contoso-vm",
                OpKind::Cancel,
                "",
                plus(at, 2.0)
            ),
            PostOutcome::Accepted { pointer: None }
        );
    }
}
