//! ironboa's retro codecs (ATASCII, PETSCII, Atari ST) against the public character-set charts
//! and against telnetlib3's codecs on all 256 bytes: the same characters, or a written reason
//! for each difference. tests/vectors/telnetlib3-retro.txt is telnetlib3 5.0.1's decoding,
//! printed by tests/vectors/telnetlib3_retro_tables.py.

use ironboa::{Encoding, EncodingErrors};
use proptest::prelude::*;

fn codec(name: &str) -> Encoding {
    Encoding::from_name(name).unwrap()
}

/// Where ironboa's table differs from telnetlib3's, and why.
const DIFFERENCES: &[(&str, std::ops::RangeInclusive<u8>, &str)] = &[
    (
        "atascii",
        0x02..=0x02,
        "the glyph is a bar a quarter of the cell wide at its right edge: Unicode 13's RIGHT \
         ONE QUARTER BLOCK (U+1FB87) is exactly that; telnetlib3 uses RIGHT VERTICAL BOX LINE",
    ),
    (
        "petscii",
        0x61..=0x7a,
        "in shifted (lowercase) mode 0x60..=0x7f show screen codes 0x40..=0x5f, the same as \
         0xc0..=0xdf, which are the capitals A-Z there (C64 Programmer's Reference Guide, \
         appendices C and E); telnetlib3 shows the unshifted mode's graphics",
    ),
    ("petscii", 0x7c..=0x7f, "as 0xdc..=0xdf (same screen codes)"),
    (
        "petscii",
        0xdc..=0xdf,
        "shifted mode's glyphs for screen codes 0x5c..=0x5f: left half medium shade, vertical \
         line, inverse checker board, diagonal fill (U+1FB8C, U+2502, U+1FB96, U+1FB98); \
         telnetlib3 has the unshifted mode's (π and ◥ among them) one position off",
    ),
    (
        "petscii",
        0xa1..=0xbf,
        "the block elements and line pieces of screen codes 0x60..=0x7f (▌ ▄ ▔ ▁ ▏ ▒ ▕ ... ▚) \
         as the C64 character ROM draws them, in Unicode 13's Symbols for Legacy Computing \
         where the older blocks lack them (0xa9 and 0xba in their shifted-mode form); \
         telnetlib3's table for this range follows another order",
    ),
    ("petscii", 0xe1..=0xfe, "as 0xa1..=0xbe (same screen codes)"),
    (
        "petscii",
        0xff..=0xff,
        "shows screen code 0x5e, the inverse checker board in shifted mode (π is the unshifted \
         mode's)",
    ),
];

fn telnetlib3_table() -> Vec<(String, u8, String)> {
    let text = include_str!("vectors/telnetlib3-retro.txt");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let mut parts = line.splitn(3, ' ');
            let name = parts.next().unwrap().to_owned();
            let byte = u8::from_str_radix(parts.next().unwrap(), 16).unwrap();
            let points = parts.next().unwrap();
            let text: String = points
                .split(' ')
                .map(|p| char::from_u32(u32::from_str_radix(p, 16).unwrap()).unwrap())
                .collect();
            (name, byte, text)
        })
        .collect()
}

#[test]
fn same_characters_as_telnetlib3_or_a_reason() {
    let mut unexplained = Vec::new();
    for (name, byte, theirs) in telnetlib3_table() {
        let ours = codec(&name).decode(&[byte]);
        if ours == theirs {
            continue;
        }
        if DIFFERENCES
            .iter()
            .any(|(n, range, _)| *n == name && range.contains(&byte))
        {
            continue;
        }
        unexplained.push(format!(
            "{name} {byte:02X}: ours {:?} {:04X?}, telnetlib3 {:?} {:04X?}",
            ours,
            ours.chars().map(u32::from).collect::<Vec<_>>(),
            theirs,
            theirs.chars().map(u32::from).collect::<Vec<_>>()
        ));
    }
    assert!(unexplained.is_empty(), "{}", unexplained.join("\n"));
}

#[test]
fn characters_from_the_public_charts() {
    let atascii = codec("atascii");
    assert_eq!(atascii.decode(b"\x00\x10\x60\x7b"), "♥♣♦♠");
    assert_eq!(atascii.decode(b"HELLO\x9b"), "HELLO\n");
    assert_eq!(atascii.decode(b"\xa0\xc1"), "█A"); // inverse space, inverse A
    let mut out = Vec::new();
    atascii.encode_into("Hi\r\n♥", &mut out);
    assert_eq!(out, b"Hi\x9b\x00", "CR LF is the one end of line 0x9b");

    let petscii = codec("petscii");
    assert_eq!(
        petscii.decode(b"\x48\x45\x4c\x4c\x4f \xc3\x36\x34"),
        "hello C64"
    );
    assert_eq!(petscii.decode(b"\x5c\x5e\x5f\xa6\xdb"), "£↑←▒┼");
    assert_eq!(petscii.decode(b"\x1c\x93\x0d"), "\u{1c}\u{93}\r");
    out.clear();
    petscii.encode_into("Hello", &mut out);
    assert_eq!(out, b"\xc8\x45\x4c\x4c\x4f", "capitals are 0xc1..=0xda");

    let atari_st = codec("atarist");
    assert_eq!(atari_st.decode(b"\x9e\xe1\xc2\xdf"), "ßβא∞");
    assert!(atascii.is_retro() && petscii.is_retro() && atari_st.is_retro());
    assert!(!codec("utf-8").is_retro());
    for alias in ["c64", "CBM", "commodore", "c128"] {
        assert_eq!(codec(alias), petscii);
    }
    assert_eq!(codec("atari8bit"), atascii);
    assert_eq!(codec("atari"), atari_st);
}

#[test]
fn every_byte_decodes_and_its_character_encodes_to_a_byte_showing_it() {
    for name in ["atascii", "petscii", "atarist"] {
        let encoding = codec(name);
        for byte in 0..=255u8 {
            let text = encoding
                .decode_with(&[byte], EncodingErrors::Strict)
                .unwrap();
            let mut back = Vec::new();
            encoding
                .encode_with(&text, EncodingErrors::Strict, &mut back)
                .unwrap();
            // Duplicates (inverse-video letters, PETSCII's repeated ranges) come back as the
            // canonical byte, which shows the same character.
            assert_eq!(encoding.decode(&back), text, "{name} {byte:02X}");
        }
    }
}

#[test]
fn petscii_colours_and_cursor_codes_become_ansi() {
    let petscii = codec("petscii");
    let text = petscii.decode(b"\x05W\x9eY\x12R\x92\x11\x91\x1d\x9d\x13\x0e");
    assert_eq!(
        ironboa::encoding::petscii_to_ansi(&text),
        "\x1b[38;2;255;255;255mw\x1b[38;2;184;199;111my\x1b[7mr\x1b[27m\x1b[B\x1b[A\x1b[C\x1b[D\x1b[H"
    );
}

proptest! {
    /// Any text of a retro set's characters round trips, cut anywhere.
    #[test]
    fn retro_round_trip(name in prop::sample::select(vec!["atascii", "petscii", "atarist"]),
                        bytes in proptest::collection::vec(any::<u8>(), 0..64),
                        cut in any::<prop::sample::Index>()) {
        let encoding = codec(name);
        let text = encoding.decode(&bytes);
        let mut encoded = Vec::new();
        encoding.encode_with(&text, EncodingErrors::Strict, &mut encoded).unwrap();
        let at = cut.index(encoded.len() + 1);
        let (a, b) = encoded.split_at(at);
        prop_assert_eq!(encoding.complete_prefix(a), a.len());
        let mut again = encoding.decode(a);
        again.push_str(&encoding.decode(b));
        prop_assert_eq!(again, text);
    }
}
