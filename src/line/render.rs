//! Where the prompt and the line land on a terminal of a given width, and the bytes that draw,
//! erase and redraw them.
//!
//! The model is xterm's (and tmux's, PuTTY's, the Linux console's): text wraps at the right
//! margin; a character written in the last column leaves the cursor there with a pending wrap
//! (the next character goes to the next row); a wide character that does not fit in what is
//! left of a row goes to the next one. Rows are counted from the prompt's row. Only relative
//! moves are used (`CR`, `ESC [ n A`, `ESC [ n B`, `ESC [ n C`) and `ESC [ J` to erase, so
//! the prompt may be anywhere on the screen.

use std::fmt::Write;

use super::buffer::{char_width, skip_escape};

/// A position: row from the prompt's row, column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Position {
    pub(crate) row: usize,
    pub(crate) col: usize,
}

/// Where the cursor goes and where the text ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Where the cursor belongs (the cell of the character at the cursor).
    pub(crate) cursor: Position,
    /// Where writing stopped: `col == columns` is the pending-wrap state.
    pub(crate) end: Position,
}

/// Walks cells as a terminal places them.
struct Walker {
    columns: usize,
    at: Position,
}

impl Walker {
    fn place(&mut self, c: char) {
        match c {
            '\t' => {
                let target = (self.at.col / 8 + 1) * 8;
                self.at.col = target.min(self.columns);
            }
            c => {
                let width = char_width(c);
                if width == 0 {
                    return;
                }
                if self.at.col + width > self.columns {
                    self.at.row += 1;
                    self.at.col = 0;
                }
                self.at.col += width;
            }
        }
    }

    /// Where the next character of `width` starts.
    fn next_start(&self, width: usize) -> Position {
        if self.at.col + width.max(1) > self.columns {
            Position {
                row: self.at.row + 1,
                col: 0,
            }
        } else {
            self.at
        }
    }
}

/// Lays out `prompt` (escape sequences take no room) then `text`, with the cursor before
/// `text[cursor]`.
pub(crate) fn layout(prompt: &str, text: &[char], cursor: usize, columns: usize) -> Layout {
    let mut walker = Walker {
        columns: columns.max(1),
        at: Position::default(),
    };
    let mut chars = prompt.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            skip_escape(&mut chars);
        } else if c >= ' ' || c == '\t' {
            walker.place(c);
        }
    }
    let mut cursor_at = None;
    for (i, &c) in text.iter().enumerate() {
        if i == cursor {
            cursor_at = Some(walker.next_start(char_width(c)));
        }
        walker.place(c);
    }
    let cursor = cursor_at.unwrap_or_else(|| walker.next_start(1));
    Layout {
        cursor,
        end: walker.at,
    }
}

/// What is on the screen: whether the prompt and line are drawn, and the cursor's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Screen {
    /// The prompt and line are on the screen.
    pub(crate) shown: bool,
    /// The cursor's row, counted from the prompt's row.
    pub(crate) cursor_row: usize,
}

pub(crate) fn up(out: &mut String, rows: usize) {
    if rows > 0 {
        let _ = write!(out, "\x1b[{rows}A");
    }
}

pub(crate) fn down(out: &mut String, rows: usize) {
    if rows > 0 {
        let _ = write!(out, "\x1b[{rows}B");
    }
}

fn right(out: &mut String, cols: usize) {
    if cols > 0 {
        let _ = write!(out, "\x1b[{cols}C");
    }
}

impl Screen {
    /// Erases the prompt and line, leaving the cursor at the start of the prompt's row.
    pub(crate) fn hide(&mut self, out: &mut String) {
        if self.shown {
            up(out, self.cursor_row);
            out.push_str("\r\x1b[J");
            self.shown = false;
            self.cursor_row = 0;
        }
    }

    /// Draws the prompt and `visible` from where the cursor is (the start of the prompt's
    /// row), then puts the cursor at `cursor` (an index into `visible`).
    pub(crate) fn show(
        &mut self,
        out: &mut String,
        prompt: &str,
        visible: &[char],
        cursor: usize,
        columns: usize,
    ) {
        out.push_str(prompt);
        out.extend(visible.iter());
        let layout = layout(prompt, visible, cursor, columns);
        let end = layout.end;
        let target = layout.cursor;
        self.shown = true;
        if target.row > end.row {
            // The cursor belongs after a line that filled its last row: move to the next row
            // (the terminal is in the pending-wrap state; CR LF leaves it).
            out.push_str("\r\n");
            self.cursor_row = target.row;
            return;
        }
        if target == end {
            self.cursor_row = end.row;
            return;
        }
        up(out, end.row - target.row);
        out.push('\r');
        right(out, target.col);
        self.cursor_row = target.row;
    }

    /// Moves the cursor from its row to a fresh line after the text (whose layout ends at
    /// `end`), as Enter does.
    pub(crate) fn finish(&mut self, out: &mut String, end: Position) {
        if self.shown {
            down(out, end.row.saturating_sub(self.cursor_row));
            if self.cursor_row <= end.row {
                out.push_str("\r\n");
            }
        } else {
            out.push_str("\r\n");
        }
        self.shown = false;
        self.cursor_row = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn layout_wraps_like_a_terminal() {
        // 10 columns: "> " then 8 characters fill the row exactly (pending wrap).
        let l = layout("> ", &chars("abcdefgh"), 8, 10);
        assert_eq!(l.end, Position { row: 0, col: 10 });
        assert_eq!(l.cursor, Position { row: 1, col: 0 });
        // A wide character that does not fit goes to the next row.
        let l = layout("> ", &chars("abcdefg日"), 7, 10);
        assert_eq!(l.cursor, Position { row: 1, col: 0 });
        assert_eq!(l.end, Position { row: 1, col: 2 });
        // Colours in the prompt take no room; combining marks take none either.
        let l = layout("\x1b[32m>\x1b[0m ", &chars("e\u{301}x"), 2, 80);
        assert_eq!(l.cursor, Position { row: 0, col: 3 });
        assert_eq!(l.end, Position { row: 0, col: 4 });
    }

    #[test]
    fn show_moves_back_to_the_cursor() {
        let mut screen = Screen::default();
        let mut out = String::new();
        screen.show(&mut out, "> ", &chars("hello"), 2, 80);
        assert_eq!(out, "> hello\r\x1b[4C");
        assert_eq!(screen.cursor_row, 0);
        out.clear();
        screen.hide(&mut out);
        assert_eq!(out, "\r\x1b[J");
        // Across a wrap: cursor on row 0, text ends on row 1.
        let mut screen = Screen::default();
        let mut out = String::new();
        screen.show(&mut out, "> ", &chars("abcdefghij"), 1, 10);
        assert_eq!(out, "> abcdefghij\x1b[1A\r\x1b[3C");
        assert_eq!(screen.cursor_row, 0);
        // At the end of a full row: CR LF puts the cursor on the next row.
        let mut screen = Screen::default();
        let mut out = String::new();
        screen.show(&mut out, "> ", &chars("abcdefgh"), 8, 10);
        assert_eq!(out, "> abcdefgh\r\n");
        assert_eq!(screen.cursor_row, 1);
        out.clear();
        screen.finish(&mut out, layout("> ", &chars("abcdefgh"), 8, 10).end);
        assert_eq!(out, "", "already on a fresh row");
    }
}
