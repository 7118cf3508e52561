//! What the engine says, taken in: a new truth about an offer replaces its row's, news
//! becomes a toast (and an entry of the error history when it is a problem), answers fill the
//! popups that asked for them.

use chrono::Duration as Span;

use super::super::msg::Effect;
use super::super::overlay::Overlay;
use super::super::row::{OfferRow, Standing};
use super::super::state::{App, DiffState, ErrorEntry, Mode, ToastLevel};
use crate::domain::{OfferId, OpKind, Status};
use crate::engine::{EngineEvent, News, OfferState, ProblemKind};
use crate::text::sanitize_line;

/// How long a row stays highlighted after its status changed.
const FLASH_MILLIS: i64 = 1_500;

impl App {
    pub(super) fn on_engine(&mut self, event: EngineEvent) -> Vec<Effect> {
        let effects = match event {
            EngineEvent::Offer(truth) => {
                self.on_offer(*truth);
                Vec::new()
            }
            EngineEvent::Polled {
                offer,
                at,
                next_poll,
            } => {
                self.on_polled(&offer, at, next_poll);
                return Vec::new();
            }
            EngineEvent::News { offer, news } => self.on_news(offer, news),
            EngineEvent::Reachability {
                api,
                unreachable_since,
                next_try,
            } => {
                self.unreachable.retain(|(k, _)| *k != api);
                self.next_try.retain(|(k, _)| *k != api);
                if let Some(since) = unreachable_since {
                    self.unreachable.push((api, since));
                    self.next_try.extend(next_try.map(|at| (api, at)));
                }
                Vec::new()
            }
            EngineEvent::Waiting { until, reason } => {
                self.waiting = Some((until, sanitize_line(&reason)));
                Vec::new()
            }
            EngineEvent::Diff { offer, result } => {
                let state = match result {
                    Ok(diff) => DiffState::Ready(diff),
                    Err(problem) => DiffState::Failed(problem.message),
                };
                self.diffs.insert(offer, state);
                Vec::new()
            }
            EngineEvent::Available { found, errors } => self.on_available(found, errors),
            EngineEvent::Estimates(estimates) => {
                self.estimates = estimates;
                Vec::new()
            }
            EngineEvent::Log(entries) => self.on_log_loaded(entries),
            EngineEvent::Desktop(notice) => vec![Effect::Desktop(notice)],
            // Their news came in the offers' snapshots.
            EngineEvent::ListingsRead => Vec::new(),
            EngineEvent::PortalPage { offer, url } => {
                self.toast(format!("{offer}: opening {url}"), ToastLevel::Info);
                vec![Effect::Open(url)]
            }
        };
        self.with_bell(effects)
    }

    /// The engine's new truth about an offer: the row takes it whole.
    fn on_offer(&mut self, truth: OfferState) {
        let now = self.now;
        let i = match self.table.index.get(&truth.id) {
            Some(&i) => i,
            None => {
                let mut row = OfferRow::of(truth.clone(), Vec::new());
                row.unconfigured = true;
                self.table.add_row(row)
            }
        };
        let row = &mut self.table.rows[i];
        let before = row.state();
        row.truth = truth;
        let after = row.state();
        if before != after && before != Standing::Loading && after != Standing::Loading {
            row.flash_until = Some(now + Span::milliseconds(FLASH_MILLIS));
        }
        self.table.refilter(self.now);
    }

    /// A poll that changed nothing on screen: only the times move, and nothing is redrawn
    /// unless the screen shows them (the header's age and the spinner move with the ticks).
    fn on_polled(
        &mut self,
        offer: &OfferId,
        at: chrono::DateTime<chrono::Utc>,
        next: std::time::Duration,
    ) {
        let Some(&i) = self.table.index.get(offer) else {
            return;
        };
        let shown_in_detail = self.mode == Mode::Detail && self.table.selected_row() == Some(i);
        let visible = shown_in_detail
            || self.table.rows[i].truth.retrying.is_some()
            || self.is_stale(&self.table.rows[i]);
        let truth = &mut self.table.rows[i].truth;
        truth.last_poll = Some(at);
        truth.last_ok = Some(at);
        truth.poll_every = Some(next);
        truth.retrying = None;
        self.dirty = visible;
    }

    fn on_news(&mut self, offer: Option<OfferId>, news: News) -> Vec<Effect> {
        let now = self.now;
        let key = offer.as_ref().map(|o| o.to_string());
        let name = key.clone().unwrap_or_else(|| "offerdeck".into());
        let flash = |app: &mut App| {
            if let Some(row) = offer.as_ref().and_then(|o| app.table.row_mut(o)) {
                row.flash_until = Some(now + Span::milliseconds(FLASH_MILLIS));
            }
        };
        let mut effects = Vec::new();
        match news {
            News::Accepted { kind, adopted } => {
                flash(self);
                let text = if adopted {
                    format!(
                        "{name}: the service answered unclearly, but the {kind} is running; following it (not sent twice)"
                    )
                } else {
                    format!("{name}: {kind} accepted")
                };
                self.toast(text, ToastLevel::Info);
            }
            News::CancelRequested => self.toast(
                format!("{name}: cancel requested; the service takes a minute or two"),
                ToastLevel::Info,
            ),
            News::NothingToCancel => self.toast(
                format!("{name}: nothing was running any more; nothing to cancel"),
                ToastLevel::Info,
            ),
            News::StartFailed { kind, problem } => {
                flash(self);
                let entry = ErrorEntry::of(now, key.clone(), &problem);
                if problem.is_rejection() {
                    if self.overlay == Overlay::None
                        && let Some(offer) = offer.clone()
                    {
                        self.overlay = Overlay::Rejection { offer };
                        self.text_scroll = 0;
                    }
                    self.toast(
                        format!(
                            "{name}: {kind} rejected by validation ({} problem(s))",
                            problem.details.len()
                        ),
                        ToastLevel::Error,
                    );
                    effects.push(Effect::Bell);
                } else {
                    self.toast(
                        format!("{name}: {kind} not sent: {}", entry.message),
                        ToastLevel::Error,
                    );
                }
                self.record_error(entry);
            }
            News::NotRecorded {
                kind,
                operation_url,
                message,
            } => self.on_store_problem(
                key,
                format!(
                    "the {kind} runs, but could not be recorded ({message}); it will not be resumed after a restart: follow it with offerdeck watch {name} --url {operation_url}"
                ),
            ),
            News::StatusChanged {
                kind,
                status,
                failure,
                asked_to_cancel,
            } => match status {
                Status::Failed => {
                    let reason = failure.unwrap_or_else(|| "no reason given".into());
                    self.toast(format!("{name}: {kind} failed: {reason}"), ToastLevel::Error);
                    self.record_error(ErrorEntry {
                        at: now,
                        offer: key,
                        message: format!("{kind} failed: {reason}"),
                        details: Vec::new(),
                        correlation_id: None,
                    });
                    effects.push(Effect::Bell);
                }
                Status::WaitingForPublisherReview if kind == OpKind::Publish => {
                    self.toast(
                        format!("{name}: ready for go-live — review the preview, then press L"),
                        ToastLevel::Success,
                    );
                    effects.push(Effect::Bell);
                }
                Status::Succeeded => {
                    self.toast(format!("{name}: {kind} succeeded"), ToastLevel::Success);
                    effects.push(Effect::Bell);
                }
                Status::Canceled if asked_to_cancel => self.toast(
                    format!("{name}: {kind} canceled, as requested"),
                    ToastLevel::Info,
                ),
                Status::Canceled => {
                    self.toast(format!("{name}: {kind} canceled"), ToastLevel::Info)
                }
                _ => {}
            },
            News::StoppedFollowing { problem } => {
                let entry = ErrorEntry::of(now, key, &problem);
                let text = if matches!(problem.kind, ProblemKind::NotFound | ProblemKind::Untrusted)
                {
                    format!("{name}: not followed any more: {}", entry.message)
                } else {
                    format!(
                        "{name}: stopped watching: {} (the operation goes on at the service; Ctrl-r looks again)",
                        entry.message
                    )
                };
                self.toast(text, ToastLevel::Error);
                self.record_error(entry);
            }
            News::NothingRuns { standing } => self.toast(
                format!("{name}: nothing runs on it; it is {standing}"),
                ToastLevel::Info,
            ),
            News::FoundRunning { kind } => self.toast(
                format!("{name}: following the {kind} already running at the service"),
                ToastLevel::Info,
            ),
            News::Resumed { count, at_start } => {
                let text = if at_start {
                    format!("resumed {count} operation(s) left in flight")
                } else {
                    format!("following {count} operation(s) started elsewhere")
                };
                self.toast(text, ToastLevel::Info);
            }
            News::Refused(refusal) => {
                let text = match &offer {
                    Some(o) => refusal.message(o),
                    None => format!("{refusal:?}"),
                };
                self.toast(text, ToastLevel::Error);
            }
            News::StoreProblem(message) => self.on_store_problem(key, message),
            News::NotifyProblem(message) => {
                let entry = ErrorEntry {
                    at: now,
                    offer: None,
                    message: sanitize_line(&message),
                    details: Vec::new(),
                    correlation_id: None,
                };
                self.toast(entry.message.clone(), ToastLevel::Error);
                self.record_error(entry);
            }
        }
        effects
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

    pub(super) fn on_emails_saved(&mut self, offer: &OfferId, result: Result<Vec<String>, String>) {
        let key = offer.to_string();
        match result {
            Ok(emails) => {
                if let Some(r) = self.table.row_mut(offer) {
                    r.emails = emails;
                }
                if matches!(&self.mode, Mode::EditEmails(f) if f.offer == *offer) {
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
        self.table.refilter(self.now);
    }
}
