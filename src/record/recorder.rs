//! The recording layer: a pass-through [`InputLayer`] and [`OutputLayer`] pair next to the
//! engine that writes what crosses them to an asciicast v2 file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde_json::json;

use super::wire::{Piece, Splitter};
use super::{RecordOptions, verb_name};
use crate::error::Result;
use crate::proto::TelnetOption;
use crate::session::layer::{InputLayer, OutputLayer};
use crate::session::{Encoding, PeerAddress, Session};

/// What the header says about the client.
pub(crate) struct RecordHeader {
    pub(crate) width: u16,
    pub(crate) height: u16,
    pub(crate) term: String,
    pub(crate) encoding: Encoding,
}

/// Starts recording `session` to the file `options` names.
pub(crate) fn install(
    session: &Session,
    options: &RecordOptions,
    info: RecordHeader,
) -> Result<()> {
    let recorder = Recorder::create(options, &info, session.peer())?;
    let shared = Arc::new(Mutex::new(recorder));
    session.start_layers(
        Box::new(RecordInput(Arc::clone(&shared))),
        Box::new(RecordOutput(shared)),
        &[],
    )
}

/// Decodes bytes to text incrementally: UTF-8 (a character split between reads is kept for the
/// next; invalid bytes become U+FFFD), or one character per byte.
#[derive(Default)]
struct TextDecoder {
    utf8: bool,
    tail: Vec<u8>,
}

impl TextDecoder {
    fn decode(&mut self, bytes: &[u8]) -> String {
        if !self.utf8 {
            return bytes.iter().map(|b| char::from(*b)).collect();
        }
        let mut input = std::mem::take(&mut self.tail);
        input.extend_from_slice(bytes);
        let mut text = String::new();
        let mut rest = input.as_slice();
        loop {
            match std::str::from_utf8(rest) {
                Ok(valid) => {
                    text.push_str(valid);
                    break;
                }
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    match error.error_len() {
                        Some(bad) => {
                            text.push(char::REPLACEMENT_CHARACTER);
                            rest = &after[bad..];
                        }
                        None => {
                            self.tail = after.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        text
    }
}

/// Input held until we know whether the device echoed it.
struct Pending {
    time: f64,
    text: String,
    /// Output seen since, and held back so the file stays in order.
    seen: String,
    held: Vec<(f64, String)>,
}

struct Recorder {
    file: BufWriter<File>,
    start: Instant,
    received: Splitter,
    sent: Splitter,
    device_text: TextDecoder,
    script_text: TextDecoder,
    keep_secrets: bool,
    /// The device said WILL ECHO last: it echoes, so input it does not echo is a secret.
    device_echoes: bool,
    pending: Option<Pending>,
    failed: bool,
    finished: bool,
}

impl Recorder {
    fn create(
        options: &RecordOptions,
        info: &RecordHeader,
        peer: &PeerAddress,
    ) -> Result<Recorder> {
        let mut file = BufWriter::new(File::create(&options.path)?);
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let utf8 = info.encoding == Encoding::Utf8;
        let mut header = json!({
            "version": 2,
            "width": info.width,
            "height": info.height,
            "timestamp": timestamp,
            "env": {"TERM": info.term},
            "ironboa": {
                "format": 1,
                "recorder": concat!("ironboa ", env!("CARGO_PKG_VERSION")),
                "role": "client",
                "peer": peer.to_string(),
                "encoding": if utf8 { "utf-8" } else { "latin-1" },
                "secrets": if options.keep_secrets { "kept" } else { "withheld" },
            },
        });
        if let Some(title) = &options.title {
            header["title"] = json!(title);
        }
        writeln!(file, "{header}")?;
        file.flush()?;
        Ok(Recorder {
            file,
            start: Instant::now(),
            received: Splitter::default(),
            sent: Splitter::default(),
            device_text: TextDecoder {
                utf8,
                tail: Vec::new(),
            },
            script_text: TextDecoder {
                utf8,
                tail: Vec::new(),
            },
            keep_secrets: options.keep_secrets,
            device_echoes: false,
            pending: None,
            failed: false,
            finished: false,
        })
    }

    fn now(&self) -> f64 {
        (self.start.elapsed().as_secs_f64() * 1e6).round() / 1e6
    }

    fn write(&mut self, time: f64, kind: &str, text: &str) {
        if self.failed {
            return;
        }
        let line = json!([time, kind, text]);
        if let Err(error) = writeln!(self.file, "{line}").and_then(|()| self.file.flush()) {
            log::warn!("recording: cannot write: {error}; recording stops");
            self.failed = true;
        }
    }

    fn negotiation(&mut self, direction: &str, piece: &Piece) {
        let text = match piece {
            Piece::Negotiation(verb, option) => {
                if direction == "recv" && *option == TelnetOption::ECHO.0 {
                    match *verb {
                        251 => self.device_echoes = true,
                        252 => self.device_echoes = false,
                        _ => {}
                    }
                }
                format!("{direction} {} {option}{}", verb_name(*verb), name(*option))
            }
            Piece::Sub(option, payload) => {
                let mut text = format!("{direction} SB {option}");
                for byte in payload {
                    text.push_str(&format!(" {byte:02x}"));
                }
                text + &name(*option)
            }
            Piece::Command(command) => format!("{direction} CMD {command}"),
            Piece::Data(_) => return,
        };
        let time = self.now();
        self.write(time, "n", &text);
    }

    fn received(&mut self, bytes: &[u8]) {
        for piece in self.received.feed(bytes) {
            match &piece {
                Piece::Data(data) => {
                    let text = self.device_text.decode(data);
                    if !text.is_empty() {
                        self.output(text);
                    }
                }
                _ => self.negotiation("recv", &piece),
            }
        }
    }

    fn sent(&mut self, bytes: &[u8]) {
        for piece in self.sent.feed(bytes) {
            match &piece {
                Piece::Data(data) => {
                    let text = self.script_text.decode(data);
                    if !text.is_empty() {
                        self.input(text);
                    }
                }
                _ => self.negotiation("sent", &piece),
            }
        }
    }

    fn output(&mut self, text: String) {
        let time = self.now();
        let Some(pending) = self.pending.as_mut() else {
            self.write(time, "o", &text);
            return;
        };
        pending.seen.push_str(&text);
        pending.held.push((time, text));
        let key = echo_key(&pending.text);
        if pending.seen.starts_with(key) {
            self.resolve(true);
        } else if !key.starts_with(pending.seen.as_str()) {
            self.resolve(false);
        }
    }

    fn input(&mut self, text: String) {
        let time = self.now();
        if let Some(pending) = self.pending.as_mut() {
            pending.text.push_str(&text);
            return;
        }
        if self.keep_secrets || !self.device_echoes || echo_key(&text).is_empty() {
            self.write(time, "i", &text);
            return;
        }
        self.pending = Some(Pending {
            time,
            text,
            seen: String::new(),
            held: Vec::new(),
        });
    }

    /// Writes the held input as it was (`echoed`) or as a withheld secret, then the output
    /// held behind it.
    fn resolve(&mut self, echoed: bool) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        if echoed {
            self.write(pending.time, "i", &pending.text);
        } else {
            let key = echo_key(&pending.text);
            let ending = &pending.text[key.len()..];
            let ending = if ending.is_empty() { "\r\n" } else { ending };
            self.write(pending.time, "x", ending);
        }
        for (time, text) in pending.held {
            self.write(time, "o", &text);
        }
    }

    fn finish(&mut self) {
        if !self.finished {
            self.finished = true;
            self.resolve(false);
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The part of input a device that echoes sends back first: up to its first line ending.
fn echo_key(text: &str) -> &str {
    let end = text.find(['\r', '\n', '\0']).unwrap_or(text.len());
    &text[..end]
}

fn name(option: u8) -> String {
    TelnetOption(option)
        .name()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default()
}

struct RecordInput(Arc<Mutex<Recorder>>);

impl InputLayer for RecordInput {
    fn name(&self) -> &'static str {
        "record"
    }

    fn decode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        self.0.lock().received(input);
        output.extend_from_slice(input);
        Ok(())
    }

    fn end_of_stream(&mut self, _peer: &PeerAddress) {
        let mut recorder = self.0.lock();
        recorder.resolve(false);
        let time = recorder.now();
        recorder.write(time, "n", "recv close");
    }
}

struct RecordOutput(Arc<Mutex<Recorder>>);

impl OutputLayer for RecordOutput {
    fn name(&self) -> &'static str {
        "record"
    }

    fn encode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        self.0.lock().sent(input);
        output.extend_from_slice(input);
        Ok(())
    }

    fn finish(&mut self, _output: &mut Vec<u8>) -> io::Result<()> {
        self.0.lock().finish();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_split_between_reads_is_kept() {
        let mut decoder = TextDecoder {
            utf8: true,
            tail: Vec::new(),
        };
        let bytes = "é€".as_bytes();
        assert_eq!(decoder.decode(&bytes[..1]), "");
        assert_eq!(decoder.decode(&bytes[1..3]), "é");
        assert_eq!(decoder.decode(&bytes[3..]), "€");
        assert_eq!(decoder.decode(b"\xffa"), "\u{fffd}a");
    }

    #[test]
    fn echo_key_stops_at_the_line_end() {
        assert_eq!(echo_key("secret\r\n"), "secret");
        assert_eq!(echo_key("\r\n"), "");
    }
}
