//! The compressing half: an output layer that turns everything after its start into one zlib
//! stream (RFC 1950), flushed at the end of every write so the peer can decode it at once.
//!
//! # Memory
//!
//! A zlib compressor is big: zlib-rs allocates a 128 KiB hash table whatever the memory level,
//! plus the window and the pending buffers (about 160 KiB at a 4 KiB window), and classic zlib
//! needs 256 KiB at its defaults. At 10,000 connections that is gigabytes for connections that
//! mostly sit idle. So a connection keeps no compressor between writes: each write takes one
//! from a small pool shared by all connections, primes it with the last [`WINDOW`] bytes sent
//! (the peer's decompressor holds exactly those bytes in its window, so back-references into
//! them decode), compresses the write as raw deflate blocks ending in a sync flush, and gives
//! it back. When the compressor a connection gets is the one it used last (no other
//! connection wrote in between), it simply goes on. The zlib header and the Adler-32 trailer
//! are written here. What an idle compressed connection keeps is its history: [`WINDOW`]
//! bytes.
//!
//! The ratio is that of one continuous stream with a [`WINDOW`]-byte window: matches reach
//! back into earlier writes just the same. The cost is time where many connections write in
//! turn: resetting a compressor and hashing the history for each write, some microseconds;
//! `BENCHMARKS.md` has the figures.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Status};

/// log2 of the window: 4 KiB, as telnetlib3's compressor (`wbits=12`). The zlib header says
/// so, and no match reaches further back.
pub(crate) const WINDOW_BITS: u8 = 12;
/// The history kept between writes (the window).
pub(crate) const WINDOW: usize = 1 << WINDOW_BITS;
/// zlib's default level: a little less compression than telnetlib3's 9, much faster on bulk.
pub(crate) const LEVEL: i32 = 6;
/// An empty final block (fixed Huffman codes: BFINAL, BTYPE 01, end-of-block), which after a
/// sync flush (byte-aligned) is always these two bytes.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// Compressors not in use, shared by every connection, each tagged with the layer that used
/// it last. Making one allocates about 160 KiB that the kernel zero-fills page by page;
/// worse, glibc's malloc then raises its mmap threshold and serves the next ones from its
/// heaps, where a freed compressor's pages stay resident among the connections' long-lived
/// allocations: measured, 200 KiB per idle connection instead of a few. Reused from here, a
/// compressor costs its reset and priming; and the one a layer used last, if no other layer
/// took it since, goes on as one continuous stream with neither. At most [`POOL_MAX`] wait,
/// so the pool is bounded whatever the number of connections; more are made only while more
/// writes than that compress at the same moment.
static POOL: Mutex<Vec<(u64, Box<Deflate>)>> = Mutex::new(Vec::new());
/// The most idle compressors kept (about 160 KiB each).
const POOL_MAX: usize = 16;
/// Tags the layers, for the pool.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A compressor taken from the pool for one write; it goes back when dropped.
struct Pooled {
    owner: u64,
    deflate: Option<Box<Deflate>>,
}

impl Pooled {
    /// A compressor for layer `owner`, and whether it is the one that layer used last (its
    /// state goes on from that layer's last write).
    fn take(owner: u64) -> (Pooled, bool) {
        let (deflate, continuous) = {
            let mut pool = POOL.lock();
            match pool.iter().rposition(|(last, _)| *last == owner) {
                Some(at) => (Some(pool.remove(at).1), true),
                None => (pool.pop().map(|(_, deflate)| deflate), false),
            }
        };
        let deflate = match deflate {
            Some(deflate) if continuous => deflate,
            Some(mut deflate) => {
                deflate.reset();
                deflate
            }
            None => Box::new(Deflate::new_with_config(DeflateConfig {
                level: LEVEL,
                window_bits: -i32::from(WINDOW_BITS),
                ..DeflateConfig::default()
            })),
        };
        let pooled = Pooled {
            owner,
            deflate: Some(deflate),
        };
        (pooled, continuous)
    }
}

impl std::ops::Deref for Pooled {
    type Target = Deflate;
    fn deref(&self) -> &Deflate {
        self.deflate.as_ref().expect("taken until dropped")
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Deflate {
        self.deflate.as_mut().expect("taken until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(deflate) = self.deflate.take() {
            let mut pool = POOL.lock();
            if pool.len() >= POOL_MAX {
                // The least recently used goes.
                pool.remove(0);
            }
            pool.push((self.owner, deflate));
        }
    }
}

/// The output layer of MCCP2 (server) and MCCP3 (client).
pub(crate) struct Deflater {
    name: &'static str,
    /// This layer's tag in the compressor pool.
    id: u64,
    /// The last bytes compressed, at most [`WINDOW`], oldest first.
    history: Vec<u8>,
    /// Adler-32 of everything compressed so far (the zlib trailer).
    adler: u32,
    /// The zlib header has been written.
    started: bool,
    /// The stream was ended: what comes after passes through as it is.
    finished: bool,
}

impl Deflater {
    pub(crate) fn new(name: &'static str) -> Deflater {
        Deflater {
            name,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            history: Vec::new(),
            adler: 1,
            started: false,
            finished: false,
        }
    }

    /// The zlib header: deflate with a [`WINDOW`]-byte window, the level's FLEVEL, no preset
    /// dictionary, and the check bits that make it a multiple of 31.
    fn header() -> [u8; 2] {
        let cmf = ((WINDOW_BITS - 8) << 4) | 8;
        let flevel: u8 = match LEVEL {
            0 | 1 => 0,
            2..=5 => 1,
            6 => 2,
            _ => 3,
        };
        let mut flg = flevel << 6;
        let check = (u16::from(cmf) * 256 + u16::from(flg)) % 31;
        if check != 0 {
            flg += (31 - check) as u8;
        }
        [cmf, flg]
    }

    fn start(&mut self, output: &mut Vec<u8>) {
        if !self.started {
            self.started = true;
            output.extend_from_slice(&Self::header());
        }
    }

    /// Compresses `input` as raw deflate blocks ending in a sync flush, primed with the
    /// history.
    fn compress(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        let (mut deflate, continuous) = Pooled::take(self.id);
        if !continuous && !self.history.is_empty() {
            deflate
                .set_dictionary(&self.history)
                .map_err(|e| io::Error::other(format!("{}: {}", self.name, e.as_str())))?;
        }
        let mut rest = input;
        loop {
            // Room for the worst case (stored blocks) and the flush marker, written into an
            // initialised buffer and cut back to what the compressor produced.
            let len = output.len();
            let room = rest.len() + rest.len() / 1000 + 64;
            output.resize(len + room, 0);
            let before_in = deflate.total_in();
            let before_out = deflate.total_out();
            let status = deflate
                .compress(rest, &mut output[len..], DeflateFlush::SyncFlush)
                .map_err(|e| io::Error::other(format!("{}: {}", self.name, e.as_str())))?;
            let consumed = (deflate.total_in() - before_in) as usize;
            let produced = (deflate.total_out() - before_out) as usize;
            output.truncate(len + produced);
            rest = &rest[consumed..];
            // Done once all input is in and the flush fitted (output space left over).
            if rest.is_empty() && produced < room && status != Status::StreamEnd {
                break;
            }
            if consumed == 0 && produced == 0 {
                return Err(io::Error::other(format!(
                    "{}: the compressor stalled",
                    self.name
                )));
            }
        }
        self.adler = zlib_rs::adler32::adler32(self.adler, input);
        self.remember(input);
        Ok(())
    }

    /// Keeps the last [`WINDOW`] bytes of what was compressed.
    fn remember(&mut self, input: &[u8]) {
        if input.len() >= WINDOW {
            self.history.clear();
            self.history
                .extend_from_slice(&input[input.len() - WINDOW..]);
        } else {
            let excess = (self.history.len() + input.len()).saturating_sub(WINDOW);
            self.history.drain(..excess);
            self.history.extend_from_slice(input);
        }
    }
}

impl crate::session::layer::OutputLayer for Deflater {
    fn name(&self) -> &'static str {
        self.name
    }

    fn encode(&mut self, input: &[u8], output: &mut Vec<u8>) -> io::Result<()> {
        if self.finished {
            output.extend_from_slice(input);
            return Ok(());
        }
        if input.is_empty() {
            return Ok(());
        }
        self.start(output);
        self.compress(input, output)
    }

    /// Ends the zlib stream: an empty final block and the Adler-32 of everything sent, after
    /// which the peer reads plain Telnet again.
    fn finish(&mut self, output: &mut Vec<u8>) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.start(output);
        output.extend_from_slice(&FINAL_BLOCK);
        output.extend_from_slice(&self.adler.to_be_bytes());
        self.finished = true;
        self.history = Vec::new();
        log::debug!("{}: compressed stream ended", self.name);
        Ok(())
    }
}
