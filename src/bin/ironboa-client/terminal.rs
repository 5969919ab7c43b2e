//! The interactive client: the terminal in raw mode, local line editing while the server lets
//! us echo, NAWS on resize, Ctrl-] to quit, and the terminal restored on every exit path.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ironboa::client::TelnetConnection;
use ironboa::{Command, Encoding, Error, TelnetOption};
use signal_hook::consts::{SIGHUP, SIGTERM, SIGWINCH};

use crate::ModeChoice;

const ESCAPE: u8 = 0x1d; // Ctrl-]

/// The terminal's size, if standard output is one.
pub fn size() -> Option<(u16, u16)> {
    crossterm::terminal::size()
        .ok()
        .filter(|(c, r)| *c > 0 && *r > 0)
}

/// Raw mode for as long as it lives; dropping it (on return, `?`, or a panic's unwinding)
/// restores the terminal.
struct RawMode;

impl RawMode {
    fn enable() -> Result<RawMode, String> {
        crossterm::terminal::enable_raw_mode()
            .map_err(|e| format!("cannot set up the terminal: {e}"))?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// How keys are handled right now, after telnetlib3-client's rules.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum KeyMode {
    /// We edit a line and echo it; the line goes out on Enter.
    Line,
    /// Each key goes out as typed, and we echo it (SGA without ECHO: kludge mode).
    CharacterLocalEcho,
    /// Each key goes out as typed; the server echoes (ECHO, with or without SGA).
    Character,
}

fn key_mode(conn: &TelnetConnection, choice: ModeChoice) -> KeyMode {
    let echo = conn.remote_enabled(TelnetOption::ECHO);
    let sga = conn.remote_enabled(TelnetOption::SGA);
    match choice {
        ModeChoice::Line => KeyMode::Line,
        ModeChoice::Raw if echo => KeyMode::Character,
        ModeChoice::Raw => KeyMode::CharacterLocalEcho,
        ModeChoice::Follow => match (echo, sga) {
            (true, _) => KeyMode::Character,
            (false, true) => KeyMode::CharacterLocalEcho,
            (false, false) => KeyMode::Line,
        },
    }
}

/// Runs the session until either side ends it. The terminal is restored before this returns.
pub fn interact(
    conn: &Arc<TelnetConnection>,
    encoding: Encoding,
    choice: ModeChoice,
) -> Result<(), String> {
    let _raw = RawMode::enable()?;
    let quit = Arc::new(AtomicBool::new(false));

    // Window changes become NAWS; SIGTERM and SIGHUP end the session (restoring the terminal).
    let mut signals = signal_hook::iterator::Signals::new([SIGWINCH, SIGTERM, SIGHUP])
        .map_err(|e| e.to_string())?;
    let signal_conn = Arc::clone(conn);
    let signal_quit = Arc::clone(&quit);
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if signal == SIGWINCH {
                if let Some((columns, rows)) = size() {
                    let _ = signal_conn.set_window_size(columns, rows);
                }
            } else {
                signal_quit.store(true, Ordering::Release);
                signal_conn.close();
                break;
            }
        }
    });

    // Keys: read raw from standard input, handled by the current mode.
    let key_conn = Arc::clone(conn);
    let key_quit = Arc::clone(&quit);
    std::thread::spawn(move || {
        let mut line: Vec<u8> = Vec::new();
        let mut stdin = std::io::stdin();
        let mut stdout = std::io::stdout();
        let mut buf = [0u8; 1024];
        'keys: while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 {
                break;
            }
            for &key in &buf[..n] {
                if key == ESCAPE {
                    break 'keys;
                }
                let mode = key_mode(&key_conn, choice);
                let mut echo: Vec<u8> = Vec::new();
                let sent = match mode {
                    KeyMode::Character | KeyMode::CharacterLocalEcho => {
                        if mode == KeyMode::CharacterLocalEcho {
                            echo.extend_from_slice(if key == b'\r' {
                                b"\r\n"
                            } else {
                                std::slice::from_ref(&key)
                            });
                        }
                        // A bare CR goes out as CR NUL outside BINARY: the Enter key of RFC 854.
                        key_conn.write_bytes(&[key])
                    }
                    KeyMode::Line => match key {
                        b'\r' | b'\n' => {
                            echo.extend_from_slice(b"\r\n");
                            line.extend_from_slice(b"\r\n");
                            let result = key_conn.write_bytes(&line);
                            line.clear();
                            result
                        }
                        0x7f | 0x08 => {
                            if let Some(start) = last_char_start(&line) {
                                line.truncate(start);
                                echo.extend_from_slice(b"\x08 \x08");
                            }
                            Ok(())
                        }
                        0x15 => {
                            let chars = line.iter().filter(|&&b| b & 0xc0 != 0x80).count();
                            for _ in 0..chars {
                                echo.extend_from_slice(b"\x08 \x08");
                            }
                            line.clear();
                            Ok(())
                        }
                        0x03 => key_conn
                            .with_engine(|e| e.send_command(Command::InterruptProcess))
                            .and_then(|r| r),
                        _ => {
                            line.push(key);
                            echo.push(key);
                            Ok(())
                        }
                    },
                };
                if !echo.is_empty() {
                    let _ = stdout.write_all(&echo).and_then(|_| stdout.flush());
                }
                if sent.is_err() {
                    break 'keys;
                }
            }
        }
        key_quit.store(true, Ordering::Release);
        key_conn.close();
    });

    // Output: whatever the server sends, to the terminal.
    let mut stdout = std::io::stdout();
    loop {
        match conn.read_bytes(64 * 1024, None) {
            Ok(data) if data.is_empty() => break,
            Ok(data) => {
                let bytes = match encoding {
                    Encoding::Latin1 => data
                        .iter()
                        .map(|&b| char::from(b))
                        .collect::<String>()
                        .into_bytes(),
                    _ => data,
                };
                if stdout
                    .write_all(&bytes)
                    .and_then(|_| stdout.flush())
                    .is_err()
                {
                    break;
                }
            }
            Err(Error::Closed) => break,
            Err(error) => {
                if quit.load(Ordering::Acquire) {
                    break;
                }
                return Err(error.to_string());
            }
        }
    }
    let _ = stdout.write_all(b"\r\n");
    Ok(())
}

/// Where the last UTF-8 character of `bytes` starts.
fn last_char_start(bytes: &[u8]) -> Option<usize> {
    let mut i = bytes.len().checked_sub(1)?;
    while i > 0 && bytes[i] & 0xc0 == 0x80 {
        i -= 1;
    }
    Some(i)
}
