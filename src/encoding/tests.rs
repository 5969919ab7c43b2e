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
