//! The question before an operation starts (one offer, or every marked one), with what a
//! go-live would change and what the publisher should know before saying yes.

use ratatui::Frame;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::popups::{popup, popup_block};
use super::scroll;
use crate::domain::OpKind;
use crate::tui::keys::{self, Scope};
use crate::tui::overlay::Confirm;
use crate::tui::state::App;
use crate::tui::theme::{Theme, Tone};

pub(super) fn confirm(app: &App, theme: &Theme, frame: &mut Frame, c: &Confirm) {
    if !c.more.is_empty() || !c.skipped.is_empty() {
        return confirm_many(app, theme, frame, c);
    }
    let Some(row) = app.table.row(&c.offer) else {
        return;
    };
    let key = &row.id;
    let (title, question) = match (c.kind, c.retry) {
        (OpKind::Publish, true) => ("retry publish", format!("Publish {key} again?")),
        (OpKind::Publish, false) => ("publish", format!("Publish {key}?")),
        (OpKind::GoLive, _) => (
            "go live",
            format!("Make the previewed version of {key} public?"),
        ),
        (OpKind::Cancel, _) => ("cancel", format!("Cancel the running operation of {key}?")),
    };
    let mut lines = vec![
        Line::styled(
            question,
            theme.style(Tone::Plain).add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
    ];
    for warning in &c.warnings {
        lines.extend(warning_lines(theme, warning, popup_text_width(frame, 64)));
        lines.push(Line::raw(""));
    }
    if c.kind != OpKind::Cancel && !c.backend.caps().takes_emails {
        lines.push(Line::styled(
            "Partner Center notifies the account's contacts.",
            theme.style(Tone::Muted),
        ));
    } else if c.kind != OpKind::Cancel {
        lines.push(Line::styled(
            "Notification e-mails:",
            theme.style(Tone::Muted),
        ));
        if c.emails.is_empty() {
            lines.push(Line::raw("  (none configured: e edits them)"));
        }
        for e in &c.emails {
            lines.push(Line::raw(format!("  {e}")));
        }
        if moved(app, &c.offer) {
            lines.extend(warning_lines(
                theme,
                &format!("{} moved to Partner Center: {MOVED}", c.offer),
                popup_text_width(frame, 64),
            ));
        }
    } else {
        lines.push(Line::raw("The service takes a minute or two to cancel."));
    }
    if c.kind == OpKind::GoLive {
        lines.push(Line::raw(""));
        lines.extend(diff_lines(app.diffs.get(&c.offer), theme, Some(8)));
    }
    let height = lines.len() as u16 + 2;
    let area = popup(frame, 64, height);
    // The key line is on the border, so it stays in sight when a long list scrolls.
    let block = popup_block(
        theme,
        title.into(),
        Tone::Accent,
        keys::hint_line(Scope::Confirm),
    );
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

/// What a move to Partner Center means for a publish's e-mails.
pub(super) const MOVED: &str =
    "the API no longer sends these e-mails; the offer's seller contact in Partner Center gets them";

/// The offer's listing says it moved to Partner Center.
pub(super) fn moved(app: &App, offer: &crate::domain::OfferId) -> bool {
    app.table
        .row(offer)
        .is_some_and(|r| r.truth.migrated == Some(true))
}

/// The columns inside a popup at most `width` wide, on this frame.
fn popup_text_width(frame: &Frame, width: u16) -> usize {
    usize::from(width.min(frame.area().width).saturating_sub(2))
}

/// A warning before a start, folded to the popup's width (never cut: what it says is why the
/// publisher might say no).
fn warning_lines(theme: &Theme, warning: &str, width: usize) -> Vec<Line<'static>> {
    let mark = if theme.ascii { "!" } else { "⚠" };
    scroll::wrap(warning, width.saturating_sub(2))
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let lead = if i == 0 { mark } else { " " };
            Line::styled(format!("{lead} {part}"), theme.style(Tone::Warn))
        })
        .collect()
}

/// One question for an action on several marked offers: every one of them listed, and the
/// marked ones it will not go to, with why.
fn confirm_many(app: &App, theme: &Theme, frame: &mut Frame, c: &Confirm) {
    let rows: Vec<&crate::tui::row::OfferRow> = std::iter::once(&c.offer)
        .chain(c.more.iter())
        .filter_map(|o| app.table.row(o))
        .collect();
    let n = rows.len();
    let these = if n == 1 {
        "this offer".to_string()
    } else {
        format!("these {n} offers")
    };
    let (title, question) = match (c.kind, c.retry) {
        (OpKind::Publish, true) => ("retry publish", format!("Publish {these} again?")),
        (OpKind::Publish, false) => ("publish", format!("Publish {these}?")),
        (OpKind::GoLive, _) => ("go live", format!("Make {these} public?")),
        (OpKind::Cancel, _) => (
            "cancel",
            format!("Cancel the running operations of {these}?"),
        ),
    };
    let mut lines = vec![
        Line::styled(
            question,
            theme.style(Tone::Plain).add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
    ];
    for r in &rows {
        let who = match (c.kind, r.backend) {
            (OpKind::Cancel, _) => String::new(),
            (_, kind) if !kind.caps().takes_emails => "  (Partner Center contacts)".into(),
            (_, _) if moved(app, &r.id) => "  (moved to Partner Center: its seller contact)".into(),
            (_, _) if r.emails.is_empty() => "  (no e-mails)".into(),
            (_, _) => format!("  ({})", r.emails.join(", ")),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", r.id), theme.style(Tone::Accent)),
            Span::styled(who, theme.style(Tone::Muted)),
        ]));
    }
    if !c.warnings.is_empty() {
        lines.push(Line::raw(""));
        for warning in &c.warnings {
            lines.extend(warning_lines(theme, warning, popup_text_width(frame, 76)));
        }
    }
    if !c.skipped.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Not sent to:", theme.style(Tone::Warn)));
        for why in &c.skipped {
            lines.push(Line::styled(format!("  {why}"), theme.style(Tone::Warn)));
        }
    }
    let height = lines.len() as u16 + 2;
    let area = popup(frame, 76, height);
    let block = popup_block(
        theme,
        title.into(),
        Tone::Accent,
        keys::hint_line(Scope::Confirm),
    );
    scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

/// What going live would change, one line per field (at most `most`, then how many more).
pub(super) fn diff_lines<'a>(
    state: Option<&crate::tui::state::DiffState>,
    theme: &Theme,
    most: Option<usize>,
) -> Vec<Line<'a>> {
    use crate::tui::state::DiffState;
    let muted = theme.style(Tone::Muted);
    let mut lines = vec![Line::styled(
        "What will change (preview against live):",
        muted,
    )];
    match state {
        None | Some(DiffState::Loading) => {
            lines.push(Line::styled("  reading both versions…", muted))
        }
        Some(DiffState::Failed(why)) => lines.push(Line::styled(
            format!("  could not compare: {why}"),
            theme.style(Tone::Warn),
        )),
        Some(DiffState::Ready(d)) if d.never_live => lines.push(Line::raw(
            "  nothing is live yet: all of the preview goes public",
        )),
        Some(DiffState::Ready(d)) if d.fields.is_empty() => {
            lines.push(Line::raw("  no differences found"))
        }
        Some(DiffState::Ready(d)) => {
            let shown = most.unwrap_or(usize::MAX).min(d.fields.len());
            for f in &d.fields[..shown] {
                let text = match (&f.before, &f.after) {
                    (Some(b), Some(a)) => format!("  ~ {}: {b} → {a}", f.path),
                    (None, Some(a)) => format!("  + {}: {a}", f.path),
                    (Some(b), None) => format!("  - {}: {b}", f.path),
                    (None, None) => format!("  ~ {}", f.path),
                };
                lines.push(Line::raw(text));
            }
            if d.fields.len() > shown {
                lines.push(Line::styled(
                    format!("  … {} more (D shows them all)", d.fields.len() - shown),
                    muted,
                ));
            }
        }
    }
    if let Some(DiffState::Ready(d)) = state {
        for noise in &d.left_out {
            lines.push(Line::styled(format!("  left out: {noise}"), muted));
        }
    }
    lines
}
