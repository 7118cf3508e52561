//! The offer's derived state: what stands, why, and for how long.

use super::*;
use chrono::TimeZone;

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

fn offer() -> OfferState {
    OfferState::new("contoso/vm".parse().unwrap(), BackendKind::Cpp)
}

fn seen(status: Status) -> Observation {
    Observation {
        status,
        ..Observation::default()
    }
}

fn failure(at: DateTime<Utc>) -> StartFailure {
    StartFailure {
        offer: "contoso/vm".parse().unwrap(),
        kind: OpKind::Publish,
        at,
        rejected: false,
        message: "not authorised: HTTP 401".into(),
        details: Vec::new(),
        correlation_id: None,
    }
}

fn publish(at: DateTime<Utc>) -> Operation {
    Operation::new(
        "contoso/vm".parse().unwrap(),
        BackendKind::Cpp,
        OpKind::Publish,
        url::Url::parse("https://h/api/operations/1").unwrap(),
        &[],
        at,
    )
}

#[test]
fn a_failed_start_stands_until_the_service_shows_work_or_a_pending_sign_off() {
    let mut state = offer();
    state.service = Some(seen(Status::Succeeded));
    state.service_at = Some(t(0));
    state.failed_start = Some(failure(t(1)));
    assert_eq!(state.standing(), Standing::NotSent(OpKind::Publish));
    // Live, read again after the failure: still the failure (the publish did not happen).
    state.service_at = Some(t(2));
    assert_eq!(state.standing(), Standing::NotSent(OpKind::Publish));
    // A preview waiting for sign-off, read after the failure: the service wins, and the
    // attempt is shown beside it.
    state.service = Some(seen(Status::WaitingForPublisherReview));
    assert_eq!(state.standing(), Standing::ReadyForGoLive);
    assert!(state.earlier_failure().is_some());
    // Read before the failure: the failure is newer knowledge.
    state.service_at = Some(t(0));
    assert_eq!(state.standing(), Standing::NotSent(OpKind::Publish));
}

#[test]
fn an_ended_operation_gives_its_reason_to_a_status_that_has_none() {
    let mut state = offer();
    let mut op = publish(t(0));
    op.apply(
        Observation {
            failure: Some("certification failed: invalid VHD".into()),
            ..seen(Status::Failed)
        },
        t(30),
    );
    state.op = Some(op);
    state.service = Some(seen(Status::Failed));
    state.service_at = Some(t(60));
    assert_eq!(state.standing(), Standing::Failed);
    assert_eq!(state.failure(), Some("certification failed: invalid VHD"));
    // Someone published again since (the portal): the service's newer word wins.
    state.service = Some(seen(Status::Succeeded));
    assert_eq!(state.standing(), Standing::Live);
    assert_eq!(state.failure(), None);
}

#[test]
fn a_cancelled_first_publish_stays_the_offers_state_over_never_published() {
    let mut state = offer();
    let mut op = publish(t(0));
    op.apply(seen(Status::Canceled), t(5));
    state.op = Some(op);
    state.service = Some(seen(Status::NeverPublished));
    state.service_at = Some(t(60));
    assert_eq!(
        state.standing(),
        Standing::from_status(&Status::Canceled, OpKind::Publish)
    );
    // Published since (the portal): the service's newer word wins.
    state.service = Some(seen(Status::WaitingForPublisherReview));
    assert_eq!(
        state.standing(),
        Standing::from_status(&Status::WaitingForPublisherReview, OpKind::Publish)
    );
}

#[test]
fn elapsed_never_goes_back_when_an_operation_is_lost() {
    let mut state = offer();
    let mut op = publish(t(0));
    op.apply(seen(Status::Running), t(1));
    state.op = Some(op);
    let running = state.elapsed(t(10)).unwrap();
    assert_eq!(running, chrono::Duration::minutes(10));
    let op = state.op.as_mut().unwrap();
    op.lose("not found");
    op.updated_at = t(11);
    let lost = state.elapsed(t(20)).unwrap();
    assert!(lost >= running, "{lost} < {running}");
    assert_eq!(state.standing(), Standing::Lost);
}

#[test]
fn a_go_live_not_sent_gives_way_to_a_live_offer_a_publish_not_sent_does_not() {
    let mut state = offer();
    state.failed_start = Some(StartFailure {
        kind: OpKind::GoLive,
        message: "HTTP 400: the offer is not waiting for sign-off".into(),
        ..failure(t(1))
    });
    state.service = Some(seen(Status::WaitingForPublisherReview));
    state.service_at = Some(t(0));
    assert_eq!(state.standing(), Standing::NotSent(OpKind::GoLive));
    // Ctrl-r: live now (another tool took it live): the row says so, not the old failure.
    state.service = Some(seen(Status::Succeeded));
    state.service_at = Some(t(2));
    assert_eq!(state.standing(), Standing::Live);
    assert_eq!(state.reason(), None);
    // A publish not sent stays: the live version is the older one.
    state.failed_start = Some(failure(t(1)));
    assert_eq!(state.standing(), Standing::NotSent(OpKind::Publish));
    assert_eq!(state.reason().as_deref(), Some("not authorised: HTTP 401"));
}
