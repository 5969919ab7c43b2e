//! Turning received bytes into lines: line ends, the character-mode editor, the length bound.
//!
//! `\r\n`, `\r\0`, `\n` and a lone `\r` each end a line, as telnetlib3's readline treats them. A
//! lone CR ends the line at once (no waiting for the next packet); a LF or NUL that then
//! arrives is swallowed, so a CR LF split across two packets is still one line end.

use super::buffer::InputBuffer;
use crate::encoding::Encoding;

/// What reading a line from the buffered input gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LineResult {
    /// A complete line, without its ending.
    Line(Vec<u8>),
    /// No line end yet; more input is needed.
    Incomplete,
    /// The line grew past the limit; it has been dropped up to its end.
    TooLong,
}

/// The bytes that end and edit a line: ASCII's, or a retro character set's (ATASCII ends a
/// line with 0x9b and erases with 0x7e, PETSCII erases with 0x14), whose other bytes are
/// characters (ATASCII's 0x7f is a tab arrow, PETSCII's a graphic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineKeys {
    /// A line end besides CR and LF.
    eol: Option<u8>,
    /// Erase the character before.
    erase: [u8; 2],
    /// Erase the whole line.
    kill: Option<u8>,
    /// The erase key is echoed as it is (the peer's screen editor knows it).
    retro: bool,
    /// The encoding typed text is in, which says how many bytes a character is.
    encoding: Encoding,
}

impl Default for LineKeys {
    fn default() -> Self {
        LineKeys {
            eol: None,
            erase: [BS, DEL],
            kill: Some(CTRL_U),
            retro: false,
            encoding: Encoding::Utf8,
        }
    }
}

impl LineKeys {
    /// The keys of `encoding`'s computers.
    pub(crate) fn of(encoding: Encoding) -> LineKeys {
        use crate::encoding::Retro;
        match encoding.retro() {
            None | Some(Retro::AtariSt) => LineKeys {
                encoding,
                ..LineKeys::default()
            },
            Some(Retro::Atascii) => LineKeys {
                eol: Some(0x9b),
                erase: [0x7e, 0x7e],
                kill: Some(0x9c),
                retro: true,
                encoding,
            },
            Some(Retro::Petscii) => LineKeys {
                eol: None,
                erase: [0x14, 0x14],
                kill: None,
                retro: true,
                encoding,
            },
        }
    }

    fn is_erase(&self, byte: u8) -> bool {
        self.erase.contains(&byte)
    }
}

/// Line-reading state that survives between calls (and across timeouts: nothing is lost).
#[derive(Debug, Default)]
pub(crate) struct LineReader {
    /// The keys of the connection's encoding now.
    pub(crate) keys: LineKeys,
    /// The last line ended with a lone CR: drop a LF or NUL that comes next.
    skip_lf: bool,
    /// A line went over the limit: drop input up to the next line end.
    discarding: bool,
    /// Character mode: the line being edited (already echoed).
    edit: Vec<u8>,
}

const CR: u8 = b'\r';
const LF: u8 = b'\n';
const NUL: u8 = 0;
const BS: u8 = 0x08;
const DEL: u8 = 0x7f;
const CTRL_U: u8 = 0x15;

impl LineReader {
    /// Line mode: takes the next line out of `input` (consumed bytes are drained from it).
    /// With `edit`, the editing keys in it are applied (see [`apply_erasures`]).
    pub(crate) fn take_line(
        &mut self,
        input: &mut InputBuffer,
        max_len: usize,
        edit: bool,
    ) -> LineResult {
        loop {
            if self.skip_lf {
                match input.as_slice().first() {
                    Some(&LF) | Some(&NUL) => {
                        input.consume(1);
                        self.skip_lf = false;
                    }
                    Some(_) => self.skip_lf = false,
                    None => return LineResult::Incomplete,
                }
            }
            let found = match self.keys.eol {
                Some(eol) => memchr::memchr3(CR, LF, eol, input.as_slice()),
                None => memchr::memchr2(CR, LF, input.as_slice()),
            };
            let Some(end) = found else {
                if input.len() > max_len {
                    input.consume(input.len());
                    if self.discarding {
                        return LineResult::Incomplete;
                    }
                    self.discarding = true;
                    return LineResult::TooLong;
                }
                return LineResult::Incomplete;
            };
            let bytes = input.as_slice();
            let ending = if bytes[end] == CR {
                match bytes.get(end + 1) {
                    Some(&LF) | Some(&NUL) => 2,
                    Some(_) => 1,
                    None => {
                        self.skip_lf = true;
                        1
                    }
                }
            } else {
                1
            };
            let mut line = input.take(end);
            input.consume(ending);
            if self.discarding {
                self.discarding = false;
                continue;
            }
            if line.len() > max_len {
                return LineResult::TooLong;
            }
            if edit {
                apply_erasures(&mut line, &self.keys);
            }
            return LineResult::Line(line);
        }
    }

    /// Character mode: edits a line from `input`, appending what must be echoed to `echo`.
    /// Backspace and DEL erase one character (one byte in a single-byte code page, a whole
    /// UTF-8 or Shift_JIS sequence), Ctrl-U the whole line.
    pub(crate) fn edit_line(
        &mut self,
        input: &mut InputBuffer,
        echo: &mut Vec<u8>,
        max_len: usize,
    ) -> LineResult {
        let mut consumed = 0;
        let mut result = LineResult::Incomplete;
        for &byte in input.as_slice() {
            consumed += 1;
            if self.skip_lf {
                self.skip_lf = false;
                if byte == LF || byte == NUL {
                    continue;
                }
            }
            let keys = self.keys;
            match byte {
                CR | LF => {
                    self.skip_lf = byte == CR;
                    echo.extend_from_slice(b"\r\n");
                    let line = std::mem::take(&mut self.edit);
                    if self.discarding {
                        self.discarding = false;
                        continue;
                    }
                    result = LineResult::Line(line);
                    break;
                }
                _ if Some(byte) == keys.eol => {
                    echo.push(byte);
                    let line = std::mem::take(&mut self.edit);
                    if self.discarding {
                        self.discarding = false;
                        continue;
                    }
                    result = LineResult::Line(line);
                    break;
                }
                _ if keys.is_erase(byte) => {
                    if let Some(last_start) = keys.encoding.last_char_start(&self.edit) {
                        self.edit.truncate(last_start);
                        if keys.retro {
                            echo.push(byte);
                        } else {
                            echo.extend_from_slice(b"\x08 \x08");
                        }
                    }
                }
                _ if Some(byte) == keys.kill => {
                    for _ in 0..keys.encoding.char_count(&self.edit) {
                        match keys.retro {
                            true => echo.push(keys.erase[0]),
                            false => echo.extend_from_slice(b"\x08 \x08"),
                        }
                    }
                    self.edit.clear();
                }
                NUL => {}
                _ if self.discarding => {}
                _ => {
                    if self.edit.len() >= max_len {
                        self.edit.clear();
                        self.discarding = true;
                        result = LineResult::TooLong;
                        break;
                    }
                    self.edit.push(byte);
                    if byte >= 0x20 || byte == b'\t' || keys.retro {
                        echo.push(byte);
                    }
                }
            }
        }
        input.consume(consumed);
        result
    }

    /// Takes the partial line being edited (character mode), leaving none.
    pub(crate) fn take_partial(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.edit)
    }

    /// Whether a partial line is held (character mode).
    pub(crate) fn has_partial(&self) -> bool {
        !self.edit.is_empty()
    }

    /// IAC EC with nothing unread before it: erases the last character (in `encoding`) of the
    /// line being edited.
    pub(crate) fn erase_edited_character(&mut self, encoding: Encoding) {
        if let Some(start) = encoding.last_char_start(&self.edit) {
            self.edit.truncate(start);
        }
    }

    /// IAC EL: drops the line being edited.
    pub(crate) fn erase_edited_line(&mut self) {
        self.edit.clear();
    }
}

/// Line mode: a client that sends keys as they are typed (telnetlib3's client, libtelnet's
/// telnet-client) sends the editing keys too. Backspace and DEL erase the character before
/// them (a whole character in the connection's encoding), Ctrl-U everything before it, as a terminal's line editor
/// does; a line typed into a client that edits locally has none of them.
fn apply_erasures(line: &mut Vec<u8>, keys: &LineKeys) {
    if !line
        .iter()
        .any(|&b| keys.is_erase(b) || Some(b) == keys.kill)
    {
        return;
    }
    let mut edited = Vec::with_capacity(line.len());
    for &byte in line.iter() {
        match byte {
            _ if keys.is_erase(byte) => {
                if let Some(start) = keys.encoding.last_char_start(&edited) {
                    edited.truncate(start);
                }
            }
            _ if Some(byte) == keys.kill => edited.clear(),
            _ => edited.push(byte),
        }
    }
    *line = edited;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(bytes: &[u8]) -> InputBuffer {
        let mut buffer = InputBuffer::default();
        buffer.tail().extend_from_slice(bytes);
        buffer
    }

    fn lines(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut reader = LineReader::default();
        let mut input = InputBuffer::default();
        let mut out = Vec::new();
        for chunk in chunks {
            input.tail().extend_from_slice(chunk);
            while let LineResult::Line(line) = reader.take_line(&mut input, 100, true) {
                out.push(line);
            }
        }
        out
    }

    #[test]
    fn retro_line_ends_and_erase_keys() {
        let atascii = crate::encoding::Encoding::from_name("atascii").unwrap();
        let mut reader = LineReader {
            keys: LineKeys::of(atascii),
            ..LineReader::default()
        };
        // 0x9b ends the line; 0x7e erases; 0x7f (a tab arrow) and 0x08 (a graphic) are data.
        let mut input = buffer(b"ab\x7ec\x7f\x08\x9bnext");
        assert_eq!(
            reader.take_line(&mut input, 100, true),
            LineResult::Line(b"ac\x7f\x08".to_vec())
        );
        assert_eq!(input.as_slice(), b"next");
        let petscii = crate::encoding::Encoding::from_name("petscii").unwrap();
        let mut reader = LineReader {
            keys: LineKeys::of(petscii),
            ..LineReader::default()
        };
        let mut input = buffer(b"\xc1b\x14\x7f\r");
        assert_eq!(
            reader.take_line(&mut input, 100, true),
            LineResult::Line(b"\xc1\x7f".to_vec())
        );
    }

    #[test]
    fn every_line_end_counts_once() {
        let expected: Vec<Vec<u8>> = vec![
            b"a".to_vec(),
            b"b".to_vec(),
            b"c".to_vec(),
            b"d".to_vec(),
            b"".to_vec(),
        ];
        assert_eq!(lines(&[b"a\r\nb\r\0c\nd\r\r\n"]), expected);
        // CR LF split across packets.
        assert_eq!(
            lines(&[b"a\r", b"\nb\r", b"\0c\n"]),
            [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
        );
        // A lone CR at the end of input is a line end right away.
        assert_eq!(lines(&[b"x\r"]), [b"x".to_vec()]);
    }

    #[test]
    fn line_mode_applies_the_editing_keys_a_client_sent() {
        // telnetlib3's client: `abc` BS BS `X` Enter, one key at a time.
        assert_eq!(lines(&[b"a", b"bc\x7f\x7f", b"X\r"]), [b"aX".to_vec()]);
        assert_eq!(
            lines(&[b"caf\xc3\xa9\x08e\r\n\x7fok\r\nno\x15yes\n"]),
            [b"cafe".to_vec(), b"ok".to_vec(), b"yes".to_vec()]
        );
    }

    #[test]
    fn line_mode_erases_a_character_of_the_connections_encoding() {
        let erased = |name: &str, typed: &[u8]| {
            let mut reader = LineReader {
                keys: LineKeys::of(crate::encoding::Encoding::from_name(name).unwrap()),
                ..LineReader::default()
            };
            match reader.take_line(&mut buffer(typed), 100, true) {
                LineResult::Line(line) => line,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(erased("latin-1", b"12\xb0\x08C\r"), b"12C");
        #[cfg(feature = "encodings")]
        {
            assert_eq!(erased("cp866", b"\xa4\xa0\x08\xab\r"), b"\xa4\xab");
            assert_eq!(erased("cp437", b"caf\x82\x82\x7f\r"), b"caf\x82");
            assert_eq!(
                erased("shift_jis", b"\x93\xfa\x96\x7b\x08\x8c\xea\r"),
                b"\x93\xfa\x8c\xea"
            );
        }
        assert_eq!(erased("utf-8", b"caf\xc3\xa9\x08e\r"), b"cafe");
    }

    #[test]
    fn too_long_lines_are_reported_once_and_skipped() {
        let mut reader = LineReader::default();
        let mut input = buffer(&[b'x'; 150]);
        assert_eq!(reader.take_line(&mut input, 100, true), LineResult::TooLong);
        assert!(input.is_empty());
        input.tail().extend_from_slice(&[b'x'; 150]);
        assert_eq!(
            reader.take_line(&mut input, 100, true),
            LineResult::Incomplete
        );
        input.tail().extend_from_slice(b"tail\r\nnext\r\n");
        assert_eq!(
            reader.take_line(&mut input, 100, true),
            LineResult::Line(b"next".to_vec())
        );
    }

    #[test]
    fn character_mode_editing_and_echo() {
        let mut reader = LineReader::default();
        let mut echo = Vec::new();
        let mut input = buffer(b"helo\x7f\x7flo w\xc3\xa9\x08rld\r\0next");
        assert_eq!(
            reader.edit_line(&mut input, &mut echo, 100),
            LineResult::Line(b"helo wrld".to_vec())
        );
        assert_eq!(echo, b"helo\x08 \x08\x08 \x08lo w\xc3\xa9\x08 \x08rld\r\n");
        assert_eq!(input.as_slice(), b"\0next");
        echo.clear();
        assert_eq!(
            reader.edit_line(&mut input, &mut echo, 100),
            LineResult::Incomplete
        );
        assert_eq!(echo, b"next");
        assert!(reader.has_partial());
        echo.clear();
        input.tail().extend_from_slice(b"\x15ok\n");
        assert_eq!(
            reader.edit_line(&mut input, &mut echo, 100),
            LineResult::Line(b"ok".to_vec())
        );
        assert_eq!(echo, b"\x08 \x08\x08 \x08\x08 \x08\x08 \x08ok\r\n");
    }
}
