//! [`TelnetConnection`]: a blocking Telnet client, with telnetlib3.sync's calls; and
//! [`Telnet`], Python's telnetlib under its own names and semantics, for porting scripts.
//!
//! * **[`TelnetConnection`]**: the same calls, with the same meanings, as the server's
//!   [`ServerConnection`](crate::ServerConnection): [`read`](TelnetConnection::read),
//!   [`readline`](TelnetConnection::readline), [`read_until`](TelnetConnection::read_until)
//!   in text, `read_bytes`, `readline_bytes` and `read_until_bytes` in bytes, `write`,
//!   `write_bytes`, `send`, `wait_for`, `next_event`. A timeout is [`Error::Timeout`] and
//!   nothing read is lost.
//! * **[`Telnet`]** ([`telnetlib`]): telnetlib's `read_until`, `read_all`, `read_some`, the
//!   eager and lazy reads, `expect`, `write`, `interact`, the option callback. A timeout returns
//!   what has arrived (possibly nothing), as telnetlib does; Python's `EOFError` is
//!   [`Error::Closed`].
//!
//! ```no_run
//! use std::time::Duration;
//! use ironboa::client::{ClientConfig, TelnetConnection};
//!
//! let conn = TelnetConnection::connect("192.0.2.1:23", ClientConfig::default())?;
//! let t = Some(Duration::from_secs(10));
//! conn.read_until("login: ", t)?;
//! conn.send("admin\n")?;
//! conn.read_until("Password: ", t)?;
//! conn.send("secret\n")?;
//! let prompt = conn.read_until("$ ", t)?;
//! # let _ = prompt;
//! # Ok::<(), ironboa::Error>(())
//! ```

mod config;
#[cfg(feature = "expect")]
mod expect;
pub mod telnetlib;

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use config::ClientConfig;
#[cfg(feature = "expect")]
pub use expect::ExpectMatch;
pub use telnetlib::Telnet;

use crate::encoding::{Encoding, EncodingErrors};
use crate::error::{Error, Operation, Result};
use crate::options::WindowSize;
use crate::proto::{Engine, EngineConfig, Event, Identity, TelnetOption};
use crate::session::{
    EventLimits, PeerAddress, Session, SessionOptions, Transport, Wait, WaitFor, deadline_after,
    wait_for_timeout,
};

/// A blocking Telnet client connection.
///
/// `Send + Sync`: one thread may read while others write. Closed with
/// [`close`](Self::close), or when dropped. `&TelnetConnection` is [`std::io::Read`] and
/// [`std::io::Write`] over the connection's bytes.
pub struct TelnetConnection {
    pub(crate) session: Arc<Session>,
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
    /// child process (see [`Transport`]). With `ClientConfig::tls`, the TLS handshake runs
    /// first.
    pub fn from_transport(transport: Transport, config: ClientConfig) -> Result<TelnetConnection> {
        #[cfg(feature = "tls")]
        let tls = match &config.tls {
            Some(tls) => Some(crate::tls::connect(&transport, tls)?),
            None => None,
        };
        let mut engine_config = EngineConfig::client();
        engine_config.limits = config.limits;
        // A retro character set's bytes mean nothing as NVT ASCII: binary both ways, as
        // telnetlib3 does.
        engine_config.force_binary = config.force_binary || config.encoding.is_retro();
        if let Some(policy) = config.policy {
            engine_config.policy = policy;
        }
        engine_config.identity = Identity {
            terminal_types: config.terminal_types.clone(),
            window_size: config.window_size,
            environment: config.environment.clone(),
            ..Identity::default()
        };
        if let Some(modules) = &config.gmcp_modules {
            use crate::options::Gmcp;
            engine_config.policy.remote.insert(TelnetOption::GMCP);
            engine_config.identity.gmcp_hello = vec![
                Gmcp::core_hello("ironboa", env!("CARGO_PKG_VERSION")),
                Gmcp::supports_set(modules),
            ];
        }
        #[cfg(feature = "mccp")]
        crate::compress::configure_engine(&mut engine_config, config.compression);
        engine_config.charsets = vec![config.encoding.name().to_owned()];
        if config.encoding == Encoding::Utf8 {
            engine_config.charsets.push("UTF8".to_owned());
        }
        engine_config.accept_known_charsets = !config.encoding_given;
        let options = SessionOptions {
            encoding: config.encoding,
            encoding_errors: config.encoding_errors,
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
            max_queued_output: config.limits.max_output_buffer,
        };
        let session = Session::new(transport, Engine::new(engine_config), options);
        #[cfg(feature = "mccp")]
        crate::compress::install(&session, crate::proto::Role::Client, config.compression);
        #[cfg(feature = "tls")]
        if let Some(established) = tls {
            crate::tls::install(&session, established)?;
        }
        #[cfg(feature = "record")]
        if let Some(record) = &config.record {
            let size = config.window_size.unwrap_or(WindowSize::new(80, 24));
            let info = crate::record::RecordHeader {
                width: size.columns,
                height: size.rows,
                term: config.terminal_types.first().cloned().unwrap_or_default(),
                encoding: config.encoding,
            };
            crate::record::install(&session, record, info)?;
        }
        let connection = TelnetConnection {
            session,
            read_timeout: config.read_timeout,
        };
        let mut engine_offers = Vec::new();
        engine_offers.extend(config.offer_local.iter().map(|o| (*o, true)));
        engine_offers.extend(config.offer_remote.iter().map(|o| (*o, false)));
        #[cfg(feature = "mccp")]
        engine_offers.extend(
            crate::compress::offers(config.compression, crate::proto::Role::Client)
                .iter()
                .map(|o| (*o, false)),
        );
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
        let end = deadline_after(limit);
        loop {
            let before = self.session.bytes_received();
            let until = deadline_after(quiet).min(end);
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
    pub(crate) fn timeout(&self, timeout: Option<Duration>) -> Option<Duration> {
        timeout.or(self.read_timeout)
    }

    /// The socket, for socket options, when the transport is one. Reading or writing it
    /// directly bypasses the Telnet engine.
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

    /// Closes the connection: what was written is delivered, then the stream ends.
    pub fn close(&self) {
        self.session.close();
    }

    // ----- reading: telnetlib3.sync's calls, the same names and meanings as the server's -----

    /// Reads text that has arrived, waiting for at least one byte: at most `max_bytes` bytes'
    /// worth (a UTF-8 character is never cut). [`Error::Timeout`] if nothing came in time;
    /// [`Error::Closed`] at the end of the stream.
    pub fn read(&self, max_bytes: usize, timeout: Option<Duration>) -> Result<String> {
        self.session.read_text(max_bytes, self.timeout(timeout))
    }

    /// Reads available bytes, at most `max_bytes`, waiting for at least one.
    pub fn read_bytes(&self, max_bytes: usize, timeout: Option<Duration>) -> Result<Vec<u8>> {
        self.session.read_bytes(max_bytes, self.timeout(timeout))
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

    /// Reads until `marker` arrives and returns the text up to and including it. A timeout is
    /// [`Error::Timeout`] and the data stays buffered for the next read. (telnetlib's
    /// `read_until`, which returns what it has instead, is
    /// [`Telnet::read_until`](telnetlib::Telnet::read_until).)
    pub fn read_until(&self, marker: &str, timeout: Option<Duration>) -> Result<String> {
        self.session.read_until_text(marker, self.timeout(timeout))
    }

    /// [`read_until`](Self::read_until), with a byte marker.
    pub fn read_until_bytes(&self, marker: &[u8], timeout: Option<Duration>) -> Result<Vec<u8>> {
        self.session
            .read_until_marker(marker, self.timeout(timeout))
    }

    // ----- writing -----

    /// Sends text in the connection's encoding, as it is (IAC doubled; outside BINARY a bare CR
    /// becomes CR NUL).
    pub fn write(&self, text: &str) -> Result<()> {
        self.write_bytes(&self.encode(text)?)
    }

    /// Sends bytes as they are (IAC doubled; outside BINARY a bare CR becomes CR NUL).
    pub fn write_bytes(&self, bytes: &[u8]) -> Result<()> {
        self.session.write_data(bytes, false)
    }

    /// Sends text with `\n` and `\r\n` both turned into exactly one `\r\n`, the Telnet line
    /// end, as the server's `send` does.
    pub fn send(&self, text: &str) -> Result<()> {
        self.session.write_data(&self.encode(text)?, true)
    }

    fn encode(&self, text: &str) -> Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(text.len());
        self.session.encode_text(text, &mut bytes)?;
        Ok(bytes)
    }

    /// The encoding of the text calls now: the one set with
    /// [`set_encoding`](Self::set_encoding), else the character set accepted in CHARSET (when
    /// this build knows it), else [`ClientConfig::encoding`].
    pub fn encoding(&self) -> Encoding {
        self.session.encoding()
    }

    /// Switches the text calls to `encoding` from now on (whatever CHARSET agreed). Bytes
    /// already received but not yet read are decoded in the new encoding.
    pub fn set_encoding(&self, encoding: Encoding) {
        self.session.set_encoding(encoding);
    }

    /// Changes what the text calls do with bytes that do not decode and characters that
    /// cannot be encoded, from now on.
    pub fn set_encoding_errors(&self, errors: EncodingErrors) {
        self.session.set_encoding_errors(errors);
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
    /// `"rows"`, `"charset"` (as agreed, or the configured encoding), `"mode"`. Over TLS (the
    /// `tls` feature) also `"ssl_object"` (the protocol version; `None` on a plain
    /// connection), `"cipher"`, `"server_hostname"` and `"peercert"` (the server's
    /// certificate, PEM); see `tls_info`.
    pub fn get_extra_info(&self, name: &str) -> Option<String> {
        #[cfg(feature = "tls")]
        if let "ssl_object" | "tls_version" | "cipher" | "server_hostname" | "server_name"
        | "peercert" = name
        {
            return self.tls_info().and_then(|tls| tls.extra_info(name));
        }
        match name {
            "peername" => return Some(self.session.peer().to_string()),
            "sockname" => {
                return self.session.transport().local_addr().map(|a| a.to_string());
            }
            _ => {}
        }
        let encoding = self.session.encoding();
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

    /// What the TLS handshake agreed (protocol version, cipher suite, the SNI name sent, the
    /// server's certificate); `None` on a plain Telnet connection.
    #[cfg(feature = "tls")]
    pub fn tls_info(&self) -> Option<&crate::tls::TlsInfo> {
        self.session.layer_info::<crate::tls::TlsInfo>()
    }

    /// Whether the connection is open.
    pub fn is_open(&self) -> bool {
        self.session.is_active()
    }
}

/// Bytes in, waiting at most `ClientConfig::read_timeout` for at least one byte (a timeout is
/// `ErrorKind::TimedOut`); `Ok(0)` at the end of the stream.
impl std::io::Read for &TelnetConnection {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        crate::session::read_into(&self.session, buf, wait_for_timeout(self.read_timeout))
    }
}

/// Bytes out, as [`write_bytes`](TelnetConnection::write_bytes): IAC doubled, a bare CR as CR NUL outside
/// BINARY. Each call is written whole.
impl std::io::Write for &TelnetConnection {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_bytes(buf).map_err(Error::into_io)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        TelnetConnection::flush(self).map_err(Error::into_io)
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
