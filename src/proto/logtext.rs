//! Peer-controlled text in log lines: escaped, and bounded in length.
//!
//! A peer chooses its terminal type, environment, character set names and locations. Logged
//! as they are, they can carry terminal escape sequences to an operator's screen, forge log
//! lines with CR LF, or make a 16 KiB subnegotiation cost 16 KiB of log (or more, escaped). Every
//! log line of the engine that shows such text goes through [`log_text`]: at most
//! [`LOG_TEXT_MAX`] characters of escaped text, then `...` and the full length in bytes.

use std::fmt;

/// The most characters of escaped peer text a log line shows (an escape such as `\x1b` is
/// never cut in two, so a line shows at most this many).
pub(crate) const LOG_TEXT_MAX: usize = 64;

/// Peer text ready for a log line; formats without allocating, and only when the line is
/// actually written.
#[derive(Clone, Copy)]
pub(crate) struct LogText<'a>(&'a [u8]);

/// Wraps peer-controlled text (bytes or a string) for a log line: ASCII control bytes, `"`,
/// `\` and every byte outside printable ASCII are escaped (`\n`, `\x1b`, `\xc3`, ...), and
/// past [`LOG_TEXT_MAX`] characters the rest is replaced by `...` and the full length.
///
/// Whatever the input, the formatted text is at most 64 characters plus a constant tail:
/// logging never amplifies what a peer sends.
pub(crate) fn log_text<T: AsRef<[u8]> + ?Sized>(text: &T) -> LogText<'_> {
    LogText(text.as_ref())
}

impl fmt::Display for LogText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = 0;
        for &byte in self.0 {
            let escaped = byte.escape_ascii();
            let width = escaped.len();
            if shown + width > LOG_TEXT_MAX {
                return write!(f, "...({} bytes)", self.0.len());
            }
            shown += width;
            write!(f, "{escaped}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for LogText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_printable_text_is_shown_as_is() {
        assert_eq!(log_text("xterm-256color").to_string(), "xterm-256color");
        assert_eq!(log_text(b"").to_string(), "");
        assert_eq!(format!("{:?}", log_text("ANSI")), "\"ANSI\"");
    }

    #[test]
    fn control_bytes_and_non_ascii_are_escaped() {
        assert_eq!(
            log_text(b"xterm\x1b]0;pwned\x07\r\n").to_string(),
            r"xterm\x1b]0;pwned\x07\r\n"
        );
        assert_eq!(log_text("caf\u{e9}").to_string(), r"caf\xc3\xa9");
        assert_eq!(log_text(b"a\"b\\c").to_string(), r#"a\"b\\c"#);
        // Nothing a peer sends reaches the log as a raw control byte.
        let all: Vec<u8> = (0..=255u8).collect();
        let shown = log_text(&all).to_string();
        assert!(shown.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
    }

    #[test]
    fn long_text_is_cut_with_its_length() {
        let text = vec![b'x'; 16 * 1024];
        let shown = log_text(&text).to_string();
        assert_eq!(shown, format!("{}...(16384 bytes)", "x".repeat(64)));
        // Exactly at the bound: shown whole, no marker.
        assert_eq!(log_text(&text[..64]).to_string(), "x".repeat(64));
        assert_eq!(
            log_text(&text[..65]).to_string(),
            format!("{}...(65 bytes)", "x".repeat(64))
        );
    }

    #[test]
    fn escaped_text_is_bounded_too_and_escapes_are_never_cut() {
        // 16 KiB of control bytes: each would be 4 characters escaped.
        let text = vec![0x1bu8; 16 * 1024];
        let shown = log_text(&text).to_string();
        assert_eq!(shown, format!("{}...(16384 bytes)", r"\x1b".repeat(16)));
        // A short run of control bytes that escapes past the bound is cut too.
        let shown = log_text(&[0u8; 20]).to_string();
        assert_eq!(shown, format!("{}...(20 bytes)", r"\x00".repeat(16)));
        // A 2-character escape that would end at 65 characters is not split.
        let mut text = vec![b'y'; 63];
        text.push(b'\n');
        assert_eq!(
            log_text(&text).to_string(),
            format!("{}...(64 bytes)", "y".repeat(63))
        );
    }

    #[test]
    fn output_never_grows_with_input() {
        for len in [0usize, 1, 63, 64, 65, 1000, 1 << 20] {
            for byte in [b'a', 0xff, b'\n'] {
                let text = vec![byte; len];
                let shown = log_text(&text).to_string();
                assert!(
                    shown.len() <= LOG_TEXT_MAX + "...( bytes)".len() + 20,
                    "{len}"
                );
            }
        }
    }
}
