//! What the service answers to reads: operations, offers, statuses, submissions, in the
//! simulator's own wire shapes (`wire.rs`).

use serde_json::{Value, json};

use super::plan::{OpState, SimOp};
use super::wire::{
    DefinitionSummary, Message, OfferSummary, OperationBody, SIGNOFF_STEP, Submission,
};
use super::{Moment, SimOffer, SimState, key, submission_type, timestamp};
use crate::domain::{OpKind, Status};

impl SimState {
    fn op_body(&self, op: &SimOp, now: Moment, top_level_signoff: bool) -> OperationBody {
        let snap = self.snapshot(op, now);
        let migrated = self
            .offers
            .get(&key(&op.publisher, &op.offer))
            .is_none_or(|o| o.spec.migrated);
        let status = if top_level_signoff && snap.at_signoff {
            Status::WaitingForPublisherReview.as_str()
        } else {
            snap.state.spelled()
        }
        .to_string();
        let messages = match snap.failure.filter(|_| snap.state == OpState::Failed) {
            Some(failure) => vec![Message {
                message_html: failure,
                level: "error".into(),
                timestamp: timestamp(op.changed),
            }],
            None => Vec::new(),
        };
        let mut steps = snap.steps;
        if self.settings.signoff_in_step_name {
            for step in steps.iter_mut().filter(|s| s.id == SIGNOFF_STEP) {
                step.id = "publishersignoff".into();
                step.step_name = SIGNOFF_STEP.into();
            }
        }
        OperationBody {
            id: op.id.clone(),
            status,
            messages,
            steps,
            publishing_version: Some(op.publishing_version),
            offer_version: Some(op.offer_version),
            cancellation_request_state: if snap.cancellable {
                "canCancel"
            } else {
                "cannotCancel"
            }
            .into(),
            submission_type: submission_type(op.kind).into(),
            notification_emails: (!migrated).then(|| op.emails.clone()),
            preview_links: Vec::new(),
            live_links: Vec::new(),
        }
    }

    /// `GET …/operations/{id}`.
    pub fn operation(
        &self,
        publisher: &str,
        offer: &str,
        id: &str,
        now: Moment,
    ) -> Option<OperationBody> {
        let op = self.ops.get(&id.to_ascii_lowercase())?;
        (op.publisher.eq_ignore_ascii_case(publisher) && op.offer.eq_ignore_ascii_case(offer))
            .then(|| self.op_body(op, now, false))
    }

    /// `GET /api/operations/{pub}${offer}${n}${slot}` (non-migrated offers).
    pub fn legacy_operation(&self, pointer: &str, now: Moment) -> Option<OperationBody> {
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
            .map(|op| self.op_body(op, now, false))
    }

    fn latest_op(&self, o: &SimOffer) -> Option<&SimOp> {
        o.ops.last().and_then(|id| self.ops.get(id))
    }

    /// The offer status as GET offer and the offer list show it.
    fn offer_status(&self, o: &SimOffer, now: Moment) -> Status {
        let Some(op) = self.latest_op(o) else {
            return if o.spec.live {
                Status::Succeeded
            } else {
                Status::NeverPublished
            };
        };
        let snap = self.snapshot(op, now);
        match (op.kind, snap.state) {
            (_, OpState::NotStarted) => Status::Running,
            (OpKind::Publish, OpState::Running) if snap.at_signoff => {
                Status::WaitingForPublisherReview
            }
            (_, OpState::Running) => Status::Running,
            (OpKind::GoLive, OpState::Complete) => Status::Succeeded,
            (_, OpState::Complete) => Status::WaitingForPublisherReview,
            (_, OpState::Failed) => Status::Failed,
            (_, OpState::Canceled) => Status::Canceled,
        }
    }

    pub(super) fn offer_version(&self, o: &SimOffer, now: Moment) -> i64 {
        // The version goes up once a go-live completes.
        let completed_golives = o
            .ops
            .iter()
            .filter_map(|id| self.ops.get(id))
            .filter(|op| {
                op.kind == OpKind::GoLive && self.snapshot(op, now).state == OpState::Complete
            })
            .count() as i64;
        o.version + completed_golives
    }

    fn summary(&self, o: &SimOffer, now: Moment) -> OfferSummary {
        let migrated = o.spec.migrated;
        let when_migrated = |text: String| if migrated { text } else { String::new() };
        OfferSummary {
            id: o.spec.offer.clone(),
            publisher_id: o.spec.publisher.clone(),
            offer_type_id: "microsoft-azure-virtualmachines".into(),
            status: self.offer_status(o, now).as_str().into(),
            version: Some(self.offer_version(o, now)),
            definition: DefinitionSummary {
                display_text: o.spec.display.clone(),
            },
            changed_time: timestamp(o.changed),
            lock_status: when_migrated("none".into()),
            pc_migration_status: when_migrated("migrated".into()),
            pc_redirect_uri: when_migrated(format!(
                "https://partner.microsoft.com/en-us/dashboard/commercial-marketplace/offers/{}/overview",
                o.guid
            )),
            isv_upgrade_request: migrated.then_some(false),
        }
    }

    /// `GET /api/publishers/{p}/offers`.
    pub fn list_offers(&self, publisher: &str, now: Moment) -> Vec<OfferSummary> {
        self.offers
            .values()
            .filter(|o| o.spec.publisher.eq_ignore_ascii_case(publisher))
            .map(|o| self.summary(o, now))
            .collect()
    }

    /// `GET …/offers/{o}` and its ETag: the summary, with a definition document in place of
    /// the summary's display part (offerdeck keeps that document whole, as free JSON).
    pub fn get_offer(&self, publisher: &str, offer: &str, now: Moment) -> Option<(Value, String)> {
        let o = self.offers.get(&key(publisher, offer))?;
        let version = self.offer_version(o, now);
        self.offer_document(o, now, version, o.definition.as_ref())
    }

    /// The definition a slot holds: the one the newest publish took to preview, or the one
    /// the publish before the newest completed go-live made live (`None`: the simulator's
    /// own, for offers no PUT changed).
    fn slot_definition<'a>(
        &'a self,
        o: &'a SimOffer,
        slot: &str,
        now: Moment,
    ) -> Option<&'a Value> {
        let ops: Vec<&SimOp> = o.ops.iter().filter_map(|id| self.ops.get(id)).collect();
        let publish_before = |end: usize| {
            ops[..end]
                .iter()
                .rev()
                .find(|op| op.kind == OpKind::Publish)
                .and_then(|op| op.definition.as_ref())
        };
        match slot {
            "preview" => publish_before(ops.len()),
            "production" => ops
                .iter()
                .rposition(|op| {
                    op.kind == OpKind::GoLive && self.snapshot(op, now).state == OpState::Complete
                })
                .and_then(publish_before),
            _ => o.definition.as_ref(),
        }
    }

    /// `GET …/offers/{o}/slot/{slot}`: the offer as it is in that slot. The preview slot holds
    /// the version waiting for go-live (one ahead of production); production what is live.
    /// `None` when the slot holds nothing yet.
    pub fn slot_document(
        &self,
        publisher: &str,
        offer: &str,
        slot: &str,
        now: Moment,
    ) -> Option<(Value, String)> {
        let o = self.offers.get(&key(publisher, offer))?;
        let live = self.offer_version(o, now);
        let status = self.offer_status(o, now);
        let been_live = live > o.version || status == Status::Succeeded || o.spec.live;
        let version = match slot {
            "draft" => live,
            "preview" => match status {
                Status::WaitingForPublisherReview => live + 1,
                Status::Succeeded => live,
                _ => return None,
            },
            "production" if been_live => live,
            _ => return None,
        };
        self.offer_document(o, now, version, self.slot_definition(o, slot, now))
    }

    pub(super) fn offer_document(
        &self,
        o: &SimOffer,
        now: Moment,
        version: i64,
        stored: Option<&Value>,
    ) -> Option<(Value, String)> {
        let mut v = serde_json::to_value(self.summary(o, now)).ok()?;
        v["version"] = json!(version);
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
                "microsoft-azure-virtualmachines.vmImages": {format!("1.0.{version}"): {"osVhdUrl": "https://example.blob.core.windows.net/vhds/image.vhd?sv=REDACTED", "lunVhdDetails": []}},
                "regions": ["US", "GB", "DE"],
                // As in the captured offers: the plan's other generations (none here).
                "diskGenerations": [],
            }],
        });
        if let Some(definition) = stored {
            v["definition"] = definition.clone();
        }
        Some((v, etag_of(o)))
    }

    /// `GET …/offers/{o}/status`: the latest operation, or the bare offer status.
    pub fn offer_status_body(
        &self,
        publisher: &str,
        offer: &str,
        now: Moment,
    ) -> Option<OperationBody> {
        let o = self.offers.get(&key(publisher, offer))?;
        Some(match self.latest_op(o) {
            Some(op) => {
                let mut body = self.op_body(op, now, self.settings.signoff_top_level);
                // The offer's status says `succeeded` once a go-live completed.
                if op.kind == OpKind::GoLive && op_state_succeeded(&body.status) {
                    body.status = Status::Succeeded.as_str().into();
                }
                body
            }
            None => OperationBody {
                status: self.offer_status(o, now).as_str().into(),
                ..OperationBody::default()
            },
        })
    }

    /// `GET …/submissions`, newest first, optionally filtered on the operation state.
    pub fn submissions(
        &self,
        publisher: &str,
        offer: &str,
        filter: Option<&str>,
        now: Moment,
    ) -> Option<Vec<Submission>> {
        let o = self.offers.get(&key(publisher, offer))?;
        let wanted = filter.map(Status::parse);
        let list = o
            .ops
            .iter()
            .rev()
            .filter_map(|id| self.ops.get(id))
            .filter_map(|op| {
                let state = match self.snapshot(op, now).state {
                    OpState::NotStarted => OpState::Running,
                    other => other,
                }
                .spelled();
                if wanted.as_ref().is_some_and(|w| Status::parse(state) != *w) {
                    return None;
                }
                // .NET ticks: 100 ns since 0001-01-01.
                let ticks = op.changed.timestamp_millis() * 10_000 + 621_355_968_000_000_000;
                Some(Submission {
                    id: op.id.clone(),
                    offer_id: o.guid.clone(),
                    offer_version: Some(op.offer_version),
                    offer_type_id: "microsoft-azure-virtualmachines".into(),
                    publisher_id: o.spec.publisher.clone(),
                    submission_type: submission_type(op.kind).into(),
                    submission_state: state.into(),
                    publishing_version: Some(op.publishing_version),
                    slot: if op.kind == OpKind::GoLive {
                        "production"
                    } else {
                        "staging"
                    }
                    .into(),
                    version: Some(ticks),
                    definition: json!({"metadata": {"emails": op.emails}}),
                    changed_time: timestamp(op.changed),
                })
            })
            .collect();
        Some(list)
    }
}

/// An operation's `complete` is the offer's `succeeded`.
fn op_state_succeeded(word: &str) -> bool {
    Status::parse(word) == Status::Succeeded
}

/// An offer's ETag: weak, from its change time with the colons URL-encoded, as the service
/// writes it (`W/"datetime'2017-06-07T06%3A15%3A40.4771399Z'"`).
pub(super) fn etag_of(o: &SimOffer) -> String {
    format!(
        "W/\"datetime'{}'\"",
        timestamp(o.changed).replace(':', "%3A")
    )
}
