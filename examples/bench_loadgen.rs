//! The benchmark harness's load generator (run by scripts/bench.sh). It speaks Telnet through
//! ironboa's engine over plain sockets, refusing every option as Python's telnetlib does, so
//! every server under test meets the same client.
//!
//! ```text
//! bench_loadgen rt ADDR CONNECTIONS SECONDS     # round trips/s, p50 and p99 latency
//! bench_loadgen stream ADDR MIB [--dense]       # MiB/s through one BINARY connection
//! bench_loadgen hold ADDR N SERVER_PID          # N idle connections: server RSS per connection
//! bench_loadgen accept ADDR N                   # time to accept and negotiate N connections
//! bench_loadgen flat ADDR MIB SERVER_PID        # server RSS while MIB stream through
//! bench_loadgen delay ADDR CONNECTIONS REQUESTS  # reply latency when the server sleeps after
//!                                               # each reply (bench_server --delayed)
//! bench_loadgen handshakes ADDR N PARALLEL --tls DIR  # N TLS connections (handshake, greeting,
//!                                               # one echo, close), PARALLEL at a time
//! bench_loadgen cert DIR                        # makes DIR/cert.pem and DIR/key.pem
//! ```
//! Each prints one line of `key=value` figures.
//!
//! With `--tls DIR`, every command speaks TLS (rustls, ring) and trusts only `DIR/cert.pem`, a
//! self-signed certificate for `localhost` that `cert DIR` makes with rcgen. It resumes no
//! session, so every connection is a full handshake.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use ironboa::TelnetOption;
use ironboa::proto::{DataEncoding, Engine, EngineConfig, OptionSet, Policy, encode_data};
use ironboa::tls::rustls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// The TLS client configuration when `--tls DIR` was given.
static TLS: OnceLock<Option<Arc<rustls::ClientConfig>>> = OnceLock::new();

/// A client configuration that trusts only `DIR/cert.pem` and resumes no session.
fn tls_config(dir: &Path) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(dir.join("cert.pem")).expect("cert.pem") {
        roots.add(cert.expect("certificate")).expect("trust anchor");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.resumption = rustls::client::Resumption::disabled();
    Arc::new(config)
}

/// Makes a self-signed certificate for `localhost` and 127.0.0.1 (ECDSA P-256, rcgen's
/// default) and its key, as `DIR/cert.pem` and `DIR/key.pem`.
fn make_certificate(dir: &Path) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(names).expect("certificate");
    std::fs::create_dir_all(dir).expect("directory");
    std::fs::write(dir.join("cert.pem"), cert.pem()).expect("cert.pem");
    std::fs::write(dir.join("key.pem"), key_pair.serialize_pem()).expect("key.pem");
    println!("cert={}", dir.join("cert.pem").display());
}

/// The client's side of the wire: the socket, and the TLS connection over it when `--tls` was
/// given. Clones share both, so one thread can write while another reads, each holding the
/// TLS connection's lock only while it encrypts or decrypts (as ironboa's TLS layer does).
#[derive(Clone)]
struct Wire {
    tcp: Arc<TcpStream>,
    tls: Option<Arc<Mutex<rustls::ClientConnection>>>,
}

impl Wire {
    fn connect(addr: &str) -> io::Result<Wire> {
        let target = std::net::ToSocketAddrs::to_socket_addrs(addr)?
            .next()
            .ok_or(io::ErrorKind::NotFound)?;
        let tcp = TcpStream::connect_timeout(&target, Duration::from_secs(20))?;
        tcp.set_nodelay(true)?;
        // A server that stops answering fails the measurement instead of hanging it.
        tcp.set_read_timeout(Some(Duration::from_secs(20)))?;
        let tls = match TLS.get().cloned().flatten() {
            None => None,
            Some(config) => {
                let name = ServerName::try_from("localhost").expect("name");
                let mut connection =
                    rustls::ClientConnection::new(config, name).map_err(io::Error::other)?;
                while connection.is_handshaking() {
                    connection.complete_io(&mut &tcp)?;
                }
                // Whole writes of up to 128 KiB are encrypted at once, records taken after.
                connection.set_buffer_limit(None);
                Some(Arc::new(Mutex::new(connection)))
            }
        };
        Ok(Wire {
            tcp: Arc::new(tcp),
            tls,
        })
    }

    fn write_all(&self, data: &[u8]) -> io::Result<()> {
        match &self.tls {
            None => (&*self.tcp).write_all(data),
            Some(tls) => {
                let mut records = Vec::with_capacity(data.len() + 256);
                {
                    let mut connection = tls.lock().unwrap();
                    connection.writer().write_all(data)?;
                    while connection.wants_write() {
                        connection.write_tls(&mut records)?;
                    }
                }
                (&*self.tcp).write_all(&records)
            }
        }
    }

    /// Decrypts `input` (records read from the socket) into `plain`.
    fn decode(tls: &Mutex<rustls::ClientConnection>, mut input: &[u8], plain: &mut Vec<u8>) {
        let mut connection = tls.lock().unwrap();
        loop {
            let mut reader = connection.reader();
            loop {
                let chunk = match reader.fill_buf() {
                    Ok(chunk) if !chunk.is_empty() => chunk,
                    _ => break,
                };
                plain.extend_from_slice(chunk);
                let n = chunk.len();
                reader.consume(n);
            }
            if input.is_empty() {
                return;
            }
            connection.read_tls(&mut input).expect("read_tls");
            connection.process_new_packets().expect("TLS records");
        }
    }

    /// Sends close_notify (TLS) and closes the socket.
    fn close(self) {
        if let Some(tls) = &self.tls {
            let mut records = Vec::new();
            {
                let mut connection = tls.lock().unwrap();
                connection.send_close_notify();
                while connection.wants_write() {
                    let _ = connection.write_tls(&mut records);
                }
            }
            let _ = (&*self.tcp).write_all(&records);
        }
        let _ = self.tcp.shutdown(std::net::Shutdown::Both);
    }
}

struct Client {
    /// No Telnet at all (the ceiling server): bytes are copied as they are.
    raw: bool,
    stream: Wire,
    engine: Engine,
    data: Vec<u8>,
    start: usize,
    buf: Vec<u8>,
    /// Decrypted bytes (TLS only), before they go to the engine.
    plain: Vec<u8>,
}

impl Client {
    fn connect(addr: &str, binary: bool) -> Client {
        let stream = Wire::connect(addr).expect("connect");
        let mut config = EngineConfig::client();
        config.policy = Policy::refuse_all();
        if binary {
            let both = OptionSet::from_options(&[TelnetOption::BINARY]);
            config.policy = Policy {
                local: both,
                remote: both,
            };
        }
        let mut client = Client {
            raw: false,
            stream,
            engine: Engine::new(config),
            data: Vec::new(),
            start: 0,
            buf: vec![0; 64 * 1024],
            plain: Vec::new(),
        };
        if let Some(tls) = &client.stream.tls {
            Wire::decode(tls, &[], &mut client.plain);
        }
        if binary {
            client.engine.enable_local(TelnetOption::BINARY);
            client.engine.enable_remote(TelnetOption::BINARY);
            client.flush();
        }
        client
    }

    fn flush(&mut self) {
        if !self.engine.output().is_empty() {
            self.stream.write_all(self.engine.output()).expect("write");
            self.engine.clear_output();
        }
    }

    /// Reads once; false at the end of the stream.
    fn fill(&mut self) -> bool {
        // What the TLS handshake left decrypted is taken first, without a read.
        let leftover = !self.plain.is_empty();
        let n = if leftover {
            0
        } else {
            let n = (&*self.stream.tcp).read(&mut self.buf).unwrap_or(0);
            if n == 0 {
                return false;
            }
            n
        };
        if self.start > 0 && self.start == self.data.len() {
            self.data.clear();
            self.start = 0;
        }
        let received = match &self.stream.tls {
            None => &self.buf[..n],
            Some(tls) => {
                if !leftover {
                    Wire::decode(tls, &self.buf[..n], &mut self.plain);
                }
                &self.plain[..]
            }
        };
        if self.raw {
            self.data.extend_from_slice(received);
        } else {
            self.engine
                .receive(received, &mut self.data)
                .expect("receive");
        }
        self.plain.clear();
        if self.raw {
            return true;
        }
        while self.engine.poll_event().is_some() {}
        self.flush();
        true
    }

    fn read_line(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(at) = memchr::memchr(b'\n', &self.data[self.start..]) {
                let line = self.data[self.start..self.start + at + 1].to_vec();
                self.start += at + 1;
                return Some(line);
            }
            if !self.fill() {
                return None;
            }
        }
    }

    fn send_line(&mut self, line: &[u8]) {
        self.stream.write_all(line).expect("write");
    }

    /// Waits for the server's "ready" line (its opening negotiation is over by then).
    fn ready(&mut self) {
        let line = self.read_line().expect("ready line");
        assert!(
            line.ends_with(b"ready\r\n"),
            "{:?}",
            String::from_utf8_lossy(&line)
        );
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn round_trips(addr: &str, connections: usize, seconds: f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let go = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    for id in 0..connections {
        let (addr, stop, go, ready_tx) = (
            addr.to_owned(),
            Arc::clone(&stop),
            Arc::clone(&go),
            ready_tx.clone(),
        );
        threads.push(
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut client = Client::connect(&addr, false);
                    client.ready();
                    ready_tx.send(()).unwrap();
                    while !go.load(Ordering::Acquire) {
                        thread::sleep(Duration::from_millis(1));
                    }
                    let mut latencies = Vec::with_capacity(1 << 16);
                    let line = format!("ping from connection {id} with some text to echo\r\n");
                    while !stop.load(Ordering::Relaxed) {
                        let t0 = Instant::now();
                        client.send_line(line.as_bytes());
                        let reply = client.read_line().expect("echo");
                        latencies.push(t0.elapsed().as_micros() as u32);
                        debug_assert!(reply.ends_with(b"\r\n"));
                    }
                    latencies
                })
                .unwrap(),
        );
    }
    // Every connection must be up within the bound; a server that cannot take them fails here.
    for _ in 0..connections {
        if ready_rx.recv_timeout(Duration::from_secs(30)).is_err() {
            eprintln!("not every connection was ready within 30 s");
            std::process::exit(1);
        }
    }
    go.store(true, Ordering::Release);
    let t0 = Instant::now();
    thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut all: Vec<u32> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = t0.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "rps={:.0} p50_us={} p99_us={} samples={}",
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        all.len()
    );
}

/// How long `delay` waits after each reply before the next request: longer than the
/// `--delayed` server's pause after each reply (200 ms), so every request finds the handler
/// back in `readline` and the time measured is that of the reply alone.
const DELAY_GAP: Duration = Duration::from_millis(250);

/// The delay a write that no read follows sees: each of `connections` sends a line, times the
/// reply, then waits [`DELAY_GAP`], `requests` times (the connections are staggered across the
/// gap so their requests do not coincide).
fn delay(addr: &str, connections: usize, requests: usize) {
    let threads: Vec<_> = (0..connections)
        .map(|id| {
            let addr = addr.to_owned();
            thread::spawn(move || {
                let mut client = Client::connect(&addr, false);
                client.ready();
                thread::sleep(DELAY_GAP * id as u32 / connections as u32);
                let line = format!("ping from connection {id} with some text to echo\r\n");
                (0..requests)
                    .map(|_| {
                        let t0 = Instant::now();
                        client.send_line(line.as_bytes());
                        client.read_line().expect("echo");
                        let micros = t0.elapsed().as_micros() as u32;
                        thread::sleep(DELAY_GAP);
                        micros
                    })
                    .collect::<Vec<u32>>()
            })
        })
        .collect();
    let mut all: Vec<u32> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "p50_us={} p99_us={} max_us={} samples={}",
        pct(0.50),
        pct(0.99),
        all[all.len() - 1],
        all.len()
    );
}

/// Random bytes: every value equally likely (IAC, CR, LF and NUL one byte in 256 each), or
/// with `dense`, IAC one byte in eight and CR, LF or NUL another (a worst case for Telnet).
fn payload(mib: usize, dense: bool) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(mib << 20);
    for i in 0..(mib << 17) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut word = x.to_le_bytes();
        if dense {
            word[i % 8] = 255;
            word[(i + 3) % 8] = [b'\r', b'\n', 0][(x % 3) as usize];
        }
        out.extend_from_slice(&word);
    }
    out
}

fn stream(addr: &str, mib: usize, raw: bool, sample_pid: Option<u32>) {
    let dense = std::env::args().any(|a| a == "--dense");
    let data = Arc::new(payload(mib, dense));
    let mut client = Client::connect(addr, !raw);
    client.raw = raw;
    client.ready();
    if !raw {
        while !(client.engine.local_enabled(TelnetOption::BINARY)
            && client.engine.remote_enabled(TelnetOption::BINARY))
        {
            assert!(client.fill(), "closed during BINARY negotiation");
        }
    }
    let writer = client.stream.clone();
    let to_send = Arc::clone(&data);
    let t0 = Instant::now();
    let sender = thread::spawn(move || {
        let mut wire = Vec::with_capacity(128 * 1024);
        for chunk in to_send.chunks(64 * 1024) {
            wire.clear();
            if raw {
                wire.extend_from_slice(chunk);
            } else {
                encode_data(
                    chunk,
                    DataEncoding {
                        binary: true,
                        convert_newlines: false,
                    },
                    &mut wire,
                );
            }
            writer.write_all(&wire).expect("write");
        }
    });
    let (mut rss_start, mut rss_peak) = (0, 0);
    if let Some(pid) = sample_pid {
        rss_start = rss_kib(pid);
        rss_peak = rss_start;
    }
    // Start verifying at the first echoed byte: forget the "ready" line.
    client.data.drain(..client.start);
    client.start = 0;
    let mut received = client.data.len();
    let mut checked = 0;
    let mut last_sample = Instant::now();
    let mut offset = 0usize;
    while received < data.len() {
        let before = client.data.len();
        assert!(client.fill(), "closed after {received} bytes");
        received += client.data.len() - before;
        // Verify and forget what arrived, so the client's own memory stays flat.
        let got = &client.data[checked..];
        if got != &data[offset..offset + got.len()] {
            let bad = got
                .iter()
                .zip(&data[offset..])
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!("corrupted at byte {}", offset + bad);
        }
        offset += got.len();
        client.data.clear();
        client.start = 0;
        checked = 0;
        if let Some(pid) = sample_pid {
            if last_sample.elapsed() > Duration::from_millis(100) {
                rss_peak = rss_peak.max(rss_kib(pid));
                last_sample = Instant::now();
            }
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    sender.join().unwrap();
    match sample_pid {
        Some(pid) => println!(
            "mib={mib} mibps={:.0} rss_start_kib={rss_start} rss_peak_kib={rss_peak} rss_end_kib={}",
            mib as f64 / elapsed,
            rss_kib(pid)
        ),
        None => println!("mib={mib} mibps={:.0}", mib as f64 / elapsed),
    }
}

fn hold(addr: &str, n: usize, pid: u32) {
    let before = rss_kib(pid);
    let t0 = Instant::now();
    let mut clients: Vec<Client> = (0..n)
        .map(|_| {
            let mut client = Client::connect(addr, false);
            client.ready();
            client.data = Vec::new();
            client.start = 0;
            client.buf = Vec::new();
            client
        })
        .collect();
    let opened = t0.elapsed().as_secs_f64();
    thread::sleep(Duration::from_millis(500));
    let after = rss_kib(pid);
    let mut answered = 0;
    for client in &mut clients {
        client.buf = vec![0; 4096];
        client.send_line(b"still there?\r\n");
        if client
            .read_line()
            .is_some_and(|l| l.starts_with(b"still there?"))
        {
            answered += 1;
        }
        client.buf = Vec::new();
    }
    println!(
        "connections={n} answered={answered} open_s={opened:.2} rss_before_kib={before} rss_after_kib={after} per_connection_kib={:.1}",
        (after.saturating_sub(before)) as f64 / n as f64
    );
}

fn accept(addr: &str, n: usize) {
    let workers = 10;
    let t0 = Instant::now();
    let threads: Vec<_> = (0..workers)
        .map(|w| {
            let addr = addr.to_owned();
            thread::spawn(move || {
                (0..n / workers + usize::from(w < n % workers))
                    .map(|_| {
                        let mut client = Client::connect(&addr, false);
                        client.ready();
                        client
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let clients: Vec<Client> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    println!(
        "connections={} seconds={:.3}",
        clients.len(),
        t0.elapsed().as_secs_f64()
    );
}

/// `n` TLS connections, `parallel` at a time: each connects, completes the handshake, reads
/// the greeting, has one line echoed and closes (close_notify, then the socket). Without
/// `--tls`, the same over plain TCP. Besides the rate, prints the median time of each phase:
/// connect and handshake (until the client's side is done), then until the greeting, then the
/// echo.
fn handshakes(addr: &str, n: usize, parallel: usize) {
    let t0 = Instant::now();
    let threads: Vec<_> = (0..parallel)
        .map(|w| {
            let addr = addr.to_owned();
            thread::spawn(move || {
                let count = n / parallel + usize::from(w < n % parallel);
                (0..count)
                    .map(|_| {
                        let start = Instant::now();
                        let mut client = Client::connect(&addr, false);
                        let handshake = start.elapsed();
                        client.ready();
                        let greeting = start.elapsed();
                        client.send_line(b"hello over TLS\r\n");
                        let line = client.read_line().expect("echo");
                        assert!(line.starts_with(b"hello over TLS"), "{line:?}");
                        let echo = start.elapsed();
                        client.stream.close();
                        [handshake, greeting - handshake, echo - greeting]
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let phases: Vec<[Duration; 3]> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a client failed"))
        .collect();
    let seconds = t0.elapsed().as_secs_f64();
    let median = |i: usize| {
        let mut times: Vec<u128> = phases.iter().map(|p| p[i].as_micros()).collect();
        times.sort_unstable();
        times[times.len() / 2]
    };
    println!(
        "handshakes={n} parallel={parallel} seconds={seconds:.3} per_s={:.0} \
         handshake_p50_us={} greeting_p50_us={} echo_p50_us={}",
        n as f64 / seconds,
        median(0),
        median(1),
        median(2)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let raw = args.iter().any(|a| a == "--raw");
    let tls_dir = args
        .iter()
        .position(|a| a == "--tls")
        .and_then(|at| args.get(at + 1));
    TLS.set(tls_dir.map(|dir| tls_config(Path::new(dir))))
        .expect("set once");
    match arg(0).as_str() {
        "cert" => make_certificate(Path::new(&arg(1))),
        "handshakes" => {
            handshakes(&arg(1), arg(2).parse().unwrap(), arg(3).parse().unwrap());
        }
        "rt" => round_trips(&arg(1), arg(2).parse().unwrap(), arg(3).parse().unwrap()),
        "stream" => stream(&arg(1), arg(2).parse().unwrap(), raw, None),
        "flat" => stream(
            &arg(1),
            arg(2).parse().unwrap(),
            raw,
            Some(arg(3).parse().unwrap()),
        ),
        "hold" => hold(&arg(1), arg(2).parse().unwrap(), arg(3).parse().unwrap()),
        "accept" => accept(&arg(1), arg(2).parse().unwrap()),
        "delay" => delay(&arg(1), arg(2).parse().unwrap(), arg(3).parse().unwrap()),
        other => panic!(
            "unknown command {other:?} (rt, stream, flat, hold, accept, delay, handshakes, cert)"
        ),
    }
}
