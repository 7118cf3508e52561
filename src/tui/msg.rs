//! What flows through the dashboard: messages `update` consumes (keys, ticks, background
//! reports) and effects it asks the executor to carry out.

use crossterm::event::KeyEvent;

use crate::api::ApiError;
use crate::api::http::transport::WaitNotice;
use crate::domain::{BackendKind, Observation, OfferId, OpKind, Operation};
use crate::ops::{FollowEvent, StartOutcome};

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
    /// An offer's status, read for a row.
    StatusLoaded {
        row: usize,
        result: Result<Observation, ApiError>,
    },
    /// The answer to starting (or cancelling) an operation. `Ok(None)`: a cancel found nothing
    /// running.
    Started {
        row: usize,
        kind: OpKind,
        result: Result<Option<StartOutcome>, ApiError>,
    },
    /// News from the follower of a row's operation.
    Follow {
        row: usize,
        event: FollowEvent,
    },
    /// An operation found running at the service that offerdeck had not started.
    Discovered {
        row: usize,
        operation: Operation,
    },
    /// Time to read again the offers nothing runs on.
    RefreshDue,
    /// A request waits before a retry (the service asked, or kept failing).
    Waiting(WaitNotice),
    /// The state store could not be read or written, or was moved aside: the user must know.
    StoreProblem(String),
    /// The unfinished operations of the state store, read again.
    StoreLoaded(Result<Vec<Operation>, String>),
    /// What the services list for the picker: offers per API, and what could not be listed.
    AvailableListed {
        found: Vec<(BackendKind, crate::backend::ListedOffer)>,
        errors: Vec<String>,
    },
    /// A notification could not be sent (the webhook or the command failed).
    NotifyProblem(String),
    /// A page could not be opened (no desktop): shown and copied instead.
    OpenFailed {
        url: String,
        why: String,
    },
    /// What going live would change for a row.
    DiffLoaded {
        row: usize,
        result: Result<crate::backend::WhatWillChange, ApiError>,
    },
    /// The event log's lines, read from the state store.
    LogLoaded(Vec<crate::domain::log::LogEntry>),
    /// How long steps took before, read from the history.
    EstimatesLoaded(crate::domain::Estimates),
    /// The picker's offers were (or were not) appended to the config.
    OffersAdded(Result<Vec<crate::config::NewOffer>, String>),
    /// The config file was (or was not) rewritten with new e-mails.
    EmailsSaved {
        row: usize,
        result: Result<Vec<String>, String>,
    },
}

/// Work for the executor; `update` never does it itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadStatus {
        row: usize,
        offer: OfferId,
        backend: BackendKind,
    },
    /// Starts a publish or a go-live, or asks for a cancel.
    Start {
        row: usize,
        kind: OpKind,
        offer: OfferId,
        backend: BackendKind,
        emails: Vec<String>,
    },
    Follow {
        row: usize,
        operation: Box<Operation>,
    },
    SaveEmails {
        row: usize,
        offer: OfferId,
        emails: Vec<String>,
    },
    /// Reads the state store again (operations started elsewhere meanwhile).
    LoadStore,
    /// Looks for the operation running at the service on an offer (started by someone else).
    Discover {
        row: usize,
        offer: OfferId,
        backend: BackendKind,
    },
    /// Lists the offers each API's publishers have (for the picker).
    ListAvailable {
        publishers: Vec<(BackendKind, Vec<String>)>,
    },
    /// Reads the step estimates from the history.
    LoadEstimates,
    /// Reads the newest lines of the event log.
    LoadLog,
    /// Reads what going live would change for an offer (preview against live).
    LoadDiff {
        row: usize,
        offer: OfferId,
        backend: BackendKind,
    },
    /// Puts text on the clipboard through the terminal (OSC 52).
    Copy(String),
    /// Tells people an operation ended: the desktop, the webhook, the command (`[notify]`).
    Notify(crate::notify::Notice),
    /// Opens a page with the system's opener (or `$BROWSER`).
    Open(String),
    /// Opens a CPP offer's page: the one the service names (migrated offers), else the Cloud
    /// Partner Portal.
    OpenOffer {
        offer: OfferId,
        backend: BackendKind,
    },
    /// Appends offers to the config file.
    AddOffers(Vec<crate::config::NewOffer>),
    Bell,
    Quit,
}
