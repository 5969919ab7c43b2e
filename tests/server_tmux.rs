//! BlockingTelnetServer driven by Debian's telnet client (inetutils) in a tmux pane, as a
//! person would use it.

mod support;

use std::time::Duration;

use ironboa::{BlockingTelnetServer, ServerConfig, ServerConnection};
use support::eventually;
use support::peers::have_program;
use support::tmux::Pane;

fn echo_handler(conn: ServerConnection) {
    let greeting = format!(
        "Welcome, {} {}x{} mode={}\n> ",
        conn.terminal_type(),
        conn.columns(),
        conn.rows(),
        conn.mode()
    );
    if conn.send(&greeting).is_err() {
        return;
    }
    while let Ok(line) = conn.readline(Some(Duration::from_secs(30))) {
        if conn.send(&format!("echo: [{line}]\n> ")).is_err() {
            return;
        }
    }
}

fn have_tools() -> bool {
    have_program("tmux") && have_program("telnet")
}

#[test]
fn debian_telnet_line_mode_greeting_echo_and_quit() {
    if !have_tools() {
        return;
    }
    let server = BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
    server.serve_in_background(echo_handler).unwrap();
    let port = server.local_addr().port();
    let pane = Pane::start("line", &format!("telnet 127.0.0.1 {port}"));
    // inetutils telnet reports TERM upper-cased, and the pane's size.
    pane.wait_for("Welcome, XTERM 80x24 mode=local");
    pane.type_text("hello there");
    pane.keys(&["Enter"]);
    pane.wait_for("echo: [hello there]");
    // The client echoes locally in line mode: the typed line shows exactly once.
    assert_eq!(
        pane.capture().matches("hello there").count(),
        2,
        "{}",
        pane.capture()
    );
    pane.keys(&["C-]"]);
    pane.wait_for("telnet>");
    pane.type_text("quit");
    pane.keys(&["Enter"]);
    assert!(eventually(10, || !pane.alive()
        || pane.capture().contains("Connection closed")));
    assert!(eventually(10, || server.connection_count() == 0));
    server.shutdown();
}

#[test]
fn debian_telnet_character_mode_server_echoes_once() {
    if !have_tools() {
        return;
    }
    let config = ServerConfig::default().character_mode(true);
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server.serve_in_background(echo_handler).unwrap();
    let port = server.local_addr().port();
    let pane = Pane::start("char", &format!("telnet 127.0.0.1 {port}"));
    pane.wait_for("mode=remote");
    pane.type_text("abcx");
    pane.keys(&["BSpace"]);
    pane.type_text("d");
    pane.keys(&["Enter"]);
    pane.wait_for("echo: [abcd]");
    let screen = pane.capture();
    // Typed once, echoed by the server once, erased and corrected on screen.
    assert!(screen.contains("> abcd\n"), "{screen}");
    assert!(!screen.contains("abcxd"), "{screen}");
    server.shutdown();
}
