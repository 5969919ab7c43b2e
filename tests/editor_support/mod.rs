//! What the line editor and command shell tests share: the three real clients, started in a
//! tmux pane against an in-process server, and the pane's cursor.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use crate::support::eventually;
use crate::support::peers::{have_program, python};
use crate::support::tmux::Pane;

/// A Telnet client program that runs in a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// Debian's telnet (inetutils), in character mode once the server offers it.
    DebianTelnet,
    /// PuTTY's plink in Telnet mode.
    Plink,
    /// telnetlib3's telnetlib3-client.
    Telnetlib3,
}

pub const CLIENTS: [Client; 3] = [Client::DebianTelnet, Client::Plink, Client::Telnetlib3];

impl Client {
    pub fn short(self) -> &'static str {
        match self {
            Client::DebianTelnet => "telnet",
            Client::Plink => "plink",
            Client::Telnetlib3 => "tl3",
        }
    }

    /// The command line that connects to `port` on 127.0.0.1, or `None` (reported, or a
    /// failure with IRONBOA_REQUIRE_PEERS=1) when the client is not installed.
    pub fn command(self, port: u16) -> Option<String> {
        if !have_program("tmux") {
            return None;
        }
        match self {
            Client::DebianTelnet => {
                have_program("telnet").then(|| format!("telnet 127.0.0.1 {port}"))
            }
            Client::Plink => {
                have_program("plink").then(|| format!("plink -telnet -P {port} 127.0.0.1"))
            }
            Client::Telnetlib3 => {
                let python = python()?;
                let client: PathBuf = python.parent()?.join("telnetlib3-client");
                assert!(client.exists(), "{} missing", client.display());
                Some(format!("{} 127.0.0.1 {port}", client.display()))
            }
        }
    }
}

/// A client in a tmux pane, with the pane's name kept to ask tmux about its cursor.
pub struct Terminal {
    pub pane: Pane,
    socket: String,
    pub client: Client,
}

impl Terminal {
    /// Starts `client` against `port` in an 80x24 pane named after the test; `None` when the
    /// client is not installed.
    pub fn start(test: &str, client: Client, port: u16) -> Option<Terminal> {
        let command = client.command(port)?;
        let name = format!("{test}-{}", client.short());
        let pane = Pane::start(&name, &command);
        // Pane::start names its tmux server so.
        let socket = format!("ironboa-{name}-{}", std::process::id());
        Some(Terminal {
            pane,
            socket,
            client,
        })
    }

    /// The cursor's column and row.
    pub fn cursor(&self) -> (usize, usize) {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "display",
                "-p",
                "-t",
                "t",
                "#{cursor_x} #{cursor_y}",
            ])
            .output()
            .expect("tmux display");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut parts = text
            .split_whitespace()
            .map(|n| n.parse().unwrap_or(usize::MAX));
        (
            parts.next().unwrap_or(usize::MAX),
            parts.next().unwrap_or(usize::MAX),
        )
    }

    /// The pane's rows, trailing spaces trimmed.
    pub fn rows(&self) -> Vec<String> {
        self.pane
            .capture()
            .lines()
            .map(|l| l.trim_end().to_owned())
            .collect()
    }

    /// Waits until the cursor is at `column` on a row whose text is `row_text`; panics with
    /// the screen if it never is. Returns the row's index.
    pub fn wait_for_cursor_on(&self, row_text: &str, column: usize) -> usize {
        let mut last = (String::new(), (0, 0));
        let found = eventually(15, || {
            let rows = self.rows();
            let (x, y) = self.cursor();
            last = (rows.join("\n"), (x, y));
            x == column && rows.get(y).is_some_and(|r| r == row_text)
        });
        assert!(
            found,
            "{:?}: cursor never at column {column} on {row_text:?}; cursor {:?}, screen:\n{}",
            self.client, last.1, last.0
        );
        last.1.1
    }

    /// Waits until the pane shows `text`.
    pub fn wait_for(&self, text: &str) {
        self.pane.wait_for(text);
    }

    /// Types literal text.
    pub fn type_text(&self, text: &str) {
        self.pane.type_text(text);
    }

    /// Presses keys (tmux names: `Left`, `Home`, `C-c`, `Enter`, ...).
    pub fn keys(&self, keys: &[&str]) {
        self.pane.keys(keys);
    }

    /// How many rows show exactly `text`.
    pub fn count_rows(&self, text: &str) -> usize {
        self.rows().iter().filter(|r| *r == text).count()
    }
}

/// Waits until at least `count` rows show exactly `text`; whether they did.
pub fn wait_rows(t: &Terminal, text: &str, count: usize) -> bool {
    let ok = eventually(15, || t.count_rows(text) >= count);
    if !ok {
        eprintln!(
            "{:?}: wanted {count} rows {text:?}; screen:\n{}",
            t.client,
            t.pane.capture()
        );
    }
    ok
}
