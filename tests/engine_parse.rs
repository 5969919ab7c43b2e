//! Byte vectors for the parser: framing, NVT line ends, commands, and hostile input.

mod support;

use ironboa::options::{
    Charset, EnvVar, Environ, EnvironKind, FlowControl, Linemode, Subnegotiation, TerminalSpeed,
    TerminalType, WindowSize, XDisplay,
};
use ironboa::proto::{Engine, EngineConfig, Limits};
use ironboa::{Command, Event, ProtocolError, TelnetOption};
use support::feed;

fn server() -> Engine {
    Engine::new(EngineConfig::server())
}

#[test]
fn iac_iac_is_data_255() {
    let o = feed(&mut server(), b"a\xff\xffb", 0);
    assert_eq!(o.data, b"a\xffb");
    assert!(o.events.is_empty());
}

#[test]
fn nvt_cr_nul_is_a_bare_cr_and_cr_lf_is_kept() {
    let o = feed(&mut server(), b"a\r\0b\r\nc\rd\0e", 0);
    assert_eq!(o.data, b"a\rb\r\nc\rd\0e");
    // Split between CR and NUL.
    let mut engine = server();
    let mut data = Vec::new();
    engine.receive(b"x\r", &mut data).unwrap();
    assert_eq!(
        data, b"x\r",
        "a CR at the end of a read is delivered at once"
    );
    engine.receive(b"\0y", &mut data).unwrap();
    assert_eq!(data, b"x\ry");
}

#[test]
fn binary_keeps_cr_nul() {
    let mut engine = server();
    engine.enable_remote(TelnetOption::BINARY);
    let o = feed(&mut engine, b"\xff\xfb\x00a\r\0b", 0);
    assert_eq!(o.data, b"a\r\0b");
}

#[test]
fn every_command_is_an_event() {
    let input = [
        255, 241, 255, 242, 255, 243, 255, 244, 255, 245, 255, 246, 255, 247, 255, 248, 255, 249,
        255, 239,
    ];
    let o = feed(&mut server(), &input, 1);
    let commands: Vec<_> = o
        .events
        .iter()
        .map(|e| match e {
            Event::Command(c) => *c,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        commands,
        [
            Command::Nop,
            Command::DataMark,
            Command::Break,
            Command::InterruptProcess,
            Command::AbortOutput,
            Command::AreYouThere,
            Command::EraseCharacter,
            Command::EraseLine,
            Command::GoAhead,
            Command::EndOfRecord
        ]
    );
}

#[test]
fn unknown_command_and_stray_se_are_reported_and_skipped() {
    let o = feed(&mut server(), b"a\xff\x07b\xff\xf0c", 0);
    assert_eq!(o.data, b"abc");
    assert_eq!(
        o.events,
        [
            Event::ProtocolError(ProtocolError::UnknownCommand(7)),
            Event::ProtocolError(ProtocolError::UnknownCommand(240)),
        ]
    );
}

#[test]
fn overlong_subnegotiation_is_dropped_and_the_stream_stays_in_sync() {
    let mut config = EngineConfig::server();
    config.limits = Limits {
        max_subnegotiation: 16,
        ..Limits::default()
    };
    let mut input = b"\xff\xfa\xc9".to_vec();
    input.extend(std::iter::repeat_n(b'x', 100));
    input.extend(b"\xff\xff\xff\xf0after\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0");
    for chunk in [0, 1, 7] {
        let mut engine = Engine::new(config.clone());
        let o = feed(&mut engine, &input, chunk);
        assert_eq!(o.data, b"after");
        assert_eq!(
            o.events[0],
            Event::ProtocolError(ProtocolError::SubnegotiationTooLong {
                option: 201,
                limit: 16
            })
        );
        assert_eq!(o.events.len(), 2, "{:?}", o.events);
        assert_eq!(engine.peer().window_size, Some(WindowSize::new(80, 24)));
    }
}

#[test]
fn endless_subnegotiation_costs_bounded_memory() {
    let mut engine = server();
    let mut data = Vec::new();
    engine.receive(b"\xff\xfa\x18", &mut data).unwrap();
    let junk = vec![b'z'; 64 * 1024];
    for _ in 0..256 {
        // 16 MiB of subnegotiation that never ends
        engine.receive(&junk, &mut data).unwrap();
        assert!(engine.buffered_subnegotiation() <= engine.config().limits.max_subnegotiation);
    }
    assert!(data.is_empty());
    let mut errors = 0;
    while let Some(e) = engine.poll_event() {
        assert!(matches!(
            e,
            Event::ProtocolError(ProtocolError::SubnegotiationTooLong { .. })
        ));
        errors += 1;
    }
    assert_eq!(errors, 1, "reported once");
    // A command still gets through once the peer gives up.
    engine.receive(b"\xff\xf0ok", &mut data).unwrap();
    assert_eq!(data, b"ok");
}

#[test]
fn subnegotiation_interrupted_by_a_command_processes_the_command() {
    let mut engine = server();
    engine.enable_remote(TelnetOption::NAWS);
    let o = feed(&mut engine, b"\xff\xfa\x1f\x00\x50\xff\xfb\x1fhi", 0);
    assert_eq!(o.data, b"hi");
    assert!(matches!(
        o.events[0],
        Event::ProtocolError(ProtocolError::SubnegotiationInterrupted {
            option: 31,
            command: 251
        })
    ));
    assert!(engine.remote_enabled(TelnetOption::NAWS));
}

#[test]
fn malformed_subnegotiations_are_reported_not_fatal() {
    for (option, payload) in [
        (31u8, &[0u8, 80, 0][..]),
        (24, &[9]),
        (39, &[0, b'x']),
        (42, &[1]),
        (32, &[0, b'1']),
        (34, &[1]),
        (33, &[]),
        (5, &[0, 251]),
    ] {
        let mut input = vec![255, 250, option];
        input.extend_from_slice(payload);
        input.extend_from_slice(b"\xff\xf0ok");
        let o = feed(&mut server(), &input, 0);
        assert_eq!(o.data, b"ok", "option {option}");
        assert!(
            matches!(
                o.events[..],
                [Event::ProtocolError(
                    ProtocolError::MalformedSubnegotiation { .. }
                )]
            ),
            "option {option}: {:?}",
            o.events
        );
    }
}

/// Every option codec, framed on the wire, decodes to the event it should.
#[test]
fn every_option_subnegotiation_decodes_from_the_wire() {
    let cases: Vec<(&[u8], Subnegotiation)> = vec![
        (
            b"\x1f\x00\x50\x00\x18",
            Subnegotiation::WindowSize(WindowSize::new(80, 24)),
        ),
        (
            b"\x1f\x01\xff\xff\x00\xff\xff",
            Subnegotiation::WindowSize(WindowSize::new(511, 255)),
        ),
        (
            b"\x18\x00VT100",
            Subnegotiation::TerminalType(TerminalType::Is("VT100".into())),
        ),
        (
            b"\x18\x01",
            Subnegotiation::TerminalType(TerminalType::Send),
        ),
        (
            b"\x27\x00\x00USER\x01root\x03X\x01\x02\x01",
            Subnegotiation::Environ(Environ {
                kind: EnvironKind::Is,
                vars: vec![EnvVar::var("USER", "root"), EnvVar::uservar("X", "\u{1}")],
            }),
        ),
        (
            b"\x2a\x01;UTF-8;US-ASCII",
            Subnegotiation::Charset(Charset::Request(vec!["UTF-8".into(), "US-ASCII".into()])),
        ),
        (
            b"\x2a\x02UTF-8",
            Subnegotiation::Charset(Charset::Accepted("UTF-8".into())),
        ),
        (b"\x2a\x03", Subnegotiation::Charset(Charset::Rejected)),
        (
            b"\x20\x0038400,38400",
            Subnegotiation::TerminalSpeed(TerminalSpeed::Is {
                transmit: 38400,
                receive: 38400,
            }),
        ),
        (
            b"\x23\x00host:0",
            Subnegotiation::XDisplay(XDisplay::Is("host:0".into())),
        ),
        (b"\x17Room 101", Subnegotiation::Location("Room 101".into())),
        (b"\x21\x01", Subnegotiation::FlowControl(FlowControl::On)),
        (b"\x22\x01\x03", Subnegotiation::Linemode(Linemode::Mode(3))),
        (
            b"\xc9Core.Hello {}",
            Subnegotiation::Gmcp(ironboa::options::Gmcp::new("Core.Hello", b"{}")),
        ),
        (
            b"\x45\x01HEALTH\x0210",
            Subnegotiation::Msdp(ironboa::options::Msdp::new().with("HEALTH", "10")),
        ),
        (
            b"\x46\x01PLAYERS\x023",
            Subnegotiation::Mssp(ironboa::options::Mssp::new().with("PLAYERS", "3")),
        ),
        (
            b"\xc8Char.Vitals 1",
            Subnegotiation::Other {
                option: TelnetOption(200),
                data: b"Char.Vitals 1".to_vec(),
            },
        ),
    ];
    for (wire, expected) in cases {
        let mut input = vec![255, 250];
        input.extend_from_slice(wire);
        input.extend_from_slice(&[255, 240]);
        let mut engine = server();
        let o = feed(&mut engine, &input, 1);
        assert_eq!(
            o.events,
            [Event::Subnegotiation(expected.clone())],
            "{wire:x?}"
        );
    }
}

#[test]
fn peer_values_are_remembered() {
    let mut engine = server();
    feed(
        &mut engine,
        b"\xff\xfa\x20\x009600,4800\xff\xf0\xff\xfa\x23\x00h:1\xff\xf0\xff\xfa\x17loc\xff\xf0\xff\xfa\x21\x00\xff\xf0\xff\xfa\x27\x02\x00A\x01b\xff\xf0",
        0,
    );
    let peer = engine.peer();
    assert_eq!(peer.terminal_speed, Some((9600, 4800)));
    assert_eq!(peer.x_display.as_deref(), Some("h:1"));
    assert_eq!(peer.location.as_deref(), Some("loc"));
    assert_eq!(peer.flow_control, Some(FlowControl::Off));
    assert_eq!(peer.environment.get("A").map(String::as_str), Some("b"));
}

#[test]
fn environment_is_bounded() {
    let mut engine = server();
    let mut input = Vec::new();
    for i in 0..1000 {
        input.extend_from_slice(b"\xff\xfa\x27\x02\x03");
        input.extend_from_slice(format!("V{i}\x01x").as_bytes());
        input.extend_from_slice(b"\xff\xf0");
    }
    feed(&mut engine, &input, 0);
    assert_eq!(
        engine.peer().environment.len(),
        engine.config().limits.max_environment_vars
    );
}

#[test]
fn client_answers_linemode_forwardmask_with_wont_and_acks_mode() {
    let mut engine = Engine::new(EngineConfig::client());
    let o = feed(
        &mut engine,
        b"\xff\xfa\x22\xfd\x02\x00\xff\xf0\xff\xfa\x22\x01\x01\xff\xf0",
        0,
    );
    assert_eq!(
        o.output,
        b"\xff\xfa\x22\xfc\x02\xff\xf0\xff\xfa\x22\x01\x05\xff\xf0"
    );
}

#[test]
fn client_answers_charset_request_with_its_choice_or_rejects() {
    let mut engine = Engine::new(EngineConfig::client());
    let o = feed(&mut engine, b"\xff\xfa\x2a\x01 latin1 utf-8\xff\xf0", 0);
    assert_eq!(o.output, b"\xff\xfa\x2a\x02utf-8\xff\xf0");
    assert_eq!(engine.peer().charset.as_deref(), Some("utf-8"));
    let o = feed(&mut engine, b"\xff\xfa\x2a\x01;KOI8-R\xff\xf0", 0);
    assert_eq!(o.output, b"\xff\xfa\x2a\x03\xff\xf0");
}

#[test]
fn manual_negotiation_reports_and_answers_nothing() {
    let mut engine = Engine::new(EngineConfig::client());
    engine.set_manual_negotiation(true);
    let o = feed(
        &mut engine,
        b"\xff\xfd\x18\xff\xfb\x01\xff\xfa\x18\x01\xff\xf0",
        0,
    );
    assert!(o.output.is_empty());
    assert_eq!(o.events.len(), 3);
    assert!(matches!(
        o.events[0],
        Event::Negotiation {
            verb: ironboa::Verb::Do,
            option: TelnetOption::TTYPE
        }
    ));
    engine
        .send_negotiation(ironboa::Verb::Wont, TelnetOption::TTYPE)
        .unwrap();
    assert_eq!(engine.output(), b"\xff\xfc\x18");
}

#[test]
fn output_limit_is_enforced() {
    let mut config = EngineConfig::server();
    config.limits.max_output_buffer = 8;
    let mut engine = Engine::new(config);
    assert!(engine.send_data(b"12345678").is_ok());
    assert!(matches!(
        engine.send_data(b"9"),
        Err(ironboa::Error::LimitExceeded {
            limit: ironboa::Limit::OutputBuffer,
            max: 8
        })
    ));
    // A peer whose every DO must be answered while nobody drains the output.
    let mut data = Vec::new();
    let flood: Vec<u8> = (0..=255u8).flat_map(|o| [255, 253, o]).collect();
    assert!(matches!(
        engine.receive(&flood, &mut data),
        Err(ironboa::Error::LimitExceeded {
            limit: ironboa::Limit::OutputBuffer,
            ..
        })
    ));
    assert!(engine.output().len() <= 8);
}
