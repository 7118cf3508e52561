//! The header: title, live state, last update, errors, and the key hints that fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::short_duration;
use crate::text::truncate;
use crate::tui::keys::{self, HEADER_HINTS, Scope};
use crate::tui::state::App;
use crate::tui::theme::{Theme, Tone};

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
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
    if let Some((_, text)) = app.waiting.as_ref().filter(|(until, _)| *until > app.now) {
        let mark = if theme.ascii { "~" } else { "⏳" };
        first.push(Span::styled(
            format!("  {mark} {text}"),
            theme.style(Tone::Warn),
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
    for action in HEADER_HINTS {
        let Some(b) = keys::binding(Scope::Table, action) else {
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
