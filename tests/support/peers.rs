//! Finding and running the third-party peers that scripts/setup-peers.sh installs.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The Python of the peers venv, or `None` (and a note on stderr) when it is missing. With
/// IRONBOA_REQUIRE_PEERS=1 (set by scripts/test.sh) a missing peer fails the test instead.
pub fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("IRONBOA_PEERS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/peers-venv"));
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    missing(&format!("no peers venv at {}", venv.display()));
    None
}

/// Whether a program is on PATH; reports it like [`python`] when not.
pub fn have_program(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        missing(&format!("{name} is not installed"));
    }
    found
}

fn missing(what: &str) {
    if std::env::var("IRONBOA_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("{what}: run scripts/setup-peers.sh (the test command does)");
    }
    eprintln!("skipping: {what} (run scripts/setup-peers.sh)");
}

/// Runs tests/peers/drive.py with a client library against `port`, returning each step's
/// result as (verb, text).
pub fn drive(lib: &str, port: u16, steps: &[&str]) -> Vec<(String, String)> {
    let Some(python) = python() else {
        return Vec::new();
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/drive.py");
    let output = Command::new(python)
        .arg(script)
        .args([lib, "127.0.0.1", &port.to_string()])
        .args(steps)
        .output()
        .expect("run drive.py");
    parse(&output, lib)
}

fn parse(output: &Output, lib: &str) -> Vec<(String, String)> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "drive.py {lib} failed: {}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| {
            let (verb, hex) = line.split_once('\t').expect("verb<TAB>hex");
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            (verb.to_owned(), String::from_utf8(bytes).expect("utf-8"))
        })
        .collect()
}

/// A port that was free a moment ago (for peers that cannot be told to pick one).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A peer server process, killed on drop.
pub struct PeerServer {
    child: std::process::Child,
    pub port: u16,
}

impl PeerServer {
    /// Starts `program args` (which must listen on 127.0.0.1:`port`) and waits until it accepts.
    pub fn start(mut command: Command, port: u16) -> PeerServer {
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let child = command.spawn().expect("start peer server");
        let server = PeerServer { child, port };
        let up = super::eventually(15, || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "peer server never listened on {port}");
        server
    }

    /// telnetlib3-server with tests/peers/tl3_report_shell.py (or its default shell).
    pub fn telnetlib3(report_shell: bool) -> Option<PeerServer> {
        let python = python()?;
        let port = free_port();
        let server = python.parent().unwrap().join("telnetlib3-server");
        let mut command = Command::new(server);
        if report_shell {
            command
                .env(
                    "PYTHONPATH",
                    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers"),
                )
                .arg("--shell=tl3_report_shell.shell");
        }
        command.args(["127.0.0.1", &port.to_string()]);
        Some(PeerServer::start(command, port))
    }

    /// busybox telnetd serving /bin/sh with no login, greeting with "busybox-telnetd ready".
    /// SIGINT and SIGQUIT are reset to their defaults first: a test run from a shell without
    /// job control inherits them ignored, and then no Ctrl-C could interrupt anything in the
    /// served shell.
    pub fn busybox() -> Option<PeerServer> {
        if !have_program("busybox") {
            return None;
        }
        let port = free_port();
        let issue = std::env::temp_dir().join(format!("ironboa-issue-{port}"));
        std::fs::write(&issue, "busybox-telnetd ready\n").unwrap();
        let mut command = Command::new("env");
        command.args([
            "--default-signal=INT,QUIT",
            "busybox",
            "telnetd",
            "-F",
            "-b",
            &format!("127.0.0.1:{port}"),
            "-l",
            "/bin/sh",
            "-f",
        ]);
        command.arg(&issue);
        Some(PeerServer::start(command, port))
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate for localhost and 127.0.0.1 and its key, made by `openssl req`
/// (as PEERS.md makes them) in a fresh directory named after `name`: (cert.pem, key.pem).
pub fn self_signed_certificate(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("ironboa-cert-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-days", "2", "-subj", "/CN=localhost", "-addext"])
        .arg("subjectAltName=DNS:localhost,IP:127.0.0.1")
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run openssl");
    assert!(status.success(), "openssl req failed");
    (cert, key)
}

/// An LD_PRELOAD shim that turns a bind to INADDR_ANY into 127.0.0.1 (telnet-chatd hard-codes
/// INADDR_ANY), compiled once per test binary with cc (the peers' `bind_lo.so` in PEERS.md).
pub fn bind_loopback_shim() -> PathBuf {
    const SOURCE: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    int (*real)(int, const struct sockaddr *, socklen_t) =
        (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
    if (addr && addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in in;
        memcpy(&in, addr, sizeof in);
        if (in.sin_addr.s_addr == htonl(INADDR_ANY)) {
            in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            return real(fd, (const struct sockaddr *)&in, sizeof in);
        }
    }
    return real(fd, addr, len);
}
"#;
    static SHIM: OnceLock<PathBuf> = OnceLock::new();
    SHIM.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let source = dir.join(format!("bind_lo-{}.c", std::process::id()));
        let lib = dir.join(format!("bind_lo-{}.so", std::process::id()));
        std::fs::write(&source, SOURCE).unwrap();
        let status = Command::new("cc")
            .args(["-shared", "-fPIC", "-o"])
            .arg(&lib)
            .arg(&source)
            .arg("-ldl")
            .status()
            .expect("run cc");
        assert!(status.success(), "cannot build the bind shim");
        lib
    })
    .clone()
}

/// libtelnet's telnet-chatd on a free loopback port (through [`bind_loopback_shim`]): "Enter
/// name: " with WILL ECHO, then chat lines as "NAME: LINE"; it offers MCCP2. Killed on drop.
pub struct Chatd {
    child: std::process::Child,
    /// The port it listens on.
    pub port: u16,
}

impl Chatd {
    /// Started and listening. Not probed with a connection: chatd writes its prompt at once
    /// and exits on the EPIPE of a peer that has already gone, so the listening socket is
    /// looked for in /proc/net/tcp (127.0.0.1:port in state 0A) instead.
    pub fn start() -> Option<Chatd> {
        if !have_program("telnet-chatd") || !have_program("cc") {
            return None;
        }
        let port = free_port();
        let child = Command::new("telnet-chatd")
            .arg(port.to_string())
            .env("LD_PRELOAD", bind_loopback_shim())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start telnet-chatd");
        let chatd = Chatd { child, port };
        let wanted = format!("0100007F:{port:04X}");
        let listening = super::eventually(15, || {
            std::fs::read_to_string("/proc/net/tcp")
                .unwrap_or_default()
                .lines()
                .any(|l| {
                    let fields: Vec<&str> = l.split_whitespace().collect();
                    fields.get(1) == Some(&wanted.as_str()) && fields.get(3) == Some(&"0A")
                })
        });
        assert!(listening, "telnet-chatd never listened on 127.0.0.1:{port}");
        Some(chatd)
    }
}

impl Drop for Chatd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
