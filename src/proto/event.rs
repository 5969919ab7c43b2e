//! What the engine reports besides application data.

use super::{Command, TelnetOption, Verb};
use crate::error::ProtocolError;
use crate::options::Subnegotiation;

/// Which direction of an option: what we do, or what the peer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// We perform the option (we sent or agreed with `WILL`).
    Local,
    /// The peer performs the option (it sent or agreed with `WILL`).
    Remote,
}

/// Something the engine observed in the stream, other than application data.
///
/// Drain them with [`Engine::poll_event`](super::Engine::poll_event) after each
/// [`receive`](super::Engine::receive): at most one event is produced per two bytes received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A command: GA, EOR, AYT, IP, BRK, AO, EC, EL, DM or NOP.
    Command(Command),
    /// An option was enabled or disabled in one direction.
    OptionChanged {
        /// The option.
        option: TelnetOption,
        /// Which direction changed.
        side: Side,
        /// The new state.
        enabled: bool,
    },
    /// A subnegotiation arrived and was decoded (and, where one was due, answered).
    Subnegotiation(Subnegotiation),
    /// A negotiation command, reported as-is because the engine is in manual negotiation mode
    /// (see [`Engine::set_manual_negotiation`](super::Engine::set_manual_negotiation)); nothing
    /// was answered.
    Negotiation {
        /// WILL, WONT, DO or DONT.
        verb: Verb,
        /// The option.
        option: TelnetOption,
    },
    /// The answer to our `DO TIMING-MARK` arrived: everything sent before it has been processed.
    TimingMark,
    /// The peer broke the protocol; the engine recovered and the stream is in sync.
    ProtocolError(ProtocolError),
}
