//! The WHATWG encodings, through encoding_rs: lookup by label, streaming-safe prefixes, and
//! decoding and encoding with the caller's handling of errors.

use encoding_rs::{DecoderResult, EncoderResult};

use super::Piece;
use crate::error::Error;

/// Names Python (and so telnetlib3 and miniboa users) gives encodings that are not WHATWG
/// labels, with the WHATWG label they mean.
const ALIASES: &[(&str, &str)] = &[
    ("cp932", "shift_jis"),
    ("ms932", "shift_jis"),
    ("mskanji", "shift_jis"),
    ("s-jis", "shift_jis"),
    ("shiftjis", "shift_jis"),
    ("cp936", "gbk"),
    ("ms936", "gbk"),
    ("cp949", "euc-kr"),
    ("ms949", "euc-kr"),
    ("uhc", "euc-kr"),
    ("cp950", "big5"),
    ("ms950", "big5"),
    ("big5hkscs", "big5-hkscs"),
    ("eucjp", "euc-jp"),
    ("ujis", "euc-jp"),
    ("euckr", "euc-kr"),
    ("koi8r", "koi8-r"),
    ("koi8u", "koi8-u"),
    ("cyrillic", "iso-8859-5"),
    ("mac-cyrillic", "x-mac-cyrillic"),
    ("maccyrillic", "x-mac-cyrillic"),
    ("mac-roman", "macintosh"),
    ("macroman", "macintosh"),
];

/// The encoding a lower-case name (with `_` already turned into `-`) stands for, if it is
/// ASCII-compatible and stateless.
pub(super) fn find(lower: &str) -> Option<&'static encoding_rs::Encoding> {
    let label = ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map_or(lower, |(_, label)| *label);
    let found = encoding_rs::Encoding::for_label_no_replacement(label.as_bytes())
        .or_else(|| python_spelling(label))?;
    (found.is_ascii_compatible() && found != encoding_rs::ISO_2022_JP).then_some(found)
}

/// Python's `iso8859-5`, `windows1251`, `cp-1252` and the like.
fn python_spelling(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let respelled = if let Some(part) = label.strip_prefix("iso8859-") {
        format!("iso-8859-{part}")
    } else if let Some(number) = label.strip_prefix("windows") {
        format!("windows-{}", number.trim_start_matches('-'))
    } else if let Some(number) = label.strip_prefix("cp-") {
        format!("cp{number}")
    } else {
        return None;
    };
    encoding_rs::Encoding::for_label_no_replacement(respelled.as_bytes())
}

pub(super) fn is_single_byte(encoding: &'static encoding_rs::Encoding) -> bool {
    encoding.is_single_byte()
}

/// Walks `bytes` as pieces of text and malformed sequences; `each` returns `false` to stop.
pub(super) fn pieces(
    encoding: &'static encoding_rs::Encoding,
    bytes: &[u8],
    mut each: impl FnMut(Piece<'_>) -> bool,
) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut rest = bytes;
    let mut text = String::new();
    loop {
        text.clear();
        let need = decoder
            .max_utf8_buffer_length_without_replacement(rest.len())
            .unwrap_or(rest.len().saturating_mul(3).saturating_add(16));
        text.reserve(need);
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut text, true);
        rest = &rest[read..];
        if !text.is_empty() && !each(Piece::Text(&text)) {
            return;
        }
        match result {
            DecoderResult::InputEmpty => return,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(..) => {
                if !each(Piece::Malformed) {
                    return;
                }
            }
        }
    }
}

/// The offset of the first malformed sequence in `bytes` (`bytes.len()` if none).
pub(super) fn first_invalid(encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> usize {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len().saturating_mul(3).saturating_add(16)),
    );
    let mut total = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[total..], &mut text, true);
        total += read;
        match result {
            DecoderResult::InputEmpty => return bytes.len(),
            DecoderResult::OutputFull => text.reserve(bytes.len() * 3 + 16),
            DecoderResult::Malformed(bad, after) => {
                return total.saturating_sub(usize::from(bad) + usize::from(after));
            }
        }
    }
}

/// Whether `bytes`, decoded without being the end of the stream, leave the decoder in the
/// middle of a character.
fn ends_inside_a_character(encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> bool {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::new();
    let mut rest = bytes;
    loop {
        text.clear();
        text.reserve(
            decoder
                .max_utf8_buffer_length_without_replacement(rest.len())
                .unwrap_or(rest.len().saturating_mul(3).saturating_add(16)),
        );
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut text, false);
        rest = &rest[read..];
        if matches!(result, DecoderResult::InputEmpty) {
            break;
        }
    }
    text.clear();
    text.reserve(16);
    let (result, _) = decoder.decode_to_string_without_replacement(b"", &mut text, true);
    matches!(result, DecoderResult::Malformed(..))
}

/// How many bytes of `bytes` decode without cutting a character (at most 3 held back).
///
/// Only the tail after the last byte below 0x30 is examined: in every multi-byte encoding
/// offered (Shift_JIS, EUC-JP, EUC-KR, Big5, GBK, gb18030) such a byte is never part of a
/// longer character (their trail bytes are 0x30 and above), so a character starts after it.
/// Text with spaces or line ends is therefore checked in a few bytes, not decoded whole.
pub(super) fn complete_prefix(encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> usize {
    if encoding.is_single_byte() {
        return bytes.len();
    }
    let start = bytes.iter().rposition(|&b| b < 0x30).map_or(0, |at| at + 1);
    let tail = &bytes[start..];
    if !ends_inside_a_character(encoding, tail) {
        return bytes.len();
    }
    (1..=3)
        .filter_map(|held| tail.len().checked_sub(held))
        .find(|&end| !ends_inside_a_character(encoding, &tail[..end]))
        .map_or(bytes.len(), |end| start + end)
}

/// Where the last character of `bytes` (not empty) starts, in a multi-byte encoding: the
/// latest position, at most three bytes before the end, where the decoder is not in the
/// middle of a character. As in [`complete_prefix`], decoding starts after the last byte below
/// 0x30, which is a character of its own.
pub(super) fn last_char_start(encoding: &'static encoding_rs::Encoding, bytes: &[u8]) -> usize {
    let last = bytes.len() - 1;
    let start = bytes[..last]
        .iter()
        .rposition(|&b| b < 0x30)
        .map_or(0, |at| at + 1);
    let tail = &bytes[start..];
    (1..=4)
        .filter_map(|back| tail.len().checked_sub(back))
        .find(|&end| !ends_inside_a_character(encoding, &tail[..end]))
        .map_or(last, |end| start + end)
}

/// Appends `text` in `encoding`, calling `missing` for each character it cannot encode.
pub(super) fn encode(
    encoding: &'static encoding_rs::Encoding,
    text: &str,
    out: &mut Vec<u8>,
    missing: &mut impl FnMut(char, &mut Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut encoder = encoding.new_encoder();
    let mut rest = text;
    loop {
        out.reserve(
            encoder
                .max_buffer_length_from_utf8_without_replacement(rest.len())
                .unwrap_or(rest.len().saturating_mul(4).saturating_add(16)),
        );
        let (result, read) = encoder.encode_from_utf8_to_vec_without_replacement(rest, out, true);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => return Ok(()),
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(c) => missing(c, out)?,
        }
    }
}

/// Every WHATWG encoding offered (all but UTF-8, which is [`Encoding::Utf8`](super::Encoding),
/// and the stateful or ASCII-incompatible ones).
pub(super) const ALL: &[&encoding_rs::Encoding] = &[
    encoding_rs::BIG5,
    encoding_rs::EUC_JP,
    encoding_rs::EUC_KR,
    encoding_rs::GBK,
    encoding_rs::GB18030,
    encoding_rs::IBM866,
    encoding_rs::ISO_8859_2,
    encoding_rs::ISO_8859_3,
    encoding_rs::ISO_8859_4,
    encoding_rs::ISO_8859_5,
    encoding_rs::ISO_8859_6,
    encoding_rs::ISO_8859_7,
    encoding_rs::ISO_8859_8,
    encoding_rs::ISO_8859_8_I,
    encoding_rs::ISO_8859_10,
    encoding_rs::ISO_8859_13,
    encoding_rs::ISO_8859_14,
    encoding_rs::ISO_8859_15,
    encoding_rs::ISO_8859_16,
    encoding_rs::KOI8_R,
    encoding_rs::KOI8_U,
    encoding_rs::MACINTOSH,
    encoding_rs::SHIFT_JIS,
    encoding_rs::WINDOWS_874,
    encoding_rs::WINDOWS_1250,
    encoding_rs::WINDOWS_1251,
    encoding_rs::WINDOWS_1252,
    encoding_rs::WINDOWS_1253,
    encoding_rs::WINDOWS_1254,
    encoding_rs::WINDOWS_1255,
    encoding_rs::WINDOWS_1256,
    encoding_rs::WINDOWS_1257,
    encoding_rs::WINDOWS_1258,
    encoding_rs::X_MAC_CYRILLIC,
    encoding_rs::X_USER_DEFINED,
];
