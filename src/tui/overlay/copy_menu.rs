//! The copy menu (`y`): labelled texts of the selected offer, one of them selected.

use super::{Reply, step};
use crate::tui::keys::Action;

/// The copy menu: labelled texts of the selected offer, one of them selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMenu {
    pub items: Vec<(String, String)>,
    pub selected: usize,
}

impl CopyMenu {
    /// Moves through the items; Enter chooses one (label, text) and the menu closes.
    pub fn on_action(&mut self, action: Action) -> Reply<(String, String)> {
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::Accept => {
                return match self.items.get(self.selected) {
                    Some(item) => Reply::Chosen(item.clone()),
                    None => Reply::Close,
                };
            }
            Action::Close => return Reply::Close,
            _ => {}
        }
        Reply::Stay
    }

    pub fn move_by(&mut self, delta: isize) {
        self.selected = step(self.selected, self.items.len(), delta);
    }
}
