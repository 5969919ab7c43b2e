//! The per-connection byte budget on what the engine remembers about the peer
//! (`Limits::max_peer_data`, issue 20 item 10): a peer that sends 300 NEW_ENVIRON variables of
//! 16 KB each, as the attack in the issue did, pins at most the budget.

mod support;

use ironboa::proto::{Engine, EngineConfig, Limits};
use ironboa::{Event, TelnetOption};
use support::feed;

const VARIABLES: usize = 300;
const VALUE_LEN: usize = 16_000;

/// `IAC SB NEW_ENVIRON IS VAR name VALUE value IAC SE`.
fn environ_is(name: &str, value: &[u8]) -> Vec<u8> {
    let mut sb = b"\xff\xfa\x27\x00\x00".to_vec();
    sb.extend_from_slice(name.as_bytes());
    sb.push(1);
    sb.extend_from_slice(value);
    sb.extend_from_slice(b"\xff\xf0");
    sb
}

#[test]
fn three_hundred_variables_of_16_kb_stay_within_the_budget() {
    let limits = Limits::default();
    assert_eq!(limits.max_peer_data, 64 * 1024, "the documented default");
    let mut engine = Engine::new(EngineConfig::server());
    engine.enable_remote(TelnetOption::NEW_ENVIRON);
    let mut fed = 0;
    let mut opening = feed(&mut engine, b"\xff\xfb\x27", 0);
    for i in 0..VARIABLES {
        let value = vec![b'a' + (i % 26) as u8; VALUE_LEN];
        let sb = environ_is(&format!("VAR{i:03}"), &value);
        // Each subnegotiation is within the subnegotiation limit, so none is dropped as too
        // long: it is the budget that stops them.
        assert!(sb.len() - 5 <= limits.max_subnegotiation);
        fed += sb.len();
        // In pieces, as a socket delivers them.
        let o = feed(&mut engine, &sb, 1500);
        opening.events.extend(o.events);
        assert!(
            engine.peer().remembered_bytes() <= limits.max_peer_data,
            "after variable {i}: {} bytes remembered",
            engine.peer().remembered_bytes()
        );
    }
    assert!(fed > 4_800_000, "{fed} bytes fed");
    // Every subnegotiation arrived whole and was reported; none was a protocol error.
    let reported = opening
        .events
        .iter()
        .filter(|e| matches!(e, Event::Subnegotiation(_)))
        .count();
    assert_eq!(reported, VARIABLES);
    assert!(
        !opening
            .events
            .iter()
            .any(|e| matches!(e, Event::ProtocolError(_)))
    );
    // Four variables of 16,006 bytes fit in 64 KiB; the other 296 were ignored.
    let peer = engine.peer();
    assert_eq!(peer.environment.len(), 4);
    assert!(peer.environment.contains_key("VAR000"));
    assert!(!peer.environment.contains_key("VAR004"));
    assert_eq!(peer.remembered_bytes(), 4 * (6 + VALUE_LEN));
    assert!(!engine.is_pending(TelnetOption::NEW_ENVIRON));
    // What is left of the budget still takes a small variable.
    feed(&mut engine, &environ_is("LANG", b"en_US.UTF-8"), 0);
    assert_eq!(
        engine.peer().environment.get("LANG").map(String::as_str),
        Some("en_US.UTF-8")
    );
    assert!(engine.peer().remembered_bytes() <= limits.max_peer_data);
}

#[test]
fn the_budget_covers_every_kind_of_remembered_text_together() {
    let mut config = EngineConfig::server();
    config.limits = Limits {
        max_peer_data: 1000,
        ..Limits::default()
    };
    let mut engine = Engine::new(config);
    engine.enable_remote(TelnetOption::TTYPE);
    feed(&mut engine, b"\xff\xfb\x18", 0);
    let big = vec![b'x'; 600];
    // A 600-byte terminal type, then a 600-byte variable: the second does not fit.
    let mut ttype = b"\xff\xfa\x18\x00".to_vec();
    ttype.extend_from_slice(&big);
    ttype.extend_from_slice(b"\xff\xf0");
    feed(&mut engine, &ttype, 0);
    feed(&mut engine, &environ_is("V", &big), 0);
    assert!(engine.peer().environment.is_empty());
    // Nor does a 600-byte location or X display, but smaller ones do.
    let mut sndloc = b"\xff\xfa\x17".to_vec();
    sndloc.extend_from_slice(&big);
    sndloc.extend_from_slice(b"\xff\xf0");
    feed(&mut engine, &sndloc, 0);
    assert_eq!(engine.peer().location, None);
    feed(&mut engine, b"\xff\xfa\x17room 101\xff\xf0", 0);
    assert_eq!(engine.peer().location.as_deref(), Some("room 101"));
    assert_eq!(engine.peer().remembered_bytes(), 608);
    assert!(engine.peer().remembered_bytes() <= 1000);
}
