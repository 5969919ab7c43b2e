//! miniboa's chat_demo on a game loop: a chat room. What one client types goes to everyone
//! ("You say ..." to the speaker), "bye" leaves, "shutdown" stops the server, and clients idle
//! for 5 minutes are kicked. Function for function the Python original; its globals are the
//! `Chat` state that `poll` lends to the callbacks.
//!
//! `cargo run --example game_loop_chat [ADDR]` (default 127.0.0.1:7777). Leaves out: nicknames
//! (each client is its address), as the original does.

use std::time::Duration;

use ironboa::ServerConfig;
use ironboa::server::game::{GameClient, GameServer};

const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// miniboa's module-level `CLIENT_LIST` and `SERVER_RUN`.
struct Chat {
    client_list: Vec<GameClient>,
    server_run: bool,
}

/// Handles new connections.
fn on_connect(chat: &mut Chat, client: &GameClient) {
    eprintln!("Opened connection to {}", client.addrport());
    chat.broadcast(&format!("{} joins the conversation.\n", client.addrport()));
    chat.client_list.push(client.clone());
    client.send(&format!(
        "Welcome to the Chat Server, {}.\n",
        client.addrport()
    ));
}

/// Handles lost connections.
fn on_disconnect(chat: &mut Chat, client: &GameClient) {
    eprintln!("Lost connection to {}", client.addrport());
    chat.client_list.retain(|c| c != client);
    chat.broadcast(&format!("{} leaves the conversation.\n", client.addrport()));
}

impl Chat {
    /// Looks for idle clients and disconnects them.
    fn kick_idle(&self) {
        for client in &self.client_list {
            if client.idle() > IDLE_TIMEOUT {
                eprintln!("Kicking idle lobby client from {}", client.addrport());
                client.deactivate();
            }
        }
    }

    /// Checks each client: if `cmd_ready`, a line of input is waiting for `get_command`.
    fn process_clients(&mut self) {
        for client in self.client_list.clone() {
            if client.active() && client.cmd_ready() {
                self.chat(&client);
            }
        }
    }

    /// Sends `msg` to every client.
    fn broadcast(&self, msg: &str) {
        for client in &self.client_list {
            client.send(msg);
        }
    }

    /// Echoes whatever the client types to everyone.
    fn chat(&mut self, client: &GameClient) {
        let msg = client.get_command().unwrap_or_default();
        eprintln!("{} says '{msg}'", client.addrport());

        for guest in &self.client_list {
            if guest != client {
                guest.send(&format!("{} says '{msg}'\n", client.addrport()));
            } else {
                guest.send(&format!("You say '{msg}'\n"));
            }
        }

        match msg.to_lowercase().as_str() {
            // bye = disconnect
            "bye" => client.deactivate(),
            // shutdown = stop the server
            "shutdown" => self.server_run = false,
            _ => {}
        }
    }
}

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7777".into());

    // A telnet server with an address, a function to call with new connections and one to
    // call with lost connections.
    let mut telnet_server = GameServer::bind(&addr, ServerConfig::default())?;
    telnet_server.on_connect(on_connect);
    telnet_server.on_disconnect(on_disconnect);

    println!("listening on {}", telnet_server.local_addr());
    eprintln!(
        "Listening for connections on port {}. CTRL-C to break.",
        telnet_server.port()
    );

    let mut chat = Chat {
        client_list: Vec::new(),
        server_run: true,
    };
    // Server loop
    while chat.server_run {
        telnet_server.poll(&mut chat, Some(Duration::from_millis(50))); // send, receive, connect
        chat.kick_idle(); // check for idle clients
        chat.process_clients(); // check for client input
    }

    telnet_server.shutdown();
    eprintln!("Server shutdown.");
    Ok(())
}
