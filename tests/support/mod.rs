//! Shared test helpers: the in-memory engine pair, and the captured peer vectors.
#![allow(dead_code)]

use ironboa::Event;
use ironboa::proto::{Engine, EngineConfig};

/// Everything one engine produced while being driven.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outcome {
    pub data: Vec<u8>,
    pub events: Vec<Event>,
    pub output: Vec<u8>,
}

/// Feeds `input` to `engine` in chunks of `chunk` bytes (0: whole), collecting what comes out.
pub fn feed(engine: &mut Engine, input: &[u8], chunk: usize) -> Outcome {
    let mut outcome = Outcome::default();
    let size = if chunk == 0 {
        input.len().max(1)
    } else {
        chunk
    };
    for piece in input.chunks(size) {
        let _ = engine.receive(piece, &mut outcome.data);
        while let Some(event) = engine.poll_event() {
            outcome.events.push(event);
        }
        engine.take_output(&mut outcome.output);
    }
    outcome
}

/// A server engine and a client engine wired together in memory.
pub struct Pair {
    pub server: Engine,
    pub client: Engine,
    pub server_seen: Outcome,
    pub client_seen: Outcome,
    /// Every chunk that crossed the wire: (from_server, bytes).
    pub wire: Vec<(bool, Vec<u8>)>,
}

impl Pair {
    pub fn new(server: EngineConfig, client: EngineConfig) -> Pair {
        Pair {
            server: Engine::new(server),
            client: Engine::new(client),
            server_seen: Outcome::default(),
            client_seen: Outcome::default(),
            wire: Vec::new(),
        }
    }

    pub fn defaults() -> Pair {
        Pair::new(EngineConfig::server(), EngineConfig::client())
    }

    /// Shuttles output both ways until neither side has anything to send. Fails the test on a
    /// livelock: more than `max_steps` round trips. Returns the number of steps taken.
    pub fn run(&mut self, max_steps: usize) -> usize {
        for step in 0..max_steps {
            let mut to_client = Vec::new();
            self.server.take_output(&mut to_client);
            let mut to_server = Vec::new();
            self.client.take_output(&mut to_server);
            if to_client.is_empty() && to_server.is_empty() {
                return step;
            }
            if !to_client.is_empty() {
                self.wire.push((true, to_client.clone()));
                self.client
                    .receive(&to_client, &mut self.client_seen.data)
                    .expect("client receive");
                while let Some(e) = self.client.poll_event() {
                    self.client_seen.events.push(e);
                }
            }
            if !to_server.is_empty() {
                self.wire.push((false, to_server.clone()));
                self.server
                    .receive(&to_server, &mut self.server_seen.data)
                    .expect("server receive");
                while let Some(e) = self.server.poll_event() {
                    self.server_seen.events.push(e);
                }
            }
        }
        panic!(
            "livelock: still talking after {max_steps} steps; wire: {:?}",
            self.wire
        );
    }

    /// How many times `needle` was sent in one direction.
    pub fn count_sent(&self, from_server: bool, needle: &[u8]) -> usize {
        self.wire
            .iter()
            .filter(|(dir, _)| *dir == from_server)
            .map(|(_, bytes)| bytes.windows(needle.len()).filter(|w| *w == needle).count())
            .sum()
    }
}

/// One captured vector: chunks of (from_peer, bytes).
pub fn vector(name: &str) -> Vec<(bool, Vec<u8>)> {
    let path = format!("{}/tests/vectors/{name}.hex", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (direction, hex) = line.split_at(1);
            let bytes = hex
                .split_whitespace()
                .map(|h| u8::from_str_radix(h, 16).expect("hex"))
                .collect();
            (direction == "<", bytes)
        })
        .collect()
}

/// The bytes the peer sent in a vector, in order.
pub fn from_peer(name: &str) -> Vec<Vec<u8>> {
    vector(name)
        .into_iter()
        .filter(|(from_peer, _)| *from_peer)
        .map(|(_, bytes)| bytes)
        .collect()
}

#[cfg(target_os = "linux")]
pub mod netns;
pub mod peers;
#[cfg(feature = "cli")]
pub mod server_bin;
pub mod tmux;

/// Polls `condition` until it holds or `secs` pass; returns whether it held. For conditions
/// that nothing can signal (a count kept by another process, a tmux pane's contents).
pub fn eventually(secs: u64, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if condition() {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
