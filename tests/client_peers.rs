//! TelnetConnection against real servers nobody here wrote: telnetlib3's server and busybox
//! telnetd serving /bin/sh.

mod support;

use std::time::Duration;

use ironboa::client::{ClientConfig, Telnet};
use ironboa::{Error, TelnetOption, WaitFor};
use support::peers::PeerServer;

const T: Option<Duration> = Some(Duration::from_secs(10));

#[test]
fn telnetlib3_server_greeting_echo_and_wait_for() {
    let Some(server) = PeerServer::telnetlib3(false) else {
        return;
    };
    let conn = Telnet::open(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    assert_eq!(
        conn.read_until(b"tel:sh> ", T).unwrap(),
        b"Ready.\r\ntel:sh> "
    );
    // telnetlib3 offers WILL ECHO and WILL SGA, and asked for our terminal type and size.
    conn.wait_for(
        &WaitFor::new()
            .remote("ECHO", true)
            .remote("SGA", true)
            .local("TTYPE", true)
            .local("NAWS", true),
        T,
    )
    .unwrap();
    assert_eq!(conn.mode(), "remote");
    conn.write(b"help\r\n").unwrap();
    let reply = conn.read_until(b"tel:sh> ", T).unwrap();
    assert_eq!(
        reply,
        b"help\r\nquit, writer, slc, linemode, toggle [option|all], reader, proto, dump\r\ntel:sh> "
    );
    conn.write(b"writer\r\n").unwrap();
    let writer = String::from_utf8(conn.read_until(b"tel:sh> ", T).unwrap()).unwrap();
    assert!(
        writer.contains("client-will:BINARY,CHARSET,NAWS,NEW_ENVIRON,TTYPE"),
        "{writer}"
    );
    conn.write(b"quit\r\n").unwrap();
    assert!(conn.read_all().is_ok());
}

#[test]
fn telnetlib3_server_learns_our_terminal_type_size_and_environment() {
    let Some(server) = PeerServer::telnetlib3(true) else {
        return;
    };
    let config = ClientConfig::default()
        .terminal_type("vt220")
        .window_size(132, 43)
        .env("USER", "ironboa");
    let conn = Telnet::open(("127.0.0.1", server.port), config).unwrap();
    let report = conn.readline(T).unwrap();
    assert_eq!(report, "TERM=vt220 cols=132 rows=43 USER=ironboa");
    assert_eq!(conn.connection().read_until("> ", T).unwrap(), "> ");
    conn.connection().write("héllo\r\n").unwrap();
    // This shell negotiates WILL ECHO but does not echo keystrokes: only its reply comes back.
    assert_eq!(conn.readline(T).unwrap(), "echo: héllo");
    conn.write(b"quit\r\n").unwrap();
    assert_eq!(
        conn.connection().read_until("bye\r\n", T).unwrap(),
        "> bye\r\n"
    );
}

#[test]
fn busybox_telnetd_shell_session() {
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let conn = Telnet::open(("127.0.0.1", server.port), ClientConfig::default()).unwrap();
    let greeting = conn.expect(&[r"[#$] $"], T).unwrap();
    assert_eq!(greeting.index, Some(0));
    let text = String::from_utf8_lossy(&greeting.data);
    assert!(text.contains("busybox-telnetd ready"), "{text}");
    // busybox asks us to echo (DO ECHO) and we refuse; it echoes itself (WILL ECHO).
    assert!(!conn.local_enabled(TelnetOption::ECHO));
    assert!(conn.remote_enabled(TelnetOption::ECHO));

    conn.write(b"echo hel\"\"lo\r\n").unwrap();
    let out = conn.read_until(b"hello\r\n", T).unwrap();
    assert!(out.ends_with(b"hello\r\n"), "{out:?}");
    conn.expect(&[r"[#$] $"], T).unwrap();

    conn.write(b"uname -s; echo status=$?\r\n").unwrap();
    let m = conn.expect(&[r"(?m)^status=(\d+)\r\n"], T).unwrap();
    assert_eq!(m.group(1), Some(&b"0"[..]));
    assert!(
        String::from_utf8_lossy(&m.data).contains("Linux"),
        "{:?}",
        m.data
    );

    // A pattern that never matches: telnetlib's (-1, None, data) after the timeout.
    let miss = conn
        .expect(&["never-printed"], Some(Duration::from_millis(300)))
        .unwrap();
    assert_eq!(miss.index, None);
    assert!(miss.matched().is_none());

    conn.write(b"exit\r\n").unwrap();
    conn.read_all().unwrap();
    assert!(matches!(conn.read_very_eager(), Err(Error::Closed)));
    assert!(
        matches!(conn.write(b"more\r\n"), Err(Error::Closed)),
        "a write after the server closed is an error"
    );
}

#[test]
fn busybox_telnetd_with_window_size_reports_stty_size() {
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let config = ClientConfig::default().window_size(123, 45);
    let conn = Telnet::open(("127.0.0.1", server.port), config).unwrap();
    conn.expect(&[r"[#$] $"], T).unwrap();
    conn.write(b"stty size\r\n").unwrap();
    conn.expect(&[r"45 123\r\n"], T).unwrap();
    conn.set_window_size(100, 30).unwrap();
    conn.write(b"stty size\r\n").unwrap();
    let m = conn.expect(&[r"30 100\r\n"], T).unwrap();
    assert_eq!(m.index, Some(0));
    conn.write(b"exit\r\n").unwrap();
}
