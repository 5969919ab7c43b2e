//! miniboa's chat_demo: a chat room. What one client types goes to everyone else; "who" lists
//! the room, "quit" leaves, and idle clients are dropped after 5 minutes.
//!
//! `cargo run --example miniboa_chat [ADDR]`. Leaves out: nicknames (each client is its address).

use std::time::Duration;

use ironboa::{BlockingTelnetServer, ServerConfig, ServerConnection};

fn broadcast(server: &BlockingTelnetServer, from: &ServerConnection, message: &str) {
    for client in server.clients() {
        if client.addrport() != from.addrport() {
            let _ = client.send(message);
        }
    }
}

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let config = ServerConfig::default().idle_timeout(Some(Duration::from_secs(300)));
    let server = BlockingTelnetServer::bind(&addr, config)?;
    println!("listening on {}", server.local_addr());
    let room = server.clone();
    server.serve_forever(move |client| {
        broadcast(
            &room,
            &client,
            &format!("{} joins the conversation.\n", client.addrport()),
        );
        let _ = client.send("You have connected to the chat server. Type 'quit' to leave.\n");
        while let Ok(line) = client.readline(None) {
            match line.trim() {
                "" => {}
                "quit" => break,
                "who" => {
                    for other in room.clients() {
                        let _ = client.send(&format!("  {}\n", other.addrport()));
                    }
                }
                text => broadcast(
                    &room,
                    &client,
                    &format!("{} says, {text}\n", client.addrport()),
                ),
            }
        }
        broadcast(
            &room,
            &client,
            &format!("{} leaves the conversation.\n", client.addrport()),
        );
    })
}
