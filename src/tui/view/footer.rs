//! The footer: the filter prompt, the newest toast, or where the config is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format::{ago, short_duration};
use crate::tui::keys::{self, Scope};
use crate::tui::state::{App, Mode};
use crate::tui::theme::{Theme, Tone};

pub(super) fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    // A line cut by the width ends with `…`, so a cut message never reads as a whole one.
    let fit = |text: String| crate::text::truncate(&text, usize::from(area.width));
    let line = if app.mode == Mode::Filter {
        Line::from(vec![
            Span::styled("/", theme.style(Tone::Accent)),
            Span::raw(app.table.filter.text()),
            Span::styled(
                format!("  ({})", keys::hint_line(Scope::Filter)),
                theme.style(Tone::Muted),
            ),
        ])
    } else if let Some(t) = app.toasts.last() {
        let (sym, tone) = theme.toast(t.level);
        Line::from(Span::styled(
            fit(format!("{sym} {}", t.text)),
            theme.style(tone),
        ))
    } else if let Some(kept) = &app.table.kept {
        // The selected row no longer matches: why it is still there, and when it goes.
        Line::from(Span::styled(
            fit(format!(
                "{kept} no longer matches /{}: shown while selected",
                app.table.filter.text()
            )),
            theme.style(Tone::Warn),
        ))
    } else if area.width < 100
        && let Some((row, t)) = app
            .table
            .selected_row()
            .and_then(|i| app.table.rows.get(i))
            .and_then(|r| r.truth.last_poll.map(|t| (r, t)))
    {
        // Below 100 columns the table has no POLLED column: the footer says it for the
        // selected offer.
        // A poll that got no good answer is said so, with the last one that did.
        let failing = row.truth.last_ok.is_none_or(|ok| ok < t);
        let text = match (failing, row.truth.last_ok) {
            (true, Some(ok)) => format!(
                "{}: polled {}, no good answer for {}",
                row.id,
                ago(app.now, Some(t)),
                short_duration(app.now - ok)
            ),
            (true, None) => format!(
                "{}: polled {}, no good answer yet",
                row.id,
                ago(app.now, Some(t))
            ),
            (false, _) => format!("{}: polled {} · ? for help", row.id, ago(app.now, Some(t))),
        };
        Line::from(Span::styled(
            fit(text),
            theme.style(if failing { Tone::Warn } else { Tone::Muted }),
        ))
    } else {
        Line::from(Span::styled(
            fit(format!(
                "{} · ? for help",
                crate::paths::display(&app.config_path)
            )),
            theme.style(Tone::Muted),
        ))
    };
    frame.render_widget(Paragraph::new(line), area);
    if app.mode == Mode::Filter {
        let x = area.x + 1 + app.table.filter.cursor() as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
}
