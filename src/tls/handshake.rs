//! The handshake, on the bare transport, with one deadline for all of it.
//!
//! Each read and write waits at most until the deadline, so a peer that sends a byte a second
//! (or nothing) fails at the deadline whatever it does; rustls bounds what it buffers (64 KiB
//! for a handshake message), so a garbage or oversized ClientHello fails without growing
//! memory.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use super::{HANDSHAKE_RECORD, tls_error};
use crate::error::{Error, Operation, Result, TlsError};
use crate::session::{Transport, Wait, is_disconnect};

/// One read of the handshake.
const READ_SIZE: usize = 4096;
/// The first byte of a TLS alert record (a server may answer a ClientHello with one).
const ALERT_RECORD: u8 = 0x15;
/// How long the alert that explains a failed handshake may take to leave.
const ALERT_WAIT: Duration = Duration::from_millis(200);

/// A finished handshake.
pub(crate) struct Established {
    /// The rustls connection, ready for application data.
    pub(crate) connection: rustls::Connection,
    /// Application data that arrived with the end of the handshake, decrypted.
    pub(crate) plaintext: Vec<u8>,
    /// Bytes written to the transport during the handshake.
    pub(crate) sent: u64,
    /// Bytes read from the transport during the handshake.
    pub(crate) received: u64,
    /// The DNS name a client sent as SNI.
    pub(crate) server_name: Option<String>,
}

fn timed_out() -> Error {
    Error::Timeout {
        operation: Operation::TlsHandshake,
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Maps a transport error of the handshake.
fn transport_error(error: io::Error) -> Error {
    if is_timeout(&error) {
        timed_out()
    } else if is_disconnect(&error) {
        Error::Tls {
            reason: TlsError::HandshakeClosed,
        }
    } else {
        Error::Io(error)
    }
}

/// Writes everything rustls has to send, by `deadline`. Returns how many bytes went out.
fn flush(
    connection: &mut rustls::Connection,
    transport: &Transport,
    deadline: Instant,
) -> Result<u64> {
    let mut sent = 0;
    let mut out = Vec::new();
    while connection.wants_write() {
        out.clear();
        connection.write_tls(&mut out)?;
        transport
            .write_all(&out, Some(deadline))
            .map_err(transport_error)?;
        sent += out.len() as u64;
    }
    Ok(sent)
}

/// The stack of the thread that runs a handshake. Certificate verification and key exchange
/// go deeper than a connection thread's 64 KiB stack allows (far deeper in a debug build);
/// what the thread touched is given back when it ends, so an idle TLS connection costs no
/// more stack than a plain one.
const HANDSHAKE_STACK: usize = 1024 * 1024;

/// Runs the handshake of `connection` (either side) over `transport`, on a thread of its own
/// with a stack large enough for it (see [`HANDSHAKE_STACK`]); the calling thread waits for
/// it. `first` is what was already read from the peer (TLS-auto's first byte).
pub(crate) fn run(
    transport: &Transport,
    connection: rustls::Connection,
    first: &[u8],
    deadline: Instant,
) -> Result<Established> {
    std::thread::scope(|scope| {
        let handshake = std::thread::Builder::new()
            .name("ironboa-tls-handshake".into())
            .stack_size(HANDSHAKE_STACK)
            .spawn_scoped(scope, || run_here(transport, connection, first, deadline))?;
        handshake
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn run_here(
    transport: &Transport,
    mut connection: rustls::Connection,
    first: &[u8],
    deadline: Instant,
) -> Result<Established> {
    let server = matches!(connection, rustls::Connection::Server(_));
    let mut sent = 0;
    let mut received = 0u64;
    let mut buffer = vec![0u8; READ_SIZE];
    let mut pending: &[u8] = first;
    loop {
        sent += flush(&mut connection, transport, deadline)?;
        if !connection.is_handshaking() {
            break;
        }
        let n = if pending.is_empty() {
            match transport.read(&mut buffer, Wait::Until(deadline)) {
                Ok(0) => {
                    return Err(Error::Tls {
                        reason: TlsError::HandshakeClosed,
                    });
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(transport_error(e)),
            }
        } else {
            let n = pending.len().min(buffer.len());
            buffer[..n].copy_from_slice(&pending[..n]);
            pending = &pending[n..];
            n
        };
        if received == 0 {
            // A record starts with its content type: a ClientHello with 0x16; a server answers
            // with a handshake or an alert. Anything else is not TLS at all.
            let first_byte = buffer[0];
            let tls = first_byte == HANDSHAKE_RECORD || (!server && first_byte == ALERT_RECORD);
            if !tls {
                return Err(Error::Tls {
                    reason: TlsError::NotTls { first_byte },
                });
            }
        }
        received += n as u64;
        let mut input = &buffer[..n];
        while !input.is_empty() {
            let read = connection.read_tls(&mut input);
            let processed = match read {
                Ok(0) => break,
                Ok(_) => connection.process_new_packets().map_err(|e| tls_error(&e)),
                Err(e) => Err(Error::Tls {
                    reason: TlsError::Protocol(e.to_string()),
                }),
            };
            if let Err(error) = processed {
                // rustls has queued the alert that tells the peer why; it goes out if it can.
                let alert_by = Instant::now() + ALERT_WAIT;
                let _ = flush(&mut connection, transport, alert_by.min(deadline));
                return Err(error);
            }
        }
    }
    // Data that came with the end of the handshake (a client's first Telnet bytes behind its
    // Finished, a server's greeting behind its own).
    let mut plaintext = Vec::new();
    loop {
        match connection.reader().read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => plaintext.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Io(e)),
        }
    }
    Ok(Established {
        connection,
        plaintext,
        sent,
        received,
        server_name: None,
    })
}
