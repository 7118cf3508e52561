//! The offer picker (`a`): what the services list that the config does not have yet.

use super::{Reply, step};
use crate::config::NewOffer;
use crate::tui::keys::Action;

/// The offer picker: what the services list that the config does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// Still asking the services.
    pub loading: bool,
    pub items: Vec<PickItem>,
    /// Position in `items`.
    pub selected: usize,
    /// What could not be listed (one line per API).
    pub errors: Vec<String>,
    /// The chosen offers are being written to the config.
    pub saving: bool,
}

/// One offer in the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    pub offer: NewOffer,
    pub offer_type: crate::domain::OfferType,
    pub marked: bool,
}

impl Picker {
    /// The picker as it opens: asking the services.
    pub fn loading() -> Picker {
        Picker {
            loading: true,
            items: Vec::new(),
            selected: 0,
            errors: Vec::new(),
            saving: false,
        }
    }

    /// Space marks, Enter chooses the marked offers (or the selected one when none is
    /// marked); the picker stays open, saving, until the config is written.
    pub fn on_action(&mut self, action: Action) -> Reply<Vec<NewOffer>> {
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::Mark => {
                if let Some(item) = self.items.get_mut(self.selected) {
                    item.marked = !item.marked;
                    self.move_by(1);
                }
            }
            Action::Accept if !self.loading && !self.saving => {
                let marked: Vec<NewOffer> = self
                    .items
                    .iter()
                    .filter(|i| i.marked)
                    .map(|i| i.offer.clone())
                    .collect();
                let chosen = if marked.is_empty() {
                    self.items
                        .get(self.selected)
                        .map(|i| vec![i.offer.clone()])
                        .unwrap_or_default()
                } else {
                    marked
                };
                if !chosen.is_empty() {
                    self.saving = true;
                    return Reply::Chosen(chosen);
                }
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
