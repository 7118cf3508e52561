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

/// Removes control characters and escape sequences (and every registered secret), folding any
/// run of whitespace (newlines
/// included) into one space. The result is safe to draw on a terminal as a single line.
pub fn sanitize_line(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in strip_escapes(&crate::redact::scrub(input)).chars() {
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
    strip_escapes(&crate::redact::scrub(input))
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
    strip_escapes(&crate::redact::scrub(input))
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !is_unsafe(c))
        .collect()
}

/// Characters that must never reach a terminal: C0 and C1 controls, DEL, and the bidirectional
/// overrides that can make text display differently from what it is.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Drops ANSI escape sequences (CSI, OSC, and two-byte escapes) whole, so no fragment of one
/// (`[31m`) survives as visible text.
fn strip_escapes(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    // CSI: parameters and intermediates up to a final byte in @..~
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
                    chars.next();
                    // OSC/DCS/...: up to BEL or ST (ESC \)
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\u{9b}' => {
                // 8-bit CSI
                for n in chars.by_ref() {
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            other => out.push(other),
        }
    }
    out
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
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
