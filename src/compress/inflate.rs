//! The decompressing half: an input layer that reads one zlib stream (RFC 1950) and, once it
//! ends, passes what follows through as plain Telnet.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use zlib_rs::{Inflate, InflateFlush, Status};

use crate::error::ProtocolError;

/// The most one `decode` call gives out. A few compressed bytes can stand for megabytes
/// (deflate reaches about 1000:1); what is not decoded yet stays here, and the session decodes
/// more only as the application reads (see `InputLayer::has_pending`), so memory stays
/// bounded by this, the input buffer's bound and one read.
pub(crate) const MAX_DECODE: usize = 64 * 1024;

/// The most plain Telnet commands passed through before the zlib header (see
/// [`plain_commands`]).
const MAX_LEADING: usize = 4 * 1024;

/// What starts the bytes after the switch.
enum Leading {
    /// This many bytes of complete Telnet commands, then something else: the zlib header.
    Commands(usize),
    /// This many bytes of complete commands, then the start of one not complete yet.
    Incomplete(usize),
}

/// Complete Telnet commands at the start of `data`, before the zlib header. telnetlib3's
/// client (5.0.1) sends `IAC SB MCCP3 IAC SE` while it handles a chunk from the server, but
/// starts compressing only once the whole chunk is handled: its replies to the rest of that
/// chunk come plain, after the `IAC SE`. A zlib stream cannot start with IAC (0xff is no
/// deflate header byte), so such commands are told apart and passed through as they are.
fn plain_commands(data: &[u8]) -> Leading {
    const IAC: u8 = 255;
    const SB: u8 = 250;
    const SE: u8 = 240;
    let mut at = 0;
    while at < data.len() {
        if data[at] != IAC {
            return Leading::Commands(at);
        }
        let Some(&command) = data.get(at + 1) else {
            return Leading::Incomplete(at);
        };
        let len = match command {
            251..=254 => 3,
            SB => {
                // Up to the IAC SE, IAC IAC being an escaped 0xff.
                let mut i = at + 2;
                loop {
                    match (data.get(i), data.get(i + 1)) {
                        (Some(&IAC), Some(&SE)) => break i + 2 - at,
                        (Some(&IAC), Some(&IAC)) => i += 2,
                        (Some(&IAC), None) | (None, _) => return Leading::Incomplete(at),
                        _ => i += 1,
                    }
                }
            }
            _ => 2,
        };
        if at + len > data.len() {
            return Leading::Incomplete(at);
        }
        at += len;
    }
    Leading::Incomplete(at)
}

/// The input layer of MCCP2 (client) and MCCP3 (server).
pub(crate) struct Inflater {
    option: &'static str,
    /// `None` once the stream has ended: the layer passes bytes through.
    inflate: Option<Box<Inflate>>,
    /// Compressed input not decoded yet (when the last call reached [`MAX_DECODE`]).
    pending: Vec<u8>,
    /// The last call stopped at [`MAX_DECODE`] with input left.
    more: bool,
    /// The first byte of the zlib stream has arrived (see [`plain_commands`]).
    header_seen: bool,
    /// Set while this stream runs, shared with the switch handler, which starts no second
    /// stream inside a running one.
    running: Arc<AtomicBool>,
}

impl Inflater {
    /// `option` names the stream in errors and logs ("MCCP2", "MCCP3").
    pub(crate) fn new(option: &'static str, running: Arc<AtomicBool>) -> Inflater {
        running.store(true, Ordering::Release);
        Inflater {
            running,
            option,
            // Any window a compressor chose (up to zlib's 32 KiB), read from the header.
            inflate: Some(Box::new(Inflate::new(true, 15))),
            pending: Vec::new(),
            more: false,
            header_seen: false,
        }
    }

    fn corrupt(&self, reason: &'static str) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            ProtocolError::CorruptCompression {
                option: self.option.to_owned(),
                reason,
            },
        )
    }
}

impl crate::session::layer::InputLayer for Inflater {
    fn name(&self) -> &'static str {
        if self.option == "MCCP3" {
            "mccp3"
        } else {
            "mccp2"
        }
    }

    fn decode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        let Some(inflate) = self.inflate.as_mut() else {
            output.extend_from_slice(input);
            return Ok(());
        };
        let mut data = std::mem::take(&mut self.pending);
        data.extend_from_slice(input);
        let mut offset = 0;
        if !self.header_seen {
            match plain_commands(&data) {
                Leading::Commands(n) => {
                    output.extend_from_slice(&data[..n]);
                    offset = n;
                    self.header_seen = true;
                }
                Leading::Incomplete(n) => {
                    if data.len() > MAX_LEADING {
                        return Err(self.corrupt("no zlib header after the switch"));
                    }
                    output.extend_from_slice(&data[..n]);
                    data.drain(..n);
                    self.pending = data;
                    return Ok(());
                }
            }
            if offset > 0 {
                log::debug!(
                    "{}: {offset} bytes of plain Telnet commands before the zlib header",
                    self.option
                );
            }
        }
        let mut given = 0;
        self.more = false;
        // Room for a few times the input at first (text inflates 3 to 10 times), doubled each
        // round it fills: the buffers a small read leaves behind stay small.
        let mut step = (data.len() * 4).clamp(1024, 32 * 1024);
        loop {
            if given >= MAX_DECODE {
                self.more = true;
                break;
            }
            let room = (MAX_DECODE - given).min(step);
            step = (step * 2).min(32 * 1024);
            let len = output.len();
            output.resize(len + room, 0);
            let before_in = inflate.total_in();
            let before_out = inflate.total_out();
            let result =
                inflate.decompress(&data[offset..], &mut output[len..], InflateFlush::NoFlush);
            let consumed = (inflate.total_in() - before_in) as usize;
            let produced = (inflate.total_out() - before_out) as usize;
            output.truncate(len + produced);
            offset += consumed;
            given += produced;
            match result {
                Ok(Status::StreamEnd) => {
                    // The peer ended the compressed stream: the rest is plain Telnet.
                    log::debug!("{}: compressed stream ended", self.option);
                    self.inflate = None;
                    self.running.store(false, Ordering::Release);
                    output.extend_from_slice(&data[offset..]);
                    return Ok(());
                }
                Ok(_) => {}
                Err(error) => {
                    let reason = inflate.error_message().unwrap_or(error.as_str());
                    return Err(self.corrupt(reason));
                }
            }
            // Room left over: the decompressor took all the input it could use.
            if produced < room {
                break;
            }
        }
        if offset < data.len() {
            if !self.more {
                return Err(self.corrupt("the decompressor would not take more input"));
            }
            data.drain(..offset);
            self.pending = data;
        }
        Ok(())
    }

    fn has_pending(&self) -> bool {
        self.more
    }

    fn spent(&self) -> bool {
        self.inflate.is_none()
    }
}
