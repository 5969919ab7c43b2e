//! The cases of CPython's Lib/test/test_telnetlib.py (ReadTests, OptionTests, ExpectTests),
//! ported to TelnetConnection against a scripted loopback peer: a thread that accepts one
//! connection, writes the given chunks in order, and closes.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use ironboa::client::{ClientConfig, Telnet};
use ironboa::options::Subnegotiation;
use ironboa::{Command, Error, Event};

const IAC: u8 = 255;
const SB: u8 = 250;
const SE: u8 = 240;

/// A scripted peer. Each chunk is written once the test says "go" (so a test can first see
/// that nothing has arrived), then the peer closes.
struct Peer {
    go: mpsc::Sender<()>,
    thread: Option<thread::JoinHandle<Vec<u8>>>,
}

impl Peer {
    fn new(chunks: Vec<Vec<u8>>) -> (Peer, Telnet) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (go, wait) = mpsc::channel::<()>();
        let thread = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let _ = wait.recv();
            for chunk in chunks {
                stream.write_all(&chunk).unwrap();
                stream.flush().unwrap();
            }
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            // Collect what the client sent, until it closes.
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut received = Vec::new();
            let _ = stream.read_to_end(&mut received);
            received
        });
        let conn = Telnet::open(addr, ClientConfig::default()).unwrap();
        (
            Peer {
                go,
                thread: Some(thread),
            },
            conn,
        )
    }

    /// A peer that sends its chunks at once.
    fn sending(chunks: Vec<Vec<u8>>) -> Telnet {
        let (mut peer, conn) = Peer::new(chunks);
        peer.release();
        // Detach: the peer thread ends by itself once the client closes.
        drop(peer.thread.take());
        conn
    }

    fn release(&self) {
        self.go.send(()).unwrap();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.go.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn cat(chunks: &[Vec<u8>]) -> Vec<u8> {
    chunks.concat()
}

// ----- ReadTests -----

#[test]
fn read_until() {
    let conn = Peer::sending(vec![b"xxxmatchyyy".to_vec()]);
    assert_eq!(conn.read_until(b"match", None).unwrap(), b"xxxmatch");

    let reads = vec![vec![b'x'; 50], b"match".to_vec(), vec![b'y'; 50]];
    let expect = cat(&reads[..2]);
    let conn = Peer::sending(reads);
    assert_eq!(conn.read_until(b"match", None).unwrap(), expect);
}

#[test]
fn read_until_at_eof_returns_what_was_read_then_eof_error() {
    let conn = Peer::sending(vec![b"no match here".to_vec()]);
    assert_eq!(conn.read_until(b"match!", None).unwrap(), b"no match here");
    assert!(matches!(
        conn.read_until(b"match!", None),
        Err(Error::Closed)
    ));
}

#[test]
fn read_until_timeout_returns_what_is_available() {
    let (peer, conn) = Peer::new(vec![b"late".to_vec()]);
    assert_eq!(
        conn.read_until(b"x", Some(Duration::from_millis(50)))
            .unwrap(),
        b""
    );
    peer.release();
    assert_eq!(conn.read_until(b"late", None).unwrap(), b"late");
}

#[test]
fn read_all() {
    let reads = vec![vec![b'x'; 500], vec![b'y'; 500], vec![b'z'; 500]];
    let expect = cat(&reads);
    let conn = Peer::sending(reads);
    assert_eq!(conn.read_all().unwrap(), expect);
}

#[test]
fn read_some() {
    let conn = Peer::sending(vec![vec![b'x'; 500]]);
    let data = conn.read_some().unwrap();
    assert!(!data.is_empty());
    // EOF: read_some returns b''.
    let conn = Peer::sending(vec![]);
    assert_eq!(conn.read_some().unwrap(), b"");
}

/// read_*_eager() should never block: b'' while nothing has arrived, then everything, then
/// EOFError.
fn read_eager(read: fn(&Telnet) -> ironboa::Result<Vec<u8>>) {
    let want = vec![b'x'; 100];
    let (peer, conn) = Peer::new(vec![want.clone()]);
    assert_eq!(read(&conn).unwrap(), b"");
    peer.release();
    let mut data = Vec::new();
    loop {
        match read(&conn) {
            Ok(chunk) => data.extend(chunk),
            Err(Error::Closed) => break,
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(data, want);
}

#[test]
fn read_eager_never_blocks() {
    read_eager(Telnet::read_eager);
}

#[test]
fn read_very_eager_never_blocks() {
    read_eager(Telnet::read_very_eager);
}

fn read_lazy(read: fn(&Telnet) -> ironboa::Result<Vec<u8>>) {
    let want = vec![b'x'; 100];
    let (peer, conn) = Peer::new(vec![want.clone()]);
    assert_eq!(read(&conn).unwrap(), b"");
    peer.release();
    let mut data = Vec::new();
    loop {
        match read(&conn) {
            Ok(chunk) if chunk.is_empty() => {
                // telnetlib's fill_rawq(): do the I/O the lazy read does not.
                match conn.read_very_eager() {
                    Ok(more) => data.extend(more),
                    Err(Error::Closed) => break,
                    Err(other) => panic!("{other}"),
                }
            }
            Ok(chunk) => data.extend(chunk),
            Err(Error::Closed) => break,
            Err(other) => panic!("{other}"),
        }
        assert!(want.starts_with(&data));
    }
    assert_eq!(data, want);
}

#[test]
fn read_lazy_does_no_io() {
    read_lazy(Telnet::read_lazy);
}

#[test]
fn read_very_lazy_does_no_io() {
    read_lazy(Telnet::read_very_lazy);
}

// ----- OptionTests -----

/// Collects what the option callback saw.
#[derive(Default)]
struct NegoCollector {
    commands: Vec<Command>,
    sb_seen: Vec<u8>,
}

fn with_collector(conn: &Telnet) -> Arc<Mutex<NegoCollector>> {
    let collector = Arc::new(Mutex::new(NegoCollector::default()));
    let shared = Arc::clone(&collector);
    conn.set_option_negotiation_callback(move |_engine, event| {
        let mut c = shared.lock().unwrap();
        match event {
            Event::Command(command) => c.commands.push(*command),
            Event::Subnegotiation(sb) => {
                c.sb_seen.push(sb.option().0);
                c.sb_seen.extend(sb.encode());
            }
            _ => {}
        }
    });
    collector
}

const CMDS: [Command; 8] = [
    Command::AbortOutput,
    Command::AreYouThere,
    Command::Break,
    Command::EraseCharacter,
    Command::EraseLine,
    Command::GoAhead,
    Command::InterruptProcess,
    Command::Nop,
];

/// Sends `data` (text and IAC commands), and checks the callback saw the commands and the
/// text came through without them.
fn test_command(data: Vec<Vec<u8>>) {
    let (peer, conn) = Peer::new(data.clone());
    let collector = with_collector(&conn);
    peer.release();
    let text = conn.read_all().unwrap();
    let mut expected_text = Vec::new();
    let mut expected_commands = Vec::new();
    for chunk in &data {
        let mut i = 0;
        while i < chunk.len() {
            if chunk[i] == IAC {
                expected_commands.push(Command::from_byte(chunk[i + 1]).unwrap());
                i += 2;
            } else {
                expected_text.push(chunk[i]);
                i += 1;
            }
        }
    }
    assert_eq!(text, expected_text);
    assert_eq!(collector.lock().unwrap().commands, expected_commands);
    assert_eq!(conn.read_sb_data(), b"");
}

#[test]
fn iac_commands() {
    for cmd in CMDS {
        let c = cmd.byte();
        test_command(vec![vec![IAC, c]]);
        test_command(vec![vec![b'x'; 100], vec![IAC, c], vec![b'y'; 100]]);
        test_command(vec![vec![b'x'; 10], vec![IAC, c], vec![b'y'; 10]]);
    }
    // all at once
    test_command(vec![CMDS.iter().flat_map(|c| [IAC, c.byte()]).collect()]);
}

#[test]
fn sb_commands() {
    // RFC 855, subnegotiations portion
    let send = vec![
        vec![IAC, SB, IAC, SE],
        vec![IAC, SB, IAC, IAC, IAC, SE],
        [&[IAC, SB, IAC, IAC][..], b"aa", &[IAC, SE]].concat(),
        [&[IAC, SB][..], b"bb", &[IAC, IAC, IAC, SE]].concat(),
        [&[IAC, SB][..], b"cc", &[IAC, IAC], b"dd", &[IAC, SE]].concat(),
    ];
    let (peer, conn) = Peer::new(send);
    let collector = with_collector(&conn);
    peer.release();
    assert_eq!(conn.read_all().unwrap(), b"");
    let want_sb_data = [&[IAC, IAC][..], b"aabb", &[IAC], b"cc", &[IAC], b"dd"].concat();
    assert_eq!(collector.lock().unwrap().sb_seen, want_sb_data);
    // read_sb_data gives the last one and forgets it.
    assert_eq!(conn.read_sb_data(), [&b"cc"[..], &[IAC], b"dd"].concat());
    assert_eq!(conn.read_sb_data(), b"");
}

#[test]
fn negotiation_callback_answers_for_itself() {
    // The peer asks DO TTYPE and WILL ECHO; the callback refuses both, as telnetlib's default.
    let (peer, conn) = Peer::new(vec![vec![IAC, 253, 24, IAC, 251, 1], b"ok".to_vec()]);
    conn.set_option_negotiation_callback(|engine, event| {
        if let Event::Negotiation { verb, option } = event {
            let reply = match verb {
                ironboa::Verb::Do | ironboa::Verb::Dont => ironboa::Verb::Wont,
                _ => ironboa::Verb::Dont,
            };
            engine.send_negotiation(reply, *option).unwrap();
        }
    });
    peer.release();
    assert_eq!(conn.read_all().unwrap(), b"ok");
    conn.close();
    let sent = peer_received(peer);
    assert_eq!(sent, [IAC, 252, 24, IAC, 254, 1]);
}

fn peer_received(mut peer: Peer) -> Vec<u8> {
    peer.thread.take().unwrap().join().unwrap()
}

// ----- ExpectTests -----

#[test]
fn expect() {
    let want = vec![vec![b'x'; 10], b"match".to_vec(), vec![b'y'; 10]];
    let conn = Peer::sending(want.clone());
    let found = conn.expect(&["match"], None).unwrap();
    assert_eq!(found.index, Some(0));
    assert_eq!(found.data, cat(&want[..2]));
}

#[test]
fn expect_first_listed_pattern_wins_and_eof_gives_minus_one() {
    let conn = Peer::sending(vec![b"login: ".to_vec()]);
    let found = conn.expect(&["password:", "login: ", "log"], None).unwrap();
    assert_eq!(found.index, Some(1));
    assert_eq!(found.matched(), Some(&b"login: "[..]));
    // Nothing left and the stream is over: EOFError.
    assert!(matches!(conn.expect(&["x"], None), Err(Error::Closed)));

    let conn = Peer::sending(vec![b"partial".to_vec()]);
    let (index, matched, data) = conn.expect(&["never"], None).unwrap().into_parts();
    assert_eq!((index, matched, data), (None, None, b"partial".to_vec()));
    assert!(matches!(
        conn.expect(&["("], None),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn expect_patterns_are_byte_patterns_as_in_telnetlib() {
    // Python: tn.expect([rb"Version (.+)\r", rb"\xff> "]) on latin-1 output.
    let conn = Peer::sending(vec![b"Version caf\xe9\r\nrouter\xff\xff> ".to_vec()]);
    let found = conn.expect(&[r"Version (.+)\r", r"never"], None).unwrap();
    assert_eq!(found.index, Some(0));
    assert_eq!(found.group(1), Some(&b"caf\xe9"[..]));
    // IAC IAC is one 0xff in the data; \xff is that byte, not U+00FF's two bytes.
    let found = conn.expect(&[r"\xff> $"], None).unwrap();
    assert_eq!(found.data, b"\nrouter\xff> ");
}

#[test]
fn write_doubles_iac() {
    let (peer, conn) = Peer::new(vec![]);
    conn.write(b"a\xffb\r\n").unwrap();
    peer.release();
    conn.read_all().unwrap();
    conn.close();
    assert_eq!(peer_received(peer), b"a\xff\xffb\r\n");
}

#[test]
fn subnegotiation_payload_reaches_read_sb_data_without_a_callback() {
    let payload = [&[IAC, SB, 201][..], b"Core.Hello {}", &[IAC, SE], b"text"].concat();
    let conn = Peer::sending(vec![payload]);
    assert_eq!(conn.read_all().unwrap(), b"text");
    assert_eq!(conn.read_sb_data(), b"\xc9Core.Hello {}");
    let _ = Subnegotiation::decode; // the decoded form is in Event::Subnegotiation
}

#[test]
fn a_raw_stream_connects() {
    // Sanity: the scripted peer works with a plain TcpStream too.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let t = thread::spawn(move || listener.accept().unwrap().0.write_all(b"hi").unwrap());
    let mut stream = TcpStream::connect(addr).unwrap();
    t.join().unwrap();
    let mut buf = [0u8; 2];
    stream.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hi");
}
