//! Text that may not fit: each line is cut to the width with "…" (never silently, never
//! wrapped), and what does not fit in height scrolls, with a marker saying where one is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use unicode_width::UnicodeWidthStr;

/// A line cut to `width` columns, ending with "…" when something was cut.
pub fn fit(line: Line<'_>, width: usize) -> Line<'static> {
    let total: usize = line.spans.iter().map(|s| s.content.width()).sum();
    let owned = |s: &Span<'_>| Span::styled(s.content.to_string(), s.style);
    if total <= width {
        return Line::from(line.spans.iter().map(owned).collect::<Vec<_>>()).style(line.style);
    }
    let mut left = width.saturating_sub(1);
    let mut spans = Vec::new();
    let mut last_style = line.style;
    for span in &line.spans {
        if left == 0 {
            break;
        }
        let mut text = String::new();
        for c in span.content.chars() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if w > left {
                left = 0;
                break;
            }
            left -= w;
            text.push(c);
        }
        last_style = span.style;
        spans.push(Span::styled(text, span.style));
    }
    spans.push(Span::styled("…", last_style));
    Line::from(spans).style(line.style)
}

/// Folds text into lines of at most `width` columns, at spaces where it can.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let fits = line.width() + usize::from(!line.is_empty()) + word.width() <= width;
        if !fits && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        // A word longer than the line is cut into pieces.
        while line.width() > width {
            let cut: String = line.chars().take(width).collect();
            let rest: String = line.chars().skip(width).collect();
            lines.push(cut);
            line = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Draws `lines` in `block` at `area`: cut to the width, scrolled by `offset` (kept in range),
/// with "↑↓ first–last/total" on the bottom border when it does not all fit. Returns the
/// offset used.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    block: Block<'_>,
    lines: Vec<Line<'_>>,
    offset: usize,
    ascii: bool,
) -> usize {
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height).max(1);
    let total = lines.len();
    let offset = offset.min(total.saturating_sub(height));
    let block = if total > height {
        let (up, down) = if ascii { ("^", "v") } else { ("↑", "↓") };
        let mark = format!(
            " {up}{down} {}-{}/{total} ",
            offset + 1,
            (offset + height).min(total)
        );
        block.title_bottom(Line::from(mark).right_aligned())
    } else {
        block
    };
    let shown: Vec<Line<'static>> = lines
        .into_iter()
        .skip(offset)
        .take(height)
        .map(|l| fit(l, width))
        .collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_line_ends_with_an_ellipsis() {
        let line = Line::from(vec![Span::raw("abc "), Span::raw("日本語")]);
        let cut = fit(line.clone(), 7);
        let text: String = cut.spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(text, "abc 日…");
        let whole = fit(line, 20);
        let text: String = whole.spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(text, "abc 日本語");
    }
}
