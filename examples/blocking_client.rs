//! telnetlib3's blocking_client.py: connect, print the greeting, then send each line you type
//! and print the reply.
//!
//! `cargo run --example blocking_client [HOST] [PORT]` (default localhost 6023). Try it against
//! `cargo run --example blocking_echo_server`. Leaves out: terminal handling (character mode,
//! window size updates); `ironboa-client` is the full terminal client.

use std::io::{BufRead, Write};
use std::time::Duration;

use ironboa::Error;
use ironboa::client::{ClientConfig, TelnetConnection};

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "localhost".into());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(6023);
    println!("Connecting to {host}:{port}...");
    let conn = TelnetConnection::connect((host.as_str(), port), ClientConfig::default())?;
    println!("Connected to {host}:{port}");

    let print_reply = |timeout| match conn.read(64 * 1024, Some(timeout)) {
        Ok(text) => {
            print!("{text}");
            std::io::stdout().flush().ok();
            Ok(())
        }
        Err(Error::Timeout { .. }) => Ok(()),
        Err(error) => Err(error),
    };
    print_reply(Duration::from_secs(2))?;
    for line in std::io::stdin().lock().lines() {
        conn.send(&format!("{}\n", line?))?;
        print_reply(Duration::from_secs(5))?;
    }
    Ok(())
}
