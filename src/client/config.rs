//! The client's options, with their defaults.

use std::time::Duration;

use crate::encoding::{Encoding, EncodingErrors};
use crate::options::{EnvVar, WindowSize};
use crate::proto::{Limits, Policy, TelnetOption};

/// How a [`TelnetConnection`](super::TelnetConnection) connects and what it reports about
/// itself. Set options with the chainable setters.
///
/// ```
/// use std::time::Duration;
/// use ironboa::client::ClientConfig;
///
/// let config = ClientConfig::default()
///     .connect_timeout(Duration::from_secs(5))
///     .terminal_type("vt100")
///     .window_size(132, 43)
///     .env("USER", "admin");
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) connect_minwait: Duration,
    pub(crate) connect_maxwait: Duration,
    pub(crate) encoding: Encoding,
    pub(crate) encoding_errors: EncodingErrors,
    /// `encoding` was called: CHARSET accepts only that encoding.
    pub(crate) encoding_given: bool,
    pub(crate) force_binary: bool,
    pub(crate) terminal_types: Vec<String>,
    pub(crate) window_size: Option<WindowSize>,
    pub(crate) environment: Vec<EnvVar>,
    pub(crate) limits: Limits,
    pub(crate) max_input_buffer: usize,
    pub(crate) max_line_length: usize,
    pub(crate) write_timeout: Duration,
    pub(crate) policy: Option<Policy>,
    pub(crate) offer_local: Vec<TelnetOption>,
    pub(crate) offer_remote: Vec<TelnetOption>,
    pub(crate) max_queued_events: usize,
    pub(crate) gmcp_modules: Option<Vec<String>>,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<crate::tls::TlsClientConfig>,
    #[cfg(feature = "record")]
    pub(crate) record: Option<crate::record::RecordOptions>,
    #[cfg(feature = "mccp")]
    pub(crate) compression: crate::compress::Compression,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(30),
            read_timeout: None,
            connect_minwait: Duration::from_millis(100),
            connect_maxwait: Duration::from_secs(4),
            encoding: Encoding::Utf8,
            encoding_errors: EncodingErrors::Replace,
            encoding_given: false,
            force_binary: false,
            terminal_types: vec!["xterm".to_owned()],
            window_size: Some(WindowSize::new(80, 24)),
            environment: Vec::new(),
            limits: Limits::default(),
            max_input_buffer: 16 << 20,
            max_line_length: 1 << 20,
            write_timeout: Duration::from_secs(30),
            policy: None,
            offer_local: Vec::new(),
            offer_remote: Vec::new(),
            max_queued_events: 256,
            gmcp_modules: None,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "record")]
            record: None,
            #[cfg(feature = "mccp")]
            compression: crate::compress::Compression::Accept,
        }
    }
}

impl ClientConfig {
    /// How long connecting may take (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The timeout of every read and `wait_for` called with `None`, as the `timeout` given to
    /// telnetlib's `Telnet(host, port, timeout)` applies to its blocking reads (default `None`:
    /// such calls wait for ever). `read_all` and `read_some`, which take no timeout, use it too
    /// and fail with [`Error::Timeout`](crate::Error::Timeout) when it passes.
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// After connecting, answer the server's opening negotiation until it has been quiet this
    /// long (default 100 ms; zero skips the wait). Servers such as ironboa's and telnetlib3's
    /// wait for the client's answers before they greet it. Data that arrives meanwhile is kept.
    pub fn connect_minwait(mut self, quiet: Duration) -> Self {
        self.connect_minwait = quiet;
        self
    }

    /// The longest the opening negotiation may take after connecting (default 4 s).
    pub fn connect_maxwait(mut self, limit: Duration) -> Self {
        self.connect_maxwait = limit;
        self
    }

    /// The encoding of the text calls (`readline`, `read`, `read_until_text`, `write_text`);
    /// default UTF-8. Set, it is the one character set accepted in CHARSET (with UTF-8's
    /// other spelling); unset, the client accepts the first offered that
    /// [`Encoding::from_name`] knows, as telnetlib3's client does without `--encoding`. What
    /// CHARSET agreed, or [`set_encoding`](super::TelnetConnection::set_encoding), is used from
    /// then on. The telnetlib calls always deal in bytes.
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self.encoding_given = true;
        self
    }

    /// What the text calls do with bytes the encoding cannot decode and characters it cannot
    /// encode (default [`EncodingErrors::Replace`]; telnetlib3's `--encoding-errors`).
    pub fn encoding_errors(mut self, errors: EncodingErrors) -> Self {
        self.encoding_errors = errors;
        self
    }

    /// Treat data as BINARY both ways whatever was negotiated (default `false`), for servers
    /// that send 8-bit data without negotiating BINARY.
    pub fn force_binary(mut self, force: bool) -> Self {
        self.force_binary = force;
        self
    }

    /// The terminal type reported with TTYPE (default `"xterm"`).
    pub fn terminal_type(mut self, name: &str) -> Self {
        self.terminal_types = vec![name.to_owned()];
        self
    }

    /// Several terminal types, reported in turn to a server that cycles through them (MUD
    /// clients' MTTS lists); the last one repeats.
    pub fn terminal_types(mut self, names: &[&str]) -> Self {
        self.terminal_types = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The window size reported with NAWS (default 80×24).
    pub fn window_size(mut self, columns: u16, rows: u16) -> Self {
        self.window_size = Some(WindowSize::new(columns, rows));
        self
    }

    /// Refuses NAWS: no window size is reported.
    pub fn no_window_size(mut self) -> Self {
        self.window_size = None;
        self
    }

    /// An environment variable offered with NEW_ENVIRON (USER, LANG, ... are sent as `VAR`,
    /// anything else as `USERVAR`).
    pub fn env(mut self, name: &str, value: &str) -> Self {
        const WELL_KNOWN: &[&str] = &[
            "USER",
            "JOB",
            "ACCT",
            "PRINTER",
            "SYSTEMTYPE",
            "DISPLAY",
            "TERM",
            "LANG",
            "LOGNAME",
            "COLUMNS",
            "LINES",
            "COLORTERM",
        ];
        self.environment.push(if WELL_KNOWN.contains(&name) {
            EnvVar::var(name, value)
        } else {
            EnvVar::uservar(name, value)
        });
        self
    }

    /// The engine's buffer bounds.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The most received data held unread (default 16 MiB): what `read_all` and `read_until`
    /// can gather at most.
    pub fn max_input_buffer(mut self, bytes: usize) -> Self {
        self.max_input_buffer = bytes;
        self
    }

    /// What the client agrees to when the server asks (default [`Policy::client`]: it
    /// reports TTYPE, NAWS, NEW_ENVIRON, CHARSET, BINARY, SGA, TM and STATUS, and lets the
    /// server perform ECHO, SGA, BINARY, STATUS, EOR and CHARSET). Add GMCP to `remote` to accept a
    /// server's `WILL GMCP`.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Options the client offers to perform itself as soon as it connects (`WILL`).
    pub fn offer_local(mut self, options: &[TelnetOption]) -> Self {
        self.offer_local = options.to_vec();
        self
    }

    /// Options the client asks the server to perform as soon as it connects (`DO`).
    pub fn offer_remote(mut self, options: &[TelnetOption]) -> Self {
        self.offer_remote = options.to_vec();
        self
    }

    /// The most events kept for [`next_event`](super::TelnetConnection::next_event) (default
    /// 256); past it the oldest are dropped. Zero keeps none.
    pub fn max_queued_events(mut self, events: usize) -> Self {
        self.max_queued_events = events;
        self
    }

    /// Speaks GMCP: accepts a server's `WILL GMCP` and then sends `Core.Hello`
    /// (`{"client":"ironboa","version":...}`) and `Core.Supports.Set` with these modules
    /// (lowercased), as telnetlib3's client does with `--gmcp-modules "Char 1,Room 1"`. Default:
    /// GMCP is refused. Messages from the server arrive as events
    /// ([`next_event`](super::TelnetConnection::next_event)).
    ///
    /// ```
    /// use ironboa::client::ClientConfig;
    ///
    /// let config = ClientConfig::default().gmcp_modules(&["Char 1", "Room 1"]);
    /// # let _ = config;
    /// ```
    pub fn gmcp_modules(mut self, modules: &[&str]) -> Self {
        self.gmcp_modules = Some(modules.iter().map(|m| m.to_string()).collect());
        self
    }

    /// How long one write may block on a server that does not read (default 30 s).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Connects with Telnet over TLS (TELNETS; the `tls` feature): the TLS handshake runs
    /// right after the connection is made, with its own deadline, and a certificate that does
    /// not verify fails the connect with [`Error::Tls`](crate::Error::Tls), its reason
    /// matchable ([`TlsError::UnknownIssuer`](crate::TlsError::UnknownIssuer),
    /// [`CertificateExpired`](crate::TlsError::CertificateExpired), ...). Set
    /// [`TlsClientConfig::server_name`](crate::tls::TlsClientConfig::server_name) to the
    /// host name you connect to.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::TlsClientConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The TLS configuration set with [`tls`](Self::tls).
    #[cfg(feature = "tls")]
    pub fn get_tls(&self) -> Option<&crate::tls::TlsClientConfig> {
        self.tls.as_ref()
    }

    /// MCCP2 and MCCP3 compression (the `mccp` feature; see [`crate::compress`]), as
    /// telnetlib3-client's flags: [`Offer`](crate::compress::Compression::Offer)
    /// (`--compression`) asks the server for MCCP2 (`DO`) on connecting and agrees to MCCP3
    /// when the server offers it,
    /// [`Refuse`](crate::compress::Compression::Refuse) (`--no-compression`) refuses them, and
    /// [`Accept`](crate::compress::Compression::Accept) (the default, neither flag) agrees
    /// when the server offers. What the server compresses is decompressed before anything
    /// reads it; a stream that does not decompress fails the read with
    /// [`Error::Protocol`](crate::Error::Protocol) and closes the connection.
    #[cfg(feature = "mccp")]
    pub fn compression(mut self, mode: crate::compress::Compression) -> Self {
        self.compression = mode;
        self
    }

    /// Records the session to `path` in asciicast v2 (the `record` feature; see
    /// [`crate::record`]): what the server sent, what was sent to it, the negotiation and the
    /// timing. Passwords (input the server did not echo while it had the echo) are withheld.
    #[cfg(feature = "record")]
    pub fn record(self, path: impl AsRef<std::path::Path>) -> Self {
        self.recording(crate::record::RecordOptions::new(path))
    }

    /// [`record`](Self::record) with options (keep passwords, a title).
    #[cfg(feature = "record")]
    pub fn recording(mut self, options: crate::record::RecordOptions) -> Self {
        self.record = Some(options);
        self
    }
}
