//! The opening negotiation a server makes before the handler runs, after telnetlib3's server.
//!
//! Phase 1 asks `DO TTYPE` and waits for the answer. A client that refuses is a "dumb" client
//! (Python's telnetlib, netcat, a script) and is offered nothing more. A client that agrees gets
//! phase 2: `DO NAWS`, `DO NEW_ENVIRON`, `DO CHARSET` (not in raw-bytes mode), `WILL BINARY`
//! and `DO BINARY` (every ironboa encoding is 8-bit), and in character mode `WILL SGA` and
//! `WILL ECHO`. The handler runs once everything asked has been answered (the terminal type,
//! the window size and the environment are then known), or once `connect_maxwait` has passed.

use std::time::Instant;

use super::{ServerConfig, ServerConnection};
use crate::error::{Error, Result};
use crate::proto::TelnetOption;
use crate::session::Encoding;

pub(crate) fn negotiate(connection: &ServerConnection, config: &ServerConfig) -> Result<()> {
    let session = &connection.session;
    let deadline = Instant::now() + config.connect_maxwait;
    session.with_engine(|e| e.enable_remote(TelnetOption::TTYPE))?;
    if !settle(connection, deadline, |e| {
        !e.option_state(TelnetOption::TTYPE, crate::Side::Remote)
            .is_pending()
    })? {
        log::debug!(
            "{}: no answer to DO TTYPE within {:?}",
            connection.addrport(),
            config.connect_maxwait
        );
        return Ok(());
    }
    if !session.engine.lock().remote_enabled(TelnetOption::TTYPE) {
        log::debug!("{}: refused TTYPE; a dumb client", connection.addrport());
        return Ok(());
    }
    session.with_engine(|e| {
        e.enable_remote(TelnetOption::NAWS);
        e.enable_remote(TelnetOption::NEW_ENVIRON);
        if config.encoding != Encoding::Bytes && !e.config().charsets.is_empty() {
            e.enable_remote(TelnetOption::CHARSET);
        }
        e.enable_local(TelnetOption::BINARY);
        e.enable_remote(TelnetOption::BINARY);
        if config.character_mode {
            e.enable_local(TelnetOption::SGA);
            e.enable_local(TelnetOption::ECHO);
        }
    })?;
    if !settle(connection, deadline, |e| e.is_settled())? {
        let pending: Vec<String> = session
            .engine
            .lock()
            .pending_options()
            .map(|o| o.to_string())
            .collect();
        log::debug!(
            "{}: still pending after connect_maxwait: {}",
            connection.addrport(),
            pending.join(", ")
        );
    }
    Ok(())
}

/// Reads until `done` holds or the deadline passes; returns whether it held. Data that
/// arrives meanwhile stays buffered for the handler.
fn settle(
    connection: &ServerConnection,
    deadline: Instant,
    done: impl Fn(&crate::proto::Engine) -> bool,
) -> Result<bool> {
    let session = &connection.session;
    let mut state = session.reader.lock();
    loop {
        if done(&session.engine.lock()) {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        match session.pump(&mut state, Some(deadline), "connect") {
            Ok(_) => {}
            Err(Error::Timeout { .. }) => return Ok(false),
            Err(Error::LimitExceeded { .. }) => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}
