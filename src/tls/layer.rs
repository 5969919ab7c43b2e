//! The two halves of a TLS connection, as the session's input and output layers.
//!
//! Both hold the one rustls connection behind a mutex that is taken only while records are
//! decrypted or encrypted, never during transport I/O: the reading thread decrypts what it
//! read, the writing thread encrypts what it writes, and neither waits for the other's I/O.

use std::io::{self, BufRead, Write};
use std::sync::Arc;

use parking_lot::Mutex;

use super::io_error;
use crate::session::PeerAddress;
use crate::session::layer::{InputLayer, OutputLayer};

type Shared = Arc<Mutex<rustls::Connection>>;

/// Makes the two halves of an established connection.
pub(super) fn pair(mut connection: rustls::Connection) -> (TlsInput, TlsOutput) {
    // The session writes at most 64 KiB at a time and takes every record after each piece:
    // rustls's own limit on unsent records would only split a write.
    connection.set_buffer_limit(None);
    let shared = Arc::new(Mutex::new(connection));
    (
        TlsInput {
            connection: Arc::clone(&shared),
            wants_write: false,
            ended: false,
        },
        TlsOutput { connection: shared },
    )
}

/// Decrypts what the transport read.
pub(super) struct TlsInput {
    connection: Shared,
    /// The last decode left records to send (a key update's answer).
    wants_write: bool,
    /// The peer sent close_notify.
    ended: bool,
}

/// Moves every decrypted byte rustls holds into `output`.
fn take_plaintext(connection: &mut rustls::Connection, output: &mut Vec<u8>) -> io::Result<()> {
    let mut reader = connection.reader();
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            // close_notify, and everything before it has been taken.
            return Ok(());
        }
        output.extend_from_slice(chunk);
        let n = chunk.len();
        reader.consume(n);
    }
}

impl InputLayer for TlsInput {
    fn name(&self) -> &'static str {
        "tls"
    }

    fn decode(&mut self, mut input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        let mut connection = self.connection.lock();
        while !input.is_empty() && !self.ended {
            // rustls takes at most one buffer's worth per call (about 4 KiB to 16 KiB), and
            // its decrypted bytes are taken after each: what it holds stays bounded.
            let n = connection.read_tls(&mut input).map_err(|e| {
                // An oversized record ("message buffer full").
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    crate::error::TlsError::Protocol(e.to_string()),
                )
            })?;
            let state = connection.process_new_packets().map_err(|e| io_error(&e))?;
            take_plaintext(&mut connection, output)?;
            if state.peer_has_closed() || n == 0 {
                // Anything after close_notify is ignored.
                self.ended = true;
            }
        }
        self.wants_write = connection.wants_write();
        Ok(())
    }

    fn wants_write(&self) -> bool {
        self.wants_write
    }

    fn ended(&self) -> bool {
        self.ended
    }

    fn end_of_stream(&mut self, peer: &PeerAddress) {
        if !self.ended {
            log::info!(
                "{peer}: the peer closed the connection without a TLS close_notify \
                 (the end of the stream all the same)"
            );
        }
    }
}

/// Encrypts what the session writes, and sends rustls's own records.
pub(super) struct TlsOutput {
    connection: Shared,
}

/// Moves every record rustls has to send into `output`.
fn take_records(connection: &mut rustls::Connection, output: &mut Vec<u8>) -> io::Result<()> {
    while connection.wants_write() {
        connection.write_tls(output)?;
    }
    Ok(())
}

impl OutputLayer for TlsOutput {
    fn name(&self) -> &'static str {
        "tls"
    }

    fn encode(&mut self, mut input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        let mut connection = self.connection.lock();
        while !input.is_empty() {
            // rustls takes up to its buffer limit at a time; its records are taken after each.
            let n = connection.writer().write(input)?;
            take_records(&mut connection, output)?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            input = &input[n..];
        }
        take_records(&mut connection, output)
    }

    fn pending(&mut self, output: &mut Vec<u8>) -> io::Result<()> {
        take_records(&mut self.connection.lock(), output)
    }

    fn finish(&mut self, output: &mut Vec<u8>) -> io::Result<()> {
        let mut connection = self.connection.lock();
        connection.send_close_notify();
        take_records(&mut connection, output)
    }
}
