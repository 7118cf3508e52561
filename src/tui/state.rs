//! The dashboard's state: plain data. `update` (in `update/`) is the only thing that changes it;
//! the view only reads it.

use std::path::PathBuf;

use chrono::{DateTime, Duration as Span, Utc};

use super::input::TextInput;
use super::msg::Effect;
use super::row::{Activity, OfferRow};
use crate::api::ApiError;
use crate::config::Config;
use crate::domain::{OpKind, Operation};
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
    pub row: usize,
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
        row: usize,
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
    Ready(crate::backend::WhatWillChange),
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
    pub row: usize,
    pub kind: OpKind,
    /// The API the offer is on: the Product Ingestion API takes no e-mails.
    pub backend: crate::domain::BackendKind,
    pub emails: Vec<String>,
    pub retry: bool,
    /// With marked offers: the other rows it goes to as well (one confirmation for all).
    pub more: Vec<usize>,
    /// Marked offers it does not go to, each with why.
    pub skipped: Vec<String>,
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
    pub fn from_api(at: DateTime<Utc>, offer: Option<String>, error: &ApiError) -> ErrorEntry {
        let se = error.service_error();
        ErrorEntry {
            at,
            offer,
            message: sanitize_line(&error.to_string()),
            details: se.map(|e| e.details.clone()).unwrap_or_default(),
            correlation_id: se.and_then(|e| e.correlation_id.clone()),
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
    /// Indexes into `rows` that pass the filter, in table order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    pub filter: TextInput,
    pub mode: Mode,
    pub overlay: Overlay,
    pub toasts: Vec<Toast>,
    pub errors: Vec<ErrorEntry>,
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
    /// Since when the service has not answered (or kept failing); cleared by any good answer.
    pub unreachable_since: Option<DateTime<Utc>>,
    /// How often followed operations are polled, per API: CPP's, then Product Ingestion's (a
    /// row is stale after three intervals of its API).
    pub poll_interval: Span,
    pub ingestion_poll_interval: Span,
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
    /// What going live would change, per row (read before `L` asks, and for `D`).
    pub diffs: std::collections::HashMap<usize, DiffState>,
    /// The detail view shows what going live would change (`D`).
    pub show_diff: bool,
    /// Earlier problems from the state store's history, for the error history (`E`).
    pub past_errors: Vec<crate::domain::log::LogEntry>,
    /// The last click on a table row, and when: a second one soon after opens the detail.
    pub(super) last_click: Option<(usize, DateTime<Utc>)>,
    pub(super) dirty: bool,
}

impl App {
    /// The initial state: a row per configured offer, plus the unfinished operations of the
    /// state store. Returns the effects that load statuses and resume those operations.
    pub fn new(
        config: &Config,
        title: &str,
        unfinished: Vec<Operation>,
        now: DateTime<Utc>,
    ) -> (App, Vec<Effect>) {
        let rows: Vec<OfferRow> = config
            .offers
            .iter()
            .map(|o| OfferRow::new(o.id.clone(), o.backend, o.notification_emails.clone()))
            .collect();
        let mut app = App {
            title: title.to_string(),
            config_path: config.path.clone(),
            visible: (0..rows.len()).collect(),
            rows,
            selected: 0,
            filter: TextInput::default(),
            mode: Mode::Browse,
            overlay: Overlay::None,
            toasts: Vec::new(),
            errors: Vec::new(),
            now,
            spinner: 0,
            bell: config.ui.bell,
            quit: false,
            scroll: 0,
            viewport_rows: 0,
            text_scroll: 0,
            waiting: None,
            unreachable_since: None,
            poll_interval: Span::from_std(config.api.poll_interval).unwrap_or(Span::MAX),
            ingestion_poll_interval: Span::from_std(config.ingestion.poll_interval)
                .unwrap_or(Span::MAX),
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
            show_diff: false,
            last_click: None,
            dirty: true,
        };
        let mut effects = app.adopt(unfinished);
        let resumed = effects.len();
        effects.push(Effect::LoadEstimates);
        for (i, row) in app.rows.iter_mut().enumerate() {
            if row.op.is_none() {
                row.activity = Activity::Loading;
                effects.push(Effect::LoadStatus {
                    row: i,
                    offer: row.id.clone(),
                    backend: row.backend,
                });
            }
        }
        if resumed > 0 {
            app.toast(
                format!("resumed {resumed} operation(s) left in flight"),
                ToastLevel::Info,
            );
        }
        for warning in &config.warnings {
            app.toast(warning.clone(), ToastLevel::Error);
        }
        (app, effects)
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
                .any(|r| r.activity != Activity::Idle || r.flash_until.is_some())
    }

    /// When the last good answer came, over all rows.
    pub fn last_update(&self) -> Option<DateTime<Utc>> {
        self.rows.iter().filter_map(|r| r.last_ok).max()
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
        row.activity == Activity::Following
            && row
                .last_ok
                .or(row.op.as_ref().map(|o| o.started_at))
                .is_some_and(|t| {
                    let floor = match row.backend {
                        crate::domain::BackendKind::Cpp => self.poll_interval,
                        crate::domain::BackendKind::Ingestion => self.ingestion_poll_interval,
                    };
                    let announced = row
                        .poll_every
                        .and_then(|d| Span::from_std(d).ok())
                        .unwrap_or(floor);
                    self.now - t > announced.max(floor) + floor * 2
                })
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

    /// Recomputes the filtered rows, keeping the cursor on the same offer when it is still shown.
    pub(super) fn refilter(&mut self) {
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
        self.sort_visible();
        self.selected = current
            .and_then(|c| self.visible.iter().position(|&i| i == c))
            .unwrap_or(0);
        if self.selected >= self.visible.len() {
            self.selected = self.visible.len().saturating_sub(1);
        }
    }

    /// Orders `visible` by the sort column (ties keep the config's order).
    fn sort_visible(&mut self) {
        if self.sort == SortColumn::Config && !self.sort_reversed {
            // `visible` is built in the config's order already.
            return;
        }
        let now = self.now;
        let rows = &self.rows;
        let elapsed = |i: usize| {
            rows[i].op.as_ref().map(|o| {
                if o.finished {
                    o.updated_at - o.started_at
                } else {
                    now - o.started_at
                }
            })
        };
        let changed = |i: usize| {
            rows[i]
                .op
                .as_ref()
                .map(|o| o.updated_at)
                .max(rows[i].last_ok)
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
        self.visible.sort_by(order);
    }

    pub(super) fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }
}
