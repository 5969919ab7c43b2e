//! `--pty-exec`: each connection runs a program on its own pseudo-terminal.
//!
//! The program is exactly the one given, with exactly the arguments given: nothing the peer
//! sends is ever part of a command line. From the peer only the terminal type, the window size
//! (and its updates) and a few locale variables reach the program's environment.

use std::io::{Read, Write};
use std::time::Duration;

use ironboa::{Error, ServerConnection};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// The environment variables a client may set for the program (NEW_ENVIRON). Anything else it
/// reports (LD_PRELOAD, PATH, ...) is ignored.
const PASSED_ENVIRONMENT: &[&str] = &["LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "COLORTERM"];

/// What to run.
#[derive(Clone, Debug)]
pub struct Program {
    pub path: String,
    pub args: Vec<String>,
    /// The client edits lines itself (`--line-mode`): the program's terminal does the echo.
    pub line_mode: bool,
}

fn size_of(conn: &ServerConnection) -> PtySize {
    PtySize {
        rows: conn.rows(),
        cols: conn.columns(),
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// Runs `program` for `conn` until either ends.
pub fn run(program: &Program, conn: ServerConnection) {
    if let Err(error) = serve(program, &conn) {
        log::warn!("{}: --pty-exec {}: {error}", conn.addrport(), program.path);
        let _ = conn.send(&format!("\ncannot start {}: {error}\n", program.path));
    }
}

fn serve(program: &Program, conn: &ServerConnection) -> Result<(), Box<dyn std::error::Error>> {
    let pty = native_pty_system().openpty(size_of(conn))?;
    let mut command = CommandBuilder::new(&program.path);
    command.args(&program.args);
    command.env("TERM", terminfo_name(&conn.terminal_type()));
    command.env("COLUMNS", conn.columns().to_string());
    command.env("LINES", conn.rows().to_string());
    for name in PASSED_ENVIRONMENT {
        if let Some(value) = conn.get_extra_info(name) {
            if value.chars().all(|c| !c.is_control()) {
                command.env(name, value);
            }
        }
    }
    if let Ok(dir) = std::env::current_dir() {
        command.cwd(dir);
    }
    let mut child = pty.slave.spawn_command(command)?;
    drop(pty.slave);
    log::info!(
        "{}: started {} (pid {:?})",
        conn.addrport(),
        program.path,
        child.process_id()
    );
    if program.line_mode {
        // The program's terminal echoes; the client must not.
        conn.request_will_echo()?;
    }

    // The program's output goes to the client as it comes.
    let mut reader = pty.master.try_clone_reader()?;
    let output_conn = conn.clone();
    let output = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if output_conn.write_bytes(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            // The program is gone: end the connection, which wakes the input loop.
            output_conn.deactivate();
        })?;

    let mut writer = pty.master.take_writer()?;
    let mut size = size_of(conn);
    let mut after_cr = false;
    let master = pty.master;
    loop {
        match conn.read_bytes(8192, Some(Duration::from_millis(200))) {
            Ok(bytes) => {
                let input = enter_as_cr(&bytes, &mut after_cr);
                if writer
                    .write_all(&input)
                    .and_then(|_| writer.flush())
                    .is_err()
                {
                    break;
                }
            }
            Err(Error::Timeout { .. }) => {}
            Err(_) => break,
        }
        let now = size_of(conn);
        if (now.rows, now.cols) != (size.rows, size.cols) {
            log::debug!("{}: window now {}x{}", conn.addrport(), now.cols, now.rows);
            master.resize(now)?;
            size = now;
        }
        if let Ok(Some(status)) = child.try_wait() {
            log::info!("{}: {} exited: {status:?}", conn.addrport(), program.path);
            break;
        }
    }
    if child.try_wait()?.is_none() {
        let _ = child.kill();
    }
    let _ = child.wait();
    drop(writer);
    let _ = output.join();
    Ok(())
}

/// The TERM to give the program. Terminal types are case-insensitive (RFC 1091) and some
/// clients report them upper-cased, after RFC 1010's list (Debian's telnet sends "XTERM"), but
/// terminfo's names are lower-case: an all-upper-case type is lowered ("XTERM" becomes
/// "xterm"), anything else ("Eterm", "xterm-256color") is kept.
fn terminfo_name(terminal_type: &str) -> String {
    if terminal_type.chars().any(|c| c.is_ascii_lowercase()) {
        terminal_type.to_owned()
    } else {
        terminal_type.to_ascii_lowercase()
    }
}

/// A telnet client's Enter is CR LF or CR NUL (the engine already made CR NUL a bare CR); a
/// terminal's Enter is one CR. Drops the LF (or NUL) right after a CR, across reads too, so one
/// line never runs as two commands.
fn enter_as_cr(bytes: &[u8], after_cr: &mut bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &byte in bytes {
        if *after_cr && (byte == b'\n' || byte == 0) {
            *after_cr = false;
            continue;
        }
        *after_cr = byte == b'\r';
        out.push(byte);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::enter_as_cr;

    #[test]
    fn terminal_types_become_terminfo_names() {
        assert_eq!(super::terminfo_name("XTERM"), "xterm");
        assert_eq!(super::terminfo_name("VT100"), "vt100");
        assert_eq!(super::terminfo_name("xterm-256color"), "xterm-256color");
        assert_eq!(super::terminfo_name("Eterm"), "Eterm");
    }

    #[test]
    fn enter_is_one_cr() {
        let mut after_cr = false;
        assert_eq!(enter_as_cr(b"ls\r\n", &mut after_cr), b"ls\r");
        assert_eq!(enter_as_cr(b"a\r", &mut after_cr), b"a\r");
        assert_eq!(enter_as_cr(b"\nb\r\0c\n", &mut after_cr), b"b\rc\n");
    }
}
