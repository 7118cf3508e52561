//! What a row's cells say: the step or reason beside the status, a Product Ingestion phase
//! against its usual duration, what the history predicts, the API.

use chrono::{DateTime, Utc};

use crate::domain::{BackendKind, Estimates, Outlook, Phase};
use crate::tui::row::{OfferRow, Standing as RowState};
use crate::tui::theme::Tone;
use crate::tui::view::format::short_duration;

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

/// What the history predicts for a running step, in a few words.
pub fn outlook_text(outlook: Outlook) -> (String, Tone) {
    match outlook {
        Outlook::Left(left) => (format!("~{} left", short_duration(left)), Tone::Plain),
        Outlook::Due => ("due about now".into(), Tone::Plain),
        Outlook::Slower => ("slower than usual".into(), Tone::Warn),
    }
}

/// The step (or the reason, or the error) a row shows beside its status.
pub(super) fn step_text(
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
            row.truth
                .op
                .as_ref()
                .and_then(|o| o.lost.clone())
                .unwrap_or_default(),
            Tone::Bad,
        ),
        RowState::NotSent(_) => (
            row.failed_start()
                .map(|f| f.message.clone())
                .unwrap_or_default(),
            Tone::Bad,
        ),
        RowState::Failed | RowState::Blocked => (
            row.failure().unwrap_or("no reason given").to_string(),
            Tone::Bad,
        ),
        RowState::Retrying(_) => (
            row.truth
                .retrying
                .as_ref()
                .map(|r| r.reason.clone())
                .unwrap_or_default(),
            Tone::Warn,
        ),
        RowState::ReadyForGoLive => match row.truth.earlier_failure() {
            Some(f) => (
                format!(
                    "sign-off: L goes live · last {} not sent: {}",
                    f.kind, f.message
                ),
                Tone::Ready,
            ),
            None => ("publisher sign-off: L goes live".into(), Tone::Ready),
        },
        RowState::Error => (
            row.problem().map(|e| e.message.clone()).unwrap_or_default(),
            Tone::Warn,
        ),
        _ => match (row.current_step(), row.truth.op.as_ref()) {
            (Some(s), _) => (format!("{} {}%", s.name, s.progress), Tone::Plain),
            // The service's word stands; the last operation, which could not be followed to
            // its end, is said beside it.
            (None, Some(op)) if op.lost.is_some() => (
                format!(
                    "last {} not followed: {}",
                    op.kind,
                    op.lost.as_deref().unwrap_or_default()
                ),
                Tone::Warn,
            ),
            (None, _) => (String::new(), Tone::Plain),
        },
    }
}

/// The API column: `CPP` for the Cloud Partner Portal, `PC` for Partner Center's Product
/// Ingestion API.
pub fn api_label(kind: BackendKind) -> &'static str {
    kind.caps().short
}
