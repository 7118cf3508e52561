//! What one answer may expand into. The byte cap (`body::MAX_ANSWER`) bounds what is read, not
//! what it becomes: 8 MiB of `{},{},…` is 2.8 million objects, hundreds of MiB once parsed. So
//! every answer is scanned for its shape (nesting, number of values, longest string) before it
//! is parsed, and one past a limit is refused whole with the limit named.
//!
//! Hand-written rather than a crate: serde_json bounds only nesting (at 128), and the scan is
//! one pass over bytes that are already in memory, with no allocation but a bounded stack.

use std::fmt;

/// How deep an answer may nest: real answers (an offer document, a resource tree) are under 15.
pub const MAX_DEPTH: usize = 64;
/// How many JSON values (objects, arrays, strings, numbers, literals; keys not counted) one
/// answer may hold: a large resource tree is about 20,000.
pub const MAX_VALUES: usize = 100_000;
/// The longest string (in bytes, as sent) one answer may hold: a description is a few KiB.
pub const MAX_STRING: usize = 1 << 20;

/// A limit an answer went past; its text is what the user reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerLimit {
    /// More bytes than are read of one answer.
    Bytes(usize),
    /// Nested deeper than this.
    Depth(usize),
    /// More values than this.
    Values(usize),
    /// A string longer than this many bytes.
    StringBytes(usize),
    /// More pages of a list than are followed.
    Pages(usize),
    /// More items of a list (over every page) than are kept.
    Items(usize),
}

impl fmt::Display for AnswerLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AnswerLimit::Bytes(n) => write!(f, "{} MiB, the most offerdeck reads", n >> 20),
            AnswerLimit::Depth(n) => write!(f, "{n} levels of nesting, the most offerdeck reads"),
            AnswerLimit::Values(n) => write!(f, "{n} JSON values, the most offerdeck reads"),
            AnswerLimit::StringBytes(n) => {
                write!(f, "{} KiB in one string, the most offerdeck reads", n >> 10)
            }
            AnswerLimit::Pages(n) => write!(f, "{n} pages, the most offerdeck follows"),
            AnswerLimit::Items(n) => write!(f, "{n} items, the most offerdeck keeps of one list"),
        }
    }
}

/// Checks the shape of a JSON text against the limits. Text that is not JSON passes (the parser
/// that follows says what is wrong with it); only a shape past a limit is refused.
pub fn check(text: &str) -> Result<(), AnswerLimit> {
    check_with(text.as_bytes(), MAX_DEPTH, MAX_VALUES, MAX_STRING)
}

/// `check` with the limits given (tests use small ones).
pub fn check_with(
    bytes: &[u8],
    max_depth: usize,
    max_values: usize,
    max_string: usize,
) -> Result<(), AnswerLimit> {
    // One entry per open container: true for an object (its next string is a key).
    let mut open: Vec<bool> = Vec::with_capacity(max_depth.min(64));
    let mut expect_key = false;
    let mut values = 0usize;
    let count = |values: &mut usize| {
        *values += 1;
        if *values > max_values {
            Err(AnswerLimit::Values(max_values))
        } else {
            Ok(())
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                count(&mut values)?;
                if open.len() >= max_depth {
                    return Err(AnswerLimit::Depth(max_depth));
                }
                let object = bytes[i] == b'{';
                open.push(object);
                expect_key = object;
            }
            b'}' | b']' => {
                open.pop();
                expect_key = false;
            }
            b',' => expect_key = open.last().copied().unwrap_or(false),
            b':' => expect_key = false,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'"' {
                    // An escape takes the next byte with it (`\"` does not end the string).
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                if j.min(bytes.len()) - start > max_string {
                    return Err(AnswerLimit::StringBytes(max_string));
                }
                if !expect_key {
                    count(&mut values)?;
                }
                i = j;
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                count(&mut values)?;
                // The rest of the scalar is skipped: it holds no structure.
                while i + 1 < bytes.len()
                    && !matches!(
                        bytes[i + 1],
                        b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t'
                    )
                {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Result<(), AnswerLimit> {
        check_with(text.as_bytes(), 3, 10, 8)
    }

    #[test]
    fn ordinary_answers_pass() {
        assert_eq!(shape(r#"{"a": [1, 2, {"b": "xy"}], "c": null}"#), Ok(()));
        assert_eq!(shape("not json at all"), Ok(()));
        assert_eq!(shape(""), Ok(()));
    }

    #[test]
    fn values_are_counted_without_keys() {
        // 1 object + 9 numbers = 10 values: at the limit.
        let ten = r#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9}"#;
        assert_eq!(shape(ten), Ok(()));
        assert_eq!(
            shape("[{},{},{},{},{},{},{},{},{},{}]"),
            Err(AnswerLimit::Values(10))
        );
        assert_eq!(
            shape("[1,2,3,4,5,6,7,8,9,10]"),
            Err(AnswerLimit::Values(10))
        );
    }

    #[test]
    fn depth_and_strings_are_bounded() {
        assert_eq!(shape("[[[1]]]"), Ok(()));
        assert_eq!(shape("[[[[1]]]]"), Err(AnswerLimit::Depth(3)));
        assert_eq!(shape(r#"["12345678"]"#), Ok(()));
        assert_eq!(shape(r#"["123456789"]"#), Err(AnswerLimit::StringBytes(8)));
        // Structure inside a string is text, and an escaped quote does not end it.
        assert_eq!(shape(r#"["[[[[\"{{"]"#), Ok(()));
        assert_eq!(shape(r#"{"k[[[[": 1}"#), Ok(()));
        // A key is bounded like any string.
        assert_eq!(
            shape(r#"{"123456789": 1}"#),
            Err(AnswerLimit::StringBytes(8))
        );
    }

    #[test]
    fn an_unterminated_string_ends_the_scan() {
        assert_eq!(shape(r#"["abc"#), Ok(()));
        assert_eq!(shape(r#"["abc\"#), Ok(()));
    }
}
