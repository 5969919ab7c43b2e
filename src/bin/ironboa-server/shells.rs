//! The built-in shells of `ironboa-server --shell NAME`.

use ironboa::{BlockingTelnetServer, Error, ServerConnection};

/// `default`: greets with what was learned about the terminal, then echoes lines.
pub fn default(conn: ServerConnection) {
    let greeting = format!(
        "Welcome to ironboa, {}!\nYour terminal is {} with {} columns and {} rows.\n\
         Type a line and it comes back; 'quit' leaves.\n",
        conn.addrport(),
        conn.terminal_type(),
        conn.columns(),
        conn.rows()
    );
    if conn.send(&greeting).is_err() {
        return;
    }
    loop {
        if conn.send("> ").is_err() {
            return;
        }
        match conn.readline(None) {
            Ok(line) if line.trim() == "quit" => {
                let _ = conn.send("Goodbye!\n");
                return;
            }
            Ok(line) => {
                if conn.send(&format!("{line}\n")).is_err() {
                    return;
                }
            }
            Err(Error::LimitExceeded { max, .. }) => {
                let _ = conn.send(&format!("That line was longer than {max} bytes.\n"));
            }
            // --encoding-errors strict: the line is refused, and the session goes on.
            Err(Error::Decode {
                encoding, position, ..
            }) => {
                let _ = conn.send(&format!(
                    "That line is not valid {encoding} (byte {position}).\n"
                ));
            }
            Err(_) => return,
        }
    }
}

/// `echo`: writes back every byte it reads, unchanged.
pub fn echo(conn: ServerConnection) {
    while let Ok(bytes) = conn.read_bytes(64 * 1024, None) {
        if conn.write_bytes(&bytes).is_err() {
            return;
        }
    }
}

/// `chat`: what one connection types goes to all the others. A member that does not read
/// never holds up the room: messages are queued for each member without waiting
/// ([`BlockingTelnetServer::broadcast`]), and a member with more than
/// `ServerConfig::max_queued_output` waiting is disconnected. What members type reaches the
/// others stripped of control characters and escape sequences, so no one can erase or
/// rewrite another's line.
pub fn chat(server: &BlockingTelnetServer, conn: ServerConnection) {
    let name = conn.addrport();
    let say = |text: &str| {
        server.broadcast(text, Some(conn.id()));
    };
    let _ = conn.send("Welcome to the chat. Type to talk; 'quit' leaves.\n");
    say(&format!("* {name} joins\n"));
    while let Ok(line) = conn.readline(None) {
        match line.trim() {
            "quit" => break,
            "" => {}
            text => say(&format!("<{name}> {}\n", printable(text))),
        }
    }
    say(&format!("* {name} leaves\n"));
}

/// `text` without control characters or terminal escape sequences (CSI `ESC [ ... final`,
/// OSC `ESC ] ... BEL` or `ESC \\`, and any other `ESC x`).
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    // Parameters and intermediates, then one final byte in @..~.
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') | Some('P') | Some('_') | Some('^') => {
                    // A string up to BEL or ESC \.
                    while let Some(c) = chars.next() {
                        if c == '\x07' {
                            break;
                        }
                        if c == '\x1b' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {}
            },
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `wargame`: telnetlib3's demo.
pub fn wargame(conn: ServerConnection) {
    let _ = conn.write("\r\nWould you like to play a game? ");
    if let Ok(answer) = conn.read(1, None) {
        let _ = conn.write(&answer);
        let _ = conn.write("\r\nThey say the only way to win is to not play at all.\r\n");
    }
}

/// `mud`: the one world every connection of `--shell mud` plays in.
pub fn mini_mud() -> &'static ironboa::mud::mini::MiniMud {
    static MUD: std::sync::OnceLock<ironboa::mud::mini::MiniMud> = std::sync::OnceLock::new();
    MUD.get_or_init(ironboa::mud::mini::MiniMud::new)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn peer_text_is_stripped_of_controls_and_escapes() {
        assert_eq!(printable("hi\x1b[2K\r<bob> lies"), "hi<bob> lies");
        assert_eq!(printable("\x1b]0;pwned\x07title\x08\x07"), "title");
        assert_eq!(printable("\x1b]0;x\x1b\\ok \u{9b}é"), "ok é");
    }
}
