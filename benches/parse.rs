//! Parse throughput of the engine, printed beside a bare memchr scan of the same buffer.
//!
//! `cargo bench --bench parse` prints, for each stream and chunk size, the engine's MiB/s, the
//! MiB/s of `memchr` looking for IAC over the same bytes, and their ratio. Each figure is the
//! median of several runs. Streams:
//!
//! * plain text: 60-character ASCII lines ending in CR LF;
//! * MUD-like: text lines each ending in IAC GA, an escaped 255 every 5 lines, a NAWS
//!   subnegotiation every 40 lines;
//! * endless subnegotiation: `IAC SB GMCP` and then 64 MiB of payload that never ends (linear
//!   time, memory stops at the limit).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ironboa::proto::{Engine, EngineConfig};

const TOTAL: usize = 64 << 20;
const RUNS: usize = 7;

fn plain_text() -> Vec<u8> {
    let line = b"The quick brown fox jumps over the lazy dog; 0123456789 abcd\r\n";
    line.iter().copied().cycle().take(TOTAL).collect()
}

fn mud_stream() -> Vec<u8> {
    let mut out = Vec::with_capacity(TOTAL + 1024);
    let mut n = 0usize;
    while out.len() < TOTAL {
        out.extend_from_slice(b"You see a dark room. Exits: north, south, east. HP: 100/100 ");
        if n % 5 == 0 {
            out.extend_from_slice(b"\xff\xff");
        }
        out.extend_from_slice(b"\r\n\xff\xf9");
        if n % 40 == 0 {
            out.extend_from_slice(b"\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0");
        }
        n += 1;
    }
    out
}

fn endless_subnegotiation() -> Vec<u8> {
    let mut out = b"\xff\xfa\xc9".to_vec();
    out.resize(TOTAL, b'x');
    out
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn mib_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / time.as_secs_f64()
}

fn time_engine(input: &[u8], chunk: usize) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let mut engine = Engine::new(EngineConfig::client());
                let mut data = Vec::with_capacity(chunk);
                let start = Instant::now();
                for piece in input.chunks(chunk) {
                    data.clear();
                    engine.receive(piece, &mut data).expect("receive");
                    while let Some(event) = engine.poll_event() {
                        black_box(event);
                    }
                    engine.clear_output();
                    black_box(&data);
                }
                start.elapsed()
            })
            .collect(),
    )
}

fn time_memchr(input: &[u8], chunk: usize) -> Duration {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let mut found = 0usize;
                for piece in input.chunks(chunk) {
                    found += memchr::memchr_iter(255, black_box(piece)).count();
                }
                black_box(found);
                start.elapsed()
            })
            .collect(),
    )
}

fn main() {
    // `cargo test --benches` runs this with --bench absent; keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let streams: [(&str, Vec<u8>); 3] = [
        ("plain text", plain_text()),
        ("MUD-like, IAC-heavy", mud_stream()),
        ("endless subnegotiation", endless_subnegotiation()),
    ];
    if quick {
        for (_, input) in &streams {
            time_engine(&input[..1 << 16], 4096);
        }
        println!("parse bench: smoke run only (use cargo bench)");
        return;
    }
    println!(
        "{:<24} {:>6} {:>12} {:>12} {:>8}",
        "stream", "chunk", "engine MiB/s", "memchr MiB/s", "ratio"
    );
    for (name, input) in &streams {
        for chunk in [4096, 65536] {
            let engine = mib_per_s(input.len(), time_engine(input, chunk));
            let scan = mib_per_s(input.len(), time_memchr(input, chunk));
            println!(
                "{name:<24} {:>5}K {engine:>12.0} {scan:>12.0} {:>8.2}",
                chunk / 1024,
                engine / scan
            );
        }
    }
}
