//! The simulated Product Ingestion API's state: products, their submissions per environment and
//! the configure jobs that move them. Like the CPP model, nothing here does I/O or reads a clock:
//! every call takes the moment it happens at, and a job's state is computed from its start, the
//! time scale and its events (cancel), so days of certification pass in seconds.
//!
//! The behaviour follows the ingestion reference (§9): publish to preview allocates a new
//! submission number and runs validation then certification; go-live must name the preview
//! submission and, once done, live and preview share an id; cancel works only before
//! certification completes; a second publish while one runs is refused as `productLocked`.
//! Each product keeps its draft resources (a whole VM offer, `resources.rs`); a publish takes a
//! snapshot of them that becomes the preview tree when it succeeds, and a go-live carries it to
//! live. `job.rs` is one job's timeline; `validate.rs` what a configure request must satisfy;
//! `writes.rs` the requests that change the state (configure, cancel); `tree.rs` the reads of
//! resources (trees, one product, plans, a job's detail); the submission and job reads are here.
//! Every body is plain JSON in the documented shapes, written without offerdeck's client types.

mod job;
pub mod resources;
#[cfg(test)]
mod tests;
mod tree;
mod validate;
mod writes;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use job::SimJob;
use resources::Target;

pub type Moment = DateTime<Utc>;

const CONFIGURE_STATUS_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/configure-status/2022-07-01";
const SUBMISSION_SCHEMA: &str =
    "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2";
const LIVE_WITHOUT_ID: &str =
    "Expected a submission id that isn't null or 0 since target type is Live";

/// How a scripted product's publishes to preview end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PreviewOutcome {
    Succeeds,
    /// Validation fails with a nested `invalidResource` error.
    FailsValidation,
    /// Certification fails: `invalidState` "Issues found during Certification.", permanent.
    FailsCertification,
}

/// How a scripted product misbehaves besides how its publishes end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Quirk {
    #[default]
    None,
    /// The first `n` configure requests are refused with a synchronous schema-validation 400.
    RejectedUntilRetried(u32),
    /// Every `every`-th request about the product answers 429 with `Retry-After`.
    Throttled { every: u64 },
    /// Every `every`-th status read of its jobs answers 500 (clients must read it as pending).
    StatusErrors { every: u64 },
    /// Published to preview from the web portal before we started: ready for go-live.
    AlreadyReadyForGoLive,
    /// Its jobs are too far along to cancel from the start.
    NotCancellable,
    /// The first publish to preview starts, but its answer is a 503 (the service acted; the
    /// client cannot tell): a client that sends again publishes twice.
    LosesFirstAnswer,
}

/// A product the simulator serves.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ProductSpec {
    pub guid: String,
    pub external_id: String,
    pub alias: String,
    pub outcome: PreviewOutcome,
    pub quirk: Quirk,
}

/// Products per page of `GET product` when the client asks for no size.
pub const PAGE_SIZE: usize = 5;

/// Seconds a throttled client is asked to wait.
pub const RETRY_AFTER_SECONDS: u64 = 1;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct SimProduct {
    spec: ProductSpec,
    /// The submission number and job of the newest preview.
    preview: Option<(u64, String)>,
    /// The submission number and job of the newest go-live.
    live: Option<(u64, String)>,
    /// The go-live before the newest: still what is live while the newest one runs.
    #[serde(default)]
    live_before: Option<(u64, String)>,
    /// The product's draft resources, in the order a tree lists them.
    #[serde(default)]
    draft: Vec<Value>,
    /// Requests about the product, configure requests and job status reads so far (for quirks).
    requests: u64,
    configures: u32,
    status_reads: u64,
}

/// An answer for the HTTP layer: a status code and a JSON body.
pub type Answer = (u16, Value);

fn error(status: u16, code: &str, message: &str, details: Value) -> Answer {
    (
        status,
        json!({"error": {"code": code, "message": message, "details": details}}),
    )
}

/// The simulated Product Ingestion service.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IngestionSim {
    products: BTreeMap<String, SimProduct>,
    jobs: BTreeMap<String, SimJob>,
    /// Simulated seconds per real second.
    time_scale: f64,
    /// Submission numbers are large 64-bit values, as the service's are.
    next_submission: u64,
    next_job: u64,
    strict: Strictness,
    /// `GET product` requests answered (a client that caches ids makes few).
    product_reads: u64,
    /// Resource reads, so each signs its asset URLs anew.
    #[serde(default)]
    resource_reads: u64,
}

/// Strictness switches: what the service may insist on that most clients get wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Strictness {
    /// Refuse calls without `$version` (the service accepts them by default).
    pub require_version: bool,
    /// Refuse configure bodies whose `$schema` is not on `schema.mp.microsoft.com` (by
    /// default the retired host is accepted, as peers send resources back as they read them).
    pub require_schema_host: bool,
}

impl IngestionSim {
    /// The service at `now`, serving `products`.
    pub fn new(products: Vec<ProductSpec>, time_scale: f64, now: Moment) -> IngestionSim {
        let mut sim = IngestionSim {
            products: BTreeMap::new(),
            jobs: BTreeMap::new(),
            time_scale: time_scale.max(1e-9),
            next_submission: 1_152_921_515_689_847_000,
            next_job: 1,
            strict: Strictness::default(),
            product_reads: 0,
            resource_reads: 0,
        };
        for spec in products {
            let guid = spec.guid.to_ascii_lowercase();
            let ready = spec.quirk == Quirk::AlreadyReadyForGoLive;
            let draft = resources::catalogue(&guid, &spec.external_id, &spec.alias);
            sim.products.insert(
                guid.clone(),
                SimProduct {
                    spec,
                    preview: None,
                    live: None,
                    live_before: None,
                    draft: draft.clone(),
                    requests: 0,
                    configures: 0,
                    status_reads: 0,
                },
            );
            if ready {
                // A preview that finished a day ago, published by someone else.
                let long_ago = now - chrono::Duration::days(1);
                let job = sim.start_job(&guid, Target::Preview, long_ago);
                let number = sim.next_submission;
                sim.next_submission += 1;
                if let Some(job) = sim.jobs.get_mut(&job) {
                    job.snapshot = draft;
                }
                if let Some(product) = sim.products.get_mut(&guid) {
                    product.preview = Some((number, job));
                }
            }
        }
        sim
    }

    /// A product's draft resources (none for an unknown product).
    fn draft_of(&self, guid: &str) -> &[Value] {
        self.products.get(guid).map_or(&[], |p| p.draft.as_slice())
    }

    /// The same service at another pace (a restarted demo with another time scale).
    pub fn with_time_scale(mut self, time_scale: f64) -> IngestionSim {
        self.time_scale = time_scale;
        self
    }

    /// Turns the strictness switches on or off.
    pub fn with_strictness(mut self, strict: Strictness) -> IngestionSim {
        self.strict = strict;
        self
    }

    pub fn strictness(&self) -> Strictness {
        self.strict
    }

    /// Counts a request about a product; a throttled product answers 429 every so often.
    fn throttle(&mut self, guid: &str) -> Option<Answer> {
        let product = self.products.get_mut(guid)?;
        product.requests += 1;
        match product.spec.quirk {
            Quirk::Throttled { every } if every > 0 && product.requests % every == 0 => {
                Some(error(
                    429,
                    "tooManyRequests",
                    "Too many requests, retry after the time given in Retry-After",
                    json!([]),
                ))
            }
            _ => None,
        }
    }

    /// How many `GET product` requests were answered.
    pub fn product_reads(&self) -> u64 {
        self.product_reads
    }

    /// How many configure jobs were started on the product with this external id (a client
    /// that sends a publish twice shows here).
    pub fn jobs_started(&self, external_id: &str) -> usize {
        let guids: Vec<&String> = self
            .products
            .iter()
            .filter(|(_, p)| p.spec.external_id.eq_ignore_ascii_case(external_id))
            .map(|(guid, _)| guid)
            .collect();
        self.jobs
            .values()
            .filter(|j| guids.contains(&&j.product))
            .count()
    }

    /// `GET product` (optionally `externalId=`, matched without regard to case), a page at a
    /// time: `$maxpagesize` products (default `PAGE_SIZE`) from `continuationToken`, and an
    /// `@nextLink` while more follow, as the service pages.
    pub fn products(
        &mut self,
        external_id: Option<&str>,
        page_size: Option<usize>,
        from: usize,
        version: &str,
    ) -> Answer {
        self.product_reads += 1;
        let matching: Vec<Value> = self
            .products
            .values()
            .filter(|p| external_id.is_none_or(|id| p.spec.external_id.eq_ignore_ascii_case(id)))
            .map(|p| {
                // The alias as the draft has it (a configure may have renamed the product).
                let alias = p
                    .draft
                    .iter()
                    .find(|r| writes::is_type(r, "product"))
                    .and_then(|r| r["alias"].as_str())
                    .unwrap_or(&p.spec.alias);
                json!({
                    "$schema": "https://schema.mp.microsoft.com/schema/product/2022-07-01",
                    "id": format!("product/{}", p.spec.guid),
                    "identity": {"externalId": p.spec.external_id},
                    "type": "azureVirtualMachine",
                    "alias": alias,
                })
            })
            .collect();
        let size = page_size.unwrap_or(PAGE_SIZE).clamp(1, 100);
        let page: Vec<Value> = matching.iter().skip(from).take(size).cloned().collect();
        let mut body = json!({ "value": page });
        if from + size < matching.len() {
            let mut link = format!(
                "product?$version={version}&$maxpagesize={size}&continuationToken={}",
                from + size
            );
            if let Some(id) = external_id {
                link.push_str(&format!("&externalId={id}"));
            }
            body["@nextLink"] = json!(link);
        }
        (200, body)
    }

    /// `GET submission/{guid}`: the draft, the newest preview and the live submission. While
    /// a new version goes live the list holds two live entries, the completed one first and
    /// the running one after it, as the service lists them (azure-img-utils reads both).
    pub fn submissions(&mut self, guid: &str, now: Moment) -> Answer {
        let key = guid.to_ascii_lowercase();
        if let Some(throttled) = self.throttle(&key) {
            return throttled;
        }
        let Some(product) = self.products.get(&key) else {
            return error(404, "notFound", "Resource not found", json!([]));
        };
        let mut value = vec![self.submission_resource(&key, 0, Target::Draft)];
        let newest_live_running = product
            .live
            .as_ref()
            .and_then(|(_, job)| self.jobs.get(job))
            .is_some_and(|j| j.view(now, self.time_scale).status != "completed");
        let mut entries = vec![(Target::Preview, &product.preview)];
        if newest_live_running {
            entries.push((Target::Live, &product.live_before));
        }
        entries.push((Target::Live, &product.live));
        for (target, entry) in entries {
            let Some((number, job)) = entry else { continue };
            if let Some(found) = self.submission_entry(&key, *number, job, target, now) {
                value.push(found);
            }
        }
        (200, json!({ "value": value }))
    }

    /// A submission resource as lists and trees show it: the draft (`/0`) bare, the others with
    /// their job's status, result and creation time; `None` for a cancelled job, which leaves
    /// no submission behind.
    fn submission_entry(
        &self,
        guid: &str,
        number: u64,
        job: &str,
        target: Target,
        now: Moment,
    ) -> Option<Value> {
        let job = self.jobs.get(job)?;
        let view = job.view(now, self.time_scale);
        if view.result == "cancelled" {
            return None;
        }
        let mut entry = self.submission_resource(guid, number, target);
        entry["status"] = json!(view.status);
        entry["result"] = json!(view.result);
        entry["created"] = json!(service_time(job.start));
        Some(entry)
    }

    fn submission_resource(&self, guid: &str, number: u64, target: Target) -> Value {
        json!({
            "$schema": SUBMISSION_SCHEMA,
            "id": format!("submission/{guid}/{number}"),
            "product": format!("product/{guid}"),
            "target": {"targetType": target.word()},
        })
    }

    /// `GET submission/{guid}/{number}`: one submission (the draft is `0`).
    pub fn submission(&mut self, guid: &str, number: &str, now: Moment) -> Answer {
        let (status, body) = self.submissions(guid, now);
        if status != 200 {
            return (status, body);
        }
        let suffix = format!("/{number}");
        body["value"]
            .as_array()
            .and_then(|all| {
                all.iter()
                    .find(|s| s["id"].as_str().is_some_and(|id| id.ends_with(&suffix)))
            })
            .map_or_else(
                || error(404, "notFound", "Resource not found", json!([])),
                |found| (200, found.clone()),
            )
    }

    /// `GET configure/{jobId}/status`.
    pub fn job_status(&mut self, job_id: &str, now: Moment) -> Answer {
        let Some(guid) = self.jobs.get(job_id).map(|j| j.product.clone()) else {
            return error(404, "notFound", "Resource not found", json!([]));
        };
        if let Some(throttled) = self.throttle(&guid) {
            return throttled;
        }
        if let Some(product) = self.products.get_mut(&guid) {
            product.status_reads += 1;
            if let Quirk::StatusErrors { every } = product.spec.quirk
                && every > 0
                && product.status_reads % every == 0
            {
                return error(
                    500,
                    "internalServerError",
                    "An unexpected error occurred while reading the job",
                    json!([]),
                );
            }
        }
        match self.jobs.get(job_id) {
            Some(job) => (200, self.status_body(job, now)),
            None => error(404, "notFound", "Resource not found", json!([])),
        }
    }

    fn status_body(&self, job: &SimJob, now: Moment) -> Value {
        let view = job.view(now, self.time_scale);
        let end = match view.end {
            Some(seconds) => service_time(
                job.start
                    + chrono::Duration::milliseconds((seconds / self.time_scale * 1000.0) as i64),
            ),
            None => "0001-01-01T00:00:00".to_string(),
        };
        let mut body = json!({
            "$schema": CONFIGURE_STATUS_SCHEMA,
            "jobId": job.id,
            "jobStatus": view.status,
            "jobResult": view.result,
            "jobStart": service_time(job.start),
            "jobEnd": end,
            "errors": view.errors,
        });
        if view.result == "succeeded" {
            body["resourceUri"] = json!(format!(
                "https://product-ingestion.mp.microsoft.com/configure/{}",
                job.id
            ));
        }
        body
    }
}

/// A timestamp as the service writes it: seven fractional digits and `Z`.
fn service_time(at: Moment) -> String {
    use chrono::Timelike;
    // chrono has no seven-digit fraction specifier: ticks of 100 ns are written by hand.
    format!(
        "{}.{:07}Z",
        at.format("%Y-%m-%dT%H:%M:%S"),
        at.nanosecond() % 1_000_000_000 / 100
    )
}
