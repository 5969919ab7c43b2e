//! The DOS/OEM code pages that encoding_rs lacks, through oem_cp's tables (cp437, cp850,
//! cp852, ...). cp866 and cp874 are left to encoding_rs (its `IBM866` and `windows-874`).

use oem_cp::OEMCPHashMap;
use oem_cp::code_table;

/// One code page: bytes 0x80..=0xff through oem_cp's tables, 0x00..=0x7f as ASCII.
#[derive(PartialEq, Eq)]
pub(crate) struct OemPage {
    /// The name sent in CHARSET (`CP437`), as telnetlib3 offers it.
    pub(super) name: &'static str,
    number: u16,
    decoding: Table,
    encoding: &'static OEMCPHashMap<char, u8>,
}

impl std::fmt::Debug for OemPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

#[derive(PartialEq, Eq)]
enum Table {
    Complete(&'static [char; 128]),
    Incomplete(&'static [Option<char>; 128]),
}

pub(super) static PAGES: &[OemPage] = &[
    OemPage {
        name: "CP437",
        number: 437,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP437),
        encoding: &code_table::ENCODING_TABLE_CP437,
    },
    OemPage {
        name: "CP720",
        number: 720,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP720),
        encoding: &code_table::ENCODING_TABLE_CP720,
    },
    OemPage {
        name: "CP737",
        number: 737,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP737),
        encoding: &code_table::ENCODING_TABLE_CP737,
    },
    OemPage {
        name: "CP775",
        number: 775,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP775),
        encoding: &code_table::ENCODING_TABLE_CP775,
    },
    OemPage {
        name: "CP850",
        number: 850,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP850),
        encoding: &code_table::ENCODING_TABLE_CP850,
    },
    OemPage {
        name: "CP852",
        number: 852,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP852),
        encoding: &code_table::ENCODING_TABLE_CP852,
    },
    OemPage {
        name: "CP855",
        number: 855,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP855),
        encoding: &code_table::ENCODING_TABLE_CP855,
    },
    OemPage {
        name: "CP857",
        number: 857,
        decoding: Table::Incomplete(&code_table::DECODING_TABLE_CP857),
        encoding: &code_table::ENCODING_TABLE_CP857,
    },
    OemPage {
        name: "CP858",
        number: 858,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP858),
        encoding: &code_table::ENCODING_TABLE_CP858,
    },
    OemPage {
        name: "CP860",
        number: 860,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP860),
        encoding: &code_table::ENCODING_TABLE_CP860,
    },
    OemPage {
        name: "CP861",
        number: 861,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP861),
        encoding: &code_table::ENCODING_TABLE_CP861,
    },
    OemPage {
        name: "CP862",
        number: 862,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP862),
        encoding: &code_table::ENCODING_TABLE_CP862,
    },
    OemPage {
        name: "CP863",
        number: 863,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP863),
        encoding: &code_table::ENCODING_TABLE_CP863,
    },
    OemPage {
        name: "CP864",
        number: 864,
        decoding: Table::Incomplete(&code_table::DECODING_TABLE_CP864),
        encoding: &code_table::ENCODING_TABLE_CP864,
    },
    OemPage {
        name: "CP865",
        number: 865,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP865),
        encoding: &code_table::ENCODING_TABLE_CP865,
    },
    OemPage {
        name: "CP869",
        number: 869,
        decoding: Table::Complete(&code_table::DECODING_TABLE_CP869),
        encoding: &code_table::ENCODING_TABLE_CP869,
    },
];

/// The page a lower-case name (`_` already `-`) stands for: `cp437`, `ibm437`, `437`,
/// `oem437`, `dos-437`, `cp-437`, `csibm437`, `cspc8codepage437`.
pub(super) fn find(lower: &str) -> Option<&'static OemPage> {
    let digits = [
        "cp-",
        "cp",
        "ibm-",
        "ibm",
        "oem-",
        "oem",
        "dos-",
        "dos",
        "csibm",
        "cspc8codepage",
    ]
    .iter()
    .find_map(|prefix| lower.strip_prefix(prefix))
    .unwrap_or(lower);
    let number: u16 = digits.parse().ok()?;
    PAGES.iter().find(|page| page.number == number)
}

impl OemPage {
    /// The character a byte stands for; `None` for the few bytes some pages leave undefined.
    pub(super) fn decode(&self, byte: u8) -> Option<char> {
        match byte.checked_sub(0x80) {
            None => Some(char::from(byte)),
            Some(high) => match self.decoding {
                Table::Complete(table) => Some(table[usize::from(high)]),
                Table::Incomplete(table) => table[usize::from(high)],
            },
        }
    }

    /// The byte that stands for `c`, if the page has it.
    pub(super) fn encode(&self, c: char) -> Option<u8> {
        if c.is_ascii() {
            return u8::try_from(c).ok();
        }
        self.encoding.get(&c).copied()
    }

    /// The offset of the first undefined byte (`bytes.len()` if none).
    pub(super) fn first_invalid(&self, bytes: &[u8]) -> usize {
        bytes
            .iter()
            .position(|&byte| self.decode(byte).is_none())
            .unwrap_or(bytes.len())
    }
}
