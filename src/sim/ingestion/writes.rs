//! The requests that change the simulated Product Ingestion service: `POST configure` (publish
//! to preview, go live) and `POST configure/{jobId}/cancel`.

use serde_json::{Value, json};

use super::job::SimJob;
use super::{
    Answer, IngestionSim, LIVE_WITHOUT_ID, Moment, PreviewOutcome, Quirk, RETIRED_SCHEMA_HOST,
    SCHEMA_HOST, error,
};
use crate::api::ingestion::types::{TargetType, guid_of_product};

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

    /// `POST configure`: only submission resources are acted on; anything else in the request
    /// is accepted as a draft edit and changes nothing we simulate.
    pub fn configure(&mut self, body: &Value, now: Moment) -> Answer {
        let strict = self.strict.require_schema_host;
        let schema_problem = |v: &Value| match v.get("$schema").and_then(Value::as_str) {
            Some(schema) => {
                schema.contains(RETIRED_SCHEMA_HOST) || (strict && !schema.starts_with(SCHEMA_HOST))
            }
            None => strict,
        };
        let resources = body.get("resources").and_then(Value::as_array);
        let Some(resources) = resources.filter(|r| !r.is_empty()) else {
            return schema_error("resources must hold at least one resource");
        };
        if schema_problem(body) || resources.iter().any(schema_problem) {
            return schema_error(
                "Schema validation failed for schema https://product-ingestion.azureedge.net",
            );
        }
        let Some(submission) = resources
            .iter()
            .find(|r| r.get("target").is_some() && r.get("product").is_some())
        else {
            return schema_error("a submission resource needs product and target");
        };
        let Some(guid) = self.product_of(&submission["product"]) else {
            return error(
                404,
                "notFound",
                "Resource not found",
                json!([{"code": "resourceNotFound", "message": "The product does not exist", "details": []}]),
            );
        };
        if let Some(throttled) = self.throttle(&guid) {
            return throttled;
        }
        if let Some(product) = self.products.get_mut(&guid) {
            product.configures += 1;
            if let Quirk::RejectedUntilRetried(n) = product.spec.quirk
                && product.configures <= n
            {
                return schema_error(
                    "The property 'target' is required: the submission was not accepted (try again)",
                );
            }
        }
        let target = TargetType::parse(
            submission["target"]["targetType"]
                .as_str()
                .unwrap_or_default(),
        );
        let busy = self
            .jobs
            .values()
            .any(|j| j.product == guid && j.view(now, self.time_scale).status != "completed");
        if busy {
            return error(
                409,
                "conflict",
                "The product is already being published",
                json!([{"code": "productLocked", "message": "A submission for this product is in progress", "details": []}]),
            );
        }
        match target {
            TargetType::Preview => {
                let number = self.next_submission;
                self.next_submission += 1;
                let job = self.start_job(&guid, TargetType::Preview, now);
                let mut lose = false;
                if let Some(product) = self.products.get_mut(&guid) {
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
            TargetType::Live => {
                let preview = self.ready_preview(&guid, now);
                let named = submission.get("id").and_then(Value::as_str);
                let Some(number) = preview.filter(|n| {
                    named.is_some_and(|id| {
                        id.eq_ignore_ascii_case(&format!("submission/{guid}/{n}"))
                    })
                }) else {
                    return error(
                        400,
                        "badRequest",
                        LIVE_WITHOUT_ID,
                        json!([{"code": "invalidId", "message": LIVE_WITHOUT_ID, "details": []}]),
                    );
                };
                let job = self.start_job(&guid, TargetType::Live, now);
                if let Some(product) = self.products.get_mut(&guid) {
                    product.live = Some((number, job.clone()));
                }
                self.accepted(&job, now)
            }
            _ => schema_error("targetType must be preview or live"),
        }
    }

    /// 202 with the new job's status (not counted as a status read).
    fn accepted(&self, job_id: &str, now: Moment) -> Answer {
        match self.jobs.get(job_id) {
            Some(job) => (202, self.status_body(job, now)),
            None => error(500, "internalServerError", "The job was lost", json!([])),
        }
    }

    /// The number of the preview submission that succeeded and is not live yet.
    fn ready_preview(&self, guid: &str, now: Moment) -> Option<u64> {
        let product = self.products.get(guid)?;
        let (number, job) = product.preview.as_ref()?;
        let view = self.jobs.get(job)?.view(now, self.time_scale);
        let live = product.live.as_ref().map(|(n, _)| *n);
        (view.result == "succeeded" && live != Some(*number)).then_some(*number)
    }

    pub(super) fn start_job(&mut self, guid: &str, target: TargetType, now: Moment) -> String {
        let id = format!("00000000-0000-4000-8000-{:012x}", self.next_job);
        self.next_job += 1;
        let outcome = self
            .products
            .get(guid)
            .map_or(PreviewOutcome::Succeeds, |p| p.spec.outcome);
        self.jobs.insert(
            id.clone(),
            SimJob {
                id: id.clone(),
                product: guid.to_string(),
                target,
                start: now,
                cancelled_at: None,
                outcome,
            },
        );
        id
    }

    /// The product a reference names: a `product/<guid>` durable id or `{"externalId": ...}`.
    fn product_of(&self, reference: &Value) -> Option<String> {
        if let Some(durable) = reference.as_str() {
            let guid = guid_of_product(durable)?.to_ascii_lowercase();
            return self.products.contains_key(&guid).then_some(guid);
        }
        let external = reference.get("externalId")?.as_str()?;
        self.products
            .iter()
            .find(|(_, p)| p.spec.external_id.eq_ignore_ascii_case(external))
            .map(|(guid, _)| guid.clone())
    }
}

fn schema_error(message: &str) -> Answer {
    error(
        400,
        "badRequest",
        "Invalid configuration: schema validation failed",
        json!([{"code": "schemaValidationError", "message": message, "details": []}]),
    )
}
