//! `ServerConnection::next_event` fed by real clients nobody here wrote: telnetlib3's client
//! sending GMCP, and Debian's telnet client (inetutils, in a tmux pane) sending IP, BRK and AO
//! from its `telnet>` prompt and NAWS updates when its window is resized.

mod support;

use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use ironboa::options::{Subnegotiation, WindowSize};
use ironboa::{BlockingTelnetServer, Command, Event, ServerConfig, ServerConnection, TelnetOption};
use support::peers::{have_program, python};
use support::tmux::Pane;

/// How long a test waits for one thing a peer should do.
const WAIT: Duration = Duration::from_secs(15);

/// A handler that greets with `greeting` (if any), then hands every event it sees to the test
/// thread until the connection closes or a minute passes.
fn forwarding(
    greeting: Option<&'static str>,
    tx: Sender<Event>,
) -> impl Fn(ServerConnection) + Send + Sync + 'static {
    move |conn: ServerConnection| {
        if let Some(text) = greeting {
            if conn.send(text).is_err() {
                return;
            }
        }
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            match conn.next_event(Some(left)) {
                Ok(event) => {
                    if tx.send(event).is_err() {
                        return;
                    }
                }
                // Error::Timeout (the minute is up), Error::Closed (the client went away).
                Err(_) => return,
            }
        }
    }
}

/// Starts a server whose handler forwards events; returns it and the receiving end.
fn start(
    config: ServerConfig,
    greeting: Option<&'static str>,
) -> (BlockingTelnetServer, Receiver<Event>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).expect("bind");
    server
        .serve_in_background(forwarding(greeting, tx))
        .expect("serve");
    (server, rx)
}

/// Receives events until `pick` accepts one, for at most `WAIT`. Every event looked at is
/// appended to `seen`; on a timeout the test fails and shows them.
fn next_matching<T>(
    rx: &Receiver<Event>,
    seen: &mut Vec<Event>,
    what: &str,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        match rx.recv_deadline(deadline) {
            Ok(event) => {
                let picked = pick(&event);
                seen.push(event);
                if let Some(value) = picked {
                    return value;
                }
            }
            Err(_) => panic!("the handler never saw {what}; it saw: {seen:#?}"),
        }
    }
}

fn gmcp(event: &Event) -> Option<String> {
    match event {
        Event::Subnegotiation(Subnegotiation::Gmcp(message)) => {
            Some(String::from_utf8_lossy(&message.encode()).into_owned())
        }
        _ => None,
    }
}

fn command(event: &Event) -> Option<Command> {
    match event {
        Event::Command(command) => Some(*command),
        _ => None,
    }
}

fn window_size(event: &Event) -> Option<(u16, u16)> {
    match event {
        Event::Subnegotiation(Subnegotiation::WindowSize(WindowSize { columns, rows, .. })) => {
            Some((*columns, *rows))
        }
        _ => None,
    }
}

/// A client process, killed on drop; its stdin stays open (telnetlib3-client quits at EOF).
struct Client {
    child: Child,
    _stdin: ChildStdin,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn telnetlib3_client_sends_gmcp_hello_when_the_server_offers_gmcp() {
    let Some(python) = python() else {
        return;
    };
    let config = ServerConfig::default().offer_local(&[TelnetOption::GMCP]);
    let (server, rx) = start(config, None);
    let port = server.local_addr().port();
    // telnetlib3-client answers WILL GMCP with DO GMCP and then at once sends
    // "Core.Hello {...}" and "Core.Supports.Set [...]": no flag is needed for that.
    // --gmcp-modules replaces its default module list (it lowercases the names).
    let mut child = Process::new(python.parent().unwrap().join("telnetlib3-client"))
        .args([
            "--gmcp-modules",
            "Char 1,Room 1",
            "127.0.0.1",
            &port.to_string(),
        ])
        .stdin(Stdio::piped())
        // Not a regular file: its shell cannot write to one ("Pipe transport is only for
        // pipes, sockets and character devices"); /dev/null is a character device.
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start telnetlib3-client");
    let stdin = child.stdin.take().unwrap();
    let client = Client {
        child,
        _stdin: stdin,
    };

    let mut seen = Vec::new();
    let hello = next_matching(&rx, &mut seen, "a GMCP message", gmcp);
    assert!(
        hello.starts_with("Core.Hello "),
        "{hello:?}; events: {seen:#?}"
    );
    assert!(
        hello.contains(r#""client":"telnetlib3""#),
        "{hello:?}; events: {seen:#?}"
    );
    let supports = next_matching(&rx, &mut seen, "a second GMCP message", gmcp);
    assert_eq!(
        supports, r#"Core.Supports.Set ["char 1","room 1"]"#,
        "events: {seen:#?}"
    );

    drop(client);
    server.shutdown();
}

/// Waits until the pane shows the `telnet>` prompt `count` times.
fn wait_for_prompts(pane: &Pane, count: usize) {
    let mut last = String::new();
    if !support::eventually(WAIT.as_secs(), || {
        last = pane.capture();
        last.matches("telnet>").count() >= count
    }) {
        panic!("the pane never showed telnet> {count} times; it shows:\n{last}");
    }
}

#[test]
fn debian_telnet_send_ip_brk_ao_reach_the_handler_in_order() {
    if !(have_program("tmux") && have_program("telnet")) {
        return;
    }
    let (server, rx) = start(ServerConfig::default(), Some("events ready\n"));
    let port = server.local_addr().port();
    let pane = Pane::start("ev-cmds", &format!("telnet 127.0.0.1 {port}"));
    pane.wait_for("events ready");

    let mut seen = Vec::new();
    let mut commands = Vec::new();
    // inetutils telnet sends exactly IAC IP (ff f4), IAC BRK (ff f3) and IAC AO (ff f5) for
    // these: no Synch (IAC DM) and no DO TIMING-MARK follows them.
    for (step, name) in ["ip", "brk", "ao"].into_iter().enumerate() {
        pane.keys(&["C-]"]);
        wait_for_prompts(&pane, step + 1);
        pane.type_text(&format!("send {name}"));
        pane.keys(&["Enter"]);
        // Waiting for the command before typing the next escape keeps the keystrokes from
        // reaching telnet while it is still switching back from its command mode.
        commands.push(next_matching(
            &rx,
            &mut seen,
            &format!("`send {name}`"),
            command,
        ));
    }
    assert_eq!(
        commands,
        [
            Command::InterruptProcess,
            Command::Break,
            Command::AbortOutput
        ],
        "events: {seen:#?}"
    );

    drop(pane);
    server.shutdown();
}

#[test]
fn debian_telnet_window_resize_reaches_the_handler_as_naws() {
    if !(have_program("tmux") && have_program("telnet")) {
        return;
    }
    let (server, rx) = start(ServerConfig::default(), Some("events ready\n"));
    let port = server.local_addr().port();
    // Pane::start makes an 80x24 window.
    let pane = Pane::start("ev-naws", &format!("telnet 127.0.0.1 {port}"));
    pane.wait_for("events ready");

    let mut seen = Vec::new();
    pane.resize(100, 30);
    // The opening's 80x24 may still be queued for the handler; nothing else may come first.
    let first = next_matching(&rx, &mut seen, "a window size of 100x30", |event| {
        window_size(event).filter(|size| *size != (80, 24))
    });
    assert_eq!(first, (100, 30), "events: {seen:#?}");
    pane.resize(132, 43);
    let second = next_matching(&rx, &mut seen, "a second window size", window_size);
    assert_eq!(second, (132, 43), "events: {seen:#?}");

    drop(pane);
    server.shutdown();
}
