//! The character sets of 8-bit home computers that BBSes still speak, written here because no
//! crate has them: ATASCII (Atari 400/800/XL/XE), PETSCII (Commodore 64/128, shifted, i.e.
//! lowercase, mode) and the Atari ST's character set.
//!
//! Each is a table of 256 characters made from the public character-set charts: the Atari 400/800
//! and ST manuals' tables and the Commodore 64 Programmer's Reference Guide (appendices C and
//! E), with the glyphs Unicode 13 added for them (Symbols for Legacy Computing, U+1FB00..) where
//! the older blocks have nothing closer. Encoding looks a character up the other way; where two
//! bytes show the same character (ATASCII's inverse-video letters, PETSCII's duplicate graphics
//! ranges), the lower byte is sent.
//!
//! ATASCII: 0x9B is the end of a line (decoded as `\n`; `\n` is sent as 0x9B, `\r` not at all);
//! the inverse-video half shows the same letters, and the inverse of a block graphic as its
//! complement (▕ → ▊). PETSCII: control bytes (colours, cursor moves, reverse video, 0x00..=0x1f
//! and 0x80..=0x9f) decode to the control character of the same value, so nothing is lost and
//! [`petscii_to_ansi`] can turn them into terminal sequences. Atari ST: 0x00..=0x7f are ASCII
//! (the ST's VT52 controls), 0x80..=0xff its accented letters, Hebrew, Greek and mathematics.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Which retro character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retro {
    Atascii,
    Petscii,
    AtariSt,
}

/// A retro character set: its name and its table.
pub(crate) struct RetroTable {
    pub(super) name: &'static str,
    pub(crate) kind: Retro,
    decode: [char; 256],
    encode: OnceLock<HashMap<char, u8>>,
}

impl PartialEq for RetroTable {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Eq for RetroTable {}

impl std::fmt::Debug for RetroTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// ASCII, with `overrides` (byte, character) applied.
const fn table(overrides: &[(u8, char)]) -> [char; 256] {
    let mut t = ['\0'; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = match char::from_u32(i as u32) {
            Some(c) => c,
            None => '\u{fffd}',
        };
        i += 1;
    }
    let mut j = 0;
    while j < overrides.len() {
        t[overrides[j].0 as usize] = overrides[j].1;
        j += 1;
    }
    t
}

/// `t` with `from..=to` set to `src..` of `t` (a range that shows as another).
const fn copy_range(mut t: [char; 256], from: u8, to: u8, src: u8) -> [char; 256] {
    let mut i = from as usize;
    while i <= to as usize {
        t[i] = t[src as usize + (i - from as usize)];
        i += 1;
    }
    t
}

/// ATASCII 0x00..=0x1f, 0x60 and 0x7b..=0x7f (the graphics and editing glyphs); the inverse
/// half 0x80..=0xff follows from these.
const ATASCII_LOW: [(u8, char); 37] = [
    (0x00, '♥'),
    (0x01, '├'),
    (0x02, '\u{1fb87}'), // RIGHT ONE QUARTER BLOCK
    (0x03, '┘'),
    (0x04, '┤'),
    (0x05, '┐'),
    (0x06, '╱'),
    (0x07, '╲'),
    (0x08, '◢'),
    (0x09, '▗'),
    (0x0a, '◣'),
    (0x0b, '▝'),
    (0x0c, '▘'),
    (0x0d, '\u{1fb82}'), // UPPER ONE QUARTER BLOCK
    (0x0e, '▂'),
    (0x0f, '▖'),
    (0x10, '♣'),
    (0x11, '┌'),
    (0x12, '─'),
    (0x13, '┼'),
    (0x14, '●'),
    (0x15, '▄'),
    (0x16, '▎'),
    (0x17, '┬'),
    (0x18, '┴'),
    (0x19, '▌'),
    (0x1a, '└'),
    (0x1b, '␛'),
    (0x1c, '↑'),
    (0x1d, '↓'),
    (0x1e, '←'),
    (0x1f, '→'),
    (0x60, '♦'),
    (0x7b, '♠'),
    (0x7c, '|'),
    (0x7d, '↰'), // clear screen
    (0x7e, '◀'), // backspace
];

/// ATASCII's inverse-video half: the same glyph, or a block graphic's complement; 0x9b is the
/// end of a line and 0xa0 (inverse space) a full block.
const ATASCII_INVERSE: [(u8, char); 18] = [
    (0x82, '▊'),
    (0x88, '◤'),
    (0x89, '▛'),
    (0x8a, '◥'),
    (0x8b, '▙'),
    (0x8c, '▟'),
    (0x8d, '▆'),
    (0x8e, '\u{1fb85}'), // UPPER THREE QUARTERS BLOCK
    (0x8f, '▜'),
    (0x94, '◘'),
    (0x95, '▀'),
    (0x96, '\u{1fb8a}'), // RIGHT THREE QUARTERS BLOCK
    (0x99, '▐'),
    (0x9b, '\n'),
    (0xa0, '█'),
    (0xfe, '◀'),
    (0xff, '▶'),
    (0x7f, '▶'), // tab
];

const fn atascii() -> [char; 256] {
    let mut t = table(&ATASCII_LOW);
    t[0x7f] = '▶';
    // The inverse half shows the glyphs of the normal half ...
    t = copy_range(t, 0x80, 0xff, 0x00);
    // ... where Unicode has no inverse, and the complements where it has.
    let mut i = 0;
    while i < ATASCII_INVERSE.len() {
        t[ATASCII_INVERSE[i].0 as usize] = ATASCII_INVERSE[i].1;
        i += 1;
    }
    t
}

/// PETSCII, shifted (lowercase) mode.
const PETSCII_GRAPHICS: [(u8, char); 38] = [
    (0x40, '@'),
    (0x5c, '£'),
    (0x5e, '↑'),
    (0x5f, '←'),
    // 0xa0..=0xbf: the graphics of both modes (block elements and line pieces).
    (0xa0, '\u{a0}'),
    (0xa1, '▌'),
    (0xa2, '▄'),
    (0xa3, '▔'),
    (0xa4, '▁'),
    (0xa5, '▏'),
    (0xa6, '▒'),
    (0xa7, '▕'),
    (0xa8, '\u{1fb8f}'), // LOWER HALF MEDIUM SHADE
    (0xa9, '\u{1fb99}'), // UPPER RIGHT TO LOWER LEFT FILL (shifted mode)
    (0xaa, '\u{1fb87}'), // RIGHT ONE QUARTER BLOCK
    (0xab, '├'),
    (0xac, '▗'),
    (0xad, '└'),
    (0xae, '┐'),
    (0xaf, '▂'),
    (0xb0, '┌'),
    (0xb1, '┴'),
    (0xb2, '┬'),
    (0xb3, '┤'),
    (0xb4, '▎'),
    (0xb5, '▍'),
    (0xb6, '\u{1fb88}'), // RIGHT THREE EIGHTHS BLOCK
    (0xb7, '\u{1fb82}'), // UPPER ONE QUARTER BLOCK
    (0xb8, '\u{1fb83}'), // UPPER THREE EIGHTHS BLOCK
    (0xb9, '▃'),
    (0xba, '✓'), // shifted mode
    (0xbb, '▖'),
    (0xbc, '▝'),
    (0xbd, '┘'),
    (0xbe, '▘'),
    (0xbf, '▚'),
    // 0xc0 and 0xdb..=0xdf: the graphics around the capitals.
    (0xc0, '─'),
    (0xdb, '┼'),
];

const fn petscii() -> [char; 256] {
    let mut t = table(&PETSCII_GRAPHICS);
    let mut i = 0x41;
    while i <= 0x5a {
        t[i] = (i as u8 + 0x20) as char; // 0x41..=0x5a: lowercase
        t[i + 0x80] = i as u8 as char; // 0xc1..=0xda: capitals
        i += 1;
    }
    t[0xdc] = '\u{1fb8c}'; // LEFT HALF MEDIUM SHADE
    t[0xdd] = '│';
    t[0xde] = '\u{1fb96}'; // INVERSE CHECKER BOARD (shifted mode)
    t[0xdf] = '\u{1fb98}'; // UPPER LEFT TO LOWER RIGHT FILL (shifted mode)
    // 0x60..=0x7f show as 0xc0..=0xdf, 0xe0..=0xfe as 0xa0..=0xbe, 0xff as 0xde.
    t = copy_range(t, 0x60, 0x7f, 0xc0);
    t = copy_range(t, 0xe0, 0xfe, 0xa0);
    t[0xff] = t[0xde];
    // Shifted RETURN is a RETURN.
    t[0x8d] = '\r';
    t
}

/// The Atari ST's 0x80..=0xff.
const ATARI_ST_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', 'ß', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    'ã', 'õ', 'Ø', 'ø', 'œ', 'Œ', 'À', 'Ã', 'Õ', '¨', '´', '†', '¶', '©', '®', '™', //
    'ĳ', 'Ĳ', 'א', 'ב', 'ג', 'ד', 'ה', 'ו', 'ז', 'ח', 'ט', 'י', 'כ', 'ל', 'מ', 'נ', //
    'ס', 'ע', 'פ', 'צ', 'ק', 'ר', 'ש', 'ת', 'ן', 'ך', 'ם', 'ף', 'ץ', '§', '∧', '∞', //
    'α', 'β', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∮', 'φ', '∈', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '³', '¯', //
];

const fn atari_st() -> [char; 256] {
    let mut t = table(&[]);
    let mut i = 0;
    while i < 128 {
        t[0x80 + i] = ATARI_ST_HIGH[i];
        i += 1;
    }
    t
}

pub(super) static ATASCII: RetroTable = RetroTable {
    name: "ATASCII",
    kind: Retro::Atascii,
    decode: atascii(),
    encode: OnceLock::new(),
};

pub(super) static PETSCII: RetroTable = RetroTable {
    name: "PETSCII",
    kind: Retro::Petscii,
    decode: petscii(),
    encode: OnceLock::new(),
};

pub(super) static ATARI_ST: RetroTable = RetroTable {
    name: "ATARIST",
    kind: Retro::AtariSt,
    decode: atari_st(),
    encode: OnceLock::new(),
};

pub(super) const ALL: [&RetroTable; 3] = [&ATASCII, &PETSCII, &ATARI_ST];

/// The table a lower-case name (`_` already `-`) stands for, with telnetlib3's aliases.
pub(super) fn find(lower: &str) -> Option<&'static RetroTable> {
    match lower {
        "atascii" | "atari8bit" | "atari-8bit" => Some(&ATASCII),
        "petscii" | "cbm" | "commodore" | "c64" | "c128" => Some(&PETSCII),
        "atarist" | "atari" | "atari-st" => Some(&ATARI_ST),
        _ => None,
    }
}

impl RetroTable {
    pub(super) fn decode(&self, byte: u8) -> char {
        self.decode[usize::from(byte)]
    }

    /// The byte that shows `c` (the canonical one, where several do); `Some(None)` for a character
    /// sent as nothing (ATASCII's `\r`, whose line end 0x9b stands for CR LF).
    pub(super) fn encode(&self, c: char) -> Option<Option<u8>> {
        if self.kind == Retro::Atascii && c == '\r' {
            return Some(None);
        }
        let map = self.encode.get_or_init(|| {
            // PETSCII's canonical ranges first (capitals are 0xc1..=0xda, not their
            // duplicates 0x61..=0x7a); elsewhere the lowest byte.
            let preferred: &[std::ops::RangeInclusive<u8>] = match self.kind {
                Retro::Petscii => &[
                    0x00..=0x5f,
                    0xa0..=0xdf,
                    0x80..=0x9f,
                    0x60..=0x7f,
                    0xe0..=0xff,
                ],
                Retro::Atascii | Retro::AtariSt => &[0x00..=0xff],
            };
            let mut map = HashMap::with_capacity(256);
            for range in preferred {
                for byte in range.clone() {
                    map.entry(self.decode(byte)).or_insert(byte);
                }
            }
            map
        });
        map.get(&c).map(|&b| Some(b))
    }
}

/// The VIC-II's 16 colours (Pepto's measured palette), by colour number.
pub const VIC_II_PALETTE: [(u8, u8, u8); 16] = [
    (0x00, 0x00, 0x00), // 0 black
    (0xff, 0xff, 0xff), // 1 white
    (0x68, 0x37, 0x2b), // 2 red
    (0x70, 0xa4, 0xb2), // 3 cyan
    (0x6f, 0x3d, 0x86), // 4 purple
    (0x58, 0x8d, 0x43), // 5 green
    (0x35, 0x28, 0x79), // 6 blue
    (0xb8, 0xc7, 0x6f), // 7 yellow
    (0x6f, 0x4f, 0x25), // 8 orange
    (0x43, 0x39, 0x00), // 9 brown
    (0x9a, 0x67, 0x59), // 10 light red
    (0x44, 0x44, 0x44), // 11 dark grey
    (0x6c, 0x6c, 0x6c), // 12 grey
    (0x9a, 0xd2, 0x84), // 13 light green
    (0x6c, 0x5e, 0xb5), // 14 light blue
    (0x95, 0x95, 0x95), // 15 light grey
];

/// The VIC-II colour a PETSCII colour code selects.
fn petscii_colour(code: char) -> Option<usize> {
    Some(match u32::from(code) {
        0x90 => 0,
        0x05 => 1,
        0x1c => 2,
        0x9f => 3,
        0x9c => 4,
        0x1e => 5,
        0x1f => 6,
        0x9e => 7,
        0x81 => 8,
        0x95 => 9,
        0x96 => 10,
        0x97 => 11,
        0x98 => 12,
        0x99 => 13,
        0x9a => 14,
        0x9b => 15,
        _ => return None,
    })
}

/// Turns the PETSCII control characters in decoded text into what an ANSI terminal does
/// with them: colour codes into 24-bit foreground colours from the VIC-II palette, cursor
/// moves, HOME and CLR into cursor sequences, RVS ON/OFF into reverse video, DEL into
/// backspace-and-delete, RETURN into CR LF; the other controls (character-set switches,
/// function keys) are left out.
///
/// ```
/// use ironboa::encoding::petscii_to_ansi;
/// use ironboa::Encoding;
///
/// let petscii = Encoding::from_name("petscii").unwrap();
/// let text = petscii.decode(b"\x1cRED\x93");
/// assert_eq!(petscii_to_ansi(&text), "\x1b[38;2;104;55;43mred\x1b[2J\x1b[H");
/// ```
pub fn petscii_to_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if let Some(colour) = petscii_colour(c) {
            let (r, g, b) = VIC_II_PALETTE[colour];
            out.push_str(&format!("\x1b[38;2;{r};{g};{b}m"));
            continue;
        }
        match u32::from(c) {
            0x0d => out.push_str("\r\n"),
            0x11 => out.push_str("\x1b[B"),
            0x91 => out.push_str("\x1b[A"),
            0x1d => out.push_str("\x1b[C"),
            0x9d => out.push_str("\x1b[D"),
            0x13 => out.push_str("\x1b[H"),
            0x93 => out.push_str("\x1b[2J\x1b[H"),
            0x12 => out.push_str("\x1b[7m"),
            0x92 => out.push_str("\x1b[27m"),
            0x14 => out.push_str("\x08\x1b[P"),
            0x94 => out.push_str("\x1b[@"),
            0x07 => out.push('\x07'),
            0x00..=0x1f | 0x80..=0x9f => {}
            _ => out.push(c),
        }
    }
    out
}
