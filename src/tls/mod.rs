//! Telnet over TLS (TELNETS), with [rustls]: the `tls` feature.
//!
//! TLS is a layer of the connection core: the handshake runs on the bare [`Transport`] with a
//! deadline of its own, then one rustls connection, shared by an input layer (decrypt) and an
//! output layer (encrypt), sits between the transport and the Telnet engine. Everything else
//! (the one read primitive, the one write path, deadlines, whole writes from any thread) works
//! as it does over plain TCP.
//!
//! ```text
//!   Transport ──► TlsInput::decode ──┐                ┌──► Engine::receive ──► readline, ...
//!      ▲            (read_tls,       │  rustls conn   │
//!      │             decrypt)        ├─ Arc<Mutex<>> ─┤    locked only while it encrypts or
//!      │                             │                │    decrypts, never during I/O
//!   Transport ◄── TlsOutput::encode ◄┘                └─── the one write path ◄── send, ...
//!                 (encrypt, write_tls; pending(): tickets, key updates; finish(): close_notify)
//! ```
//!
//! * **Server**: [`ServerConfig::tls`](crate::ServerConfig::tls) with a [`TlsServerConfig`]
//!   (certificate and key from PEM files, or any `rustls::ServerConfig`). With
//!   [`tls_auto`](TlsServerConfig::tls_auto) one port serves both: a first byte of `0x16` (a
//!   ClientHello) starts TLS, any other byte, or nothing before the timeout, means plain
//!   Telnet, and that byte goes to the engine as the first byte of the stream.
//! * **Client**: [`ClientConfig::tls`](crate::ClientConfig::tls) with a [`TlsClientConfig`]:
//!   the system's CA store, a CA (or self-signed certificate) file, or no verification at all.
//! * **What was agreed**: [`TlsInfo`], from `ServerConnection::tls_info` and
//!   `TelnetConnection::tls_info`, or their `get_extra_info("ssl_object")`, `"cipher"`,
//!   `"server_hostname"` and `"peercert"`, after telnetlib3's.
//! * **Failures** are [`Error::Tls`] with a [`TlsError`]
//!   reason (an expired certificate, an unknown issuer, a peer that does not speak TLS, ...),
//!   or [`Error::Timeout`] for [`Operation::TlsHandshake`].
//!
//! The crypto provider is *ring*, given to rustls explicitly (so no process-wide default
//! provider is needed or touched); [`rustls`] is re-exported for building configurations by
//! hand.
//!
//! [`Operation::TlsHandshake`]: crate::Operation::TlsHandshake
//! [`Transport`]: crate::Transport

mod config;
mod handshake;
mod info;
mod layer;
mod verify;

use std::sync::Arc;

pub use config::{
    DEFAULT_AUTO_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT, TlsClientConfig, TlsServerConfig,
};
pub use info::TlsInfo;
/// The rustls this crate was built with, for [`TlsServerConfig::from_rustls`] and
/// [`TlsClientConfig::from_rustls`].
pub use rustls;

use crate::error::{Error, Result, TlsError};
use crate::session::{Session, Transport, Wait, deadline_after};
pub(crate) use handshake::Established;

/// The first byte of a TLS record that carries a handshake message (a ClientHello).
const HANDSHAKE_RECORD: u8 = 0x16;

/// What a server tells a plain Telnet client that reached a TLS-only port, before closing.
const PLAIN_CLIENT_NOTICE: &[u8] =
    b"\r\nThis port speaks Telnet over TLS (TELNETS) only: connect with a TLS client.\r\n";

/// The crypto provider every configuration made here uses.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Starts the server side's TLS on a new connection: TLS-auto's detection when configured, the
/// handshake with its deadline, then the layers. Returns whether the connection is TLS (false:
/// TLS-auto found plain Telnet, and the connection goes on without layers).
pub(crate) fn start_server(session: &Session, config: &TlsServerConfig) -> Result<bool> {
    let transport = session.transport();
    let peer = session.peer();
    let mut first = Vec::new();
    if let Some(wait) = config.auto_timeout() {
        match detect(transport, wait)? {
            Detected::Tls => first.push(HANDSHAKE_RECORD),
            Detected::Plain(byte) => {
                log::debug!("{peer}: tls-auto: first byte {byte:#04x}, plain Telnet");
                session.receive_first(&[byte])?;
                return Ok(false);
            }
            Detected::Silent => {
                log::debug!("{peer}: tls-auto: nothing within {wait:?}, plain Telnet");
                return Ok(false);
            }
        }
    }
    let connection = rustls::ServerConnection::new(Arc::clone(config.rustls_config()))
        .map_err(|e| tls_error(&e))?;
    let deadline = deadline_after(config.get_handshake_timeout());
    match handshake::run(transport, connection.into(), &first, deadline) {
        Ok(established) => {
            install(session, established)?;
            Ok(true)
        }
        Err(Error::Tls {
            reason: reason @ TlsError::NotTls { .. },
        }) => {
            // A person with a plain Telnet client on the wrong port learns why it closes.
            let notice_by = deadline_after(std::time::Duration::from_secs(1));
            let _ = transport.write_all(PLAIN_CLIENT_NOTICE, Some(notice_by));
            Err(Error::Tls { reason })
        }
        Err(error) => Err(error),
    }
}

/// Runs the client side's handshake on `transport`, before the session exists.
pub(crate) fn connect(transport: &Transport, config: &TlsClientConfig) -> Result<Established> {
    let name = config.name_for(transport.peer())?;
    let connection =
        rustls::ClientConnection::new(Arc::clone(config.rustls_config()), name.clone())
            .map_err(|e| tls_error(&e))?;
    let deadline = deadline_after(config.get_handshake_timeout());
    let mut established = handshake::run(transport, connection.into(), &[], deadline)?;
    if let rustls_pki_types::ServerName::DnsName(dns) = &name {
        established.server_name = Some(dns.as_ref().to_owned());
    }
    Ok(established)
}

/// Puts an established TLS connection between the session's transport and its engine.
pub(crate) fn install(session: &Session, established: Established) -> Result<()> {
    let Established {
        connection,
        plaintext,
        sent,
        received,
        server_name,
    } = established;
    let info = TlsInfo::from_connection(&connection).with_server_name(server_name);
    log::debug!(
        "{}: TLS handshake: {} cipher={}{}",
        session.peer(),
        info.protocol_version(),
        info.cipher_suite(),
        info.server_name()
            .map(|n| format!(" server_name={}", crate::proto::log_text(n)))
            .unwrap_or_default()
    );
    session.count_transport_bytes(sent, received);
    session.set_layer_info(Box::new(info));
    let (input, output) = layer::pair(connection);
    session.start_layers(Box::new(input), Box::new(output), &plaintext)
}

/// What TLS-auto found.
enum Detected {
    /// A first byte of 0x16: a ClientHello (the byte has been read).
    Tls,
    /// Another first byte (read, and to be handed to the engine).
    Plain(u8),
    /// Nothing before the timeout.
    Silent,
}

/// Reads the first byte, waiting at most `wait`.
fn detect(transport: &Transport, wait: std::time::Duration) -> Result<Detected> {
    let until = Wait::Until(deadline_after(wait));
    let mut byte = [0u8; 1];
    loop {
        match transport.read(&mut byte, until) {
            Ok(0) => return Err(Error::Closed),
            Ok(_) if byte[0] == HANDSHAKE_RECORD => return Ok(Detected::Tls),
            Ok(_) => return Ok(Detected::Plain(byte[0])),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(Detected::Silent);
            }
            Err(e) if crate::session::is_disconnect(&e) => return Err(Error::Closed),
            Err(e) => return Err(Error::Io(e)),
        }
    }
}

/// The reason for a rustls error, as a caller matches it.
pub(crate) fn tls_reason(error: &rustls::Error) -> TlsError {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            C::Expired | C::ExpiredContext { .. } => TlsError::CertificateExpired,
            C::NotValidYet | C::NotValidYetContext { .. } => TlsError::CertificateNotYetValid,
            C::NotValidForName => TlsError::CertificateNotValidForName {
                name: String::new(),
            },
            C::NotValidForNameContext { expected, .. } => TlsError::CertificateNotValidForName {
                name: name_text(expected),
            },
            C::UnknownIssuer => TlsError::UnknownIssuer,
            C::Revoked => TlsError::CertificateRevoked,
            other => TlsError::InvalidCertificate(format!("{other:?}")),
        },
        rustls::Error::NoCertificatesPresented => TlsError::NoCertificate,
        rustls::Error::AlertReceived(alert) => TlsError::AlertReceived(format!("{alert:?}")),
        rustls::Error::PeerIncompatible(why) => TlsError::PeerIncompatible(format!("{why:?}")),
        rustls::Error::InvalidMessage(why) => TlsError::Protocol(format!("{why:?}")),
        rustls::Error::PeerMisbehaved(why) => TlsError::Protocol(format!("{why:?}")),
        rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. }
        | rustls::Error::DecryptError
        | rustls::Error::PeerSentOversizedRecord => TlsError::Protocol(error.to_string()),
        other => TlsError::Other(other.to_string()),
    }
}

/// A server name as text: the DNS name, or the IP address.
fn name_text(name: &rustls_pki_types::ServerName<'_>) -> String {
    match name {
        rustls_pki_types::ServerName::DnsName(dns) => dns.as_ref().to_owned(),
        rustls_pki_types::ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// A rustls error as the crate's error.
pub(crate) fn tls_error(error: &rustls::Error) -> Error {
    Error::Tls {
        reason: tls_reason(error),
    }
}

/// A rustls error inside an `io::Error`, for the layers (the session finds the reason again).
pub(crate) fn io_error(error: &rustls::Error) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, tls_reason(error))
}
