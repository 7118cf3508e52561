//! Screens of the dashboard rendered into ratatui's TestBackend and compared with snapshots
//! (tests/snapshots), plus the styles colour must (and under NO_COLOR must not) add. The
//! dashboard is fed the engine's events through `common::deck`, as in life.

mod common;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

use common::deck::{Deck, problem};
use offerdeck::api::cpp::types::OperationDetail;
use offerdeck::api::{ApiError, ServiceError};
use offerdeck::backend::cpp::Observe;
use offerdeck::domain::{
    BackendKind, Observation, OfferId, OpKind, Operation, Status, Step as StepRecord, StepMessage,
    SubmissionSeen,
};
use offerdeck::engine::EngineEvent;
use offerdeck::tui::msg::Msg;
use offerdeck::tui::state::App;
use offerdeck::tui::theme::Theme;
use offerdeck::tui::view;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn id(publisher: &str, offer: &str) -> OfferId {
    OfferId::new(publisher, offer).unwrap()
}

fn operation(publisher: &str, offer: &str, kind: OpKind, url: &str) -> Operation {
    Operation::new(
        id(publisher, offer),
        BackendKind::Cpp,
        kind,
        url::Url::parse(url).unwrap(),
        &[],
        t0(),
    )
}

fn step(id: &str, name: &str, status: &str, progress: u8, estimate: &str) -> StepRecord {
    StepRecord {
        id: id.into(),
        name: name.into(),
        status: status.into(),
        progress,
        estimate: estimate.into(),
        messages: Vec::new(),
    }
}

const POLL: Duration = Duration::from_secs(15);

/// The demo offers in every interesting state: running, rejected, failed, throttled, ready,
/// live; the clock at 95 s after they started.
fn busy() -> Deck {
    let config = offerdeck::config::parse(
        std::path::Path::new("demo.toml"),
        offerdeck::demo::DEMO_CONFIG,
    )
    .unwrap();
    let (mut deck, _) = Deck::start(&config, Vec::new(), Vec::new(), t0());
    deck.app.title = "demo · simulator http://127.0.0.1:7878".into();
    let offers: Vec<OfferId> = deck.app.table.rows.iter().map(|r| r.id.clone()).collect();
    for (row, offer) in offers.iter().enumerate() {
        let status = if row == 5 {
            Status::Succeeded
        } else {
            Status::NeverPublished
        };
        let detail = OperationDetail {
            status: status.into(),
            ..Default::default()
        };
        deck.status(offer, Ok(detail.observe(None)));
    }
    let now = t0() + chrono::Duration::seconds(95);
    // contoso-vm: running, certification at 37 %.
    let mut vm = operation(
        "contoso",
        "contoso-vm",
        OpKind::Publish,
        "http://127.0.0.1:7878/api/publishers/contoso/offers/contoso-vm/operations/7d1c?api-version=2017-10-31",
    );
    vm.seen.status = Status::Running;
    vm.seen.progress = 27;
    vm.seen.steps = vec![
        StepRecord {
            messages: vec![StepMessage {
                level: "information".into(),
                text: "Step completed.".into(),
            }],
            ..step(
                "displaydummycertify",
                "Validate Pre-Requisites",
                "complete",
                100,
                "< 15 min",
            )
        },
        step(
            "displaycertify",
            "Certification",
            "inProgress",
            37,
            "~2-3 days",
        ),
        step(
            "displayprovision",
            "Provisioning",
            "notStarted",
            0,
            "< 1 day",
        ),
        step(
            "publisher-signoff",
            "Publisher signoff",
            "notStarted",
            0,
            "< 1 hour",
        ),
    ];
    vm.seen.current_step = Some(vm.seen.steps[1].clone());
    deck.accepted(&vm);
    // Its first poll (certification since the start), and the last one, now.
    deck.polled(&vm, POLL);
    // contoso-gateway: failed at certification, 40 s in (seen at the last poll).
    let mut gw = operation(
        "contoso",
        "contoso-gateway",
        OpKind::Publish,
        "http://127.0.0.1:7878/api/operations/contoso$contoso-gateway$2$preview?api-version=2017-10-31",
    );
    gw.started_at = t0() + chrono::Duration::seconds(55);
    gw.seen.status = Status::Failed;
    gw.finished = true;
    gw.seen.progress = 28;
    gw.seen.failure = Some("No virtual machine image was found for the plan gateway-byol.".into());
    deck.accepted(&gw);
    // fabrikam-db: polling with retries.
    let mut db = operation(
        "fabrikam",
        "fabrikam-db",
        OpKind::Publish,
        "http://127.0.0.1:7878/x",
    );
    db.seen.status = Status::Running;
    db.seen.progress = 45;
    deck.accepted(&db);
    // fabrikam-web: ready for go-live, 80 s in (seen at the last poll).
    let mut web = operation(
        "fabrikam",
        "fabrikam-web",
        OpKind::Publish,
        "http://127.0.0.1:7878/y",
    );
    web.started_at = t0() + chrono::Duration::seconds(15);
    web.seen.status = Status::WaitingForPublisherReview;
    web.seen.progress = 100;
    web.finished = true;
    deck.accepted(&web);
    deck.now = now;
    deck.polled(&gw, POLL);
    deck.polled(&web, POLL);
    deck.polled(&vm, POLL);
    for _ in 0..2 {
        deck.retrying(
            &db,
            "service error: HTTP 429 TooManyRequests",
            Duration::from_secs(4),
        );
    }
    // contoso-analytics: rejected with two details.
    let se = ServiceError {
        status: 422,
        code: Some("ValidationFailed".into()),
        message: "The offer failed validation. Fix the problems listed in details, then publish again.".into(),
        details: vec![
            "plans[contoso-analytics-byol].microsoft-azure-virtualmachines.vmImages: Plan has no image version; add one with an osVhdUrl. (MissingImage)".into(),
            "microsoft-azure-marketplace.summary: Summary is longer than 100 characters. (InvalidValue)".into(),
        ],
        correlation_id: Some("0f8e2d8e-1111-4c4c-9999-123456789abc".into()),
        service: None,
    };
    deck.started(
        &id("contoso", "contoso-analytics"),
        OpKind::Publish,
        Err(problem(ApiError::from_status(se))),
    );
    deck.app.overlay = offerdeck::tui::overlay::Overlay::None;
    // Let flashes and toasts expire so the snapshot is stable.
    deck.now = now + chrono::Duration::seconds(10);
    deck.update(Msg::Tick);
    deck.now = now;
    deck.update(Msg::Tick);
    deck
}

fn busy_app() -> App {
    busy().app
}

fn color() -> Theme {
    Theme {
        color: true,
        ascii: false,
    }
}

fn draw(app: &App, theme: &Theme, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::render(app, theme, f)).unwrap();
    terminal
}

fn snapshot(name: &str, terminal: &Terminal<TestBackend>) {
    insta::with_settings!({
        filters => vec![
            (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "[datetime]"),
            (r"\d\d:\d\d:\d\d", "[time]"),
        ],
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, terminal.backend().to_string());
    });
}

fn key(app: &mut App, code: KeyCode) {
    let now = app.now;
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now);
}

#[test]
fn table_with_live_rows() {
    let app = busy_app();
    snapshot("table_wide", &draw(&app, &color(), 140, 16));
}

#[test]
fn narrow_terminal_keeps_what_matters() {
    let app = busy_app();
    snapshot("table_80x24", &draw(&app, &color(), 80, 24));
}

#[test]
fn filter_prompt() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('/'));
    for c in "contoso".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    snapshot("filter", &draw(&app, &color(), 120, 14));
}

#[test]
fn email_editor_with_an_error() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('e'));
    for c in ", not-an-address".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    snapshot("email_editor_error", &draw(&app, &color(), 100, 20));
}

#[test]
fn publish_confirmation() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('p'));
    snapshot("confirm_publish", &draw(&app, &color(), 100, 20));
}

#[test]
fn rejection_popup_lists_every_detail() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('j'));
    app.overlay = offerdeck::tui::overlay::Overlay::Rejection {
        offer: id("contoso", "contoso-analytics"),
    };
    let terminal = draw(&app, &color(), 110, 24);
    let text = terminal.backend().to_string();
    assert!(
        text.contains("vmImages") && text.contains("Summary is longer"),
        "{text}"
    );
    snapshot("rejection_popup", &terminal);
}

#[test]
fn detail_view() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Enter);
    snapshot("detail", &draw(&app, &color(), 110, 22));
}

#[test]
fn help_overlay() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('?'));
    snapshot("help", &draw(&app, &color(), 100, 26));
}

#[test]
fn colours_reinforce_and_no_color_removes_them() {
    let app = busy_app();
    let find = |terminal: &Terminal<TestBackend>, needle: &str| {
        let buffer = terminal.backend().buffer().clone();
        let text: Vec<String> = buffer
            .content
            .iter()
            .map(|c| c.symbol().to_string())
            .collect();
        let flat = text.concat();
        let index = flat
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not on screen"));
        let cell = flat[..index].chars().count();
        buffer.content[cell].clone()
    };
    let terminal = draw(&app, &color(), 140, 16);
    let failed = find(&terminal, "✖ failed");
    assert_eq!(failed.fg, Color::Red);
    assert!(failed.modifier.contains(Modifier::BOLD));
    assert_eq!(find(&terminal, "◆ ready for go-live").fg, Color::Cyan);
    let plain = draw(
        &app,
        &Theme {
            color: false,
            ascii: false,
        },
        140,
        16,
    );
    let failed = find(&plain, "✖ failed");
    assert_eq!(failed.fg, Color::Reset, "no colour under NO_COLOR");
    assert!(
        failed.modifier.contains(Modifier::BOLD),
        "the symbol and word carry the meaning"
    );
    let ascii = draw(
        &app,
        &Theme {
            color: false,
            ascii: true,
        },
        140,
        16,
    )
    .backend()
    .to_string();
    assert!(
        ascii.contains("[x]  failed")
            && ascii.contains("[*]  ready for go-live")
            && ascii.contains("[ok] live")
            && !ascii.contains('✖'),
        "{ascii}"
    );
}

#[test]
fn server_text_cannot_reach_the_terminal_raw() {
    let mut deck = busy();
    // What a poll of contoso-vm's operation brings back.
    let mut evil = deck.app.table.rows[0].truth.op.clone().unwrap();
    let detail: OperationDetail = serde_json::from_str(
        r#"{"status":"failed","steps":[{"id":"x","stepName":"Cert\u001b[2J\u001b]0;pwned\u0007ification","status":"rejected",
            "messages":[{"messageHtml":"bad <b>image</b>\u001b[31m\r\nnext","level":"error"}]}]}"#,
    )
    .unwrap();
    evil.seen = detail.observe(Some(OpKind::Publish));
    deck.polled(&evil, POLL);
    let mut app = deck.app;
    key(&mut app, KeyCode::Enter);
    let terminal = draw(&app, &color(), 110, 22);
    let text = terminal.backend().to_string();
    assert!(
        text.contains("Certification") && text.contains("bad image next"),
        "{text}"
    );
    for cell in terminal.backend().buffer().content.iter() {
        assert!(
            cell.symbol().chars().all(|c| !c.is_control()),
            "control character drawn: {:?}",
            cell.symbol()
        );
    }
}

#[test]
fn ascii_means_ascii_on_every_screen_and_size() {
    let theme = Theme {
        color: false,
        ascii: true,
    };
    let mut app = busy_app();
    let mut screens: Vec<(&str, App)> = vec![("table", app.clone())];
    key(&mut app, KeyCode::Enter);
    screens.push(("detail", app.clone()));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('?'));
    screens.push(("help", app.clone()));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('p'));
    screens.push(("confirm", app.clone()));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('e'));
    screens.push(("editor", app.clone()));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('E'));
    screens.push(("errors", app.clone()));
    for (name, app) in &screens {
        for (w, h) in [(80, 24), (40, 12), (200, 60)] {
            let terminal = draw(app, &theme, w, h);
            for cell in terminal.backend().buffer().content.iter() {
                assert!(
                    cell.symbol().is_ascii(),
                    "{name} at {w}x{h}: {:?} drawn\n{}",
                    cell.symbol(),
                    terminal.backend()
                );
            }
        }
    }
}

#[test]
fn the_editor_cursor_sits_after_wide_characters() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('e'));
    // Ctrl-U clears the field, then wide characters are typed.
    let now = app.now;
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
        now,
    );
    for c in "日本😀".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let mut terminal = draw(&app, &color(), 80, 24);
    let cursor = terminal.get_cursor_position().unwrap();
    let buffer = terminal.backend().buffer().clone();
    // The text starts one column inside the popup's border; the cursor is 6 columns further.
    let row: String = (0..80)
        .map(|x| buffer[(x, cursor.y)].symbol().to_string())
        .collect();
    let start = (0..80u16)
        .find(|&x| buffer[(x, cursor.y)].symbol() == "日")
        .unwrap_or_else(|| panic!("the text is on the cursor's row: {row}"));
    assert_eq!(cursor.x, start + 6, "{row}");
}

#[test]
fn an_unreachable_service_turns_the_header_red() {
    let mut app = busy_app();
    app.unreachable = vec![(BackendKind::Cpp, app.now)];
    for (w, h) in [(80, 24), (40, 12)] {
        let terminal = draw(&app, &color(), w, h);
        let buffer = terminal.backend().buffer();
        let header: String = (0..w)
            .map(|x| buffer[(x, 0)].symbol().to_string())
            .collect();
        assert!(header.contains("✖ CPP unreachable"), "{w}x{h}: {header}");
        assert!(!header.contains("live"), "not live: {header}");
        let x = (0..w).find(|&x| buffer[(x, 0)].symbol() == "✖").unwrap();
        assert_eq!(buffer[(x, 0)].fg, Color::Red);
    }
    // When the engine asks it again is said, at 80 columns.
    let at = app.now + chrono::Duration::seconds(2);
    app.next_try = vec![(BackendKind::Cpp, at)];
    let terminal = draw(&app, &color(), 80, 24);
    let buffer = terminal.backend().buffer();
    let header: String = (0..80)
        .map(|x| buffer[(x, 0)].symbol().to_string())
        .collect();
    let said = format!(
        "next try {}",
        at.with_timezone(&chrono::Local).format("%H:%M:%S")
    );
    assert!(header.contains(&said), "{header}");
    // The detail of a row being retried says when its next try goes out (the retry's time, not
    // the pace of the work).
    for c in "/fabrikam-db".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let text = draw(&app, &color(), 120, 24).backend().to_string();
    assert!(text.contains("fabrikam-db"), "{text}");
    assert!(text.contains("· next try in 4s"), "{text}");
}

#[test]
fn what_overflows_scrolls_and_cut_text_says_so() {
    // Help at 40x12: a marker says where one is, and PgDn moves by the visible height.
    let mut app = busy_app();
    app.update(
        Msg::Resize {
            width: 80,
            height: 12,
        },
        app.now,
    );
    key(&mut app, KeyCode::Char('?'));
    let first = draw(&app, &color(), 40, 12).backend().to_string();
    assert!(first.contains("↑↓ 1-"), "{first}");
    key(&mut app, KeyCode::PageDown);
    let next = draw(&app, &color(), 40, 12).backend().to_string();
    assert_ne!(first, next, "PgDn scrolls");
    assert!(!next.contains("↑↓ 1-"), "{next}");
    key(&mut app, KeyCode::End);
    let last = draw(&app, &color(), 40, 12).backend().to_string();
    assert!(
        last.contains("quit at once"),
        "the end is reachable: {last}"
    );
    // Help wraps its descriptions under themselves rather than cutting them.
    assert!(!first.contains('…'), "{first}");
    assert!(
        first.lines().any(|l| l.starts_with("\"│            ")),
        "a continuation line: {first}"
    );
    key(&mut app, KeyCode::Esc);

    // A confirmation with 30 e-mails keeps its keys in sight.
    let mut app = busy_app();
    app.table.rows[0].emails = (0..30).map(|i| format!("ops{i}@contoso.com")).collect();
    app.table.rows[0].truth.op = None;
    app.table.rows[0].truth.activity = offerdeck::tui::row::Activity::Idle;
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('p'));
    let screen = draw(&app, &color(), 80, 24).backend().to_string();
    assert!(screen.contains("y confirm · n/Esc do nothing"), "{screen}");
    assert!(screen.contains("↑↓ 1-"), "{screen}");

    // The detail view at 80x24: every step on one line.
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Enter);
    let screen = draw(&app, &color(), 80, 24).backend().to_string();
    let step_lines: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("Certification") || l.contains("Provisioning"))
        .filter(|l| !l.contains("Estimate"))
        .collect();
    assert_eq!(step_lines.len(), 2, "{screen}");
    assert!(step_lines.iter().all(|l| l.contains('%')), "{screen}");
}

#[test]
fn narrow_terminals_give_the_offer_the_room() {
    let app = busy_app();
    let screen = draw(&app, &color(), 48, 14).backend().to_string();
    // Every offer is told apart by its whole name; the status is its symbol.
    for offer in [
        "contoso/contoso-vm",
        "contoso/contoso-analytics",
        "contoso/contoso-gateway",
        "fabrikam/fabrikam-db",
    ] {
        assert!(screen.contains(offer), "{offer}:\n{screen}");
    }
    assert!(screen.contains("✖"), "{screen}");
    // Below 100 columns, when the selected offer was polled is in the footer.
    let screen = draw(&app, &color(), 80, 24).backend().to_string();
    let footer = screen.lines().last().unwrap();
    assert!(footer.contains(": polled "), "{footer}");
    // A poll that got no good answer does not pass for one.
    let mut app = app;
    let selected = app.table.selected_row().unwrap();
    let row = &mut app.table.rows[selected];
    row.truth.last_poll = Some(app.now);
    row.truth.last_ok = Some(app.now - chrono::Duration::seconds(30));
    let screen = draw(&app, &color(), 80, 24).backend().to_string();
    let footer = screen.lines().last().unwrap();
    assert!(footer.contains("no good answer for 30s"), "{footer}");
    // A row read from another offerdeck's records goes stale too when they stop coming.
    let row = app.table.rows.iter().position(|r| r.in_flight()).unwrap();
    let truth = &mut app.table.rows[row].truth;
    truth.activity = offerdeck::tui::row::Activity::Following;
    truth.followed_elsewhere = true;
    truth.last_ok = Some(app.now - chrono::Duration::seconds(60));
    if let Some(op) = truth.op.as_mut() {
        op.started_at = app.now - chrono::Duration::minutes(10);
    }
    assert!(app.is_stale(&app.table.rows[row]));
    app.table.rows[row].truth.last_ok = Some(app.now - chrono::Duration::seconds(2));
    assert!(
        !app.is_stale(&app.table.rows[row]),
        "records a few seconds old are fresh"
    );
}

/// The busy demo plus its Product Ingestion offers: alpha two hours into a publish, beta
/// failed certification, eta published from the portal and waiting for go-live.
fn app_with_ingestion_rows(alpha_minutes: i64) -> App {
    let mut deck = busy();
    let now = deck.now;
    let job = |offer: &str, id: &str| {
        let mut op = operation(
            "fabrikam",
            offer,
            OpKind::Publish,
            &format!(
                "http://127.0.0.1:7878/rp/product-ingestion/configure/{id}/status?$version=2022-03-01-preview2"
            ),
        );
        op.backend = BackendKind::Ingestion;
        op
    };
    let mut running = job("alpha", "0b6c9f8e-1d2c-4e5f-9a8b-7c6d5e4f3a2b");
    running.started_at = now - chrono::Duration::minutes(alpha_minutes);
    running.seen.status = Status::Running;
    deck.accepted(&running);
    deck.polled(&running, POLL);
    let mut failed = job("beta", "5e2d7c1a-0000-4b3c-8d9e-112233445566");
    failed.seen = offerdeck::backend::observe_job(
        &serde_json::from_value(serde_json::json!({
            "jobId": "5e2d7c1a-0000-4b3c-8d9e-112233445566",
            "jobStatus": "completed", "jobResult": "failed",
            "errors": [{"code": "invalidState", "message": "Certification",
                        "details": [{"code": "invalidState",
                                     "message": "Issues found during Certification.",
                                     "details": []}]}]
        }))
        .unwrap(),
        OpKind::Publish,
    );
    failed.finished = true;
    deck.accepted(&failed);
    deck.polled(&failed, POLL);
    let submission = |environment: &str, number: &str, state: &str| SubmissionSeen {
        environment: environment.into(),
        number: number.into(),
        state: state.into(),
    };
    deck.status(
        &id("fabrikam", "eta"),
        Ok(Observation {
            status: Status::WaitingForPublisherReview,
            submissions: vec![
                submission("draft", "0", ""),
                submission("preview", "1152921504606847011", "completed/succeeded"),
                submission("live", "1152921504606846977", "completed/succeeded"),
            ],
            ..Observation::default()
        }),
    );
    deck.now = now + chrono::Duration::seconds(10);
    deck.update(Msg::Tick);
    deck.now = now;
    deck.update(Msg::Tick);
    deck.app
}

#[test]
fn ingestion_rows_show_their_api_phase_and_time_against_the_usual() {
    let app = app_with_ingestion_rows(125);
    let terminal = draw(&app, &color(), 80, 24);
    let text = terminal.backend().to_string();
    let alpha = text.lines().find(|l| l.contains("fabrikam/alpha")).unwrap();
    assert!(
        alpha.contains(" PC ") && alpha.contains("publishing"),
        "{text}"
    );
    // 80 columns: the short form; wide: the whole sentence.
    assert!(text.contains("cert. 2h05m/6h"), "{text}");
    let wide = draw(&app, &color(), 140, 20).backend().to_string();
    assert!(wide.contains("certification 2h05m/6h"), "{wide}");
    let wider = draw(&app, &color(), 200, 20).backend().to_string();
    assert!(
        wider.contains("certification · 2h05m of 30 min–6 h"),
        "{wider}"
    );
    snapshot("ingestion_80x24", &terminal);
    // Past the longest usual certification: flagged.
    let slow = app_with_ingestion_rows(7 * 60);
    let text = draw(&slow, &color(), 200, 20).backend().to_string();
    assert!(
        text.contains("certification · 7h00m, longer than usual (30 min–6 h)"),
        "{text}"
    );
    let text = draw(&slow, &color(), 80, 24).backend().to_string();
    assert!(text.contains("cert. 7h00m slow"), "{text}");
}

#[test]
fn ingestion_detail_shows_submissions_per_environment_and_every_nested_error() {
    let mut app = app_with_ingestion_rows(3);
    let select = |app: &mut App, offer: &str| {
        let i = app
            .table
            .rows
            .iter()
            .position(|r| r.id.offer() == offer)
            .unwrap();
        app.table.selected = app.table.visible.iter().position(|&v| v == i).unwrap();
    };
    select(&mut app, "eta");
    key(&mut app, KeyCode::Enter);
    let terminal = draw(&app, &color(), 100, 24);
    snapshot("ingestion_detail_ready", &terminal);
    let text = terminal.backend().to_string();
    assert!(
        text.contains("preview  #1152921504606847011 · completed/succeeded"),
        "{text}"
    );
    assert!(text.contains("ready for go-live"), "{text}");
    key(&mut app, KeyCode::Esc);
    select(&mut app, "beta");
    key(&mut app, KeyCode::Enter);
    let text = draw(&app, &color(), 100, 24).backend().to_string();
    assert!(text.contains("certification failed (permanent"), "{text}");
    assert!(
        text.contains("[error] invalidState: Certification"),
        "{text}"
    );
    assert!(
        text.contains("[error]   invalidState: Issues found during Certification."),
        "{text}"
    );
    assert!(
        text.contains("job 5e2d7c1a-0000-4b3c-8d9e-112233445566"),
        "{text}"
    );
    key(&mut app, KeyCode::Esc);
    select(&mut app, "alpha");
    key(&mut app, KeyCode::Enter);
    let text = draw(&app, &color(), 100, 24).backend().to_string();
    assert!(
        text.contains("validation · 3m00s so far, usually 1–5 min (told from the time"),
        "{text}"
    );
}

#[test]
fn the_offer_picker_at_80x24() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('a'));
    let listed = |offer: &str, name: &str| {
        (
            BackendKind::Ingestion,
            offerdeck::backend::ListedOffer {
                id: offer.parse().unwrap(),
                name: name.into(),
                status: Status::NeverPublished,
                offer_type: offerdeck::domain::OfferType::from_service("azureVirtualMachine"),
                portal_url: None,
                migrated: false,
                unusable: None,
            },
        )
    };
    let now = app.now;
    app.update(
        Msg::Engine(EngineEvent::Available {
            found: vec![
                listed("fabrikam/gamma", "Fabrikam Gamma"),
                listed("fabrikam/delta", "Fabrikam Delta"),
                listed("fabrikam/iota", "Fabrikam Iota"),
            ],
            errors: vec![],
        }),
        now,
    );
    key(&mut app, KeyCode::Char(' '));
    let terminal = draw(&app, &color(), 80, 24);
    let text = terminal.backend().to_string();
    assert!(text.contains("[✔] fabrikam/gamma"), "{text}");
    assert!(text.contains("Space mark"), "{text}");
    snapshot("picker_80x24", &terminal);
}

#[test]
fn the_history_says_how_long_is_left_and_when_a_step_is_slower_than_usual() {
    use offerdeck::domain::{Estimate, Estimates, StepKey};
    let mut app = busy_app();
    let key = StepKey::new(
        &"contoso/contoso-vm".parse().unwrap(),
        BackendKind::Cpp,
        OpKind::Publish,
        "displaycertify",
    );
    let usual = |median: i64, p90: i64| Estimate {
        median: chrono::Duration::minutes(median),
        p90: chrono::Duration::minutes(p90),
        count: 12,
    };
    app.estimates = Estimates([(key.clone(), usual(10, 20))].into_iter().collect());
    let text = draw(&app, &color(), 140, 16).backend().to_string();
    // Running for 1m35s against a median of 10 minutes.
    assert!(text.contains("Certification 37% · ~8m25s left"), "{text}");
    key_detail(&mut app);
    let text = draw(&app, &color(), 120, 24).backend().to_string();
    assert!(
        text.contains(
            "Certification usually takes 10m00s–20m00s here (12 past publishes) · ~8m25s left"
        ),
        "{text}"
    );
    // Past the 90th percentile: flagged.
    let mut app = busy_app();
    app.estimates = Estimates([(key, usual(0, 1))].into_iter().collect());
    let text = draw(&app, &color(), 200, 16).backend().to_string();
    assert!(
        text.contains("Certification 37% · slower than usual"),
        "{text}"
    );
}

fn key_detail(app: &mut App) {
    key(app, KeyCode::Char('g'));
    key(app, KeyCode::Enter);
}

#[test]
fn read_only_says_so_and_offers_no_key_that_changes_the_service() {
    let mut app = busy_app();
    app.read_only = true;
    let text = draw(&app, &color(), 120, 12).backend().to_string();
    let header: Vec<&str> = text.lines().take(2).collect();
    assert!(header[0].contains("read-only"), "{text}");
    assert!(!header[1].contains("p publish"), "{text}");
    assert!(!header[1].contains("c cancel"), "{text}");
    assert!(header[1].contains("? help"), "{text}");
    // Nor one that writes the config, in the header or the detail view.
    assert!(!header[1].contains("e e-mails"), "{text}");
    key(&mut app, KeyCode::Enter);
    let text = draw(&app, &color(), 120, 24).backend().to_string();
    assert!(text.contains("back"), "the detail view: {text}");
    assert!(
        !text.contains("e e-mails") && !text.contains("p publish"),
        "{text}"
    );
    // Help still lists them, each said to be off.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('?'));
    let text = draw(&app, &color(), 120, 60).backend().to_string();
    let publish = text
        .lines()
        .find(|l| l.contains("publish the selected offer"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(publish.contains("(off: read-only)"), "{text}");
    let moving = text.lines().find(|l| l.contains("move down")).unwrap();
    assert!(!moving.contains("off"), "{text}");
}

#[test]
fn the_table_title_names_the_sort_and_the_view() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('s'));
    let text = draw(&app, &color(), 100, 14).backend().to_string();
    assert!(text.contains("offers[9/9] · sort status ↓"), "{text}");
    // Problems first: the rejected and the failed offers lead.
    let first_row = text.lines().nth(4).unwrap();
    assert!(
        first_row.contains("rejected") || first_row.contains("failed"),
        "{text}"
    );
    app.table.views = vec![("mine".into(), "publisher:fabrikam".into())];
    key(&mut app, KeyCode::Char('1'));
    let text = draw(&app, &color(), 100, 14).backend().to_string();
    assert!(
        text.contains("offers · view mine [6/9] · sort status ↓"),
        "{text}"
    );
}

#[test]
fn one_confirmation_lists_every_marked_offer_and_what_is_skipped() {
    let mut app = busy_app();
    // contoso-vm runs (a publish is refused there); the next two can be published.
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('p'));
    let terminal = draw(&app, &color(), 80, 24);
    let text = terminal.backend().to_string();
    assert!(text.contains("Publish these 2 offers?"), "{text}");
    assert!(text.contains("contoso/contoso-analytics"), "{text}");
    assert!(text.contains("already in flight"), "{text}");
    snapshot("confirm_marked_80x24", &terminal);
}

#[test]
fn the_go_live_question_says_what_will_change() {
    let mut app = busy_app();
    // fabrikam-web waits for go-live.
    app.table.selected = app.table.visible.iter().position(|&i| i == 4).unwrap();
    key(&mut app, KeyCode::Char('L'));
    let now = app.now;
    app.update(
        Msg::Engine(EngineEvent::Diff {
            offer: id("fabrikam", "fabrikam-web"),
            result: Ok(offerdeck::backend::WhatWillChange {
                never_live: false,
                fields: vec![
                    offerdeck::domain::diff::FieldChange {
                        path: "version".into(),
                        before: Some("3".into()),
                        after: Some("4".into()),
                    },
                    offerdeck::domain::diff::FieldChange {
                        path: "definition.plans[web-byol].microsoft-azure-virtualmachines.vmImages.1.0.4".into(),
                        before: None,
                        after: Some("{\"osVhdUrl\":\"https://…\"}".into()),
                    },
                ],
                left_out: vec![
                    "the submission resources (they always differ between preview and live)"
                        .into(),
                ],
            }),
        }),
        now,
    );
    let terminal = draw(&app, &color(), 100, 26);
    let text = terminal.backend().to_string();
    assert!(
        text.contains("What will change (preview against live):"),
        "{text}"
    );
    assert!(text.contains("~ version: 3 → 4"), "{text}");
    assert!(text.contains("+ definition.plans[web-byol]"), "{text}");
    assert!(
        text.contains("left out: the submission resources"),
        "{text}"
    );
    snapshot("confirm_golive_diff", &terminal);
}

#[test]
fn the_event_log_at_80x24() {
    use offerdeck::domain::log::{LogEntry, LogKind};
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('l'));
    let at = t0();
    let now = app.now;
    app.update(
        Msg::Engine(EngineEvent::Log(vec![
            LogEntry {
                at,
                kind: LogKind::Change,
                text: "contoso/contoso-gateway publish: failed · Certification · No image".into(),
                error: true,
            },
            LogEntry {
                at,
                kind: LogKind::Call,
                text:
                    "GET 200 /api/publishers/contoso/offers/contoso-vm/status · 41 ms · corr 0f8e"
                        .into(),
                error: false,
            },
            LogEntry {
                at,
                kind: LogKind::Change,
                text: "contoso/contoso-vm publish: running · Certification".into(),
                error: false,
            },
        ])),
        now,
    );
    let terminal = draw(&app, &color(), 80, 24);
    let text = terminal.backend().to_string();
    assert!(text.contains("event log [3]"), "{text}");
    snapshot("event_log_80x24", &terminal);
}

/// A click on a column title sorts by the column drawn there, at every width that shows it:
/// the titles are found on the drawn screen, and each is clicked on its first and last letter.
#[test]
fn a_click_on_a_drawn_title_sorts_by_that_column() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    use offerdeck::tui::table::SortColumn;
    for width in [80u16, 100, 140, 200] {
        let mut app = busy_app();
        app.update(Msg::Resize { width, height: 24 }, t0());
        let terminal = draw(&app, &color(), width, 24);
        let buffer = terminal.backend().buffer();
        // The column titles are the first line inside the table's top border.
        let y = (0..24)
            .find(|&y| buffer[(0u16, y)].symbol() == "╭")
            .expect("the table's border")
            + 1;
        let line: Vec<&str> = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        let titles = [
            ("OFFER", SortColumn::Offer),
            ("API", SortColumn::Backend),
            ("STATUS", SortColumn::Status),
            ("ELAPSED", SortColumn::Elapsed),
            ("POLLED", SortColumn::LastChange),
        ];
        for (title, column) in titles {
            let text = line.concat();
            let Some(at) = text.find(title) else {
                assert!(
                    width < 100 && matches!(title, "ELAPSED" | "POLLED"),
                    "{title} missing at {width} columns"
                );
                continue;
            };
            let first = text[..at].chars().count() as u16;
            for x in [first, first + title.len() as u16 - 1] {
                app.table.sort = SortColumn::Config;
                app.table.sort_reversed = false;
                app.update(
                    Msg::Mouse(MouseEvent {
                        kind: MouseEventKind::Down(MouseButton::Left),
                        column: x,
                        row: y,
                        modifiers: KeyModifiers::NONE,
                    }),
                    t0(),
                );
                assert_eq!(
                    app.table.sort, column,
                    "{title} clicked at x={x}, {width} columns"
                );
            }
        }
    }
}

#[test]
fn a_moved_offers_confirmation_and_editor_say_where_its_emails_go_and_others_do_not() {
    let mut app = busy_app();
    let vm = id("fabrikam", "fabrikam-ml");
    app.table.row_mut(&vm).unwrap().truth.migrated = Some(true);
    app.table.selected = app.table.visible.iter().position(|&i| i == 5).unwrap();
    key(&mut app, KeyCode::Char('p'));
    let text = draw(&app, &color(), 80, 24).backend().to_string();
    assert!(text.contains("moved to Partner Center"), "{text}");
    assert!(text.contains("seller contact"), "{text}");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('e'));
    let text = draw(&app, &color(), 80, 24).backend().to_string();
    assert!(
        text.contains("notification e-mails of fabrikam/fabrikam-ml"),
        "{text}"
    );
    assert!(text.contains("moved to Partner Center"), "{text}");
    key(&mut app, KeyCode::Esc);
    // An offer not moved (or not known to be): no such line.
    app.table.row_mut(&vm).unwrap().truth.migrated = Some(false);
    key(&mut app, KeyCode::Char('p'));
    let text = draw(&app, &color(), 80, 24).backend().to_string();
    assert!(text.contains("Publish fabrikam/fabrikam-ml?"), "{text}");
    assert!(!text.contains("moved to Partner Center"), "{text}");
}

#[test]
fn a_footer_message_cut_by_the_width_ends_with_an_ellipsis() {
    let mut app = busy_app();
    app.toasts.push(offerdeck::tui::state::Toast {
        text: "contoso/contoso-gateway: publish failed: No virtual machine image was found for the plan contoso-gateway-byol".into(),
        level: offerdeck::tui::state::ToastLevel::Error,
        until: app.now + chrono::Duration::seconds(30),
    });
    let terminal = draw(&app, &color(), 80, 24);
    let screen = terminal.backend().to_string();
    let footer = screen
        .lines()
        .last()
        .unwrap()
        .trim_matches('"')
        .trim_end()
        .to_string();
    assert!(footer.ends_with('…'), "{footer}");
    assert!(
        footer.starts_with("✖ contoso/contoso-gateway: publish failed"),
        "{footer}"
    );
    // Wide enough, it is whole.
    let terminal = draw(&app, &color(), 200, 24);
    let screen = terminal.backend().to_string();
    let footer = screen
        .lines()
        .last()
        .unwrap()
        .trim_matches('"')
        .trim_end()
        .to_string();
    assert!(footer.ends_with("contoso-gateway-byol"), "{footer}");
}
