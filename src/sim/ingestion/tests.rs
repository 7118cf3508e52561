//! The simulated Product Ingestion service driven through its public calls, at chosen moments.

use std::time::Duration;

use super::*;

/// Where a product stands, read from its raw submissions the way the reference's §7 table
/// does (written here, not taken from the client, so the two are checked against each other
/// only through HTTP tests).
#[derive(Debug, PartialEq)]
enum Status {
    NeverPublished,
    Running,
    WaitingForPublisherReview,
    Failed,
    Succeeded,
}

const GUID: &str = "11111111-2222-4333-8444-555555555555";

fn sim(outcome: PreviewOutcome) -> IngestionSim {
    with_quirk(outcome, Quirk::None)
}

fn with_quirk(outcome: PreviewOutcome, quirk: Quirk) -> IngestionSim {
    IngestionSim::new(
        vec![ProductSpec {
            guid: GUID.into(),
            external_id: "alpha".into(),
            alias: "Alpha".into(),
            outcome,
            quirk,
        }],
        1.0,
        t0(),
    )
}

fn t0() -> Moment {
    chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn after(seconds: u64) -> Moment {
    t0() + Duration::from_secs(seconds)
}

fn publish(target: &str, id: Option<String>) -> Value {
    let mut submission = json!({"$schema": SUBMISSION_SCHEMA, "product": {"externalId": "alpha"},
                                "target": {"targetType": target}});
    if let Some(id) = id {
        submission["id"] = json!(id);
    }
    json!({"$schema": "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2",
           "resources": [submission]})
}

fn status_of(sim: &mut IngestionSim, now: Moment) -> Status {
    let (code, body) = sim.submissions(GUID, now);
    assert_eq!(code, 200);
    let all = body["value"].as_array().unwrap().clone();
    let newest = |target: &str| {
        all.iter()
            .rfind(|s| s["target"]["targetType"] == target)
            .cloned()
    };
    let (preview, live) = (newest("preview"), newest("live"));
    let state = |s: &Value| {
        (
            s["status"].as_str().unwrap().to_string(),
            s["result"].as_str().unwrap().to_string(),
        )
    };
    match (&preview, &live) {
        (None, None) => Status::NeverPublished,
        (_, Some(l)) if state(l).0 != "completed" => Status::Running,
        (Some(p), _) if state(p).0 != "completed" => Status::Running,
        (Some(p), _) if state(p).1 == "failed" => Status::Failed,
        (Some(p), Some(l)) if p["id"] == l["id"] => Status::Succeeded,
        (Some(_), _) => Status::WaitingForPublisherReview,
        (None, Some(_)) => Status::Succeeded,
    }
}

#[test]
fn times_are_written_as_the_service_writes_them() {
    let at = t0() + chrono::Duration::nanoseconds(123_456_789);
    assert_eq!(service_time(at), "2026-01-01T00:00:00.1234567Z");
}

/// A job's id, status and result as the service wrote them.
struct Job {
    job_id: String,
    job_status: String,
    job_result: String,
    errors: Value,
}

fn job_of(answer: &Answer) -> Job {
    let body = &answer.1;
    let word = |k: &str| {
        body[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k} in {body}"))
            .to_string()
    };
    Job {
        job_id: word("jobId"),
        job_status: word("jobStatus"),
        job_result: word("jobResult"),
        errors: body["errors"].clone(),
    }
}

#[test]
fn a_publish_goes_to_preview_then_live_with_the_same_submission_id() {
    let mut sim = sim(PreviewOutcome::Succeeds);
    assert_eq!(status_of(&mut sim, t0()), Status::NeverPublished);
    let accepted = sim.configure(&publish("preview", None), t0());
    assert_eq!(accepted.0, 202);
    assert_eq!(job_of(&accepted).job_status.as_str(), "notStarted");
    assert_eq!(status_of(&mut sim, after(600)), Status::Running);
    let ready = after(8_000);
    assert_eq!(
        status_of(&mut sim, ready),
        Status::WaitingForPublisherReview
    );

    // Going live without the preview's id is refused with the service's words.
    let refused = sim.configure(&publish("live", None), ready);
    assert_eq!(refused.0, 400);
    assert!(refused.1.to_string().contains(LIVE_WITHOUT_ID));

    let (_, subs) = sim.submissions(GUID, ready);
    let id = subs["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["target"]["targetType"] == "preview")
        .map(|s| s["id"].as_str().unwrap().to_string());
    let live = sim.configure(&publish("live", id), ready);
    assert_eq!(live.0, 202, "{live:?}");
    assert_eq!(status_of(&mut sim, after(8_100)), Status::Running);
    assert_eq!(status_of(&mut sim, after(12_000)), Status::Succeeded);
}

#[test]
fn a_second_publish_while_one_runs_is_refused_as_locked() {
    let mut sim = sim(PreviewOutcome::Succeeds);
    assert_eq!(sim.configure(&publish("preview", None), t0()).0, 202);
    let (code, body) = sim.configure(&publish("preview", None), after(60));
    assert_eq!(code, 409);
    assert!(body.to_string().contains("productLocked"));
}

#[test]
fn cancel_works_until_certification_completes() {
    let mut sim = sim(PreviewOutcome::Succeeds);
    let job = job_of(&sim.configure(&publish("preview", None), t0())).job_id;
    let cancelled = sim.cancel(&job, after(600));
    assert_eq!(cancelled.0, 200);
    assert_eq!(job_of(&cancelled).job_result.as_str(), "cancelled");
    assert_eq!(sim.cancel(&job, after(700)).0, 400);

    let job = job_of(&sim.configure(&publish("preview", None), after(800))).job_id;
    let (code, body) = sim.cancel(&job, after(20_000));
    assert_eq!(code, 400);
    assert!(body.to_string().contains("already completed"));
}

#[test]
fn scripted_failures_end_the_job_with_the_documented_errors() {
    let mut sim = sim(PreviewOutcome::FailsCertification);
    let job = job_of(&sim.configure(&publish("preview", None), t0())).job_id;
    let done = job_of(&sim.job_status(&job, after(8_000)));
    assert_eq!(done.job_result.as_str(), "failed");
    assert!(
        done.errors
            .to_string()
            .contains("Issues found during Certification.")
    );
    assert_eq!(status_of(&mut sim, after(8_000)), Status::Failed);

    let mut sim = self::sim(PreviewOutcome::FailsValidation);
    let job = job_of(&sim.configure(&publish("preview", None), t0())).job_id;
    let done = job_of(&sim.job_status(&job, after(300)));
    assert_eq!(done.job_result.as_str(), "failed");
    assert!(!done.errors.to_string().contains("Certification"));
    assert_eq!(done.errors[0]["details"][0]["code"], "invalidResource");
}

#[test]
fn bad_requests_get_the_documented_errors() {
    let mut sim = sim(PreviewOutcome::Succeeds);
    let empty = json!({"resources": []});
    assert_eq!(sim.configure(&empty, t0()).0, 400);
    let mut unknown_schema = publish("preview", None);
    unknown_schema["resources"][0]["$schema"] =
        json!("https://schema.mp.microsoft.com/schema/no-such-thing/2022-03-01-preview2");
    let (code, body) = sim.configure(&unknown_schema, t0());
    assert_eq!(code, 400);
    assert!(body.to_string().contains("schemaValidationError"));
    assert!(body.to_string().contains("resources[0].$schema"), "{body}");
    let mut unknown = publish("preview", None);
    unknown["resources"][0]["product"] = json!({"externalId": "nope"});
    assert_eq!(sim.configure(&unknown, t0()).0, 404);
    assert_eq!(sim.job_status("nope", t0()).0, 404);
    assert_eq!(sim.submissions("nope", t0()).0, 404);
    let (_, found) = sim.products(Some("ALPHA"), None, 0, "2022-03-01-preview2");
    assert_eq!(found["value"].as_array().map(Vec::len), Some(1));
}

#[test]
fn scenario_quirks_behave_as_scripted() {
    let mut sim = with_quirk(PreviewOutcome::Succeeds, Quirk::RejectedUntilRetried(1));
    let (code, body) = sim.configure(&publish("preview", None), t0());
    assert_eq!(code, 400);
    assert!(body.to_string().contains("schemaValidationError"));
    assert_eq!(sim.configure(&publish("preview", None), t0()).0, 202);

    let mut sim = with_quirk(PreviewOutcome::Succeeds, Quirk::Throttled { every: 3 });
    let codes: Vec<u16> = (0..6).map(|_| sim.submissions(GUID, t0()).0).collect();
    assert_eq!(codes, vec![200, 200, 429, 200, 200, 429]);

    let mut sim = with_quirk(PreviewOutcome::Succeeds, Quirk::StatusErrors { every: 2 });
    let job = job_of(&sim.configure(&publish("preview", None), t0())).job_id;
    let codes: Vec<u16> = (0..4).map(|_| sim.job_status(&job, t0()).0).collect();
    assert_eq!(codes, vec![200, 500, 200, 500]);

    let mut sim = with_quirk(PreviewOutcome::Succeeds, Quirk::AlreadyReadyForGoLive);
    assert_eq!(status_of(&mut sim, t0()), Status::WaitingForPublisherReview);

    let mut sim = with_quirk(PreviewOutcome::Succeeds, Quirk::NotCancellable);
    let job = job_of(&sim.configure(&publish("preview", None), t0())).job_id;
    assert_eq!(sim.cancel(&job, after(60)).0, 400);
}

#[test]
fn the_strict_service_wants_the_current_schema_host() {
    let mut sim = sim(PreviewOutcome::Succeeds).with_strictness(Strictness {
        require_version: true,
        require_schema_host: true,
    });
    let mut bare = publish("preview", None);
    bare["resources"][0]
        .as_object_mut()
        .map(|r| r.remove("$schema"));
    assert_eq!(sim.configure(&bare, t0()).0, 400);
    assert_eq!(sim.configure(&publish("preview", None), t0()).0, 202);
}

#[test]
fn products_come_a_page_at_a_time_with_a_next_link() {
    let mut sim = IngestionSim::new(crate::sim::catalogue::demo_products(), 1.0, t0());
    let (_, first) = sim.products(None, Some(4), 0, "2022-03-01-preview2");
    assert_eq!(first["value"].as_array().unwrap().len(), 4);
    let next = first["@nextLink"].as_str().unwrap();
    assert!(next.contains("continuationToken=4"), "{next}");
    let (_, last) = sim.products(None, Some(4), 8, "2022-03-01-preview2");
    assert_eq!(last["value"].as_array().unwrap().len(), 1);
    assert!(last.get("@nextLink").is_none());
}
