//! One place for colours and symbols. Every status has a symbol and a word; colour only
//! reinforces them, and disappears under `NO_COLOR` / `--no-color`. `--ascii` swaps the symbols.

use ratatui::style::{Color, Modifier, Style};

use super::row::Standing as RowState;
use super::state::ToastLevel;
use crate::domain::StepState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Busy,
    Ready,
    Warn,
    Muted,
    Accent,
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const SPINNER_ASCII: [&str; 4] = ["|", "/", "-", "\\"];

impl Theme {
    pub fn style(&self, tone: Tone) -> Style {
        let base = Style::default();
        let style = match tone {
            Tone::Good => base.fg(Color::Green),
            Tone::Bad => base.fg(Color::Red).add_modifier(Modifier::BOLD),
            Tone::Busy => base.fg(Color::Yellow),
            Tone::Ready => base.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Tone::Warn => base.fg(Color::Magenta),
            Tone::Muted => base.fg(Color::DarkGray),
            Tone::Accent => base.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Tone::Plain => base,
        };
        if self.color {
            style
        } else {
            // Keep the modifiers (bold stays bold), drop the colours.
            Style {
                fg: None,
                bg: None,
                ..style
            }
        }
    }

    /// A status symbol in a column: ASCII symbols differ in width (`|`, `[x]`, `[ok]`), so
    /// they are padded to one, and the words after them line up.
    pub fn column_symbol(&self, symbol: &str) -> String {
        match self.ascii {
            true => format!("{symbol:<4}"),
            false => symbol.to_string(),
        }
    }

    pub fn spinner(&self, frame: usize) -> &'static str {
        if self.ascii {
            SPINNER_ASCII[frame % SPINNER_ASCII.len()]
        } else {
            SPINNER[frame % SPINNER.len()]
        }
    }

    /// Symbol, word and tone of a row's state.
    pub fn status(&self, state: &RowState, frame: usize) -> (&'static str, String, Tone) {
        let pick =
            |unicode: &'static str, ascii: &'static str| if self.ascii { ascii } else { unicode };
        let label = state.label();
        match state {
            RowState::Loading => (self.spinner(frame), label, Tone::Muted),
            RowState::Error => (pick("⚠", "[!]"), label, Tone::Warn),
            RowState::Submitting(_) => (pick("…", "[>]"), label, Tone::Accent),
            RowState::Running(_) | RowState::Canceling => (self.spinner(frame), label, Tone::Busy),
            RowState::Blocked => (pick("⚠", "[!]"), label, Tone::Bad),
            RowState::Retrying(_) => (pick("⚠", "[!]"), label, Tone::Warn),
            RowState::Rejected(_) | RowState::NotSent(_) | RowState::Lost => {
                (pick("✖", "[x]"), label, Tone::Bad)
            }
            RowState::ReadyForGoLive => (pick("◆", "[*]"), label, Tone::Ready),
            RowState::Live => (pick("✔", "[ok]"), label, Tone::Good),
            RowState::Failed => (pick("✖", "[x]"), label, Tone::Bad),
            RowState::Canceled => (pick("⊘", "[-]"), label, Tone::Muted),
            RowState::NeverPublished | RowState::Idle => (pick("○", "[ ]"), label, Tone::Plain),
            RowState::Unknown(_) => (pick("?", "[?]"), label, Tone::Warn),
        }
    }

    /// Symbol and tone of a step status (the wire word is shown beside it).
    /// A step's symbol; `frame` is the spinner's while the operation is followed, `None` for
    /// one nobody follows any more (a step "in progress" when last seen does not spin).
    pub fn step(&self, status: &StepState, frame: Option<usize>) -> (&'static str, Tone) {
        let pick =
            |unicode: &'static str, ascii: &'static str| if self.ascii { ascii } else { unicode };
        match status.meaning() {
            StepState::Complete => (pick("✔", "[ok]"), Tone::Good),
            StepState::InProgress => match frame {
                Some(frame) => (self.spinner(frame), Tone::Busy),
                None => (pick("◌", "[~]"), Tone::Muted),
            },
            StepState::WaitingForPublisherReview | StepState::WaitingForApproval => {
                (pick("◆", "[*]"), Tone::Ready)
            }
            StepState::Blocked | StepState::Rejected | StepState::Failed => {
                (pick("✖", "[x]"), Tone::Bad)
            }
            StepState::Canceled => (pick("⊘", "[-]"), Tone::Muted),
            StepState::NotStarted => (pick("·", "[ ]"), Tone::Muted),
            StepState::Unknown(_) => (pick("?", "[?]"), Tone::Warn),
        }
    }

    pub fn toast(&self, level: ToastLevel) -> (&'static str, Tone) {
        let pick =
            |unicode: &'static str, ascii: &'static str| if self.ascii { ascii } else { unicode };
        match level {
            ToastLevel::Info => (pick("ℹ", "[i]"), Tone::Accent),
            ToastLevel::Success => (pick("✔", "[ok]"), Tone::Good),
            ToastLevel::Error => (pick("✖", "[x]"), Tone::Bad),
        }
    }

    pub fn bar(&self, percent: u8, width: usize) -> String {
        let filled = (usize::from(percent.min(100)) * width)
            .div_ceil(100)
            .min(width);
        let (full, empty) = if self.ascii {
            ("#", ".")
        } else {
            ("█", "░")
        };
        format!("{}{}", full.repeat(filled), empty.repeat(width - filled))
    }
}

/// `--ascii` means ASCII: after a frame is drawn, whatever is not ASCII in it (borders,
/// separators, arrows, the ellipsis of cut text, text from the service) is replaced. Box
/// drawing becomes `+ - |`; other characters their nearest ASCII sign, else `?` (a wide one
/// keeps its two columns).
pub fn asciify(buffer: &mut ratatui::buffer::Buffer) {
    let mut wide_tail = false;
    for cell in buffer.content.iter_mut() {
        let symbol = cell.symbol();
        if wide_tail {
            wide_tail = false;
            if symbol.is_empty() {
                cell.set_symbol(" ");
                continue;
            }
        }
        if symbol.is_ascii() {
            continue;
        }
        let c = symbol.chars().next().unwrap_or(' ');
        wide_tail = unicode_width::UnicodeWidthStr::width(symbol) > 1;
        let plain = match c {
            '─' | '━' | '═' | '╌' | '┄' => "-",
            '│' | '┃' | '║' | '╎' | '┆' => "|",
            '╭' | '╮' | '╰' | '╯' | '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╔'
            | '╗' | '╚' | '╝' => "+",
            // A separator reads as one; a bullet stays a mark.
            '·' => "-",
            '•' | '●' => "*",
            '—' | '–' => "-",
            '…' => "~",
            '▶' | '→' | '›' => ">",
            '←' | '‹' => "<",
            '↑' => "^",
            '↓' => "v",
            '█' | '▓' => "#",
            '░' | '▒' => ".",
            '✔' => "v",
            '✖' => "x",
            '≥' => ">",
            '≤' => "<",
            _ => "?",
        };
        cell.set_symbol(plain);
    }
}
