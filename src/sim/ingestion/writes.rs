//! The requests that change the simulated Product Ingestion service: `POST configure` (draft
//! edits, publish to preview, go live) and `POST configure/{jobId}/cancel`.
//!
//! Draft edits apply to the draft at once (a later read of the draft tree shows them) and
//! their job completes in seconds; a publish takes a snapshot of the draft that becomes the
//! preview tree once the job succeeds; a go-live carries the preview's snapshot to live.

use serde_json::{Value, json};

use super::job::SimJob;
use super::resources::{Target, type_of};
use super::validate::{Checked, durable_product, invalid};
use super::{Answer, IngestionSim, LIVE_WITHOUT_ID, Moment, PreviewOutcome, Quirk, error};

impl IngestionSim {
    /// `POST configure/{jobId}/cancel`.
    pub fn cancel(&mut self, job_id: &str, now: Moment) -> Answer {
        let scale = self.time_scale;
        let stuck = self
            .jobs
            .get(job_id)
            .and_then(|j| self.products.get(&j.product))
            .is_some_and(|p| p.spec.quirk == Quirk::NotCancellable);
        let Some(job) = self.jobs.get_mut(job_id) else {
            return error(404, "notFound", "Resource not found", json!([]));
        };
        if stuck || !job.can_cancel(now, scale) {
            return error(
                400,
                "badRequest",
                "Cannot cancel job, job has already completed.",
                json!([]),
            );
        }
        job.cancelled_at = Some(now);
        let job = job.clone();
        (200, self.status_body(&job, now))
    }

    /// `POST configure`: checked whole first (a 400 names the field at fault), then draft
    /// edits applied, and a submission resource, if any, starts a publish or a go-live.
    pub fn configure(&mut self, body: &Value, now: Moment) -> Answer {
        let checked = match self.check(body) {
            Ok(checked) => checked,
            Err(refusal) => return refusal,
        };
        let guid = checked[0].guid.clone();
        if let Some(throttled) = self.throttle(&guid) {
            return throttled;
        }
        if let Some(product) = self.products.get_mut(&guid) {
            product.configures += 1;
            if let Quirk::RejectedUntilRetried(n) = product.spec.quirk
                && product.configures <= n
            {
                return invalid(
                    "resources[0].target",
                    "The property 'target' is required: the submission was not accepted (try again)",
                );
            }
        }
        let (submissions, edits): (Vec<Checked>, Vec<Checked>) =
            checked.into_iter().partition(|c| c.kind == "submission");
        let submission = submissions.into_iter().next();
        match submission.as_ref().and_then(Checked::target) {
            Some(Target::Preview) => self.publish(&guid, &edits, now),
            Some(Target::Live) => {
                let named = submission.as_ref().and_then(|s| s.resource["id"].as_str());
                self.go_live(&guid, named, &edits, now)
            }
            _ => self.edit_draft(&guid, &edits, now),
        }
    }

    /// Draft edits only: applied now, with a job that completes shortly after. Removing an
    /// image version that is already published fails the job, as the service does.
    fn edit_draft(&mut self, guid: &str, edits: &[Checked], now: Moment) -> Answer {
        let failure = self.deleted_published_image(guid, edits);
        if failure.is_none() {
            self.apply(guid, edits);
        }
        let job = self.start_job(guid, Target::Draft, now);
        if let Some(job) = self.jobs.get_mut(&job) {
            job.failure = failure;
            job.applied = edits.iter().map(|c| c.resource.clone()).collect();
        }
        self.accepted(&job, now)
    }

    /// A publish to preview: any resources sent along are draft edits too; the preview
    /// becomes the draft as it is now (with those edits).
    fn publish(&mut self, guid: &str, edits: &[Checked], now: Moment) -> Answer {
        if let Some(locked) = self.locked(guid, now) {
            return locked;
        }
        self.apply(guid, edits);
        let number = self.next_submission;
        self.next_submission += 1;
        let job = self.start_job(guid, Target::Preview, now);
        let snapshot = self.draft_of(guid).to_vec();
        let applied = self.submission_resource(guid, number, Target::Preview);
        let mut lose = false;
        if let Some(job) = self.jobs.get_mut(&job) {
            job.snapshot = snapshot;
            job.applied = edits.iter().map(|c| c.resource.clone()).collect();
            job.applied.push(applied);
        }
        if let Some(product) = self.products.get_mut(guid) {
            product.preview = Some((number, job.clone()));
            lose = product.spec.quirk == Quirk::LosesFirstAnswer && product.configures == 1;
        }
        if lose {
            return error(
                503,
                "serviceUnavailable",
                "The service is unavailable, try again later",
                json!([]),
            );
        }
        self.accepted(&job, now)
    }

    /// A go-live of the preview submission the request names.
    fn go_live(
        &mut self,
        guid: &str,
        named: Option<&str>,
        edits: &[Checked],
        now: Moment,
    ) -> Answer {
        let without_id = || {
            error(
                400,
                "badRequest",
                LIVE_WITHOUT_ID,
                json!([{"code": "invalidId", "message": LIVE_WITHOUT_ID, "details": []}]),
            )
        };
        let Some(named) = named.filter(|id| !id.ends_with("/0") && id.contains('/')) else {
            return without_id();
        };
        if !edits.is_empty() {
            // The reference: there is no modular publish to live.
            return invalid(
                "resources",
                "A go-live carries the submission resource only; publish edits to preview first.",
            );
        }
        if let Some(locked) = self.locked(guid, now) {
            return locked;
        }
        let Some(product) = self.products.get(guid) else {
            return without_id();
        };
        let preview = product.preview.clone();
        let live = product.live.as_ref().map(|(n, _)| *n);
        let names = |n: u64| named.eq_ignore_ascii_case(&format!("submission/{guid}/{n}"));
        let Some((number, preview_job)) = preview.filter(|(n, _)| names(*n)) else {
            let message =
                format!("The submission {named} is not the preview submission of product/{guid}.");
            return error(
                400,
                "badRequest",
                &message,
                json!([{"code": "invalidId", "message": message, "details": []}]),
            );
        };
        let view = self
            .jobs
            .get(&preview_job)
            .map(|j| j.view(now, self.time_scale));
        if view.is_none_or(|v| v.result != "succeeded") {
            let message = format!("The submission {named} has not completed its preview.");
            return error(
                400,
                "badRequest",
                &message,
                json!([{"code": "invalidState", "message": message, "details": []}]),
            );
        }
        if live == Some(number) {
            let message = format!(
                "The submission {named} is already live; publish a new preview to go live again."
            );
            return error(
                400,
                "badRequest",
                &message,
                json!([{"code": "invalidState", "message": message, "details": []}]),
            );
        }
        let snapshot = self
            .jobs
            .get(&preview_job)
            .map(|j| j.snapshot.clone())
            .unwrap_or_default();
        let job = self.start_job(guid, Target::Live, now);
        let applied = self.submission_resource(guid, number, Target::Live);
        if let Some(job) = self.jobs.get_mut(&job) {
            job.snapshot = snapshot;
            job.applied = vec![applied];
        }
        if let Some(product) = self.products.get_mut(guid) {
            product.live_before = product.live.take();
            product.live = Some((number, job.clone()));
        }
        self.accepted(&job, now)
    }

    /// A publish or go-live while another one runs is refused as the product being locked.
    fn locked(&self, guid: &str, now: Moment) -> Option<Answer> {
        let busy = self.jobs.values().any(|j| {
            j.product == guid
                && j.target != Target::Draft
                && j.view(now, self.time_scale).status != "completed"
        });
        busy.then(|| {
            error(
                409,
                "conflict",
                "The product is already being published",
                json!([{"code": "productLocked", "message": "A submission for this product is in progress", "details": []}]),
            )
        })
    }

    /// Writes edits into the draft: a resource replaces the one with its durable id (the
    /// configure API is declarative), `lifecycleState: deleted` removes a resource.
    fn apply(&mut self, guid: &str, edits: &[Checked]) {
        let Some(product) = self.products.get_mut(guid) else {
            return;
        };
        for edit in edits {
            let id = edit.resource["id"].clone();
            let at = product.draft.iter().position(|r| r["id"] == id);
            let deleted = edit.resource["lifecycleState"] == "deleted";
            match (at, deleted) {
                (Some(at), true) => {
                    product.draft.remove(at);
                }
                (Some(at), false) => product.draft[at] = edit.resource.clone(),
                (None, false) => product.draft.push(edit.resource.clone()),
                (None, true) => {}
            }
        }
    }

    /// The job errors of an edit that leaves out an image version already published to
    /// preview or live ("Cannot delete image '…' as it is already published", as AlmaLinux
    /// collected from the service).
    fn deleted_published_image(&self, guid: &str, edits: &[Checked]) -> Option<Value> {
        let published = self.published_resources(guid);
        let errors: Vec<Value> = edits
            .iter()
            .filter(|c| c.kind.ends_with("virtual-machine-plan-technical-configuration"))
            .filter(|c| c.resource.get("vmImageVersions").is_some())
            .flat_map(|c| {
                let sent = versions(&c.resource);
                published
                    .iter()
                    .filter(|r| r["id"] == c.resource["id"])
                    .flat_map(versions)
                    .filter(move |v| !sent.contains(v))
                    .map(|v| {
                        json!({"code": "invalidResource",
                               "message": format!("Cannot delete image '{v}' as it is already published"),
                               "resourceId": c.resource["id"], "details": []})
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        (!errors.is_empty()).then(|| {
            json!([{"code": "businessValidationError", "message": "The resources could not be applied",
                    "details": errors}])
        })
    }

    /// 202 with the new job's status (not counted as a status read).
    fn accepted(&self, job_id: &str, now: Moment) -> Answer {
        match self.jobs.get(job_id) {
            Some(job) => (202, self.status_body(job, now)),
            None => error(500, "internalServerError", "The job was lost", json!([])),
        }
    }

    pub(super) fn start_job(&mut self, guid: &str, target: Target, now: Moment) -> String {
        let id = format!("00000000-0000-4000-8000-{:012x}", self.next_job);
        self.next_job += 1;
        let outcome = match target {
            Target::Preview => self
                .products
                .get(guid)
                .map_or(PreviewOutcome::Succeeds, |p| p.spec.outcome),
            _ => PreviewOutcome::Succeeds,
        };
        self.jobs.insert(
            id.clone(),
            SimJob {
                id: id.clone(),
                product: guid.to_string(),
                target,
                start: now,
                cancelled_at: None,
                outcome,
                applied: Vec::new(),
                snapshot: Vec::new(),
                failure: None,
            },
        );
        id
    }

    /// The product a reference names: a `product/<guid>` durable id or `{"externalId": ...}`.
    pub(super) fn product_of(&self, reference: &Value) -> Option<String> {
        if let Some(durable) = reference.as_str() {
            let guid = durable_product(durable)?;
            return self.products.contains_key(&guid).then_some(guid);
        }
        let external = reference.get("externalId")?.as_str()?;
        self.products
            .iter()
            .find(|(_, p)| p.spec.external_id.eq_ignore_ascii_case(external))
            .map(|(guid, _)| guid.clone())
    }
}

/// The version numbers of a technical configuration that are not deleted.
fn versions(config: &Value) -> Vec<String> {
    config["vmImageVersions"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|v| v["lifecycleState"] != "deleted")
                .filter_map(|v| v["versionNumber"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a durable id names a resource of this type.
pub(super) fn is_type(resource: &Value, kind: &str) -> bool {
    type_of(resource["id"].as_str().unwrap_or_default()) == kind
}
