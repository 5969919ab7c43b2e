//! miniboa's hello_demo on a game loop: as short as it gets. Greets each visitor with a
//! canned welcome and does nothing else.
//!
//! `cargo run --example game_loop_hello [ADDR]` (default 127.0.0.1:7777, miniboa's port), then
//! `telnet localhost 7777`. Leaves out: everything but the greeting (miniboa's placeholder
//! `on_connect`, which ironboa does not install for you); see game_loop_chat for more.

use std::time::Duration;

use ironboa::ServerConfig;
use ironboa::server::game::GameServer;

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7777".into());
    let mut server = GameServer::bind(&addr, ServerConfig::default())?;
    server.on_connect(|_, client| client.send("Hello, my friend. Stay awhile and listen.\n"));
    println!("listening on {}", server.local_addr());
    loop {
        server.poll(&mut (), Some(Duration::from_millis(50)));
    }
}
