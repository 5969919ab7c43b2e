//! Replays the opening bytes captured from real peers (tests/vectors, made by
//! scripts/capture-vectors.py) through the engine, whole and one byte at a time, and checks what
//! the engine learns and answers.

mod support;

use ironboa::options::WindowSize;
use ironboa::proto::{Engine, EngineConfig};
use ironboa::{Command, Event, TelnetOption};
use support::{Outcome, feed, from_peer};

/// Feeds every chunk the peer sent to a fresh engine: whole, then byte by byte, and checks
/// that both give the same result. Returns the outcome and the engine.
fn replay(name: &str, config: EngineConfig, prepare: impl Fn(&mut Engine)) -> (Outcome, Engine) {
    let chunks = from_peer(name);
    let run = |chunk: usize| {
        let mut engine = Engine::new(config.clone());
        prepare(&mut engine);
        let mut total = Outcome::default();
        engine.take_output(&mut total.output);
        for bytes in &chunks {
            let o = feed(&mut engine, bytes, chunk);
            total.data.extend(o.data);
            total.events.extend(o.events);
            total.output.extend(o.output);
        }
        (total, engine)
    };
    let (whole, engine) = run(0);
    let (bytewise, _) = run(1);
    assert_eq!(whole, bytewise, "{name}: split feeding differs from whole");
    (whole, engine)
}

/// The negotiation finished and the peer broke no rule.
fn assert_clean(outcome: &Outcome, engine: &Engine) {
    assert!(
        engine.is_settled(),
        "pending: {:?}",
        engine.pending_options().collect::<Vec<_>>()
    );
    assert!(
        outcome
            .events
            .iter()
            .all(|e| !matches!(e, Event::ProtocolError(_))),
        "{:?}",
        outcome.events
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn telnetlib3_server_greeting_with_go_ahead() {
    let (o, engine) = replay("telnetlib3-server-passive", EngineConfig::client(), |_| {});
    assert_eq!(o.data, b"Ready.\r\ntel:sh> ");
    assert!(o.events.contains(&Event::Command(Command::GoAhead)));
    assert_eq!(o.output, b"\xff\xfb\x18"); // WILL TTYPE
    assert!(engine.local_enabled(TelnetOption::TTYPE));
}

#[test]
fn telnetlib3_server_after_will_ttype() {
    let (o, engine) = replay(
        "telnetlib3-server-will-ttype",
        EngineConfig::client(),
        |_| {},
    );
    assert_eq!(o.data, b"Ready.\r\ntel:sh> ");
    // TTYPE IS xterm answers the SEND; SGA, ECHO and BINARY (server to client) accepted; NAWS
    // with our size; CHARSET and NEW_ENVIRON agreed to.
    for expected in [
        &b"\xff\xfa\x18\x00xterm\xff\xf0"[..],
        b"\xff\xfd\x03",
        b"\xff\xfd\x01",
        b"\xff\xfd\x00",
        b"\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0",
        b"\xff\xfb\x2a",
        b"\xff\xfb\x27",
    ] {
        assert!(
            contains(&o.output, expected),
            "missing {expected:x?} in {:x?}",
            o.output
        );
    }
    assert_eq!(engine.mode(), "remote");
    assert!(engine.is_settled());
}

#[test]
fn busybox_telnetd_asks_the_client_to_echo_and_is_refused() {
    let (o, engine) = replay("busybox-telnetd-passive", EngineConfig::client(), |_| {});
    assert_eq!(o.data, b"\r\r\nbusybox-telnetd ready\r\n\r# ");
    assert!(contains(&o.output, b"\xff\xfc\x01"), "WONT ECHO"); // answers DO ECHO
    assert!(contains(
        &o.output,
        b"\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0"
    ));
    assert!(contains(&o.output, b"\xff\xfd\x01")); // DO ECHO for its WILL ECHO
    assert!(contains(&o.output, b"\xff\xfd\x03"));
    assert!(!engine.local_enabled(TelnetOption::ECHO));
    assert!(engine.remote_enabled(TelnetOption::ECHO));
}

#[test]
fn inetutils_telnetd_opening_is_answered_once_each() {
    let (o, engine) = replay("inetutils-telnetd-passive", EngineConfig::client(), |_| {});
    assert!(o.data.is_empty());
    assert_eq!(
        o.output,
        [
            0xff, 0xfe, 0x25, // DONT AUTHENTICATION
            0xff, 0xfe, 0x26, // DONT ENCRYPT
            0xff, 0xfb, 0x18, // WILL TTYPE
            0xff, 0xfc, 0x20, // WONT TSPEED (no speed configured)
            0xff, 0xfc, 0x23, // WONT XDISPLOC (no display configured)
            0xff, 0xfb, 0x27, // WILL NEW_ENVIRON
            0xff, 0xfc, 0x24, // WONT OLD_ENVIRON
        ]
    );
    assert!(engine.is_settled());
}

/// A server engine that made the capture server's offers: DO TTYPE, DO NAWS, WILL ECHO,
/// WILL SGA, DO NEW_ENVIRON (without cycling TTYPE, so it settles on one answer).
fn capture_server_config() -> EngineConfig {
    let mut config = EngineConfig::server();
    config.ttype_cycle = false;
    config
}

fn capture_server_offers(engine: &mut Engine) {
    engine.enable_remote(TelnetOption::TTYPE);
    engine.enable_remote(TelnetOption::NAWS);
    engine.enable_local(TelnetOption::ECHO);
    engine.enable_local(TelnetOption::SGA);
    engine.enable_remote(TelnetOption::NEW_ENVIRON);
}

#[test]
fn debian_telnet_client_reports_uppercase_xterm() {
    let (o, engine) = replay(
        "inetutils-telnet-client",
        capture_server_config(),
        capture_server_offers,
    );
    let peer = engine.peer();
    assert_eq!(peer.terminal_type(), Some("XTERM"));
    assert_eq!(peer.window_size, Some(WindowSize::new(80, 24)));
    assert!(peer.environment.is_empty());
    assert_clean(&o, &engine);
}

#[test]
fn telnetlib3_client_reports_its_environment() {
    let (o, engine) = replay(
        "telnetlib3-client",
        capture_server_config(),
        capture_server_offers,
    );
    let peer = engine.peer();
    assert_eq!(peer.terminal_type(), Some("xterm"));
    assert_eq!(peer.window_size, Some(WindowSize::new(80, 25)));
    let env = &peer.environment;
    assert_eq!(env.get("TERM").map(String::as_str), Some("xterm"));
    assert_eq!(env.get("COLUMNS").map(String::as_str), Some("80"));
    assert_eq!(env.get("COLORTERM").map(String::as_str), Some(""));
    assert_clean(&o, &engine);
}

#[test]
fn busybox_telnet_client_refuses_new_environ() {
    let (_, engine) = replay(
        "busybox-telnet-client",
        capture_server_config(),
        capture_server_offers,
    );
    assert_eq!(engine.peer().terminal_type(), Some("xterm"));
    assert!(!engine.remote_enabled(TelnetOption::NEW_ENVIRON));
    assert!(engine.local_enabled(TelnetOption::ECHO));
    assert!(engine.is_settled());
}

#[test]
fn stdlib_telnetlib_refuses_everything_and_gets_no_reply() {
    let (o, engine) = replay(
        "stdlib-telnetlib-client",
        capture_server_config(),
        capture_server_offers,
    );
    // Only the offers themselves went out: no refusal was answered.
    assert_eq!(
        o.output,
        b"\xff\xfd\x18\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03\xff\xfd\x27"
    );
    assert!(engine.is_settled());
    assert_eq!(engine.mode(), "local");
    assert!(engine.go_ahead_needed());
}
