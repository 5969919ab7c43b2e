//! MCCP2 and MCCP3 compression against peers nobody here wrote: libtelnet's telnet-chatd
//! (offers MCCP2) and telnet-client (decompresses it), telnetlib3's server and client with
//! `--compression` (MCCP2 and MCCP3 both ways), and ironboa's own server and client with a
//! mebibyte each way, byte-exact.
#![cfg(feature = "cli")]

mod support;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use ironboa::compress::Compression;
use ironboa::{BlockingTelnetServer, ClientConfig, ServerConfig, TelnetConnection, TelnetOption};
use support::eventually;
use support::peers::{free_port, have_program, python};

const SERVER: &str = env!("CARGO_BIN_EXE_ironboa-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_ironboa-client");
const T: Option<Duration> = Some(Duration::from_secs(15));

/// MUD-like text that is not trivially repetitive: rooms, exits, chatter and prompts drawn by
/// a fixed pseudo-random sequence, with colour codes, CR LF line ends and a few IAC bytes.
fn mud_text(len: usize, seed: u64) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "the",
        "guard",
        "fountain",
        "north",
        "south",
        "east",
        "west",
        "says",
        "sword",
        "gold",
        "dragon",
        "tavern",
        "ale",
        "market",
        "shadow",
        "whispers",
        "\x1b[1;33m",
        "\x1b[0m",
        "torch",
        "gate",
        "stairs",
        "Exits:",
        "You",
        "see",
        "a",
        "an",
        "old",
        "rusty",
        "key",
    ];
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = Vec::with_capacity(len + 64);
    while text.len() < len {
        let r = next();
        match r % 23 {
            0 => text.extend_from_slice(b"\r\n"),
            1 => text.extend_from_slice(format!("<{}hp {}m> ", r % 500, r % 97).as_bytes()),
            2 if r % 7 == 0 => text.push(0xff),
            _ => {
                text.extend_from_slice(WORDS[(r >> 8) as usize % WORDS.len()].as_bytes());
                text.push(b' ');
            }
        }
    }
    text.truncate(len);
    text
}

/// Reads exactly `len` bytes from the connection.
fn read_exactly(conn: &TelnetConnection, len: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(len);
    while data.len() < len {
        let piece = conn.read_bytes(len - data.len(), T).expect("read");
        data.extend_from_slice(&piece);
    }
    data
}

#[test]
fn ironboa_server_and_client_carry_a_mebibyte_each_way_byte_exact() {
    const LEN: usize = 1 << 20;
    let down = mud_text(LEN, 7);
    let up = mud_text(LEN, 11);
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default()
            .compression(Compression::Offer)
            .never_send_ga(true),
    )
    .unwrap();
    let (report, reports) = mpsc::channel();
    let report = Mutex::new(report);
    {
        let down = down.clone();
        let up = up.clone();
        server
            .serve_in_background(move |conn| {
                conn.write_bytes(&down).unwrap();
                let mut got = Vec::new();
                while got.len() < up.len() {
                    match conn.read_bytes(up.len() - got.len(), T) {
                        Ok(piece) => got.extend_from_slice(&piece),
                        Err(_) => break,
                    }
                }
                let same = got == up;
                conn.write(if same { "match\r\n" } else { "MISMATCH\r\n" })
                    .unwrap();
                let _ = conn.readline(T);
                report
                    .lock()
                    .unwrap()
                    .send((same, conn.bytes_sent(), conn.bytes_received()))
                    .unwrap();
            })
            .unwrap();
    }
    let conn = TelnetConnection::connect(server.local_addr(), ClientConfig::default()).unwrap();
    let got = read_exactly(&conn, LEN);
    assert!(got == down, "the mebibyte from the server differs");
    assert!(conn.remote_enabled(TelnetOption::MCCP2));
    assert!(conn.remote_enabled(TelnetOption::MCCP3));
    conn.write_bytes(&up).unwrap();
    assert_eq!(conn.readline(T).unwrap(), "match");
    conn.write("bye\r\n").unwrap();
    let (same, sent, received) = reports.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(same);
    // Both ways compressed: well under half the text went over the wire.
    assert!(
        sent < (LEN / 2) as u64,
        "server sent {sent} bytes for {LEN}"
    );
    assert!(
        received < (LEN / 2) as u64,
        "server received {received} bytes for {LEN}"
    );
    eprintln!(
        "1 MiB of MUD-like text: {sent} bytes down (ratio {:.2}), {received} bytes up",
        LEN as f64 / sent as f64
    );
    server.shutdown();
}

/// A client that takes compression and then stops reading: the server's writes block until
/// its write timeout, and the connection is closed with a timeout, as for a plain one.
#[test]
fn a_client_that_stops_reading_compressed_output_times_out_the_write() {
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default()
            .compression(Compression::Offer)
            .write_timeout(Duration::from_secs(1)),
    )
    .unwrap();
    let (report, reports) = mpsc::channel();
    let report = Mutex::new(report);
    server
        .serve_in_background(move |conn| {
            conn.write("go\r\n").unwrap();
            // Text that compresses little, so the socket buffers fill soon.
            let piece = mud_text(64 * 1024, 3)
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ (i as u8).wrapping_mul(151))
                .collect::<Vec<u8>>();
            let mut written = 0u64;
            let outcome = loop {
                match conn.write_bytes(&piece) {
                    Ok(()) => written += piece.len() as u64,
                    Err(error) => break error,
                }
                if written > 1 << 30 {
                    panic!("1 GiB written to a client that reads nothing");
                }
            };
            let timed_out = matches!(outcome, ironboa::Error::Timeout { .. });
            report.lock().unwrap().send((timed_out, written)).unwrap();
        })
        .unwrap();
    let conn = TelnetConnection::connect(server.local_addr(), ClientConfig::default()).unwrap();
    conn.read_until("go\r\n", T).unwrap();
    assert!(conn.remote_enabled(TelnetOption::MCCP2));
    // Read nothing more.
    let (timed_out, written) = reports.recv_timeout(Duration::from_secs(60)).unwrap();
    assert!(
        timed_out,
        "the write failed otherwise after {written} bytes"
    );
    drop(conn);
    server.shutdown();
}

/// A peer that floods a compressing server with DO and WILL for every option, twice (so
/// MCCP2 starts, and is asked for again inside the stream), then DONT and WONT for each: the
/// server survives it and serves the next client through compression.
#[test]
fn a_negotiation_flood_against_a_compressing_server_harms_no_one_else() {
    let server = Server::start("flood", &["--compression"]);
    let flood = |verbs: [u8; 2]| -> Vec<u8> {
        (0..=255u8)
            .flat_map(|option| [255, verbs[0], option, 255, verbs[1], option])
            .collect()
    };
    let mut raw = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    raw.write_all(&flood([253, 251])).unwrap();
    raw.write_all(&flood([253, 251])).unwrap();
    assert!(server.logged("output layer mccp2 on"), "{}", server.log());
    raw.write_all(&flood([254, 252])).unwrap();
    raw.write_all(b"still here\r\n").unwrap();
    assert!(
        server.logged("mccp2: compressed stream ended"),
        "{}",
        server.log()
    );
    let conn =
        TelnetConnection::connect(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    conn.read_until("Welcome to ironboa", T).unwrap();
    conn.write("after the flood\r\n").unwrap();
    conn.read_until("after the flood", T).unwrap();
    assert!(conn.remote_enabled(TelnetOption::MCCP2));
    drop(raw);
}

// ----- libtelnet -----

/// A child process killed on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// libtelnet's telnet-chatd on a free loopback port; it offers MCCP2 (`WILL COMPRESS2`).
fn chatd() -> Option<(support::peers::Chatd, u16)> {
    let chatd = support::peers::Chatd::start()?;
    let port = chatd.port;
    Some((chatd, port))
}

#[test]
fn telnet_chatd_compresses_and_telnet_connection_decompresses() {
    let Some((_chatd, port)) = chatd() else {
        return;
    };
    let conn = TelnetConnection::connect(("127.0.0.1", port), ClientConfig::default()).unwrap();
    conn.read_until("Enter name: ", T).unwrap();
    conn.write("zed\r\n").unwrap();
    // chatd sends this only after SB COMPRESS2 SE: it arrives inflated or not at all.
    conn.read_until("Welcome, zed!", T).unwrap();
    assert!(conn.remote_enabled(TelnetOption::MCCP2));
    conn.write("quit\r\n").unwrap();
}

#[test]
fn telnet_chatd_is_refused_compression_with_no_compression() {
    let Some((_chatd, port)) = chatd() else {
        return;
    };
    let config = ClientConfig::default().compression(Compression::Refuse);
    let conn = TelnetConnection::connect(("127.0.0.1", port), config).unwrap();
    conn.read_until("Enter name: ", T).unwrap();
    conn.write("zed\r\n").unwrap();
    conn.read_until("Welcome, zed!", T).unwrap();
    assert!(!conn.remote_enabled(TelnetOption::MCCP2));
    conn.write("quit\r\n").unwrap();
}

/// ironboa-server on a free port, logging at debug level to a file, killed on drop.
struct Server {
    _child: Killed,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(name: &str, extra: &[&str]) -> Server {
        let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("mccp-{name}-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&log);
        let mut child = Command::new(SERVER)
            .args(["127.0.0.1", "0", "--loglevel", "debug", "--logfile"])
            .arg(&log)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let port = support::server_bin::read_port(&mut child);
        Server {
            _child: Killed(child),
            port,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log shows `text`.
    fn logged(&self, text: &str) -> bool {
        eventually(15, || self.log().contains(text))
    }
}

/// A peer program with its standard input piped in and its output gathered by a thread.
struct Piped {
    child: Killed,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Piped {
    fn start(mut command: Command) -> Piped {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the peer");
        let mut stdout = child.stdout.take().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Piped {
            child: Killed(child),
            output,
        }
    }

    fn type_text(&mut self, text: &str) {
        let stdin = self.child.0.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the output shows `text`.
    fn shows(&self, text: &str) -> bool {
        eventually(15, || self.output().contains(text))
    }
}

#[test]
fn libtelnet_telnet_client_decompresses_ironboa_server() {
    if !have_program("telnet-client") {
        return;
    }
    let server = Server::start("telnet-client", &["--compression"]);
    let mut command = Command::new("telnet-client");
    command.args(["127.0.0.1", &server.port.to_string()]);
    let mut client = Piped::start(command);
    assert!(
        client.shows("Welcome to ironboa"),
        "no greeting: {:?}",
        client.output()
    );
    assert!(server.logged("output layer mccp2 on"), "{}", server.log());
    client.type_text("through zlib\r\nquit\r\n");
    assert!(client.shows("Goodbye!"), "{:?}", client.output());
    assert!(client.output().contains("through zlib"));
    // The server ended the zlib stream in order when it closed.
    assert!(
        server.logged("mccp2: compressed stream ended"),
        "{}",
        server.log()
    );
}

// ----- telnetlib3 -----

#[test]
fn telnetlib3_client_compresses_both_ways_with_ironboa_server() {
    let Some(python) = python() else {
        return;
    };
    let server = Server::start("tl3-client", &["--compression"]);
    let mut command = Command::new(python.parent().unwrap().join("telnetlib3-client"));
    command.args(["--compression", "127.0.0.1", &server.port.to_string()]);
    let mut client = Piped::start(command);
    assert!(client.shows("Welcome to ironboa"), "{:?}", client.output());
    // MCCP2 from the server, MCCP3 from the client: what it types next is compressed.
    assert!(server.logged("output layer mccp2 on"), "{}", server.log());
    assert!(server.logged("input layer mccp3 on"), "{}", server.log());
    client.type_text("squeezed line\r\n");
    assert!(client.shows("squeezed line"), "{:?}", client.output());
    client.type_text("quit\r\n");
    assert!(client.shows("Goodbye!"), "{:?}", client.output());
    let log = server.log();
    assert!(!log.contains("corrupt"), "{log}");
}

/// telnetlib3-server compresses (MCCP2) and TelnetConnection inflates its greeting and
/// prompt. MCCP3 the other way is not asserted here: telnetlib3-server 5.0.1 offers
/// `WILL MCCP3`, answers the client's `DO MCCP3` with `WONT` (its `handle_do` does not list
/// MCCP3) and yet starts inflating at the client's `IAC SB MCCP3 IAC SE`, only from the next
/// chunk it reads, so whether it reads the client's first compressed bytes as zlib depends on
/// how TCP splits them. ironboa's MCCP3 is proven against telnetlib3's client instead.
#[test]
fn telnet_connection_with_telnetlib3_server_compression() {
    let Some(python) = python() else {
        return;
    };
    let port = free_port();
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("mccp-tl3-server-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let mut command = Command::new(python.parent().unwrap().join("telnetlib3-server"));
    command
        .args(["--compression", "--loglevel", "debug", "--logfile"])
        .arg(&log)
        .args(["127.0.0.1", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _server = Killed(command.spawn().unwrap());
    assert!(
        eventually(15, || std::net::TcpStream::connect(("127.0.0.1", port))
            .is_ok()),
        "telnetlib3-server never listened"
    );
    let config = ClientConfig::default().compression(Compression::Offer);
    let conn = TelnetConnection::connect(("127.0.0.1", port), config).unwrap();
    // Sent once the opening negotiation is over, long after MCCP2 started.
    let greeting = conn.read_until("tel:sh> ", T).unwrap();
    assert!(greeting.contains("Ready."), "{greeting:?}");
    assert!(conn.remote_enabled(TelnetOption::MCCP2));
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(log.contains("MCCP2 compression started"), "{log}");
}

// ----- TinTin++ -----

/// TinTin++, a MUD client, in a tmux pane against `ironboa-server --compression`: it takes
/// MCCP2, and the greeting and an echoed line read correctly through it.
#[test]
fn tintin_reads_ironboa_server_through_mccp2() {
    if !have_program("tmux") || !std::path::Path::new("/usr/games/tt++").exists() {
        have_program("tt++");
        return;
    }
    let server = Server::start("tintin", &["--compression"]);
    let pane = support::tmux::Pane::start(
        "mccp-tintin",
        &format!(
            "/usr/games/tt++ -G -e '#session x 127.0.0.1 {}'",
            server.port
        ),
    );
    pane.wait_for("Welcome to ironboa");
    assert!(server.logged("output layer mccp2 on"), "{}", server.log());
    pane.type_text("squeezed by tintin");
    pane.keys(&["Enter"]);
    pane.wait_for("squeezed by tintin");
    // Text only the server sends, after the line came back through the compressed stream.
    pane.type_text("quit");
    pane.keys(&["Enter"]);
    pane.wait_for("Goodbye!");
    let log = server.log();
    assert!(!log.contains("corrupt"), "{log}");
}

// ----- ironboa-client -----

#[test]
fn ironboa_client_compression_flag_against_ironboa_server() {
    let server = Server::start("ironboa-client", &["--compression"]);
    let mut command = Command::new(CLIENT);
    command.args(["--compression", "127.0.0.1", &server.port.to_string()]);
    let mut client = Piped::start(command);
    assert!(client.shows("Welcome to ironboa"), "{:?}", client.output());
    assert!(server.logged("output layer mccp2 on"), "{}", server.log());
    assert!(server.logged("input layer mccp3 on"), "{}", server.log());
    client.type_text("both ways\nquit\n");
    assert!(client.shows("Goodbye!"), "{:?}", client.output());
    assert!(client.output().contains("both ways"));
}

#[test]
fn ironboa_client_no_compression_flag_refuses_it() {
    let server = Server::start("ironboa-client-no", &["--compression"]);
    let mut command = Command::new(CLIENT);
    command.args(["--no-compression", "127.0.0.1", &server.port.to_string()]);
    let mut client = Piped::start(command);
    assert!(client.shows("Welcome to ironboa"), "{:?}", client.output());
    client.type_text("plain\nquit\n");
    assert!(client.shows("Goodbye!"), "{:?}", client.output());
    let log = server.log();
    assert!(log.contains("recv DONT MCCP2"), "{log}");
    assert!(!log.contains("output layer mccp2 on"), "{log}");
}
