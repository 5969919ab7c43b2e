//! Record a Telnet session to an asciicast v2 file, and replay it as a fake device (the
//! `record` feature).
//!
//! * **Recording**: [`ClientConfig::record`](crate::client::ClientConfig::record) makes a
//!   [`TelnetConnection`](crate::TelnetConnection) write everything that crosses the wire, as
//!   it crosses it, to a file: what the device sent (decoded text), what the script sent, the
//!   negotiation both ways, and when. `ironboa-client --typescript FILE` does the same for a
//!   person's session.
//! * **Replaying**: [`ReplayDevice`] listens, negotiates as the recorded device did, sends what
//!   it sent, and waits for the recorded input before it sends what came next, so a script
//!   that worked against the device works against the recording (`ironboa-server --replay`).
//!
//! # The file
//!
//! [asciicast v2](https://docs.asciinema.org/manual/asciicast/v2/), so `asciinema cat FILE`
//! prints what the person saw and `asciinema play FILE` plays it back. A header line, then one
//! JSON array per event, `[seconds, kind, text]`:
//!
//! ```text
//! {"version":2,"width":80,"height":24,"timestamp":1764400000,"env":{"TERM":"vt100"},
//!  "ironboa":{"format":1,"role":"client","peer":"127.0.0.1:2323","encoding":"utf-8","secrets":"withheld"}}
//! [0.000412,"n","recv DO 1 (ECHO)"]
//! [0.000431,"n","sent WONT 1 (ECHO)"]
//! [0.101223,"o","\r\r\nbusybox-telnetd ready\r\n\r/ # "]
//! [0.101500,"i","echo hello\r\n"]
//! [0.102011,"x","\r\n"]
//! [0.210000,"n","recv close"]
//! ```
//!
//! * `"o"`: text the device sent (Telnet decoded: no IAC sequences, CR NUL as CR), in the
//!   header's `encoding`; `"i"`: text the script (or person) sent.
//! * `"n"` (ignored by asciinema): Telnet negotiation. `recv`/`sent`, then `WILL`, `WONT`,
//!   `DO` or `DONT` and the option code; `SB` with the option code and the payload in hex;
//!   `CMD` and a command byte (GA is 249); `recv close` when the device closed the connection.
//!   A name in parentheses is for people.
//! * `"x"` (ignored by asciinema): a secret withheld. Input typed while the device had taken
//!   over the echo (it said `WILL ECHO`) and did not echo it back (a password) is written as
//!   `"x"` with only its line ending, unless [`RecordOptions::keep_secrets`] asks otherwise.

mod recorder;
mod replay;
mod wire;

use std::path::{Path, PathBuf};

pub(crate) use recorder::{RecordHeader, install};
pub use replay::{Mismatch, ReplayDevice, ReplayMode, ReplayServer, ReplayTiming};

/// Where and how a [`TelnetConnection`](crate::TelnetConnection) records its session (see the
/// [module](self) for the file format).
#[derive(Debug, Clone)]
pub struct RecordOptions {
    pub(crate) path: PathBuf,
    pub(crate) keep_secrets: bool,
    pub(crate) title: Option<String>,
}

impl RecordOptions {
    /// Records to `path` (created, or truncated).
    pub fn new(path: impl AsRef<Path>) -> RecordOptions {
        RecordOptions {
            path: path.as_ref().to_owned(),
            keep_secrets: false,
            title: None,
        }
    }

    /// Writes passwords too: input the device did not echo while it had the echo (default
    /// `false`: such input is an `"x"` event with its line ending only).
    pub fn keep_secrets(mut self, keep: bool) -> Self {
        self.keep_secrets = keep;
        self
    }

    /// A title for the header (asciinema shows it).
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_owned());
        self
    }

    /// The file recorded to.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The Telnet command and option names used in `"n"` events.
pub(crate) fn verb_name(verb: u8) -> &'static str {
    match verb {
        251 => "WILL",
        252 => "WONT",
        253 => "DO",
        254 => "DONT",
        _ => "?",
    }
}

/// The verb byte for a name in an `"n"` event.
pub(crate) fn verb_code(name: &str) -> Option<u8> {
    Some(match name {
        "WILL" => 251,
        "WONT" => 252,
        "DO" => 253,
        "DONT" => 254,
        _ => return None,
    })
}
