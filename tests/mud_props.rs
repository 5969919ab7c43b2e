//! Property tests of the MUD codecs: GMCP and MSDP messages, with IAC (0xFF) bytes in their
//! values, survive encoding, the wire (IAC doubled by the sending engine, undone by the
//! receiving one, the bytes cut anywhere) and decoding; and no payload makes a decoder panic.

use ironboa::options::{Gmcp, Msdp, MsdpValue, Mssp, Subnegotiation};
use ironboa::proto::{Engine, EngineConfig};
use ironboa::{Event, TelnetOption};
use proptest::prelude::*;

/// Sends `message` from a server engine and feeds the wire bytes to a client engine in the
/// pieces `cuts` make; returns the subnegotiations the client decoded.
fn over_the_wire(message: &Subnegotiation, cuts: &[usize]) -> (Vec<u8>, Vec<Subnegotiation>) {
    let mut server = Engine::new(EngineConfig::server());
    server.send_subnegotiation(message).unwrap();
    let wire = server.output().to_vec();
    let mut client = Engine::new(EngineConfig::client());
    let mut data = Vec::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for cut in cuts.into_iter().chain([wire.len()]) {
        client.receive(&wire[start..cut], &mut data).unwrap();
        start = cut;
    }
    assert!(data.is_empty(), "no data expected: {data:x?}");
    let mut received = Vec::new();
    while let Some(event) = client.poll_event() {
        match event {
            Event::Subnegotiation(sb) => received.push(sb),
            other => panic!("unexpected event {other:?}"),
        }
    }
    (wire, received)
}

/// Bytes of an MSDP string: anything but the six markers, IAC and NUL included, weighted
/// towards IAC.
fn msdp_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(prop_oneof![Just(0xFFu8), Just(0u8), 7u8..=255], 0..12)
}

/// Names: text without the markers.
fn msdp_name() -> impl Strategy<Value = String> {
    "[A-Za-z_ÿé0-9 ]{1,10}"
}

fn msdp_value() -> impl Strategy<Value = MsdpValue> {
    let leaf = msdp_bytes().prop_map(MsdpValue::String);
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(MsdpValue::Array),
            proptest::collection::vec((msdp_name(), inner), 0..4).prop_map(MsdpValue::Table),
        ]
    })
}

/// Names that may hold the markers (one in three characters is one).
fn any_name() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof![1u8..=6, b'A'..=b'Z', b'a'..=b'z'], 1..6)
        .prop_map(|bytes| String::from_utf8(bytes).unwrap())
}

/// Values whose strings may hold the markers.
fn any_value() -> impl Strategy<Value = MsdpValue> {
    let leaf = proptest::collection::vec(prop_oneof![1u8..=6, any::<u8>()], 0..6)
        .prop_map(MsdpValue::String);
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(MsdpValue::Array),
            proptest::collection::vec((any_name(), inner), 0..3).prop_map(MsdpValue::Table),
        ]
    })
}

/// Whether any name or string of `message` holds an MSDP marker.
fn msdp_marked(message: &Msdp) -> bool {
    fn marked(bytes: &[u8]) -> bool {
        bytes.iter().any(|b| (1..=6).contains(b))
    }
    fn value_marked(value: &MsdpValue) -> bool {
        match value {
            MsdpValue::String(bytes) => marked(bytes),
            MsdpValue::Array(items) => items.iter().any(value_marked),
            MsdpValue::Table(entries) => entries
                .iter()
                .any(|(name, value)| marked(name.as_bytes()) || value_marked(value)),
        }
    }
    message
        .vars
        .iter()
        .any(|(name, value)| marked(name.as_bytes()) || value_marked(value))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn gmcp_round_trips_with_iac_in_the_body(
        package in "[A-Za-z][A-Za-z.]{0,20}",
        body in proptest::collection::vec(prop_oneof![Just(0xFFu8), any::<u8>()], 1..40),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let message = Gmcp::new(&package, &body);
        let (wire, received) = over_the_wire(&Subnegotiation::Gmcp(message.clone()), &cuts);
        // Every IAC of the body went out doubled.
        let iacs = body.iter().filter(|&&b| b == 0xFF).count();
        prop_assert_eq!(wire.len(), 3 + package.len() + 1 + body.len() + iacs + 2);
        prop_assert_eq!(received, vec![Subnegotiation::Gmcp(message)]);
    }

    #[cfg(feature = "mud")]
    #[test]
    fn gmcp_json_round_trips(
        package in "[A-Z][a-z]{0,8}\\.[A-Z][a-z]{0,8}",
        text in "\\PC{0,20}",
        number in any::<i64>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let value = serde_json::json!({"text": text, "n": number, "list": [text, "ÿ\u{ff}"]});
        let message = Gmcp::from_json(&package, &value);
        let (_, received) = over_the_wire(&Subnegotiation::Gmcp(message), &cuts);
        let Subnegotiation::Gmcp(got) = &received[0] else { panic!("{received:?}") };
        prop_assert_eq!(&got.package, &package);
        prop_assert_eq!(got.json().unwrap(), Some(value));
    }

    #[test]
    fn msdp_round_trips_nested_with_iac_in_values(
        vars in proptest::collection::vec((msdp_name(), msdp_value()), 0..5),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let message = Msdp { vars };
        prop_assert_eq!(Msdp::decode(&message.encode()), Ok(message.clone()));
        let (_, received) = over_the_wire(&Subnegotiation::Msdp(message.clone()), &cuts);
        prop_assert_eq!(received, vec![Subnegotiation::Msdp(message)]);
    }

    #[test]
    fn mssp_round_trips(
        vars in proptest::collection::vec(
            (msdp_name(), proptest::collection::vec("[^\\x01\\x02]{0,8}", 1..3)),
            0..5,
        ),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let message = Mssp { vars };
        let (_, received) = over_the_wire(&Subnegotiation::Mssp(message.clone()), &cuts);
        prop_assert_eq!(received, vec![Subnegotiation::Mssp(message)]);
    }

    /// Whatever `validate` accepts round-trips; whatever it refuses holds a marker byte.
    #[test]
    fn msdp_validate_refuses_exactly_the_markers(
        vars in proptest::collection::vec((any_name(), any_value()), 0..4),
    ) {
        let message = Msdp { vars };
        let marked = msdp_marked(&message);
        match message.validate() {
            Ok(()) => {
                prop_assert!(!marked);
                prop_assert_eq!(Msdp::decode(&message.encode()), Ok(message));
            }
            Err(ironboa::Error::InvalidArgument(_)) => prop_assert!(marked),
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }

    /// The same for MSSP (markers 0x01 and 0x02) and GMCP (a space in the package).
    #[test]
    fn mssp_and_gmcp_validate_refuse_exactly_what_would_not_frame(
        vars in proptest::collection::vec(
            (any_name(), proptest::collection::vec(any_name(), 1..3)),
            0..4,
        ),
        package in "[A-Za-z. \x01]{1,12}",
    ) {
        let status = Mssp { vars };
        let marked = status.vars.iter().any(|(name, values)| {
            std::iter::once(name).chain(values).any(|t| t.contains(['\x01', '\x02']))
        });
        prop_assert_eq!(status.validate().is_err(), marked);
        if !marked {
            prop_assert_eq!(Mssp::decode(&status.encode()), Ok(status));
        }
        let message = Gmcp::new(&package, b"{}");
        prop_assert_eq!(message.validate().is_err(), package.contains(' '));
        if !package.contains(' ') {
            prop_assert_eq!(Gmcp::decode(&message.encode()), Ok(message));
        }
    }

    #[test]
    fn any_payload_decodes_or_errs_without_panicking(
        payload in proptest::collection::vec(prop_oneof![1u8..=6, any::<u8>()], 0..200),
    ) {
        for option in [TelnetOption::GMCP, TelnetOption::MSDP, TelnetOption::MSSP] {
            if let Ok(decoded) = Subnegotiation::decode(option, &payload) {
                // Whatever decodes encodes again and decodes to the same.
                prop_assert_eq!(Subnegotiation::decode(option, &decoded.encode()), Ok(decoded));
            }
        }
    }
}
