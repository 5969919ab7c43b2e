//! `ironboa-server`: a Telnet server with built-in shells, or a program on a pseudo-terminal
//! for each connection; the equivalent of telnetlib3-server, and usable as a telnetd.
//!
//! ```text
//! ironboa-server                               # the default shell on localhost:6023
//! ironboa-server 0.0.0.0 2323 --shell chat     # a chat room on every interface
//! ironboa-server --pty-exec /bin/bash -- --login
//! socat TCP-LISTEN:2324,fork EXEC:'ironboa-server --inetd',nofork
//! ```
//!
//! SIGINT, SIGTERM and SIGHUP all stop the server the same way: it stops accepting at once
//! (with `--reuse-port`, a new server on the same port takes every new connection), every
//! user is told `--shutdown-message` (within [`GOODBYE_WAIT`]: a client that does not take
//! the message by then is cut off), the handlers get `--shutdown-grace` seconds (default 0)
//! to end on their own, then every connection is closed, and the server exits once their
//! handlers have ended, or `ServerConfig::shutdown_timeout` (5 s) later: within 6 s after
//! the grace period in all. Under `--inetd` the one connection is told and closed the same
//! way.

mod fingerprint;
#[path = "../common/fingerprint_store.rs"]
mod fingerprint_store;
#[path = "../common/logging.rs"]
mod logging;
mod pty;
mod reaper;
mod sanitize;
mod shells;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use ironboa::{BlockingTelnetServer, Encoding, ServerConfig, ServerConnection, Transport};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// What every user is told when the server stops, unless `--shutdown-message` says otherwise.
const GOODBYE: &str = "The server is shutting down. Goodbye!";
/// How long the goodbye may take to reach the users before those whose clients do not read
/// are cut off.
const GOODBYE_WAIT: Duration = Duration::from_secs(1);
/// The longest any of the time options can be; longer values (infinity too) mean this. A year
/// is for ever to a Telnet session, and keeps every deadline far from overflowing.
const MAX_SECONDS: f64 = 365.0 * 24.0 * 3600.0;

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
    /// telnetsrv's example command shell: help, echo, timer, on a line editor.
    Commands,
    /// Probes each client (options both ways, the TTYPE cycle, environment, CHARSET,
    /// LINEMODE's SLC table), shows it what was learned with a hash, saves the JSON under
    /// --data-dir, and closes.
    Fingerprint,
    /// A mini-MUD: rooms, look, say, who; GMCP, MSDP, MSSP, prompts with EOR or GA.
    Mud,
}

/// A Telnet server: built-in shells, or a program on a pseudo-terminal per connection.
#[derive(Parser, Debug)]
#[command(
    name = "ironboa-server",
    version,
    after_help = "Signals: SIGINT, SIGTERM and SIGHUP each stop accepting at once, tell every \
        user --shutdown-message (a client that does not take it within 1 s is cut off), wait \
        up to --shutdown-grace seconds for the handlers to end, close every connection and \
        stop; the server exits within 6 s after the grace period.\n\
        --pty-exec: when the program exits or the connection ends, every process of its \
        session gets SIGHUP, and SIGKILL 2 s later if still running; the connection ends \
        then. Telnet's IP, BRK/ABORT, SUSP and EOF become the terminal's own interrupt, \
        quit, suspend and end-of-file keys.\n\
        Time options longer than a year (or infinite) are taken as a year."
)]
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
    /// The text encoding: utf-8, latin-1, bytes, or any code page by name (cp437, cp850,
    /// koi8-r, windows-1251, shift_jis, big5, gbk, euc-kr, iso-8859-5, ...); offered in
    /// CHARSET. A client's CHARSET answer or LANG switches its connection to another.
    #[arg(long, default_value = "utf-8")]
    encoding: String,
    /// What to do with bytes that do not decode (and characters that do not encode): replace
    /// (U+FFFD, `?`), ignore (leave out), or strict (an error).
    #[arg(long, default_value = "replace", value_name = "replace|ignore|strict")]
    encoding_errors: String,
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
    /// MCCP compression, as telnetlib3's flag: offer MCCP2 (compress what is sent) and MCCP3
    /// (decompress what is received); neither flag agrees when the client asks.
    #[arg(long, conflicts_with = "no_compression")]
    compression: bool,
    /// Refuse MCCP2 and MCCP3 compression.
    #[arg(long)]
    no_compression: bool,
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
    /// Serve Telnet over TLS (TELNETS) with this certificate chain (PEM, the server's own
    /// certificate first).
    #[arg(long, value_name = "PATH")]
    ssl_certfile: Option<PathBuf>,
    /// The private key (PEM) of --ssl-certfile's certificate (default: read from that file).
    #[arg(long, value_name = "PATH", requires = "ssl_certfile")]
    ssl_keyfile: Option<PathBuf>,
    /// With --ssl-certfile, serve plain Telnet on the same port too: a client whose first
    /// byte is not a TLS ClientHello, or that sends nothing for SECONDS (default 0.5), gets
    /// plain Telnet.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, require_equals = true,
          default_missing_value = "0.5", requires = "ssl_certfile")]
    tls_auto: Option<f64>,
    /// With --shell fingerprint: write each client's fingerprint as DIR/client/HASH/SESSION.json
    /// (telnetlib3's layout; at most 1,000 fingerprints of 1,000 sessions each).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// With --shell fingerprint: seconds each probe round waits for the client's answers.
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    probe_timeout: f64,
    /// Play the device's side of a recording (`ironboa-client --typescript`,
    /// `ClientConfig::record`) to every connection instead of running a shell.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// With --replay: strict (input must match exactly; a mismatch closes the connection) or
    /// lenient (words compared, whitespace ignored; a mismatch is reported and the replay goes on).
    #[arg(long, default_value = "strict", value_name = "MODE")]
    replay_mode: ironboa::record::ReplayMode,
    /// With --replay: ignore (no pauses), recorded, or a factor for the recorded pauses (0.5).
    #[arg(long, default_value = "ignore", value_name = "TIMING")]
    replay_timing: ironboa::record::ReplayTiming,
    /// Expect a PROXY protocol header (version 1 or 2, HAProxy's send-proxy or send-proxy-v2)
    /// on every connection, and serve it as the client the header names.
    #[arg(long)]
    proxy_protocol: bool,
    /// With --proxy-protocol: the load balancers' addresses, as networks (10.0.0.0/8) or
    /// single addresses; repeat or separate with commas (default: loopback only).
    #[arg(
        long,
        value_name = "CIDR",
        value_delimiter = ',',
        requires = "proxy_protocol"
    )]
    proxy_from: Vec<String>,
    /// TCP keepalive: probe a connection quiet for this many seconds (whole seconds).
    #[arg(long, value_name = "SECONDS")]
    keepalive: Option<u64>,
    /// With --keepalive: seconds between probes.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 10,
        requires = "keepalive"
    )]
    keepalive_interval: u64,
    /// With --keepalive: unanswered probes that end a connection (a vanished peer is
    /// noticed within keepalive + interval × count seconds).
    #[arg(long, value_name = "N", default_value_t = 6, requires = "keepalive")]
    keepalive_count: u32,
    /// Send IAC NOP to every connection this often, for balancers that ignore TCP keepalive.
    #[arg(long, value_name = "SECONDS")]
    nop_interval: Option<u64>,
    /// The most connections at once from one client address (with --proxy-protocol, the
    /// client's own address from the header); one more is told so and closed.
    #[arg(long, value_name = "N")]
    max_connections_per_address: Option<usize>,
    /// Bind with SO_REUSEPORT, so that a new server can take the port while this one drains
    /// (a rolling restart; on Linux set net.ipv4.tcp_migrate_req=1 too).
    #[arg(long)]
    reuse_port: bool,
    /// What every user is told when the server stops (on a line of its own).
    #[arg(long, value_name = "TEXT", default_value = GOODBYE)]
    shutdown_message: String,
    /// On a signal, stop accepting at once and tell the users, then give the handlers this
    /// many seconds to end on their own before closing what is left.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    shutdown_grace: f64,
}

/// A time option: a number of seconds, at most [`MAX_SECONDS`] (larger values are clamped).
fn seconds(value: f64, name: &str) -> Result<Duration, String> {
    if value.is_nan() || value < 0.0 {
        return Err(format!("--{name} must be a number of seconds, not {value}"));
    }
    Ok(Duration::from_secs_f64(value.min(MAX_SECONDS)))
}

fn config(args: &Args) -> Result<ServerConfig, String> {
    let encoding: Encoding = args
        .encoding
        .parse()
        .map_err(|e| format!("--encoding: {e}"))?;
    let encoding_errors: ironboa::EncodingErrors = args
        .encoding_errors
        .parse()
        .map_err(|e| format!("--encoding-errors: {e}"))?;
    // A real program, and the command shell's line editor, want character mode.
    let character_mode = if args.pty_exec.is_some() || args.shell == Shell::Commands {
        !args.line_mode
    } else {
        args.raw_mode
    };
    seconds(args.probe_timeout, "probe-timeout")?;
    let idle_timeout = args
        .idle_timeout
        .map(|s| seconds(s, "idle-timeout"))
        .transpose()?;
    let mut config = ServerConfig::default()
        .encoding(encoding)
        .encoding_errors(encoding_errors)
        .force_binary(args.force_binary)
        .character_mode(character_mode)
        .never_send_ga(args.never_send_ga)
        .connect_maxwait(seconds(args.connect_maxwait, "connect-maxwait")?)
        .max_connections(args.max_connections)
        .idle_timeout(idle_timeout)
        .reuse_port(args.reuse_port)
        .max_connections_per_address(args.max_connections_per_address)
        .compression(if args.compression {
            ironboa::compress::Compression::Offer
        } else if args.no_compression {
            ironboa::compress::Compression::Refuse
        } else {
            ironboa::compress::Compression::Accept
        });
    if args.shell == Shell::Mud && args.pty_exec.is_none() {
        config = shells::mini_mud().config(config);
    }
    if let Some(certfile) = &args.ssl_certfile {
        let keyfile = args.ssl_keyfile.as_ref().unwrap_or(certfile);
        let mut tls = ironboa::tls::TlsServerConfig::from_pem_files(certfile, keyfile)
            .map_err(|e| e.to_string())?;
        if let Some(wait) = args.tls_auto {
            tls = tls.tls_auto(Some(seconds(wait, "tls-auto")?));
        }
        config = config.tls(tls);
    }
    if args.proxy_protocol {
        let mut proxy = ironboa::server::ProxyProtocol::default();
        if !args.proxy_from.is_empty() {
            proxy = proxy
                .trust(&args.proxy_from)
                .map_err(|e| format!("--proxy-from: {e}"))?;
        }
        config = config.proxy_protocol(Some(proxy));
    }
    if args.keepalive.is_some() || args.nop_interval.is_some() {
        let mut keepalive = ironboa::server::Keepalive::default()
            .nop_interval(args.nop_interval.map(Duration::from_secs));
        if let Some(idle) = args.keepalive {
            keepalive = keepalive
                .idle(Duration::from_secs(idle))
                .interval(Duration::from_secs(args.keepalive_interval))
                .count(args.keepalive_count);
        }
        config = config.keepalive(Some(keepalive));
    }
    Ok(config)
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
    let commands = ironboa::shell::telnetsrv_example();
    let probe = fingerprint::Settings {
        // Checked when the configuration was made.
        probe_timeout: seconds(args.probe_timeout, "probe-timeout").unwrap_or_default(),
        data_dir: args.data_dir.clone(),
    };
    move |conn| {
        log::info!(
            "{}: connected (\"{}\" {}x{})",
            conn.addrport(),
            sanitize::for_log(&conn.terminal_type()),
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
            (None, Shell::Mud) => shells::mini_mud().play(conn.clone()),
            (None, Shell::Commands) => {
                if let Err(error) = commands.run(conn.clone()) {
                    log::debug!("{}: {error}", conn.addrport());
                }
            }
            (None, Shell::Fingerprint) => fingerprint::run(&conn, &probe),
        }
        log::info!(
            "{}: disconnected after {:.1?}",
            conn.addrport(),
            conn.duration()
        );
    }
}

/// `--replay FILE`: the recorded device on HOST PORT, until the process is stopped.
fn replay(args: &Args, file: &std::path::Path) -> Result<(), String> {
    let device = ironboa::record::ReplayDevice::load(file)
        .map_err(|e| format!("--replay {}: {e}", file.display()))?
        .mode(args.replay_mode)
        .timing(args.replay_timing);
    let server = device
        .bind((args.host.as_str(), args.port))
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    println!("ironboa-server listening on {}", server.local_addr());
    log::info!("replaying {}", file.display());
    loop {
        std::thread::park();
    }
}

fn run(args: Args) -> Result<(), String> {
    logging::init(&args.loglevel, args.logfile.as_deref(), !args.inetd)?;
    if let Some(file) = &args.replay {
        return replay(&args, file);
    }
    let config = config(&args)?;
    if args.pty_exec.is_some() {
        reaper::start().map_err(|e| e.to_string())?;
    }
    let farewell = format!("\n{}\n", args.shutdown_message);
    let grace = seconds(args.shutdown_grace, "shutdown-grace")?;
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|e| e.to_string())?;
    if args.inetd {
        // Under inetd the connection is standard input and output (a TCP socket, a
        // socketpair, or two pipes); stderr may be it too, so nothing else is printed.
        let transport = Transport::stdio().map_err(|e| format!("standard input: {e}"))?;
        let current: Arc<OnceLock<ServerConnection>> = Arc::default();
        let farewell = farewell.clone();
        let stopper = Arc::clone(&current);
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                log::info!("signal {signal}: closing the connection");
                match stopper.get() {
                    Some(conn) => {
                        say_goodbye(vec![conn.clone()], &farewell);
                        conn.deactivate();
                    }
                    // Still negotiating: nothing was started for it.
                    None => std::process::exit(0),
                }
            }
        });
        let handler = handler(&args, None);
        return BlockingTelnetServer::serve_transport(transport, &config, move |conn| {
            let _ = current.set(conn.clone());
            handler(conn);
        })
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
        // A TLS-only port needs a TLS client; with --tls-auto plain telnet works too.
        None if args.ssl_certfile.is_some() && args.tls_auto.is_none() => println!(
            "shell: {:?}; TLS only: connect with: ironboa-client --ssl {} {} \
             (--ssl-cafile CERT for a self-signed certificate)",
            args.shell,
            addr.ip(),
            addr.port()
        ),
        None => println!(
            "shell: {:?}; connect with: telnet {} {}",
            args.shell,
            addr.ip(),
            addr.port()
        ),
    }

    let stopper = server.clone();
    // Set before the listener stops on a signal: the main thread then lets this thread's
    // grace period run out before it closes what is left.
    let signalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let signal_seen = Arc::clone(&signalled);
    let drainer = std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            log::info!("signal {signal}: shutting down");
            signal_seen.store(true, std::sync::atomic::Ordering::Release);
            say_goodbye(stopper.begin_drain(&farewell), &farewell);
            if !grace.is_zero() {
                stopper.wait_for_handlers(grace);
            }
            stopper.shutdown();
        }
    });
    let chat_server = (args.shell == Shell::Chat).then(|| server.clone());
    server
        .serve_forever(handler(&args, chat_server))
        .map_err(|e| e.to_string())?;
    // serve_forever returns once the listener has stopped; after a signal the drainer
    // thread tells the users and lets the grace period run; shutdown (idempotent) then waits
    // for every connection thread, within ServerConfig::shutdown_timeout.
    if signalled.load(std::sync::atomic::Ordering::Acquire) {
        let _ = drainer.join();
    }
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

/// Tells each of `clients` goodbye, each on its own thread so that no client's write waits for
/// another's. A client that has not taken the message within [`GOODBYE_WAIT`] (it does not
/// read, or its handler is stuck writing to it) is cut off: its socket is shut down, which
/// also ends any write blocked on it.
fn say_goodbye(clients: Vec<ServerConnection>, message: &str) {
    let (done_tx, done) = crossbeam_channel::unbounded();
    let mut waiting = Vec::new();
    for client in clients {
        let (thread_client, done_tx) = (client.clone(), done_tx.clone());
        let message = message.to_owned();
        let spawned = std::thread::Builder::new()
            .name("ironboa-goodbye".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                let _ = thread_client.send(&message);
                let _ = done_tx.send(thread_client.id());
            });
        if spawned.is_ok() {
            waiting.push(client);
        }
    }
    drop(done_tx);
    let deadline = Instant::now() + GOODBYE_WAIT;
    let mut told = HashSet::new();
    while told.len() < waiting.len() {
        match done.recv_deadline(deadline) {
            Ok(id) => {
                told.insert(id);
            }
            Err(_) => break,
        }
    }
    for client in waiting.iter().filter(|c| !told.contains(&c.id())) {
        log::info!("{}: not taking output; cut off", client.addrport());
        match client.socket() {
            Some(socket) => {
                let _ = socket.shutdown(std::net::Shutdown::Both);
            }
            None => client.deactivate(),
        }
    }
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
