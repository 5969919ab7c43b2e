//! Replaying a recording as the device: [`ReplayDevice`].

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::Value;

use super::verb_code;
use super::wire::{Piece, Splitter, encode_data, encode_piece};
use crate::error::{Error, Result};

/// What the replay does when the input does not match the recording.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReplayMode {
    /// Input must be exactly what was recorded; on a mismatch the device says so and closes
    /// the connection (the default).
    #[default]
    Strict,
    /// Input matches when it has the same words: runs of whitespace and line endings are
    /// compared as one space, leading and trailing whitespace ignored. On a mismatch the device
    /// says so and goes on with the recording.
    Lenient,
}

impl std::str::FromStr for ReplayMode {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text {
            "strict" => Ok(ReplayMode::Strict),
            "lenient" => Ok(ReplayMode::Lenient),
            other => Err(format!("unknown replay mode {other:?} (strict, lenient)")),
        }
    }
}

/// How the pauses between the device's outputs are replayed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum ReplayTiming {
    /// Output goes as soon as the input before it has arrived (the default: fast tests).
    #[default]
    Ignore,
    /// The recorded pauses.
    AsRecorded,
    /// The recorded pauses multiplied by this factor (0.5: twice as fast).
    Scaled(f64),
}

impl std::str::FromStr for ReplayTiming {
    type Err = String;

    /// `ignore`, `recorded`, or a factor such as `0.5`.
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text {
            "ignore" => Ok(ReplayTiming::Ignore),
            "recorded" => Ok(ReplayTiming::AsRecorded),
            factor => match factor.parse::<f64>() {
                Ok(f) if f.is_finite() && f >= 0.0 => Ok(ReplayTiming::Scaled(f)),
                _ => Err(format!(
                    "bad replay timing {factor:?} (ignore, recorded, or a factor such as 0.5)"
                )),
            },
        }
    }
}

/// Input that did not match the recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The recording's file name.
    pub source: String,
    /// The line of the recording holding the expected input (the header is line 1).
    pub line: usize,
    /// The recorded time of the expected input, in seconds.
    pub time: f64,
    /// What the recording says came next.
    pub expected: String,
    /// What arrived instead (up to its line end).
    pub got: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ironboa replay: input does not match the recording {} at line {} ({:.3} s): expected {:?}, got {:?}",
            self.source, self.line, self.time, self.expected, self.got
        )
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// Bytes the device sent (data or negotiation), ready for the wire.
    Send(Vec<u8>),
    /// Input the script sent.
    Expect { text: Vec<u8>, line: usize },
    /// A withheld secret: any one line.
    Secret,
    /// The device closed the connection.
    Close,
}

/// A recording (see [`crate::record`]) served as the device it was recorded from.
///
/// ```no_run
/// use ironboa::record::{ReplayDevice, ReplayMode};
///
/// let server = ReplayDevice::load("router.cast")?.mode(ReplayMode::Strict).bind("127.0.0.1:0")?;
/// println!("the router is at {}", server.local_addr());
/// # Ok::<(), ironboa::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReplayDevice {
    steps: Vec<(f64, Step)>,
    source: String,
    latin1: bool,
    mode: ReplayMode,
    timing: ReplayTiming,
    mismatches: Arc<Mutex<Vec<Mismatch>>>,
}

fn invalid(message: String) -> Error {
    Error::Io(io::Error::new(io::ErrorKind::InvalidData, message))
}

impl ReplayDevice {
    /// Reads an asciicast v2 recording.
    pub fn load(path: impl AsRef<Path>) -> Result<ReplayDevice> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        ReplayDevice::parse(&text, &name)
    }

    /// Reads a recording from its text; `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<ReplayDevice> {
        let mut lines = text.lines().enumerate();
        let header: Value = lines
            .next()
            .and_then(|(_, l)| serde_json::from_str(l).ok())
            .ok_or_else(|| invalid(format!("{source}: no asciicast header")))?;
        if header["version"] != 2 {
            return Err(invalid(format!("{source}: not an asciicast v2 file")));
        }
        let latin1 = header["ironboa"]["encoding"]
            .as_str()
            .is_some_and(|e| e != "utf-8");
        let encode = |text: &str| -> Vec<u8> {
            if latin1 {
                text.chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect()
            } else {
                text.as_bytes().to_vec()
            }
        };
        let mut steps: Vec<(f64, Step)> = Vec::new();
        for (index, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let bad = || invalid(format!("{source} line {}: not an event", index + 1));
            let event: Value = serde_json::from_str(line).map_err(|_| bad())?;
            let (Some(time), Some(kind), Some(data)) =
                (event[0].as_f64(), event[1].as_str(), event[2].as_str())
            else {
                return Err(bad());
            };
            let step = match kind {
                "o" => {
                    let mut bytes = Vec::new();
                    encode_data(&encode(data), &mut bytes);
                    Step::Send(bytes)
                }
                "i" => {
                    if let Some((_, Step::Expect { text, .. })) = steps.last_mut() {
                        text.extend(encode(data));
                        continue;
                    }
                    Step::Expect {
                        text: encode(data),
                        line: index + 1,
                    }
                }
                "x" => Step::Secret,
                "n" => match negotiation(data) {
                    Some(step) => step,
                    None if data.starts_with("sent ") => continue,
                    None => {
                        return Err(invalid(format!(
                            "{source} line {}: unknown negotiation {data:?}",
                            index + 1
                        )));
                    }
                },
                _ => continue,
            };
            steps.push((time, step));
        }
        Ok(ReplayDevice {
            steps,
            source: source.to_owned(),
            latin1,
            mode: ReplayMode::default(),
            timing: ReplayTiming::default(),
            mismatches: Arc::default(),
        })
    }

    /// Strict (the default) or lenient matching of input.
    pub fn mode(mut self, mode: ReplayMode) -> Self {
        self.mode = mode;
        self
    }

    /// How pauses are replayed (default: ignored).
    pub fn timing(mut self, timing: ReplayTiming) -> Self {
        self.timing = timing;
        self
    }

    /// Every mismatch seen so far, on any connection.
    pub fn mismatches(&self) -> Vec<Mismatch> {
        self.mismatches.lock().clone()
    }

    /// Listens on `addr` and replays the recording to each connection, on its own thread.
    pub fn bind(self, addr: impl ToSocketAddrs) -> Result<ReplayServer> {
        let listener = TcpListener::bind(addr)?;
        let local_addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let device = Arc::new(self);
        let thread = {
            let stop = Arc::clone(&stop);
            let device = Arc::clone(&device);
            std::thread::Builder::new()
                .name("ironboa-replay".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::Acquire) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        let device = Arc::clone(&device);
                        let _ = std::thread::Builder::new()
                            .name("ironboa-replay-conn".into())
                            .spawn(move || {
                                let peer = stream
                                    .peer_addr()
                                    .map(|a| a.to_string())
                                    .unwrap_or_default();
                                if let Err(error) = device.serve_connection(stream) {
                                    log::info!("replay to {peer}: {error}");
                                }
                            });
                    }
                })?
        };
        Ok(ReplayServer {
            local_addr,
            stop,
            device,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Listens on `addr` and replays the recording to every connection, for ever.
    pub fn serve(self, addr: impl ToSocketAddrs) -> Result<()> {
        let server = self.bind(addr)?;
        let thread = server.thread.lock().take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
        Ok(())
    }

    /// Replays the recording on one connection. Returns the mismatch that ended it in strict
    /// mode, or `None` when the recording played to its end.
    pub fn serve_connection(&self, stream: TcpStream) -> Result<Option<Mismatch>> {
        let _ = stream.set_nodelay(true);
        let mut peer = Peer {
            stream,
            splitter: Splitter::default(),
            received: Vec::new(),
            after_cr: false,
        };
        let mut last = 0.0_f64;
        for (time, step) in &self.steps {
            if matches!(step, Step::Send(_) | Step::Close) {
                self.pause(time - last);
            }
            last = *time;
            match step {
                Step::Send(bytes) => peer.stream.write_all(bytes)?,
                Step::Close => {
                    let _ = peer.stream.shutdown(Shutdown::Both);
                    return Ok(None);
                }
                Step::Secret => {
                    peer.take_lines(1)?;
                }
                Step::Expect { text, line } => {
                    let got = match self.mode {
                        ReplayMode::Strict => peer.take_exact(text)?,
                        ReplayMode::Lenient => peer.take_lenient(text)?,
                    };
                    let Some(got) = got else { continue };
                    let mismatch = Mismatch {
                        source: self.source.clone(),
                        line: *line,
                        time: *time,
                        expected: self.text(text),
                        got: self.text(&got),
                    };
                    log::warn!("{mismatch}");
                    let message = format!("\r\n% {mismatch}\r\n");
                    let _ = peer.stream.write_all(message.as_bytes());
                    self.mismatches.lock().push(mismatch.clone());
                    if self.mode == ReplayMode::Strict {
                        let _ = peer.stream.shutdown(Shutdown::Both);
                        return Ok(Some(mismatch));
                    }
                }
            }
        }
        // The recording ended with the connection open: wait for the client to leave.
        while peer.fill(None)? {}
        Ok(None)
    }

    fn text(&self, bytes: &[u8]) -> String {
        if self.latin1 {
            bytes.iter().map(|b| char::from(*b)).collect()
        } else {
            String::from_utf8_lossy(bytes).into_owned()
        }
    }

    fn pause(&self, seconds: f64) {
        let factor = match self.timing {
            ReplayTiming::Ignore => return,
            ReplayTiming::AsRecorded => 1.0,
            ReplayTiming::Scaled(factor) => factor,
        };
        let seconds = seconds * factor;
        if seconds.is_finite() && seconds > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(seconds.min(3600.0)));
        }
    }
}

/// The step an `"n"` event the device sent stands for (`None` for what the client sent).
fn negotiation(text: &str) -> Option<Step> {
    let words: Vec<&str> = text
        .split('(')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if words.first() != Some(&"recv") {
        return None;
    }
    let number = |i: usize| words.get(i).and_then(|w| w.parse::<u8>().ok());
    let piece = match *words.get(1)? {
        "close" => return Some(Step::Close),
        "SB" => Piece::Sub(
            number(2)?,
            words[3..]
                .iter()
                .map(|w| u8::from_str_radix(w, 16).ok())
                .collect::<Option<Vec<u8>>>()?,
        ),
        "CMD" => Piece::Command(number(2)?),
        verb => Piece::Negotiation(verb_code(verb)?, number(2)?),
    };
    let mut bytes = Vec::new();
    encode_piece(&piece, &mut bytes);
    Some(Step::Send(bytes))
}

/// The client's side of one replayed connection: its data, Telnet decoded.
struct Peer {
    stream: TcpStream,
    splitter: Splitter,
    received: Vec<u8>,
    /// The last input taken ended with CR (its LF may still come).
    after_cr: bool,
}

/// A mismatch's "got" is cut at its line end, or after this long without one.
const GOT_WAIT: Duration = Duration::from_millis(300);

impl Peer {
    /// Reads more data; `false` at the end of the stream (or when `timeout` passes).
    fn fill(&mut self, timeout: Option<Duration>) -> io::Result<bool> {
        self.stream.set_read_timeout(timeout)?;
        let mut buffer = [0u8; 4096];
        let count = match self.stream.read(&mut buffer) {
            Ok(count) => count,
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(false);
            }
            Err(error) if crate::session::is_disconnect(&error) => return Ok(false),
            Err(error) => return Err(error),
        };
        for piece in self.splitter.feed(&buffer[..count]) {
            if let Piece::Data(data) = piece {
                self.received.extend(data);
            }
        }
        Ok(count > 0)
    }

    /// Takes what was received up to its first line end (or all of it), after waiting a
    /// moment for the line end.
    fn take_got(&mut self) -> io::Result<Vec<u8>> {
        while line_ends(&self.received).is_empty() && self.fill(Some(GOT_WAIT))? {}
        let end = line_ends(&self.received)
            .first()
            .copied()
            .unwrap_or(self.received.len());
        Ok(self.received.drain(..end).collect())
    }

    /// Takes exactly `expected`; `Some(got)` when something else came.
    fn take_exact(&mut self, expected: &[u8]) -> io::Result<Option<Vec<u8>>> {
        loop {
            let n = self.received.len().min(expected.len());
            if self.received[..n] != expected[..n] {
                return self.take_got().map(Some);
            }
            if n == expected.len() {
                self.received.drain(..n);
                self.after_cr = expected.last() == Some(&b'\r');
                return Ok(None);
            }
            if !self.fill(None)? {
                let mut got = std::mem::take(&mut self.received);
                got.extend_from_slice(b" (connection closed)");
                return Ok(Some(got));
            }
        }
    }

    /// Takes as many lines as `expected` has and compares them word by word.
    fn take_lenient(&mut self, expected: &[u8]) -> io::Result<Option<Vec<u8>>> {
        let count = line_ends(expected).len();
        if count == 0 {
            return self.take_exact(expected);
        }
        let got = self.take_lines(count)?;
        if words(&got) == words(expected) {
            Ok(None)
        } else {
            Ok(Some(got))
        }
    }

    /// Takes `count` lines, whatever they hold.
    fn take_lines(&mut self, count: usize) -> io::Result<Vec<u8>> {
        if self.after_cr {
            let skip = self
                .received
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\0'))
                .count();
            self.received.drain(..skip);
            if !self.received.is_empty() || skip > 0 {
                self.after_cr = false;
            }
        }
        loop {
            let ends = line_ends(&self.received);
            if ends.len() >= count {
                let got: Vec<u8> = self.received.drain(..ends[count - 1]).collect();
                self.after_cr = got.last() == Some(&b'\r');
                return Ok(got);
            }
            if !self.fill(None)? {
                return Ok(std::mem::take(&mut self.received));
            }
        }
    }
}

/// Where each line of `bytes` ends (just past its CR LF, CR NUL, LF or lone CR).
fn line_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if matches!(bytes.get(i + 1), Some(b'\n' | b'\0')) => {
                ends.push(i + 2);
                i += 2;
                continue;
            }
            b'\r' | b'\n' => ends.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    ends
}

fn words(bytes: &[u8]) -> Vec<&[u8]> {
    bytes
        .split(|b| b.is_ascii_whitespace() || *b == 0)
        .filter(|w| !w.is_empty())
        .collect()
}

/// A [`ReplayDevice`] listening (from [`ReplayDevice::bind`]); stops when shut down or dropped.
#[derive(Debug)]
pub struct ReplayServer {
    local_addr: SocketAddr,
    stop: Arc<AtomicBool>,
    device: Arc<ReplayDevice>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl ReplayServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Every mismatch seen so far.
    pub fn mismatches(&self) -> Vec<Mismatch> {
        self.device.mismatches()
    }

    /// Stops accepting connections (the ones being replayed go on to their end).
    pub fn shutdown(&self) {
        if !self.stop.swap(true, Ordering::AcqRel) {
            let _ = TcpStream::connect_timeout(&self.local_addr, Duration::from_secs(1));
            if let Some(thread) = self.thread.lock().take() {
                let _ = thread.join();
            }
        }
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAST: &str = "{\"version\":2,\"width\":80,\"height\":24}\n\
        [0.1,\"n\",\"recv WILL 1 (ECHO)\"]\n\
        [0.1,\"n\",\"sent DO 1 (ECHO)\"]\n\
        [0.2,\"o\",\"$ \"]\n\
        [0.3,\"i\",\"ls\"]\n\
        [0.3,\"i\",\"\\r\\n\"]\n\
        [0.4,\"n\",\"recv SB 24 01 (TTYPE)\"]\n\
        [0.5,\"x\",\"\\r\\n\"]\n\
        [0.6,\"n\",\"recv close\"]\n";

    #[test]
    fn parses_steps() {
        let device = ReplayDevice::parse(CAST, "t.cast").unwrap();
        let steps: Vec<&Step> = device.steps.iter().map(|(_, s)| s).collect();
        assert!(matches!(steps[0], Step::Send(b) if b == b"\xff\xfb\x01"));
        assert!(matches!(steps[1], Step::Send(b) if b == b"$ "));
        assert!(matches!(steps[2], Step::Expect { text, line: 5 } if text == b"ls\r\n"));
        assert!(matches!(steps[3], Step::Send(b) if b == b"\xff\xfa\x18\x01\xff\xf0"));
        assert!(matches!(steps[4], Step::Secret));
        assert!(matches!(steps[5], Step::Close));
        assert_eq!(steps.len(), 6);
    }

    #[test]
    fn rejects_what_is_not_asciicast() {
        assert!(ReplayDevice::parse("{\"version\":1}\n", "t").is_err());
        assert!(ReplayDevice::parse("{\"version\":2}\n[1,\"o\"]\n", "t").is_err());
    }

    #[test]
    fn line_ends_and_words() {
        assert_eq!(line_ends(b"a\r\nb\nc\r\0d\r"), vec![3, 5, 8, 10]);
        assert_eq!(
            words(b"  show   ip\troute \r\n"),
            vec![&b"show"[..], b"ip", b"route"]
        );
    }

    #[test]
    fn timing_and_mode_parse() {
        assert_eq!("0.5".parse::<ReplayTiming>(), Ok(ReplayTiming::Scaled(0.5)));
        assert_eq!(
            "recorded".parse::<ReplayTiming>(),
            Ok(ReplayTiming::AsRecorded)
        );
        assert!("-1".parse::<ReplayTiming>().is_err());
        assert_eq!("lenient".parse::<ReplayMode>(), Ok(ReplayMode::Lenient));
    }
}
