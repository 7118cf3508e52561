//! The header: title, live state, last update, errors, and the key hints that fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{clock_time, coarse_age};
use crate::text::truncate;
use crate::tui::keys::{self, HEADER_HINTS, Scope};
use crate::tui::state::App;
use crate::tui::theme::{Theme, Tone};

pub(super) fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let in_flight = app.in_flight();
    // What matters first (live or not, how fresh, errors); the title takes what is left.
    let mut first = vec![
        Span::styled(
            " offerdeck ",
            theme.style(Tone::Accent).add_modifier(Modifier::REVERSED),
        ),
        Span::raw(" "),
    ];
    let dot =
        |unicode: &'static str, ascii: &'static str| if theme.ascii { ascii } else { unicode };
    if let Some(&(_, since)) = app.unreachable.iter().min_by_key(|(_, t)| *t) {
        // Not live: say so, in red, naming the APIs and since when; and when the next try
        // goes out, when anything will try again.
        // Always in the same order, whichever was found unreachable first.
        let mut apis: Vec<&str> = app
            .unreachable
            .iter()
            .map(|(k, _)| k.caps().short)
            .collect();
        apis.sort_unstable();
        let next = app
            .table
            .rows
            .iter()
            .filter(|r| app.unreachable.iter().any(|(k, _)| *k == r.backend))
            .filter_map(|r| r.truth.retrying.as_ref().and_then(|t| t.until))
            .chain(app.next_try.iter().map(|(_, at)| *at))
            .filter(|t| *t > app.now)
            .min()
            .map(|t| format!(", next try {}", clock_time(t)))
            .unwrap_or_default();
        first.push(Span::styled(
            format!(
                "{} {} unreachable since {}{next}",
                dot("✖", "x"),
                apis.join(" and "),
                clock_time(since)
            ),
            theme.style(Tone::Bad),
        ));
    } else if in_flight > 0 {
        first.push(Span::styled(
            format!(
                "{} live · {in_flight} in flight",
                theme.spinner(app.spinner)
            ),
            theme.style(Tone::Busy),
        ));
    } else {
        first.push(Span::styled(
            format!("{} live · idle", dot("●", "o")),
            theme.style(Tone::Good),
        ));
    }
    if app.read_only {
        first.push(Span::styled("  read-only", theme.style(Tone::Warn)));
    }
    if let Some(t) = app.last_update() {
        first.push(Span::styled(
            format!("  updated {}", coarse_age(app.now - t)),
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
    if app.unseen_errors() > 0 {
        first.push(Span::styled(
            format!("  {} new error(s): E", app.unseen_errors()),
            theme.style(Tone::Warn),
        ));
    }
    let used: usize = first.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(used + 2);
    if room >= 8 {
        first.push(Span::raw("  "));
        first.push(Span::styled(
            truncate(&app.title, room.min(60)),
            theme.style(Tone::Muted),
        ));
    }
    // Key hints, most important first, as many as fit; `?` always leads to the rest.
    let mut hints = Vec::new();
    let mut used = 0usize;
    for action in HEADER_HINTS {
        // Read-only: what would change the service is not offered.
        if app.read_only && keys::OFF_WHEN_READ_ONLY.contains(&action) {
            continue;
        }
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
