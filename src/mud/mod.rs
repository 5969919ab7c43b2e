//! MUD protocols on the connections: GMCP, MSDP and MSSP messages, prompts ended with EOR or
//! GA, MUD-client detection, and (feature `mud`) a small demonstration MUD.
//!
//! The codecs are in [`crate::options`] ([`Gmcp`](crate::options::Gmcp),
//! [`Msdp`](crate::options::Msdp), [`Mssp`]) and know nothing of
//! connections; this module adds:
//!
//! * on [`ServerConnection`](crate::ServerConnection) and
//!   [`TelnetConnection`](crate::TelnetConnection): `send_gmcp`, `send_gmcp_raw`, `send_msdp`,
//!   and on the server `send_mssp` and `send_prompt`. Incoming messages arrive as
//!   [`Event::Subnegotiation`](crate::Event::Subnegotiation) from `next_event`;
//! * [`MsdpServer`]: a server's side of MSDP's commands (LIST, REPORT, UNREPORT, SEND, RESET);
//! * [`MsspSource`]: what [`ServerConfig::mssp`](crate::ServerConfig::mssp) answers a
//!   crawler's `DO MSSP` with, computed when asked (player count, uptime);
//! * [`is_mud_client`]: telnetlib3's list of MUD clients' terminal types; a server in character
//!   mode leaves such clients in line mode (no `WILL ECHO`, which they take as "password
//!   mode", and no `WILL SGA`).
//!
//! Options are never sent unless negotiated: the `send_*` calls return `Ok(false)` and send
//! nothing when the option is off.

mod connection;
mod detect;
#[cfg(feature = "mud")]
pub mod mini;
mod msdp;

pub use detect::{MUD_TERMINALS, is_mud_client};
pub use msdp::MsdpServer;

use std::sync::Arc;

use crate::options::Mssp;

/// What a server answers `DO MSSP` with, computed each time a client asks (a crawler wants
/// the current player count and uptime).
///
/// The status is computed on the connection's thread, in the middle of one of its reads
/// (whichever read or wait the handler is in when `DO MSSP` arrives), but with none of the
/// connection's locks held: it may take the application's own locks (a player list), even
/// ones held by threads that write to this connection. It must not block for long, though:
/// the connection reads nothing else meanwhile. A client that says `DO MSSP` and `DONT MSSP`
/// over and over gets one status per turn of the read loop at most, and none once MSSP is
/// off again.
///
/// ```
/// use std::time::Instant;
/// use ironboa::mud::MsspSource;
/// use ironboa::options::Mssp;
///
/// let started = Instant::now();
/// let source = MsspSource::new(move || {
///     Mssp::new()
///         .with("NAME", "Mini")
///         .with("UPTIME", &started.elapsed().as_secs().to_string())
/// });
/// assert_eq!(source.status().get("NAME"), Some("Mini"));
/// ```
#[derive(Clone)]
pub struct MsspSource(Arc<dyn Fn() -> Mssp + Send + Sync>);

impl MsspSource {
    /// A source that calls `status` each time.
    pub fn new(status: impl Fn() -> Mssp + Send + Sync + 'static) -> MsspSource {
        MsspSource(Arc::new(status))
    }

    /// A fixed status.
    pub fn fixed(status: Mssp) -> MsspSource {
        MsspSource::new(move || status.clone())
    }

    /// The status now.
    pub fn status(&self) -> Mssp {
        (self.0)()
    }
}

impl std::fmt::Debug for MsspSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MsspSource(..)")
    }
}
