//! telnetlib3's server_broadcast.py: `start()` and `accept()` with our own threads; each
//! client's lines go to every other client.
//!
//! `cargo run --example server_broadcast [ADDR]`.

use std::thread;
use std::time::Duration;

use ironboa::{BlockingTelnetServer, ServerConfig, ServerConnection, WaitFor};

fn handle_client(server: BlockingTelnetServer, client: ServerConnection, id: u64) {
    let _ = client.write("Type messages to broadcast (Ctrl+] to disconnect)\r\n\r\n");
    // Wait for BINARY if the client offers it, and carry on without.
    let _ = client.wait_for(
        &WaitFor::new().remote("BINARY", true),
        Some(Duration::from_secs(2)),
    );
    while let Ok(line) = client.readline(None) {
        for other in server.clients() {
            if other.addrport() != client.addrport() {
                let _ = other.send(&format!("[client {id}] {line}\n"));
            }
        }
    }
}

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let server = BlockingTelnetServer::bind(&addr, ServerConfig::default())?;
    server.start()?;
    println!("listening on {}", server.local_addr());
    for id in 1.. {
        let client = server.accept(None)?;
        println!("client {id} connected from {}", client.addrport());
        let server = server.clone();
        thread::spawn(move || handle_client(server, client, id));
    }
    Ok(())
}
