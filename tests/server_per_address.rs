//! `ServerConfig::max_connections_per_address` without a load balancer: the peer's own
//! address is counted, one over the limit is told `refusal_message` and closed, and other
//! addresses are served.
#![cfg(target_os = "linux")]

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use ironboa::{BlockingTelnetServer, ServerConfig};
use socket2::{Domain, Socket, Type};

/// Connects from `source`, answers DO TTYPE with WONT, and returns what came up to the
/// handler's "hi" (or the end of the stream).
fn visit(source: &str, server: SocketAddr) -> (TcpStream, String) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let from: SocketAddr = format!("{source}:0").parse().unwrap();
    socket.bind(&from.into()).unwrap();
    socket.connect(&server.into()).unwrap();
    let mut stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("hi") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if buf[..n].windows(3).any(|w| w == [255, 253, 24]) {
                    stream.write_all(&[255, 252, 24]).unwrap();
                }
                seen.extend_from_slice(&buf[..n]);
            }
        }
    }
    (stream, String::from_utf8_lossy(&seen).into_owned())
}

#[test]
fn one_over_the_limit_from_an_address_is_refused() {
    let config = ServerConfig::default().max_connections_per_address(Some(1));
    let server = BlockingTelnetServer::bind("0.0.0.0:0", config).unwrap();
    let addr: SocketAddr = ([127, 0, 0, 1], server.local_addr().port()).into();
    server
        .serve_in_background(|conn| {
            let _ = conn.send("hi\n");
            let _ = conn.readline(None);
        })
        .unwrap();
    let (first, text) = visit("127.0.0.1", addr);
    assert!(text.contains("hi"), "{text:?}");
    let (_, text) = visit("127.0.0.1", addr);
    assert_eq!(text, "Too many connections; try again later.\r\n");
    let (_other, text) = visit("127.0.0.2", addr);
    assert!(text.contains("hi"), "{text:?}");
    drop(first);
    assert!(
        support::eventually(20, || visit("127.0.0.1", addr).1.contains("hi")),
        "the address's slot was never given back"
    );
    server.shutdown();
}
