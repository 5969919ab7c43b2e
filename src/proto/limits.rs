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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_subnegotiation: 16 * 1024,
            max_output_buffer: 1 << 20,
            max_environment_vars: 256,
            max_terminal_types: 16,
        }
    }
}
