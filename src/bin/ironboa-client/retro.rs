//! The retro character sets in the client (ATASCII, PETSCII, Atari ST), as telnetlib3's client
//! has them: keys map to the set's own bytes, output shows as an ANSI terminal can, and a
//! SyncTERM font switch picks the encoding.
//!
//! * Keys: the arrows, Backspace, Delete, Home, Insert, Tab and Enter become the bytes the
//!   machine's keyboard sends (ATASCII's cursor codes 0x1c..=0x1f and end of line 0x9b,
//!   PETSCII's 0x91/0x11/0x9d/0x1d and DEL 0x14, the Atari ST's VT52 arrows); `--ansi-keys`
//!   sends the terminal's ANSI sequences instead, and `--ascii-eol` sends Enter as CR (and
//!   shows ATASCII's CR and LF glyphs as line breaks). Other keys are characters, sent in the
//!   set (a character it lacks as `?`).
//! * Output: PETSCII's colour, cursor and reverse-video codes become ANSI sequences
//!   ([`ironboa::encoding::petscii_to_ansi`]); a line end becomes CR LF for the raw terminal.
//! * `CSI Ps1 ; Ps2 SP D` (SyncTERM's font selection) switches the connection's encoding:
//!   font 0 to cp437, 32..=35 to PETSCII, 36 to ATASCII; unless `--encoding` was given.

use ironboa::Encoding;
use ironboa::client::TelnetConnection;
use ironboa::encoding::petscii_to_ansi;

use crate::decode::OutputDecoder;

/// What the command line said about retro keys and line ends.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct RetroOptions {
    /// `--ansi-keys`: send the terminal's escape sequences as they are.
    pub ansi_keys: bool,
    /// `--ascii-eol`: Enter is CR, and ATASCII's CR and LF glyphs show as line breaks.
    pub ascii_eol: bool,
}

/// Which retro set an encoding is, by its name.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Set {
    Atascii,
    Petscii,
    AtariSt,
}

fn set_of(encoding: Encoding) -> Option<Set> {
    if !encoding.is_retro() {
        return None;
    }
    match encoding.name() {
        "ATASCII" => Some(Set::Atascii),
        "PETSCII" => Some(Set::Petscii),
        _ => Some(Set::AtariSt),
    }
}

/// The key a terminal escape sequence (or single byte) stands for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Key {
    Up,
    Down,
    Right,
    Left,
    Home,
    Insert,
    Delete,
    Backspace,
    Tab,
    Enter,
}

fn key_bytes(set: Set, key: Key, options: RetroOptions) -> Option<&'static [u8]> {
    Some(match (set, key) {
        (_, Key::Enter) if options.ascii_eol => b"\r",
        (Set::Atascii, Key::Up) => b"\x1c",
        (Set::Atascii, Key::Down) => b"\x1d",
        (Set::Atascii, Key::Left) => b"\x1e",
        (Set::Atascii, Key::Right) => b"\x1f",
        (Set::Atascii, Key::Backspace) => b"\x7e",
        (Set::Atascii, Key::Delete) => b"\xfe",
        (Set::Atascii, Key::Insert) => b"\xff",
        (Set::Atascii, Key::Tab) => b"\x7f",
        (Set::Atascii, Key::Enter) => b"\x9b",
        (Set::Atascii, Key::Home) => return None,
        (Set::Petscii, Key::Up) => b"\x91",
        (Set::Petscii, Key::Down) => b"\x11",
        (Set::Petscii, Key::Left) => b"\x9d",
        (Set::Petscii, Key::Right) => b"\x1d",
        (Set::Petscii, Key::Home) => b"\x13",
        (Set::Petscii, Key::Insert) => b"\x94",
        (Set::Petscii, Key::Delete | Key::Backspace) => b"\x14",
        (Set::Petscii, Key::Enter) => b"\r",
        (Set::Petscii, Key::Tab) => return None,
        (Set::AtariSt, Key::Up) => b"\x1bA",
        (Set::AtariSt, Key::Down) => b"\x1bB",
        (Set::AtariSt, Key::Right) => b"\x1bC",
        (Set::AtariSt, Key::Left) => b"\x1bD",
        (Set::AtariSt, Key::Home) => b"\x1bH",
        (Set::AtariSt, Key::Backspace) => b"\x08",
        (Set::AtariSt, Key::Delete) => b"\x7f",
        (Set::AtariSt, Key::Enter) => b"\r",
        (Set::AtariSt, Key::Insert | Key::Tab) => return None,
    })
}

/// The key an escape sequence's final byte (and parameters) name.
fn sequence_key(params: &[u8], last: u8) -> Option<Key> {
    Some(match (params, last) {
        (_, b'A') => Key::Up,
        (_, b'B') => Key::Down,
        (_, b'C') => Key::Right,
        (_, b'D') => Key::Left,
        (_, b'H') | (b"1", b'~') | (b"7", b'~') => Key::Home,
        (b"2", b'~') => Key::Insert,
        (b"3", b'~') => Key::Delete,
        _ => return None,
    })
}

/// Translates typed bytes into a retro set's bytes, holding an escape sequence cut between
/// reads (a lone ESC at the end of a read is the Escape key).
#[derive(Debug, Default)]
pub struct RetroKeys {
    sequence: Vec<u8>,
    text: Vec<u8>,
}

impl RetroKeys {
    /// Whether `encoding` is one whose keys this translates.
    pub fn applies(encoding: Encoding) -> bool {
        set_of(encoding).is_some()
    }

    /// What `bytes` typed send under `encoding` (a retro set).
    pub fn translate(
        &mut self,
        bytes: &[u8],
        encoding: Encoding,
        options: RetroOptions,
    ) -> Vec<u8> {
        let Some(set) = set_of(encoding) else {
            return bytes.to_vec();
        };
        let mut out = Vec::new();
        for (i, &byte) in bytes.iter().enumerate() {
            let last_in_read = i + 1 == bytes.len();
            if !self.sequence.is_empty() || byte == 0x1b {
                self.sequence.push(byte);
                if let Some(done) = self.sequence_done(last_in_read) {
                    let sequence = std::mem::take(&mut self.sequence);
                    self.flush_text(encoding, &mut out);
                    match done.and_then(|key| key_bytes(set, key, options)) {
                        Some(mapped) if !options.ansi_keys => out.extend_from_slice(mapped),
                        _ => out.extend_from_slice(&sequence),
                    }
                }
                continue;
            }
            let key = match byte {
                0x7f | 0x08 => Some(Key::Backspace),
                b'\r' | b'\n' => Some(Key::Enter),
                b'\t' => Some(Key::Tab),
                _ => None,
            };
            match key.and_then(|key| key_bytes(set, key, options)) {
                Some(mapped) => {
                    self.flush_text(encoding, &mut out);
                    out.extend_from_slice(mapped);
                }
                None if byte < 0x20 => {
                    self.flush_text(encoding, &mut out);
                    out.push(byte);
                }
                None => self.text.push(byte),
            }
        }
        // A character cut between reads waits for its last byte.
        let complete = Encoding::Utf8.complete_prefix(&self.text);
        let text: Vec<u8> = self.text.drain(..complete).collect();
        encode_typed(&text, encoding, &mut out);
        out
    }

    fn flush_text(&mut self, encoding: Encoding, out: &mut Vec<u8>) {
        let text = std::mem::take(&mut self.text);
        encode_typed(&text, encoding, out);
    }

    /// `None` while the sequence goes on; `Some(key)` once it ended (`Some(None)`: not a key
    /// we map).
    fn sequence_done(&self, last_in_read: bool) -> Option<Option<Key>> {
        let s = &self.sequence;
        match s.len() {
            1 => last_in_read.then_some(None),
            2 => match s[1] {
                b'[' | b'O' => None,
                _ => Some(None),
            },
            _ => {
                let last = *s.last().unwrap_or(&0);
                if (0x40..=0x7e).contains(&last) {
                    Some(sequence_key(&s[2..s.len() - 1], last))
                } else if s.len() > 16 {
                    Some(None)
                } else {
                    None
                }
            }
        }
    }
}

/// Typed UTF-8 in the connection's encoding (bytes that are not UTF-8 as they are).
fn encode_typed(text: &[u8], encoding: Encoding, out: &mut Vec<u8>) {
    for chunk in text.utf8_chunks() {
        encoding.encode_into(chunk.valid(), out);
        out.extend_from_slice(chunk.invalid());
    }
}

/// Rewrites decoded output of a retro set for an ANSI terminal: PETSCII's control codes as
/// ANSI sequences; line ends as CR LF (`raw`: the terminal does not add the CR); with
/// `--ascii-eol`, ATASCII's CR and LF glyphs as CR and LF.
pub fn display(encoding: Encoding, options: RetroOptions, raw: bool, text: &mut Vec<u8>) {
    let Some(set) = set_of(encoding) else {
        return;
    };
    let Ok(decoded) = std::str::from_utf8(text) else {
        return;
    };
    let mut shown = match set {
        Set::Petscii => petscii_to_ansi(decoded),
        Set::Atascii if options.ascii_eol => decoded.replace('\u{1fb82}', "\r").replace('◣', "\n"),
        _ => decoded.to_owned(),
    };
    if raw {
        shown = shown.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    *text = shown.into_bytes();
}

/// The most parameter bytes (digits and `;`) a font selection is looked for with.
const MAX_FONT_PARAMS: usize = 14;

/// Finds SyncTERM font selections (`CSI Ps1 ; Ps2 SP D`) in `data`: where each starts and
/// ends, and the encoding its font stands for.
pub fn font_switches(data: &[u8]) -> Vec<(usize, usize, Encoding)> {
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(start) = memchr_csi(&data[i..]).map(|at| at + i) {
        let mut j = start + 2;
        let mut params = Vec::new();
        while j < data.len()
            && (data[j].is_ascii_digit() || data[j] == b';')
            && j - start - 2 < MAX_FONT_PARAMS
        {
            params.push(data[j]);
            j += 1;
        }
        if data.get(j) == Some(&b' ') && data.get(j + 1) == Some(&b'D') {
            let text = String::from_utf8_lossy(&params).into_owned();
            let font = text.rsplit(';').next().and_then(|f| f.parse::<u16>().ok());
            let name = match font {
                Some(0) => Some("cp437"),
                Some(32..=35) => Some("petscii"),
                Some(36) => Some("atascii"),
                _ => None,
            };
            if let Some(encoding) = name.and_then(Encoding::from_name) {
                found.push((start, j + 2, encoding));
            }
            i = j + 2;
        } else {
            i = start + 2;
        }
    }
    found
}

/// Where a font selection that the next read may finish starts in `data`: an `ESC`, `ESC [`,
/// its parameters or the space before `D` at the very end (at most 17 bytes).
fn unfinished_font_switch(data: &[u8]) -> Option<usize> {
    let window = data.len().saturating_sub(MAX_FONT_PARAMS + 3);
    let start = window + memchr::memrchr(0x1b, &data[window..])?;
    let rest = &data[start + 1..];
    let Some((&bracket, rest)) = rest.split_first() else {
        return Some(start); // a lone ESC
    };
    let rest = rest.strip_suffix(b" ").unwrap_or(rest);
    let possible = bracket == b'['
        && rest.len() <= MAX_FONT_PARAMS
        && rest.iter().all(|&b| b.is_ascii_digit() || b == b';');
    possible.then_some(start)
}

/// Where the connection's encoding is read and changed: the connection itself, or a plain
/// cell in tests.
pub trait EncodingCell {
    /// The encoding now.
    fn encoding(&self) -> Encoding;
    /// Switches to `encoding`.
    fn set_encoding(&self, encoding: Encoding);
}

impl EncodingCell for TelnetConnection {
    fn encoding(&self) -> Encoding {
        TelnetConnection::encoding(self)
    }

    fn set_encoding(&self, encoding: Encoding) {
        TelnetConnection::set_encoding(self, encoding);
    }
}

impl<T: EncodingCell> EncodingCell for std::sync::Arc<T> {
    fn encoding(&self) -> Encoding {
        T::encoding(self)
    }

    fn set_encoding(&self, encoding: Encoding) {
        T::set_encoding(self, encoding);
    }
}

/// The server's output on its way to the terminal: decoded in the connection's encoding,
/// switching encodings at each SyncTERM font selection when `follow_fonts` (the selection
/// itself, which only SyncTERM understands, is left out), and made fit for an ANSI terminal
/// ([`display`]; `raw`: the terminal adds no CR to a LF).
///
/// A selection cut between two reads is still found: an unfinished `ESC [` at the end of a
/// read (at most 17 bytes) waits for the next. At a switch, a character the decoder holds
/// incomplete is shown in the encoding it began in (as U+FFFD), not decoded in the new one.
#[derive(Debug)]
pub struct OutputView {
    decoder: OutputDecoder,
    follow_fonts: bool,
    options: RetroOptions,
    raw: bool,
    /// The start of a font selection the last read cut.
    held: Vec<u8>,
}

impl OutputView {
    pub fn new(
        decoder: OutputDecoder,
        follow_fonts: bool,
        options: RetroOptions,
        raw: bool,
    ) -> OutputView {
        OutputView {
            decoder,
            follow_fonts,
            options,
            raw,
            held: Vec::new(),
        }
    }

    /// Appends to `text` what the server's `data` shows as. Under `--encoding-errors strict`
    /// the first decoding error comes back once all is shown.
    pub fn show(
        &mut self,
        conn: &impl EncodingCell,
        data: &[u8],
        text: &mut Vec<u8>,
    ) -> Result<(), ironboa::Error> {
        let mut data = std::borrow::Cow::Borrowed(data);
        if !self.held.is_empty() {
            let mut joined = std::mem::take(&mut self.held);
            joined.extend_from_slice(&data);
            data = std::borrow::Cow::Owned(joined);
        }
        let (switches, complete) = if self.follow_fonts {
            let switches = font_switches(&data);
            let after = switches.last().map_or(0, |&(_, end, _)| end);
            let complete =
                unfinished_font_switch(&data[after..]).map_or(data.len(), |at| after + at);
            (switches, complete)
        } else {
            (Vec::new(), data.len())
        };
        self.held = data[complete..].to_vec();
        let mut result = Ok(());
        let mut start = 0;
        for (begin, end, encoding) in switches {
            self.show_piece(conn, &data[start..begin], true, text, &mut result);
            log::debug!("SyncTERM font selection: encoding {encoding}");
            conn.set_encoding(encoding);
            start = end;
        }
        self.show_piece(conn, &data[start..complete], false, text, &mut result);
        result
    }

    /// The end of the stream: what is still held (a cut selection, an incomplete character)
    /// is shown, an incomplete character as U+FFFD.
    pub fn finish(&mut self, conn: &impl EncodingCell, text: &mut Vec<u8>) {
        let held = std::mem::take(&mut self.held);
        let mut result = Ok(());
        self.show_piece(conn, &held, true, text, &mut result);
    }

    /// Decodes `piece` in the connection's encoding now; with `flush`, a character left
    /// incomplete at its end is shown too (the encoding changes, or the stream ends).
    fn show_piece(
        &mut self,
        conn: &impl EncodingCell,
        piece: &[u8],
        flush: bool,
        text: &mut Vec<u8>,
        result: &mut Result<(), ironboa::Error>,
    ) {
        let encoding = conn.encoding();
        self.decoder.set_encoding(encoding);
        let mut shown = Vec::new();
        if let Err(error) = self.decoder.decode(piece, &mut shown) {
            if let ironboa::Error::Decode { bytes, .. } = &error {
                shown.extend_from_slice(encoding.decode(bytes).as_bytes());
            }
            if result.is_ok() {
                *result = Err(error);
            }
        }
        if flush {
            self.decoder.finish(&mut shown);
        }
        display(encoding, self.options, self.raw, &mut shown);
        text.extend_from_slice(&shown);
    }
}

fn memchr_csi(data: &[u8]) -> Option<usize> {
    data.windows(2).position(|w| w == b"\x1b[")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(name: &str) -> Encoding {
        Encoding::from_name(name).unwrap()
    }

    #[test]
    fn keys_map_to_the_sets_bytes() {
        let options = RetroOptions::default();
        let mut keys = RetroKeys::default();
        let atascii = enc("atascii");
        assert_eq!(
            keys.translate(b"\x1b[A\x1b[B\x1b[D\x1b[CHi\x7f\r", atascii, options),
            b"\x1c\x1d\x1e\x1fHi\x7e\x9b"
        );
        let petscii = enc("petscii");
        assert_eq!(
            keys.translate(b"\x1bOA\x1b[3~\x1b[HHi\r", petscii, options),
            b"\x91\x14\x13\xc8\x49\r"
        );
        // A sequence cut between reads.
        assert_eq!(keys.translate(b"\x1b[", petscii, options), b"");
        assert_eq!(keys.translate(b"D", petscii, options), b"\x9d");
        // UTF-8 cut between reads, then sent in the set.
        assert_eq!(keys.translate(b"\xc2", petscii, options), b"");
        assert_eq!(keys.translate(b"\xa3", petscii, options), b"\x5c"); // £
        let ansi = RetroOptions {
            ansi_keys: true,
            ascii_eol: true,
        };
        assert_eq!(
            keys.translate(b"\x1b[A\r", atascii, ansi),
            b"\x1b[A\r",
            "--ansi-keys and --ascii-eol"
        );
        assert_eq!(keys.translate(b"\x1b[A", enc("atarist"), options), b"\x1bA");
    }

    #[test]
    fn output_for_an_ansi_terminal() {
        let mut text = "\u{1c}red\r".as_bytes().to_vec();
        display(enc("petscii"), RetroOptions::default(), true, &mut text);
        assert_eq!(text, b"\x1b[38;2;104;55;43mred\r\n");
        let mut text = "a\u{1fb82}◣b\n".as_bytes().to_vec();
        let eol = RetroOptions {
            ascii_eol: true,
            ..RetroOptions::default()
        };
        display(enc("atascii"), eol, true, &mut text);
        assert_eq!(text, b"a\r\nb\r\n");
    }

    /// What `reads` show as, one after another, from `start`: the text and the encoding
    /// in the end.
    fn shown(start: &str, follow_fonts: bool, reads: &[&[u8]]) -> (String, Encoding) {
        let cell = std::cell::Cell::new(enc(start));
        let decoder = OutputDecoder::new(cell.get(), ironboa::EncodingErrors::Replace);
        let mut view = OutputView::new(decoder, follow_fonts, RetroOptions::default(), false);
        let mut text = Vec::new();
        for read in reads {
            view.show(&cell, read, &mut text).unwrap();
        }
        view.finish(&cell, &mut text);
        (String::from_utf8(text).unwrap(), cell.get())
    }

    impl EncodingCell for std::cell::Cell<Encoding> {
        fn encoding(&self) -> Encoding {
            self.get()
        }

        fn set_encoding(&self, encoding: Encoding) {
            self.set(encoding);
        }
    }

    #[test]
    fn a_font_selection_cut_between_reads_still_switches() {
        let cases: &[(&str, &[u8], &str, &str)] = &[
            // ATASCII's 0x00 and 0x10 are ♥ and ♣.
            ("utf-8", b"ab\x1b[0;36 D\x00\x10", "ab♥♣", "atascii"),
            // A UTF-8 character cut by the selection shows as U+FFFD, not as cp437's ├
            // (0xc3); what follows is cp437's.
            ("utf-8", b"x\xc3\x1b[0;0 D\xc9\xcd", "x\u{fffd}╔═", "cp437"),
            // Other sequences, and a selection of a font not followed, pass as they are.
            (
                "utf-8",
                b"\x1b[2J\x1b[1;99 Dend\x1b",
                "\x1b[2J\x1b[1;99 Dend\x1b",
                "utf-8",
            ),
        ];
        for &(start, data, text, end) in cases {
            assert_eq!(shown(start, true, &[data]), (text.to_owned(), enc(end)));
            for cut in 0..=data.len() {
                let (first, second) = data.split_at(cut);
                assert_eq!(
                    shown(start, true, &[first, second]),
                    (text.to_owned(), enc(end)),
                    "cut at {cut}"
                );
                // And every byte a read of its own.
                let bytes: Vec<&[u8]> = data.chunks(1).collect();
                assert_eq!(shown(start, true, &bytes), (text.to_owned(), enc(end)));
            }
        }
        // Fonts not followed (`--encoding` given): the selection is shown and nothing is held.
        assert_eq!(
            shown("utf-8", false, &[b"ab\x1b[0;3", b"6 D!"]),
            ("ab\x1b[0;36 D!".to_owned(), enc("utf-8"))
        );
    }

    #[test]
    fn unfinished_selections_are_held_and_bounded() {
        assert_eq!(unfinished_font_switch(b"ab\x1b"), Some(2));
        assert_eq!(unfinished_font_switch(b"ab\x1b["), Some(2));
        assert_eq!(unfinished_font_switch(b"ab\x1b[0;36 "), Some(2));
        assert_eq!(unfinished_font_switch(b"ab\x1b[0;36 D"), None);
        assert_eq!(unfinished_font_switch(b"ab\x1b[2"), Some(2));
        assert_eq!(unfinished_font_switch(b"ab\x1b[2J"), None);
        assert_eq!(unfinished_font_switch(b"ab\x1bP"), None);
        // The longest selection looked for, less its `D`, is held; a byte more is not.
        let longest = b"\x1b[0;0;0;0;0;0;36 ";
        assert_eq!(longest.len(), 17);
        assert_eq!(unfinished_font_switch(longest), Some(0));
        assert_eq!(unfinished_font_switch(b"\x1b[00;0;0;0;0;0;36 "), None);
        assert_eq!(
            font_switches(b"\x1b[0;0;0;0;0;0;36 D"),
            [(0, 18, enc("atascii"))]
        );
    }

    #[test]
    fn syncterm_fonts() {
        let found = font_switches(b"ab\x1b[0;32 Dcd\x1b[0;36 D\x1b[0 D\x1b[1;99 D\x1b[2J");
        assert_eq!(
            found,
            [
                (2, 10, enc("petscii")),
                (12, 20, enc("atascii")),
                (20, 25, enc("cp437"))
            ]
        );
    }
}
