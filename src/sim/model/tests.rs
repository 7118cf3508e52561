//! The state machine driven with explicit times: every path of the demo catalogue.

use super::*;
use crate::clock::span;
use crate::sim::catalogue;

fn post(
    s: &mut SimState,
    publisher: &str,
    offer: &str,
    kind: OpKind,
    emails: &str,
    at: Moment,
) -> PostOutcome {
    s.post(
        &PostRequest {
            publisher,
            offer,
            kind,
            emails,
            base: "http://h",
            api_version: "v",
        },
        at,
    )
}

fn state(scale: f64) -> SimState {
    let (p, o) = catalogue::demo();
    SimState::new(
        SimSettings {
            time_scale: scale,
            ..SimSettings::default()
        },
        p,
        o,
        t0(),
    )
}

fn t0() -> Moment {
    DateTime::from_timestamp(1_000_000, 0).unwrap()
}

/// `t` plus some seconds.
fn plus(t: Moment, secs: f64) -> Moment {
    t + span(Duration::from_secs_f64(secs))
}

#[test]
fn a_publish_walks_every_step_to_signoff_then_golive() {
    let mut s = state(3_600.0);
    let t0 = t0();
    let PostOutcome::Accepted { pointer: Some(p) } = post(
        &mut s,
        "contoso",
        "contoso-vm",
        OpKind::Publish,
        "a@x.com",
        t0,
    ) else {
        panic!()
    };
    let id = p
        .split("/operations/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let at = |secs: f64| plus(t0, secs);
    let op = s.operation("contoso", "contoso-vm", &id, at(30.0)).unwrap();
    assert_eq!(op.status.as_str(), "running");
    assert_eq!(op.steps[1].status, "inProgress");
    let op = s.operation("contoso", "contoso-vm", &id, at(90.0)).unwrap();
    assert_eq!(op.steps[0].status, "complete");
    let op = s
        .operation("contoso", "contoso-vm", &id, at(200.0))
        .unwrap();
    assert_eq!(op.steps[4].status, "waitingForPublisherReview");
    assert_eq!(op.status.as_str(), "running");
    assert_eq!(
        s.get_offer("contoso", "contoso-vm", at(200.0)).unwrap().0["status"],
        "waitingForPublisherReview"
    );
    let PostOutcome::Accepted { pointer: Some(_) } = post(
        &mut s,
        "contoso",
        "contoso-vm",
        OpKind::GoLive,
        "",
        at(200.0),
    ) else {
        panic!()
    };
    let later = at(200.0 + LIVE_SECONDS / 3_600.0 + 1.0);
    assert_eq!(
        s.get_offer("contoso", "contoso-vm", later).unwrap().0["status"],
        "succeeded"
    );
    assert_eq!(
        s.get_offer("contoso", "contoso-vm", later).unwrap().0["version"],
        1
    );
    assert_eq!(
        s.operation("contoso", "contoso-vm", &id, later)
            .unwrap()
            .status
            .as_str(),
        "complete"
    );
}

#[test]
fn rejected_then_accepted_and_certification_failure() {
    let mut s = state(3_600.0);
    let t0 = t0();
    let first = post(
        &mut s,
        "contoso",
        "contoso-analytics",
        OpKind::Publish,
        "",
        t0,
    );
    assert!(matches!(first, PostOutcome::Refused { status: 422, .. }));
    assert!(matches!(
        post(
            &mut s,
            "contoso",
            "contoso-analytics",
            OpKind::Publish,
            "",
            t0
        ),
        PostOutcome::Accepted { .. }
    ));
    let bad_mail = post(
        &mut s,
        "contoso",
        "contoso-vm",
        OpKind::Publish,
        "x@mail.invalid",
        t0,
    );
    assert!(matches!(bad_mail, PostOutcome::Refused { status: 422, .. }));

    let PostOutcome::Accepted { pointer: Some(p) } = post(
        &mut s,
        "contoso",
        "contoso-gateway",
        OpKind::Publish,
        "",
        t0,
    ) else {
        panic!()
    };
    assert!(p.starts_with("/api/operations/contoso$contoso-gateway$2$preview"));
    let legacy = p
        .trim_start_matches("/api/operations/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let blocked = s
        .legacy_operation(&legacy, plus(t0, 0.25 + 60.0 * 0.5))
        .unwrap();
    assert_eq!(blocked.status.as_str(), "running");
    assert_eq!(blocked.steps[1].status, "blocked");
    let failed = s.legacy_operation(&legacy, plus(t0, 200.0)).unwrap();
    assert_eq!(failed.status.as_str(), "failed");
    assert!(failed.notification_emails.is_some());
}

#[test]
fn cancel_lands_after_a_delay_and_conflicts_are_refused() {
    let mut s = state(3_600.0);
    let t0 = t0();
    let PostOutcome::Accepted { pointer: Some(p) } =
        post(&mut s, "contoso", "contoso-vm", OpKind::Publish, "", t0)
    else {
        panic!()
    };
    // Publishing the same draft again points at the running operation.
    assert_eq!(
        post(&mut s, "contoso", "contoso-vm", OpKind::Publish, "", t0),
        PostOutcome::Accepted {
            pointer: Some(p.clone())
        }
    );
    assert!(matches!(
        post(&mut s, "contoso", "contoso-vm", OpKind::GoLive, "", t0),
        PostOutcome::Refused { status: 400, .. }
    ));
    let at = plus(t0, 5.0);
    assert_eq!(
        post(&mut s, "contoso", "contoso-vm", OpKind::Cancel, "", at),
        PostOutcome::Accepted {
            pointer: Some(p.clone())
        }
    );
    let id = p
        .split("/operations/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    assert_eq!(
        s.operation("contoso", "contoso-vm", id, at)
            .unwrap()
            .status
            .as_str(),
        "running"
    );
    let done = s
        .operation("contoso", "contoso-vm", id, plus(at, 1.0))
        .unwrap();
    assert_eq!(done.status.as_str(), "canceled");
    assert!(done.steps.iter().any(|st| st.status == "canceled"));
    // Nothing running: still 202, no pointer.
    assert_eq!(
        post(
            &mut s,
            "contoso",
            "contoso-vm",
            OpKind::Cancel,
            "",
            plus(at, 2.0)
        ),
        PostOutcome::Accepted { pointer: None }
    );
}
