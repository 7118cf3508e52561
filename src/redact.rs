//! Secrets never reach a screen, a log, an error message or a file: every secret offerdeck
//! holds (the client secret, every token it was given) is registered here, and every place text
//! leaves the process (the sanitiser the views and the store use, the command-line writer, the
//! JSON lines, the log file) replaces them with `***`.

use std::borrow::Cow;
use std::sync::RwLock;

/// Secrets shorter than this are replaced only where they stand alone (between characters that
/// are not letters or digits): anywhere would blank parts of ordinary words.
const SHORTEST: usize = 6;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());
static SHORT_SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers a secret (and the spellings it takes in a form body, a URL or JSON) for the life
/// of the process.
pub fn register(secret: &str) {
    if secret.is_empty() {
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
    let list = if secret.len() < SHORTEST {
        &SHORT_SECRETS
    } else {
        &SECRETS
    };
    let mut secrets = list.write().unwrap_or_else(|p| p.into_inner());
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
    let mut out = Cow::Borrowed(text);
    {
        let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
        for s in secrets.iter() {
            if out.contains(s.as_str()) {
                out = Cow::Owned(out.replace(s.as_str(), "***"));
            }
        }
    }
    {
        let short = SHORT_SECRETS.read().unwrap_or_else(|p| p.into_inner());
        for s in short.iter() {
            if out.contains(s.as_str()) {
                out = Cow::Owned(replace_standing_alone(&out, s));
            }
        }
    }
    if has_sas_signature(&out) {
        out = Cow::Owned(hide_sas_signatures(&out));
    }
    out
}

/// Where a SAS signature's value starts in `text` at or after `from`: just past a `sig=` that
/// follows `?` or `&` (any case).
fn next_signature(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while let Some(found) = text.get(at..)?.find('=') {
        let eq = at + found;
        if eq >= 4
            && bytes[eq - 3..eq].eq_ignore_ascii_case(b"sig")
            && matches!(bytes[eq - 4], b'?' | b'&')
        {
            return Some(eq + 1);
        }
        at = eq + 1;
    }
    None
}

fn has_sas_signature(text: &str) -> bool {
    next_signature(text, 0).is_some()
}

/// The text with the value of every `sig` query parameter (a SAS URI's signature: a credential
/// to a storage account) replaced by `***`. `scrub` does it to everything that leaves the
/// process; the rest of the URI (account, container, blob, expiry) stays readable.
pub fn hide_sas_signatures(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    while let Some(start) = next_signature(text, copied) {
        let end = text[start..]
            .find(|c: char| {
                c == '&'
                    || c == '"'
                    || c == '\''
                    || c == '<'
                    || c == '>'
                    || c == '\\'
                    || c.is_whitespace()
            })
            .map_or(text.len(), |n| start + n);
        out.push_str(&text[copied..start]);
        out.push_str("***");
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// `text` with each occurrence of `secret` that no letter or digit touches replaced by `***`.
fn replace_standing_alone(text: &str, secret: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(secret) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + secret.len()..].chars().next();
        let touches = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        // What came before in `out` counts too: the last character already copied.
        let before = before.or_else(|| out.chars().next_back());
        out.push_str(&rest[..at]);
        if touches(before) || touches(after) {
            out.push_str(secret);
        } else {
            out.push_str("***");
        }
        rest = &rest[at + secret.len()..];
    }
    out.push_str(rest);
    out
}

/// The text with what looks like a token replaced by `***`: a JWT (`eyJ….….…`) or a run of 32
/// or more base64 or hex characters with letters and digits both. For text that may hold a token
/// offerdeck was never given (a failing token command's message), where `scrub` knows nothing.
pub fn hide_token_shaped(text: &str) -> String {
    let is_token_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-' | '.');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if looks_like_a_token(run) {
            out.push_str("***");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // `=` inside a run is an assignment (`key=value`); only at its end is it padding.
        let assignment = c == '=' && chars.peek().is_some_and(|n| n.is_ascii_alphanumeric());
        if is_token_char(c) && !assignment {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn looks_like_a_token(run: &str) -> bool {
    let jwt = run.starts_with("eyJ") && run.split('.').filter(|p| !p.is_empty()).count() >= 2;
    let body = run.trim_end_matches('.');
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let letters = body.chars().filter(char::is_ascii_alphabetic).count();
    // A path or a dotted name has many separators; a token has few.
    let separators = body.chars().filter(|c| matches!(c, '/' | '.')).count();
    jwt || (body.len() >= 32 && digits >= 3 && letters >= 3 && separators * 8 <= body.len())
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
    }

    #[test]
    fn what_looks_like_a_token_is_hidden_and_ordinary_text_is_not() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl";
        assert_eq!(
            hide_token_shaped(&format!("az: token {jwt} expired")),
            "az: token *** expired"
        );
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(
            hide_token_shaped(&format!("bad key={hex};")),
            "bad key=***;"
        );
        let b64 = "dGhpcyBpcyBhIHNlY3JldCB0b2tlbiAxMjM0NTY3ODkw+/==";
        assert_eq!(hide_token_shaped(b64), "***");
        for plain in [
            "sh: 1: az: not found",
            "/usr/local/lib/python3.11/site-packages/azure/cli/core/commands/__init__.py",
            "AADSTS700016: Application with identifier was not found",
            "please-run-az-login-again-before-asking",
        ] {
            assert_eq!(hide_token_shaped(plain), plain);
        }
    }

    #[test]
    fn a_sas_signature_never_leaves_the_process_and_the_rest_of_its_uri_does() {
        let uri = "https://acct.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=rl&se=2027-01-01T00:00:00Z&SIG=abc%2Bdef%3D&spr=https";
        let text = format!("adding {uri} to plan gen2");
        let out = scrub(&text);
        assert_eq!(
            out,
            "adding https://acct.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sp=rl&se=2027-01-01T00:00:00Z&SIG=***&spr=https to plan gen2"
        );
        assert_eq!(
            scrub("{\"uri\":\"https://a/b.vhd?sig=xyz\"}"),
            "{\"uri\":\"https://a/b.vhd?sig=***\"}"
        );
        assert_eq!(
            scrub("a signature=kept, config=kept"),
            "a signature=kept, config=kept"
        );
    }

    #[test]
    fn a_short_secret_is_replaced_where_it_stands_alone() {
        register("q7Z");
        assert_eq!(
            scrub("client_secret=q7Z&x, \"q7Z\", q7Z"),
            "client_secret=***&x, \"***\", ***"
        );
        assert_eq!(
            scrub("aq7Zb q7Zq7Z"),
            "aq7Zb q7Zq7Z",
            "inside a word it is a word"
        );
    }
}
