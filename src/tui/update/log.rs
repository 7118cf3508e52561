//! The event log (`l`): its keys (scrolling is the shared one; `/` types a filter) and its
//! lines arriving from the state store, whose problems also feed the error history (`E`).

use super::super::keys::Action;
use super::super::msg::Effect;
use super::super::overlay::{Overlay, Reply};
use super::super::state::App;

impl App {
    /// The event log's keys: `/` types a filter, Enter keeps it, Esc clears it or closes.
    pub(super) fn on_log(&mut self, action: Action) -> Vec<Effect> {
        if let Overlay::Log(log) = &mut self.overlay
            && log.on_action(action) == Reply::Close
        {
            self.overlay = Overlay::None;
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
