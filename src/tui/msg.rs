//! What flows through the dashboard: messages `update` consumes (keys, ticks, the engine's
//! events, local results) and effects it asks the executor to carry out.

use crossterm::event::KeyEvent;

use crate::domain::OfferId;
use crate::engine::notify::Notice;
use crate::engine::{Command, EngineEvent};

/// Everything `update` consumes.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Tick,
    /// The terminal's new size (the table shows what fits; clicks find their column).
    Resize {
        width: u16,
        height: u16,
    },
    /// A click, a double click's second click, or the wheel.
    Mouse(crossterm::event::MouseEvent),
    /// What the engine says: the truth about an offer, news, answers.
    Engine(EngineEvent),
    /// Time to read again the offers nothing runs on.
    RefreshDue,
    /// A page could not be opened (no desktop): shown and copied instead.
    OpenFailed {
        url: String,
        why: String,
    },
    /// The picker's offers were (or were not) appended to the config.
    OffersAdded(Result<Vec<crate::config::NewOffer>, String>),
    /// The config file was (or was not) rewritten with new e-mails.
    EmailsSaved {
        offer: OfferId,
        result: Result<Vec<String>, String>,
    },
}

/// Work for the executor; `update` never does it itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Something for the engine: reads, starts, follows, lists.
    Engine(Command),
    SaveEmails {
        offer: OfferId,
        emails: Vec<String>,
    },
    /// Puts text on the clipboard through the terminal (OSC 52).
    Copy(String),
    /// A desktop notification through the terminal (OSC 9 and 777).
    Desktop(Notice),
    /// Opens a page with the system's opener (or `$BROWSER`).
    Open(String),
    /// Appends offers to the config file.
    AddOffers(Vec<crate::config::NewOffer>),
    Bell,
    Quit,
}
