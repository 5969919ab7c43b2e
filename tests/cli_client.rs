//! The built ironboa-client binary: in a tmux pane against telnetlib3-server and busybox
//! telnetd, and in a shell pipeline.
#![cfg(feature = "cli")]

mod support;

use std::process::Command;

use support::peers::{PeerServer, have_program};
use support::server_bin::ServerProcess;
use support::tmux::Pane;

const CLIENT: &str = env!("CARGO_BIN_EXE_ironboa-client");

/// The pane runs the client, then prints the terminal's canonical-mode and echo flags, so the
/// test can see the terminal was restored.
fn client_pane(name: &str, port: u16) -> Pane {
    let command = format!(
        "sh -c '{CLIENT} 127.0.0.1 {port}; echo; echo exited=$?; stty -a | tr \" \" \"\\n\" | grep -x -e icanon -e -icanon -e echo -e -echo | tr \"\\n\" \" \"; echo; sleep 60'"
    );
    Pane::start(name, &command)
}

fn assert_restored(pane: &Pane) {
    pane.wait_for("exited=0");
    pane.wait_for("icanon");
    let screen = pane.capture();
    let flags = screen
        .lines()
        .find(|l| l.contains("icanon"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        flags.split_whitespace().any(|f| f == "icanon"),
        "terminal left raw: {flags:?}\n{screen}"
    );
    assert!(
        flags.split_whitespace().any(|f| f == "echo"),
        "echo left off: {flags:?}\n{screen}"
    );
}

#[test]
fn interactive_against_telnetlib3_server() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = PeerServer::telnetlib3(false) else {
        return;
    };
    let pane = client_pane("client-tl3", server.port);
    pane.wait_for("tel:sh>"); // tmux trims the trailing space
    // telnetlib3 negotiates WILL ECHO and WILL SGA: character mode, the server echoes.
    pane.type_text("help");
    pane.keys(&["Enter"]);
    pane.wait_for("quit, writer, slc, linemode");
    pane.keys(&["C-]"]);
    assert_restored(&pane);
}

#[test]
fn interactive_against_busybox_telnetd() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let pane = client_pane("client-bb", server.port);
    pane.wait_for("busybox-telnetd ready");
    pane.type_text("echo sum=$((40+2))");
    pane.keys(&["Enter"]);
    pane.wait_for("sum=42");
    // Typed once, echoed once (by the server's pty).
    assert_eq!(
        pane.capture().matches("echo sum=$((40+2))").count(),
        1,
        "{}",
        pane.capture()
    );
    pane.type_text("stty size");
    pane.keys(&["Enter"]);
    pane.wait_for("24 80");
    // A resize of the terminal reaches the server as NAWS, and the shell's pty follows.
    pane.resize(100, 30);
    pane.type_text("clear; stty size");
    pane.keys(&["Enter"]);
    pane.wait_for("30 100");
    pane.keys(&["C-]"]);
    assert_restored(&pane);
}

#[test]
fn pipeline_against_busybox_telnetd() {
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf 'echo hi$((1+1))\\nexit\\n' | {CLIENT} 127.0.0.1 {}",
            server.port
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("hi2"), "{stdout}");
    assert!(stdout.contains("busybox-telnetd ready"), "{stdout}");
}

#[test]
fn pipeline_against_ironboa_server() {
    let server = ServerProcess::start(&[]);
    let port = server.port;
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf 'first line\\nsecond\\nquit\\n' | {CLIENT} --term pipe-term 127.0.0.1 {port}"
        ))
        .output()
        .unwrap();
    drop(server);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Your terminal is pipe-term"), "{stdout}");
    assert!(
        stdout.contains("> first line\r\n> second\r\n> Goodbye!"),
        "{stdout}"
    );
}
