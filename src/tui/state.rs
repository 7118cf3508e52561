//! The dashboard's state: plain data. `update` (in `update/`) is the only thing that changes it;
//! the view only reads it.

use std::path::PathBuf;

use chrono::{DateTime, Duration as Span, Utc};

use super::input::TextInput;
use super::msg::Effect;
use super::row::{Activity, OfferRow};
use crate::config::Config;
use crate::domain::{BackendKind, OfferId, OpKind};
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

/// The e-mail editor of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailForm {
    pub offer: OfferId,
    pub input: TextInput,
    pub error: Option<String>,
    pub saving: bool,
}

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

/// What going live would change, as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffState {
    Loading,
    Ready(crate::engine::WhatWillChange),
    Failed(String),
}

/// The event log as shown: its lines (newest first), and a filter over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    pub entries: Vec<crate::domain::log::LogEntry>,
    pub loading: bool,
    pub filter: TextInput,
    /// Typing into the filter.
    pub typing: bool,
}

/// The copy menu: labelled texts of the selected offer, one of them selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyMenu {
    pub items: Vec<(String, String)>,
    pub selected: usize,
}

/// The offer picker: what the services list that the config does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// Still asking the services.
    pub loading: bool,
    pub items: Vec<PickItem>,
    /// Position in `items`.
    pub selected: usize,
    /// What could not be listed (one line per API).
    pub errors: Vec<String>,
    /// The chosen offers are being written to the config.
    pub saving: bool,
}

/// One offer in the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    pub offer: crate::config::NewOffer,
    pub offer_type: String,
    pub marked: bool,
}

/// A question before an operation starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub offer: OfferId,
    pub kind: OpKind,
    /// The API the offer is on: whether it takes e-mails comes from its capabilities.
    pub backend: BackendKind,
    pub emails: Vec<String>,
    pub retry: bool,
    /// With marked offers: the other offers it goes to as well (one confirmation for all).
    pub more: Vec<OfferId>,
    /// Marked offers it does not go to, each with why.
    pub skipped: Vec<String>,
    /// What the publisher should know before saying yes (a preview waiting for sign-off
    /// that a publish replaces), one line per offer concerned.
    pub warnings: Vec<String>,
}

/// What the table is sorted by (`s` cycles, `S` reverses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    /// The config's order.
    #[default]
    Config,
    Offer,
    /// Problems first, then what runs, what waits for go-live, what is live.
    Status,
    /// The longest-running first.
    Elapsed,
    /// The latest change first.
    LastChange,
    Backend,
}

impl SortColumn {
    pub fn next(self) -> SortColumn {
        match self {
            SortColumn::Config => SortColumn::Offer,
            SortColumn::Offer => SortColumn::Status,
            SortColumn::Status => SortColumn::Elapsed,
            SortColumn::Elapsed => SortColumn::LastChange,
            SortColumn::LastChange => SortColumn::Backend,
            SortColumn::Backend => SortColumn::Config,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortColumn::Config => "config order",
            SortColumn::Offer => "offer",
            SortColumn::Status => "status",
            SortColumn::Elapsed => "elapsed",
            SortColumn::LastChange => "last change",
            SortColumn::Backend => "API",
        }
    }
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
    pub rows: Vec<OfferRow>,
    /// Where each offer's row is in `rows` (rows are never removed).
    pub index: std::collections::HashMap<OfferId, usize>,
    /// Indexes into `rows` that pass the filter, in table order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    pub filter: TextInput,
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
    /// First visible position of `visible` in the table, kept so the selection moves, not the page.
    pub scroll: usize,
    /// Table rows that fit on screen (0 until the first resize).
    pub viewport_rows: usize,
    /// How far the detail view or the open popup is scrolled (the view keeps it in range).
    pub text_scroll: usize,
    /// Until when a request waits for the service before retrying, and why.
    pub waiting: Option<(DateTime<Utc>, String)>,
    /// Since when each API has not answered any request (connections failing or timing out);
    /// an API is taken out at its first answer.
    pub unreachable: Vec<(BackendKind, DateTime<Utc>)>,
    /// How often followed operations are polled at most, per API (a row is stale after three
    /// intervals of its API).
    pub poll_floors: Vec<(BackendKind, Span)>,
    /// How long steps and phases took before, per seller (from the state store's history).
    pub estimates: crate::domain::Estimates,
    /// Watching only: the keys that change something at the service do nothing but say so.
    pub read_only: bool,
    pub sort: SortColumn,
    pub sort_reversed: bool,
    /// The named filters of `[views]`, in the file's order (`1` is the first).
    pub views: Vec<(String, String)>,
    /// The view chosen last, while its filter is the one applied.
    pub view: Option<usize>,
    /// `y` copies through the terminal (OSC 52).
    pub clipboard: bool,
    /// The terminal's width (where a click on the column titles lands).
    pub width: u16,
    /// What going live would change, per offer (read before `L` asks, and for `D`).
    pub diffs: std::collections::HashMap<OfferId, DiffState>,
    /// The table's order is out of date with the sort (rows are re-sorted only when asked,
    /// never under the cursor).
    pub order_stale: bool,
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
        let index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let floor = |d: std::time::Duration| Span::from_std(d).unwrap_or(Span::MAX);
        let mut app = App {
            title: title.to_string(),
            config_path: config.path.clone(),
            visible: (0..rows.len()).collect(),
            rows,
            index,
            selected: 0,
            filter: TextInput::default(),
            mode: Mode::Browse,
            overlay: Overlay::None,
            toasts: Vec::new(),
            errors: Vec::new(),
            errors_seen: 0,
            now,
            spinner: 0,
            bell: config.ui.bell,
            quit: false,
            scroll: 0,
            viewport_rows: 0,
            text_scroll: 0,
            waiting: None,
            unreachable: Vec::new(),
            poll_floors: BackendKind::ALL
                .iter()
                .map(|&k| (k, floor(config.cadence(k).floor)))
                .collect(),
            estimates: crate::domain::Estimates::default(),
            read_only: config.ui.read_only,
            sort: SortColumn::default(),
            sort_reversed: false,
            views: config.views.clone(),
            view: None,
            clipboard: config.ui.clipboard,
            width: 80,
            past_errors: Vec::new(),
            diffs: std::collections::HashMap::new(),
            order_stale: false,
            show_diff: false,
            last_click: None,
            dirty: true,
        };
        let mut effects = vec![Effect::Engine(Command::LoadEstimates)];
        for row in &mut app.rows {
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

    /// The row of an offer.
    pub fn row(&self, offer: &OfferId) -> Option<&OfferRow> {
        self.index.get(offer).map(|&i| &self.rows[i])
    }

    pub(super) fn row_mut(&mut self, offer: &OfferId) -> Option<&mut OfferRow> {
        self.index.get(offer).map(|&i| &mut self.rows[i])
    }

    /// The offer under the cursor.
    pub fn selected_offer(&self) -> Option<&OfferId> {
        self.selected_row().map(|i| &self.rows[i].id)
    }

    /// Adds a row (an offer the config did not have); returns its index.
    pub(super) fn add_row(&mut self, row: OfferRow) -> usize {
        self.index.insert(row.id.clone(), self.rows.len());
        self.rows.push(row);
        self.rows.len() - 1
    }

    /// Errors the user has not seen in the error history yet.
    pub fn unseen_errors(&self) -> usize {
        self.errors.len().saturating_sub(self.errors_seen)
    }

    /// True when something changed since the last draw.
    pub fn is_dirty(&self) -> bool {
        self.dirty
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
                .rows
                .iter()
                .any(|r| r.truth.activity != Activity::Idle || r.flash_until.is_some())
    }

    /// When the last good answer came, over all rows.
    pub fn last_update(&self) -> Option<DateTime<Utc>> {
        self.rows.iter().filter_map(|r| r.truth.last_ok).max()
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
            && !t.followed_elsewhere
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
                self.now - at > announced.max(floor) + floor * 2
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
        self.rows.iter().filter(|r| r.in_flight()).count()
    }

    /// The row under the cursor.
    pub fn selected_row(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
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

    /// Recomputes the filtered rows after news, keeping the cursor on the same offer and the
    /// rows in the order they have: news never reorders the table under the cursor (a row
    /// that starts to match goes at the end until the next sort).
    pub(super) fn refilter(&mut self) {
        if self.sort == SortColumn::Config && !self.sort_reversed {
            return self.resort();
        }
        let filter = crate::domain::filter::Filter::lenient(&self.filter.text());
        let current = self.selected_row();
        let mut visible: Vec<usize> = self
            .visible
            .iter()
            .copied()
            .filter(|&i| self.rows[i].matches(&filter))
            .collect();
        for i in 0..self.rows.len() {
            if !visible.contains(&i) && self.rows[i].matches(&filter) {
                visible.push(i);
            }
        }
        self.visible = visible;
        let mut sorted = self.visible.clone();
        self.sort_indices(&mut sorted);
        self.order_stale = sorted != self.visible;
        self.selected = current
            .and_then(|c| self.visible.iter().position(|&i| i == c))
            .unwrap_or(self.selected);
        if self.selected >= self.visible.len() {
            self.selected = self.visible.len().saturating_sub(1);
        }
    }

    /// Recomputes the filtered rows and sorts them (asked for by the user: a sort key, a
    /// filter, a refresh), keeping the cursor on the same offer when it is still shown.
    pub(super) fn resort(&mut self) {
        let current = self.selected_row();
        let filter = crate::domain::filter::Filter::lenient(&self.filter.text());
        // Runs at every change a poll brings: the list's room is reused.
        let mut visible = std::mem::take(&mut self.visible);
        visible.clear();
        visible.extend((0..self.rows.len()).filter(|&i| self.rows[i].matches(&filter)));
        self.visible = visible;
        if self.view.is_some_and(|v| {
            self.views
                .get(v)
                .is_none_or(|(_, f)| *f != self.filter.text())
        }) {
            // The filter was edited: no view is shown any more.
            self.view = None;
        }
        let mut sorted = std::mem::take(&mut self.visible);
        self.sort_indices(&mut sorted);
        self.visible = sorted;
        self.order_stale = false;
        self.selected = current
            .and_then(|c| self.visible.iter().position(|&i| i == c))
            .unwrap_or(0);
        if self.selected >= self.visible.len() {
            self.selected = self.visible.len().saturating_sub(1);
        }
    }

    /// Orders row indexes by the sort column (ties keep the config's order).
    fn sort_indices(&self, indices: &mut [usize]) {
        if self.sort == SortColumn::Config && !self.sort_reversed {
            // Built in the config's order already.
            return;
        }
        let now = self.now;
        let rows = &self.rows;
        let elapsed = |i: usize| rows[i].truth.elapsed(now);
        let changed = |i: usize| {
            rows[i]
                .truth
                .op
                .as_ref()
                .map(|o| o.updated_at)
                .max(rows[i].truth.last_ok)
        };
        let reverse = self.sort_reversed;
        let order = |a: &usize, b: &usize| -> std::cmp::Ordering {
            let (a, b) = (*a, *b);
            let by = match self.sort {
                SortColumn::Config => a.cmp(&b),
                SortColumn::Offer => rows[a].id.cmp(&rows[b].id),
                SortColumn::Status => rows[a].state().rank().cmp(&rows[b].state().rank()),
                // Longest first; rows with nothing run last.
                SortColumn::Elapsed => elapsed(b).cmp(&elapsed(a)),
                SortColumn::LastChange => changed(b).cmp(&changed(a)),
                SortColumn::Backend => rows[a].backend.as_str().cmp(rows[b].backend.as_str()),
            };
            let by = if reverse { by.reverse() } else { by };
            by.then(a.cmp(&b))
        };
        indices.sort_by(order);
    }

    pub(super) fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }
}
