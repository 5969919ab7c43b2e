//! Fuzzes the engine: arbitrary bytes, fed whole and split at fuzzer-chosen points, to a server
//! and a client engine. Checks that it never panics, that small limits hold, and that split
//! feeding gives exactly what whole feeding gives.
//!
//! The split/whole comparison runs with a roomy output limit: once replies overflow the output
//! limit they are dropped, and how many depends on how often the caller drains the output
//! (here: after every piece), so the two feedings legitimately differ past that point.
#![no_main]

use ironboa::proto::{Engine, EngineConfig, Limits};
use libfuzzer_sys::fuzz_target;

fn config(server: bool, max_output_buffer: usize) -> EngineConfig {
    let mut config = if server { EngineConfig::server() } else { EngineConfig::client() };
    config.limits = Limits {
        max_subnegotiation: 128,
        max_output_buffer,
        max_environment_vars: 16,
        max_terminal_types: 4,
        max_peer_data: 1024,
    };
    config
}

fn run(config: &EngineConfig, input: &[u8], split: u8) -> (Vec<u8>, Vec<ironboa::Event>, Vec<u8>) {
    let mut engine = Engine::new(config.clone());
    let (mut data, mut events, mut output) = (Vec::new(), Vec::new(), Vec::new());
    let step = if split == 0 { input.len().max(1) } else { usize::from(split) };
    for piece in input.chunks(step) {
        let _ = engine.receive(piece, &mut data);
        assert!(engine.buffered_subnegotiation() <= config.limits.max_subnegotiation);
        assert!(engine.peer().remembered_bytes() <= config.limits.max_peer_data);
        while let Some(event) = engine.poll_event() {
            events.push(event);
        }
        engine.take_output(&mut output);
    }
    assert!(engine.peer().environment.len() <= config.limits.max_environment_vars);
    assert!(engine.peer().terminal_types.len() <= config.limits.max_terminal_types);
    (data, events, output)
}

fuzz_target!(|input: &[u8]| {
    let Some((&split, input)) = input.split_first() else { return };
    for server in [true, false] {
        let roomy = config(server, 1 << 24);
        let whole = run(&roomy, input, 0);
        let split = run(&roomy, input, split % 17);
        assert_eq!(whole, split);
        assert!(whole.0.len() <= input.len());
        // Tight output limit: only the bounds are checked (inside `run`).
        let tight = config(server, 512);
        let (_, _, output) = run(&tight, input, 0);
        assert!(output.len() <= 512);
    }
});
