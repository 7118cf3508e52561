//! The Product Ingestion API behind the backend seam. That API has no status endpoint and no
//! steps: an offer's status is derived from its submissions per environment, and an operation is
//! one configure job, followed at `configure/{jobId}/status`. The product's durable id is
//! resolved once per run from its external id (the offer id) and kept.

pub mod observe;
mod reads;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use url::Url;

use super::Started;
use crate::api::ApiError;
use crate::api::http::error::ServiceError;
use crate::api::ingestion::client::IngestionClient;
use crate::api::ingestion::types::{JobStatus, Product, Submission, TargetType, guid_of_product};
use crate::domain::{FoundVia, Observation, OfferId, OpKind, Operation, Status, SubmissionSeen};
use crate::store::StateStore;
use crate::text::sanitize_line;
pub use observe::{derive_status, observe_job, observe_submission};
pub(super) use reads::without_submissions;

/// The ingestion client and the product ids it resolved.
#[derive(Debug, Clone)]
pub struct IngestionBackend {
    pub(super) client: IngestionClient,
    /// Offer (lower case) → durable id (`product/<guid>`), for this run.
    products: Arc<Mutex<HashMap<String, String>>>,
    /// Where the ids are kept between runs, when there is such a place.
    store: Option<StateStore>,
}

impl IngestionBackend {
    pub fn new(client: IngestionClient) -> IngestionBackend {
        IngestionBackend {
            client,
            products: Arc::new(Mutex::new(HashMap::new())),
            store: None,
        }
    }

    /// Keeps the product ids it resolves in `store`, and starts from those recorded there.
    pub fn remembering_in(mut self, store: StateStore) -> IngestionBackend {
        self.store = Some(store);
        self
    }

    fn cached(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        // A poisoned map still holds valid ids.
        self.products.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The product of an offer: found by external id, or a clear "not found". The id found is
    /// remembered (and recorded, when there is a store).
    pub(super) async fn product(&self, offer: &OfferId) -> Result<Product, ApiError> {
        match self.client.find_product(offer.offer()).await? {
            Some(product) if guid_of_product(&product.id).is_some() => {
                self.remember(offer, Some(&product.id));
                Ok(product)
            }
            _ => Err(ApiError::NotFound(Box::new(ServiceError {
                status: 404,
                code: Some("notFound".into()),
                message: format!(
                    "no product with the external id {:?} is visible to this account",
                    offer.offer()
                ),
                ..ServiceError::default()
            }))),
        }
    }

    fn remember(&self, offer: &OfferId, id: Option<&str>) {
        let key = offer.to_string().to_lowercase();
        match id {
            Some(id) => self.cached().insert(key, id.to_string()),
            None => self.cached().remove(&key),
        };
        if let Some(store) = &self.store
            && let Err(e) = store.set_product_id(offer, id)
        {
            // Only a cache: the id is looked up again next time.
            tracing::warn!(%offer, error = %e, "could not record the product id");
        }
    }

    /// The durable id of the offer's product, and whether it came from what was remembered
    /// (then a 404 may mean it is out of date).
    async fn product_id(&self, offer: &OfferId) -> Result<(String, bool), ApiError> {
        let key = offer.to_string().to_lowercase();
        if let Some(id) = self.cached().get(&key).cloned() {
            return Ok((id, true));
        }
        if let Some(id) = self
            .store
            .as_ref()
            .and_then(|s| s.product_id(offer).ok().flatten())
            .filter(|id| guid_of_product(id).is_some())
        {
            self.cached().insert(key, id.clone());
            return Ok((id, true));
        }
        Ok((self.product(offer).await?.id, false))
    }

    /// Runs `call` with the offer's product id; when a remembered id is no longer known to the
    /// service (404), it is looked up again by external id, once.
    async fn with_product<T, F, Fut>(&self, offer: &OfferId, call: F) -> Result<T, ApiError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let (id, remembered) = self.product_id(offer).await?;
        match call(id).await {
            Err(ApiError::NotFound(_)) if remembered => {
                tracing::info!(%offer, "remembered product id unknown to the service; looking it up again");
                self.remember(offer, None);
                let (id, _) = self.product_id(offer).await?;
                call(id).await
            }
            other => other,
        }
    }

    /// The product's guid and its submissions per environment.
    async fn submissions(&self, offer: &OfferId) -> Result<(String, Vec<Submission>), ApiError> {
        self.with_product(offer, |product| async move {
            let guid = guid_of_product(&product).unwrap_or_default().to_string();
            let submissions = self.client.submissions(&guid).await?;
            Ok((guid, submissions))
        })
        .await
    }

    /// The offer's status from its submissions (whoever published: the portal included).
    pub(super) async fn status(&self, offer: &OfferId) -> Result<Observation, ApiError> {
        let (guid, submissions) = self.submissions(offer).await?;
        let status = derive_status(&submissions, None);
        let seen: Vec<SubmissionSeen> = submissions
            .iter()
            .map(|s| SubmissionSeen {
                environment: observe::environment(&s.target.target_type),
                number: s
                    .number()
                    .map_or_else(|| sanitize_line(&s.id), |n| n.to_string()),
                state: match (&s.status, &s.result) {
                    (Some(st), Some(r)) => sanitize_line(&format!("{st}/{r}")),
                    (Some(st), None) => sanitize_line(st.as_str()),
                    _ => String::new(),
                },
            })
            .collect();
        let raw_status = seen
            .iter()
            .filter(|s| !s.state.is_empty())
            .map(|s| format!("{}: {}", s.environment, s.state))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(Observation {
            progress: match status {
                Status::Succeeded | Status::WaitingForPublisherReview => 100,
                _ => 0,
            },
            status,
            raw_status,
            submissions: seen,
            product_guid: Some(sanitize_line(&guid)),
            ..Observation::default()
        }
        .bounded())
    }

    /// The URL a job is followed at.
    pub(super) fn job_url(&self, job_id: &str) -> Url {
        self.client.url(&["configure", job_id, "status"])
    }

    /// The URL a submission is followed at (one started elsewhere, or by a configure POST
    /// whose answer was lost).
    fn submission_url(&self, guid: &str, number: u64) -> Url {
        self.client.url(&["submission", guid, &number.to_string()])
    }

    /// Starts a publish to preview or a go-live: one configure job. The POST is never sent
    /// twice: when its answer is unclear (5xx, timeout, dropped connection), the submissions
    /// tell whether it started after all, and then that submission is followed.
    pub(super) async fn start(&self, kind: OpKind, offer: &OfferId) -> Result<Started, ApiError> {
        let sent = self
            .with_product(offer, |product| async move {
                match kind {
                    OpKind::GoLive => self.client.go_live(&product).await,
                    _ => self.client.publish_preview(&product).await,
                }
            })
            .await;
        match sent {
            Ok(job) => Ok(Started {
                pointer: self.job_url(&job.job_id),
                kind,
                adopted: false,
                found_via: FoundVia::Configure,
            }),
            Err(err) if err.is_unclear() => {
                tracing::warn!(%kind, %offer, error = %err, "unclear answer to a configure POST; reading the submissions before anything else");
                match self.running(offer).await {
                    Ok(Some(running)) if running.kind == kind => Ok(Started {
                        pointer: running.pointer,
                        kind,
                        adopted: true,
                        found_via: FoundVia::Submissions,
                    }),
                    _ => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// The submission in flight on the offer, whoever started it (the web portal, another
    /// tool, a POST whose answer was lost): a go-live before a publish to preview.
    pub(super) async fn running(
        &self,
        offer: &OfferId,
    ) -> Result<Option<super::Running>, ApiError> {
        let (guid, submissions) = self.submissions(offer).await?;
        let active = |target: TargetType| {
            submissions.iter().find(|s| {
                s.target.target_type == target
                    && s.status.as_ref().is_some_and(JobStatus::is_active)
            })
        };
        let found = [
            (TargetType::Live, OpKind::GoLive),
            (TargetType::Preview, OpKind::Publish),
        ]
        .into_iter()
        .find_map(|(target, kind)| active(target).map(|s| (kind, s)));
        Ok(found.and_then(|(kind, s)| {
            Some(super::Running {
                kind,
                pointer: self.submission_url(&guid, s.number()?),
                since: s.created.as_deref().and_then(super::service_time),
            })
        }))
    }

    /// The job id in a followed URL (`…/configure/{jobId}/status`).
    pub(super) fn job_of(url: &Url) -> Option<String> {
        let segments: Vec<&str> = url.path_segments()?.collect();
        match segments.as_slice() {
            // The segment as the URL holds it is percent-encoded; the id is what it decodes to
            // (building the URL again encodes it once, not twice).
            [.., configure, job, status]
                if configure.eq_ignore_ascii_case("configure")
                    && status.eq_ignore_ascii_case("status")
                    && !job.is_empty() =>
            {
                percent_encoding::percent_decode_str(job)
                    .decode_utf8()
                    .ok()
                    .map(|j| j.into_owned())
                    .filter(|j| crate::api::http::pointer::is_path_segment(j))
            }
            _ => None,
        }
    }

    /// The product guid and submission number in a followed URL (`…/submission/{guid}/{n}`).
    pub(super) fn submission_of(url: &Url) -> Option<(String, String)> {
        let segments: Vec<&str> = url.path_segments()?.collect();
        match segments.as_slice() {
            [.., submission, guid, number]
                if submission.eq_ignore_ascii_case("submission")
                    && !guid.is_empty()
                    && number.parse::<u64>().is_ok() =>
            {
                let guid = percent_encoding::percent_decode_str(guid)
                    .decode_utf8()
                    .ok()?;
                crate::api::http::pointer::is_path_segment(&guid)
                    .then(|| (guid.into_owned(), (*number).to_string()))
            }
            _ => None,
        }
    }

    /// What a followed URL names, once it is checked against the configured origin.
    fn followed(&self, pointer: &Url) -> Result<Followed, ApiError> {
        let pointer = self.check(pointer)?;
        if let Some(job) = Self::job_of(&pointer) {
            return Ok(Followed::Job(job));
        }
        if let Some((guid, number)) = Self::submission_of(&pointer) {
            return Ok(Followed::Submission { guid, number });
        }
        Err(ApiError::UntrustedUrl {
            url: pointer.to_string(),
            reason: "not a configure job or submission URL of this API".into(),
        })
    }

    /// Cancels the job offerdeck recorded for the offer (`known`): the service names no
    /// running job. `None`: nothing was recorded as running.
    pub(super) async fn cancel(
        &self,
        known: Option<&Operation>,
    ) -> Result<Option<Started>, ApiError> {
        let Some(known) = known else {
            return Ok(None);
        };
        let pointer = self.cancel_job(&known.pointer).await?;
        Ok(Some(Started {
            pointer,
            kind: known.kind,
            adopted: false,
            found_via: FoundVia::Cancel,
        }))
    }

    /// Cancels the job followed at `pointer`; gives back the pointer to keep following.
    async fn cancel_job(&self, pointer: &Url) -> Result<Url, ApiError> {
        match self.followed(pointer)? {
            Followed::Job(job) => {
                self.client.cancel(&job).await?;
                Ok(pointer.clone())
            }
            // The API cancels jobs, and names none for a submission in flight.
            Followed::Submission { .. } => Err(ApiError::NotReady(
                "this publish was not started by offerdeck (or its answer was lost), so there is no job to cancel: cancel it in Partner Center".into(),
            )),
        }
    }

    /// Reads what an operation follows: its configure job, or its submission.
    pub(super) async fn poll(&self, operation: &Operation) -> Result<Observation, ApiError> {
        match self.followed(&operation.pointer)? {
            Followed::Job(job) => Ok(observe_job(
                &self.client.job_status(&job).await?,
                operation.kind,
            )),
            Followed::Submission { guid, number } => Ok(observe_submission(
                &self.client.submission(&guid, &number).await?,
                operation.kind,
            )),
        }
    }

    /// The operation at a URL given by hand, for `offer`: a configure job (its kind from the
    /// offer's submissions: a go-live while the live one runs) or a submission (its kind from
    /// its environment). A job URL does not name its product: the offer must be given with it.
    pub(super) async fn operation_at(
        &self,
        url: &str,
        offer: Option<&OfferId>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Operation, ApiError> {
        let Some(offer) = offer else {
            return Err(ApiError::UntrustedUrl {
                url: url.to_string(),
                reason: "a Product Ingestion URL does not name its offer: give it too (offerdeck watch PUBLISHER/OFFER --url URL)".into(),
            });
        };
        let pointer = Url::parse(url).map_err(|e| ApiError::UntrustedUrl {
            url: url.to_string(),
            reason: format!("not a URL ({e})"),
        })?;
        let kind = match self.followed(&pointer)? {
            Followed::Submission { guid, number } => {
                let submission = self.client.submission(&guid, &number).await?;
                match submission.target.target_type {
                    TargetType::Live => OpKind::GoLive,
                    _ => OpKind::Publish,
                }
            }
            Followed::Job(_) => match self.running(offer).await? {
                Some(running) if running.kind == OpKind::GoLive => OpKind::GoLive,
                _ => OpKind::Publish,
            },
        };
        Ok(Operation::new(
            offer.clone(),
            crate::domain::BackendKind::Ingestion,
            kind,
            pointer,
            &[],
            now,
        ))
    }

    /// True for a URL of this API: on its origin and under its base path.
    pub(super) fn owns(&self, url: &Url) -> bool {
        let base = &self.client.settings().base_url;
        self.check(url).is_ok() && url.path().starts_with(base.path().trim_end_matches('/'))
    }

    /// A stored pointer, checked against the configured origin before a token goes with it.
    pub(super) fn check(&self, pointer: &Url) -> Result<Url, ApiError> {
        crate::api::http::pointer::ensure_same_origin(&self.client.settings().base_url, pointer)?;
        Ok(pointer.clone())
    }
}

/// The overview page of a Product Ingestion product.
pub fn product_page(guid: &str) -> String {
    format!("https://partner.microsoft.com/dashboard/commercial-marketplace/offers/{guid}/overview")
}

/// What a followed URL names.
enum Followed {
    Job(String),
    Submission { guid: String, number: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_id_is_read_from_the_followed_url() {
        let url =
            Url::parse("https://h/rp/product-ingestion/configure/abc-1/status?$version=x").unwrap();
        assert_eq!(IngestionBackend::job_of(&url).as_deref(), Some("abc-1"));
        let other = Url::parse("https://h/api/operations/abc").unwrap();
        assert_eq!(IngestionBackend::job_of(&other), None);
    }
}
