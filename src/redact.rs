//! Secrets never reach a screen, a log, an error message or a file: every secret offerdeck
//! holds (the client secret, every token it was given) is registered here, and every place text
//! leaves the process (the sanitiser the views and the store use, the command-line writer, the
//! JSON lines, the log file) replaces them with `***`.

use std::borrow::Cow;
use std::sync::RwLock;

/// Values shorter than this are not secrets worth a search (and would blank ordinary words).
const SHORTEST: usize = 6;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers a secret (and the spellings it takes in a form body, a URL or JSON) for the life
/// of the process.
pub fn register(secret: &str) {
    if secret.len() < SHORTEST {
        return;
    }
    let mut forms = vec![secret.to_string()];
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    forms.push(form);
    forms.push(
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
    );
    if let Ok(json) = serde_json::to_string(secret) {
        forms.push(json.trim_matches('"').to_string());
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    for f in forms {
        if !secrets.contains(&f) {
            secrets.push(f);
        }
    }
    // Longest first, so a secret inside another is not half replaced.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// The text with every registered secret replaced by `***`.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    if !secrets.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for s in secrets.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "***");
        }
    }
    Cow::Owned(out)
}

/// A log writer that scrubs each write before it reaches the file.
pub struct ScrubbingWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for ScrubbingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_secret_is_replaced() {
        register("s3cr&t value/42");
        let text = "secret s3cr&t value/42, form client_secret=s3cr%26t+value%2F42, json \"s3cr&t value/42\"";
        let out = scrub(text);
        assert!(!out.contains("s3cr"), "{out}");
        assert_eq!(scrub("nothing here"), "nothing here");
        register("abc");
        assert_eq!(scrub("abc"), "abc", "too short to be a secret worth hiding");
    }
}
