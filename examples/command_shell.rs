//! telnetsrv's short example on `ironboa::shell`: commands with aliases, `help` built from each
//! command's help text, a hidden command, bash-like parameters (quotes keep spaces together,
//! `\` escapes, and an unclosed quote or a trailing `\` continues the line at a `... `
//! prompt), and `timer`, which prints a message later, above whatever is being typed then.
//!
//! `cargo run --example command_shell [ADDR] [--login]`, then `telnet 127.0.0.1 6023` and try
//! `help`, `echo 1 "2   3"`, `help echo`, `params 1\ 2`, `timer 5 "hello world!"` (and start
//! typing), the arrow keys, Up for the history, Tab, `bye`. With `--login`, the user `admin`
//! with the password `secret` gets in.
//!
//! Leaves out: telnetsrv's gevent flavour (every connection here is a thread).

use std::time::Duration;

use ironboa::shell::{Command, Credentials, Shell};
use ironboa::{BlockingTelnetServer, ServerConfig};

/// The shell: telnetsrv's `MyTelnetHandler`, plus `params` and a hidden `debug`.
fn shell(login: bool) -> Shell {
    let shell = Shell::new()
        .welcome("Welcome to my server.")
        .command(Command::new(
            &["echo", "copy", "repeat"],
            "<text to echo>
            Echo text back to the console.
            This command simply echos the provided text
            back to the console.",
            |ctx, params| ctx.write_result(&params.join(" ")),
        ))
        .command(Command::new(
            &["timer"],
            r#"<time> <message>
            In <time> seconds, display <message>.
            Send a message after a delay.
            <time> is in seconds.
            If <message> is more than one word, quotes are required.
            example:
            > TIMER 5 "hello world!""#,
            |ctx, params| {
                let (Some(Ok(time)), Some(message)) =
                    (params.first().map(|t| t.parse::<u64>()), params.get(1))
                else {
                    return ctx.write_error("Need both a time and a message");
                };
                ctx.write_result(&format!("Waiting {time} seconds..."))?;
                // telnetsrv's gevent.spawn_later(time, self.writemessage, message).
                let messenger = ctx.messenger();
                let message = message.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(time.min(3600)));
                    let _ = messenger.write_message(&message);
                });
                Ok(())
            },
        ))
        .command(Command::new(
            &["params"],
            "[<param> ...]
            Show how the parameters were split.
            Shows the parameters as the command gets them, and the raw input.",
            |ctx, params| {
                ctx.write_result(&format!("params == {params:?}"))?;
                ctx.write_result(&format!("raw == {:?}", ctx.raw_input()))
            },
        ))
        .command(
            Command::new(
                &["debug"],
                "\nShow what the server knows about your terminal.",
                |ctx, _| ctx.write_result(&format!("{:#?}", ctx.connection().peer_info())),
            )
            .hidden(),
        )
        // telnetsrv's suggestion: errors in red.
        .style_error(|text| format!("\x1b[91m{text}\x1b[0m"));
    if !login {
        return shell;
    }
    shell.authenticate(Credentials::UsernameAndPassword, |user, password| {
        match (user, password) {
            (Some("admin"), Some("secret")) => Ok(()),
            _ => Err("Login incorrect".into()),
        }
    })
}

fn main() -> Result<(), ironboa::Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let login = args.iter().any(|a| a == "--login");
    let addr = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let config = ServerConfig::default().character_mode(true);
    let server = BlockingTelnetServer::bind(&addr, config)?;
    println!("listening on {}", server.local_addr());
    server.serve_forever(shell(login).handler())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ironboa::client::{ClientConfig, TelnetConnection};
    use ironboa::{BlockingTelnetServer, ServerConfig};

    const T: Option<Duration> = Some(Duration::from_secs(10));

    /// Runs the example's shell on a loopback port and connects ironboa's own client to it.
    fn session(login: bool) -> (BlockingTelnetServer, TelnetConnection) {
        let config = ServerConfig::default().character_mode(true);
        let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
        server
            .serve_in_background(super::shell(login).handler())
            .unwrap();
        let client =
            TelnetConnection::connect(server.local_addr(), ClientConfig::default()).unwrap();
        (server, client)
    }

    /// Types `keys` and returns what the server sent up to the next main prompt.
    fn command(client: &TelnetConnection, keys: &str) -> String {
        client.write(keys).unwrap();
        client.read_until("Telnet Server> ", T).unwrap()
    }

    #[test]
    fn help_lists_the_commands_but_not_the_hidden_one() {
        let (server, client) = session(false);
        let greeting = client.read_until("Telnet Server> ", T).unwrap();
        assert!(greeting.contains("Welcome to my server."), "{greeting:?}");
        let help = command(&client, "help\r");
        assert!(
            help.contains(
                "? [<command>] - Display help\r\nBYE - Exit the command shell\r\n\
                 ECHO <text to echo> - Echo text back to the console.\r\n\
                 PARAMS [<param> ...] - Show how the parameters were split.\r\n\
                 TIMER <time> <message> - In <time> seconds, display <message>.\r\n"
            ),
            "{help:?}"
        );
        assert!(!help.contains("DEBUG"), "{help:?}");
        let echo = command(&client, "help copy\r");
        assert!(
            echo.contains("ECHO <text to echo>\r\n\r\nThis command simply echos"),
            "{echo:?}"
        );
        server.shutdown();
    }

    #[test]
    fn telnetsrv_parameter_examples() {
        let (server, client) = session(false);
        client.read_until("Telnet Server> ", T).unwrap();
        let out = command(&client, "params 1  \"2    3\"\r");
        assert!(out.contains(r#"params == ["1", "2    3"]"#), "{out:?}");
        // Three lines: the first two end at a `... ` prompt.
        client.write("params 1 \\\r").unwrap();
        client.read_until("... ", T).unwrap();
        client.write("2 \"3\r").unwrap();
        client.read_until("... ", T).unwrap();
        let out = command(&client, "4\"  \"5\\\r6\"\r");
        assert!(
            out.contains(r#"params == ["1", "2", "3\n4", "56"]"#),
            "{out:?}"
        );
        assert!(
            out.contains(r#"raw == "params 1 \\\n2 \"3\n4\"  \"5\\\n6\"""#),
            "{out:?}"
        );
        let out = command(&client, "params 1\\ 2\r");
        assert!(out.contains(r#"params == ["1 2"]"#), "{out:?}");
        // The aliases, and an error in red.
        assert!(command(&client, "REPEAT a  b\r").contains("a b\r\n"));
        let out = command(&client, "timer soon\r");
        assert!(
            out.contains("\x1b[91mNeed both a time and a message\x1b[0m"),
            "{out:?}"
        );
        server.shutdown();
    }

    #[test]
    fn the_login_takes_admin_and_secret_only() {
        let (server, client) = session(true);
        client.read_until("Username: ", T).unwrap();
        client.write("admin\r").unwrap();
        client.read_until("Password: ", T).unwrap();
        client.write("wrong\r").unwrap();
        let out = client.read_until("Username: ", T).unwrap();
        assert!(out.contains("Login incorrect"), "{out:?}");
        assert!(
            !out.contains("wrong"),
            "the password is never echoed: {out:?}"
        );
        client.write("admin\r").unwrap();
        client.read_until("Password: ", T).unwrap();
        client.write("secret\r").unwrap();
        let out = client.read_until("Telnet Server> ", T).unwrap();
        assert!(out.contains("Welcome to my server."), "{out:?}");
        assert!(!out.contains("secret"), "{out:?}");
        server.shutdown();
    }
}
