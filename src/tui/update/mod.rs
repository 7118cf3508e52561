//! The one step: `update(state, message, now) -> effects`. Pure: no I/O, no clock, no terminal.
//! Keys (`keys.rs`) and the engine's events (`engine.rs`) each have a room of their own; so do
//! asking before a start (`start.rs`), the offer picker, the mouse, copy and open, and the
//! event log.

mod copy;
mod engine;
mod keys;
mod log;
mod mouse;
mod picker;
mod start;

use chrono::{DateTime, Utc};

use super::msg::{Effect, Msg};
use super::state::App;

impl App {
    /// Takes a message and the current time, changes the state, returns effects.
    pub fn update(&mut self, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
        self.now = now;
        // Every message redraws, unless its handler finds nothing on screen changed.
        let was_dirty = std::mem::replace(&mut self.dirty, true);
        let effects = match msg {
            Msg::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                self.toasts.retain(|t| t.until > now);
                if self
                    .waiting
                    .as_ref()
                    .is_some_and(|(until, _)| *until <= now)
                {
                    self.waiting = None;
                }
                for row in &mut self.table.rows {
                    if row.flash_until.is_some_and(|t| t <= now) {
                        row.flash_until = None;
                    }
                }
                Vec::new()
            }
            Msg::Resize { width, height } => {
                // Header (2), footer (1), table borders (2) and column titles (1).
                self.table.viewport_rows = usize::from(height).saturating_sub(6);
                self.width = width;
                Vec::new()
            }
            Msg::Mouse(mouse) => self.on_mouse(mouse),
            Msg::Key(key) => self.on_key(key),
            Msg::Engine(event) => self.on_engine(event),
            Msg::RefreshDue => self.refresh_idle(),
            Msg::OffersAdded(result) => self.on_offers_added(result),
            Msg::OpenFailed { url, why } => self.on_open_failed(url, why),
            Msg::EmailsSaved { offer, result } => {
                self.on_emails_saved(&offer, result);
                Vec::new()
            }
        };
        self.table.keep_selection_visible();
        self.dirty |= was_dirty;
        effects
    }
}
