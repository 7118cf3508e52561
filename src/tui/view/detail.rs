//! The detail view of the selected offer: status, operation, every step with its messages, the
//! last rejection and error.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

use super::format::{ago, date_time, short_duration};
use crate::domain::Phase;
use crate::text::truncate;
use crate::tui::keys::{self, Scope};
use crate::tui::row::OfferRow;
use crate::tui::state::App;
use crate::tui::theme::{Theme, Tone};

pub(super) fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(row) = app.table.selected_row().and_then(|i| app.table.rows.get(i)) else {
        return;
    };
    let key_style = theme.style(Tone::Muted);
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines = summary(app, theme, row, width);
    lines.push(Line::raw(""));
    lines.extend(steps(app, theme, row, width));
    lines.extend(problems(theme, row));
    if app.show_diff {
        lines.push(Line::raw(""));
        lines.extend(super::confirm::diff_lines(
            app.diffs.get(&row.id),
            theme,
            None,
        ));
    }
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(
            format!(" {} ", row.id),
            theme.style(Tone::Accent),
        ))
        .title_bottom(Span::styled(
            format!(
                " {} ",
                keys::hints_offered(Scope::Detail, &offered(row), app.read_only)
            ),
            key_style,
        ));
    // One line per step and message, cut to the width with …; what does not fit scrolls.
    super::scroll::render(frame, area, block, lines, app.text_scroll, theme.ascii);
}

/// The phase of an ingestion offer, its time against the usual one, and whether it is told
/// from the time (the API reports no phases).
/// The detail view's keys that can do something for this offer now: the engine's rules say
/// what may start, the API's capabilities whether it takes e-mails.
fn offered(row: &OfferRow) -> Vec<keys::Action> {
    use crate::domain::OpKind;
    use crate::engine::may_start;
    keys::DETAIL_HINTS
        .into_iter()
        .filter(|action| match action {
            keys::Action::Publish => may_start(OpKind::Publish, &row.truth, false).is_ok(),
            keys::Action::Retry => may_start(OpKind::Publish, &row.truth, true).is_ok(),
            keys::Action::GoLive => may_start(OpKind::GoLive, &row.truth, false).is_ok(),
            keys::Action::Cancel => may_start(OpKind::Cancel, &row.truth, false).is_ok(),
            keys::Action::EditEmails => row.backend.caps().takes_emails,
            _ => true,
        })
        .collect()
}

fn phase_line<'a>(theme: &Theme, phase: &Phase) -> Line<'a> {
    let mut text = phase.name.to_string();
    let mut tone = Tone::Plain;
    if let (Some(elapsed), Some(expected)) = (phase.elapsed, phase.expected) {
        text.push_str(&format!(
            " · {} so far, usually {}",
            short_duration(elapsed),
            expected.label()
        ));
        if phase.slow() {
            text.push_str(" · longer than usual");
            tone = Tone::Warn;
        }
    }
    if phase.estimated {
        text.push_str(" (told from the time: the API reports no phases)");
    }
    field(theme, "Phase", Span::styled(text, theme.style(tone)))
}

/// How long the running step usually takes, from this seller's history when it has enough
/// runs of it, else from what the service (CPP) estimates.
fn estimate_line<'a>(app: &App, theme: &Theme, row: &OfferRow) -> Option<Line<'a>> {
    if let Some((estimate, outlook, step)) = row.outlook(&app.estimates, app.now) {
        let (said, tone) = super::table::outlook_text(outlook);
        let runs = row
            .truth
            .op
            .as_ref()
            .map_or("operations", |o| match o.kind {
                crate::domain::OpKind::GoLive => "go-lives",
                _ => "publishes",
            });
        return Some(field(
            theme,
            "Estimate",
            Span::styled(
                format!(
                    "{step} usually takes {}–{} here ({} past {runs}) · {said}",
                    short_duration(estimate.median),
                    short_duration(estimate.p90),
                    estimate.count
                ),
                theme.style(tone),
            ),
        ));
    }
    let step = row.current_step().filter(|s| !s.estimate.is_empty())?;
    if !row.backend.caps().reports_steps {
        // The phase line gives the documented range.
        return None;
    }
    Some(field(
        theme,
        "Estimate",
        Span::raw(format!(
            "{}: the service estimates {} (too few past runs here to say more)",
            step.name, step.estimate
        )),
    ))
}

/// When the operation was last polled and when it will be next: polls follow the work, so a
/// step that takes days is looked at every few minutes, and this says so.
fn polls_text(app: &App, row: &OfferRow) -> String {
    let truth = &row.truth;
    let last = format!("last {}", ago(app.now, truth.last_poll));
    let following = truth.activity == crate::tui::row::Activity::Following;
    if following && truth.followed_elsewhere {
        return format!(
            "{last} · another offerdeck on this data folder polls it; this one reads what it records"
        );
    }
    // A failed poll is tried again when its retry says (when the API is unreachable, with the
    // header's next try), not at the pace of the work.
    if let Some(until) = truth.retrying.as_ref().and_then(|r| r.until)
        && following
    {
        let left = until - app.now;
        return if left > chrono::Duration::zero() {
            format!("{last} · next try in {}", short_duration(left))
        } else {
            format!("{last} · next try due now")
        };
    }
    match (truth.last_ok, truth.poll_every) {
        (Some(ok), Some(every)) if following => {
            let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
            let left = ok.checked_add_signed(every).map(|at| at - app.now);
            let next = if let Some(left) = left.filter(|l| *l > chrono::Duration::zero()) {
                format!("next in {}", short_duration(left))
            } else {
                "next due now".to_string()
            };
            format!("{last} · {next} (every {})", short_duration(every))
        }
        _ => last,
    }
}

fn field<'a>(theme: &Theme, name: &'a str, value: Span<'a>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<12}"), theme.style(Tone::Muted)),
        value,
    ])
}

/// Status, reason, e-mails and the operation followed.
fn summary<'a>(app: &App, theme: &Theme, row: &'a OfferRow, width: usize) -> Vec<Line<'a>> {
    let (symbol, label, tone) = theme.status(&row.state(), app.spinner);
    let progress = row
        .progress()
        .map(|p| format!("  {p}%"))
        .unwrap_or_default();
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{:<12}", "Status"), theme.style(Tone::Muted)),
        Span::styled(format!("{symbol} {label}"), theme.style(tone)),
        Span::raw(progress),
    ])];
    // An operation no longer followed says why, as a failure does.
    let lost = (row.state() == crate::engine::Standing::Lost)
        .then(|| row.truth.op.as_ref().and_then(|o| o.lost.clone()))
        .flatten();
    if let Some(reason) = row.failure().map(str::to_string).or(lost) {
        lines.push(field(
            theme,
            "Reason",
            Span::styled(reason, theme.style(Tone::Bad)),
        ));
    }
    lines.push(field(
        theme,
        "API",
        Span::raw(format!(
            "{} ({})",
            row.backend.caps().api_name,
            row.backend.caps().short
        )),
    ));
    if let Some(phase) = row.phase(app.now) {
        lines.push(phase_line(theme, &phase));
    }
    let emails = if !row.backend.caps().takes_emails {
        "Partner Center notifies the account's contacts".to_string()
    } else if row.emails.is_empty() {
        "(none)".to_string()
    } else {
        row.emails.join(", ")
    };
    lines.push(field(theme, "E-mails", Span::raw(emails)));
    if let Some(op) = row.truth.shown_op() {
        lines.push(field(
            theme,
            "Operation",
            Span::raw(format!(
                "{} · {} {}",
                op.kind,
                op.backend.caps().operation_id_label,
                op.operation_id()
            )),
        ));
        // The URL is kept whole (it is what `watch --url` takes): folded, not cut.
        let url: Vec<char> = op.pointer.as_str().chars().collect();
        let room = width.saturating_sub(12).max(20);
        for (i, chunk) in url.chunks(room).enumerate() {
            let label = if i == 0 { "URL" } else { "" };
            lines.push(field(
                theme,
                label,
                Span::raw(chunk.iter().collect::<String>()),
            ));
        }
        lines.push(field(
            theme,
            "Started",
            Span::raw(match row.truth.elapsed(app.now) {
                Some(ran) if op.finished => {
                    format!("{} (ran {})", date_time(op.started_at), short_duration(ran),)
                }
                _ => format!(
                    "{} ({} ago)",
                    date_time(op.started_at),
                    short_duration(app.now - op.started_at),
                ),
            }),
        ));
        lines.push(field(theme, "Polls", Span::raw(polls_text(app, row))));
        if let Some(line) = estimate_line(app, theme, row) {
            lines.push(line);
        }
        if let Some(at) = op.cancel_requested_at {
            lines.push(field(
                theme,
                "Cancel",
                Span::raw(format!("requested {} ago", short_duration(app.now - at))),
            ));
        }
    }
    let submissions = row
        .truth
        .service
        .as_ref()
        .map(|s| s.submissions.as_slice())
        .unwrap_or_default();
    for (i, sub) in submissions.iter().enumerate() {
        let state = if sub.state.is_empty() {
            String::new()
        } else {
            format!(" · {}", sub.state)
        };
        lines.push(field(
            theme,
            if i == 0 { "Submissions" } else { "" },
            Span::raw(format!("{:<8} #{}{state}", sub.environment, sub.number)),
        ));
    }
    if let Some(retry) = &row.truth.retrying {
        lines.push(field(
            theme,
            "Retrying",
            Span::styled(
                format!("attempt {}: {}", retry.attempt, retry.reason),
                theme.style(Tone::Warn),
            ),
        ));
    }
    lines
}

/// Every step with its status, progress, estimate and messages, one line each: the name takes
/// what the other columns leave.
fn steps<'a>(app: &App, theme: &Theme, row: &'a OfferRow, width: usize) -> Vec<Line<'a>> {
    let key_style = theme.style(Tone::Muted);
    let steps = row.steps();
    if steps.is_empty() && !row.backend.caps().reports_steps {
        return Vec::new();
    }
    if steps.is_empty() {
        return vec![Line::styled("No steps reported yet.", key_style)];
    }
    // Symbol 3, status 18, percent 6, estimate 10: the name gets the rest (at least 12).
    let name_width = width.saturating_sub(3 + 18 + 6 + 10).max(12);
    let mut lines = vec![Line::styled(
        format!(
            "{:<3}{:<name_width$}{:<18}{:>4}  {}",
            "", "STEP", "STATUS", "%", "ESTIMATE"
        ),
        key_style.add_modifier(Modifier::BOLD),
    )];
    for s in steps {
        let (sym, tone) = theme.step(&s.status, row.in_flight().then_some(app.spinner));
        lines.push(Line::from(vec![
            Span::styled(format!("{sym:<3}"), theme.style(tone)),
            Span::raw(format!(
                "{:<name_width$}",
                truncate(&s.name, name_width.saturating_sub(1))
            )),
            Span::styled(
                format!("{:<18}", truncate(s.status.as_str(), 17)),
                theme.style(tone),
            ),
            Span::raw(format!("{:>3}%  ", s.progress)),
            Span::styled(s.estimate.as_str(), key_style),
        ]));
        for m in &s.messages {
            let tone = if m.is_error() { Tone::Bad } else { Tone::Muted };
            lines.push(Line::from(vec![
                Span::raw("     "),
                Span::styled(format!("[{}] {}", m.level, m.text), theme.style(tone)),
            ]));
        }
    }
    lines
}

/// The last rejection and the last error, with their correlation ids.
fn problems<'a>(theme: &Theme, row: &'a OfferRow) -> Vec<Line<'a>> {
    let key_style: Style = theme.style(Tone::Muted);
    let mut lines = Vec::new();
    if let Some(r) = &row.truth.failed_start {
        lines.push(Line::raw(""));
        // A failed start the service's state has moved past is an earlier attempt.
        let earlier = if row.truth.earlier_failure().is_some() {
            format!("Earlier ({}): ", super::format::date_time(r.at))
        } else {
            String::new()
        };
        let what = if r.rejected {
            format!("{earlier}Rejected by validation")
        } else {
            format!("{earlier}{} not sent", r.kind)
        };
        lines.push(Line::styled(
            format!("{what}: {}", r.message),
            theme.style(Tone::Bad),
        ));
        for d in &r.details {
            lines.push(Line::styled(format!("  • {d}"), theme.style(Tone::Bad)));
        }
        if let Some(id) = &r.correlation_id {
            lines.push(Line::styled(format!("  correlation id {id}"), key_style));
        }
    }
    if let Some(e) = row.problem() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Last error: {}", e.message),
            theme.style(Tone::Warn),
        ));
        if let Some(id) = &e.correlation_id {
            lines.push(Line::styled(format!("  correlation id {id}"), key_style));
        }
    }
    lines
}
