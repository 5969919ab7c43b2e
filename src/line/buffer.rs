//! The line being edited: characters, a cursor, and display widths.
//!
//! The cursor moves over *clusters*: a character of non-zero width and the zero-width
//! characters after it (combining accents, variation selectors, joiners), the way a terminal
//! draws them in one cell (or two, for wide characters). Widths are Unicode's East Asian
//! widths as `wcwidth` gives them (the `unicode-width` crate), which is what terminals use.

use unicode_width::UnicodeWidthChar;

/// The display width of a character in a terminal: 0 (combining), 1, or 2 (wide). Control
/// characters are 0.
pub fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// The display width of `text` in a terminal, escape sequences (`ESC [ ... final`,
/// `ESC ] ... BEL`) and control characters counting for nothing, a tab up to the next multiple
/// of 8.
pub fn display_width(text: &str) -> usize {
    let mut width = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => skip_escape(&mut chars),
            '\t' => width += 8 - width % 8,
            c => width += char_width(c),
        }
    }
    width
}

/// Skips the rest of an escape sequence whose ESC has been read.
pub(crate) fn skip_escape(chars: &mut std::iter::Peekable<impl Iterator<Item = char>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\x40'..='\x7e').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            while let Some(c) = chars.next() {
                if c == '\x07' {
                    break;
                }
                if c == '\x1b' {
                    chars.next();
                    break;
                }
            }
        }
        _ => {}
    }
}

/// The characters of a line and a cursor between them (an index into the characters, always
/// at a cluster boundary).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LineBuffer {
    chars: Vec<char>,
    cursor: usize,
    /// The UTF-8 length of `chars`.
    bytes: usize,
}

impl LineBuffer {
    pub(crate) fn chars(&self) -> &[char] {
        &self.chars
    }

    pub(crate) fn cursor(&self) -> usize {
        self.cursor
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    pub(crate) fn byte_len(&self) -> usize {
        self.bytes
    }

    pub(crate) fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.cursor == self.chars.len()
    }

    /// Replaces the line, cursor at the end.
    pub(crate) fn set(&mut self, text: &str) {
        self.chars = text.chars().collect();
        self.cursor = self.chars.len();
        self.bytes = text.len();
    }

    /// Empties the line, returning what it held.
    pub(crate) fn take(&mut self) -> String {
        let text = self.text();
        self.chars.clear();
        self.cursor = 0;
        self.bytes = 0;
        text
    }

    fn is_boundary(&self, i: usize) -> bool {
        i == 0 || i >= self.chars.len() || char_width(self.chars[i]) != 0
    }

    /// The start of the cluster before `i`.
    fn prev_boundary(&self, i: usize) -> usize {
        let mut j = i.saturating_sub(1);
        while j > 0 && !self.is_boundary(j) {
            j -= 1;
        }
        j
    }

    /// The end of the cluster at `i`.
    fn next_boundary(&self, i: usize) -> usize {
        let mut j = (i + 1).min(self.chars.len());
        while !self.is_boundary(j) {
            j += 1;
        }
        j
    }

    /// Inserts `c` at the cursor; false (nothing inserted) when the line would grow past
    /// `max_bytes`.
    pub(crate) fn insert(&mut self, c: char, max_bytes: usize) -> bool {
        if self.bytes + c.len_utf8() > max_bytes {
            return false;
        }
        self.chars.insert(self.cursor, c);
        self.bytes += c.len_utf8();
        self.cursor += 1;
        // A combining character typed at the cursor joins the cluster before it; the cursor
        // stays after the whole cluster.
        while !self.is_boundary(self.cursor) {
            self.cursor += 1;
        }
        true
    }

    /// Inserts `text` at the cursor, as far as `max_bytes` allows; false when cut short.
    pub(crate) fn insert_str(&mut self, text: &str, max_bytes: usize) -> bool {
        text.chars().all(|c| self.insert(c, max_bytes))
    }

    fn remove(&mut self, range: std::ops::Range<usize>) -> String {
        let removed: String = self.chars.drain(range.clone()).collect();
        self.bytes -= removed.len();
        if self.cursor > range.start {
            self.cursor = range.start.max(self.cursor.saturating_sub(range.len()));
        }
        removed
    }

    /// Backspace: removes the cluster before the cursor. Returns its width, or `None` at the
    /// start of the line.
    pub(crate) fn backspace(&mut self) -> Option<usize> {
        if self.cursor == 0 {
            return None;
        }
        let start = self.prev_boundary(self.cursor);
        let removed = self.remove(start..self.cursor);
        Some(removed.chars().map(char_width).sum())
    }

    /// Delete: removes the cluster at the cursor; false at the end of the line.
    pub(crate) fn delete(&mut self) -> bool {
        if self.at_end() {
            return false;
        }
        let end = self.next_boundary(self.cursor);
        self.remove(self.cursor..end);
        true
    }

    pub(crate) fn left(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        self.cursor = self.prev_boundary(self.cursor);
        true
    }

    pub(crate) fn right(&mut self) -> bool {
        if self.at_end() {
            return false;
        }
        self.cursor = self.next_boundary(self.cursor);
        true
    }

    pub(crate) fn home(&mut self) -> bool {
        std::mem::replace(&mut self.cursor, 0) != 0
    }

    pub(crate) fn end(&mut self) -> bool {
        std::mem::replace(&mut self.cursor, self.chars.len()) != self.chars.len()
    }

    /// The start of the word before the cursor (whitespace-delimited, as bash's Ctrl-W).
    fn word_start_before(&self) -> usize {
        let mut i = self.cursor;
        while i > 0 && self.chars[i - 1].is_whitespace() {
            i -= 1;
        }
        while i > 0 && !self.chars[i - 1].is_whitespace() {
            i -= 1;
        }
        i
    }

    /// The end of the word after the cursor.
    fn word_end_after(&self) -> usize {
        let mut i = self.cursor;
        while i < self.chars.len() && self.chars[i].is_whitespace() {
            i += 1;
        }
        while i < self.chars.len() && !self.chars[i].is_whitespace() {
            i += 1;
        }
        i
    }

    pub(crate) fn word_left(&mut self) -> bool {
        let to = self.word_start_before();
        std::mem::replace(&mut self.cursor, to) != to
    }

    pub(crate) fn word_right(&mut self) -> bool {
        let to = self.word_end_after();
        std::mem::replace(&mut self.cursor, to) != to
    }

    /// Ctrl-K: removes from the cursor to the end.
    pub(crate) fn kill_to_end(&mut self) -> String {
        self.remove(self.cursor..self.chars.len())
    }

    /// Ctrl-U: removes from the start to the cursor.
    pub(crate) fn kill_to_start(&mut self) -> String {
        self.remove(0..self.cursor)
    }

    /// Ctrl-W: removes the word before the cursor (and the spaces after it).
    pub(crate) fn kill_word_before(&mut self) -> String {
        let start = self.word_start_before();
        self.remove(start..self.cursor)
    }

    /// Alt-D: removes the word after the cursor.
    pub(crate) fn kill_word_after(&mut self) -> String {
        let end = self.word_end_after();
        self.remove(self.cursor..end)
    }

    /// The text before the cursor, and the cursor as a byte offset into [`text`](Self::text).
    pub(crate) fn byte_cursor(&self) -> usize {
        self.chars[..self.cursor].iter().map(|c| c.len_utf8()).sum()
    }

    /// Replaces the bytes `start..cursor` (of [`text`](Self::text)) with `with`.
    pub(crate) fn replace_before_cursor(&mut self, start: usize, with: &str, max_bytes: usize) {
        let mut offset = 0;
        let mut from = self.cursor;
        for (i, c) in self.chars.iter().enumerate() {
            if offset >= start {
                from = i;
                break;
            }
            offset += c.len_utf8();
        }
        let from = from.min(self.cursor);
        self.remove(from..self.cursor);
        self.insert_str(with, max_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(text: &str) -> LineBuffer {
        let mut b = LineBuffer::default();
        b.set(text);
        b
    }

    #[test]
    fn widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("日本"), 4);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(display_width("\x1b[1;32mok\x1b[0m> "), 4);
        assert_eq!(display_width("\x1b]0;title\x07$ "), 2);
        assert_eq!(display_width("a\tb"), 9);
    }

    #[test]
    fn backspace_takes_a_whole_cluster() {
        let mut b = buffer("ae\u{301}\u{302}日");
        assert_eq!(b.backspace(), Some(2));
        assert_eq!(b.text(), "ae\u{301}\u{302}");
        assert_eq!(b.backspace(), Some(1));
        assert_eq!(b.text(), "a");
        assert_eq!(b.byte_len(), 1);
        assert_eq!(b.backspace(), Some(1));
        assert_eq!(b.backspace(), None);
    }

    #[test]
    fn moves_and_deletes_by_cluster() {
        let mut b = buffer("xe\u{301}y");
        assert!(b.left());
        assert_eq!(b.cursor(), 3);
        assert!(b.left());
        assert_eq!(b.cursor(), 1);
        assert!(b.delete());
        assert_eq!(b.text(), "xy");
        // A combining mark typed after a character joins it; the cursor stays a boundary.
        b.insert('e', 100);
        b.insert('\u{301}', 100);
        assert_eq!(b.text(), "xe\u{301}y");
        assert_eq!(b.cursor(), 3);
    }

    #[test]
    fn kills_and_words() {
        let mut b = buffer("git commit  -m msg");
        assert_eq!(b.kill_word_before(), "msg");
        assert_eq!(b.kill_word_before(), "-m ");
        assert_eq!(b.text(), "git commit  ");
        b.home();
        assert!(b.word_right());
        assert_eq!(b.cursor(), 3);
        assert_eq!(b.kill_to_end(), " commit  ");
        assert_eq!(b.kill_to_start(), "git");
        assert!(b.is_empty());
        assert_eq!(b.byte_len(), 0);
    }

    #[test]
    fn bounded_in_bytes() {
        let mut b = LineBuffer::default();
        assert!(b.insert_str("abc", 4));
        assert!(!b.insert('é', 4));
        assert!(b.insert('d', 4));
        assert_eq!(b.text(), "abcd");
    }
}
