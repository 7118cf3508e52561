//! A version's lifecycle on a plan: deprecated (on a date, or at once) or restored to generally
//! available. Product Ingestion only: one `configure` with the plan's technical configuration,
//! that version's `lifecycleState` (and `deprecationSchedule`) changed and nothing else. The
//! Cloud Partner Portal API has no deprecation: it is refused there, with what to do instead.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Value, json};

use super::{JobWaits, refusal};
use crate::api::ApiError;
use crate::backend::Backend;
use crate::domain::OfferId;
use crate::domain::image::{Lifecycle, VersionNumber};

/// What to make of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleChange {
    /// Deprecated: from `on` (a scheduled deprecation), or now.
    Deprecate { on: Option<NaiveDate> },
    /// Generally available again.
    Restore,
}

/// What a lifecycle change did (or, on a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleOutcome {
    pub plan: String,
    pub version: String,
    /// The version's state before, in words.
    pub was: String,
    /// Nothing to do: it is in that state already.
    pub unchanged: bool,
    pub written: bool,
    /// Worth knowing first (the plan's last available version, for one).
    pub warnings: Vec<String>,
}

/// The version's entry, changed in place.
fn apply(entry: &mut Value, change: LifecycleChange) {
    match change {
        LifecycleChange::Deprecate { on } => {
            entry["lifecycleState"] = json!("deprecated");
            if let Some(on) = on {
                entry["deprecationSchedule"] =
                    json!({"date": on.format("%Y-%m-%d").to_string(), "reason": "other"});
            }
        }
        LifecycleChange::Restore => {
            entry["lifecycleState"] = json!("generallyAvailable");
            if let Some(map) = entry.as_object_mut() {
                map.remove("deprecationSchedule");
            }
        }
    }
}

fn already(lifecycle: &Lifecycle, change: LifecycleChange) -> bool {
    match (lifecycle, change) {
        (Lifecycle::Deprecated { on }, LifecycleChange::Deprecate { on: want }) => {
            want.is_none() || *on == want
        }
        (Lifecycle::GenerallyAvailable, LifecycleChange::Restore) => true,
        _ => false,
    }
}

impl Backend {
    /// Changes the lifecycle of `version` on `plan` of `offer` (see the module); `dry_run`
    /// reads and decides, and sends nothing.
    pub async fn set_lifecycle(
        &self,
        offer: &OfferId,
        plan: &str,
        version: &VersionNumber,
        change: LifecycleChange,
        dry_run: bool,
        waits: &JobWaits,
    ) -> Result<LifecycleOutcome, ApiError> {
        let i = match self {
            Backend::Cpp(_) => {
                return Err(refusal(format!(
                    "{offer} is on the Cloud Partner Portal API, which has no deprecation of an image version; nothing was sent"
                )));
            }
            Backend::Ingestion(i) => i,
        };
        let mut resources = i.tree(offer, "draft").await?;
        let plans = super::ingestion::plans_of(&resources);
        let Some(current) = plans.iter().find(|p| p.plan.eq_ignore_ascii_case(plan)) else {
            let known: Vec<&str> = plans.iter().map(|p| p.plan.as_str()).collect();
            return Err(refusal(format!(
                "{offer} has no plan {plan}; its plans: {}",
                known.join(", ")
            )));
        };
        let Some(existing) = current.version(version) else {
            let known: Vec<&str> = current.versions.iter().map(|v| v.number.as_str()).collect();
            return Err(refusal(format!(
                "plan {} has no version {version}; its versions: {}",
                current.plan,
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            )));
        };
        let mut outcome = LifecycleOutcome {
            plan: current.plan.clone(),
            version: existing.number.clone(),
            was: existing.lifecycle.words(),
            unchanged: already(&existing.lifecycle, change),
            written: false,
            warnings: Vec::new(),
        };
        if let LifecycleChange::Deprecate { .. } = change {
            let others = current
                .versions
                .iter()
                .filter(|v| v.number != existing.number)
                .any(|v| v.lifecycle == Lifecycle::GenerallyAvailable);
            if !others {
                outcome.warnings.push(format!(
                    "{} is the last available version of plan {}: once it is deprecated, customers cannot deploy the plan",
                    existing.number, current.plan
                ));
            }
        }
        if dry_run || outcome.unchanged {
            return Ok(outcome);
        }
        let number = existing.number.clone();
        let name = current.plan.clone();
        let Some(config) = super::ingestion::config_of(&mut resources, &name) else {
            return Err(refusal(format!(
                "plan {name} has no technical configuration"
            )));
        };
        let Some(entry) = config["vmImageVersions"].as_array_mut().and_then(|list| {
            list.iter_mut()
                .find(|v| v["versionNumber"] == number.as_str())
        }) else {
            return Err(refusal(format!("plan {name} has no version {number}")));
        };
        apply(entry, change);
        let config = config.clone();
        let status = i.client.configure_resources(vec![config]).await?;
        let ended = i.wait_for_job(status, waits).await?;
        super::job_succeeded(offer, &ended)?;
        outcome.written = true;
        Ok(outcome)
    }
}
