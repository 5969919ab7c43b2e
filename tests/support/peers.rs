//! Finding and running the third-party peers that scripts/setup-peers.sh installs.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The Python of the peers venv, or `None` (and a note on stderr) when it is missing. With
/// IRONBOA_REQUIRE_PEERS=1 (set by scripts/test.sh) a missing peer fails the test instead.
pub fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("IRONBOA_PEERS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/peers-venv"));
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    missing(&format!("no peers venv at {}", venv.display()));
    None
}

/// Whether a program is on PATH; reports it like [`python`] when not.
pub fn have_program(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        missing(&format!("{name} is not installed"));
    }
    found
}

fn missing(what: &str) {
    if std::env::var("IRONBOA_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("{what}: run scripts/setup-peers.sh (the test command does)");
    }
    eprintln!("skipping: {what} (run scripts/setup-peers.sh)");
}

/// Runs tests/peers/drive.py with a client library against `port`, returning each step's
/// result as (verb, text).
pub fn drive(lib: &str, port: u16, steps: &[&str]) -> Vec<(String, String)> {
    let Some(python) = python() else {
        return Vec::new();
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/drive.py");
    let output = Command::new(python)
        .arg(script)
        .args([lib, "127.0.0.1", &port.to_string()])
        .args(steps)
        .output()
        .expect("run drive.py");
    parse(&output, lib)
}

fn parse(output: &Output, lib: &str) -> Vec<(String, String)> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "drive.py {lib} failed: {}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| {
            let (verb, hex) = line.split_once('\t').expect("verb<TAB>hex");
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            (verb.to_owned(), String::from_utf8(bytes).expect("utf-8"))
        })
        .collect()
}
