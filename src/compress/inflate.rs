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

/// The input layer of MCCP2 (client) and MCCP3 (server).
pub(crate) struct Inflater {
    option: &'static str,
    /// `None` once the stream has ended: the layer passes bytes through.
    inflate: Option<Box<Inflate>>,
    /// Compressed input not decoded yet (when the last call reached [`MAX_DECODE`]).
    pending: Vec<u8>,
    /// The last call stopped at [`MAX_DECODE`] with input left.
    more: bool,
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
