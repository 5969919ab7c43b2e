//! telnetlib3's client_wargame.py: connects and answers "y" to every question the server asks,
//! printing everything it receives.
//!
//! `cargo run --example client_wargame [HOST] [PORT]`, against `cargo run --example server_wargame`.

use ironboa::client::{ClientConfig, TelnetConnection};

fn main() -> Result<(), ironboa::Error> {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "localhost".into());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(6023);
    let conn = TelnetConnection::connect((host.as_str(), port), ClientConfig::default())?;
    loop {
        let output = match conn.read(1024, None) {
            Ok(text) => text,
            Err(ironboa::Error::Closed) => break,
            Err(error) => return Err(error),
        };
        if output.contains('?') {
            conn.write("y\r\n")?;
        }
        print!("{output}");
    }
    println!();
    Ok(())
}
