//! Drawing: reads the state, never changes it. Every string from the service was sanitised when
//! it entered the state; what is drawn here is cut to fit, never interpreted.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::app::{App, Mode, OfferRow, Overlay, RowState, short_duration};
use super::keys::{Action, BINDINGS, Group};
use super::theme::{Theme, Tone};
use crate::api::OpKind;
use crate::text::truncate;

/// Draws the whole dashboard.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    render_header(app, theme, frame, header);
    match app.mode {
        Mode::Detail => render_detail(app, theme, frame, body),
        _ => render_table(app, theme, frame, body),
    }
    render_footer(app, theme, frame, footer);
    if let Mode::EditEmails(_) = app.mode {
        render_editor(app, theme, frame);
    }
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => render_help(theme, frame),
        Overlay::Confirm(c) => render_confirm(app, theme, frame, c),
        Overlay::Rejection { row } => render_rejection(app, theme, frame, *row),
        Overlay::Errors => render_errors(app, theme, frame),
        Overlay::QuitConfirm { in_flight } => render_quit(theme, frame, *in_flight),
    }
}

fn render_header(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let in_flight = app.in_flight();
    let mut first = vec![
        Span::styled(
            " offerdeck ",
            theme.style(Tone::Accent).add_modifier(Modifier::REVERSED),
        ),
        Span::raw(" "),
        Span::styled(truncate(&app.title, 60), theme.style(Tone::Plain)),
        Span::raw("  "),
    ];
    if in_flight > 0 {
        first.push(Span::styled(
            format!(
                "{} live · {in_flight} in flight",
                theme.spinner(app.spinner)
            ),
            theme.style(Tone::Busy),
        ));
    } else {
        let dot = if theme.ascii { "o" } else { "●" };
        first.push(Span::styled(
            format!("{dot} live · idle"),
            theme.style(Tone::Good),
        ));
    }
    let polled = app.rows.iter().filter_map(|r| r.last_poll).max();
    if let Some(t) = polled {
        first.push(Span::styled(
            format!("  updated {} ago", short_duration(app.now - t)),
            theme.style(Tone::Muted),
        ));
    }
    if !app.errors.is_empty() {
        first.push(Span::styled(
            format!("  {} error(s): E", app.errors.len()),
            theme.style(Tone::Warn),
        ));
    }
    // Key hints, most important first, as many as fit; `?` always leads to the rest.
    let mut hints = Vec::new();
    let mut used = 0usize;
    for action in HINT_ORDER {
        let Some(b) = BINDINGS.iter().find(|b| b.action == action) else {
            continue;
        };
        let hint = b.hint.unwrap_or_default();
        let width = b.label.chars().count() + hint.chars().count() + 3;
        if used + width > area.width as usize {
            break;
        }
        used += width;
        hints.push(Span::styled(b.label, theme.style(Tone::Accent)));
        hints.push(Span::styled(format!(" {hint}  "), theme.style(Tone::Muted)));
    }
    frame.render_widget(
        Paragraph::new(vec![Line::from(first), Line::from(hints)]),
        area,
    );
}

const HINT_ORDER: [Action; 9] = [
    Action::Help,
    Action::Publish,
    Action::EditEmails,
    Action::Retry,
    Action::GoLive,
    Action::Cancel,
    Action::Quit,
    Action::Filter,
    Action::Detail,
];

/// The columns shown at a width: narrow terminals drop the least important ones.
struct Columns {
    emails: bool,
    polled: bool,
    elapsed: bool,
    bar: bool,
}

fn columns(width: u16) -> Columns {
    Columns {
        emails: width >= 130,
        polled: width >= 100,
        elapsed: width >= 90,
        bar: width >= 110,
    }
}

fn step_text(row: &OfferRow) -> (String, Tone) {
    match row.state() {
        RowState::Rejected(n) => (format!("{n} validation problem(s): Enter or r"), Tone::Bad),
        RowState::Failed | RowState::Blocked => (
            row.failure().unwrap_or_else(|| "no reason given".into()),
            Tone::Bad,
        ),
        RowState::Retrying(_) => (
            row.retrying
                .as_ref()
                .map(|(_, e)| e.clone())
                .unwrap_or_default(),
            Tone::Warn,
        ),
        RowState::ReadyForGoLive => ("publisher sign-off: L goes live".into(), Tone::Ready),
        RowState::Error => (
            row.last_error
                .as_ref()
                .map(|e| e.message.clone())
                .unwrap_or_default(),
            Tone::Warn,
        ),
        _ => {
            let step = row
                .op
                .as_ref()
                .and_then(|o| o.current_step.clone())
                .or_else(|| {
                    row.service
                        .as_ref()
                        .and_then(|d| d.current_step(None))
                        .map(crate::store::StepRecord::from)
                });
            match step {
                Some(s) if row.in_flight() => (format!("{} {}%", s.name, s.progress), Tone::Plain),
                _ => (String::new(), Tone::Plain),
            }
        }
    }
}

fn render_table(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let cols = columns(area.width);
    let offer_width = app
        .rows
        .iter()
        .map(|r| r.publisher.chars().count() + 1 + r.offer.chars().count())
        .max()
        .unwrap_or(10)
        .clamp(12, 34) as u16;
    let mut widths = vec![
        Constraint::Length(offer_width),
        Constraint::Length(22),
        Constraint::Fill(2),
    ];
    let mut header = vec!["OFFER", "STATUS", "STEP / REASON"];
    widths.push(Constraint::Length(if cols.bar { 16 } else { 4 }));
    header.push(if cols.bar { "PROGRESS" } else { "DONE" });
    if cols.elapsed {
        widths.push(Constraint::Length(8));
        header.push("ELAPSED");
    }
    if cols.polled {
        widths.push(Constraint::Length(9));
        header.push("POLLED");
    }
    if cols.emails {
        widths.push(Constraint::Fill(1));
        header.push("E-MAILS");
    }
    // Only the rows that fit are built: a frame costs the same with 10 offers or 10,000.
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    let mut offset = app.scroll;
    if app.selected < offset {
        offset = app.selected;
    } else if app.selected >= offset + height {
        offset = app.selected + 1 - height;
    }
    let window =
        &app.visible[offset.min(app.visible.len())..(offset + height).min(app.visible.len())];
    let rows: Vec<Row> = window
        .iter()
        .map(|&i| {
            let row = &app.rows[i];
            let (symbol, label, tone) = theme.status(&row.state(), app.spinner);
            let (step, step_tone) = step_text(row);
            let mut cells = vec![
                Cell::from(row.key()),
                Cell::from(Span::styled(format!("{symbol} {label}"), theme.style(tone))),
                Cell::from(Span::styled(step, theme.style(step_tone))),
            ];
            let progress = row
                .progress()
                .map(|p| {
                    if cols.bar {
                        format!("{} {p:>3}%", theme.bar(p, 10))
                    } else {
                        format!("{p:>3}%")
                    }
                })
                .unwrap_or_default();
            cells.push(Cell::from(progress));
            if cols.elapsed {
                let elapsed = row
                    .op
                    .as_ref()
                    .map(|o| {
                        short_duration(if o.finished {
                            o.updated_at - o.started_at
                        } else {
                            app.now - o.started_at
                        })
                    })
                    .unwrap_or_default();
                cells.push(Cell::from(elapsed));
            }
            if cols.polled {
                // Relative while polled (the tick keeps it moving), the clock time otherwise.
                let polled = match row.last_poll {
                    Some(t) if row.in_flight() => ago(app.now, Some(t)),
                    Some(t) => t
                        .with_timezone(&chrono::Local)
                        .format("%H:%M:%S")
                        .to_string(),
                    None => "—".into(),
                };
                cells.push(Cell::from(polled));
            }
            if cols.emails {
                cells.push(Cell::from(Span::styled(
                    row.emails.join(", "),
                    theme.style(Tone::Muted),
                )));
            }
            let mut style = Style::default();
            if row.flash_until.is_some() {
                style = style.add_modifier(Modifier::BOLD);
            }
            Row::new(cells).style(style)
        })
        .collect();
    let filter = app.filter.text();
    let title = if filter.is_empty() {
        format!(" offers[{}/{}] ", app.visible.len(), app.rows.len())
    } else {
        format!(
            " offers(/{}) [{}/{}] ",
            truncate(&filter, 30),
            app.visible.len(),
            app.rows.len()
        )
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(title, theme.style(Tone::Accent)));
    if app.visible.is_empty() {
        let text = if app.rows.is_empty() {
            "no offers configured".to_string()
        } else {
            format!("no offer matches /{filter} (Esc clears the filter)")
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.style(Tone::Muted))
                .block(block),
            area,
        );
        return;
    }
    let highlight = if theme.color {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    };
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.style(Tone::Muted).add_modifier(Modifier::BOLD)))
        .block(block)
        .row_highlight_style(highlight)
        .highlight_symbol(if theme.ascii { "> " } else { "▶ " })
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(app.selected.saturating_sub(offset)));
    frame.render_stateful_widget(table, area, &mut state);
}

fn ago(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> String {
    t.map(|t| format!("{} ago", short_duration(now - t)))
        .unwrap_or_else(|| "—".into())
}

fn render_detail(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(row) = app.selected_row().and_then(|i| app.rows.get(i)) else {
        return;
    };
    let (symbol, label, tone) = theme.status(&row.state(), app.spinner);
    let key_style = theme.style(Tone::Muted);
    let mut lines = vec![Line::from(vec![
        Span::styled("Status      ", key_style),
        Span::styled(format!("{symbol} {label}"), theme.style(tone)),
        Span::raw(
            row.progress()
                .map(|p| format!("  {p}%"))
                .unwrap_or_default(),
        ),
    ])];
    if let Some(reason) = row.failure() {
        lines.push(Line::from(vec![
            Span::styled("Reason      ", key_style),
            Span::styled(reason, theme.style(Tone::Bad)),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled("E-mails     ", key_style),
        Span::raw(if row.emails.is_empty() {
            "(none)".into()
        } else {
            row.emails.join(", ")
        }),
    ]));
    if let Some(op) = &row.op {
        let id = op
            .operation_url
            .split(['/', '?'])
            .filter(|s| !s.is_empty())
            .nth_back(0)
            .map(str::to_string)
            .unwrap_or_default();
        let id = if op.operation_url.contains("/operations/") {
            op.operation_url
                .split("/operations/")
                .nth(1)
                .unwrap_or("")
                .split('?')
                .next()
                .unwrap_or("")
                .to_string()
        } else {
            id
        };
        lines.push(Line::from(vec![
            Span::styled("Operation   ", key_style),
            Span::raw(format!("{} · id {id}", op.kind)),
        ]));
        lines.push(Line::from(vec![
            Span::styled("URL         ", key_style),
            Span::raw(op.operation_url.clone()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("Started     ", key_style),
            Span::raw(format!(
                "{} ({} ago) · last poll {}",
                op.started_at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S"),
                short_duration(app.now - op.started_at),
                ago(app.now, row.last_poll)
            )),
        ]));
    }
    if let Some((attempt, error)) = &row.retrying {
        lines.push(Line::from(vec![
            Span::styled("Retrying    ", key_style),
            Span::styled(
                format!("attempt {attempt}: {error}"),
                theme.style(Tone::Warn),
            ),
        ]));
    }
    lines.push(Line::raw(""));
    let steps: Vec<crate::store::StepRecord> = match (&row.op, &row.service) {
        (Some(op), _) if !op.steps.is_empty() => op.steps.clone(),
        (_, Some(d)) => d.steps.iter().map(crate::store::StepRecord::from).collect(),
        _ => Vec::new(),
    };
    if steps.is_empty() {
        lines.push(Line::styled("No steps reported yet.", key_style));
    } else {
        lines.push(Line::styled(
            format!(
                "{:<3}{:<46}{:<27}{:>5}  {}",
                "", "STEP", "STATUS", "%", "ESTIMATE"
            ),
            key_style.add_modifier(Modifier::BOLD),
        ));
    }
    for s in &steps {
        let (sym, tone) = theme.step(&s.status, app.spinner);
        lines.push(Line::from(vec![
            Span::styled(format!("{sym:<3}"), theme.style(tone)),
            Span::raw(format!("{:<46}", truncate(&s.name, 45))),
            Span::styled(
                format!("{:<27}", truncate(&s.status, 26)),
                theme.style(tone),
            ),
            Span::raw(format!("{:>4}%  ", s.progress)),
            Span::styled(s.estimate.clone(), key_style),
        ]));
        for m in &s.messages {
            let tone = if m.level.eq_ignore_ascii_case("error") {
                Tone::Bad
            } else {
                Tone::Muted
            };
            lines.push(Line::from(vec![
                Span::raw("     "),
                Span::styled(format!("[{}] {}", m.level, m.text), theme.style(tone)),
            ]));
        }
    }
    if let Some(r) = &row.rejection {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Rejected by validation: {}", r.message),
            theme.style(Tone::Bad),
        ));
        for d in &r.details {
            lines.push(Line::styled(format!("  • {d}"), theme.style(Tone::Bad)));
        }
        if let Some(id) = &r.correlation_id {
            lines.push(Line::styled(format!("  correlation id {id}"), key_style));
        }
    }
    if let Some(e) = &row.last_error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Last error: {}", e.message),
            theme.style(Tone::Warn),
        ));
        if let Some(id) = &e.correlation_id {
            lines.push(Line::styled(format!("  correlation id {id}"), key_style));
        }
    }
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(
            format!(" {} ", row.key()),
            theme.style(Tone::Accent),
        ))
        .title_bottom(Span::styled(
            " Esc back · p publish · e e-mails · r retry · L go live · c cancel ",
            key_style,
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn render_footer(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let line = if app.mode == Mode::Filter {
        Line::from(vec![
            Span::styled("/", theme.style(Tone::Accent)),
            Span::raw(app.filter.text()),
            Span::styled("  (Enter keep · Esc clear)", theme.style(Tone::Muted)),
        ])
    } else if let Some(t) = app.toasts.last() {
        let (sym, tone) = theme.toast(t.level);
        Line::from(Span::styled(format!("{sym} {}", t.text), theme.style(tone)))
    } else {
        Line::from(Span::styled(
            format!("{} · ? for help", crate::paths::display(&app.config_path)),
            theme.style(Tone::Muted),
        ))
    };
    frame.render_widget(Paragraph::new(line), area);
    if app.mode == Mode::Filter {
        let x = area.x + 1 + app.filter.cursor() as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// A centred rectangle of at most `width`×`height`, cleared.
fn popup(frame: &mut Frame, width: u16, height: u16) -> Rect {
    let area = frame.area();
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    frame.render_widget(Clear, h);
    h
}

/// A popup's frame: a rounded box with a title and a key hint at the bottom.
fn popup_block<'a>(theme: &Theme, title: String, tone: Tone, hint: &'a str) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(tone))
        .title(Span::styled(format!(" {title} "), theme.style(tone)))
        .title_bottom(Span::styled(format!(" {hint} "), theme.style(Tone::Muted)))
}

/// The text of a popup, wrapped to its width, in its frame.
fn popup_text<'a>(
    lines: Vec<Line<'a>>,
    theme: &Theme,
    title: String,
    tone: Tone,
    hint: &'a str,
) -> Paragraph<'a> {
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(popup_block(theme, title, tone, hint))
}

fn render_help(theme: &Theme, frame: &mut Frame) {
    let mut lines = Vec::new();
    for group in [Group::Navigation, Group::Offer, Group::General] {
        lines.push(Line::styled(group.title(), theme.style(Tone::Accent)));
        for b in BINDINGS.iter().filter(|b| b.group == group) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<10}", b.label), theme.style(Tone::Ready)),
                Span::raw(b.description),
            ]));
        }
    }
    lines.push(Line::from(vec![
        Span::styled("  Ctrl-c    ", theme.style(Tone::Ready)),
        Span::raw("quit at once"),
    ]));
    let height = lines.len() as u16 + 2;
    let area = popup(frame, 72, height);
    frame.render_widget(
        Paragraph::new(lines).block(popup_block(
            theme,
            "help".into(),
            Tone::Accent,
            "Esc or ? closes",
        )),
        area,
    );
}

fn render_confirm(app: &App, theme: &Theme, frame: &mut Frame, c: &super::app::Confirm) {
    let Some(row) = app.rows.get(c.row) else {
        return;
    };
    let key = row.key();
    let (title, question) = match (c.kind, c.retry) {
        (OpKind::Publish, true) => ("retry publish", format!("Publish {key} again?")),
        (OpKind::Publish, false) => ("publish", format!("Publish {key}?")),
        (OpKind::GoLive, _) => (
            "go live",
            format!("Make the previewed version of {key} public?"),
        ),
        (OpKind::Cancel, _) => ("cancel", format!("Cancel the running operation of {key}?")),
    };
    let mut lines = vec![
        Line::styled(
            question,
            theme.style(Tone::Plain).add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
    ];
    if c.kind != OpKind::Cancel {
        lines.push(Line::styled(
            "Notification e-mails:",
            theme.style(Tone::Muted),
        ));
        if c.emails.is_empty() {
            lines.push(Line::raw("  (none configured: e edits them)"));
        }
        for e in &c.emails {
            lines.push(Line::raw(format!("  {e}")));
        }
        lines.push(Line::styled(
            "(migrated offers notify the Partner Center seller contact)",
            theme.style(Tone::Muted),
        ));
    } else {
        lines.push(Line::raw("The service takes a minute or two to cancel."));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("y", theme.style(Tone::Ready)),
        Span::raw(" confirm    "),
        Span::styled("n", theme.style(Tone::Ready)),
        Span::raw(" / Esc: do nothing"),
    ]));
    let height = lines.len() as u16 + 2;
    let area = popup(frame, 64, height);
    frame.render_widget(
        popup_text(lines, theme, title.into(), Tone::Accent, "y / n"),
        area,
    );
}

fn render_rejection(app: &App, theme: &Theme, frame: &mut Frame, row: usize) {
    let Some(r) = app.rows.get(row) else { return };
    let Some(rej) = &r.rejection else { return };
    let mut lines = vec![
        Line::styled(
            rej.message.clone(),
            theme.style(Tone::Plain).add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
    ];
    for d in &rej.details {
        lines.push(Line::from(vec![
            Span::styled(
                if theme.ascii { " * " } else { " • " },
                theme.style(Tone::Bad),
            ),
            Span::raw(d.clone()),
        ]));
    }
    if rej.details.is_empty() {
        lines.push(Line::raw(" (the service sent no details)"));
    }
    lines.push(Line::raw(""));
    if let Some(id) = &rej.correlation_id {
        lines.push(Line::styled(
            format!("correlation id {id}"),
            theme.style(Tone::Muted),
        ));
    }
    let width = 90;
    let height = (lines.len() as u16
        + 2
        + rej
            .details
            .iter()
            .map(|d| d.chars().count() as u16 / (width - 6))
            .sum::<u16>())
    .min(frame.area().height);
    let area = popup(frame, width, height);
    let title = format!("{}: rejected by validation (HTTP 422)", r.key());
    frame.render_widget(
        popup_text(
            lines,
            theme,
            title,
            Tone::Bad,
            "fix the offer, then r retries · e e-mails · Esc close",
        ),
        area,
    );
}

fn render_errors(app: &App, theme: &Theme, frame: &mut Frame) {
    let mut lines = Vec::new();
    for e in app.errors.iter().rev().take(40) {
        let when = e.at.with_timezone(&chrono::Local).format("%H:%M:%S");
        let offer = e.offer.clone().unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("{when} "), theme.style(Tone::Muted)),
            Span::styled(format!("{offer} "), theme.style(Tone::Accent)),
            Span::raw(e.message.clone()),
        ]));
        for d in &e.details {
            lines.push(Line::raw(format!("           • {d}")));
        }
        if let Some(id) = &e.correlation_id {
            lines.push(Line::styled(
                format!("           correlation id {id}"),
                theme.style(Tone::Muted),
            ));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("No errors so far.", theme.style(Tone::Muted)));
    }
    let area = popup(
        frame,
        frame.area().width.saturating_sub(4),
        frame.area().height.saturating_sub(4),
    );
    frame.render_widget(
        popup_text(
            lines,
            theme,
            "error history".into(),
            Tone::Warn,
            "Esc closes",
        ),
        area,
    );
}

fn render_quit(theme: &Theme, frame: &mut Frame, in_flight: usize) {
    let lines = vec![
        Line::styled(
            format!("{in_flight} operation(s) in flight."),
            theme.style(Tone::Plain).add_modifier(Modifier::BOLD),
        ),
        Line::raw("They go on at the service, and offerdeck resumes"),
        Line::raw("watching them the next time it starts."),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", theme.style(Tone::Ready)),
            Span::raw(" quit    "),
            Span::styled("n", theme.style(Tone::Ready)),
            Span::raw(" / Esc: stay"),
        ]),
    ];
    let area = popup(frame, 56, 7);
    frame.render_widget(
        Paragraph::new(lines).block(popup_block(theme, "quit?".into(), Tone::Warn, "y / n")),
        area,
    );
}

fn render_editor(app: &App, theme: &Theme, frame: &mut Frame) {
    let Mode::EditEmails(form) = &app.mode else {
        return;
    };
    let Some(row) = app.rows.get(form.row) else {
        return;
    };
    let width = frame.area().width.saturating_sub(6).clamp(30, 90);
    let inner = width.saturating_sub(2) as usize;
    let text = form.input.text();
    // Scroll the text so the cursor stays visible.
    let start = form.input.cursor().saturating_sub(inner.saturating_sub(1));
    let shown: String = text.chars().skip(start).take(inner).collect();
    let mut lines = vec![
        Line::styled(
            "Comma-separated addresses (empty: none)",
            theme.style(Tone::Muted),
        ),
        Line::from(Span::styled(
            shown,
            Style::default().add_modifier(Modifier::UNDERLINED),
        )),
        Line::raw(""),
    ];
    match (&form.error, form.saving) {
        (_, true) => lines.push(Line::styled("saving…", theme.style(Tone::Busy))),
        (Some(e), _) => lines.push(Line::styled(e.clone(), theme.style(Tone::Bad))),
        (None, _) => lines.push(Line::styled(
            "Enter saves to the config file (comments kept)",
            theme.style(Tone::Muted),
        )),
    }
    let area = popup(frame, width, 7);
    let title = format!("notification e-mails of {}", row.key());
    frame.render_widget(
        popup_text(
            lines,
            theme,
            title,
            Tone::Accent,
            "Enter save · Esc cancel · ←/→ Home/End",
        ),
        area,
    );
    let x = area.x + 1 + (form.input.cursor() - start) as u16;
    frame.set_cursor_position((x.min(area.right().saturating_sub(2)), area.y + 2));
}
