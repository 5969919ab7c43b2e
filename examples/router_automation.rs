//! A router-automation script, the way people drove switches with Python's telnetlib: log in,
//! run a command, collect its output with `expect`, log out.
//!
//! It starts its own simulated device (an ironboa server with a login prompt, a password
//! prompt in password mode, and a `show version` command) so it runs anywhere:
//! `cargo run --example router_automation`. Point `device_addr` at a real device instead and
//! keep the script.
//!
//! Leaves out: retries and paging (`--More--`); both are one more `expect` pattern.

use std::time::Duration;

use ironboa::client::{ClientConfig, Telnet};
use ironboa::{BlockingTelnetServer, Error, ServerConfig, ServerConnection};

const TIMEOUT: Option<Duration> = Some(Duration::from_secs(10));

/// The simulated device: `admin` / `cisco`, a `router#` prompt.
fn device(conn: ServerConnection) {
    let t = Some(Duration::from_secs(60));
    let _ = conn.send("\nUser Access Verification\n\nUsername: ");
    let Ok(user) = conn.readline(t) else { return };
    let _ = conn.send("Password: ");
    let _ = conn.password_mode_on();
    let Ok(password) = conn.readline(t) else {
        return;
    };
    let _ = conn.password_mode_off();
    if (user.as_str(), password.as_str()) != ("admin", "cisco") {
        let _ = conn.send("\n% Login invalid\n");
        return;
    }
    loop {
        let _ = conn.send("\nrouter#");
        let Ok(command) = conn.readline(t) else {
            return;
        };
        match command.trim() {
            "show version" => {
                let _ = conn.send(
                    "\nSimulated IOS Software, Version 15.2(4)M7\nrouter uptime is 4 weeks, 2 days\n\
                     Processor board ID FTX1234ABCD\n",
                );
            }
            "exit" | "logout" => return,
            "" => {}
            other => {
                let _ = conn.send(&format!("\n% Invalid input detected: {other}\n"));
            }
        }
    }
}

fn main() -> Result<(), Error> {
    let simulator = BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default())?;
    simulator.serve_in_background(device)?;
    let device_addr = simulator.local_addr();

    // --- the script, as it would be written against a real router ---
    let tn = Telnet::open(device_addr, ClientConfig::default().terminal_type("vt100"))?;
    tn.read_until(b"Username: ", TIMEOUT)?;
    tn.write(b"admin\r\n")?;
    tn.read_until(b"Password: ", TIMEOUT)?;
    tn.write(b"cisco\r\n")?;
    let login = tn.expect(&[r"router#$", r"% Login invalid"], TIMEOUT)?;
    if login.index != Some(0) {
        eprintln!("login failed: {}", String::from_utf8_lossy(&login.data));
        std::process::exit(1);
    }
    tn.write(b"show version\r\n")?;
    let version = tn.expect(&[r"Version (\S+)", r"% Invalid"], TIMEOUT)?;
    let output = tn.read_until(b"router#", TIMEOUT)?;
    match version.group(1) {
        Some(v) => println!("software version: {}", String::from_utf8_lossy(v)),
        None => println!("no version in: {}", String::from_utf8_lossy(&version.data)),
    }
    print!("{}", String::from_utf8_lossy(&output));
    tn.write(b"exit\r\n")?;
    tn.read_all()?; // until the device hangs up
    println!("\nlogged out");
    // --- end of the script ---

    simulator.shutdown();
    Ok(())
}
