//! The offers table: its rows (one per offer, keyed by `OfferId`), the filter and the sort over
//! them, and the cursor. Its own keys (moving, marking, sorting, typing the filter) are its pure
//! update; nothing here knows the popups.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::input::TextInput;
use super::keys::Action;
use super::row::OfferRow;
use crate::domain::OfferId;
use crate::domain::filter::Filter;

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

/// The table's whole state.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub rows: Vec<OfferRow>,
    /// Where each offer's row is in `rows` (rows are never removed).
    pub index: HashMap<OfferId, usize>,
    /// Indexes into `rows` that pass the filter, in table order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    /// First visible position of `visible` on screen, kept so the selection moves, not the page.
    pub scroll: usize,
    /// Rows that fit on screen (0 until the first resize).
    pub viewport_rows: usize,
    pub filter: TextInput,
    pub sort: SortColumn,
    pub sort_reversed: bool,
    /// The order is out of date with the sort (rows are re-sorted only when asked, never under
    /// the cursor).
    pub order_stale: bool,
    /// The named filters of `[views]`, in the file's order (`1` is the first).
    pub views: Vec<(String, String)>,
    /// The view chosen last, while its filter is the one applied.
    pub view: Option<usize>,
    /// The offer under the cursor, kept on screen though news made it stop matching the
    /// filter: nothing moves the selection but the user. It goes at the user's next move,
    /// sort, filter or refresh.
    pub kept: Option<OfferId>,
}

impl Table {
    /// A table of these rows, in this order, every one shown.
    pub fn new(rows: Vec<OfferRow>, views: Vec<(String, String)>) -> Table {
        let index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        Table {
            visible: (0..rows.len()).collect(),
            rows,
            index,
            views,
            ..Table::default()
        }
    }

    /// The row of an offer.
    pub fn row(&self, offer: &OfferId) -> Option<&OfferRow> {
        self.index.get(offer).map(|&i| &self.rows[i])
    }

    pub fn row_mut(&mut self, offer: &OfferId) -> Option<&mut OfferRow> {
        self.index.get(offer).map(|&i| &mut self.rows[i])
    }

    /// Where the row under the cursor is in `rows`.
    pub fn selected_row(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    /// The offer under the cursor.
    pub fn selected_offer(&self) -> Option<&OfferId> {
        self.selected_row().map(|i| &self.rows[i].id)
    }

    /// Adds a row (an offer the config did not have); returns its index.
    pub fn add_row(&mut self, row: OfferRow) -> usize {
        self.index.insert(row.id.clone(), self.rows.len());
        self.rows.push(row);
        self.rows.len() - 1
    }

    /// The table's own keys; false when `action` is not one of them. `now` orders by time.
    pub fn on_action(&mut self, action: Action, now: DateTime<Utc>) -> bool {
        let page = self.viewport_rows.max(1) as isize;
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-page),
            Action::PageDown => self.move_by(page),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = self.visible.len().saturating_sub(1),
            Action::Mark => {
                if let Some(i) = self.selected_row() {
                    self.rows[i].marked = !self.rows[i].marked;
                    self.move_by(1);
                }
            }
            Action::MarkAll => {
                let all = self.visible.iter().all(|&i| self.rows[i].marked);
                for &i in &self.visible {
                    self.rows[i].marked = !all;
                }
            }
            Action::Sort => {
                self.sort = self.sort.next();
                self.resort(now);
            }
            Action::SortReverse => {
                self.sort_reversed = !self.sort_reversed;
                self.resort(now);
            }
            _ => return false,
        }
        true
    }

    /// A key while the filter is typed: editing it re-filters at once. True when the filter
    /// prompt closes.
    pub fn on_filter_action(&mut self, action: Action, now: DateTime<Utc>) -> bool {
        let closes = match action {
            Action::Discard => {
                self.filter = TextInput::default();
                true
            }
            Action::Accept => true,
            Action::Up => {
                self.move_by(-1);
                false
            }
            Action::Down => {
                self.move_by(1);
                false
            }
            other => {
                self.filter.edit(other);
                false
            }
        };
        self.resort(now);
        closes
    }

    /// A printable key typed into the filter.
    pub fn type_into_filter(&mut self, c: char, now: DateTime<Utc>) {
        self.filter.insert(c);
        self.resort(now);
    }

    /// Clears the filter; false when there was none.
    pub fn clear_filter(&mut self, now: DateTime<Utc>) -> bool {
        if self.filter.is_empty() {
            return false;
        }
        self.filter = TextInput::default();
        self.resort(now);
        true
    }

    /// Sorts by `column`, or reverses the sort when it is the column already (a click on a
    /// column title).
    pub fn sort_by(&mut self, column: SortColumn, now: DateTime<Utc>) {
        if self.sort == column {
            self.sort_reversed = !self.sort_reversed;
        } else {
            self.sort = column;
            self.sort_reversed = false;
        }
        self.resort(now);
    }

    /// Applies view `n` (from 1) of `[views]`; the view already shown is cleared. Returns what
    /// to tell the user, if anything.
    pub fn switch_view(&mut self, n: usize, now: DateTime<Utc>) -> Option<String> {
        let index = n.checked_sub(1)?;
        let Some((name, filter)) = self.views.get(index).cloned() else {
            return Some(if self.views.is_empty() {
                "no saved views: add [views] to the config, like ready = \"status:ready\""
                    .to_string()
            } else {
                format!("no view {n}: [views] has {}", self.views.len())
            });
        };
        let said = if self.view == Some(index) {
            self.view = None;
            self.filter = TextInput::default();
            None
        } else {
            self.filter = TextInput::new(&filter);
            self.view = Some(index);
            Some(format!("view {n}: {name} ({filter})"))
        };
        self.resort(now);
        said
    }

    /// Recomputes the filtered rows after news, keeping the cursor on the same offer and the
    /// rows in the order they have: news never reorders the table under the cursor (a row
    /// that starts to match goes at the end until the next sort).
    pub fn refilter(&mut self, now: DateTime<Utc>) {
        let filter = Filter::lenient(&self.filter.text());
        let current = self.selected_row();
        let shown = |i: usize| self.rows[i].matches(&filter) || Some(i) == current;
        let visible: Vec<usize> = if self.sort == SortColumn::Config && !self.sort_reversed {
            // The config's order is the rows' own: nothing moves.
            (0..self.rows.len()).filter(|&i| shown(i)).collect()
        } else {
            let mut visible: Vec<usize> =
                self.visible.iter().copied().filter(|&i| shown(i)).collect();
            for i in 0..self.rows.len() {
                if !visible.contains(&i) && shown(i) {
                    visible.push(i);
                }
            }
            visible
        };
        self.kept = current
            .filter(|&c| !self.rows[c].matches(&filter))
            .map(|c| self.rows[c].id.clone());
        self.visible = visible;
        let mut sorted = self.visible.clone();
        self.sort_indices(&mut sorted, now);
        self.order_stale = sorted != self.visible;
        self.selected = current
            .and_then(|c| self.visible.iter().position(|&i| i == c))
            .unwrap_or(self.selected);
        self.clamp_selection();
    }

    /// Recomputes the filtered rows and sorts them (asked for by the user: a sort key, a
    /// filter, a refresh), keeping the cursor on the same offer when it is still shown.
    pub fn resort(&mut self, now: DateTime<Utc>) {
        let current = self.selected_row();
        self.kept = None;
        let filter = Filter::lenient(&self.filter.text());
        // Runs at every change a poll brings: the list's room is reused.
        let mut visible = std::mem::take(&mut self.visible);
        visible.clear();
        visible.extend((0..self.rows.len()).filter(|&i| self.rows[i].matches(&filter)));
        if self.view.is_some_and(|v| {
            self.views
                .get(v)
                .is_none_or(|(_, f)| *f != self.filter.text())
        }) {
            // The filter was edited: no view is shown any more.
            self.view = None;
        }
        self.sort_indices(&mut visible, now);
        self.visible = visible;
        self.order_stale = false;
        self.selected = current
            .and_then(|c| self.visible.iter().position(|&i| i == c))
            .unwrap_or(0);
        self.clamp_selection();
    }

    fn clamp_selection(&mut self) {
        if self.selected >= self.visible.len() {
            self.selected = self.visible.len().saturating_sub(1);
        }
    }

    /// Orders row indexes by the sort column (ties keep the config's order).
    fn sort_indices(&self, indices: &mut [usize], now: DateTime<Utc>) {
        if self.sort == SortColumn::Config && !self.sort_reversed {
            // Built in the config's order already.
            return;
        }
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

    /// Moves the cursor, stopping at either end.
    pub fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() as isize - 1;
        let from = self.selected;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
        // The user moved off a row kept only for the cursor: it goes now.
        if self.selected != from
            && let Some(kept) = self.kept.take()
            && let Some(at) = self
                .index
                .get(&kept)
                .and_then(|i| self.visible.iter().position(|v| v == i))
        {
            self.visible.remove(at);
            if at < self.selected {
                self.selected -= 1;
            }
            self.clamp_selection();
        }
    }

    /// The row is on screen only because the cursor is on it (it no longer matches).
    pub fn is_kept(&self, offer: &OfferId) -> bool {
        self.kept.as_ref() == Some(offer)
    }

    /// Scrolls so the cursor's row is on screen.
    pub fn keep_selection_visible(&mut self) {
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
}
