//! What the engine tells the front ends: the new truth about an offer, news worth a line, and
//! the answers to what they asked. Plain data; nothing of HTTP.

use chrono::{DateTime, Utc};

use super::notify::Notice;
use super::offer::OfferState;
use super::problem::Problem;
use super::rules::Refusal;
use crate::domain::{BackendKind, OfferId, OpKind, Status};

/// One thing the engine has to say.
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// The truth about an offer changed: this is all of it now.
    Offer(Box<OfferState>),
    /// A poll of the offer's operation answered and changed nothing a user would see: only
    /// when, and when the next one comes (most polls are these).
    Polled {
        offer: OfferId,
        at: DateTime<Utc>,
        next_poll: std::time::Duration,
    },
    /// Something happened that deserves a line of its own.
    News { offer: Option<OfferId>, news: News },
    /// Whether an API answers at all: `Some(since)` once every request since then went
    /// unanswered (connections failed or timed out); `None` again at its first answer.
    Reachability {
        api: BackendKind,
        unreachable_since: Option<DateTime<Utc>>,
        /// When the engine asks it again (while it is unreachable).
        next_try: Option<DateTime<Utc>>,
    },
    /// A request about no particular offer waits before a retry (until when, and why).
    Waiting {
        until: DateTime<Utc>,
        reason: String,
    },
    /// What going live would change for an offer.
    Diff {
        offer: OfferId,
        result: Result<crate::backend::WhatWillChange, Problem>,
    },
    /// What the services list that could be added (offers per API), and what could not be
    /// listed.
    Available {
        found: Vec<(BackendKind, crate::backend::ListedOffer)>,
        errors: Vec<String>,
    },
    /// How long steps took before (from the history).
    Estimates(crate::domain::Estimates),
    /// The newest lines of the event log.
    Log(Vec<crate::domain::log::LogEntry>),
    /// A notice for the desktop, which only the terminal's owner can show.
    Desktop(Notice),
    /// The page where an offer is managed (Partner Center, or the Cloud Partner Portal).
    PortalPage { offer: OfferId, url: String },
    /// The listings `Command::ReadListings` asked for were read (or could not be): what they
    /// said is in the offers' snapshots before this.
    ListingsRead,
}

/// News about an offer (or the whole run), for a toast or a line on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// The service took a start (or was already running it: `adopted`).
    Accepted { kind: OpKind, adopted: bool },
    /// A cancel request was taken; the operation ends `canceled` when it lands.
    CancelRequested,
    /// A cancel found nothing running any more.
    NothingToCancel,
    /// A start the service did not take: a rejection (`problem.kind == Rejected`) or not sent.
    StartFailed { kind: OpKind, problem: Problem },
    /// The service accepted, but the state store could not record it: nothing will resume it.
    NotRecorded {
        kind: OpKind,
        operation_url: String,
        message: String,
    },
    /// A followed operation changed status.
    StatusChanged {
        kind: OpKind,
        status: Status,
        failure: Option<String>,
        asked_to_cancel: bool,
    },
    /// Following stopped with a problem (the operation, if any, goes on at the service).
    StoppedFollowing { problem: Problem },
    /// A look for a running operation found none; the offer's state, in words.
    NothingRuns { standing: String },
    /// An operation started elsewhere (the portal, another tool) is followed.
    FoundRunning { kind: OpKind },
    /// Operations of the state store (an earlier run's, another process's) are followed.
    Resumed { count: usize, at_start: bool },
    /// A request refused before anything was sent.
    Refused(Refusal),
    /// The state store could not record or read something: the user must know.
    StoreProblem(String),
    /// A notification could not be sent.
    NotifyProblem(String),
}
