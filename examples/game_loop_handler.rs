//! miniboa's handler_demo on a game loop: custom on_connect and on_disconnect functions that
//! keep the game's list of clients, with no locks and no globals (the list is the game state
//! `poll` lends to the callbacks).
//!
//! `cargo run --example game_loop_handler [ADDR]` (default 127.0.0.1:7777). Leaves out: input
//! (lines wait unread, as in the original; see game_loop_chat).

use std::time::Duration;

use ironboa::ServerConfig;
use ironboa::server::game::{GameClient, GameServer};

/// The game's state: miniboa's module-level `CLIENTS`.
#[derive(Default)]
struct Clients(Vec<GameClient>);

fn my_on_connect(clients: &mut Clients, client: &GameClient) {
    client.send(&format!("You connected from {}\n", client.addrport()));
    if clients.0.is_empty() {
        client.send("Sadly, you are alone.\n");
    } else {
        client.send("Also connected are:\n");
        for neighbor in &clients.0 {
            client.send(&format!("{}\n", neighbor.addrport()));
        }
    }
    clients.0.push(client.clone());
}

fn my_on_disconnect(clients: &mut Clients, client: &GameClient) {
    clients.0.retain(|c| c != client);
}

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7777".into());
    let mut server = GameServer::bind(&addr, ServerConfig::default())?;
    server.on_connect(my_on_connect);
    server.on_disconnect(my_on_disconnect);

    println!("listening on {}", server.local_addr());
    eprintln!(
        "Starting server on port {}. CTRL-C to interrupt.",
        server.port()
    );
    let mut clients = Clients::default();
    loop {
        server.poll(&mut clients, Some(Duration::from_millis(50)));
    }
}
