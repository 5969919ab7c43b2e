//! Server behaviour checked byte for byte with a scripted raw-socket client: go-ahead, idle
//! timeout, line length limit, encodings, force_binary, AYT, and what a refusing client gets.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ironboa::{BlockingTelnetServer, Encoding, Error, Limit, ServerConfig, ServerConnection};

const T: Option<Duration> = Some(Duration::from_secs(10));

/// A raw client that refuses TTYPE (so the server treats it as a dumb client and negotiates
/// nothing else), connected to a server in accept mode.
fn connect(config: ServerConfig) -> (BlockingTelnetServer, TcpStream, ServerConnection) {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server.start().unwrap();
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut opening = [0u8; 3];
    stream.read_exact(&mut opening).unwrap();
    assert_eq!(opening, [255, 253, 24], "DO TTYPE first");
    stream.write_all(&[255, 252, 24]).unwrap();
    let conn = server.accept(T).unwrap();
    (server, stream, conn)
}

/// Reads until `want` bytes have arrived.
fn read_n(stream: &mut TcpStream, want: usize) -> Vec<u8> {
    let mut out = vec![0u8; want];
    stream.read_exact(&mut out).unwrap();
    out
}

#[test]
fn go_ahead_follows_a_prompt_until_sga_is_agreed() {
    let (server, mut stream, conn) = connect(ServerConfig::default());
    conn.write("name? ").unwrap();
    stream.write_all(b"bob\r\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "bob");
    assert_eq!(
        read_n(&mut stream, 8),
        b"name? \xff\xf9",
        "IAC GA once the server waits"
    );
    // Once the client agrees to SGA (our WILL SGA, its DO SGA), no more GA.
    conn.with_engine(|e| e.enable_local(ironboa::TelnetOption::SGA))
        .unwrap();
    assert_eq!(read_n(&mut stream, 3), [255, 251, 3]);
    stream.write_all(&[255, 253, 3]).unwrap();
    conn.wait_for(&ironboa::WaitFor::new().local("SGA", true), T)
        .unwrap();
    conn.write("next? ").unwrap();
    stream.write_all(b"x\r\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "x");
    conn.write("!").unwrap();
    assert_eq!(read_n(&mut stream, 7), b"next? !");
    server.shutdown();
}

#[test]
fn never_send_ga_sends_none() {
    let (server, mut stream, conn) = connect(ServerConfig::default().never_send_ga(true));
    conn.write("name? ").unwrap();
    stream.write_all(b"bob\r\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "bob");
    conn.write("!").unwrap();
    assert_eq!(read_n(&mut stream, 7), b"name? !");
    server.shutdown();
}

#[test]
fn idle_timeout_closes_a_silent_client() {
    let config = ServerConfig::default().idle_timeout(Some(Duration::from_millis(300)));
    let (server, mut stream, conn) = connect(config);
    assert!(matches!(conn.readline(None), Err(Error::Closed)));
    assert!(!conn.active());
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    server.shutdown();
}

#[test]
fn overlong_line_is_an_error_and_the_next_line_is_fine() {
    let (server, mut stream, conn) = connect(ServerConfig::default().max_line_length(100));
    stream.write_all(&[b'x'; 1000]).unwrap();
    stream.write_all(b"\r\nshort\r\n").unwrap();
    assert!(matches!(
        conn.readline(T),
        Err(Error::LimitExceeded {
            limit: Limit::LineLength,
            max: 100
        })
    ));
    assert_eq!(conn.readline(T).unwrap(), "short");
    server.shutdown();
}

#[test]
fn a_flood_without_line_end_stays_bounded() {
    let (server, mut stream, conn) = connect(ServerConfig::default().max_line_length(1024));
    let writer = std::thread::spawn(move || {
        let chunk = [b'a'; 64 * 1024];
        for _ in 0..64 {
            // 4 MiB with no line end
            if stream.write_all(&chunk).is_err() {
                break;
            }
        }
        stream.write_all(b"\r\nafter\r\n").unwrap();
        stream
    });
    assert!(matches!(
        conn.readline(T),
        Err(Error::LimitExceeded {
            limit: Limit::LineLength,
            ..
        })
    ));
    assert_eq!(conn.readline(T).unwrap(), "after");
    let _stream = writer.join().unwrap();
    server.shutdown();
}

#[test]
fn invalid_utf8_is_replaced_and_raw_bytes_stay_readable() {
    let (server, mut stream, conn) = connect(ServerConfig::default());
    stream
        .write_all(b"caf\xc3\xa9 \xff\xff bad \xc3\r\nraw \xe9\r\n")
        .unwrap();
    assert_eq!(conn.readline(T).unwrap(), "café \u{fffd} bad \u{fffd}");
    assert_eq!(conn.readline_bytes(T).unwrap(), b"raw \xe9");
    server.shutdown();
}

#[test]
fn latin1_encoding_round_trips() {
    let (server, mut stream, conn) = connect(ServerConfig::default().encoding(Encoding::Latin1));
    stream.write_all(b"caf\xe9\r\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "café");
    conn.write("naïve €").unwrap();
    assert_eq!(read_n(&mut stream, 7), b"na\xefve ?");
    server.shutdown();
}

#[test]
fn utf8_read_never_cuts_a_character() {
    let (server, mut stream, conn) = connect(ServerConfig::default());
    stream.write_all("é".as_bytes()).unwrap();
    // One byte asked for, but a character is two: it comes whole.
    assert_eq!(conn.read(1, T).unwrap(), "é");
    stream.write_all(&"☺x".as_bytes()[..2]).unwrap();
    assert!(matches!(
        conn.read(10, Some(Duration::from_millis(100))),
        Err(Error::Timeout { .. })
    ));
    stream.write_all(&"☺x".as_bytes()[2..]).unwrap();
    assert_eq!(conn.read_until("x", T).unwrap(), "☺x");
    server.shutdown();
}

#[test]
fn force_binary_passes_cr_nul_and_sends_bare_cr() {
    let (server, mut stream, conn) = connect(ServerConfig::default().force_binary(true));
    stream.write_all(b"a\r\0b\n").unwrap();
    assert_eq!(conn.read_until_bytes(b"\n", T).unwrap(), b"a\r\0b\n");
    conn.write_bytes(b"x\ry").unwrap();
    assert_eq!(read_n(&mut stream, 3), b"x\ry");
    server.shutdown();
}

#[test]
fn nvt_mode_sends_bare_cr_as_cr_nul_and_doubles_iac() {
    let (server, mut stream, conn) = connect(ServerConfig::default());
    conn.write_bytes(b"x\ry\xff").unwrap();
    assert_eq!(read_n(&mut stream, 6), b"x\r\0y\xff\xff");
    conn.send("a\nb\r\nc").unwrap();
    assert_eq!(read_n(&mut stream, 7), b"a\r\nb\r\nc");
    server.shutdown();
}

#[test]
fn are_you_there_is_answered() {
    let (server, mut stream, conn) = connect(ServerConfig::default());
    stream.write_all(b"\xff\xf6line\r\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "line");
    assert_eq!(read_n(&mut stream, 9), b"\r\n[Yes]\r\n");
    server.shutdown();
}

#[test]
fn erase_line_and_character_edit_pending_input() {
    let (server, mut stream, conn) = connect(ServerConfig::default());
    stream
        .write_all(b"wrong\xff\xf8right\xff\xf7t\r\n")
        .unwrap();
    assert_eq!(conn.readline(T).unwrap(), "right");
    // Split across reads: the erase still applies to what came before it.
    stream.write_all(b"abc").unwrap();
    assert_eq!(conn.read_until("abc", T).unwrap(), "abc");
    stream.write_all(b"de\xff\xf7\xff\xf7x\r\n").unwrap();
    assert_eq!(
        conn.readline(T).unwrap(),
        "x",
        "EC never reaches into what was already read"
    );
    server.shutdown();
}

#[test]
fn a_write_from_another_thread_is_never_interleaved() {
    let (server, mut stream, conn) = connect(ServerConfig::default());
    let line_a = "A".repeat(100_000) + "\n";
    let line_b = "B".repeat(100_000) + "\n";
    let other = conn.clone();
    let b = line_b.clone();
    let writer = std::thread::spawn(move || {
        for _ in 0..5 {
            other.send(&b).unwrap();
        }
    });
    for _ in 0..5 {
        conn.send(&line_a).unwrap();
    }
    let mut received = Vec::new();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 10 * 100_002];
        stream.read_exact(&mut buf).unwrap();
        buf
    });
    writer.join().unwrap();
    received.extend(reader.join().unwrap());
    for line in received.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        assert_eq!(line.len(), 100_001, "a whole line, CR included");
        assert!(
            line[..100_000].iter().all(|&c| c == line[0]),
            "no interleaving"
        );
    }
    server.shutdown();
}

#[test]
fn miniboa_properties() {
    let (server, stream, conn) = connect(ServerConfig::default());
    assert!(conn.active());
    assert_eq!(conn.address(), "127.0.0.1");
    assert_eq!(conn.port(), stream.local_addr().unwrap().port());
    assert_eq!(conn.addrport(), stream.local_addr().unwrap().to_string());
    assert_eq!(conn.terminal_type(), "unknown");
    assert_eq!((conn.columns(), conn.rows()), (80, 24));
    let idle = conn.idle();
    assert!(conn.duration() >= idle);
    assert_eq!(conn.bytes_received(), 3);
    assert_eq!(conn.bytes_sent(), 3);
    assert_eq!(conn.mode(), "local");
    assert_eq!(conn.get_extra_info("charset").as_deref(), Some("UTF-8"));
    assert_eq!(conn.get_extra_info("NOPE"), None);
    assert!(matches!(
        conn.wait_for(&ironboa::WaitFor::new().remote("NO-SUCH-OPTION", true), T),
        Err(Error::InvalidArgument(_))
    ));
    conn.deactivate();
    assert!(!conn.active());
    assert!(matches!(conn.send("x"), Err(Error::Closed)));
    server.shutdown();
}

#[test]
fn character_mode_partial_line_survives_a_disconnect() {
    let (server, mut stream, conn) = connect(ServerConfig::default());
    conn.request_will_echo().unwrap();
    assert_eq!(read_n(&mut stream, 3), [255, 251, 1]);
    stream.write_all(&[255, 253, 1]).unwrap(); // DO ECHO: the server echoes and edits
    conn.wait_for(&ironboa::WaitFor::new().local("ECHO", true), T)
        .unwrap();
    stream.write_all(b"partx\x7f").unwrap();
    // The edited part is echoed once the server reads it.
    assert!(matches!(
        conn.readline(Some(Duration::from_millis(200))),
        Err(Error::Timeout { .. })
    ));
    stream.write_all(b"ial").unwrap();
    drop(stream);
    assert_eq!(conn.readline(T).unwrap(), "partial");
    assert!(matches!(conn.readline(T), Err(Error::Closed)));
    server.shutdown();
}

#[test]
fn password_mode_reads_without_echo_in_character_mode() {
    let (server, mut stream, conn) = connect(ServerConfig::default());
    conn.password_mode_on().unwrap();
    assert_eq!(read_n(&mut stream, 3), [255, 251, 1]);
    stream.write_all(&[255, 253, 1]).unwrap();
    stream.write_all(b"s3cret\r\n").unwrap();
    assert_eq!(conn.readline(T).unwrap(), "s3cret");
    conn.password_mode_off().unwrap();
    conn.write("done").unwrap();
    // Nothing of the password came back: the next bytes are WONT ECHO, then "done".
    assert_eq!(read_n(&mut stream, 7), b"\xff\xfc\x01done");
    server.shutdown();
}
