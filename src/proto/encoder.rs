//! Outgoing data: IAC doubling, NVT CR NUL, and optional newline conversion.
//!
//! These are free functions over byte slices so the engine, the drivers and the benchmarks share
//! one implementation. They scan in bulk (memchr) and copy runs, never byte by byte.

use memchr::{memchr, memchr2, memchr3};

use super::command::IAC;

const CR: u8 = b'\r';
const LF: u8 = b'\n';
const NUL: u8 = 0;

/// How outgoing data is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DataEncoding {
    /// BINARY is in effect in the sending direction: CR is sent as itself, never as CR NUL.
    pub binary: bool,
    /// `\n` and `\r\n` are both sent as exactly one CR LF (telnetlib3's and miniboa's `send`).
    pub convert_newlines: bool,
}

/// Appends `input`, encoded for the wire, to `out`.
///
/// * `IAC` (255) is always doubled.
/// * Outside BINARY (NVT mode), a CR not followed by LF within `input` is sent as CR NUL
///   (RFC 854), so a CR at the very end of one call is a bare CR.
/// * With `convert_newlines`, a LF not preceded by CR becomes CR LF.
///
/// ```
/// use ironboa::proto::{encode_data, DataEncoding};
///
/// let mut out = Vec::new();
/// let nvt_text = DataEncoding { binary: false, convert_newlines: true };
/// encode_data(b"a\nb\r\nc\rd\xff", nvt_text, &mut out);
/// assert_eq!(out, b"a\r\nb\r\nc\r\0d\xff\xff");
/// ```
pub fn encode_data(input: &[u8], encoding: DataEncoding, out: &mut Vec<u8>) {
    out.reserve(input.len() + input.len() / 32 + 2);
    if encoding.binary && !encoding.convert_newlines {
        encode_binary(input, out);
        return;
    }
    let mut rest = input;
    loop {
        let found = if encoding.convert_newlines {
            memchr3(IAC, CR, LF, rest)
        } else {
            memchr2(IAC, CR, rest)
        };
        let Some(at) = found else {
            out.extend_from_slice(rest);
            return;
        };
        out.extend_from_slice(&rest[..at]);
        match rest[at] {
            IAC => {
                out.extend_from_slice(&[IAC, IAC]);
                rest = &rest[at + 1..];
            }
            CR if rest.get(at + 1) == Some(&LF) => {
                out.extend_from_slice(&[CR, LF]);
                rest = &rest[at + 2..];
            }
            CR => {
                if encoding.binary {
                    out.push(CR);
                } else {
                    out.extend_from_slice(&[CR, NUL]);
                }
                rest = &rest[at + 1..];
            }
            _ => {
                // A LF with no CR before it, and conversion asked for.
                out.extend_from_slice(&[CR, LF]);
                rest = &rest[at + 1..];
            }
        }
    }
}

fn encode_binary(mut rest: &[u8], out: &mut Vec<u8>) {
    while let Some(at) = find_iac(rest) {
        out.extend_from_slice(&rest[..=at]);
        out.push(IAC);
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
}

/// The first IAC in `bytes`. IAC-dense binary data has one every few bytes, where memchr's
/// setup per call costs more than it saves: a short scalar look comes first.
#[inline]
pub(crate) fn find_iac(bytes: &[u8]) -> Option<usize> {
    const SHORT: usize = 16;
    match bytes.iter().take(SHORT).position(|&b| b == IAC) {
        Some(at) => Some(at),
        None if bytes.len() <= SHORT => None,
        None => memchr(IAC, &bytes[SHORT..]).map(|at| at + SHORT),
    }
}

/// Appends an `IAC SB <option> payload IAC SE` frame to `out`, doubling any IAC in the payload.
pub fn encode_subnegotiation(option: u8, payload: &[u8], out: &mut Vec<u8>) {
    use super::command::{SB, SE};
    out.extend_from_slice(&[IAC, SB]);
    if option == IAC {
        out.extend_from_slice(&[IAC, IAC]);
    } else {
        out.push(option);
    }
    encode_binary(payload, out);
    out.extend_from_slice(&[IAC, SE]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(input: &[u8], binary: bool, convert_newlines: bool) -> Vec<u8> {
        let mut out = Vec::new();
        encode_data(
            input,
            DataEncoding {
                binary,
                convert_newlines,
            },
            &mut out,
        );
        out
    }

    #[test]
    fn iac_is_doubled_in_every_mode() {
        for binary in [false, true] {
            for convert in [false, true] {
                assert_eq!(enc(b"\xff", binary, convert), b"\xff\xff");
                assert_eq!(enc(b"a\xff\xffb", binary, convert), b"a\xff\xff\xff\xffb");
            }
        }
    }

    #[test]
    fn nvt_bare_cr_becomes_cr_nul() {
        assert_eq!(enc(b"a\rb", false, false), b"a\r\0b");
        assert_eq!(enc(b"a\r", false, false), b"a\r\0");
        assert_eq!(enc(b"a\r\nb", false, false), b"a\r\nb");
        assert_eq!(enc(b"a\nb", false, false), b"a\nb");
        assert_eq!(enc(b"a\rb", true, false), b"a\rb");
    }

    #[test]
    fn newline_conversion_gives_exactly_one_crlf() {
        assert_eq!(enc(b"a\nb\r\nc", false, true), b"a\r\nb\r\nc");
        assert_eq!(enc(b"\n\n", true, true), b"\r\n\r\n");
        assert_eq!(enc(b"\r\r\n", false, true), b"\r\0\r\n");
        assert_eq!(enc(b"\r\r\n", true, true), b"\r\r\n");
    }

    #[test]
    fn subnegotiation_frame_escapes_payload() {
        let mut out = Vec::new();
        encode_subnegotiation(31, &[0, 255, 0, 24], &mut out);
        assert_eq!(out, [255, 250, 31, 0, 255, 255, 0, 24, 255, 240]);
    }
}
