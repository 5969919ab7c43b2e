//! The line editor (`ironboa::line::LineEditor`) driven by real clients in a tmux pane, as a
//! person would type: Debian's telnet (character mode), PuTTY's plink and telnetlib3's
//! client, each against an in-process server on a loopback port. The key handling itself is
//! unit-tested as byte vectors in src/line/.
#![cfg(feature = "editor")]

mod editor_support;
mod support;

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use editor_support::{Client, Terminal};
use ironboa::line::{Line, LineEditor, Messenger};
use ironboa::{BlockingTelnetServer, ServerConfig};

/// A server whose handler reads lines with a `LineEditor` at the prompt `> ` and says what
/// it got. `appmode` switches the terminal to application cursor keys (arrows then come as
/// `ESC O A`); `secret` asks for a password. Each connection's messenger is handed out.
fn serve() -> (BlockingTelnetServer, Receiver<Messenger>) {
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    let config = ServerConfig::default().character_mode(true);
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server
        .serve_in_background(move |conn| {
            let editor = LineEditor::new(conn.clone());
            let _ = tx.lock().unwrap().send(editor.messenger());
            loop {
                let reply = match editor.readline("> ", None) {
                    Ok(Line::Entered(text)) if text == "appmode" => {
                        let _ = conn.write("\x1b[?1h");
                        "application cursor keys on".to_owned()
                    }
                    Ok(Line::Entered(text)) if text == "secret" => {
                        match editor.read_password("Password: ", None) {
                            Ok(Line::Entered(p)) => format!("password has {} chars", p.len()),
                            _ => "no password".to_owned(),
                        }
                    }
                    Ok(Line::Entered(text)) => format!("got: [{text}]"),
                    Ok(Line::Interrupted(text)) => format!("interrupted: [{text}]"),
                    // The handler would end here; it goes on so the pane stays to be read.
                    Ok(Line::Eof) => "eof".to_owned(),
                    Ok(other) => format!("{other:?}"),
                    Err(_) => return,
                };
                if conn.send(&format!("{reply}\n")).is_err() {
                    return;
                }
            }
        })
        .unwrap();
    (server, rx)
}

/// A terminal connected to a fresh server, at its first prompt.
fn connect(
    test: &str,
    client: Client,
) -> Option<(BlockingTelnetServer, Receiver<Messenger>, Terminal)> {
    let (server, messengers) = serve();
    let terminal = Terminal::start(test, client, server.local_addr().port())?;
    terminal.wait_for_cursor_on(">", 2);
    Some((server, messengers, terminal))
}

/// Types `text` then Enter, and waits for the server's reply row.
fn enter(t: &Terminal, text: &str, reply: &str) {
    t.type_text(text);
    t.keys(&["Enter"]);
    t.wait_for(reply);
}

fn editing_in_the_middle(client: Client) {
    let Some((server, _, t)) = connect("mid", client) else {
        return;
    };
    t.type_text("wrld");
    t.keys(&["Left", "Left", "Left"]);
    t.wait_for_cursor_on("> wrld", 3);
    t.type_text("o");
    t.wait_for_cursor_on("> world", 4);
    t.keys(&["End"]);
    t.type_text("!");
    t.keys(&["Enter"]);
    t.wait_for("got: [world!]");
    let rows = t.rows();
    let at = rows
        .iter()
        .position(|r| r == "> world!")
        .expect("the edited line");
    assert_eq!(rows[at + 1], "got: [world!]", "{rows:#?}");
    // Home, Right, Delete (PuTTY's and the Linux console's ESC [ 1 ~ and ESC [ 3 ~), Ctrl-W.
    t.type_text("say xhello there");
    t.keys(&["Home", "Right", "Right", "Right", "Right", "DC"]);
    t.wait_for_cursor_on("> say hello there", 6);
    t.keys(&["End", "C-w"]);
    t.type_text("world");
    t.keys(&["Enter"]);
    t.wait_for("got: [say hello world]");
    // Ctrl-A and Ctrl-K; Ctrl-U cuts what is before the cursor.
    t.type_text("junk");
    t.keys(&["C-a", "C-k"]);
    t.type_text("abc def");
    t.keys(&["Left", "Left", "C-u"]);
    t.wait_for_cursor_on("> ef", 2);
    t.keys(&["C-e"]);
    t.type_text("!");
    t.keys(&["Enter"]);
    t.wait_for("got: [ef!]");
    server.shutdown();
}

fn application_cursor_keys(client: Client) {
    let Some((server, _, t)) = connect("app", client) else {
        return;
    };
    enter(&t, "appmode", "application cursor keys on");
    // tmux now sends the arrows as ESC O D and ESC O A.
    t.type_text("wrld");
    t.keys(&["Left", "Left", "Left"]);
    t.type_text("o");
    t.keys(&["Enter"]);
    t.wait_for("got: [world]");
    t.keys(&["Up"]);
    t.wait_for_cursor_on("> world", 7);
    t.keys(&["Enter"]);
    assert!(editor_support::wait_rows(&t, "got: [world]", 2));
    server.shutdown();
}

fn history_recall(client: Client) {
    let Some((server, _, t)) = connect("hist", client) else {
        return;
    };
    enter(&t, "first", "got: [first]");
    enter(&t, "second", "got: [second]");
    t.keys(&["Up", "Up"]);
    t.wait_for_cursor_on("> first", 7);
    t.keys(&["Down"]);
    t.wait_for_cursor_on("> second", 8);
    // Past the newest: back to what was being typed (nothing).
    t.keys(&["Down"]);
    t.wait_for_cursor_on(">", 2);
    t.keys(&["Up", "Up", "Home"]);
    t.type_text("1st-");
    t.keys(&["Enter"]);
    t.wait_for("got: [1st-first]");
    t.keys(&["Up", "Up", "Up", "Enter"]);
    assert!(editor_support::wait_rows(&t, "got: [first]", 2));
    server.shutdown();
}

fn message_while_typing(client: Client) {
    let Some((server, messengers, t)) = connect("msg", client) else {
        return;
    };
    let messenger = messengers
        .recv_timeout(Duration::from_secs(10))
        .expect("the handler's messenger");
    t.type_text("half typed");
    t.keys(&["Left", "Left", "Left"]);
    t.wait_for_cursor_on("> half typed", 9);
    messenger.write_message("ding from another thread").unwrap();
    t.wait_for("ding from another thread");
    // The message on its own row, then the prompt and the half line, the cursor where it was.
    let row = t.wait_for_cursor_on("> half typed", 9);
    let rows = t.rows();
    assert_eq!(rows[row - 1], "ding from another thread", "{rows:#?}");
    assert_eq!(t.count_rows("> half typed"), 1, "{rows:#?}");
    // Typing goes on at the cursor; Enter sends the whole line.
    t.type_text("X");
    t.keys(&["Enter"]);
    t.wait_for("got: [half tyXped]");
    // A message with no line being read... and one over a line that wraps.
    t.type_text(&"0123456789".repeat(10));
    t.keys(&["Home", "Right"]);
    t.wait_for_cursor_on(&format!("> {}", &"0123456789".repeat(8)[..78]), 3);
    messenger.write_message("second message").unwrap();
    t.wait_for("second message");
    let rows = t.rows();
    let at = rows.iter().position(|r| r == "second message").unwrap();
    assert!(rows[at + 1].starts_with("> 0123456789"), "{rows:#?}");
    assert_eq!(t.cursor(), (3, at + 1), "{rows:#?}");
    t.keys(&["Enter"]);
    t.wait_for(&format!("got: [{}", "0123456789".repeat(3)));
    server.shutdown();
}

fn ctrl_c_and_ctrl_d(client: Client) {
    let Some((server, _, t)) = connect("ctl", client) else {
        return;
    };
    t.type_text("abandon this");
    t.keys(&["Left", "C-c"]);
    t.wait_for("interrupted: [abandon this]");
    assert_eq!(t.count_rows("> abandon this^C"), 1, "{:#?}", t.rows());
    // Ctrl-D on a line with text deletes; on an empty line it is the end of input.
    t.type_text("ab");
    t.keys(&["C-a", "C-d", "Enter"]);
    t.wait_for("got: [b]");
    t.wait_for_cursor_on(">", 2);
    t.keys(&["C-d"]);
    t.wait_for("eof");
    server.shutdown();
}

fn wide_and_combining_characters(client: Client) {
    let Some((server, _, t)) = connect("wide", client) else {
        return;
    };
    t.type_text("日本語");
    t.wait_for_cursor_on("> 日本語", 8);
    t.keys(&["BSpace"]);
    t.wait_for_cursor_on("> 日本", 6);
    t.keys(&["Left"]);
    t.type_text("x");
    t.wait_for_cursor_on("> 日x本", 5);
    t.keys(&["Enter"]);
    t.wait_for("got: [日x本]");
    // e + COMBINING ACUTE ACCENT is one cell; one Backspace takes both.
    t.type_text("cafe\u{301}");
    t.keys(&["BSpace"]);
    t.type_text("!");
    t.keys(&["Enter"]);
    t.wait_for("got: [caf!]");
    server.shutdown();
}

fn password_not_shown_nor_kept(client: Client) {
    let Some((server, _, t)) = connect("pw", client) else {
        return;
    };
    enter(&t, "secret", "Password:");
    t.type_text("hunter2");
    t.wait_for_cursor_on("Password:", 10);
    t.keys(&["Enter"]);
    t.wait_for("password has 7 chars");
    assert!(
        !t.pane.capture().contains("hunter2"),
        "{}",
        t.pane.capture()
    );
    // Up recalls the command, never the password.
    t.keys(&["Up"]);
    t.wait_for_cursor_on("> secret", 8);
    server.shutdown();
}

macro_rules! client_tests {
    ($module:ident, $client:expr) => {
        mod $module {
            use super::*;

            #[test]
            fn editing_in_the_middle_with_the_arrow_keys() {
                editing_in_the_middle($client);
            }

            #[test]
            fn arrows_in_application_cursor_key_mode() {
                application_cursor_keys($client);
            }

            #[test]
            fn history_recall_with_up_and_down() {
                history_recall($client);
            }

            #[test]
            fn a_message_from_another_thread_redraws_the_half_typed_line() {
                message_while_typing($client);
            }

            #[test]
            fn ctrl_c_abandons_the_line_and_ctrl_d_ends_input() {
                ctrl_c_and_ctrl_d($client);
            }

            #[test]
            fn backspace_over_wide_and_combining_characters() {
                wide_and_combining_characters($client);
            }

            #[test]
            fn a_password_is_neither_shown_nor_kept() {
                password_not_shown_nor_kept($client);
            }
        }
    };
}

client_tests!(debian_telnet, Client::DebianTelnet);
client_tests!(plink, Client::Plink);
client_tests!(telnetlib3, Client::Telnetlib3);

/// Not through a terminal: the Telnet commands a client may send for Ctrl-C and Ctrl-D
/// (LINEMODE clients do), and a client that refuses to let the server echo.
mod telnet_commands {
    use std::time::Duration;

    use ironboa::Command;
    use ironboa::client::{ClientConfig, TelnetConnection};
    use ironboa::proto::Policy;

    use super::serve;

    const T: Option<Duration> = Some(Duration::from_secs(10));

    #[test]
    fn iac_ip_interrupts_the_line_and_iac_eof_ends_input() {
        let (server, _) = serve();
        let client =
            TelnetConnection::connect(server.local_addr(), ClientConfig::default()).unwrap();
        client.read_until("> ", T).unwrap();
        client.write("half").unwrap();
        client.read_until("half", T).unwrap();
        // The command must come alone, once the editor waits for keys: nothing shows that it
        // waits, so give it longer than its command poll (200 ms) to get there. Without the
        // poll the command would wait for the next key and this test would time out.
        std::thread::sleep(Duration::from_millis(500));
        client
            .with_engine(|e| e.send_command(Command::InterruptProcess))
            .unwrap()
            .unwrap();
        let out = client.read_until("> ", T).unwrap();
        assert!(out.contains("^C\r\ninterrupted: [half]\r\n"), "{out:?}");
        client
            .with_engine(|e| e.send_command(Command::EndOfFile))
            .unwrap()
            .unwrap();
        let out = client.read_until("> ", T).unwrap();
        assert!(out.contains("eof\r\n"), "{out:?}");
        server.shutdown();
    }

    #[test]
    fn a_client_that_edits_itself_gets_the_prompt_and_messages_the_line_mode_way() {
        let (server, messengers) = serve();
        // Python telnetlib's way: every option refused, so the server may not echo.
        let config = ClientConfig::default().policy(Policy::refuse_all());
        let client = TelnetConnection::connect(server.local_addr(), config).unwrap();
        let messenger = messengers.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(client.read_until("> ", T).unwrap(), "> ");
        client.write("hello\r\n").unwrap();
        assert_eq!(client.read_until("> ", T).unwrap(), "got: [hello]\r\n> ");
        // A message: on its own line, then the prompt again (the client shows its own typing).
        messenger.write_message("ding").unwrap();
        assert_eq!(client.read_until("> ", T).unwrap(), "\r\nding\r\n> ");
        server.shutdown();
    }
}
