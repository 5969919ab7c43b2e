//! Text encodings for the text-level calls (`readline`, `send`, `write_text`, ...), chosen by
//! name and changeable during a session.
//!
//! Without features, [`Encoding`] knows UTF-8, ISO-8859-1 (latin-1) and raw bytes. The
//! `encodings` feature (on with `cli`) adds every ASCII-compatible encoding of the WHATWG
//! Encoding Standard through encoding_rs (windows-1252, koi8-r, iso-8859-*, big5, gbk,
//! gb18030, shift_jis, euc-jp, euc-kr, ibm866, ...) and the DOS/OEM code pages it lacks through
//! oem_cp (cp437, cp850, cp852, cp865, ...), under their WHATWG labels and the names Python
//! gives them (`cp437`, `koi8_r`, `iso8859_5`, `latin_1`, ...), so a telnetlib3 or miniboa
//! user's `--encoding` names work unchanged.
//!
//! ```
//! use ironboa::{Encoding, EncodingErrors};
//!
//! let utf8 = Encoding::from_name("UTF8").unwrap();
//! assert_eq!(utf8, Encoding::Utf8);
//! // A character cut between two reads is held back, never decoded in halves.
//! assert_eq!(utf8.complete_prefix(b"caf\xc3"), 3);
//! assert_eq!(utf8.decode_with(b"a\xffb", EncodingErrors::Ignore).unwrap(), "ab");
//! assert!(utf8.decode_with(b"a\xffb", EncodingErrors::Strict).is_err());
//! ```
//!
//! The retro character sets ATASCII, PETSCII and the Atari ST's (`atascii`, `petscii`,
//! `atarist`, with telnetlib3's aliases) are written here and need no feature; see
//! [`Encoding::is_retro`] and [`petscii_to_ansi`].
//!
//! Stateful encodings and those that are not ASCII-compatible (UTF-16, ISO-2022-JP) are not
//! offered: Telnet's commands, CR LF and the line discipline all assume ASCII bytes stand for
//! themselves.

#[cfg(feature = "encodings")]
mod oem;
mod retro;
#[cfg(feature = "encodings")]
mod whatwg;

use crate::error::Error;
pub(crate) use retro::Retro;
pub use retro::{VIC_II_PALETTE, petscii_to_ansi};

/// How text is turned into bytes and back.
///
/// `Encoding` is a small `Copy` value: pick it by name with [`from_name`](Encoding::from_name)
/// (or `str::parse`), give it to `ServerConfig::encoding` or `ClientConfig::encoding`, and
/// change it during a session with `ServerConnection::set_encoding` or
/// `TelnetConnection::set_encoding`. Decoding never loses input: under the default
/// [`EncodingErrors::Replace`], bytes that are not valid become U+FFFD, and the byte-level calls
/// always see the raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Encoding {
    /// UTF-8 (the default).
    #[default]
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same value; characters above U+00FF are
    /// sent as `?`.
    Latin1,
    /// Raw bytes: text calls map bytes to code points as latin-1 does, so nothing is lost.
    Bytes,
    /// A code page by name (the `encodings` feature): see [`Codec`].
    Codec(Codec),
}

/// A code page beyond UTF-8 and latin-1, found by [`Encoding::from_name`] with the `encodings`
/// feature: one of encoding_rs's (WHATWG) encodings or one of oem_cp's DOS code pages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Codec(CodecKind);

#[derive(Clone, Copy, PartialEq, Eq)]
enum CodecKind {
    #[cfg(feature = "encodings")]
    Whatwg(&'static encoding_rs::Encoding),
    #[cfg(feature = "encodings")]
    Oem(&'static oem::OemPage),
    Retro(&'static retro::RetroTable),
}

impl Codec {
    /// The encoding's canonical name (`windows-1252`, `KOI8-R`, `cp437`, ...), as sent in CHARSET.
    pub fn name(self) -> &'static str {
        match self.0 {
            #[cfg(feature = "encodings")]
            CodecKind::Whatwg(encoding) => encoding.name(),
            #[cfg(feature = "encodings")]
            CodecKind::Oem(page) => page.name,
            CodecKind::Retro(table) => table.name,
        }
    }
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Codec({})", self.name())
    }
}

/// What the text calls do with bytes the encoding cannot decode (and characters it cannot
/// encode): telnetlib3's `--encoding-errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingErrors {
    /// Invalid bytes become U+FFFD; unencodable characters are sent as `?` (the default).
    #[default]
    Replace,
    /// Invalid bytes and unencodable characters are left out.
    Ignore,
    /// The call fails with [`Error::Decode`] (carrying every byte it took, so none is lost) or
    /// [`Error::Encode`] (and nothing is sent).
    Strict,
}

impl EncodingErrors {
    /// Parses `replace`, `ignore` or `strict` (case-insensitively).
    pub fn from_name(name: &str) -> Option<EncodingErrors> {
        match name.to_ascii_lowercase().as_str() {
            "replace" => Some(EncodingErrors::Replace),
            "ignore" => Some(EncodingErrors::Ignore),
            "strict" => Some(EncodingErrors::Strict),
            _ => None,
        }
    }
}

impl std::str::FromStr for EncodingErrors {
    type Err = Error;

    /// [`from_name`](EncodingErrors::from_name), failing with [`Error::InvalidArgument`].
    fn from_str(name: &str) -> Result<EncodingErrors, Error> {
        EncodingErrors::from_name(name).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "unknown encoding error handling {name:?} (replace, ignore, strict)"
            ))
        })
    }
}

/// One step of decoding: a run of good text, a character, or one malformed sequence.
enum Piece<'a> {
    Text(&'a str),
    Char(char),
    Malformed,
}

impl Encoding {
    /// Finds an encoding by name, case-insensitively, `_` and `-` alike: `utf-8`/`utf8`,
    /// `latin-1`/`latin1`/`iso-8859-1`/`l1`, `bytes`/`raw`/`binary`, and with the `encodings`
    /// feature every WHATWG label (`windows-1252`, `cp1251`, `koi8-r`, `shift_jis`, `big5`,
    /// `gbk`, `euc-kr`, `ibm866`, `iso-8859-5`, ...), Python's spellings of them (`iso8859_5`,
    /// `cp1252`, `shift_jis`, `euc_jp`) and the DOS code pages `cp437`, `cp720`, `cp737`,
    /// `cp775`, `cp850`, `cp852`, `cp855`, `cp857`, `cp858`, `cp860` to `cp866`, `cp869`
    /// (also as `ibm437`, `437`, `oem437`, `dos-437`).
    pub fn from_name(name: &str) -> Option<Encoding> {
        let raw = name.trim().to_ascii_lowercase();
        let lower = raw.replace('_', "-");
        match lower.as_str() {
            "utf-8" | "utf8" | "u8" | "utf" => return Some(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" | "iso-ir-100" | "8859"
            | "cp819" | "ibm819" => return Some(Encoding::Latin1),
            "bytes" | "raw" | "binary" => return Some(Encoding::Bytes),
            _ => {}
        }
        if let Some(table) = retro::find(&lower) {
            return Some(Encoding::Codec(Codec(CodecKind::Retro(table))));
        }
        Self::codec_from_name(&raw, &lower)
    }

    #[cfg(feature = "encodings")]
    fn codec_from_name(raw: &str, lower: &str) -> Option<Encoding> {
        if let Some(page) = oem::find(lower) {
            return Some(Encoding::Codec(Codec(CodecKind::Oem(page))));
        }
        let found = whatwg::find(raw).or_else(|| whatwg::find(lower))?;
        Some(if found == encoding_rs::UTF_8 {
            Encoding::Utf8
        } else {
            Encoding::Codec(Codec(CodecKind::Whatwg(found)))
        })
    }

    #[cfg(not(feature = "encodings"))]
    fn codec_from_name(_raw: &str, _lower: &str) -> Option<Encoding> {
        None
    }

    /// Every encoding this build knows: UTF-8, latin-1, bytes, and with the `encodings` feature
    /// the WHATWG and DOS code pages (each once, under its canonical name).
    pub fn all() -> Vec<Encoding> {
        #[cfg_attr(not(feature = "encodings"), allow(unused_mut))]
        let mut all = vec![Encoding::Utf8, Encoding::Latin1, Encoding::Bytes];
        all.extend(
            retro::ALL
                .iter()
                .map(|&table| Encoding::Codec(Codec(CodecKind::Retro(table)))),
        );
        #[cfg(feature = "encodings")]
        {
            all.extend(
                whatwg::ALL
                    .iter()
                    .map(|&e| Encoding::Codec(Codec(CodecKind::Whatwg(e)))),
            );
            all.extend(
                oem::PAGES
                    .iter()
                    .map(|page| Encoding::Codec(Codec(CodecKind::Oem(page)))),
            );
        }
        all
    }

    /// The name used in CHARSET negotiation and `get_extra_info("charset")`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Latin1 => "ISO-8859-1",
            Encoding::Bytes => "bytes",
            Encoding::Codec(codec) => codec.name(),
        }
    }

    /// Whether every byte is one character (so no character is ever cut between reads).
    pub fn is_single_byte(self) -> bool {
        match self {
            Encoding::Utf8 => false,
            Encoding::Latin1 | Encoding::Bytes => true,
            Encoding::Codec(codec) => match codec.0 {
                #[cfg(feature = "encodings")]
                CodecKind::Whatwg(encoding) => whatwg::is_single_byte(encoding),
                #[cfg(feature = "encodings")]
                CodecKind::Oem(_) => true,
                CodecKind::Retro(_) => true,
            },
        }
    }

    /// Whether this is one of the retro character sets (ATASCII, PETSCII, Atari ST), whose
    /// bytes mean nothing as ASCII text: selecting one turns on force-binary in the tools, as
    /// telnetlib3 does, and its client maps keys to the set's own bytes.
    pub fn is_retro(self) -> bool {
        self.retro().is_some()
    }

    pub(crate) fn retro(self) -> Option<retro::Retro> {
        match self {
            Encoding::Codec(Codec(CodecKind::Retro(table))) => Some(table.kind),
            _ => None,
        }
    }

    /// Decodes a complete piece of text, invalid bytes as U+FFFD.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self.decode_with(bytes, EncodingErrors::Replace) {
            Ok(text) => text,
            Err(_) => String::from_utf8_lossy(bytes).into_owned(), // never: Replace cannot fail
        }
    }

    /// Decodes a complete piece of text with the given handling of invalid bytes. Under
    /// [`EncodingErrors::Strict`] the error is [`Error::Decode`], which carries `bytes` whole.
    pub fn decode_with(self, bytes: &[u8], errors: EncodingErrors) -> Result<String, Error> {
        let mut out = String::with_capacity(bytes.len());
        let mut failed = false;
        self.pieces(bytes, |piece| {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Char(c) => out.push(c),
                Piece::Malformed => match errors {
                    EncodingErrors::Replace => out.push('\u{fffd}'),
                    EncodingErrors::Ignore => {}
                    EncodingErrors::Strict => {
                        failed = true;
                        return false;
                    }
                },
            }
            true
        });
        match failed {
            false => Ok(out),
            true => Err(Error::Decode {
                encoding: self.name().to_owned(),
                position: self.first_invalid(bytes),
                bytes: bytes.to_vec(),
            }),
        }
    }

    /// The offset of the first byte that does not decode (`bytes.len()` if all do).
    fn first_invalid(self, bytes: &[u8]) -> usize {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes)
                .err()
                .map_or(bytes.len(), |e| e.valid_up_to()),
            Encoding::Latin1 | Encoding::Bytes => bytes.len(),
            Encoding::Codec(codec) => match codec.0 {
                #[cfg(feature = "encodings")]
                CodecKind::Whatwg(encoding) => whatwg::first_invalid(encoding, bytes),
                #[cfg(feature = "encodings")]
                CodecKind::Oem(page) => page.first_invalid(bytes),
                CodecKind::Retro(_) => bytes.len(),
            },
        }
    }

    /// Walks `bytes` as pieces; `each` returns `false` to stop.
    fn pieces(self, bytes: &[u8], mut each: impl FnMut(Piece<'_>) -> bool) {
        match self {
            Encoding::Utf8 => {
                for chunk in bytes.utf8_chunks() {
                    if !chunk.valid().is_empty() && !each(Piece::Text(chunk.valid())) {
                        return;
                    }
                    if !chunk.invalid().is_empty() && !each(Piece::Malformed) {
                        return;
                    }
                }
            }
            Encoding::Latin1 | Encoding::Bytes => {
                for &byte in bytes {
                    if !each(Piece::Char(char::from(byte))) {
                        return;
                    }
                }
            }
            Encoding::Codec(codec) => match codec.0 {
                #[cfg(feature = "encodings")]
                CodecKind::Whatwg(encoding) => whatwg::pieces(encoding, bytes, each),
                #[cfg(feature = "encodings")]
                CodecKind::Oem(page) => {
                    for &byte in bytes {
                        let piece = match page.decode(byte) {
                            Some(c) => Piece::Char(c),
                            None => Piece::Malformed,
                        };
                        if !each(piece) {
                            return;
                        }
                    }
                }
                CodecKind::Retro(table) => {
                    for &byte in bytes {
                        if !each(Piece::Char(table.decode(byte))) {
                            return;
                        }
                    }
                }
            },
        }
    }

    /// Appends the encoding of `text` to `out`; characters the encoding lacks are sent as `?`.
    pub fn encode_into(self, text: &str, out: &mut Vec<u8>) {
        // Replace never fails.
        let _ = self.encode_with(text, EncodingErrors::Replace, out);
    }

    /// Appends the encoding of `text` to `out` with the given handling of characters the
    /// encoding lacks (`?`, left out, or [`Error::Encode`] with `out` as it was).
    pub fn encode_with(
        self,
        text: &str,
        errors: EncodingErrors,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let start = out.len();
        #[cfg_attr(not(feature = "encodings"), allow(unused_mut))]
        let mut missing = |c: char, out: &mut Vec<u8>| -> Result<(), Error> {
            match errors {
                EncodingErrors::Replace => {
                    out.push(b'?');
                    Ok(())
                }
                EncodingErrors::Ignore => Ok(()),
                EncodingErrors::Strict => Err(Error::Encode {
                    encoding: self.name().to_owned(),
                    character: c,
                }),
            }
        };
        let result = match self {
            Encoding::Utf8 => {
                out.extend_from_slice(text.as_bytes());
                Ok(())
            }
            Encoding::Latin1 | Encoding::Bytes => {
                text.chars()
                    .try_for_each(|c| match u8::try_from(u32::from(c)) {
                        Ok(byte) => {
                            out.push(byte);
                            Ok(())
                        }
                        Err(_) => missing(c, out),
                    })
            }
            Encoding::Codec(codec) => match codec.0 {
                #[cfg(feature = "encodings")]
                CodecKind::Whatwg(encoding) => whatwg::encode(encoding, text, out, &mut missing),
                #[cfg(feature = "encodings")]
                CodecKind::Oem(page) => text.chars().try_for_each(|c| match page.encode(c) {
                    Some(byte) => {
                        out.push(byte);
                        Ok(())
                    }
                    None => missing(c, out),
                }),
                CodecKind::Retro(table) => text.chars().try_for_each(|c| match table.encode(c) {
                    Some(Some(byte)) => {
                        out.push(byte);
                        Ok(())
                    }
                    Some(None) => Ok(()),
                    None => missing(c, out),
                }),
            },
        };
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// How many bytes at the start of `bytes` can be decoded now without cutting a multi-byte
    /// character that the next read may complete (at most 3 bytes are held back).
    pub fn complete_prefix(self, bytes: &[u8]) -> usize {
        match self {
            Encoding::Utf8 => utf8_complete_prefix(bytes),
            Encoding::Latin1 | Encoding::Bytes => bytes.len(),
            Encoding::Codec(codec) => match codec.0 {
                #[cfg(feature = "encodings")]
                CodecKind::Whatwg(encoding) => whatwg::complete_prefix(encoding, bytes),
                #[cfg(feature = "encodings")]
                CodecKind::Oem(_) => bytes.len(),
                CodecKind::Retro(_) => bytes.len(),
            },
        }
    }

    /// Where the last character of `bytes` starts (`None` for no bytes): how far one erase
    /// key reaches back in text typed in this encoding. In a single-byte code page that is the
    /// last byte (cp866's а-п and latin-1's `°` are 0xa0-0xbf, not UTF-8 continuations); in
    /// UTF-8 a lead byte and up to three continuation bytes; in Shift_JIS, Big5, GBK, EUC-JP
    /// and EUC-KR what the decoder reads as the last character. Raw bytes erase a whole UTF-8
    /// character where the bytes end with one (most terminals send UTF-8), else one byte.
    pub(crate) fn last_char_start(self, bytes: &[u8]) -> Option<usize> {
        let last = bytes.len().checked_sub(1)?;
        Some(match self {
            Encoding::Utf8 => utf8_last_char_start(bytes),
            Encoding::Bytes => {
                let start = utf8_last_char_start(bytes);
                match std::str::from_utf8(&bytes[start..]) {
                    Ok(_) => start,
                    Err(_) => last,
                }
            }
            #[cfg(feature = "encodings")]
            Encoding::Codec(Codec(CodecKind::Whatwg(encoding))) if !encoding.is_single_byte() => {
                whatwg::last_char_start(encoding, bytes)
            }
            _ => last,
        })
    }

    /// How many characters `bytes` hold, counted as [`last_char_start`](Self::last_char_start)
    /// divides them (how many erasures a whole line takes).
    pub(crate) fn char_count(self, bytes: &[u8]) -> usize {
        match self {
            Encoding::Utf8 => bytes.iter().filter(|&&b| b & 0xc0 != 0x80).count(),
            Encoding::Bytes => bytes
                .utf8_chunks()
                .map(|chunk| chunk.valid().chars().count() + chunk.invalid().len())
                .sum(),
            _ if self.is_single_byte() => bytes.len(),
            // A multi-byte code page: each character and each malformed sequence is one.
            _ => self.decode(bytes).chars().count(),
        }
    }
}

/// Where the last UTF-8 character of `bytes` (not empty) starts: its lead byte, at most three
/// continuation bytes back.
fn utf8_last_char_start(bytes: &[u8]) -> usize {
    let mut i = bytes.len() - 1;
    while i > 0 && bytes[i] & 0xc0 == 0x80 && bytes.len() - i < 4 {
        i -= 1;
    }
    i
}

fn utf8_complete_prefix(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => {
            // Invalid somewhere: hold back only a possibly incomplete tail.
            let tail_start = bytes.len().saturating_sub(3);
            for start in tail_start..bytes.len() {
                if let Err(e) = std::str::from_utf8(&bytes[start..]) {
                    if e.error_len().is_none() && e.valid_up_to() == 0 && bytes[start] >= 0xc0 {
                        return start;
                    }
                }
            }
            bytes.len()
        }
    }
}

impl std::str::FromStr for Encoding {
    type Err = Error;

    /// [`from_name`](Encoding::from_name), failing with
    /// [`Error::InvalidArgument`] for an unknown name.
    fn from_str(name: &str) -> Result<Encoding, Error> {
        Encoding::from_name(name).ok_or_else(|| {
            Error::InvalidArgument(format!("unknown encoding {name:?} ({})", KNOWN_NAMES))
        })
    }
}

/// The names an error message suggests.
#[cfg(feature = "encodings")]
const KNOWN_NAMES: &str = "utf-8, latin-1, bytes, cp437, cp850, cp866, windows-1252, koi8-r, shift_jis, big5, \
     petscii, atascii, atarist, ...";
#[cfg(not(feature = "encodings"))]
const KNOWN_NAMES: &str =
    "utf-8, latin-1, bytes, petscii, atascii, atarist; more with the `encodings` feature";

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The encoding a POSIX locale names (`en_US.UTF-8`, `ru_RU.KOI8-R`, `de_DE.ISO8859-15@euro`),
/// as telnetlib3's server reads a client's `LANG`; `None` for `C`, `POSIX`, no encoding part,
/// or one not known.
///
/// ```
/// use ironboa::encoding::from_locale;
/// use ironboa::Encoding;
///
/// assert_eq!(from_locale("en_US.UTF-8"), Some(Encoding::Utf8));
/// assert_eq!(from_locale("C"), None);
/// ```
pub fn from_locale(locale: &str) -> Option<Encoding> {
    let (_, rest) = locale.split_once('.')?;
    let name = rest.split('@').next().unwrap_or(rest);
    Encoding::from_name(name)
}

#[cfg(test)]
mod tests;
