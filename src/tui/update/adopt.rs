//! Adoption: operations of the state store (left in flight by an earlier run, or started by a
//! headless command meanwhile) become the operations rows follow.

use super::super::msg::Effect;
use super::super::row::{Activity, OfferRow};
use super::super::state::App;
use crate::domain::{OpKind, Operation, StartFailure};

impl App {
    /// Takes in the starts the service did not take, recorded by an earlier run or a headless
    /// command: the rows show them again until a newer operation.
    pub fn restore_failures(&mut self, failures: Vec<StartFailure>) {
        for failure in failures {
            if let Some(row) = self.rows.iter_mut().find(|r| r.id == failure.offer)
                && row.failed_start.as_ref().is_none_or(|f| f.at < failure.at)
            {
                row.failed_start = Some(failure);
            }
        }
        self.refilter();
    }

    /// Takes in unfinished operations from the state store (at start, or on Ctrl-r): the newest
    /// of each offer is followed, unless the row already follows something newer. Offers not in
    /// the config get a row of their own.
    pub(in crate::tui) fn adopt(&mut self, mut operations: Vec<Operation>) -> Vec<Effect> {
        operations.sort_by_key(|r| r.started_at);
        let mut adopted: Vec<usize> = Vec::new();
        for operation in operations
            .into_iter()
            .filter(|r| r.kind != OpKind::Cancel && !r.finished)
        {
            let index = match self.rows.iter().position(|r| r.id == operation.offer) {
                Some(i) => i,
                None => {
                    let mut row = OfferRow::new(
                        operation.offer.clone(),
                        operation.backend,
                        operation.notification_emails.clone(),
                    );
                    row.unconfigured = true;
                    self.rows.push(row);
                    self.rows.len() - 1
                }
            };
            let row = &mut self.rows[index];
            let newer = row.op.as_ref().is_none_or(|op| {
                op.pointer != operation.pointer && op.started_at <= operation.started_at
            });
            let busy = matches!(row.activity, Activity::Submitting(_) | Activity::Following);
            if newer && !busy {
                row.op = Some(operation);
                if !adopted.contains(&index) {
                    adopted.push(index);
                }
            }
        }
        let mut effects = Vec::new();
        for index in adopted {
            let row = &mut self.rows[index];
            if let Some(operation) = &row.op {
                row.activity = Activity::Following;
                effects.push(Effect::Follow {
                    row: index,
                    operation: Box::new(operation.clone()),
                });
            }
        }
        self.refilter();
        effects
    }
}
