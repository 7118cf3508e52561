//! The offers table. Only the rows that fit are built: a frame costs the same with 10 offers or
//! 10,000.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};

use chrono::{DateTime, Utc};

use super::format::{ago, clock_time, short_duration};
use crate::domain::{BackendKind, Estimates, Outlook, Phase};
use crate::text::truncate;
use crate::tui::row::{OfferRow, RowState};
use crate::tui::state::{App, SortColumn};
use crate::tui::theme::{Theme, Tone};

/// The columns shown at a width: narrow terminals drop the least important ones.
struct Columns {
    /// Which API the offer is on (CPP or Partner Center's Product Ingestion).
    api: bool,
    emails: bool,
    polled: bool,
    elapsed: bool,
    bar: bool,
    /// Below 60 columns the status is its symbol, and the offer gets the room.
    symbol_only: bool,
}

fn columns(width: u16) -> Columns {
    Columns {
        api: width >= 60,
        emails: width >= 130,
        polled: width >= 100,
        elapsed: width >= 90,
        bar: width >= 110,
        symbol_only: width < 60,
    }
}

/// What an ingestion offer's phase says: its name, and while it runs the time spent against
/// the usual duration (flagged when past it), in the longest form that fits `width`.
fn phase_text(phase: &Phase, width: usize) -> (String, Tone) {
    let (Some(elapsed), Some(expected)) = (phase.elapsed, phase.expected) else {
        return (phase.name.to_string(), Tone::Plain);
    };
    let spent = short_duration(elapsed);
    let high = expected.high_short();
    let short_name = match phase.name {
        "certification" => "cert.",
        "validation" => "valid.",
        other => other,
    };
    let forms = if phase.slow() {
        [
            format!(
                "{} · {spent}, longer than usual ({})",
                phase.name,
                expected.label()
            ),
            format!("{} {spent}, slow (>{high})", phase.name),
            format!("{short_name} {spent} slow"),
        ]
    } else {
        [
            format!("{} · {spent} of {}", phase.name, expected.label()),
            format!("{} {spent}/{high}", phase.name),
            format!("{short_name} {spent}/{high}"),
        ]
    };
    let tone = if phase.slow() {
        Tone::Warn
    } else {
        Tone::Plain
    };
    let text = forms
        .iter()
        .find(|f| f.chars().count() <= width)
        .unwrap_or(&forms[2])
        .clone();
    (text, tone)
}

/// The step (or the reason, or the error) a row shows beside its status.
/// What the history predicts for a running step, in a few words.
pub fn outlook_text(outlook: Outlook) -> (String, Tone) {
    match outlook {
        Outlook::Left(left) => (format!("~{} left", short_duration(left)), Tone::Plain),
        Outlook::Due => ("due about now".into(), Tone::Plain),
        Outlook::Slower => ("slower than usual".into(), Tone::Warn),
    }
}

fn step_text(
    row: &OfferRow,
    estimates: &Estimates,
    now: DateTime<Utc>,
    width: usize,
) -> (String, Tone) {
    let state = row.state();
    let running = matches!(state, RowState::Running(_) | RowState::Canceling);
    // The history, when it has seen enough runs of the step, says more than the documents.
    let outlook = row
        .outlook(estimates, now)
        .filter(|_| running)
        .map(|(_, o, _)| outlook_text(o));
    if running && let Some(phase) = row.phase(now) {
        return match (outlook, phase.elapsed) {
            (Some((said, tone)), Some(elapsed)) => {
                let long = format!("{} · {}, {said}", phase.name, short_duration(elapsed));
                let text = if long.chars().count() <= width {
                    long
                } else {
                    format!("{} {said}", phase.name)
                };
                (text, tone)
            }
            _ => phase_text(&phase, width),
        };
    }
    if let (Some((said, tone)), Some(step)) = (outlook, row.current_step()) {
        return (format!("{} {}% · {said}", step.name, step.progress), tone);
    }
    match state {
        RowState::Rejected(n) => (format!("{n} validation problem(s): Enter or r"), Tone::Bad),
        RowState::Lost => (
            row.op
                .as_ref()
                .and_then(|o| o.lost.clone())
                .unwrap_or_default(),
            Tone::Bad,
        ),
        RowState::NotSent(_) => (
            row.failed_start
                .as_ref()
                .map(|f| f.message.clone())
                .unwrap_or_default(),
            Tone::Bad,
        ),
        RowState::Failed | RowState::Blocked => (
            row.failure().unwrap_or("no reason given").to_string(),
            Tone::Bad,
        ),
        RowState::Retrying(_) => (
            row.retrying
                .as_ref()
                .map(|(_, e)| e.clone())
                .unwrap_or_default(),
            Tone::Warn,
        ),
        RowState::ReadyForGoLive => ("publisher sign-off: L goes live".into(), Tone::Ready),
        RowState::Error => (
            row.last_error
                .as_ref()
                .map(|e| e.message.clone())
                .unwrap_or_default(),
            Tone::Warn,
        ),
        _ => match row.current_step() {
            Some(s) => (format!("{} {}%", s.name, s.progress), Tone::Plain),
            None => (String::new(), Tone::Plain),
        },
    }
}

/// The API column: `CPP` for the Cloud Partner Portal, `PC` for Partner Center's Product
/// Ingestion API.
pub fn api_label(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Cpp => "CPP",
        BackendKind::Ingestion => "PC",
    }
}

/// The columns' widths and titles at a width.
fn widths_and_titles(
    app: &App,
    cols: &Columns,
    width: u16,
) -> (Vec<Constraint>, Vec<&'static str>) {
    let longest = app
        .rows
        .iter()
        .map(|r| {
            r.id.publisher().chars().count()
                + 1
                + r.id.offer().chars().count()
                + 2 * usize::from(r.marked)
        })
        .max()
        .unwrap_or(10);
    let (offer_width, status_width) = if cols.symbol_only {
        // Borders, highlight mark, the symbol, DONE and the spaces between take 13 columns.
        let room = usize::from(width).saturating_sub(13);
        (longest.min(room).max(8) as u16, 2)
    } else {
        (longest.clamp(12, 34) as u16, 22)
    };
    let mut widths = vec![Constraint::Length(offer_width)];
    let mut header = vec!["OFFER"];
    if cols.api {
        widths.push(Constraint::Length(3));
        header.push("API");
    }
    widths.extend([Constraint::Length(status_width), Constraint::Fill(2)]);
    header.extend([
        if cols.symbol_only { "" } else { "STATUS" },
        "STEP / REASON",
    ]);
    widths.push(Constraint::Length(if cols.bar { 16 } else { 4 }));
    header.push(if cols.bar { "PROGRESS" } else { "DONE" });
    if cols.elapsed {
        widths.push(Constraint::Length(8));
        header.push("ELAPSED");
    }
    if cols.polled {
        widths.push(Constraint::Length(9));
        header.push("POLLED");
    }
    if cols.emails {
        widths.push(Constraint::Fill(1));
        header.push("E-MAILS");
    }
    (widths, header)
}

/// Inside the left border comes the highlight mark (`▶ `), then the columns, one space apart.
const MARK_WIDTH: u16 = 2;

/// Where each column starts inside the borders and how wide it is, for a table `width` wide.
fn column_spans(widths: &[Constraint], width: u16) -> Vec<(u16, u16)> {
    let columns = Rect::new(0, 0, width.saturating_sub(2), 1);
    let [_, columns] =
        Layout::horizontal([Constraint::Length(MARK_WIDTH), Constraint::Fill(0)]).areas(columns);
    Layout::horizontal(widths.to_vec())
        .spacing(1)
        .split(columns)
        .iter()
        .map(|r| (r.x, r.width))
        .collect()
}

/// The widths the table gives each column: inside the borders, less the highlight mark, one
/// space between columns.
fn fitted(spans: &[(u16, u16)]) -> Vec<usize> {
    spans.iter().map(|&(_, w)| usize::from(w)).collect()
}

/// The sort a click on the column titles at `x` asks for, on a table `width` wide (the titles
/// of columns that do not sort give none).
pub fn sort_column_at(app: &App, width: u16, x: u16) -> Option<SortColumn> {
    let cols = columns(width);
    let (widths, titles) = widths_and_titles(app, &cols, width);
    // The table spans the screen's width; its left border is column 0.
    let x = x.checked_sub(1)?;
    column_spans(&widths, width)
        .into_iter()
        .zip(titles)
        .find(|&((start, w), _)| (start..start + w).contains(&x))
        .and_then(|(_, title)| match title {
            "OFFER" => Some(SortColumn::Offer),
            "API" => Some(SortColumn::Backend),
            "STATUS" | "" => Some(SortColumn::Status),
            "ELAPSED" => Some(SortColumn::Elapsed),
            "POLLED" => Some(SortColumn::LastChange),
            _ => None,
        })
}

pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let cols = columns(area.width);
    let (widths, header) = widths_and_titles(app, &cols, area.width);
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    let mut offset = app.scroll;
    if app.selected < offset {
        offset = app.selected;
    } else if app.selected >= offset + height {
        offset = app.selected + 1 - height;
    }
    let window =
        &app.visible[offset.min(app.visible.len())..(offset + height).min(app.visible.len())];
    let spans = column_spans(&widths, area.width);
    // What each column gets, so a cut cell can end with ….
    let fitted = fitted(&spans);
    let rows: Vec<DrawnRow> = window
        .iter()
        .map(|&i| table_row(app, theme, &cols, &fitted, &app.rows[i]))
        .collect();
    let filter = app.filter.text();
    let mut title = match app.view.and_then(|v| app.views.get(v)) {
        Some((name, _)) => format!(
            " offers · view {name} [{}/{}]",
            app.visible.len(),
            app.rows.len()
        ),
        None if filter.is_empty() => format!(" offers[{}/{}]", app.visible.len(), app.rows.len()),
        None => format!(
            " offers(/{}) [{}/{}]",
            truncate(&filter, 30),
            app.visible.len(),
            app.rows.len()
        ),
    };
    let marked = app.rows.iter().filter(|r| r.marked).count();
    if marked > 0 {
        title.push_str(&format!(" · {marked} marked"));
    }
    if app.sort != SortColumn::Config || app.sort_reversed {
        let arrow = match (app.sort_reversed, theme.ascii) {
            (false, false) => "↓",
            (true, false) => "↑",
            (false, true) => "v",
            (true, true) => "^",
        };
        title.push_str(&format!(" · sort {} {arrow}", app.sort.label()));
    }
    title.push(' ');
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(title, theme.style(Tone::Accent)));
    if app.visible.is_empty() {
        let text = if app.rows.is_empty() {
            "no offers configured".to_string()
        } else {
            format!("no offer matches /{filter} (Esc clears the filter)")
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.style(Tone::Muted))
                .block(block),
            area,
        );
        return;
    }
    let highlight = if theme.color {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(
        OffersTable {
            header,
            header_style: theme.style(Tone::Muted).add_modifier(Modifier::BOLD),
            rows,
            spans,
            selected: app.selected.saturating_sub(offset),
            mark: if theme.ascii { "> " } else { "▶ " },
            highlight,
        },
        inner,
    );
}

/// A row as drawn: each column's text and style, and the row's own style.
struct DrawnRow {
    cells: Vec<(String, Style)>,
    style: Style,
}

/// The table inside its block: column titles, then the rows that fit, the selected one marked
/// and highlighted. It writes each cell once, straight into the buffer. Ratatui's `Table`
/// lays every cell out as text, line and span and styles each screen cell several times over:
/// with a full screen of rows that was most of what a frame cost.
struct OffersTable {
    header: Vec<&'static str>,
    header_style: Style,
    rows: Vec<DrawnRow>,
    /// Where each column starts inside the borders, and its width.
    spans: Vec<(u16, u16)>,
    /// Which of `rows` is selected.
    selected: usize,
    mark: &'static str,
    highlight: Style,
}

impl Widget for OffersTable {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let line = |y: u16| Rect::new(area.x, y, area.width, 1);
        buf.set_style(line(area.y), self.header_style);
        for (&(x, width), title) in self.spans.iter().zip(&self.header) {
            buf.set_stringn(
                area.x + x,
                area.y,
                title,
                usize::from(width),
                self.header_style,
            );
        }
        let rows = (area.y + 1..area.bottom()).zip(self.rows.iter().enumerate());
        for (y, (i, row)) in rows {
            if row.style != Style::default() {
                buf.set_style(line(y), row.style);
            }
            if i == self.selected {
                buf.set_stringn(
                    area.x,
                    y,
                    self.mark,
                    usize::from(MARK_WIDTH),
                    Style::default(),
                );
            }
            for (&(x, width), (text, style)) in self.spans.iter().zip(&row.cells) {
                buf.set_stringn(area.x + x, y, text, usize::from(width), *style);
            }
            if i == self.selected {
                buf.set_style(line(y), self.highlight);
            }
        }
    }
}

fn table_row(
    app: &App,
    theme: &Theme,
    cols: &Columns,
    fitted: &[usize],
    row: &OfferRow,
) -> DrawnRow {
    // Text longer than its column ends with … (never cut silently).
    let fit = |column: usize, text: String| match fitted.get(column) {
        Some(&w) if w > 0 && text.chars().count() > w => truncate(&text, w),
        _ => text,
    };
    let (symbol, label, tone) = theme.status(&row.state(), app.spinner);
    let step_column = if cols.api { 3 } else { 2 };
    let step_width = fitted.get(step_column).copied().unwrap_or(usize::MAX);
    let (mut step, mut step_tone) = step_text(row, &app.estimates, app.now, step_width);
    // Narrow: the symbol stands for the state, the staleness moves to the step column.
    if cols.symbol_only
        && app.is_stale(row)
        && let Some(t) = row.last_ok.or(row.op.as_ref().map(|o| o.started_at))
    {
        step = format!("stale {} · {step}", short_duration(app.now - t));
        step_tone = Tone::Warn;
    }
    // A followed row without a good answer for three poll intervals says so, at every width.
    let status = match row.last_ok.or(row.op.as_ref().map(|o| o.started_at)) {
        // The age first, so a narrow column cuts the label, not the staleness.
        Some(_) if cols.symbol_only && app.is_stale(row) => symbol.to_string(),
        Some(t) if app.is_stale(row) => {
            format!("{symbol} stale {} · {label}", short_duration(app.now - t))
        }
        _ if cols.symbol_only => symbol.to_string(),
        _ => format!("{symbol} {label}"),
    };
    let tone = if app.is_stale(row) { Tone::Warn } else { tone };
    // A marked offer says so before its name.
    let name = if row.marked {
        format!("{} {}", if theme.ascii { "*" } else { "●" }, row.id)
    } else {
        row.id.to_string()
    };
    let mut cells = Vec::with_capacity(8);
    cells.push((
        fit(0, name),
        if row.marked {
            theme.style(Tone::Accent).add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        },
    ));
    if cols.api {
        cells.push((api_label(row.backend).to_string(), theme.style(Tone::Muted)));
    }
    let column = cells.len();
    cells.extend([
        (fit(column, status), theme.style(tone)),
        (fit(column + 1, step), theme.style(step_tone)),
    ]);
    let progress = row
        .progress()
        .map(|p| {
            if cols.bar {
                format!("{} {p:>3}%", theme.bar(p, 10))
            } else {
                format!("{p:>3}%")
            }
        })
        .unwrap_or_default();
    cells.push((progress, Style::default()));
    if cols.elapsed {
        let elapsed = row
            .op
            .as_ref()
            .map(|o| {
                short_duration(if o.finished {
                    o.updated_at - o.started_at
                } else {
                    app.now - o.started_at
                })
            })
            .unwrap_or_default();
        cells.push((elapsed, Style::default()));
    }
    if cols.polled {
        // Relative while polled (the tick keeps it moving), the clock time otherwise.
        let polled = match row.last_poll {
            Some(t) if row.in_flight() => ago(app.now, Some(t)),
            Some(t) => clock_time(t),
            None => "—".into(),
        };
        cells.push((polled, Style::default()));
    }
    if cols.emails {
        let column = cells.len();
        cells.push((
            fit(
                column,
                if row.backend == BackendKind::Ingestion {
                    "(Partner Center contacts)".to_string()
                } else {
                    row.emails.join(", ")
                },
            ),
            theme.style(Tone::Muted),
        ));
    }
    let mut style = Style::default();
    if row.flash_until.is_some() {
        style = style.add_modifier(Modifier::BOLD);
    }
    DrawnRow { cells, style }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;
    use ratatui::widgets::{Cell, Row, Table, TableState};

    /// The table draws what ratatui's `Table` drew for the same rows, cell for cell and style
    /// for style: titles, cut and wide text, a styled row, the mark and the highlight.
    #[test]
    fn draws_what_ratatuis_table_draws() {
        let widths = vec![
            Constraint::Length(12),
            Constraint::Length(3),
            Constraint::Fill(2),
            Constraint::Length(4),
        ];
        let header = vec!["OFFER", "API", "STEP", "DONE"];
        let header_style = Style::default()
            .fg(Color::Gray)
            .add_modifier(Modifier::BOLD);
        let highlight = Style::default().add_modifier(Modifier::REVERSED);
        let red = Style::default().fg(Color::Red);
        let rows = || {
            vec![
                DrawnRow {
                    cells: vec![
                        ("contoso/vm".into(), Style::default()),
                        ("CPP".into(), red),
                        ("Certification 18%".into(), Style::default()),
                        (" 18%".into(), Style::default()),
                    ],
                    style: Style::default(),
                },
                DrawnRow {
                    cells: vec![
                        ("a-name-far-too-long-for-it".into(), red.bg(Color::Blue)),
                        ("PC".into(), Style::default()),
                        ("認証の段階が長すぎる場合".into(), red),
                    ],
                    style: Style::default().add_modifier(Modifier::BOLD),
                },
                DrawnRow {
                    cells: vec![("f/ml".into(), Style::default())],
                    style: Style::default(),
                },
            ]
        };
        for (width, height, selected) in [(40, 6, 1), (24, 5, 0), (60, 6, 2), (60, 4, 0)] {
            let area = Rect::new(0, 0, width, height);
            let block = || Block::bordered().border_type(BorderType::Rounded);

            let mut ours = Buffer::empty(area);
            block().render(area, &mut ours);
            OffersTable {
                header: header.clone(),
                header_style,
                rows: rows(),
                spans: column_spans(&widths, width),
                selected,
                mark: "▶ ",
                highlight,
            }
            .render(block().inner(area), &mut ours);

            let mut theirs = Buffer::empty(area);
            let table_rows = rows().into_iter().map(|r| {
                let cells = r
                    .cells
                    .into_iter()
                    .map(|(text, style)| Cell::from(Span::styled(text, style)));
                Row::new(cells.collect::<Vec<_>>()).style(r.style)
            });
            let table = Table::new(table_rows, widths.clone())
                .header(Row::new(header.clone()).style(header_style))
                .block(block())
                .row_highlight_style(highlight)
                .highlight_symbol("▶ ")
                .column_spacing(1);
            let mut state = TableState::default().with_selected(Some(selected));
            ratatui::widgets::StatefulWidget::render(table, area, &mut theirs, &mut state);

            assert_eq!(ours, theirs, "{width}x{height}, row {selected} selected");
        }
    }
}
