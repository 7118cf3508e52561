//! Before an operation starts: whether it can go to the offer (or to each marked one), by the
//! engine's rules; the question that lists them, what a publish would replace and what a
//! go-live would change; and the start once confirmed.

use super::super::msg::Effect;
use super::super::overlay::{Confirm, Overlay};
use super::super::row::Activity;
use super::super::state::{App, DiffState, ToastLevel};
use crate::domain::OpKind;
use crate::engine::{Command, rules};

impl App {
    /// Why `kind` cannot go to a row now, if it cannot.
    fn refusal(&self, row: usize, kind: OpKind, retry: bool) -> Option<String> {
        let r = self.table.rows.get(row)?;
        rules::may_start(kind, &r.truth, retry)
            .err()
            .map(|refusal| refusal.message(&r.id))
    }

    /// Asks before `kind` goes to the selected row, or to every marked row when some are.
    pub(super) fn ask(&mut self, row: usize, kind: OpKind, retry: bool) -> Vec<Effect> {
        if self.read_only {
            self.toast(
                format!("read-only: {kind} is off (started with --read-only or [ui] read_only)"),
                ToastLevel::Info,
            );
            return Vec::new();
        }
        let marked: Vec<usize> = (0..self.table.rows.len())
            .filter(|&i| self.table.rows[i].marked)
            .collect();
        let targets = if marked.is_empty() { vec![row] } else { marked };
        let (mut go, mut skipped) = (Vec::new(), Vec::new());
        for i in targets {
            match self.refusal(i, kind, retry) {
                Some(why) => skipped.push(why),
                None => go.push(i),
            }
        }
        let Some((&first, more)) = go.split_first() else {
            if skipped.len() == 1 {
                self.toast(skipped.remove(0), ToastLevel::Error);
            } else {
                self.toast(
                    format!(
                        "{kind}: none of the {} marked offers can take it now",
                        skipped.len()
                    ),
                    ToastLevel::Error,
                );
            }
            return Vec::new();
        };
        let warnings = go
            .iter()
            .filter_map(|&i| rules::warning_before(kind, &self.table.rows[i].truth))
            .collect();
        // Before a go-live of one offer, what it would change is read while the question waits.
        let diff = if kind == OpKind::GoLive && more.is_empty() {
            self.load_diff(first)
        } else {
            Vec::new()
        };
        let r = &self.table.rows[first];
        self.overlay = Overlay::Confirm(Confirm {
            offer: r.id.clone(),
            kind,
            backend: r.backend,
            emails: r.emails.clone(),
            retry,
            more: more
                .iter()
                .map(|&i| self.table.rows[i].id.clone())
                .collect(),
            skipped,
            warnings,
        });
        diff
    }

    /// Asks what going live would change for a row (unless it is being read).
    pub(super) fn load_diff(&mut self, row: usize) -> Vec<Effect> {
        let Some(r) = self.table.rows.get(row) else {
            return Vec::new();
        };
        if self.diffs.get(&r.id) == Some(&DiffState::Loading) {
            return Vec::new();
        }
        let offer = r.id.clone();
        self.diffs.insert(offer.clone(), DiffState::Loading);
        vec![Effect::Engine(Command::WhatWillChange(offer))]
    }

    /// Starts what was confirmed on every offer it goes to (the marks are used up); each
    /// result lands on its own row, and the client's concurrency bound paces the requests.
    pub(super) fn confirmed(&mut self, confirm: Confirm) -> Vec<Effect> {
        let mut effects = Vec::new();
        for offer in confirm.offers().cloned() {
            let Some(r) = self.table.row_mut(&offer) else {
                continue;
            };
            if confirm.kind != OpKind::Cancel {
                // Shown at once; the engine's next word on the offer replaces it.
                r.truth.activity = Activity::Submitting(confirm.kind);
            }
            effects.push(Effect::Engine(Command::Start {
                offer,
                kind: confirm.kind,
                emails: r.emails.clone(),
                retry: confirm.retry,
            }));
        }
        for r in &mut self.table.rows {
            r.marked = false;
        }
        effects
    }
}
