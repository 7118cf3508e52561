//! Reads of the simulated products' resources: the resource tree of an environment, one
//! product, its plans, any draft resource by durable id, and a finished job's detail.

use serde_json::{Value, json};

use super::resources::{Target, cap_schema, signed_asset, type_of};
use super::writes::is_type;
use super::{Answer, IngestionSim, Moment, error};

const TREE_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/resource-tree/2022-03-01-preview2";
const DETAIL_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/configure-detail/2022-03-01-preview2";

fn not_found() -> Answer {
    error(404, "notFound", "Resource not found", json!([]))
}

impl IngestionSim {
    /// `GET resource-tree/product/{guid}?targetType=`: every resource of the product in one
    /// environment, its submission among them. Draft by default; 404 for an environment that
    /// holds nothing yet. After a go-live, preview shows what is live until a new preview.
    pub fn resource_tree(
        &mut self,
        guid: &str,
        target: &str,
        version: Option<&str>,
        now: Moment,
    ) -> Answer {
        let key = guid.to_ascii_lowercase();
        if let Some(throttled) = self.throttle(&key) {
            return throttled;
        }
        if !self.products.contains_key(&key) {
            return not_found();
        }
        let Some(target) = Target::parse(target) else {
            return error(
                400,
                "badRequest",
                &format!("targetType '{target}' is not one of draft, preview, live"),
                json!([]),
            );
        };
        let Some((resources, submission)) = self.environment(&key, target, now) else {
            return error(
                404,
                "notFound",
                &format!("The product has no {} version", target.word()),
                json!([]),
            );
        };
        self.resource_reads += 1;
        let read = self.resource_reads;
        let mut listed: Vec<Value> = resources
            .into_iter()
            .map(|r| signed_asset(r, read))
            .collect();
        listed.push(submission);
        if let Some(asked) = version {
            for resource in &mut listed {
                cap_schema(resource, asked);
            }
        }
        (
            200,
            json!({
                "$schema": TREE_SCHEMA,
                "root": format!("product/{key}"),
                "target": {"targetType": target.word()},
                "resources": listed,
            }),
        )
    }

    /// The resources of one environment and its submission resource, if it holds any.
    fn environment(&self, guid: &str, target: Target, now: Moment) -> Option<(Vec<Value>, Value)> {
        let product = self.products.get(guid)?;
        let succeeded = |entry: &Option<(u64, String)>, as_target: Target| {
            let (number, job_id) = entry.as_ref()?;
            let job = self.jobs.get(job_id)?;
            (job.view(now, self.time_scale).result == "succeeded").then(|| {
                let mut submission = self.submission_entry(guid, *number, job_id, as_target, now);
                if let Some(s) = submission.as_mut() {
                    s["target"]["targetType"] = json!(as_target.word());
                }
                (job.snapshot.clone(), submission.unwrap_or(Value::Null))
            })
        };
        match target {
            Target::Draft => Some((
                product.draft.clone(),
                self.submission_resource(guid, 0, Target::Draft),
            )),
            Target::Live => succeeded(&product.live, Target::Live)
                .or_else(|| succeeded(&product.live_before, Target::Live)),
            Target::Preview => succeeded(&product.preview, Target::Preview)
                .or_else(|| succeeded(&product.live, Target::Preview))
                .or_else(|| succeeded(&product.live_before, Target::Preview)),
        }
    }

    /// The resources published to preview or live so far (whatever became of the publish).
    pub(super) fn published_resources(&self, guid: &str) -> Vec<Value> {
        let Some(product) = self.products.get(guid) else {
            return Vec::new();
        };
        [&product.preview, &product.live, &product.live_before]
            .into_iter()
            .flatten()
            .filter_map(|(_, job)| self.jobs.get(job))
            .filter(|job| job.cancelled_at.is_none())
            .flat_map(|job| job.snapshot.iter().cloned())
            .collect()
    }

    /// `GET product/{guid}`: the product resource, as the draft has it.
    pub fn product(&mut self, guid: &str) -> Answer {
        let key = guid.to_ascii_lowercase();
        if let Some(throttled) = self.throttle(&key) {
            return throttled;
        }
        self.draft_of(&key)
            .iter()
            .find(|r| is_type(r, "product"))
            .map_or_else(not_found, |r| (200, r.clone()))
    }

    /// `GET plan?product=product/{guid}` (and `externalId=`): the product's draft plans.
    pub fn plans(&mut self, product: &str, external_id: Option<&str>) -> Answer {
        let Some(guid) = self.product_of(&json!(product)) else {
            return error(
                404,
                "notFound",
                "Resource not found",
                json!([{"code": "resourceNotFound", "message": format!("product={product} names no product"), "details": []}]),
            );
        };
        if let Some(throttled) = self.throttle(&guid) {
            return throttled;
        }
        let plans: Vec<Value> = self
            .draft_of(&guid)
            .iter()
            .filter(|r| is_type(r, "plan"))
            .filter(|r| {
                external_id.is_none_or(|want| {
                    r["identity"]["externalId"]
                        .as_str()
                        .is_some_and(|name| name.eq_ignore_ascii_case(want))
                })
            })
            .cloned()
            .collect();
        (200, json!({ "value": plans }))
    }

    /// `GET <type>/<productGuid>/...`: any draft resource by its durable id.
    pub fn resource(&mut self, durable_id: &str) -> Answer {
        let id = durable_id.trim_matches('/').to_ascii_lowercase();
        let Some(guid) = id.split('/').nth(1).map(str::to_string) else {
            return not_found();
        };
        if let Some(throttled) = self.throttle(&guid) {
            return throttled;
        }
        self.resource_reads += 1;
        let read = self.resource_reads;
        self.draft_of(&guid)
            .iter()
            .find(|r| {
                r["id"]
                    .as_str()
                    .is_some_and(|rid| rid.eq_ignore_ascii_case(&id))
            })
            .filter(|r| type_of(r["id"].as_str().unwrap_or_default()) != "submission")
            .map_or_else(not_found, |r| (200, signed_asset(r.clone(), read)))
    }

    /// `GET configure/{jobId}`: what a finished job created or updated. Refused while the job
    /// runs (the reference: it "fails if the job has not completed"); after a cancel or a
    /// failure it lists nothing.
    pub fn job_detail(&mut self, job_id: &str, now: Moment) -> Answer {
        let Some(job) = self.jobs.get(job_id) else {
            return not_found();
        };
        let view = job.view(now, self.time_scale);
        if view.status != "completed" {
            let message = format!("The job {job_id} has not completed: its details follow then.");
            return error(
                400,
                "badRequest",
                &message,
                json!([{"code": "invalidState", "message": message, "details": []}]),
            );
        }
        let resources = if view.result == "succeeded" {
            job.applied.clone()
        } else {
            Vec::new()
        };
        (
            200,
            json!({"$schema": DETAIL_SCHEMA, "resources": resources}),
        )
    }
}
