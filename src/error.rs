//! The one error type of the crate.

use std::io;

use thiserror::Error;

/// Everything that can go wrong in ironboa, as one enum a caller can `match` on.
///
/// The variants separate what a caller usually handles differently: a [`Timeout`](Error::Timeout)
/// loses no data and can simply be retried, [`Closed`](Error::Closed) is the end of the stream,
/// [`Io`](Error::Io) is the operating system's error, [`Protocol`](Error::Protocol) is a peer that
/// broke the Telnet rules, and [`LimitExceeded`](Error::LimitExceeded) is a configured bound that
/// input or output would have crossed.
///
/// ```
/// use ironboa::{Error, Limit};
///
/// fn describe(err: &Error) -> &'static str {
///     match err {
///         Error::Timeout { .. } => "try again later",
///         Error::Closed => "the peer went away",
///         Error::LimitExceeded { limit: Limit::LineLength, .. } => "line too long",
///         _ => "something else",
///     }
/// }
/// assert_eq!(describe(&Error::Closed), "the peer went away");
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A blocking call's deadline passed before it could complete. Nothing read so far is lost:
    /// the next read returns it. `operation` names what timed out ("readline", "connect", ...).
    #[error("{operation} timed out")]
    Timeout {
        /// What timed out, e.g. `"readline"`, `"connect"`, `"wait_for"`.
        operation: &'static str,
    },
    /// The connection is closed: the peer ended the stream, or this side closed or deactivated it.
    #[error("connection closed")]
    Closed,
    /// An operating-system I/O error other than a timeout or an orderly close.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The peer broke the Telnet protocol in a way that could not be recovered from.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    /// A configured bound would have been crossed; `limit` says which and `max` its value.
    #[error("{limit} limit of {max} bytes exceeded")]
    LimitExceeded {
        /// Which bound.
        limit: Limit,
        /// The configured value of that bound, in bytes (or items, for counts).
        max: usize,
    },
    /// An argument was not acceptable, e.g. an unknown option name given to `wait_for`.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// Which configured bound an [`Error::LimitExceeded`] refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// The length of one subnegotiation payload (`IAC SB ... IAC SE`).
    Subnegotiation,
    /// Encoded bytes waiting to be written to the peer.
    OutputBuffer,
    /// Decoded bytes waiting for the application to read them.
    InputBuffer,
    /// The length of one line read with `readline`.
    LineLength,
    /// The number of simultaneous connections a server accepts.
    Connections,
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limit::Subnegotiation => "subnegotiation length",
            Limit::OutputBuffer => "output buffer",
            Limit::InputBuffer => "input buffer",
            Limit::LineLength => "line length",
            Limit::Connections => "connection",
        })
    }
}

/// A violation of the Telnet protocol by the peer.
///
/// The engine recovers from all of these by itself (it drops the offending sequence and stays in
/// sync with the stream); they are reported as [`Event::ProtocolError`](crate::Event::ProtocolError)
/// so that a caller can log or count them, and wrapped in [`Error::Protocol`] where a caller chooses
/// to treat one as fatal.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// `IAC` followed by a byte that is no Telnet command (0..=238, or `SE` outside a
    /// subnegotiation). The two bytes were dropped.
    #[error("IAC followed by unknown command byte {0}")]
    UnknownCommand(u8),
    /// A subnegotiation grew past the configured limit; it was discarded up to its `IAC SE`.
    #[error("subnegotiation of option {option} longer than {limit} bytes, discarded")]
    SubnegotiationTooLong {
        /// The option number the subnegotiation was for.
        option: u8,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// A subnegotiation was interrupted by `IAC` and a command other than `SE` or `IAC`; the
    /// partial subnegotiation was dropped and the command processed.
    #[error("subnegotiation of option {option} interrupted by IAC {command}")]
    SubnegotiationInterrupted {
        /// The option number the subnegotiation was for.
        option: u8,
        /// The command byte that followed IAC.
        command: u8,
    },
    /// A subnegotiation payload did not follow its option's format.
    #[error("malformed {option} subnegotiation: {reason}")]
    MalformedSubnegotiation {
        /// The option's name or number.
        option: String,
        /// What was wrong.
        reason: &'static str,
    },
    /// The peer answered a refusal of ours with an acceptance (RFC 1143 "DONT answered by WILL").
    #[error("{verb} {option} answered a refusal")]
    AnsweredRefusal {
        /// The verb the peer sent ("WILL" or "DO").
        verb: &'static str,
        /// The option's name or number.
        option: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
