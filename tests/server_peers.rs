//! BlockingTelnetServer driven by real clients nobody here wrote: Python's stdlib telnetlib,
//! telnetlib3's blocking TelnetConnection, and (in server_tmux.rs) Debian's telnet client.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ironboa::{BlockingTelnetServer, Error, ServerConfig, ServerConnection};
use support::eventually;
use support::peers::{drive, python};

const T: Option<Duration> = Some(Duration::from_secs(10));

/// The echo handler most tests use: a greeting with what was learned, then "echo: LINE".
fn echo_handler(conn: ServerConnection) {
    let greeting = format!(
        "Welcome, {} {}x{} ({})\n> ",
        conn.terminal_type(),
        conn.columns(),
        conn.rows(),
        conn.mode()
    );
    if conn.send(&greeting).is_err() {
        return;
    }
    loop {
        match conn.readline(T) {
            Ok(line) if line == "quit" => {
                let _ = conn.send("bye\n");
                return;
            }
            Ok(line) => {
                if conn.send(&format!("echo: {line}\n> ")).is_err() {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

fn start(config: ServerConfig, handler: fn(ServerConnection)) -> BlockingTelnetServer {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).expect("bind");
    server.serve_in_background(handler).expect("serve");
    server
}

#[test]
fn stdlib_telnetlib_greeting_and_echo() {
    if python().is_none() {
        return;
    }
    let server = start(ServerConfig::default(), echo_handler);
    let port = server.local_addr().port();
    let out = drive(
        "stdlib",
        port,
        &[
            "until:> ",
            "write:hello\\r\\n",
            "until:> ",
            "write:caf\\u00e9 \\u263a\\r\\n",
            "until:> ",
            "write:quit\\r\\n",
            "eof",
        ],
    );
    // telnetlib refuses TTYPE and NAWS: the defaults, and a dumb client's "local" mode.
    assert_eq!(out[0].1, "Welcome, unknown 80x24 (local)\r\n> ");
    assert_eq!(out[1].1, "echo: hello\r\n> ");
    assert_eq!(out[2].1, "echo: café ☺\r\n> ");
    assert_eq!(out[3].1, "bye\r\n");
    assert!(server.shutdown());
}

#[test]
fn telnetlib3_client_terminal_type_window_size_and_echo() {
    if python().is_none() {
        return;
    }
    let server = start(ServerConfig::default(), echo_handler);
    let port = server.local_addr().port();
    let out = drive(
        "tl3",
        port,
        &[
            "until:> ",
            "write:hello\\r\\n",
            "until:> ",
            "write:\\u00fcml\\u00e4ut\\r\\n",
            "until:> ",
            "write:quit\\r\\n",
            "until:bye",
        ],
    );
    assert!(
        out[0].1.starts_with("Welcome, xterm-256color 100x40"),
        "{:?}",
        out[0].1
    );
    assert!(out[1].1.ends_with("echo: hello\r\n> "), "{:?}", out[1].1);
    assert!(out[2].1.ends_with("echo: ümläut\r\n> "), "{:?}", out[2].1);
    server.shutdown();
}

#[test]
fn character_mode_echoes_and_edits_for_telnetlib3() {
    if python().is_none() {
        return;
    }
    let server = start(ServerConfig::default().character_mode(true), echo_handler);
    let port = server.local_addr().port();
    // "helo", backspace, "lo": the server echoes each key and erases on backspace.
    let out = drive(
        "tl3",
        port,
        &[
            "until:> ",
            "write:hel\\x7flo\\r\\n",
            "until:echo: ",
            "until:> ",
        ],
    );
    assert!(out[0].1.contains("(remote)"), "{:?}", out[0].1);
    assert_eq!(out[1].1, "hel\u{8} \u{8}lo\r\necho: ");
    assert_eq!(out[2].1, "helo\r\n> ");
    server.shutdown();
}

#[test]
fn password_mode_hides_the_password() {
    if python().is_none() {
        return;
    }
    fn handler(conn: ServerConnection) {
        conn.send("Password: ").unwrap();
        conn.password_mode_on().unwrap();
        let password = conn.readline(T).unwrap();
        conn.password_mode_off().unwrap();
        let echo_was_on = conn
            .with_engine(|e| e.local_enabled(ironboa::TelnetOption::ECHO))
            .unwrap();
        conn.send(&format!(
            "\ngot {} chars, echo now {echo_was_on}\n",
            password.len()
        ))
        .unwrap();
    }
    let server = start(ServerConfig::default(), handler);
    let port = server.local_addr().port();
    for lib in ["tl3", "stdlib"] {
        let out = drive(
            lib,
            port,
            &[
                "until:Password: ",
                "write:s3cret\\r\\n",
                "until:echo now false",
            ],
        );
        assert!(
            !out[1].1.contains("s3cret"),
            "{lib}: password echoed: {:?}",
            out[1].1
        );
        assert!(out[1].1.contains("got 6 chars"), "{lib}: {:?}", out[1].1);
    }
    server.shutdown();
}

#[test]
fn deactivate_from_another_thread_wakes_the_handler() {
    if python().is_none() {
        return;
    }
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let (blocked_tx, blocked_rx) = mpsc::channel();
    let blocked_tx = std::sync::Mutex::new(blocked_tx);
    let server = BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
    server
        .serve_in_background(move |conn| {
            conn.send("ready\n").unwrap();
            // Blocks for ever unless deactivated; the timeout-free call is the point.
            let first = conn.readline(Some(Duration::from_millis(50)));
            blocked_tx
                .lock()
                .unwrap()
                .send(format!("{first:?}"))
                .unwrap();
            let result = conn.readline(None);
            tx.lock().unwrap().send(format!("{result:?}")).unwrap();
        })
        .unwrap();
    let port = server.local_addr().port();
    let watcher = server.clone();
    let killer = thread::spawn(move || {
        // The handler has timed out once and is going back into a readline with no timeout.
        let first = blocked_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(first.contains("Timeout"), "{first}");
        watcher.clients()[0].deactivate();
    });
    let out = drive("stdlib", port, &["until:ready", "eof"]);
    killer.join().unwrap();
    assert_eq!(out[1].1, "\r\n");
    let result = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("handler returned");
    assert_eq!(result, "Err(Closed)");
    assert!(eventually(10, || server.connection_count() == 0));
    server.shutdown();
}

#[test]
fn broadcast_among_three_clients() {
    if python().is_none() {
        return;
    }
    let server = BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
    let clients = server.clone();
    server
        .serve_in_background(move |conn| {
            conn.send("welcome\n").unwrap();
            while let Ok(line) = conn.readline(None) {
                for other in clients.clients() {
                    let _ = other.send(&format!("[{}] {line}\n", conn.port()));
                }
            }
        })
        .unwrap();
    let port = server.local_addr().port();
    let mut children = Vec::new();
    for name in ["alpha", "bravo", "charlie"] {
        children.push(thread::spawn(move || {
            let write = format!("write:from {name}\\r\\n");
            drive(
                "stdlib",
                port,
                &[
                    "all:welcome|GO",
                    &write,
                    "all:from alpha|from bravo|from charlie",
                    "close",
                ],
            )
        }));
    }
    assert!(
        eventually(20, || server.connection_count() == 3),
        "three clients connected"
    );
    for conn in server.clients() {
        conn.send("GO\n").unwrap();
    }
    for child in children {
        let out = child.join().unwrap();
        let seen = &out[1].1;
        for name in ["alpha", "bravo", "charlie"] {
            assert!(seen.contains(&format!("] from {name}")), "{seen:?}");
        }
    }
    server.shutdown();
}

#[test]
fn shutdown_with_clients_connected_returns_and_closes_them() {
    if python().is_none() {
        return;
    }
    let server = start(ServerConfig::default(), echo_handler);
    let port = server.local_addr().port();
    let children: Vec<_> = (0..2)
        .map(|_| thread::spawn(move || drive("stdlib", port, &["until:> ", "eof"])))
        .collect();
    assert!(eventually(20, || server.connection_count() == 2));
    assert!(server.shutdown(), "every handler thread ended");
    for child in children {
        let out = child.join().unwrap();
        assert_eq!(out[1].1, "", "clean end of stream");
    }
    assert_eq!(server.connection_count(), 0);
    // And it accepts nothing more.
    let refused = TcpStream::connect(server.local_addr());
    if let Ok(mut stream) = refused {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 16];
        assert!(matches!(stream.read(&mut buf), Ok(0) | Err(_)));
    }
}

#[test]
fn max_connections_refuses_with_a_line() {
    if python().is_none() {
        return;
    }
    let server = start(ServerConfig::default().max_connections(1), echo_handler);
    let port = server.local_addr().port();
    let first = thread::spawn(move || {
        drive(
            "stdlib",
            port,
            &["until:> ", "until:GO", "write:quit\\r\\n", "eof"],
        )
    });
    assert!(eventually(20, || server.connection_count() == 1));
    let out = drive("stdlib", port, &["eof"]);
    assert_eq!(out[0].1, "Too many connections; try again later.\r\n");
    server.clients()[0].send("GO\n").unwrap();
    first.join().unwrap();
    server.shutdown();
}

#[test]
fn a_panicking_handler_ends_only_its_connection() {
    if python().is_none() {
        return;
    }
    fn handler(conn: ServerConnection) {
        conn.send("> ").unwrap();
        let line = conn.readline(T).unwrap();
        if line == "panic" {
            panic!("the handler was told to panic");
        }
        conn.send(&format!("fine: {line}\n")).unwrap();
    }
    let server = start(ServerConfig::default(), handler);
    let port = server.local_addr().port();
    let out = drive("stdlib", port, &["until:> ", "write:panic\\r\\n", "eof"]);
    assert_eq!(out[1].1, "");
    let out = drive("stdlib", port, &["until:> ", "write:ok\\r\\n", "until:\\n"]);
    assert_eq!(out[1].1, "fine: ok\r\n");
    assert!(server.shutdown());
}

#[test]
fn a_client_that_vanishes_mid_line_frees_its_thread() {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let server = BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
    server
        .serve_in_background(move |conn| {
            let first = conn.readline(T);
            let second = conn.readline(T);
            tx.lock()
                .unwrap()
                .send((format!("{first:?}"), format!("{second:?}")))
                .unwrap();
        })
        .unwrap();
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    // Refuse the opening DO TTYPE like a dumb client, send half a line, and vanish.
    stream.write_all(b"\xff\xfc\x18partial li").unwrap();
    drop(stream);
    let (first, second) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(first, "Ok(\"partial li\")");
    assert_eq!(second, "Err(Closed)");
    assert!(eventually(10, || server.connection_count() == 0));
    assert!(server.shutdown());
}

#[test]
fn start_and_accept_hand_out_negotiated_connections() {
    if python().is_none() {
        return;
    }
    let server = BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
    server.start().unwrap();
    assert!(matches!(
        server.accept(Some(Duration::from_millis(50))),
        Err(Error::Timeout { .. })
    ));
    let port = server.local_addr().port();
    let client =
        thread::spawn(move || drive("tl3", port, &["until:size", "write:hi\\r\\n", "until:bye"]));
    let conn = server.accept(T).unwrap();
    // The opening negotiation is over: what the client reported is known already.
    assert_eq!(conn.terminal_type(), "xterm-256color");
    assert_eq!((conn.columns(), conn.rows()), (100, 40));
    assert_eq!(
        conn.get_extra_info("TERM").as_deref(),
        Some("xterm-256color")
    );
    assert_eq!(conn.get_extra_info("cols").as_deref(), Some("100"));
    assert_eq!(conn.get_extra_info("peername"), Some(conn.addrport()));
    conn.send("size\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "hi");
    conn.send("bye\n").unwrap();
    conn.close();
    client.join().unwrap();
    server.shutdown();
}

#[test]
fn readline_timeout_loses_nothing() {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
    server.start().unwrap();
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.write_all(b"\xff\xfc\x18").unwrap();
    let conn = server.accept(T).unwrap();
    stream.write_all(b"first ha").unwrap();
    assert_eq!(conn.read_until("ha", T).unwrap(), "first ha");
    stream.write_all(b"lf").unwrap();
    assert!(matches!(
        conn.readline(Some(Duration::from_millis(100))),
        Err(Error::Timeout {
            operation: ironboa::Operation::ReadLine
        })
    ));
    stream.write_all(b" done\r").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "lf done");
    stream.write_all(b"\nnext\r\n").unwrap(); // the LF of the split CR LF is not a second line
    assert_eq!(conn.readline(T).unwrap(), "next");
    drop(stream);
    assert!(matches!(conn.readline(T), Err(Error::Closed)));
    server.shutdown();
}
