//! `ironboa-client`: a Telnet client for a person at a terminal, or for a shell pipeline;
//! the equivalent of telnetlib3-client, with Debian telnet's keys.
//!
//! ```text
//! ironboa-client localhost 6023                  # interactive; Ctrl-] opens the telnet> prompt
//! ironboa-client -e '^X' localhost 6023          # Ctrl-X instead
//! printf 'echo hi\nexit\n' | ironboa-client host 23
//! ```
//!
//! At a terminal, keys are sent a line at a time (edited here) unless the server suppresses
//! go-ahead, and then one at a time, as Debian telnet does (see `keys.rs`). The escape
//! character opens a `telnet>` prompt with `send ip|brk|ayt|ao|eof|susp|escape`, `status`,
//! `mode line|character|auto`, `toggle echo`, `set escape`, `close`/`quit` and `help`.
//!
//! Exit status: 0 when the server or the user closed the connection; 128 + the signal after
//! SIGTERM, SIGINT or SIGHUP, and 129 when the terminal went away; 1 for an error.

#[path = "../common/logging.rs"]
mod logging;

mod command;
mod decode;
mod keys;
mod retro;
mod terminal;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use ironboa::client::{ClientConfig, TelnetConnection};
use ironboa::{Encoding, EncodingErrors, Error};

use decode::{OutputDecoder, encode_input};

/// A Telnet client: interactive at a terminal, line by line in a pipeline.
#[derive(Parser, Debug)]
#[command(name = "ironboa-client", version)]
struct Args {
    /// The server's host name or address.
    host: String,
    /// The server's port.
    #[arg(default_value_t = 6023)]
    port: u16,
    /// The text encoding: utf-8 (the default), latin-1, bytes, or any code page by name
    /// (cp437, cp850, koi8-r, windows-1251, shift_jis, big5, gbk, euc-kr, iso-8859-5, ...).
    /// Output is shown, and keys are sent, in it. Without it, the first character set the
    /// server offers in CHARSET that is known here is accepted and used.
    #[arg(long)]
    encoding: Option<String>,
    /// What to do with bytes that do not decode (and characters that do not encode): replace
    /// (U+FFFD, `?`), ignore (leave out), or strict (an error; the session shows the bytes as
    /// U+FFFD in a terminal, and a pipeline ends with the error).
    #[arg(long, default_value = "replace", value_name = "replace|ignore|strict")]
    encoding_errors: String,
    /// With a retro encoding (atascii, petscii, atarist), send the terminal's ANSI sequences
    /// for the arrow and function keys instead of the encoding's own control codes.
    #[arg(long)]
    ansi_keys: bool,
    /// With a retro encoding, send Enter as CR rather than the encoding's end of line (ATASCII
    /// 0x9b), and show ATASCII's CR and LF glyphs as line breaks.
    #[arg(long)]
    ascii_eol: bool,
    /// Use the encoding even if the server never negotiates BINARY.
    #[arg(long)]
    force_binary: bool,
    /// MCCP compression, as telnetlib3's flag: ask the server for MCCP2 (it compresses what it
    /// sends) and MCCP3 (we compress what we send); neither flag agrees when the server offers.
    #[arg(long, conflicts_with = "no_compression")]
    compression: bool,
    /// Refuse MCCP2 and MCCP3 compression.
    #[arg(long)]
    no_compression: bool,
    /// Always send each key as it is typed (asks the server to echo and suppress go-ahead).
    #[arg(long, conflicts_with = "line_mode")]
    raw_mode: bool,
    /// Always edit lines locally (asks the server to stop echoing and suppressing go-ahead).
    #[arg(long)]
    line_mode: bool,
    /// The escape character, which opens the telnet> prompt: ^X notation, one character, or
    /// none.
    #[arg(short = 'e', long, default_value = "^]", value_name = "CHAR")]
    escape: String,
    /// Seconds to wait for the connection.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    connect_timeout: f64,
    /// The terminal type to report (default: $TERM, else xterm).
    #[arg(long)]
    term: Option<String>,
    /// Pipeline mode: once standard input ends, wait this long for more output before closing,
    /// unless the server closes first (inf: until it does).
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    eof_wait: f64,
    /// off, error, warn, info, debug, or trace (trace hex-dumps every byte each way).
    #[arg(long, default_value = "warn")]
    loglevel: String,
    /// Write the log here instead of to standard error.
    #[arg(long)]
    logfile: Option<PathBuf>,
    /// Connect with Telnet over TLS (TELNETS), verifying the server against the system's CA
    /// store.
    #[arg(long)]
    ssl: bool,
    /// Trust only this CA, or the server's self-signed certificate (PEM); implies --ssl.
    #[arg(long, value_name = "PATH")]
    ssl_cafile: Option<PathBuf>,
    /// Encrypt without verifying the server's certificate; implies --ssl. Anyone on the path
    /// can intercept such a connection.
    #[arg(long, conflicts_with = "ssl_cafile")]
    ssl_no_verify: bool,
    /// Record the session to FILE in asciicast v2 (`asciinema cat FILE` shows it;
    /// `ironboa-server --replay FILE` plays the server's side back). Passwords are withheld.
    #[arg(long, value_name = "FILE")]
    typescript: Option<PathBuf>,
    /// The GMCP modules to ask for, comma-separated (e.g. "Char 1,Room 1"): sent with
    /// Core.Supports.Set after Core.Hello once the server's GMCP is on (as telnetlib3's
    /// client; GMCP is accepted either way). Messages received are logged at --loglevel debug.
    #[arg(long, value_name = "MODULES")]
    gmcp_modules: Option<String>,
    /// Always send DO for these options (comma-separated names or numbers, e.g. MSDP,MSSP),
    /// and accept them when the server offers: what the server sends with them is logged at
    /// --loglevel debug.
    #[arg(long, value_name = "OPT", value_delimiter = ',')]
    always_do: Vec<String>,
}

/// telnetlib3's client's GMCP modules, sent when --gmcp-modules is not given.
const DEFAULT_GMCP_MODULES: &[&str] = &[
    "char 1",
    "char.vitals 1",
    "char.items 1",
    "room 1",
    "room.info 1",
    "comm 1",
    "comm.channel 1",
    "group 1",
];

/// What the user asked for about line editing.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ModeChoice {
    /// Follow the server (Debian telnet's rules).
    Follow,
    /// Always character at a time.
    Raw,
    /// Always local line editing.
    Line,
}

/// The longest wait the client computes a deadline for (about 31 years); anything longer is
/// "for ever". `Instant::now() + Duration` panics on overflow, so no deadline may come near it.
const FOREVER_SECONDS: f64 = 1e9;

/// A number of seconds from the command line: `None` for "for ever" (infinity, or anything
/// longer than [`FOREVER_SECONDS`]).
fn seconds(option: &str, value: f64) -> Result<Option<Duration>, String> {
    if value.is_nan() || value < 0.0 {
        return Err(format!(
            "--{option} must be a number of seconds, not {value}"
        ));
    }
    if value >= FOREVER_SECONDS {
        return Ok(None);
    }
    Ok(Some(Duration::from_secs_f64(value)))
}

fn run(args: Args) -> Result<u8, String> {
    logging::init(&args.loglevel, args.logfile.as_deref(), true)?;
    let chosen = match &args.encoding {
        Some(name) => Some(
            name.parse::<Encoding>()
                .map_err(|e| format!("--encoding: {e}"))?,
        ),
        None => None,
    };
    let encoding = chosen.unwrap_or_default();
    let retro_options = retro::RetroOptions {
        ansi_keys: args.ansi_keys,
        ascii_eol: args.ascii_eol,
    };
    let errors: EncodingErrors = args
        .encoding_errors
        .parse()
        .map_err(|e| format!("--encoding-errors: {e}"))?;
    let escape = command::parse_escape(&args.escape).map_err(|e| format!("--escape: {e}"))?;
    let connect_timeout = seconds("connect-timeout", args.connect_timeout)?
        .unwrap_or(Duration::from_secs_f64(FOREVER_SECONDS));
    let eof_wait = seconds("eof-wait", args.eof_wait)?;
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
        .connect_timeout(connect_timeout)
        .encoding_errors(errors)
        .force_binary(args.force_binary)
        .terminal_type(&term)
        .compression(if args.compression {
            ironboa::compress::Compression::Offer
        } else if args.no_compression {
            ironboa::compress::Compression::Refuse
        } else {
            ironboa::compress::Compression::Accept
        });
    if let Some(encoding) = chosen {
        config = config.encoding(encoding);
    }
    if let Some((columns, rows)) = terminal::size() {
        config = config.window_size(columns, rows);
    }
    for name in ["LANG", "USER", "COLORTERM"] {
        if let Ok(value) = std::env::var(name) {
            if name == "LANG" && chosen.is_some() {
                continue;
            }
            config = config.env(name, &value);
        }
    }
    // With --encoding, LANG names it (as telnetlib3's client sends en_US.<encoding>): servers
    // such as telnetlib3's prefer LANG to CHARSET.
    if let Some(encoding) = chosen {
        let lang = std::env::var("LANG").unwrap_or_default();
        let locale = lang
            .split(['.', '@'])
            .next()
            .filter(|l| !l.is_empty() && *l != "C" && *l != "POSIX")
            .unwrap_or("en_US");
        config = config.env("LANG", &format!("{locale}.{}", encoding.name()));
    }
    let modules: Vec<String> = match &args.gmcp_modules {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect(),
        None => DEFAULT_GMCP_MODULES.iter().map(|m| m.to_string()).collect(),
    };
    let modules: Vec<&str> = modules.iter().map(String::as_str).collect();
    config = config.gmcp_modules(&modules);
    if !args.always_do.is_empty() {
        let mut options = Vec::new();
        for name in &args.always_do {
            let option = name
                .trim()
                .parse::<ironboa::TelnetOption>()
                .map_err(|_| format!("--always-do: unknown option {name:?}"))?;
            options.push(option);
        }
        let mut policy = ironboa::proto::Policy::client();
        for option in &options {
            policy.remote.insert(*option);
        }
        config = config.policy(policy).offer_remote(&options);
    }
    if let Some(file) = &args.typescript {
        config = config.record(file);
    }
    if args.ssl || args.ssl_cafile.is_some() || args.ssl_no_verify {
        let tls = if args.ssl_no_verify {
            say(
                "ironboa-client: WARNING: --ssl-no-verify: the server's certificate is not \
                 verified. The connection is encrypted, but anyone on the path can intercept \
                 it, read it and change it.",
            );
            ironboa::tls::TlsClientConfig::no_verify()
        } else if let Some(cafile) = &args.ssl_cafile {
            ironboa::tls::TlsClientConfig::with_ca_file(cafile)
                .map_err(|e| format!("--ssl-cafile: {e}"))?
        } else {
            ironboa::tls::TlsClientConfig::system_roots().map_err(|e| format!("--ssl: {e}"))?
        };
        config = config.tls(
            tls.server_name(&args.host)
                .handshake_timeout(connect_timeout),
        );
    }
    let conn = TelnetConnection::connect((args.host.as_str(), args.port), config).map_err(|e| {
        let hint = match &e {
            ironboa::Error::Tls {
                reason: ironboa::TlsError::UnknownIssuer,
            } => " (a self-signed or private certificate: trust it with --ssl-cafile PATH)",
            ironboa::Error::Tls {
                reason: ironboa::TlsError::NotTls { .. },
            } => " (the server speaks plain Telnet there: leave out --ssl)",
            _ => "",
        };
        format!("cannot connect to {}:{}: {e}{hint}", args.host, args.port)
    })?;
    // Urgent data stays in the stream, so the IAC DM of a server's Synch (inetutils telnetd
    // sends one after IAC IP) reaches the Telnet engine instead of leaving a stray IAC.
    if let Some(socket) = conn.socket() {
        let _ = socket.set_out_of_band_inline(true);
    }
    let conn = Arc::new(conn);
    if interactive {
        // A retro encoding means a BBS that wants each key as it is typed (telnetlib3 turns
        // its raw mode on too).
        let retro_raw = chosen.is_some_and(Encoding::is_retro) && !args.line_mode;
        let choice = if args.raw_mode || retro_raw {
            ModeChoice::Raw
        } else if args.line_mode {
            ModeChoice::Line
        } else {
            ModeChoice::Follow
        };
        say(&format!(
            "Connected to {}:{}. {}",
            args.host,
            args.port,
            terminal::escape_text(escape)
        ));
        let settings = terminal::Settings {
            host: args.host.clone(),
            port: args.port,
            encoding,
            errors,
            encoding_given: chosen.is_some(),
            retro: retro_options,
            choice,
            escape,
        };
        let ending = terminal::interact(&conn, settings)?;
        if ending != terminal::Ending::HangUp {
            say("Connection closed.");
        }
        Ok(ending.exit_status())
    } else {
        pipeline(&conn, errors, retro_options, chosen.is_some(), eof_wait)?;
        Ok(0)
    }
}

/// A line on standard error, if it is still there.
fn say(message: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{message}");
}

/// Standard input is not a terminal: send it line by line (each line ending in CR LF, in the
/// connection's encoding) and print what comes back until the server closes, or `eof_wait`
/// after standard input ended (`None`: until the server closes).
fn pipeline(
    conn: &Arc<TelnetConnection>,
    errors: EncodingErrors,
    retro_options: retro::RetroOptions,
    encoding_given: bool,
    eof_wait: Option<Duration>,
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
            let encoding = writer.encoding();
            let data = if retro::RetroKeys::applies(encoding) {
                // The set's own end of line (ATASCII 0x9b), as Enter sends it.
                line.push(b'\r');
                retro::RetroKeys::default().translate(&line, encoding, retro_options)
            } else {
                let mut data = encode_input(encoding, &line);
                data.extend_from_slice(b"\r\n");
                data
            };
            if writer.write_bytes(&data).is_err() {
                break;
            }
        }
        let _ = done_tx.send(());
    });
    let mut stdout = std::io::stdout().lock();
    let mut view = retro::OutputView::new(
        OutputDecoder::new(conn.encoding(), errors),
        !encoding_given,
        retro_options,
        false,
    );
    let mut text = Vec::new();
    let mut input_done = false;
    loop {
        if !input_done && done_rx.try_recv().is_ok() {
            input_done = true;
        }
        let wait = if input_done {
            eof_wait
        } else {
            Some(Duration::from_millis(100))
        };
        match conn.read_bytes(64 * 1024, wait) {
            Ok(data) => {
                text.clear();
                let decoded = view.show(conn, &data, &mut text);
                stdout.write_all(&text).map_err(|e| e.to_string())?;
                decoded.map_err(|e| e.to_string())?;
                text.clear();
                stdout.write_all(&text).map_err(|e| e.to_string())?;
                stdout.flush().map_err(|e| e.to_string())?;
            }
            Err(Error::Timeout { .. }) if input_done => break,
            Err(Error::Timeout { .. }) => {}
            Err(Error::Closed) => break,
            Err(error) => return Err(error.to_string()),
        }
    }
    // An incomplete character at the very end is shown as U+FFFD, not dropped.
    text.clear();
    view.finish(conn, &mut text);
    stdout.write_all(&text).map_err(|e| e.to_string())?;
    stdout.flush().map_err(|e| e.to_string())?;
    conn.close();
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(status) => ExitCode::from(status),
        Err(message) => {
            say(&format!("ironboa-client: {message}"));
            ExitCode::FAILURE
        }
    }
}
