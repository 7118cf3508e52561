//! The popups that list things to act on or read: the copy menu and the event log.

use ratatui::Frame;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::date_time;
use super::popups::{full_popup, popup, popup_block};
use super::scroll;
use crate::tui::keys::{self, Scope};
use crate::tui::state::App;
use crate::tui::theme::{Theme, Tone};

/// What `y` can copy of the selected offer, one per line with its value.
pub(super) fn copy_menu(menu: &crate::tui::overlay::CopyMenu, theme: &Theme, frame: &mut Frame) {
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
    log: &crate::tui::overlay::LogView,
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
    let area = full_popup(frame);
    let block = popup_block(theme, title, Tone::Accent, keys::hint_line(scope));
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}
