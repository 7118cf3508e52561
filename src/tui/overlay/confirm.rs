//! The question before an operation starts.

use super::Reply;
use crate::domain::{BackendKind, OfferId, OpKind};
use crate::tui::keys::Action;

/// A question before an operation starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub offer: OfferId,
    pub kind: OpKind,
    /// The API the offer is on: whether it takes e-mails comes from its capabilities.
    pub backend: BackendKind,
    pub emails: Vec<String>,
    pub retry: bool,
    /// With marked offers: the other offers it goes to as well (one confirmation for all).
    pub more: Vec<OfferId>,
    /// Marked offers it does not go to, each with why.
    pub skipped: Vec<String>,
    /// What the publisher should know before saying yes (a preview waiting for sign-off
    /// that a publish replaces), one line per offer concerned.
    pub warnings: Vec<String>,
}

impl Confirm {
    /// Yes starts it; every other key the scope has is a no. Either way the question closes.
    pub fn on_action(&self, action: Action) -> Reply<()> {
        if action == Action::Confirm {
            Reply::Chosen(())
        } else {
            Reply::Close
        }
    }

    /// Every offer it goes to, the selected one first.
    pub fn offers(&self) -> impl Iterator<Item = &OfferId> {
        std::iter::once(&self.offer).chain(self.more.iter())
    }
}
