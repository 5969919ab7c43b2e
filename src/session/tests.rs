//! The session over a socketpair: layers switched on at exact byte positions.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use super::layer::testing::{Xor, ping};
use super::*;
use crate::proto::{EngineConfig, OptionSet};

const T: Option<Duration> = Some(Duration::from_secs(5));

fn options() -> SessionOptions {
    SessionOptions {
        encoding: Encoding::Utf8,
        encoding_errors: crate::encoding::EncodingErrors::Replace,
        max_line_length: 1024,
        max_input_buffer: 1 << 20,
        never_send_ga: true,
        idle_timeout: None,
        write_timeout: Some(Duration::from_secs(5)),
        answer_are_you_there: false,
        apply_erase_commands: false,
        coalesce_delay: Duration::ZERO,
        events: EventLimits {
            max_events: 16,
            max_bytes: 1024,
        },
        max_queued_output: 64 * 1024,
    }
}

fn pair(config: EngineConfig) -> (Arc<Session>, UnixStream) {
    let (ours, theirs) = UnixStream::pair().unwrap();
    let transport = Transport::unix(ours).unwrap();
    (
        Session::new(transport, Engine::new(config), options()),
        theirs,
    )
}

fn xor(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|b| b ^ 0x5a).collect()
}

#[test]
fn an_input_layer_starts_right_after_the_switching_subnegotiation() {
    let mut config = EngineConfig::client();
    config.stream_switches = OptionSet::from_options(&[TelnetOption::MCCP2]);
    let (session, mut peer) = pair(config);
    session.set_switch_handler(Box::new(|option| {
        (option == TelnetOption::MCCP2).then(|| Box::new(Xor(0x5a)) as Box<dyn InputLayer>)
    }));
    // Plain text, the switch, then transformed bytes: all in one write, so in one read.
    let mut wire = b"ab\xff\xfa\x56\xff\xf0".to_vec();
    wire.extend(xor(b"cd\r\nef\r\n"));
    peer.write_all(&wire).unwrap();
    assert_eq!(session.read_line(T).unwrap(), b"abcd");
    assert_eq!(session.read_line(T).unwrap(), b"ef");
    // Later reads go through the layer too.
    peer.write_all(&xor(b"gh\r\n")).unwrap();
    assert_eq!(session.read_line(T).unwrap(), b"gh");
    assert!(matches!(
        session.next_event(Some(Duration::ZERO)),
        Ok(Event::Subnegotiation(_))
    ));
}

#[test]
fn a_switch_without_a_handler_leaves_the_stream_as_it_is() {
    let mut config = EngineConfig::client();
    config.stream_switches = OptionSet::from_options(&[TelnetOption::MCCP2]);
    let (session, mut peer) = pair(config);
    peer.write_all(b"ab\xff\xfa\x56\xff\xf0cd\r\n").unwrap();
    assert_eq!(session.read_line(T).unwrap(), b"abcd");
}

#[test]
fn an_output_layer_applies_to_every_byte_after_its_frame() {
    let (session, mut peer) = pair(EngineConfig::server());
    session.write_data(b"x", false).unwrap();
    session
        .push_output_layer(
            |engine| engine.send_raw_subnegotiation(TelnetOption::MCCP2, &[]),
            Box::new(Xor(0x5a)),
        )
        .unwrap();
    session.write_data(b"yz", false).unwrap();
    let mut expected = b"x\xff\xfa\x56\xff\xf0".to_vec();
    expected.extend(xor(b"yz"));
    let mut got = vec![0; expected.len()];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(got, expected);
}

#[test]
fn input_layers_decode_before_the_engine() {
    let (session, mut peer) = pair(EngineConfig::server());
    session.push_input_layer(Box::new(Xor(0x5a)));
    peer.write_all(&xor(b"secret\r\n")).unwrap();
    assert_eq!(session.read_line(T).unwrap(), b"secret");
}

#[test]
fn a_zero_timeout_reads_what_has_arrived_without_waiting() {
    let (session, mut peer) = pair(EngineConfig::server());
    assert!(matches!(
        session.read_line(Some(Duration::ZERO)),
        Err(Error::Timeout {
            operation: Operation::ReadLine
        })
    ));
    peer.write_all(b"one\r\ntwo\r\n").unwrap();
    // Polls only: each call reads what the socket holds and never waits for more.
    let mut lines = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while lines.len() < 2 && std::time::Instant::now() < deadline {
        match session.read_line(Some(Duration::ZERO)) {
            Ok(line) => lines.push(line),
            Err(Error::Timeout { .. }) => std::thread::yield_now(),
            Err(error) => panic!("{error}"),
        }
    }
    assert_eq!(lines, [b"one".to_vec(), b"two".to_vec()]);
}

/// A write half that never takes anything (a pipe nobody reads).
struct StuckWriter(crossbeam_channel::Receiver<()>);

impl std::io::Write for StuckWriter {
    fn write(&mut self, _buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.recv();
        Err(std::io::ErrorKind::BrokenPipe.into())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_pipe_nobody_reads_fails_the_write_at_its_deadline_and_closing_does_not_wait() {
    let (_never, stuck) = crossbeam_channel::bounded::<()>(0);
    let (_input_ours, input_theirs) = UnixStream::pair().unwrap();
    let transport = Transport::from_streams(input_theirs, StuckWriter(stuck));
    let mut options = options();
    options.write_timeout = Some(Duration::from_millis(200));
    let session = Session::new(transport, Engine::new(EngineConfig::server()), options);
    let (done, finished) = crossbeam_channel::bounded(1);
    let writing = Arc::clone(&session);
    std::thread::spawn(move || {
        let result = writing.write_data(b"hello", false);
        writing.deactivate();
        let _ = done.send(result);
    });
    let result = finished
        .recv_timeout(Duration::from_secs(30))
        .expect("the write and the close returned");
    assert!(
        matches!(
            result,
            Err(Error::Timeout {
                operation: Operation::Write
            })
        ),
        "{result:?}"
    );
    assert!(!session.is_active());
}

#[test]
fn bytes_a_layer_owes_after_decoding_go_out_while_the_reader_waits() {
    let (session, mut peer) = pair(EngineConfig::server());
    let (input, output) = ping();
    session
        .start_layers(Box::new(input), Box::new(output), b"")
        .unwrap();
    let reading = Arc::clone(&session);
    let line = std::thread::spawn(move || reading.read_line(T));
    // The reading thread decodes the `?` and writes what its layer owes: nobody else writes.
    peer.write_all(b"ab?").unwrap();
    let mut answer = [0u8; 1];
    peer.set_read_timeout(T).unwrap();
    peer.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"!");
    peer.write_all(b"cd\r\n").unwrap();
    assert_eq!(line.join().unwrap().unwrap(), b"abcd");
    // Owed bytes go out before the next write's, which the layer frames.
    peer.write_all(b"?").unwrap();
    assert!(matches!(
        session.read_line(Some(Duration::from_millis(200))),
        Err(Error::Timeout { .. })
    ));
    session.write_data(b"xy", false).unwrap();
    let mut got = [0u8; 1];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"!");
    let mut got = [0u8; 4];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"[xy]");
}

#[test]
fn a_layer_that_ends_in_order_ends_the_stream_after_what_came_before() {
    let (session, mut peer) = pair(EngineConfig::server());
    let (input, output) = ping();
    session
        .start_layers(Box::new(input), Box::new(output), b"early\r\n")
        .unwrap();
    // What the handshake decoded is read first; then a line, the layer's end, and bytes
    // after it that are never decoded, all in one write.
    assert_eq!(session.read_line(T).unwrap(), b"early");
    peer.write_all(b"last\r\n.ignored\r\n").unwrap();
    assert_eq!(session.read_line(T).unwrap(), b"last");
    assert!(matches!(session.read_line(T), Err(Error::Closed)));
}

#[test]
fn an_orderly_close_ends_each_output_layer_and_new_layers_go_next_to_the_engine() {
    let (session, mut peer) = pair(EngineConfig::server());
    let (input, output) = ping();
    session
        .start_layers(Box::new(input), Box::new(output), b"")
        .unwrap();
    // A second output layer goes between the engine and the first (compression inside TLS).
    session
        .push_output_layer(|_| Ok(()), Box::new(Xor(0x5a)))
        .unwrap();
    session.write_data(b"hi", false).unwrap();
    session.close();
    let mut all = Vec::new();
    peer.read_to_end(&mut all).unwrap();
    let mut expected = b"[".to_vec();
    expected.extend(xor(b"hi"));
    expected.extend_from_slice(b"]$");
    assert_eq!(all, expected);
}
