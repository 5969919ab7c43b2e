//! miniboa's caret colour codes, turned into ANSI sequences, and word wrapping to a width.

/// Replaces miniboa's caret codes with ANSI escape sequences, exactly as miniboa's
/// `colorize` does (its table, `miniboa/xterm.py`).
///
/// | code | meaning | code | meaning |
/// | --- | --- | --- | --- |
/// | `^k` `^K` | black / bright black | `^b` `^B` | blue / bright blue |
/// | `^r` `^R` | red / bright red | `^m` `^M` | magenta / bright magenta |
/// | `^g` `^G` | green / bright green | `^c` `^C` | cyan / bright cyan |
/// | `^y` `^Y` | yellow / bright yellow | `^w` `^W` | white / bright white |
/// | `^0`..`^6` | background black..cyan | `^d` | default colours (`39;49m`) |
/// | `^I` `^i` | inverse on / off | `^U` `^u` | underline on / off |
/// | `^!` `^.` | bold on / off | `^~` | reset all |
/// | `^s` | clear the screen | `^l` | clear the line |
/// | `^^` | a literal caret | | |
///
/// Anything else after a caret is left as it is.
///
/// ```
/// assert_eq!(ironboa::server::caret_to_ansi("^rred^d ^^"), "\x1b[22;31mred\x1b[39;49m ^");
/// ```
pub fn caret_to_ansi(text: &str) -> String {
    convert_carets(text, true)
}

/// Removes miniboa's caret codes (`^^` becomes a caret), as miniboa's `strip_caret_codes`
/// does for clients that do not want ANSI.
///
/// ```
/// assert_eq!(ironboa::server::strip_caret_codes("^Rbold^~ ^^ ^z"), "bold ^ ^z");
/// ```
pub fn strip_caret_codes(text: &str) -> String {
    convert_carets(text, false)
}

fn convert_carets(text: &str, ansi: bool) -> String {
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
            Some(sequence) if ansi || code == '^' => out.push_str(sequence),
            Some(_) => {}
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
        'd' => "\x1b[39;49m",
        'I' => "\x1b[7m",
        'i' => "\x1b[27m",
        '~' => "\x1b[0m",
        'U' => "\x1b[4m",
        'u' => "\x1b[24m",
        '!' => "\x1b[1m",
        '.' => "\x1b[22m",
        's' => "\x1b[2J",
        'l' => "\x1b[2K",
        '^' => "^",
        _ => return None,
    })
}

/// miniboa's `word_wrap`: the text's paragraphs (separated by blank lines) as lines of at most
/// `columns - padding` characters, the first line of each paragraph indented by `indent`
/// spaces and one more, later lines by `padding` spaces. Caret codes count as the characters
/// they are, as in miniboa. [`ServerConnection::send_wrapped`](super::ServerConnection::send_wrapped)
/// uses it with miniboa's defaults (indent 4, padding 2).
///
/// ```
/// let lines = ironboa::server::wrap_paragraphs("the quick brown fox jumps", 16, 4, 2);
/// assert_eq!(lines, ["     the quick", "  brown fox", "  jumps"]);
/// ```
pub fn wrap_paragraphs(text: &str, columns: usize, indent: usize, padding: usize) -> Vec<String> {
    let columns = columns.saturating_sub(padding);
    let mut lines = Vec::new();
    for paragraph in paragraphs(text) {
        let mut line = " ".repeat(indent);
        for word in paragraph.split_whitespace() {
            if line.chars().count() + 1 + word.chars().count() > columns {
                lines.push(std::mem::replace(&mut line, " ".repeat(padding)));
                line.push_str(word);
            } else {
                line.push(' ');
                line.push_str(word);
            }
        }
        if !line.chars().all(char::is_whitespace) {
            lines.push(line);
        }
    }
    lines
}

/// The paragraphs of `text`: the pieces between runs of a newline, any whitespace, and another
/// newline (miniboa's `\n\s*\n`), without the pieces that are only whitespace.
fn paragraphs(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            // Look for whitespace then another newline.
            let mut j = i + 1;
            let mut end = None;
            while j < bytes.len() && text[j..].starts_with(char::is_whitespace) {
                let c = text[j..].chars().next().map_or(1, char::len_utf8);
                if bytes[j] == b'\n' {
                    end = Some(j + 1);
                }
                j += c;
            }
            if let Some(end) = end {
                pieces.push(&text[start..i]);
                start = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    pieces.push(&text[start..]);
    pieces
        .into_iter()
        .filter(|p| !p.chars().all(char::is_whitespace))
        .collect()
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
        assert_eq!(caret_to_ansi("^R^2x^d"), "\x1b[1;31m\x1b[42mx\x1b[39;49m");
        assert_eq!(caret_to_ansi("^z^"), "^z^");
        assert_eq!(caret_to_ansi("^7"), "^7", "miniboa has no ^7");
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
