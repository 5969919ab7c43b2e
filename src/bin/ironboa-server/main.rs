//! `ironboa-server`: a Telnet server with built-in shells, or a program on a pseudo-terminal
//! for each connection; the equivalent of telnetlib3-server, and usable as a telnetd.
//!
//! ```text
//! ironboa-server                               # the default shell on localhost:6023
//! ironboa-server 0.0.0.0 2323 --shell chat     # a chat room on every interface
//! ironboa-server --pty-exec /bin/bash -- --login
//! socat TCP-LISTEN:2324,fork EXEC:'ironboa-server --inetd',nofork
//! ```

#[path = "../common/logging.rs"]
mod logging;
mod pty;
mod shells;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use ironboa::{BlockingTelnetServer, Encoding, ServerConfig, ServerConnection, Transport};
use signal_hook::consts::{SIGINT, SIGTERM};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Shell {
    /// Greets with the terminal type and window size it learned, then echoes lines.
    Default,
    /// Writes back every byte it reads, unchanged.
    Echo,
    /// A chat room among all connections.
    Chat,
    /// telnetlib3's demo: "Would you like to play a game?"
    Wargame,
}

/// A Telnet server: built-in shells, or a program on a pseudo-terminal per connection.
#[derive(Parser, Debug)]
#[command(name = "ironboa-server", version)]
struct Args {
    /// The address to listen on. It is localhost unless you say otherwise.
    #[arg(default_value = "localhost")]
    host: String,
    /// The port to listen on (0 picks a free one).
    #[arg(default_value_t = 6023)]
    port: u16,
    /// The built-in shell each connection gets.
    #[arg(long, value_enum, default_value_t = Shell::Default)]
    shell: Shell,
    /// Run PROGRAM on its own pseudo-terminal for each connection; its arguments follow `--`.
    #[arg(long, value_name = "PROGRAM")]
    pty_exec: Option<String>,
    /// Arguments for --pty-exec's PROGRAM.
    #[arg(last = true, value_name = "ARGS")]
    pty_args: Vec<String>,
    /// Serve one connection on standard input and output (inetd, xinetd, socat EXEC:): a TCP
    /// socket, a socketpair, or pipes.
    #[arg(long)]
    inetd: bool,
    /// The text encoding: utf-8, latin-1 or bytes.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// Use the encoding even if the client never negotiates BINARY.
    #[arg(long)]
    force_binary: bool,
    /// Line mode: the client edits and echoes (the default for built-in shells).
    #[arg(long, conflicts_with = "raw_mode")]
    line_mode: bool,
    /// Character mode: the server echoes (the default for --pty-exec).
    #[arg(long)]
    raw_mode: bool,
    /// Never send IAC GA.
    #[arg(long)]
    never_send_ga: bool,
    /// Seconds the opening negotiation may take before the shell starts.
    #[arg(long, default_value_t = 1.5, value_name = "SECONDS")]
    connect_maxwait: f64,
    /// The most connections at once; one more is told so and closed.
    #[arg(long, default_value_t = 1000)]
    max_connections: usize,
    /// Close connections idle for this many seconds.
    #[arg(long, value_name = "SECONDS")]
    idle_timeout: Option<f64>,
    /// off, error, warn, info, debug, or trace (trace hex-dumps every byte each way).
    #[arg(long, default_value = "info")]
    loglevel: String,
    /// Write the log here instead of to standard error.
    #[arg(long)]
    logfile: Option<PathBuf>,
}

fn seconds(value: f64, name: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value).map_err(|_| format!("--{name} must be a number of seconds"))
}

fn config(args: &Args) -> Result<ServerConfig, String> {
    let encoding = Encoding::from_name(&args.encoding).ok_or_else(|| {
        format!(
            "unknown encoding {:?} (utf-8, latin-1, bytes)",
            args.encoding
        )
    })?;
    let character_mode = if args.pty_exec.is_some() {
        !args.line_mode
    } else {
        args.raw_mode
    };
    let idle_timeout = args
        .idle_timeout
        .map(|s| seconds(s, "idle-timeout"))
        .transpose()?;
    Ok(ServerConfig::default()
        .encoding(encoding)
        .force_binary(args.force_binary)
        .character_mode(character_mode)
        .never_send_ga(args.never_send_ga)
        .connect_maxwait(seconds(args.connect_maxwait, "connect-maxwait")?)
        .max_connections(args.max_connections)
        .idle_timeout(idle_timeout))
}

/// The handler every connection runs.
fn handler(
    args: &Args,
    server: Option<BlockingTelnetServer>,
) -> impl Fn(ServerConnection) + Send + Sync + 'static {
    let program = args.pty_exec.clone().map(|path| pty::Program {
        path,
        args: args.pty_args.clone(),
        line_mode: args.line_mode,
    });
    let shell = args.shell;
    move |conn| {
        log::info!(
            "{}: connected ({} {}x{})",
            conn.addrport(),
            conn.terminal_type().escape_debug(),
            conn.columns(),
            conn.rows()
        );
        match (&program, shell) {
            (Some(program), _) => pty::run(program, conn.clone()),
            (None, Shell::Default) => shells::default(conn.clone()),
            (None, Shell::Echo) => shells::echo(conn.clone()),
            (None, Shell::Chat) => match &server {
                Some(server) => shells::chat(server, conn.clone()),
                None => shells::default(conn.clone()),
            },
            (None, Shell::Wargame) => shells::wargame(conn.clone()),
        }
        log::info!(
            "{}: disconnected after {:.1?}",
            conn.addrport(),
            conn.duration()
        );
    }
}

fn run(args: Args) -> Result<(), String> {
    logging::init(&args.loglevel, args.logfile.as_deref(), !args.inetd)?;
    let config = config(&args)?;
    if args.inetd {
        // Under inetd the connection is standard input and output (a TCP socket, a
        // socketpair, or two pipes); stderr may be it too, so nothing else is printed.
        let transport = Transport::stdio().map_err(|e| format!("standard input: {e}"))?;
        return BlockingTelnetServer::serve_transport(transport, &config, handler(&args, None))
            .map_err(|e| e.to_string());
    }

    let server = BlockingTelnetServer::bind((args.host.as_str(), args.port), config)
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    let addr = server.local_addr();
    println!("ironboa-server listening on {addr}");
    if addr.ip().is_loopback() {
        println!(
            "(only this machine can connect; give an address such as 0.0.0.0 to serve others)"
        );
    }
    match &args.pty_exec {
        Some(program) => println!("each connection runs {program} {}", args.pty_args.join(" ")),
        None => println!(
            "shell: {:?}; connect with: telnet {} {}",
            args.shell,
            addr.ip(),
            addr.port()
        ),
    }

    let mut signals =
        signal_hook::iterator::Signals::new([SIGINT, SIGTERM]).map_err(|e| e.to_string())?;
    let stopper = server.clone();
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            log::info!("signal {signal}: shutting down");
            for client in stopper.clients() {
                let _ = client.send("\nThe server is shutting down. Goodbye!\n");
            }
            stopper.shutdown();
        }
    });
    let chat_server = (args.shell == Shell::Chat).then(|| server.clone());
    server
        .serve_forever(handler(&args, chat_server))
        .map_err(|e| e.to_string())?;
    // serve_forever returns once the listener has stopped; shutdown (idempotent) then waits
    // for every connection thread, within ServerConfig::shutdown_timeout.
    let all_ended = server.shutdown();
    println!(
        "ironboa-server stopped{}",
        if all_ended {
            ""
        } else {
            " (some connections did not end in time)"
        }
    );
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ironboa-server: {message}");
            ExitCode::FAILURE
        }
    }
}
