//! The built ironboa-server binary, driven by Debian's telnet client in tmux, telnetlib3's
//! client, and socat in inetd mode.
#![cfg(feature = "cli")]

mod support;

use std::process::Command;
use std::time::Duration;

use ironboa::client::{ClientConfig, Telnet};
use support::peers::{PeerServer, drive, free_port, have_program, python};
use support::server_bin::{SERVER, ServerProcess};
use support::tmux::Pane;

const T: Option<Duration> = Some(Duration::from_secs(10));

#[test]
fn debian_telnet_greeting_echo_and_escape_quit() {
    if !(have_program("tmux") && have_program("telnet")) {
        return;
    }
    let server = ServerProcess::start(&[]);
    let pane = Pane::start("cli-server", &format!("telnet 127.0.0.1 {}", server.port));
    pane.wait_for("Your terminal is XTERM with 80 columns and 24 rows.");
    pane.type_text("hello, ironboa");
    pane.keys(&["Enter"]);
    assert!(support::eventually(10, || pane
        .capture()
        .matches("hello, ironboa")
        .count()
        == 2));
    pane.keys(&["C-]"]);
    pane.wait_for("telnet>");
    pane.type_text("quit");
    pane.keys(&["Enter"]);
    assert!(support::eventually(10, || !pane.alive()
        || pane.capture().contains("Connection closed")));
}

#[test]
fn debian_telnet_runs_bash_and_a_curses_program_through_pty_exec() {
    if !(have_program("tmux")
        && have_program("telnet")
        && have_program("bash")
        && have_program("top"))
    {
        return;
    }
    let server = ServerProcess::start(&["--pty-exec", "/bin/bash", "--", "--login", "--norc"]);
    let pane = Pane::start("cli-pty", &format!("telnet 127.0.0.1 {}", server.port));
    pane.wait_for("Escape character is");
    pane.type_text("PS1='ready> '; echo cols=$COLUMNS term=$TERM; tput lines");
    pane.keys(&["Enter"]);
    pane.wait_for("cols=80 term=xterm");
    assert!(
        support::eventually(10, || pane.capture().lines().any(|l| l.trim() == "24")),
        "tput lines: {}",
        pane.capture()
    );
    // top draws with curses: its header and column titles fill the screen, 'q' leaves.
    pane.type_text("top -d 5");
    pane.keys(&["Enter"]);
    pane.wait_for("load average");
    pane.wait_for("PID");
    pane.type_text("q");
    pane.wait_for("ready>");
    pane.type_text("exit");
    pane.keys(&["Enter"]);
    assert!(support::eventually(10, || !pane.alive()
        || pane.capture().contains("Connection closed")));
}

#[test]
fn chat_shell_relays_between_connections() {
    let server = ServerProcess::start(&["--shell", "chat"]);
    let alice = Telnet::open(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    alice.read_until(b"'quit' leaves.\r\n", T).unwrap();
    let bob = Telnet::open(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    bob.read_until(b"'quit' leaves.\r\n", T).unwrap();
    assert!(
        String::from_utf8_lossy(&alice.read_until(b"joins\r\n", T).unwrap())
            .contains("* 127.0.0.1:")
    );
    bob.write(b"hello alice\r\n").unwrap();
    let heard = String::from_utf8(alice.read_until(b"hello alice\r\n", T).unwrap()).unwrap();
    assert!(
        heard.starts_with("<127.0.0.1:") && heard.ends_with("> hello alice\r\n"),
        "{heard}"
    );
    bob.write(b"quit\r\n").unwrap();
    assert!(
        String::from_utf8_lossy(&alice.read_until(b"leaves\r\n", T).unwrap())
            .contains("* 127.0.0.1:")
    );
}

#[test]
fn telnetlib3_client_gets_the_default_shell() {
    if python().is_none() {
        return;
    }
    let server = ServerProcess::start(&[]);
    let out = drive(
        "tl3",
        server.port,
        &[
            "until:> ",
            "write:héllo\\r\\n",
            "until:> ",
            "write:quit\\r\\n",
            "until:Goodbye!",
        ],
    );
    assert!(
        out[0]
            .1
            .contains("Your terminal is xterm-256color with 100 columns and 40 rows."),
        "{:?}",
        out[0].1
    );
    assert!(out[1].1.ends_with("héllo\r\n> "), "{:?}", out[1].1);
}

#[test]
fn echo_and_wargame_shells() {
    let server = ServerProcess::start(&["--shell", "echo"]);
    let conn = Telnet::open(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    conn.write(b"ping \xff bytes\r\n").unwrap();
    assert_eq!(
        conn.read_until(b"bytes\r\n", T).unwrap(),
        b"ping \xff bytes\r\n"
    );

    let server = ServerProcess::start(&["--shell", "wargame"]);
    let conn = Telnet::open(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    conn.read_until(b"play a game? ", T).unwrap();
    conn.write(b"n").unwrap();
    let rest = conn.read_all().unwrap();
    assert!(String::from_utf8_lossy(&rest).contains("only way to win is to not play at all"));
}

#[test]
fn pty_exec_runs_a_command_and_follows_a_resize() {
    let server = ServerProcess::start(&["--pty-exec", "/bin/sh"]);
    let config = ClientConfig::default()
        .window_size(91, 27)
        .terminal_type("vt220");
    let conn = Telnet::open(("127.0.0.1", server.port), config).unwrap();
    conn.expect(&[r"[#$] $"], T).unwrap();
    conn.write(b"echo sum=$((20+22)) term=$TERM; stty size\r\n")
        .unwrap();
    let m = conn
        .expect(&[r"sum=42 term=vt220\r\n27 91\r\n"], T)
        .unwrap();
    assert_eq!(m.index, Some(0), "{:?}", String::from_utf8_lossy(&m.data));
    conn.expect(&[r"[#$] $"], T).unwrap();
    conn.set_window_size(120, 50).unwrap();
    // The server applies a new size within a fifth of a second; ask until it shows.
    let mut shown = false;
    for _ in 0..50 {
        conn.write(b"stty size\r\n").unwrap();
        let m = conn.expect(&[r"(\d+) (\d+)\r\n"], T).unwrap();
        if m.group(0) == Some(&b"50 120\r\n"[..]) {
            shown = true;
            break;
        }
        conn.expect(&[r"[#$] $"], T).unwrap();
    }
    assert!(shown, "the resize never reached the program");
    conn.write(b"exit\r\n").unwrap();
    conn.read_all().unwrap();
}

#[test]
fn inetd_mode_under_socat() {
    if !have_program("socat") {
        return;
    }
    let port = free_port();
    let mut socat = Command::new("socat");
    socat
        .arg(format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork"))
        .arg(format!("EXEC:{SERVER} --inetd --shell default,nofork"));
    let _socat = PeerServer::start(socat, port);
    let conn = Telnet::open(
        ("127.0.0.1", port),
        ClientConfig::default().terminal_type("inetd-term"),
    )
    .unwrap();
    let greeting = String::from_utf8(conn.read_until(b"> ", T).unwrap()).unwrap();
    assert!(
        greeting.contains("Your terminal is inetd-term with 80 columns and 24 rows."),
        "{greeting}"
    );
    conn.write(b"under socat\r\n").unwrap();
    assert_eq!(conn.read_until(b"> ", T).unwrap(), b"under socat\r\n> ");
    conn.write(b"quit\r\n").unwrap();
    assert_eq!(conn.read_all().unwrap(), b"Goodbye!\r\n");
}

#[test]
fn ctrl_c_tells_users_and_stops_cleanly() {
    let mut server = ServerProcess::start(&[]);
    let conn = Telnet::open(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    conn.read_until(b"> ", T).unwrap();
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let rest = String::from_utf8(conn.read_all().unwrap()).unwrap();
    assert!(
        rest.contains("The server is shutting down. Goodbye!"),
        "{rest}"
    );
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut stdout = String::new();
    std::io::Read::read_to_string(server.child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    assert!(stdout.contains("ironboa-server stopped"), "{stdout}");
}

#[test]
fn loglevel_trace_dumps_application_data_both_ways() {
    let log = std::env::temp_dir().join(format!("ironboa-trace-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let mut child = Command::new(SERVER)
        .args(["127.0.0.1", "0", "--loglevel", "trace", "--logfile"])
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut first,
    )
    .unwrap();
    let port: u16 = first.trim().rsplit(':').next().unwrap().parse().unwrap();
    let tn = Telnet::open(("127.0.0.1", port), ClientConfig::default()).unwrap();
    tn.read_until(b"> ", T).unwrap();
    tn.write(b"tracecheck\r\n").unwrap();
    assert_eq!(tn.read_until(b"> ", T).unwrap(), b"tracecheck\r\n> ");
    tn.close();
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    // "tracecheck\r\n" went out as application data (the echo) and came in from the client.
    let dump = "74 72 61 63 65 63 68 65 63 6b 0d 0a";
    let sent = text
        .split("ironboa::wire]")
        .filter(|record| record.trim_start().starts_with("send"))
        .any(|record| record.contains(dump));
    let received = text
        .split("ironboa::wire]")
        .filter(|record| record.trim_start().starts_with("recv"))
        .any(|record| record.contains(dump));
    assert!(
        sent && received,
        "sent {sent}, received {received}:\n{text}"
    );
}

#[test]
fn shell_commands_is_telnetsrvs_example_on_the_line_editor() {
    let server = ServerProcess::start(&["--shell", "commands"]);
    let tn = Telnet::open(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    // telnetsrv's prompt (the help text has "> " inside lines).
    tn.read_until(b"Telnet Server> ", T).unwrap();
    tn.write(b"help\r\n").unwrap();
    let help =
        String::from_utf8_lossy(&tn.read_until(b"Telnet Server> ", T).unwrap()).to_lowercase();
    for command in ["echo", "timer", "bye"] {
        assert!(
            help.contains(command),
            "{command} is not in the help: {help:?}"
        );
    }
    tn.write(b"echo \"hello  world\" again\r\n").unwrap();
    let echoed =
        String::from_utf8_lossy(&tn.read_until(b"Telnet Server> ", T).unwrap()).into_owned();
    assert!(echoed.contains("hello  world again"), "{echoed:?}");
}
