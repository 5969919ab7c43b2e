//! The trace-level wire dump.

use std::fmt::Write;

/// The log target of the wire dump: enable `ironboa::wire=trace` to see every byte each way.
pub const WIRE_TARGET: &str = "ironboa::wire";

/// Formats `bytes` as classic hex-dump lines: offset, 16 hex bytes, and their printable ASCII.
///
/// ```
/// let dump = ironboa::proto::hexdump(b"\xff\xfd\x18hi");
/// assert_eq!(dump, "0000  ff fd 18 68 69                                   ...hi");
/// ```
pub fn hexdump(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 + 8);
    for (row, chunk) in bytes.chunks(16).enumerate() {
        if row > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{:04x}  ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
        }
        out.push(' ');
        out.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
    }
    out
}

/// Logs `bytes` at trace level under [`WIRE_TARGET`], if that level is enabled.
pub(crate) fn trace_wire(direction: &str, bytes: &[u8]) {
    if !bytes.is_empty() && log::log_enabled!(target: WIRE_TARGET, log::Level::Trace) {
        log::trace!(target: WIRE_TARGET, "{direction} {} bytes\n{}", bytes.len(), hexdump(bytes));
    }
}
