//! Line mode as people see it: `ironboa-server`'s default shell with every real Telnet client
//! that edits lines itself or sends keys as typed, in tmux, reading the pane. The echo of a
//! line starts at column 0 (no staircase), the typed line is the line received, and the
//! editing keys a client sends one at a time are applied.
#![cfg(feature = "cli")]

mod support;

use support::peers::{have_program, python};
use support::server_bin::ServerProcess;
use support::tmux::Pane;

/// Types `hello world` and `abc` BS BS `X` into `client` (a command with `{port}`), and checks
/// that the server's replies are `hello world` and `aX`, each alone on its line from column 0.
fn line_mode_looks_right(name: &str, client: &str) {
    let server = ServerProcess::start(&[]);
    let pane = Pane::start(name, &client.replace("{port}", &server.port.to_string()));
    pane.wait_for("Type a line and it comes back");
    pane.type_text("hello world");
    pane.keys(&["Enter"]);
    assert_line(&pane, "hello world");
    pane.type_text("abc");
    pane.keys(&["BSpace", "BSpace"]);
    pane.type_text("X");
    pane.keys(&["Enter"]);
    assert_line(&pane, "aX");
}

/// Waits until a line of the pane is exactly `text`: the server's echo, at column 0.
fn assert_line(pane: &Pane, text: &str) {
    let mut last = String::new();
    let found = support::eventually(15, || {
        last = pane.capture();
        last.lines().any(|line| line.trim_end() == text)
    });
    assert!(
        found,
        "no line is exactly {text:?}; the pane shows:\n{last}"
    );
}

#[test]
fn debian_telnet() {
    if have_program("tmux") && have_program("telnet") {
        line_mode_looks_right("lm-telnet", "telnet 127.0.0.1 {port}");
    }
}

#[test]
fn busybox_telnet() {
    if have_program("tmux") && have_program("busybox") {
        line_mode_looks_right("lm-busybox", "busybox telnet 127.0.0.1 {port}");
    }
}

#[test]
fn putty_plink() {
    if have_program("tmux") && have_program("plink") {
        line_mode_looks_right("lm-plink", "plink -telnet -P {port} 127.0.0.1");
    }
}

#[test]
fn libtelnet_telnet_client() {
    if have_program("tmux") && have_program("telnet-client") {
        line_mode_looks_right("lm-libtelnet", "telnet-client 127.0.0.1 {port}");
    }
}

#[test]
fn telnetlib3_client() {
    if !have_program("tmux") {
        return;
    }
    let Some(python) = python() else { return };
    let client = python.with_file_name("telnetlib3-client");
    line_mode_looks_right(
        "lm-telnetlib3",
        &format!("{} 127.0.0.1 {{port}}", client.display()),
    );
}
