//! The dashboard's state and its pure `update(state, msg, now) -> effects` step. Nothing here
//! does I/O, reads a clock or touches the terminal: tests drive it with messages.

use std::path::PathBuf;

use chrono::{DateTime, Duration as Span, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::input::TextInput;
use super::keys::{self, Action};
use crate::api::{ApiError, OpKind, OperationDetail, Status};
use crate::config::Config;
use crate::ops::FollowEvent;
use crate::store::OperationRecord;
use crate::text::{sanitize_line, truncate};

/// How long a toast stays.
const TOAST_SECONDS: i64 = 6;
/// How long a row stays highlighted after its status changed.
const FLASH_MILLIS: i64 = 1_500;
/// Errors kept in the history.
const ERROR_HISTORY: usize = 100;
/// Rows a page key moves.
pub const PAGE: usize = 10;

/// Everything `update` consumes.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Tick,
    /// The terminal's new height (the table shows what fits).
    Resize {
        height: u16,
    },
    /// The answer to `GET …/status` for a row.
    StatusLoaded {
        row: usize,
        result: Result<OperationDetail, ApiError>,
    },
    /// The answer to starting an operation.
    Started {
        row: usize,
        kind: OpKind,
        result: Result<(OperationRecord, bool), ApiError>,
    },
    /// News from the poller of a row's operation.
    Follow {
        row: usize,
        event: FollowEvent,
    },
    /// An operation found running at the service that offerdeck had not started.
    Discovered {
        row: usize,
        record: OperationRecord,
    },
    /// The unfinished operations of the state store, read again.
    StoreLoaded(Result<Vec<OperationRecord>, String>),
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
        publisher: String,
        offer: String,
    },
    Start {
        row: usize,
        kind: OpKind,
        publisher: String,
        offer: String,
        emails: Vec<String>,
    },
    Follow {
        row: usize,
        record: Box<OperationRecord>,
    },
    SaveEmails {
        row: usize,
        publisher: String,
        offer: String,
        emails: Vec<String>,
    },
    /// Reads the state store again (operations started elsewhere meanwhile).
    LoadStore,
    /// Looks for the operation running at the service on an offer (started by someone else).
    Discover {
        row: usize,
        publisher: String,
        offer: String,
    },
    Bell,
    Quit,
}

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
    Rejection { row: usize },
    Errors,
    QuitConfirm { in_flight: usize },
}

/// A question before an operation starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub row: usize,
    pub kind: OpKind,
    pub emails: Vec<String>,
    pub retry: bool,
}

/// What a row is doing locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Idle,
    Loading,
    Submitting(OpKind),
    Following,
}

/// A refusal by validation (HTTP 422), kept until the next publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub message: String,
    pub details: Vec<String>,
    pub correlation_id: Option<String>,
    pub at: DateTime<Utc>,
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
    fn from_api(at: DateTime<Utc>, offer: Option<String>, error: &ApiError) -> ErrorEntry {
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

/// One offer of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferRow {
    pub publisher: String,
    pub offer: String,
    pub emails: Vec<String>,
    /// Not in the config (an operation resumed from the state store).
    pub unconfigured: bool,
    pub activity: Activity,
    /// The status `GET …/status` gave, with its steps.
    pub service: Option<OperationDetail>,
    /// The operation offerdeck started or resumed, as last polled.
    pub op: Option<OperationRecord>,
    pub retrying: Option<(u32, String)>,
    pub last_poll: Option<DateTime<Utc>>,
    pub rejection: Option<Rejection>,
    pub last_error: Option<ErrorEntry>,
    pub flash_until: Option<DateTime<Utc>>,
}

impl OfferRow {
    fn new(publisher: &str, offer: &str, emails: Vec<String>) -> OfferRow {
        OfferRow {
            publisher: publisher.to_string(),
            offer: offer.to_string(),
            emails,
            unconfigured: false,
            activity: Activity::Idle,
            service: None,
            op: None,
            retrying: None,
            last_poll: None,
            rejection: None,
            last_error: None,
            flash_until: None,
        }
    }

    pub fn key(&self) -> String {
        format!("{}/{}", self.publisher, self.offer)
    }

    /// An operation is running (or being started) for this offer.
    pub fn in_flight(&self) -> bool {
        matches!(self.activity, Activity::Submitting(_))
            || self.op.as_ref().is_some_and(|o| !o.finished)
    }

    /// What the row shows, from the most specific knowledge available.
    pub fn state(&self) -> RowState {
        if let Activity::Submitting(kind) = self.activity {
            return RowState::Submitting(kind);
        }
        if let Some(r) = &self.rejection {
            let newer_op = self.op.as_ref().is_some_and(|o| o.started_at > r.at);
            if !newer_op {
                return RowState::Rejected(r.details.len());
            }
        }
        if let Some(op) = &self.op {
            if !op.finished {
                if let Some((attempt, _)) = &self.retrying {
                    return RowState::Retrying(*attempt);
                }
                if op.failure.is_some() {
                    return RowState::Blocked;
                }
                return RowState::Running(op.kind);
            }
            return from_status(&op.last_status, op.kind);
        }
        if self.activity == Activity::Loading {
            return RowState::Loading;
        }
        match &self.service {
            Some(d) => from_status(&d.effective_status(), OpKind::Publish),
            None if self.last_error.is_some() => RowState::Error,
            None => RowState::Loading,
        }
    }

    /// The reason a failed or blocked operation gives.
    pub fn failure(&self) -> Option<String> {
        match &self.op {
            Some(op) => op.failure.clone(),
            None => self.service.as_ref().and_then(|d| d.failure_reason()),
        }
    }

    /// Overall progress, when something is running or done.
    pub fn progress(&self) -> Option<u8> {
        match &self.op {
            Some(op) => Some(op.progress),
            None => self
                .service
                .as_ref()
                .filter(|d| d.effective_status().is_active())
                .map(|d| d.progress(None)),
        }
    }

    fn matches(&self, needle: &str) -> bool {
        if needle.is_empty() {
            return true;
        }
        let hay = format!(
            "{} {} {}",
            self.key(),
            self.state().label(),
            self.emails.join(" ")
        )
        .to_lowercase();
        needle
            .to_lowercase()
            .split_whitespace()
            .all(|w| hay.contains(w))
    }
}

/// What a row shows in its status column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowState {
    Loading,
    Error,
    Submitting(OpKind),
    Running(OpKind),
    /// Running, but a step is blocked with an error.
    Blocked,
    Retrying(u32),
    Rejected(usize),
    ReadyForGoLive,
    Live,
    Failed,
    Canceled,
    NeverPublished,
    Idle,
    Unknown(String),
}

fn from_status(status: &Status, kind: OpKind) -> RowState {
    match status {
        Status::WaitingForPublisherReview => RowState::ReadyForGoLive,
        Status::Succeeded => RowState::Live,
        Status::Failed => RowState::Failed,
        Status::Canceled => RowState::Canceled,
        Status::NeverPublished => RowState::NeverPublished,
        Status::Running | Status::NotStarted => RowState::Running(kind),
        Status::Unknown(raw) if raw.is_empty() => RowState::Idle,
        Status::Unknown(raw) => RowState::Unknown(truncate(&sanitize_line(raw), 24)),
    }
}

impl RowState {
    pub fn label(&self) -> String {
        match self {
            RowState::Loading => "loading".into(),
            RowState::Error => "error".into(),
            RowState::Submitting(kind) => format!("starting {kind}"),
            RowState::Running(OpKind::GoLive) => "going live".into(),
            RowState::Running(OpKind::Cancel) => "canceling".into(),
            RowState::Running(OpKind::Publish) => "publishing".into(),
            RowState::Blocked => "blocked".into(),
            RowState::Retrying(n) => format!("retrying ({n})"),
            RowState::Rejected(_) => "rejected (422)".into(),
            RowState::ReadyForGoLive => "ready for go-live".into(),
            RowState::Live => "live".into(),
            RowState::Failed => "failed".into(),
            RowState::Canceled => "canceled".into(),
            RowState::NeverPublished => "never published".into(),
            RowState::Idle => "idle".into(),
            RowState::Unknown(raw) => raw.clone(),
        }
    }
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
    dirty: bool,
}

impl App {
    /// The initial state: a row per configured offer, plus the unfinished operations of the
    /// state store. Returns the effects that load statuses and resume those operations.
    pub fn new(
        config: &Config,
        title: &str,
        unfinished: Vec<OperationRecord>,
        now: DateTime<Utc>,
    ) -> (App, Vec<Effect>) {
        let rows: Vec<OfferRow> = config
            .offers
            .iter()
            .map(|o| OfferRow::new(&o.publisher, &o.offer, o.notification_emails.clone()))
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
            dirty: true,
        };
        let mut effects = app.adopt(unfinished);
        let resumed = effects.len();
        for (i, row) in app.rows.iter_mut().enumerate() {
            if row.op.is_none() {
                row.activity = Activity::Loading;
                effects.push(Effect::LoadStatus {
                    row: i,
                    publisher: row.publisher.clone(),
                    offer: row.offer.clone(),
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

    /// Takes in unfinished operations from the state store (at start, or on Ctrl-r to see what
    /// headless commands started meanwhile): the newest of each offer is followed, unless the
    /// row already follows something newer. Offers not in the config get a row of their own.
    fn adopt(&mut self, mut records: Vec<OperationRecord>) -> Vec<Effect> {
        records.sort_by_key(|r| r.started_at);
        let mut adopted: Vec<usize> = Vec::new();
        for record in records
            .into_iter()
            .filter(|r| r.kind != OpKind::Cancel && !r.finished)
        {
            let index = match self.rows.iter().position(|r| {
                r.publisher.eq_ignore_ascii_case(&record.publisher)
                    && r.offer.eq_ignore_ascii_case(&record.offer)
            }) {
                Some(i) => i,
                None => {
                    let mut row = OfferRow::new(
                        &record.publisher,
                        &record.offer,
                        record.notification_emails.clone(),
                    );
                    row.unconfigured = true;
                    self.rows.push(row);
                    self.rows.len() - 1
                }
            };
            let row = &mut self.rows[index];
            let newer = row.op.as_ref().is_none_or(|op| {
                op.operation_url != record.operation_url && op.started_at <= record.started_at
            });
            let busy = matches!(row.activity, Activity::Submitting(_) | Activity::Following);
            if newer && !busy {
                row.op = Some(record);
                if !adopted.contains(&index) {
                    adopted.push(index);
                }
            }
        }
        let mut effects = Vec::new();
        for index in adopted {
            let row = &mut self.rows[index];
            if let Some(record) = &row.op {
                row.activity = Activity::Following;
                effects.push(Effect::Follow {
                    row: index,
                    record: Box::new(record.clone()),
                });
            }
        }
        self.refilter();
        effects
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
            || self
                .rows
                .iter()
                .any(|r| r.activity != Activity::Idle || r.flash_until.is_some())
    }

    pub fn in_flight(&self) -> usize {
        self.rows.iter().filter(|r| r.in_flight()).count()
    }

    /// The row under the cursor.
    pub fn selected_row(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    fn toast(&mut self, text: String, level: ToastLevel) {
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

    fn record_error(&mut self, entry: ErrorEntry) {
        self.errors.push(entry);
        if self.errors.len() > ERROR_HISTORY {
            self.errors.remove(0);
        }
    }

    /// The one step: takes a message and the current time, changes the state, returns effects.
    pub fn update(&mut self, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
        let effects = self.apply(msg, now);
        self.keep_selection_visible();
        effects
    }

    fn keep_selection_visible(&mut self) {
        let rows = self.viewport_rows;
        if rows == 0 {
            return;
        }
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + rows {
            self.scroll = self.selected + 1 - rows;
        }
        self.scroll = self.scroll.min(self.visible.len().saturating_sub(rows));
    }

    fn apply(&mut self, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
        self.now = now;
        self.dirty = true;
        match msg {
            Msg::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                self.toasts.retain(|t| t.until > now);
                for row in &mut self.rows {
                    if row.flash_until.is_some_and(|t| t <= now) {
                        row.flash_until = None;
                    }
                }
                Vec::new()
            }
            Msg::Resize { height } => {
                // Header (2), footer (1), table borders (2) and column titles (1).
                self.viewport_rows = usize::from(height).saturating_sub(6);
                Vec::new()
            }
            Msg::Key(key) => self.on_key(key),
            Msg::StatusLoaded { row, result } => {
                let Some(r) = self.rows.get_mut(row) else {
                    return Vec::new();
                };
                if r.activity == Activity::Loading {
                    r.activity = Activity::Idle;
                }
                r.last_poll = Some(now);
                let mut effects = Vec::new();
                match result {
                    Ok(detail) => {
                        // Running at the service, but not by us (the portal, another tool):
                        // find the operation so it can be followed like our own.
                        let untracked = r.op.as_ref().is_none_or(|o| o.finished)
                            && r.activity == Activity::Idle;
                        if detail.effective_status().is_active() && untracked {
                            effects.push(Effect::Discover {
                                row,
                                publisher: r.publisher.clone(),
                                offer: r.offer.clone(),
                            });
                        }
                        r.service = Some(detail);
                        r.last_error = None;
                    }
                    Err(e) => {
                        let entry = ErrorEntry::from_api(now, Some(r.key()), &e);
                        r.last_error = Some(entry.clone());
                        self.record_error(entry);
                    }
                }
                self.refilter();
                effects
            }
            Msg::Discovered { row, record } => {
                let Some(r) = self.rows.get_mut(row) else {
                    return Vec::new();
                };
                if r.in_flight() {
                    return Vec::new();
                }
                let key = r.key();
                let kind = record.kind;
                r.op = Some(record.clone());
                r.activity = Activity::Following;
                self.toast(
                    format!("{key}: following the {kind} already running at the service"),
                    ToastLevel::Info,
                );
                self.refilter();
                vec![Effect::Follow {
                    row,
                    record: Box::new(record),
                }]
            }
            Msg::Started { row, kind, result } => self.on_started(row, kind, result),
            Msg::Follow { row, event } => self.on_follow(row, event),
            Msg::StoreLoaded(result) => match result {
                Ok(records) => {
                    let effects = self.adopt(records);
                    if !effects.is_empty() {
                        self.toast(
                            format!("following {} operation(s) started elsewhere", effects.len()),
                            ToastLevel::Info,
                        );
                    }
                    effects
                }
                Err(message) => {
                    self.toast(format!("state store: {message}"), ToastLevel::Error);
                    Vec::new()
                }
            },
            Msg::EmailsSaved { row, result } => {
                let key = self.rows.get(row).map(OfferRow::key).unwrap_or_default();
                match result {
                    Ok(emails) => {
                        if let Some(r) = self.rows.get_mut(row) {
                            r.emails = emails;
                        }
                        if matches!(&self.mode, Mode::EditEmails(f) if f.row == row) {
                            self.mode = Mode::Browse;
                        }
                        self.toast(
                            format!(
                                "{key}: notification e-mails saved to {}",
                                crate::paths::display(&self.config_path)
                            ),
                            ToastLevel::Success,
                        );
                    }
                    Err(message) => {
                        if let Mode::EditEmails(form) = &mut self.mode {
                            form.saving = false;
                            form.error = Some(sanitize_line(&message));
                        }
                        self.toast(
                            format!("{key}: e-mails not saved: {message}"),
                            ToastLevel::Error,
                        );
                    }
                }
                self.refilter();
                Vec::new()
            }
        }
    }

    fn on_started(
        &mut self,
        row: usize,
        kind: OpKind,
        result: Result<(OperationRecord, bool), ApiError>,
    ) -> Vec<Effect> {
        let now = self.now;
        let Some(r) = self.rows.get_mut(row) else {
            return Vec::new();
        };
        let key = r.key();
        let mut effects = Vec::new();
        match result {
            Ok((record, adopted)) => {
                if kind == OpKind::Cancel {
                    // The cancel lands on the operation already followed; its poller sees it.
                    r.activity = if r.op.as_ref().is_some_and(|o| !o.finished) {
                        Activity::Following
                    } else {
                        Activity::Idle
                    };
                    if r.op
                        .as_ref()
                        .is_none_or(|o| o.operation_url != record.operation_url)
                    {
                        r.op = Some(OperationRecord {
                            kind: OpKind::Publish,
                            ..record.clone()
                        });
                        r.activity = Activity::Following;
                        effects.push(Effect::Follow {
                            row,
                            record: Box::new(OperationRecord {
                                kind: OpKind::Publish,
                                ..record
                            }),
                        });
                    }
                    self.toast(
                        format!("{key}: cancel requested; the service takes a minute or two"),
                        ToastLevel::Info,
                    );
                } else {
                    if kind == OpKind::Publish {
                        r.rejection = None;
                    }
                    r.op = Some(record.clone());
                    r.activity = Activity::Following;
                    r.retrying = None;
                    r.last_error = None;
                    r.flash_until = Some(now + Span::milliseconds(FLASH_MILLIS));
                    effects.push(Effect::Follow {
                        row,
                        record: Box::new(record),
                    });
                    let text = if adopted {
                        format!(
                            "{key}: the service answered unclearly, but the {kind} is running; following it (not sent twice)"
                        )
                    } else {
                        format!("{key}: {kind} accepted")
                    };
                    self.toast(text, ToastLevel::Info);
                }
            }
            Err(error) => {
                r.activity = if r.op.as_ref().is_some_and(|o| !o.finished) {
                    Activity::Following
                } else {
                    Activity::Idle
                };
                let entry = ErrorEntry::from_api(now, Some(key.clone()), &error);
                if let ApiError::Validation(se) = &error {
                    r.rejection = Some(Rejection {
                        message: sanitize_line(&se.message),
                        details: se.details.clone(),
                        correlation_id: se.correlation_id.clone(),
                        at: now,
                    });
                    r.flash_until = Some(now + Span::milliseconds(FLASH_MILLIS));
                    let count = se.details.len();
                    if self.overlay == Overlay::None {
                        self.overlay = Overlay::Rejection { row };
                    }
                    self.toast(
                        format!("{key}: {kind} rejected by validation ({count} problem(s))"),
                        ToastLevel::Error,
                    );
                    effects.push(Effect::Bell);
                } else {
                    r.last_error = Some(entry.clone());
                    self.toast(
                        format!("{key}: {kind} failed: {}", entry.message),
                        ToastLevel::Error,
                    );
                }
                self.record_error(entry);
            }
        }
        self.refilter();
        self.with_bell(effects)
    }

    fn on_follow(&mut self, row: usize, event: FollowEvent) -> Vec<Effect> {
        let now = self.now;
        let Some(r) = self.rows.get_mut(row) else {
            return Vec::new();
        };
        let key = r.key();
        let mut effects = Vec::new();
        match event {
            FollowEvent::Changed(record) => {
                // A poll of an older operation is ignored once a newer one is followed.
                if r.op.as_ref().is_some_and(|o| {
                    o.operation_url != record.operation_url && o.started_at > record.started_at
                }) {
                    return Vec::new();
                }
                let before = r.op.as_ref().map(|o| o.last_status.clone());
                r.last_poll = Some(now);
                r.retrying = None;
                let status = record.last_status.clone();
                let kind = record.kind;
                let failure = record.failure.clone();
                r.op = Some(record);
                if before.as_ref() != Some(&status) {
                    r.flash_until = Some(now + Span::milliseconds(FLASH_MILLIS));
                    match status {
                        Status::Failed => {
                            let reason = failure.unwrap_or_else(|| "no reason given".into());
                            self.toast(
                                format!("{key}: {kind} failed: {reason}"),
                                ToastLevel::Error,
                            );
                            self.record_error(ErrorEntry {
                                at: now,
                                offer: Some(key.clone()),
                                message: format!("{kind} failed: {reason}"),
                                details: Vec::new(),
                                correlation_id: None,
                            });
                            effects.push(Effect::Bell);
                        }
                        Status::WaitingForPublisherReview if kind == OpKind::Publish => {
                            self.toast(
                                format!(
                                    "{key}: ready for go-live — review the preview, then press L"
                                ),
                                ToastLevel::Success,
                            );
                            effects.push(Effect::Bell);
                        }
                        Status::Succeeded => {
                            self.toast(format!("{key}: {kind} succeeded"), ToastLevel::Success);
                            effects.push(Effect::Bell);
                        }
                        Status::Canceled => {
                            self.toast(format!("{key}: {kind} canceled"), ToastLevel::Info)
                        }
                        _ => {}
                    }
                }
            }
            FollowEvent::Retrying { attempt, error, .. } => {
                r.last_poll = Some(now);
                r.retrying = Some((attempt, sanitize_line(&error)));
            }
            FollowEvent::Stopped { record, error } => {
                if r.op
                    .as_ref()
                    .is_some_and(|o| o.operation_url == record.operation_url)
                {
                    r.activity = Activity::Idle;
                    r.retrying = None;
                    if let Some(e) = &error {
                        let entry = ErrorEntry::from_api(now, Some(key.clone()), e);
                        r.last_error = Some(entry.clone());
                        self.toast(format!("{key}: stopped watching: {} (the operation goes on at the service; Ctrl-r or a restart resumes)", entry.message), ToastLevel::Error);
                        self.record_error(entry);
                    }
                }
            }
        }
        self.refilter();
        self.with_bell(effects)
    }

    fn with_bell(&self, effects: Vec<Effect>) -> Vec<Effect> {
        if self.bell {
            effects
        } else {
            effects.into_iter().filter(|e| *e != Effect::Bell).collect()
        }
    }

    /// Recomputes the filtered rows, keeping the cursor on the same offer when it is still shown.
    fn refilter(&mut self) {
        let current = self.selected_row();
        let needle = self.filter.text();
        self.visible = (0..self.rows.len())
            .filter(|&i| self.rows[i].matches(&needle))
            .collect();
        self.selected = current
            .and_then(|c| self.visible.iter().position(|&i| i == c))
            .unwrap_or(0);
        if self.selected >= self.visible.len() {
            self.selected = self.visible.len().saturating_sub(1);
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if keys::is_interrupt(&key) {
            self.quit = true;
            return vec![Effect::Quit];
        }
        // Overlays take keys first.
        match self.overlay.clone() {
            Overlay::None => {}
            Overlay::Help | Overlay::Errors => {
                if matches!(
                    key.code,
                    KeyCode::Esc
                        | KeyCode::Char('q')
                        | KeyCode::Char('?')
                        | KeyCode::Char('E')
                        | KeyCode::Enter
                ) {
                    self.overlay = Overlay::None;
                }
                return Vec::new();
            }
            Overlay::Rejection { row } => {
                match key.code {
                    KeyCode::Char('r') => {
                        self.overlay = Overlay::None;
                        return self.ask(row, OpKind::Publish, true);
                    }
                    KeyCode::Char('e') => {
                        self.overlay = Overlay::None;
                        self.open_editor(row);
                    }
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => {
                        self.overlay = Overlay::None
                    }
                    _ => {}
                }
                return Vec::new();
            }
            Overlay::Confirm(confirm) => {
                match key.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => {
                        self.overlay = Overlay::None;
                        return self.confirmed(confirm);
                    }
                    KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                        self.overlay = Overlay::None;
                        self.toast("nothing was sent".into(), ToastLevel::Info);
                    }
                    _ => {}
                }
                return Vec::new();
            }
            Overlay::QuitConfirm { .. } => {
                match key.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => {
                        self.quit = true;
                        return vec![Effect::Quit];
                    }
                    KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                        self.overlay = Overlay::None
                    }
                    _ => {}
                }
                return Vec::new();
            }
        }
        match self.mode.clone() {
            Mode::Filter => {
                match key.code {
                    KeyCode::Esc => {
                        self.filter = TextInput::default();
                        self.mode = Mode::Browse;
                    }
                    KeyCode::Enter => self.mode = Mode::Browse,
                    KeyCode::Backspace => self.filter.backspace(),
                    KeyCode::Delete => self.filter.delete(),
                    KeyCode::Left => self.filter.left(),
                    KeyCode::Right => self.filter.right(),
                    KeyCode::Up => self.move_by(-1),
                    KeyCode::Down => self.move_by(1),
                    KeyCode::Char(c) => self.filter.insert(c),
                    _ => {}
                }
                self.refilter();
                Vec::new()
            }
            Mode::EditEmails(mut form) => {
                if form.saving {
                    return Vec::new();
                }
                let mut effects = Vec::new();
                match key.code {
                    KeyCode::Esc => {
                        self.mode = Mode::Browse;
                        self.toast("e-mails unchanged".into(), ToastLevel::Info);
                        return Vec::new();
                    }
                    KeyCode::Enter => match crate::emails::parse_list(&form.input.text()) {
                        Ok(emails) => {
                            form.error = None;
                            form.saving = true;
                            if let Some(r) = self.rows.get(form.row) {
                                if r.unconfigured {
                                    form.saving = false;
                                    form.error = Some(format!(
                                        "{} is not in the config file; add an [[offers]] entry first",
                                        r.key()
                                    ));
                                } else {
                                    effects.push(Effect::SaveEmails {
                                        row: form.row,
                                        publisher: r.publisher.clone(),
                                        offer: r.offer.clone(),
                                        emails,
                                    });
                                }
                            }
                        }
                        Err(e) => form.error = Some(format!("{e}; nothing was saved")),
                    },
                    KeyCode::Left => form.input.left(),
                    KeyCode::Right => form.input.right(),
                    KeyCode::Home => form.input.home(),
                    KeyCode::End => form.input.end(),
                    KeyCode::Backspace => form.input.backspace(),
                    KeyCode::Delete => form.input.delete(),
                    KeyCode::Char(c) => {
                        form.input.insert(c);
                        form.error = None;
                    }
                    _ => {}
                }
                self.mode = Mode::EditEmails(form);
                effects
            }
            Mode::Browse | Mode::Detail => match keys::action_for(&key) {
                Some(action) => self.on_action(action),
                None => Vec::new(),
            },
        }
    }

    fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }

    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        let in_detail = self.mode == Mode::Detail;
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(PAGE as isize)),
            Action::PageDown => self.move_by(PAGE as isize),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = self.visible.len().saturating_sub(1),
            Action::Filter if !in_detail => self.mode = Mode::Filter,
            Action::Filter => {}
            Action::Detail => {
                if self.selected_row().is_some() {
                    self.mode = if in_detail {
                        Mode::Browse
                    } else {
                        Mode::Detail
                    };
                }
            }
            Action::Back => {
                if in_detail {
                    self.mode = Mode::Browse;
                } else if !self.filter.is_empty() {
                    self.filter = TextInput::default();
                    self.refilter();
                } else {
                    self.toasts.clear();
                }
            }
            Action::Help => self.overlay = Overlay::Help,
            Action::Errors => self.overlay = Overlay::Errors,
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
                let Some(row) = self.selected_row() else {
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
        }
        Vec::new()
    }

    fn open_editor(&mut self, row: usize) {
        if let Some(r) = self.rows.get(row) {
            self.mode = Mode::EditEmails(EmailForm {
                row,
                input: TextInput::new(&r.emails.join(", ")),
                error: None,
                saving: false,
            });
        }
    }

    /// Statuses again for rows nobody is following (a follower keeps its own row fresh).
    fn refresh(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        for (i, r) in self.rows.iter_mut().enumerate() {
            match (&r.op, r.activity) {
                (Some(op), Activity::Idle) if !op.finished => {
                    r.activity = Activity::Following;
                    effects.push(Effect::Follow {
                        row: i,
                        record: Box::new(op.clone()),
                    });
                }
                (_, Activity::Idle) => {
                    r.activity = Activity::Loading;
                    effects.push(Effect::LoadStatus {
                        row: i,
                        publisher: r.publisher.clone(),
                        offer: r.offer.clone(),
                    });
                }
                _ => {}
            }
        }
        effects.push(Effect::LoadStore);
        self.toast("refreshing".into(), ToastLevel::Info);
        effects
    }

    /// Opens the confirmation for an operation, or says why it cannot start.
    fn ask(&mut self, row: usize, kind: OpKind, retry: bool) -> Vec<Effect> {
        let Some(r) = self.rows.get(row) else {
            return Vec::new();
        };
        let key = r.key();
        let state = r.state();
        let refusal = match kind {
            OpKind::Publish if r.in_flight() => Some(format!(
                "{key}: an operation is already in flight (c cancels it)"
            )),
            OpKind::Publish
                if retry
                    && !matches!(
                        state,
                        RowState::Rejected(_) | RowState::Failed | RowState::Canceled
                    ) =>
            {
                Some(format!(
                    "{key}: nothing to retry (the last publish neither failed nor was rejected)"
                ))
            }
            OpKind::GoLive if r.in_flight() => {
                Some(format!("{key}: wait for the running operation to finish"))
            }
            OpKind::GoLive if state != RowState::ReadyForGoLive => Some(format!(
                "{key}: go live needs a publish waiting for publisher sign-off"
            )),
            OpKind::Cancel if !r.in_flight() => Some(format!("{key}: nothing is running")),
            _ => None,
        };
        if let Some(text) = refusal {
            self.toast(text, ToastLevel::Error);
            return Vec::new();
        }
        self.overlay = Overlay::Confirm(Confirm {
            row,
            kind,
            emails: r.emails.clone(),
            retry,
        });
        Vec::new()
    }

    fn confirmed(&mut self, confirm: Confirm) -> Vec<Effect> {
        let Some(r) = self.rows.get_mut(confirm.row) else {
            return Vec::new();
        };
        if confirm.kind != OpKind::Cancel {
            r.activity = Activity::Submitting(confirm.kind);
        }
        vec![Effect::Start {
            row: confirm.row,
            kind: confirm.kind,
            publisher: r.publisher.clone(),
            offer: r.offer.clone(),
            emails: r.emails.clone(),
        }]
    }
}

/// `1h02m`, `3m05s`, `12s`: compact durations for the table.
pub fn short_duration(span: Span) -> String {
    let secs = span.num_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3_599 => format!("{}m{:02}s", secs / 60, secs % 60),
        3_600..=86_399 => format!("{}h{:02}m", secs / 3_600, (secs % 3_600) / 60),
        _ => format!("{}d{:02}h", secs / 86_400, (secs % 86_400) / 3_600),
    }
}
