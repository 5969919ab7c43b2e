//! The engine's own log lines carry peer-controlled text escaped and bounded (issue 20, item
//! 11): a 16 KB terminal type of control bytes costs a short line, never its size in log.
//!
//! One test in this file: it installs a process-wide logger.

mod support;

use std::sync::Mutex;

use ironboa::TelnetOption;
use ironboa::proto::{Engine, EngineConfig};
use support::feed;

/// Every record at debug level and above from the engine (the wire dump is trace level, by
/// design a full hex dump, and not the subject here).
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Debug
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            self.0.lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

fn sb(option: u8, head: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = vec![255, 250, option];
    out.extend_from_slice(head);
    for &b in body {
        out.push(b);
        if b == 255 {
            out.push(255);
        }
    }
    out.extend_from_slice(&[255, 240]);
    out
}

#[test]
fn peer_text_in_engine_logs_is_escaped_and_bounded() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Debug);

    // 16,000 bytes of control characters and escape sequences, repeated.
    let hostile: Vec<u8> = b"\x1b]0;pwned\x07\r\n\x08\x9b"
        .iter()
        .copied()
        .cycle()
        .take(16_000)
        .collect();
    let mut engine = Engine::new(EngineConfig::server());
    engine.enable_remote(TelnetOption::TTYPE);
    engine.enable_remote(TelnetOption::CHARSET);
    let mut input = b"\xff\xfb\x18\xff\xfb\x2a".to_vec();
    input.extend(sb(24, b"\x00", &hostile)); // TTYPE IS
    input.extend(sb(42, b"\x02", &hostile)); // CHARSET ACCEPTED, not one we offered
    input.extend(sb(23, b"", &hostile)); // SNDLOC
    input.extend(sb(35, b"\x00", &hostile)); // XDISPLOC IS
    // NEW_ENVIRON INFO with 20 variables whose names are the hostile text: past the budget,
    // each ignored variable is logged by name.
    let mut body = Vec::new();
    for i in 0..20u8 {
        body.push(0); // VAR
        body.extend(
            hostile[..700]
                .iter()
                .map(|&b| if b <= 3 { b'x' } else { b }),
        );
        body.push(b'a' + i);
        body.push(1); // VALUE
        body.extend_from_slice(&[b'v'; 3000]);
    }
    input.extend(sb(39, b"\x02", &body[..body.len().min(16_000)]));
    let fed = input.len();
    feed(&mut engine, &input, 0);

    let lines = CAPTURE.0.lock().unwrap().clone();
    // The peer's text was logged (else this proves nothing) ...
    for needle in [
        "recv TTYPE IS ",
        "recv CHARSET ACCEPTED ",
        "recv SNDLOC ",
        "recv XDISPLOC IS ",
        "not remembered",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(needle)),
            "no line with {needle:?} in {lines:#?}"
        );
    }
    // ... escaped: no control byte reaches the log ...
    for line in &lines {
        assert!(
            line.chars().all(|c| !c.is_control()),
            "raw control character in {line:?}"
        );
        // ... and bounded: 64 characters of text and a short tail, whatever was sent.
        assert!(line.len() <= 200, "{} chars: {line}", line.len());
    }
    assert!(lines.iter().any(|l| l.contains(r"\x1b]0;pwned\x07\r\n")));
    // Cut, with the full length (of the text as decoded, invalid UTF-8 replaced).
    assert!(lines.iter().any(|l| l.contains("...(18284 bytes)")));
    let logged: usize = lines.iter().map(String::len).sum();
    assert!(
        logged * 20 < fed,
        "{logged} bytes of log for {fed} bytes received"
    );
}
