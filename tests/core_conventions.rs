//! The connection core's conventions, against a running server on loopback: polls with a zero
//! timeout, `io::Read` and `io::Write`, connection ids, held output that no read follows, and
//! `shutdown` called from inside a handler.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use ironboa::{
    BlockingTelnetServer, ConnectionId, Error, Operation, ServerConfig, ServerConnection,
};

const T: Option<Duration> = Some(Duration::from_secs(10));

/// A raw client that refuses TTYPE, so the server negotiates nothing else (and owes it GA).
fn dumb_client(server: &BlockingTelnetServer) -> TcpStream {
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut opening = [0u8; 3];
    stream.read_exact(&mut opening).unwrap();
    assert_eq!(opening, [255, 253, 24], "DO TTYPE first");
    stream.write_all(&[255, 252, 24]).unwrap();
    stream
}

fn serve(
    config: ServerConfig,
    handler: impl Fn(ServerConnection) + Send + Sync + 'static,
) -> BlockingTelnetServer {
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    server.serve_in_background(handler).unwrap();
    server
}

fn read_n(stream: &mut TcpStream, want: usize) -> Vec<u8> {
    let mut out = vec![0u8; want];
    stream.read_exact(&mut out).unwrap();
    out
}

#[test]
fn a_poll_loop_with_a_zero_timeout_reads_lines_already_waiting() {
    let (tx, rx) = crossbeam_channel::unbounded();
    let server = serve(ServerConfig::default(), move |conn| {
        // A game loop: poll, never block. Lines the client sent before are read from the
        // socket by the polls themselves.
        let mut lines = Vec::new();
        let end = Instant::now() + Duration::from_secs(10);
        while lines.len() < 3 && Instant::now() < end {
            match conn.readline(Some(Duration::ZERO)) {
                Ok(line) => lines.push(line),
                Err(Error::Timeout {
                    operation: Operation::ReadLine,
                }) => std::thread::yield_now(),
                Err(error) => panic!("{error}"),
            }
        }
        tx.send(lines).unwrap();
    });
    let mut stream = dumb_client(&server);
    stream.write_all(b"one\r\ntwo\r\nthree\r\n").unwrap();
    let lines = rx.recv_timeout(Duration::from_secs(15)).unwrap();
    assert_eq!(lines, ["one", "two", "three"]);
    server.shutdown();
}

#[test]
fn a_connection_is_io_read_and_io_write() {
    let server = serve(ServerConfig::default(), |conn| {
        let mut reader = BufReader::new(&conn);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let mut writer = &conn;
        write!(writer, "got {} bytes: {}", line.len(), line).unwrap();
        // Six more bytes, copied back as they are.
        let mut rest = [0u8; 6];
        reader.read_exact(&mut rest).unwrap();
        std::io::copy(&mut rest.as_slice(), &mut writer).unwrap();
        writer.flush().unwrap();
        let _ = conn.readline(T);
    });
    let mut stream = dumb_client(&server);
    stream.write_all(b"hello\r\n\xff\xff tail").unwrap();
    // IAC IAC is one 255 to the handler, doubled again on the way out; the GA the client is
    // owed (it refused SGA) follows once the handler reads again.
    let expected = b"got 7 bytes: hello\r\n\xff\xff tail\xff\xf9";
    assert_eq!(read_n(&mut stream, expected.len()), expected);
    server.shutdown();
}

#[test]
fn connection_ids_are_stable_and_distinct() {
    let (tx, rx) = crossbeam_channel::unbounded::<ServerConnection>();
    let server = serve(ServerConfig::default(), move |conn| {
        tx.send(conn.clone()).unwrap();
        let _ = conn.readline(T);
    });
    let mut a = dumb_client(&server);
    let mut b = dumb_client(&server);
    let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let second = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_ne!(first.id(), second.id());
    assert_eq!(first, first.clone());
    let listed: HashSet<ConnectionId> = server.clients().iter().map(|c| c.id()).collect();
    assert!(listed.contains(&first.id()) && listed.contains(&second.id()));
    a.write_all(b"bye\r\n").unwrap();
    b.write_all(b"bye\r\n").unwrap();
    server.shutdown();
}

#[test]
fn output_that_no_read_follows_still_leaves() {
    let (release_tx, release_rx) = crossbeam_channel::bounded::<()>(0);
    let server = serve(ServerConfig::default(), move |conn| {
        conn.send("held?\n").unwrap();
        // Neither reads nor writes until the test has seen the output.
        let _ = release_rx.recv_timeout(Duration::from_secs(30));
    });
    let mut stream = dumb_client(&server);
    // The handler owes GA (the client refused SGA), so the output may be held back a moment
    // for it; it must still arrive while the handler does nothing.
    assert_eq!(read_n(&mut stream, 7), b"held?\r\n");
    drop::<Sender<()>>(release_tx);
    server.shutdown();
}

#[test]
fn shutdown_from_inside_a_handler_does_not_wait_for_its_own_thread() {
    let (tx, rx) = crossbeam_channel::unbounded();
    // A bound long enough that waiting for the calling thread would show as a failure, not
    // as a slow pass: the result says whether every *other* thread ended.
    let config = ServerConfig::default().shutdown_timeout(Duration::from_secs(600));
    let server = BlockingTelnetServer::bind("127.0.0.1:0", config).unwrap();
    let stopper = server.clone();
    server
        .serve_in_background(move |conn| {
            if conn.readline(T).is_ok_and(|line| line == "stop") {
                tx.send(stopper.shutdown()).unwrap();
            } else {
                let _ = conn.readline(None);
            }
        })
        .unwrap();
    let mut idle = dumb_client(&server);
    let mut stopping = dumb_client(&server);
    idle.write_all(b"wait\r\n").unwrap();
    stopping.write_all(b"stop\r\n").unwrap();
    let all_others_ended = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert!(all_others_ended, "the idle connection's thread ended too");
    assert!(server.is_shut_down());
}

#[test]
fn text_reads_at_the_end_of_the_stream_keep_a_cut_character() {
    let (tx, rx) = crossbeam_channel::unbounded();
    let server = serve(ServerConfig::default(), move |conn| {
        let mut text = String::new();
        while let Ok(piece) = conn.read(1024, T) {
            text.push_str(&piece);
        }
        tx.send(text).unwrap();
    });
    let mut stream = dumb_client(&server);
    // The last byte starts a two-byte UTF-8 character that never ends.
    stream.write_all(b"caf\xc3").unwrap();
    drop(stream);
    let text = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(text, "caf\u{fffd}");
    server.shutdown();
}

#[test]
fn huge_durations_saturate_and_every_slot_comes_back() {
    // Instant + Duration would overflow for each of these.
    let config = ServerConfig::default()
        .connect_maxwait(Duration::MAX)
        .idle_timeout(Some(Duration::MAX))
        .shutdown_timeout(Duration::MAX)
        .write_timeout(Duration::MAX)
        .max_connections(1);
    let server = serve(config, |conn| {
        let _ = conn.send("hi\n");
        let _ = conn.readline(T);
    });
    for _ in 0..3 {
        // One slot: each client is served only once the one before gave it back (the thread
        // ends a moment after the client sees the end of its stream, so a client may be
        // refused a few times first; it must be served in the end).
        let served = (0..1000).any(|_| {
            let mut stream = TcpStream::connect(server.local_addr()).unwrap();
            let mut first = [0u8; 3];
            stream.read_exact(&mut first).unwrap();
            if first != [255, 253, 24] {
                return false; // the refusal line
            }
            stream.write_all(&[255, 252, 24]).unwrap();
            assert_eq!(read_n(&mut stream, 4), b"hi\r\n");
            stream.write_all(b"bye\r\n").unwrap();
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).unwrap();
            true
        });
        assert!(served, "the slot never came back");
    }
    assert!(server.shutdown());
}
