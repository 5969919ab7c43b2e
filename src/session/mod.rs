//! The blocking driver both the server and the client stand on: one TCP stream, one engine,
//! the decoded input, and the calls that block on them with deadlines.
//!
//! Locks, always taken in this order: `reader` (held by the thread that reads), then `writer`
//! (serialises socket writes, so a write from another thread is never interleaved with the
//! connection's own), then `engine` (held only while bytes are encoded or parsed, never during
//! a socket call).

mod buffer;
pub(crate) mod line;
mod text;
mod wait;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::error::{Error, Limit, Result};
use crate::proto::{Command, Engine, Event, TelnetOption, encode_data};
pub(crate) use buffer::InputBuffer;
use line::{LineReader, LineResult};
pub use text::Encoding;
pub use wait::{OptionName, WaitFor};

/// The size of one socket read while a connection is idle or interactive: a stack buffer, so
/// an idle connection holds no read buffer on the heap.
const READ_CHUNK: usize = 8 * 1024;
/// The size of one socket read while data streams in (a read filled the small buffer): a heap
/// buffer kept until reads come back small again.
const STREAM_CHUNK: usize = 64 * 1024;
/// Large writes are encoded and written in pieces of this size.
const WRITE_CHUNK: usize = 64 * 1024;

/// Settings of a session that the server and client configs fill in.
#[derive(Debug, Clone)]
pub(crate) struct SessionOptions {
    pub(crate) encoding: Encoding,
    pub(crate) max_line_length: usize,
    pub(crate) max_input_buffer: usize,
    pub(crate) never_send_ga: bool,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    /// Answer IAC AYT with a visible "[Yes]" (servers do).
    pub(crate) answer_are_you_there: bool,
    /// Apply IAC EC and IAC EL to the unread input (servers do; telnetlib clients only report
    /// them).
    pub(crate) apply_erase_commands: bool,
}

/// The reading side's state; owned by whichever thread reads.
#[derive(Default)]
pub(crate) struct ReadState {
    pub(crate) input: InputBuffer,
    pub(crate) lines: LineReader,
    timeout_set: Option<Option<Duration>>,
    /// The last subnegotiation received, option byte first (telnetlib's `read_sb_data`).
    pub(crate) last_subnegotiation: Vec<u8>,
    /// The client's option-negotiation callback (telnetlib's), called for every event.
    pub(crate) hook: Option<NegotiationHook>,
    /// The large read buffer while data streams in; empty otherwise.
    stream_buffer: Vec<u8>,
}

/// What a socket holds right now (see `Session::readiness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readiness {
    /// Data waits to be read.
    Data,
    /// The peer ended the stream (and nothing is left before the end).
    Eof,
    /// Nothing yet.
    Nothing,
    /// This platform cannot tell without reading.
    #[allow(dead_code)]
    Unknown,
}

/// A callback that sees every event the engine reports and may answer through the engine.
pub(crate) type NegotiationHook = Box<dyn FnMut(&mut Engine, &Event) + Send>;

/// One Telnet connection over a TCP stream, shared by the handles of a server connection or
/// a client.
pub(crate) struct Session {
    stream: TcpStream,
    peer_addr: SocketAddr,
    pub(crate) engine: Mutex<Engine>,
    pub(crate) reader: Mutex<ReadState>,
    writer: Mutex<Vec<u8>>,
    closed: AtomicBool,
    drained: AtomicBool,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    created: Instant,
    last_input_ms: AtomicU64,
    /// Data went out since the last GA: a GA is due before we wait for input.
    prompt_pending: AtomicBool,
    /// Password mode: we perform ECHO but echo nothing.
    password_mode: AtomicBool,
    pub(crate) options: SessionOptions,
}

fn is_disconnect(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected
            | io::ErrorKind::UnexpectedEof
    )
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl Session {
    pub(crate) fn new(
        stream: TcpStream,
        engine: Engine,
        options: SessionOptions,
    ) -> io::Result<Session> {
        let peer_addr = stream.peer_addr()?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(options.write_timeout)?;
        Ok(Session {
            stream,
            peer_addr,
            engine: Mutex::new(engine),
            reader: Mutex::new(ReadState::default()),
            writer: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            drained: AtomicBool::new(false),
            bytes_sent: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
            created: Instant::now(),
            last_input_ms: AtomicU64::new(0),
            prompt_pending: AtomicBool::new(false),
            password_mode: AtomicBool::new(false),
            options,
        })
    }

    /// Password mode: lines are read without echo, whatever ECHO says.
    pub(crate) fn set_password_mode(&self, on: bool) {
        self.password_mode.store(on, Ordering::Release);
    }

    pub(crate) fn stream(&self) -> &TcpStream {
        &self.stream
    }

    pub(crate) fn peer_addr(&self) -> SocketAddr {
        self.peer_addr
    }

    pub(crate) fn is_active(&self) -> bool {
        !self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn bytes_sent(&self) -> u64 {
        self.bytes_sent.load(Ordering::Relaxed)
    }

    pub(crate) fn bytes_received(&self) -> u64 {
        self.bytes_received.load(Ordering::Relaxed)
    }

    pub(crate) fn duration(&self) -> Duration {
        self.created.elapsed()
    }

    /// Time since the peer last sent anything.
    pub(crate) fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_input_ms.load(Ordering::Relaxed));
        self.created.elapsed().saturating_sub(last)
    }

    /// Marks the session closed and shuts the socket both ways, which wakes a thread blocked
    /// reading it. Data already written is still delivered before the FIN. Safe from any thread.
    pub(crate) fn deactivate(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        // Best effort: anything the engine still owes goes out first.
        if let Some(mut writer) = self.writer.try_lock_for(Duration::from_millis(100)) {
            let _ = self.flush_locked(&mut writer);
        }
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// The owner's orderly close: send what is queued, FIN, then read and discard what the peer
    /// still sends for a moment, so the kernel does not answer unread data with a reset. Also
    /// drains a session another thread deactivated (Linux still hands out data queued before
    /// the read side was shut).
    pub(crate) fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            if let Some(mut writer) = self.writer.try_lock_for(Duration::from_millis(500)) {
                let _ = self.flush_locked(&mut writer);
            }
            let _ = self.stream.shutdown(Shutdown::Write);
        }
        if self.drained.swap(true, Ordering::AcqRel) {
            return;
        }
        let _ = self
            .stream
            .set_read_timeout(Some(Duration::from_millis(100)));
        let mut sink = [0u8; 4096];
        let mut drained = 0;
        while drained < 256 * 1024 {
            match (&self.stream).read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    /// Writes what the engine has queued (negotiation replies). Takes the writer lock.
    pub(crate) fn flush(&self) -> Result<()> {
        self.check_open()?;
        let mut writer = self.writer.lock();
        self.flush_locked(&mut writer)
    }

    fn flush_locked(&self, writer: &mut Vec<u8>) -> Result<()> {
        self.engine.lock().take_output(writer);
        self.write_out(writer)
    }

    /// Writes and clears `buffer`; on failure the session is closed.
    fn write_out(&self, buffer: &mut Vec<u8>) -> Result<()> {
        if buffer.is_empty() {
            return Ok(());
        }
        let result = (&self.stream).write_all(buffer);
        let len = buffer.len();
        buffer.clear();
        if buffer.capacity() > 4 * WRITE_CHUNK {
            *buffer = Vec::new();
        }
        match result {
            Ok(()) => {
                self.bytes_sent.fetch_add(len as u64, Ordering::Relaxed);
                Ok(())
            }
            Err(error) => {
                self.closed.store(true, Ordering::Release);
                let _ = self.stream.shutdown(Shutdown::Both);
                if is_timeout(&error) {
                    log::info!("{}: write timed out; closing", self.peer_addr);
                    Err(Error::Timeout { operation: "write" })
                } else if is_disconnect(&error) {
                    Err(Error::Closed)
                } else {
                    Err(Error::Io(error))
                }
            }
        }
    }

    /// Sends application bytes: IAC doubled, CR NUL outside BINARY, and with
    /// `convert_newlines`, `\n` and `\r\n` as one CR LF. The whole call is one unit: no other
    /// thread's output is interleaved with it.
    pub(crate) fn write_data(&self, data: &[u8], convert_newlines: bool) -> Result<()> {
        self.check_open()?;
        let mut writer = self.writer.lock();
        let mut rest = data;
        loop {
            let mut end = rest.len().min(WRITE_CHUNK);
            // Never split a CR LF between two pieces.
            if end < rest.len() && rest[end - 1] == b'\r' {
                end += 1;
            }
            {
                let mut engine = self.engine.lock();
                engine.take_output(&mut writer);
                let encoding = engine.data_encoding(convert_newlines);
                encode_data(&rest[..end], encoding, &mut writer);
            }
            self.write_out(&mut writer)?;
            rest = &rest[end..];
            if rest.is_empty() {
                break;
            }
        }
        // Replies the reading side queued while this write went out (it does not wait for us).
        self.flush_locked(&mut writer)?;
        drop(writer);
        // And any queued between that flush and the unlock, when the reader's try_lock failed.
        if !self.engine.lock().output().is_empty() {
            let mut writer = self.writer.lock();
            self.flush_locked(&mut writer)?;
        }
        if !data.is_empty() {
            self.prompt_pending.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Runs `f` on the engine and writes whatever it queued.
    pub(crate) fn with_engine<T>(&self, f: impl FnOnce(&mut Engine) -> T) -> Result<T> {
        self.check_open()?;
        let mut writer = self.writer.lock();
        let value = {
            let mut engine = self.engine.lock();
            let value = f(&mut engine);
            engine.take_output(&mut writer);
            value
        };
        self.write_out(&mut writer)?;
        Ok(value)
    }

    /// Sends IAC GA if output went out since the last one and the peer has not agreed to
    /// suppress go-ahead.
    fn go_ahead_if_due(&self) -> Result<()> {
        if self.options.never_send_ga || !self.prompt_pending.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        if !self.engine.lock().go_ahead_needed() {
            return Ok(());
        }
        // Never wait for the writer lock on the reading side: a writer blocked on a peer that
        // is itself waiting for us to read would deadlock. A busy writer means output is going
        // out anyway, and the GA would not mark a prompt.
        let Some(mut writer) = self.writer.try_lock() else {
            return Ok(());
        };
        self.engine.lock().take_output(&mut writer);
        writer.extend_from_slice(&[crate::proto::command::IAC, Command::GoAhead.byte()]);
        self.write_out(&mut writer)
    }

    /// Writes the engine's pending replies from the reading side, if the writer lock is free.
    /// If another thread holds it, that writer sends them before it lets go (see `write_data`).
    fn flush_replies(&self) -> Result<()> {
        if self.engine.lock().output().is_empty() {
            return Ok(());
        }
        match self.writer.try_lock() {
            Some(mut writer) => self.flush_locked(&mut writer),
            None => Ok(()),
        }
    }

    /// Reads once from the socket (waiting until `deadline` at most), runs the bytes through
    /// the engine into `state.input`, handles the events, and writes the engine's replies.
    /// Returns how many data bytes were added (possibly 0: the read held only commands).
    ///
    /// Errors: [`Error::Timeout`] named `operation` when the deadline passes, [`Error::Closed`]
    /// at the end of the stream or when the session was closed (also by the idle timeout), and
    /// [`Error::LimitExceeded`] when the unread input is already at its bound.
    pub(crate) fn pump(
        &self,
        state: &mut ReadState,
        deadline: Option<Instant>,
        operation: &'static str,
    ) -> Result<usize> {
        self.pump_once(state, deadline, operation, false)
    }

    fn pump_once(
        &self,
        state: &mut ReadState,
        deadline: Option<Instant>,
        operation: &'static str,
        polling: bool,
    ) -> Result<usize> {
        if state.input.len() >= self.options.max_input_buffer {
            return Err(Error::LimitExceeded {
                limit: Limit::InputBuffer,
                max: self.options.max_input_buffer,
            });
        }
        if !polling {
            self.go_ahead_if_due()?;
        }
        let mut small = [0u8; READ_CHUNK];
        loop {
            self.check_open()?;
            let now = Instant::now();
            let mut wait = deadline.map(|d| d.saturating_duration_since(now));
            if wait == Some(Duration::ZERO) {
                if !polling {
                    return Err(Error::Timeout { operation });
                }
                // A poll tries the socket once with the shortest timeout it takes.
                wait = Some(Duration::from_micros(1));
            }
            let mut idle_first = false;
            if let Some(idle_timeout) = self.options.idle_timeout {
                let left = idle_timeout.saturating_sub(self.idle());
                if left.is_zero() {
                    log::info!("{}: idle for {:?}; closing", self.peer_addr, idle_timeout);
                    self.deactivate();
                    return Err(Error::Closed);
                }
                if wait.is_none_or(|w| left < w) {
                    wait = Some(left);
                    idle_first = true;
                }
            }
            if state.timeout_set != Some(wait) {
                self.stream.set_read_timeout(wait)?;
                state.timeout_set = Some(wait);
            }
            let streaming = !state.stream_buffer.is_empty();
            let chunk: &mut [u8] = if streaming {
                &mut state.stream_buffer
            } else {
                &mut small
            };
            let n = match (&self.stream).read(chunk) {
                Ok(0) => {
                    log::debug!("{}: end of stream", self.peer_addr);
                    self.closed.store(true, Ordering::Release);
                    return Err(Error::Closed);
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_timeout(&e) => {
                    if polling {
                        return Err(Error::Timeout { operation });
                    }
                    if idle_first || deadline.is_none() {
                        continue; // the loop head decides: idle close or keep waiting
                    }
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Err(Error::Timeout { operation });
                    }
                    continue;
                }
                Err(e) if is_disconnect(&e) || !self.is_active() => {
                    self.closed.store(true, Ordering::Release);
                    return Err(Error::Closed);
                }
                Err(e) => {
                    self.deactivate();
                    return Err(Error::Io(e));
                }
            };
            self.bytes_received.fetch_add(n as u64, Ordering::Relaxed);
            self.last_input_ms
                .store(self.created.elapsed().as_millis() as u64, Ordering::Relaxed);
            let before = state.input.len();
            let received = {
                let mut engine = self.engine.lock();
                let bytes: &[u8] = if streaming {
                    &state.stream_buffer[..n]
                } else {
                    &small[..n]
                };
                let result = engine.receive(bytes, state.input.tail());
                // Positions are into the vector `tail` returned; erasing shifts later ones.
                let mut erased = 0;
                while let Some((at, event)) = engine.poll_event_at() {
                    erased += self.handle_event(state, &mut engine, at - erased, event);
                }
                result
            };
            // Grow the read buffer while reads fill it; give it back once they no longer do.
            if !streaming && n == READ_CHUNK {
                state.stream_buffer = vec![0; STREAM_CHUNK];
            } else if streaming && n < READ_CHUNK {
                state.stream_buffer = Vec::new();
            }
            if let Err(error) = received {
                log::warn!("{}: {error}; closing", self.peer_addr);
                self.deactivate();
                return Err(error);
            }
            self.flush_replies()?;
            return Ok(state.input.len().saturating_sub(before));
        }
    }

    /// Acts on one event; returns how many input bytes it erased.
    fn handle_event(
        &self,
        state: &mut ReadState,
        engine: &mut Engine,
        at: usize,
        event: Event,
    ) -> usize {
        let mut erased = 0;
        match &event {
            Event::Command(Command::AreYouThere) if self.options.answer_are_you_there => {
                let _ = engine.send_text(b"\r\n[Yes]\r\n");
            }
            Event::Command(Command::EraseCharacter) if self.options.apply_erase_commands => {
                erased = state.input.erase_character_at(at);
                if erased == 0 {
                    state.lines.erase_edited_character();
                }
            }
            Event::Command(Command::EraseLine) if self.options.apply_erase_commands => {
                erased = state.input.erase_line_at(at);
                state.lines.erase_edited_line();
            }
            Event::Subnegotiation(sb) => {
                // As telnetlib's read_sb_data: everything between SB and SE, option included.
                state.last_subnegotiation.clear();
                state.last_subnegotiation.push(sb.option().0);
                state.last_subnegotiation.extend_from_slice(&sb.encode());
            }
            Event::ProtocolError(error) => log::debug!("{}: {error}", self.peer_addr),
            _ => {}
        }
        if let Some(hook) = state.hook.as_mut() {
            hook(engine, &event);
        }
        erased
    }

    /// What the socket holds right now, found out without blocking and without consuming
    /// anything: a `recv` with MSG_PEEK and MSG_DONTWAIT. Only the count matters, so the buffer
    /// need never be read.
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd"
    ))]
    fn readiness(&self) -> io::Result<Readiness> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        const MSG_DONTWAIT: i32 = 0x40;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        const MSG_DONTWAIT: i32 = 0x80;
        const MSG_PEEK: i32 = 0x02;
        let mut probe = [std::mem::MaybeUninit::new(0u8); 1];
        match socket2::SockRef::from(&self.stream)
            .recv_with_flags(&mut probe, MSG_PEEK | MSG_DONTWAIT)
        {
            Ok(0) => Ok(Readiness::Eof),
            Ok(_) => Ok(Readiness::Data),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Readiness::Nothing),
            Err(e) if is_disconnect(&e) => Ok(Readiness::Eof),
            Err(e) => Err(e),
        }
    }

    /// Elsewhere: assume something may be there; reads then wait at most one kernel tick.
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd"
    )))]
    fn readiness(&self) -> io::Result<Readiness> {
        Ok(Readiness::Unknown)
    }

    /// Reads what has already arrived, without waiting for more. Returns how many data bytes
    /// were added; [`Error::Closed`] at the end of the stream.
    pub(crate) fn poll_available(&self, state: &mut ReadState) -> Result<usize> {
        let mut added = 0;
        loop {
            match self.readiness()? {
                Readiness::Nothing => return Ok(added),
                Readiness::Data | Readiness::Eof => {
                    // Something is there: this read does not wait.
                    added += self.pump_once(state, None, "poll", false)?;
                }
                Readiness::Unknown => {
                    let deadline = Some(Instant::now() + Duration::from_micros(1));
                    match self.pump_once(state, deadline, "poll", true) {
                        Ok(n) => added += n,
                        Err(Error::Timeout { .. }) => return Ok(added),
                        Err(error) => return Err(error),
                    }
                }
            }
        }
    }

    /// Whether the peer has ended the stream, found out without blocking and without reading.
    /// (A peer that closed with data still unread by us is found out by the next read.)
    pub(crate) fn peer_has_closed(&self) -> bool {
        if !self.is_active() {
            return true;
        }
        match self.readiness() {
            Ok(Readiness::Eof) => true,
            Ok(Readiness::Unknown) => match self.reader.try_lock() {
                Some(mut state) => matches!(self.poll_available(&mut state), Err(Error::Closed)),
                None => false,
            },
            Ok(_) => false,
            Err(_) => true,
        }
    }

    /// Reads until `find` locates what is wanted in the unread input (returning its end), or the
    /// deadline passes. Nothing is consumed on error.
    pub(crate) fn fill_until(
        &self,
        state: &mut ReadState,
        deadline: Option<Instant>,
        operation: &'static str,
        mut find: impl FnMut(&[u8]) -> Option<usize>,
    ) -> Result<usize> {
        loop {
            if let Some(end) = find(state.input.as_slice()) {
                return Ok(end);
            }
            self.pump(state, deadline, operation)?;
        }
    }

    /// Reads text that has arrived, waiting for at least one byte: at most `max_bytes` bytes'
    /// worth, never cutting a character. Errors leave the input as it was.
    pub(crate) fn read_text(&self, max_bytes: usize, timeout: Option<Duration>) -> Result<String> {
        let encoding = self.options.encoding;
        let mut state = self.reader.lock();
        let end = self.fill_until(&mut state, deadline(timeout), "read", |input| {
            text_prefix(encoding, input, max_bytes)
        })?;
        Ok(encoding.decode(&state.input.take(end)))
    }

    /// Reads until `marker` has arrived and returns the bytes up to and including it. Errors
    /// (a timeout among them) leave the input as it was.
    pub(crate) fn read_until_marker(
        &self,
        marker: &[u8],
        timeout: Option<Duration>,
    ) -> Result<Vec<u8>> {
        let finder = memchr::memmem::Finder::new(marker);
        let mut state = self.reader.lock();
        let end = self.fill_until(&mut state, deadline(timeout), "read_until", |input| {
            finder.find(input).map(|at| at + marker.len())
        })?;
        Ok(state.input.take(end))
    }

    /// [`read_until_marker`](Self::read_until_marker) with a text marker, in the session's
    /// encoding.
    pub(crate) fn read_until_text(
        &self,
        marker: &str,
        timeout: Option<Duration>,
    ) -> Result<String> {
        let mut bytes = Vec::new();
        self.options.encoding.encode_into(marker, &mut bytes);
        let data = self.read_until_marker(&bytes, timeout)?;
        Ok(self.options.encoding.decode(&data))
    }

    /// Reads one line of text without its ending.
    pub(crate) fn readline_text(&self, timeout: Option<Duration>) -> Result<String> {
        let line = self.read_line(&mut self.reader.lock(), deadline(timeout))?;
        Ok(self.options.encoding.decode(&line))
    }

    /// Reads one line (without its ending), echoing and editing it when we perform ECHO.
    pub(crate) fn read_line(
        &self,
        state: &mut ReadState,
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>> {
        let max = self.options.max_line_length;
        loop {
            let echoing = self.engine.lock().local_enabled(TelnetOption::ECHO);
            let result = if echoing {
                let mut echo = Vec::new();
                let result = state.lines.edit_line(&mut state.input, &mut echo, max);
                if !echo.is_empty() && !self.password_mode.load(Ordering::Acquire) {
                    // A failed echo closes the session; the next read reports the end, and
                    // hands out the partial line first.
                    let _ = self.write_data(&echo, false);
                    // Echo is not a prompt: no GA for it.
                    self.prompt_pending.store(false, Ordering::Release);
                }
                result
            } else {
                state.lines.take_line(&mut state.input, max)
            };
            match result {
                LineResult::Line(line) => return Ok(line),
                LineResult::TooLong => {
                    log::info!("{}: line longer than {max} bytes", self.peer_addr);
                    return Err(Error::LimitExceeded {
                        limit: Limit::LineLength,
                        max,
                    });
                }
                LineResult::Incomplete => {}
            }
            match self.pump(state, deadline, "readline") {
                Ok(_) => {}
                Err(Error::Closed) if !state.input.is_empty() || state.lines.has_partial() => {
                    // The peer ended the stream mid-line: hand out what there is, once (what
                    // was already edited in character mode, then what is still unread).
                    let mut line = state.lines.take_partial();
                    line.extend(state.input.take(state.input.len()));
                    line.retain(|&b| b != b'\r' && b != b'\n');
                    return Ok(line);
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Blocks until `conditions` hold (reading and keeping any data that arrives meanwhile).
    pub(crate) fn wait_for(&self, conditions: &WaitFor, timeout: Option<Duration>) -> Result<()> {
        conditions.validate()?;
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.reader.lock();
        loop {
            if conditions.satisfied(&self.engine.lock()) {
                return Ok(());
            }
            self.pump(&mut state, deadline, "wait_for")?;
        }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("peer", &self.peer_addr)
            .field("active", &self.is_active())
            .finish_non_exhaustive()
    }
}

/// How many bytes of `input` to decode for a read of at most `max_bytes`, without cutting a
/// character; `None` while only part of the first character has arrived.
pub(crate) fn text_prefix(encoding: Encoding, input: &[u8], max_bytes: usize) -> Option<usize> {
    let max_bytes = max_bytes.max(1);
    let window = &input[..input.len().min(max_bytes.saturating_add(3))];
    let complete = encoding.complete_prefix(window);
    if complete == 0 {
        return None;
    }
    if complete <= max_bytes {
        return Some(complete);
    }
    let within = encoding.complete_prefix(&window[..max_bytes]);
    Some(if within > 0 { within } else { complete })
}

/// The deadline `timeout` from now, or none.
pub(crate) fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|t| Instant::now() + t)
}
