//! What one read of the Product Ingestion API shows, in the shared vocabulary: an offer's
//! submissions, a configure job, or a submission followed without its job. Pure: the answers
//! in, an observation out.

use crate::api::ingestion::types::{ConfigureStatus, JobResult, JobStatus, Submission, TargetType};
use crate::domain::{
    Environment, Observation, OpKind, Status, Step, StepMessage, StepState, phase,
};
use crate::text::sanitize_line;

/// What a product is doing, derived from its submissions and the job we started, if any, by
/// the table in the ingestion reference (§7). The same vocabulary as CPP's offer status, so one
/// table shows both: a successful preview not yet pushed live is `WaitingForPublisherReview`
/// (ready for go-live), a live submission equal to the preview one is `Succeeded`.
pub fn derive_status(submissions: &[Submission], job: Option<&ConfigureStatus>) -> Status {
    if let Some(job) = job {
        match (&job.job_status, &job.job_result) {
            (JobStatus::Completed, JobResult::Cancelled) => return Status::Canceled,
            (JobStatus::Completed, JobResult::Failed) => return Status::Failed,
            (status, _) if status.is_active() => return Status::Running,
            // A finished, successful job: the submissions say where the offer now stands.
            _ => {}
        }
    }
    let preview = Submission::newest(submissions, TargetType::Preview);
    let live = Submission::newest(submissions, TargetType::Live);
    if live.is_some_and(Submission::is_active) || preview.is_some_and(Submission::is_active) {
        return Status::Running;
    }
    if let Some(preview) = preview {
        if preview.is(JobStatus::Completed, JobResult::Failed) {
            return Status::Failed;
        }
        if preview.is(JobStatus::Completed, JobResult::Succeeded)
            && live.is_none_or(|live| live.id != preview.id)
        {
            return Status::WaitingForPublisherReview;
        }
    }
    if let Some(live) = live {
        if live.is(JobStatus::Completed, JobResult::Succeeded) {
            return Status::Succeeded;
        }
        if live.is(JobStatus::Completed, JobResult::Failed) {
            return Status::Failed;
        }
    }
    if preview.is_none() && live.is_none() {
        return Status::NeverPublished;
    }
    // Entries without a status or a result: a preview that is the live one is live (go-live
    // makes them one submission); nothing else can be concluded.
    if let (Some(preview), Some(live)) = (preview, live)
        && !preview.id.is_empty()
        && preview.id == live.id
    {
        return Status::Succeeded;
    }
    Status::Unknown("unknown".into())
}

/// The environment a submission targets, in the shared model.
pub fn environment(target: &TargetType) -> Environment {
    match target {
        TargetType::Draft => Environment::Draft,
        TargetType::Preview => Environment::Preview,
        TargetType::Live => Environment::Live,
        TargetType::Unknown(word) => Environment::from_word(&sanitize_line(word)),
    }
}

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
    let messages =
        crate::domain::bounds::bounded_messages(job.errors.iter().flat_map(|e| e.lines()).map(
            |text| StepMessage {
                level: "error".into(),
                text,
            },
        ));
    // Only a completed job is done: a state this version does not know (or none) is neither
    // done nor 100 %.
    let done = job.job_status == JobStatus::Completed;
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
        status: StepState::from_word(&sanitize_line(if done {
            job.job_result.as_str()
        } else {
            job.job_status.as_str()
        })),
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
        steps_not_kept: 0,
    }
    .bounded()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ingestion::types::Page;

    /// The `GET submission/{guid}` sample of the reference (§4.3): a draft, a live submission
    /// and a newer successful preview, so the offer waits for go-live.
    const SUBMISSIONS_SAMPLE: &str = r#"{ "value": [
      { "$schema": "https://product-ingestion.azureedge.net/schema/submission/2022-03-01-preview2",
        "id": "submission/12345678-abcd-efgh-1234-12345688901/0",
        "product": "product/12345678-abcd-efgh-1234-12345678901",
        "target": { "targetType": "draft" } },
      { "$schema": "https://product-ingestion.azureedge.net/schema/submission/2022-03-01-preview2",
        "id": "submission/12345678-abcd-efgh-1234-12345678901/1152921515689847470",
        "product": "product/12345678-abcd-efgh-1234-12345678901",
        "target": { "targetType": "live" },
        "status": "completed", "result": "succeeded", "created": "2022-01-25T07:13:06.4408032Z" },
      { "$schema": "https://product-ingestion.azureedge.net/schema/submission/2022-03-01-preview2",
        "id": "submission/12345678-abcd-efgh-1234-12345678901/1152921515689848683",
        "product": "product/12345678-abcd-efgh-1234-12345678901",
        "target": { "targetType": "preview" },
        "status": "completed", "result": "succeeded", "created": "2022-02-04T20:07:22.4220588Z" }
    ] }"#;

    fn submissions(json: &str) -> Vec<Submission> {
        serde_json::from_str::<Page<Submission>>(json)
            .map(|page| page.value)
            .unwrap_or_default()
    }

    fn submission(target: &str, number: u64, status: &str, result: &str) -> Submission {
        let json = serde_json::json!({
            "id": format!("submission/g/{number}"),
            "product": "product/g",
            "target": {"targetType": target},
            "status": status,
            "result": result,
        });
        serde_json::from_value(json).unwrap()
    }

    fn job(status: &str, result: &str, errors: serde_json::Value) -> ConfigureStatus {
        serde_json::from_value(serde_json::json!({
            "jobId": "j", "jobStatus": status, "jobResult": result, "errors": errors
        }))
        .unwrap()
    }

    fn job_without_errors(status: &str, result: &str) -> ConfigureStatus {
        job(status, result, serde_json::json!([]))
    }

    #[test]
    fn the_reference_sample_reads_as_ready_for_go_live() {
        let subs = submissions(SUBMISSIONS_SAMPLE);
        assert_eq!(subs.len(), 3);
        assert_eq!(subs[0].target.target_type, TargetType::Draft);
        assert_eq!(subs[0].number(), Some(0));
        assert_eq!(subs[0].status, None);
        assert_eq!(subs[2].number(), Some(1_152_921_515_689_848_683));
        assert_eq!(
            derive_status(&subs, None),
            Status::WaitingForPublisherReview
        );
    }

    fn created(mut s: Submission, at: &str) -> Submission {
        s.created = Some(at.to_string());
        s
    }

    /// Two live entries, as the service lists them while a new version goes live (the shape
    /// cloudpub's recordings show): the newest decides, whatever the order of the list.
    #[test]
    fn the_newest_entry_of_an_environment_decides() {
        let done = created(
            submission("live", 7, "completed", "succeeded"),
            "2026-01-10T08:00:00Z",
        );
        let preview = created(
            submission("preview", 9, "completed", "succeeded"),
            "2026-02-01T08:00:00Z",
        );
        let going = created(
            submission("live", 9, "running", "pending"),
            "2026-02-02T08:00:00Z",
        );
        let failed = created(
            submission("live", 9, "completed", "failed"),
            "2026-02-02T08:00:00Z",
        );
        for list in [
            vec![done.clone(), preview.clone(), going.clone()],
            vec![going.clone(), preview.clone(), done.clone()],
        ] {
            assert_eq!(derive_status(&list, None), Status::Running);
        }
        for list in [
            vec![done.clone(), preview.clone(), failed.clone()],
            vec![failed.clone(), done.clone(), preview.clone()],
        ] {
            assert_eq!(derive_status(&list, None), Status::Failed);
        }
        // Without dates, the higher number is the newer.
        let older = submission("preview", 3, "completed", "failed");
        let newer = submission("preview", 4, "completed", "succeeded");
        assert_eq!(
            derive_status(&[newer, older], None),
            Status::WaitingForPublisherReview
        );
    }

    /// Entries with no status or result: a preview that is the live one is live; otherwise
    /// the word says it is not known, never an empty status.
    #[test]
    fn entries_without_a_status_say_what_can_be_concluded() {
        let bare = |target: &str, n: u64| {
            serde_json::from_value::<Submission>(serde_json::json!({
                "id": format!("submission/g/{n}"), "product": "product/g",
                "target": {"targetType": target}
            }))
            .unwrap()
        };
        assert_eq!(
            derive_status(&[bare("preview", 5), bare("live", 5)], None),
            Status::Succeeded
        );
        let unknown = derive_status(&[bare("preview", 6), bare("live", 5)], None);
        assert_eq!(unknown.label(), "unknown");
    }

    #[test]
    fn the_state_table_maps_every_row() {
        let draft = submission("draft", 0, "", "");
        let cases = [
            (vec![draft.clone()], Status::NeverPublished),
            (
                vec![
                    draft.clone(),
                    submission("preview", 5, "running", "pending"),
                ],
                Status::Running,
            ),
            (
                vec![
                    draft.clone(),
                    submission("preview", 5, "completed", "failed"),
                ],
                Status::Failed,
            ),
            (
                vec![submission("preview", 5, "completed", "succeeded")],
                Status::WaitingForPublisherReview,
            ),
            (
                vec![
                    submission("preview", 6, "completed", "succeeded"),
                    submission("live", 6, "running", "pending"),
                ],
                Status::Running,
            ),
            (
                vec![
                    submission("preview", 6, "completed", "succeeded"),
                    submission("live", 6, "completed", "succeeded"),
                ],
                Status::Succeeded,
            ),
        ];
        for (subs, expected) in cases {
            assert_eq!(derive_status(&subs, None), expected, "{subs:?}");
        }
    }

    #[test]
    fn our_job_outranks_what_the_submissions_still_show() {
        let live = vec![
            submission("preview", 6, "completed", "succeeded"),
            submission("live", 6, "completed", "succeeded"),
        ];
        assert_eq!(
            derive_status(&live, Some(&job_without_errors("notStarted", "pending"))),
            Status::Running
        );
        assert_eq!(
            derive_status(&live, Some(&job_without_errors("Completed", "Cancelled"))),
            Status::Canceled
        );
        assert_eq!(
            derive_status(&live, Some(&job_without_errors("completed", "failed"))),
            Status::Failed
        );
        assert_eq!(
            derive_status(&live, Some(&job_without_errors("completed", "succeeded"))),
            Status::Succeeded
        );
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

    #[test]
    fn a_job_state_this_version_does_not_know_is_not_done_nor_100_percent() {
        for status in [serde_json::json!("paused"), serde_json::Value::Null] {
            let job: ConfigureStatus = serde_json::from_value(serde_json::json!({
                "jobId": "j1", "jobStatus": status, "jobResult": null
            }))
            .unwrap();
            let seen = observe_job(&job, OpKind::Publish);
            assert_eq!(seen.progress, 0, "{status}");
            assert!(
                matches!(seen.status, Status::Unknown(_)),
                "{status}: {:?}",
                seen.status
            );
            assert!(
                seen.current_step.is_some(),
                "{status}: still followed, at its step"
            );
        }
    }
}
