//! A telnetsrv-style command shell: commands with aliases, `help` built from each command's
//! doc text, hidden commands, and bash-like parameters (quotes keep spaces together, `\`
//! escapes, and an unclosed quote or a trailing `\` continues the line at a `... ` prompt).
//!
//! `cargo run --example command_shell [ADDR]`, then try `help`, `echo 1 "2   3"`, `help echo`,
//! `timer`, `bye`.
//!
//! Leaves out: telnetsrv's login queries (see MIGRATION.md for how to add them with
//! `password_mode_on`).

use std::time::Duration;

use ironboa::{BlockingTelnetServer, ServerConfig, ServerConnection};

/// One command: its names (the first is shown in help), its doc text (line 0: parameters,
/// line 1: short help, lines 2+: long help), whether help lists it, and what it does.
struct Command {
    names: &'static [&'static str],
    doc: &'static str,
    hidden: bool,
    run: fn(&ServerConnection, &[String]) -> Flow,
}

enum Flow {
    Continue,
    Exit,
}

const COMMANDS: &[Command] = &[
    Command {
        names: &["echo", "copy", "repeat"],
        doc: "<text to echo>\nEcho text back to the console.\nThis command simply echos the provided text\nback to the console.",
        hidden: false,
        run: |conn, params| {
            let _ = conn.send(&format!("{}\n", params.join(" ")));
            Flow::Continue
        },
    },
    Command {
        names: &["params"],
        doc: "[<param> ...]\nShow how the parameters were split.",
        hidden: false,
        run: |conn, params| {
            let _ = conn.send(&format!("params == {params:?}\n"));
            Flow::Continue
        },
    },
    Command {
        names: &["timer"],
        doc: "\nShow how long you have been connected.",
        hidden: false,
        run: |conn, _| {
            let _ = conn.send(&format!("connected for {:.1?}\n", conn.duration()));
            Flow::Continue
        },
    },
    Command {
        names: &["debug"],
        doc: "\nShow what the server knows about your terminal.",
        hidden: true,
        run: |conn, _| {
            let _ = conn.send(&format!("{:#?}\n", conn.peer_info()));
            Flow::Continue
        },
    },
    Command {
        names: &["bye", "quit", "exit"],
        doc: "\nExit the command shell.",
        hidden: false,
        run: |conn, _| {
            let _ = conn.send("Goodbye.\n");
            Flow::Exit
        },
    },
];

fn find(name: &str) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| c.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
}

fn help(conn: &ServerConnection, params: &[String]) {
    let mut lines = Vec::new();
    match params.first().map(|p| (p, find(p))) {
        Some((_, Some(command))) => {
            let mut doc = command.doc.lines();
            let usage = doc.next().unwrap_or("");
            let short = doc.next().unwrap_or("");
            let long: Vec<&str> = doc.collect();
            lines.push(format!("{} {usage}", command.names[0].to_uppercase()));
            if command.names.len() > 1 {
                lines.push(format!("aliases: {}", command.names[1..].join(", ")));
            }
            lines.push(String::new());
            lines.push(if long.is_empty() {
                short.to_owned()
            } else {
                long.join("\n")
            });
        }
        Some((name, None)) => lines.push(format!("Command '{name}' not known")),
        None => {
            lines.push("? [<command>] - Display help".to_owned());
            for command in COMMANDS.iter().filter(|c| !c.hidden) {
                let mut doc = command.doc.lines();
                let usage = doc.next().unwrap_or("");
                let short = doc.next().unwrap_or("");
                let usage = if usage.is_empty() {
                    String::new()
                } else {
                    format!(" {usage}")
                };
                lines.push(format!(
                    "{}{usage} - {short}",
                    command.names[0].to_uppercase()
                ));
            }
        }
    }
    let _ = conn.send(&format!("{}\n", lines.join("\n")));
}

/// Splits a line the way telnetsrv (and bash) does. Returns `None` when the line is not
/// finished: an open quote, or a trailing backslash.
fn split_params(raw: &str) -> Option<Vec<String>> {
    let mut params = Vec::new();
    let mut current = String::new();
    let mut in_param = false;
    let mut quote: Option<char> = None;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', _) => match chars.next() {
                Some('\n') => {}
                Some(next) => {
                    current.push(next);
                    in_param = true;
                }
                None => return None,
            },
            ('"' | '\'', None) => {
                quote = Some(c);
                in_param = true;
            }
            (c, Some(q)) if c == q => quote = None,
            (c, Some(_)) => current.push(c),
            (' ' | '\t', None) => {
                if in_param {
                    params.push(std::mem::take(&mut current));
                    in_param = false;
                }
            }
            (c, None) => {
                current.push(c);
                in_param = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_param {
        params.push(current);
    }
    Some(params)
}

fn shell(conn: ServerConnection) {
    let _ = conn.send("Welcome to the ironboa command shell. Type 'help'.\n");
    let mut raw = String::new();
    loop {
        let prompt = if raw.is_empty() {
            "Telnet Server> "
        } else {
            "... "
        };
        if conn.write(prompt).is_err() {
            return;
        }
        let Ok(line) = conn.readline(Some(Duration::from_secs(600))) else {
            return;
        };
        if !raw.is_empty() {
            raw.push('\n');
        }
        raw.push_str(&line);
        let Some(params) = split_params(&raw) else {
            continue; // the line goes on
        };
        raw.clear();
        let Some((name, params)) = params.split_first() else {
            continue;
        };
        if name == "?" || name.eq_ignore_ascii_case("help") {
            help(&conn, params);
            continue;
        }
        match find(name) {
            Some(command) => {
                if let Flow::Exit = (command.run)(&conn, params) {
                    return;
                }
            }
            None => {
                let _ = conn.send(&format!("Unknown command '{name}'. Try 'help'.\n"));
            }
        }
    }
}

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let server = BlockingTelnetServer::bind(&addr, ServerConfig::default())?;
    println!("listening on {}", server.local_addr());
    server.serve_forever(shell)
}

#[cfg(test)]
mod tests {
    use super::split_params;

    #[test]
    fn splits_like_telnetsrv() {
        assert_eq!(
            split_params(r#"echo 1  "2    3""#).unwrap(),
            ["echo", "1", "2    3"]
        );
        assert_eq!(split_params(r"echo 1\ 2").unwrap(), ["echo", "1 2"]);
        assert_eq!(split_params("echo 1 \\"), None);
        assert_eq!(split_params("echo 1 \\\n2 \"3"), None);
        assert_eq!(
            split_params("echo 1 \\\n2 \"3\n4\"  \"5\\\n6\"").unwrap(),
            ["echo", "1", "2", "3\n4", "56"]
        );
    }
}
