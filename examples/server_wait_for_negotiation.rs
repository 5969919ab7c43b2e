//! telnetlib3's server_wait_for_negotiation.py: waits for NAWS, TTYPE and BINARY before going on.
//!
//! `cargo run --example server_wait_for_negotiation [ADDR]`.
//!
//! telnetlib3's example waits for `local={"NAWS", "BINARY"}`; seen from the server the client
//! *reports* NAWS, so here NAWS is a remote option (the client's side), as RFC 1073 has it.

use std::time::Duration;

use ironboa::{BlockingTelnetServer, ServerConfig, WaitFor};

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let server = BlockingTelnetServer::bind(&addr, ServerConfig::default())?;
    println!("listening on {}", server.local_addr());
    server.serve_forever(|conn| {
        let _ = conn.write("\r\nWaiting for terminal negotiation...\r\n");
        let wanted = WaitFor::new()
            .remote("NAWS", true)
            .local("BINARY", true)
            .remote("BINARY", true)
            .pending("TTYPE", false);
        match conn.wait_for(&wanted, Some(Duration::from_millis(1500))) {
            Ok(()) => {
                let info = |name| conn.get_extra_info(name).unwrap_or_default();
                let _ = conn.write(&format!(
                    "Window size: {}x{}\r\n",
                    info("cols"),
                    info("rows")
                ));
                let _ = conn.write(&format!("Terminal type: {}\r\n", info("TERM")));
                let _ = conn.write("Binary mode enabled (bidirectional)\r\n");
            }
            Err(_) => {
                let _ = conn.write("Negotiation timed out\r\n");
            }
        }
        let _ = conn.write("\r\nNegotiation complete. Goodbye!\r\n");
        conn.close();
    })
}
