//! miniboa's caret colour codes, turned into ANSI sequences, and word wrapping to a width.

/// Replaces miniboa's caret codes with ANSI escape sequences.
///
/// | code | meaning | code | meaning |
/// | --- | --- | --- | --- |
/// | `^k` `^K` | black / bright black | `^b` `^B` | blue / bright blue |
/// | `^r` `^R` | red / bright red | `^m` `^M` | magenta / bright magenta |
/// | `^g` `^G` | green / bright green | `^c` `^C` | cyan / bright cyan |
/// | `^y` `^Y` | yellow / bright yellow | `^w` `^W` | white / bright white |
/// | `^0`..`^7` | background black..white | `^d` | reset to default |
/// | `^u` | underline | `^i` | inverse |
/// | `^^` | a literal caret | | |
///
/// Anything else after a caret is left as it is.
///
/// ```
/// assert_eq!(ironboa::server::caret_to_ansi("^rred^d ^^"), "\x1b[22;31mred\x1b[0m ^");
/// ```
pub fn caret_to_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '^' {
            out.push(c);
            continue;
        }
        let Some(code) = chars.next() else {
            out.push('^');
            break;
        };
        match ansi_for(code) {
            Some(sequence) => out.push_str(sequence),
            None => {
                out.push('^');
                out.push(code);
            }
        }
    }
    out
}

fn ansi_for(code: char) -> Option<&'static str> {
    Some(match code {
        'k' => "\x1b[22;30m",
        'r' => "\x1b[22;31m",
        'g' => "\x1b[22;32m",
        'y' => "\x1b[22;33m",
        'b' => "\x1b[22;34m",
        'm' => "\x1b[22;35m",
        'c' => "\x1b[22;36m",
        'w' => "\x1b[22;37m",
        'K' => "\x1b[1;30m",
        'R' => "\x1b[1;31m",
        'G' => "\x1b[1;32m",
        'Y' => "\x1b[1;33m",
        'B' => "\x1b[1;34m",
        'M' => "\x1b[1;35m",
        'C' => "\x1b[1;36m",
        'W' => "\x1b[1;37m",
        '0' => "\x1b[40m",
        '1' => "\x1b[41m",
        '2' => "\x1b[42m",
        '3' => "\x1b[43m",
        '4' => "\x1b[44m",
        '5' => "\x1b[45m",
        '6' => "\x1b[46m",
        '7' => "\x1b[47m",
        'd' => "\x1b[0m",
        'u' => "\x1b[4m",
        'i' => "\x1b[7m",
        '^' => "^",
        _ => return None,
    })
}

/// The width of `word` on screen: caret codes take no room (`^^` takes one).
fn visible_width(word: &str) -> usize {
    let mut width = 0;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c == '^' {
            match chars.next() {
                Some('^') => width += 1,
                Some(code) if ansi_for(code).is_some() => {}
                Some(_) => width += 2,
                None => width += 1,
            }
        } else {
            width += 1;
        }
    }
    width
}

/// Wraps `text` to lines of at most `width` visible characters, breaking at spaces (a word
/// longer than the width gets a line of its own). Existing newlines are kept; caret codes take
/// no room.
///
/// ```
/// assert_eq!(ironboa::server::word_wrap("the quick brown fox", 10), "the quick\nbrown fox");
/// ```
pub fn word_wrap(text: &str, width: usize) -> String {
    let width = width.max(1);
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1));
    for (i, paragraph) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut column = 0;
        for word in paragraph.split(' ') {
            let w = visible_width(word);
            if column > 0 && column + 1 + w > width {
                out.push('\n');
                column = 0;
            } else if column > 0 {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += w;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_codes() {
        assert_eq!(caret_to_ansi("^R^2x^d"), "\x1b[1;31m\x1b[42mx\x1b[0m");
        assert_eq!(caret_to_ansi("^z^"), "^z^");
        assert_eq!(caret_to_ansi("a ^^ b"), "a ^ b");
    }

    #[test]
    fn wrap_ignores_codes_and_keeps_newlines() {
        assert_eq!(word_wrap("^rred^d words here", 9), "^rred^d words\nhere");
        assert_eq!(word_wrap("a\nbb cc", 4), "a\nbb\ncc");
        assert_eq!(
            word_wrap("averyveryverylongword x", 5),
            "averyveryverylongword\nx"
        );
    }
}
