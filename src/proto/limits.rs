//! The bounds on everything the engine buffers.

/// Bounds on the engine's buffers and on what it remembers about the peer.
///
/// Every buffer in the engine has one of these limits; none grows with what a peer sends.
/// The defaults suit interactive use and MUD protocols (GMCP payloads of several KiB).
///
/// ```
/// use ironboa::proto::Limits;
///
/// let limits = Limits { max_subnegotiation: 1024, ..Limits::default() };
/// assert_eq!(limits.max_output_buffer, 1 << 20);
/// assert_eq!(limits.max_peer_data, 64 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest subnegotiation payload kept, in bytes (default 16 KiB). A longer one is
    /// discarded up to its `IAC SE`, reported as a protocol error, and the stream stays in sync.
    pub max_subnegotiation: usize,
    /// The most encoded bytes the engine holds waiting to be written (default 1 MiB). Replies
    /// that would cross it make `receive` fail with a limit error; `send_data` refuses data that
    /// would cross it.
    pub max_output_buffer: usize,
    /// The most environment variables remembered from the peer (default 256); more are ignored.
    pub max_environment_vars: usize,
    /// The most terminal types remembered from a TTYPE cycle (default 16); the server stops
    /// asking at this count.
    pub max_terminal_types: usize,
    /// The most bytes of text remembered from the peer in [`PeerInfo`](super::PeerInfo), all
    /// fields together (default 64 KiB): terminal types, environment names and values, the
    /// character set, X display, location, and 3 bytes per LINEMODE SLC triple, as counted by
    /// [`PeerInfo::remembered_bytes`](super::PeerInfo::remembered_bytes). It holds on top of
    /// the count limits above. A report that would cross it is not remembered (a changed
    /// value keeps the old one) and is logged at debug level; the subnegotiation event still
    /// reaches the application.
    pub max_peer_data: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_subnegotiation: 16 * 1024,
            max_output_buffer: 1 << 20,
            max_environment_vars: 256,
            max_terminal_types: 16,
            max_peer_data: 64 * 1024,
        }
    }
}
