//! The mouse: a click selects a row, a second click on it soon after opens its detail, a click
//! on a column title sorts by it (again: reversed), and the wheel scrolls what is shown.

use chrono::Duration;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::super::msg::Effect;
use super::super::overlay::Overlay;
use super::super::state::{App, Mode};

/// Two clicks on one row within this long are a double click.
const DOUBLE_CLICK_MILLIS: i64 = 500;
/// The table's column titles are on this line (under the two header lines and the border).
const TITLES_LINE: u16 = 3;

impl App {
    pub(super) fn on_mouse(&mut self, mouse: MouseEvent) -> Vec<Effect> {
        let up = match mouse.kind {
            MouseEventKind::ScrollUp => Some(true),
            MouseEventKind::ScrollDown => Some(false),
            _ => None,
        };
        if let Some(up) = up {
            self.wheel(up);
            return Vec::new();
        }
        let MouseEventKind::Down(MouseButton::Left) = mouse.kind else {
            return Vec::new();
        };
        // Clicks go to the table only, while nothing is on top of it.
        if self.overlay != Overlay::None || self.mode != Mode::Browse {
            return Vec::new();
        }
        if mouse.row == TITLES_LINE {
            if let Some(column) =
                crate::tui::view::table::sort_column_at(self, self.width, mouse.column)
            {
                self.table.sort_by(column, self.now);
            }
            return Vec::new();
        }
        let Some(line) = mouse.row.checked_sub(TITLES_LINE + 1) else {
            return Vec::new();
        };
        let position = self.table.scroll + usize::from(line);
        if usize::from(line) >= self.table.viewport_rows.max(1)
            || position >= self.table.visible.len()
        {
            return Vec::new();
        }
        let row = self.table.visible[position];
        let double = self.last_click.is_some_and(|(r, at)| {
            r == row && self.now - at <= Duration::milliseconds(DOUBLE_CLICK_MILLIS)
        });
        self.table.selected = position;
        if double {
            self.last_click = None;
            self.mode = Mode::Detail;
            self.text_scroll = 0;
        } else {
            self.last_click = Some((row, self.now));
        }
        Vec::new()
    }

    /// The wheel moves the selection in the table and lists, and scrolls the text of the
    /// detail view and the popups.
    fn wheel(&mut self, up: bool) {
        let step: isize = if up { -1 } else { 1 };
        match &mut self.overlay {
            Overlay::Picker(p) => p.move_by(step),
            Overlay::Copy(m) => m.move_by(step),
            Overlay::None if self.mode == Mode::Browse => self.table.move_by(step),
            _ => self.text_scroll = self.text_scroll.saturating_add_signed(step),
        }
    }
}
