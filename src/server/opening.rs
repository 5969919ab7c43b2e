//! The opening negotiation a server makes before the handler runs, after telnetlib3's server.
//!
//! Phase 1 asks `DO TTYPE` and waits for the answer. A client that refuses is a "dumb" client
//! (Python's telnetlib, netcat, a script) and is offered nothing more. A client that agrees gets
//! phase 2: `DO NAWS`, `DO NEW_ENVIRON`, `DO CHARSET` (not in raw-bytes mode), `WILL BINARY`
//! (every ironboa encoding is 8-bit), and the configured offers. In character mode, once the
//! first terminal type is in, `DO BINARY`, `WILL SGA` and `WILL ECHO` follow, unless the
//! client is a MUD client (TinTin++, Mudlet, ...: see [`crate::mud::is_mud_client`]), which
//! takes `WILL ECHO` as "password mode" and is left in line mode, as telnetlib3's server does.
//! The handler runs once everything asked has been answered (the terminal type,
//! the window size and the environment are then known), or once `connect_maxwait` has passed.
//!
//! With [`ServerConfig::mssp`] a hook answers `DO MSSP` (asked at any time) with the status.

use std::time::Instant;

use super::{ServerConfig, ServerConnection};
use crate::error::{Error, Operation, Result};
use crate::proto::TelnetOption;
use crate::session::{Encoding, Wait};

pub(crate) fn negotiate(connection: &ServerConnection, config: &ServerConfig) -> Result<()> {
    let session = &connection.session;
    if let Some(source) = config.mssp.clone() {
        // Made on the reading thread with the connection's locks let go: the source may take
        // the application's locks (see `DeferredReply`).
        session.set_deferred_reply(crate::session::DeferredReply {
            option: TelnetOption::MSSP,
            make: std::sync::Arc::new(move || {
                crate::options::Subnegotiation::Mssp(source.status())
            }),
        });
    }
    let deadline = crate::session::deadline_after(config.connect_maxwait);
    session.write(false, |e| {
        e.enable_remote(TelnetOption::TTYPE);
        Ok(())
    })?;
    if !settle(connection, deadline, |e| {
        !e.option_state(TelnetOption::TTYPE, crate::proto::Side::Remote)
            .is_pending()
    })? {
        log::debug!(
            "{}: no answer to DO TTYPE within {:?}",
            connection.addrport(),
            config.connect_maxwait
        );
        return Ok(());
    }
    if !session.inspect(|e| e.remote_enabled(TelnetOption::TTYPE)) {
        log::debug!("{}: refused TTYPE; a dumb client", connection.addrport());
        return Ok(());
    }
    session.write(false, |e| {
        e.enable_remote(TelnetOption::NAWS);
        e.enable_remote(TelnetOption::NEW_ENVIRON);
        if config.encoding != Encoding::Bytes && !e.config().charsets.is_empty() {
            e.enable_remote(TelnetOption::CHARSET);
        }
        if config.mssp.is_some() {
            e.enable_local(TelnetOption::MSSP);
        }
        for option in &config.offer_local {
            e.enable_local(*option);
        }
        #[cfg(feature = "mccp")]
        for option in crate::compress::offers(config.compression, crate::proto::Role::Server) {
            e.enable_local(*option);
        }
        for option in &config.offer_remote {
            e.enable_remote(*option);
        }
        Ok(())
    })?;
    if config.character_mode {
        // The first terminal type tells a MUD client (TTYPE SEND went with phase 1).
        settle(connection, deadline, |e| {
            !e.peer().terminal_types.is_empty() || !e.is_pending(TelnetOption::TTYPE)
        })?;
        if connection.is_mud_client() {
            log::debug!(
                "{}: a MUD client ({}): left in line mode",
                connection.addrport(),
                connection.terminal_type()
            );
        } else {
            // Our output is 8-bit text (UTF-8 or latin-1): BINARY from us to the client.
            // BINARY from the client only where nothing echoes locally: a line-mode client in
            // BINARY sends a bare LF for Enter and its own echo then never returns to column 0
            // (Debian telnet's staircase), while 8-bit input reaches us without it anyway.
            session.write(false, |e| {
                e.enable_local(TelnetOption::BINARY);
                e.enable_remote(TelnetOption::BINARY);
                e.enable_local(TelnetOption::SGA);
                e.enable_local(TelnetOption::ECHO);
                Ok(())
            })?;
        }
    }
    if !settle(connection, deadline, |e| e.is_settled())? {
        let pending: Vec<String> =
            session.inspect(|e| e.pending_options().map(|o| o.to_string()).collect());
        log::debug!(
            "{}: still pending after connect_maxwait: {}",
            connection.addrport(),
            pending.join(", ")
        );
    }
    Ok(())
}

/// Reads until `done` holds or the deadline passes; returns whether it held. Data and events
/// that arrive meanwhile stay queued for the handler.
fn settle(
    connection: &ServerConnection,
    deadline: Instant,
    done: impl Fn(&crate::proto::Engine) -> bool,
) -> Result<bool> {
    connection.session.read_until(
        Wait::Until(deadline),
        Operation::Negotiation,
        |_, engine| done(engine).then_some(true),
        |_, error| match error {
            Error::Timeout { .. } | Error::LimitExceeded { .. } => Ok(false),
            error => Err(error),
        },
    )
}
