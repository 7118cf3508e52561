//! The dashboard's `update` step, driven by messages without a terminal: every transition a
//! user can cause, and what the background tasks report.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use offerdeck::api::{ApiError, ServiceError};
use offerdeck::backend::cpp::Observe;
use offerdeck::domain::{BackendKind, OfferId, OpKind, Operation, Status, Step};
use offerdeck::ops::{FollowEvent, StartOutcome};
use offerdeck::tui::msg::{Effect, Msg};
use offerdeck::tui::row::{Activity, RowState};
use offerdeck::tui::state::{App, Mode, Overlay};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn config() -> offerdeck::config::Config {
    offerdeck::config::parse(
        std::path::Path::new("demo.toml"),
        offerdeck::demo::DEMO_CONFIG,
    )
    .unwrap()
}

fn app() -> App {
    let (mut app, effects) = App::new(&config(), "test", Vec::new(), t0());
    // A status per offer, and the history's estimates.
    assert_eq!(effects.len(), 10);
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::LoadStatus { .. }))
            .count(),
        9
    );
    assert!(effects.contains(&Effect::LoadEstimates));
    for row in 0..app.rows.len() {
        let detail = offerdeck::api::cpp::types::OperationDetail {
            status: Status::NeverPublished.into(),
            ..Default::default()
        };
        app.update(
            Msg::StatusLoaded {
                row,
                result: Ok(detail.observe(None)),
            },
            t0(),
        );
    }
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), t0())
}

fn ch(app: &mut App, c: char) -> Vec<Effect> {
    key(app, KeyCode::Char(c))
}

fn id(s: &str) -> OfferId {
    s.parse().unwrap()
}

/// An operation of contoso/contoso-vm; `name` becomes the last segment of its URL.
fn record(kind: OpKind, name: &str, status: Status) -> Operation {
    let mut r = Operation::new(
        id("contoso/contoso-vm"),
        BackendKind::Cpp,
        kind,
        url::Url::parse(&format!("http://127.0.0.1:1/op/{name}")).unwrap(),
        &["ops@contoso.com".into()],
        t0(),
    );
    r.seen.status = status;
    r
}

/// What the executor reports when an operation was started and recorded.
fn started(op: &Operation) -> Result<Option<StartOutcome>, ApiError> {
    Ok(Some(StartOutcome {
        operation: op.clone(),
        adopted: false,
        not_recorded: None,
        store_notices: Vec::new(),
    }))
}

fn publish_selected(app: &mut App) -> Vec<Effect> {
    assert!(ch(app, 'p').is_empty());
    ch(app, 'y')
}

/// Publishes the first offer and has the service accept it: operation `id` runs.
fn publish_running(app: &mut App, id: &str) -> Operation {
    publish_selected(app);
    let op = record(OpKind::Publish, id, Status::Running);
    app.update(
        Msg::Started {
            row: 0,
            kind: OpKind::Publish,
            result: started(&op),
        },
        t0(),
    );
    op
}

#[test]
fn publish_asks_then_starts_with_the_configured_emails() {
    let mut app = app();
    assert!(ch(&mut app, 'p').is_empty());
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("{:?}", app.overlay)
    };
    assert_eq!((c.row, c.kind), (0, OpKind::Publish));
    assert_eq!(c.emails, vec!["ops@contoso.com", "release@contoso.com"]);
    // n sends nothing.
    assert!(ch(&mut app, 'n').is_empty());
    assert_eq!(app.overlay, Overlay::None);
    let effects = publish_selected(&mut app);
    assert_eq!(
        effects,
        vec![Effect::Start {
            row: 0,
            kind: OpKind::Publish,
            offer: id("contoso/contoso-vm"),
            backend: BackendKind::Cpp,
            emails: vec!["ops@contoso.com".into(), "release@contoso.com".into()],
        }]
    );
    assert_eq!(app.rows[0].activity, Activity::Submitting(OpKind::Publish));
    assert_eq!(app.rows[0].state(), RowState::Submitting(OpKind::Publish));
    // A second publish while one is in flight is refused.
    assert!(ch(&mut app, 'p').is_empty());
    assert_eq!(app.overlay, Overlay::None);
    assert!(
        app.toasts
            .last()
            .unwrap()
            .text
            .contains("already in flight")
    );
}

#[test]
fn an_accepted_publish_is_followed_to_signoff_then_go_live() {
    let mut app = app();
    publish_selected(&mut app);
    let rec = record(OpKind::Publish, "1", Status::NotStarted);
    let effects = app.update(
        Msg::Started {
            row: 0,
            kind: OpKind::Publish,
            result: started(&rec),
        },
        t0(),
    );
    assert!(matches!(
        effects.as_slice(),
        [Effect::Follow { row: 0, .. }]
    ));
    assert_eq!(app.rows[0].activity, Activity::Following);
    assert!(app.is_animating());

    let mut running = rec.clone();
    running.seen.status = Status::Running;
    running.seen.progress = 40;
    running.seen.current_step = Some(Step {
        id: "displaycertify".into(),
        name: "Certification".into(),
        status: "inProgress".into(),
        progress: 30,
        estimate: String::new(),
        messages: Vec::new(),
    });
    app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Changed {
                operation: running.clone(),
                next_poll: std::time::Duration::from_secs(15),
            },
        },
        t0(),
    );
    assert_eq!(app.rows[0].state(), RowState::Running(OpKind::Publish));
    assert_eq!(app.rows[0].progress(), Some(40));
    // L before sign-off is refused.
    ch(&mut app, 'L');
    assert_eq!(app.overlay, Overlay::None);

    let mut ready = running;
    ready.seen.status = Status::WaitingForPublisherReview;
    ready.finished = true;
    let effects = app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Changed {
                operation: ready.clone(),
                next_poll: std::time::Duration::from_secs(15),
            },
        },
        t0(),
    );
    // People are told: the desktop, the webhook, the command ([notify]).
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Notify(n)
            if n.message.contains("contoso/contoso-vm: publish is ready for go-live"))),
        "{effects:?}"
    );
    let effects = app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Stopped {
                operation: ready,
                error: None,
            },
        },
        t0(),
    );
    assert_eq!(app.rows[0].state(), RowState::ReadyForGoLive);
    assert!(
        app.toasts
            .iter()
            .any(|t| t.text.contains("ready for go-live"))
    );
    // The offer's status is read again at once (its submissions, its live state).
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadStatus { row: 0, .. })),
        "{effects:?}"
    );
    app.update(
        Msg::StatusLoaded {
            row: 0,
            result: Ok(offerdeck::domain::Observation {
                status: Status::WaitingForPublisherReview,
                ..Default::default()
            }),
        },
        t0(),
    );
    assert_eq!(app.rows[0].activity, Activity::Idle);
    ch(&mut app, 'L');
    assert!(matches!(&app.overlay, Overlay::Confirm(c) if c.kind == OpKind::GoLive));
    let effects = ch(&mut app, 'y');
    assert!(matches!(
        effects.as_slice(),
        [Effect::Start {
            kind: OpKind::GoLive,
            ..
        }]
    ));
}

#[test]
fn a_rejection_opens_every_detail_and_retry_resends() {
    let mut app = app();
    ch(&mut app, 'j');
    publish_selected(&mut app);
    let se = ServiceError {
        status: 422,
        code: Some("ValidationFailed".into()),
        message: "The offer failed validation.".into(),
        details: vec![
            "plans[0].vmImages: no image (MissingImage)".into(),
            "summary: too long".into(),
        ],
        correlation_id: Some("corr-1".into()),
        service: None,
    };
    app.update(
        Msg::Started {
            row: 1,
            kind: OpKind::Publish,
            result: Err(ApiError::from_status(se)),
        },
        t0(),
    );
    assert_eq!(app.overlay, Overlay::Rejection { row: 1 });
    assert_eq!(app.rows[1].state(), RowState::Rejected(2));
    assert_eq!(app.rows[1].failed_start.as_ref().unwrap().details.len(), 2);
    assert_eq!(
        app.errors.last().unwrap().correlation_id.as_deref(),
        Some("corr-1")
    );
    // r from the popup asks to publish again.
    ch(&mut app, 'r');
    assert!(matches!(&app.overlay, Overlay::Confirm(c) if c.retry && c.row == 1));
    let effects = ch(&mut app, 'y');
    assert!(matches!(
        effects.as_slice(),
        [Effect::Start {
            row: 1,
            kind: OpKind::Publish,
            ..
        }]
    ));
    let mut rec = record(OpKind::Publish, "2", Status::NotStarted);
    rec.offer = id("contoso/contoso-analytics");
    rec.started_at = t0() + chrono::Duration::seconds(1);
    app.update(
        Msg::Started {
            row: 1,
            kind: OpKind::Publish,
            result: started(&rec),
        },
        t0(),
    );
    assert!(app.rows[1].failed_start.is_none());
    assert_eq!(app.rows[1].state(), RowState::Running(OpKind::Publish));
}

#[test]
fn a_failure_shows_its_reason_in_the_row_and_a_toast() {
    let mut app = app();
    app.bell = true;
    let rec = publish_running(&mut app, "u1");
    let mut failed = rec;
    failed.seen.status = Status::Failed;
    failed.finished = true;
    failed.seen.failure =
        Some("No virtual machine image was found for the plan gateway-byol.".into());
    let effects = app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Changed {
                operation: failed,
                next_poll: std::time::Duration::from_secs(15),
            },
        },
        t0(),
    );
    assert!(effects.contains(&Effect::Bell));
    assert_eq!(app.rows[0].state(), RowState::Failed);
    assert_eq!(
        app.rows[0].failure(),
        Some("No virtual machine image was found for the plan gateway-byol.")
    );
    assert!(
        app.toasts
            .last()
            .unwrap()
            .text
            .contains("No virtual machine image")
    );
    // Retry is allowed now.
    ch(&mut app, 'r');
    assert!(matches!(&app.overlay, Overlay::Confirm(c) if c.retry));
}

#[test]
fn cancel_only_when_something_runs() {
    let mut app = app();
    ch(&mut app, 'c');
    assert_eq!(app.overlay, Overlay::None);
    assert!(
        app.toasts
            .last()
            .unwrap()
            .text
            .contains("nothing is running")
    );
    publish_running(&mut app, "u1");
    ch(&mut app, 'c');
    assert!(matches!(&app.overlay, Overlay::Confirm(c) if c.kind == OpKind::Cancel));
    let effects = ch(&mut app, 'y');
    assert!(matches!(
        effects.as_slice(),
        [Effect::Start {
            kind: OpKind::Cancel,
            ..
        }]
    ));
}

#[test]
fn a_cancel_is_a_request_on_the_running_publish_which_then_ends_canceled() {
    let mut app = app();
    let publish = publish_running(&mut app, "p1");
    assert_eq!(app.rows[0].activity, Activity::Following);
    ch(&mut app, 'c');
    ch(&mut app, 'y');
    // The service names the publish itself; it stays followed, and no second follower starts.
    let mut asked = publish.clone();
    asked.cancel_requested_at = Some(t0());
    let effects = app.update(
        Msg::Started {
            row: 0,
            kind: OpKind::Cancel,
            result: started(&asked),
        },
        t0(),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.rows[0].op.as_ref().unwrap().kind, OpKind::Publish);
    assert_eq!(app.rows[0].state(), RowState::Canceling);
    assert_eq!(app.rows[0].state().label(), "canceling");
    // The follower's copy predates the cancel: the row keeps knowing it was asked for.
    let mut polled = publish.clone();
    polled.seen.progress = 30;
    app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Changed {
                operation: polled,
                next_poll: std::time::Duration::from_secs(15),
            },
        },
        t0(),
    );
    assert_eq!(app.rows[0].state(), RowState::Canceling);
    let mut canceled = publish;
    canceled.seen.status = Status::Canceled;
    canceled.finished = true;
    app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Changed {
                operation: canceled,
                next_poll: std::time::Duration::from_secs(15),
            },
        },
        t0(),
    );
    assert_eq!(app.rows[0].state(), RowState::Canceled);
    assert!(app.rows[0].op.as_ref().unwrap().succeeded());
    assert!(
        app.toasts
            .last()
            .unwrap()
            .text
            .contains("canceled, as requested")
    );
    // Nothing running any more when the cancel arrives: said, and nothing is followed.
    let effects = app.update(
        Msg::Started {
            row: 0,
            kind: OpKind::Cancel,
            result: Ok(None),
        },
        t0(),
    );
    assert!(effects.is_empty());
    assert!(
        app.toasts
            .last()
            .unwrap()
            .text
            .contains("nothing to cancel")
    );
}

#[test]
fn email_editor_refuses_a_bad_address_and_saves_a_good_list() {
    let mut app = app();
    ch(&mut app, 'e');
    let Mode::EditEmails(form) = &app.mode else {
        panic!()
    };
    assert_eq!(form.input.text(), "ops@contoso.com, release@contoso.com");
    for c in ", oops".chars() {
        ch(&mut app, c);
    }
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "nothing saved");
    let Mode::EditEmails(form) = &app.mode else {
        panic!()
    };
    assert!(
        form.error.as_deref().unwrap().contains("\"oops\""),
        "{:?}",
        form.error
    );
    for c in "@contoso.com".chars() {
        ch(&mut app, c);
    }
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Delete);
    ch(&mut app, 'O');
    let effects = key(&mut app, KeyCode::Enter);
    let expected = vec![
        "Ops@contoso.com".to_string(),
        "release@contoso.com".into(),
        "oops@contoso.com".into(),
    ];
    assert_eq!(
        effects,
        vec![Effect::SaveEmails {
            row: 0,
            offer: id("contoso/contoso-vm"),
            emails: expected.clone()
        }]
    );
    app.update(
        Msg::EmailsSaved {
            row: 0,
            result: Ok(expected.clone()),
        },
        t0(),
    );
    assert_eq!(app.mode, Mode::Browse);
    assert_eq!(app.rows[0].emails, expected);
    // Esc leaves the list as it was.
    ch(&mut app, 'e');
    ch(&mut app, 'x');
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Browse);
    assert_eq!(app.rows[0].emails, expected);
}

#[test]
fn filter_narrows_live_and_selection_follows_the_offer() {
    let mut app = app();
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    assert_eq!(app.selected_row(), Some(2));
    ch(&mut app, '/');
    assert_eq!(app.mode, Mode::Filter);
    for c in "fabrikam-".chars() {
        ch(&mut app, c);
    }
    assert_eq!(app.visible, vec![3, 4, 5]);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Browse);
    assert_eq!(app.visible.len(), 3, "Enter keeps the filter");
    ch(&mut app, 'G');
    assert_eq!(app.selected_row(), Some(5));
    // A status update re-filters without moving the cursor off the offer.
    app.update(
        Msg::StatusLoaded {
            row: 3,
            result: Ok(offerdeck::api::cpp::types::OperationDetail {
                status: Status::Failed.into(),
                ..Default::default()
            }
            .observe(None)),
        },
        t0(),
    );
    assert_eq!(app.selected_row(), Some(5));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.visible.len(), 9, "Esc clears it");
    assert_eq!(app.selected_row(), Some(5));
    // Filtering on status words works too.
    ch(&mut app, '/');
    for c in "failed".chars() {
        ch(&mut app, c);
    }
    assert_eq!(app.visible, vec![3]);
}

#[test]
fn quitting_asks_while_operations_run_and_ctrl_c_always_quits() {
    let mut app = app();
    publish_selected(&mut app);
    assert!(ch(&mut app, 'q').is_empty());
    assert_eq!(app.overlay, Overlay::QuitConfirm { in_flight: 1 });
    key(&mut app, KeyCode::Esc);
    assert!(!app.quit);
    ch(&mut app, 'q');
    assert_eq!(ch(&mut app, 'y'), vec![Effect::Quit]);
    assert!(app.quit);

    let mut app2 = self::app();
    ch(&mut app2, 'e');
    let effects = app2.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        t0(),
    );
    assert_eq!(effects, vec![Effect::Quit]);
    let mut idle = self::app();
    assert_eq!(ch(&mut idle, 'q'), vec![Effect::Quit]);
}

#[test]
fn unfinished_operations_are_resumed_at_start() {
    let mut unfinished = vec![record(OpKind::Publish, "u-vm", Status::Running)];
    let mut other = record(OpKind::Publish, "u-other", Status::Running);
    other.offer = id("adatum/not-in-config");
    unfinished.push(other);
    let (app, effects) = App::new(&config(), "t", unfinished, t0());
    let follows: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, Effect::Follow { .. }))
        .collect();
    assert_eq!(follows.len(), 2);
    assert_eq!(
        effects.len(),
        11,
        "8 statuses to load, 2 operations to follow, the history's estimates"
    );
    assert_eq!(app.rows.len(), 10);
    assert!(app.rows[9].unconfigured);
    assert_eq!(app.rows[0].activity, Activity::Following);
    assert!(app.toasts[0].text.contains("resumed 2"));
}

#[test]
fn stale_polls_and_poll_errors() {
    let mut app = app();
    publish_selected(&mut app);
    let mut newer = record(OpKind::Publish, "new", Status::Running);
    newer.started_at = t0() + chrono::Duration::seconds(10);
    app.update(
        Msg::Started {
            row: 0,
            kind: OpKind::Publish,
            result: started(&newer),
        },
        t0(),
    );
    // A late poll of an older operation changes nothing.
    let old = record(OpKind::Publish, "old", Status::Failed);
    app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Changed {
                operation: old,
                next_poll: std::time::Duration::from_secs(15),
            },
        },
        t0(),
    );
    assert_eq!(app.rows[0].op.as_ref().unwrap().operation_id(), "new");
    let current = app.rows[0].op.clone().unwrap();
    app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Retrying {
                operation: current.clone(),
                attempt: 2,
                error: "service error: HTTP 503".into(),
                wait: std::time::Duration::from_secs(4),
                throttled: false,
            },
        },
        t0(),
    );
    assert_eq!(app.rows[0].state(), RowState::Retrying(2));
    let gave_up = ApiError::Unreachable {
        url: "x".into(),
        attempts: 5,
        reason: "refused".into(),
    };
    app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Stopped {
                operation: current,
                error: Some(gave_up),
            },
        },
        t0(),
    );
    assert_eq!(app.rows[0].activity, Activity::Idle);
    assert!(
        app.toasts
            .last()
            .unwrap()
            .text
            .contains("goes on at the service")
    );
    // Ctrl-r follows it again.
    let effects = app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
        t0(),
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Follow { row: 0, .. }))
    );
}

#[test]
fn an_idle_dashboard_does_not_tick() {
    let mut app = app();
    assert!(
        !app.is_animating(),
        "statuses loaded, no toast: no timer runs"
    );
    ch(&mut app, 'c');
    assert!(app.is_animating(), "a toast needs ticks to expire");
    // Toasts expire with ticks; then nothing animates.
    app.update(Msg::Tick, t0() + chrono::Duration::seconds(30));
    assert!(!app.is_animating());
    assert!(app.take_dirty());
    assert!(!app.take_dirty());
}

#[test]
fn the_page_stays_put_while_the_cursor_moves() {
    let mut app = app();
    // 9 offers, 3 rows fit: moving down scrolls only once the cursor leaves the page.
    app.update(
        Msg::Resize {
            width: 120,
            height: 9,
        },
        t0(),
    );
    assert_eq!(app.viewport_rows, 3);
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    assert_eq!((app.selected, app.scroll), (2, 0));
    ch(&mut app, 'j');
    assert_eq!((app.selected, app.scroll), (3, 1));
    ch(&mut app, 'k');
    ch(&mut app, 'k');
    assert_eq!((app.selected, app.scroll), (1, 1));
    ch(&mut app, 'G');
    assert_eq!((app.selected, app.scroll), (8, 6));
    ch(&mut app, 'g');
    assert_eq!((app.selected, app.scroll), (0, 0));
}

#[test]
fn ctrl_r_picks_up_operations_started_elsewhere() {
    let mut app = app();
    let effects = app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
        t0(),
    );
    assert!(effects.contains(&Effect::LoadStore));
    // A headless `publish` recorded an operation meanwhile.
    let mut headless = record(OpKind::Publish, "from-cli", Status::Running);
    headless.offer = id("contoso/contoso-gateway");
    let effects = app.update(Msg::StoreLoaded(Ok(vec![headless])), t0());
    assert!(
        matches!(effects.as_slice(), [Effect::Follow { row: 2, .. }]),
        "{effects:?}"
    );
    assert_eq!(app.rows[2].activity, Activity::Following);
    // Read again: the row already follows it, nothing new starts.
    let mut again = record(OpKind::Publish, "from-cli", Status::Running);
    again.offer = id("contoso/contoso-gateway");
    assert!(
        app.update(Msg::StoreLoaded(Ok(vec![again])), t0())
            .is_empty()
    );
}

#[test]
fn operations_started_by_someone_else_are_found_and_followed() {
    let (mut app, _) = App::new(&config(), "t", Vec::new(), t0());
    let running = offerdeck::api::cpp::types::OperationDetail {
        status: Status::Running.into(),
        ..Default::default()
    };
    let effects = app.update(
        Msg::StatusLoaded {
            row: 3,
            result: Ok(running.observe(None)),
        },
        t0(),
    );
    assert_eq!(
        effects,
        vec![Effect::Discover {
            row: 3,
            offer: id("fabrikam/fabrikam-db"),
            backend: BackendKind::Cpp,
        }]
    );
    let mut found = record(OpKind::Publish, "found", Status::NotStarted);
    found.offer = id("fabrikam/fabrikam-db");
    let effects = app.update(
        Msg::Discovered {
            row: 3,
            operation: found,
        },
        t0(),
    );
    assert!(matches!(
        effects.as_slice(),
        [Effect::Follow { row: 3, .. }]
    ));
    assert_eq!(app.rows[3].activity, Activity::Following);
    assert!(
        app.toasts
            .last()
            .unwrap()
            .text
            .contains("already running at the service")
    );
    // A status that says nothing runs starts no search.
    let idle = offerdeck::api::cpp::types::OperationDetail {
        status: Status::Succeeded.into(),
        ..Default::default()
    };
    assert!(
        app.update(
            Msg::StatusLoaded {
                row: 5,
                result: Ok(idle.observe(None))
            },
            t0()
        )
        .is_empty()
    );
}

#[test]
fn a_store_that_cannot_record_is_said_on_screen() {
    let mut app = app();
    publish_selected(&mut app);
    let op = record(OpKind::Publish, "p1", Status::Running);
    let errors_before = app.errors.len();
    app.update(
        Msg::Started {
            row: 0,
            kind: OpKind::Publish,
            result: Ok(Some(StartOutcome {
                operation: op.clone(),
                adopted: false,
                not_recorded: Some(offerdeck::store::StoreError {
                    path: "/data/operations.json".into(),
                    message: "No space left on device".into(),
                }),
                store_notices: Vec::new(),
            })),
        },
        t0(),
    );
    let last = app.errors.last().unwrap();
    assert!(last.message.contains("could not be recorded"), "{last:?}");
    assert!(
        last.message.contains(&format!(
            "offerdeck watch {} --url http://127.0.0.1:1/op/p1",
            app.rows[0].id
        )),
        "{last:?}"
    );
    assert!(app.toasts.iter().any(|t| t.text.contains("No space left")));
    // A follower that cannot save its progress says so too, in a toast and the history.
    app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::StoreProblem {
                operation: op,
                message: "progress not recorded: disk full".into(),
            },
        },
        t0(),
    );
    assert_eq!(app.errors.len(), errors_before + 2);
    assert!(
        app.toasts
            .last()
            .unwrap()
            .text
            .contains("progress not recorded")
    );
    app.update(
        Msg::StoreProblem("the state store was moved aside".into()),
        t0(),
    );
    assert!(app.toasts.last().unwrap().text.starts_with("state store:"));
}

#[test]
fn a_long_wait_for_the_service_shows_until_when() {
    let mut app = app();
    publish_running(&mut app, "p1");
    let until = t0() + chrono::Duration::seconds(600);
    app.update(
        Msg::Waiting(offerdeck::api::http::transport::WaitNotice {
            url: url::Url::parse(
                "http://127.0.0.1:1/api/publishers/contoso/offers/contoso-vm/operations/p1",
            )
            .unwrap(),
            wait: std::time::Duration::from_secs(600),
            until,
            reason: "HTTP 429, Retry-After".into(),
        }),
        t0(),
    );
    assert!(app.is_animating());
    let (_, text) = app.waiting.clone().unwrap();
    assert!(
        text.starts_with("waiting until ") && text.contains("HTTP 429"),
        "{text}"
    );
    assert!(matches!(app.rows[0].state(), RowState::Retrying(1)));
    assert_eq!(app.rows[0].retrying.as_ref().unwrap().1, text);
    // Once the time has passed, the header forgets it.
    app.update(Msg::Tick, until + chrono::Duration::seconds(1));
    assert!(app.waiting.is_none());
}

#[test]
fn a_second_q_quits_and_an_unknown_key_points_to_help() {
    let mut app = app();
    assert!(ch(&mut app, 'z').is_empty());
    assert_eq!(
        app.toasts.last().unwrap().text,
        "unknown key z — ? for help"
    );
    publish_selected(&mut app);
    ch(&mut app, 'q');
    assert!(matches!(app.overlay, Overlay::QuitConfirm { .. }));
    assert_eq!(ch(&mut app, 'q'), vec![Effect::Quit]);
    assert!(app.quit);
}

#[test]
fn the_email_editor_behaves_like_a_readline_field() {
    let mut app = app();
    ch(&mut app, 'e');
    let ctrl = |app: &mut App, c: char| {
        app.update(
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
            t0(),
        )
    };
    let text = |app: &App| match &app.mode {
        Mode::EditEmails(f) => f.input.text(),
        other => panic!("{other:?}"),
    };
    // "ops@contoso.com, release@contoso.com": Ctrl-W deletes the last address, not a 'w'.
    ctrl(&mut app, 'w');
    assert_eq!(text(&app), "ops@contoso.com, ");
    ctrl(&mut app, 'a');
    ch(&mut app, '>');
    assert_eq!(text(&app), ">ops@contoso.com, ");
    ctrl(&mut app, 'k');
    assert_eq!(text(&app), ">");
    ctrl(&mut app, 'e');
    ctrl(&mut app, 'u');
    assert_eq!(text(&app), "", "Ctrl-U clears, and never types a u");
    // Empty is refused by name; an offending character is named with its place.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    let error = |app: &App| match &app.mode {
        Mode::EditEmails(f) => f.error.clone().unwrap_or_default(),
        other => panic!("{other:?}"),
    };
    assert!(error(&app).contains("the list is empty"), "{}", error(&app));
    for c in "josé@x.com".chars() {
        ch(&mut app, c);
    }
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(error(&app).contains("'é' at 4"), "{}", error(&app));
}

#[test]
fn a_publish_that_was_not_sent_leaves_a_trace_on_its_row() {
    let mut app = app();
    publish_selected(&mut app);
    let se = ServiceError {
        status: 503,
        code: None,
        message: "service unavailable".into(),
        details: Vec::new(),
        correlation_id: Some("corr-9".into()),
        service: None,
    };
    app.update(
        Msg::Started {
            row: 0,
            kind: OpKind::Publish,
            result: Err(ApiError::from_status(se)),
        },
        t0(),
    );
    let row = &app.rows[0];
    assert_eq!(row.state(), RowState::NotSent(OpKind::Publish));
    assert_eq!(row.state().label(), "publish not sent");
    assert!(
        row.failed_start
            .as_ref()
            .unwrap()
            .message
            .contains("HTTP 503")
    );
    // Until the next action: a retry is allowed, and an accepted publish clears it.
    ch(&mut app, 'r');
    assert!(matches!(&app.overlay, Overlay::Confirm(c) if c.retry));
    ch(&mut app, 'y');
    let mut op = record(OpKind::Publish, "p2", Status::Running);
    op.started_at = t0() + chrono::Duration::seconds(5);
    app.update(
        Msg::Started {
            row: 0,
            kind: OpKind::Publish,
            result: started(&op),
        },
        t0(),
    );
    assert_eq!(app.rows[0].state(), RowState::Running(OpKind::Publish));
}

#[test]
fn an_operation_that_cannot_be_followed_any_more_never_leaves_a_row_stuck() {
    let mut app = app();
    let op = publish_running(&mut app, "gone");
    let not_found = ApiError::from_status(ServiceError {
        status: 404,
        message: "Operation gone was not found.".into(),
        ..ServiceError::default()
    });
    app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Stopped {
                operation: op,
                error: Some(not_found),
            },
        },
        t0(),
    );
    let row = &app.rows[0];
    assert_eq!(row.state(), RowState::Lost);
    assert_eq!(row.state().label(), "not followed");
    assert!(!row.in_flight());
    assert_eq!(app.in_flight(), 0);
    assert!(
        app.toasts
            .last()
            .unwrap()
            .text
            .contains("not followed any more")
    );
    // p works again.
    ch(&mut app, 'p');
    assert!(matches!(&app.overlay, Overlay::Confirm(c) if c.kind == OpKind::Publish));
}

#[test]
fn staleness_is_visible_and_idle_offers_are_read_again() {
    let mut app = app();
    // The service stops answering: the header knows since when; any good answer clears it.
    app.update(
        Msg::StatusLoaded {
            row: 2,
            result: Err(ApiError::Unreachable {
                url: "http://127.0.0.1:9/".into(),
                attempts: 5,
                reason: "connection refused".into(),
            }),
        },
        t0(),
    );
    assert_eq!(app.unreachable_since, Some(t0()));
    let later = t0() + chrono::Duration::seconds(30);
    app.update(
        Msg::StatusLoaded {
            row: 2,
            result: Ok(offerdeck::domain::Observation {
                status: Status::NeverPublished,
                ..Default::default()
            }),
        },
        later,
    );
    assert_eq!(app.unreachable_since, None);
    // The header's age needs a redraw each second for a minute, then each minute.
    assert_eq!(
        app.next_change_in(),
        Some(std::time::Duration::from_secs(1))
    );
    app.update(Msg::Tick, later + chrono::Duration::seconds(75));
    assert_eq!(
        app.next_change_in(),
        Some(std::time::Duration::from_secs(45))
    );
    // On the slow cadence, idle rows are read again and the store is looked at.
    let effects = app.update(Msg::RefreshDue, later + chrono::Duration::seconds(300));
    let loads = effects
        .iter()
        .filter(|e| matches!(e, Effect::LoadStatus { .. }))
        .count();
    assert_eq!(loads, app.rows.len());
    assert!(effects.contains(&Effect::LoadStore));
    // A followed row with no good answer for three poll intervals is stale.
    let op = publish_running(&mut app, "p1");
    assert!(!app.is_stale(&app.rows[0].clone()));
    app.update(Msg::Tick, t0() + app.poll_interval * 4);
    assert!(app.is_stale(&app.rows[0].clone()));
    app.take_dirty();
    let polled = |op: &Operation| Msg::Follow {
        row: 0,
        event: FollowEvent::Polled {
            pointer: op.pointer.clone(),
            next_poll: std::time::Duration::from_secs(15),
        },
    };
    app.update(polled(&op), t0() + app.poll_interval * 4);
    assert!(
        !app.is_stale(&app.rows[0].clone()),
        "a poll that changed nothing is fresh too"
    );
    assert!(app.take_dirty(), "the row was stale: it shows fresh now");
    app.update(polled(&op), t0() + app.poll_interval * 5);
    assert!(
        !app.is_dirty(),
        "a poll that changes nothing on screen draws nothing"
    );
    // A retry of a poll shows as retrying on the row.
    app.update(
        Msg::Waiting(offerdeck::api::http::transport::WaitNotice {
            url: url::Url::parse(
                "http://127.0.0.1:1/api/publishers/contoso/offers/contoso-vm/operations/p1",
            )
            .unwrap(),
            wait: std::time::Duration::from_millis(300),
            until: t0(),
            reason: "HTTP 503".into(),
        }),
        t0() + app.poll_interval * 4,
    );
    assert_eq!(app.rows[0].state(), RowState::Retrying(1));
    assert!(
        app.waiting.is_none(),
        "a short wait is shown on its row only"
    );
}

#[test]
fn an_ingestion_offer_has_no_e_mails_to_edit_and_its_confirm_says_who_is_notified() {
    // The demo config has offers on both APIs.
    let mut app = app();
    let row = app
        .rows
        .iter()
        .position(|r| r.backend == BackendKind::Ingestion)
        .unwrap();
    app.selected = app.visible.iter().position(|&r| r == row).unwrap();

    ch(&mut app, 'e');
    assert!(!matches!(app.mode, Mode::EditEmails(_)), "no editor opens");
    let toast = app
        .toasts
        .last()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert!(toast.contains("no e-mails to edit"), "{toast}");

    ch(&mut app, 'p');
    match &app.overlay {
        Overlay::Confirm(c) => assert_eq!(c.backend, BackendKind::Ingestion),
        other => panic!("expected the publish confirmation, got {other:?}"),
    }
}

#[test]
fn an_ingestion_row_is_judged_stale_by_its_own_poll_interval() {
    // Product Ingestion jobs are polled once a minute; CPP operations every 2 s here.
    let text = offerdeck::demo::DEMO_CONFIG.replace(
        "poll_interval = \"2s\"    # against the real service, at least a minute (Microsoft's limit)\npoll_interval_max = \"2s\"",
        "poll_interval = \"60s\"",
    );
    let config = offerdeck::config::parse(std::path::Path::new("demo.toml"), &text).unwrap();
    assert_eq!(
        config.ingestion.poll_interval,
        std::time::Duration::from_secs(60)
    );
    let (mut app, _) = App::new(&config, "test", Vec::new(), t0());
    let row_of = |app: &App, offer: &str| app.rows.iter().position(|r| r.id == id(offer)).unwrap();
    let (alpha, vm) = (
        row_of(&app, "fabrikam/alpha"),
        row_of(&app, "contoso/contoso-vm"),
    );
    let mut job = Operation::new(
        id("fabrikam/alpha"),
        BackendKind::Ingestion,
        OpKind::Publish,
        url::Url::parse("http://127.0.0.1:1/rp/product-ingestion/configure/j/status").unwrap(),
        &[],
        t0(),
    );
    job.seen.status = Status::Running;
    let cpp = record(OpKind::Publish, "s-vm", Status::Running);
    for (row, op) in [(alpha, &job), (vm, &cpp)] {
        app.update(
            Msg::Started {
                row,
                kind: OpKind::Publish,
                result: started(op),
            },
            t0(),
        );
    }
    app.update(Msg::Tick, t0() + chrono::Duration::seconds(30));
    assert!(app.is_stale(&app.rows[vm]), "30 s is 15 CPP intervals");
    assert!(
        !app.is_stale(&app.rows[alpha]),
        "30 s is half an ingestion interval"
    );
}

#[test]
fn a_row_whose_follower_waits_longer_is_not_stale_before_its_next_poll() {
    // Polls follow the work: while certification has days to go, the follower says it looks
    // again in five minutes, and the row is fresh until that look is overdue.
    let mut app = app();
    let op = publish_running(&mut app, "p1");
    app.update(
        Msg::Follow {
            row: 0,
            event: FollowEvent::Polled {
                pointer: op.pointer.clone(),
                next_poll: std::time::Duration::from_secs(300),
            },
        },
        t0(),
    );
    app.update(Msg::Tick, t0() + chrono::Duration::minutes(4));
    assert!(
        !app.is_stale(&app.rows[0].clone()),
        "the next poll is not due"
    );
    app.update(
        Msg::Tick,
        t0() + chrono::Duration::minutes(5) + app.poll_interval * 3,
    );
    assert!(
        app.is_stale(&app.rows[0].clone()),
        "the next poll is overdue"
    );
}

fn listed(offer: &str, name: &str) -> offerdeck::backend::ListedOffer {
    offerdeck::backend::ListedOffer {
        id: id(offer),
        name: name.into(),
        status: Status::NeverPublished,
        offer_type: "azureVirtualMachine".into(),
        portal_url: None,
    }
}

#[test]
fn the_picker_lists_what_the_table_lacks_and_adds_the_marked_offers_as_rows() {
    let mut app = app();
    let rows_before = app.rows.len();
    let effects = ch(&mut app, 'a');
    let Some(Effect::ListAvailable { publishers }) = effects.first() else {
        panic!("{effects:?}");
    };
    // Each API is asked for the publishers the table has on it.
    let cpp = publishers
        .iter()
        .find(|(k, _)| *k == BackendKind::Cpp)
        .unwrap();
    assert!(cpp.1.contains(&"contoso".to_string()), "{publishers:?}");
    let ingestion = publishers
        .iter()
        .find(|(k, _)| *k == BackendKind::Ingestion)
        .unwrap();
    assert_eq!(ingestion.1, vec!["fabrikam".to_string()]);
    assert!(matches!(&app.overlay, Overlay::Picker(p) if p.loading));

    app.update(
        Msg::AvailableListed {
            found: vec![
                (BackendKind::Ingestion, listed("fabrikam/alpha", "Alpha")),
                (BackendKind::Ingestion, listed("fabrikam/gamma", "Gamma")),
                (BackendKind::Ingestion, listed("fabrikam/delta", "Delta")),
                (BackendKind::Ingestion, listed("fabrikam/zeta", "Zeta")),
            ],
            errors: vec!["cpp: service unreachable".into()],
        },
        t0(),
    );
    let Overlay::Picker(picker) = &app.overlay else {
        panic!("the picker closed");
    };
    // alpha is in the table already.
    let shown: Vec<String> = picker
        .items
        .iter()
        .map(|i| i.offer.id.to_string())
        .collect();
    assert_eq!(shown, ["fabrikam/gamma", "fabrikam/delta", "fabrikam/zeta"]);
    assert_eq!(picker.errors, ["cpp: service unreachable"]);

    // Space marks and moves on; Enter adds the marked ones only.
    ch(&mut app, ' ');
    ch(&mut app, 'j');
    ch(&mut app, ' ');
    let effects = key(&mut app, KeyCode::Enter);
    let Some(Effect::AddOffers(chosen)) = effects.first() else {
        panic!("{effects:?}");
    };
    let chosen_ids: Vec<String> = chosen.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(chosen_ids, ["fabrikam/gamma", "fabrikam/zeta"]);
    assert!(chosen.iter().all(|o| o.backend == BackendKind::Ingestion));

    let effects = app.update(Msg::OffersAdded(Ok(chosen.clone())), t0());
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.rows.len(), rows_before + 2);
    let new_row = app.rows.last().unwrap();
    assert_eq!(new_row.id, id("fabrikam/zeta"));
    assert_eq!(new_row.backend, BackendKind::Ingestion);
    assert_eq!(effects.len(), 2);
    assert!(effects.iter().all(|e| matches!(
        e,
        Effect::LoadStatus {
            backend: BackendKind::Ingestion,
            ..
        }
    )));
    assert!(
        app.toasts
            .iter()
            .any(|t| t.text.contains("added fabrikam/gamma"))
    );
}

#[test]
fn a_picker_that_cannot_save_stays_open_and_says_why() {
    let mut app = app();
    ch(&mut app, 'a');
    app.update(
        Msg::AvailableListed {
            found: vec![(BackendKind::Cpp, listed("contoso/new-one", "New"))],
            errors: vec![],
        },
        t0(),
    );
    // Nothing marked: Enter adds the selected one.
    let effects = key(&mut app, KeyCode::Enter);
    assert!(matches!(effects.first(), Some(Effect::AddOffers(c)) if c.len() == 1));
    app.update(
        Msg::OffersAdded(Err("config.toml: permission denied".into())),
        t0(),
    );
    assert!(matches!(&app.overlay, Overlay::Picker(p) if !p.saving));
    assert!(
        app.toasts
            .iter()
            .any(|t| t.text.contains("permission denied"))
    );
    // Esc closes: nothing added.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, Overlay::None);
    assert_eq!(app.rows.len(), 9);
}

#[test]
fn read_only_watches_without_any_key_that_changes_the_service() {
    let mut config = config();
    config.ui.read_only = true;
    let (mut app, _) = App::new(&config, "t", Vec::new(), t0());
    for key_char in ['p', 'L', 'c', 'r'] {
        assert!(ch(&mut app, key_char).is_empty(), "{key_char} sent nothing");
        assert_eq!(app.overlay, Overlay::None, "no confirmation for {key_char}");
    }
    assert!(app.toasts.iter().any(|t| t.text.contains("read-only")));
    // Looking around still works.
    ch(&mut app, 'j');
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Detail);
}

fn visible_ids(app: &App) -> Vec<String> {
    app.visible
        .iter()
        .map(|&i| app.rows[i].id.to_string())
        .collect()
}

#[test]
fn s_cycles_the_sort_and_capital_s_reverses_it_with_the_selection_kept() {
    let mut app = app();
    let config_order = visible_ids(&app);
    ch(&mut app, 'j');
    let selected = app.selected_row();
    ch(&mut app, 's');
    assert_eq!(app.sort, offerdeck::tui::state::SortColumn::Offer);
    let mut by_offer = config_order.clone();
    by_offer.sort_by_key(|s| s.to_lowercase());
    assert_eq!(visible_ids(&app), by_offer);
    assert_eq!(
        app.selected_row(),
        selected,
        "the same offer stays selected"
    );
    ch(&mut app, 'S');
    let mut reversed = by_offer.clone();
    reversed.reverse();
    assert_eq!(visible_ids(&app), reversed);
    // Status: problems first.
    ch(&mut app, 'S');
    ch(&mut app, 's');
    app.update(
        Msg::Started {
            row: 4,
            kind: OpKind::Publish,
            result: Err(ApiError::from_status(ServiceError {
                status: 503,
                message: "down".into(),
                ..ServiceError::default()
            })),
        },
        t0(),
    );
    assert_eq!(visible_ids(&app)[0], app.rows[4].id.to_string());
    // Around the cycle, back to the config's order.
    for _ in 0..4 {
        ch(&mut app, 's');
    }
    assert_eq!(app.sort, offerdeck::tui::state::SortColumn::Config);
    assert_eq!(visible_ids(&app), config_order);
}

#[test]
fn saved_views_filter_with_fields_and_negation() {
    let text = format!(
        "{}\n[views]\nready = \"status:ready\"\ncontoso = \"publisher:contoso !analytics\"\npc = \"backend:pc\"\n",
        offerdeck::demo::DEMO_CONFIG
    );
    let config = offerdeck::config::parse(std::path::Path::new("demo.toml"), &text).unwrap();
    let (mut app, _) = App::new(&config, "t", Vec::new(), t0());
    ch(&mut app, '2');
    assert_eq!(
        visible_ids(&app),
        ["contoso/contoso-vm", "contoso/contoso-gateway"]
    );
    assert_eq!(app.view, Some(1));
    ch(&mut app, '3');
    assert_eq!(
        visible_ids(&app),
        ["fabrikam/alpha", "fabrikam/beta", "fabrikam/eta"]
    );
    // The same key again clears it.
    ch(&mut app, '3');
    assert_eq!(app.view, None);
    assert_eq!(app.visible.len(), 9);
    // A view that does not exist says so.
    ch(&mut app, '7');
    assert!(app.toasts.iter().any(|t| t.text.contains("no view 7")));
    // An unknown field in a view is a config error at its line.
    let bad = format!(
        "{}\n[views]\nx = \"state:ready\"\n",
        offerdeck::demo::DEMO_CONFIG
    );
    let error = offerdeck::config::parse(std::path::Path::new("demo.toml"), &bad)
        .unwrap_err()
        .to_string();
    assert!(error.contains("status:"), "{error}");
}

#[test]
fn marked_offers_take_one_confirmation_and_each_gets_its_own_start() {
    let mut app = app();
    // Mark the first three (Space moves down), then publish them all.
    ch(&mut app, ' ');
    ch(&mut app, ' ');
    ch(&mut app, ' ');
    assert_eq!(app.rows.iter().filter(|r| r.marked).count(), 3);
    ch(&mut app, 'p');
    let Overlay::Confirm(confirm) = &app.overlay else {
        panic!("{:?}", app.overlay);
    };
    assert_eq!(confirm.more.len(), 2);
    let effects = ch(&mut app, 'y');
    let rows: Vec<usize> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Start {
                row,
                kind: OpKind::Publish,
                ..
            } => Some(*row),
            _ => None,
        })
        .collect();
    assert_eq!(rows, [0, 1, 2]);
    assert!(app.rows.iter().all(|r| !r.marked), "the marks are used up");

    // `*` marks every visible offer; go live goes only where it can, and says where not.
    ch(&mut app, '*');
    assert!(app.rows.iter().all(|r| r.marked));
    app.update(
        Msg::StatusLoaded {
            row: 8,
            result: Ok(offerdeck::domain::Observation {
                status: Status::WaitingForPublisherReview,
                ..Default::default()
            }),
        },
        t0(),
    );
    ch(&mut app, 'L');
    let Overlay::Confirm(confirm) = &app.overlay else {
        panic!("{:?}", app.overlay);
    };
    assert_eq!(confirm.row, 8);
    assert!(confirm.more.is_empty());
    assert_eq!(confirm.skipped.len(), 8, "{:?}", confirm.skipped);
    key(&mut app, KeyCode::Esc);
    // `*` again unmarks them all.
    ch(&mut app, '*');
    assert!(app.rows.iter().all(|r| !r.marked));
}

#[test]
fn y_copies_what_the_menu_offers_and_o_opens_the_offers_page() {
    let mut app = app();
    let op = record(OpKind::Publish, "p1", Status::Running);
    publish_selected(&mut app);
    app.update(
        Msg::Started {
            row: 0,
            kind: OpKind::Publish,
            result: started(&op),
        },
        t0(),
    );
    ch(&mut app, 'y');
    let Overlay::Copy(menu) = &app.overlay else {
        panic!("{:?}", app.overlay);
    };
    let labels: Vec<&str> = menu.items.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["offer id", "operation URL"]);
    ch(&mut app, 'j');
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(effects, [Effect::Copy(op.pointer.to_string())]);
    assert!(
        app.toasts
            .iter()
            .any(|t| t.text == "copied the operation URL")
    );
    assert_eq!(app.overlay, Overlay::None);

    // A Product Ingestion offer opens its product's overview in Partner Center.
    let alpha = app
        .rows
        .iter()
        .position(|r| r.id.offer() == "alpha")
        .unwrap();
    app.selected = app.visible.iter().position(|&i| i == alpha).unwrap();
    assert!(
        ch(&mut app, 'o').is_empty(),
        "its product id is not known yet"
    );
    app.update(
        Msg::StatusLoaded {
            row: alpha,
            result: Ok(offerdeck::domain::Observation {
                status: Status::NeverPublished,
                product_guid: Some("6f1c2d3e-4a5b-4c6d-8e7f-000000000001".into()),
                ..Default::default()
            }),
        },
        t0(),
    );
    let effects = ch(&mut app, 'o');
    assert_eq!(
        effects,
        [Effect::Open(
            "https://partner.microsoft.com/dashboard/commercial-marketplace/offers/6f1c2d3e-4a5b-4c6d-8e7f-000000000001/overview".into()
        )]
    );
    // Without a desktop: shown and copied.
    let effects = app.update(
        Msg::OpenFailed {
            url: "https://x.example/p".into(),
            why: "no desktop and no $BROWSER".into(),
        },
        t0(),
    );
    assert_eq!(effects, [Effect::Copy("https://x.example/p".into())]);

    // With [ui] clipboard = false, y says copying is off.
    app.clipboard = false;
    ch(&mut app, 'y');
    assert_eq!(app.overlay, Overlay::None);
    assert!(app.toasts.iter().any(|t| t.text.contains("copying is off")));
}

#[test]
fn osc52_carries_the_text_as_base64() {
    assert_eq!(
        offerdeck::tui::osc52("contoso/vm\u{1b}]0;x"),
        "\u{1b}]52;c;Y29udG9zby92bRtdMDt4\u{7}"
    );
}

fn mouse(app: &mut App, kind: crossterm::event::MouseEventKind, column: u16, row: u16) {
    app.update(
        Msg::Mouse(crossterm::event::MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
        t0(),
    );
}

#[test]
fn clicks_select_a_double_click_opens_titles_sort_and_the_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEventKind as M};
    let mut app = app();
    app.update(
        Msg::Resize {
            width: 120,
            height: 30,
        },
        t0(),
    );
    // Rows start under the header (2 lines), the border and the titles.
    mouse(&mut app, M::Down(MouseButton::Left), 10, 6);
    assert_eq!(app.selected, 2);
    assert_eq!(app.mode, Mode::Browse);
    mouse(&mut app, M::Down(MouseButton::Left), 10, 6);
    assert_eq!(app.mode, Mode::Detail, "a double click opens the detail");
    key(&mut app, KeyCode::Esc);
    // Below the last row: nothing.
    mouse(&mut app, M::Down(MouseButton::Left), 10, 25);
    assert_eq!(app.selected, 2);
    // The OFFER title sorts by offer; again reverses.
    mouse(&mut app, M::Down(MouseButton::Left), 5, 3);
    assert_eq!(app.sort, offerdeck::tui::state::SortColumn::Offer);
    assert!(!app.sort_reversed);
    mouse(&mut app, M::Down(MouseButton::Left), 5, 3);
    assert!(app.sort_reversed);
    // The wheel moves the selection.
    let before = app.selected;
    mouse(&mut app, M::ScrollDown, 10, 10);
    assert_eq!(app.selected, before + 1);
    mouse(&mut app, M::ScrollUp, 10, 10);
    assert_eq!(app.selected, before);
}

#[test]
fn l_opens_the_event_log_which_filters_as_you_type_and_e_adds_past_errors() {
    use offerdeck::domain::log::{LogEntry, LogKind};
    let mut app = app();
    let effects = ch(&mut app, 'l');
    assert_eq!(effects, [Effect::LoadLog]);
    let entry = |text: &str, error| LogEntry {
        at: t0(),
        kind: LogKind::Call,
        text: text.into(),
        error,
    };
    app.update(
        Msg::LogLoaded(vec![
            entry("GET 200 /api/publishers/contoso/offers · 12 ms", false),
            entry("POST 503 /rp/product-ingestion/configure · 40 ms", true),
        ]),
        t0(),
    );
    ch(&mut app, '/');
    for c in "configure".chars() {
        ch(&mut app, c);
    }
    let Overlay::Log(log) = &app.overlay else {
        panic!("{:?}", app.overlay);
    };
    assert!(log.typing);
    assert_eq!(log.filter.text(), "configure");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, Overlay::None);
    // The error history shows what the history holds besides this session's.
    assert_eq!(ch(&mut app, 'E'), [Effect::LoadLog]);
    assert_eq!(app.past_errors.len(), 1);
}

#[test]
fn go_live_reads_what_it_would_change_while_it_asks_and_d_shows_it_in_the_detail() {
    let mut app = app();
    app.update(
        Msg::StatusLoaded {
            row: 0,
            result: Ok(offerdeck::domain::Observation {
                status: Status::WaitingForPublisherReview,
                ..Default::default()
            }),
        },
        t0(),
    );
    let effects = ch(&mut app, 'L');
    assert!(matches!(&app.overlay, Overlay::Confirm(c) if c.kind == OpKind::GoLive));
    assert!(
        matches!(effects.as_slice(), [Effect::LoadDiff { row: 0, .. }]),
        "{effects:?}"
    );
    let diff = offerdeck::backend::WhatWillChange {
        never_live: false,
        fields: vec![offerdeck::domain::diff::FieldChange {
            path: "version".into(),
            before: Some("3".into()),
            after: Some("4".into()),
        }],
    };
    app.update(
        Msg::DiffLoaded {
            row: 0,
            result: Ok(diff.clone()),
        },
        t0(),
    );
    assert_eq!(
        app.diffs.get(&0),
        Some(&offerdeck::tui::state::DiffState::Ready(diff))
    );
    key(&mut app, KeyCode::Esc);
    // D opens the detail with the comparison (read again).
    let effects = ch(&mut app, 'D');
    assert_eq!(app.mode, Mode::Detail);
    assert!(app.show_diff);
    assert!(matches!(
        effects.as_slice(),
        [Effect::LoadDiff { row: 0, .. }]
    ));
}
