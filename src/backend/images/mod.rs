//! Image versions on plans, on either API: the plans of one offer per environment, and a new
//! version added to the drafts of some of its plans. What an add would do is decided for every
//! plan before anything is sent, and nothing is sent when any plan refuses it (all or nothing,
//! per offer): the same version with the same images is "already there" and sends nothing.
//!
//! CPP: the offer document is read with its ETag, edited in place and put back with `If-Match`;
//! a 412 (someone changed the draft meanwhile) reads it again, decides again on the fresh read
//! and puts once more; a second 412 stops with the reason. Product Ingestion: the draft tree is
//! read, and one `configure` carries the changed technical configurations only (no submission),
//! each with every version it had; its job is followed to its end.

pub mod cpp;
pub mod ingestion;
mod lifecycle;
mod publish_sends;

pub use lifecycle::{LifecycleChange, LifecycleOutcome};
pub use publish_sends::PublishSends;

use std::time::Duration;

use serde::Serialize;

use super::Backend;
use crate::api::ApiError;
use crate::api::http::error::ServiceError;
use crate::api::ingestion::types::{JobResult, JobStatus};
use crate::domain::image::{AddVerdict, ImageSource, ImageType, NewVersion, PlanImages, verdict};
use crate::domain::{Environment, OfferId};

/// What an add does to one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum PlanChange {
    /// The version goes on the plan (with what is worth knowing first).
    Add { warnings: Vec<String> },
    /// The same version with the same images is on the plan: nothing to send.
    AlreadyThere,
    /// It cannot go on the plan as asked: why.
    Refused { reason: String },
}

/// One plan's part of an add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanAdd {
    pub plan: String,
    #[serde(flatten)]
    pub change: PlanChange,
}

/// What an add did (or, on a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddOutcome {
    pub plans: Vec<PlanAdd>,
    /// The draft was written.
    pub written: bool,
    /// The draft changed after it was read (a colleague, the portal): the add was decided and
    /// made again on a fresh read.
    pub reread: bool,
    /// The Product Ingestion configure job that wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
}

impl AddOutcome {
    pub fn refused(&self) -> bool {
        self.plans
            .iter()
            .any(|p| matches!(p.change, PlanChange::Refused { .. }))
    }

    pub fn to_add(&self) -> bool {
        !self.refused()
            && self
                .plans
                .iter()
                .any(|p| matches!(p.change, PlanChange::Add { .. }))
    }
}

/// How long a draft edit's configure job is followed, and how often (Microsoft asks for at most
/// a poll a minute per job; a draft edit ends in seconds, so the first polls come sooner).
#[derive(Debug, Clone)]
pub struct JobWaits {
    pub first: Duration,
    pub cap: Duration,
    pub give_up_after: Duration,
}

impl Default for JobWaits {
    fn default() -> Self {
        JobWaits {
            first: Duration::from_secs(2),
            cap: Duration::from_secs(60),
            give_up_after: Duration::from_secs(15 * 60),
        }
    }
}

/// The images a plan gets from an add (empty unless its change is `Add`).
type Images = Vec<(ImageType, ImageSource)>;

/// Decides each plan's change, with the images it gets; an unknown plan is refused with the
/// offer's plans named.
fn decide(
    offer: &OfferId,
    plans: &[PlanImages],
    wanted: &[String],
    new: &NewVersion,
) -> (Vec<PlanAdd>, Vec<Images>) {
    wanted
        .iter()
        .map(|name| {
            let Some(plan) = plans.iter().find(|p| p.plan.eq_ignore_ascii_case(name)) else {
                let known: Vec<&str> = plans.iter().map(|p| p.plan.as_str()).collect();
                let reason = format!(
                    "{offer} has no plan {name}; its plans: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                );
                let change = PlanChange::Refused { reason };
                return (
                    PlanAdd {
                        plan: name.clone(),
                        change,
                    },
                    Vec::new(),
                );
            };
            let (change, images) = match verdict(plan, new) {
                AddVerdict::Add { images, warnings } => (PlanChange::Add { warnings }, images),
                AddVerdict::AlreadyThere => (PlanChange::AlreadyThere, Vec::new()),
                AddVerdict::Refused(reason) => (PlanChange::Refused { reason }, Vec::new()),
            };
            let add = PlanAdd {
                plan: plan.plan.clone(),
                change,
            };
            (add, images)
        })
        .unzip()
}

pub(super) fn refusal(message: String) -> ApiError {
    ApiError::Refused(Box::new(ServiceError {
        status: 400,
        message,
        ..ServiceError::default()
    }))
}

impl Backend {
    /// The offer's plans with their image versions as `env` holds them (draft, preview or
    /// live). An environment that holds nothing yet is a `NotFound`.
    pub async fn images(
        &self,
        offer: &OfferId,
        env: &Environment,
    ) -> Result<Vec<PlanImages>, ApiError> {
        match self {
            Backend::Cpp(c) => {
                let slot = match env {
                    Environment::Live => "production",
                    other => other.as_str(),
                };
                let document = if *env == Environment::Draft {
                    c.client
                        .get_offer(offer.publisher(), offer.offer())
                        .await?
                        .document
                } else {
                    c.client
                        .get_slot(offer.publisher(), offer.offer(), slot)
                        .await?
                };
                Ok(cpp::plans_of(&document))
            }
            Backend::Ingestion(i) => {
                let resources = i.tree(offer, env.as_str()).await?;
                Ok(ingestion::plans_of(&resources))
            }
        }
    }

    /// Adds `new` to the drafts of `plans` of `offer` (see the module's rules). `dry_run`
    /// decides and reads, and sends nothing.
    pub async fn add_version(
        &self,
        offer: &OfferId,
        plans: &[String],
        new: &NewVersion,
        dry_run: bool,
        waits: &JobWaits,
    ) -> Result<AddOutcome, ApiError> {
        match self {
            Backend::Cpp(c) => {
                let (publisher, name) = (offer.publisher(), offer.offer());
                let mut reread = false;
                loop {
                    let read = c.client.get_offer(publisher, name).await?;
                    let (decided, images) =
                        decide(offer, &cpp::plans_of(&read.document), plans, new);
                    let mut outcome = AddOutcome {
                        plans: decided,
                        written: false,
                        reread,
                        job: None,
                    };
                    if dry_run || !outcome.to_add() {
                        return Ok(outcome);
                    }
                    let mut document = read.document;
                    for (p, images) in outcome.plans.iter().zip(&images) {
                        if let PlanChange::Add { .. } = p.change {
                            cpp::add_to(&mut document, &p.plan, new.number.as_str(), images)
                                .map_err(refusal)?;
                        }
                    }
                    let Some(etag) = read.etag else {
                        return Err(refusal(format!(
                            "the service sent {offer} without an ETag, so offerdeck cannot make sure it writes over no one's change; nothing was sent"
                        )));
                    };
                    match c.client.put_offer(publisher, name, &document, &etag).await {
                        Ok(_) => {
                            outcome.written = true;
                            return Ok(outcome);
                        }
                        Err(ApiError::Conflict(e)) if e.status == 412 && !reread => {
                            tracing::info!(%offer, "the draft changed since it was read; reading it again");
                            reread = true;
                        }
                        Err(ApiError::Conflict(e)) if e.status == 412 => {
                            return Err(ApiError::Conflict(Box::new(ServiceError {
                                message: format!(
                                    "{offer}'s draft changed twice while offerdeck wrote to it (someone is editing it: the portal, a colleague, a pipeline); nothing of this add is in it. Run it again when they are done. ({})",
                                    e.message
                                ),
                                ..*e
                            })));
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            Backend::Ingestion(i) => {
                let mut resources = i.tree(offer, "draft").await?;
                let (decided, images) = decide(offer, &ingestion::plans_of(&resources), plans, new);
                let mut outcome = AddOutcome {
                    plans: decided,
                    written: false,
                    reread: false,
                    job: None,
                };
                if dry_run || !outcome.to_add() {
                    return Ok(outcome);
                }
                let mut changed = Vec::new();
                for (p, images) in outcome.plans.iter().zip(&images) {
                    if let PlanChange::Add { .. } = p.change {
                        let Some(config) = ingestion::config_of(&mut resources, &p.plan) else {
                            return Err(refusal(format!(
                                "plan {} has no technical configuration to add the version to",
                                p.plan
                            )));
                        };
                        ingestion::add_to(config, new.number.as_str(), images).map_err(refusal)?;
                        changed.push(config.clone());
                    }
                }
                let status = i.client.configure_resources(changed).await?;
                outcome.job = Some(status.job_id.clone());
                let ended = i.wait_for_job(status, waits).await?;
                job_succeeded(offer, &ended)?;
                outcome.written = true;
                Ok(outcome)
            }
        }
    }
}

/// A configure job's end as a result: a failed job is a refusal with every error it gave.
pub(super) fn job_succeeded(
    offer: &OfferId,
    ended: &crate::api::ingestion::types::ConfigureStatus,
) -> Result<(), ApiError> {
    if ended.job_result == JobResult::Succeeded {
        return Ok(());
    }
    let details: Vec<String> = ended.errors.iter().flat_map(|e| e.lines()).collect();
    Err(ApiError::Refused(Box::new(ServiceError {
        status: 400,
        code: Some("configureFailed".into()),
        message: format!(
            "the service did not take the change into {offer}'s draft (configure job {})",
            crate::text::sanitize_line(&ended.job_id)
        ),
        details,
        ..ServiceError::default()
    })))
}

impl super::ingestion::IngestionBackend {
    /// Follows a configure job to its end, within `waits`.
    pub(super) async fn wait_for_job(
        &self,
        mut status: crate::api::ingestion::types::ConfigureStatus,
        waits: &JobWaits,
    ) -> Result<crate::api::ingestion::types::ConfigureStatus, ApiError> {
        let started = std::time::Instant::now();
        let mut wait = waits.first;
        while status.job_status != JobStatus::Completed {
            if started.elapsed() >= waits.give_up_after {
                return Err(ApiError::NotReady(format!(
                    "configure job {} has not ended after {}; it may still end: see Partner Center",
                    crate::text::sanitize_line(&status.job_id),
                    humantime::format_duration(waits.give_up_after)
                )));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(waits.cap);
            status = self.client.job_status(&status.job_id).await?;
        }
        Ok(status)
    }
}
