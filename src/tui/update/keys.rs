//! Keys: resolved through the key table for the scope that has them (a popup first, then a text
//! field, then the view), then acted upon.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::keys::{self, Action, Scope};
use super::super::msg::Effect;
use super::super::overlay::{EmailForm, LogView, Overlay, Reply};
use super::super::row::Activity;
use super::super::state::{App, Mode, ToastLevel};
use crate::domain::OpKind;
use crate::engine::Command;

impl App {
    /// The scope keys go to now.
    pub fn scope(&self) -> Scope {
        match (&self.overlay, &self.mode) {
            (Overlay::Help | Overlay::Errors, _) => Scope::Reading,
            (Overlay::Confirm(_), _) => Scope::Confirm,
            (Overlay::Rejection { .. }, _) => Scope::Rejection,
            (Overlay::QuitConfirm { .. }, _) => Scope::Quit,
            (Overlay::Picker(_), _) => Scope::Picker,
            (Overlay::Copy(_), _) => Scope::CopyMenu,
            (Overlay::Log(log), _) if log.typing => Scope::LogFilter,
            (Overlay::Log(_), _) => Scope::Log,
            (Overlay::None, Mode::Filter) => Scope::Filter,
            (Overlay::None, Mode::EditEmails(_)) => Scope::Editor,
            (Overlay::None, Mode::Detail) => Scope::Detail,
            (Overlay::None, Mode::Browse) => Scope::Table,
        }
    }

    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let scope = self.scope();
        match keys::action_for(scope, &key) {
            Some(Action::SwitchView) => {
                if let KeyCode::Char(c) = key.code
                    && let Some(n) = c.to_digit(10)
                {
                    self.switch_view(n as usize);
                }
                Vec::new()
            }
            Some(action) => self.on_action(scope, action),
            None => {
                match (scope, key.code) {
                    // Text fields take printable keys the table does not bind (never a control
                    // chord: Ctrl-x is not an x).
                    (Scope::Filter | Scope::Editor | Scope::LogFilter, KeyCode::Char(c))
                        if !key
                            .modifiers
                            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                    {
                        self.type_char(c)
                    }
                    (Scope::Table | Scope::Detail, KeyCode::Char(c))
                        if key.modifiers.difference(KeyModifiers::SHIFT).is_empty() =>
                    {
                        self.toast(format!("unknown key {c} — ? for help"), ToastLevel::Info)
                    }
                    _ => {}
                }
                Vec::new()
            }
        }
    }

    fn type_char(&mut self, c: char) {
        let now = self.now;
        match (&mut self.overlay, &mut self.mode) {
            (Overlay::None, Mode::Filter) => self.table.type_into_filter(c, now),
            (Overlay::None, Mode::EditEmails(form)) => form.type_char(c),
            (Overlay::Log(log), _) => {
                log.type_char(c);
                self.text_scroll = 0;
            }
            _ => {}
        }
    }

    fn on_action(&mut self, scope: Scope, action: Action) -> Vec<Effect> {
        if action == Action::Interrupt {
            self.quit = true;
            return vec![Effect::Quit];
        }
        let page = self.table.viewport_rows.max(1);
        let scroll = &mut self.text_scroll;
        match action {
            Action::ScrollUp => *scroll = scroll.saturating_sub(1),
            Action::ScrollDown => *scroll = scroll.saturating_add(1),
            Action::ScrollPageUp => *scroll = scroll.saturating_sub(page),
            Action::ScrollPageDown => *scroll = scroll.saturating_add(page),
            Action::ScrollTop => *scroll = 0,
            // The view stops at the last line.
            Action::ScrollBottom => *scroll = usize::MAX / 2,
            _ => {
                // Anything else may open or close a view: it starts at its top.
                self.text_scroll = 0;
                return self.on_scope_action(scope, action);
            }
        }
        Vec::new()
    }

    fn on_scope_action(&mut self, scope: Scope, action: Action) -> Vec<Effect> {
        match scope {
            Scope::Reading => {
                self.overlay = Overlay::None;
                Vec::new()
            }
            Scope::Confirm => self.on_confirm(action),
            Scope::Quit => {
                if action == Action::Confirm {
                    self.quit = true;
                    return vec![Effect::Quit];
                }
                self.overlay = Overlay::None;
                Vec::new()
            }
            Scope::Rejection => self.on_rejection(action),
            Scope::Filter => {
                self.on_filter(action);
                Vec::new()
            }
            Scope::Editor => self.on_editor(action),
            Scope::Picker => self.on_picker(action),
            Scope::CopyMenu => self.on_copy_menu(action),
            Scope::Log | Scope::LogFilter => self.on_log(action),
            Scope::Table | Scope::Detail => self.on_view(action),
        }
    }

    fn on_confirm(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Confirm(confirm) = std::mem::replace(&mut self.overlay, Overlay::None) else {
            return Vec::new();
        };
        match confirm.on_action(action) {
            Reply::Chosen(()) => self.confirmed(confirm),
            Reply::Stay | Reply::Close => {
                self.toast("nothing was sent".into(), ToastLevel::Info);
                Vec::new()
            }
        }
    }

    fn on_rejection(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Rejection { offer } = std::mem::replace(&mut self.overlay, Overlay::None)
        else {
            return Vec::new();
        };
        let Some(&row) = self.table.index.get(&offer) else {
            return Vec::new();
        };
        match action {
            Action::Retry => self.ask(row, OpKind::Publish, true),
            Action::EditEmails => {
                self.open_editor(row);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_filter(&mut self, action: Action) {
        if self.table.on_filter_action(action, self.now) {
            self.mode = Mode::Browse;
        }
    }

    fn on_editor(&mut self, action: Action) -> Vec<Effect> {
        let Mode::EditEmails(form) = &mut self.mode else {
            return Vec::new();
        };
        match form.on_action(action) {
            Reply::Stay => Vec::new(),
            Reply::Close => {
                self.mode = Mode::Browse;
                self.toast("e-mails unchanged".into(), ToastLevel::Info);
                Vec::new()
            }
            Reply::Chosen(emails) => self.save_emails(emails),
        }
    }

    /// Asks the executor to write the checked list to the config file.
    fn save_emails(&mut self, emails: Vec<String>) -> Vec<Effect> {
        let Mode::EditEmails(form) = &mut self.mode else {
            return Vec::new();
        };
        let Some(r) = self.table.row(&form.offer) else {
            return Vec::new();
        };
        if r.unconfigured {
            form.error = Some(format!(
                "{} is not in the config file; add an [[offers]] entry first",
                r.id
            ));
            return Vec::new();
        }
        form.saving = true;
        vec![Effect::SaveEmails {
            offer: r.id.clone(),
            emails,
        }]
    }

    fn on_view(&mut self, action: Action) -> Vec<Effect> {
        let in_detail = self.mode == Mode::Detail;
        if self.table.on_action(action, self.now) {
            return Vec::new();
        }
        match action {
            Action::Filter => self.mode = Mode::Filter,
            Action::Detail if self.table.selected_row().is_some() => {
                self.mode = if in_detail {
                    Mode::Browse
                } else {
                    Mode::Detail
                };
            }
            Action::Back => {
                if in_detail {
                    self.mode = Mode::Browse;
                    self.show_diff = false;
                } else if !self.table.clear_filter(self.now) {
                    self.toasts.clear();
                }
            }
            Action::Help => self.overlay = Overlay::Help,
            Action::Errors => {
                self.overlay = Overlay::Errors;
                // Seen: the header counts only errors that come after.
                self.errors_seen = self.errors.len();
                return vec![Effect::Engine(Command::LoadLog)];
            }
            Action::AddOffers if self.read_only => {
                self.toast(
                    "read-only: adding offers to the config is off".into(),
                    ToastLevel::Info,
                );
            }
            Action::AddOffers => return self.open_picker(),
            Action::CopyMenu => return self.open_copy_menu(),
            Action::OpenPortal => return self.open_portal(),
            Action::Diff => {
                let Some(row) = self.table.selected_row() else {
                    return Vec::new();
                };
                self.mode = Mode::Detail;
                self.show_diff = true;
                return self.load_diff(row);
            }
            Action::EventLog => {
                self.overlay = Overlay::Log(LogView::loading());
                return vec![Effect::Engine(Command::LoadLog)];
            }
            Action::Quit => {
                if in_detail {
                    self.mode = Mode::Browse;
                    return Vec::new();
                }
                let in_flight = self.in_flight();
                if in_flight > 0 {
                    self.overlay = Overlay::QuitConfirm { in_flight };
                } else {
                    self.quit = true;
                    return vec![Effect::Quit];
                }
            }
            Action::Refresh => return self.refresh(),
            Action::Publish
            | Action::Retry
            | Action::GoLive
            | Action::Cancel
            | Action::EditEmails => {
                let Some(row) = self.table.selected_row() else {
                    self.toast("no offer selected".into(), ToastLevel::Info);
                    return Vec::new();
                };
                return match action {
                    Action::Publish => self.ask(row, OpKind::Publish, false),
                    Action::Retry => self.ask(row, OpKind::Publish, true),
                    Action::GoLive => self.ask(row, OpKind::GoLive, false),
                    Action::Cancel => self.ask(row, OpKind::Cancel, false),
                    _ => {
                        self.open_editor(row);
                        Vec::new()
                    }
                };
            }
            _ => {}
        }
        Vec::new()
    }

    /// Applies view `n` (from 1) of `[views]`; the view already shown is cleared.
    fn switch_view(&mut self, n: usize) {
        if let Some(said) = self.table.switch_view(n, self.now) {
            self.toast(said, ToastLevel::Info);
        }
    }

    fn open_editor(&mut self, row: usize) {
        let Some(r) = self.table.rows.get(row) else {
            return;
        };
        if self.read_only {
            self.toast(
                "read-only: editing e-mails (which writes the config) is off".into(),
                ToastLevel::Info,
            );
            return;
        }
        if !r.backend.caps().takes_emails {
            let text = format!(
                "{}: no e-mails to edit (Partner Center notifies its contacts)",
                r.id
            );
            self.toast(text, ToastLevel::Info);
            return;
        }
        self.mode = Mode::EditEmails(EmailForm::new(r.id.clone(), &r.emails));
    }

    /// On the slow cadence: statuses again for the rows nothing runs on (a publish started by a
    /// headless command or the portal shows up by itself), and the store's new operations.
    pub(super) fn refresh_idle(&mut self) -> Vec<Effect> {
        vec![
            Effect::Engine(Command::RefreshIdle),
            Effect::Engine(Command::Reload),
        ]
    }

    /// Ctrl-r: every offer read again (an operation no longer followed is looked at once more),
    /// operations started elsewhere taken up, and the table sorted again.
    fn refresh(&mut self) -> Vec<Effect> {
        // The store first: an operation another offerdeck started since is the offer's news,
        // not the old one a recheck would try again.
        let effects = std::iter::once(Effect::Engine(Command::Reload))
            .chain(
                self.table
                    .rows
                    .iter()
                    .filter(|r| r.truth.activity == Activity::Idle)
                    .map(|r| Effect::Engine(Command::Recheck(r.id.clone()))),
            )
            .collect();
        self.table.resort(self.now);
        self.toast("refreshing".into(), ToastLevel::Info);
        effects
    }
}
