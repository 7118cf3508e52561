//! What is drawn over the table and takes keys first. Each popup is plain data with its own
//! pure update (`on_action`), which says what the key did as a `Reply`; `App` only routes keys
//! to it and carries out the reply (closing it, effects, toasts).

mod confirm;
mod copy_menu;
mod email_form;
mod log_view;
mod picker;

pub use confirm::Confirm;
pub use copy_menu::CopyMenu;
pub use email_form::EmailForm;
pub use log_view::LogView;
pub use picker::{PickItem, Picker};

use crate::domain::OfferId;

/// What is drawn on top, taking keys first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Confirm(Confirm),
    Rejection {
        offer: OfferId,
    },
    Errors,
    QuitConfirm {
        in_flight: usize,
    },
    /// The offers the account can see that are not in the table yet (`a`).
    Picker(Picker),
    /// What `y` can copy of the selected offer.
    Copy(CopyMenu),
    /// The event log (`l`): requests and operation changes, from the state store.
    Log(LogView),
}

/// What a key did to a popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply<T> {
    /// Nothing for the dashboard to do: the popup stays (it may have changed itself).
    Stay,
    /// The popup is dismissed, nothing chosen.
    Close,
    /// The user chose this; what follows is the dashboard's (each popup says whether it stays).
    Chosen(T),
}

/// Moves a list's selection by `delta`, stopping at either end.
fn step(selected: usize, len: usize, delta: isize) -> usize {
    selected
        .saturating_add_signed(delta)
        .min(len.saturating_sub(1))
}

#[cfg(test)]
mod tests;
