//! `ironboa-client`: a Telnet client for a person at a terminal, or for a shell pipeline;
//! the equivalent of telnetlib3-client.
//!
//! ```text
//! ironboa-client localhost 6023                  # interactive; Ctrl-] quits
//! printf 'echo hi\nexit\n' | ironboa-client host 23
//! ```

#[path = "../common/logging.rs"]
mod logging;
mod terminal;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use ironboa::client::{ClientConfig, TelnetConnection};
use ironboa::{Encoding, Error};

/// A Telnet client: interactive at a terminal, line by line in a pipeline.
#[derive(Parser, Debug)]
#[command(name = "ironboa-client", version)]
struct Args {
    /// The server's host name or address.
    host: String,
    /// The server's port.
    #[arg(default_value_t = 6023)]
    port: u16,
    /// The text encoding: utf-8, latin-1 or bytes.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// Use the encoding even if the server never negotiates BINARY.
    #[arg(long)]
    force_binary: bool,
    /// Always send each key as it is typed, whatever the server negotiates.
    #[arg(long, conflicts_with = "line_mode")]
    raw_mode: bool,
    /// Always edit lines locally, whatever the server negotiates.
    #[arg(long)]
    line_mode: bool,
    /// Seconds to wait for the connection.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    connect_timeout: f64,
    /// The terminal type to report (default: $TERM, else xterm).
    #[arg(long)]
    term: Option<String>,
    /// Pipeline mode: once standard input ends, wait this long for more output before closing,
    /// unless the server closes first.
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    eof_wait: f64,
    /// off, error, warn, info, debug, or trace (trace hex-dumps every byte each way).
    #[arg(long, default_value = "warn")]
    loglevel: String,
    /// Write the log here instead of to standard error.
    #[arg(long)]
    logfile: Option<PathBuf>,
}

/// What the user asked for about line editing.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ModeChoice {
    /// Follow the server (telnetlib3-client's rules).
    Follow,
    /// Always character at a time.
    Raw,
    /// Always local line editing.
    Line,
}

fn run(args: Args) -> Result<(), String> {
    logging::init(&args.loglevel, args.logfile.as_deref(), true)?;
    let encoding = Encoding::from_name(&args.encoding).ok_or_else(|| {
        format!(
            "unknown encoding {:?} (utf-8, latin-1, bytes)",
            args.encoding
        )
    })?;
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let term = args
        .term
        .clone()
        .or_else(|| {
            std::env::var("TERM")
                .ok()
                .filter(|t| !t.is_empty() && t != "dumb")
        })
        .unwrap_or_else(|| "xterm".to_owned());
    let mut config = ClientConfig::default()
        .connect_timeout(
            Duration::try_from_secs_f64(args.connect_timeout)
                .map_err(|_| "--connect-timeout must be seconds")?,
        )
        .encoding(encoding)
        .force_binary(args.force_binary)
        .terminal_type(&term);
    if let Some((columns, rows)) = terminal::size() {
        config = config.window_size(columns, rows);
    }
    for name in ["LANG", "USER", "COLORTERM"] {
        if let Ok(value) = std::env::var(name) {
            config = config.env(name, &value);
        }
    }
    let conn = TelnetConnection::connect((args.host.as_str(), args.port), config)
        .map_err(|e| format!("cannot connect to {}:{}: {e}", args.host, args.port))?;
    let conn = Arc::new(conn);
    if interactive {
        let choice = if args.raw_mode {
            ModeChoice::Raw
        } else if args.line_mode {
            ModeChoice::Line
        } else {
            ModeChoice::Follow
        };
        eprintln!(
            "Connected to {}:{}. Escape character is '^]'.",
            args.host, args.port
        );
        let result = terminal::interact(&conn, encoding, choice);
        eprintln!("Connection closed.");
        result
    } else {
        pipeline(
            &conn,
            encoding,
            Duration::try_from_secs_f64(args.eof_wait).unwrap_or(Duration::ZERO),
        )
    }
}

/// Standard input is not a terminal: send it line by line (each line ending in CR LF) and print
/// what comes back until the server closes, or `eof_wait` after standard input ended.
fn pipeline(
    conn: &Arc<TelnetConnection>,
    encoding: Encoding,
    eof_wait: Duration,
) -> Result<(), String> {
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let writer = Arc::clone(conn);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().split(b'\n') {
            let Ok(mut line) = line else { break };
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            line.extend_from_slice(b"\r\n");
            if writer.write_bytes(&line).is_err() {
                break;
            }
        }
        let _ = done_tx.send(());
    });
    let mut stdout = std::io::stdout();
    let mut input_done = false;
    loop {
        if !input_done && done_rx.try_recv().is_ok() {
            input_done = true;
        }
        let wait = if input_done {
            eof_wait
        } else {
            Duration::from_millis(100)
        };
        match conn.read(64 * 1024, Some(wait)) {
            Ok(text) => {
                let bytes = match encoding {
                    Encoding::Bytes => text.chars().map(|c| c as u32 as u8).collect(),
                    _ => text.into_bytes(),
                };
                stdout.write_all(&bytes).map_err(|e| e.to_string())?;
                stdout.flush().map_err(|e| e.to_string())?;
            }
            Err(Error::Timeout { .. }) if input_done => break,
            Err(Error::Timeout { .. }) => {}
            Err(Error::Closed) => break,
            Err(error) => return Err(error.to_string()),
        }
    }
    conn.close();
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ironboa-client: {message}");
            ExitCode::FAILURE
        }
    }
}
