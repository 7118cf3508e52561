//! Formatting shared by the screens: durations, relative and local times.

use chrono::{DateTime, Duration as Span, Utc};

/// `1h02m`, `3m05s`, `12s`: compact durations for the table.
pub fn short_duration(span: Span) -> String {
    let secs = span.num_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3_599 => format!("{}m{:02}s", secs / 60, secs % 60),
        3_600..=86_399 => format!("{}h{:02}m", secs / 3_600, (secs % 3_600) / 60),
        _ => format!("{}d{:02}h", secs / 86_400, (secs % 86_400) / 3_600),
    }
}

/// `12s ago`, or a dash when it never happened.
pub fn ago(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> String {
    t.map(|t| format!("{} ago", short_duration(now - t)))
        .unwrap_or_else(|| "—".into())
}

/// A time of day in the local zone.
pub fn clock_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%H:%M:%S")
        .to_string()
}

/// A date and time in the local zone.
pub fn date_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `12s ago` for the first minute, then `3m ago`, `2h ago`: an age that changes rarely once it
/// is old, so an idle screen needs no redraw for it.
pub fn coarse_age(span: Span) -> String {
    let secs = span.num_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s ago"),
        60..=3_599 => format!("{}m ago", secs / 60),
        3_600..=86_399 => format!("{}h ago", secs / 3_600),
        _ => format!("{}d ago", secs / 86_400),
    }
}
