//! How an engine is set up: its role, policy, limits, and what it reports about itself.

use super::{Limits, OptionSet, Policy};
use crate::options::{EnvVar, WindowSize};

/// Which end of the connection the engine is. It decides the automatic behaviour: a server asks
/// for the terminal type, environment, speed and display once the client agrees to report them;
/// a client answers those requests from its [`Identity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The accepting end.
    Server,
    /// The connecting end.
    Client,
}

/// What a client reports about itself when a server asks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Identity {
    /// Terminal types for TTYPE, in the order a server cycling through them gets them; the last is
    /// repeated once the list is exhausted (RFC 1091). Default `["xterm"]`.
    pub terminal_types: Vec<String>,
    /// The window size sent with NAWS; `None` refuses NAWS. Default 80×24.
    pub window_size: Option<WindowSize>,
    /// Environment variables offered with NEW_ENVIRON. Default empty.
    pub environment: Vec<EnvVar>,
    /// Terminal speed (transmit, receive) for TSPEED; `None` refuses TSPEED. Default `None`.
    pub terminal_speed: Option<(u32, u32)>,
    /// X display for XDISPLOC; `None` refuses XDISPLOC. Default `None`.
    pub x_display: Option<String>,
    /// GMCP messages a client sends as soon as the server's GMCP is on (telnetlib3's client
    /// sends `Core.Hello` and `Core.Supports.Set`). Default none.
    pub gmcp_hello: Vec<crate::options::Gmcp>,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            terminal_types: vec!["xterm".to_owned()],
            window_size: Some(WindowSize::new(80, 24)),
            environment: Vec::new(),
            terminal_speed: None,
            x_display: None,
            gmcp_hello: Vec::new(),
        }
    }
}

/// Everything an [`Engine`](super::Engine) is created with.
///
/// ```
/// use ironboa::proto::{EngineConfig, Role};
///
/// let config = EngineConfig::server();
/// assert_eq!(config.role, Role::Server);
/// assert!(config.ttype_cycle);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineConfig {
    /// Server or client.
    pub role: Role,
    /// What is agreed to when the peer asks.
    pub policy: Policy,
    /// Buffer bounds.
    pub limits: Limits,
    /// What a client reports about itself.
    pub identity: Identity,
    /// Server: keep sending TTYPE SEND until the client repeats itself (or the list limit is
    /// reached), as telnetlib3 does, to learn MUD clients' MTTS lists. Default `true`.
    pub ttype_cycle: bool,
    /// Server: the variable names asked for with NEW_ENVIRON SEND. An empty list asks for all.
    /// Default: telnetlib3's list (USER, LOGNAME, DISPLAY, LANG, TERM, COLUMNS, LINES, ...).
    ///
    /// The SEND waits until the client's terminal type is known (or TTYPE was refused), and
    /// USER is left out for Microsoft's telnet (terminal types "ANSI" then "VT100"), which
    /// crashes when asked for it (telnetlib3's issue 24).
    pub environ_request: Vec<String>,
    /// Character sets offered (server, in CHARSET REQUEST) or accepted (client), most preferred
    /// first, matched case-insensitively. Default `["UTF-8"]`.
    pub charsets: Vec<String>,
    /// A client offered character sets none of which is in [`charsets`](Self::charsets)
    /// accepts the first one [`Encoding::from_name`](crate::Encoding::from_name) knows
    /// (telnetlib3's client does so when no `--encoding` was given). Default `false`.
    pub accept_known_charsets: bool,
    /// Treat data in both directions as BINARY whatever was negotiated (no CR NUL on either
    /// side), for peers that send 8-bit data without negotiating BINARY. Default `false`.
    pub force_binary: bool,
    /// Options whose subnegotiation from the peer switches the rest of the stream to another
    /// encoding (MCCP2, MCCP3): [`Engine::receive_until_switch`](super::Engine::receive_until_switch)
    /// stops right after their `IAC SE`. Default empty.
    pub stream_switches: OptionSet,
}

impl EngineConfig {
    /// A server with [`Policy::server`] and the default limits.
    pub fn server() -> EngineConfig {
        EngineConfig {
            role: Role::Server,
            policy: Policy::server(),
            limits: Limits::default(),
            identity: Identity::default(),
            ttype_cycle: true,
            environ_request: [
                "USER",
                "LOGNAME",
                "DISPLAY",
                "LANG",
                "TERM",
                "TERM_PROGRAM",
                "COLUMNS",
                "LINES",
                "COLORTERM",
                "EDITOR",
                "IPADDRESS",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            charsets: vec!["UTF-8".to_owned()],
            accept_known_charsets: false,
            force_binary: false,
            stream_switches: OptionSet::new(),
        }
    }

    /// A client with [`Policy::client`], the default limits and the default [`Identity`].
    pub fn client() -> EngineConfig {
        EngineConfig {
            role: Role::Client,
            policy: Policy::client(),
            ttype_cycle: false,
            environ_request: Vec::new(),
            ..EngineConfig::server()
        }
    }
}
