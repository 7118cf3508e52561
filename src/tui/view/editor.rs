//! The e-mail editor popup, with its cursor.

use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::popups::{popup, popup_text};
use crate::tui::keys::{self, Scope};
use crate::tui::overlay::EmailForm;
use crate::tui::state::App;
use crate::tui::theme::{Theme, Tone};

pub(super) fn render(app: &App, form: &EmailForm, theme: &Theme, frame: &mut Frame) {
    let Some(row) = app.table.row(&form.offer) else {
        return;
    };
    let width = frame.area().width.saturating_sub(6).clamp(30, 90);
    let inner = width.saturating_sub(2) as usize;
    let text = form.input.text();
    // Scroll the text so the cursor stays visible, counting columns (CJK and emoji take two).
    let start = form.input.scroll_for(inner.saturating_sub(1));
    let mut used = 0;
    let shown: String = text
        .chars()
        .skip(start)
        .take_while(|c| {
            used += unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
            used <= inner
        })
        .collect();
    let mut lines = vec![
        Line::styled(
            "Comma-separated addresses (at least one)",
            theme.style(Tone::Muted),
        ),
        Line::from(Span::styled(
            shown,
            Style::default().add_modifier(Modifier::UNDERLINED),
        )),
        Line::raw(""),
    ];
    let mut moved_lines = 0;
    if super::confirm::moved(app, &form.offer) {
        let note = format!("moved to Partner Center: {}", super::confirm::MOVED);
        for part in super::scroll::wrap(&note, inner) {
            moved_lines += 1;
            lines.push(Line::styled(part, theme.style(Tone::Warn)));
        }
    }
    match (&form.error, form.saving) {
        (_, true) => lines.push(Line::styled("saving…", theme.style(Tone::Busy))),
        (Some(e), _) => lines.push(Line::styled(e.clone(), theme.style(Tone::Bad))),
        (None, _) => lines.push(Line::styled(
            "Enter saves to the config file (comments kept)",
            theme.style(Tone::Muted),
        )),
    }
    let area = popup(frame, width, 7 + moved_lines);
    let title = format!("notification e-mails of {}", row.id);
    // The hinted keys, then the editing keys when the border has room for them (never cut).
    let editing: Vec<&str> = keys::in_scope(Scope::Editor)
        .filter(|b| b.hint.is_none() && b.action != keys::Action::Interrupt)
        .map(|b| b.label)
        .collect();
    let short = keys::hint_line(Scope::Editor);
    let long = format!("{short} · {} edit", editing.join(" "));
    let room = usize::from(area.width.saturating_sub(4));
    let hint = if long.chars().count() <= room {
        long
    } else {
        short
    };
    frame.render_widget(popup_text(lines, theme, title, Tone::Accent, hint), area);
    let x = area.x + 1 + form.input.columns_to_cursor(start) as u16;
    frame.set_cursor_position((x.min(area.right().saturating_sub(2)), area.y + 2));
}
