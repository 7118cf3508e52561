//! Drawing: reads the state, never changes it. One file per screen or popup. Every string from
//! the service was sanitised when it entered the state; what is drawn here is cut to fit, never
//! interpreted.

mod confirm;
mod detail;
mod editor;
mod footer;
pub mod format;
mod header;
mod lists;
mod picker;
mod popups;
pub mod scroll;
pub mod table;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::overlay::Overlay;
use super::state::{App, Mode};
use super::theme::Theme;

/// Draws the whole dashboard.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    header::render(app, theme, frame, header);
    match app.mode {
        Mode::Detail => detail::render(app, theme, frame, body),
        _ => table::render(app, theme, frame, body),
    }
    footer::render(app, theme, frame, footer);
    if let Mode::EditEmails(form) = &app.mode {
        editor::render(app, form, theme, frame);
    }
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => popups::help(app, theme, frame),
        Overlay::Confirm(c) => confirm::confirm(app, theme, frame, c),
        Overlay::Rejection { offer } => popups::rejection(app, theme, frame, offer),
        Overlay::Errors => popups::errors(app, theme, frame),
        Overlay::QuitConfirm { in_flight } => popups::quit(theme, frame, *in_flight),
        Overlay::Picker(picker) => picker::render(picker, theme, frame),
        Overlay::Copy(menu) => lists::copy_menu(menu, theme, frame),
        Overlay::Log(log) => lists::event_log(app, log, theme, frame),
    }
    if theme.ascii {
        super::theme::asciify(frame.buffer_mut());
    }
}
