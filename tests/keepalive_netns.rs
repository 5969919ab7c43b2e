//! A peer that vanishes without a FIN or RST is noticed within the keepalive bound.
//!
//! The test makes two network namespaces joined by a veth pair addressed from the
//! benchmarking range (198.18.0.1 and 198.18.0.2), runs `ironboa-server` in one and Python's
//! stdlib telnetlib in the other, and sets the client's end of the link down mid-session:
//! nothing reaches the server any more, not even a reset. With `--keepalive 1
//! --keepalive-interval 1 --keepalive-count 2` (a bound of 3 s) the handler must end; with
//! `--nop-interval 1` the client sees IAC NOPs first, and the connection, never idle now,
//! is given up on through TCP_USER_TIMEOUT instead. The namespaces are removed on drop, pass
//! or fail. Needs root (scripts/test.sh runs as root).
#![cfg(all(feature = "cli", target_os = "linux"))]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use support::netns::{Netns, available, veth};
use support::peers::python;
use support::server_bin::SERVER;

/// The telnetlib client: answers option offers with refusals, prints `ready` at the first
/// prompt and `nop` for every IAC NOP, and reads for ever.
const CLIENT: &str = r#"
import sys, telnetlib, warnings
warnings.filterwarnings("ignore", category=DeprecationWarning)
from telnetlib import IAC, DO, DONT, WILL, WONT, NOP
def answer(sock, cmd, opt):
    if cmd == NOP:
        print("nop", flush=True)
    elif cmd in (DO, DONT):
        sock.sendall(IAC + WONT + opt)
    elif cmd in (WILL, WONT):
        sock.sendall(IAC + DONT + opt)
t = telnetlib.Telnet()
t.set_option_negotiation_callback(answer)
t.open("198.18.0.1", 6023, 30)
t.read_until(b"> ", 30)
print("ready", flush=True)
while True:
    t.read_some()
"#;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the server and the client across the link, waits for `nops` NOPs, sets the
/// client's end down, and returns how long the server took to end the handler.
fn vanish(tag: &str, server_args: &[&str], nops: usize) -> Option<Duration> {
    if !available() {
        return None;
    }
    let python = python()?;
    let pid = std::process::id();
    let server_ns = Netns::new(&format!("ironboa-{tag}-{pid}-s"));
    let client_ns = Netns::new(&format!("ironboa-{tag}-{pid}-c"));
    let (server_if, client_if) = (format!("{tag}{pid}s"), format!("{tag}{pid}c"));
    veth(&server_ns, &server_if, &client_ns, &client_if);

    let log = std::env::temp_dir().join(format!("ironboa-{tag}-{pid}.log"));
    let _ = std::fs::remove_file(&log);
    let mut server = Killed(
        server_ns
            .command(SERVER)
            .args(["198.18.0.1", "6023", "--loglevel", "info", "--logfile"])
            .arg(&log)
            .args(server_args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(server.0.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("listening on 198.18.0.1:6023"), "{first}");

    let mut client = Killed(
        client_ns
            .command(python.to_str().unwrap())
            .args(["-c", CLIENT])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(client.0.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    for _ in 0..nops {
        assert_eq!(lines.next().unwrap().unwrap(), "nop");
    }
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(read_log().contains("198.18.0.2:"), "{}", read_log());
    assert!(!read_log().contains("disconnected after"));

    client_ns.ip(&["link", "set", &client_if, "down"]);
    let down = Instant::now();
    // The bound is 3 s; a generous ceiling only catches "never" (the kernel's default
    // would be two hours idle, or fifteen minutes of retransmissions).
    let noticed = support::eventually(60, || read_log().contains("disconnected after"));
    let took = down.elapsed();
    let _ = std::fs::remove_file(&log);
    assert!(noticed, "the server never noticed the vanished peer");
    eprintln!("{tag}: vanished peer noticed after {took:.2?}");
    // The client never saw its connection end: nothing was sent to it.
    drop(client);
    drop(server);
    Some(took)
}

#[test]
fn tcp_keepalive_notices_a_vanished_peer() {
    vanish(
        "ka",
        &[
            "--keepalive",
            "1",
            "--keepalive-interval",
            "1",
            "--keepalive-count",
            "2",
        ],
        0,
    );
}

#[test]
fn nop_keepalive_is_seen_and_a_vanished_peer_still_noticed() {
    vanish(
        "nop",
        &[
            "--keepalive",
            "1",
            "--keepalive-interval",
            "1",
            "--keepalive-count",
            "2",
            "--nop-interval",
            "1",
        ],
        2,
    );
}
