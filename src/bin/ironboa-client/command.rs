//! The `telnet>` prompt's commands (Debian telnet's names; any unambiguous prefix works) and the
//! escape character's notation.

use ironboa::Command;

use crate::ModeChoice;

/// A command typed at the `telnet>` prompt.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PromptCommand {
    /// `send ip|brk|ayt|ao|eof|susp|abort|ec|el|ga|nop`: a Telnet command.
    Send(Command),
    /// `send escape`: the escape character itself, as data.
    SendEscape,
    /// `status`.
    Status,
    /// `mode line|character|auto`.
    Mode(ModeChoice),
    /// `toggle echo`: always echo typed text here, even while the server says it echoes (a
    /// server that claims ECHO and never echoes); again to follow the server.
    ToggleEcho,
    /// `set escape CHAR`.
    SetEscape(Option<u8>),
    /// `close` or `quit`.
    Close,
    /// `help` or `?`.
    Help,
}

/// What `help` prints (lines end in CR LF: the terminal is raw).
pub const HELP: &str = concat!(
    "Commands may be abbreviated. Commands are:\r\n",
    "\r\n",
    "send ARG      send a Telnet command: ip brk ayt ao eof susp abort ec el ga\r\n",
    "              nop, or escape (the escape character itself)\r\n",
    "status        print status information\r\n",
    "mode MODE     line (edit lines here), character (send each key as typed),\r\n",
    "              or auto (follow the server)\r\n",
    "toggle echo   always echo typed text here; again: only if the server does not\r\n",
    "set escape C  change the escape character (^X notation, or none)\r\n",
    "close, quit   close the connection and exit\r\n",
    "help, ?       print this help\r\n",
    "\r\n",
    "Each command returns to the session once done, and so does an empty line; the\r\n",
    "escape character typed again sends it.\r\n",
);

const SEND_ARGS: &[(&str, Option<Command>)] = &[
    ("ip", Some(Command::InterruptProcess)),
    ("brk", Some(Command::Break)),
    ("break", Some(Command::Break)),
    ("ayt", Some(Command::AreYouThere)),
    ("ao", Some(Command::AbortOutput)),
    ("eof", Some(Command::EndOfFile)),
    ("susp", Some(Command::Suspend)),
    ("abort", Some(Command::Abort)),
    ("ec", Some(Command::EraseCharacter)),
    ("el", Some(Command::EraseLine)),
    ("ga", Some(Command::GoAhead)),
    ("nop", Some(Command::Nop)),
    ("escape", None),
];

/// Finds `word` among `names`: an exact name, or a prefix of exactly one.
fn lookup<'a, T>(word: &str, names: &'a [(&'a str, T)]) -> Result<&'a T, String> {
    let word = word.to_ascii_lowercase();
    if let Some((_, value)) = names.iter().find(|(name, _)| *name == word) {
        return Ok(value);
    }
    let matches: Vec<_> = names
        .iter()
        .filter(|(name, _)| name.starts_with(&word))
        .collect();
    match matches.as_slice() {
        [(_, value)] => Ok(value),
        [] => Err(format!("?Invalid argument '{word}'")),
        _ => Err(format!("?Ambiguous argument '{word}'")),
    }
}

#[derive(Copy, Clone)]
enum Top {
    Send,
    Status,
    Mode,
    Toggle,
    Set,
    Close,
    Help,
}

const TOP: &[(&str, Top)] = &[
    ("send", Top::Send),
    ("status", Top::Status),
    ("mode", Top::Mode),
    ("toggle", Top::Toggle),
    ("set", Top::Set),
    ("close", Top::Close),
    ("quit", Top::Close),
    ("exit", Top::Close),
    ("help", Top::Help),
    ("?", Top::Help),
];

/// Parses a `telnet>` line: `Ok(None)` for an empty line (back to the session), `Err` with a
/// message to print for anything else that is not a command.
pub fn parse(line: &str) -> Result<Option<PromptCommand>, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&first, rest)) = words.split_first() else {
        return Ok(None);
    };
    let top = *lookup(first, TOP).map_err(|_| format!("?Invalid command '{first}'"))?;
    let argument = |usage: &str| -> Result<&str, String> {
        match rest {
            [one] => Ok(one),
            _ => Err(format!("usage: {usage}")),
        }
    };
    let command = match top {
        Top::Send => {
            let arg = argument("send ip|brk|ayt|ao|eof|susp|abort|ec|el|ga|nop|escape")?;
            match lookup(arg, SEND_ARGS)? {
                Some(command) => PromptCommand::Send(*command),
                None => PromptCommand::SendEscape,
            }
        }
        Top::Status => PromptCommand::Status,
        Top::Mode => {
            let arg = argument("mode line|character|auto")?;
            let modes = [
                ("line", ModeChoice::Line),
                ("character", ModeChoice::Raw),
                ("auto", ModeChoice::Follow),
            ];
            PromptCommand::Mode(*lookup(arg, &modes)?)
        }
        Top::Toggle => {
            let arg = argument("toggle echo")?;
            lookup(arg, &[("echo", ()), ("localecho", ())])?;
            PromptCommand::ToggleEcho
        }
        Top::Set => match rest {
            [name, value] if lookup(name, &[("escape", ())]).is_ok() => {
                PromptCommand::SetEscape(parse_escape(value)?)
            }
            _ => return Err("usage: set escape CHAR".to_owned()),
        },
        Top::Close => PromptCommand::Close,
        Top::Help => PromptCommand::Help,
    };
    Ok(Some(command))
}

/// Parses an escape character as telnet's `-e` takes it: `^]` (caret notation), `^?` for DEL,
/// a single ASCII character, or `none` / `off` / an empty string for no escape character.
pub fn parse_escape(text: &str) -> Result<Option<u8>, String> {
    match text {
        "" | "none" | "off" => Ok(None),
        "^?" => Ok(Some(0x7f)),
        _ => {
            let bytes = text.as_bytes();
            match bytes {
                [b'^', c] if (b'@'..=b'_').contains(&c.to_ascii_uppercase()) => {
                    Ok(Some(c.to_ascii_uppercase() ^ 0x40))
                }
                [c] if c.is_ascii() => Ok(Some(*c)),
                _ => Err(format!(
                    "bad escape character {text:?}: use ^X notation, one ASCII character, or none"
                )),
            }
        }
    }
}

/// A byte as the user would type it: `^]`, `^?`, or the character.
pub fn caret(byte: u8) -> String {
    match byte {
        0..=0x1f => format!("^{}", char::from(byte + 0x40)),
        0x7f => "^?".to_owned(),
        _ => char::from(byte).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_continuation_lines_keep_their_indentation() {
        assert!(HELP.contains("\r\n              nop, or escape"), "{HELP}");
        assert!(HELP.contains("\r\n              or auto (follow"), "{HELP}");
    }

    #[test]
    fn commands_and_prefixes() {
        assert_eq!(
            parse("send ip"),
            Ok(Some(PromptCommand::Send(Command::InterruptProcess)))
        );
        assert_eq!(
            parse("  sen   ayt "),
            Ok(Some(PromptCommand::Send(Command::AreYouThere)))
        );
        assert_eq!(parse("send esc"), Ok(Some(PromptCommand::SendEscape)));
        assert_eq!(parse("st"), Ok(Some(PromptCommand::Status)));
        assert_eq!(
            parse("mode c"),
            Ok(Some(PromptCommand::Mode(ModeChoice::Raw)))
        );
        assert_eq!(
            parse("mode line"),
            Ok(Some(PromptCommand::Mode(ModeChoice::Line)))
        );
        assert_eq!(parse("q"), Ok(Some(PromptCommand::Close)));
        assert_eq!(parse("toggle echo"), Ok(Some(PromptCommand::ToggleEcho)));
        assert_eq!(
            parse("set escape ^X"),
            Ok(Some(PromptCommand::SetEscape(Some(0x18))))
        );
        assert_eq!(parse(""), Ok(None));
        assert!(parse("s ip").is_err()); // send, set, status
        assert!(parse("frobnicate").is_err());
        assert!(parse("send").is_err());
        assert!(parse("send e").is_err()); // eof, ec, el, escape
    }

    #[test]
    fn escape_notation() {
        assert_eq!(parse_escape("^]"), Ok(Some(0x1d)));
        assert_eq!(parse_escape("^x"), Ok(Some(0x18)));
        assert_eq!(parse_escape("^?"), Ok(Some(0x7f)));
        assert_eq!(parse_escape("~"), Ok(Some(b'~')));
        assert_eq!(parse_escape("none"), Ok(None));
        assert!(parse_escape("ab").is_err());
        assert!(parse_escape("é").is_err());
        assert_eq!(caret(0x1d), "^]");
        assert_eq!(caret(0x7f), "^?");
        assert_eq!(caret(b'~'), "~");
    }
}
