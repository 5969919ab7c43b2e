//! Behind a load balancer: Debian's HAProxy (`mode tcp`) in front of two `ironboa-server`
//! processes on 127.0.0.2 and 127.0.0.3, one sent PROXY protocol version 2 headers
//! (`send-proxy-v2`), the other version 1 (`send-proxy`). Python's stdlib telnetlib clients,
//! each from its own loopback source address, are spread over both, and each is greeted by
//! its own address and port; a header from an untrusted balancer and a connection without a
//! header are refused; HAProxy's TCP health checks start no handler and log nothing above
//! debug.
#![cfg(all(feature = "cli", target_os = "linux"))]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::netns::Netns;
use support::peers::{free_port, have_program, python};
use support::server_bin::SERVER;

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ironboa-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An ironboa-server with `--proxy-protocol`, logging at debug level to its own file.
struct Backend {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Backend {
    fn start(host: &str, port: u16, log: PathBuf, extra: &[&str]) -> Backend {
        Backend::start_in(None, host, port, log, extra)
    }

    /// In network namespace `netns`, when given.
    fn start_in(
        netns: Option<&Netns>,
        host: &str,
        port: u16,
        log: PathBuf,
        extra: &[&str],
    ) -> Backend {
        let mut command = match netns {
            Some(netns) => netns.command(SERVER),
            None => Command::new(SERVER),
        };
        let mut child = command
            .args([
                host,
                &port.to_string(),
                "--proxy-protocol",
                "--loglevel",
                "debug",
            ])
            .arg("--logfile")
            .arg(&log)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let port = support::server_bin::read_port(&mut child);
        Backend { child, port, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The log's lines at `level` (INFO, WARN, ...).
    fn lines_at(&self, level: &str) -> Vec<String> {
        let tag = format!(" {level:<5} ");
        self.log()
            .lines()
            .filter(|l| l.contains(&tag))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// HAProxy in the foreground with `config`, killed on drop.
struct Haproxy(Child);

impl Haproxy {
    fn start(dir: &Path, config: &str, ports: &[u16]) -> Haproxy {
        let haproxy = Haproxy::spawn(Command::new("haproxy"), dir, config);
        for port in ports {
            assert!(
                support::eventually(15, || TcpStream::connect(("127.0.0.1", *port)).is_ok()),
                "haproxy never listened on {port}"
            );
        }
        haproxy
    }

    /// In network namespace `netns`, listening on `port` there.
    fn start_in(netns: &Netns, dir: &Path, config: &str, port: u16) -> Haproxy {
        let haproxy = Haproxy::spawn(netns.command("haproxy"), dir, config);
        let listening = || {
            let out = netns
                .command("ss")
                .args(["-Hltn", &format!("sport = :{port}")])
                .output()
                .unwrap();
            !out.stdout.is_empty()
        };
        assert!(
            support::eventually(15, listening),
            "haproxy never listened on {port}"
        );
        haproxy
    }

    fn spawn(mut command: Command, dir: &Path, config: &str) -> Haproxy {
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let child = command
            .arg("-f")
            .arg(&path)
            .arg("-db")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy");
        Haproxy(child)
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const DEFAULTS: &str = "global\n  maxconn 4000\n\
defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n\
  retries 3\n  option redispatch\n";

fn have_peers() -> Option<PathBuf> {
    let python = python()?;
    have_program("haproxy").then_some(python)
}

/// Runs tests/peers/lb_clients.py: `count` telnetlib clients through `port`, `threads` at a
/// time. Returns the source address of each client, failing on any that was not served.
fn telnetlib_clients(python: &Path, port: u16, count: usize, threads: usize) -> Vec<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/lb_clients.py");
    let output = Command::new(python)
        .args([script, "127.0.0.1", &port.to_string()])
        .args([count.to_string(), threads.to_string()])
        .output()
        .expect("run lb_clients.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "lb_clients.py: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let failed: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("ok ")).collect();
    assert!(failed.is_empty(), "clients not served: {failed:#?}");
    let sources: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("ok "))
        .map(str::to_owned)
        .collect();
    assert_eq!(sources.len(), count);
    sources
}

#[test]
fn clients_spread_over_two_backends_each_seen_with_its_own_address() {
    let Some(python) = have_peers() else { return };
    let scratch = Scratch::new("lb-spread");
    let b2 = Backend::start("127.0.0.2", 0, scratch.0.join("b2.log"), &[]);
    let b3 = Backend::start("127.0.0.3", 0, scratch.0.join("b3.log"), &[]);
    let front = free_port();
    let config = format!(
        "{DEFAULTS}frontend fe\n  bind 127.0.0.1:{front}\n  default_backend be\n\
         backend be\n  balance roundrobin\n\
         \x20 server b2 127.0.0.2:{} send-proxy-v2 check inter 100ms\n\
         \x20 server b3 127.0.0.3:{} send-proxy check inter 100ms\n",
        b2.port, b3.port
    );
    let _haproxy = Haproxy::start(&scratch.0, &config, &[front]);

    let sources = telnetlib_clients(&python, front, 200, 20);

    // Each client's own address and port (never the balancer's 127.0.0.1) reached exactly
    // one backend's handler, which greeted it by that address (checked by the script) and
    // logged it.
    let connected = |b: &Backend, src: &str| b.log().contains(&format!("{src}: connected ("));
    assert!(
        support::eventually(20, || sources
            .iter()
            .all(|s| connected(&b2, s) ^ connected(&b3, s))),
        "not every client was logged by exactly one backend"
    );
    let on_b2 = sources.iter().filter(|s| connected(&b2, s)).count();
    let on_b3 = sources.len() - on_b2;
    assert!(on_b2 >= 50 && on_b3 >= 50, "spread {on_b2} / {on_b3}");
    assert!(sources.iter().all(|s| s.starts_with("127.0.1.")));

    // Health checks (every 100 ms: a connect, a LOCAL header for the version 2 backend, and a
    // reset) reached both backends, started no handler and logged nothing above debug.
    for (backend, served) in [(&b2, on_b2), (&b3, on_b3)] {
        assert!(
            support::eventually(20, || backend.log().matches("a health check?").count()
                + backend
                    .log()
                    .matches("PROXY header from the balancer itself")
                    .count()
                >= 5),
            "no health checks seen"
        );
        let handlers = backend.log().matches(": connected (").count();
        assert_eq!(handlers, served, "a handler ran for something but a client");
        for level in ["WARN", "ERROR"] {
            assert_eq!(backend.lines_at(level), Vec::<String>::new());
        }
        for line in backend.lines_at("INFO") {
            assert!(
                line.contains("listening on")
                    || line.contains(": connected (")
                    || line.contains(": disconnected after"),
                "unexpected: {line}"
            );
        }
    }
}

/// Nothing arrives, and the connection ends (closed or reset).
fn refused(mut stream: TcpStream) {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buf = [0u8; 64];
    match stream.read(&mut buf) {
        Ok(n) => assert_eq!(n, 0, "got {:?}", &buf[..n]),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
}

#[test]
fn untrusted_balancer_and_missing_header_are_refused() {
    let Some(_python) = have_peers() else { return };
    let scratch = Scratch::new("lb-refuse");
    // Trusts only 127.0.0.9: HAProxy connects from 127.0.0.1.
    let strict = Backend::start(
        "127.0.0.1",
        0,
        scratch.0.join("strict.log"),
        &["--proxy-from", "127.0.0.9/32"],
    );
    let open = Backend::start("127.0.0.2", 0, scratch.0.join("open.log"), &[]);
    let front = free_port();
    let config = format!(
        "{DEFAULTS}frontend fe\n  bind 127.0.0.1:{front}\n  default_backend be\n\
         backend be\n  server s 127.0.0.1:{} send-proxy-v2\n",
        strict.port
    );
    let _haproxy = Haproxy::start(&scratch.0, &config, &[front]);

    let mut via_haproxy = TcpStream::connect(("127.0.0.1", front)).unwrap();
    via_haproxy.write_all(b"\xff\xfb\x18hello\r\n").unwrap();
    refused(via_haproxy);
    assert!(
        support::eventually(20, || strict
            .log()
            .contains("closed: PROXY header: 127.0.0.1 is not trusted to send one")),
        "{}",
        strict.log()
    );
    assert_eq!(strict.log().matches(": connected (").count(), 0);

    // A trusted address that sends Telnet instead of a header.
    let mut direct = TcpStream::connect(("127.0.0.2", open.port)).unwrap();
    direct.write_all(b"\xff\xfb\x18hello\r\n").unwrap();
    refused(direct);
    // And one that sends half a header and stops.
    let mut half = TcpStream::connect(("127.0.0.2", open.port)).unwrap();
    half.write_all(b"PROXY TCP4 192.0.2.1").unwrap();
    half.shutdown(std::net::Shutdown::Write).unwrap();
    refused(half);
    assert!(
        support::eventually(20, || {
            let log = open.log();
            log.contains("closed: PROXY header: missing")
                && log.contains("closed: PROXY header: the connection ended after 20 bytes")
        }),
        "{}",
        open.log()
    );
    assert_eq!(open.log().matches(": connected (").count(), 0);
}

const RESTART_NOTICE: &str = "Restarting now; come back in a moment.";

#[test]
fn rolling_restart_under_load_refuses_no_one_and_tells_everyone() {
    let Some(python) = have_peers() else { return };
    if !support::netns::available() {
        return;
    }
    // A namespace of its own, so that its loopback can hand the connections queued on the
    // old listener to the new one (net.ipv4.tcp_migrate_req is per namespace) and its fixed
    // ports clash with nothing.
    let ns = Netns::new(&format!("ironboa-rr-{}", std::process::id()));
    let sysctl = ns
        .command("sysctl")
        .args(["-qw", "net.ipv4.tcp_migrate_req=1"])
        .status()
        .unwrap();
    assert!(sysctl.success());
    let scratch = Scratch::new("lb-restart");
    let draining = [
        "--reuse-port",
        "--shutdown-grace",
        "2",
        "--shutdown-message",
        RESTART_NOTICE,
    ];
    let mut old = Backend::start_in(
        Some(&ns),
        "127.0.0.2",
        6023,
        scratch.0.join("old.log"),
        &draining,
    );
    let other = Backend::start_in(
        Some(&ns),
        "127.0.0.3",
        6023,
        scratch.0.join("other.log"),
        &[],
    );
    let config = format!(
        "{DEFAULTS}frontend fe\n  bind 127.0.0.1:7000\n  default_backend be\n\
         backend be\n  balance roundrobin\n\
         \x20 server b2 127.0.0.2:6023 send-proxy-v2 check inter 100ms\n\
         \x20 server b3 127.0.0.3:6023 send-proxy check inter 100ms\n"
    );
    let _haproxy = Haproxy::start_in(&ns, &scratch.0, &config, 7000);

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/lb_loop.py");
    let clients = ns
        .command(python.to_str().unwrap())
        .args([script, "127.0.0.1", "7000", "16", "8", RESTART_NOTICE])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let sessions = |b: &Backend| b.log().matches(": connected (").count();
    assert!(
        support::eventually(30, || sessions(&old) >= 20),
        "the old backend served nothing"
    );
    // The new process takes the port beside the old one, then the old one is told to stop.
    let new = Backend::start_in(
        Some(&ns),
        "127.0.0.2",
        6023,
        scratch.0.join("new.log"),
        &draining,
    );
    let term = Command::new("kill")
        .args(["-TERM", &old.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = old.child.wait().unwrap();
    assert!(status.success(), "the old backend exited with {status}");
    let served_by_old = sessions(&old);

    let output = clients.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let count = |kind: &str| -> usize {
        stdout
            .lines()
            .find_map(|l| l.strip_suffix(&format!(" {kind}")))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {kind} count in {stdout}"))
    };
    eprintln!("rolling restart: {stdout}");
    assert_eq!(count("refused"), 0, "{stdout}");
    assert_eq!(count("dropped"), 0, "{stdout}");
    assert!(
        count("told") >= 1,
        "nobody was connected to the old backend? {stdout}"
    );
    assert!(count("served") >= 100, "{stdout}");
    assert!(
        old.log().contains("draining: no longer accepting"),
        "{}",
        old.log()
    );
    // After the restart the port is the new process's: it served sessions too.
    assert!(sessions(&new) >= 10, "new: {}", sessions(&new));
    assert!(sessions(&other) >= 10);
    assert!(served_by_old >= 20);
}

/// A client from `source` (a loopback address) through HAProxy on `port`: answers DO TTYPE
/// with WONT, returns the stream and everything up to the prompt (or the end).
fn client_from(source: &str, port: u16) -> (TcpStream, String) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let from: std::net::SocketAddr = format!("{source}:0").parse().unwrap();
    socket.bind(&from.into()).unwrap();
    let to: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    socket.connect(&to.into()).unwrap();
    let mut stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let text = String::from_utf8_lossy(&seen).into_owned();
        if text.contains("> ") {
            return (stream, text);
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return (stream, text),
            Ok(n) => {
                if buf[..n].windows(3).any(|w| w == [255, 253, 24]) {
                    stream.write_all(&[255, 252, 24]).unwrap();
                }
                seen.extend_from_slice(&buf[..n]);
            }
        }
    }
}

#[test]
fn max_connections_per_address_counts_the_clients_own_address() {
    let Some(_python) = have_peers() else { return };
    let scratch = Scratch::new("lb-per-address");
    let backend = Backend::start(
        "127.0.0.2",
        0,
        scratch.0.join("b.log"),
        &["--max-connections-per-address", "2"],
    );
    let front = free_port();
    let config = format!(
        "{DEFAULTS}frontend fe\n  bind 127.0.0.1:{front}\n  default_backend be\n\
         backend be\n  server b 127.0.0.2:{} send-proxy-v2\n",
        backend.port
    );
    let _haproxy = Haproxy::start(&scratch.0, &config, &[front]);

    // Every connection reaches the backend from HAProxy's 127.0.0.1; only the header tells
    // the clients apart.
    let (first, text) = client_from("127.0.1.1", front);
    assert!(text.contains("Welcome to ironboa, 127.0.1.1:"), "{text:?}");
    let (_second, text) = client_from("127.0.1.1", front);
    assert!(text.contains("Welcome to ironboa, 127.0.1.1:"), "{text:?}");
    let (_third, text) = client_from("127.0.1.1", front);
    assert!(
        text.contains("Too many connections; try again later.") && !text.contains("Welcome"),
        "{text:?}"
    );
    let (_other, text) = client_from("127.0.1.2", front);
    assert!(text.contains("Welcome to ironboa, 127.0.1.2:"), "{text:?}");
    // One leaves: its address has room again.
    drop(first);
    assert!(
        support::eventually(20, || client_from("127.0.1.1", front)
            .1
            .contains("Welcome to ironboa, 127.0.1.1:")),
        "the slot was never given back"
    );
    assert!(
        backend
            .log()
            .contains("refused, 2 connections open from this address")
    );
}
