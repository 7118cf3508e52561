//! The key table: one list of bindings from which key handling, the help overlay and the
//! header hints are all derived, so they can never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a user can ask for from the table or the detail view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    Detail,
    Publish,
    EditEmails,
    Retry,
    GoLive,
    Cancel,
    Refresh,
    Help,
    Errors,
    Back,
    Quit,
}

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Code(KeyCode),
    Ctrl(char),
}

impl Key {
    fn matches(self, event: &KeyEvent) -> bool {
        match self {
            Key::Char(c) => {
                event.code == KeyCode::Char(c)
                    && !event
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            }
            Key::Code(code) => {
                event.code == code && !event.modifiers.contains(KeyModifiers::CONTROL)
            }
            Key::Ctrl(c) => {
                event.code == KeyCode::Char(c) && event.modifiers.contains(KeyModifiers::CONTROL)
            }
        }
    }
}

/// Which help section a binding belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Navigation,
    Offer,
    General,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Navigation => "Navigation",
            Group::Offer => "Offer actions",
            Group::General => "General",
        }
    }
}

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub action: Action,
    pub keys: &'static [Key],
    /// How the keys are written in help and hints.
    pub label: &'static str,
    pub description: &'static str,
    pub group: Group,
    /// A short word for the header hints, for the bindings shown there.
    pub hint: Option<&'static str>,
}

/// Every binding of the table and detail views. `g` moves to the top, so going live is `L`.
pub const BINDINGS: &[Binding] = &[
    Binding {
        action: Action::Up,
        keys: &[Key::Code(KeyCode::Up), Key::Char('k')],
        label: "↑/k",
        description: "move up",
        group: Group::Navigation,
        hint: None,
    },
    Binding {
        action: Action::Down,
        keys: &[Key::Code(KeyCode::Down), Key::Char('j')],
        label: "↓/j",
        description: "move down",
        group: Group::Navigation,
        hint: None,
    },
    Binding {
        action: Action::PageUp,
        keys: &[Key::Code(KeyCode::PageUp)],
        label: "PgUp",
        description: "page up",
        group: Group::Navigation,
        hint: None,
    },
    Binding {
        action: Action::PageDown,
        keys: &[Key::Code(KeyCode::PageDown)],
        label: "PgDn",
        description: "page down",
        group: Group::Navigation,
        hint: None,
    },
    Binding {
        action: Action::Top,
        keys: &[Key::Char('g'), Key::Code(KeyCode::Home)],
        label: "g",
        description: "first offer",
        group: Group::Navigation,
        hint: None,
    },
    Binding {
        action: Action::Bottom,
        keys: &[Key::Char('G'), Key::Code(KeyCode::End)],
        label: "G",
        description: "last offer",
        group: Group::Navigation,
        hint: None,
    },
    Binding {
        action: Action::Filter,
        keys: &[Key::Char('/')],
        label: "/",
        description: "filter (Enter keeps it, Esc clears it)",
        group: Group::Navigation,
        hint: Some("filter"),
    },
    Binding {
        action: Action::Detail,
        keys: &[Key::Code(KeyCode::Enter)],
        label: "Enter",
        description: "details of the selected offer (Esc back)",
        group: Group::Navigation,
        hint: Some("detail"),
    },
    Binding {
        action: Action::Publish,
        keys: &[Key::Char('p')],
        label: "p",
        description: "publish the selected offer (asks first)",
        group: Group::Offer,
        hint: Some("publish"),
    },
    Binding {
        action: Action::EditEmails,
        keys: &[Key::Char('e')],
        label: "e",
        description: "edit notification e-mails (saved to the config)",
        group: Group::Offer,
        hint: Some("e-mails"),
    },
    Binding {
        action: Action::Retry,
        keys: &[Key::Char('r')],
        label: "r",
        description: "retry the last failed or rejected publish",
        group: Group::Offer,
        hint: Some("retry"),
    },
    Binding {
        action: Action::GoLive,
        keys: &[Key::Char('L')],
        label: "L",
        description: "go live (after publisher sign-off)",
        group: Group::Offer,
        hint: Some("go live"),
    },
    Binding {
        action: Action::Cancel,
        keys: &[Key::Char('c')],
        label: "c",
        description: "cancel the running operation",
        group: Group::Offer,
        hint: Some("cancel"),
    },
    Binding {
        action: Action::Refresh,
        keys: &[Key::Ctrl('r'), Key::Code(KeyCode::F(5))],
        label: "Ctrl-r",
        description: "refresh statuses; follow what was started elsewhere",
        group: Group::General,
        hint: None,
    },
    Binding {
        action: Action::Errors,
        keys: &[Key::Char('E')],
        label: "E",
        description: "error history",
        group: Group::General,
        hint: None,
    },
    Binding {
        action: Action::Help,
        keys: &[Key::Char('?')],
        label: "?",
        description: "help",
        group: Group::General,
        hint: Some("help"),
    },
    Binding {
        action: Action::Back,
        keys: &[Key::Code(KeyCode::Esc)],
        label: "Esc",
        description: "back, close",
        group: Group::General,
        hint: None,
    },
    Binding {
        action: Action::Quit,
        keys: &[Key::Char('q')],
        label: "q",
        description: "quit (asks while operations run; they go on at the service)",
        group: Group::General,
        hint: Some("quit"),
    },
];

/// The action a key means in the table and detail views.
pub fn action_for(event: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action)
}

/// True for Ctrl-C, which quits from everywhere.
pub fn is_interrupt(event: &KeyEvent) -> bool {
    Key::Ctrl('c').matches(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_and_every_action_is_described() {
        let mut seen: Vec<(Key, Action)> = Vec::new();
        for b in BINDINGS {
            assert!(!b.description.is_empty());
            for k in b.keys {
                assert!(!seen.iter().any(|(s, _)| s == k), "{k:?} bound twice");
                seen.push((*k, b.action));
            }
        }
        for action in [
            Action::Up,
            Action::Publish,
            Action::GoLive,
            Action::Cancel,
            Action::Retry,
            Action::EditEmails,
            Action::Help,
            Action::Quit,
        ] {
            assert!(BINDINGS.iter().any(|b| b.action == action), "{action:?}");
        }
        let g = KeyEvent::new(KeyCode::Char('g'), KeyModifiers::NONE);
        assert_eq!(action_for(&g), Some(Action::Top));
        let big_l = KeyEvent::new(KeyCode::Char('L'), KeyModifiers::SHIFT);
        assert_eq!(action_for(&big_l), Some(Action::GoLive));
        assert!(is_interrupt(&KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL
        )));
        assert_eq!(
            action_for(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            None
        );
    }
}
