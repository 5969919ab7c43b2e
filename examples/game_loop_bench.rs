//! Measurements behind `GameServer`'s design (see MIGRATION.md, "miniboa's game loop"). Not a
//! demo: see game_loop_chat for that.
//!
//! ```text
//! game_loop_bench serve ADDR            # a GameServer echo: "ready", then each line back at the
//!                                       # next poll; drive it with bench_loadgen rt / hold
//! game_loop_bench sweep N               # the one-reader alternative: what one pass of
//!                                       # readline(Some(ZERO)) over N idle connections costs
//! game_loop_bench sends N K TICKS       # a tick that sends K lines to each of N clients:
//!                                       # send_nowait at once vs GameClient::send + poll
//! game_loop_bench load ADDR N SECONDS   # N clients opened one after another (miniboa's
//!                                       # backlog is 5), then each sends a line and waits
//!                                       # for it back: round trips/s and latency
//! game_loop_bench inproc N SECONDS      # the same load on a GameServer in this process: lines
//!                                       # per second through poll, and Enter to get_command
//! ```
//! Each prints one line of `key=value` figures (serve prints `listening on ADDR` first).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ironboa::server::game::GameServer;
use ironboa::{BlockingTelnetServer, ServerConfig, ServerConnection};

fn config() -> ServerConfig {
    // Below the thread wall of a default kernel (vm.max_map_count 65530: about 16,300
    // connection threads), which bind refuses to cross.
    ServerConfig::default().max_connections(15_000)
}

fn serve(addr: &str) {
    let mut server: GameServer<()> = GameServer::bind(addr, config()).expect("bind");
    server.set_max_pending_lines(64);
    server.on_connect(|_, client| client.send("ready\n"));
    println!("listening on {}", server.local_addr());
    loop {
        server.poll(&mut (), Some(Duration::from_millis(50)));
        for client in server.client_list() {
            while let Some(line) = client.get_command() {
                client.send(&(line + "\n"));
            }
        }
    }
}

/// Opens `n` connections to `server` (started with `start`), answering the opening `DO TTYPE`
/// with `WONT TTYPE`; returns the server's side of each and the client sockets.
fn open(server: &BlockingTelnetServer, n: usize) -> (Vec<ServerConnection>, Vec<TcpStream>) {
    let mut clients = Vec::with_capacity(n);
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = TcpStream::connect(server.local_addr()).expect("connect");
        let mut opening = [0u8; 3];
        stream.read_exact(&mut opening).expect("DO TTYPE");
        stream.write_all(&[255, 252, 24]).expect("WONT TTYPE");
        conns.push(
            server
                .accept(Some(Duration::from_secs(10)))
                .expect("accept"),
        );
        clients.push(stream);
    }
    (conns, clients)
}

fn sweep(n: usize) {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config()).expect("bind");
    server.start().expect("start");
    let (conns, mut clients) = open(&server, n);
    let zero = Some(Duration::ZERO);
    // Idle: every connection is asked, none has a line.
    let rounds = 200;
    let t0 = Instant::now();
    for _ in 0..rounds {
        for conn in &conns {
            assert!(conn.readline(zero).is_err());
        }
    }
    let idle_us = t0.elapsed().as_secs_f64() * 1e6 / rounds as f64;
    // One line from the last client: the sweep finds it only after asking all the others.
    let mut found_us = Vec::new();
    for i in 0..50 {
        clients[n - 1]
            .write_all(format!("line {i}\r\n").as_bytes())
            .unwrap();
        thread::sleep(Duration::from_millis(2));
        let t0 = Instant::now();
        'sweep: loop {
            for conn in &conns {
                if conn.readline(zero).is_ok() {
                    break 'sweep;
                }
            }
        }
        found_us.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    found_us.sort_by(f64::total_cmp);
    println!(
        "connections={n} idle_sweep_us={idle_us:.0} idle_sweep_per_connection_ns={:.0} \
         sweep_to_a_line_p50_us={:.0}",
        idle_us * 1000.0 / n as f64,
        found_us[found_us.len() / 2]
    );
    server.shutdown();
}

fn sends(n: usize, k: usize, ticks: usize) {
    // The clients read everything on threads of their own, so nothing backs up.
    let sink = |mut stream: TcpStream| {
        thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while matches!(stream.read(&mut buf), Ok(m) if m > 0) {}
        })
    };
    let line = "You see a small room with a wooden table and a lantern.\n";

    // At once: each send is handed to the connection (send_nowait) as it is made.
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config()).expect("bind");
    server.start().expect("start");
    let (conns, clients) = open(&server, n);
    clients.into_iter().for_each(|c| drop(sink(c)));
    let t0 = Instant::now();
    for _ in 0..ticks {
        for conn in &conns {
            for _ in 0..k {
                conn.send_nowait(line).unwrap();
            }
        }
    }
    let at_once = t0.elapsed().as_secs_f64() * 1e6 / ticks as f64;
    server.shutdown();

    // At the next poll: GameClient::send appends; poll hands each client's tick over once.
    let mut game: GameServer<()> = GameServer::bind("127.0.0.1:0", config()).expect("bind");
    let addr = game.local_addr();
    let clients: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            let mut opening = [0u8; 3];
            stream.read_exact(&mut opening).unwrap();
            stream.write_all(&[255, 252, 24]).unwrap();
            stream
        })
        .collect();
    while game.connection_count() < n {
        game.poll(&mut (), Some(Duration::from_millis(10)));
    }
    clients.into_iter().for_each(|c| drop(sink(c)));
    let list: Vec<_> = game.client_list().cloned().collect();
    let t0 = Instant::now();
    for _ in 0..ticks {
        for client in &list {
            for _ in 0..k {
                client.send(line);
            }
        }
        game.poll(&mut (), Some(Duration::ZERO));
    }
    let at_poll = t0.elapsed().as_secs_f64() * 1e6 / ticks as f64;
    println!(
        "clients={n} lines_per_client_per_tick={k} at_once_us_per_tick={at_once:.0} \
         at_poll_us_per_tick={at_poll:.0} writes_per_tick_at_once={} writes_per_tick_at_poll={n}",
        n * k
    );
}

/// A load client: answers the opening DO TTYPE with WONT TTYPE (a telnetlib-like client;
/// miniboa asks nothing), waits for "ready", then sends lines and reads them back.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(addr: &str) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut client = Client {
            stream,
            buf: Vec::new(),
        };
        client.read_line();
        client
    }

    /// The next line of data (Telnet commands dropped, answering DO with WONT).
    fn read_line(&mut self) -> Vec<u8> {
        loop {
            if let Some(at) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=at).collect();
                return line;
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).expect("read");
            assert!(n > 0, "the server closed");
            let mut i = 0;
            while i < n {
                if chunk[i] == 255 && i + 1 < n {
                    if chunk[i + 1] == 253 && i + 2 < n {
                        self.stream.write_all(&[255, 252, chunk[i + 2]]).unwrap();
                        i += 3;
                    } else if (251..=254).contains(&chunk[i + 1]) {
                        i += 3;
                    } else {
                        i += 2;
                    }
                } else {
                    self.buf.push(chunk[i]);
                    i += 1;
                }
            }
        }
    }
}

/// N clients opened one after another, then each makes round trips until `seconds` pass.
/// Returns round trips/s and the p50 and p99 round trip in microseconds.
fn run_load(
    addr: &str,
    n: usize,
    seconds: f64,
    line: impl Fn(usize) -> String + Send + Sync + 'static,
) -> (f64, u128, u128) {
    let clients: Vec<Client> = (0..n).map(|_| Client::connect(addr)).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let line = Arc::new(line);
    let threads: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(id, mut client)| {
            let (stop, line) = (Arc::clone(&stop), Arc::clone(&line));
            thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn(move || {
                    let mut rtts = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let t0 = Instant::now();
                        client.stream.write_all(line(id).as_bytes()).unwrap();
                        client.read_line();
                        rtts.push(t0.elapsed().as_micros());
                    }
                    rtts
                })
                .unwrap()
        })
        .collect();
    thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut rtts: Vec<u128> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    rtts.sort_unstable();
    let pick = |q: f64| rtts[((rtts.len() - 1) as f64 * q) as usize];
    (rtts.len() as f64 / seconds, pick(0.5), pick(0.99))
}

fn load(addr: &str, n: usize, seconds: f64) {
    let (rps, p50, p99) = run_load(addr, n, seconds, |id| {
        format!("ping from connection {id} with some text to echo\r\n")
    });
    println!("connections={n} round_trips_per_s={rps:.0} rtt_p50_us={p50} rtt_p99_us={p99}");
}

fn inproc(n: usize, seconds: f64) {
    let mut server: GameServer<()> = GameServer::bind("127.0.0.1:0", config()).expect("bind");
    server.on_connect(|_, client| client.send("ready\n"));
    let addr = server.local_addr().to_string();
    let epoch = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let result = Arc::new(parking_lot::Mutex::new(None));
    let (done2, result2) = (Arc::clone(&done), Arc::clone(&result));
    thread::spawn(move || {
        // Each line carries when it was sent, in microseconds since `epoch`.
        let figures = run_load(&addr, n, seconds, move |_| {
            format!("{}\r\n", epoch.elapsed().as_micros())
        });
        *result2.lock() = Some(figures);
        done2.store(true, Ordering::Release);
    });
    let measuring = AtomicUsize::new(0);
    let mut to_get_command = Vec::new();
    let mut polls = 0u64;
    let t0 = Instant::now();
    while !done.load(Ordering::Acquire) {
        server.poll(&mut (), Some(Duration::from_millis(50)));
        polls += 1;
        for client in server.client_list() {
            while let Some(line) = client.get_line() {
                if let Ok(sent) = line.text.parse::<u128>() {
                    to_get_command.push(epoch.elapsed().as_micros().saturating_sub(sent));
                    measuring.fetch_add(1, Ordering::Relaxed);
                }
                client.send(&(line.text + "\n"));
            }
        }
    }
    let _ = t0;
    let (rps, p50, p99) = result.lock().take().unwrap();
    to_get_command.sort_unstable();
    let pick = |q: f64| to_get_command[((to_get_command.len() - 1) as f64 * q) as usize];
    println!(
        "connections={n} lines_per_s_through_poll={rps:.0} enter_to_get_command_p50_us={} \
         p99_us={} rtt_p50_us={p50} rtt_p99_us={p99} lines={} polls={polls}",
        pick(0.5),
        pick(0.99),
        measuring.load(Ordering::Relaxed)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    match arg(0).as_str() {
        "serve" => serve(&arg(1)),
        "sweep" => sweep(arg(1).parse().unwrap()),
        "sends" => sends(
            arg(1).parse().unwrap(),
            arg(2).parse().unwrap(),
            arg(3).parse().unwrap(),
        ),
        "load" => load(&arg(1), arg(2).parse().unwrap(), arg(3).parse().unwrap()),
        "inproc" => inproc(arg(1).parse().unwrap(), arg(2).parse().unwrap()),
        other => panic!("unknown command {other:?} (serve, sweep, sends, load, inproc)"),
    }
}
