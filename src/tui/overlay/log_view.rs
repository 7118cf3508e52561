//! The event log (`l`): its lines from the state store, newest first, and a filter over them.

use super::Reply;
use crate::domain::log::LogEntry;
use crate::tui::input::TextInput;
use crate::tui::keys::Action;

/// The event log as shown: its lines (newest first), and a filter over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    pub entries: Vec<LogEntry>,
    pub loading: bool,
    pub filter: TextInput,
    /// Typing into the filter.
    pub typing: bool,
}

impl LogView {
    /// The log as it opens: waiting for its lines.
    pub fn loading() -> LogView {
        LogView {
            entries: Vec::new(),
            loading: true,
            filter: TextInput::default(),
            typing: false,
        }
    }

    /// `/` types a filter, Enter keeps it, Esc clears it; Esc or q outside the filter closes.
    pub fn on_action(&mut self, action: Action) -> Reply<()> {
        match action {
            Action::Filter => self.typing = true,
            Action::Accept => self.typing = false,
            Action::Discard => {
                self.typing = false;
                self.filter = TextInput::default();
            }
            Action::Close => return Reply::Close,
            other => {
                self.filter.edit(other);
            }
        }
        Reply::Stay
    }

    /// A printable key typed into the filter.
    pub fn type_char(&mut self, c: char) {
        if self.typing {
            self.filter.insert(c);
        }
    }
}
