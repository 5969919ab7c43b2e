//! `--ssl`: the probe over TLS. The fingerprint is built from the server's Telnet bytes as
//! they came out of TLS, so the TLS connection is made here (rustls, with the same
//! certificate checks as `ironboa-client --ssl`) and its two directions are handed to the
//! prober as a plain reader and writer; the reader's bytes are logged after decryption.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::ClientConnection;
use rustls::pki_types::ServerName;

/// What the handshake agreed, for the session record.
pub struct Agreed {
    pub version: String,
    pub cipher: String,
}

/// Makes the TLS connection over `stream` (the handshake bounded by `timeout`) and returns
/// its reading and writing halves.
pub fn connect(
    stream: &TcpStream,
    host: &str,
    config: &ironboa::tls::TlsClientConfig,
    timeout: Duration,
) -> Result<(TlsReader, TlsWriter, Agreed), String> {
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| format!("{host:?} is not a host name TLS can verify"))?;
    let mut connection = ClientConnection::new(Arc::clone(config.rustls_config()), name)
        .map_err(|e| format!("TLS: {e}"))?;
    let mut socket = stream.try_clone().map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(timeout))
        .and_then(|()| socket.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    while connection.is_handshaking() {
        connection.complete_io(&mut socket).map_err(|e| {
            let hint = match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                Some(rustls::Error::InvalidCertificate(_)) => {
                    " (a self-signed or private certificate: trust it with --ssl-cafile PATH)"
                }
                Some(rustls::Error::InvalidMessage(_)) => {
                    " (the server speaks plain Telnet there: leave out --ssl)"
                }
                _ => "",
            };
            match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                    format!("TLS handshake: no answer within {timeout:?}")
                }
                _ => format!("TLS handshake: {e}{hint}"),
            }
        })?;
    }
    socket
        .set_read_timeout(None)
        .and_then(|()| socket.set_write_timeout(None))
        .map_err(|e| e.to_string())?;
    let agreed = Agreed {
        version: connection
            .protocol_version()
            .map(|v| format!("{v:?}"))
            .unwrap_or_default(),
        cipher: connection
            .negotiated_cipher_suite()
            .map(|c| format!("{:?}", c.suite()))
            .unwrap_or_default(),
    };
    let shared = Arc::new(Mutex::new(connection));
    let reader = TlsReader {
        socket: socket.try_clone().map_err(|e| e.to_string())?,
        connection: Arc::clone(&shared),
        buffer: vec![0; 16 * 1024],
    };
    let writer = TlsWriter {
        socket,
        connection: shared,
    };
    Ok((reader, writer, agreed))
}

fn poisoned() -> io::Error {
    io::Error::other("TLS state poisoned")
}

/// The decrypting half: reads the socket without holding the TLS state, so the writing half
/// is never kept waiting by a read.
pub struct TlsReader {
    socket: TcpStream,
    connection: Arc<Mutex<ClientConnection>>,
    buffer: Vec<u8>,
}

impl Read for TlsReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            {
                let mut connection = self.connection.lock().map_err(|_| poisoned())?;
                match connection.reader().read(out) {
                    Ok(n) => return Ok(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
            }
            let n = self.socket.read(&mut self.buffer)?;
            if n == 0 {
                // The server left without close_notify: the end of the stream all the same.
                return Ok(0);
            }
            let mut connection = self.connection.lock().map_err(|_| poisoned())?;
            let mut input = &self.buffer[..n];
            while !input.is_empty() {
                connection.read_tls(&mut input)?;
                connection
                    .process_new_packets()
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            }
            // What TLS answers on its own account (a key update).
            while connection.wants_write() {
                connection.write_tls(&mut self.socket)?;
            }
        }
    }
}

/// The encrypting half.
pub struct TlsWriter {
    socket: TcpStream,
    connection: Arc<Mutex<ClientConnection>>,
}

impl Write for TlsWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut connection = self.connection.lock().map_err(|_| poisoned())?;
        connection.writer().write_all(buf)?;
        while connection.wants_write() {
            connection.write_tls(&mut self.socket)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
