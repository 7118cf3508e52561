//! Before an operation starts: whether it can go to the offer (or to each marked one), the
//! question that lists them, what a go-live would change, and the start once confirmed.

use super::super::msg::Effect;
use super::super::row::RowState;
use super::super::state::{App, Confirm, DiffState, Overlay, ToastLevel};
use crate::domain::OpKind;

impl App {
    /// Why `kind` cannot go to a row now, if it cannot.
    fn refusal(&self, row: usize, kind: OpKind, retry: bool) -> Option<String> {
        let r = self.rows.get(row)?;
        let key = &r.id;
        let state = r.state();
        match kind {
            OpKind::Publish if r.in_flight() => Some(format!(
                "{key}: an operation is already in flight (c cancels it)"
            )),
            OpKind::Publish
                if retry
                    && !matches!(
                        state,
                        RowState::Rejected(_)
                            | RowState::NotSent(OpKind::Publish)
                            | RowState::Lost
                            | RowState::Failed
                            | RowState::Canceled
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
        }
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
        let marked: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.rows[i].marked)
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
        // Before a go-live of one offer, what it would change is read while the question waits.
        let diff = if kind == OpKind::GoLive && more.is_empty() {
            self.load_diff(first)
        } else {
            Vec::new()
        };
        let r = &self.rows[first];
        self.overlay = Overlay::Confirm(Confirm {
            row: first,
            kind,
            backend: r.backend,
            emails: r.emails.clone(),
            retry,
            more: more.to_vec(),
            skipped,
        });
        diff
    }

    /// Asks what going live would change for a row (unless it is being read).
    pub(super) fn load_diff(&mut self, row: usize) -> Vec<Effect> {
        let Some(r) = self.rows.get(row) else {
            return Vec::new();
        };
        if self.diffs.get(&row) == Some(&DiffState::Loading) {
            return Vec::new();
        }
        self.diffs.insert(row, DiffState::Loading);
        vec![Effect::LoadDiff {
            row,
            offer: r.id.clone(),
            backend: r.backend,
        }]
    }

    /// Starts what was confirmed on every row it goes to (the marks are used up); each result
    /// lands on its own row, and the client's concurrency bound paces the requests.
    pub(super) fn confirmed(&mut self, confirm: Confirm) -> Vec<Effect> {
        let mut effects = Vec::new();
        for row in std::iter::once(confirm.row).chain(confirm.more.iter().copied()) {
            let Some(r) = self.rows.get_mut(row) else {
                continue;
            };
            if confirm.kind != OpKind::Cancel {
                r.activity = super::super::row::Activity::Submitting(confirm.kind);
            }
            effects.push(Effect::Start {
                row,
                kind: confirm.kind,
                offer: r.id.clone(),
                backend: r.backend,
                emails: r.emails.clone(),
            });
        }
        for r in &mut self.rows {
            r.marked = false;
        }
        effects
    }
}
