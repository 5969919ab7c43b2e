//! What the engine has learned about the peer through subnegotiation.

use std::collections::BTreeMap;

use crate::options::{FlowControl, SlcTriple, WindowSize};

/// The values learned from the peer: terminal type(s), window size, environment, character set,
/// speed, X display and location, and the LINEMODE state. Every list here is bounded by
/// [`Limits`](super::Limits), and all the text together by
/// [`Limits::max_peer_data`](super::Limits::max_peer_data).
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

/// The bytes one remembered SLC triple counts for.
pub(crate) const SLC_TRIPLE_BYTES: usize = 3;

impl PeerInfo {
    /// How many bytes of peer-chosen text are remembered: the terminal types, environment
    /// names and values, character set, X display and location (their lengths in bytes), and
    /// 3 bytes per SLC triple. The fixed-size fields (window size, speed, LINEMODE mode, flow
    /// control) do not count. The engine keeps it within
    /// [`Limits::max_peer_data`](super::Limits::max_peer_data).
    ///
    /// ```
    /// use ironboa::proto::{Engine, EngineConfig};
    ///
    /// let mut engine = Engine::new(EngineConfig::server());
    /// engine.receive(b"\xff\xfa\x18\x00xterm\xff\xf0", &mut Vec::new())?;
    /// assert_eq!(engine.peer().remembered_bytes(), 5);
    /// # Ok::<(), ironboa::Error>(())
    /// ```
    pub fn remembered_bytes(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        self.terminal_types.iter().map(String::len).sum::<usize>()
            + self
                .environment
                .iter()
                .map(|(name, value)| name.len() + value.len())
                .sum::<usize>()
            + text(&self.charset)
            + text(&self.x_display)
            + text(&self.location)
            + self.slc.len() * SLC_TRIPLE_BYTES
    }

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
