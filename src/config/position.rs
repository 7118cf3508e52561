//! Places in a config file: byte offsets into lines and columns, the key a line sets, and the
//! line a parse error without a place of its own is about.

/// The key of the `key = value` line an offset falls in.
pub(super) fn key_at(text: &str, offset: usize) -> Option<&str> {
    let offset = text.floor_char_boundary(offset.min(text.len()));
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    Some(key.trim().trim_matches('"'))
}

/// 1-based line and column of a byte offset.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// The start of the first line nested deeper than the TOML parser follows (a dotted key of
/// thousands of parts, a header of thousands of brackets): the parser says "recursion limit"
/// with no place of its own.
pub(super) fn too_deep(text: &str) -> Option<usize> {
    const DEEP: usize = 100;
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let nesting = line
            .chars()
            .filter(|c| matches!(c, '.' | '[' | '{'))
            .count();
        if nesting > DEEP {
            return Some(start);
        }
        start += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_nested_past_the_limit_is_found() {
        let deep = format!(
            "[api]\npoll_interval = \"2s\"\n{} = 1\n",
            vec!["a"; 500].join(".")
        );
        let at = too_deep(&deep).unwrap();
        assert_eq!(line_col(&deep, at), (3, 1));
        assert_eq!(too_deep("[api]\nbase_url = \"http://a.b.c\"\n"), None);
        // As the user reads it: that line, and what is wrong.
        let err = crate::config::parse(std::path::Path::new("c.toml"), &deep).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("c.toml:3:1") && text.contains("nested deeper"),
            "{text}"
        );
    }
}
