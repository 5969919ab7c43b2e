//! The built-in shells of `ironboa-server --shell NAME`.

use ironboa::{BlockingTelnetServer, Error, ServerConnection};

/// `default`: greets with what was learned about the terminal, then echoes lines.
pub fn default(conn: ServerConnection) {
    let greeting = format!(
        "Welcome to ironboa, {}!\nYour terminal is {} with {} columns and {} rows.\n\
         Type a line and it comes back; 'quit' leaves.\n",
        conn.addrport(),
        conn.terminal_type(),
        conn.columns(),
        conn.rows()
    );
    if conn.send(&greeting).is_err() {
        return;
    }
    loop {
        if conn.send("> ").is_err() {
            return;
        }
        match conn.readline(None) {
            Ok(line) if line.trim() == "quit" => {
                let _ = conn.send("Goodbye!\n");
                return;
            }
            Ok(line) => {
                if conn.send(&format!("{line}\n")).is_err() {
                    return;
                }
            }
            Err(Error::LimitExceeded { max, .. }) => {
                let _ = conn.send(&format!("That line was longer than {max} bytes.\n"));
            }
            Err(_) => return,
        }
    }
}

/// `echo`: writes back every byte it reads, unchanged.
pub fn echo(conn: ServerConnection) {
    while let Ok(bytes) = conn.read_bytes(64 * 1024, None) {
        if conn.write_bytes(&bytes).is_err() {
            return;
        }
    }
}

/// `chat`: what one connection types goes to all the others.
pub fn chat(server: &BlockingTelnetServer, conn: ServerConnection) {
    let name = conn.addrport();
    let say = |text: &str| {
        for other in server.clients() {
            if other.addrport() != name {
                let _ = other.send(text);
            }
        }
    };
    let _ = conn.send("Welcome to the chat. Type to talk; 'quit' leaves.\n");
    say(&format!("* {name} joins\n"));
    while let Ok(line) = conn.readline(None) {
        match line.trim() {
            "quit" => break,
            "" => {}
            text => say(&format!("<{name}> {text}\n")),
        }
    }
    say(&format!("* {name} leaves\n"));
}

/// `wargame`: telnetlib3's demo.
pub fn wargame(conn: ServerConnection) {
    let _ = conn.write("\r\nWould you like to play a game? ");
    if let Ok(answer) = conn.read(1, None) {
        let _ = conn.write(&answer);
        let _ = conn.write("\r\nThey say the only way to win is to not play at all.\r\n");
    }
}
