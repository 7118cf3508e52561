//! The popups that show one thing: help, a validation rejection, the error history and the
//! quit question (the confirmation has its own file, the lists theirs), and the frame they
//! share. Their key lines come from the key table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::format::{clock_time, date_time};
use super::scroll;
use crate::tui::keys::{self, Group, Scope};
use crate::tui::state::App;
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

/// A popup over the whole screen (the error history, the event log): no sliver of the table
/// shows between its border and the screen's edge.
pub(super) fn full_popup(frame: &mut Frame) -> Rect {
    let area = frame.area();
    frame.render_widget(Clear, area);
    area
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

/// The help popup's width when the screen has room.
const HELP_WIDTH: u16 = 72;

pub(super) fn help(app: &App, theme: &Theme, frame: &mut Frame) {
    let mut lines = Vec::new();
    // Descriptions wrap under themselves, past the key column, at whatever width there is.
    let width = usize::from(frame.area().width.min(HELP_WIDTH).saturating_sub(2));
    let text_width = width.saturating_sub(12).max(8);
    for group in Group::ALL {
        lines.push(Line::styled(group.title(), theme.style(Tone::Accent)));
        for b in keys::in_scope(Scope::Table).filter(|b| b.group == group) {
            // Read-only: what it turns off is listed, and said to be off.
            let off = app.read_only && keys::OFF_WHEN_READ_ONLY.contains(&b.action);
            let description = match off {
                true => format!("{} (off: read-only)", b.description),
                false => b.description.to_string(),
            };
            let (key_tone, text_tone) = match off {
                true => (Tone::Muted, Tone::Muted),
                false => (Tone::Ready, Tone::Plain),
            };
            for (i, part) in super::scroll::wrap(&description, text_width)
                .into_iter()
                .enumerate()
            {
                let key = if i == 0 { b.label } else { "" };
                lines.push(Line::from(vec![
                    Span::styled(format!("  {key:<10}"), theme.style(key_tone)),
                    Span::styled(part, theme.style(text_tone)),
                ]));
            }
        }
    }
    let height = lines.len() as u16 + 2;
    let area = popup(frame, HELP_WIDTH, height);
    let block = popup_block(
        theme,
        "help".into(),
        Tone::Accent,
        keys::hint_line(Scope::Reading),
    );
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

pub(super) fn rejection(
    app: &App,
    theme: &Theme,
    frame: &mut Frame,
    offer: &crate::domain::OfferId,
) {
    let Some(r) = app.table.row(offer) else {
        return;
    };
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
        format!(
            "fix the offer, then {}",
            keys::hint_line_offered(Scope::Rejection, app.read_only)
        ),
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
    let area = full_popup(frame);
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
    ];
    // Its keys are on the border.
    let area = popup(frame, 56, 5);
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
