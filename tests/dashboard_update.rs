//! The dashboard's `update` step, driven by messages without a terminal: every transition a
//! user can cause, and what the engine reports (through `common::deck`, which turns what the
//! service answered into the engine's events as the engine's actor does).

mod common;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use common::deck::{Deck, problem};
use offerdeck::api::{ApiError, ServiceError};
use offerdeck::backend::cpp::Observe;
use offerdeck::domain::{
    BackendKind, Observation, OfferId, OpKind, Operation, StartFailure, Status, Step,
};
use offerdeck::engine::start::StartOutcome;
use offerdeck::engine::{Command, EngineEvent, News, Problem};
use offerdeck::tui::msg::{Effect, Msg};
use offerdeck::tui::overlay::Overlay;
use offerdeck::tui::row::{Activity, Standing};
use offerdeck::tui::state::{App, Mode};

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

fn seen(status: Status) -> Observation {
    Observation {
        status,
        ..Default::default()
    }
}

/// The demo offers, every status read a minute before `t0`: none of them was ever published.
fn deck() -> Deck {
    let (mut deck, effects) = Deck::start(
        &config(),
        Vec::new(),
        Vec::new(),
        t0() - chrono::Duration::minutes(1),
    );
    // A status per offer, the history's estimates and the CPP listings (which offers moved).
    assert_eq!(effects.len(), 11);
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Engine(Command::Refresh(_))))
            .count(),
        9
    );
    assert!(effects.contains(&Effect::Engine(Command::LoadEstimates)));
    assert!(effects.contains(&Effect::Engine(Command::ReadListings)));
    for offer in offers(&deck.app) {
        let detail = offerdeck::api::cpp::types::OperationDetail {
            status: Status::NeverPublished.into(),
            ..Default::default()
        };
        deck.status(&offer, Ok(detail.observe(None)));
    }
    deck.now = t0();
    deck
}

/// Every offer, in the config's order.
fn offers(app: &App) -> Vec<OfferId> {
    app.table.rows.iter().map(|r| r.id.clone()).collect()
}

fn key(deck: &mut Deck, code: KeyCode) -> Vec<Effect> {
    deck.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(deck: &mut Deck, c: char) -> Vec<Effect> {
    key(deck, KeyCode::Char(c))
}

fn ctrl(deck: &mut Deck, c: char) -> Vec<Effect> {
    deck.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
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

/// What the engine hears when an operation was started and recorded.
#[allow(clippy::result_large_err)] // a test helper, built once per test
fn started(op: &Operation) -> Result<Option<StartOutcome>, Problem> {
    Ok(Some(StartOutcome {
        operation: op.clone(),
        adopted: false,
        not_recorded: None,
        store_notices: Vec::new(),
    }))
}

fn service_error(status: u16, message: &str) -> Problem {
    problem(ApiError::from_status(ServiceError {
        status,
        message: message.into(),
        ..ServiceError::default()
    }))
}

fn publish_selected(deck: &mut Deck) -> Vec<Effect> {
    assert!(ch(deck, 'p').is_empty());
    ch(deck, 'y')
}

/// Publishes the first offer and has the service accept it: operation `id` runs.
fn publish_running(deck: &mut Deck, id: &str) -> Operation {
    publish_selected(deck);
    let op = record(OpKind::Publish, id, Status::Running);
    deck.accepted(&op);
    op
}

fn last_toast(app: &App) -> String {
    app.toasts
        .last()
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    let theme = offerdeck::tui::theme::Theme {
        color: false,
        ascii: false,
    };
    terminal
        .draw(|f| offerdeck::tui::view::render(app, &theme, f))
        .unwrap();
    terminal.backend().to_string()
}

fn header(app: &App) -> String {
    draw(app, 120, 12)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn publish_asks_then_starts_with_the_configured_emails() {
    let mut deck = deck();
    let vm = id("contoso/contoso-vm");
    assert!(ch(&mut deck, 'p').is_empty());
    let Overlay::Confirm(c) = &deck.app.overlay else {
        panic!("{:?}", deck.app.overlay)
    };
    assert_eq!((&c.offer, c.kind), (&vm, OpKind::Publish));
    assert_eq!(c.emails, vec!["ops@contoso.com", "release@contoso.com"]);
    // n sends nothing.
    assert!(ch(&mut deck, 'n').is_empty());
    assert_eq!(deck.app.overlay, Overlay::None);
    let effects = publish_selected(&mut deck);
    assert_eq!(
        effects,
        vec![Effect::Engine(Command::Start {
            offer: vm.clone(),
            kind: OpKind::Publish,
            emails: vec!["ops@contoso.com".into(), "release@contoso.com".into()],
            retry: false,
        })]
    );
    let row = deck.app.table.row(&vm).unwrap();
    assert_eq!(row.truth.activity, Activity::Submitting(OpKind::Publish));
    assert_eq!(row.state(), Standing::Submitting(OpKind::Publish));
    // A second publish while one is in flight is refused.
    assert!(ch(&mut deck, 'p').is_empty());
    assert_eq!(deck.app.overlay, Overlay::None);
    assert!(last_toast(&deck.app).contains("already in flight"));
}

#[test]
fn an_accepted_publish_is_followed_to_signoff_then_go_live() {
    let mut deck = deck();
    publish_selected(&mut deck);
    let rec = record(OpKind::Publish, "1", Status::NotStarted);
    // The engine follows what it started: nothing more for the dashboard to ask.
    let effects = deck.accepted(&rec);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(deck.app.table.rows[0].truth.activity, Activity::Following);
    assert!(deck.app.is_animating());

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
    deck.polled(&running, std::time::Duration::from_secs(15));
    assert_eq!(
        deck.app.table.rows[0].state(),
        Standing::Running(OpKind::Publish)
    );
    assert_eq!(deck.app.table.rows[0].progress(), Some(40));
    // L before sign-off is refused.
    ch(&mut deck, 'L');
    assert_eq!(deck.app.overlay, Overlay::None);

    let mut ready = running;
    ready.seen.status = Status::WaitingForPublisherReview;
    let effects = deck.polled(&ready, std::time::Duration::from_secs(15));
    // People are told: the desktop (the engine tells the webhook and the command).
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Desktop(n)
            if n.message.contains("contoso/contoso-vm: publish is ready for go-live"))),
        "{effects:?}"
    );
    assert_eq!(deck.app.table.rows[0].state(), Standing::ReadyForGoLive);
    assert!(
        deck.app
            .toasts
            .iter()
            .any(|t| t.text.contains("ready for go-live"))
    );
    // The engine reads the offer's status again at its end (its submissions, its live state).
    deck.status(
        &id("contoso/contoso-vm"),
        Ok(seen(Status::WaitingForPublisherReview)),
    );
    assert_eq!(deck.app.table.rows[0].truth.activity, Activity::Idle);
    ch(&mut deck, 'L');
    assert!(matches!(&deck.app.overlay, Overlay::Confirm(c) if c.kind == OpKind::GoLive));
    let effects = ch(&mut deck, 'y');
    assert!(matches!(
        effects.as_slice(),
        [Effect::Engine(Command::Start {
            kind: OpKind::GoLive,
            ..
        })]
    ));
}

#[test]
fn a_rejection_opens_every_detail_and_retry_resends() {
    let mut deck = deck();
    let analytics = id("contoso/contoso-analytics");
    ch(&mut deck, 'j');
    publish_selected(&mut deck);
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
    deck.started(
        &analytics,
        OpKind::Publish,
        Err(problem(ApiError::from_status(se))),
    );
    assert_eq!(
        deck.app.overlay,
        Overlay::Rejection {
            offer: analytics.clone()
        }
    );
    let row = deck.app.table.row(&analytics).unwrap();
    assert_eq!(row.state(), Standing::Rejected(2));
    assert_eq!(row.truth.failed_start.as_ref().unwrap().details.len(), 2);
    assert_eq!(
        deck.app.errors.last().unwrap().correlation_id.as_deref(),
        Some("corr-1")
    );
    // r from the popup asks to publish again.
    ch(&mut deck, 'r');
    assert!(matches!(&deck.app.overlay, Overlay::Confirm(c) if c.retry && c.offer == analytics));
    let effects = ch(&mut deck, 'y');
    assert!(matches!(
        effects.as_slice(),
        [Effect::Engine(Command::Start {
            offer,
            kind: OpKind::Publish,
            retry: true,
            ..
        })] if *offer == analytics
    ));
    let mut rec = record(OpKind::Publish, "2", Status::NotStarted);
    rec.offer = analytics.clone();
    rec.started_at = t0() + chrono::Duration::seconds(1);
    deck.accepted(&rec);
    let row = deck.app.table.row(&analytics).unwrap();
    assert!(row.truth.failed_start.is_none());
    assert_eq!(row.state(), Standing::Running(OpKind::Publish));
}

#[test]
fn a_failure_shows_its_reason_in_the_row_and_a_toast() {
    let mut deck = deck();
    deck.app.bell = true;
    let rec = publish_running(&mut deck, "u1");
    let mut failed = rec;
    failed.seen.status = Status::Failed;
    failed.seen.failure =
        Some("No virtual machine image was found for the plan gateway-byol.".into());
    let effects = deck.polled(&failed, std::time::Duration::from_secs(15));
    assert!(effects.contains(&Effect::Bell));
    assert_eq!(deck.app.table.rows[0].state(), Standing::Failed);
    assert_eq!(
        deck.app.table.rows[0].failure(),
        Some("No virtual machine image was found for the plan gateway-byol.")
    );
    assert!(last_toast(&deck.app).contains("No virtual machine image"));
    // Retry is allowed now.
    ch(&mut deck, 'r');
    assert!(matches!(&deck.app.overlay, Overlay::Confirm(c) if c.retry));
}

#[test]
fn cancel_only_when_something_runs() {
    let mut deck = deck();
    ch(&mut deck, 'c');
    assert_eq!(deck.app.overlay, Overlay::None);
    assert!(last_toast(&deck.app).contains("nothing is running"));
    publish_running(&mut deck, "u1");
    ch(&mut deck, 'c');
    assert!(matches!(&deck.app.overlay, Overlay::Confirm(c) if c.kind == OpKind::Cancel));
    let effects = ch(&mut deck, 'y');
    assert!(matches!(
        effects.as_slice(),
        [Effect::Engine(Command::Start {
            kind: OpKind::Cancel,
            ..
        })]
    ));
}

#[test]
fn a_cancel_is_a_request_on_the_running_publish_which_then_ends_canceled() {
    let mut deck = deck();
    let vm = id("contoso/contoso-vm");
    let publish = publish_running(&mut deck, "p1");
    assert_eq!(deck.app.table.rows[0].truth.activity, Activity::Following);
    ch(&mut deck, 'c');
    ch(&mut deck, 'y');
    // While the cancel is on its way (a throttled one waits out its Retry-After), the row says
    // so, and the publish is still followed.
    let asking = deck.book.submitting(&vm, OpKind::Cancel);
    deck.feed(asking);
    assert_eq!(deck.app.table.rows[0].state().label(), "asking to cancel");
    assert_eq!(deck.app.table.rows[0].truth.activity, Activity::Following);
    // The service names the publish itself; it stays followed, and no second follower starts.
    let mut asked = publish.clone();
    asked.cancel_requested_at = Some(t0());
    let effects = deck.started(&vm, OpKind::Cancel, started(&asked));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(
        deck.app.table.rows[0].truth.op.as_ref().unwrap().kind,
        OpKind::Publish
    );
    assert_eq!(deck.app.table.rows[0].truth.activity, Activity::Following);
    assert_eq!(deck.app.table.rows[0].state(), Standing::Canceling);
    assert_eq!(deck.app.table.rows[0].state().label(), "canceling");
    // A poll says nothing of the cancel: the row keeps knowing it was asked for.
    let mut polled = publish.clone();
    polled.seen.progress = 30;
    deck.polled(&polled, std::time::Duration::from_secs(15));
    assert_eq!(deck.app.table.rows[0].state(), Standing::Canceling);
    let mut canceled = publish;
    canceled.seen.status = Status::Canceled;
    deck.polled(&canceled, std::time::Duration::from_secs(15));
    assert_eq!(deck.app.table.rows[0].state(), Standing::Canceled);
    assert!(
        deck.app.table.rows[0]
            .truth
            .op
            .as_ref()
            .unwrap()
            .succeeded()
    );
    assert!(last_toast(&deck.app).contains("canceled, as requested"));
    // Nothing running any more when the cancel arrives: said, and nothing is followed.
    let effects = deck.started(&vm, OpKind::Cancel, Ok(None));
    assert!(effects.is_empty());
    assert!(last_toast(&deck.app).contains("nothing to cancel"));
    assert_eq!(deck.app.table.rows[0].truth.activity, Activity::Idle);
}

#[test]
fn email_editor_refuses_a_bad_address_and_saves_a_good_list() {
    let mut deck = deck();
    let vm = id("contoso/contoso-vm");
    ch(&mut deck, 'e');
    let Mode::EditEmails(form) = &deck.app.mode else {
        panic!()
    };
    assert_eq!(form.input.text(), "ops@contoso.com, release@contoso.com");
    for c in ", oops".chars() {
        ch(&mut deck, c);
    }
    assert!(key(&mut deck, KeyCode::Enter).is_empty(), "nothing saved");
    let Mode::EditEmails(form) = &deck.app.mode else {
        panic!()
    };
    assert!(
        form.error.as_deref().unwrap().contains("\"oops\""),
        "{:?}",
        form.error
    );
    for c in "@contoso.com".chars() {
        ch(&mut deck, c);
    }
    key(&mut deck, KeyCode::Home);
    key(&mut deck, KeyCode::Delete);
    ch(&mut deck, 'O');
    let effects = key(&mut deck, KeyCode::Enter);
    let expected = vec![
        "Ops@contoso.com".to_string(),
        "release@contoso.com".into(),
        "oops@contoso.com".into(),
    ];
    assert_eq!(
        effects,
        vec![Effect::SaveEmails {
            offer: vm.clone(),
            emails: expected.clone()
        }]
    );
    deck.update(Msg::EmailsSaved {
        offer: vm.clone(),
        result: Ok(expected.clone()),
    });
    assert_eq!(deck.app.mode, Mode::Browse);
    assert_eq!(deck.app.table.rows[0].emails, expected);
    // Esc leaves the list as it was.
    ch(&mut deck, 'e');
    ch(&mut deck, 'x');
    key(&mut deck, KeyCode::Esc);
    assert_eq!(deck.app.mode, Mode::Browse);
    assert_eq!(deck.app.table.rows[0].emails, expected);
}

#[test]
fn filter_narrows_live_and_selection_follows_the_offer() {
    let mut deck = deck();
    ch(&mut deck, 'j');
    ch(&mut deck, 'j');
    assert_eq!(deck.app.table.selected_row(), Some(2));
    ch(&mut deck, '/');
    assert_eq!(deck.app.mode, Mode::Filter);
    for c in "fabrikam-".chars() {
        ch(&mut deck, c);
    }
    assert_eq!(deck.app.table.visible, vec![3, 4, 5]);
    key(&mut deck, KeyCode::Enter);
    assert_eq!(deck.app.mode, Mode::Browse);
    assert_eq!(deck.app.table.visible.len(), 3, "Enter keeps the filter");
    ch(&mut deck, 'G');
    assert_eq!(deck.app.table.selected_row(), Some(5));
    // A status update re-filters without moving the cursor off the offer.
    let db = deck.app.table.rows[3].id.clone();
    let failed = offerdeck::api::cpp::types::OperationDetail {
        status: Status::Failed.into(),
        ..Default::default()
    };
    deck.status(&db, Ok(failed.observe(None)));
    assert_eq!(deck.app.table.selected_row(), Some(5));
    key(&mut deck, KeyCode::Esc);
    assert_eq!(deck.app.table.visible.len(), 9, "Esc clears it");
    assert_eq!(deck.app.table.selected_row(), Some(5));
    // Filtering on status words works too.
    ch(&mut deck, '/');
    for c in "failed".chars() {
        ch(&mut deck, c);
    }
    assert_eq!(deck.app.table.visible, vec![3]);
}

#[test]
fn news_never_takes_the_selected_offer_off_screen_only_the_user_does() {
    let mut deck = deck();
    // `/never` keeps the offers never published; the cursor on the second of them.
    ch(&mut deck, '/');
    for c in "never".chars() {
        ch(&mut deck, c);
    }
    key(&mut deck, KeyCode::Enter);
    let before = deck.app.table.visible.clone();
    assert!(before.len() >= 3, "{before:?}");
    ch(&mut deck, 'j');
    let chosen = deck.app.table.rows[deck.app.table.selected_row().unwrap()]
        .id
        .clone();
    // Its status changes to one the filter leaves out: it stays under the cursor, said so.
    let failed = offerdeck::api::cpp::types::OperationDetail {
        status: Status::Failed.into(),
        ..Default::default()
    };
    deck.status(&chosen, Ok(failed.observe(None)));
    let selected = deck.app.table.selected_row().unwrap();
    assert_eq!(deck.app.table.rows[selected].id, chosen);
    assert!(deck.app.table.is_kept(&chosen));
    let screen = draw(&deck.app, 80, 24);
    assert!(
        screen.contains("no longer matches /never: shown while selected"),
        "why the row is still there:\n{screen}"
    );
    // The user moves on: it goes, and the cursor is on the row the user moved to.
    ch(&mut deck, 'j');
    assert!(!deck.app.table.is_kept(&chosen));
    let now = deck.app.table.selected_row().unwrap();
    assert_eq!(now, before[2], "the row after it");
    assert!(
        !deck
            .app
            .table
            .visible
            .iter()
            .any(|&i| deck.app.table.rows[i].id == chosen)
    );
}

#[test]
fn quitting_asks_while_operations_run_and_ctrl_c_always_quits() {
    let mut deck = deck();
    publish_selected(&mut deck);
    assert!(ch(&mut deck, 'q').is_empty());
    assert_eq!(deck.app.overlay, Overlay::QuitConfirm { in_flight: 1 });
    key(&mut deck, KeyCode::Esc);
    assert!(!deck.app.quit);
    ch(&mut deck, 'q');
    assert_eq!(ch(&mut deck, 'y'), vec![Effect::Quit]);
    assert!(deck.app.quit);

    let mut deck2 = self::deck();
    ch(&mut deck2, 'e');
    assert_eq!(ctrl(&mut deck2, 'c'), vec![Effect::Quit]);
    let mut idle = self::deck();
    assert_eq!(ch(&mut idle, 'q'), vec![Effect::Quit]);
}

#[test]
fn unfinished_operations_are_resumed_at_start() {
    let mut unfinished = vec![record(OpKind::Publish, "u-vm", Status::Running)];
    let mut other = record(OpKind::Publish, "u-other", Status::Running);
    other.offer = id("adatum/not-in-config");
    unfinished.push(other);
    let (deck, effects) = Deck::start(&config(), unfinished, Vec::new(), t0());
    // The engine follows both; the dashboard reads the statuses of the others.
    assert_eq!(
        effects.len(),
        10,
        "8 statuses to load, the history's estimates, the listings: {effects:?}"
    );
    assert!(!effects.iter().any(
        |e| matches!(e, Effect::Engine(Command::Refresh(o)) if *o == id("contoso/contoso-vm"))
    ));
    let app = &deck.app;
    assert_eq!(app.table.rows.len(), 10);
    assert!(app.table.rows[9].unconfigured);
    assert_eq!(app.table.rows[9].id, id("adatum/not-in-config"));
    assert_eq!(app.table.rows[0].truth.activity, Activity::Following);
    assert_eq!(app.table.rows[9].truth.activity, Activity::Following);
    assert!(app.toasts[0].text.contains("resumed 2"));
}

#[test]
fn stale_polls_and_poll_errors() {
    let mut deck = deck();
    let vm = id("contoso/contoso-vm");
    publish_selected(&mut deck);
    let mut newer = record(OpKind::Publish, "new", Status::Running);
    newer.started_at = t0() + chrono::Duration::seconds(10);
    deck.accepted(&newer);
    // A late poll of an older operation changes nothing.
    let old = record(OpKind::Publish, "old", Status::Failed);
    deck.polled(&old, std::time::Duration::from_secs(15));
    assert_eq!(
        deck.app.table.rows[0]
            .truth
            .op
            .as_ref()
            .unwrap()
            .operation_id(),
        "new"
    );
    assert_eq!(
        deck.app.table.rows[0].state(),
        Standing::Running(OpKind::Publish)
    );
    let current = deck.app.table.rows[0].truth.op.clone().unwrap();
    for _ in 0..2 {
        deck.retrying(
            &current,
            "service error: HTTP 503",
            std::time::Duration::from_secs(4),
        );
    }
    assert_eq!(deck.app.table.rows[0].state(), Standing::Retrying(2));
    let gave_up = ApiError::Unreachable {
        url: "x".into(),
        attempts: 5,
        reason: "refused".into(),
    };
    deck.stopped(&current, problem(gave_up), false);
    assert_eq!(deck.app.table.rows[0].truth.activity, Activity::Idle);
    assert!(last_toast(&deck.app).contains("goes on at the service"));
    // Not followed any more: said so, and not in flight (p and r work again).
    assert_eq!(deck.app.table.rows[0].state(), Standing::Lost);
    assert!(!deck.app.table.rows[0].in_flight());
    // Ctrl-r asks the engine to look again: the operation, and the store.
    let effects = ctrl(&mut deck, 'r');
    assert!(
        effects.contains(&Effect::Engine(Command::Recheck(vm.clone()))),
        "{effects:?}"
    );
    assert!(effects.contains(&Effect::Engine(Command::Reload)));
    // The engine follows it again (the service may still know it).
    let again = deck.book.retake(&vm).expect("followed again");
    assert_eq!(again.pointer, current.pointer);
    assert!(again.lost.is_none() && !again.finished);
}

#[test]
fn an_idle_dashboard_does_not_tick() {
    let mut deck = deck();
    assert!(
        !deck.app.is_animating(),
        "statuses loaded, no toast: no timer runs"
    );
    ch(&mut deck, 'c');
    assert!(deck.app.is_animating(), "a toast needs ticks to expire");
    // Toasts expire with ticks; then nothing animates.
    deck.now = t0() + chrono::Duration::seconds(30);
    deck.update(Msg::Tick);
    assert!(!deck.app.is_animating());
    assert!(deck.app.take_dirty());
    assert!(!deck.app.take_dirty());
}

#[test]
fn the_page_stays_put_while_the_cursor_moves() {
    let mut deck = deck();
    // 9 offers, 3 rows fit: moving down scrolls only once the cursor leaves the page.
    deck.update(Msg::Resize {
        width: 120,
        height: 9,
    });
    let app = |d: &Deck| (d.app.table.selected, d.app.table.scroll);
    assert_eq!(deck.app.table.viewport_rows, 3);
    ch(&mut deck, 'j');
    ch(&mut deck, 'j');
    assert_eq!(app(&deck), (2, 0));
    ch(&mut deck, 'j');
    assert_eq!(app(&deck), (3, 1));
    ch(&mut deck, 'k');
    ch(&mut deck, 'k');
    assert_eq!(app(&deck), (1, 1));
    ch(&mut deck, 'G');
    assert_eq!(app(&deck), (8, 6));
    ch(&mut deck, 'g');
    assert_eq!(app(&deck), (0, 0));
}

#[test]
fn ctrl_r_picks_up_operations_started_elsewhere() {
    let mut deck = deck();
    let effects = ctrl(&mut deck, 'r');
    assert!(effects.contains(&Effect::Engine(Command::Reload)));
    // A headless `publish` recorded an operation meanwhile.
    let mut headless = record(OpKind::Publish, "from-cli", Status::Running);
    headless.offer = id("contoso/contoso-gateway");
    let effects = deck.reloaded(vec![headless]);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(deck.app.table.rows[2].truth.activity, Activity::Following);
    assert_eq!(
        deck.app.table.rows[2].state(),
        Standing::Running(OpKind::Publish)
    );
    assert!(last_toast(&deck.app).contains("following 1 operation(s) started elsewhere"));
    // Read again: the row already follows it, nothing new starts.
    let toasts = deck.app.toasts.len();
    let mut again = record(OpKind::Publish, "from-cli", Status::Running);
    again.offer = id("contoso/contoso-gateway");
    assert!(deck.reloaded(vec![again]).is_empty());
    assert_eq!(deck.app.toasts.len(), toasts);
}

#[test]
fn operations_started_by_someone_else_are_found_and_followed() {
    let (mut deck, _) = Deck::start(&config(), Vec::new(), Vec::new(), t0());
    let db = id("fabrikam/fabrikam-db");
    let running = offerdeck::api::cpp::types::OperationDetail {
        status: Status::Running.into(),
        ..Default::default()
    };
    // The status says something runs that nothing follows: the engine looks for it.
    deck.status(&db, Ok(running.observe(None)));
    assert_eq!(deck.looked_for, vec![db.clone()]);
    let mut found = record(OpKind::Publish, "found", Status::NotStarted);
    found.offer = db.clone();
    let effects = deck.discovered(&found);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(
        deck.app.table.row(&db).unwrap().truth.activity,
        Activity::Following
    );
    assert!(last_toast(&deck.app).contains("already running at the service"));
    // A status that says nothing runs starts no search.
    let idle = offerdeck::api::cpp::types::OperationDetail {
        status: Status::Succeeded.into(),
        ..Default::default()
    };
    assert!(
        deck.status(&id("fabrikam/fabrikam-ml"), Ok(idle.observe(None)))
            .is_empty()
    );
    assert_eq!(deck.looked_for, vec![db]);
}

#[test]
fn a_store_that_cannot_record_is_said_on_screen() {
    let mut deck = deck();
    let vm = id("contoso/contoso-vm");
    publish_selected(&mut deck);
    let op = record(OpKind::Publish, "p1", Status::Running);
    let errors_before = deck.app.errors.len();
    deck.started(
        &vm,
        OpKind::Publish,
        Ok(Some(StartOutcome {
            operation: op.clone(),
            adopted: false,
            not_recorded: Some(offerdeck::store::StoreError {
                path: "/data/operations.json".into(),
                message: "No space left on device".into(),
            }),
            store_notices: Vec::new(),
        })),
    );
    let last = deck.app.errors.last().unwrap();
    assert!(last.message.contains("could not be recorded"), "{last:?}");
    assert!(
        last.message.contains(&format!(
            "offerdeck watch {} --url http://127.0.0.1:1/op/p1",
            deck.app.table.rows[0].id
        )),
        "{last:?}"
    );
    assert!(
        deck.app
            .toasts
            .iter()
            .any(|t| t.text.contains("No space left"))
    );
    // A follower that cannot save its progress says so too, in a toast and the history.
    deck.feed(vec![EngineEvent::News {
        offer: Some(vm.clone()),
        news: News::StoreProblem("progress not recorded: disk full".into()),
    }]);
    assert_eq!(deck.app.errors.len(), errors_before + 2);
    assert!(last_toast(&deck.app).contains("progress not recorded"));
    deck.feed(vec![EngineEvent::News {
        offer: None,
        news: News::StoreProblem("the state store was moved aside".into()),
    }]);
    assert!(last_toast(&deck.app).starts_with("state store:"));
}

#[test]
fn a_long_wait_for_the_service_shows_until_when() {
    let mut deck = deck();
    publish_running(&mut deck, "p1");
    let until = t0() + chrono::Duration::seconds(600);
    // A wait on the offer's own requests is said on its row.
    deck.waited(&offerdeck::api::http::transport::WaitNotice {
        url: url::Url::parse(
            "http://127.0.0.1:1/api/publishers/contoso/offers/contoso-vm/operations/p1",
        )
        .unwrap(),
        wait: std::time::Duration::from_secs(600),
        until,
        reason: "HTTP 429, Retry-After".into(),
    });
    assert!(deck.app.is_animating());
    assert!(matches!(
        deck.app.table.rows[0].state(),
        Standing::Retrying(1)
    ));
    let text = deck.app.table.rows[0]
        .truth
        .retrying
        .clone()
        .unwrap()
        .reason;
    assert!(
        text.starts_with("waiting until ") && text.contains("HTTP 429"),
        "{text}"
    );
    assert_eq!(
        deck.app.table.rows[0]
            .truth
            .retrying
            .as_ref()
            .unwrap()
            .until,
        Some(until)
    );
    // A wait on a request about no offer is said in the header, with until when.
    deck.waited(&offerdeck::api::http::transport::WaitNotice {
        url: url::Url::parse("http://127.0.0.1:1/api/publishers/contoso/offers").unwrap(),
        wait: std::time::Duration::from_secs(600),
        until,
        reason: "HTTP 429, Retry-After".into(),
    });
    let (_, text) = deck.app.waiting.clone().unwrap();
    assert!(
        text.starts_with("waiting until ") && text.contains("HTTP 429"),
        "{text}"
    );
    assert!(header(&deck.app).contains("waiting until"));
    // Once the time has passed, the header forgets it.
    deck.now = until + chrono::Duration::seconds(1);
    deck.update(Msg::Tick);
    assert!(deck.app.waiting.is_none());
}

#[test]
fn a_second_q_quits_and_an_unknown_key_points_to_help() {
    let mut deck = deck();
    assert!(ch(&mut deck, 'z').is_empty());
    assert_eq!(last_toast(&deck.app), "unknown key z — ? for help");
    publish_selected(&mut deck);
    ch(&mut deck, 'q');
    assert!(matches!(deck.app.overlay, Overlay::QuitConfirm { .. }));
    assert_eq!(ch(&mut deck, 'q'), vec![Effect::Quit]);
    assert!(deck.app.quit);
}

#[test]
fn the_email_editor_behaves_like_a_readline_field() {
    let mut deck = deck();
    ch(&mut deck, 'e');
    let text = |deck: &Deck| match &deck.app.mode {
        Mode::EditEmails(f) => f.input.text(),
        other => panic!("{other:?}"),
    };
    // "ops@contoso.com, release@contoso.com": Ctrl-W deletes the last address, not a 'w'.
    ctrl(&mut deck, 'w');
    assert_eq!(text(&deck), "ops@contoso.com, ");
    ctrl(&mut deck, 'a');
    ch(&mut deck, '>');
    assert_eq!(text(&deck), ">ops@contoso.com, ");
    ctrl(&mut deck, 'k');
    assert_eq!(text(&deck), ">");
    ctrl(&mut deck, 'e');
    ctrl(&mut deck, 'u');
    assert_eq!(text(&deck), "", "Ctrl-U clears, and never types a u");
    // Empty is refused by name; an offending character is named with its place.
    assert!(key(&mut deck, KeyCode::Enter).is_empty());
    let error = |deck: &Deck| match &deck.app.mode {
        Mode::EditEmails(f) => f.error.clone().unwrap_or_default(),
        other => panic!("{other:?}"),
    };
    assert!(
        error(&deck).contains("the list is empty"),
        "{}",
        error(&deck)
    );
    for c in "josé@x.com".chars() {
        ch(&mut deck, c);
    }
    assert!(key(&mut deck, KeyCode::Enter).is_empty());
    assert!(error(&deck).contains("'é' at 4"), "{}", error(&deck));
}

#[test]
fn a_publish_that_was_not_sent_leaves_a_trace_on_its_row() {
    let mut deck = deck();
    let vm = id("contoso/contoso-vm");
    publish_selected(&mut deck);
    let se = ServiceError {
        status: 503,
        code: None,
        message: "service unavailable".into(),
        details: Vec::new(),
        correlation_id: Some("corr-9".into()),
        service: None,
    };
    deck.started(
        &vm,
        OpKind::Publish,
        Err(problem(ApiError::from_status(se))),
    );
    let row = &deck.app.table.rows[0];
    assert_eq!(row.state(), Standing::NotSent(OpKind::Publish));
    assert_eq!(row.state().label(), "publish not sent");
    assert!(
        row.truth
            .failed_start
            .as_ref()
            .unwrap()
            .message
            .contains("HTTP 503")
    );
    // Until the next action: a retry is allowed, and an accepted publish clears it.
    ch(&mut deck, 'r');
    assert!(matches!(&deck.app.overlay, Overlay::Confirm(c) if c.retry));
    ch(&mut deck, 'y');
    let mut op = record(OpKind::Publish, "p2", Status::Running);
    op.started_at = t0() + chrono::Duration::seconds(5);
    deck.accepted(&op);
    assert_eq!(
        deck.app.table.rows[0].state(),
        Standing::Running(OpKind::Publish)
    );
}

#[test]
fn an_operation_that_cannot_be_followed_any_more_never_leaves_a_row_stuck() {
    let mut deck = deck();
    let op = publish_running(&mut deck, "gone");
    deck.stopped(
        &op,
        service_error(404, "Operation gone was not found."),
        true,
    );
    let row = &deck.app.table.rows[0];
    assert_eq!(row.state(), Standing::Lost);
    assert_eq!(row.state().label(), "not followed");
    assert!(!row.in_flight());
    assert_eq!(deck.app.in_flight(), 0);
    assert!(last_toast(&deck.app).contains("not followed any more"));
    // p works again.
    ch(&mut deck, 'p');
    assert!(matches!(&deck.app.overlay, Overlay::Confirm(c) if c.kind == OpKind::Publish));
}

/// How often CPP operations are polled at most (the demo config says 2 s).
fn cpp_floor(app: &App) -> chrono::Duration {
    app.poll_floors
        .iter()
        .find(|(k, _)| *k == BackendKind::Cpp)
        .map(|(_, f)| *f)
        .unwrap()
}

#[test]
fn staleness_is_visible_and_idle_offers_are_read_again() {
    let mut deck = deck();
    let gateway = id("contoso/contoso-gateway");
    // The service stops answering: the header knows since when; any good answer clears it.
    deck.status(
        &gateway,
        Err(problem(ApiError::Unreachable {
            url: "http://127.0.0.1:9/".into(),
            attempts: 5,
            reason: "connection refused".into(),
        })),
    );
    deck.call(BackendKind::Cpp, false);
    assert_eq!(deck.app.unreachable, vec![(BackendKind::Cpp, t0())]);
    let later = t0() + chrono::Duration::seconds(30);
    deck.now = later;
    deck.call(BackendKind::Cpp, true);
    deck.status(&gateway, Ok(seen(Status::NeverPublished)));
    assert!(deck.app.unreachable.is_empty());
    // The header's age needs a redraw each second for a minute, then each minute.
    assert_eq!(
        deck.app.next_change_in(),
        Some(std::time::Duration::from_secs(1))
    );
    deck.now = later + chrono::Duration::seconds(75);
    deck.update(Msg::Tick);
    assert_eq!(
        deck.app.next_change_in(),
        Some(std::time::Duration::from_secs(45))
    );
    // On the slow cadence, idle rows are read again and the store is looked at.
    deck.now = later + chrono::Duration::seconds(300);
    let effects = deck.update(Msg::RefreshDue);
    assert_eq!(
        effects,
        vec![
            Effect::Engine(Command::RefreshIdle),
            Effect::Engine(Command::Reload)
        ]
    );
    // A followed row with no good answer for three poll intervals is stale.
    deck.now = t0();
    let op = publish_running(&mut deck, "p1");
    let floor = cpp_floor(&deck.app);
    assert!(!deck.app.is_stale(&deck.app.table.rows[0]));
    deck.now = t0() + floor * 4;
    deck.update(Msg::Tick);
    assert!(deck.app.is_stale(&deck.app.table.rows[0]));
    deck.app.take_dirty();
    deck.polled(&op, std::time::Duration::from_secs(15));
    assert!(
        !deck.app.is_stale(&deck.app.table.rows[0]),
        "a poll that changed nothing is fresh too"
    );
    assert!(
        deck.app.take_dirty(),
        "the row was stale: it shows fresh now"
    );
    deck.now = t0() + floor * 5;
    deck.polled(&op, std::time::Duration::from_secs(15));
    assert!(
        !deck.app.is_dirty(),
        "a poll that changes nothing on screen draws nothing"
    );
    // A retry of a poll shows as retrying on the row.
    deck.now = t0() + floor * 4;
    deck.waited(&offerdeck::api::http::transport::WaitNotice {
        url: url::Url::parse(
            "http://127.0.0.1:1/api/publishers/contoso/offers/contoso-vm/operations/p1",
        )
        .unwrap(),
        wait: std::time::Duration::from_millis(300),
        until: t0(),
        reason: "HTTP 503".into(),
    });
    assert_eq!(deck.app.table.rows[0].state(), Standing::Retrying(1));
    assert!(
        deck.app.waiting.is_none(),
        "a short wait is shown on its row only"
    );
}

#[test]
fn an_ingestion_offer_has_no_e_mails_to_edit_and_its_confirm_says_who_is_notified() {
    // The demo config has offers on both APIs.
    let mut deck = deck();
    let row = deck
        .app
        .table
        .rows
        .iter()
        .position(|r| r.backend == BackendKind::Ingestion)
        .unwrap();
    deck.app.table.selected = deck
        .app
        .table
        .visible
        .iter()
        .position(|&r| r == row)
        .unwrap();

    ch(&mut deck, 'e');
    assert!(
        !matches!(deck.app.mode, Mode::EditEmails(_)),
        "no editor opens"
    );
    let toast = last_toast(&deck.app);
    assert!(toast.contains("no e-mails to edit"), "{toast}");

    ch(&mut deck, 'p');
    match &deck.app.overlay {
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
    let (mut deck, _) = Deck::start(&config, Vec::new(), Vec::new(), t0());
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
    for op in [&job, &cpp] {
        deck.accepted(op);
    }
    deck.now = t0() + chrono::Duration::seconds(30);
    deck.update(Msg::Tick);
    let app = &deck.app;
    assert!(
        app.is_stale(app.table.row(&id("contoso/contoso-vm")).unwrap()),
        "30 s is 15 CPP intervals"
    );
    assert!(
        !app.is_stale(app.table.row(&id("fabrikam/alpha")).unwrap()),
        "30 s is half an ingestion interval"
    );
}

#[test]
fn a_row_whose_follower_waits_longer_is_not_stale_before_its_next_poll() {
    // Polls follow the work: while certification has days to go, the follower says it looks
    // again in five minutes, and the row is fresh until that look is overdue.
    let mut deck = deck();
    let op = publish_running(&mut deck, "p1");
    deck.polled(&op, std::time::Duration::from_secs(300));
    deck.now = t0() + chrono::Duration::minutes(4);
    deck.update(Msg::Tick);
    assert!(
        !deck.app.is_stale(&deck.app.table.rows[0]),
        "the next poll is not due"
    );
    deck.now = t0() + chrono::Duration::minutes(5) + cpp_floor(&deck.app) * 3;
    deck.update(Msg::Tick);
    assert!(
        deck.app.is_stale(&deck.app.table.rows[0]),
        "the next poll is overdue"
    );
}

fn listed(offer: &str, name: &str) -> offerdeck::backend::ListedOffer {
    offerdeck::backend::ListedOffer {
        id: id(offer),
        name: name.into(),
        status: Status::NeverPublished,
        offer_type: offerdeck::domain::OfferType::from_service("azureVirtualMachine"),
        portal_url: None,
        migrated: false,
        unusable: None,
    }
}

#[test]
fn the_picker_lists_what_the_table_lacks_and_adds_the_marked_offers_as_rows() {
    let mut deck = deck();
    let rows_before = deck.app.table.rows.len();
    let effects = ch(&mut deck, 'a');
    let Some(Effect::Engine(Command::ListAvailable(publishers))) = effects.first() else {
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
    assert!(matches!(&deck.app.overlay, Overlay::Picker(p) if p.loading));

    deck.feed(vec![EngineEvent::Available {
        found: vec![
            (BackendKind::Ingestion, listed("fabrikam/alpha", "Alpha")),
            (BackendKind::Ingestion, listed("fabrikam/gamma", "Gamma")),
            (BackendKind::Ingestion, listed("fabrikam/delta", "Delta")),
            (BackendKind::Ingestion, listed("fabrikam/zeta", "Zeta")),
        ],
        errors: vec!["cpp: service unreachable".into()],
    }]);
    let Overlay::Picker(picker) = &deck.app.overlay else {
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
    ch(&mut deck, ' ');
    ch(&mut deck, 'j');
    ch(&mut deck, ' ');
    let effects = key(&mut deck, KeyCode::Enter);
    let Some(Effect::AddOffers(chosen)) = effects.first() else {
        panic!("{effects:?}");
    };
    let chosen_ids: Vec<String> = chosen.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(chosen_ids, ["fabrikam/gamma", "fabrikam/zeta"]);
    assert!(chosen.iter().all(|o| o.backend == BackendKind::Ingestion));

    let effects = deck.update(Msg::OffersAdded(Ok(chosen.clone())));
    assert_eq!(deck.app.overlay, Overlay::None);
    assert_eq!(deck.app.table.rows.len(), rows_before + 2);
    let new_row = deck.app.table.rows.last().unwrap();
    assert_eq!(new_row.id, id("fabrikam/zeta"));
    assert_eq!(new_row.backend, BackendKind::Ingestion);
    // The engine tracks each on its API and reads its status.
    assert_eq!(
        effects,
        vec![
            Effect::Engine(Command::Track(id("fabrikam/gamma"), BackendKind::Ingestion)),
            Effect::Engine(Command::Refresh(id("fabrikam/gamma"))),
            Effect::Engine(Command::Track(id("fabrikam/zeta"), BackendKind::Ingestion)),
            Effect::Engine(Command::Refresh(id("fabrikam/zeta"))),
        ]
    );
    assert!(
        deck.app
            .toasts
            .iter()
            .any(|t| t.text.contains("added fabrikam/gamma"))
    );
}

#[test]
fn a_picker_that_cannot_save_stays_open_and_says_why() {
    let mut deck = deck();
    ch(&mut deck, 'a');
    deck.feed(vec![EngineEvent::Available {
        found: vec![(BackendKind::Cpp, listed("contoso/new-one", "New"))],
        errors: vec![],
    }]);
    // Nothing marked: Enter adds the selected one.
    let effects = key(&mut deck, KeyCode::Enter);
    assert!(matches!(effects.first(), Some(Effect::AddOffers(c)) if c.len() == 1));
    deck.update(Msg::OffersAdded(Err(
        "config.toml: permission denied".into()
    )));
    assert!(matches!(&deck.app.overlay, Overlay::Picker(p) if !p.saving));
    assert!(
        deck.app
            .toasts
            .iter()
            .any(|t| t.text.contains("permission denied"))
    );
    // Esc closes: nothing added.
    key(&mut deck, KeyCode::Esc);
    assert_eq!(deck.app.overlay, Overlay::None);
    assert_eq!(deck.app.table.rows.len(), 9);
}

#[test]
fn read_only_watches_without_any_key_that_changes_the_service() {
    let mut config = config();
    config.ui.read_only = true;
    let (mut deck, _) = Deck::start(&config, Vec::new(), Vec::new(), t0());
    for key_char in ['p', 'L', 'c', 'r'] {
        assert!(
            ch(&mut deck, key_char).is_empty(),
            "{key_char} sent nothing"
        );
        assert_eq!(
            deck.app.overlay,
            Overlay::None,
            "no confirmation for {key_char}"
        );
    }
    assert!(deck.app.toasts.iter().any(|t| t.text.contains("read-only")));
    // Looking around still works.
    ch(&mut deck, 'j');
    key(&mut deck, KeyCode::Enter);
    assert_eq!(deck.app.mode, Mode::Detail);
}

fn visible_ids(app: &App) -> Vec<String> {
    app.table
        .visible
        .iter()
        .map(|&i| app.table.rows[i].id.to_string())
        .collect()
}

#[test]
fn s_cycles_the_sort_and_capital_s_reverses_it_with_the_selection_kept() {
    let mut deck = deck();
    let config_order = visible_ids(&deck.app);
    ch(&mut deck, 'j');
    let selected = deck.app.table.selected_row();
    ch(&mut deck, 's');
    assert_eq!(
        deck.app.table.sort,
        offerdeck::tui::table::SortColumn::Offer
    );
    let mut by_offer = config_order.clone();
    by_offer.sort_by_key(|s| s.to_lowercase());
    assert_eq!(visible_ids(&deck.app), by_offer);
    assert_eq!(
        deck.app.table.selected_row(),
        selected,
        "the same offer stays selected"
    );
    ch(&mut deck, 'S');
    let mut reversed = by_offer.clone();
    reversed.reverse();
    assert_eq!(visible_ids(&deck.app), reversed);
    // Status: problems first (once the table is sorted again: news never moves rows).
    ch(&mut deck, 'S');
    ch(&mut deck, 's');
    let web = deck.app.table.rows[4].id.clone();
    deck.started(&web, OpKind::Publish, Err(service_error(503, "down")));
    assert_ne!(visible_ids(&deck.app)[0], web.to_string());
    assert!(deck.app.table.order_stale);
    ctrl(&mut deck, 'r');
    assert_eq!(visible_ids(&deck.app)[0], web.to_string());
    // Around the cycle, back to the config's order.
    for _ in 0..4 {
        ch(&mut deck, 's');
    }
    assert_eq!(
        deck.app.table.sort,
        offerdeck::tui::table::SortColumn::Config
    );
    assert_eq!(visible_ids(&deck.app), config_order);
}

#[test]
fn saved_views_filter_with_fields_and_negation() {
    let text = format!(
        "{}\n[views]\nready = \"status:ready\"\ncontoso = \"publisher:contoso !analytics\"\npc = \"backend:pc\"\n",
        offerdeck::demo::DEMO_CONFIG
    );
    let config = offerdeck::config::parse(std::path::Path::new("demo.toml"), &text).unwrap();
    let (mut deck, _) = Deck::start(&config, Vec::new(), Vec::new(), t0());
    ch(&mut deck, '2');
    assert_eq!(
        visible_ids(&deck.app),
        ["contoso/contoso-vm", "contoso/contoso-gateway"]
    );
    assert_eq!(deck.app.table.view, Some(1));
    ch(&mut deck, '3');
    assert_eq!(
        visible_ids(&deck.app),
        ["fabrikam/alpha", "fabrikam/beta", "fabrikam/eta"]
    );
    // The same key again clears it.
    ch(&mut deck, '3');
    assert_eq!(deck.app.table.view, None);
    assert_eq!(deck.app.table.visible.len(), 9);
    // A view that does not exist says so.
    ch(&mut deck, '7');
    assert!(deck.app.toasts.iter().any(|t| t.text.contains("no view 7")));
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
    let mut deck = deck();
    // Mark the first three (Space moves down), then publish them all.
    ch(&mut deck, ' ');
    ch(&mut deck, ' ');
    ch(&mut deck, ' ');
    assert_eq!(deck.app.table.rows.iter().filter(|r| r.marked).count(), 3);
    ch(&mut deck, 'p');
    let Overlay::Confirm(confirm) = &deck.app.overlay else {
        panic!("{:?}", deck.app.overlay);
    };
    assert_eq!(confirm.more.len(), 2);
    let effects = ch(&mut deck, 'y');
    let started: Vec<OfferId> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Engine(Command::Start {
                offer,
                kind: OpKind::Publish,
                ..
            }) => Some(offer.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(started, offers(&deck.app)[..3]);
    assert!(
        deck.app.table.rows.iter().all(|r| !r.marked),
        "the marks are used up"
    );

    // `*` marks every visible offer; go live goes only where it can, and says where not.
    ch(&mut deck, '*');
    assert!(deck.app.table.rows.iter().all(|r| r.marked));
    let eta = deck.app.table.rows[8].id.clone();
    deck.status(&eta, Ok(seen(Status::WaitingForPublisherReview)));
    ch(&mut deck, 'L');
    let Overlay::Confirm(confirm) = &deck.app.overlay else {
        panic!("{:?}", deck.app.overlay);
    };
    assert_eq!(confirm.offer, eta);
    assert!(confirm.more.is_empty());
    assert_eq!(confirm.skipped.len(), 8, "{:?}", confirm.skipped);
    key(&mut deck, KeyCode::Esc);
    // `*` again unmarks them all.
    ch(&mut deck, '*');
    assert!(deck.app.table.rows.iter().all(|r| !r.marked));
}

#[test]
fn y_copies_what_the_menu_offers_and_o_opens_the_offers_page() {
    let mut deck = deck();
    let op = record(OpKind::Publish, "p1", Status::Running);
    publish_selected(&mut deck);
    deck.accepted(&op);
    ch(&mut deck, 'y');
    let Overlay::Copy(menu) = &deck.app.overlay else {
        panic!("{:?}", deck.app.overlay);
    };
    let labels: Vec<&str> = menu.items.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["offer id", "operation URL"]);
    ch(&mut deck, 'j');
    let effects = key(&mut deck, KeyCode::Enter);
    assert_eq!(effects, [Effect::Copy(op.pointer.to_string())]);
    assert!(
        deck.app
            .toasts
            .iter()
            .any(|t| t.text == "copied the operation URL")
    );
    assert_eq!(deck.app.overlay, Overlay::None);

    // A Product Ingestion offer opens its product's overview in Partner Center: the engine
    // finds the page (from the product id its status read gave), the dashboard opens it.
    let alpha = id("fabrikam/alpha");
    let at = deck.app.table.index[&alpha];
    deck.app.table.selected = deck
        .app
        .table
        .visible
        .iter()
        .position(|&i| i == at)
        .unwrap();
    let product = Observation {
        status: Status::NeverPublished,
        product_guid: Some("6f1c2d3e-4a5b-4c6d-8e7f-000000000001".into()),
        ..Default::default()
    };
    deck.status(&alpha, Ok(product));
    let effects = ch(&mut deck, 'o');
    assert_eq!(
        effects,
        [Effect::Engine(Command::PortalPage(alpha.clone()))]
    );
    let page = offerdeck::backend::portal_url(
        BackendKind::Ingestion,
        &alpha,
        deck.book.get(&alpha).unwrap().service.as_ref(),
        None,
    );
    assert_eq!(
        page,
        "https://partner.microsoft.com/dashboard/commercial-marketplace/offers/6f1c2d3e-4a5b-4c6d-8e7f-000000000001/overview"
    );
    let effects = deck.feed(vec![EngineEvent::PortalPage {
        offer: alpha,
        url: page.clone(),
    }]);
    assert_eq!(effects, [Effect::Open(page)]);
    // Without a desktop: shown and copied.
    let effects = deck.update(Msg::OpenFailed {
        url: "https://x.example/p".into(),
        why: "no desktop and no $BROWSER".into(),
    });
    assert_eq!(effects, [Effect::Copy("https://x.example/p".into())]);

    // With [ui] clipboard = false, y says copying is off.
    deck.app.clipboard = false;
    ch(&mut deck, 'y');
    assert_eq!(deck.app.overlay, Overlay::None);
    assert!(
        deck.app
            .toasts
            .iter()
            .any(|t| t.text.contains("copying is off"))
    );
}

#[test]
fn osc52_carries_the_text_as_base64() {
    assert_eq!(
        offerdeck::tui::osc52("contoso/vm\u{1b}]0;x"),
        "\u{1b}]52;c;Y29udG9zby92bRtdMDt4\u{1b}\\"
    );
}

fn mouse(deck: &mut Deck, kind: crossterm::event::MouseEventKind, column: u16, row: u16) {
    deck.update(Msg::Mouse(crossterm::event::MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

#[test]
fn clicks_select_a_double_click_opens_titles_sort_and_the_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEventKind as M};
    let mut deck = deck();
    deck.update(Msg::Resize {
        width: 120,
        height: 30,
    });
    // Rows start under the header (2 lines), the border and the titles.
    mouse(&mut deck, M::Down(MouseButton::Left), 10, 6);
    assert_eq!(deck.app.table.selected, 2);
    assert_eq!(deck.app.mode, Mode::Browse);
    mouse(&mut deck, M::Down(MouseButton::Left), 10, 6);
    assert_eq!(
        deck.app.mode,
        Mode::Detail,
        "a double click opens the detail"
    );
    key(&mut deck, KeyCode::Esc);
    // Below the last row: nothing.
    mouse(&mut deck, M::Down(MouseButton::Left), 10, 25);
    assert_eq!(deck.app.table.selected, 2);
    // The OFFER title sorts by offer; again reverses.
    mouse(&mut deck, M::Down(MouseButton::Left), 5, 3);
    assert_eq!(
        deck.app.table.sort,
        offerdeck::tui::table::SortColumn::Offer
    );
    assert!(!deck.app.table.sort_reversed);
    mouse(&mut deck, M::Down(MouseButton::Left), 5, 3);
    assert!(deck.app.table.sort_reversed);
    // The wheel moves the selection.
    let before = deck.app.table.selected;
    mouse(&mut deck, M::ScrollDown, 10, 10);
    assert_eq!(deck.app.table.selected, before + 1);
    mouse(&mut deck, M::ScrollUp, 10, 10);
    assert_eq!(deck.app.table.selected, before);
}

#[test]
fn l_opens_the_event_log_which_filters_as_you_type_and_e_adds_past_errors() {
    use offerdeck::domain::log::{LogEntry, LogKind};
    let mut deck = deck();
    let effects = ch(&mut deck, 'l');
    assert_eq!(effects, [Effect::Engine(Command::LoadLog)]);
    let entry = |text: &str, error| LogEntry {
        at: t0(),
        kind: LogKind::Call,
        text: text.into(),
        error,
    };
    deck.feed(vec![EngineEvent::Log(vec![
        entry("GET 200 /api/publishers/contoso/offers · 12 ms", false),
        entry("POST 503 /rp/product-ingestion/configure · 40 ms", true),
    ])]);
    ch(&mut deck, '/');
    for c in "configure".chars() {
        ch(&mut deck, c);
    }
    let Overlay::Log(log) = &deck.app.overlay else {
        panic!("{:?}", deck.app.overlay);
    };
    assert!(log.typing);
    assert_eq!(log.filter.text(), "configure");
    key(&mut deck, KeyCode::Enter);
    key(&mut deck, KeyCode::Esc);
    assert_eq!(deck.app.overlay, Overlay::None);
    // The error history shows what the history holds besides this session's.
    assert_eq!(ch(&mut deck, 'E'), [Effect::Engine(Command::LoadLog)]);
    assert_eq!(deck.app.past_errors.len(), 1);
}

#[test]
fn go_live_reads_what_it_would_change_while_it_asks_and_d_shows_it_in_the_detail() {
    let mut deck = deck();
    let vm = id("contoso/contoso-vm");
    deck.status(&vm, Ok(seen(Status::WaitingForPublisherReview)));
    let effects = ch(&mut deck, 'L');
    assert!(matches!(&deck.app.overlay, Overlay::Confirm(c) if c.kind == OpKind::GoLive));
    assert_eq!(
        effects,
        [Effect::Engine(Command::WhatWillChange(vm.clone()))]
    );
    let diff = offerdeck::backend::WhatWillChange {
        never_live: false,
        fields: vec![offerdeck::domain::diff::FieldChange {
            path: "version".into(),
            before: Some("3".into()),
            after: Some("4".into()),
        }],
        left_out: Vec::new(),
    };
    deck.feed(vec![EngineEvent::Diff {
        offer: vm.clone(),
        result: Ok(diff.clone()),
    }]);
    assert_eq!(
        deck.app.diffs.get(&vm),
        Some(&offerdeck::tui::state::DiffState::Ready(diff))
    );
    key(&mut deck, KeyCode::Esc);
    // D opens the detail with the comparison (read again).
    let effects = ch(&mut deck, 'D');
    assert_eq!(deck.app.mode, Mode::Detail);
    assert!(deck.app.show_diff);
    assert_eq!(effects, [Effect::Engine(Command::WhatWillChange(vm))]);
}

// ---- Findings of the review of the engine's first dashboard: each test failed before. ----

/// H2: a start that failed long ago (not sent: 401) does not hide what the service says now.
#[test]
fn an_old_failed_start_does_not_hide_a_preview_waiting_for_sign_off() {
    let vm = id("contoso/contoso-vm");
    let failure = StartFailure {
        offer: vm.clone(),
        kind: OpKind::Publish,
        at: t0() - chrono::Duration::hours(2),
        rejected: false,
        message: "not authorised: HTTP 401: token expired".into(),
        details: Vec::new(),
        correlation_id: None,
    };
    let text = format!(
        "{}\n[views]\nready = \"status:ready\"\n",
        offerdeck::demo::DEMO_CONFIG
    );
    let config = offerdeck::config::parse(std::path::Path::new("demo.toml"), &text).unwrap();
    let (mut deck, _) = Deck::start(&config, Vec::new(), vec![failure], t0());
    assert_eq!(
        deck.app.table.row(&vm).unwrap().state(),
        Standing::NotSent(OpKind::Publish),
        "until the service is read, the failure is what is known"
    );
    // The portal (or another tool) published meanwhile: the preview waits for sign-off.
    deck.status(&vm, Ok(seen(Status::WaitingForPublisherReview)));
    let row = deck.app.table.row(&vm).unwrap();
    assert_eq!(row.state(), Standing::ReadyForGoLive);
    // The table still says what failed before, beside the state.
    let screen = draw(&deck.app, 200, 14);
    let line = screen
        .lines()
        .find(|l| l.contains("contoso/contoso-vm"))
        .unwrap();
    assert!(line.contains("ready for go-live"), "{screen}");
    assert!(line.contains("last publish not sent"), "{screen}");
    // L asks; it is not refused.
    ch(&mut deck, 'L');
    assert!(
        matches!(&deck.app.overlay, Overlay::Confirm(c) if c.kind == OpKind::GoLive && c.offer == vm),
        "{:?} {:?}",
        deck.app.overlay,
        deck.app.toasts
    );
    key(&mut deck, KeyCode::Esc);
    // The ready view shows it.
    ch(&mut deck, '1');
    assert_eq!(visible_ids(&deck.app), ["contoso/contoso-vm"]);
}

/// H3/H4: one offer's poll being retried is that offer's trouble, not the API's; the header
/// says an API is unreachable only when no request to it got an answer, and forgets it at the
/// first answer.
#[test]
fn only_unanswered_requests_make_an_api_unreachable() {
    let mut deck = deck();
    let op = publish_running(&mut deck, "p1");
    deck.retrying(
        &op,
        "service error: HTTP 429 TooManyRequests",
        std::time::Duration::from_secs(30),
    );
    deck.retrying(
        &op,
        "service error: HTTP 500",
        std::time::Duration::from_secs(60),
    );
    assert_eq!(deck.app.table.rows[0].state(), Standing::Retrying(2));
    assert!(deck.app.unreachable.is_empty());
    let top = header(&deck.app);
    assert!(!top.contains("unreachable"), "{top}");
    assert!(top.contains("live"), "{top}");
    // No answer at all from CPP: the header names it.
    deck.now = t0() + chrono::Duration::seconds(5);
    deck.call(BackendKind::Cpp, false);
    deck.call(BackendKind::Cpp, false);
    assert_eq!(
        deck.app.unreachable,
        vec![(BackendKind::Cpp, t0() + chrono::Duration::seconds(5))]
    );
    let top = header(&deck.app);
    assert!(top.contains("CPP unreachable since"), "{top}");
    assert!(!top.contains("PC "), "only CPP: {top}");
    // Its first answer clears it.
    deck.now = t0() + chrono::Duration::seconds(9);
    deck.call(BackendKind::Cpp, true);
    assert!(deck.app.unreachable.is_empty());
    let top = header(&deck.app);
    assert!(!top.contains("unreachable"), "{top}");
}

/// M5: a publish over a preview waiting for sign-off replaces it: the question says so.
#[test]
fn publishing_over_a_pending_sign_off_warns_that_it_replaces_the_preview() {
    let mut deck = deck();
    let op = publish_running(&mut deck, "p1");
    let mut ready = op;
    ready.seen.status = Status::WaitingForPublisherReview;
    deck.now = t0() + chrono::Duration::minutes(30);
    deck.polled(&ready, std::time::Duration::from_secs(15));
    assert_eq!(deck.app.table.rows[0].state(), Standing::ReadyForGoLive);
    assert!(ch(&mut deck, 'p').is_empty());
    let Overlay::Confirm(c) = &deck.app.overlay else {
        panic!("{:?} {:?}", deck.app.overlay, deck.app.toasts);
    };
    assert_eq!(c.kind, OpKind::Publish);
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    let warning = &c.warnings[0];
    assert!(
        warning.contains("has a preview waiting for sign-off"),
        "{warning}"
    );
    assert!(warning.contains("publishing replaces it"), "{warning}");
    // On screen, whole (folded to the popup's width, not cut), at 80x24.
    let screen = draw(&deck.app, 80, 24);
    for words in [
        "contoso/contoso-vm has a preview waiting for sign-off",
        "publishing replaces it",
        "starts over)",
    ] {
        assert!(screen.contains(words), "{words}:\n{screen}");
    }
    // Still a question: y sends it, n does not.
    assert!(ch(&mut deck, 'n').is_empty());
}

/// M9: news never moves rows under the cursor, whatever the sort; only the user re-sorts.
#[test]
fn a_status_change_does_not_move_rows_until_the_user_sorts_again() {
    let mut deck = deck();
    let ml = id("fabrikam/fabrikam-ml");
    // Sort by status (Offer, then Status), and select the third row.
    ch(&mut deck, 's');
    ch(&mut deck, 's');
    assert_eq!(
        deck.app.table.sort,
        offerdeck::tui::table::SortColumn::Status
    );
    ch(&mut deck, 'j');
    ch(&mut deck, 'j');
    let order = visible_ids(&deck.app);
    let selected = deck.app.table.selected_offer().cloned();
    let position = deck.app.table.selected;
    // A publish starts on an offer below the cursor, and a poll brings it to failed: by status
    // it would lead now.
    assert!(order.iter().position(|o| *o == ml.to_string()) > Some(position));
    let mut op = record(OpKind::Publish, "ml", Status::Running);
    op.offer = ml.clone();
    deck.accepted(&op);
    deck.polled(&op, std::time::Duration::from_secs(15));
    let mut failed = op.clone();
    failed.seen.status = Status::Failed;
    failed.seen.failure = Some("no image".into());
    deck.now = t0() + chrono::Duration::seconds(20);
    deck.polled(&failed, std::time::Duration::from_secs(15));
    assert_eq!(deck.app.table.row(&ml).unwrap().state(), Standing::Failed);
    assert_eq!(visible_ids(&deck.app), order, "no row moved");
    assert_eq!(deck.app.table.selected_offer().cloned(), selected);
    assert_eq!(deck.app.table.selected, position);
    assert!(deck.app.table.order_stale);
    // s, S and Ctrl-r sort again (the cursor stays on its offer).
    ctrl(&mut deck, 'r');
    assert_eq!(visible_ids(&deck.app)[0], ml.to_string());
    assert_eq!(deck.app.table.selected_offer().cloned(), selected);
    assert!(!deck.app.table.order_stale);
}

/// M15: read-only changes no file either: no e-mail editor, no picker.
#[test]
fn read_only_neither_edits_e_mails_nor_adds_offers() {
    let mut config = config();
    config.ui.read_only = true;
    let (mut deck, _) = Deck::start(&config, Vec::new(), Vec::new(), t0());
    assert!(ch(&mut deck, 'e').is_empty());
    assert_eq!(deck.app.mode, Mode::Browse);
    assert!(
        last_toast(&deck.app).contains("read-only"),
        "{:?}",
        deck.app.toasts
    );
    let toasts = deck.app.toasts.len();
    assert!(ch(&mut deck, 'a').is_empty());
    assert_eq!(deck.app.overlay, Overlay::None);
    assert_eq!(deck.app.toasts.len(), toasts + 1);
    assert!(
        last_toast(&deck.app).contains("read-only"),
        "{:?}",
        deck.app.toasts
    );
}

/// M17/H1: after a restart, the store's newest operation of each offer is what its row and
/// detail show: a failed Product Ingestion publish keeps its reason (the API's status of the
/// offer gives none), and a CPP publish waiting for sign-off keeps its operation.
#[test]
fn after_a_restart_the_last_operation_keeps_its_reason_and_its_lines() {
    let alpha = id("fabrikam/alpha");
    let mut job = Operation::new(
        alpha.clone(),
        BackendKind::Ingestion,
        OpKind::Publish,
        url::Url::parse(
            "http://127.0.0.1:1/rp/product-ingestion/configure/5e2d7c1a-0000-4b3c-8d9e-112233445566/status",
        )
        .unwrap(),
        &[],
        t0() - chrono::Duration::hours(3),
    );
    job.apply(
        Observation {
            status: Status::Failed,
            failure: Some("Certification: Issues found during Certification.".into()),
            ..Default::default()
        },
        t0() - chrono::Duration::hours(1),
    );
    assert!(job.finished);
    let vm = id("contoso/contoso-vm");
    let mut publish = Operation::new(
        vm.clone(),
        BackendKind::Cpp,
        OpKind::Publish,
        url::Url::parse(
            "http://127.0.0.1:1/api/publishers/contoso/offers/contoso-vm/operations/7d1c",
        )
        .unwrap(),
        &[],
        t0() - chrono::Duration::days(2),
    );
    publish.apply(
        seen(Status::WaitingForPublisherReview),
        t0() - chrono::Duration::days(1),
    );
    assert!(publish.finished);
    let (mut deck, _) = Deck::start(&config(), vec![job, publish], Vec::new(), t0());
    // The statuses read after the restart: the offer failed, with no reason of its own.
    deck.status(&alpha, Ok(seen(Status::Failed)));
    deck.status(&vm, Ok(seen(Status::WaitingForPublisherReview)));
    let row = deck.app.table.row(&alpha).unwrap();
    assert_eq!(row.state(), Standing::Failed);
    assert_eq!(
        row.failure(),
        Some("Certification: Issues found during Certification.")
    );
    let detail = |deck: &mut Deck, offer: &OfferId| {
        let at = deck.app.table.index[offer];
        deck.app.table.selected = deck
            .app
            .table
            .visible
            .iter()
            .position(|&i| i == at)
            .unwrap();
        key(deck, KeyCode::Enter);
        assert_eq!(deck.app.mode, Mode::Detail);
        let screen = draw(&deck.app, 80, 24);
        key(deck, KeyCode::Esc);
        screen
    };
    let screen = detail(&mut deck, &alpha);
    assert!(screen.contains("failed"), "{screen}");
    assert!(
        screen.contains("Reason      Certification: Issues found"),
        "{screen}"
    );
    assert!(screen.contains("Started     "), "{screen}");
    assert!(screen.contains("(ran 2h00m"), "{screen}");
    assert!(
        screen.contains("job 5e2d7c1a-0000-4b3c-8d9e-112233445566"),
        "{screen}"
    );
    assert_eq!(
        deck.app.table.row(&vm).unwrap().state(),
        Standing::ReadyForGoLive
    );
    let screen = detail(&mut deck, &vm);
    assert!(screen.contains("ready for go-live"), "{screen}");
    assert!(screen.contains("Operation   publish · id 7d1c"), "{screen}");
    assert!(screen.contains("Started     "), "{screen}");
}

/// L18: a followed operation that goes quiet, then is lost, keeps the time it ran: ELAPSED
/// never goes backwards.
#[test]
fn elapsed_never_goes_backwards_when_a_followed_operation_is_lost() {
    let mut deck = deck();
    let op = publish_running(&mut deck, "p1");
    // No answer for ten minutes: stale, and still counting.
    deck.now = t0() + chrono::Duration::minutes(10);
    deck.update(Msg::Tick);
    assert!(deck.app.is_stale(&deck.app.table.rows[0]));
    let before = deck.app.table.rows[0].truth.elapsed(deck.now).unwrap();
    assert_eq!(before, chrono::Duration::minutes(10));
    let shown = |deck: &Deck| {
        draw(&deck.app, 140, 14)
            .lines()
            .find(|l| l.contains("contoso/contoso-vm"))
            .unwrap()
            .to_string()
    };
    assert!(shown(&deck).contains("10m00s"), "{}", shown(&deck));
    deck.stopped(&op, service_error(404, "Operation p1 was not found."), true);
    assert_eq!(deck.app.table.rows[0].state(), Standing::Lost);
    let after = deck.app.table.rows[0].truth.elapsed(deck.now).unwrap();
    assert!(after >= before, "{after} < {before}");
    assert!(shown(&deck).contains("10m00s"), "{}", shown(&deck));
    // Later still, it stays what it ran.
    deck.now += chrono::Duration::minutes(5);
    let later = deck.app.table.rows[0].truth.elapsed(deck.now).unwrap();
    assert!(later >= after, "{later} < {after}");
}

/// L20: the header counts errors not seen yet: opening the error history sees them.
#[test]
fn the_header_counts_only_errors_not_seen_in_the_history() {
    let mut deck = deck();
    let problem_news = |offer: &str, message: &str| EngineEvent::News {
        offer: Some(id(offer)),
        news: News::StoppedFollowing {
            problem: service_error(500, message),
        },
    };
    deck.feed(vec![
        problem_news("contoso/contoso-vm", "boom"),
        problem_news("contoso/contoso-gateway", "bang"),
    ]);
    assert_eq!(deck.app.unseen_errors(), 2);
    assert!(header(&deck.app).contains("2 new error(s): E"));
    // E shows them: seen.
    ch(&mut deck, 'E');
    assert_eq!(deck.app.overlay, Overlay::Errors);
    key(&mut deck, KeyCode::Esc);
    assert_eq!(deck.app.unseen_errors(), 0);
    assert!(
        !header(&deck.app).contains("error(s)"),
        "{}",
        header(&deck.app)
    );
    // The next error counts alone.
    deck.feed(vec![problem_news("fabrikam/fabrikam-db", "again")]);
    assert_eq!(deck.app.unseen_errors(), 1);
    assert!(header(&deck.app).contains("1 new error(s): E"));
    assert_eq!(deck.app.errors.len(), 3, "the history keeps every one");
}
