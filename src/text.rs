//! Text hygiene for strings that come from the service: HTML to plain text, and removal of every
//! control character or escape sequence before anything reaches a terminal or a log line.

/// Turns the `messageHtml` of a step message into one line of plain text: tags dropped (`<br>`
/// and block ends become spaces), entities decoded, whitespace folded, control characters gone.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => {
                let tag = rest[start + 1..start + end]
                    .trim_start_matches('/')
                    .to_ascii_lowercase();
                if ["br", "p", "div", "li", "tr", "h"]
                    .iter()
                    .any(|t| tag.starts_with(t))
                {
                    out.push(' ');
                }
                rest = &rest[start + end + 1..];
            }
            None => {
                // A lone '<' is text, not a tag.
                out.push('<');
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    let decoded = html_escape::decode_html_entities(&out);
    sanitize_line(&decoded)
}

/// Removes control characters and escape sequences, then every registered secret (in that
/// order: a secret split by an escape sequence is whole again once the sequence is gone),
/// folding any run of whitespace (newlines included) into one space. The result is safe to draw on a terminal as a single line.
pub fn sanitize_line(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in crate::redact::scrub(&strip_escapes(input)).chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if !is_unsafe(c) {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Makes one line safe for a terminal without changing its layout: escape sequences and
/// control characters are removed, tabs and line breaks become spaces, runs of spaces stay.
pub fn terminal_line(input: &str) -> String {
    crate::redact::scrub(&strip_escapes(input))
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if is_unsafe(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Removes control characters and escape sequences but keeps tabs and newlines, for multi-line
/// text such as a raw error body.
pub fn sanitize_multiline(input: &str) -> String {
    crate::redact::scrub(&strip_escapes(input))
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !is_unsafe(c))
        .collect()
}

/// Characters that must never reach a terminal: C0 and C1 controls, DEL, and the bidirectional
/// overrides that can make text display differently from what it is.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Drops escape sequences (CSI, OSC, DCS, SOS/PM/APC and two-byte escapes) whole, so no
/// fragment of one (`[31m`) survives as visible text; keeps the printable text, tabs and line
/// breaks. vte is the parser terminals themselves use, so what it takes for a sequence is what
/// a terminal would. The one thing added: the 8-bit CSI (U+009B) counts as `ESC [` (vte sees C1
/// controls only as raw bytes, which a `&str` cannot hold; some terminals obey the character).
fn strip_escapes(input: &str) -> String {
    /// What the parser prints, and the whitespace controls.
    struct Printed(String);

    impl vte::Perform for Printed {
        fn print(&mut self, c: char) {
            self.0.push(c);
        }

        fn execute(&mut self, byte: u8) {
            if matches!(byte, b'\t' | b'\n' | b'\r') {
                self.0.push(char::from(byte));
            }
        }
    }

    if !input.contains(['\u{1b}', '\u{9b}']) {
        // No sequence can start: only the lone controls go, as the parser drops them.
        return input
            .chars()
            .filter(|&c| matches!(c, '\t' | '\n' | '\r') || !c.is_control())
            .collect();
    }
    let mut printed = Printed(String::with_capacity(input.len()));
    let mut parser = vte::Parser::new();
    let mut rest = input;
    while let Some(at) = rest.find('\u{9b}') {
        parser.advance(&mut printed, &rest.as_bytes()[..at]);
        parser.advance(&mut printed, b"\x1b[");
        rest = &rest[at + '\u{9b}'.len_utf8()..];
    }
    parser.advance(&mut printed, rest.as_bytes());
    printed.0
}

/// Cuts a string to at most `max` characters, ending with `…` when it was cut.
pub fn truncate(input: &str, max: usize) -> String {
    if input.chars().count() <= max {
        return input.to_string();
    }
    let mut out: String = input.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_messages_become_plain_text() {
        assert_eq!(
            html_to_text(
                "No image for plan <b>contoso</b>.<br/>See&nbsp;<a href=\"x\">docs</a> &amp; retry"
            ),
            "No image for plan contoso. See docs & retry"
        );
        assert_eq!(html_to_text("a < b"), "a < b");
    }

    #[test]
    fn escapes_and_controls_never_survive() {
        let evil = "ok\u{1b}[31mred\u{1b}]0;title\u{7}\u{1b}[2J\r\nnext\u{0}\u{9b}1;2Hend\u{202e}x";
        let clean = sanitize_line(evil);
        assert_eq!(clean, "okred nextendx");
        assert!(clean.chars().all(|c| !c.is_control()));
        assert_eq!(sanitize_multiline("a\tb\nc\u{1b}[1m\u{7}"), "a\tb\nc");
    }

    #[test]
    fn a_secret_split_by_an_escape_sequence_is_scrubbed_once_whole() {
        crate::redact::register("split-secret-4b1d9e");
        let sent = "token=split-\u{1b}[0msecret-\u{0}4b1d9e end";
        assert_eq!(sanitize_line(sent), "token=*** end");
        assert_eq!(terminal_line(sent), "token=*** end");
        assert_eq!(sanitize_multiline(sent), "token=*** end");
        assert_eq!(sanitize_line("split-secret\u{7}-4b1d9e"), "***");
    }

    #[test]
    fn sequences_cut_off_by_the_end_or_by_an_8_bit_csi_leave_nothing_behind() {
        assert_eq!(
            sanitize_line("a\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\ b"),
            "alink b"
        );
        assert_eq!(sanitize_line("title\u{1b}]0;never ended"), "title");
        assert_eq!(
            sanitize_line("x\u{9b}31my\u{1b}Pq#0;2;0;0;0\u{1b}\\z"),
            "xyz"
        );
        assert_eq!(sanitize_line("é ✔ 日本"), "é ✔ 日本");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
