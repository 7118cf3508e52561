//! The offer picker (`a`): the offers the account has that the table does not, to mark and add.

use ratatui::Frame;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::popups::{popup, popup_block};
use super::table::api_label;
use crate::text::truncate;
use crate::tui::keys::{self, Scope};
use crate::tui::overlay::Picker;
use crate::tui::theme::{Theme, Tone};

pub(super) fn render(picker: &Picker, theme: &Theme, frame: &mut Frame) {
    let screen = frame.area();
    let width = screen.width.saturating_sub(4).clamp(20, 100);
    // Title and key line take the borders; one line says what this is.
    let list_room = usize::from(screen.height.saturating_sub(6)).max(1);
    let shown = picker.items.len().clamp(1, list_room);
    let height = (shown + picker.errors.len() + 3) as u16;
    let area = popup(frame, width, height);
    let inner = usize::from(width.saturating_sub(2));
    let muted = theme.style(Tone::Muted);
    let mut lines = Vec::new();
    let marked = picker.items.iter().filter(|i| i.marked).count();
    lines.push(Line::styled(
        if picker.loading {
            "asking the services for the offers of your publishers…".to_string()
        } else if picker.saving {
            "adding to the config…".to_string()
        } else if picker.items.is_empty() {
            "every offer found is in the table already".to_string()
        } else {
            format!(
                "{} offer(s) not in the table · {marked} marked",
                picker.items.len()
            )
        },
        muted,
    ));
    for error in &picker.errors {
        lines.push(Line::styled(
            truncate(&format!("could not list {error}"), inner),
            theme.style(Tone::Bad),
        ));
    }
    // The selection stays in view: the list scrolls under it.
    let offset = picker.selected.saturating_sub(shown.saturating_sub(1));
    let offer_width = picker
        .items
        .iter()
        .map(|i| i.offer.id.to_string().chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 40);
    for (i, item) in picker.items.iter().enumerate().skip(offset).take(shown) {
        let mark = match (item.marked, theme.ascii) {
            (true, true) => "[x]",
            (true, false) => "[✔]",
            (false, _) => "[ ]",
        };
        let text = format!(
            "{mark} {:<offer_width$} {:<3} {} · {}",
            truncate(&item.offer.id.to_string(), offer_width),
            api_label(item.offer.backend),
            item.offer.name,
            item.offer_type.label()
        );
        let mut style = if item.marked {
            theme.style(Tone::Ready)
        } else {
            theme.style(Tone::Plain)
        };
        if i == picker.selected {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(Span::styled(truncate(&text, inner), style)));
    }
    let block = popup_block(
        theme,
        "add offers".into(),
        Tone::Accent,
        keys::hint_line(Scope::Picker),
    );
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
