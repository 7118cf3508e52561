//! The offers table. Only the rows that fit are built: a frame costs the same with 10 offers or
//! 10,000. Here: which columns a width shows and what each row puts in them; `text` words the
//! cells, `grid` draws them.

mod grid;
mod text;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::format::{ago, clock_time, short_duration};
use crate::text::truncate;
use crate::tui::row::OfferRow;
use crate::tui::state::App;
use crate::tui::table::SortColumn;
use crate::tui::theme::{Theme, Tone};
use grid::{DrawnRow, OffersTable, column_spans};
use text::step_text;
pub use text::{api_label, outlook_text};

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

/// The columns' widths and titles at a width.
fn widths_and_titles(
    app: &App,
    cols: &Columns,
    width: u16,
) -> (Vec<Constraint>, Vec<&'static str>) {
    let longest = app
        .table
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
    let mut offset = app.table.scroll;
    if app.table.selected < offset {
        offset = app.table.selected;
    } else if app.table.selected >= offset + height {
        offset = app.table.selected + 1 - height;
    }
    let window = &app.table.visible
        [offset.min(app.table.visible.len())..(offset + height).min(app.table.visible.len())];
    let spans = column_spans(&widths, area.width);
    // What each column gets, so a cut cell can end with ….
    let fitted = fitted(&spans);
    let rows: Vec<DrawnRow> = window
        .iter()
        .map(|&i| table_row(app, theme, &cols, &fitted, &app.table.rows[i]))
        .collect();
    let filter = app.table.filter.text();
    let mut title = match app.table.view.and_then(|v| app.table.views.get(v)) {
        Some((name, _)) => format!(
            " offers · view {name} [{}/{}]",
            app.table.visible.len(),
            app.table.rows.len()
        ),
        None if filter.is_empty() => format!(
            " offers[{}/{}]",
            app.table.visible.len(),
            app.table.rows.len()
        ),
        None => format!(
            " offers(/{}) [{}/{}]",
            truncate(&filter, 30),
            app.table.visible.len(),
            app.table.rows.len()
        ),
    };
    let marked = app.table.rows.iter().filter(|r| r.marked).count();
    if marked > 0 {
        title.push_str(&format!(" · {marked} marked"));
    }
    if app.table.sort != SortColumn::Config || app.table.sort_reversed {
        let arrow = match (app.table.sort_reversed, theme.ascii) {
            (false, false) => "↓",
            (true, false) => "↑",
            (false, true) => "v",
            (true, true) => "^",
        };
        title.push_str(&format!(" · sort {} {arrow}", app.table.sort.label()));
    }
    title.push(' ');
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(title, theme.style(Tone::Accent)));
    if app.table.visible.is_empty() {
        let text = if app.table.rows.is_empty() {
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
            selected: app.table.selected.saturating_sub(offset),
            mark: if theme.ascii { "> " } else { "▶ " },
            highlight,
        },
        inner,
    );
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
    let symbol = theme.column_symbol(symbol);
    let step_column = if cols.api { 3 } else { 2 };
    let step_width = fitted.get(step_column).copied().unwrap_or(usize::MAX);
    let (mut step, mut step_tone) = step_text(row, &app.estimates, app.now, step_width);
    // Narrow: the symbol stands for the state, the staleness moves to the step column.
    if cols.symbol_only
        && app.is_stale(row)
        && let Some(t) = App::answered_at(row)
    {
        step = format!("stale {} · {step}", short_duration(app.now - t));
        step_tone = Tone::Warn;
    }
    // A followed row without a good answer for three poll intervals says so, at every width.
    let status = match App::answered_at(row) {
        // The age first, so a narrow column cuts the label, not the staleness.
        Some(_) if cols.symbol_only && app.is_stale(row) => symbol.trim_end().to_string(),
        Some(t) if app.is_stale(row) => {
            format!("{symbol} stale {} · {label}", short_duration(app.now - t))
        }
        _ if cols.symbol_only => symbol.trim_end().to_string(),
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
        } else if app.table.is_kept(&row.id) {
            // On screen only for the cursor (the footer says so).
            theme.style(Tone::Muted).add_modifier(Modifier::DIM)
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
            .truth
            .elapsed(app.now)
            .map(short_duration)
            .unwrap_or_default();
        cells.push((elapsed, Style::default()));
    }
    if cols.polled {
        // Relative while polled (the tick keeps it moving), the clock time otherwise.
        let polled = match row.truth.last_poll {
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
                if !row.backend.caps().takes_emails {
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
