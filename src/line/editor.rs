//! The editor itself, sans-IO: text from the terminal in, a finished line and the bytes to
//! draw out. [`LineEditor`](super::LineEditor) drives it over a connection.

use std::collections::VecDeque;
use std::fmt;

use super::buffer::{LineBuffer, char_width};
use super::history::History;
use super::keys::{Key, KeyDecoder};
use super::render::{Screen, layout};

/// The editor's bounds. Every field has a documented default.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EditorConfig {
    /// The longest line, in UTF-8 bytes (default 4096). Past it, typed characters are refused
    /// with the terminal's bell; what was typed stays.
    pub max_line_bytes: usize,
    /// How many entered lines Up and Down recall (default 100; 0 keeps none).
    pub history_size: usize,
    /// How often a [`LineEditor`](super::LineEditor) waiting for keys also looks for Telnet
    /// commands that came alone (IAC IP, IAC EOF) (default 200 ms). `None`: only when keys
    /// arrive, so a waiting editor never wakes up on its own.
    pub command_poll: Option<std::time::Duration>,
}

impl Default for EditorConfig {
    fn default() -> Self {
        EditorConfig {
            max_line_bytes: 4096,
            history_size: 100,
            command_poll: Some(std::time::Duration::from_millis(200)),
        }
    }
}

/// What one `readline` gave.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Line {
    /// Enter was pressed: the line, without its ending.
    Entered(String),
    /// Ctrl-C (or a Telnet IP, BRK or ABORT command): the line was abandoned. It holds what
    /// had been typed.
    Interrupted(String),
    /// Ctrl-D on an empty line (or a Telnet EOF command on one): the user has no more input.
    Eof,
}

/// Whether what is typed is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Shown as typed, and kept in the history.
    Visible,
    /// For passwords: nothing is shown (the line ending is), nothing is kept in the history,
    /// and Up, Down and Tab do nothing.
    Hidden,
}

/// What a completion callback offers for the text before the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    /// Where the word being completed starts (a byte offset into the line).
    pub start: usize,
    /// What that word could be. One: it replaces the word, and a space follows at the end of
    /// the line. Several: their common prefix replaces the word, and a second Tab lists them.
    pub candidates: Vec<String>,
}

/// A completion callback: given the line and the cursor (a byte offset), what may complete
/// the word before the cursor.
pub type Completer = Box<dyn FnMut(&str, usize) -> Completion + Send>;

const BELL: char = '\x07';

/// A line editor for a terminal at the other end of a connection, with no I/O of its own:
/// [`begin`](Self::begin) a line with a prompt, [`push_input`](Self::push_input) what the
/// terminal sends, [`step`](Self::step) until a [`Line`] comes out, and write whatever each
/// call appended to `out` to the terminal. [`message`](Self::message) prints text above the
/// line being edited and redraws it.
///
/// The keys: Left/Right (Ctrl-B/F), Home/End (Ctrl-A/E), Ctrl-Left/Right and Alt-B/F by word,
/// Backspace, Delete, Ctrl-D (deletes; on an empty line, [`Line::Eof`]), Ctrl-K (to the end),
/// Ctrl-U (to the start), Ctrl-W (the word before), Alt-D (the word after), Ctrl-Y (puts back
/// what was cut last), Up/Down (Ctrl-P/N) through the history, Tab (completion), Ctrl-L
/// (clears the screen), Ctrl-C ([`Line::Interrupted`]), Enter.
///
/// ```
/// use ironboa::line::{Echo, Editor, EditorConfig, Line};
///
/// let mut editor = Editor::new(EditorConfig::default());
/// let mut out = String::new();
/// editor.begin("> ", Echo::Visible, 80, &mut out);
/// editor.push_input("wrld\x1b[D\x1b[D\x1b[Do\r");
/// assert_eq!(editor.step(80, &mut out), Some(Line::Entered("world".into())));
/// assert!(out.starts_with("> wrld"));
/// ```
pub struct Editor {
    config: EditorConfig,
    decoder: KeyDecoder,
    keys: VecDeque<Key>,
    history: History,
    completer: Option<Completer>,
    active: bool,
    prompt: String,
    echo: Echo,
    use_history: bool,
    buffer: LineBuffer,
    screen: Screen,
    /// The history entry shown, while Up/Down browse it.
    browsing: Option<usize>,
    /// The line being typed before browsing began.
    draft: String,
    /// What Ctrl-K/U/W cut last, for Ctrl-Y.
    cut: String,
    last_was_tab: bool,
    /// A character was refused for length, and the bell rung for it.
    refused: bool,
    decoded: Vec<Key>,
}

impl fmt::Debug for Editor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Editor")
            .field("active", &self.active)
            .field("prompt", &self.prompt)
            .field("echo", &self.echo)
            .field("line_bytes", &self.buffer.byte_len())
            .field("history", &self.history.len())
            .finish_non_exhaustive()
    }
}

/// `\n` and `\r\n` as `\r\n`.
pub(crate) fn push_crlf(out: &mut String, text: &str) {
    let mut pieces = text.split('\n').peekable();
    while let Some(piece) = pieces.next() {
        out.push_str(piece.strip_suffix('\r').unwrap_or(piece));
        if pieces.peek().is_some() {
            out.push_str("\r\n");
        }
    }
}

impl Editor {
    /// An editor with the given bounds, no history, and no line begun.
    pub fn new(config: EditorConfig) -> Editor {
        Editor {
            history: History::new(config.history_size),
            config,
            decoder: KeyDecoder::default(),
            keys: VecDeque::new(),
            completer: None,
            active: false,
            prompt: String::new(),
            echo: Echo::Visible,
            use_history: true,
            buffer: LineBuffer::default(),
            screen: Screen::default(),
            browsing: None,
            draft: String::new(),
            cut: String::new(),
            last_was_tab: false,
            refused: false,
            decoded: Vec::new(),
        }
    }

    /// The bounds it was made with.
    pub fn config(&self) -> &EditorConfig {
        &self.config
    }

    /// Sets (or with `None` removes) the completion callback Tab calls.
    pub fn set_completer(&mut self, completer: Option<Completer>) {
        self.completer = completer;
    }

    /// The entered lines Up and Down recall.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The history, to add to or clear.
    pub fn history_mut(&mut self) -> &mut History {
        &mut self.history
    }

    /// Whether a line is being edited (begun, not yet finished).
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The line as typed so far.
    pub fn partial(&self) -> String {
        self.buffer.text()
    }

    /// Whether keys that arrived are waiting for the next line (type-ahead), or an escape
    /// sequence is incomplete.
    pub fn has_pending_input(&self) -> bool {
        !self.keys.is_empty() || self.decoder.in_sequence()
    }

    /// Starts a line: writes the prompt (a prompt with newlines has its lines before the last
    /// one written once; the last line is what redraws repeat). A line already begun (a
    /// `readline` that timed out) goes on with what was typed; with a new prompt or echo, it
    /// is redrawn. The prompt is taken to start at the left margin.
    pub fn begin(&mut self, prompt: &str, echo: Echo, columns: usize, out: &mut String) {
        let (head, tail) = match prompt.rfind('\n') {
            Some(at) => (&prompt[..=at], &prompt[at + 1..]),
            None => ("", prompt),
        };
        if self.active && self.prompt == tail && self.echo == echo && head.is_empty() {
            if !self.screen.shown {
                self.show(columns, out);
            }
            return;
        }
        self.screen.hide(out);
        push_crlf(out, head);
        self.prompt = tail.to_owned();
        self.echo = echo;
        self.use_history = echo == Echo::Visible;
        if !self.active {
            self.buffer.take();
            self.browsing = None;
            self.draft.clear();
        }
        self.active = true;
        self.last_was_tab = false;
        self.refused = false;
        self.show(columns, out);
    }

    /// Whether the line begun is kept in the history once entered, and Up and Down browse
    /// it (by default: when it is [`Echo::Visible`]). Set it after [`begin`](Self::begin),
    /// e.g. to keep a user name or an answer to a question out of the history.
    pub fn set_use_history(&mut self, on: bool) {
        self.use_history = on && self.echo == Echo::Visible;
    }

    /// Adds what the terminal sent. Keys are acted on by [`step`](Self::step), within a line
    /// begun with [`begin`](Self::begin); keys after a finished line wait for the next one.
    pub fn push_input(&mut self, text: &str) {
        self.decoded.clear();
        self.decoder.feed(text, &mut self.decoded);
        self.keys.extend(self.decoded.drain(..));
    }

    /// Acts on the keys that have arrived, until a line is finished or none are left.
    /// Returns `None` when no line is begun.
    pub fn step(&mut self, columns: usize, out: &mut String) -> Option<Line> {
        while self.active {
            let key = self.keys.pop_front()?;
            if let Some(line) = self.key(key, columns, out) {
                return Some(line);
            }
        }
        None
    }

    /// Prints `text` on its own line(s) above the line being edited, then redraws the prompt
    /// and the line with the cursor where it was (telnetsrv's `writemessage`). With no line
    /// begun, the text is simply written, followed by a line ending.
    pub fn message(&mut self, text: &str, columns: usize, out: &mut String) {
        let shown = self.active && self.screen.shown;
        self.screen.hide(out);
        push_crlf(out, text);
        out.push_str("\r\n");
        if shown {
            self.show(columns, out);
        }
    }

    /// Redraws the prompt and the line (after the screen was disturbed, or the width changed).
    pub fn redraw(&mut self, columns: usize, out: &mut String) {
        if self.active {
            self.refresh(columns, out);
        }
    }

    /// Abandons the line being edited, as Ctrl-C does (for a Telnet IP command).
    pub fn interrupt(&mut self, columns: usize, out: &mut String) -> Option<Line> {
        if !self.active {
            return None;
        }
        if self.echo == Echo::Visible && self.buffer.end() {
            self.refresh(columns, out);
        }
        out.push_str("^C\r\n");
        self.screen.shown = false;
        self.screen.cursor_row = 0;
        Some(Line::Interrupted(self.finish_line()))
    }

    /// Ends input as Ctrl-D does, if the line is empty (for a Telnet EOF command).
    pub fn end_of_input(&mut self, columns: usize, out: &mut String) -> Option<Line> {
        if !self.active || !self.buffer.is_empty() {
            return None;
        }
        self.finish_screen(columns, out);
        self.finish_line();
        Some(Line::Eof)
    }

    fn visible(&self) -> (&[char], usize) {
        match self.echo {
            Echo::Visible => (self.buffer.chars(), self.buffer.cursor()),
            Echo::Hidden => (&[], 0),
        }
    }

    fn show(&mut self, columns: usize, out: &mut String) {
        let (visible, cursor) = match self.echo {
            Echo::Visible => (self.buffer.chars(), self.buffer.cursor()),
            Echo::Hidden => (&[][..], 0),
        };
        self.screen
            .show(out, &self.prompt, visible, cursor, columns);
    }

    fn refresh(&mut self, columns: usize, out: &mut String) {
        if self.echo == Echo::Hidden && self.screen.shown {
            return;
        }
        self.screen.hide(out);
        self.show(columns, out);
    }

    fn finish_screen(&mut self, columns: usize, out: &mut String) {
        let (visible, cursor) = self.visible();
        let end = layout(&self.prompt, visible, cursor, columns).end;
        self.screen.finish(out, end);
    }

    /// Ends the line: the text, with the editor ready for the next `begin`.
    fn finish_line(&mut self) -> String {
        self.active = false;
        self.browsing = None;
        self.draft.clear();
        self.buffer.take()
    }

    fn bell(out: &mut String) {
        out.push(BELL);
    }

    /// Acts on one key; `Some` when it finished the line.
    fn key(&mut self, key: Key, columns: usize, out: &mut String) -> Option<Line> {
        let was_tab = std::mem::replace(&mut self.last_was_tab, key == Key::Tab);
        if !matches!(key, Key::Char(_)) {
            self.refused = false;
        }
        let changed = match key {
            Key::Char(c) => {
                self.insert(c, columns, out);
                false
            }
            Key::Enter => {
                self.finish_screen(columns, out);
                let text = self.finish_line();
                if self.use_history {
                    self.history.add(&text);
                }
                return Some(Line::Entered(text));
            }
            Key::Ctrl('c') => return self.interrupt(columns, out),
            Key::Ctrl('d') if self.buffer.is_empty() => return self.end_of_input(columns, out),
            Key::Backspace | Key::Ctrl('h') => {
                self.backspace(columns, out);
                false
            }
            Key::Delete | Key::Ctrl('d') => self.buffer.delete(),
            Key::Left | Key::Ctrl('b') => self.buffer.left(),
            Key::Right | Key::Ctrl('f') => self.buffer.right(),
            Key::Home | Key::Ctrl('a') => self.buffer.home(),
            Key::End | Key::Ctrl('e') => self.buffer.end(),
            Key::WordLeft | Key::Alt('b') => self.buffer.word_left(),
            Key::WordRight | Key::Alt('f') => self.buffer.word_right(),
            Key::Ctrl('k') => self.cut(|b| b.kill_to_end()),
            Key::Ctrl('u') => self.cut(|b| b.kill_to_start()),
            Key::Ctrl('w') => self.cut(|b| b.kill_word_before()),
            Key::Alt('d') => self.cut(|b| b.kill_word_after()),
            Key::Ctrl('y') => {
                let cut = self.cut.clone();
                let all = self.buffer.insert_str(&cut, self.config.max_line_bytes);
                if !all {
                    Self::bell(out);
                }
                !cut.is_empty()
            }
            Key::Up | Key::Ctrl('p') => self.history_step(true, out),
            Key::Down | Key::Ctrl('n') => self.history_step(false, out),
            Key::Tab => self.complete(was_tab, columns, out),
            Key::Ctrl('l') => {
                out.push_str("\x1b[H\x1b[2J");
                self.screen.shown = false;
                self.screen.cursor_row = 0;
                self.show(columns, out);
                false
            }
            _ => false,
        };
        if changed {
            self.refresh(columns, out);
        }
        None
    }

    fn cut(&mut self, f: impl FnOnce(&mut LineBuffer) -> String) -> bool {
        let removed = f(&mut self.buffer);
        if removed.is_empty() {
            return false;
        }
        self.cut = removed;
        true
    }

    fn insert(&mut self, c: char, columns: usize, out: &mut String) {
        let at_end = self.buffer.at_end();
        if !self.buffer.insert(c, self.config.max_line_bytes) {
            if !std::mem::replace(&mut self.refused, true) {
                Self::bell(out);
            }
            return;
        }
        if self.echo == Echo::Hidden {
            return;
        }
        let (visible, cursor) = self.visible();
        let end = layout(&self.prompt, visible, cursor, columns).end;
        // A combining character joins the cell before it, so the cursor must not have been
        // moved to a fresh row after a full one.
        let joins = char_width(c) > 0 || self.screen.cursor_row == end.row;
        if at_end && joins && self.screen.shown {
            // Typing at the end: the character is all there is to draw (the terminal wraps
            // as the layout does).
            out.push(c);
            self.screen.cursor_row = end.row;
        } else {
            self.refresh(columns, out);
        }
    }

    fn backspace(&mut self, columns: usize, out: &mut String) {
        let at_end = self.buffer.at_end();
        let before = layout(
            &self.prompt,
            self.buffer.chars(),
            self.buffer.cursor(),
            columns,
        );
        let Some(width) = self.buffer.backspace() else {
            return;
        };
        if self.echo == Echo::Hidden {
            return;
        }
        let after = layout(
            &self.prompt,
            self.buffer.chars(),
            self.buffer.cursor(),
            columns,
        );
        let same_row = before.end.row == after.end.row && self.screen.cursor_row == after.end.row;
        if at_end && same_row && before.end.col < columns && before.end.col - after.end.col == width
        {
            for piece in ["\x08", " ", "\x08"] {
                for _ in 0..width {
                    out.push_str(piece);
                }
            }
        } else {
            self.refresh(columns, out);
        }
    }

    fn history_step(&mut self, back: bool, out: &mut String) -> bool {
        if !self.use_history {
            if self.echo == Echo::Visible {
                Self::bell(out);
            }
            return false;
        }
        let len = self.history.len();
        let next = match (self.browsing, back) {
            (None, true) if len > 0 => Some(len - 1),
            (Some(i), true) if i > 0 => Some(i - 1),
            (Some(i), false) if i + 1 < len => Some(i + 1),
            (Some(_), false) => None,
            _ => {
                Self::bell(out);
                return false;
            }
        };
        if self.browsing.is_none() {
            self.draft = self.buffer.text();
        }
        self.browsing = next;
        let text = match next {
            Some(i) => self.history.get(i).unwrap_or_default().to_owned(),
            None => std::mem::take(&mut self.draft),
        };
        self.buffer.set(&text);
        true
    }

    fn complete(&mut self, again: bool, columns: usize, out: &mut String) -> bool {
        if self.echo == Echo::Hidden {
            return false;
        }
        let Some(completer) = self.completer.as_mut() else {
            Self::bell(out);
            return false;
        };
        let text = self.buffer.text();
        let cursor = self.buffer.byte_cursor();
        let Completion {
            start,
            mut candidates,
        } = completer(&text, cursor);
        let start = start.min(cursor);
        if !text.is_char_boundary(start) {
            return false;
        }
        let word = &text[start..cursor];
        candidates.sort();
        candidates.dedup();
        let max = self.config.max_line_bytes;
        match candidates.as_slice() {
            [] => {
                Self::bell(out);
                false
            }
            [only] => {
                let mut with = only.clone();
                if self.buffer.at_end() {
                    with.push(' ');
                }
                self.buffer.replace_before_cursor(start, &with, max);
                true
            }
            many => {
                let prefix = common_prefix(many);
                if prefix.len() > word.len() && prefix.starts_with(word) {
                    self.buffer.replace_before_cursor(start, prefix, max);
                    true
                } else if again {
                    let listing = many.join("  ");
                    self.message(&listing, columns, out);
                    false
                } else {
                    Self::bell(out);
                    false
                }
            }
        }
    }
}

fn common_prefix(words: &[String]) -> &str {
    let first = words[0].as_str();
    let mut end = first.len();
    for word in &words[1..] {
        end = first
            .char_indices()
            .zip(word.chars())
            .find(|((_, a), b)| a != b)
            .map_or(end.min(word.len()), |((i, _), _)| i.min(end));
    }
    &first[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: usize = 80;

    /// Feeds `input` (bytes as a terminal sends them) to a line begun with `prompt`; returns
    /// the line and everything written after the prompt.
    fn run(editor: &mut Editor, prompt: &str, input: &[u8]) -> (Option<Line>, String) {
        let mut out = String::new();
        editor.begin(prompt, Echo::Visible, W, &mut out);
        assert!(out.ends_with(prompt) || editor.partial() != "");
        let mut drawn = String::new();
        editor.push_input(std::str::from_utf8(input).unwrap());
        let line = editor.step(W, &mut drawn);
        (line, drawn)
    }

    fn entered(text: &str) -> Option<Line> {
        Some(Line::Entered(text.into()))
    }

    fn editor() -> Editor {
        Editor::new(EditorConfig::default())
    }

    #[test]
    fn typing_at_the_end_echoes_the_characters_only() {
        let (line, out) = run(&mut editor(), "> ", b"hello\r\n");
        assert_eq!(line, entered("hello"));
        assert_eq!(out, "hello\r\n");
    }

    #[test]
    fn backspace_over_narrow_wide_and_combining_characters() {
        // "ab日e" + COMBINING ACUTE, then three backspaces and "c".
        let (line, out) = run(
            &mut editor(),
            "> ",
            "ab日e\u{301}\x7f\x7f\x08c\r".as_bytes(),
        );
        assert_eq!(line, entered("ac"));
        assert_eq!(out, "ab日e\u{301}\x08 \x08\x08\x08  \x08\x08\x08 \x08c\r\n");
    }

    #[test]
    fn insert_in_the_middle_with_the_arrow_keys() {
        // "wrld", Left x3 (both cursor-key modes), "o", End, "!".
        let (line, out) = run(&mut editor(), "> ", b"wrld\x1b[D\x1bOD\x1b[Do\x1b[F!\r");
        assert_eq!(line, entered("world!"));
        // Each move redraws and puts the cursor back: after the 'o', on column 2 + 2.
        assert!(out.contains("\r\x1b[J> world\r\x1b[4C"), "{out:?}");
        assert!(out.ends_with("\r\x1b[J> world!\r\n"), "{out:?}");
    }

    #[test]
    fn home_end_and_delete_of_putty_and_the_linux_console() {
        let (line, _) = run(&mut editor(), "> ", b"xabc\x1b[1~\x1b[3~\x1b[4~d\x1bOHz\r");
        assert_eq!(line, entered("zabcd"));
    }

    #[test]
    fn emacs_keys() {
        // Ctrl-A, Ctrl-K (all), Ctrl-Y (back), Ctrl-E, Ctrl-W, Ctrl-U.
        let mut e = editor();
        assert_eq!(
            run(&mut e, "> ", b"one two\x01\x0b\x19\x05 three\x17four\r").0,
            entered("one two four")
        );
        assert_eq!(
            run(&mut e, "> ", b"abc def\x1b[D\x1b[D\x15X\r").0,
            entered("Xef")
        );
        // Ctrl-D deletes under the cursor on a line that is not empty.
        assert_eq!(run(&mut e, "> ", b"abc\x01\x04\r").0, entered("bc"));
    }

    #[test]
    fn history_up_and_down() {
        let mut e = editor();
        run(&mut e, "> ", b"first\r");
        run(&mut e, "> ", b"second\r");
        // Up, Up gives "first"; Down gives "second"; Down again the draft typed before.
        assert_eq!(run(&mut e, "> ", b"\x1b[A\x1b[A\r").0, entered("first"));
        assert_eq!(
            run(&mut e, "> ", b"dra\x1b[A\x1b[A\x1bOB\x1bOBft\r").0,
            entered("draft")
        );
        // Edit a recalled line in the middle.
        assert_eq!(
            run(&mut e, "> ", b"\x1b[A\x1b[H\x1b[3~F\r").0,
            entered("Fraft")
        );
        let kept: Vec<&str> = e.history().iter().collect();
        assert_eq!(kept, ["first", "second", "first", "draft", "Fraft"]);
        // No more history: the bell.
        let (_, out) = run(&mut e, "> ", b"\x1b[B");
        assert_eq!(out, "\x07");
    }

    #[test]
    fn history_is_bounded() {
        let mut e = Editor::new(EditorConfig {
            history_size: 2,
            ..EditorConfig::default()
        });
        for line in [&b"a\r"[..], b"b\r", b"c\r"] {
            run(&mut e, "> ", line);
        }
        assert_eq!(e.history().iter().collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn ctrl_c_cancels_and_ctrl_d_ends_input() {
        let mut e = editor();
        let (line, out) = run(&mut e, "> ", b"half\x1b[D\x03");
        assert_eq!(line, Some(Line::Interrupted("half".into())));
        assert!(out.ends_with("> half^C\r\n"), "{out:?}");
        assert!(e.history().is_empty(), "an abandoned line is not kept");
        let (line, out) = run(&mut e, "> ", b"\x04");
        assert_eq!(line, Some(Line::Eof));
        assert_eq!(out, "\r\n");
    }

    #[test]
    fn password_lines_show_nothing_and_are_not_kept() {
        let mut e = editor();
        let mut out = String::new();
        e.begin("Password: ", Echo::Hidden, W, &mut out);
        assert_eq!(out, "Password: ");
        out.clear();
        e.push_input("s3cr\x7fet\x1b[A\r");
        assert_eq!(e.step(W, &mut out), entered("s3cet"));
        assert_eq!(out, "\r\n", "only the line ending is echoed");
        assert!(e.history().is_empty());
    }

    #[test]
    fn a_message_redraws_the_prompt_and_the_half_line_with_the_cursor_where_it_was() {
        let mut e = editor();
        let (line, _) = run(&mut e, "> ", b"echo abc def\x1b[D\x1b[D\x1b[D");
        assert_eq!(line, None);
        let mut out = String::new();
        e.message("ding", W, &mut out);
        assert_eq!(out, "\r\x1b[Jding\r\n> echo abc def\r\x1b[11C");
        // Enter then sends the whole line.
        e.push_input("\r");
        assert_eq!(e.step(W, &mut out), entered("echo abc def"));
    }

    #[test]
    fn a_message_over_a_wrapped_line() {
        let mut e = editor();
        let mut out = String::new();
        e.begin("> ", Echo::Visible, 10, &mut out);
        e.push_input("abcdefghijkl\x1b[D");
        assert_eq!(e.step(10, &mut out), None);
        out.clear();
        // "> abcdefgh" fills row 0; "ijkl" is on row 1, the cursor on the 'l' (column 3).
        e.message("m1\nm2", 10, &mut out);
        assert_eq!(out, "\x1b[1A\r\x1b[Jm1\r\nm2\r\n> abcdefghijkl\r\x1b[3C");
    }

    #[test]
    fn type_ahead_waits_for_the_next_line() {
        let mut e = editor();
        let (line, _) = run(&mut e, "> ", b"one\rtwo\r");
        assert_eq!(line, entered("one"));
        assert!(e.has_pending_input());
        let mut out = String::new();
        assert_eq!(e.step(W, &mut out), None, "no line begun");
        e.begin("> ", Echo::Visible, W, &mut out);
        assert_eq!(e.step(W, &mut out), entered("two"));
    }

    #[test]
    fn line_length_is_bounded() {
        let mut e = Editor::new(EditorConfig {
            max_line_bytes: 4,
            ..EditorConfig::default()
        });
        let (line, out) = run(&mut e, "> ", b"abcdefg\r");
        assert_eq!(line, entered("abcd"));
        assert_eq!(out, "abcd\x07\r\n", "one bell for the refused run");
    }

    #[test]
    fn tab_completes() {
        let mut e = editor();
        e.set_completer(Some(Box::new(|line: &str, cursor: usize| {
            let start = line[..cursor].rfind(' ').map_or(0, |i| i + 1);
            let word = &line[start..cursor];
            Completion {
                start,
                candidates: ["echo", "exit", "timer"]
                    .iter()
                    .filter(|c| c.starts_with(word))
                    .map(|c| c.to_string())
                    .collect(),
            }
        })));
        assert_eq!(run(&mut e, "> ", b"ti\tx\r").0, entered("timer x"));
        // Two candidates: nothing in common past "e": the bell, then a listing.
        let (line, out) = run(&mut e, "> ", b"e\t\t");
        assert_eq!(line, None);
        assert!(out.starts_with("e\x07"), "{out:?}");
        assert!(out.contains("echo  exit\r\n> e"), "{out:?}");
        assert_eq!(run(&mut e, "> ", b"c\t\r").0, entered("echo "));
    }

    #[test]
    fn a_timed_out_line_goes_on() {
        let mut e = editor();
        let (line, _) = run(&mut e, "> ", b"par");
        assert_eq!(line, None);
        let (line, out) = run(&mut e, "> ", b"tial\r");
        assert_eq!(line, entered("partial"));
        assert_eq!(out, "tial\r\n");
    }

    #[test]
    fn enter_in_the_middle_of_a_wrapped_line_goes_below_it() {
        let mut e = editor();
        let mut out = String::new();
        e.begin("> ", Echo::Visible, 10, &mut out);
        e.push_input("abcdefghijkl\x01");
        assert_eq!(e.step(10, &mut out), None);
        out.clear();
        e.push_input("\r");
        assert_eq!(e.step(10, &mut out), entered("abcdefghijkl"));
        assert_eq!(out, "\x1b[1B\r\n");
    }
}
