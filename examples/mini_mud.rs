//! A mini-MUD: four rooms, look, the directions, say, who and quit, with the MUD protocols a
//! client such as TinTin++ or Mudlet expects: GMCP `Room.Info` and `Char.Vitals`, MSDP
//! `ROOM` and `HEALTH` for the variables the client asks to have reported, MSSP for MUD
//! crawlers, and prompts ended with IAC EOR (or IAC GA). The game itself is
//! `ironboa::mud::mini::MiniMud`; `ironboa-server --shell mud` runs the same.
//!
//! ```sh
//! cargo run --example mini_mud --features mud -- 127.0.0.1:4000
//! tt++ -e '#session mud 127.0.0.1 4000'
//! ```
//!
//! Left out: accounts, saving, combat, colour.

use ironboa::mud::mini::MiniMud;
use ironboa::{BlockingTelnetServer, ServerConfig};

fn main() -> ironboa::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4000".to_owned());
    let mud = MiniMud::new();
    // MiniMud::config offers WILL EOR, GMCP and MSDP and answers DO MSSP.
    let server = BlockingTelnetServer::bind(&addr, mud.config(ServerConfig::default()))?;
    println!("listening on {}", server.local_addr());
    server.serve_forever(mud.handler())
}
