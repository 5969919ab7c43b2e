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

impl TelnetConnection {
    /// Asks the server for its status (`DO MSSP`, if not on already) and waits up to `timeout`
    /// for it (`None`: for ever). `Ok(None)` when the server refuses MSSP or sends nothing in
    /// time; the status otherwise. Data that arrives meanwhile is kept for later reads; the
    /// events before the status are consumed.
    pub fn request_mssp(&self, timeout: Option<std::time::Duration>) -> Result<Option<Mssp>> {
        self.with_engine(|e| e.enable_remote(TelnetOption::MSSP))?;
        let deadline = timeout.map(crate::session::deadline_after);
        let refused =
            |e: &Engine| !e.remote_enabled(TelnetOption::MSSP) && !e.is_pending(TelnetOption::MSSP);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(std::time::Instant::now()));
            match self.session.next_event_unless(left, refused) {
                Ok(Some(crate::Event::Subnegotiation(Subnegotiation::Mssp(status)))) => {
                    return Ok(Some(status));
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(crate::Error::Timeout { .. }) => return Ok(None),
                Err(error) => return Err(error),
            }
        }
    }
}
