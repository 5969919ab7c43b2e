//! telnetlib3's server_wargame.py: asks a question, reads one character, and answers.
//!
//! `cargo run --example server_wargame [ADDR]`; `cargo run --example client_wargame` plays it.

use ironboa::{BlockingTelnetServer, ServerConfig};

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let server = BlockingTelnetServer::bind(&addr, ServerConfig::default())?;
    println!("listening on {}", server.local_addr());
    server.serve_forever(|conn| {
        let _ = conn.write("\r\nWould you like to play a game? ");
        if let Ok(answer) = conn.read(1, None) {
            let _ = conn.write(&answer); // telnetlib3's writer.echo()
            let _ = conn.write("\r\nThey say the only way to win is to not play at all.\r\n");
        }
        conn.close();
    })
}
