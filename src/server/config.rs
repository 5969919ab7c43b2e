//! The server's options, with their defaults.

use std::time::Duration;

use crate::encoding::{Encoding, EncodingErrors};
use crate::proto::{Limits, Policy, TelnetOption};

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
    pub(crate) encoding_errors: EncodingErrors,
    pub(crate) offer_encodings: Vec<Encoding>,
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
    pub(crate) mssp: Option<crate::mud::MsspSource>,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<crate::tls::TlsServerConfig>,
    #[cfg(feature = "proxy-protocol")]
    pub(crate) proxy_protocol: Option<super::ProxyProtocol>,
    pub(crate) keepalive: Option<super::Keepalive>,
    pub(crate) reuse_port: bool,
    pub(crate) max_connections_per_address: Option<usize>,
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
            encoding_errors: EncodingErrors::Replace,
            offer_encodings: Vec::new(),
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
            mssp: None,
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "proxy-protocol")]
            proxy_protocol: None,
            keepalive: None,
            reuse_port: false,
            max_connections_per_address: None,
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
    /// `vm.max_map_count`, so keep this well below that: `bind` refuses a value the kernel's
    /// settings cannot carry (see [`Error::SystemLimit`](crate::Error::SystemLimit)).
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
    /// The text encoding of `readline`, `send` and friends (default UTF-8), until CHARSET or
    /// the client's `LANG` names another or the handler calls
    /// [`set_encoding`](super::ServerConnection::set_encoding). Any other than UTF-8 is
    /// offered in CHARSET.
    encoding / get_encoding: Encoding;
    /// What the text calls do with bytes the encoding cannot decode and characters it cannot
    /// encode (default [`EncodingErrors::Replace`]; telnetlib3's `--encoding-errors`).
    encoding_errors / get_encoding_errors: EncodingErrors;
    /// The encodings offered in CHARSET, most preferred first (default: empty, offering
    /// [`encoding`](Self::encoding) alone). Whichever the client accepts becomes the
    /// connection's encoding.
    offer_encodings / get_offer_encodings: Vec<Encoding>;
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

    /// Answers a client's `DO MSSP` (a MUD crawler's) with the status `source` gives at that
    /// moment (default none: MSSP is refused). Adds MSSP to the policy's `local` set, and the
    /// opening negotiation offers `WILL MSSP` to clients that negotiate. The source runs on
    /// the connection's thread, with none of the connection's locks held, and must not block
    /// for long (see [`MsspSource`](crate::mud::MsspSource)).
    ///
    /// ```
    /// use ironboa::{ServerConfig, TelnetOption};
    /// use ironboa::mud::MsspSource;
    /// use ironboa::options::Mssp;
    ///
    /// let config = ServerConfig::default().mssp(MsspSource::fixed(Mssp::new().with("NAME", "Mini")));
    /// assert!(config.get_policy().local.contains(TelnetOption::MSSP));
    /// ```
    pub fn mssp(mut self, source: crate::mud::MsspSource) -> Self {
        self.mssp = Some(source);
        self.policy.local.insert(TelnetOption::MSSP);
        self
    }

    /// The source set with [`mssp`](Self::mssp).
    pub fn get_mssp(&self) -> Option<&crate::mud::MsspSource> {
        self.mssp.as_ref()
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

    /// Expects every connection to start with a PROXY protocol header (version 1 or 2, as
    /// HAProxy's `send-proxy` and `send-proxy-v2` send) from a trusted load balancer, and
    /// takes the client's address from it (the `proxy-protocol` feature; default `None`).
    /// A connection from an untrusted address, or with a missing, malformed, truncated, too
    /// long or late header, is closed with a log line and nothing sent. See
    /// [`ProxyProtocol`](super::ProxyProtocol).
    #[cfg(feature = "proxy-protocol")]
    pub fn proxy_protocol(mut self, proxy: Option<super::ProxyProtocol>) -> Self {
        self.proxy_protocol = proxy;
        self
    }

    /// The setting made with [`proxy_protocol`](Self::proxy_protocol).
    #[cfg(feature = "proxy-protocol")]
    pub fn get_proxy_protocol(&self) -> Option<&super::ProxyProtocol> {
        self.proxy_protocol.as_ref()
    }

    /// TCP keepalive (idle, interval, count) on every connection, and optionally an IAC NOP
    /// every so often, so that idle connections survive NAT tables and balancers and a peer
    /// that vanished is noticed within [`Keepalive::bound`](super::Keepalive::bound)
    /// (default `None`: the operating system's default, which on Linux is no keepalive).
    pub fn keepalive(mut self, keepalive: Option<super::Keepalive>) -> Self {
        self.keepalive = keepalive;
        self
    }

    /// The setting made with [`keepalive`](Self::keepalive).
    pub fn get_keepalive(&self) -> Option<&super::Keepalive> {
        self.keepalive.as_ref()
    }

    /// Binds with `SO_REUSEPORT` (default `false`), so that a new process can take the port
    /// while this one drains (see [`drain`](super::BlockingTelnetServer::drain)): a rolling
    /// restart that loses no new connection. On Linux, set `net.ipv4.tcp_migrate_req = 1`
    /// too, or connections not yet accepted when the old listener closes are reset; `bind`
    /// warns when it is not.
    pub fn reuse_port(mut self, on: bool) -> Self {
        self.reuse_port = on;
        self
    }

    /// The setting made with [`reuse_port`](Self::reuse_port).
    pub fn get_reuse_port(&self) -> bool {
        self.reuse_port
    }

    /// The most connections open at once from one client IP address (default `None`: no
    /// limit but `max_connections`). One more is told `refusal_message` and closed. Behind a
    /// load balancer with [`proxy_protocol`](Self::proxy_protocol) this is the client's own
    /// address, from the PROXY header, not the balancer's.
    pub fn max_connections_per_address(mut self, max: Option<usize>) -> Self {
        self.max_connections_per_address = max;
        self
    }

    /// The setting made with [`max_connections_per_address`](Self::max_connections_per_address).
    pub fn get_max_connections_per_address(&self) -> Option<usize> {
        self.max_connections_per_address
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
