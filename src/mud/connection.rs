//! The MUD calls of [`ServerConnection`] and [`TelnetConnection`].

use crate::client::TelnetConnection;
use crate::error::Result;
use crate::options::{Gmcp, Msdp, Mssp, Subnegotiation};
use crate::proto::{Command, Engine, TelnetOption};
use crate::server::ServerConnection;
use crate::session::Session;

/// Sends `message` if `option` is on in either direction; returns whether it was sent. A
/// message that would not frame as it says is refused whether the option is on or not.
fn send_if_enabled(session: &Session, message: Subnegotiation) -> Result<bool> {
    message.validate()?;
    let option = message.option();
    session.write(false, |engine: &mut Engine| {
        if !engine.local_enabled(option) && !engine.remote_enabled(option) {
            log::debug!("{option} is off: {option} message not sent");
            return Ok(false);
        }
        engine.send_subnegotiation(&message)?;
        Ok(true)
    })
}

macro_rules! mud_calls {
    ($type:ty, $peer:literal) => {
        impl $type {
            #[doc = concat!("Sends a GMCP message with a JSON body to the ", $peer, " (the `mud` feature):")]
            /// `Package.Message {"json":...}`. Returns `Ok(false)`, sending nothing, when GMCP
            /// is off. Fails with [`Error::InvalidArgument`](crate::Error::InvalidArgument),
            /// sending nothing, when `package` is empty or holds a space.
            #[cfg(feature = "mud")]
            pub fn send_gmcp(&self, package: &str, body: &serde_json::Value) -> Result<bool> {
                self.send_gmcp_message(Gmcp::from_json(package, body))
            }

            /// Sends a GMCP message with a raw body (normally JSON text; empty for none).
            /// Returns `Ok(false)`, sending nothing, when GMCP is off. Fails with
            /// [`Error::InvalidArgument`](crate::Error::InvalidArgument), sending nothing, when
            /// `package` is empty or holds a space.
            pub fn send_gmcp_raw(&self, package: &str, body: &[u8]) -> Result<bool> {
                self.send_gmcp_message(Gmcp::new(package, body))
            }

            /// Sends a GMCP message. Returns `Ok(false)`, sending nothing, when GMCP is off.
            /// Fails with [`Error::InvalidArgument`](crate::Error::InvalidArgument), sending
            /// nothing, when it would not frame (see [`Gmcp::validate`]).
            pub fn send_gmcp_message(&self, message: Gmcp) -> Result<bool> {
                send_if_enabled(&self.session, Subnegotiation::Gmcp(message))
            }

            /// Sends MSDP variables. Returns `Ok(false)`, sending nothing, when MSDP is off.
            /// Fails with [`Error::InvalidArgument`](crate::Error::InvalidArgument), sending
            /// nothing, when a name or string value holds an MSDP marker byte (0x01 to 0x06),
            /// which would make the peer read other variables (see [`Msdp::validate`]).
            pub fn send_msdp(&self, message: &Msdp) -> Result<bool> {
                send_if_enabled(&self.session, Subnegotiation::Msdp(message.clone()))
            }

            /// Whether GMCP is on (either direction: a server performs it, a client lets it).
            pub fn gmcp_enabled(&self) -> bool {
                self.session.inspect(|e| {
                    e.local_enabled(TelnetOption::GMCP) || e.remote_enabled(TelnetOption::GMCP)
                })
            }

            /// Whether MSDP is on (either direction).
            pub fn msdp_enabled(&self) -> bool {
                self.session.inspect(|e| {
                    e.local_enabled(TelnetOption::MSDP) || e.remote_enabled(TelnetOption::MSDP)
                })
            }
        }
    };
}

mud_calls!(ServerConnection, "client");
mud_calls!(TelnetConnection, "server");

impl ServerConnection {
    /// Sends the server's status (MSSP), if the client agreed to MSSP; returns whether it was
    /// sent. [`ServerConfig::mssp`](crate::ServerConfig::mssp) answers a crawler's `DO MSSP`
    /// by itself. Fails with [`Error::InvalidArgument`](crate::Error::InvalidArgument),
    /// sending nothing, when a name or value holds an MSSP marker byte (0x01 or 0x02; see
    /// [`Mssp::validate`]).
    pub fn send_mssp(&self, status: &Mssp) -> Result<bool> {
        send_if_enabled(&self.session, Subnegotiation::Mssp(status.clone()))
    }

    /// Sends a prompt and marks where it ends, in one write: with `IAC EOR` when the client
    /// agreed to EOR (`DO EOR`, which MUD clients use to tell a prompt from a line), else with
    /// `IAC GA` unless go-ahead is suppressed (the client agreed to `WILL SGA`) or
    /// `never_send_ga` is set. The text is encoded and sent as [`write`](Self::write) sends
    /// it: in the session's current encoding (chosen with `set_encoding` or negotiated with
    /// CHARSET or LANG) with its error handling, and with no newline conversion. Returns the
    /// command that ended the prompt, if any.
    ///
    /// ```no_run
    /// # fn handler(conn: ironboa::ServerConnection) -> ironboa::Result<()> {
    /// conn.send("You are in the hall.\n")?;
    /// conn.send_prompt("100hp > ")?;
    /// let command = conn.readline(None)?;
    /// # let _ = command; Ok(()) }
    /// ```
    pub fn send_prompt(&self, text: &str) -> Result<Option<Command>> {
        let mut bytes = Vec::with_capacity(text.len() + 2);
        self.session.encode_text(text, &mut bytes)?;
        self.session.write_prompt(&bytes)
    }

    /// Whether the client looks like a MUD client: a terminal type it reported is on
    /// telnetlib3's list ([`MUD_TERMINALS`](super::MUD_TERMINALS)), or it agreed to GMCP or
    /// MSDP.
    pub fn is_mud_client(&self) -> bool {
        self.session.inspect(|e| {
            super::is_mud_client(&e.peer().terminal_types)
                || e.local_enabled(TelnetOption::GMCP)
                || e.local_enabled(TelnetOption::MSDP)
        })
    }
}

/// How long [`TelnetConnection::request_mssp`] waits when given no timeout and the
/// configuration has no read timeout.
const MSSP_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl TelnetConnection {
    /// The server's status (MSSP), as a crawler wants it:
    ///
    /// * MSSP is on and a status has arrived (even one whose event was already read, say
    ///   during the opening negotiation, where a server that offers `WILL MSSP` sends it): that
    ///   status, at once, with nothing sent. A server sends its status once each time MSSP is
    ///   turned on, so nothing newer would come without asking again.
    /// * MSSP is on and no status has arrived: asks again (`DONT MSSP`, then `DO MSSP`, which
    ///   makes a server send the status again) and waits for it.
    /// * MSSP is off: asks (`DO MSSP`) and waits for the status.
    ///
    /// The wait lasts at most `timeout`; with `None`, at most the configuration's
    /// [`read_timeout`](crate::ClientConfig::read_timeout), or 10 s without one (never for
    /// ever: a server that ignores negotiation would never answer). `Ok(None)` when the server
    /// refuses MSSP or sends nothing in time. Data and events (the status's among them) that
    /// arrive meanwhile are kept for later reads.
    pub fn request_mssp(&self, timeout: Option<std::time::Duration>) -> Result<Option<Mssp>> {
        let (last, seen) = self.session.last_mssp();
        if self
            .session
            .inspect(|e| e.remote_enabled(TelnetOption::MSSP))
        {
            if let Some(status) = last {
                return Ok(Some(status));
            }
        }
        self.session.write(false, |e| {
            if e.remote_enabled(TelnetOption::MSSP) {
                e.disable_remote(TelnetOption::MSSP);
            }
            e.enable_remote(TelnetOption::MSSP);
            Ok(())
        })?;
        let timeout = self.timeout(timeout).unwrap_or(MSSP_WAIT);
        let refused =
            |e: &Engine| !e.remote_enabled(TelnetOption::MSSP) && !e.is_pending(TelnetOption::MSSP);
        self.session.next_mssp(seen, timeout, refused)
    }
}
