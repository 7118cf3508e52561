//! Drawing the table: column titles, then the rows that fit, each cell written once.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

/// Inside the left border comes the highlight mark (`▶ `), then the columns, one space apart.
const MARK_WIDTH: u16 = 2;

/// Where each column starts inside the borders and how wide it is, for a table `width` wide.
pub(super) fn column_spans(widths: &[Constraint], width: u16) -> Vec<(u16, u16)> {
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

/// A row as drawn: each column's text and style, and the row's own style.
pub(super) struct DrawnRow {
    pub(super) cells: Vec<(String, Style)>,
    pub(super) style: Style,
}

/// The table inside its block: column titles, then the rows that fit, the selected one marked
/// and highlighted. It writes each cell once, straight into the buffer. Ratatui's `Table`
/// lays every cell out as text, line and span and styles each screen cell several times over:
/// with a full screen of rows that was most of what a frame cost.
pub(super) struct OffersTable {
    pub(super) header: Vec<&'static str>,
    pub(super) header_style: Style,
    pub(super) rows: Vec<DrawnRow>,
    /// Where each column starts inside the borders, and its width.
    pub(super) spans: Vec<(u16, u16)>,
    /// Which of `rows` is selected.
    pub(super) selected: usize,
    pub(super) mark: &'static str,
    pub(super) highlight: Style,
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
#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;
    use ratatui::widgets::{Block, BorderType, Cell, Row, Table, TableState};

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
