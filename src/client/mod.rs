//! [`TelnetConnection`]: a telnetlib-style blocking client, with telnetlib3.sync's additions.
//!
//! Two families of reads, on purpose:
//!
//! * **telnetlib's, in bytes, with telnetlib's semantics**: [`read_until`](TelnetConnection::read_until),
//!   [`read_all`](TelnetConnection::read_all), [`read_some`](TelnetConnection::read_some), the
//!   eager and lazy reads, [`expect`](TelnetConnection::expect). A timeout returns what has
//!   arrived (possibly nothing), as telnetlib does; Python's `EOFError` is [`Error::Closed`].
//! * **telnetlib3.sync's, in text, with errors for timeouts**: [`read`](TelnetConnection::read),
//!   [`readline`](TelnetConnection::readline), [`read_until_text`](TelnetConnection::read_until_text).
//!   A timeout is [`Error::Timeout`] and nothing read is lost.
//!
//! ```no_run
//! use std::time::Duration;
//! use ironboa::client::{ClientConfig, TelnetConnection};
//!
//! let conn = TelnetConnection::connect("192.0.2.1:23", ClientConfig::default())?;
//! let t = Some(Duration::from_secs(10));
//! conn.read_until(b"login: ", t)?;
//! conn.write(b"admin\r\n")?;
//! conn.read_until(b"Password: ", t)?;
//! conn.write(b"secret\r\n")?;
//! let (index, _, text) = conn.expect(&[r"\$ $", r"# $"], t)?.into_parts();
//! # let _ = (index, text);
//! # Ok::<(), ironboa::Error>(())
//! ```

mod config;
#[cfg(feature = "expect")]
mod expect;

use std::io::{BufRead, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use config::ClientConfig;
#[cfg(feature = "expect")]
pub use expect::ExpectMatch;

use crate::error::{Error, Operation, Result};
use crate::options::WindowSize;
use crate::proto::{Engine, EngineConfig, Event, Identity, TelnetOption};
use crate::session::{
    EventLimits, PeerAddress, ReadState, Session, SessionOptions, Transport, Wait, WaitFor,
    wait_for_timeout,
};

/// A blocking Telnet client connection.
///
/// `Send + Sync`: one thread may read while others write. Closed with
/// [`close`](Self::close), or when dropped. `&TelnetConnection` is [`std::io::Read`] and
/// [`std::io::Write`] over the connection's bytes.
pub struct TelnetConnection {
    session: Arc<Session>,
    read_timeout: Option<Duration>,
}

impl TelnetConnection {
    /// Connects to `addr` ("host:port", or anything `ToSocketAddrs` takes), trying each
    /// address it resolves to within `ClientConfig::connect_timeout`.
    pub fn connect(addr: impl ToSocketAddrs, config: ClientConfig) -> Result<TelnetConnection> {
        let mut last_error = None;
        for address in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&address, config.connect_timeout) {
                Ok(stream) => return TelnetConnection::from_stream(stream, config),
                Err(error) => {
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                    ) {
                        last_error = Some(Error::Timeout {
                            operation: Operation::Connect,
                        });
                    } else {
                        last_error = Some(Error::Io(error));
                    }
                }
            }
        }
        Err(last_error.unwrap_or_else(|| Error::InvalidArgument("no address to connect to".into())))
    }

    /// Wraps a TCP stream that is already connected.
    pub fn from_stream(stream: TcpStream, config: ClientConfig) -> Result<TelnetConnection> {
        TelnetConnection::from_transport(Transport::tcp(stream)?, config)
    }

    /// Runs a Telnet client over any transport: a Unix socket, a socketpair, the pipes of a
    /// child process (see [`Transport`]).
    pub fn from_transport(transport: Transport, config: ClientConfig) -> Result<TelnetConnection> {
        let mut engine_config = EngineConfig::client();
        engine_config.limits = config.limits;
        engine_config.force_binary = config.force_binary;
        if let Some(policy) = config.policy {
            engine_config.policy = policy;
        }
        engine_config.identity = Identity {
            terminal_types: config.terminal_types.clone(),
            window_size: config.window_size,
            environment: config.environment.clone(),
            ..Identity::default()
        };
        engine_config.charsets = vec![config.encoding.name().to_owned()];
        if config.encoding == crate::Encoding::Utf8 {
            engine_config.charsets.push("UTF8".to_owned());
        }
        let options = SessionOptions {
            encoding: config.encoding,
            max_line_length: config.max_line_length,
            max_input_buffer: config.max_input_buffer,
            never_send_ga: true,
            idle_timeout: None,
            write_timeout: Some(config.write_timeout),
            answer_are_you_there: false,
            apply_erase_commands: false,
            coalesce_delay: Duration::ZERO,
            events: EventLimits {
                max_events: config.max_queued_events,
                max_bytes: config.limits.max_subnegotiation.saturating_mul(4),
            },
        };
        let session = Session::new(transport, Engine::new(engine_config), options);
        let connection = TelnetConnection {
            session,
            read_timeout: config.read_timeout,
        };
        let mut engine_offers = Vec::new();
        engine_offers.extend(config.offer_local.iter().map(|o| (*o, true)));
        engine_offers.extend(config.offer_remote.iter().map(|o| (*o, false)));
        if !engine_offers.is_empty() {
            connection.session.write(false, |e| {
                for (option, local) in engine_offers {
                    if local {
                        e.enable_local(option);
                    } else {
                        e.enable_remote(option);
                    }
                }
                Ok(())
            })?;
        }
        connection.settle(config.connect_minwait, config.connect_maxwait)?;
        Ok(connection)
    }

    /// Answers the server's opening negotiation: reads until nothing has arrived for `quiet`, or
    /// `limit` has passed. What arrives is kept for the first read.
    fn settle(&self, quiet: Duration, limit: Duration) -> Result<()> {
        if quiet.is_zero() {
            return Ok(());
        }
        let end = Instant::now() + limit;
        loop {
            let before = self.session.bytes_received();
            let until = (Instant::now() + quiet).min(end);
            let arrived = self.session.read_until(
                Wait::Until(until),
                Operation::Negotiation,
                |_, _| (self.session.bytes_received() != before).then_some(true),
                |_, error| match error {
                    Error::Timeout { .. } => Ok(false),
                    // The server may greet and hang up at once; the reads will say so.
                    Error::Closed | Error::LimitExceeded { .. } => Ok(false),
                    error => Err(error),
                },
            )?;
            if !arrived || Instant::now() >= end {
                return Ok(());
            }
        }
    }

    /// A call's timeout, or the configured default when it gave none.
    fn timeout(&self, timeout: Option<Duration>) -> Option<Duration> {
        timeout.or(self.read_timeout)
    }

    // ----- telnetlib: bytes -----

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
        self.session.read_until(
            wait_for_timeout(self.timeout(timeout)),
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
        self.session.read_until(
            wait_for_timeout(self.read_timeout),
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
        self.session.read_until(
            wait_for_timeout(self.read_timeout),
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
        self.session.read_until(
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
        let open = self.session.is_active();
        self.session.with_input(|state| {
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
        self.session.take_last_subnegotiation()
    }

    /// telnetlib's `write`: sends bytes as they are, with IAC doubled (and, outside BINARY, a
    /// bare CR as CR NUL). Fails with [`Error::Closed`] when the server has closed the
    /// connection, instead of dropping the data.
    pub fn write(&self, data: impl AsRef<[u8]>) -> Result<()> {
        if self.session.peer_has_closed() {
            return Err(Error::Closed);
        }
        self.session.write_data(data.as_ref(), false)
    }

    /// telnetlib's `set_option_negotiation_callback`: from now on the engine answers no option
    /// negotiation itself; `callback` sees every event (each WILL/WONT/DO/DONT as
    /// [`Event::Negotiation`], subnegotiations, commands) and answers through the engine it is
    /// given, e.g. `engine.send_negotiation(Verb::Wont, option)`.
    pub fn set_option_negotiation_callback(
        &self,
        callback: impl FnMut(&mut Engine, &Event) + Send + 'static,
    ) {
        self.session.set_negotiation_hook(Box::new(callback));
    }

    /// telnetlib's `get_socket` / `sock`: the socket, for socket options, when the transport
    /// is one. Reading or writing it directly bypasses the Telnet engine.
    pub fn socket(&self) -> Option<&socket2::Socket> {
        self.session.transport().socket()
    }

    /// The server's address, for TCP.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.session.peer().ip()
    }

    /// Who the server is: a TCP address, a Unix socket, or nothing (pipes).
    pub fn peer(&self) -> &PeerAddress {
        self.session.peer()
    }

    /// telnetlib's `interact`: copies standard input to the connection (each line ending in CR
    /// LF) and the connection to standard output, until either ends. The terminal stays in its
    /// normal (line) mode; `ironboa-client` is the full terminal client.
    pub fn interact(&self) -> Result<()> {
        let session = Arc::clone(&self.session);
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

    /// Closes the connection: what was written is delivered, then the stream ends.
    pub fn close(&self) {
        self.session.close();
    }

    // ----- telnetlib3.sync: text -----

    /// Reads text that has arrived, waiting for at least one byte: at most `max_bytes` bytes'
    /// worth (a UTF-8 character is never cut). [`Error::Timeout`] if nothing came in time;
    /// [`Error::Closed`] at the end of the stream.
    pub fn read(&self, max_bytes: usize, timeout: Option<Duration>) -> Result<String> {
        self.session.read_text(max_bytes, self.timeout(timeout))
    }

    /// Reads one line of text without its ending (`\r\n`, `\r\0`, `\n` or a lone `\r`).
    /// [`Error::Timeout`] keeps the partial line for the next call.
    pub fn readline(&self, timeout: Option<Duration>) -> Result<String> {
        self.session.readline_text(self.timeout(timeout))
    }

    /// [`readline`](Self::readline), as bytes.
    pub fn readline_bytes(&self, timeout: Option<Duration>) -> Result<Vec<u8>> {
        self.session.read_line(self.timeout(timeout))
    }

    /// telnetlib3.sync's `read_until` on a text connection: reads until `marker` arrives and
    /// returns the text up to and including it. Unlike [`read_until`](Self::read_until), a
    /// timeout is [`Error::Timeout`] and the data stays buffered.
    pub fn read_until_text(&self, marker: &str, timeout: Option<Duration>) -> Result<String> {
        self.session.read_until_text(marker, self.timeout(timeout))
    }

    /// Sends text in the connection's encoding, as it is.
    pub fn write_text(&self, text: &str) -> Result<()> {
        let mut bytes = Vec::with_capacity(text.len());
        self.session
            .options()
            .encoding
            .encode_into(text, &mut bytes);
        self.write(bytes)
    }

    /// Writes anything the engine has queued (negotiation replies). Writes are unbuffered.
    pub fn flush(&self) -> Result<()> {
        self.session.flush()
    }

    /// telnetlib3.sync's `wait_for`: blocks until the option states hold, keeping any data
    /// that arrives meanwhile. [`Error::Closed`] if the server closes first, [`Error::Timeout`]
    /// at the deadline.
    ///
    /// ```no_run
    /// # use ironboa::client::{ClientConfig, TelnetConnection};
    /// # use std::time::Duration;
    /// # let conn = TelnetConnection::connect("localhost:6023", ClientConfig::default())?;
    /// use ironboa::WaitFor;
    /// conn.wait_for(&WaitFor::new().remote("ECHO", true).local("NAWS", true), Some(Duration::from_secs(2)))?;
    /// # Ok::<(), ironboa::Error>(())
    /// ```
    pub fn wait_for(&self, conditions: &WaitFor, timeout: Option<Duration>) -> Result<()> {
        self.session.wait_for(conditions, self.timeout(timeout))
    }

    /// telnetlib3.sync's `get_extra_info`: `"peername"`, `"sockname"`, `"TERM"`, `"cols"`,
    /// `"rows"`, `"charset"` (as agreed, or the configured encoding), `"mode"`.
    pub fn get_extra_info(&self, name: &str) -> Option<String> {
        match name {
            "peername" => return Some(self.session.peer().to_string()),
            "sockname" => {
                return self.session.transport().local_addr().map(|a| a.to_string());
            }
            _ => {}
        }
        let encoding = self.session.options().encoding;
        self.session.inspect(|engine| {
            let identity = &engine.config().identity;
            match name {
                "TERM" => identity.terminal_types.first().cloned(),
                "cols" => identity.window_size.map(|w| w.columns.to_string()),
                "rows" => identity.window_size.map(|w| w.rows.to_string()),
                "charset" => Some(
                    engine
                        .peer()
                        .charset
                        .clone()
                        .unwrap_or_else(|| encoding.name().to_owned()),
                ),
                "mode" => Some(engine.mode().to_owned()),
                _ => None,
            }
        })
    }

    /// The line discipline as telnetlib3 names it: `"local"` (we echo and edit), `"remote"`
    /// (the server echoes, character at a time), or `"kludge"` (SGA without ECHO).
    pub fn mode(&self) -> &'static str {
        self.session.inspect(Engine::mode)
    }

    /// Reports a new window size to the server (NAWS), e.g. after the terminal was resized.
    pub fn set_window_size(&self, columns: u16, rows: u16) -> Result<()> {
        self.session
            .write(false, |e| e.set_window_size(WindowSize::new(columns, rows)))
    }

    /// Whether an option is in effect on the server's side (it sent WILL and we agreed).
    pub fn remote_enabled(&self, option: TelnetOption) -> bool {
        self.session.inspect(|e| e.remote_enabled(option))
    }

    /// Whether an option is in effect on our side.
    pub fn local_enabled(&self, option: TelnetOption) -> bool {
        self.session.inspect(|e| e.local_enabled(option))
    }

    /// Runs `f` on the connection's engine (to inspect or queue negotiation), then writes what
    /// it queued.
    pub fn with_engine<T>(&self, f: impl FnOnce(&mut Engine) -> T) -> Result<T> {
        self.session.write(false, |e| Ok(f(e)))
    }

    /// The next event from the server (a command such as IAC GA or IAC EOR, an option change,
    /// a subnegotiation such as GMCP), reading and keeping any data that arrives meanwhile.
    /// Automatic negotiation goes on as usual. [`Error::Timeout`] when none came in time
    /// (`Some(Duration::ZERO)` only looks at what has arrived); [`Error::Closed`] at the end
    /// of the stream. Up to `ClientConfig::max_queued_events` are kept; older ones are dropped.
    pub fn next_event(&self, timeout: Option<Duration>) -> Result<Event> {
        self.session.next_event(self.timeout(timeout))
    }

    /// Whether the connection is open.
    pub fn is_open(&self) -> bool {
        self.session.is_active()
    }

    /// Reads until `find` locates its end or `timeout` passes, returning the bytes up to it.
    #[cfg(feature = "expect")]
    fn read_matching(
        &self,
        timeout: Option<Duration>,
        mut find: impl FnMut(&[u8]) -> Option<usize>,
    ) -> Result<(bool, Vec<u8>)> {
        self.session.read_until(
            wait_for_timeout(self.timeout(timeout)),
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

/// Bytes in, waiting at most `ClientConfig::read_timeout` for at least one byte (a timeout is
/// `ErrorKind::TimedOut`); `Ok(0)` at the end of the stream.
impl std::io::Read for &TelnetConnection {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        crate::session::read_into(&self.session, buf, wait_for_timeout(self.read_timeout))
    }
}

/// Bytes out, as [`write`](TelnetConnection::write): IAC doubled, a bare CR as CR NUL outside
/// BINARY. Each call is written whole.
impl std::io::Write for &TelnetConnection {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        TelnetConnection::write(self, buf).map_err(Error::into_io)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        TelnetConnection::flush(self).map_err(Error::into_io)
    }
}

/// telnetlib's end of a read that found nothing: on timeout, what has arrived (possibly
/// nothing); at the end of the stream, what is left, or [`Error::Closed`] if nothing is.
fn partial_on_end(state: &mut ReadState, error: Error) -> Result<Vec<u8>> {
    match error {
        Error::Timeout { .. } => Ok(state.take_all()),
        Error::Closed if !state.input.is_empty() => Ok(state.take_all()),
        error => Err(error),
    }
}

impl Drop for TelnetConnection {
    fn drop(&mut self) {
        self.session.close();
    }
}

impl std::fmt::Debug for TelnetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelnetConnection")
            .field("peer", self.session.peer())
            .field("open", &self.is_open())
            .finish()
    }
}
