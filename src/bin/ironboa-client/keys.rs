//! Keys from the terminal: what goes to the server, and what the screen shows, kept in step.
//!
//! * **Character mode** (the server suppresses go-ahead): each key goes out as it is typed,
//!   arrow keys and Ctrl-C included, in the connection's encoding; we echo only when the server
//!   does not.
//! * **Line mode** (anything else; Debian telnet's "kludge" rule): the line is edited here and
//!   goes out with CR LF on Enter. It is shown as it is edited unless the server said it echoes
//!   (a password prompt), as Debian telnet does. Editing keys edit (Backspace, Ctrl-U, Ctrl-W,
//!   Ctrl-K, the arrows, Home, End, Delete, Ctrl-A/E/B/F, Up/Down or Ctrl-P/N for the history)
//!   and never go into the line; other control characters go in and show as `^X`. Ctrl-C
//!   drops the line and sends IAC IP; Ctrl-\ sends IAC BRK, Ctrl-Z IAC SUSP, Ctrl-O IAC AO;
//!   Ctrl-D sends the line as it is, or a raw Ctrl-D on an empty line (a terminal's EOF).
//! * When the mode changes from line to character with a line half typed, the line goes out
//!   as it is, so no key is lost (and its local echo is wiped when the server will echo it).
//! * **The escape character** (Ctrl-] unless `--escape`) opens the `telnet>` prompt.
//!
//! Lines longer than the terminal is wide wrap, and editing them redraws only the last row.

use ironboa::{Command, Encoding};

use crate::ModeChoice;
use crate::command::{self, PromptCommand};
use crate::decode::{KeyDecoder, Unit};

/// How keys are handled: line at a time or character at a time.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    Line,
    Character,
}

/// The key handling in force, from the negotiated options and the user's choices.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Modes {
    pub edit: Edit,
    /// Whether we show what is typed: the server does not echo, or `toggle echo` asked for it.
    pub local_echo: bool,
    /// Whether we send in BINARY: Enter in line mode is then a bare LF, as Debian telnet sends
    /// it (a pty on the other side would read CR LF as two line ends).
    pub binary: bool,
}

impl Modes {
    /// Debian telnet's rules: character at a time only while the server suppresses go-ahead;
    /// local echo only while it does not echo, or always after `toggle echo` (`toggled`).
    pub fn new(
        choice: ModeChoice,
        remote_echo: bool,
        remote_sga: bool,
        toggled: bool,
        binary: bool,
    ) -> Modes {
        let edit = match choice {
            ModeChoice::Line => Edit::Line,
            ModeChoice::Raw => Edit::Character,
            ModeChoice::Follow if remote_sga => Edit::Character,
            ModeChoice::Follow => Edit::Line,
        };
        Modes {
            edit,
            local_echo: toggled || !remote_echo,
            binary,
        }
    }
}

/// What a key asks for, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Data for the server, already in the connection's encoding.
    Send(Vec<u8>),
    /// A Telnet command for the server.
    Command(Command),
    /// Bytes for the terminal.
    Show(Vec<u8>),
    /// A `telnet>` command to carry out.
    Run(PromptCommand),
}

const BACKSPACE: u8 = 0x08;
const CLEAR_TO_END: &[u8] = b"\x1b[K";
/// The most lines the history keeps.
const HISTORY: usize = 200;

/// One character of a line being edited.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Entry {
    unit: Unit,
    /// Whether it was echoed (typed while the server did not echo).
    shown: bool,
}

impl Entry {
    fn glyph(self, out: &mut Vec<u8>) {
        if !self.shown {
            return;
        }
        match self.unit {
            Unit::Invalid(_) => out.extend_from_slice("\u{fffd}".as_bytes()),
            Unit::Char(c) if c < ' ' => out.extend_from_slice(&[b'^', c as u8 + 0x40]),
            Unit::Char('\x7f') => out.extend_from_slice(b"^?"),
            Unit::Char(c) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }

    /// Columns on the screen.
    fn width(self) -> usize {
        if !self.shown {
            return 0;
        }
        match self.unit {
            Unit::Invalid(_) => 1,
            Unit::Char(c) if c < ' ' || c == '\x7f' => 2,
            Unit::Char(c) => char_width(c),
        }
    }
}

/// Terminal columns of a printable character: 2 for East Asian wide characters and emoji, 0 for
/// combining marks and zero-width characters, 1 otherwise.
fn char_width(c: char) -> usize {
    match u32::from(c) {
        0x0300..=0x036f | 0x200b..=0x200f | 0xfe00..=0xfe0f => 0,
        0x1100..=0x115f
        | 0x2e80..=0x303e
        | 0x3041..=0x33ff
        | 0x3400..=0x4dbf
        | 0x4e00..=0x9fff
        | 0xa000..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x1f300..=0x1f64f
        | 0x1f900..=0x1f9ff
        | 0x20000..=0x3fffd => 2,
        _ => 1,
    }
}

fn back(columns: usize, out: &mut Vec<u8>) {
    out.extend(std::iter::repeat_n(BACKSPACE, columns));
}

/// A line being edited, and where it stands on the screen.
#[derive(Debug, Default)]
struct LineEditor {
    entries: Vec<Entry>,
    cursor: usize,
    /// Whether the shown part is on the screen as drawn, the terminal's cursor at `cursor`
    /// (false once server output was printed over it).
    intact: bool,
    history: Vec<Vec<Entry>>,
    /// Where Up/Down has got to, and the line that was being typed before.
    recalled: Option<usize>,
    draft: Vec<Entry>,
}

impl LineEditor {
    fn new() -> LineEditor {
        LineEditor {
            intact: true,
            ..LineEditor::default()
        }
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn shows_anything(&self) -> bool {
        self.entries.iter().any(|e| e.shown)
    }

    fn width(entries: &[Entry]) -> usize {
        entries.iter().map(|e| e.width()).sum()
    }

    fn draw(entries: &[Entry], out: &mut Vec<u8>) {
        for entry in entries {
            entry.glyph(out);
        }
    }

    /// Before an edit: if output was printed over the line, draw it again on a fresh row.
    fn repair(&mut self, out: &mut Vec<u8>) {
        if !self.intact {
            if self.shows_anything() {
                out.extend_from_slice(b"\r\n");
                self.redraw(out);
            }
            self.intact = true;
        }
    }

    /// Draws the line from the cursor's column as it is now, and puts the terminal's cursor
    /// where the editing cursor is.
    fn redraw(&mut self, out: &mut Vec<u8>) {
        Self::draw(&self.entries, out);
        back(Self::width(&self.entries[self.cursor..]), out);
        self.intact = true;
    }

    /// Draws the rest of the line from the cursor, clears what is left of the old one, and
    /// moves back to the cursor.
    fn draw_rest(&self, out: &mut Vec<u8>) {
        let rest = &self.entries[self.cursor..];
        Self::draw(rest, out);
        out.extend_from_slice(CLEAR_TO_END);
        back(Self::width(rest), out);
    }

    fn insert(&mut self, entry: Entry, out: &mut Vec<u8>) {
        self.repair(out);
        self.entries.insert(self.cursor, entry);
        self.cursor += 1;
        if entry.shown {
            entry.glyph(out);
            if self.cursor < self.entries.len() {
                self.draw_rest(out);
            }
        }
    }

    /// Removes `start..end` (the cursor is at one end of it) and redraws.
    fn remove(&mut self, start: usize, end: usize, out: &mut Vec<u8>) {
        if start >= end {
            return;
        }
        self.repair(out);
        if self.cursor == end {
            back(Self::width(&self.entries[start..end]), out);
        }
        let shown = Self::width(&self.entries[start..end]) > 0;
        self.entries.drain(start..end);
        self.cursor = start;
        if shown {
            self.draw_rest(out);
        }
    }

    fn backspace(&mut self, out: &mut Vec<u8>) {
        if self.cursor > 0 {
            self.remove(self.cursor - 1, self.cursor, out);
        }
    }

    fn delete(&mut self, out: &mut Vec<u8>) {
        if self.cursor < self.entries.len() {
            self.remove(self.cursor, self.cursor + 1, out);
        }
    }

    fn kill_to_start(&mut self, out: &mut Vec<u8>) {
        self.remove(0, self.cursor, out);
    }

    fn kill_to_end(&mut self, out: &mut Vec<u8>) {
        self.remove(self.cursor, self.entries.len(), out);
    }

    fn is_space(entry: &Entry) -> bool {
        matches!(entry.unit, Unit::Char(c) if c.is_whitespace())
    }

    /// Where the word before the cursor starts (spaces before it included), as Ctrl-W.
    fn word_start(&self) -> usize {
        let mut i = self.cursor;
        while i > 0 && Self::is_space(&self.entries[i - 1]) {
            i -= 1;
        }
        while i > 0 && !Self::is_space(&self.entries[i - 1]) {
            i -= 1;
        }
        i
    }

    fn word_end(&self) -> usize {
        let mut i = self.cursor;
        let n = self.entries.len();
        while i < n && Self::is_space(&self.entries[i]) {
            i += 1;
        }
        while i < n && !Self::is_space(&self.entries[i]) {
            i += 1;
        }
        i
    }

    fn kill_word(&mut self, out: &mut Vec<u8>) {
        self.remove(self.word_start(), self.cursor, out);
    }

    fn move_to(&mut self, to: usize, out: &mut Vec<u8>) {
        let to = to.min(self.entries.len());
        self.repair(out);
        if to < self.cursor {
            back(Self::width(&self.entries[to..self.cursor]), out);
        } else {
            Self::draw(&self.entries[self.cursor..to], out);
        }
        self.cursor = to;
    }

    /// Replaces the whole line (history), drawn in full.
    fn replace(&mut self, entries: Vec<Entry>, out: &mut Vec<u8>) {
        self.move_to(0, out);
        self.entries = entries;
        for entry in &mut self.entries {
            entry.shown = true;
        }
        self.cursor = self.entries.len();
        Self::draw(&self.entries, out);
        out.extend_from_slice(CLEAR_TO_END);
    }

    fn history_step(&mut self, older: bool, out: &mut Vec<u8>) {
        if self.history.is_empty() || self.entries.iter().any(|e| !e.shown) {
            return;
        }
        let next = match (self.recalled, older) {
            (None, true) => {
                self.draft = self.entries.clone();
                Some(self.history.len() - 1)
            }
            (None, false) => return,
            (Some(0), true) => return,
            (Some(i), true) => Some(i - 1),
            (Some(i), false) if i + 1 < self.history.len() => Some(i + 1),
            (Some(_), false) => None,
        };
        self.recalled = next;
        let line = match next {
            Some(i) => self.history[i].clone(),
            None => std::mem::take(&mut self.draft),
        };
        self.replace(line, out);
    }

    /// Takes the line out (Enter, Ctrl-C, ...): the terminal's cursor goes to its end first.
    fn take(&mut self, out: &mut Vec<u8>) -> Vec<Entry> {
        if self.intact {
            Self::draw(&self.entries[self.cursor..], out);
        }
        self.cursor = 0;
        self.recalled = None;
        self.intact = true;
        let line = std::mem::take(&mut self.entries);
        if !line.is_empty() && line.iter().all(|e| e.shown) {
            if self.history.last() != Some(&line) {
                self.history.push(line.clone());
            }
            if self.history.len() > HISTORY {
                self.history.remove(0);
            }
        }
        line
    }

    /// Wipes the shown line off the screen (the server is about to echo it).
    fn erase(&mut self, out: &mut Vec<u8>) {
        if self.intact {
            back(Self::width(&self.entries[..self.cursor]), out);
            out.extend_from_slice(CLEAR_TO_END);
        }
    }

    fn text(&self) -> String {
        self.entries
            .iter()
            .map(|e| match e.unit {
                Unit::Char(c) => c,
                Unit::Invalid(_) => '\u{fffd}',
            })
            .collect()
    }
}

/// A key that is not a character.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Nav {
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    Delete,
    WordLeft,
    WordRight,
}

/// Where we are in a terminal escape sequence (line mode only: character mode sends them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Sequence {
    #[default]
    None,
    Escape,
    Csi(Vec<u8>),
    Ss3,
}

/// The state of the keyboard side: the line being edited, the `telnet>` prompt, the modes.
#[derive(Debug)]
pub struct KeyState {
    encoding: Encoding,
    pub escape: Option<u8>,
    /// What the user asked for (`--line-mode`, `mode ...`).
    pub choice: ModeChoice,
    /// `toggle echo`: always echo locally.
    pub echo_toggled: bool,
    decoder: KeyDecoder,
    sequence: Sequence,
    line: LineEditor,
    prompt: Option<LineEditor>,
    /// The modes the last key or output saw.
    last: Option<Modes>,
    /// The last key was a CR (a following LF is the same Enter).
    after_cr: bool,
}

const PROMPT: &[u8] = b"telnet> ";

impl KeyState {
    /// Sends what is typed from now on in `encoding` (the connection's, which CHARSET may
    /// have changed).
    pub fn set_encoding(&mut self, encoding: Encoding) {
        self.encoding = encoding;
    }

    pub fn new(encoding: Encoding, escape: Option<u8>, choice: ModeChoice) -> KeyState {
        KeyState {
            encoding,
            escape,
            choice,
            echo_toggled: false,
            decoder: KeyDecoder::default(),
            sequence: Sequence::None,
            line: LineEditor::new(),
            prompt: None,
            last: None,
            after_cr: false,
        }
    }

    /// Whether the `telnet>` prompt is open (server output waits until it closes).
    pub fn prompt_open(&self) -> bool {
        self.prompt.is_some()
    }

    /// Server output was printed: a half-typed shown line is no longer where it was drawn.
    pub fn output_printed(&mut self) {
        if self.line.shows_anything() {
            self.line.intact = false;
        }
    }

    /// Notes the modes in force. Going from line to character mode with a line half typed
    /// sends that line as it is, so no key is lost; its local echo is wiped first when the
    /// server will echo it.
    pub fn update_modes(&mut self, now: Modes) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.prompt.is_some() {
            return actions; // after the prompt closes
        }
        if let Some(old) = self.last {
            if old.edit == Edit::Line && now.edit == Edit::Character && !self.line.is_empty() {
                let mut show = Vec::new();
                if !now.local_echo {
                    self.line.erase(&mut show);
                }
                let entries = std::mem::take(&mut self.line.entries);
                self.line.cursor = 0;
                self.line.intact = true;
                self.line.recalled = None;
                if !show.is_empty() {
                    actions.push(Action::Show(show));
                }
                actions.push(Action::Send(self.encode(&entries)));
            }
        }
        self.last = Some(now);
        actions
    }

    fn encode(&self, entries: &[Entry]) -> Vec<u8> {
        let mut out = Vec::new();
        for entry in entries {
            entry.unit.encode(self.encoding, &mut out);
        }
        out
    }

    /// Handles typed bytes up to the end or up to a `telnet>` command (after which the modes
    /// may have changed): returns the actions and how many bytes were used.
    pub fn feed(&mut self, bytes: &[u8], modes: Modes) -> (Vec<Action>, usize) {
        let mut actions = self.update_modes(modes);
        for (i, &byte) in bytes.iter().enumerate() {
            let last_in_read = i + 1 == bytes.len();
            self.byte(byte, last_in_read, modes, &mut actions);
            if actions.iter().any(|a| matches!(a, Action::Run(_))) {
                return (actions, i + 1);
            }
        }
        (actions, bytes.len())
    }

    fn byte(&mut self, byte: u8, last_in_read: bool, modes: Modes, actions: &mut Vec<Action>) {
        if self.prompt.is_some() {
            self.prompt_byte(byte, last_in_read, actions);
            return;
        }
        let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
        if Some(byte) == self.escape && self.sequence == Sequence::None {
            let mut units = Vec::new();
            self.decoder.flush(&mut units);
            for unit in units {
                self.unit(unit, modes, actions);
            }
            self.output_printed();
            self.prompt = Some(LineEditor::new());
            let mut show = b"\r\n".to_vec();
            show.extend_from_slice(PROMPT);
            actions.push(Action::Show(show));
            return;
        }
        match modes.edit {
            Edit::Character => {
                self.sequence = Sequence::None;
                let mut units = Vec::new();
                self.decoder.push(byte, &mut units);
                for unit in units {
                    self.unit(unit, modes, actions);
                }
            }
            Edit::Line => {
                if after_cr && byte == b'\n' {
                    return; // CR LF from a terminal is one Enter
                }
                if let Some(key) = self.sequence_byte(byte, last_in_read) {
                    if let Some(nav) = key {
                        let mut show = Vec::new();
                        Self::navigate(&mut self.line, nav, &mut show);
                        push_show(actions, show);
                    }
                    return;
                }
                let mut units = Vec::new();
                self.decoder.push(byte, &mut units);
                for unit in units {
                    self.unit(unit, modes, actions);
                }
            }
        }
    }

    /// Feeds a byte to the escape-sequence parser: `None` if it is not part of a sequence,
    /// else the key the sequence makes (if it is complete and known). A lone ESC at the end of
    /// a read is the Escape key, and is dropped, as are sequences for other keys.
    fn sequence_byte(&mut self, byte: u8, last_in_read: bool) -> Option<Option<Nav>> {
        let key = match std::mem::take(&mut self.sequence) {
            Sequence::None => {
                if byte != 0x1b {
                    return None;
                }
                if !last_in_read {
                    self.sequence = Sequence::Escape;
                }
                None
            }
            Sequence::Escape => match byte {
                b'[' => {
                    self.sequence = Sequence::Csi(Vec::new());
                    None
                }
                b'O' => {
                    self.sequence = Sequence::Ss3;
                    None
                }
                b'b' => Some(Nav::WordLeft),
                b'f' => Some(Nav::WordRight),
                _ => None, // another Alt-key
            },
            Sequence::Ss3 => Self::final_key(byte, &[]),
            Sequence::Csi(mut params) => match byte {
                0x20..=0x3f if params.len() < 16 => {
                    params.push(byte);
                    self.sequence = Sequence::Csi(params);
                    None
                }
                0x40..=0x7e => Self::final_key(byte, &params),
                _ => None,
            },
        };
        Some(key)
    }

    fn final_key(byte: u8, params: &[u8]) -> Option<Nav> {
        let first = params.split(|&b| b == b';').next().unwrap_or_default();
        let modified = params.contains(&b';'); // Ctrl-Left and the like: ESC [ 1 ; 5 D
        match (byte, first) {
            (b'A', _) => Some(Nav::Up),
            (b'B', _) => Some(Nav::Down),
            (b'C', _) if modified => Some(Nav::WordRight),
            (b'D', _) if modified => Some(Nav::WordLeft),
            (b'C', _) => Some(Nav::Right),
            (b'D', _) => Some(Nav::Left),
            (b'H', _) | (b'~', b"1") | (b'~', b"7") => Some(Nav::Home),
            (b'F', _) | (b'~', b"4") | (b'~', b"8") => Some(Nav::End),
            (b'~', b"3") => Some(Nav::Delete),
            _ => None,
        }
    }

    fn navigate(line: &mut LineEditor, nav: Nav, out: &mut Vec<u8>) {
        match nav {
            Nav::Up => line.history_step(true, out),
            Nav::Down => line.history_step(false, out),
            Nav::Left => line.move_to(line.cursor.saturating_sub(1), out),
            Nav::Right => line.move_to(line.cursor + 1, out),
            Nav::Home => line.move_to(0, out),
            Nav::End => line.move_to(line.entries.len(), out),
            Nav::Delete => line.delete(out),
            Nav::WordLeft => line.move_to(line.word_start(), out),
            Nav::WordRight => line.move_to(line.word_end(), out),
        }
    }

    /// One typed character in the current mode.
    fn unit(&mut self, unit: Unit, modes: Modes, actions: &mut Vec<Action>) {
        if modes.edit == Edit::Character {
            let mut data = Vec::new();
            unit.encode(self.encoding, &mut data);
            if modes.local_echo {
                let mut echo = Vec::new();
                match unit {
                    Unit::Char('\r') => echo.extend_from_slice(b"\r\n"),
                    Unit::Char('\x7f') | Unit::Char('\x08') => echo.extend_from_slice(b"\x08 \x08"),
                    Unit::Char(c) if c < ' ' => {} // other control keys are not shown
                    _ => Entry { unit, shown: true }.glyph(&mut echo),
                }
                push_show(actions, echo);
            }
            push_send(actions, data);
            return;
        }
        let mut show = Vec::new();
        let line = &mut self.line;
        match unit {
            Unit::Char('\r') | Unit::Char('\n') => {
                let entries = line.take(&mut show);
                if modes.local_echo {
                    show.extend_from_slice(b"\r\n");
                }
                let mut data = self.encode(&entries);
                data.extend_from_slice(if modes.binary { b"\n" } else { b"\r\n" });
                push_show(actions, show);
                push_send(actions, data);
                return;
            }
            Unit::Char('\x03') => {
                line.take(&mut show);
                if modes.local_echo {
                    show.extend_from_slice(b"^C\r\n");
                }
                push_show(actions, show);
                actions.push(Action::Command(Command::InterruptProcess));
                return;
            }
            Unit::Char('\x1c') => actions.push(Action::Command(Command::Break)),
            Unit::Char('\x1a') => actions.push(Action::Command(Command::Suspend)),
            Unit::Char('\x0f') => actions.push(Action::Command(Command::AbortOutput)),
            Unit::Char('\x04') => {
                // A terminal's EOF: the line so far goes out as it is; on an empty line the
                // Ctrl-D itself does (a pty on the other side reads it as end of file).
                let entries = line.take(&mut show);
                let data = if entries.is_empty() {
                    vec![0x04]
                } else {
                    self.encode(&entries)
                };
                push_show(actions, show);
                push_send(actions, data);
                return;
            }
            Unit::Char('\x7f') | Unit::Char('\x08') => line.backspace(&mut show),
            Unit::Char('\x15') => line.kill_to_start(&mut show),
            Unit::Char('\x0b') => line.kill_to_end(&mut show),
            Unit::Char('\x17') => line.kill_word(&mut show),
            Unit::Char('\x01') => line.move_to(0, &mut show),
            Unit::Char('\x05') => line.move_to(line.entries.len(), &mut show),
            Unit::Char('\x02') => line.move_to(line.cursor.saturating_sub(1), &mut show),
            Unit::Char('\x06') => line.move_to(line.cursor + 1, &mut show),
            Unit::Char('\x10') => line.history_step(true, &mut show),
            Unit::Char('\x0e') => line.history_step(false, &mut show),
            Unit::Char('\x0c') => {
                // Ctrl-L: draw the line again on a fresh row.
                line.intact = false;
                line.repair(&mut show);
            }
            _ => line.insert(
                Entry {
                    unit,
                    shown: modes.local_echo,
                },
                &mut show,
            ),
        }
        push_show(actions, show);
    }

    /// A key typed at the `telnet>` prompt (always edited and echoed here).
    fn prompt_byte(&mut self, byte: u8, last_in_read: bool, actions: &mut Vec<Action>) {
        let mut show = Vec::new();
        if let Some(key) = self.sequence_byte(byte, last_in_read) {
            if let (Some(nav), Some(prompt)) = (key, self.prompt.as_mut()) {
                if !matches!(nav, Nav::Up | Nav::Down) {
                    Self::navigate(prompt, nav, &mut show);
                }
            }
            push_show(actions, show);
            return;
        }
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        if Some(byte) == self.escape && prompt.is_empty() {
            // The escape character twice: send it.
            self.close_prompt(actions);
            push_send(actions, vec![byte]);
            return;
        }
        match byte {
            b'\r' | b'\n' => {
                let line = prompt.text();
                match command::parse(&line) {
                    Err(message) => {
                        prompt.take(&mut show);
                        show.extend_from_slice(b"\r\n");
                        show.extend_from_slice(message.as_bytes());
                        show.extend_from_slice(b"\r\n");
                        show.extend_from_slice(PROMPT);
                        push_show(actions, show);
                    }
                    Ok(None) => self.close_prompt(actions),
                    Ok(Some(command)) => {
                        self.close_prompt_for(actions, Some(command));
                    }
                }
                return;
            }
            0x03 => {
                self.close_prompt(actions);
                return;
            }
            0x04 if prompt.is_empty() => {
                self.close_prompt_for(actions, Some(PromptCommand::Close));
                return;
            }
            0x7f | 0x08 => prompt.backspace(&mut show),
            0x15 => prompt.kill_to_start(&mut show),
            0x17 => prompt.kill_word(&mut show),
            0x01 => prompt.move_to(0, &mut show),
            0x05 => prompt.move_to(prompt.entries.len(), &mut show),
            0x20..=0x7e => prompt.insert(
                Entry {
                    unit: Unit::Char(char::from(byte)),
                    shown: true,
                },
                &mut show,
            ),
            _ => {}
        }
        push_show(actions, show);
    }

    fn close_prompt(&mut self, actions: &mut Vec<Action>) {
        self.close_prompt_for(actions, None);
    }

    /// Closes the prompt, runs `command`, then draws the half-typed line again.
    fn close_prompt_for(&mut self, actions: &mut Vec<Action>, command: Option<PromptCommand>) {
        let mut show = Vec::new();
        if let Some(mut prompt) = self.prompt.take() {
            prompt.take(&mut show);
        }
        show.extend_from_slice(b"\r\n");
        actions.push(Action::Show(show));
        if let Some(command) = command {
            actions.push(Action::Run(command));
        }
        let mut redraw = Vec::new();
        if self.line.shows_anything() {
            self.line.redraw(&mut redraw);
        }
        self.line.intact = true;
        push_show(actions, redraw);
    }
}

fn push_show(actions: &mut Vec<Action>, bytes: Vec<u8>) {
    if !bytes.is_empty() {
        actions.push(Action::Show(bytes));
    }
}

fn push_send(actions: &mut Vec<Action>, bytes: Vec<u8>) {
    if !bytes.is_empty() {
        actions.push(Action::Send(bytes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: Modes = Modes {
        edit: Edit::Line,
        local_echo: true,
        binary: false,
    };
    const HIDDEN: Modes = Modes {
        edit: Edit::Line,
        local_echo: false,
        binary: false,
    };
    const CHARACTER: Modes = Modes {
        edit: Edit::Character,
        local_echo: false,
        binary: false,
    };

    fn state(encoding: Encoding) -> KeyState {
        let mut keys = KeyState::new(encoding, Some(0x1d), ModeChoice::Follow);
        keys.update_modes(LINE);
        keys
    }

    /// Feeds `keys` one read at a time; returns (sent data, commands, screen bytes).
    fn run(keys: &mut KeyState, reads: &[&[u8]], modes: Modes) -> (Vec<u8>, Vec<Action>) {
        let mut sent = Vec::new();
        let mut other = Vec::new();
        for read in reads {
            let mut rest: &[u8] = read;
            while !rest.is_empty() {
                let (actions, used) = keys.feed(rest, modes);
                rest = &rest[used..];
                for action in actions {
                    match action {
                        Action::Send(data) => sent.extend(data),
                        Action::Show(_) => {}
                        action => other.push(action),
                    }
                }
            }
        }
        (sent, other)
    }

    /// What a terminal shows on the current row after `bytes` (BS moves left, ESC [ K clears).
    fn screen(bytes: &[u8]) -> String {
        let mut row: Vec<char> = Vec::new();
        let mut col: usize = 0;
        let text = String::from_utf8_lossy(bytes).into_owned();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\x08' => col = col.saturating_sub(1),
                '\r' => col = 0,
                '\n' => {
                    row.clear();
                    col = 0;
                }
                '\x1b' => {
                    // only ESC [ K is produced
                    chars.next();
                    chars.next();
                    row.truncate(col);
                }
                c => {
                    if col < row.len() {
                        row[col] = c;
                    } else {
                        row.push(c);
                    }
                    col += 1;
                }
            }
        }
        row.into_iter().collect()
    }

    fn shown(keys: &mut KeyState, reads: &[&[u8]], modes: Modes) -> String {
        let mut all = Vec::new();
        for read in reads {
            let (actions, _) = keys.feed(read, modes);
            for action in actions {
                if let Action::Show(bytes) = action {
                    all.extend(bytes);
                }
            }
        }
        screen(&all)
    }

    #[test]
    fn line_mode_sends_what_the_screen_shows() {
        // typo, Backspace, Ctrl-W, arrows, Delete, Home and End
        let reads: &[&[u8]] = &[
            b"helo wrld",
            b"\x17",         // Ctrl-W: "helo "
            b"\x1b[D\x1b[D", // left twice: cursor before "o"
            b"l",            // "hello "
            b"\x1b[F",       // End
            b"world",
            b"\x1b[H\x1b[3~H", // Home, Delete, "H"
        ];
        let mut keys = state(Encoding::Utf8);
        let screen = shown(&mut keys, reads, LINE);
        assert_eq!(screen, "Hello world");
        let (sent, _) = run(&mut keys, &[b"\r"], LINE);
        assert_eq!(sent, b"Hello world\r\n");
    }

    #[test]
    fn arrow_keys_never_reach_the_line() {
        let mut keys = state(Encoding::Utf8);
        // Up, Down (no history), Left (SS3 form), Ctrl-Right (to the word's end), a lone ESC
        let (sent, _) = run(
            &mut keys,
            &[b"ab\x1b[A\x1b[B\x1bOD\x1b[1;5Cc\x1b", b"\r"],
            LINE,
        );
        assert_eq!(sent, b"abc\r\n");
        // Left, F5 (ESC [ 1 5 ~), Alt-x, Ctrl-Left
        let (sent, _) = run(&mut keys, &[b"xy z\x1b[D\x1b[15~\x1bx\x1b[1;5D-\r"], LINE);
        assert_eq!(sent, b"-xy z\r\n");
    }

    #[test]
    fn enter_in_binary_line_mode_is_a_bare_lf() {
        let mut keys = state(Encoding::Utf8);
        let binary = Modes {
            binary: true,
            ..HIDDEN
        };
        let (sent, _) = run(&mut keys, &[b"echo hi\r"], binary);
        assert_eq!(sent, b"echo hi\n");
    }

    #[test]
    fn ctrl_c_drops_the_line_and_interrupts() {
        let mut keys = state(Encoding::Utf8);
        let (sent, other) = run(&mut keys, &[b"sleep 5", b"\x03", b"ls\r"], LINE);
        assert_eq!(sent, b"ls\r\n");
        assert_eq!(other, [Action::Command(Command::InterruptProcess)]);
    }

    #[test]
    fn latin1_keystrokes() {
        let mut keys = state(Encoding::Latin1);
        let (sent, _) = run(&mut keys, &["café".as_bytes(), b"\r"], LINE);
        assert_eq!(sent, b"caf\xe9\r\n");
        let (sent, _) = run(&mut keys, &[b"\xc3", b"\xa9"], CHARACTER);
        assert_eq!(sent, b"\xe9");
    }

    #[test]
    fn a_half_typed_line_goes_out_when_character_mode_starts() {
        let mut keys = state(Encoding::Utf8);
        let (sent, _) = run(&mut keys, &[b"go\rabc"], LINE);
        assert_eq!(sent, b"go\r\n");
        let actions = keys.update_modes(CHARACTER);
        assert_eq!(
            actions,
            [
                Action::Show(b"\x08\x08\x08\x1b[K".to_vec()),
                Action::Send(b"abc".to_vec())
            ]
        );
        let (sent, _) = run(&mut keys, &[b"d\r"], CHARACTER);
        assert_eq!(sent, b"d\r");
    }

    #[test]
    fn hidden_input_is_sent_and_never_shown() {
        let mut keys = state(Encoding::Utf8);
        assert_eq!(shown(&mut keys, &[b"secret\x7f"], HIDDEN), "");
        let (sent, _) = run(&mut keys, &[b"T\r"], HIDDEN);
        assert_eq!(sent, b"secreT\r\n");
        // not in the history
        let (sent, _) = run(&mut keys, &[b"\x1b[A\r"], LINE);
        assert_eq!(sent, b"\r\n");
    }

    #[test]
    fn history() {
        let mut keys = state(Encoding::Utf8);
        run(&mut keys, &[b"one\r", b"two\r"], LINE);
        let (sent, _) = run(&mut keys, &[b"\x1b[A\x1b[A\x1b[B!\r"], LINE);
        assert_eq!(sent, b"two!\r\n");
    }

    #[test]
    fn the_prompt() {
        let mut keys = state(Encoding::Utf8);
        let (sent, other) = run(&mut keys, &[b"ab\x1dsend ip\rc\r"], LINE);
        assert_eq!(sent, b"abc\r\n");
        assert_eq!(
            other,
            [Action::Run(PromptCommand::Send(Command::InterruptProcess))]
        );
        // The escape twice sends it; an empty line returns; Ctrl-D quits.
        let (sent, other) = run(&mut keys, &[b"\x1d\x1d", b"\x1d\r", b"\x1d\x04"], CHARACTER);
        assert_eq!(sent, b"\x1d");
        assert_eq!(other, [Action::Run(PromptCommand::Close)]);
        // A bad command keeps the prompt open.
        let (_, other) = run(&mut keys, &[b"\x1dbogus\rstatus\r"], CHARACTER);
        assert_eq!(other, [Action::Run(PromptCommand::Status)]);
        assert!(!keys.prompt_open());
    }

    #[test]
    fn character_mode_sends_everything_but_the_escape() {
        let mut keys = state(Encoding::Utf8);
        let (sent, _) = run(&mut keys, &[b"a\x03\x1b[A\x17\r"], CHARACTER);
        assert_eq!(sent, b"a\x03\x1b[A\x17\r");
    }

    #[test]
    fn modes_follow_debian_telnet() {
        let follow = ModeChoice::Follow;
        assert_eq!(Modes::new(follow, true, false, false, false), HIDDEN); // miniboa, chatd
        assert_eq!(Modes::new(follow, true, true, false, false), CHARACTER);
        assert_eq!(Modes::new(follow, false, false, false, false), LINE);
        assert_eq!(Modes::new(follow, true, false, true, false), LINE); // toggle echo
        assert_eq!(Modes::new(follow, false, false, true, false), LINE);
        assert_eq!(
            Modes::new(ModeChoice::Line, true, true, false, false).edit,
            Edit::Line
        );
    }
}
