//! Peer-controlled text on its way into a log line or a program's environment.
//!
//! A client chooses its terminal type, its environment variables and everything it types. None
//! of it reaches a log unbounded or unescaped, and none of it reaches a program's environment
//! unless it is a well-formed value of the kind the variable holds.

use std::fmt::Write;

/// The most characters of one peer-controlled value a log line shows.
pub const LOG_CHARS: usize = 64;

/// `text` as a log line may show it: at most [`LOG_CHARS`] characters, control characters and
/// quotes escaped (`\u{1b}`, `\n`, `\"`), and how long it really was when it was cut.
pub fn for_log(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(LOG_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    let total = text.chars().count();
    if total > LOG_CHARS {
        let _ = write!(shown, "...({total} characters)");
    }
    shown
}

/// The TERM to give a program for the terminal type a client reported, or `None` when it is
/// not a terminal name. A name is 1 to 64 ASCII letters, digits and `-_.+`, beginning with a
/// letter or digit: what terminfo's names are made of, so no escape sequence, path or space
/// gets through. Terminal types are case-insensitive (RFC 1091) and some clients send them
/// upper-cased after RFC 1010's list (Debian's telnet sends "XTERM"), while terminfo's names
/// are lower-case: an all-upper-case type is lowered, anything else ("Eterm",
/// "xterm-256color") is kept.
pub fn terminal_name(terminal_type: &str) -> Option<String> {
    let bytes = terminal_type.as_bytes();
    let well_formed = (1..=64).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b));
    if !well_formed {
        return None;
    }
    Some(if bytes.iter().any(u8::is_ascii_lowercase) {
        terminal_type.to_owned()
    } else {
        terminal_type.to_ascii_lowercase()
    })
}

/// Whether `value` is a locale name for LANG or LC_*: `language[_territory][.codeset][@modifier]`
/// ("C", "POSIX", "C.UTF-8", "en_US.utf8", "sr_RS@latin"), at most 64 characters. glibc reads
/// locale data from any path a name with a `/` spells out, so a path is never a locale name.
pub fn is_locale_name(value: &str) -> bool {
    fn word(part: &str) -> bool {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }
    if value.is_empty() || value.len() > 64 {
        return false;
    }
    let (rest, modifier) = match value.split_once('@') {
        Some((rest, modifier)) => (rest, Some(modifier)),
        None => (value, None),
    };
    let (rest, codeset) = match rest.split_once('.') {
        Some((rest, codeset)) => (rest, Some(codeset)),
        None => (rest, None),
    };
    let (language, territory) = match rest.split_once('_') {
        Some((language, territory)) => (language, Some(territory)),
        None => (rest, None),
    };
    !language.is_empty()
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && territory.is_none_or(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()))
        && codeset.is_none_or(word)
        && modifier.is_none_or(word)
}

/// Whether `value` may be COLORTERM: empty, or a short word ("truecolor", "24bit").
pub fn is_colorterm(value: &str) -> bool {
    value.len() <= 32
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_text_is_bounded_and_escaped() {
        assert_eq!(for_log("xterm"), "xterm");
        assert_eq!(
            for_log("xterm\u{1b}]0;pwned\u{7}"),
            "xterm\\u{1b}]0;pwned\\u{7}"
        );
        let long = "\u{1b}".repeat(16 * 1024);
        let shown = for_log(&long);
        assert!(shown.len() < 64 * 8 + 40, "{}", shown.len());
        assert!(shown.ends_with("...(16384 characters)"), "{shown}");
    }

    #[test]
    fn terminal_names() {
        assert_eq!(terminal_name("XTERM").as_deref(), Some("xterm"));
        assert_eq!(terminal_name("VT100").as_deref(), Some("vt100"));
        assert_eq!(
            terminal_name("xterm-256color").as_deref(),
            Some("xterm-256color")
        );
        assert_eq!(terminal_name("Eterm").as_deref(), Some("Eterm"));
        assert_eq!(terminal_name("xterm\u{1b}]0;pwned\u{7}"), None);
        assert_eq!(terminal_name("../../tmp/x"), None);
        assert_eq!(terminal_name("-xterm"), None);
        assert_eq!(terminal_name(""), None);
        assert_eq!(terminal_name("xterm color"), None);
        assert_eq!(terminal_name(&"x".repeat(65)), None);
    }

    #[test]
    fn locale_names() {
        for good in [
            "C",
            "POSIX",
            "C.UTF-8",
            "en_US.utf8",
            "en_US.UTF-8",
            "sr_RS@latin",
        ] {
            assert!(is_locale_name(good), "{good}");
        }
        for bad in [
            "/tmp/evil",
            "en_US.UTF-8/../../tmp",
            "../evil",
            ".",
            "",
            "en US",
            "en_US.",
            "_US",
            "de_DE\u{1b}",
        ] {
            assert!(!is_locale_name(bad), "{bad:?}");
        }
        assert!(!is_locale_name(&"a".repeat(65)));
    }

    #[test]
    fn colorterm_values() {
        assert!(is_colorterm(""));
        assert!(is_colorterm("truecolor"));
        assert!(!is_colorterm("/tmp/x"));
        assert!(!is_colorterm("24bit\u{1b}"));
    }
}
