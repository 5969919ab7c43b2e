//! The servers the benchmark harness (scripts/bench.sh) measures, one process each:
//!
//! * `bench_server ironboa ADDR`: `BlockingTelnetServer`, default configuration, a handler
//!   that greets with `ready`, then echoes lines with `readline` + `send`, or bytes with
//!   `--binary`; `--never-send-ga` sets `ServerConfig::never_send_ga`, `--no-coalesce` sets
//!   `ServerConfig::coalesce_delay` to zero;
//! * `bench_server raw ADDR`: the ceiling, a plain `std::net` thread-per-connection server that
//!   does the same with no Telnet processing at all.
//!
//! With `--proxy-protocol` (built with the `proxy-protocol` feature), the ironboa server
//! expects a PROXY header from a load balancer on loopback (`ServerConfig::proxy_protocol`).
//!
//! With `--delayed`, either handler sleeps [`DELAYED_PAUSE`] after each reply before it reads
//! again: a write that no read follows, which ironboa may hold back for `coalesce_delay`.
//!
//! Both print `listening on ADDR` first. Not a demo: see blocking_echo_server for that.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use ironboa::{BlockingTelnetServer, ServerConfig};

/// How long a `--delayed` handler waits after each reply before it reads again (the load
/// generator's `delay` command waits longer than this between requests).
const DELAYED_PAUSE: Duration = Duration::from_millis(200);

#[derive(Clone, Copy)]
struct Flags {
    binary: bool,
    delayed: bool,
    never_send_ga: bool,
    no_coalesce: bool,
    proxy_protocol: bool,
}

fn ironboa(addr: &str, flags: Flags) {
    let Flags {
        binary, delayed, ..
    } = flags;
    let mut config = ServerConfig::default()
        .max_connections(15_000)
        .never_send_ga(flags.never_send_ga);
    if flags.no_coalesce {
        config = config.coalesce_delay(Duration::ZERO);
    }
    if flags.proxy_protocol {
        #[cfg(feature = "proxy-protocol")]
        {
            config = config.proxy_protocol(Some(ironboa::server::ProxyProtocol::default()));
        }
        #[cfg(not(feature = "proxy-protocol"))]
        panic!("--proxy-protocol: build with --features proxy-protocol");
    }
    let server = BlockingTelnetServer::bind(addr, config).expect("bind");
    println!("listening on {}", server.local_addr());
    server
        .serve_forever(move |conn| {
            if conn.write("ready\r\n").is_err() {
                return;
            }
            if binary {
                while let Ok(bytes) = conn.read_bytes(64 * 1024, None) {
                    if conn.write_bytes(&bytes).is_err() {
                        return;
                    }
                }
            } else {
                while let Ok(line) = conn.readline(None) {
                    if conn.send(&format!("{line}\n")).is_err() {
                        return;
                    }
                    if delayed {
                        std::thread::sleep(DELAYED_PAUSE);
                    }
                }
            }
        })
        .expect("serve");
}

fn raw(addr: &str, flags: Flags) {
    let Flags {
        binary, delayed, ..
    } = flags;
    let listener = TcpListener::bind(addr).expect("bind");
    println!("listening on {}", listener.local_addr().unwrap());
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let _ = stream.set_nodelay(true);
        let spawned = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                if stream.write_all(b"ready\r\n").is_err() {
                    return;
                }
                if binary {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = stream.read(&mut buf) {
                        if n == 0 || stream.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                } else {
                    // One descriptor per connection, as ironboa uses: reads and writes both go
                    // through `&TcpStream` rather than a `try_clone`d second descriptor.
                    let mut writer = &stream;
                    let mut reader = BufReader::new(&stream);
                    let mut line = String::new();
                    loop {
                        line.clear();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {
                                let text = line.trim_end_matches(['\r', '\n']);
                                if writer.write_all(format!("{text}\r\n").as_bytes()).is_err() {
                                    return;
                                }
                                if delayed {
                                    std::thread::sleep(DELAYED_PAUSE);
                                }
                            }
                        }
                    }
                }
            });
        if spawned.is_err() {
            eprintln!("cannot spawn a thread");
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = args.first().map(String::as_str).unwrap_or("ironboa");
    let addr = args.get(1).map(String::as_str).unwrap_or("127.0.0.1:0");
    let flag = |name: &str| args.iter().any(|a| a == name);
    let flags = Flags {
        binary: flag("--binary"),
        delayed: flag("--delayed"),
        never_send_ga: flag("--never-send-ga"),
        no_coalesce: flag("--no-coalesce"),
        proxy_protocol: flag("--proxy-protocol"),
    };
    match kind {
        "ironboa" => ironboa(addr, flags),
        "raw" => raw(addr, flags),
        other => panic!("unknown server kind {other} (ironboa, raw)"),
    }
}
