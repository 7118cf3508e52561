//! The dashboard's state: plain data. `update` (in `update/`) is the only thing that changes it;
//! the view only reads it.

use std::path::PathBuf;

use chrono::{DateTime, Duration as Span, Utc};

use super::msg::Effect;
use super::overlay::{EmailForm, Overlay};
use super::row::{Activity, OfferRow};
use super::table::Table;
use crate::config::Config;
use crate::domain::{BackendKind, OfferId};
use crate::engine::{Command, OfferState, Problem};
use crate::text::sanitize_line;

/// How long a toast stays.
const TOAST_SECONDS: i64 = 6;
/// Errors kept in the history.
const ERROR_HISTORY: usize = 100;

/// What the keys mean right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Browse,
    Filter,
    Detail,
    EditEmails(EmailForm),
}

/// What going live would change, as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffState {
    Loading,
    Ready(crate::engine::WhatWillChange),
    Failed(String),
}

/// An error worth remembering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEntry {
    pub at: DateTime<Utc>,
    pub offer: Option<String>,
    pub message: String,
    pub details: Vec<String>,
    pub correlation_id: Option<String>,
}

impl ErrorEntry {
    pub fn of(at: DateTime<Utc>, offer: Option<String>, problem: &Problem) -> ErrorEntry {
        ErrorEntry {
            at,
            offer,
            message: sanitize_line(&problem.message),
            details: problem.details.clone(),
            correlation_id: problem.correlation_id.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastLevel {
    Info,
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub text: String,
    pub level: ToastLevel,
    pub until: DateTime<Utc>,
}

/// The dashboard's whole state.
#[derive(Debug, Clone)]
pub struct App {
    pub title: String,
    pub config_path: PathBuf,
    /// The offers table: rows, filter, sort, cursor.
    pub table: Table,
    pub mode: Mode,
    pub overlay: Overlay,
    pub toasts: Vec<Toast>,
    pub errors: Vec<ErrorEntry>,
    /// How many of `errors` the user has seen (the error history was opened since).
    pub errors_seen: usize,
    pub now: DateTime<Utc>,
    pub spinner: usize,
    pub bell: bool,
    pub quit: bool,
    /// How far the detail view or the open popup is scrolled (the view keeps it in range).
    pub text_scroll: usize,
    /// Until when a request waits for the service before retrying, and why.
    pub waiting: Option<(DateTime<Utc>, String)>,
    /// Since when each API has not answered any request (connections failing or timing out);
    /// an API is taken out at its first answer.
    pub unreachable: Vec<(BackendKind, DateTime<Utc>)>,
    /// When the engine asks each unreachable API again.
    pub next_try: Vec<(BackendKind, DateTime<Utc>)>,
    /// How often followed operations are polled at most, per API (a row is stale after three
    /// intervals of its API).
    pub poll_floors: Vec<(BackendKind, Span)>,
    /// How long steps and phases took before, per seller (from the state store's history).
    pub estimates: crate::domain::Estimates,
    /// Watching only: the keys that change something at the service do nothing but say so.
    pub read_only: bool,
    /// `y` copies through the terminal (OSC 52).
    pub clipboard: bool,
    /// The terminal's width (where a click on the column titles lands).
    pub width: u16,
    /// What going live would change, per offer (read before `L` asks, and for `D`).
    pub diffs: std::collections::HashMap<OfferId, DiffState>,
    /// The detail view shows what going live would change (`D`).
    pub show_diff: bool,
    /// Earlier problems from the state store's history, for the error history (`E`).
    pub past_errors: Vec<crate::domain::log::LogEntry>,
    /// The last click on a table row, and when: a second one soon after opens the detail.
    pub(super) last_click: Option<(usize, DateTime<Utc>)>,
    pub(super) dirty: bool,
}

impl App {
    /// The initial state: a row per configured offer (and per offer the engine tracks beyond
    /// them), from the engine's truth at start. Returns the effects that read the statuses of
    /// the offers nothing runs on.
    pub fn new(
        config: &Config,
        title: &str,
        offers: Vec<OfferState>,
        now: DateTime<Utc>,
    ) -> (App, Vec<Effect>) {
        let mut rows: Vec<OfferRow> = config
            .offers
            .iter()
            .map(|o| OfferRow::new(o.id.clone(), o.backend, o.notification_emails.clone()))
            .collect();
        for truth in offers {
            match rows.iter_mut().find(|r| r.id == truth.id) {
                Some(row) => row.truth = truth,
                None => {
                    let mut row = OfferRow::of(truth, Vec::new());
                    row.unconfigured = true;
                    rows.push(row);
                }
            }
        }
        let floor = |d: std::time::Duration| Span::from_std(d).unwrap_or(Span::MAX);
        let mut app = App {
            title: title.to_string(),
            config_path: config.path.clone(),
            table: Table::new(rows, config.views.clone()),
            mode: Mode::Browse,
            overlay: Overlay::None,
            toasts: Vec::new(),
            errors: Vec::new(),
            errors_seen: 0,
            now,
            spinner: 0,
            bell: config.ui.bell,
            quit: false,
            text_scroll: 0,
            waiting: None,
            unreachable: Vec::new(),
            next_try: Vec::new(),
            poll_floors: BackendKind::ALL
                .iter()
                .map(|&k| (k, floor(config.cadence(k).floor)))
                .collect(),
            estimates: crate::domain::Estimates::default(),
            read_only: config.ui.read_only,
            clipboard: config.ui.clipboard,
            width: 80,
            past_errors: Vec::new(),
            diffs: std::collections::HashMap::new(),
            show_diff: false,
            last_click: None,
            dirty: true,
        };
        let mut effects = vec![
            Effect::Engine(Command::LoadEstimates),
            Effect::Engine(Command::ReadListings),
        ];
        for row in &mut app.table.rows {
            if !row.in_flight() && row.truth.activity == Activity::Idle {
                row.truth.activity = Activity::Loading;
                effects.push(Effect::Engine(Command::Refresh(row.id.clone())));
            }
        }
        for warning in &config.warnings {
            app.toast(warning.clone(), ToastLevel::Error);
        }
        (app, effects)
    }

    /// Errors the user has not seen in the error history yet.
    pub fn unseen_errors(&self) -> usize {
        self.errors.len().saturating_sub(self.errors_seen)
    }

    /// True when something changed since the last draw.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The screen must be drawn again though nothing changed (it was given away, on suspend).
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// True (once) when something changed since the last draw.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// While true, the loop sends ticks (spinner, elapsed times, toast expiry); otherwise the
    /// dashboard sleeps until a key or a message arrives.
    pub fn is_animating(&self) -> bool {
        !self.toasts.is_empty()
            || self.waiting.is_some()
            || self
                .table
                .rows
                .iter()
                .any(|r| r.truth.activity != Activity::Idle || r.flash_until.is_some())
    }

    /// When the last good answer came, over all rows.
    pub fn last_update(&self) -> Option<DateTime<Utc>> {
        self.table.rows.iter().filter_map(|r| r.truth.last_ok).max()
    }

    /// How long until what the screen shows changes by itself when nothing animates: the
    /// header's "updated … ago" (seconds for the first minute, then minutes). `None`: never.
    pub fn next_change_in(&self) -> Option<std::time::Duration> {
        let age = (self.now - self.last_update()?).num_milliseconds().max(0);
        let step = if age < 60_000 { 1_000 } else { 60_000 };
        let next = step - age % step;
        Some(std::time::Duration::from_millis(next as u64))
    }

    /// True when a followed row has had no good answer for two of its API's poll intervals
    /// past the wait its follower announced (three intervals with fixed polls).
    pub fn is_stale(&self, row: &OfferRow) -> bool {
        let t = &row.truth;
        t.activity == Activity::Following
            && Self::answered_at(row).is_some_and(|at| {
                let floor = self
                    .poll_floors
                    .iter()
                    .find(|(k, _)| *k == row.backend)
                    .map_or(Span::seconds(5), |(_, f)| *f);
                let announced = t
                    .poll_every
                    .and_then(|d| Span::from_std(d).ok())
                    .unwrap_or(floor);
                // Read from another offerdeck's records: they come at least every few
                // seconds while that one gets answers.
                let records = if t.followed_elsewhere {
                    crate::engine::RECORD_EVERY
                } else {
                    Span::zero()
                };
                self.now - at > announced.max(floor) + floor * 2 + records
            })
    }

    /// Since when a followed row counts its staleness: its last good answer, or the start of
    /// its operation when that is later (a status read long before a publish is no reason to
    /// call the publish stale the moment it is accepted).
    pub fn answered_at(row: &OfferRow) -> Option<DateTime<Utc>> {
        let t = &row.truth;
        t.last_ok.max(t.op.as_ref().map(|o| o.started_at))
    }

    pub fn in_flight(&self) -> usize {
        self.table.rows.iter().filter(|r| r.in_flight()).count()
    }

    pub(super) fn toast(&mut self, text: String, level: ToastLevel) {
        let until = self.now + Span::seconds(TOAST_SECONDS);
        self.toasts.push(Toast {
            text: sanitize_line(&text),
            level,
            until,
        });
        if self.toasts.len() > 3 {
            self.toasts.remove(0);
        }
    }

    pub(super) fn record_error(&mut self, entry: ErrorEntry) {
        self.errors.push(entry);
        if self.errors.len() > ERROR_HISTORY {
            self.errors.remove(0);
            self.errors_seen = self.errors_seen.saturating_sub(1);
        }
    }

    /// Drops the bell unless the user asked for it.
    pub(super) fn with_bell(&self, effects: Vec<Effect>) -> Vec<Effect> {
        if self.bell {
            effects
        } else {
            effects.into_iter().filter(|e| *e != Effect::Bell).collect()
        }
    }
}
