//! Text between the connection's encoding and the user's (UTF-8) terminal or pipe, both ways.
//!
//! Output: what the server sends is decoded as it arrives, in the connection's encoding at the
//! time (CHARSET may change it during the session). A multi-byte character cut between two
//! reads is held back until the rest comes; bytes that do not decode become U+FFFD (or are left
//! out, under `--encoding-errors ignore`); and at the end of the stream whatever is still held
//! back is printed as U+FFFD, never dropped.
//!
//! Input: what the user types (UTF-8) goes out in the connection's encoding: under latin-1, é is
//! the byte 0xe9, under cp437 ╔ is 0xc9, and a character the encoding lacks is `?`. Bytes that
//! are not UTF-8 (a terminal in another encoding) go out unchanged.

use ironboa::{Encoding, EncodingErrors};

/// Decodes the server's bytes for a UTF-8 terminal, keeping an incomplete character for the
/// next call.
#[derive(Debug)]
pub struct OutputDecoder {
    encoding: Encoding,
    errors: EncodingErrors,
    held: Vec<u8>,
}

impl OutputDecoder {
    pub fn new(encoding: Encoding, errors: EncodingErrors) -> OutputDecoder {
        OutputDecoder {
            encoding,
            errors,
            held: Vec::new(),
        }
    }

    /// Decodes what follows in `encoding` (the connection's, which may have changed).
    pub fn set_encoding(&mut self, encoding: Encoding) {
        self.encoding = encoding;
    }

    /// Appends to `out` what `data` (following everything fed before) shows as. Under
    /// `strict`, bytes that do not decode fail the call with `Error::Decode`, which carries
    /// them; what came before them is in `out`.
    pub fn decode(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), ironboa::Error> {
        if self.encoding == Encoding::Bytes {
            out.extend_from_slice(&self.held);
            self.held.clear();
            out.extend_from_slice(data);
            return Ok(());
        }
        self.held.extend_from_slice(data);
        let end = self.encoding.complete_prefix(&self.held);
        let complete: Vec<u8> = self.held.drain(..end).collect();
        let text = self.encoding.decode_with(&complete, self.errors)?;
        out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    /// The end of the stream: what is still held back, as U+FFFD.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.held.is_empty() {
            let text = self.encoding.decode(&self.held);
            out.extend_from_slice(text.as_bytes());
            self.held.clear();
        }
    }
}

/// One unit of typed input: a character, or a byte that is not part of any UTF-8 character.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    Char(char),
    Invalid(u8),
}

impl Unit {
    /// Appends the unit in the connection's encoding (a character it lacks as `?`). Under
    /// `bytes`, characters go out as the terminal typed them (UTF-8).
    pub fn encode(self, encoding: Encoding, out: &mut Vec<u8>) {
        match self {
            Unit::Invalid(byte) => out.push(byte),
            Unit::Char(c) => {
                let mut buf = [0u8; 4];
                let text = c.encode_utf8(&mut buf);
                match encoding {
                    Encoding::Bytes => out.extend_from_slice(text.as_bytes()),
                    encoding => encoding.encode_into(text, out),
                }
            }
        }
    }
}

/// Turns typed bytes into [`Unit`]s, holding an incomplete UTF-8 character until its last byte.
#[derive(Debug, Default)]
pub struct KeyDecoder {
    held: Vec<u8>,
}

impl KeyDecoder {
    /// Feeds one byte; appends the units it completes.
    pub fn push(&mut self, byte: u8, out: &mut Vec<Unit>) {
        if self.held.is_empty() && byte < 0x80 {
            out.push(Unit::Char(char::from(byte)));
            return;
        }
        self.held.push(byte);
        while !self.held.is_empty() {
            match std::str::from_utf8(&self.held) {
                Ok(text) => {
                    out.extend(text.chars().map(Unit::Char));
                    self.held.clear();
                }
                Err(error) if error.valid_up_to() > 0 => {
                    let valid = error.valid_up_to();
                    let text = std::str::from_utf8(&self.held[..valid]).unwrap_or_default();
                    out.extend(text.chars().map(Unit::Char));
                    self.held.drain(..valid);
                }
                Err(error) if error.error_len().is_none() => break, // wait for the rest
                Err(_) => {
                    out.push(Unit::Invalid(self.held.remove(0)));
                }
            }
        }
    }

    /// Gives up on a held incomplete character (another key came first).
    pub fn flush(&mut self, out: &mut Vec<Unit>) {
        out.extend(self.held.drain(..).map(Unit::Invalid));
    }
}

/// Typed or piped text (UTF-8) in the connection's encoding.
pub fn encode_input(encoding: Encoding, bytes: &[u8]) -> Vec<u8> {
    if matches!(encoding, Encoding::Utf8 | Encoding::Bytes) {
        return bytes.to_vec();
    }
    let mut decoder = KeyDecoder::default();
    let mut units = Vec::new();
    for &byte in bytes {
        decoder.push(byte, &mut units);
    }
    decoder.flush(&mut units);
    let mut out = Vec::with_capacity(bytes.len());
    for unit in units {
        unit.encode(encoding, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(encoding: Encoding, pieces: &[&[u8]]) -> String {
        let mut decoder = OutputDecoder::new(encoding, EncodingErrors::Replace);
        let mut out = Vec::new();
        for piece in pieces {
            decoder.decode(piece, &mut out).unwrap();
        }
        decoder.finish(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_character_split_between_reads_is_whole() {
        assert_eq!(decode_all(Encoding::Utf8, &[b"caf\xc3", b"\xa9!"]), "café!");
        assert_eq!(
            decode_all(Encoding::Utf8, &[b"\xe2", b"\x82", b"\xac"]),
            "€"
        );
    }

    #[test]
    fn an_incomplete_tail_at_the_end_is_replaced_not_dropped() {
        assert_eq!(decode_all(Encoding::Utf8, &[b"caf\xe9"]), "caf\u{fffd}");
        assert_eq!(decode_all(Encoding::Utf8, &[b"ab\xe2\x82"]), "ab\u{fffd}");
        assert_eq!(
            decode_all(Encoding::Utf8, &[b"a\xffb\xc3"]),
            "a\u{fffd}b\u{fffd}"
        );
    }

    #[test]
    fn latin1_and_bytes() {
        assert_eq!(decode_all(Encoding::Latin1, &[b"caf\xe9"]), "café");
        let mut decoder = OutputDecoder::new(Encoding::Bytes, EncodingErrors::Replace);
        let mut out = Vec::new();
        decoder.decode(b"\xe9\xff", &mut out).unwrap();
        decoder.finish(&mut out);
        assert_eq!(out, b"\xe9\xff");
    }

    #[test]
    fn code_pages_and_a_switch_mid_stream() {
        let cp437 = Encoding::from_name("cp437").unwrap();
        assert_eq!(decode_all(cp437, &[b"\xc9\xcd", b"\xbb"]), "╔═╗");
        let sjis = Encoding::from_name("shift_jis").unwrap();
        assert_eq!(decode_all(sjis, &[b"\x82", b"\xa0!"]), "あ!");
        let mut decoder = OutputDecoder::new(Encoding::Utf8, EncodingErrors::Strict);
        let mut out = Vec::new();
        decoder.decode(b"ok ", &mut out).unwrap();
        decoder.set_encoding(cp437);
        decoder.decode(b"\xc9", &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "ok ╔");
        decoder.set_encoding(Encoding::Utf8);
        assert!(matches!(
            decoder.decode(b"\xc9!", &mut Vec::new()),
            Err(ironboa::Error::Decode { .. })
        ));
        assert_eq!(
            encode_input(cp437, "╔═╗ é".as_bytes()),
            b"\xc9\xcd\xbb \x82"
        );
    }

    #[test]
    fn keystrokes_in_the_connection_encoding() {
        assert_eq!(
            encode_input(Encoding::Latin1, "café €".as_bytes()),
            b"caf\xe9 ?"
        );
        assert_eq!(encode_input(Encoding::Latin1, b"\xe9"), b"\xe9"); // not UTF-8: as typed
        assert_eq!(encode_input(Encoding::Utf8, "é".as_bytes()), "é".as_bytes());
        assert_eq!(
            encode_input(Encoding::Bytes, "é".as_bytes()),
            "é".as_bytes()
        );
    }

    #[test]
    fn key_decoder_waits_for_the_last_byte() {
        let mut decoder = KeyDecoder::default();
        let mut units = Vec::new();
        decoder.push(0xc3, &mut units);
        assert!(units.is_empty());
        decoder.push(0xa9, &mut units);
        assert_eq!(units, [Unit::Char('é')]);
        units.clear();
        decoder.push(0xc3, &mut units);
        decoder.push(b'a', &mut units);
        assert_eq!(units, [Unit::Invalid(0xc3), Unit::Char('a')]);
    }
}
