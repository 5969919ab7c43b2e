//! Text encodings for the text-level calls (`readline`, `send`, ...).

/// How text is turned into bytes and back.
///
/// Decoding never fails and never drops input: bytes that are not valid in the encoding become
/// U+FFFD replacement characters, and the byte-level calls still see the raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 (the default).
    #[default]
    Utf8,
    /// ISO-8859-1: every byte is the code point of the same value; characters above U+00FF are
    /// sent as `?`.
    Latin1,
    /// Raw bytes: text calls map bytes to code points as latin-1 does, so nothing is lost.
    Bytes,
}

impl Encoding {
    /// Parses "utf-8", "utf8", "latin-1", "latin1", "iso-8859-1", "bytes" or "raw",
    /// case-insensitively.
    pub fn from_name(name: &str) -> Option<Encoding> {
        match name.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" => Some(Encoding::Latin1),
            "bytes" | "raw" | "binary" => Some(Encoding::Bytes),
            _ => None,
        }
    }

    /// The name used in CHARSET negotiation and `get_extra_info("charset")`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Latin1 => "ISO-8859-1",
            Encoding::Bytes => "bytes",
        }
    }

    /// Decodes a complete piece of text.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Latin1 | Encoding::Bytes => bytes.iter().map(|&b| char::from(b)).collect(),
        }
    }

    /// Appends the encoding of `text` to `out`.
    pub fn encode_into(self, text: &str, out: &mut Vec<u8>) {
        match self {
            Encoding::Utf8 => out.extend_from_slice(text.as_bytes()),
            Encoding::Latin1 | Encoding::Bytes => out.extend(
                text.chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')),
            ),
        }
    }

    /// How many bytes at the start of `bytes` can be decoded now without cutting a UTF-8
    /// sequence that the next read may complete (at most 3 bytes are held back).
    pub fn complete_prefix(self, bytes: &[u8]) -> usize {
        if self != Encoding::Utf8 {
            return bytes.len();
        }
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
}

impl std::str::FromStr for Encoding {
    type Err = crate::error::Error;

    /// [`from_name`](Encoding::from_name), failing with
    /// [`Error::InvalidArgument`](crate::error::Error::InvalidArgument) for an unknown name.
    fn from_str(name: &str) -> Result<Encoding, crate::error::Error> {
        Encoding::from_name(name).ok_or_else(|| {
            crate::error::Error::InvalidArgument(format!(
                "unknown encoding {name:?} (utf-8, latin-1, bytes)"
            ))
        })
    }
}

impl std::fmt::Display for Encoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_replaces_never_drops() {
        assert_eq!(
            Encoding::Utf8.decode(b"caf\xc3\xa9 \xff!"),
            "café \u{fffd}!"
        );
        assert_eq!(Encoding::Latin1.decode(b"caf\xe9"), "café");
        let mut out = Vec::new();
        Encoding::Latin1.encode_into("café €", &mut out);
        assert_eq!(out, b"caf\xe9 ?");
    }

    #[test]
    fn incomplete_utf8_tail_is_held_back() {
        assert_eq!(Encoding::Utf8.complete_prefix(b"ab\xe2\x82"), 2);
        assert_eq!(Encoding::Utf8.complete_prefix(b"ab\xe2\x82\xac"), 5);
        assert_eq!(Encoding::Utf8.complete_prefix(b"\xff\xfeab\xc3"), 4);
        assert_eq!(Encoding::Utf8.complete_prefix(b"\xffab"), 3);
        assert_eq!(Encoding::Latin1.complete_prefix(b"ab\xe2"), 3);
    }

    #[test]
    fn names() {
        assert_eq!(Encoding::from_name("UTF8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::from_name("latin_1"), Some(Encoding::Latin1));
        assert_eq!(Encoding::from_name("ebcdic"), None);
        assert_eq!("Latin1".parse::<Encoding>().unwrap(), Encoding::Latin1);
        assert!("ebcdic".parse::<Encoding>().is_err());
    }
}
