//! What the engine has learned about the peer through subnegotiation.

use std::collections::BTreeMap;

use crate::options::{FlowControl, SlcTriple, WindowSize};

/// The values learned from the peer: terminal type(s), window size, environment, character set,
/// speed, X display and location, and the LINEMODE state. Every list here is bounded by
/// [`Limits`](super::Limits).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerInfo {
    /// Every terminal type the peer reported, in order (TTYPE cycling gives several).
    pub terminal_types: Vec<String>,
    /// The peer's window size (NAWS), updated on every report.
    pub window_size: Option<WindowSize>,
    /// Environment variables reported with NEW_ENVIRON IS or INFO (or the old ENVIRON).
    pub environment: BTreeMap<String, String>,
    /// The character set agreed with CHARSET.
    pub charset: Option<String>,
    /// The peer's (transmit, receive) speed in bits per second (TSPEED).
    pub terminal_speed: Option<(u32, u32)>,
    /// The peer's X display (XDISPLOC).
    pub x_display: Option<String>,
    /// The peer's location (SNDLOC).
    pub location: Option<String>,
    /// The LINEMODE mode mask last reported.
    pub linemode: Option<u8>,
    /// The LINEMODE SLC triples last reported.
    pub slc: Vec<SlcTriple>,
    /// The flow-control state requested with LFLOW.
    pub flow_control: Option<FlowControl>,
}

impl PeerInfo {
    /// The terminal type to use: the most recent one reported, except that an MTTS bit-field
    /// report ("MTTS 271") defers to the type before it, as telnetlib3 does.
    pub fn terminal_type(&self) -> Option<&str> {
        self.terminal_types
            .iter()
            .rev()
            .find(|t| !t.to_ascii_uppercase().starts_with("MTTS "))
            .or(self.terminal_types.last())
            .map(String::as_str)
    }
}
