//! miniboa's handler_demo: custom on_connect and on_disconnect functions, and the client's
//! miniboa properties.
//!
//! `cargo run --example miniboa_handler [ADDR]`. Leaves out: input handling beyond "quit".

use ironboa::{BlockingTelnetServer, ServerConfig, ServerConnection};

fn on_connect(client: &ServerConnection) {
    println!(
        "++ opened connection to {} ({} {}x{})",
        client.addrport(),
        client.terminal_type(),
        client.columns(),
        client.rows()
    );
    let _ = client.send("Hello, my friend. Type 'quit' to leave.\n");
}

fn on_disconnect(client: &ServerConnection) {
    println!(
        "-- lost connection to {} after {:.1?}, {} bytes in, {} out",
        client.addrport(),
        client.duration(),
        client.bytes_received(),
        client.bytes_sent()
    );
}

fn main() -> Result<(), ironboa::Error> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:6023".into());
    let server = BlockingTelnetServer::bind(&addr, ServerConfig::default())?;
    println!("listening on {}", server.local_addr());
    server.serve_forever(|client| {
        on_connect(&client);
        while let Ok(line) = client.readline(None) {
            if line.trim() == "quit" {
                break;
            }
        }
        on_disconnect(&client);
    })
}
