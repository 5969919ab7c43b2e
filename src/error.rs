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
    /// the next read returns it. `operation` says which call timed out.
    #[error("{operation} timed out")]
    Timeout {
        /// What timed out.
        operation: Operation,
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
    /// An argument was not acceptable, e.g. an unknown option name given to `wait_for`, or a
    /// message that would not frame as it says: a marker byte in an MSDP or MSSP name or value,
    /// a space in a GMCP package name (see [`Msdp::validate`](crate::options::Msdp::validate)).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Under [`EncodingErrors::Strict`](crate::EncodingErrors::Strict), received bytes that do
    /// not decode in the connection's encoding. `bytes` holds everything the call took from the
    /// input (a whole line, for `readline`), so nothing is lost; the byte-level calls would
    /// have returned the same bytes.
    ///
    /// ```
    /// use ironboa::{Encoding, EncodingErrors, Error};
    ///
    /// match Encoding::Utf8.decode_with(b"ok \xff", EncodingErrors::Strict) {
    ///     Err(Error::Decode { position, bytes, .. }) => {
    ///         assert_eq!(position, 3);
    ///         assert_eq!(bytes, b"ok \xff");
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    #[error("bytes not valid {encoding} at offset {position} of {len}", len = bytes.len())]
    Decode {
        /// The connection's encoding.
        encoding: String,
        /// The offset in `bytes` of the first that does not decode.
        position: usize,
        /// Every byte the call took, undecoded.
        bytes: Vec<u8>,
    },
    /// Under [`EncodingErrors::Strict`](crate::EncodingErrors::Strict), text to send holds a
    /// character the connection's encoding lacks; nothing was sent.
    #[error("{character:?} cannot be encoded in {encoding}")]
    Encode {
        /// The connection's encoding.
        encoding: String,
        /// The first character it lacks.
        character: char,
    },
    /// TLS failed (TELNETS, the `tls` feature): the handshake, the peer's certificate, a record
    /// that would not decrypt, or a certificate or key file. `reason` says which.
    ///
    /// ```
    /// use ironboa::{Error, TlsError};
    ///
    /// fn advice(err: &Error) -> &'static str {
    ///     match err {
    ///         Error::Tls { reason: TlsError::CertificateExpired } => "the server's certificate expired",
    ///         Error::Tls { reason: TlsError::UnknownIssuer } => "untrusted: give its CA file",
    ///         Error::Tls { .. } => "another TLS failure",
    ///         _ => "not TLS",
    ///     }
    /// }
    /// assert_eq!(advice(&Error::Tls { reason: TlsError::UnknownIssuer }), "untrusted: give its CA file");
    /// ```
    #[error("TLS: {reason}")]
    Tls {
        /// What went wrong.
        #[source]
        reason: TlsError,
    },
    /// The kernel would not let the server run `max_connections` threads: `setting` (such as
    /// `vm.max_map_count`, past which the process aborts rather than failing a thread) is
    /// `value`, and `needed` at least; `fix` says how to raise it. Returned by
    /// `BlockingTelnetServer::bind`, before anything is bound.
    #[error("max_connections needs {setting} of at least {needed} (it is {value}): {fix}")]
    SystemLimit {
        /// The kernel setting or resource limit.
        setting: &'static str,
        /// Its value now.
        value: u64,
        /// What `max_connections` needs.
        needed: u64,
        /// The command that raises it, or what else to do.
        fix: String,
    },
    /// A connection's PROXY protocol header (`ServerConfig::proxy_protocol`) was missing,
    /// malformed, too long, or came from an address that is not trusted to send one; the
    /// connection was closed before any Telnet byte. `reason` says which.
    #[error("PROXY header: {reason}")]
    ProxyHeader {
        /// What was wrong with it.
        reason: ProxyHeaderError,
    },
}

impl Error {
    /// This error as an [`io::Error`], for the `std::io::Read` and `Write` impls: a timeout is
    /// `TimedOut`, the end of the connection `BrokenPipe`, an I/O error itself, anything else
    /// `Other` with this error inside.
    pub fn into_io(self) -> io::Error {
        match self {
            Error::Io(error) => error,
            Error::Timeout { .. } => io::Error::new(io::ErrorKind::TimedOut, self),
            Error::Closed => io::Error::new(io::ErrorKind::BrokenPipe, self),
            other => io::Error::other(other),
        }
    }
}

/// The operation an [`Error::Timeout`] refers to.
///
/// ```
/// use ironboa::{Error, Operation};
///
/// let error = Error::Timeout { operation: Operation::ReadLine };
/// assert_eq!(error.to_string(), "readline timed out");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Connecting to a server (`TelnetConnection::connect`).
    Connect,
    /// The opening negotiation after a connection was made.
    Negotiation,
    /// Waiting for the next connection (`BlockingTelnetServer::accept`).
    Accept,
    /// A read of whatever data arrives (`read`, `read_bytes`, `read_some`, `Read::read`).
    Read,
    /// Reading one line (`readline`).
    ReadLine,
    /// Reading up to a marker (`read_until`).
    ReadUntil,
    /// Reading until the end of the stream (`read_all`).
    ReadAll,
    /// Reading until a pattern matches (`expect`).
    Expect,
    /// Waiting for option states (`wait_for`).
    WaitFor,
    /// Waiting for the next event (`next_event`).
    Event,
    /// A write that could not finish (the peer does not read).
    Write,
    /// The TLS handshake (TELNETS), which has its own deadline.
    TlsHandshake,
    /// Reading a PROXY protocol header from a load balancer, which has its own deadline.
    ProxyHeader,
}

impl Operation {
    /// The name of the call, as it appears in messages: `"readline"`, `"read_until"`, ...
    pub fn name(self) -> &'static str {
        match self {
            Operation::Connect => "connect",
            Operation::Negotiation => "negotiation",
            Operation::Accept => "accept",
            Operation::Read => "read",
            Operation::ReadLine => "readline",
            Operation::ReadUntil => "read_until",
            Operation::ReadAll => "read_all",
            Operation::Expect => "expect",
            Operation::WaitFor => "wait_for",
            Operation::Event => "next_event",
            Operation::Write => "write",
            Operation::TlsHandshake => "TLS handshake",
            Operation::ProxyHeader => "PROXY header",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
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
    /// Events queued for the application and not yet taken (see `next_event`).
    Events,
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limit::Subnegotiation => "subnegotiation length",
            Limit::OutputBuffer => "output buffer",
            Limit::InputBuffer => "input buffer",
            Limit::LineLength => "line length",
            Limit::Connections => "connection",
            Limit::Events => "event queue",
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
    /// A compressed stream (MCCP2 from a server, MCCP3 from a client) did not decompress: the
    /// rest of the stream cannot be read, so unlike the others this one ends the connection
    /// (as [`Error::Protocol`]), and only that connection.
    #[error("corrupt {option} compressed stream: {reason}")]
    CorruptCompression {
        /// The option whose stream it was ("MCCP2" or "MCCP3").
        option: String,
        /// What the decompressor found wrong.
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

/// Why TLS failed: the `reason` of [`Error::Tls`].
///
/// The certificate variants are the peer's certificate as this side's verifier judged it; when
/// it is the peer that rejects ours, this side sees [`AlertReceived`](TlsError::AlertReceived).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The peer does not speak TLS: its first byte cannot start a TLS record. A plain Telnet
    /// client on a TLS port, or a TLS client on a plain Telnet port.
    #[error("the peer does not speak TLS (its first byte was {first_byte:#04x})")]
    NotTls {
        /// The first byte the peer sent.
        first_byte: u8,
    },
    /// The peer ended the stream before the handshake was over.
    #[error("the peer closed the connection during the handshake")]
    HandshakeClosed,
    /// The peer's certificate has expired.
    #[error("the peer's certificate has expired")]
    CertificateExpired,
    /// The peer's certificate is not valid yet.
    #[error("the peer's certificate is not valid yet")]
    CertificateNotYetValid,
    /// The peer's certificate is not for the name connected to (the SNI name, or the address).
    #[error("the peer's certificate is not valid for {name}")]
    CertificateNotValidForName {
        /// The name (or IP address) the certificate was checked against.
        name: String,
    },
    /// The peer's certificate was not issued by a trusted authority: a self-signed certificate,
    /// or one from a private CA, that was not given as a CA file.
    #[error("the peer's certificate is not signed by a trusted authority")]
    UnknownIssuer,
    /// The peer's certificate has been revoked.
    #[error("the peer's certificate has been revoked")]
    CertificateRevoked,
    /// The peer presented no certificate where one is required (client authentication).
    #[error("the peer presented no certificate")]
    NoCertificate,
    /// Any other problem with the peer's certificate.
    #[error("the peer's certificate is invalid: {0}")]
    InvalidCertificate(String),
    /// The peer sent a fatal alert: it rejected our certificate, or found nothing in common.
    #[error("the peer sent a fatal alert: {0}")]
    AlertReceived(String),
    /// The peer and this side have no protocol version, cipher suite or key exchange in
    /// common.
    #[error("nothing in common with the peer: {0}")]
    PeerIncompatible(String),
    /// The peer sent something malformed or out of place (a garbage ClientHello), or a record
    /// that would not decrypt.
    #[error("the peer broke the TLS protocol: {0}")]
    Protocol(String),
    /// A certificate, key or CA file could not be read or used, or a configuration was
    /// refused.
    #[error("configuration: {0}")]
    Config(String),
    /// Anything else TLS reported.
    #[error("{0}")]
    Other(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a PROXY protocol header was refused (see [`Error::ProxyHeader`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProxyHeaderError {
    /// The connection came from an address outside the trusted ranges
    /// (`ProxyProtocol::trust`); nothing was read from it.
    #[error("{0} is not trusted to send one")]
    Untrusted(std::net::IpAddr),
    /// The connection ended before a whole header arrived (`received` bytes of it did).
    #[error("the connection ended after {received} bytes of it")]
    Truncated {
        /// How many bytes of the header had arrived.
        received: usize,
    },
    /// The first bytes are neither a version 1 (`PROXY `) nor a version 2 signature: the
    /// peer is not a balancer speaking the PROXY protocol (or it is not configured to).
    #[error("missing (the stream does not start with one)")]
    Missing,
    /// The header is longer than the bound (107 bytes for version 1, as the specification
    /// says; `ProxyProtocol::max_header` for version 2).
    #[error("longer than {max} bytes")]
    TooLong {
        /// The bound.
        max: usize,
    },
    /// The header has the right signature but does not parse; the parser's words.
    #[error("malformed: {0}")]
    Malformed(String),
}
