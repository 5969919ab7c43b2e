//! telnetlib3's blocking_echo_server.py: a threaded echo server with a 5-minute read timeout.
//!
//! `cargo run --example blocking_echo_server [ADDR]`.

use std::time::Duration;

use ironboa::{BlockingTelnetServer, Error, ServerConfig};

fn main() -> Result<(), Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let server = BlockingTelnetServer::bind(&addr, ServerConfig::default())?;
    println!("listening on {}", server.local_addr());
    server.serve_forever(|conn| {
        let _ = conn.write("Welcome! Type messages and I'll echo them back.\r\n");
        let _ = conn.write("Type 'quit' to disconnect.\r\n\r\n");
        loop {
            match conn.readline(Some(Duration::from_secs(300))) {
                Ok(line) if line.trim().eq_ignore_ascii_case("quit") => {
                    let _ = conn.write("Goodbye!\r\n");
                    break;
                }
                Ok(line) => {
                    if conn.write(&format!("Echo: {}\r\n", line.trim())).is_err() {
                        break;
                    }
                }
                Err(Error::Timeout { .. }) => {
                    let _ = conn.write("\r\nTimeout - disconnecting.\r\n");
                    break;
                }
                Err(_) => break, // the client left
            }
        }
        conn.close();
    })
}
