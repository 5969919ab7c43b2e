//! The ironboa-server binary as a peer process (only with the `cli` feature, which builds it).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ironboa::client::{ClientConfig, Telnet};

/// The built ironboa-server.
pub const SERVER: &str = env!("CARGO_BIN_EXE_ironboa-server");

const T: Option<Duration> = Some(Duration::from_secs(20));

/// The port of a server started with port 0 and its standard output piped, from its first
/// line ("... listening on 127.0.0.1:PORT").
pub fn read_port(child: &mut Child) -> u16 {
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout piped"))
        .read_line(&mut first)
        .unwrap();
    first
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"))
}

/// An ironboa-server process on a free loopback port, killed on drop.
pub struct ServerProcess {
    pub child: Child,
    pub port: u16,
}

impl ServerProcess {
    /// Starts the server with `extra` arguments (logging off) and reads its port.
    pub fn start(extra: &[&str]) -> ServerProcess {
        ServerProcess::start_with("", extra)
    }

    /// `prefix` runs in the shell before the server (e.g. `ulimit -n 40;`).
    pub fn start_with(prefix: &str, extra: &[&str]) -> ServerProcess {
        let command = format!(
            "{prefix} exec {SERVER} 127.0.0.1 0 --loglevel off {}",
            extra.join(" ")
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let port = read_port(&mut child);
        ServerProcess { child, port }
    }

    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// User + system CPU time of the server so far, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        let fields: Vec<&str> = after.split_whitespace().collect();
        fields
            .get(11)
            .and_then(|u| u.parse::<u64>().ok())
            .unwrap_or(0)
            + fields
                .get(12)
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0)
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// A well-behaved client is served: greeting, one line echoed.
    pub fn probe(&self) {
        let conn = Telnet::open(("127.0.0.1", self.port), ClientConfig::default()).unwrap();
        conn.read_until(b"> ", T).unwrap();
        conn.write(b"probe\r\n").unwrap();
        assert_eq!(conn.read_until(b"> ", T).unwrap(), b"probe\r\n> ");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
