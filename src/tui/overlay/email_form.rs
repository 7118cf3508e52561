//! The e-mail editor of one row (`e`): a list typed as text, checked before it is saved.

use super::Reply;
use crate::domain::OfferId;
use crate::tui::input::TextInput;
use crate::tui::keys::Action;

/// The e-mail editor of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailForm {
    pub offer: OfferId,
    pub input: TextInput,
    pub error: Option<String>,
    pub saving: bool,
}

impl EmailForm {
    pub fn new(offer: OfferId, emails: &[String]) -> EmailForm {
        EmailForm {
            offer,
            input: TextInput::new(&emails.join(", ")),
            error: None,
            saving: false,
        }
    }

    /// Editing keys change the text; Enter checks it and chooses the list (the form stays,
    /// saving, until the config file is written); Esc closes it unsaved. A list that does not
    /// parse stays on screen with why.
    pub fn on_action(&mut self, action: Action) -> Reply<Vec<String>> {
        if self.saving {
            return Reply::Stay;
        }
        match action {
            Action::Discard => Reply::Close,
            Action::Accept => match crate::emails::parse_nonempty_list(&self.input.text()) {
                Ok(emails) => {
                    self.error = None;
                    Reply::Chosen(emails)
                }
                Err(e) => {
                    self.error = Some(format!("{e}; nothing was saved"));
                    Reply::Stay
                }
            },
            other => {
                self.input.edit(other);
                Reply::Stay
            }
        }
    }

    /// A printable key typed into the list.
    pub fn type_char(&mut self, c: char) {
        if !self.saving {
            self.input.insert(c);
            self.error = None;
        }
    }
}
