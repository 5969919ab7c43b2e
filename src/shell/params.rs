//! Splitting a command line into words as bash does (telnetsrv's `InputBashLike`).

/// Why a command line is not finished yet: the shell then reads a continuation line (at the
/// `... ` prompt) and splits the whole again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfinished {
    /// A quote (`'` or `"`) was opened and not closed.
    Quote(char),
    /// The line ends with a backslash.
    Backslash,
}

/// Splits `raw` into words as bash does:
///
/// * spaces and tabs separate words; `"..."` and `'...'` keep spaces (and newlines) inside
///   one word, and `""` is an empty word;
/// * outside quotes, `\` makes the next character literal (`1\ 2` is one word);
/// * inside double quotes, `\` escapes only `"`, `\`, `$` and `` ` ``; elsewhere it stays;
///   inside single quotes nothing is special;
/// * a backslash before a line break joins the lines, in quotes or not.
///
/// A line with an open quote or a final backslash is [`Unfinished`]; append a newline and the
/// next line, and split again.
///
/// telnetsrv's own examples:
///
/// ```
/// use ironboa::shell::split_params;
///
/// assert_eq!(split_params(r#"echo 1  "2    3""#).unwrap(), ["echo", "1", "2    3"]);
/// assert!(split_params("echo 1 \\").is_err());
/// assert!(split_params("echo 1 \\\n2 \"3").is_err());
/// assert_eq!(
///     split_params("echo 1 \\\n2 \"3\n4\"  \"5\\\n6\"").unwrap(),
///     ["echo", "1", "2", "3\n4", "56"]
/// );
/// assert_eq!(split_params(r"echo 1\ 2").unwrap(), ["echo", "1 2"]);
/// ```
pub fn split_params(raw: &str) -> Result<Vec<String>, Unfinished> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\\') => match chars.next() {
                Some('\n') => {}
                Some(next) => {
                    word.push(next);
                    in_word = true;
                }
                None => return Err(Unfinished::Backslash),
            },
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ' | '\t' | '\n' | '\r') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => match chars.next() {
                Some('\n') => {}
                Some(next @ ('"' | '\\' | '$' | '`')) => word.push(next),
                Some(next) => {
                    word.push('\\');
                    word.push(next);
                }
                None => return Err(Unfinished::Quote('"')),
            },
            (Some(_), c) => word.push(c),
        }
    }
    if let Some(q) = quote {
        return Err(Unfinished::Quote(q));
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telnetsrv_examples() {
        assert_eq!(
            split_params(r#"echo 1  "2    3""#).unwrap(),
            ["echo", "1", "2    3"]
        );
        assert_eq!(split_params("echo 1 \\"), Err(Unfinished::Backslash));
        assert_eq!(
            split_params("echo 1 \\\n2 \"3"),
            Err(Unfinished::Quote('"'))
        );
        assert_eq!(
            split_params("echo 1 \\\n2 \"3\n4\"  \"5\\"),
            Err(Unfinished::Quote('"'))
        );
        assert_eq!(
            split_params("echo 1 \\\n2 \"3\n4\"  \"5\\\n6\"").unwrap(),
            ["echo", "1", "2", "3\n4", "56"]
        );
        // The brief's three-line form.
        assert_eq!(
            split_params("echo 1 \\\n2 \"3\n4\"").unwrap(),
            ["echo", "1", "2", "3\n4"]
        );
        assert_eq!(split_params(r"echo 1\ 2").unwrap(), ["echo", "1 2"]);
    }

    #[test]
    fn quotes_as_bash_has_them() {
        assert_eq!(
            split_params(r#"a 'x "y" \n' "p \"q\" \n \\ \$" '' "" z"#).unwrap(),
            ["a", r#"x "y" \n"#, r#"p "q" \n \ $"#, "", "", "z"]
        );
        assert_eq!(
            split_params("say it's").unwrap_err(),
            Unfinished::Quote('\'')
        );
        assert_eq!(split_params("  \t ").unwrap(), Vec::<String>::new());
        assert_eq!(
            split_params("x\"y z\"w").unwrap(),
            ["xy zw"],
            "quotes join to the word around them"
        );
    }
}
