//! telnetlib3's binary shell: raw bytes in, the same bytes out (encoding "bytes", BINARY both
//! ways where the client agrees). Good for xmodem-style transfers and pre-Unicode systems.
//!
//! `cargo run --example binary_echo [ADDR]`.

use ironboa::{BlockingTelnetServer, Encoding, ServerConfig};

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let config = ServerConfig::default().encoding(Encoding::Bytes);
    let server = BlockingTelnetServer::bind(&addr, config)?;
    println!("listening on {}", server.local_addr());
    server.serve_forever(|conn| {
        let _ = conn.write_bytes(b"Hello, world!\r\n");
        while let Ok(bytes) = conn.read_bytes(64 * 1024, None) {
            if conn.write_bytes(&bytes).is_err() {
                break;
            }
        }
    })
}
