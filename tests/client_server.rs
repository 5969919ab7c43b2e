//! ironboa's client against ironboa's server: what one reports, the other learns; and the
//! telnetlib3.sync defects that TelnetConnection does not repeat.

mod support;

use std::sync::mpsc;
use std::time::Duration;

use ironboa::client::{ClientConfig, Telnet};
use ironboa::{BlockingTelnetServer, Error, ServerConfig, TelnetOption, WaitFor};

const T: Option<Duration> = Some(Duration::from_secs(10));

fn server(config: ServerConfig) -> BlockingTelnetServer {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server.start().unwrap();
    server
}

#[test]
fn both_ends_agree_on_everything_negotiated() {
    let server = server(ServerConfig::default().character_mode(true));
    let config = ClientConfig::default()
        .terminal_type("vt320")
        .window_size(100, 30)
        .env("USER", "alice")
        .env("FAVOURITE", "blue");
    let client = Telnet::open(server.local_addr(), config).unwrap();
    let conn = server.accept(T).unwrap();
    assert_eq!(conn.terminal_type(), "vt320");
    assert_eq!((conn.columns(), conn.rows()), (100, 30));
    assert_eq!(conn.get_extra_info("USER").as_deref(), Some("alice"));
    assert_eq!(conn.get_extra_info("FAVOURITE").as_deref(), Some("blue"));
    assert_eq!(conn.get_extra_info("charset").as_deref(), Some("UTF-8"));
    client
        .wait_for(
            &WaitFor::new()
                .remote("ECHO", true)
                .remote("SGA", true)
                .remote("BINARY", true),
            T,
        )
        .unwrap();
    assert_eq!(client.mode(), "remote");
    assert_eq!(conn.mode(), "remote");
    assert!(client.local_enabled(TelnetOption::BINARY));

    // A resize reaches the server.
    client.set_window_size(120, 50).unwrap();
    conn.wait_for(&WaitFor::new(), T).unwrap();
    client.write(b"x\r\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "x");
    assert_eq!((conn.columns(), conn.rows()), (120, 50));
    server.shutdown();
}

#[test]
fn text_and_binary_round_trip() {
    let server = server(ServerConfig::default());
    let client = Telnet::open(server.local_addr(), binary_client()).unwrap();
    let conn = server.accept(T).unwrap();
    conn.send("héllo wörld ☺\n").unwrap();
    assert_eq!(client.readline(T).unwrap(), "héllo wörld ☺");
    let all: Vec<u8> = (0..=255u8).collect();
    client
        .wait_for(
            &WaitFor::new().local("BINARY", true).remote("BINARY", true),
            T,
        )
        .unwrap();
    conn.wait_for(
        &WaitFor::new().local("BINARY", true).remote("BINARY", true),
        T,
    )
    .unwrap();
    client.write(&all).unwrap();
    let mut got = Vec::new();
    while got.len() < all.len() {
        got.extend(conn.read_bytes(1024, T).unwrap());
    }
    assert_eq!(got, all);
    conn.write_bytes(&all).unwrap();
    let mut back = Vec::new();
    while back.len() < all.len() {
        back.extend(client.read_some().unwrap());
    }
    assert_eq!(back, all);
    server.shutdown();
}

#[test]
fn a_timed_out_read_keeps_its_data() {
    let server = server(ServerConfig::default());
    let client = Telnet::open(server.local_addr(), ClientConfig::default()).unwrap();
    let conn = server.accept(T).unwrap();
    conn.write("partial li").unwrap();
    assert!(matches!(
        client.readline(Some(Duration::from_millis(100))),
        Err(Error::Timeout { .. })
    ));
    assert!(matches!(
        client
            .connection()
            .read_until("never", Some(Duration::from_millis(100))),
        Err(Error::Timeout {
            operation: ironboa::Operation::ReadUntil
        })
    ));
    conn.write("ne\r\n").unwrap();
    assert_eq!(client.readline(T).unwrap(), "partial line");
    server.shutdown();
}

#[test]
fn wait_for_fails_when_the_server_closes() {
    let server = server(ServerConfig::default());
    let client = Telnet::open(server.local_addr(), ClientConfig::default()).unwrap();
    let conn = server.accept(T).unwrap();
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        // LINEMODE is never negotiated: without the close this would wait for ever.
        let result = client.wait_for(&WaitFor::new().remote("LINEMODE", true), None);
        tx.send(format!("{result:?}")).unwrap();
        client
    });
    conn.close();
    let result = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("wait_for returned");
    assert_eq!(result, "Err(Closed)");
    let client = waiter.join().unwrap();
    assert!(matches!(client.write(b"hello?\r\n"), Err(Error::Closed)));
    server.shutdown();
}

#[test]
fn pending_conditions_work() {
    let server = server(ServerConfig::default().connect_maxwait(Duration::from_secs(5)));
    let client = Telnet::open(server.local_addr(), ClientConfig::default()).unwrap();
    let conn = server.accept(T).unwrap();
    // The opening negotiation is over: nothing pending on either side.
    conn.wait_for(
        &WaitFor::new()
            .pending("TTYPE", false)
            .pending("NAWS", false),
        T,
    )
    .unwrap();
    client
        .wait_for(
            &WaitFor::new().local("TTYPE", true).pending("TTYPE", false),
            T,
        )
        .unwrap();
    // Ask again: TTYPE is pending on the server until the client answers.
    conn.request_terminal_type().unwrap();
    assert!(
        conn.with_engine(|e| e.is_pending(TelnetOption::TTYPE))
            .unwrap()
    );
    client.read_very_eager().unwrap(); // the client answers while reading
    conn.wait_for(&WaitFor::new().pending("TTYPE", false), T)
        .unwrap();
    server.shutdown();
}

#[test]
fn connect_failures_are_distinct() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let refused = Telnet::open(addr, ClientConfig::default());
    assert!(matches!(refused, Err(Error::Io(_))), "{refused:?}");
    let unresolvable = Telnet::open("no-such-host.invalid:23", ClientConfig::default());
    assert!(unresolvable.is_err());
}

#[test]
fn the_configured_read_timeout_applies_to_calls_without_one() {
    let server = server(ServerConfig::default());
    let config = ClientConfig::default().read_timeout(Some(Duration::from_millis(100)));
    let client = Telnet::open(server.local_addr(), config).unwrap();
    let _conn = server.accept(T).unwrap();
    assert!(matches!(client.readline(None), Err(Error::Timeout { .. })));
    assert!(matches!(client.read_some(), Err(Error::Timeout { .. })));
    // telnetlib's read_until returns what is there when its timeout passes.
    assert_eq!(client.read_until(b"never", None).unwrap(), b"");
    server.shutdown();
}

/// A client that asks for BINARY both ways (a line-mode server offers it only to clients that
/// ask: see the opening negotiation).
fn binary_client() -> ClientConfig {
    ClientConfig::default()
        .offer_local(&[ironboa::TelnetOption::BINARY])
        .offer_remote(&[ironboa::TelnetOption::BINARY])
}
