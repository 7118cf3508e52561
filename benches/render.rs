//! Rendering and update cost: one frame of the dashboard with 1,000 offers, 200 of them in
//! flight, into ratatui's TestBackend; and how many status messages `update` takes per second.

use std::hint::black_box;
use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use offerdeck::backend::cpp::Observe;
use offerdeck::config::{ApiConfig, AuthConfig, Config, OfferConfig, UiConfig};
use offerdeck::domain::{BackendKind, OfferId, OpKind, Operation, Status, Step};
use offerdeck::engine::start::StartOutcome;
use offerdeck::engine::{Book, EngineEvent};
use offerdeck::tui::msg::Msg;
use offerdeck::tui::state::App;
use offerdeck::tui::theme::Theme;

fn config(offers: usize) -> Config {
    Config {
        path: PathBuf::from("bench.toml"),
        api: ApiConfig {
            base_url: "https://cloudpartner.azure.com".parse().unwrap(),
            api_version: "2017-10-31".into(),
            poll_interval: std::time::Duration::from_secs(15),
            poll_interval_max: std::time::Duration::from_secs(15),
            connect_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(60),
            max_retries: 4,
            concurrency: 16,
            max_concurrency: 64,
            retry_budget: std::time::Duration::from_secs(600),
        },
        auth: AuthConfig::default(),
        ui: UiConfig::default(),
        // The defaults of an empty file.
        ingestion: offerdeck::config::parse(std::path::Path::new("bench.toml"), "")
            .unwrap()
            .ingestion,
        offers: (0..offers)
            .map(|i| OfferConfig {
                id: OfferId::new("bench", &format!("offer-{i:04}")).unwrap(),
                backend: BackendKind::Cpp,
                notification_emails: vec![format!("ops{i}@bench.com")],
            })
            .collect(),
        views: Vec::new(),
        notify: Default::default(),
        images: offerdeck::config::ImagesConfig::default(),
        warnings: Vec::new(),
    }
}

fn record(i: usize, progress: u8) -> Operation {
    let url = format!(
        "https://cloudpartner.azure.com/api/publishers/bench/offers/offer-{i:04}/operations/{i}"
    );
    let mut r = Operation::new(
        OfferId::new("bench", &format!("offer-{i:04}")).unwrap(),
        BackendKind::Cpp,
        OpKind::Publish,
        url.parse().unwrap(),
        &[],
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap(),
    );
    r.seen.status = Status::Running;
    r.seen.progress = progress;
    r.seen.current_step = Some(Step {
        id: "displaycertify".into(),
        name: "Certification".into(),
        status: "inProgress".into(),
        progress,
        estimate: "~2-3 days".into(),
        messages: Vec::new(),
    });
    r
}

/// The dashboard takes the engine's events, as in life.
fn feed(app: &mut App, events: Vec<EngineEvent>, now: chrono::DateTime<Utc>) {
    for event in events {
        app.update(Msg::Engine(event), now);
    }
}

/// 1,000 offers, 200 in flight with steps and progress, and the engine's book of them.
fn busy_app() -> (App, Book) {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let config = config(1_000);
    let mut book = Book::new(config.offers.iter().map(|o| (o.id.clone(), o.backend)));
    let (mut app, _) = App::new(&config, "bench", book.offers().to_vec(), now);
    let ids: Vec<OfferId> = config.offers.iter().map(|o| o.id.clone()).collect();
    for (row, id) in ids.iter().enumerate() {
        let status = if row % 3 == 0 {
            Status::Succeeded
        } else {
            Status::NeverPublished
        };
        let seen = offerdeck::api::cpp::types::OperationDetail {
            status: status.into(),
            ..Default::default()
        }
        .observe(None);
        let mut events = book.loading(id);
        events.extend(book.status_read(id, Ok(seen), now).0);
        feed(&mut app, events, now);
    }
    for row in (0..1_000).step_by(5) {
        let r = record(row, (row % 100) as u8);
        let outcome = StartOutcome {
            operation: r.clone(),
            adopted: false,
            not_recorded: None,
            store_notices: Vec::new(),
        };
        let mut events = book.submitting(&r.offer, OpKind::Publish);
        events.extend(
            book.start_answered(&r.offer, OpKind::Publish, Ok(Some(outcome)), now)
                .0,
        );
        events.extend(
            book.polled(&r.offer, &r.pointer, Ok(r.seen.clone()), now)
                .events,
        );
        events.extend(book.next_poll(&r.offer, std::time::Duration::from_secs(15)));
        feed(&mut app, events, now);
    }
    app.update(Msg::Tick, now + chrono::Duration::seconds(30));
    assert_eq!(app.in_flight(), 200);
    (app, book)
}

fn render(c: &mut Criterion) {
    let (app, _) = busy_app();
    let theme = Theme {
        color: true,
        ascii: false,
    };
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    c.bench_function("render 1000 offers (200 in flight) 200x60", |b| {
        b.iter(|| {
            terminal
                .draw(|f| offerdeck::tui::view::render(black_box(&app), &theme, f))
                .unwrap();
        })
    });
    let mut small = Terminal::new(TestBackend::new(80, 24)).unwrap();
    c.bench_function("render 1000 offers (200 in flight) 80x24", |b| {
        b.iter(|| {
            small
                .draw(|f| offerdeck::tui::view::render(black_box(&app), &theme, f))
                .unwrap();
        })
    });
}

fn update(c: &mut Criterion) {
    let (mut app, mut book) = busy_app();
    let now = app.now;
    let mut n = 0usize;
    c.bench_function("update: one status message (1000 offers)", |b| {
        b.iter_batched(
            || {
                // What the engine sends after a poll that moved an operation's progress (each
                // visit of an offer brings it a new value).
                n += 1;
                let i = (n * 5) % 1_000;
                let r = record(i, (n % 97) as u8);
                book.polled(&r.offer, &r.pointer, Ok(r.seen), now).events
            },
            |events| {
                for event in events {
                    black_box(app.update(Msg::Engine(event), now));
                }
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, render, update);
criterion_main!(benches);
