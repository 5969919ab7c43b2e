//! MCCP2 and MCCP3: zlib compression of the Telnet stream (the `mccp` feature).
//!
//! MUD servers compress what they send (MCCP2, option 86) and MUD clients may compress what
//! they send back (MCCP3, option 87). Both work the same way: the side that will compress
//! says `WILL` (MCCP2: the server; MCCP3: the client, after the server's `WILL MCCP3` and
//! its own `DO`), the other agrees, and the compressing side sends `IAC SB <option> IAC SE`.
//! Every byte after that `IAC SE` is one zlib stream, until the compressing side ends it
//! (zlib's end of stream), after which plain Telnet follows.
//!
//! ```text
//!   server: WILL MCCP2 ─►                       client: ◄─ DO MCCP2
//!   server: IAC SB MCCP2 IAC SE, then zlib ...  client: decompresses everything after SE
//! ```
//!
//! In ironboa both are layers of the connection (see the session's layer module): the
//! compressing side adds an output layer right after the `IAC SE` it sends, the other side
//! an input layer right after the `IAC SE` it reads, however the bytes were split across
//! reads. Set it up with [`ServerConfig::compression`](crate::ServerConfig::compression) and
//! [`ClientConfig::compression`](crate::ClientConfig::compression), both taking a
//! [`Compression`] with telnetlib3's three choices.
//!
//! * **Memory.** An idle compressed connection keeps 4 KiB of history for each direction it
//!   compresses (no compressor lives between writes; see `deflate.rs`) and one decompressor
//!   (about 40 KiB, most of it the window) for each direction it decompresses.
//! * **Hostile input.** A stream that does not decompress ends that connection with
//!   [`Error::Protocol`](crate::Error::Protocol) carrying
//!   [`ProtocolError::CorruptCompression`](crate::ProtocolError::CorruptCompression). One
//!   read is decompressed at most 64 KiB at a time, and more only as the application reads,
//!   so a small "compression bomb" cannot fill memory. A peer that starts compression again
//!   inside a running stream is ignored (no decompressor is nested in another), and the
//!   decompressor of a stream that ended is dropped, so starting and ending over and over
//!   piles nothing up. A client that stops reading a compressed stream is handled as any
//!   slow reader: writes block for the write timeout and then close the connection, and what
//!   waits for it is bounded as for a plain one.
//! * **Ending.** A server stops compressing when the client sends `DONT MCCP2` (the zlib
//!   stream is ended in order right after the `WONT` that answers it) and ends the stream in
//!   order when the connection closes.
//! * **TLS.** Compression inside TLS is open to CRIME/BREACH-style attacks on secrets that share
//!   a stream with attacker-chosen text; telnetlib3 refuses MCCP over TLS, ironboa leaves it
//!   to the configuration (use [`Compression::Refuse`] on TLS servers with secrets to guard).

mod deflate;
mod inflate;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::proto::{EngineConfig, Event, Role, Side, TelnetOption};
use crate::session::Session;
use crate::session::layer::{InputLayer, OutputSwitch};

pub(crate) use deflate::Deflater;
pub(crate) use inflate::Inflater;

/// Whether a connection compresses: telnetlib3's `--compression` ([`Offer`](Self::Offer)),
/// `--no-compression` ([`Refuse`](Self::Refuse)) or neither ([`Accept`](Self::Accept), the
/// default).
///
/// ```
/// use ironboa::{ClientConfig, ServerConfig, compress::Compression};
///
/// let server = ServerConfig::default().compression(Compression::Offer);
/// assert_eq!(*server.get_compression(), Compression::Offer);
/// let client = ClientConfig::default().compression(Compression::Refuse);
/// # let _ = client;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// A server offers MCCP2 and MCCP3 (`WILL`) in its opening negotiation; a client asks for
    /// them (`DO`) as soon as it connects. Either compresses when the peer agrees.
    Offer,
    /// Agree when the peer offers or asks, offer nothing (the default).
    #[default]
    Accept,
    /// Refuse both options; the stream is never compressed.
    Refuse,
}

const OPTIONS: [TelnetOption; 2] = [TelnetOption::MCCP2, TelnetOption::MCCP3];

/// Sets the engine up for `mode`: agrees to the options (or refuses them), and stops at the
/// `IAC SE` after which the peer compresses (MCCP2 from a server, MCCP3 from a client).
pub(crate) fn configure_engine(config: &mut EngineConfig, mode: Compression) {
    // A server performs both (it compresses MCCP2, decompresses MCCP3, and says WILL for
    // each); a client lets the server perform both.
    let set = match config.role {
        Role::Server => &mut config.policy.local,
        Role::Client => &mut config.policy.remote,
    };
    for option in OPTIONS {
        if mode == Compression::Refuse {
            set.remove(option);
        } else {
            set.insert(option);
        }
    }
    if mode != Compression::Refuse {
        config.stream_switches.insert(match config.role {
            Role::Server => TelnetOption::MCCP3,
            Role::Client => TelnetOption::MCCP2,
        });
    }
}

/// What the opening negotiation offers for `mode`: with [`Compression::Offer`], a server
/// offers both options (`WILL`), and a client asks for MCCP2 (`DO`). MCCP3 is the server's to
/// offer: a client that asked `DO MCCP3` first would be refused by telnetlib3's server, which
/// offers it itself a moment later.
pub(crate) fn offers(mode: Compression, role: Role) -> &'static [TelnetOption] {
    match (mode, role) {
        (Compression::Offer, Role::Server) => &OPTIONS,
        (Compression::Offer, Role::Client) => &OPTIONS[..1],
        _ => &[],
    }
}

/// Installs the layers' triggers on a new connection: the decompressor where the peer
/// switches the stream, and the compressor where this side does.
pub(crate) fn install(session: &Session, role: Role, mode: Compression) {
    if mode == Compression::Refuse {
        return;
    }
    // What the peer compresses, and what we do.
    let (theirs, ours, ours_side) = match role {
        Role::Server => (TelnetOption::MCCP3, TelnetOption::MCCP2, Side::Local),
        Role::Client => (TelnetOption::MCCP2, TelnetOption::MCCP3, Side::Remote),
    };
    let their_name = if theirs == TelnetOption::MCCP2 {
        "MCCP2"
    } else {
        "MCCP3"
    };
    let our_layer = if ours == TelnetOption::MCCP2 {
        "mccp2"
    } else {
        "mccp3"
    };
    // A second `IAC SB` inside a running stream is ignored: a peer must end a stream before
    // it starts another, and one that nests them must not pile up decompressors.
    let running = Arc::new(AtomicBool::new(false));
    session.set_switch_handler(Box::new(move |option| {
        if option != theirs {
            return None;
        }
        if running.load(Ordering::Acquire) {
            log::debug!("{their_name}: started again inside a running stream; ignored");
            return None;
        }
        Some(Box::new(Inflater::new(their_name, running.clone())) as Box<dyn InputLayer>)
    }));
    // Compression starts once the read that enabled the option has been handled, so the
    // `IAC SE` ends what this side writes in answer to that read: telnetlib3's server (5.0.1)
    // starts inflating only after the chunk it read the `IAC SE` in, and would take
    // compressed bytes in the same chunk for plain ones.
    let mut start_due = false;
    session.set_output_switcher(Box::new(move |engine, event| match event {
        Some(Event::OptionChanged {
            option,
            side,
            enabled,
        }) if *option == ours && *side == ours_side => {
            start_due = *enabled;
            if *enabled {
                None
            } else {
                log::debug!("{ours}: compression ends");
                Some(OutputSwitch::End(our_layer))
            }
        }
        None if start_due => {
            start_due = false;
            match engine.send_raw_subnegotiation(ours, &[]) {
                Ok(()) => {
                    log::debug!("{ours}: compressing from here on");
                    Some(OutputSwitch::Start(Box::new(Deflater::new(our_layer))))
                }
                Err(error) => {
                    log::debug!("{ours}: not started: {error}");
                    None
                }
            }
        }
        _ => None,
    }));
}

#[cfg(test)]
mod tests;
