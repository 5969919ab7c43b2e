//! MCCP2's benchmark (run by scripts/bench.sh through bench/run.py; the `mccp` feature):
//!
//! ```text
//! mccp_bench bulk MIB              # MiB/s of MUD-like text through MCCP2 over loopback, plain
//!                                  # beside it, flate2 compressing the same text alone (the
//!                                  # ceiling), and the ratio kept, in bulk and line by line
//! mccp_bench serve ADDR MODE       # a server (MODE offer or refuse) that greets each connection
//!                                  # with a room and keeps it open; prints its address
//! mccp_bench hold ADDR N PID       # N clients that take compression when offered and read the
//!                                  # greeting, then sit idle: the server's RSS per connection
//! ```
//!
//! Output is `key=value` pairs on one line. The text is generated MUD output: rooms, exits,
//! chatter and prompts with colour codes, not repetitive enough to flatter the ratio.

use std::io::Write;
use std::time::{Duration, Instant};

use ironboa::compress::Compression;
use ironboa::{BlockingTelnetServer, ClientConfig, ServerConfig, TelnetConnection, TelnetOption};

const T: Option<Duration> = Some(Duration::from_secs(60));
const GREETING_END: &str = "<100hp 50m 120mv> ";

/// Generated MUD output, `len` bytes.
fn mud_text(len: usize) -> Vec<u8> {
    const NAMES: &[&str] = &["Aldric", "Mira", "Thorn", "Quill", "Brannoc", "Sefa", "Ivo"];
    const ROOMS: &[&str] = &[
        "The Town Square",
        "A Dusty Road",
        "The Rusty Tankard",
        "Outside the North Gate",
        "The Market Stalls",
        "A Dark Alley",
    ];
    const SAYS: &[&str] = &[
        "Has anyone seen the blacksmith today?",
        "I'll trade you three wolf pelts for that lantern.",
        "The dragon was spotted near the eastern hills again.",
        "Need a healer at the gate, quickly!",
        "Selling potions, cheap, ask me.",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = Vec::with_capacity(len + 512);
    while text.len() < len {
        let r = next();
        let name = NAMES[(r >> 8) as usize % NAMES.len()];
        let line = match r % 5 {
            0 => format!(
                "\x1b[1;36m{}\x1b[0m\r\nYou are standing in {}. Torches flicker along the walls.\r\n\
                 \x1b[32mExits: north east {}\x1b[0m\r\n",
                ROOMS[(r >> 16) as usize % ROOMS.len()],
                ROOMS[(r >> 24) as usize % ROOMS.len()].to_lowercase(),
                ["south", "west", "up", "down"][(r >> 32) as usize % 4]
            ),
            1 => format!(
                "\x1b[33m{name} says, '{}'\x1b[0m\r\n",
                SAYS[(r >> 16) as usize % SAYS.len()]
            ),
            2 => format!(
                "{name} hits the goblin for {} damage. The goblin is {}.\r\n",
                r % 40,
                ["wounded", "bleeding", "nearly dead", "unhurt"][(r >> 20) as usize % 4]
            ),
            3 => format!(
                "<{}hp {}m {}mv> ",
                r % 200,
                (r >> 10) % 120,
                (r >> 20) % 150
            ),
            _ => format!(
                "You get {} gold coins from the corpse of a {}.\r\n",
                r % 90,
                ["goblin", "rat", "bandit", "wolf"][(r >> 12) as usize % 4]
            ),
        };
        text.extend_from_slice(line.as_bytes());
    }
    text.truncate(len);
    text
}

/// One connection through `compression`: the server writes `text` in `piece`-byte writes, the
/// client reads it all. Returns (seconds, bytes on the wire).
fn through(text: &[u8], piece: usize, compression: Compression) -> (f64, u64) {
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default()
            .compression(compression)
            .never_send_ga(true),
    )
    .unwrap();
    let (done, sent) = std::sync::mpsc::channel();
    let done = std::sync::Mutex::new(done);
    let body = text.to_vec();
    server
        .serve_in_background(move |conn| {
            conn.write("go\r\n").unwrap();
            let _ = conn.readline(T);
            for chunk in body.chunks(piece) {
                conn.write_bytes(chunk).unwrap();
            }
            let _ = conn.readline(T);
            done.lock().unwrap().send(conn.bytes_sent()).unwrap();
        })
        .unwrap();
    let conn = TelnetConnection::connect(server.local_addr(), ClientConfig::default()).unwrap();
    conn.read_until("go\r\n", T).unwrap();
    let start_sent = server
        .clients()
        .first()
        .map(|c| c.bytes_sent())
        .unwrap_or(0);
    let t0 = Instant::now();
    conn.write("start\r\n").unwrap();
    let mut got = 0;
    while got < text.len() {
        got += conn.read_bytes(text.len() - got, T).unwrap().len();
    }
    let seconds = t0.elapsed().as_secs_f64();
    if compression == Compression::Offer {
        assert!(conn.remote_enabled(TelnetOption::MCCP2));
    }
    conn.write("end\r\n").unwrap();
    let total = sent.recv_timeout(Duration::from_secs(60)).unwrap();
    server.shutdown();
    (seconds, total - start_sent)
}

/// flate2 alone, memory to memory, the same text in the same pieces with a sync flush after
/// each (as a stream compressor must): the ceiling. Its stream keeps zlib's default 32 KiB
/// window and level 6, and one compressor for the whole run.
fn flate2_alone(text: &[u8], piece: usize) -> (f64, u64) {
    let t0 = Instant::now();
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    for chunk in text.chunks(piece) {
        encoder.write_all(chunk).unwrap();
        encoder.flush().unwrap();
    }
    let out = encoder.finish().unwrap();
    (t0.elapsed().as_secs_f64(), out.len() as u64)
}

fn bulk(mib: usize) {
    let text = mud_text(mib << 20);
    let mib_f = text.len() as f64 / (1 << 20) as f64;
    let (plain_s, plain_wire) = through(&text, 64 * 1024, Compression::Refuse);
    let (mccp_s, mccp_wire) = through(&text, 64 * 1024, Compression::Offer);
    let (flate_s, flate_out) = flate2_alone(&text, 64 * 1024);
    // Line by line: a MUD writes a line or a prompt at a time.
    let lines = &text[..text.len().min(4 << 20)];
    let lines_mib = lines.len() as f64 / (1 << 20) as f64;
    let (lines_s, lines_wire) = through(lines, 80, Compression::Offer);
    let (lines_plain_s, _) = through(lines, 80, Compression::Refuse);
    let (flate_lines_s, flate_lines_out) = flate2_alone(lines, 80);
    println!(
        "mib={mib_f:.0} plain_mibps={:.0} plain_wire={plain_wire} mccp2_mibps={:.0} mccp2_wire={mccp_wire} \
         mccp2_ratio={:.2} flate2_mibps={:.0} flate2_ratio={:.2} lines_mib={lines_mib:.0} \
         lines_plain_mibps={:.1} lines_mccp2_mibps={:.1} lines_mccp2_ratio={:.2} lines_flate2_mibps={:.1} lines_flate2_ratio={:.2}",
        mib_f / plain_s,
        mib_f / mccp_s,
        text.len() as f64 / mccp_wire as f64,
        mib_f / flate_s,
        text.len() as f64 / flate_out as f64,
        lines_mib / lines_plain_s,
        lines_mib / lines_s,
        lines.len() as f64 / lines_wire as f64,
        lines_mib / flate_lines_s,
        lines.len() as f64 / flate_lines_out as f64,
    );
}

fn serve(addr: &str, mode: &str) {
    let compression = match mode {
        "offer" => Compression::Offer,
        _ => Compression::Refuse,
    };
    let mut config = ServerConfig::default()
        .compression(compression)
        .max_connections(15_000);
    if mode == "offer-mccp2" {
        // MCCP2 only: the client compresses nothing back.
        config = config
            .compression(Compression::Accept)
            .offer_local(&[TelnetOption::MCCP2]);
    }
    let server = BlockingTelnetServer::bind(addr, config).unwrap();
    println!("listening on {}", server.local_addr());
    let greeting = String::from_utf8(mud_text(600)).unwrap();
    server
        .serve_forever(move |conn| {
            if conn.send(&greeting).is_err() || conn.send(GREETING_END).is_err() {
                return;
            }
            while conn.readline(None).is_ok() {}
        })
        .unwrap();
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn hold(addr: &str, n: usize, pid: u32) {
    let before = rss_kib(pid);
    let config = ClientConfig::default()
        .connect_minwait(Duration::ZERO)
        .read_timeout(T);
    let mut compressed = 0;
    let clients: Vec<TelnetConnection> = (0..n)
        .map(|_| {
            let client = TelnetConnection::connect(addr, config.clone()).unwrap();
            client.read_until(GREETING_END, T).unwrap();
            compressed += usize::from(client.remote_enabled(TelnetOption::MCCP2));
            client
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let after = rss_kib(pid);
    println!(
        "connections={n} compressed={compressed} rss_before_kib={before} rss_after_kib={after} per_connection_kib={:.1}",
        after.saturating_sub(before) as f64 / n as f64
    );
    drop(clients);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match arg(0) {
        "bulk" => bulk(arg(1).parse().unwrap_or(64)),
        "serve" => serve(arg(1), arg(2)),
        "hold" => hold(arg(1), arg(2).parse().unwrap(), arg(3).parse().unwrap()),
        _ => {
            eprintln!("usage: mccp_bench bulk MIB | serve ADDR offer|refuse | hold ADDR N PID");
            std::process::exit(2);
        }
    }
}
