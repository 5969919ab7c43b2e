//! Fuzzes the engine: arbitrary bytes, fed whole and split at fuzzer-chosen points, to a server
//! and a client engine with small limits. Checks that it never panics, that the limits hold,
//! and that split feeding gives exactly what whole feeding gives.
#![no_main]

use ironboa::proto::{Engine, EngineConfig, Limits};
use libfuzzer_sys::fuzz_target;

fn config(server: bool) -> EngineConfig {
    let mut config = if server { EngineConfig::server() } else { EngineConfig::client() };
    config.limits = Limits {
        max_subnegotiation: 128,
        max_output_buffer: 8192,
        max_environment_vars: 16,
        max_terminal_types: 4,
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
        let config = config(server);
        let whole = run(&config, input, 0);
        let split = run(&config, input, split % 17);
        assert_eq!(whole, split);
        assert!(whole.0.len() <= input.len());
    }
});
