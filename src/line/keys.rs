//! Turning what a terminal sends into keys: printable characters, control keys, and the escape
//! sequences of real terminals (sans-IO: text in, keys out, state kept across calls so a
//! sequence split between two reads still decodes).
//!
//! | key | VT100/xterm | application cursor mode | PuTTY, Linux console | rxvt |
//! | --- | --- | --- | --- | --- |
//! | arrows | `ESC [ A`..`D` | `ESC O A`..`D` | `ESC [ A`..`D` | |
//! | Home | `ESC [ H` | `ESC O H` | `ESC [ 1 ~` | `ESC [ 7 ~` |
//! | End | `ESC [ F` | `ESC O F` | `ESC [ 4 ~` | `ESC [ 8 ~` |
//! | Delete | `ESC [ 3 ~` | | `ESC [ 3 ~` | |
//! | Ctrl-Left/Right | `ESC [ 1 ; 5 D`/`C` | | `ESC O D`/`C` (PuTTY) | |
//!
//! Enter is CR, CR LF, CR NUL or LF (each counts once); Backspace is DEL (0x7f) or BS (0x08).

/// One key, as the terminal sent it. Bindings (what a key does) belong to the
/// [`Editor`](super::Editor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Key {
    /// A character to insert (never a control character).
    Char(char),
    /// Enter (CR, CR LF, CR NUL or LF).
    Enter,
    /// Tab.
    Tab,
    /// Backspace (DEL or BS).
    Backspace,
    /// The Delete key (`ESC [ 3 ~`).
    Delete,
    /// Cursor left.
    Left,
    /// Cursor right.
    Right,
    /// Cursor up.
    Up,
    /// Cursor down.
    Down,
    /// Home.
    Home,
    /// End.
    End,
    /// Ctrl-Left (or Alt-Left): a word left.
    WordLeft,
    /// Ctrl-Right (or Alt-Right): a word right.
    WordRight,
    /// A control key other than those above, by its letter: `Ctrl('a')` is 0x01.
    Ctrl(char),
    /// Alt (Meta) with a character: ESC then the character.
    Alt(char),
    /// A key or sequence the editor has no use for (function keys, Insert, Page Up, ...).
    Other,
}

/// The longest escape sequence kept; a longer one is dropped as [`Key::Other`].
const MAX_SEQUENCE: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum State {
    #[default]
    Ground,
    /// After ESC.
    Escape,
    /// After ESC [: parameter and intermediate bytes so far.
    Csi(String),
    /// After ESC [ [ (the Linux console's F1-F5): one more character.
    LinuxFunction,
    /// After ESC O (SS3).
    Ss3,
}

/// Decodes text from a terminal into [`Key`]s. Keeps partial escape sequences and a CR whose
/// LF or NUL has not arrived yet, so input can be fed in any pieces.
///
/// ```
/// use ironboa::line::{Key, KeyDecoder};
///
/// let mut decoder = KeyDecoder::default();
/// let mut keys = Vec::new();
/// decoder.feed("a\x1b[", &mut keys);
/// decoder.feed("D\x1bOH\r\n", &mut keys);
/// assert_eq!(keys, [Key::Char('a'), Key::Left, Key::Home, Key::Enter]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct KeyDecoder {
    state: State,
    /// The last key was Enter by CR: a LF or NUL right after it is part of it.
    after_cr: bool,
}

impl KeyDecoder {
    /// Decodes `input`, appending the keys it completes to `keys`.
    pub fn feed(&mut self, input: &str, keys: &mut Vec<Key>) {
        for c in input.chars() {
            if let Some(key) = self.push(c) {
                keys.push(key);
            }
        }
    }

    /// Decodes one character; returns the key it completes, if any.
    pub fn push(&mut self, c: char) -> Option<Key> {
        let after_cr = std::mem::take(&mut self.after_cr);
        match std::mem::take(&mut self.state) {
            State::Ground => self.ground(c, after_cr),
            State::Escape => match c {
                '[' => {
                    self.state = State::Csi(String::new());
                    None
                }
                'O' => {
                    self.state = State::Ss3;
                    None
                }
                '\x1b' => {
                    // Escape pressed twice: the first one alone is of no use.
                    self.state = State::Escape;
                    Some(Key::Other)
                }
                c if c < ' ' || c == '\x7f' => {
                    // ESC then a control key: Alt-Backspace and the like; take the key alone.
                    self.ground(c, false)
                }
                c => Some(Key::Alt(c)),
            },
            State::Csi(mut params) => match c {
                '[' if params.is_empty() => {
                    self.state = State::LinuxFunction;
                    None
                }
                '\x20'..='\x3f' => {
                    if params.len() >= MAX_SEQUENCE {
                        return Some(Key::Other);
                    }
                    params.push(c);
                    self.state = State::Csi(params);
                    None
                }
                '\x40'..='\x7e' => Some(csi(&params, c)),
                // Not part of a sequence: the sequence is dropped, the character stands.
                c => self.ground(c, false).or(Some(Key::Other)),
            },
            State::LinuxFunction => Some(Key::Other),
            State::Ss3 => Some(match c {
                'A' => Key::Up,
                'B' => Key::Down,
                'C' => Key::Right,
                'D' => Key::Left,
                'H' => Key::Home,
                'F' => Key::End,
                'M' => Key::Enter,
                _ => Key::Other,
            }),
        }
    }

    fn ground(&mut self, c: char, after_cr: bool) -> Option<Key> {
        match c {
            '\r' => {
                self.after_cr = true;
                Some(Key::Enter)
            }
            '\n' | '\0' if after_cr => None,
            '\n' => Some(Key::Enter),
            '\0' => None,
            '\x1b' => {
                self.state = State::Escape;
                None
            }
            '\t' => Some(Key::Tab),
            '\x08' | '\x7f' => Some(Key::Backspace),
            '\x01'..='\x1a' => Some(Key::Ctrl(char::from(c as u8 + b'a' - 1))),
            // Ctrl-\, Ctrl-], Ctrl-^, Ctrl-_ and the C1 controls: nothing to insert.
            c if c < ' ' || ('\u{80}'..='\u{9f}').contains(&c) => Some(Key::Other),
            c => Some(Key::Char(c)),
        }
    }

    /// Whether an escape sequence (or a lone ESC) is waiting for more input.
    pub fn in_sequence(&self) -> bool {
        self.state != State::Ground
    }
}

/// A complete CSI sequence: `ESC [ params final`.
fn csi(params: &str, last: char) -> Key {
    let mut fields = params.split(';');
    let first = fields.next().unwrap_or("");
    let modifier = fields.next().unwrap_or("");
    // xterm's modifiers: 3 Alt, 5 Ctrl (and their combinations with Shift).
    let word = matches!(modifier, "3" | "4" | "5" | "6" | "7" | "8");
    match last {
        'A' => Key::Up,
        'B' => Key::Down,
        'C' if word => Key::WordRight,
        'D' if word => Key::WordLeft,
        'C' => Key::Right,
        'D' => Key::Left,
        'H' => Key::Home,
        'F' => Key::End,
        '~' => match first {
            "1" | "7" => Key::Home,
            "4" | "8" => Key::End,
            "3" => Key::Delete,
            _ => Key::Other,
        },
        _ => Key::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(chunks: &[&str]) -> Vec<Key> {
        let mut decoder = KeyDecoder::default();
        let mut keys = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk, &mut keys);
        }
        keys
    }

    #[test]
    fn arrows_in_both_cursor_key_modes() {
        use Key::*;
        assert_eq!(keys(&["\x1b[A\x1b[B\x1b[C\x1b[D"]), [Up, Down, Right, Left]);
        assert_eq!(keys(&["\x1bOA\x1bOB\x1bOC\x1bOD"]), [Up, Down, Right, Left]);
    }

    #[test]
    fn home_end_delete_of_xterm_putty_linux_and_rxvt() {
        use Key::*;
        assert_eq!(keys(&["\x1b[H\x1b[F\x1bOH\x1bOF"]), [Home, End, Home, End]);
        assert_eq!(
            keys(&["\x1b[1~\x1b[4~\x1b[3~\x1b[7~\x1b[8~"]),
            [Home, End, Delete, Home, End]
        );
        assert_eq!(
            keys(&["\x1b[1;5C\x1b[1;5D\x1b[1;3D"]),
            [WordRight, WordLeft, WordLeft]
        );
        // Insert, Page Up, F1 (xterm, Linux console): nothing the editor uses.
        assert_eq!(keys(&["\x1b[2~\x1b[5~\x1bOP\x1b[[A"]), [Other; 4]);
    }

    #[test]
    fn sequences_split_anywhere() {
        let whole = keys(&["x\x1b[3~y\x1bOD\x1b[1;5C\r\n"]);
        let input = "x\x1b[3~y\x1bOD\x1b[1;5C\r\n";
        for cut in 0..input.len() {
            assert_eq!(keys(&[&input[..cut], &input[cut..]]), whole, "cut at {cut}");
        }
        let bytewise: Vec<String> = input.chars().map(String::from).collect();
        let pieces: Vec<&str> = bytewise.iter().map(String::as_str).collect();
        assert_eq!(keys(&pieces), whole);
        assert_eq!(
            whole,
            [
                Key::Char('x'),
                Key::Delete,
                Key::Char('y'),
                Key::Left,
                Key::WordRight,
                Key::Enter
            ]
        );
    }

    #[test]
    fn every_enter_counts_once() {
        use Key::*;
        assert_eq!(
            keys(&["a\r\nb\r\0c\nd\r", "\ne\r\r"]),
            [
                Char('a'),
                Enter,
                Char('b'),
                Enter,
                Char('c'),
                Enter,
                Char('d'),
                Enter,
                Char('e'),
                Enter,
                Enter
            ]
        );
    }

    #[test]
    fn control_keys_alt_and_garbage() {
        use Key::*;
        assert_eq!(
            keys(&["\x01\x05\x0b\x15\x17\x03\x04\x7f\x08\t"]),
            [
                Ctrl('a'),
                Ctrl('e'),
                Ctrl('k'),
                Ctrl('u'),
                Ctrl('w'),
                Ctrl('c'),
                Ctrl('d'),
                Backspace,
                Backspace,
                Tab
            ]
        );
        assert_eq!(
            keys(&["\x1bb\x1bf\x1b\x7f"]),
            [Alt('b'), Alt('f'), Backspace]
        );
        // An endless sequence is dropped at its bound; what follows decodes.
        let long = format!("\x1b[{}", "1".repeat(100));
        let decoded = keys(&[&long, "\x1b[Dz"]);
        assert_eq!(decoded.last(), Some(&Char('z')));
        assert!(decoded.contains(&Left), "{decoded:?}");
        // A sequence cut by a control key: the key stands.
        assert_eq!(keys(&["\x1b[1\r"]), [Enter]);
        assert_eq!(keys(&["\u{9b}é"]), [Other, Char('é')]);
    }
}
