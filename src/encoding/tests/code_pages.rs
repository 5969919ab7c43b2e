//! The code pages of the `encodings` feature: names, known characters from the public charts,
//! streaming at every split, and round trips over each encoding's repertoire.

use proptest::prelude::*;

use super::*;

/// Decodes `bytes` fed in pieces cut at `cuts`, the way the session's text reads do: each read
/// decodes the complete prefix of what is buffered and leaves the rest for the next.
fn decode_streamed(encoding: Encoding, bytes: &[u8], cuts: &[usize]) -> String {
    let mut buffered = Vec::new();
    let mut out = String::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        buffered.extend_from_slice(&bytes[start..cut]);
        start = cut;
        let end = encoding.complete_prefix(&buffered);
        out.push_str(&encoding.decode(&buffered[..end]));
        buffered.drain(..end);
    }
    out.push_str(&encoding.decode(&buffered));
    out
}

fn by_name(name: &str) -> Encoding {
    Encoding::from_name(name).unwrap_or_else(|| panic!("{name} unknown"))
}

#[test]
fn names_and_aliases() {
    for (name, canonical) in [
        ("cp437", "CP437"),
        ("IBM437", "CP437"),
        ("437", "CP437"),
        ("cp850", "CP850"),
        ("cp852", "CP852"),
        ("cp866", "IBM866"),
        ("koi8-r", "KOI8-R"),
        ("KOI8_R", "KOI8-R"),
        ("cp1251", "windows-1251"),
        ("windows1252", "windows-1252"),
        ("cp1252", "windows-1252"),
        ("iso8859_5", "ISO-8859-5"),
        ("iso-8859-15", "ISO-8859-15"),
        ("shift_jis", "Shift_JIS"),
        ("sjis", "Shift_JIS"),
        ("cp932", "Shift_JIS"),
        ("big5", "Big5"),
        ("cp950", "Big5"),
        ("gbk", "GBK"),
        ("gb2312", "GBK"),
        ("cp936", "GBK"),
        ("gb18030", "gb18030"),
        ("euc_jp", "EUC-JP"),
        ("euc-kr", "EUC-KR"),
        ("cp949", "EUC-KR"),
        ("mac_roman", "macintosh"),
    ] {
        assert_eq!(by_name(name).name(), canonical, "{name}");
    }
    // UTF-8's labels give the built-in UTF-8; latin-1 stays true ISO-8859-1 (WHATWG maps the
    // label to windows-1252).
    assert_eq!(by_name("unicode-1-1-utf-8"), Encoding::Utf8);
    assert_eq!(by_name("iso-8859-1"), Encoding::Latin1);
    // Not offered: stateful, or not ASCII-compatible.
    for name in ["iso-2022-jp", "utf-16le", "utf-16", "replacement", "cp9999"] {
        assert_eq!(Encoding::from_name(name), None, "{name}");
    }
    // Every encoding is found again by its own name.
    for encoding in Encoding::all() {
        assert_eq!(by_name(encoding.name()), encoding, "{}", encoding.name());
    }
}

#[test]
fn known_characters_from_the_charts() {
    // cp437: the box-drawing and block characters of DOS and BBS art.
    assert_eq!(
        by_name("cp437").decode(b"\xc9\xcd\xbb\xb0\xb1\xb2\xdb"),
        "╔═╗░▒▓█"
    );
    assert_eq!(by_name("cp437").decode(b"\x9b\xe3"), "¢π");
    assert_eq!(by_name("cp850").decode(b"\x82\x90"), "éÉ");
    assert_eq!(by_name("cp852").decode(b"\xa5\x9f"), "ąč");
    assert_eq!(by_name("cp866").decode(b"\x8f\xe0\xa8"), "При");
    assert_eq!(by_name("koi8-r").decode(b"\xf0\xd2\xc9"), "При");
    assert_eq!(by_name("windows-1251").decode(b"\xcf\xf0\xe8"), "При");
    assert_eq!(by_name("windows-1252").decode(b"\x80\x93"), "€“");
    assert_eq!(by_name("shift_jis").decode(b"\x82\xa0"), "あ");
    assert_eq!(by_name("euc-jp").decode(b"\xa4\xa2"), "あ");
    assert_eq!(by_name("big5").decode(b"\xa4\xa4"), "中");
    assert_eq!(by_name("gbk").decode(b"\xd6\xd0"), "中");
    assert_eq!(by_name("euc-kr").decode(b"\xc7\xd1"), "한");
    let mut out = Vec::new();
    by_name("cp437").encode_into("╔═╗ π ☺", &mut out);
    // oem_cp keeps 0x00..=0x1f as the C0 controls (a terminal's meaning of them), not the
    // glyphs (☺) a PC's screen showed for them.
    assert_eq!(out, b"\xc9\xcd\xbb \xe3 ?");
}

#[test]
fn multi_byte_characters_split_between_reads_decode_whole() {
    for (name, text) in [
        ("shift_jis", "あいう abc 漢字"),
        ("euc-jp", "あいう abc 漢字"),
        ("big5", "中文 abc 測試"),
        ("gbk", "中文 abc 测试"),
        ("gb18030", "中文 € 😀 abc"),
        ("euc-kr", "한국어 abc"),
    ] {
        let encoding = by_name(name);
        let mut bytes = Vec::new();
        encoding
            .encode_with(text, EncodingErrors::Strict, &mut bytes)
            .unwrap();
        for cut in 0..=bytes.len() {
            assert_eq!(
                decode_streamed(encoding, &bytes, &[cut]),
                text,
                "{name} cut at {cut}"
            );
        }
        // One byte at a time.
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(
            decode_streamed(encoding, &bytes, &cuts),
            text,
            "{name} bytewise"
        );
    }
    // A lone lead byte waits; at the end of the stream it is U+FFFD, never dropped.
    let sjis = by_name("shift_jis");
    assert_eq!(sjis.complete_prefix(b"\x82"), 0);
    assert_eq!(sjis.decode(b"a\x82"), "a\u{fffd}");
}

#[test]
fn strict_reports_the_offset_of_the_first_bad_byte() {
    match by_name("shift_jis").decode_with(b"ab\xa0c", EncodingErrors::Strict) {
        Err(Error::Decode {
            position, bytes, ..
        }) => {
            assert_eq!(position, 2);
            assert_eq!(bytes, b"ab\xa0c");
        }
        other => panic!("{other:?}"),
    }
    // cp857 leaves 0xd5 undefined.
    assert_eq!(
        by_name("cp857")
            .decode_with(b"x\xd5", EncodingErrors::Ignore)
            .unwrap(),
        "x"
    );
}

#[test]
fn single_byte_pages_round_trip_all_256_bytes() {
    for encoding in Encoding::all() {
        // The retro sets show some characters twice (tests/retro_codecs.rs checks them).
        if !encoding.is_single_byte() || encoding == Encoding::Bytes || encoding.is_retro() {
            continue;
        }
        for byte in 0..=255u8 {
            let Ok(text) = encoding.decode_with(&[byte], EncodingErrors::Strict) else {
                continue; // a byte the page leaves undefined
            };
            let mut back = Vec::new();
            encoding
                .encode_with(&text, EncodingErrors::Strict, &mut back)
                .unwrap_or_else(|e| panic!("{}: {byte:#x} {text:?}: {e}", encoding.name()));
            assert_eq!(back, [byte], "{} {byte:#x} {text:?}", encoding.name());
        }
    }
}

/// The characters an encoding can carry, as decoded from byte strings of its own, less those
/// its encoder never produces (Big5's decoder takes HKSCS characters its WHATWG encoder
/// leaves out).
fn repertoire_sample(encoding: Encoding) -> Vec<char> {
    let mut chars = Vec::new();
    let mut push = |bytes: &[u8]| {
        if let Ok(text) = encoding.decode_with(bytes, EncodingErrors::Strict) {
            chars.extend(text.chars());
        }
    };
    for first in 0..=255u8 {
        push(&[first]);
        if !encoding.is_single_byte() && first >= 0x80 {
            for second in 0x21..=255u8 {
                push(&[first, second]);
            }
        }
    }
    chars.sort_unstable();
    chars.dedup();
    chars.retain(|&c| {
        let mut bytes = Vec::new();
        encoding
            .encode_with(
                c.encode_utf8(&mut [0; 4]),
                EncodingErrors::Strict,
                &mut bytes,
            )
            .is_ok()
    });
    chars
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Text from every encoding's repertoire (every single byte and every two-byte sequence it
    /// decodes) encodes and decodes back to itself, split at any byte.
    #[test]
    fn round_trip_every_encoding_split_anywhere(
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..40),
    ) {
        for encoding in Encoding::all() {
            let repertoire = repertoire_sample(encoding);
            let text: String = picks.iter().map(|i| *i.get(&repertoire)).collect();
            let mut bytes = Vec::new();
            encoding.encode_with(&text, EncodingErrors::Strict, &mut bytes).unwrap();
            let decoded = encoding.decode_with(&bytes, EncodingErrors::Strict).unwrap();
            // A few code pages map two byte sequences to one character (encoding_rs's
            // decoders accept legacy duplicates); the text survives either way.
            prop_assert_eq!(&decoded, &text, "{}", encoding.name());
            for at in 0..=bytes.len() {
                prop_assert_eq!(decode_streamed(encoding, &bytes, &[at]), text.clone(), "{} cut {}", encoding.name(), at);
            }
        }
    }
}
