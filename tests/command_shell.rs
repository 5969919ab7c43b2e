//! The command shell (`ironboa::shell`) driven by real clients in a tmux pane: Debian's
//! telnet (character mode), PuTTY's plink and telnetlib3's client, each against an in-process
//! server on a loopback port running telnetsrv's short example
//! (`ironboa::shell::telnetsrv_example`, what `ironboa-server --shell commands` runs).
#![cfg(feature = "editor")]

mod editor_support;
mod support;

use editor_support::{Client, Terminal};
use ironboa::shell::{Command, Credentials, Shell, telnetsrv_example};
use ironboa::{BlockingTelnetServer, ServerConfig};

const PROMPT: &str = "Telnet Server>";

/// telnetsrv's example plus `params`, which shows how the parameters were split.
fn shell() -> Shell {
    telnetsrv_example().command(Command::new(
        &["params"],
        "[<param> ...]\nShow how the parameters were split.",
        |ctx, params| ctx.write_result(&format!("params == {params:?}")),
    ))
}

fn connect(
    test: &str,
    client: Client,
    shell: Shell,
    config: ServerConfig,
) -> Option<(BlockingTelnetServer, Terminal)> {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server.serve_in_background(shell.handler()).unwrap();
    let terminal = Terminal::start(test, client, server.local_addr().port())?;
    Some((server, terminal))
}

/// A terminal at the first prompt of [`shell`] in character mode.
fn at_prompt(test: &str, client: Client) -> Option<(BlockingTelnetServer, Terminal)> {
    let (server, t) = connect(
        test,
        client,
        shell(),
        ServerConfig::default().character_mode(true),
    )?;
    t.wait_for("Welcome to my server.");
    t.wait_for_cursor_on(PROMPT, 15);
    Some((server, t))
}

/// The rows from the first one that is `first`, `count` of them.
fn rows_from(t: &Terminal, first: &str, count: usize) -> Vec<String> {
    let rows = t.rows();
    let at = rows
        .iter()
        .rposition(|r| r == first)
        .unwrap_or_else(|| panic!("no row {first:?}:\n{}", rows.join("\n")));
    rows[at..(at + count).min(rows.len())].to_vec()
}

/// Types `line` and, once the shell has echoed it (the cursor's row ends with it), presses
/// Enter: a wait for the next prompt can then not be met by the prompt the line was typed at.
fn command(t: &Terminal, line: &str) {
    t.type_text(line);
    let typed = line.trim_end();
    let mut last = String::new();
    let echoed = support::eventually(15, || {
        let rows = t.rows();
        let (_, y) = t.cursor();
        last = rows.join("\n");
        rows.get(y).is_some_and(|row| row.ends_with(typed))
    });
    assert!(echoed, "{line:?} was never echoed:\n{last}");
    t.keys(&["Enter"]);
}

fn help_output(client: Client) {
    let Some((server, t)) = at_prompt("help", client) else {
        return;
    };
    command(&t, "help");
    t.wait_for("TIMER <time>");
    t.wait_for_cursor_on(PROMPT, 15);
    assert_eq!(
        rows_from(&t, "Telnet Server> help", 7),
        [
            "Telnet Server> help",
            "? [<command>] - Display help",
            "BYE - Exit the command shell",
            "ECHO <text to echo> - Echo text back to the console.",
            "PARAMS [<param> ...] - Show how the parameters were split.",
            "TIMER <time> <message> - In <time> seconds, display <message>.",
            "Telnet Server>",
        ]
    );
    command(&t, "help timer");
    t.wait_for("> TIMER 5");
    t.wait_for_cursor_on(PROMPT, 15);
    assert_eq!(
        rows_from(&t, "Telnet Server> help timer", 9),
        [
            "Telnet Server> help timer",
            "TIMER <time> <message>",
            "",
            "Send a message after a delay.",
            "<time> is in seconds.",
            "If <message> is more than one word, quotes are required.",
            "example:",
            "> TIMER 5 \"hello world!\"",
            "Telnet Server>",
        ]
    );
    // An alias, any case; a mistyped name gets a suggestion.
    command(&t, "COPY a   b");
    t.wait_for_cursor_on(PROMPT, 15);
    assert_eq!(rows_from(&t, "Telnet Server> COPY a   b", 2)[1], "a b");
    command(&t, "ecoh hi");
    t.wait_for("Unknown command 'ecoh'. Did you mean 'echo'? Type 'help' for the commands.");
    server.shutdown();
}

fn parameter_examples(client: Client) {
    let Some((server, t)) = at_prompt("params", client) else {
        return;
    };
    command(&t, r#"params 1  "2    3""#);
    t.wait_for(r#"params == ["1", "2    3"]"#);
    // telnetsrv's continuation example, typed line by line at the `... ` prompt.
    command(&t, r"params 1 \");
    t.wait_for_cursor_on("...", 4);
    command(&t, r#"2 "3"#);
    t.wait_for_cursor_on("...", 4);
    command(&t, r#"4"  "5\"#);
    t.wait_for_cursor_on("...", 4);
    command(&t, r#"6""#);
    t.wait_for(r#"params == ["1", "2", "3\n4", "56"]"#);
    command(&t, r"params 1\ 2");
    t.wait_for(r#"params == ["1 2"]"#);
    // The brief's form with echo: the newline inside the quotes is kept.
    command(&t, r"echo 1 \");
    t.wait_for_cursor_on("...", 4);
    command(&t, r#"2 "3"#);
    t.wait_for_cursor_on("...", 4);
    command(&t, r#"4""#);
    t.wait_for_cursor_on(PROMPT, 15);
    assert_eq!(
        rows_from(&t, r#"... 4""#, 4),
        [r#"... 4""#, "1 2 3", "4", "Telnet Server>"]
    );
    // Ctrl-C abandons a half-finished command, continuation lines and all.
    command(&t, r#"params "open"#);
    t.wait_for_cursor_on("...", 4);
    t.keys(&["C-c"]);
    t.wait_for_cursor_on(PROMPT, 15);
    command(&t, "params done");
    t.wait_for(r#"params == ["done"]"#);
    server.shutdown();
}

fn login_with_a_password_never_echoed(client: Client) {
    let shell = shell().authenticate(Credentials::UsernameAndPassword, |user, password| {
        match (user, password) {
            (Some("admin"), Some("pa55word")) => Ok(()),
            _ => Err(String::new()),
        }
    });
    let config = ServerConfig::default().character_mode(true);
    let Some((server, t)) = connect("login", client, shell, config) else {
        return;
    };
    t.wait_for_cursor_on("Username:", 10);
    command(&t, "admin");
    t.wait_for_cursor_on("Password:", 10);
    t.type_text("guess");
    t.wait_for_cursor_on("Password:", 10);
    t.keys(&["Enter"]);
    t.wait_for("Login incorrect");
    t.wait_for_cursor_on("Username:", 10);
    command(&t, "admin");
    t.wait_for_cursor_on("Password:", 10);
    t.type_text("pa55word");
    // Typed, and still nothing after the prompt.
    t.wait_for_cursor_on("Password:", 10);
    t.keys(&["Enter"]);
    t.wait_for("Welcome to my server.");
    t.wait_for_cursor_on(PROMPT, 15);
    let screen = t.pane.capture();
    assert!(
        !screen.contains("pa55word") && !screen.contains("guess"),
        "{screen}"
    );
    // Neither answer is in the history: Up has nothing to recall.
    t.keys(&["Up"]);
    command(&t, "echo after");
    t.wait_for_cursor_on(PROMPT, 15);
    assert_eq!(rows_from(&t, "Telnet Server> echo after", 2)[1], "after");
    server.shutdown();
}

fn timer_message_while_typing(client: Client) {
    let Some((server, t)) = at_prompt("timer", client) else {
        return;
    };
    command(&t, r#"timer 3 "hello world!""#);
    t.wait_for("Waiting 3 seconds...");
    t.type_text("echo half");
    t.keys(&["Left", "Left"]);
    t.wait_for_cursor_on("Telnet Server> echo half", 22);
    assert_eq!(
        t.count_rows("hello world!"),
        0,
        "the timer fired before the half line was typed; the test proves nothing:\n{}",
        t.pane.capture()
    );
    assert!(editor_support::wait_rows(&t, "hello world!", 1));
    let row = t.wait_for_cursor_on("Telnet Server> echo half", 22);
    let rows = t.rows();
    assert_eq!(rows[row - 1], "hello world!", "{rows:#?}");
    assert_eq!(rows[row - 2], "Waiting 3 seconds...", "{rows:#?}");
    assert_eq!(t.count_rows("Telnet Server> echo half"), 1, "{rows:#?}");
    t.keys(&["Enter"]);
    t.wait_for_cursor_on(PROMPT, 15);
    assert_eq!(rows_from(&t, "Telnet Server> echo half", 2)[1], "half");
    server.shutdown();
}

fn shell_asks_for_character_mode_itself(client: Client) {
    // The server's default config is line mode (as `ironboa-server --shell commands` may
    // run it): the shell negotiates WILL SGA and WILL ECHO on its own.
    let Some((server, t)) = connect("linemode", client, shell(), ServerConfig::default()) else {
        return;
    };
    t.wait_for_cursor_on(PROMPT, 15);
    t.type_text("echo wrld");
    t.keys(&["Left", "Left", "Left"]);
    t.type_text("o");
    t.wait_for_cursor_on("Telnet Server> echo world", 22);
    t.keys(&["Enter"]);
    t.wait_for_cursor_on(PROMPT, 15);
    assert_eq!(rows_from(&t, "Telnet Server> echo world", 2)[1], "world");
    // Tab completes a command name.
    t.type_text("tim");
    t.keys(&["Tab"]);
    t.wait_for_cursor_on("Telnet Server> timer", 21);
    t.keys(&["Enter"]);
    t.wait_for("Need both a time and a message");
    server.shutdown();
}

macro_rules! client_tests {
    ($module:ident, $client:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn help_and_help_command() {
                help_output($client);
            }

            #[test]
            fn telnetsrv_parameter_examples() {
                parameter_examples($client);
            }

            #[test]
            fn login_with_a_password_that_is_never_echoed() {
                login_with_a_password_never_echoed($client);
            }

            #[test]
            fn a_timer_message_arrives_while_a_half_line_is_typed() {
                timer_message_while_typing($client);
            }

            #[test]
            fn the_shell_asks_for_character_mode_itself() {
                shell_asks_for_character_mode_itself($client);
            }
        }
    };
}

client_tests!(debian_telnet, Client::DebianTelnet);
client_tests!(plink, Client::Plink);
client_tests!(telnetlib3, Client::Telnetlib3);
