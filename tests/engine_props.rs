//! Property tests: any bytes, split anywhere, never panic, stay within the limits, and give the
//! same result as when fed whole; encoding then decoding gives the data back.

mod support;

use ironboa::TelnetOption;
use ironboa::proto::{DataEncoding, Engine, EngineConfig, Limits, encode_data};
use proptest::prelude::*;
use support::{Outcome, feed};

/// Bytes dense in the values that matter to Telnet: IAC, SB, SE, the verbs, CR, LF, NUL.
fn telnet_bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    let interesting = prop_oneof![
        4 => any::<u8>(),
        3 => Just(255u8),
        1 => Just(250u8),
        1 => Just(240u8),
        1 => 251u8..=254,
        1 => Just(b'\r'),
        1 => Just(b'\n'),
        1 => Just(0u8),
        1 => 0u8..50, // option codes
    ];
    proptest::collection::vec(interesting, 0..max_len)
}

/// Small limits, except for output: once replies overflow the output limit they are dropped,
/// and how many depends on how often the caller drains the output, so split and whole feeding
/// are only comparable below it. `tight_output_stays_bounded` covers the output limit.
fn small_limits() -> EngineConfig {
    let mut config = EngineConfig::server();
    config.limits = Limits {
        max_subnegotiation: 64,
        max_output_buffer: 1 << 24,
        max_environment_vars: 8,
        max_terminal_types: 4,
        max_peer_data: 96,
    };
    config
}

/// Feeds `input` split at the given cut points.
fn feed_split(config: &EngineConfig, input: &[u8], cuts: &[usize]) -> (Outcome, Engine) {
    let mut engine = Engine::new(config.clone());
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut outcome = Outcome::default();
    let mut start = 0;
    for cut in cuts.into_iter().chain([input.len()]) {
        let o = feed(&mut engine, &input[start..cut], 0);
        outcome.data.extend(o.data);
        outcome.events.extend(o.events);
        outcome.output.extend(o.output);
        assert!(engine.buffered_subnegotiation() <= config.limits.max_subnegotiation);
        start = cut;
    }
    (outcome, engine)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn split_anywhere_equals_whole(
        input in telnet_bytes(400),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
        client in any::<bool>(),
    ) {
        let mut config = small_limits();
        if client {
            config.role = ironboa::proto::Role::Client;
            config.policy = ironboa::proto::Policy::client();
        }
        let (whole, whole_engine) = feed_split(&config, &input, &[]);
        let (split, split_engine) = feed_split(&config, &input, &cuts);
        prop_assert_eq!(&whole, &split);
        let (bytewise, _) = feed_split(&config, &input, &(0..input.len()).collect::<Vec<_>>());
        prop_assert_eq!(&whole, &bytewise);
        prop_assert_eq!(whole_engine.peer(), split_engine.peer());
        prop_assert!(whole_engine.peer().environment.len() <= config.limits.max_environment_vars);
        prop_assert!(whole_engine.peer().terminal_types.len() <= config.limits.max_terminal_types);
        prop_assert!(whole_engine.peer().remembered_bytes() <= config.limits.max_peer_data);
        prop_assert!(whole.output.len() <= config.limits.max_output_buffer);
        // Data never exceeds the input: the engine only removes bytes.
        prop_assert!(whole.data.len() <= input.len());
    }

    #[test]
    fn tight_output_stays_bounded(input in telnet_bytes(2000)) {
        let mut config = small_limits();
        config.limits.max_output_buffer = 256;
        let mut engine = Engine::new(config);
        let mut data = Vec::new();
        let result = engine.receive(&input, &mut data);
        prop_assert!(engine.output().len() <= 256);
        // An overflow is reported as the output-buffer limit, never as anything else.
        if let Err(error) = result {
            prop_assert!(
                matches!(error, ironboa::Error::LimitExceeded { limit: ironboa::Limit::OutputBuffer, max: 256 }),
                "{error:?}"
            );
        }
    }

    #[test]
    fn nvt_encode_then_decode_is_identity(data in telnet_bytes(600), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let mut wire = Vec::new();
        encode_data(&data, DataEncoding { binary: false, convert_newlines: false }, &mut wire);
        let (outcome, _) = feed_split(&EngineConfig::client(), &wire, &cuts);
        prop_assert_eq!(outcome.data, data);
        prop_assert!(outcome.events.is_empty());
    }

    #[test]
    fn binary_encode_then_decode_is_identity(data in proptest::collection::vec(any::<u8>(), 0..600), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let mut receiver = Engine::new(EngineConfig::server());
        let mut sink = Vec::new();
        receiver.enable_remote(TelnetOption::BINARY);
        receiver.receive(b"\xff\xfb\x00", &mut sink).unwrap();
        prop_assert!(receiver.remote_enabled(TelnetOption::BINARY));
        let mut wire = Vec::new();
        encode_data(&data, DataEncoding { binary: true, convert_newlines: false }, &mut wire);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        cuts.sort_unstable();
        let mut start = 0;
        for cut in cuts.into_iter().chain([wire.len()]) {
            receiver.receive(&wire[start..cut], &mut sink).unwrap();
            start = cut;
        }
        prop_assert_eq!(sink, data);
    }

    #[test]
    fn converted_text_has_only_crlf_line_ends(text in "[a-z\r\n]{0,200}") {
        let mut wire = Vec::new();
        encode_data(text.as_bytes(), DataEncoding { binary: false, convert_newlines: true }, &mut wire);
        // Every LF is preceded by CR, and every CR is followed by LF or NUL.
        for (i, &b) in wire.iter().enumerate() {
            if b == b'\n' {
                prop_assert_eq!(wire.get(i.wrapping_sub(1)), Some(&b'\r'));
            }
            if b == b'\r' {
                prop_assert!(matches!(wire.get(i + 1), Some(b'\n') | Some(0)));
            }
        }
        let lines = text.replace("\r\n", "\n").matches('\n').count();
        prop_assert_eq!(wire.windows(2).filter(|w| w == b"\r\n").count(), lines);
    }
}
