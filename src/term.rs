//! The one way text reaches the terminal outside the dashboard's frames: every line through
//! the sanitiser, so nothing from the network is written raw. Both front ends use it.

use std::io::Write;

use crate::text::terminal_line;

/// Writes text to stdout, each line made terminal-safe. A closed pipe (`| head`) is not worth a panic.
pub fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    for line in text.split('\n') {
        let _ = writeln!(out, "{}", terminal_line(line));
    }
}

/// Writes text to stderr, each line made terminal-safe.
pub fn write_err(text: &str) {
    let mut err = std::io::stderr().lock();
    for line in text.split('\n') {
        let _ = writeln!(err, "{}", terminal_line(line));
    }
}
