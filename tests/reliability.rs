//! Hostile peers, faults, and no lost data (issue 7). Memory bounds are measured on the
//! ironboa-server binary's own process; the rest run against in-process servers.
#![cfg(feature = "cli")]

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use ironboa::client::{ClientConfig, Telnet};
use ironboa::{BlockingTelnetServer, Error, ServerConfig, ServerConnection, TelnetOption, WaitFor};
use support::eventually;
use support::server_bin::ServerProcess;

const T: Option<Duration> = Some(Duration::from_secs(20));
/// The documented bound on how much a hostile connection may grow the server's resident
/// memory (README, Reliability): the engine's limits keep it far below this.
const RSS_BOUND_KIB: u64 = 16 * 1024;

// ----- helpers -----

/// A raw socket that answers the opening DO TTYPE with WONT (a dumb client), with a thread
/// that reads and counts everything the server sends.
struct RawPeer {
    stream: TcpStream,
    received: Arc<Mutex<Vec<u8>>>,
    _reader: thread::JoinHandle<()>,
}

impl RawPeer {
    fn connect(port: u16) -> RawPeer {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(&[255, 252, 24]).unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        let mut reading = stream.try_clone().unwrap();
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reading.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut all = sink.lock().unwrap();
                if all.len() < 4 << 20 {
                    all.extend_from_slice(&buf[..n]);
                }
            }
        });
        RawPeer {
            stream,
            received,
            _reader: reader,
        }
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    fn received(&self) -> Vec<u8> {
        self.received.lock().unwrap().clone()
    }
}

fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Dense in IAC, CR and NUL: one byte in 16 each, besides the uniform rest.
            match i % 16 {
                0 => 255,
                5 => b'\r',
                9 => 0,
                _ => x as u8,
            }
        })
        .collect()
}

fn echo_bytes(conn: ServerConnection) {
    while let Ok(bytes) = conn.read_bytes(64 * 1024, None) {
        if conn.write_bytes(&bytes).is_err() {
            return;
        }
    }
}

fn in_process(config: ServerConfig, handler: fn(ServerConnection)) -> BlockingTelnetServer {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server.serve_in_background(handler).unwrap();
    server
}

// ----- no lost or corrupted data -----

#[test]
fn sixteen_mib_of_random_bytes_through_binary_arrive_identical() {
    let server = in_process(ServerConfig::default(), echo_bytes);
    let conn = Arc::new(Telnet::open(server.local_addr(), binary_client()).unwrap());
    conn.wait_for(
        &WaitFor::new().local("BINARY", true).remote("BINARY", true),
        T,
    )
    .unwrap();
    let data = Arc::new(random_bytes(16 << 20, 7));
    let (writer_conn, to_send) = (Arc::clone(&conn), Arc::clone(&data));
    let writer = thread::spawn(move || {
        for chunk in to_send.chunks(100_003) {
            writer_conn.write(chunk).unwrap();
        }
    });
    let mut back = Vec::with_capacity(data.len());
    while back.len() < data.len() {
        let chunk = conn.read_some().unwrap();
        assert!(!chunk.is_empty(), "closed after {} bytes", back.len());
        back.extend(chunk);
    }
    writer.join().unwrap();
    assert!(back == *data, "the echoed data differs");
    server.shutdown();
}

#[test]
fn utf8_text_in_nvt_mode_arrives_identical() {
    fn handler(conn: ServerConnection) {
        // Stay in NVT: no BINARY either way.
        conn.with_engine(|e| {
            e.disable_local(TelnetOption::BINARY);
            e.disable_remote(TelnetOption::BINARY);
        })
        .unwrap();
        while let Ok(line) = conn.readline(None) {
            if conn.send(&format!("{line}\n")).is_err() {
                return;
            }
        }
    }
    let server = in_process(ServerConfig::default(), handler);
    let conn = Telnet::open(server.local_addr(), ClientConfig::default()).unwrap();
    conn.wait_for(
        &WaitFor::new()
            .remote("BINARY", false)
            .local("BINARY", false),
        T,
    )
    .unwrap();
    let lines: Vec<String> = (0..2000)
        .map(|i| format!("{i}: héllo wörld ☺ 日本語 \u{1F600} tab\there \u{ff} end"))
        .collect();
    for line in &lines {
        conn.connection().write(&format!("{line}\r\n")).unwrap();
    }
    for line in &lines {
        assert_eq!(&conn.readline(T).unwrap(), line);
    }
    server.shutdown();
}

#[test]
fn a_write_then_close_delivers_every_byte_before_the_fin() {
    fn handler(conn: ServerConnection) {
        let _ = conn.write_bytes(&random_bytes(4 << 20, 11));
        conn.close();
    }
    let server = in_process(ServerConfig::default().force_binary(true), handler);
    let conn = Telnet::open(
        server.local_addr(),
        ClientConfig::default().force_binary(true),
    )
    .unwrap();
    assert!(conn.read_all().unwrap() == random_bytes(4 << 20, 11));
    server.shutdown();
}

// ----- bounded memory, attacks -----

/// Runs `attack` on a raw connection, then checks the server's memory stayed within the bound
/// and another client is served.
fn survives(server: &mut ServerProcess, name: &str, attack: impl FnOnce(&mut RawPeer)) {
    let before = server.rss_kib();
    let mut peer = RawPeer::connect(server.port);
    attack(&mut peer);
    server.probe();
    let after = server.rss_kib();
    assert!(server.alive(), "{name}: the server died");
    assert!(
        after < before + RSS_BOUND_KIB,
        "{name}: server RSS grew from {before} to {after} KiB"
    );
    eprintln!("{name}: server RSS {before} -> {after} KiB");
    drop(peer);
}

#[test]
fn hostile_inputs_leave_memory_bounded_and_others_served() {
    // Plain replies to read: a flood that says DO MCCP2 would otherwise get compressed ones
    // (tests/mccp.rs floods a compressing server).
    let mut server = ServerProcess::start(&["--no-compression"]);
    server.probe();
    survives(&mut server, "100 MiB without a line end", |peer| {
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..100 {
            peer.send(&chunk).unwrap();
        }
        peer.send(b"\r\nafter\r\n").unwrap();
        assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
            .contains("after\r\n")));
        // The peer was told, in a line.
        assert!(String::from_utf8_lossy(&peer.received()).contains("longer than 8192 bytes"));
    });
    survives(&mut server, "an IAC SB that never ends (100 MiB)", |peer| {
        peer.send(&[255, 250, 24]).unwrap();
        let chunk = vec![b'z'; 1 << 20];
        for _ in 0..100 {
            peer.send(&chunk).unwrap();
        }
        // It ends at last; the stream is in sync again.
        peer.send(b"\xff\xf0in sync\r\n").unwrap();
        assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
            .contains("in sync\r\n")));
    });
    survives(&mut server, "10,000 negotiation commands", |peer| {
        let mut flood = Vec::new();
        for i in 0..10_000u32 {
            flood.extend_from_slice(&[255, 251 + (i % 4) as u8, (i % 256) as u8]);
        }
        peer.send(&flood).unwrap();
        peer.send(b"still here\r\n").unwrap();
        assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
            .contains("still here\r\n")));
    });
}

#[test]
fn the_attacks_that_broke_the_c_daemons() {
    // Plain replies to read (see above).
    let mut server = ServerProcess::start(&["--no-compression"]);
    server.probe();
    survives(
        &mut server,
        "oversized LINEMODE SLC (CVE-2026-32746)",
        |peer| {
            let mut sb = vec![255, 250, 34, 3];
            for i in 0..100_000u32 {
                sb.extend_from_slice(&[(i % 30) as u8 + 1, 2, (i % 200) as u8]);
            }
            sb.extend_from_slice(&[255, 240]);
            peer.send(&sb).unwrap();
            peer.send(b"ok1\r\n").unwrap();
            assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
                .contains("ok1\r\n")));
        },
    );
    survives(
        &mut server,
        "IAC EC / IAC EL bursts before anything (CVE-2022-39028)",
        |peer| {
            let burst: Vec<u8> = (0..100_000)
                .flat_map(|i| [255, if i % 2 == 0 { 247 } else { 248 }])
                .collect();
            peer.send(&burst).unwrap();
            peer.send(b"ok2\r\n").unwrap();
            assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
                .contains("ok2\r\n")));
        },
    );
    survives(&mut server, "long ENCRYPT key-id (CVE-2011-4862)", |peer| {
        let mut sb = vec![255, 250, 38, 7]; // ENCRYPT ENC_KEYID
        sb.extend(std::iter::repeat_n(b'k', 64 * 1024));
        sb.extend_from_slice(&[255, 240]);
        peer.send(&sb).unwrap();
        peer.send(b"ok3\r\n").unwrap();
        assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
            .contains("ok3\r\n")));
    });
    survives(&mut server, "AYT flood (BSD telrcv)", |peer| {
        let flood: Vec<u8> = (0..100_000).flat_map(|_| [255, 246]).collect();
        peer.send(&flood).unwrap();
        peer.send(b"ok4\r\n").unwrap();
        assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
            .contains("ok4\r\n")));
    });
    survives(&mut server, "urgent data with IAC DM (Synch)", |peer| {
        let socket = socket2::SockRef::from(&peer.stream);
        for _ in 0..100 {
            socket.send_out_of_band(&[255]).unwrap();
            (&peer.stream).write_all(&[242]).unwrap(); // DM
        }
        peer.send(b"ok5\r\n").unwrap();
        assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
            .contains("ok5\r\n")));
    });
    survives(
        &mut server,
        "DO and WILL for every option at once",
        |peer| {
            let all: Vec<u8> = (0..=255u8)
                .flat_map(|o| [255, 253, o, 255, 251, o])
                .collect();
            peer.send(&all).unwrap();
            peer.send(b"ok6\r\n").unwrap();
            assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
                .contains("ok6\r\n")));
        },
    );
}

// ----- negotiation loops -----

fn negotiation_replies(received: &[u8], verbs: &[u8], option: u8) -> usize {
    received
        .windows(3)
        .filter(|w| w[0] == 255 && verbs.contains(&w[1]) && w[2] == option)
        .count()
}

#[test]
fn an_option_flipped_10000_times_gets_one_reply_per_change() {
    let server = ServerProcess::start(&[]);
    let mut peer = RawPeer::connect(server.port);
    // NAWS is one the server accepts: WILL gets DO, WONT gets DONT: one reply each.
    let flips: Vec<u8> = (0..10_000)
        .flat_map(|i| [255, if i % 2 == 0 { 251 } else { 252 }, 31])
        .collect();
    peer.send(&flips).unwrap();
    peer.send(b"done\r\n").unwrap();
    assert!(eventually(20, || String::from_utf8_lossy(&peer.received())
        .contains("done\r\n")));
    let replies = negotiation_replies(&peer.received(), &[253, 254], 31);
    assert!(replies <= 10_000, "{replies} replies to 10,000 changes");
    assert!(replies >= 9_999, "the changes were answered: {replies}");
}

#[test]
fn a_peer_that_agrees_to_everything_does_not_loop() {
    let server = ServerProcess::start(&["--raw-mode"]);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut total = Vec::new();
    let mut buf = [0u8; 4096];
    // Answer every DO with WILL and every WILL with DO, for as long as the server talks.
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(_) => break, // quiet for 0.7 s: negotiation is over
        };
        total.extend_from_slice(&buf[..n]);
        let mut reply = Vec::new();
        for w in buf[..n].windows(3) {
            match (w[0], w[1]) {
                (255, 253) => reply.extend_from_slice(&[255, 251, w[2]]),
                (255, 251) => reply.extend_from_slice(&[255, 253, w[2]]),
                _ => {}
            }
        }
        stream.write_all(&reply).unwrap();
        assert!(
            total.len() < 64 * 1024,
            "the server keeps negotiating: {} bytes",
            total.len()
        );
    }
    for option in 0..=255u8 {
        let offers = negotiation_replies(&total, &[251, 253], option);
        assert!(offers <= 2, "option {option} offered {offers} times");
    }
}

// ----- slow, silent and non-reading peers -----

#[test]
fn a_thousand_silent_peers_do_not_stop_a_new_client_and_idle_timeout_closes_them() {
    let server = ServerProcess::start(&["--idle-timeout", "2", "--connect-maxwait", "0.2"]);
    let silent: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).unwrap())
        .collect();
    server.probe();
    // The idle timeout closes every one of them.
    for mut stream in silent {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
    server.probe();
}

#[test]
fn a_peer_that_never_reads_is_closed_after_the_write_timeout() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default().write_timeout(Duration::from_secs(1)),
    )
    .unwrap();
    server
        .serve_in_background(move |conn| {
            let mut result = Ok(());
            while result.is_ok() {
                result = conn
                    .readline(None)
                    .and_then(|line| conn.send(&format!("{line} {line} {line}\n")));
            }
            tx.lock().unwrap().send(format!("{result:?}")).unwrap();
        })
        .unwrap();
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.write_all(&[255, 252, 24]).unwrap();
    // Flood lines whose echoes back up, and never read. Our own writes stop once the server
    // stops reading; do them on a thread.
    let mut writer = stream.try_clone().unwrap();
    thread::spawn(move || {
        let line = [vec![b'x'; 1000], b"\r\n".to_vec()].concat();
        while writer.write_all(&line).is_ok() {}
    });
    let result = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the handler ended");
    assert!(
        result.contains("Timeout") || result.contains("Closed"),
        "{result}"
    );
    assert!(eventually(10, || server.connection_count() == 0));
    drop(stream);
    server.shutdown();
}

#[test]
fn a_trickle_that_completes_nothing_does_not_hold_a_slot() {
    // One slot, a one-second idle timeout, and a peer that sends one byte of an endless
    // subnegotiation every 50 ms: bytes arrive, but no complete input ever does.
    let server = ServerProcess::start(&[
        "--idle-timeout",
        "1",
        "--connect-maxwait",
        "0.2",
        "--max-connections",
        "1",
    ]);
    let mut trickle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    trickle.write_all(&[255, 252, 24, 255, 250, 201]).unwrap();
    let mut writer = trickle.try_clone().unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    let dripping = thread::spawn(move || {
        let mut sent = 0u64;
        while !stopped.load(std::sync::atomic::Ordering::Relaxed) && writer.write_all(b"x").is_ok()
        {
            sent += 1;
            thread::sleep(Duration::from_millis(50));
        }
        sent
    });
    // The idle timeout closes it anyway: its read sees the end of the stream.
    trickle
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut sink = Vec::new();
    let ended = trickle.read_to_end(&mut sink);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = dripping.join().unwrap();
    assert!(ended.is_ok(), "the connection was closed: {ended:?}");
    // It dripped all along (one byte per 50 ms until the close), and was closed anyway: had
    // each byte restarted the idle clock, the read above would have timed out instead.
    assert!(
        sent >= 5,
        "the peer kept dripping while it waited ({sent} bytes)"
    );
    // And the slot is free for a well-behaved client.
    server.probe();
}

#[test]
fn a_write_to_a_peer_that_reads_a_trickle_fails_within_the_write_timeout() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default().write_timeout(Duration::from_secs(1)),
    )
    .unwrap();
    server
        .serve_in_background(move |conn| {
            // One 8 MiB write: it cannot finish against a reader of 100 bytes per 10 ms.
            let result = conn.write_bytes(&vec![b'x'; 8 << 20]);
            tx.lock().unwrap().send(format!("{result:?}")).unwrap();
        })
        .unwrap();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&server.local_addr().into()).unwrap();
    let mut stream: TcpStream = socket.into();
    stream.write_all(&[255, 252, 24]).unwrap();
    let reading = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let still_reading = Arc::clone(&reading);
    let mut reader = stream.try_clone().unwrap();
    let trickle = thread::spawn(move || {
        // Each read makes some progress, so a per-send timeout would never fire.
        let mut buf = [0u8; 100];
        while still_reading.load(std::sync::atomic::Ordering::Relaxed) {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    let result = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the write ended");
    reading.store(false, std::sync::atomic::Ordering::Relaxed);
    assert!(result.contains("Timeout"), "{result}");
    drop(stream);
    let _ = trickle.join();
    server.shutdown();
}

/// A chat room member that never reads: a raw socket with a small receive buffer that answers
/// nothing.
fn deaf_member(port: u16) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket
        .connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())
        .unwrap();
    let mut stream: TcpStream = socket.into();
    stream.write_all(&[255, 252, 24]).unwrap();
    stream
}

/// A member that reads everything; its lines arrive on the returned channel.
fn listening_member(port: u16) -> (TcpStream, mpsc::Receiver<String>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(&[255, 252, 24]).unwrap();
    let (tx, rx) = mpsc::channel();
    let reading = stream.try_clone().unwrap();
    thread::spawn(move || {
        // Bytes, not text: the server's negotiation (IAC ...) comes first.
        let mut lines = std::io::BufReader::new(reading);
        let mut line = Vec::new();
        while std::io::BufRead::read_until(&mut lines, b'\n', &mut line).is_ok_and(|n| n > 0) {
            let text = String::from_utf8_lossy(&line).into_owned();
            line.clear();
            if tx.send(text).is_err() {
                break;
            }
        }
    });
    (stream, rx)
}

/// 2,000 lines of 4,000 bytes (8 MB), in batches of 25 that the listening member hears before
/// the next one goes: the room talks as fast as a healthy member listens, which never leaves
/// that member more than a batch (100 KB) behind, while a deaf member falls behind by all of it.
/// Returns how many lines the listener heard.
fn speak_in_batches(speaker: &mut TcpStream, heard: &mpsc::Receiver<String>, fill: char) -> usize {
    let marker = fill.to_string().repeat(4000);
    let line = format!("{marker}\r\n");
    let mut total = 0;
    for _ in 0..80 {
        for _ in 0..25 {
            speaker.write_all(line.as_bytes()).unwrap();
        }
        let batch = await_lines(heard, &marker, 25);
        total += batch;
        if batch < 25 {
            break;
        }
    }
    total
}

/// Waits for `count` lines containing `marker` on `lines`.
fn await_lines(lines: &mpsc::Receiver<String>, marker: &str, count: usize) -> usize {
    let mut seen = 0;
    while seen < count {
        match lines.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.contains(marker) => seen += 1,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    seen
}

#[test]
fn a_member_that_never_reads_does_not_freeze_the_room() {
    let server = ServerProcess::start(&["--shell", "chat", "--connect-maxwait", "0.2"]);
    let _deaf = deaf_member(server.port);
    let (mut speaker, _) = listening_member(server.port);
    let (_listener, heard) = listening_member(server.port);
    // Both are in the room once the listener hears the speaker.
    let joined = (0..300).any(|_| {
        speaker.write_all(b"ping\r\n").unwrap();
        matches!(heard.recv_timeout(Duration::from_millis(100)), Ok(line) if line.contains("ping"))
    });
    assert!(joined, "the listener never heard the speaker");
    // 2,000 lines of 4,000 bytes: far more than the deaf member's buffers hold.
    let heard_all = speak_in_batches(&mut speaker, &heard, 'y');
    assert_eq!(heard_all, 2000, "the room kept talking");
}

#[test]
fn a_library_broadcast_is_not_stalled_by_a_peer_that_never_reads() {
    let server = BlockingTelnetServer::bind(
        "127.0.0.1:0",
        ServerConfig::default().connect_maxwait(Duration::from_millis(200)),
    )
    .unwrap();
    let room = server.clone();
    server
        .serve_in_background(move |conn| {
            while let Ok(line) = conn.readline(None) {
                room.broadcast(&format!("{line}\n"), Some(conn.id()));
            }
        })
        .unwrap();
    let port = server.local_addr().port();
    let deaf = deaf_member(port);
    let (mut speaker, _) = listening_member(port);
    let (_listener, heard) = listening_member(port);
    assert!(eventually(10, || server.connection_count() == 3));
    // 8 MB: more than the kernel buffers for the deaf member and its 256 KiB queue.
    let heard_all = speak_in_batches(&mut speaker, &heard, 'z');
    assert_eq!(heard_all, 2000, "every line was heard");
    // The deaf member went past max_queued_output and was disconnected.
    assert!(eventually(10, || server.connection_count() == 2));
    drop(deaf);
    server.shutdown();
}

// ----- resource exhaustion -----

#[test]
fn running_out_of_descriptors_backs_off_and_recovers() {
    // 32 descriptors: a handful for the process, the rest for connections.
    let server = ServerProcess::start_with("ulimit -n 32;", &[]);
    server.probe();
    let flood: Vec<TcpStream> = (0..60)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", server.port)).ok())
        .collect();
    // The listener now fails to accept: it must back off, not spin.
    let ticks_before = server.cpu_ticks();
    thread::sleep(Duration::from_secs(2));
    let busy = server.cpu_ticks() - ticks_before;
    assert!(
        busy < 50,
        "the server burned {busy} ticks in 2 s while out of descriptors"
    );
    drop(flood);
    // Descriptors free up: served again.
    let served = eventually(30, || std::panic::catch_unwind(|| server.probe()).is_ok());
    assert!(served, "the server did not recover");
}

// ----- abrupt ends -----

#[test]
fn abrupt_ends_free_the_thread_and_descriptor() {
    let server = in_process(ServerConfig::default(), |conn| {
        let _ = conn.send("hello\n");
        while let Ok(line) = conn.readline(None) {
            if line == "big" {
                // A reply the peer will not wait for.
                if conn.write_bytes(&vec![b'y'; 8 << 20]).is_err() {
                    return;
                }
            } else if conn.send(&format!("{line}\n")).is_err() {
                return;
            }
        }
    });
    let addr = server.local_addr();

    // Reset mid-write.
    let stream = TcpStream::connect(addr).unwrap();
    (&stream).write_all(b"\xff\xfc\x18big\r\n").unwrap();
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    thread::sleep(Duration::from_millis(50));
    drop(stream); // RST

    // Half-close after a line: the reply still arrives.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(b"\xff\xfc\x18half\r\n").unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    assert!(
        String::from_utf8_lossy(&reply).contains("half\r\n"),
        "{reply:?}"
    );

    // Vanish mid-negotiation: read DO TTYPE and leave.
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut first = [0u8; 3];
    stream.read_exact(&mut first).unwrap();
    drop(stream);

    assert!(
        eventually(20, || server.connection_count() == 0),
        "{} left",
        server.connection_count()
    );
    assert!(server.shutdown(), "every thread ended");
}

#[test]
fn shutdown_with_a_thousand_handlers_blocked_in_readline() {
    let server = in_process(ServerConfig::default(), |conn| {
        let _ = conn.readline(None);
    });
    let streams: Vec<TcpStream> = (0..1000)
        .map(|_| {
            let mut s = TcpStream::connect(server.local_addr()).unwrap();
            s.write_all(&[255, 252, 24]).unwrap();
            s
        })
        .collect();
    assert!(
        eventually(30, || server.connection_count() == 1000),
        "{}",
        server.connection_count()
    );
    assert!(
        server.shutdown(),
        "shutdown returned before every thread ended"
    );
    assert_eq!(server.connection_count(), 0);
    for mut stream in streams {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut sink = Vec::new();
        assert!(
            stream.read_to_end(&mut sink).is_ok(),
            "each connection ends cleanly"
        );
    }
    assert!(matches!(
        server.accept(Some(Duration::from_millis(10))),
        Err(Error::Closed)
    ));
}

/// A client that asks for BINARY both ways (a line-mode server offers it only to clients that
/// ask: see the opening negotiation).
fn binary_client() -> ClientConfig {
    ClientConfig::default()
        .offer_local(&[ironboa::TelnetOption::BINARY])
        .offer_remote(&[ironboa::TelnetOption::BINARY])
}
