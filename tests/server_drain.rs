//! `BlockingTelnetServer::drain`, the library's rolling restart: it stops accepting at once,
//! tells every user (those still in their opening negotiation as they finish it), lets the
//! handlers end on their own within the grace period, and with `reuse_port` a second server
//! on the same port takes the new connections.
#![cfg(target_os = "linux")]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ironboa::{BlockingTelnetServer, ServerConfig};

const NOTICE: &str = "Restarting for maintenance.";

/// Connects, refuses TTYPE (so the handler starts at once), and reads up to the prompt.
fn client(server: &BlockingTelnetServer) -> TcpStream {
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut opening = [0u8; 3];
    stream.read_exact(&mut opening).unwrap();
    assert_eq!(opening, [255, 253, 24]);
    stream.write_all(&[255, 252, 24]).unwrap();
    assert!(read_until(&mut stream, "> ").contains("> "));
    stream
}

/// Reads until `marker` arrives or the stream ends; returns what came.
fn read_until(stream: &mut TcpStream, marker: &str) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains(marker) {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{e} after {:?}", String::from_utf8_lossy(&seen)),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

fn serve(config: ServerConfig, ended: Arc<AtomicUsize>) -> BlockingTelnetServer {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server
        .serve_in_background(move |conn| {
            let _ = conn.send("> ");
            // Each line is answered; "bye" ends the session.
            while let Ok(line) = conn.readline(None) {
                if line == "bye" {
                    break;
                }
                let _ = conn.send(&format!("{line}\n> "));
            }
            ended.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    server
}

#[test]
fn drain_tells_everyone_and_lets_handlers_finish() {
    let ended = Arc::new(AtomicUsize::new(0));
    let server = serve(ServerConfig::default(), Arc::clone(&ended));
    let mut users: Vec<TcpStream> = (0..3).map(|_| client(&server)).collect();
    // One more that has not answered the opening negotiation yet.
    let mut late = TcpStream::connect(server.local_addr()).unwrap();
    late.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut opening = [0u8; 3];
    late.read_exact(&mut opening).unwrap();

    let drainer = {
        let server = server.clone();
        std::thread::spawn(move || server.drain(&format!("\n{NOTICE}\n"), Duration::from_secs(30)))
    };
    for user in &mut users {
        assert!(read_until(user, NOTICE).contains(NOTICE));
    }
    // Stopped accepting: nothing listens on the port any more.
    assert!(support::eventually(20, || TcpStream::connect(
        server.local_addr()
    )
    .is_err()));
    // The late one finishes its negotiation during the drain and is told before its handler
    // starts.
    late.write_all(&[255, 252, 24]).unwrap();
    assert!(read_until(&mut late, NOTICE).contains(NOTICE));
    // The handlers go on within the grace period: each user is still answered, then leaves.
    users.push(late);
    for user in &mut users {
        user.write_all(b"still here\r\n").unwrap();
        assert!(read_until(user, "still here").contains("still here"));
        user.write_all(b"bye\r\n").unwrap();
    }
    // Every handler ended on its own, long before the 30 s grace: drain returns true.
    assert!(drainer.join().unwrap());
    assert_eq!(ended.load(Ordering::SeqCst), 4);
    assert!(server.is_shut_down());
}

#[test]
fn with_reuse_port_a_second_server_takes_the_port_while_the_first_drains() {
    let ended = Arc::new(AtomicUsize::new(0));
    let old = serve(ServerConfig::default().reuse_port(true), Arc::clone(&ended));
    let port = old.local_addr().port();
    let mut user = client(&old);

    let new = BlockingTelnetServer::bind(
        ("127.0.0.1", port),
        ServerConfig::default().reuse_port(true),
    )
    .expect("a second server binds the same port");
    let new_ended = Arc::new(AtomicUsize::new(0));
    new.serve_in_background({
        let new_ended = Arc::clone(&new_ended);
        move |conn| {
            let _ = conn.send("new> ");
            let _ = conn.readline(None);
            new_ended.fetch_add(1, Ordering::SeqCst);
        }
    })
    .unwrap();

    // The grace period runs out: the user who stays is closed after being told.
    let drainer = {
        let old = old.clone();
        std::thread::spawn(move || old.drain(&format!("\n{NOTICE}\n"), Duration::from_millis(300)))
    };
    let told = read_until(&mut user, NOTICE);
    assert!(told.contains(NOTICE), "{told:?}");
    drainer.join().unwrap();
    let rest = read_until(&mut user, "never sent");
    assert!(!rest.contains("never sent"));
    // Every new connection is the new server's now.
    for _ in 0..20 {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("never refused");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut opening = [0u8; 3];
        stream.read_exact(&mut opening).unwrap();
        stream.write_all(&[255, 252, 24]).unwrap();
        assert!(read_until(&mut stream, "new> ").contains("new> "));
    }
    new.shutdown();
}
