//! What the service does on a POST: publish, go live, cancel, with the pointer it answers.

use std::time::Duration;

use super::behaviour;
use super::plan::{CANCEL_SECONDS, ClosedAs, SimOp};
use super::{Moment, PostOutcome, PostRequest, SimOffer, SimState, error_body, key};
use crate::clock::span;
use crate::domain::OpKind;
use crate::sim::catalogue::{Behaviour, PointerStyle};

impl SimState {
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
        let latest = o
            .ops
            .last()
            .and_then(|id| self.ops.get(id))
            .map(|op| (op.id.clone(), op.kind, self.snapshot(op, now)));
        let active = latest.as_ref().filter(|(_, _, s)| s.state.is_active());
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
                        // Same draft while running: the service re-queues nothing and points at
                        // the running one.
                        let id = id.clone();
                        return self.accepted(&k, &id, base, api_version);
                    }
                }
                let (attempt, behaviour) = self
                    .offers
                    .get_mut(&k)
                    .map(|o| {
                        o.publish_attempts += 1;
                        (o.publish_attempts, o.spec.behaviour.clone())
                    })
                    .unwrap_or((1, Behaviour::Plain));
                let details = behaviour::validation_details(attempt, &behaviour, emails, offer);
                if !details.is_empty() {
                    return PostOutcome::Refused {
                        status: 422,
                        body: behaviour::rejection(details),
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
                Some((id, OpKind::GoLive, snap)) if snap.state.is_active() => {
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
        let publishes = o
            .ops
            .iter()
            .filter_map(|i| self.ops.get(i))
            .filter(|op| op.kind == OpKind::Publish)
            .count() as i64;
        // A publish gets the next version; a go-live takes the version of the publish it
        // makes live.
        let publishing_version = if kind == OpKind::GoLive {
            publishes + 1
        } else {
            publishes + 2
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
            definition: (kind == OpKind::Publish)
                .then(|| o.definition.clone())
                .flatten(),
        };
        self.ops.insert(id.clone(), op);
        id
    }
}
