//! The server's bytes as they came off the socket, recorded before the engine saw them, and a
//! small parser that lists the negotiation commands and subnegotiations in them. The engine
//! answers the server (RFC 1143); this record is what the fingerprint is built from, so an
//! offer the engine refused is still seen as offered.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

pub const IAC: u8 = 255;
pub const SB: u8 = 250;
pub const SE: u8 = 240;
pub const WILL: u8 = 251;
pub const WONT: u8 = 252;
pub const DO: u8 = 253;
pub const DONT: u8 = 254;
/// MCCP (v1, 85) and MCCP2 (86): after `IAC SB <opt> ... IAC SE` the server's stream is zlib.
const COMPRESSION_STARTS: [u8; 2] = [85, 86];

/// What the server sent, capped at `cap` bytes (a server that talks for ever fills it once).
#[derive(Default)]
pub struct Log {
    pub bytes: Vec<u8>,
    pub truncated: bool,
    cap: usize,
}

pub type SharedLog = Arc<Mutex<Log>>;

pub fn new_log(cap: usize) -> SharedLog {
    Arc::new(Mutex::new(Log {
        cap,
        ..Log::default()
    }))
}

pub fn log_len(log: &SharedLog) -> usize {
    log.lock().map(|l| l.bytes.len()).unwrap_or(0)
}

/// A reader that copies what it reads into the log.
pub struct TeeReader {
    pub inner: Box<dyn Read + Send>,
    pub log: SharedLog,
}

impl Read for TeeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut log) = self.log.lock() {
            let room = log.cap.saturating_sub(log.bytes.len());
            let take = n.min(room);
            log.bytes.extend_from_slice(&buf[..take]);
            if take < n {
                log.truncated = true;
            }
        }
        Ok(n)
    }
}

/// The writing half, as it is.
pub struct Writer(pub Box<dyn Write + Send>);

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// One negotiation command or subnegotiation, at its offset in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Neg { verb: u8, option: u8 },
    Sb { option: u8, payload: Vec<u8> },
}

/// The commands in `bytes`, each with the offset of its IAC. Stops after a subnegotiation that
/// starts compression: what follows is zlib, not Telnet. Returns the items and where the
/// compressed stream starts, if it does.
pub fn parse(bytes: &[u8]) -> (Vec<(usize, Item)>, Option<usize>) {
    let mut items = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != IAC {
            i += 1;
            continue;
        }
        let start = i;
        let Some(&cmd) = bytes.get(i + 1) else { break };
        match cmd {
            WILL | WONT | DO | DONT => {
                let Some(&option) = bytes.get(i + 2) else {
                    break;
                };
                items.push((start, Item::Neg { verb: cmd, option }));
                i += 3;
            }
            SB => {
                let Some(&option) = bytes.get(i + 2) else {
                    break;
                };
                let mut payload = Vec::new();
                let mut j = i + 3;
                let mut complete = false;
                while j < bytes.len() {
                    if bytes[j] == IAC {
                        match bytes.get(j + 1) {
                            Some(&IAC) => {
                                payload.push(IAC);
                                j += 2;
                            }
                            Some(&SE) => {
                                j += 2;
                                complete = true;
                                break;
                            }
                            // A command inside a subnegotiation ends it (as the engine recovers).
                            Some(_) => break,
                            None => {
                                j += 1;
                                break;
                            }
                        }
                    } else {
                        payload.push(bytes[j]);
                        j += 1;
                    }
                }
                if !complete {
                    break;
                }
                items.push((start, Item::Sb { option, payload }));
                i = j;
                if COMPRESSION_STARTS.contains(&option) {
                    return (items, Some(i));
                }
            }
            _ => i += 2,
        }
    }
    (items, None)
}

/// The name of a verb.
pub fn verb_name(verb: u8) -> &'static str {
    match verb {
        WILL => "WILL",
        WONT => "WONT",
        DO => "DO",
        DONT => "DONT",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_stops_at_compression() {
        let bytes =
            b"hi\xff\xfb\x01\xff\xff\xff\xfa\x18\x01\xff\xf0\xff\xfa\x56\xff\xf0\xff\xfb\x03";
        let (items, compressed) = parse(bytes);
        assert_eq!(
            items,
            vec![
                (
                    2,
                    Item::Neg {
                        verb: WILL,
                        option: 1
                    }
                ),
                (
                    7,
                    Item::Sb {
                        option: 24,
                        payload: vec![1]
                    }
                ),
                (
                    13,
                    Item::Sb {
                        option: 86,
                        payload: vec![]
                    }
                ),
            ]
        );
        assert_eq!(compressed, Some(18));
    }
}
