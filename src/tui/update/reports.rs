//! Background reports: statuses read, operations started, follower news, e-mails saved.

use chrono::Duration as Span;

use super::super::msg::Effect;
use super::super::row::Activity;
use super::super::state::{App, ErrorEntry, Mode, Overlay, ToastLevel};
use crate::api::ApiError;
use crate::domain::{Observation, OpKind, Operation, Status};
use crate::ops::{FollowEvent, StartOutcome};
use crate::text::sanitize_line;

/// How long a row stays highlighted after its status changed.
const FLASH_MILLIS: i64 = 1_500;

impl App {
    pub(super) fn on_status(
        &mut self,
        row: usize,
        result: Result<Observation, ApiError>,
    ) -> Vec<Effect> {
        let now = self.now;
        let Some(r) = self.rows.get_mut(row) else {
            return Vec::new();
        };
        if r.activity == Activity::Loading {
            r.activity = Activity::Idle;
        }
        r.last_poll = Some(now);
        let mut effects = Vec::new();
        match result {
            Ok(seen) => {
                // Running at the service, but not by us (the portal, another tool): find the
                // operation so it can be followed like our own.
                let untracked =
                    r.op.as_ref().is_none_or(|o| o.finished) && r.activity == Activity::Idle;
                if seen.status.is_active() && untracked {
                    effects.push(Effect::Discover {
                        row,
                        offer: r.id.clone(),
                        backend: r.backend,
                    });
                }
                r.service = Some(seen);
                r.last_error = None;
                r.last_ok = Some(now);
                self.unreachable_since = None;
            }
            Err(e) => {
                let entry = ErrorEntry::from_api(now, Some(r.id.to_string()), &e);
                r.last_error = Some(entry.clone());
                if e.is_transient() {
                    self.unreachable_since.get_or_insert(now);
                }
                self.record_error(entry);
            }
        }
        self.refilter();
        effects
    }

    pub(super) fn on_discovered(&mut self, row: usize, operation: Operation) -> Vec<Effect> {
        let Some(r) = self.rows.get_mut(row) else {
            return Vec::new();
        };
        if r.in_flight() {
            return Vec::new();
        }
        let text = format!(
            "{}: following the {} already running at the service",
            r.id, operation.kind
        );
        r.op = Some(operation.clone());
        r.activity = Activity::Following;
        self.toast(text, ToastLevel::Info);
        self.refilter();
        vec![Effect::Follow {
            row,
            operation: Box::new(operation),
        }]
    }

    pub(super) fn on_started(
        &mut self,
        row: usize,
        kind: OpKind,
        result: Result<Option<StartOutcome>, ApiError>,
    ) -> Vec<Effect> {
        let now = self.now;
        let Some(r) = self.rows.get_mut(row) else {
            return Vec::new();
        };
        let key = r.id.to_string();
        let mut effects = Vec::new();
        let mut toasts = Vec::new();
        let mut problems = Vec::new();
        match result {
            Ok(None) => {
                toasts.push((
                    format!("{key}: nothing was running any more; nothing to cancel"),
                    ToastLevel::Info,
                ));
            }
            Ok(Some(started)) => {
                let StartOutcome {
                    operation,
                    adopted,
                    not_recorded,
                    store_notices,
                } = started;
                let already_followed = r.activity == Activity::Following
                    && r.op
                        .as_ref()
                        .is_some_and(|o| o.pointer == operation.pointer);
                r.failed_start = None;
                if kind != OpKind::Cancel {
                    r.retrying = None;
                    r.last_error = None;
                    r.flash_until = Some(now + Span::milliseconds(FLASH_MILLIS));
                }
                r.op = Some(operation.clone());
                if already_followed {
                    // Its follower sees the cancel land.
                } else {
                    r.activity = Activity::Following;
                    effects.push(Effect::Follow {
                        row,
                        operation: Box::new(operation),
                    });
                }
                let text = match (kind, adopted) {
                    (OpKind::Cancel, _) => {
                        format!("{key}: cancel requested; the service takes a minute or two")
                    }
                    (_, true) => format!(
                        "{key}: the service answered unclearly, but the {kind} is running; following it (not sent twice)"
                    ),
                    (_, false) => format!("{key}: {kind} accepted"),
                };
                toasts.push((text, ToastLevel::Info));
                problems.extend(store_notices);
                if let Some(e) = not_recorded {
                    problems.push(format!(
                        "the {kind} runs, but could not be recorded ({e}); it will not be resumed after a restart: follow it with offerdeck watch {key} --url {}",
                        r.op.as_ref().map(|o| o.pointer.to_string()).unwrap_or_default()
                    ));
                }
            }
            Err(error) => {
                r.activity = if r.op.as_ref().is_some_and(|o| !o.finished) {
                    Activity::Following
                } else {
                    Activity::Idle
                };
                let entry = ErrorEntry::from_api(now, Some(key.clone()), &error);
                r.failed_start = Some(crate::ops::failure_of(&r.id, kind, now, &error));
                r.flash_until = Some(now + Span::milliseconds(FLASH_MILLIS));
                if let ApiError::Validation(se) = &error {
                    let count = se.details.len();
                    if self.overlay == Overlay::None {
                        self.overlay = Overlay::Rejection { row };
                        self.text_scroll = 0;
                    }
                    toasts.push((
                        format!("{key}: {kind} rejected by validation ({count} problem(s))"),
                        ToastLevel::Error,
                    ));
                    effects.push(Effect::Bell);
                } else {
                    r.last_error = Some(entry.clone());
                    toasts.push((
                        format!("{key}: {kind} not sent: {}", entry.message),
                        ToastLevel::Error,
                    ));
                }
                self.record_error(entry);
            }
        }
        for (text, level) in toasts {
            self.toast(text, level);
        }
        for message in problems {
            self.on_store_problem(Some(key.clone()), message);
        }
        self.refilter();
        self.with_bell(effects)
    }

    /// A request waits for the service: the header says until when, and so does the row it is
    /// about, when one is.
    pub(super) fn on_waiting(&mut self, notice: crate::api::http::transport::WaitNotice) {
        let until = notice
            .until
            .with_timezone(&chrono::Local)
            .format("%H:%M:%S")
            .to_string();
        let text = sanitize_line(&format!("waiting until {until} ({})", notice.reason));
        let offer = crate::api::http::pointer::offer_of(&notice.url)
            .and_then(|(p, o)| crate::domain::OfferId::new(&p, &o).ok());
        if let Some(r) = self.rows.iter_mut().find(|r| Some(&r.id) == offer.as_ref()) {
            let attempt = r.retrying.as_ref().map_or(1, |(n, _)| n + 1);
            r.retrying = Some((attempt, text.clone()));
        }
        // Throttling is the service answering; anything else means it does not, for now.
        if !notice.reason.starts_with("HTTP 429") {
            self.unreachable_since.get_or_insert(self.now);
        }
        if notice.wait >= crate::api::http::transport::NOTICEABLE_WAIT {
            self.waiting = Some((notice.until, text));
        }
    }

    /// A problem of the state store: a toast, and an entry in the error history that stays.
    pub(super) fn on_store_problem(&mut self, offer: Option<String>, message: String) {
        let message = sanitize_line(&message);
        let text = match &offer {
            Some(o) => format!("{o}: {message}"),
            None => format!("state store: {message}"),
        };
        self.toast(text, ToastLevel::Error);
        self.record_error(ErrorEntry {
            at: self.now,
            offer,
            message,
            details: Vec::new(),
            correlation_id: None,
        });
    }

    pub(super) fn on_follow(&mut self, row: usize, event: FollowEvent) -> Vec<Effect> {
        let now = self.now;
        let Some(r) = self.rows.get_mut(row) else {
            return Vec::new();
        };
        let key = r.id.to_string();
        let mut effects = Vec::new();
        // An operation followed to its end: the offer's status (and its submissions per
        // environment) is read again at once, not at the next refresh.
        let mut reload = false;
        match event {
            FollowEvent::Changed {
                mut operation,
                next_poll,
            } => {
                // A poll of an older operation is ignored once a newer one is followed.
                if r.op.as_ref().is_some_and(|o| {
                    o.pointer != operation.pointer && o.started_at > operation.started_at
                }) {
                    return Vec::new();
                }
                let before = r.op.as_ref().map(|o| o.seen.status.clone());
                // A cancel asked for while the follower ran is known here, not to the follower.
                if let Some(o) = r.op.as_ref().filter(|o| o.pointer == operation.pointer) {
                    operation.cancel_requested_at =
                        operation.cancel_requested_at.or(o.cancel_requested_at);
                }
                r.last_poll = Some(now);
                r.last_ok = Some(now);
                r.poll_every = Some(next_poll);
                r.retrying = None;
                self.unreachable_since = None;
                let status = operation.seen.status.clone();
                let kind = operation.kind;
                let failure = operation.seen.failure.clone();
                let asked_to_cancel = operation.cancel_requested_at.is_some();
                let notice = crate::notify::Notice::of(&operation);
                r.op = Some(operation);
                if before.as_ref() != Some(&status)
                    && let Some(notice) = notice
                {
                    effects.push(Effect::Notify(notice));
                }
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
                        Status::Canceled if asked_to_cancel => self.toast(
                            format!("{key}: {kind} canceled, as requested"),
                            ToastLevel::Info,
                        ),
                        Status::Canceled => {
                            self.toast(format!("{key}: {kind} canceled"), ToastLevel::Info)
                        }
                        _ => {}
                    }
                }
            }
            FollowEvent::StoreProblem { message, .. } => {
                self.on_store_problem(Some(key), message);
                return Vec::new();
            }
            FollowEvent::Polled { pointer, next_poll } => {
                if r.op.as_ref().is_some_and(|o| o.pointer == pointer) {
                    let retrying = r.retrying.is_some();
                    // Most polls change nothing on screen: no redraw for those (the header's
                    // age and the spinner move with the ticks).
                    let shown_in_detail = self.mode == super::super::state::Mode::Detail
                        && self.selected_row() == Some(row);
                    let visible = retrying
                        || self.unreachable_since.is_some()
                        || shown_in_detail
                        || self.is_stale(&self.rows[row]);
                    let r = &mut self.rows[row];
                    r.last_poll = Some(now);
                    r.last_ok = Some(now);
                    r.poll_every = Some(next_poll);
                    r.retrying = None;
                    self.unreachable_since = None;
                    self.dirty = visible;
                }
                return Vec::new();
            }
            FollowEvent::Retrying {
                attempt,
                error,
                throttled,
                ..
            } => {
                r.last_poll = Some(now);
                r.retrying = Some((attempt, sanitize_line(&error)));
                // Throttling is the service answering; anything else means it does not.
                if !throttled {
                    self.unreachable_since.get_or_insert(now);
                }
            }
            FollowEvent::Stopped { operation, error } => {
                if r.op
                    .as_ref()
                    .is_some_and(|o| o.pointer == operation.pointer)
                {
                    r.activity = Activity::Idle;
                    r.retrying = None;
                    reload = error.is_none();
                    if let Some(e) = &error {
                        let entry = ErrorEntry::from_api(now, Some(key.clone()), e);
                        r.last_error = Some(entry.clone());
                        // Not followed any more: the row stops counting it as in flight, and
                        // p and r work again.
                        if let Some(op) = r.op.as_mut() {
                            op.lose(&entry.message);
                        }
                        let text = if e.is_permanent() {
                            format!("{key}: not followed any more: {}", entry.message)
                        } else {
                            format!(
                                "{key}: stopped watching: {} (the operation goes on at the service; Ctrl-r looks again)",
                                entry.message
                            )
                        };
                        self.toast(text, ToastLevel::Error);
                        self.record_error(entry);
                    }
                }
            }
        }
        if reload {
            effects.push(self.load_status(row));
            // One more past run of each of its steps.
            effects.push(Effect::LoadEstimates);
        }
        self.refilter();
        self.with_bell(effects)
    }

    pub(super) fn on_store_loaded(
        &mut self,
        result: Result<Vec<Operation>, String>,
    ) -> Vec<Effect> {
        match result {
            Ok(operations) => {
                let effects = self.adopt(operations);
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
        }
    }

    pub(super) fn on_emails_saved(&mut self, row: usize, result: Result<Vec<String>, String>) {
        let key = self
            .rows
            .get(row)
            .map(|r| r.id.to_string())
            .unwrap_or_default();
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
    }
}
