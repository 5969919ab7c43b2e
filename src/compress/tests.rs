//! The compressor and decompressor against each other, and against a corrupt stream.

use super::*;
use crate::session::layer::OutputLayer;

fn mud_text(lines: usize) -> Vec<u8> {
    let mut text = Vec::new();
    for i in 0..lines {
        text.extend_from_slice(
            format!(
                "\x1b[1;32mThe Town Square\x1b[0m\r\nA fountain splashes here. Exits: north, east, south.\r\n\
                 Guard {i} says, 'Move along, citizen.'\r\n<{}hp {}m 120mv> ",
                100 + i % 7,
                50 + i % 3
            )
            .as_bytes(),
        );
    }
    text
}

#[test]
fn what_the_deflater_writes_inflates_back_whatever_the_writes() {
    let text = mud_text(400);
    let mut deflater = Deflater::new("mccp2");
    let mut wire = Vec::new();
    for piece in text.chunks(97) {
        deflater.encode(piece, &mut wire).unwrap();
    }
    deflater.finish(&mut wire).unwrap();
    wire.extend_from_slice(b"plain after");
    let mut inflater = Inflater::new("MCCP2", Default::default());
    let mut out = Vec::new();
    for piece in wire.chunks(13) {
        inflater.decode(piece, &mut out).unwrap();
    }
    let mut expected = text.clone();
    expected.extend_from_slice(b"plain after");
    assert_eq!(out, expected);
    assert!(
        wire.len() * 4 < text.len(),
        "ratio {} / {}",
        wire.len(),
        text.len()
    );
}

/// Connections take their compressors from one pool: writes of many connections in turn
/// (each taking the compressor another one used last) still decode, each on its own.
#[test]
fn connections_writing_in_turn_each_decode_their_own_stream() {
    let text = mud_text(200);
    let mut deflaters: Vec<Deflater> = (0..20).map(|_| Deflater::new("mccp2")).collect();
    let mut inflaters: Vec<Inflater> = (0..20)
        .map(|_| Inflater::new("MCCP2", Default::default()))
        .collect();
    let mut outs = vec![Vec::new(); 20];
    for (i, piece) in text.chunks(61).enumerate() {
        // A pattern that sometimes repeats a connection and sometimes skips around.
        let who = (i * 7 + i / 3) % 20;
        let mut wire = Vec::new();
        deflaters[who].encode(piece, &mut wire).unwrap();
        inflaters[who].decode(&wire, &mut outs[who]).unwrap();
        assert!(outs[who].ends_with(piece), "connection {who}, write {i}");
    }
}

/// telnetlib3's client (5.0.1) sends some plain replies between its `IAC SB MCCP3 IAC SE`
/// and the zlib stream: they pass through, split across reads anywhere.
#[test]
fn plain_telnet_commands_before_the_zlib_header_pass_through() {
    let mut wire = b"\xff\xfa\x18\x00VT100\xff\xf0\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\xff\xff\xff\xf0\xff\xf1".to_vec();
    let plain = wire.clone();
    let mut deflater = Deflater::new("mccp3");
    deflater.encode(b"look\r\n", &mut wire).unwrap();
    for split in 0..wire.len() {
        let mut inflater = Inflater::new("MCCP3", Default::default());
        let mut out = Vec::new();
        inflater.decode(&wire[..split], &mut out).unwrap();
        inflater.decode(&wire[split..], &mut out).unwrap();
        let mut expected = plain.clone();
        expected.extend_from_slice(b"look\r\n");
        assert_eq!(out, expected, "split at {split}");
    }
}

#[test]
fn a_flushed_write_decodes_before_the_stream_ends() {
    let mut deflater = Deflater::new("mccp2");
    let mut inflater = Inflater::new("MCCP2", Default::default());
    let mut out = Vec::new();
    for line in [&b"look\r\n"[..], b"north\r\n", b"look\r\n"] {
        let mut wire = Vec::new();
        deflater.encode(line, &mut wire).unwrap();
        out.clear();
        inflater.decode(&wire, &mut out).unwrap();
        assert_eq!(out, line);
    }
}

#[test]
fn a_corrupt_stream_is_a_protocol_error() {
    let mut inflater = Inflater::new("MCCP2", Default::default());
    let mut out = Vec::new();
    let error = inflater
        .decode(b"\x78\x9c\xff\xff\xff\xff\xff\xff", &mut out)
        .unwrap_err();
    let inner = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<crate::ProtocolError>())
        .cloned();
    assert!(
        matches!(inner, Some(crate::ProtocolError::CorruptCompression { ref option, .. }) if option == "MCCP2"),
        "{error:?}"
    );
}

#[test]
fn a_compression_bomb_is_decoded_a_bounded_piece_at_a_time() {
    let zeros = vec![b'x'; 8 << 20];
    let mut deflater = Deflater::new("mccp2");
    let mut wire = Vec::new();
    deflater.encode(&zeros, &mut wire).unwrap();
    assert!(wire.len() < 64 * 1024);
    let mut inflater = Inflater::new("MCCP2", Default::default());
    let mut out = Vec::new();
    inflater.decode(&wire, &mut out).unwrap();
    assert!(out.len() <= inflate::MAX_DECODE);
    let mut total = out.len();
    let mut rounds = 0;
    while inflater.has_pending() {
        out.clear();
        inflater.decode(&[], &mut out).unwrap();
        assert!(out.len() <= inflate::MAX_DECODE);
        assert!(out.iter().all(|&b| b == b'x'));
        total += out.len();
        rounds += 1;
        assert!(rounds < 1000);
    }
    assert_eq!(total, zeros.len());
}

mod over_a_session {
    //! The layers in a session over a socketpair, switched where the protocol says.

    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::super::*;
    use crate::proto::{Engine, EngineConfig};
    use crate::session::{Encoding, layer::OutputLayer};
    use crate::session::{EventLimits, SessionOptions, Transport, Wait};
    use crate::{Error, Operation};

    const T: Option<Duration> = Some(Duration::from_secs(5));

    fn session(mut config: EngineConfig, role: Role) -> (Arc<Session>, UnixStream) {
        configure_engine(&mut config, Compression::Accept);
        let (ours, theirs) = UnixStream::pair().unwrap();
        let options = SessionOptions {
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
        };
        let session = Session::new(Transport::unix(ours).unwrap(), Engine::new(config), options);
        install(&session, role, Compression::Accept);
        (session, theirs)
    }

    /// Waits until the session has read `n` bytes from the transport (so the next write
    /// arrives in a read of its own).
    fn received(session: &Session, n: u64) {
        let until = Instant::now() + Duration::from_secs(5);
        let _ = session.read_until(
            Wait::Until(until),
            Operation::Read,
            |_, _| (session.bytes_received() >= n).then_some(()),
            |_, error| Err(error),
        );
        assert!(session.bytes_received() >= n, "the session never read them");
    }

    /// MCCP2 as a client receives it: plain text, the switch, compressed text; split into two
    /// reads at every byte position, the switch's own bytes included.
    #[test]
    fn mccp2_switched_on_at_every_byte_position_of_a_read() {
        let mut wire = b"hello\r\n\xff\xfa\x56\xff\xf0".to_vec();
        let mut deflater = Deflater::new("mccp2");
        deflater.encode(b"world\r\n", &mut wire).unwrap();
        deflater.encode(b"again\r\n", &mut wire).unwrap();
        for split in 0..=wire.len() {
            let (session, mut peer) = session(EngineConfig::client(), Role::Client);
            peer.write_all(&wire[..split]).unwrap();
            received(&session, split as u64);
            peer.write_all(&wire[split..]).unwrap();
            for line in [&b"hello"[..], b"world", b"again"] {
                assert_eq!(session.read_line(T).unwrap(), line, "split at {split}");
            }
        }
    }

    /// A server that starts MCCP2 again inside its running stream is ignored (no nested
    /// decompressor); one that ends the stream and starts a new one is followed, and the
    /// spent layer is taken off.
    #[test]
    fn mccp2_restarted_inside_a_stream_is_ignored_and_after_its_end_followed() {
        let (session, mut peer) = session(EngineConfig::client(), Role::Client);
        let mut wire = b"\xff\xfa\x56\xff\xf0".to_vec();
        let mut first = Deflater::new("mccp2");
        first
            .encode(b"one\r\n\xff\xfa\x56\xff\xf0two\r\n", &mut wire)
            .unwrap();
        peer.write_all(&wire).unwrap();
        for line in [&b"one"[..], b"two"] {
            assert_eq!(session.read_line(T).unwrap(), line);
        }
        wire.clear();
        first.finish(&mut wire).unwrap();
        wire.extend_from_slice(b"three\r\n\xff\xfa\x56\xff\xf0");
        let mut second = Deflater::new("mccp2");
        second.encode(b"four\r\n", &mut wire).unwrap();
        peer.write_all(&wire).unwrap();
        for line in [&b"three"[..], b"four"] {
            assert_eq!(session.read_line(T).unwrap(), line);
        }
        assert_eq!(session.with_input(|state| state.layer_count()), 1);
    }

    #[test]
    fn a_corrupt_mccp2_stream_ends_the_connection_with_a_protocol_error() {
        let (session, mut peer) = session(EngineConfig::client(), Role::Client);
        peer.write_all(b"ok\r\n\xff\xfa\x56\xff\xf0\x78\x9c\xff\xff\xff\xff")
            .unwrap();
        assert_eq!(session.read_line(T).unwrap(), b"ok");
        let error = session.read_line(T).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Protocol(crate::ProtocolError::CorruptCompression { .. })
            ),
            "{error:?}"
        );
        assert!(!session.is_active());
    }

    /// A server compresses everything after the `IAC SE` it sends when the client says
    /// `DO MCCP2`, and ends the zlib stream after the `WONT` that answers `DONT MCCP2`.
    #[test]
    fn a_server_compresses_after_do_mccp2_and_stops_after_dont() {
        let (session, mut peer) = session(EngineConfig::server(), Role::Server);
        peer.write_all(b"\xff\xfd\x56").unwrap();
        received(&session, 3);
        session.write_data(b"compressed text\r\n", false).unwrap();
        peer.write_all(b"\xff\xfe\x56").unwrap();
        received(&session, 6);
        session.write_data(b"plain again\r\n", false).unwrap();
        session.close();
        let mut wire = Vec::new();
        peer.set_read_timeout(T).unwrap();
        peer.read_to_end(&mut wire).unwrap();
        let switch = b"\xff\xfb\x56\xff\xfa\x56\xff\xf0";
        assert!(wire.starts_with(switch), "{wire:02x?}");
        let mut inflater = Inflater::new("MCCP2", Default::default());
        let mut out = Vec::new();
        use crate::session::layer::InputLayer;
        inflater.decode(&wire[switch.len()..], &mut out).unwrap();
        assert_eq!(out, b"compressed text\r\n\xff\xfc\x56plain again\r\n");
        let _ = deflate::WINDOW;
        let _: Option<&dyn OutputLayer> = None;
    }
}

mod properties {
    //! Any bytes, written in any pieces, read back in any pieces.

    use proptest::prelude::*;

    use super::super::*;
    use crate::session::layer::{InputLayer, OutputLayer};

    /// Text with IAC, CR, LF and NUL among MUD-like words.
    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"\xff".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\0".to_vec()),
            Just(b"The goblin hits you. ".to_vec()),
            Just(b"<100hp 50m> ".to_vec()),
            proptest::collection::vec(any::<u8>(), 1..40),
        ];
        proptest::collection::vec(piece, 0..200).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn what_goes_in_comes_out(
            text in bytes(),
            writes in proptest::collection::vec(1usize..500, 1..20),
            reads in proptest::collection::vec(1usize..300, 1..20),
            end in any::<bool>(),
        ) {
            let mut deflater = Deflater::new("mccp2");
            let mut wire = Vec::new();
            let mut rest = &text[..];
            for size in writes.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let n = (*size).min(rest.len());
                deflater.encode(&rest[..n], &mut wire).unwrap();
                rest = &rest[n..];
            }
            let mut expected = text.clone();
            if end {
                deflater.finish(&mut wire).unwrap();
                wire.extend_from_slice(b"plain\xff\xff");
                expected.extend_from_slice(b"plain\xff\xff");
            }
            let mut inflater = Inflater::new("MCCP2", Default::default());
            let mut out = Vec::new();
            let mut rest = &wire[..];
            for size in reads.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let n = (*size).min(rest.len());
                inflater.decode(&rest[..n], &mut out).unwrap();
                rest = &rest[n..];
                while inflater.has_pending() {
                    inflater.decode(&[], &mut out).unwrap();
                }
            }
            prop_assert_eq!(out, expected);
        }
    }
}
