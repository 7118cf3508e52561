//! Rendering and update cost: one frame of the dashboard with 1,000 offers, 200 of them in
//! flight, into ratatui's TestBackend; and how many status messages `update` takes per second.

use std::hint::black_box;
use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use offerdeck::backend::cpp::Observe;
use offerdeck::config::{ApiConfig, AuthConfig, Config, OfferConfig, UiConfig};
use offerdeck::domain::{BackendKind, OfferId, OpKind, Operation, Status, Step};
use offerdeck::ops::{FollowEvent, StartOutcome};
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

/// 1,000 offers, 200 in flight with steps and progress.
fn busy_app() -> App {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let (mut app, _) = App::new(&config(1_000), "bench", Vec::new(), now);
    for row in 0..1_000 {
        let status = if row % 3 == 0 {
            Status::Succeeded
        } else {
            Status::NeverPublished
        };
        app.update(
            Msg::StatusLoaded {
                row,
                result: Ok(offerdeck::api::cpp::types::OperationDetail {
                    status: status.into(),
                    ..Default::default()
                }
                .observe(None)),
            },
            now,
        );
    }
    for row in (0..1_000).step_by(5) {
        let r = record(row, (row % 100) as u8);
        app.update(
            Msg::Started {
                row,
                kind: OpKind::Publish,
                result: Ok(Some(StartOutcome {
                    operation: r.clone(),
                    adopted: false,
                    not_recorded: None,
                    store_notices: Vec::new(),
                })),
            },
            now,
        );
        app.update(
            Msg::Follow {
                row,
                event: FollowEvent::Changed {
                    operation: r,
                    next_poll: std::time::Duration::from_secs(15),
                },
            },
            now,
        );
    }
    app.update(Msg::Tick, now + chrono::Duration::seconds(30));
    assert_eq!(app.in_flight(), 200);
    app
}

fn render(c: &mut Criterion) {
    let app = busy_app();
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
    let mut app = busy_app();
    let now = app.now;
    let mut i = 0usize;
    c.bench_function("update: one status message (1000 offers)", |b| {
        b.iter(|| {
            i = (i + 5) % 1_000;
            let r = record(i, (i % 97) as u8);
            black_box(app.update(
                Msg::Follow {
                    row: i,
                    event: FollowEvent::Changed {
                        operation: r,
                        next_poll: std::time::Duration::from_secs(15),
                    },
                },
                now,
            ));
        })
    });
}

criterion_group!(benches, render, update);
criterion_main!(benches);
