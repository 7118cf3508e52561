//! What one read of the Product Ingestion API shows, in the shared vocabulary: a configure
//! job, or a submission followed without its job. Pure: the answers in, an observation out.

use crate::api::ingestion::types::{ConfigureStatus, JobResult, JobStatus, Submission};
use crate::domain::{Observation, OpKind, Status, Step, StepMessage, phase};
use crate::text::sanitize_line;

/// What one read of a submission shows: the state of a publish followed without its job (no
/// errors: the service gives them only with the job, and Partner Center shows them).
pub fn observe_submission(submission: &Submission, kind: OpKind) -> Observation {
    let status = match (&submission.status, &submission.result) {
        (Some(s), _) if s.is_active() => Status::Running,
        (_, Some(JobResult::Succeeded)) if kind == OpKind::GoLive => Status::Succeeded,
        (_, Some(JobResult::Succeeded)) => Status::WaitingForPublisherReview,
        (_, Some(JobResult::Failed)) => Status::Failed,
        (_, Some(JobResult::Cancelled)) => Status::Canceled,
        (s, r) => Status::Unknown(sanitize_line(&format!(
            "{}/{}",
            s.as_ref().map_or("", |v| v.as_str()),
            r.as_ref().map_or("", |v| v.as_str())
        ))),
    };
    let job = ConfigureStatus {
        job_status: submission.status.clone().unwrap_or_default(),
        job_result: submission.result.clone().unwrap_or_default(),
        ..ConfigureStatus::default()
    };
    let mut seen = observe_job(&job, kind);
    seen.status = status;
    if seen.status == Status::Failed {
        seen.failure = Some(
            "the submission failed; the service gives the reasons only to the job that started it: see Partner Center".into(),
        );
    }
    seen
}

/// What one read of a configure job shows, in the shared vocabulary. A publish to preview that
/// succeeded waits for go-live; every nested error becomes a message of the job's one phase.
pub fn observe_job(job: &ConfigureStatus, kind: OpKind) -> Observation {
    let status = match (&job.job_status, &job.job_result) {
        (s, _) if s.is_active() => Status::Running,
        (JobStatus::Completed, JobResult::Succeeded) if kind == OpKind::GoLive => Status::Succeeded,
        (JobStatus::Completed, JobResult::Succeeded) => Status::WaitingForPublisherReview,
        (JobStatus::Completed, JobResult::Failed) => Status::Failed,
        (JobStatus::Completed, JobResult::Cancelled) => Status::Canceled,
        (s, r) => Status::Unknown(sanitize_line(&format!("{s}/{r}"))),
    };
    let messages: Vec<StepMessage> = job
        .errors
        .iter()
        .flat_map(|e| e.lines())
        .map(|text| StepMessage {
            level: "error".into(),
            text,
        })
        .collect();
    let done = !job.job_status.is_active();
    let (id, name, estimate) = match kind {
        OpKind::GoLive => ("live", "Publishing live", phase::GOING_LIVE.label()),
        _ => (
            "preview",
            "Validation and certification",
            phase::CERTIFICATION.label(),
        ),
    };
    let phase = Step {
        id: id.into(),
        name: name.into(),
        // Once done, the result says more than `completed`.
        status: sanitize_line(if done {
            job.job_result.as_str()
        } else {
            job.job_status.as_str()
        }),
        progress: if done { 100 } else { 0 },
        estimate,
        messages,
    };
    let failure = (status == Status::Failed).then(|| {
        let mut why = phase
            .messages
            .iter()
            .map(|m| m.text.trim())
            .collect::<Vec<_>>()
            .join("; ");
        if job.is_certification_failure() {
            why = format!(
                "certification failed (permanent: fix the offer, then publish again): {why}"
            );
        }
        if why.is_empty() {
            "the job failed without saying why".to_string()
        } else {
            why
        }
    });
    Observation {
        raw_status: sanitize_line(&format!("{}/{}", job.job_status, job.job_result)),
        progress: phase.progress,
        current_step: (!done || status == Status::Failed).then(|| phase.clone()),
        steps: vec![phase],
        failure,
        status,
        submissions: Vec::new(),
        product_guid: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: &str, result: &str, errors: serde_json::Value) -> ConfigureStatus {
        serde_json::from_value(serde_json::json!({
            "jobId": "j", "jobStatus": status, "jobResult": result, "errors": errors
        }))
        .unwrap()
    }

    #[test]
    fn a_job_reads_as_the_shared_vocabulary() {
        let none = serde_json::json!([]);
        let publish = |s, r| observe_job(&job(s, r, none.clone()), OpKind::Publish).status;
        assert_eq!(publish("notStarted", "pending"), Status::Running);
        assert_eq!(publish("Running", "Pending"), Status::Running);
        assert_eq!(
            publish("completed", "succeeded"),
            Status::WaitingForPublisherReview
        );
        assert_eq!(publish("completed", "cancelled"), Status::Canceled);
        let live = observe_job(&job("completed", "succeeded", none), OpKind::GoLive);
        assert_eq!(live.status, Status::Succeeded);
        assert!(OpKind::GoLive.ends_at(&live.status));
    }

    #[test]
    fn every_nested_error_is_kept_and_certification_is_called_permanent() {
        let failed = observe_job(
            &job(
                "completed",
                "failed",
                serde_json::json!([{"code": "invalidState", "message": "Certification",
                    "details": [{"code": "invalidState", "message": "Issues found during Certification."}]}]),
            ),
            OpKind::Publish,
        );
        assert_eq!(failed.status, Status::Failed);
        let messages = &failed.steps[0].messages;
        assert_eq!(messages.len(), 2);
        assert!(
            messages[1]
                .text
                .contains("Issues found during Certification.")
        );
        let why = failed.failure.unwrap();
        assert!(why.starts_with("certification failed (permanent"), "{why}");
        assert!(why.contains("Issues found during Certification."), "{why}");
    }
}
