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

use crate::error::{Error, Result};
use crate::options::WindowSize;
use crate::proto::{Engine, EngineConfig, Event, Identity, TelnetOption};
use crate::session::{Session, SessionOptions, WaitFor, deadline};

/// A blocking Telnet client connection.
///
/// `Send + Sync`: one thread may read while others write. Closed with
/// [`close`](Self::close), or when dropped.
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
                            operation: "connect",
                        });
                    } else {
                        last_error = Some(Error::Io(error));
                    }
                }
            }
        }
        Err(last_error.unwrap_or_else(|| Error::InvalidArgument("no address to connect to".into())))
    }

    /// Wraps a stream that is already connected.
    pub fn from_stream(stream: TcpStream, config: ClientConfig) -> Result<TelnetConnection> {
        let mut engine_config = EngineConfig::client();
        engine_config.limits = config.limits;
        engine_config.force_binary = config.force_binary;
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
        };
        let session = Session::new(stream, Engine::new(engine_config), options)?;
        let connection = TelnetConnection {
            session: Arc::new(session),
            read_timeout: config.read_timeout,
        };
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
        let mut state = self.session.reader.lock();
        loop {
            let deadline = (Instant::now() + quiet).min(end);
            match self.session.pump(&mut state, Some(deadline), "connect") {
                Ok(_) if Instant::now() < end => {}
                Ok(_) | Err(Error::Timeout { .. }) => return Ok(()),
                // The server may greet and hang up at once; the reads will say so.
                Err(Error::Closed) | Err(Error::LimitExceeded { .. }) => return Ok(()),
                Err(error) => return Err(error),
            }
        }
    }

    /// A call's timeout, or the configured default when it gave none.
    fn timeout(&self, timeout: Option<Duration>) -> Option<Duration> {
        timeout.or(self.read_timeout)
    }

    fn take_all(&self, state: &mut crate::session::ReadState) -> Vec<u8> {
        let n = state.input.len();
        state.input.take(n)
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
        let deadline = deadline(self.timeout(timeout));
        let mut state = self.session.reader.lock();
        let mut searched = 0;
        loop {
            let input = state.input.as_slice();
            if let Some(at) = finder.find(&input[searched..]) {
                return Ok(state.input.take(searched + at + expected.len()));
            }
            searched = input.len().saturating_sub(expected.len().saturating_sub(1));
            match self.session.pump(&mut state, deadline, "read_until") {
                Ok(_) => {}
                Err(Error::Timeout { .. }) => return Ok(self.take_all(&mut state)),
                Err(Error::Closed) if !state.input.is_empty() => {
                    return Ok(self.take_all(&mut state));
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// telnetlib's `read_all`: reads until the server closes the connection, and returns it
    /// all. Fails with [`Error::LimitExceeded`] past `ClientConfig::max_input_buffer`.
    pub fn read_all(&self) -> Result<Vec<u8>> {
        let mut state = self.session.reader.lock();
        loop {
            match self
                .session
                .pump(&mut state, deadline(self.read_timeout), "read_all")
            {
                Ok(_) => {}
                Err(Error::Closed) => return Ok(self.take_all(&mut state)),
                Err(error) => return Err(error),
            }
        }
    }

    /// telnetlib's `read_some`: at least one byte, waiting if need be; empty at the end of the
    /// stream.
    pub fn read_some(&self) -> Result<Vec<u8>> {
        let mut state = self.session.reader.lock();
        while state.input.is_empty() {
            match self
                .session
                .pump(&mut state, deadline(self.read_timeout), "read_some")
            {
                Ok(_) => {}
                Err(Error::Closed) => return Ok(Vec::new()),
                Err(error) => return Err(error),
            }
        }
        Ok(self.take_all(&mut state))
    }

    /// telnetlib's `read_very_eager`: everything that has arrived, without waiting; empty if
    /// nothing has. [`Error::Closed`] if the stream ended and nothing is left.
    pub fn read_very_eager(&self) -> Result<Vec<u8>> {
        let mut state = self.session.reader.lock();
        let closed = matches!(self.session.poll_available(&mut state), Err(Error::Closed));
        if closed && state.input.is_empty() {
            return Err(Error::Closed);
        }
        Ok(self.take_all(&mut state))
    }

    /// telnetlib's `read_eager`: as [`read_very_eager`](Self::read_very_eager) (ironboa decodes
    /// everything as it arrives, so "readily available" and "everything available" coincide).
    pub fn read_eager(&self) -> Result<Vec<u8>> {
        self.read_very_eager()
    }

    /// telnetlib's `read_lazy`: what has been received and decoded already, with no I/O.
    /// [`Error::Closed`] if the stream ended and nothing is left.
    pub fn read_lazy(&self) -> Result<Vec<u8>> {
        let mut state = self.session.reader.lock();
        if state.input.is_empty() && !self.session.is_active() {
            return Err(Error::Closed);
        }
        Ok(self.take_all(&mut state))
    }

    /// telnetlib's `read_very_lazy`: as [`read_lazy`](Self::read_lazy).
    pub fn read_very_lazy(&self) -> Result<Vec<u8>> {
        self.read_lazy()
    }

    /// telnetlib's `read_sb_data`: the last subnegotiation received, everything between
    /// `IAC SB` and `IAC SE` (the option byte first, then the payload, unescaped), and forgets
    /// it.
    pub fn read_sb_data(&self) -> Vec<u8> {
        std::mem::take(&mut self.session.reader.lock().last_subnegotiation)
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
        let mut state = self.session.reader.lock();
        self.session.engine.lock().set_manual_negotiation(true);
        state.hook = Some(Box::new(callback));
    }

    /// telnetlib's `get_socket` / `sock`: the TCP stream, for socket options. Reading or
    /// writing it directly bypasses the Telnet engine.
    pub fn socket(&self) -> &TcpStream {
        self.session.stream()
    }

    /// The server's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.session.peer_addr()
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
        let mut state = self.session.reader.lock();
        self.session
            .read_line(&mut state, deadline(self.timeout(timeout)))
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
        self.session.options.encoding.encode_into(text, &mut bytes);
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
        let engine = self.session.engine.lock();
        let identity = &engine.config().identity;
        match name {
            "peername" => Some(self.session.peer_addr().to_string()),
            "sockname" => self
                .session
                .stream()
                .local_addr()
                .ok()
                .map(|a| a.to_string()),
            "TERM" => identity.terminal_types.first().cloned(),
            "cols" => identity.window_size.map(|w| w.columns.to_string()),
            "rows" => identity.window_size.map(|w| w.rows.to_string()),
            "charset" => Some(
                engine
                    .peer()
                    .charset
                    .clone()
                    .unwrap_or_else(|| self.session.options.encoding.name().to_owned()),
            ),
            "mode" => Some(engine.mode().to_owned()),
            _ => None,
        }
    }

    /// The line discipline as telnetlib3 names it: `"local"` (we echo and edit), `"remote"`
    /// (the server echoes, character at a time), or `"kludge"` (SGA without ECHO).
    pub fn mode(&self) -> &'static str {
        self.session.engine.lock().mode()
    }

    /// Reports a new window size to the server (NAWS), e.g. after the terminal was resized.
    pub fn set_window_size(&self, columns: u16, rows: u16) -> Result<()> {
        self.session
            .with_engine(|e| e.set_window_size(WindowSize::new(columns, rows)))?
    }

    /// Whether an option is in effect on the server's side (it sent WILL and we agreed).
    pub fn remote_enabled(&self, option: TelnetOption) -> bool {
        self.session.engine.lock().remote_enabled(option)
    }

    /// Whether an option is in effect on our side.
    pub fn local_enabled(&self, option: TelnetOption) -> bool {
        self.session.engine.lock().local_enabled(option)
    }

    /// Runs `f` on the connection's engine (to inspect or queue negotiation), then writes what
    /// it queued.
    pub fn with_engine<T>(&self, f: impl FnOnce(&mut Engine) -> T) -> Result<T> {
        self.session.with_engine(f)
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
        let deadline: Option<Instant> = deadline(self.timeout(timeout));
        let mut state = self.session.reader.lock();
        loop {
            if let Some(end) = find(state.input.as_slice()) {
                return Ok((true, state.input.take(end)));
            }
            match self.session.pump(&mut state, deadline, "expect") {
                Ok(_) => {}
                Err(Error::Timeout { .. }) => return Ok((false, self.take_all(&mut state))),
                Err(Error::Closed) if !state.input.is_empty() => {
                    return Ok((false, self.take_all(&mut state)));
                }
                Err(Error::LimitExceeded {
                    limit: crate::error::Limit::InputBuffer,
                    ..
                }) => {
                    return Ok((false, self.take_all(&mut state)));
                }
                Err(error) => return Err(error),
            }
        }
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
            .field("peer", &self.session.peer_addr())
            .field("open", &self.is_open())
            .finish()
    }
}
