//! Wire models of the Partner Center Product Ingestion API.
//!
//! That API has no status endpoint and no steps: what an offer is doing is read from its
//! submissions per environment (draft, preview, live) plus, when we started one, the configure
//! job (`crate::backend::ingestion::observe` reads them). Every model is lenient in the same
//! way as the CPP ones: optional fields, unknown fields ignored, enums compared without regard
//! to case (the documentation writes both `Completed` and `completed`) with unknown words kept
//! verbatim. Text meant for a person leaves this module only through `sanitize_line`.

use serde::Deserialize;

use crate::domain::status::{squash, text_enum};
use crate::lenient::{lenient_optional_string, lenient_string, lenient_vec};
use crate::text::sanitize_line;

/// `jobStatus` of a configure job, and `status` of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    NotStarted,
    Running,
    Completed,
    Unknown(String),
}

impl JobStatus {
    pub fn parse(raw: &str) -> JobStatus {
        match squash(raw).as_str() {
            "notstarted" => JobStatus::NotStarted,
            "running" | "inprogress" => JobStatus::Running,
            "completed" | "complete" => JobStatus::Completed,
            _ => JobStatus::Unknown(raw.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::NotStarted => "notStarted",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Unknown(raw) => raw,
        }
    }

    /// Not finished yet: queued or running.
    pub fn is_active(&self) -> bool {
        matches!(self, JobStatus::NotStarted | JobStatus::Running)
    }
}

text_enum!(JobStatus);

/// `jobResult` of a configure job, and `result` of a submission. `cancelled` is missing from
/// one schema-generated client but is what the cancel call answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobResult {
    Pending,
    Succeeded,
    Failed,
    Cancelled,
    Unknown(String),
}

impl JobResult {
    pub fn parse(raw: &str) -> JobResult {
        match squash(raw).as_str() {
            "pending" => JobResult::Pending,
            "succeeded" | "success" => JobResult::Succeeded,
            "failed" | "failure" => JobResult::Failed,
            "cancelled" | "canceled" => JobResult::Cancelled,
            _ => JobResult::Unknown(raw.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            JobResult::Pending => "pending",
            JobResult::Succeeded => "succeeded",
            JobResult::Failed => "failed",
            JobResult::Cancelled => "cancelled",
            JobResult::Unknown(raw) => raw,
        }
    }
}

text_enum!(JobResult);

/// The environment a submission targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetType {
    Draft,
    Preview,
    Live,
    /// `flight`, `sandbox`, `certification`, `retail` or a word we do not know.
    Unknown(String),
}

impl TargetType {
    pub fn parse(raw: &str) -> TargetType {
        // The documentation's sample URL even quotes the value: `targetType="preview"`.
        match squash(raw.trim_matches('"')).as_str() {
            "draft" => TargetType::Draft,
            "preview" => TargetType::Preview,
            "live" => TargetType::Live,
            _ => TargetType::Unknown(raw.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            TargetType::Draft => "draft",
            TargetType::Preview => "preview",
            TargetType::Live => "live",
            TargetType::Unknown(raw) => raw,
        }
    }
}

text_enum!(TargetType);

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Identity {
    #[serde(deserialize_with = "lenient_string")]
    pub external_id: String,
}

/// One product (offer) from `GET product`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Product {
    /// The durable id, `product/<guid>`.
    #[serde(deserialize_with = "lenient_string")]
    pub id: String,
    pub identity: Identity,
    #[serde(rename = "type", deserialize_with = "lenient_string")]
    pub kind: String,
    #[serde(deserialize_with = "lenient_string")]
    pub alias: String,
}

impl Product {
    /// The GUID part of the durable id, as used in `submission/{guid}` paths and portal links.
    pub fn guid(&self) -> Option<&str> {
        guid_of_product(&self.id)
    }
}

/// The GUID of a `product/<guid>` durable id; `None` for anything else.
pub fn guid_of_product(durable_id: &str) -> Option<&str> {
    let guid = durable_id.strip_prefix("product/")?;
    (crate::api::http::pointer::is_path_segment(guid) && !guid.contains('/')).then_some(guid)
}

/// A page of `GET product` or `GET submission/{guid}`: `{"value": [...], "@nextLink"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(bound = "T: serde::de::DeserializeOwned")]
pub struct Page<T> {
    #[serde(default, deserialize_with = "lenient_vec")]
    pub value: Vec<T>,
    #[serde(
        rename = "@nextLink",
        default,
        deserialize_with = "lenient_optional_string"
    )]
    pub next_link: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Target {
    pub target_type: TargetType,
}

/// One submission from `GET submission/{guid}`. The draft (`/0`) carries no status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Submission {
    /// `submission/<productGuid>/<number>`.
    #[serde(deserialize_with = "lenient_string")]
    pub id: String,
    /// A durable-id string or an `{"externalId": ...}` reference; kept as sent.
    pub product: serde_json::Value,
    pub target: Target,
    pub status: Option<JobStatus>,
    pub result: Option<JobResult>,
    #[serde(deserialize_with = "lenient_optional_string")]
    pub created: Option<String>,
}

impl Submission {
    /// The submission number (the last path segment); the draft's is `0`.
    pub fn number(&self) -> Option<u64> {
        self.id.rsplit('/').next()?.parse().ok()
    }

    /// True when it ended with `status` and `result`.
    pub fn is(&self, status: JobStatus, result: JobResult) -> bool {
        self.status.as_ref() == Some(&status) && self.result.as_ref() == Some(&result)
    }

    /// Queued or running.
    pub fn is_active(&self) -> bool {
        self.status.as_ref().is_some_and(JobStatus::is_active)
    }

    /// The newest submission to an environment: the one that decides where it stands. An
    /// environment can list several (a finished live entry beside the one now going live); one
    /// at work is the newest, then the latest `created`, then the highest number.
    pub fn newest(submissions: &[Submission], target: TargetType) -> Option<&Submission> {
        submissions
            .iter()
            .filter(|s| s.target.target_type == target)
            .max_by_key(|s| {
                let created = s
                    .created
                    .as_deref()
                    .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok());
                (s.is_active(), created, s.number())
            })
    }
}

/// An error, synchronous (`{"error": ...}`) or inside a failed job's `errors[]`. Inner errors
/// nest in `details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngestionError {
    #[serde(deserialize_with = "lenient_string")]
    pub code: String,
    #[serde(deserialize_with = "lenient_string")]
    pub message: String,
    #[serde(deserialize_with = "lenient_vec")]
    pub details: Vec<IngestionError>,
    #[serde(deserialize_with = "lenient_optional_string")]
    pub resource_id: Option<String>,
}

/// Deeper than this, nested details are not read: a hostile body cannot make us recurse far.
const MAX_ERROR_DEPTH: usize = 8;

impl IngestionError {
    /// A certification failure (`invalidState` mentioning certification, here or nested) is
    /// permanent: retrying the same submission cannot pass.
    pub fn is_certification_failure(&self) -> bool {
        self.any(0, &|e| {
            squash(&e.code) == "invalidstate" && e.message.to_lowercase().contains("certification")
        })
    }

    fn any(&self, depth: usize, test: &dyn Fn(&IngestionError) -> bool) -> bool {
        test(self)
            || (depth < MAX_ERROR_DEPTH && self.details.iter().any(|d| d.any(depth + 1, test)))
    }

    /// One terminal-safe line per error, inner ones indented under their parent, each as
    /// `code: message` (plus the resource it names).
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.push_lines(0, &mut out);
        out
    }

    fn push_lines(&self, depth: usize, out: &mut Vec<String>) {
        let mut line = match (self.code.is_empty(), self.message.is_empty()) {
            (false, false) => format!("{}: {}", self.code, self.message),
            (false, true) => self.code.clone(),
            _ => self.message.clone(),
        };
        if let Some(resource) = self.resource_id.as_deref().filter(|r| !r.is_empty()) {
            line.push_str(&format!(" ({resource})"));
        }
        let line = sanitize_line(&line);
        if !line.is_empty() {
            out.push(format!("{}{}", "  ".repeat(depth), line));
        }
        if depth < MAX_ERROR_DEPTH {
            for detail in &self.details {
                detail.push_lines(depth + 1, out);
            }
        }
    }
}

/// The synchronous error body of any call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ErrorEnvelope {
    pub error: IngestionError,
}

/// `GET configure/{jobId}/status`, and the answer to `POST configure` and to a cancel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConfigureStatus {
    /// The documentation also writes `jobID`.
    #[serde(alias = "jobID", deserialize_with = "lenient_string")]
    pub job_id: String,
    pub job_status: JobStatus,
    pub job_result: JobResult,
    #[serde(deserialize_with = "lenient_optional_string")]
    pub job_start: Option<String>,
    /// `0001-01-01T00:00:00` until the job ends.
    #[serde(deserialize_with = "lenient_optional_string")]
    pub job_end: Option<String>,
    #[serde(deserialize_with = "lenient_optional_string")]
    pub resource_uri: Option<String>,
    #[serde(deserialize_with = "lenient_vec")]
    pub errors: Vec<IngestionError>,
}

impl ConfigureStatus {
    pub fn is_certification_failure(&self) -> bool {
        self.errors
            .iter()
            .any(IngestionError::is_certification_failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: &str, result: &str) -> ConfigureStatus {
        serde_json::from_value(serde_json::json!({
            "jobId": "j", "jobStatus": status, "jobResult": result
        }))
        .unwrap()
    }

    #[test]
    fn pascal_case_and_unknown_words_are_read_not_rejected() {
        let status = job("Running", "Pending");
        assert_eq!(status.job_status, JobStatus::Running);
        assert_eq!(status.job_result, JobResult::Pending);
        let odd = job("paused", "maybe");
        assert_eq!(odd.job_status, JobStatus::Unknown("paused".into()));
        assert_eq!(odd.job_result.as_str(), "maybe");
        let id_spelling: ConfigureStatus =
            serde_json::from_str(r#"{"jobID": "abc", "jobStatus": "completed"}"#).unwrap();
        assert_eq!(id_spelling.job_id, "abc");
    }

    #[test]
    fn a_nested_certification_failure_is_recognised_and_shown_line_by_line() {
        let status: ConfigureStatus = serde_json::from_str(
            r#"{"jobId": "j", "jobStatus": "completed", "jobResult": "failed", "errors": [
                {"code": "invalidState", "message": "Certification", "details": [
                  {"code": "invalidState", "message": "Issues found during Certification.",
                   "resourceId": "plan/g/p1"}]}]}"#,
        )
        .unwrap();
        assert!(status.is_certification_failure());
        assert_eq!(
            status.errors[0].lines(),
            vec![
                "invalidState: Certification".to_string(),
                "  invalidState: Issues found during Certification. (plan/g/p1)".to_string(),
            ]
        );
        let conflict = job("completed", "failed");
        assert!(!conflict.is_certification_failure());
    }

    #[test]
    fn error_text_from_the_service_is_made_terminal_safe() {
        let envelope: ErrorEnvelope = serde_json::from_str(
            r#"{"error": {"code": "badRequest", "message": "bad\u001b[2J\nthing\u0007", "details": []}}"#,
        )
        .unwrap();
        let lines = envelope.error.lines();
        assert_eq!(lines, vec!["badRequest: bad thing".to_string()]);
    }

    #[test]
    fn products_and_their_guids() {
        let page: Page<Product> = serde_json::from_str(
            r#"{"value": [{"id": "product/ffffffff-ffff-ffff-ffff-ffffffffffff",
                "identity": {"externalId": "example-product"},
                "type": "azureVirtualMachine", "alias": "Example Product"}],
                "@nextLink": "product?$version=2022-03-01-preview2&continuationToken=x"}"#,
        )
        .unwrap();
        assert_eq!(page.value[0].identity.external_id, "example-product");
        assert_eq!(
            page.value[0].guid(),
            Some("ffffffff-ffff-ffff-ffff-ffffffffffff")
        );
        assert!(page.next_link.is_some());
        assert_eq!(guid_of_product("plan/x/y"), None);
        assert_eq!(guid_of_product("product/a/b"), None);
    }
}
