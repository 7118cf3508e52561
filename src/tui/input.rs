//! A one-line text field with a cursor (the e-mail editor and the filter prompt).

use super::keys::Action;

/// Text and a cursor position counted in characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    chars: Vec<char>,
    cursor: usize,
}

impl TextInput {
    /// Carries out an editing key (the same in every text field); false when `action` edits
    /// nothing.
    pub fn edit(&mut self, action: Action) -> bool {
        match action {
            Action::CursorLeft => self.left(),
            Action::CursorRight => self.right(),
            Action::CursorHome => self.home(),
            Action::CursorEnd => self.end(),
            Action::DeleteBack => self.backspace(),
            Action::DeleteForward => self.delete(),
            Action::DeleteWord => self.delete_word(),
            Action::ClearToStart => self.clear_to_start(),
            Action::ClearToEnd => self.clear_to_end(),
            _ => return false,
        }
        true
    }

    pub fn new(text: &str) -> TextInput {
        let chars: Vec<char> = text.chars().collect();
        let cursor = chars.len();
        TextInput { chars, cursor }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn insert(&mut self, c: char) {
        if !c.is_control() {
            self.chars.insert(self.cursor, c);
            self.cursor += 1;
        }
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            self.chars.remove(self.cursor);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.chars.len() {
            self.chars.remove(self.cursor);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.chars.len());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.chars.len();
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// Ctrl-U: deletes from the start to the cursor.
    pub fn clear_to_start(&mut self) {
        self.chars.drain(..self.cursor);
        self.cursor = 0;
    }

    /// Ctrl-K: deletes from the cursor to the end.
    pub fn clear_to_end(&mut self) {
        self.chars.truncate(self.cursor);
    }

    /// Ctrl-W: deletes the word before the cursor (and the separators after it).
    pub fn delete_word(&mut self) {
        let separator = |c: &char| c.is_whitespace() || matches!(c, ',' | ';');
        let mut start = self.cursor;
        while start > 0 && separator(&self.chars[start - 1]) {
            start -= 1;
        }
        while start > 0 && !separator(&self.chars[start - 1]) {
            start -= 1;
        }
        self.chars.drain(start..self.cursor);
        self.cursor = start;
    }

    /// How many terminal columns the characters from `from` to the cursor take (CJK and emoji
    /// take two).
    pub fn columns_to_cursor(&self, from: usize) -> usize {
        self.chars[from.min(self.cursor)..self.cursor]
            .iter()
            .map(|c| unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0))
            .sum()
    }

    /// The first character to show so the cursor fits in `columns` columns.
    pub fn scroll_for(&self, columns: usize) -> usize {
        let mut start = 0;
        while start < self.cursor && self.columns_to_cursor(start) >= columns.max(1) {
            start += 1;
        }
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_editing() {
        let mut t = TextInput::new("ab");
        t.left();
        t.insert('X');
        assert_eq!(t.text(), "aXb");
        t.home();
        t.delete();
        t.end();
        t.backspace();
        assert_eq!(t.text(), "X");
        t.right();
        assert_eq!(t.cursor(), 1);
        t.insert('\u{1b}');
        assert_eq!(t.text(), "X");
    }

    #[test]
    fn readline_keys_and_display_width() {
        let mut t = TextInput::new("ops@a.com, lead@b.com");
        t.delete_word();
        assert_eq!(t.text(), "ops@a.com, ");
        t.delete_word();
        assert_eq!(t.text(), "");
        let mut t = TextInput::new("abc def");
        t.left();
        t.left();
        t.clear_to_end();
        assert_eq!(t.text(), "abc d");
        t.left();
        t.clear_to_start();
        assert_eq!((t.text().as_str(), t.cursor()), ("d", 0));
        let t = TextInput::new("日本x😀");
        assert_eq!(t.columns_to_cursor(0), 7);
        assert_eq!(t.scroll_for(4), 2);
    }
}
