//! The servers the benchmark harness (scripts/bench.sh) measures, one process each:
//!
//! * `bench_server ironboa ADDR`: `BlockingTelnetServer`, default configuration, a handler
//!   that greets with `ready`, then echoes lines with `readline` + `send`, or bytes with
//!   `--binary`; `--never-send-ga` sets `ServerConfig::never_send_ga`, `--no-coalesce` sets
//!   `ServerConfig::coalesce_delay` to zero;
//! * `bench_server raw ADDR`: the ceiling, a plain `std::net` thread-per-connection server that
//!   does the same with no Telnet processing at all;
//! * `bench_server ironboa ADDR --tls DIR`: the same ironboa server speaking TELNETS
//!   (`ServerConfig::tls`), with the certificate `DIR/cert.pem` and key `DIR/key.pem`
//!   (`bench_loadgen cert DIR` makes them);
//! * `bench_server raw-tls ADDR --tls DIR`: the TLS ceiling, a thread-per-connection rustls
//!   echo server (a `rustls::StreamOwned` over each `TcpStream`) with no Telnet in it, the same
//!   certificate and the same rustls configuration (ring, TLS 1.2 and 1.3).
//!
//! With `--proxy-protocol` (built with the `proxy-protocol` feature), the ironboa server
//! expects a PROXY header from a load balancer on loopback (`ServerConfig::proxy_protocol`).
//!
//! With `--delayed`, either handler sleeps [`DELAYED_PAUSE`] after each reply before it reads
//! again: a write that no read follows, which ironboa may hold back for `coalesce_delay`.
//!
//! Both print `listening on ADDR` first. Not a demo: see blocking_echo_server for that.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ironboa::tls::{TlsServerConfig, rustls};
use ironboa::{BlockingTelnetServer, ServerConfig};

/// How long a `--delayed` handler waits after each reply before it reads again (the load
/// generator's `delay` command waits longer than this between requests).
const DELAYED_PAUSE: Duration = Duration::from_millis(200);

/// The stack of a `raw-tls` connection thread. A rustls handshake (key exchange, signing) goes
/// deeper than the 64 KiB the plain ceiling's threads have; 256 KiB is ample in a release
/// build, and only the pages it touches are resident.
const TLS_STACK: usize = 256 * 1024;

#[derive(Clone)]
struct Flags {
    binary: bool,
    delayed: bool,
    never_send_ga: bool,
    no_coalesce: bool,
    proxy_protocol: bool,
    /// `--tls DIR`: the directory with `cert.pem` and `key.pem`.
    tls: Option<PathBuf>,
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
    if let Some(dir) = &flags.tls {
        let tls = TlsServerConfig::from_pem_files(dir.join("cert.pem"), dir.join("key.pem"))
            .expect("certificate and key");
        config = config.tls(tls);
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

/// The same rustls configuration `TlsServerConfig::from_pem_files` makes (its own, taken from
/// it, so both servers run the same TLS).
fn rustls_config(dir: &Path) -> Arc<rustls::ServerConfig> {
    let tls = TlsServerConfig::from_pem_files(dir.join("cert.pem"), dir.join("key.pem"))
        .expect("certificate and key");
    Arc::clone(tls.rustls_config())
}

/// The TLS ceiling: rustls's own blocking `StreamOwned` over each `TcpStream`, a thread per
/// connection, no Telnet. Greets with `ready` and echoes lines (or bytes with `--binary`).
fn raw_tls(addr: &str, flags: Flags) {
    let config = rustls_config(flags.tls.as_deref().expect("raw-tls needs --tls DIR"));
    let listener = TcpListener::bind(addr).expect("bind");
    println!("listening on {}", listener.local_addr().unwrap());
    for stream in listener.incoming() {
        let Ok(tcp) = stream else { continue };
        let _ = tcp.set_nodelay(true);
        let config = Arc::clone(&config);
        let binary = flags.binary;
        let spawned = std::thread::Builder::new()
            .stack_size(TLS_STACK)
            .spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut stream = rustls::StreamOwned::new(connection, tcp);
                // The handshake runs inside this first write.
                if stream.write_all(b"ready\r\n").is_err() {
                    return;
                }
                if binary {
                    echo_bytes(stream);
                } else {
                    echo_lines(stream);
                }
            });
        if spawned.is_err() {
            eprintln!("cannot spawn a thread");
        }
    }
}

type TlsStream = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

fn echo_bytes(mut stream: TlsStream) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 || stream.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}

fn echo_lines(stream: TlsStream) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = line.trim_end_matches(['\r', '\n']);
                let reply = format!("{text}\r\n");
                if reader.get_mut().write_all(reply.as_bytes()).is_err() {
                    return;
                }
            }
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
        tls: args
            .iter()
            .position(|a| a == "--tls")
            .and_then(|at| args.get(at + 1))
            .map(PathBuf::from),
    };
    match kind {
        "ironboa" => ironboa(addr, flags),
        "raw" => raw(addr, flags),
        "raw-tls" => raw_tls(addr, flags),
        other => panic!("unknown server kind {other} (ironboa, raw, raw-tls)"),
    }
}
