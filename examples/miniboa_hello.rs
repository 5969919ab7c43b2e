//! miniboa's hello_demo: as short as it gets. Greets each client with a canned welcome.
//!
//! `cargo run --example miniboa_hello [ADDR]` (default 127.0.0.1:6023), then `telnet localhost 6023`.
//! Leaves out: everything but the greeting; see miniboa_chat for a fuller server.

use ironboa::{BlockingTelnetServer, ServerConfig};

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let server = BlockingTelnetServer::bind(&addr, ServerConfig::default())?;
    println!("listening on {}", server.local_addr());
    server.serve_forever(|client| {
        let _ = client.send("Hello, my friend. Stay awhile and listen.\n");
        // miniboa keeps the client connected until it leaves; so do we.
        while client.readline(None).is_ok() {}
    })
}
