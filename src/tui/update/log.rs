//! The event log (`l`): its keys (scrolling is the shared one; `/` types a filter) and its
//! lines arriving from the state store, whose problems also feed the error history (`E`).

use super::super::keys::Action;
use super::super::msg::Effect;
use super::super::state::{App, Overlay};

impl App {
    /// The event log's keys: `/` types a filter, Enter keeps it, Esc clears it or closes.
    pub(super) fn on_log(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Log(log) = &mut self.overlay else {
            return Vec::new();
        };
        match action {
            Action::Filter => log.typing = true,
            Action::Accept => log.typing = false,
            Action::Discard => {
                log.typing = false;
                log.filter = crate::tui::input::TextInput::default();
            }
            Action::DeleteBack => log.filter.backspace(),
            Action::DeleteForward => log.filter.delete(),
            Action::DeleteWord => log.filter.delete_word(),
            Action::ClearToStart => log.filter.clear_to_start(),
            Action::ClearToEnd => log.filter.clear_to_end(),
            Action::CursorHome => log.filter.home(),
            Action::CursorEnd => log.filter.end(),
            Action::CursorLeft => log.filter.left(),
            Action::CursorRight => log.filter.right(),
            Action::Close => self.overlay = Overlay::None,
            _ => {}
        }
        Vec::new()
    }

    /// The event log arrived: into the open log, and its problems into the error history.
    pub(super) fn on_log_loaded(
        &mut self,
        entries: Vec<crate::domain::log::LogEntry>,
    ) -> Vec<Effect> {
        self.past_errors = entries.iter().filter(|e| e.error).cloned().collect();
        if let Overlay::Log(log) = &mut self.overlay {
            log.entries = entries;
            log.loading = false;
        }
        Vec::new()
    }
}
