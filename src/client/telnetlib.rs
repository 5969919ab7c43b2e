//! Python's telnetlib, under its own names and with its own semantics.
//!
//! [`Telnet`] is for porting telnetlib scripts line by line: its reads deal in bytes, and a
//! read that times out returns what has arrived (possibly nothing) instead of failing, as
//! telnetlib's do; Python's `EOFError` is [`Error::Closed`]. Everything else a
//! [`TelnetConnection`] has (`readline`, `wait_for`, `next_event`, `get_extra_info`, ...) is
//! reachable through it by `Deref`; where the names meet (`read_until`, `read_some`, `write`),
//! telnetlib's meaning wins on a `Telnet`, and the core meaning stays on the connection.
//!
//! ```no_run
//! use std::time::Duration;
//! use ironboa::client::{ClientConfig, Telnet};
//!
//! let tn = Telnet::open("192.0.2.1:23", ClientConfig::default())?;
//! let t = Some(Duration::from_secs(10));
//! tn.read_until(b"login: ", t)?;
//! tn.write(b"admin\r\n")?;
//! tn.read_until(b"Password: ", t)?;
//! tn.write(b"secret\r\n")?;
//! let (index, _, text) = tn.expect(&[r"\$ $", r"# $"], t)?.into_parts();
//! # let _ = (index, text);
//! # Ok::<(), ironboa::Error>(())
//! ```

use std::io::{BufRead, Write};
use std::net::ToSocketAddrs;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use super::{ClientConfig, TelnetConnection};
use crate::error::{Error, Operation, Result};
use crate::proto::{Engine, Event};
use crate::session::{ReadState, Wait, wait_for_timeout};

/// telnetlib's `Telnet` object over a [`TelnetConnection`].
pub struct Telnet {
    pub(super) conn: TelnetConnection,
}

impl Telnet {
    /// Connects, as `telnetlib.Telnet(host, port, timeout)`: the timeout is
    /// [`ClientConfig::connect_timeout`] and [`ClientConfig::read_timeout`].
    pub fn open(addr: impl ToSocketAddrs, config: ClientConfig) -> Result<Telnet> {
        Ok(Telnet::from_connection(TelnetConnection::connect(
            addr, config,
        )?))
    }

    /// telnetlib's calls on a connection made some other way.
    pub fn from_connection(conn: TelnetConnection) -> Telnet {
        Telnet { conn }
    }

    /// The connection, for the core calls under their core meaning.
    pub fn connection(&self) -> &TelnetConnection {
        &self.conn
    }

    /// Gives the connection back.
    pub fn into_connection(self) -> TelnetConnection {
        self.conn
    }

    /// telnetlib's `read_until`: reads until `expected` arrives and returns everything up to and
    /// including it. When `timeout` passes first, returns what has arrived (possibly nothing).
    /// At the end of the stream, returns what was read, or [`Error::Closed`] if nothing was.
    pub fn read_until(
        &self,
        expected: impl AsRef<[u8]>,
        timeout: Option<Duration>,
    ) -> Result<Vec<u8>> {
        let expected = expected.as_ref();
        let finder = memchr::memmem::Finder::new(expected);
        let mut searched = 0;
        self.conn.session.read_until(
            wait_for_timeout(self.conn.timeout(timeout)),
            Operation::ReadUntil,
            |state, _| {
                let input = state.input.as_slice();
                if let Some(at) = finder.find(&input[searched..]) {
                    return Some(state.input.take(searched + at + expected.len()));
                }
                searched = input.len().saturating_sub(expected.len().saturating_sub(1));
                None
            },
            partial_on_end,
        )
    }

    /// telnetlib's `read_all`: reads until the server closes the connection, and returns it
    /// all. Fails with [`Error::LimitExceeded`] past `ClientConfig::max_input_buffer`.
    pub fn read_all(&self) -> Result<Vec<u8>> {
        self.conn.session.read_until(
            wait_for_timeout(self.conn.read_timeout),
            Operation::ReadAll,
            |_, _| None,
            |state, error| match error {
                Error::Closed => Ok(state.take_all()),
                error => Err(error),
            },
        )
    }

    /// telnetlib's `read_some`: at least one byte, waiting if need be; empty at the end of the
    /// stream.
    pub fn read_some(&self) -> Result<Vec<u8>> {
        self.conn.session.read_until(
            wait_for_timeout(self.conn.read_timeout),
            Operation::Read,
            |state, _| (!state.input.is_empty()).then(|| state.take_all()),
            |_, error| match error {
                Error::Closed => Ok(Vec::new()),
                error => Err(error),
            },
        )
    }

    /// telnetlib's `read_very_eager`: everything that has arrived, without waiting; empty if
    /// nothing has. [`Error::Closed`] if the stream ended and nothing is left.
    pub fn read_very_eager(&self) -> Result<Vec<u8>> {
        self.conn.session.read_until(
            Wait::Never,
            Operation::Read,
            |_, _| None,
            |state, error| match error {
                Error::Closed if state.input.is_empty() => Err(Error::Closed),
                Error::Timeout { .. } | Error::Closed | Error::LimitExceeded { .. } => {
                    Ok(state.take_all())
                }
                error => Err(error),
            },
        )
    }

    /// telnetlib's `read_eager`: as [`read_very_eager`](Self::read_very_eager) (ironboa decodes
    /// everything as it arrives, so "readily available" and "everything available" coincide).
    pub fn read_eager(&self) -> Result<Vec<u8>> {
        self.read_very_eager()
    }

    /// telnetlib's `read_lazy`: what has been received and decoded already, with no I/O.
    /// [`Error::Closed`] if the stream ended and nothing is left.
    pub fn read_lazy(&self) -> Result<Vec<u8>> {
        let open = self.conn.session.is_active();
        self.conn.session.with_input(|state| {
            if state.input.is_empty() && !open {
                return Err(Error::Closed);
            }
            Ok(state.take_all())
        })
    }

    /// telnetlib's `read_very_lazy`: as [`read_lazy`](Self::read_lazy).
    pub fn read_very_lazy(&self) -> Result<Vec<u8>> {
        self.read_lazy()
    }

    /// telnetlib's `read_sb_data`: the last subnegotiation received, everything between
    /// `IAC SB` and `IAC SE` (the option byte first, then the payload, unescaped), and forgets
    /// it.
    pub fn read_sb_data(&self) -> Vec<u8> {
        self.conn.session.take_last_subnegotiation()
    }

    /// telnetlib's `write`: sends bytes as they are, with IAC doubled (and, outside BINARY, a
    /// bare CR as CR NUL). Fails with [`Error::Closed`] when the server has closed the
    /// connection, instead of dropping the data.
    pub fn write(&self, data: impl AsRef<[u8]>) -> Result<()> {
        if self.conn.session.peer_has_closed() {
            return Err(Error::Closed);
        }
        self.conn.session.write_data(data.as_ref(), false)
    }

    /// telnetlib's `set_option_negotiation_callback`: from now on the engine answers no option
    /// negotiation itself; `callback` sees every event (each WILL/WONT/DO/DONT as
    /// [`Event::Negotiation`], subnegotiations, commands) and answers through the engine it is
    /// given, e.g. `engine.send_negotiation(Verb::Wont, option)`.
    pub fn set_option_negotiation_callback(
        &self,
        callback: impl FnMut(&mut Engine, &Event) + Send + 'static,
    ) {
        self.conn.session.set_negotiation_hook(Box::new(callback));
    }

    /// telnetlib's `get_socket`: the socket, for socket options, when the transport is one.
    pub fn get_socket(&self) -> Option<&socket2::Socket> {
        self.conn.socket()
    }

    /// telnetlib's `interact`: copies standard input to the connection (each line ending in CR
    /// LF) and the connection to standard output, until either ends. The terminal stays in its
    /// normal (line) mode; `ironboa-client` is the full terminal client.
    pub fn interact(&self) -> Result<()> {
        let session = Arc::clone(&self.conn.session);
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                let Ok(line) = line else { break };
                if session
                    .write_data(format!("{line}\r\n").as_bytes(), false)
                    .is_err()
                {
                    break;
                }
            }
        });
        let mut stdout = std::io::stdout();
        loop {
            let data = self.read_some()?;
            if data.is_empty() {
                return Ok(());
            }
            stdout.write_all(&data)?;
            stdout.flush()?;
        }
    }

    /// Reads until `find` locates its end or `timeout` passes, returning the bytes up to it.
    #[cfg(feature = "expect")]
    pub(super) fn read_matching(
        &self,
        timeout: Option<Duration>,
        mut find: impl FnMut(&[u8]) -> Option<usize>,
    ) -> Result<(bool, Vec<u8>)> {
        self.conn.session.read_until(
            wait_for_timeout(self.conn.timeout(timeout)),
            Operation::Expect,
            |state, _| {
                let end = find(state.input.as_slice())?;
                Some((true, state.input.take(end)))
            },
            |state, error| match error {
                Error::LimitExceeded {
                    limit: crate::error::Limit::InputBuffer,
                    ..
                } => Ok((false, state.take_all())),
                error => partial_on_end(state, error).map(|data| (false, data)),
            },
        )
    }
}

impl Deref for Telnet {
    type Target = TelnetConnection;

    fn deref(&self) -> &TelnetConnection {
        &self.conn
    }
}

impl std::fmt::Debug for Telnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Telnet").field(&self.conn).finish()
    }
}

/// telnetlib's end of a read that found nothing: on timeout, what has arrived (possibly
/// nothing); at the end of the stream, what is left, or [`Error::Closed`] if nothing is.
pub(super) fn partial_on_end(state: &mut ReadState, error: Error) -> Result<Vec<u8>> {
    match error {
        Error::Timeout { .. } => Ok(state.take_all()),
        Error::Closed if !state.input.is_empty() => Ok(state.take_all()),
        error => Err(error),
    }
}
