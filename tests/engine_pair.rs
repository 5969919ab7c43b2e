//! Two engines negotiating in memory: every negotiation settles, with a step bound that fails
//! the test on a livelock, and both ends agree on every option's state.

mod support;

use ironboa::options::{EnvVar, WindowSize};
use ironboa::proto::{EngineConfig, OptionSet, Policy, QState};
use ironboa::{Event, Side, TelnetOption};
use support::Pair;

const STEP_BOUND: usize = 32;

/// The opening a telnetlib3-style server makes.
fn open_like_telnetlib3(pair: &mut Pair) {
    for option in [
        TelnetOption::TTYPE,
        TelnetOption::NAWS,
        TelnetOption::NEW_ENVIRON,
        TelnetOption::CHARSET,
        TelnetOption::BINARY,
    ] {
        assert!(pair.server.enable_remote(option));
    }
    assert!(pair.server.enable_local(TelnetOption::SGA));
    assert!(pair.server.enable_local(TelnetOption::ECHO));
}

fn assert_consistent(pair: &Pair) {
    for code in 0..=255u8 {
        let option = TelnetOption(code);
        assert_eq!(
            pair.server.local_enabled(option),
            pair.client.remote_enabled(option),
            "server local vs client remote for {option}"
        );
        assert_eq!(
            pair.server.remote_enabled(option),
            pair.client.local_enabled(option),
            "server remote vs client local for {option}"
        );
    }
}

#[test]
fn default_server_and_client_settle_and_learn_everything() {
    let mut server = EngineConfig::server();
    server.ttype_cycle = true;
    let mut client = EngineConfig::client();
    client.identity.terminal_types = vec!["xterm-256color".into()];
    client.identity.window_size = Some(WindowSize::new(132, 43));
    client.identity.environment = vec![EnvVar::var("USER", "alice"), EnvVar::var("LANG", "C")];
    let mut pair = Pair::new(server, client);
    open_like_telnetlib3(&mut pair);
    pair.run(STEP_BOUND);

    assert!(
        pair.server.is_settled(),
        "pending: {:?}",
        pair.server.pending_options().collect::<Vec<_>>()
    );
    assert!(pair.client.is_settled());
    assert_consistent(&pair);
    let peer = pair.server.peer();
    assert_eq!(peer.terminal_type(), Some("xterm-256color"));
    assert_eq!(peer.window_size, Some(WindowSize::new(132, 43)));
    assert_eq!(
        peer.environment.get("USER").map(String::as_str),
        Some("alice")
    );
    assert_eq!(peer.environment.get("LANG").map(String::as_str), Some("C"));
    assert_eq!(peer.charset.as_deref(), Some("UTF-8"));
    assert_eq!(pair.client.peer().charset.as_deref(), Some("UTF-8"));
    for option in [TelnetOption::SGA, TelnetOption::ECHO] {
        assert!(pair.client.remote_enabled(option), "{option}");
    }
    assert!(pair.client.local_enabled(TelnetOption::BINARY));
    assert_eq!(pair.client.mode(), "remote");
    assert_eq!(pair.server.mode(), "remote");
    assert!(!pair.server.go_ahead_needed());
    // TTYPE cycling ended when the single type repeated: two SENDs, two answers.
    assert_eq!(pair.count_sent(true, b"\xff\xfa\x18\x01\xff\xf0"), 2);
    assert_eq!(
        pair.server.peer().terminal_types,
        ["xterm-256color", "xterm-256color"]
    );
}

#[test]
fn ttype_cycle_learns_a_mud_clients_list() {
    let mut client = EngineConfig::client();
    client.identity.terminal_types = vec!["TINTIN++".into(), "xterm".into(), "MTTS 271".into()];
    let mut pair = Pair::new(EngineConfig::server(), client);
    pair.server.enable_remote(TelnetOption::TTYPE);
    pair.run(STEP_BOUND);
    let peer = pair.server.peer();
    assert_eq!(peer.terminal_types, ["TINTIN++", "xterm", "MTTS 271"]);
    assert_eq!(peer.terminal_type(), Some("xterm"));
    assert!(pair.server.is_settled());
}

#[test]
fn ttype_cycle_stops_at_the_limit_for_a_client_that_never_repeats() {
    let mut client = EngineConfig::client();
    client.identity.terminal_types = (0..100).map(|i| format!("type{i}")).collect();
    let mut pair = Pair::new(EngineConfig::server(), client);
    pair.server.enable_remote(TelnetOption::TTYPE);
    // Two steps per SEND/IS exchange.
    pair.run(4 * STEP_BOUND);
    let max = pair.server.config().limits.max_terminal_types;
    assert_eq!(pair.server.peer().terminal_types.len(), max);
    assert!(pair.server.is_settled());
}

/// Every option, every combination of what each side agrees to and who asks first (or both at
/// once): the exchange ends within the bound and both ends agree on the outcome, which is "on"
/// exactly when the side that would perform it agrees or asked itself.
#[test]
fn every_option_under_every_policy_pair_settles_consistently() {
    for code in 0..=255u8 {
        let option = TelnetOption(code);
        if option == TelnetOption::TM {
            continue; // not a state; covered by timing_mark_round_trip
        }
        for mask in 0..16u8 {
            for initiator in 0..4u8 {
                let set = |on: bool| {
                    if on {
                        OptionSet::from_options(&[option])
                    } else {
                        OptionSet::new()
                    }
                };
                let mut server = EngineConfig::server();
                let mut client = EngineConfig::client();
                server.policy = Policy {
                    local: set(mask & 1 != 0),
                    remote: set(mask & 2 != 0),
                };
                client.policy = Policy {
                    local: set(mask & 4 != 0),
                    remote: set(mask & 8 != 0),
                };
                server.charsets.clear();
                let mut pair = Pair::new(server, client);
                // initiator: 0 server asks DO, 1 server offers WILL, 2 client asks DO, 3 all at once
                match initiator {
                    0 => {
                        pair.server.enable_remote(option);
                    }
                    1 => {
                        pair.server.enable_local(option);
                    }
                    2 => {
                        pair.client.enable_remote(option);
                    }
                    _ => {
                        pair.server.enable_remote(option);
                        pair.server.enable_local(option);
                        pair.client.enable_remote(option);
                        pair.client.enable_local(option);
                    }
                }
                pair.run(STEP_BOUND);
                assert_consistent(&pair);
                for side in [Side::Local, Side::Remote] {
                    assert!(
                        !pair.server.option_state(option, side).is_pending(),
                        "{option} mask {mask} initiator {initiator}: server {side:?} pending"
                    );
                    assert!(!pair.client.option_state(option, side).is_pending());
                }
                // Each direction's negotiation puts at most one refusal per side on the wire.
                for (from_server, verb) in [(true, 254u8), (true, 252), (false, 254), (false, 252)]
                {
                    assert!(
                        pair.count_sent(from_server, &[255, verb, code]) <= 1,
                        "{option} mask {mask} initiator {initiator}: refusal {verb} sent twice"
                    );
                }
            }
        }
    }
}

#[test]
fn refuse_all_client_gets_each_offer_refused_exactly_once() {
    let mut client = EngineConfig::client();
    client.policy = Policy::refuse_all();
    let mut pair = Pair::new(EngineConfig::server(), client);
    open_like_telnetlib3(&mut pair);
    pair.run(STEP_BOUND);
    assert!(pair.server.is_settled());
    for option in [
        TelnetOption::TTYPE,
        TelnetOption::NAWS,
        TelnetOption::NEW_ENVIRON,
        TelnetOption::CHARSET,
        TelnetOption::BINARY,
    ] {
        assert_eq!(
            pair.count_sent(false, &[255, 252, option.0]),
            1,
            "WONT {option}"
        );
        assert_eq!(
            pair.count_sent(true, &[255, 254, option.0]),
            0,
            "server answered a refusal of {option}"
        );
    }
    for option in [TelnetOption::SGA, TelnetOption::ECHO] {
        assert_eq!(
            pair.count_sent(false, &[255, 254, option.0]),
            1,
            "DONT {option}"
        );
    }
    assert!(pair.server.go_ahead_needed());
    assert_eq!(pair.server.mode(), "local");
}

#[test]
fn change_of_mind_before_the_answer_is_queued_not_looped() {
    let mut pair = Pair::defaults();
    assert!(pair.server.enable_local(TelnetOption::ECHO));
    assert!(pair.server.disable_local(TelnetOption::ECHO)); // queued: WANTYES OPPOSITE
    assert!(!pair.server.disable_local(TelnetOption::ECHO)); // already queued
    pair.run(STEP_BOUND);
    assert_eq!(
        pair.server.option_state(TelnetOption::ECHO, Side::Local),
        QState::No
    );
    assert_consistent(&pair);
    assert_eq!(pair.count_sent(true, &[255, 251, 1]), 1);
    assert_eq!(pair.count_sent(true, &[255, 252, 1]), 1);
}

#[test]
fn password_mode_toggles_echo_many_times_without_drift() {
    let mut pair = Pair::defaults();
    for _ in 0..50 {
        pair.server.enable_local(TelnetOption::ECHO);
        pair.run(STEP_BOUND);
        assert!(pair.client.remote_enabled(TelnetOption::ECHO));
        pair.server.disable_local(TelnetOption::ECHO);
        pair.run(STEP_BOUND);
        assert!(!pair.client.remote_enabled(TelnetOption::ECHO));
    }
    assert_eq!(pair.count_sent(true, &[255, 251, 1]), 50);
    assert_eq!(pair.count_sent(false, &[255, 253, 1]), 50);
}

#[test]
fn timing_mark_round_trip() {
    let mut pair = Pair::defaults();
    pair.server.send_timing_mark().unwrap();
    pair.run(STEP_BOUND);
    assert!(pair.server_seen.events.contains(&Event::TimingMark));
    assert!(!pair.server.is_pending(TelnetOption::TM));
    assert!(!pair.client.local_enabled(TelnetOption::TM));
    // A second mark works the same: TM is not a state.
    pair.server.send_timing_mark().unwrap();
    pair.run(STEP_BOUND);
    assert_eq!(
        pair.server_seen
            .events
            .iter()
            .filter(|e| **e == Event::TimingMark)
            .count(),
        2
    );
}

#[test]
fn window_size_update_reaches_the_server() {
    let mut pair = Pair::defaults();
    pair.server.enable_remote(TelnetOption::NAWS);
    pair.run(STEP_BOUND);
    pair.client
        .set_window_size(WindowSize::new(255, 300))
        .unwrap();
    pair.run(STEP_BOUND);
    assert_eq!(
        pair.server.peer().window_size,
        Some(WindowSize::new(255, 300))
    );
    // 255 and 300 (0x012c) escape to IAC IAC on the wire.
    assert_eq!(
        pair.count_sent(false, &[255, 250, 31, 0, 255, 255, 1, 44, 255, 240]),
        1
    );
}

#[test]
fn binary_both_ways_passes_every_byte_value() {
    let mut pair = Pair::defaults();
    pair.server.enable_local(TelnetOption::BINARY);
    pair.server.enable_remote(TelnetOption::BINARY);
    pair.run(STEP_BOUND);
    assert!(pair.client.local_enabled(TelnetOption::BINARY));
    let all: Vec<u8> = (0..=255u8).chain([13, 0, 13, 10, 255, 255]).collect();
    pair.client.send_data(&all).unwrap();
    pair.server.send_data(&all).unwrap();
    pair.run(STEP_BOUND);
    assert_eq!(pair.server_seen.data, all);
    assert_eq!(pair.client_seen.data, all);
}

#[test]
fn status_reports_the_senders_view() {
    let mut pair = Pair::defaults();
    pair.client.enable_remote(TelnetOption::STATUS);
    pair.server.enable_local(TelnetOption::SGA);
    pair.run(STEP_BOUND);
    pair.client
        .send_subnegotiation(&ironboa::options::Subnegotiation::Status(
            ironboa::options::Status::Send,
        ))
        .unwrap();
    pair.run(STEP_BOUND);
    let reported = pair.client_seen.events.iter().find_map(|e| match e {
        Event::Subnegotiation(ironboa::options::Subnegotiation::Status(
            ironboa::options::Status::Is(list),
        )) => Some(list.clone()),
        _ => None,
    });
    let list = reported.expect("STATUS IS");
    assert!(list.contains(&(ironboa::Verb::Will, TelnetOption::SGA)));
    assert!(list.contains(&(ironboa::Verb::Will, TelnetOption::STATUS)));
}
