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
fn error_handling_replace_ignore_strict() {
    let utf8 = Encoding::Utf8;
    assert_eq!(
        utf8.decode_with(b"a\xffb", EncodingErrors::Replace)
            .unwrap(),
        "a\u{fffd}b"
    );
    assert_eq!(
        utf8.decode_with(b"a\xffb", EncodingErrors::Ignore).unwrap(),
        "ab"
    );
    match utf8.decode_with(b"a\xffb", EncodingErrors::Strict) {
        Err(Error::Decode {
            position, bytes, ..
        }) => {
            assert_eq!(position, 1);
            assert_eq!(bytes, b"a\xffb");
        }
        other => panic!("{other:?}"),
    }
    let mut out = b"kept".to_vec();
    match Encoding::Latin1.encode_with("x€", EncodingErrors::Strict, &mut out) {
        Err(Error::Encode { character, .. }) => assert_eq!(character, '€'),
        other => panic!("{other:?}"),
    }
    assert_eq!(out, b"kept", "a failed strict encode appends nothing");
    Encoding::Latin1
        .encode_with("x€y", EncodingErrors::Ignore, &mut out)
        .unwrap();
    assert_eq!(out, b"keptxy");
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
    assert_eq!(from_locale("ru_RU.UTF-8@euro"), Some(Encoding::Utf8));
    assert_eq!(from_locale("POSIX"), None);
    assert_eq!(
        EncodingErrors::from_name("STRICT"),
        Some(EncodingErrors::Strict)
    );
    assert!("loose".parse::<EncodingErrors>().is_err());
}

#[cfg(feature = "encodings")]
mod code_pages;

#[test]
fn character_boundaries_for_erasing() {
    let starts = |encoding: Encoding, bytes: &[u8]| {
        let mut found = Vec::new();
        let mut end = bytes.len();
        while let Some(start) = encoding.last_char_start(&bytes[..end]) {
            found.push(start);
            end = start;
        }
        found.reverse();
        assert_eq!(
            encoding.char_count(bytes),
            found.len(),
            "{encoding} {bytes:02x?}"
        );
        found
    };
    assert_eq!(Encoding::Utf8.last_char_start(b""), None);
    assert_eq!(starts(Encoding::Utf8, b"a\xc3\xa9\xe2\x82\xac"), [0, 1, 3]);
    // One byte one character, 0x80-0xbf included.
    assert_eq!(starts(Encoding::Latin1, b"1\xb0\xa9"), [0, 1, 2]);
    for name in ["atascii", "petscii"] {
        let retro = Encoding::from_name(name).unwrap();
        assert_eq!(starts(retro, b"\xc3\xa9"), [0, 1], "{name}");
    }
    // Raw bytes: a whole UTF-8 character where there is one, else a byte.
    assert_eq!(starts(Encoding::Bytes, b"\xc3\xa9\xb0\xc3"), [0, 2, 3]);
    #[cfg(feature = "encodings")]
    {
        let named = |name| Encoding::from_name(name).unwrap();
        assert_eq!(starts(named("cp866"), b"\xa4\xa0\xaf"), [0, 1, 2]);
        assert_eq!(starts(named("cp437"), b"caf\x82\x82"), [0, 1, 2, 3, 4]);
        assert_eq!(starts(named("koi8-r"), b"\xc4\xc1"), [0, 1]);
        // Shift_JIS 日本 (本's trail byte is `{`), half-width ｱ, "a".
        assert_eq!(
            starts(named("shift_jis"), b"\x93\xfa\x96\x7b\xb1a"),
            [0, 2, 4, 5]
        );
        // EUC-JP あ, half-width ｱ (0x8e 0xb1), a JIS X 0212 character (three bytes).
        assert_eq!(
            starts(named("euc-jp"), b"\xa4\xa2\x8e\xb1\x8f\xb0\xa1"),
            [0, 2, 4]
        );
        assert_eq!(starts(named("big5"), b"\xa4\xa4x\xa4\xe5"), [0, 2, 3]);
        // gb18030: a four-byte character (0x81 0x30 0x81 0x30 is U+0080) between two-byte ones.
        assert_eq!(
            starts(named("gb18030"), b"\xd6\xd0\x81\x30\x81\x30\xce\xc4"),
            [0, 2, 6]
        );
        // A lead byte with no trail yet is a character of its own.
        assert_eq!(starts(named("shift_jis"), b"\x93\xfa\x93"), [0, 2]);
    }
}
