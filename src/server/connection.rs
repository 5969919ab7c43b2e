//! `ServerConnection`: the handle a handler gets, with the miniboa and telnetlib3 surfaces.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::color::{caret_to_ansi, strip_caret_codes, wrap_paragraphs};
use super::registry::Registry;
use crate::error::{Error, Result};
use crate::options::WindowSize;
use crate::proto::{Engine, Event, PeerInfo, TelnetOption};
use crate::session::{Encoding, PeerAddress, Session, WaitFor};

/// A connection's identity within its server: stable for the connection's life, never reused
/// by the same server, and usable as a key in the application's own maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(pub u64);

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One client connection: a cheap `Clone` handle, `Send + Sync`.
///
/// Reading belongs to the handler's thread; writing and control (`send`, `deactivate`, ...)
/// are safe from any thread, and a write is delivered whole: a broadcast from another thread is
/// never interleaved with half a line of this connection's own output.
///
/// Timeouts are `Option<Duration>`: `None` waits for ever. A timeout is
/// [`Error::Timeout`](crate::Error::Timeout) and loses no data; the end of the stream is
/// [`Error::Closed`](crate::Error::Closed).
///
/// `&ServerConnection` is [`io::Read`] and [`io::Write`] over the connection's bytes (Telnet
/// commands taken out, IAC doubled on the way out), so `BufReader`, `io::copy` and `write!`
/// work; the end of the stream reads as `Ok(0)`.
///
/// Two handles are equal when they are the same connection ([`id`](Self::id)).
#[derive(Clone)]
pub struct ServerConnection {
    pub(crate) session: Arc<Session>,
    pub(crate) id: ConnectionId,
    pub(crate) registry: Weak<Registry>,
    /// miniboa's `use_ansi`: caret codes become ANSI sequences (or are stripped).
    use_ansi: Arc<std::sync::atomic::AtomicBool>,
}

impl PartialEq for ServerConnection {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for ServerConnection {}

impl Hash for ServerConnection {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl ServerConnection {
    pub(crate) fn new(
        session: Arc<Session>,
        id: ConnectionId,
        registry: Weak<Registry>,
    ) -> ServerConnection {
        ServerConnection {
            session,
            id,
            registry,
            use_ansi: Arc::new(std::sync::atomic::AtomicBool::new(true)),
        }
    }

    /// The connection's id within its server (0 for a connection served with
    /// [`serve_transport`](super::BlockingTelnetServer::serve_transport)).
    pub fn id(&self) -> ConnectionId {
        self.id
    }

    /// The encoding of the text calls now: the one set with
    /// [`set_encoding`](Self::set_encoding), else the one negotiated (the character set the
    /// client accepted in CHARSET, else the encoding of the `LANG` it sent, such as
    /// `ru_RU.KOI8-R`, when this build knows it), else
    /// [`ServerConfig::encoding`](super::ServerConfig::encoding).
    pub fn encoding(&self) -> Encoding {
        self.session.encoding()
    }

    /// Switches the text calls to `encoding` from now on, over anything negotiated. Bytes
    /// already received but not yet read are decoded in the new encoding.
    pub fn set_encoding(&self, encoding: Encoding) {
        self.session.set_encoding(encoding);
    }

    /// Changes what the text calls do with bytes that do not decode and characters that
    /// cannot be encoded, from now on.
    pub fn set_encoding_errors(&self, errors: crate::EncodingErrors) {
        self.session.set_encoding_errors(errors);
    }

    // ----- reading -----

    /// Reads one line, without its ending: `\r\n`, `\r\0`, `\n` and a lone `\r` each end a line.
    /// In character mode what is typed is echoed and backspace, DEL and Ctrl-U edit the line.
    /// Invalid text becomes U+FFFD (or, under
    /// [`EncodingErrors::Strict`](crate::EncodingErrors::Strict), the line comes back inside
    /// [`Error::Decode`](crate::Error::Decode)); [`readline_bytes`](Self::readline_bytes) gives
    /// the bytes.
    pub fn readline(&self, timeout: Option<Duration>) -> Result<String> {
        let line = self.readline_bytes(timeout)?;
        self.session.decode_text(&line)
    }

    /// [`readline`](Self::readline), as raw bytes.
    pub fn readline_bytes(&self, timeout: Option<Duration>) -> Result<Vec<u8>> {
        self.session.read_line(timeout)
    }

    /// Reads whatever text is available, waiting for at least one byte: at most `max_bytes`
    /// bytes' worth, except that a UTF-8 character is never cut in two (so a first character
    /// longer than `max_bytes` comes whole).
    pub fn read(&self, max_bytes: usize, timeout: Option<Duration>) -> Result<String> {
        self.session.read_text(max_bytes, timeout)
    }

    /// Reads whatever text is available, waiting for at least one byte.
    pub fn read_some(&self, timeout: Option<Duration>) -> Result<String> {
        self.read(usize::MAX, timeout)
    }

    /// Reads available bytes, at most `max_bytes`, waiting for at least one.
    pub fn read_bytes(&self, max_bytes: usize, timeout: Option<Duration>) -> Result<Vec<u8>> {
        self.session.read_bytes(max_bytes, timeout)
    }

    /// Reads until `marker` has arrived, and returns everything up to and including it.
    pub fn read_until(&self, marker: &str, timeout: Option<Duration>) -> Result<String> {
        self.session.read_until_text(marker, timeout)
    }

    /// [`read_until`](Self::read_until), with a byte marker.
    pub fn read_until_bytes(&self, marker: &[u8], timeout: Option<Duration>) -> Result<Vec<u8>> {
        self.session.read_until_marker(marker, timeout)
    }

    // ----- writing -----

    /// Sends text as it is (IAC doubled; outside BINARY a bare CR becomes CR NUL).
    pub fn write(&self, text: &str) -> Result<()> {
        let mut bytes = Vec::with_capacity(text.len());
        self.session.encode_text(text, &mut bytes)?;
        self.session.write_data(&bytes, false)
    }

    /// Sends bytes as they are (IAC doubled; outside BINARY a bare CR becomes CR NUL).
    pub fn write_bytes(&self, bytes: &[u8]) -> Result<()> {
        self.session.write_data(bytes, false)
    }

    /// Sends text with `\n` and `\r\n` both turned into exactly one `\r\n` (miniboa's and
    /// telnetlib3's `send`).
    pub fn send(&self, text: &str) -> Result<()> {
        let mut bytes = Vec::with_capacity(text.len() + 8);
        self.session.encode_text(text, &mut bytes)?;
        self.session.write_data(&bytes, true)
    }

    /// [`send`](Self::send) without ever waiting for this client: the text is written as far
    /// as the socket takes it now, and the rest as the client reads (miniboa's `send`, which
    /// buffers). For writing to other connections (a chat room, a broadcast): a client that
    /// does not read can never stall the sender. Fails with
    /// [`Error::LimitExceeded`](crate::Error::LimitExceeded), queueing nothing, when
    /// `ServerConfig::max_queued_output` is already waiting; see also
    /// [`BlockingTelnetServer::broadcast`](super::BlockingTelnetServer::broadcast).
    pub fn send_nowait(&self, text: &str) -> Result<()> {
        let mut bytes = Vec::with_capacity(text.len() + 8);
        self.session.encode_text(text, &mut bytes)?;
        let limit = self.session.options().max_queued_output;
        self.session.queue_output(&bytes, true, limit)
    }

    /// [`send`](Self::send) after turning miniboa's caret colour codes into ANSI sequences
    /// (see [`caret_to_ansi`](super::caret_to_ansi)), or stripping them when
    /// [`use_ansi`](Self::use_ansi) is off, as miniboa's `send_cc` does.
    pub fn send_cc(&self, text: &str) -> Result<()> {
        if self.use_ansi() {
            self.send(&caret_to_ansi(text))
        } else {
            self.send(&strip_caret_codes(text))
        }
    }

    /// miniboa's `send_wrapped`: the text's paragraphs wrapped to the client's width (80 if
    /// unknown), each line indented as miniboa does (see
    /// [`wrap_paragraphs`](super::wrap_paragraphs)), then sent with [`send_cc`](Self::send_cc),
    /// one line at a time, each ended with a newline.
    pub fn send_wrapped(&self, text: &str) -> Result<()> {
        let mut all = String::with_capacity(text.len() + 64);
        for line in wrap_paragraphs(text, usize::from(self.columns()), 4, 2) {
            all.push_str(&line);
            all.push('\n');
        }
        self.send_cc(&all)
    }

    /// Whether [`send_cc`](Self::send_cc) turns caret codes into ANSI sequences (true, the
    /// default) or strips them: miniboa's `use_ansi`. Shared by every handle of the connection.
    pub fn use_ansi(&self) -> bool {
        self.use_ansi.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets [`use_ansi`](Self::use_ansi).
    pub fn set_use_ansi(&self, on: bool) {
        self.use_ansi
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Writes anything queued. Output owed an IAC GA may be held back for
    /// `ServerConfig::coalesce_delay` so that the GA leaves with it; this sends it now.
    pub fn flush(&self) -> Result<()> {
        self.session.flush()
    }

    /// Closes the connection: queued output is delivered, then the stream ends.
    pub fn close(&self) {
        self.session.close();
        self.unregister();
    }

    /// Closes at once without waiting for queued output (a client that does not read).
    pub(crate) fn abort(&self) {
        self.session.abort();
        self.unregister();
    }

    fn unregister(&self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.remove(self.id);
        }
    }

    // ----- the miniboa surface -----

    /// Whether the connection is open (miniboa's `active`).
    pub fn active(&self) -> bool {
        self.session.is_active()
    }

    /// Closes the connection from any thread; a handler blocked in `readline` returns
    /// [`Error::Closed`](crate::Error::Closed) promptly (miniboa's `deactivate`).
    pub fn deactivate(&self) {
        self.session.deactivate();
        self.unregister();
    }

    /// The client's IP address as text (miniboa's `address`); for a connection over a Unix
    /// socket or pipes, `"unix"` or `"pipe"`.
    pub fn address(&self) -> String {
        match self.session.peer() {
            PeerAddress::Ip(addr) => addr.ip().to_string(),
            other => other.to_string(),
        }
    }

    /// The client's port (miniboa's `port`); 0 when the transport has none.
    pub fn port(&self) -> u16 {
        self.session.peer().ip().map_or(0, |a| a.port())
    }

    /// `"ip:port"` (miniboa's `addrport()`).
    pub fn addrport(&self) -> String {
        self.session.peer().to_string()
    }

    /// The client's TCP address (`None` over a Unix socket or pipes).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.session.peer().ip()
    }

    /// Who the client is: a TCP address, a Unix socket, or nothing (pipes).
    pub fn peer(&self) -> &PeerAddress {
        self.session.peer()
    }

    /// The terminal type the client reported, or `"unknown"` (miniboa's `terminal_type`).
    pub fn terminal_type(&self) -> String {
        self.session
            .inspect(|e| e.peer().terminal_type().unwrap_or("unknown").to_owned())
    }

    /// The client's width from NAWS, or 80 (miniboa's `columns`).
    pub fn columns(&self) -> u16 {
        self.window_size().map_or(80, |w| w.columns).max(1)
    }

    /// The client's height from NAWS, or 24 (miniboa's `rows`).
    pub fn rows(&self) -> u16 {
        self.window_size().map_or(24, |w| w.rows).max(1)
    }

    /// The window size the client reported, if it did.
    pub fn window_size(&self) -> Option<WindowSize> {
        self.session.inspect(|e| e.peer().window_size)
    }

    /// Time since the client last sent complete input (miniboa's `idle()`): a line (a key in
    /// character or kludge mode, any data in BINARY), a command, an option change or a
    /// finished subnegotiation.
    /// Bytes that complete nothing, such as a trickle of an endless subnegotiation, do not
    /// count.
    pub fn idle(&self) -> Duration {
        self.session.idle()
    }

    /// Time since the client connected (miniboa's `duration()`).
    pub fn duration(&self) -> Duration {
        self.session.duration()
    }

    /// Bytes written to the socket so far.
    pub fn bytes_sent(&self) -> u64 {
        self.session.bytes_sent()
    }

    /// Bytes read from the socket so far.
    pub fn bytes_received(&self) -> u64 {
        self.session.bytes_received()
    }

    /// Asks the client to stop echoing locally (WILL ECHO) and echoes nothing itself, for
    /// passwords.
    pub fn password_mode_on(&self) -> Result<()> {
        self.session.set_password_mode(true);
        self.negotiate(|e| e.enable_local(TelnetOption::ECHO))
    }

    /// Ends password mode: in line mode the client echoes again (WONT ECHO); in character mode
    /// the server goes on echoing.
    pub fn password_mode_off(&self) -> Result<()> {
        self.session.set_password_mode(false);
        if !self.character_mode() {
            self.negotiate(|e| e.disable_local(TelnetOption::ECHO))?;
        }
        Ok(())
    }

    fn character_mode(&self) -> bool {
        self.session
            .inspect(|e| e.local_enabled(TelnetOption::SGA) && e.local_enabled(TelnetOption::ECHO))
    }

    /// Queues negotiation on the engine and writes it.
    fn negotiate<T>(&self, f: impl FnOnce(&mut Engine) -> T) -> Result<()> {
        self.session.write(false, |e| {
            f(e);
            Ok(())
        })
    }

    /// Asks the client to report its window size (DO NAWS).
    pub fn request_naws(&self) -> Result<()> {
        self.negotiate(|e| e.enable_remote(TelnetOption::NAWS))
    }

    /// Asks the client for its terminal type (DO TTYPE, or TTYPE SEND once it agreed).
    pub fn request_terminal_type(&self) -> Result<()> {
        self.negotiate(|e| {
            if !e.request_terminal_type() {
                e.enable_remote(TelnetOption::TTYPE);
            }
        })
    }

    /// Asks the client to suppress go-ahead (DO SGA).
    pub fn request_do_sga(&self) -> Result<()> {
        self.negotiate(|e| e.enable_remote(TelnetOption::SGA))
    }

    /// Offers to echo (WILL ECHO).
    pub fn request_will_echo(&self) -> Result<()> {
        self.negotiate(|e| e.enable_local(TelnetOption::ECHO))
    }

    /// Stops echoing (WONT ECHO).
    pub fn request_wont_echo(&self) -> Result<()> {
        self.negotiate(|e| e.disable_local(TelnetOption::ECHO))
    }

    // ----- the telnetlib3 surface -----

    /// Blocks until the option states in `conditions` hold, reading (and keeping) whatever data
    /// arrives meanwhile. Fails with [`Error::Closed`](crate::Error::Closed) if the client
    /// leaves, and [`Error::Timeout`](crate::Error::Timeout) at the deadline.
    pub fn wait_for(&self, conditions: &WaitFor, timeout: Option<Duration>) -> Result<()> {
        self.session.wait_for(conditions, timeout)
    }

    /// The next event from the client, reading (and keeping for later reads) any data that
    /// arrives meanwhile: a command (IAC IP, BRK, AO, ABORT, SUSP, EOF, EOR, ...), an option
    /// change, a subnegotiation (GMCP, MSDP, a new window size, anything unknown). Automatic
    /// negotiation goes on as usual; the events are what it saw. Events that arrived during
    /// the opening negotiation are kept too.
    ///
    /// [`Error::Timeout`] when none came in time (`Some(Duration::ZERO)` only looks at what
    /// has arrived); [`Error::Closed`] at the end of the stream. Up to
    /// `ServerConfig::max_queued_events` are kept; older ones are dropped.
    ///
    /// ```no_run
    /// # fn handler(conn: ironboa::ServerConnection) -> ironboa::Result<()> {
    /// use ironboa::{Command, Event};
    /// use ironboa::options::Subnegotiation;
    ///
    /// loop {
    ///     match conn.next_event(None)? {
    ///         Event::Command(Command::InterruptProcess) => conn.send("^C\n")?,
    ///         Event::Subnegotiation(Subnegotiation::WindowSize(size)) => {
    ///             conn.send(&format!("now {}x{}\n", size.columns, size.rows))?
    ///         }
    ///         _ => {}
    ///     }
    /// }
    /// # }
    /// ```
    pub fn next_event(&self, timeout: Option<Duration>) -> Result<Event> {
        self.session.next_event(timeout)
    }

    /// telnetlib3's `get_extra_info`: `"TERM"`, `"cols"`, `"rows"`, `"peername"`,
    /// `"charset"`, `"tspeed"`, `"xdisploc"`, `"location"`, `"mode"`, or the name of an
    /// environment variable the client reported (`"USER"`, `"LANG"`, ...). Over TLS (the `tls`
    /// feature) also `"ssl_object"` (the protocol version, `"TLSv1.3"`; `None` on a plain
    /// connection, so `get_extra_info("ssl_object").is_some()` says whether it is TLS, as in
    /// telnetlib3), `"cipher"`, `"server_hostname"` (SNI) and `"peercert"` (PEM); see
    /// `tls_info`.
    pub fn get_extra_info(&self, name: &str) -> Option<String> {
        #[cfg(feature = "tls")]
        if let "ssl_object" | "tls_version" | "cipher" | "server_hostname" | "server_name"
        | "peercert" = name
        {
            return self.tls_info().and_then(|tls| tls.extra_info(name));
        }
        match name {
            "peername" => return Some(self.addrport()),
            "cols" | "columns" => return Some(self.columns().to_string()),
            "rows" | "lines" => return Some(self.rows().to_string()),
            "mode" => return Some(self.mode().to_owned()),
            _ => {}
        }
        let encoding = self.encoding();
        self.session.inspect(|engine| {
            let peer = engine.peer();
            match name {
                "TERM" | "terminal_type" => peer
                    .terminal_type()
                    .map(str::to_owned)
                    .or_else(|| peer.environment.get("TERM").cloned()),
                "charset" => Some(encoding.name().to_owned()),
                "tspeed" => peer.terminal_speed.map(|(tx, rx)| format!("{tx},{rx}")),
                "xdisploc" => peer.x_display.clone(),
                "location" => peer.location.clone(),
                other => peer.environment.get(other).cloned(),
            }
        })
    }

    /// The line discipline as telnetlib3 names it: `"local"` (the client edits and echoes),
    /// `"remote"` (we echo, character at a time), or `"kludge"`.
    pub fn mode(&self) -> &'static str {
        self.session.inspect(Engine::mode)
    }

    /// What the TLS handshake agreed (protocol version, cipher suite, SNI name, the client's
    /// certificate when the server asks for one); `None` on a plain Telnet connection, which
    /// includes a plain client on a TLS-auto port.
    #[cfg(feature = "tls")]
    pub fn tls_info(&self) -> Option<&crate::tls::TlsInfo> {
        self.session.layer_info::<crate::tls::TlsInfo>()
    }

    /// A copy of everything learned about the client.
    pub fn peer_info(&self) -> PeerInfo {
        self.session.inspect(|e| e.peer().clone())
    }

    /// Runs `f` on the connection's engine (to inspect option states or queue negotiation),
    /// then writes whatever it queued.
    pub fn with_engine<T>(&self, f: impl FnOnce(&mut Engine) -> T) -> Result<T> {
        self.session.write(false, |e| Ok(f(e)))
    }

    /// The underlying socket, for socket options, when the transport is one. Reading or
    /// writing it directly bypasses the Telnet engine.
    pub fn socket(&self) -> Option<&socket2::Socket> {
        self.session.transport().socket()
    }
}

/// Bytes in: what [`read_bytes`](ServerConnection::read_bytes) returns, waiting for at least
/// one byte; `Ok(0)` at the end of the stream.
impl io::Read for &ServerConnection {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        crate::session::read_into(&self.session, buf, crate::session::Wait::Forever)
    }
}

/// Bytes out, as [`write_bytes`](ServerConnection::write_bytes): IAC doubled, a bare CR as CR
/// NUL outside BINARY. Each call is written whole.
impl io::Write for &ServerConnection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_bytes(buf).map_err(Error::into_io)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        ServerConnection::flush(self).map_err(Error::into_io)
    }
}

impl std::fmt::Debug for ServerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConnection")
            .field("id", &self.id)
            .field("peer", self.session.peer())
            .field("active", &self.active())
            .finish()
    }
}
