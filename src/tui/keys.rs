//! The key table: one list of bindings, each valid in some scopes (the table, the detail view,
//! a popup, a text field). Key handling, the help overlay, the header hints and every popup's
//! key line are all derived from it, so they cannot disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a user can ask for.
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
    /// Ctrl-c: quit at once, from anywhere.
    Interrupt,
    /// Yes, in a question.
    Confirm,
    /// No, in a question.
    Deny,
    /// Closes a popup that only shows something.
    Close,
    /// Keeps what was typed (the filter) or saves it (the e-mail editor).
    Accept,
    /// Drops what was typed.
    Discard,
    CursorLeft,
    CursorRight,
    CursorHome,
    CursorEnd,
    DeleteBack,
    DeleteForward,
    DeleteWord,
    ClearToStart,
    ClearToEnd,
    /// Scrolls what a view or popup shows (by a line, or by the visible height).
    ScrollUp,
    ScrollDown,
    ScrollPageUp,
    ScrollPageDown,
    ScrollTop,
    ScrollBottom,
    /// Opens the offer picker (offers the account has that the config does not).
    AddOffers,
    /// Marks or unmarks the picker's selected offer.
    Mark,
    /// Sorts by the next column.
    Sort,
    /// Reverses the sort.
    SortReverse,
    /// Applies a saved view (the digit says which).
    SwitchView,
    /// Marks or unmarks every visible offer.
    MarkAll,
    /// Opens the copy menu.
    CopyMenu,
    /// Opens the offer in Partner Center.
    OpenPortal,
    /// Opens the event log.
    EventLog,
    /// Shows what going live would change.
    Diff,
}

/// Where a binding is valid: a view, a popup or a text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Table,
    Detail,
    /// The filter prompt (printable keys are typed).
    Filter,
    /// The e-mail editor (printable keys are typed).
    Editor,
    /// Help and the error history.
    Reading,
    Confirm,
    Rejection,
    Quit,
    /// The offer picker.
    Picker,
    /// The copy menu.
    CopyMenu,
    /// The event log.
    Log,
    /// The event log's filter (printable keys are typed).
    LogFilter,
}

impl Scope {
    pub const ALL: [Scope; 12] = [
        Scope::Table,
        Scope::Detail,
        Scope::Filter,
        Scope::Editor,
        Scope::Reading,
        Scope::Confirm,
        Scope::Rejection,
        Scope::Quit,
        Scope::Picker,
        Scope::CopyMenu,
        Scope::Log,
        Scope::LogFilter,
    ];
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
    pub const ALL: [Group; 3] = [Group::Navigation, Group::Offer, Group::General];

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
    /// A short word for hints (header, popups); `None`: only in help.
    pub hint: Option<&'static str>,
    pub scopes: &'static [Scope],
}

const VIEWS: &[Scope] = &[Scope::Table, Scope::Detail];
const ANYWHERE: &[Scope] = &Scope::ALL;
const FIELDS: &[Scope] = &[Scope::Filter, Scope::Editor, Scope::LogFilter];
const SCROLLING: &[Scope] = &[
    Scope::Log,
    Scope::Detail,
    Scope::Reading,
    Scope::Confirm,
    Scope::Rejection,
];

const fn bind(
    action: Action,
    keys: &'static [Key],
    label: &'static str,
    description: &'static str,
    group: Group,
    hint: Option<&'static str>,
    scopes: &'static [Scope],
) -> Binding {
    Binding {
        action,
        keys,
        label,
        description,
        group,
        hint,
        scopes,
    }
}

use Group::{General, Navigation, Offer};
use KeyCode as K;

/// Every binding. `g` moves to the top, so going live is `L`.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    // The table and the detail view.
    bind(Action::Up, &[Key::Code(K::Up), Key::Char('k')], "↑/k", "move up", Navigation, None, &[Scope::Table]),
    bind(Action::Down, &[Key::Code(K::Down), Key::Char('j')], "↓/j", "move down", Navigation, None, &[Scope::Table]),
    bind(Action::PageUp, &[Key::Code(K::PageUp)], "PgUp", "a screen up", Navigation, None, &[Scope::Table]),
    bind(Action::PageDown, &[Key::Code(K::PageDown)], "PgDn", "a screen down", Navigation, None, &[Scope::Table]),
    bind(Action::Top, &[Key::Char('g'), Key::Code(K::Home)], "g", "first offer", Navigation, None, &[Scope::Table]),
    bind(Action::Bottom, &[Key::Char('G'), Key::Code(K::End)], "G", "last offer", Navigation, None, &[Scope::Table]),
    // What overflows scrolls: the detail view and the popups.
    bind(Action::ScrollUp, &[Key::Code(K::Up), Key::Char('k')], "↑/k", "scroll up", Navigation, None, SCROLLING),
    bind(Action::ScrollDown, &[Key::Code(K::Down), Key::Char('j')], "↓/j", "scroll down", Navigation, None, SCROLLING),
    bind(Action::ScrollPageUp, &[Key::Code(K::PageUp)], "PgUp", "a screen up", Navigation, None, SCROLLING),
    bind(Action::ScrollPageDown, &[Key::Code(K::PageDown)], "PgDn", "a screen down", Navigation, None, SCROLLING),
    bind(Action::ScrollTop, &[Key::Char('g'), Key::Code(K::Home)], "g", "to the top", Navigation, None, SCROLLING),
    bind(Action::ScrollBottom, &[Key::Char('G'), Key::Code(K::End)], "G", "to the end", Navigation, None, SCROLLING),
    bind(Action::Filter, &[Key::Char('/')], "/", "filter: words, status:, publisher:, backend:, !term (Enter keeps it, Esc clears it)", Navigation, Some("filter"), &[Scope::Table]),
    bind(Action::Sort, &[Key::Char('s')], "s", "sort by the next column (offer, status, elapsed, last change, API)", Navigation, Some("sort"), &[Scope::Table]),
    bind(Action::SortReverse, &[Key::Char('S')], "S", "reverse the sort", Navigation, None, &[Scope::Table]),
    bind(Action::SwitchView, &[Key::Char('1'), Key::Char('2'), Key::Char('3'), Key::Char('4'), Key::Char('5'), Key::Char('6'), Key::Char('7'), Key::Char('8'), Key::Char('9')], "1-9", "saved views ([views] in the config); again clears", Navigation, None, &[Scope::Table]),
    bind(Action::Detail, &[Key::Code(K::Enter)], "Enter", "details of the selected offer (Esc back)", Navigation, Some("detail"), VIEWS),
    bind(Action::Publish, &[Key::Char('p')], "p", "publish the selected offer (asks first)", Offer, Some("publish"), VIEWS),
    bind(Action::EditEmails, &[Key::Char('e')], "e", "edit notification e-mails (saved to the config)", Offer, Some("e-mails"), &[Scope::Table, Scope::Detail, Scope::Rejection]),
    bind(Action::Retry, &[Key::Char('r')], "r", "retry the last failed or rejected publish", Offer, Some("retry"), &[Scope::Table, Scope::Detail, Scope::Rejection]),
    bind(Action::GoLive, &[Key::Char('L')], "L", "go live: this is the publisher sign-off of the preview", Offer, Some("go live"), VIEWS),
    bind(Action::Cancel, &[Key::Char('c')], "c", "cancel the running operation", Offer, Some("cancel"), VIEWS),
    bind(Action::Mark, &[Key::Char(' ')], "Space", "mark the offer: p, L, c and r then act on every marked one", Offer, None, &[Scope::Table]),
    bind(Action::MarkAll, &[Key::Char('*')], "*", "mark every visible offer (again: unmark all)", Offer, None, &[Scope::Table]),
    bind(Action::Diff, &[Key::Char('D')], "D", "what going live would change (preview against live), in the detail view", Offer, None, VIEWS),
    bind(Action::CopyMenu, &[Key::Char('y')], "y", "copy: offer id, operation URL or job id, correlation id, last error (OSC 52)", Offer, None, VIEWS),
    bind(Action::OpenPortal, &[Key::Char('o')], "o", "open the offer in Partner Center (the URL is shown and copied without a desktop)", Offer, None, VIEWS),
    bind(Action::AddOffers, &[Key::Char('a')], "a", "add offers the account has to the table and the config", General, Some("add"), &[Scope::Table]),
    bind(Action::Refresh, &[Key::Ctrl('r'), Key::Code(K::F(5))], "Ctrl-r", "refresh statuses; follow what was started elsewhere", General, None, VIEWS),
    bind(Action::Errors, &[Key::Char('E')], "E", "error history (this session, then earlier ones from the history)", General, None, VIEWS),
    bind(Action::EventLog, &[Key::Char('l')], "l", "event log: every request (method, path, status, time, correlation id) and every change", General, None, VIEWS),
    bind(Action::Help, &[Key::Char('?')], "?", "help", General, Some("help"), VIEWS),
    bind(Action::Back, &[Key::Code(K::Esc)], "Esc", "back, close", General, Some("back"), VIEWS),
    bind(Action::Quit, &[Key::Char('q')], "q", "quit (asks while operations run; they go on at the service)", General, Some("quit"), VIEWS),
    bind(Action::Interrupt, &[Key::Ctrl('c')], "Ctrl-c", "quit at once", General, None, ANYWHERE),
    // Questions.
    bind(Action::Confirm, &[Key::Char('y'), Key::Char('Y')], "y", "yes", General, Some("confirm"), &[Scope::Confirm]),
    bind(Action::Confirm, &[Key::Char('y'), Key::Char('Y'), Key::Char('q')], "y/q", "yes, quit", General, Some("quit"), &[Scope::Quit]),
    bind(Action::Deny, &[Key::Char('n'), Key::Char('N'), Key::Code(K::Esc), Key::Char('q')], "n/Esc", "no: nothing is sent", General, Some("do nothing"), &[Scope::Confirm]),
    bind(Action::Deny, &[Key::Char('n'), Key::Char('N'), Key::Code(K::Esc)], "n/Esc", "no: stay", General, Some("stay"), &[Scope::Quit]),
    // Popups that show something.
    bind(Action::Close, &[Key::Code(K::Esc), Key::Char('q'), Key::Char('?'), Key::Char('E'), Key::Code(K::Enter)], "Esc", "close", General, Some("close"), &[Scope::Reading]),
    bind(Action::Close, &[Key::Code(K::Esc), Key::Code(K::Enter), Key::Char('q')], "Esc", "close", General, Some("close"), &[Scope::Rejection]),
    // The event log.
    bind(Action::Filter, &[Key::Char('/')], "/", "filter the log", Navigation, Some("filter"), &[Scope::Log]),
    bind(Action::Close, &[Key::Code(K::Esc), Key::Char('q'), Key::Char('l')], "Esc", "close", General, Some("close"), &[Scope::Log]),
    bind(Action::Accept, &[Key::Code(K::Enter)], "Enter", "keep the filter", General, Some("keep"), &[Scope::LogFilter]),
    bind(Action::Discard, &[Key::Code(K::Esc)], "Esc", "clear the filter", General, Some("clear"), &[Scope::LogFilter]),
    // The copy menu.
    bind(Action::Up, &[Key::Code(K::Up), Key::Char('k')], "↑/k", "move up", Navigation, None, &[Scope::CopyMenu]),
    bind(Action::Down, &[Key::Code(K::Down), Key::Char('j')], "↓/j", "move down", Navigation, None, &[Scope::CopyMenu]),
    bind(Action::Accept, &[Key::Code(K::Enter), Key::Char('y')], "Enter", "copy it", General, Some("copy"), &[Scope::CopyMenu]),
    bind(Action::Close, &[Key::Code(K::Esc), Key::Char('q')], "Esc", "close", General, Some("close"), &[Scope::CopyMenu]),
    // The offer picker.
    bind(Action::Up, &[Key::Code(K::Up), Key::Char('k')], "↑/k", "move up", Navigation, None, &[Scope::Picker]),
    bind(Action::Down, &[Key::Code(K::Down), Key::Char('j')], "↓/j", "move down", Navigation, None, &[Scope::Picker]),
    bind(Action::Mark, &[Key::Char(' ')], "Space", "mark", General, Some("mark"), &[Scope::Picker]),
    bind(Action::Accept, &[Key::Code(K::Enter)], "Enter", "add the marked offers (or the selected one) to the config", General, Some("add"), &[Scope::Picker]),
    bind(Action::Close, &[Key::Code(K::Esc), Key::Char('q')], "Esc", "close: nothing is added", General, Some("close"), &[Scope::Picker]),
    // Text fields.
    bind(Action::Accept, &[Key::Code(K::Enter)], "Enter", "keep the filter", General, Some("keep"), &[Scope::Filter]),
    bind(Action::Discard, &[Key::Code(K::Esc)], "Esc", "clear the filter", General, Some("clear"), &[Scope::Filter]),
    bind(Action::Up, &[Key::Code(K::Up)], "↑", "move up", Navigation, None, &[Scope::Filter]),
    bind(Action::Down, &[Key::Code(K::Down)], "↓", "move down", Navigation, None, &[Scope::Filter]),
    bind(Action::Accept, &[Key::Code(K::Enter)], "Enter", "check and save to the config file", General, Some("save"), &[Scope::Editor]),
    bind(Action::Discard, &[Key::Code(K::Esc)], "Esc", "leave the e-mails unchanged", General, Some("cancel"), &[Scope::Editor]),
    bind(Action::CursorLeft, &[Key::Code(K::Left)], "←", "cursor left", General, None, FIELDS),
    bind(Action::CursorRight, &[Key::Code(K::Right)], "→", "cursor right", General, None, FIELDS),
    bind(Action::CursorHome, &[Key::Code(K::Home), Key::Ctrl('a')], "Home", "to the start", General, None, FIELDS),
    bind(Action::CursorEnd, &[Key::Code(K::End), Key::Ctrl('e')], "End", "to the end", General, None, FIELDS),
    bind(Action::DeleteWord, &[Key::Ctrl('w')], "C-w", "delete the word before", General, None, FIELDS),
    bind(Action::ClearToStart, &[Key::Ctrl('u')], "C-u", "delete to the start", General, None, FIELDS),
    bind(Action::ClearToEnd, &[Key::Ctrl('k')], "C-k", "delete to the end", General, None, FIELDS),
    bind(Action::DeleteBack, &[Key::Code(K::Backspace)], "Backspace", "delete left", General, None, FIELDS),
    bind(Action::DeleteForward, &[Key::Code(K::Delete)], "Delete", "delete right", General, None, FIELDS),
];

/// The header's hints, most important first (as many as fit are shown).
pub const HEADER_HINTS: [Action; 9] = [
    Action::Help,
    Action::Publish,
    Action::EditEmails,
    Action::Retry,
    Action::GoLive,
    Action::Cancel,
    Action::Quit,
    Action::Filter,
    Action::Detail,
];

/// What `--read-only` turns off: what changes the service, and what writes the config.
pub const OFF_WHEN_READ_ONLY: [Action; 6] = [
    Action::Publish,
    Action::Retry,
    Action::GoLive,
    Action::Cancel,
    Action::EditEmails,
    Action::AddOffers,
];

/// `hints_for`, leaving out what read-only turns off when it is on.
pub fn hints_offered(scope: Scope, actions: &[Action], read_only: bool) -> String {
    let offered: Vec<Action> = actions
        .iter()
        .copied()
        .filter(|a| !(read_only && OFF_WHEN_READ_ONLY.contains(a)))
        .collect();
    hints_for(scope, &offered)
}

/// `hint_line`, leaving out what read-only turns off when it is on.
pub fn hint_line_offered(scope: Scope, read_only: bool) -> String {
    let actions: Vec<Action> = in_scope(scope).map(|b| b.action).collect();
    hints_offered(scope, &actions, read_only)
}

/// The bindings valid in a scope, in table order.
pub fn in_scope(scope: Scope) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.scopes.contains(&scope))
}

/// The action a key means in a scope.
pub fn action_for(scope: Scope, event: &KeyEvent) -> Option<Action> {
    in_scope(scope)
        .find(|b| b.keys.iter().any(|k| k.matches(event)))
        .map(|b| b.action)
}

/// The binding of an action in a scope.
pub fn binding(scope: Scope, action: Action) -> Option<&'static Binding> {
    in_scope(scope).find(|b| b.action == action)
}

/// `key word · key word`: every hinted binding of a scope, for a popup's bottom line.
pub fn hint_line(scope: Scope) -> String {
    in_scope(scope)
        .filter_map(|b| b.hint.map(|h| format!("{} {h}", b.label)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// `key word · key word` for the given actions of a scope, in that order.
pub fn hints_for(scope: Scope, actions: &[Action]) -> String {
    actions
        .iter()
        .filter_map(|a| binding(scope, *a))
        .filter_map(|b| b.hint.map(|h| format!("{} {h}", b.label)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The detail view's key line: back first, then what can be done to the offer.
pub const DETAIL_HINTS: [Action; 6] = [
    Action::Back,
    Action::Publish,
    Action::EditEmails,
    Action::Retry,
    Action::GoLive,
    Action::Cancel,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_a_scope_and_every_binding_is_described() {
        for scope in Scope::ALL {
            let mut seen: Vec<Key> = Vec::new();
            for b in in_scope(scope) {
                assert!(!b.description.is_empty() && !b.label.is_empty());
                for k in b.keys {
                    assert!(!seen.contains(k), "{k:?} bound twice in {scope:?}");
                    seen.push(*k);
                }
            }
            assert!(
                binding(scope, Action::Interrupt).is_some(),
                "Ctrl-c quits from {scope:?}"
            );
        }
        for action in HEADER_HINTS {
            assert!(binding(Scope::Table, action).is_some_and(|b| b.hint.is_some()));
        }
    }

    #[test]
    fn keys_mean_what_their_scope_says() {
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(action_for(Scope::Table, &key('g')), Some(Action::Top));
        let big_l = KeyEvent::new(KeyCode::Char('L'), KeyModifiers::SHIFT);
        assert_eq!(action_for(Scope::Table, &big_l), Some(Action::GoLive));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(Scope::Editor, &ctrl_c), Some(Action::Interrupt));
        assert_eq!(action_for(Scope::Confirm, &key('y')), Some(Action::Confirm));
        assert_eq!(action_for(Scope::Rejection, &key('r')), Some(Action::Retry));
        assert_eq!(
            action_for(Scope::Editor, &key('r')),
            None,
            "typed, not an action"
        );
        assert_eq!(hint_line(Scope::Confirm), "y confirm · n/Esc do nothing");
    }
}
