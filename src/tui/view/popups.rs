//! The popups: help, the confirmation before an operation, a validation rejection, the error
//! history and the quit question. Their key lines come from the key table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::format::{clock_time, date_time};
use super::scroll;
use crate::domain::OpKind;
use crate::tui::keys::{self, Group, Scope};
use crate::tui::state::{App, Confirm};
use crate::tui::theme::{Theme, Tone};

/// A centred rectangle of at most `width`×`height`, cleared.
pub(super) fn popup(frame: &mut Frame, width: u16, height: u16) -> Rect {
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

/// A popup's frame: a rounded box with a title and a key line at the bottom.
pub(super) fn popup_block<'a>(theme: &Theme, title: String, tone: Tone, hint: String) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(tone))
        .title(Span::styled(format!(" {title} "), theme.style(tone)))
        .title_bottom(Span::styled(format!(" {hint} "), theme.style(Tone::Muted)))
}

/// The text of a popup, wrapped to its width, in its frame.
pub(super) fn popup_text<'a>(
    lines: Vec<Line<'a>>,
    theme: &Theme,
    title: String,
    tone: Tone,
    hint: String,
) -> Paragraph<'a> {
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(popup_block(theme, title, tone, hint))
}

/// `y confirm`-style spans for a key line inside a popup's text.
fn key_spans(theme: &Theme, scope: Scope) -> Line<'static> {
    let mut spans = Vec::new();
    for b in keys::in_scope(scope).filter(|b| b.hint.is_some()) {
        spans.push(Span::styled(b.label, theme.style(Tone::Ready)));
        spans.push(Span::raw(format!(" {}    ", b.hint.unwrap_or_default())));
    }
    Line::from(spans)
}

pub(super) fn help(app: &App, theme: &Theme, frame: &mut Frame) {
    let mut lines = Vec::new();
    for group in Group::ALL {
        lines.push(Line::styled(group.title(), theme.style(Tone::Accent)));
        for b in keys::in_scope(Scope::Table).filter(|b| b.group == group) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<10}", b.label), theme.style(Tone::Ready)),
                Span::raw(b.description),
            ]));
        }
    }
    let height = lines.len() as u16 + 2;
    let area = popup(frame, 72, height);
    let block = popup_block(
        theme,
        "help".into(),
        Tone::Accent,
        keys::hint_line(Scope::Reading),
    );
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

pub(super) fn confirm(app: &App, theme: &Theme, frame: &mut Frame, c: &Confirm) {
    if !c.more.is_empty() || !c.skipped.is_empty() {
        return confirm_many(app, theme, frame, c);
    }
    let Some(row) = app.row(&c.offer) else {
        return;
    };
    let key = &row.id;
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
    for warning in &c.warnings {
        lines.extend(warning_lines(theme, warning, popup_text_width(frame, 64)));
        lines.push(Line::raw(""));
    }
    if c.kind != OpKind::Cancel && !c.backend.caps().takes_emails {
        lines.push(Line::styled(
            "Partner Center notifies the account's contacts.",
            theme.style(Tone::Muted),
        ));
    } else if c.kind != OpKind::Cancel {
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
    if c.kind == OpKind::GoLive {
        lines.push(Line::raw(""));
        lines.extend(diff_lines(app.diffs.get(&c.offer), theme, Some(8)));
    }
    lines.push(Line::raw(""));
    lines.push(key_spans(theme, Scope::Confirm));
    let height = lines.len() as u16 + 2;
    let area = popup(frame, 64, height);
    // The key line is on the border too, so it stays in sight when a long list scrolls.
    let block = popup_block(
        theme,
        title.into(),
        Tone::Accent,
        keys::hint_line(Scope::Confirm),
    );
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

/// The columns inside a popup at most `width` wide, on this frame.
fn popup_text_width(frame: &Frame, width: u16) -> usize {
    usize::from(width.min(frame.area().width).saturating_sub(2))
}

/// A warning before a start, folded to the popup's width (never cut: what it says is why the
/// publisher might say no).
fn warning_lines(theme: &Theme, warning: &str, width: usize) -> Vec<Line<'static>> {
    let mark = if theme.ascii { "!" } else { "⚠" };
    scroll::wrap(warning, width.saturating_sub(2))
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let lead = if i == 0 { mark } else { " " };
            Line::styled(format!("{lead} {part}"), theme.style(Tone::Warn))
        })
        .collect()
}

/// One question for an action on several marked offers: every one of them listed, and the
/// marked ones it will not go to, with why.
fn confirm_many(app: &App, theme: &Theme, frame: &mut Frame, c: &Confirm) {
    let rows: Vec<&crate::tui::row::OfferRow> = std::iter::once(&c.offer)
        .chain(c.more.iter())
        .filter_map(|o| app.row(o))
        .collect();
    let n = rows.len();
    let these = if n == 1 {
        "this offer".to_string()
    } else {
        format!("these {n} offers")
    };
    let (title, question) = match (c.kind, c.retry) {
        (OpKind::Publish, true) => ("retry publish", format!("Publish {these} again?")),
        (OpKind::Publish, false) => ("publish", format!("Publish {these}?")),
        (OpKind::GoLive, _) => ("go live", format!("Make {these} public?")),
        (OpKind::Cancel, _) => (
            "cancel",
            format!("Cancel the running operations of {these}?"),
        ),
    };
    let mut lines = vec![
        Line::styled(
            question,
            theme.style(Tone::Plain).add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
    ];
    for r in &rows {
        let who = match (c.kind, r.backend) {
            (OpKind::Cancel, _) => String::new(),
            (_, kind) if !kind.caps().takes_emails => "  (Partner Center contacts)".into(),
            (_, _) if r.emails.is_empty() => "  (no e-mails)".into(),
            (_, _) => format!("  ({})", r.emails.join(", ")),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", r.id), theme.style(Tone::Accent)),
            Span::styled(who, theme.style(Tone::Muted)),
        ]));
    }
    if !c.warnings.is_empty() {
        lines.push(Line::raw(""));
        for warning in &c.warnings {
            lines.extend(warning_lines(theme, warning, popup_text_width(frame, 76)));
        }
    }
    if !c.skipped.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Not sent to:", theme.style(Tone::Warn)));
        for why in &c.skipped {
            lines.push(Line::styled(format!("  {why}"), theme.style(Tone::Warn)));
        }
    }
    lines.push(Line::raw(""));
    lines.push(key_spans(theme, Scope::Confirm));
    let height = lines.len() as u16 + 2;
    let area = popup(frame, 76, height);
    let block = popup_block(
        theme,
        title.into(),
        Tone::Accent,
        keys::hint_line(Scope::Confirm),
    );
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

pub(super) fn rejection(
    app: &App,
    theme: &Theme,
    frame: &mut Frame,
    offer: &crate::domain::OfferId,
) {
    let Some(r) = app.row(offer) else { return };
    let Some(rej) = r.truth.failed_start.as_ref().filter(|f| f.rejected) else {
        return;
    };
    let width: u16 = 90;
    let text_width = usize::from(width.min(frame.area().width).saturating_sub(2));
    let mut lines = vec![Line::styled(
        rej.message.clone(),
        theme.style(Tone::Plain).add_modifier(Modifier::BOLD),
    )];
    // The correlation id first: it stays in sight whatever the details' length.
    if let Some(id) = &rej.correlation_id {
        lines.push(Line::styled(
            format!("correlation id {id}"),
            theme.style(Tone::Muted),
        ));
    }
    lines.push(Line::raw(""));
    let bullet = if theme.ascii { " * " } else { " • " };
    for d in &rej.details {
        // Every detail whole: folded to the width, not cut.
        for (i, part) in scroll::wrap(d, text_width.saturating_sub(3))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { bullet } else { "   " };
            lines.push(Line::from(vec![
                Span::styled(lead, theme.style(Tone::Bad)),
                Span::raw(part),
            ]));
        }
    }
    if rej.details.is_empty() {
        lines.push(Line::raw(" (the service sent no details)"));
    }
    let height = (lines.len() as u16 + 2).min(frame.area().height);
    let area = popup(frame, width, height);
    let title = format!("{}: rejected by validation", r.id);
    let block = popup_block(
        theme,
        title,
        Tone::Bad,
        format!("fix the offer, then {}", keys::hint_line(Scope::Rejection)),
    );
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

pub(super) fn errors(app: &App, theme: &Theme, frame: &mut Frame) {
    let mut lines = Vec::new();
    for e in app.errors.iter().rev() {
        let when = clock_time(e.at);
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
        lines.push(Line::styled(
            "No errors in this session.",
            theme.style(Tone::Muted),
        ));
    }
    if !app.past_errors.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "From the history (l shows the whole event log):",
            theme.style(Tone::Muted),
        ));
        for e in &app.past_errors {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", date_time(e.at)), theme.style(Tone::Muted)),
                Span::raw(e.text.clone()),
            ]));
        }
    }
    let area = popup(
        frame,
        frame.area().width.saturating_sub(4),
        frame.area().height.saturating_sub(4),
    );
    let block = popup_block(
        theme,
        "error history".into(),
        Tone::Warn,
        keys::hint_line(Scope::Reading),
    );
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

pub(super) fn quit(theme: &Theme, frame: &mut Frame, in_flight: usize) {
    let lines = vec![
        Line::styled(
            format!("{in_flight} operation(s) in flight."),
            theme.style(Tone::Plain).add_modifier(Modifier::BOLD),
        ),
        Line::raw("They go on at the service, and offerdeck resumes"),
        Line::raw("watching them the next time it starts."),
        Line::raw(""),
        key_spans(theme, Scope::Quit),
    ];
    let area = popup(frame, 56, 7);
    frame.render_widget(
        Paragraph::new(lines).block(popup_block(
            theme,
            "quit?".into(),
            Tone::Warn,
            keys::hint_line(Scope::Quit),
        )),
        area,
    );
}

/// What `y` can copy of the selected offer, one per line with its value.
pub(super) fn copy_menu(menu: &crate::tui::state::CopyMenu, theme: &Theme, frame: &mut Frame) {
    let width: u16 = 76;
    let room = usize::from(width.saturating_sub(2 + 18));
    let lines: Vec<Line> = menu
        .items
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let first_line = value.lines().next().unwrap_or_default();
            let mut style = theme.style(Tone::Plain);
            if i == menu.selected {
                style = style.add_modifier(Modifier::REVERSED);
            }
            Line::from(vec![
                Span::styled(format!(" {label:<16} "), theme.style(Tone::Muted)),
                Span::styled(crate::text::truncate(first_line, room), style),
            ])
        })
        .collect();
    let area = popup(frame, width, lines.len() as u16 + 2);
    let block = popup_block(
        theme,
        "copy".into(),
        Tone::Accent,
        keys::hint_line(Scope::CopyMenu),
    );
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The event log: every request and every change, newest first, filtered by what is typed
/// after `/` (every word must appear).
pub(super) fn event_log(
    app: &App,
    log: &crate::tui::state::LogView,
    theme: &Theme,
    frame: &mut Frame,
) {
    use crate::domain::log::LogKind;
    let needle = log.filter.text().to_lowercase();
    let words: Vec<&str> = needle.split_whitespace().collect();
    let shown: Vec<&crate::domain::log::LogEntry> = log
        .entries
        .iter()
        .filter(|e| {
            let hay = e.text.to_lowercase();
            words.iter().all(|w| hay.contains(w))
        })
        .collect();
    let mut lines = Vec::new();
    if log.loading {
        lines.push(Line::styled(
            "reading the history…",
            theme.style(Tone::Muted),
        ));
    } else if shown.is_empty() {
        lines.push(Line::styled(
            if log.entries.is_empty() {
                "Nothing recorded yet."
            } else {
                "Nothing matches the filter."
            },
            theme.style(Tone::Muted),
        ));
    }
    for e in &shown {
        let (mark, tone) = match (e.kind, e.error) {
            (_, true) => (if theme.ascii { "x" } else { "✖" }, Tone::Bad),
            (LogKind::Call, false) => (if theme.ascii { ">" } else { "→" }, Tone::Muted),
            (LogKind::Change, false) => (if theme.ascii { "*" } else { "●" }, Tone::Accent),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", date_time(e.at)), theme.style(Tone::Muted)),
            Span::styled(format!("{mark} "), theme.style(tone)),
            Span::styled(
                e.text.clone(),
                theme.style(if e.error { Tone::Bad } else { Tone::Plain }),
            ),
        ]));
    }
    let filter = log.filter.text();
    let title = match (log.typing, filter.is_empty()) {
        (true, _) => format!(
            "event log · /{filter}▏ [{}/{}]",
            shown.len(),
            log.entries.len()
        ),
        (false, true) => format!("event log [{}]", log.entries.len()),
        (false, false) => format!(
            "event log · /{filter} [{}/{}]",
            shown.len(),
            log.entries.len()
        ),
    };
    let scope = if log.typing {
        Scope::LogFilter
    } else {
        Scope::Log
    };
    let area = popup(
        frame,
        frame.area().width.saturating_sub(4),
        frame.area().height.saturating_sub(4),
    );
    let block = popup_block(theme, title, Tone::Accent, keys::hint_line(scope));
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

/// What going live would change, one line per field (at most `most`, then how many more).
pub(super) fn diff_lines<'a>(
    state: Option<&crate::tui::state::DiffState>,
    theme: &Theme,
    most: Option<usize>,
) -> Vec<Line<'a>> {
    use crate::tui::state::DiffState;
    let muted = theme.style(Tone::Muted);
    let mut lines = vec![Line::styled(
        "What will change (preview against live):",
        muted,
    )];
    match state {
        None | Some(DiffState::Loading) => {
            lines.push(Line::styled("  reading both versions…", muted))
        }
        Some(DiffState::Failed(why)) => lines.push(Line::styled(
            format!("  could not compare: {why}"),
            theme.style(Tone::Warn),
        )),
        Some(DiffState::Ready(d)) if d.never_live => lines.push(Line::raw(
            "  nothing is live yet: all of the preview goes public",
        )),
        Some(DiffState::Ready(d)) if d.fields.is_empty() => {
            lines.push(Line::raw("  no differences found"))
        }
        Some(DiffState::Ready(d)) => {
            let shown = most.unwrap_or(usize::MAX).min(d.fields.len());
            for f in &d.fields[..shown] {
                let text = match (&f.before, &f.after) {
                    (Some(b), Some(a)) => format!("  ~ {}: {b} → {a}", f.path),
                    (None, Some(a)) => format!("  + {}: {a}", f.path),
                    (Some(b), None) => format!("  - {}: {b}", f.path),
                    (None, None) => format!("  ~ {}", f.path),
                };
                lines.push(Line::raw(text));
            }
            if d.fields.len() > shown {
                lines.push(Line::styled(
                    format!("  … {} more (D shows them all)", d.fields.len() - shown),
                    muted,
                ));
            }
        }
    }
    lines
}
