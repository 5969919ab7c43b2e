//! The server's options, with their defaults.

use std::time::Duration;

use crate::proto::{Limits, Policy, TelnetOption};
use crate::session::Encoding;

/// How a [`BlockingTelnetServer`](super::BlockingTelnetServer) runs. Every option has a
/// documented default; set them with the chainable setters.
///
/// ```
/// use std::time::Duration;
/// use ironboa::server::ServerConfig;
///
/// let config = ServerConfig::default()
///     .max_connections(100)
///     .idle_timeout(Some(Duration::from_secs(600)))
///     .character_mode(true);
/// assert_eq!(*config.get_max_connections(), 100);
/// ```
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub(crate) max_connections: usize,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_line_length: usize,
    pub(crate) max_input_buffer: usize,
    pub(crate) connect_maxwait: Duration,
    pub(crate) encoding: Encoding,
    pub(crate) never_send_ga: bool,
    pub(crate) force_binary: bool,
    pub(crate) character_mode: bool,
    pub(crate) stack_size: usize,
    pub(crate) write_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) limits: Limits,
    pub(crate) refusal_message: String,
    pub(crate) policy: Policy,
    pub(crate) offer_local: Vec<TelnetOption>,
    pub(crate) offer_remote: Vec<TelnetOption>,
    pub(crate) coalesce_delay: Duration,
    pub(crate) max_queued_events: usize,
    pub(crate) max_queued_output: usize,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<crate::tls::TlsServerConfig>,
    #[cfg(feature = "mccp")]
    pub(crate) compression: crate::compress::Compression,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: 1000,
            idle_timeout: None,
            max_line_length: 8 * 1024,
            max_input_buffer: 1 << 20,
            connect_maxwait: Duration::from_millis(1500),
            encoding: Encoding::Utf8,
            never_send_ga: false,
            force_binary: false,
            character_mode: false,
            stack_size: 64 * 1024,
            write_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(5),
            limits: Limits::default(),
            refusal_message: "Too many connections; try again later.".to_owned(),
            policy: Policy::server(),
            offer_local: Vec::new(),
            offer_remote: Vec::new(),
            coalesce_delay: Duration::from_millis(2),
            max_queued_events: 256,
            max_queued_output: 256 * 1024,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "mccp")]
            compression: crate::compress::Compression::Accept,
        }
    }
}

macro_rules! setters {
    ($( $(#[$doc:meta])* $name:ident / $getter:ident : $ty:ty; )*) => {
        impl ServerConfig {
            $(
                $(#[$doc])*
                pub fn $name(mut self, value: $ty) -> Self {
                    self.$name = value;
                    self
                }

                #[doc = concat!("The value set with [`", stringify!($name), "`](Self::", stringify!($name), ").")]
                pub fn $getter(&self) -> &$ty {
                    &self.$name
                }
            )*
        }
    };
}

setters! {
    /// The most connections open at once (default 1000, miniboa's figure). One more is told so
    /// in a line and closed; no thread is started for it. Each connection costs one thread, and
    /// a Linux process aborts (rather than failing) past about 16,000 threads with the default
    /// `vm.max_map_count`, so keep this well below that.
    max_connections / get_max_connections: usize;
    /// Closes a connection whose peer sent no complete input (a line, a key in character mode,
    /// a command, a finished subnegotiation) for this long (default: never); bytes that complete
    /// nothing do not keep it open. Checked while the handler or the opening negotiation waits
    /// for input.
    idle_timeout / get_idle_timeout: Option<Duration>;
    /// The longest line `readline` accepts, in bytes (default 8 KiB); a longer one is dropped
    /// with [`Error::LimitExceeded`](crate::Error::LimitExceeded).
    max_line_length / get_max_line_length: usize;
    /// The most decoded input held unread, in bytes (default 1 MiB).
    max_input_buffer / get_max_input_buffer: usize;
    /// How long the opening negotiation may take before the handler runs (default 1.5 s, as
    /// telnetlib3-server's `--connect-maxwait`).
    connect_maxwait / get_connect_maxwait: Duration;
    /// The text encoding of `readline`, `send` and friends (default UTF-8).
    encoding / get_encoding: Encoding;
    /// Never send IAC GA, even to clients that did not agree to suppress it (default `false`).
    never_send_ga / get_never_send_ga: bool;
    /// Treat data as BINARY both ways whatever was negotiated (default `false`).
    force_binary / get_force_binary: bool;
    /// Character mode: offer WILL ECHO and WILL SGA, and have `readline` echo and edit what is
    /// typed (default `false`: line mode, where the client edits and echoes locally).
    character_mode / get_character_mode: bool;
    /// The stack size of each handler thread (default 64 KiB). Resident memory is what the
    /// handler touches either way; a small stack saves address space.
    stack_size / get_stack_size: usize;
    /// How long one write may block on a peer that does not read (default 30 s); then the
    /// connection is closed.
    write_timeout / get_write_timeout: Duration;
    /// How long [`shutdown`](super::BlockingTelnetServer::shutdown) waits for handler threads
    /// to end (default 5 s).
    shutdown_timeout / get_shutdown_timeout: Duration;
    /// The engine's buffer bounds.
    limits / get_limits: Limits;
    /// The line sent to a connection over `max_connections` before it is closed.
    refusal_message / get_refusal_message: String;
    /// What the server agrees to when the client asks first (default [`Policy::server`]: it
    /// performs ECHO, SGA, BINARY, STATUS, TM and EOR, and lets the client report TTYPE, NAWS,
    /// NEW_ENVIRON, CHARSET, TSPEED, XDISPLOC, SNDLOC, LFLOW and BINARY).
    policy / get_policy: Policy;
    /// How long output owed an IAC GA (to a client that did not agree to suppress go-ahead)
    /// may be held back, so that the GA leaves in the same packet when the handler goes
    /// straight back to reading (default 2 ms; zero writes at once, and sends the GA alone).
    /// Output that no read follows leaves after this delay.
    coalesce_delay / get_coalesce_delay: Duration;
    /// The most events kept for
    /// [`next_event`](super::ServerConnection::next_event) (default 256); past it the oldest
    /// are dropped. Zero keeps none.
    max_queued_events / get_max_queued_events: usize;
    /// The most output [`send_nowait`](super::ServerConnection::send_nowait) and
    /// [`broadcast`](super::BlockingTelnetServer::broadcast) let wait for a client that does
    /// not read (default 256 KiB); past it `send_nowait` fails and `broadcast` disconnects
    /// the client.
    max_queued_output / get_max_queued_output: usize;
}

impl ServerConfig {
    /// Options the server offers to perform (`WILL`, e.g. GMCP, EOR) in its opening
    /// negotiation, once the client has shown it negotiates by answering `DO TTYPE`
    /// (default none). The handler starts once they are answered, or at `connect_maxwait`.
    ///
    /// ```
    /// use ironboa::{ServerConfig, TelnetOption};
    ///
    /// let config = ServerConfig::default().offer_local(&[TelnetOption::GMCP]);
    /// assert_eq!(config.get_offer_local(), &[TelnetOption::GMCP]);
    /// ```
    pub fn offer_local(mut self, options: &[TelnetOption]) -> Self {
        self.offer_local = options.to_vec();
        self
    }

    /// The options set with [`offer_local`](Self::offer_local).
    pub fn get_offer_local(&self) -> &[TelnetOption] {
        &self.offer_local
    }

    /// Options the server asks the client to perform (`DO`) in its opening negotiation, as
    /// [`offer_local`](Self::offer_local) (default none).
    pub fn offer_remote(mut self, options: &[TelnetOption]) -> Self {
        self.offer_remote = options.to_vec();
        self
    }

    /// The options set with [`offer_remote`](Self::offer_remote).
    pub fn get_offer_remote(&self) -> &[TelnetOption] {
        &self.offer_remote
    }

    /// Serves Telnet over TLS (TELNETS; the `tls` feature): every connection starts with a
    /// TLS handshake, on its own thread and with its own deadline, before the opening
    /// negotiation; with [`TlsServerConfig::tls_auto`](crate::tls::TlsServerConfig::tls_auto),
    /// plain Telnet clients are served on the same port. A failed handshake is logged and
    /// closes that connection only.
    ///
    /// ```no_run
    /// use ironboa::{ServerConfig, tls::TlsServerConfig};
    ///
    /// let config = ServerConfig::default().tls(TlsServerConfig::from_pem_files("cert.pem", "key.pem")?);
    /// # let _ = config;
    /// # Ok::<(), ironboa::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::TlsServerConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The TLS configuration set with [`tls`](Self::tls).
    #[cfg(feature = "tls")]
    pub fn get_tls(&self) -> Option<&crate::tls::TlsServerConfig> {
        self.tls.as_ref()
    }

    /// MCCP2 and MCCP3 compression (the `mccp` feature; see [`crate::compress`]), as
    /// telnetlib3-server's flags: [`Offer`](crate::compress::Compression::Offer)
    /// (`--compression`) offers both in the opening negotiation,
    /// [`Refuse`](crate::compress::Compression::Refuse) (`--no-compression`) refuses them, and
    /// [`Accept`](crate::compress::Compression::Accept) (the default, neither flag) agrees
    /// when a client asks. Once a client agrees to MCCP2, everything sent after
    /// `IAC SB MCCP2 IAC SE` is compressed; after its `IAC SB MCCP3 IAC SE`, what it sends is
    /// decompressed.
    #[cfg(feature = "mccp")]
    pub fn compression(mut self, mode: crate::compress::Compression) -> Self {
        self.compression = mode;
        self
    }

    /// The value set with [`compression`](Self::compression).
    #[cfg(feature = "mccp")]
    pub fn get_compression(&self) -> &crate::compress::Compression {
        &self.compression
    }
}
