//! The connection core both the server and the client stand on: a [`Transport`], optional
//! layers (TLS, compression), one engine, the decoded input, and the calls that block on them
//! with deadlines.
//!
//! ```text
//!   Transport ─► input layers ─► Engine::receive ─► input, lines, events ─► read_until(check)
//!   Transport ◄─ output layers ◄─ held output ◄──── Engine output ◄──────── write(queue)
//! ```
//!
//! Two doors, and nothing else touches the locks:
//! * [`Session::read_until`] is the one "read until a condition holds or a deadline passes":
//!   every read, every wait and every negotiation settle is a condition handed to it.
//! * [`Session::write`] is the one write path: whatever a caller queues on the engine
//!   (application data, negotiation, commands) goes out before it returns, together with any
//!   replies the reading side queued meanwhile.
//!
//! Locks, always taken in this order: `reader` (held by the thread that reads), then `writer`
//! (serialises transport writes, so a write from another thread is never interleaved with the
//! connection's own), then `engine` (held only while bytes are encoded or parsed, never during
//! transport I/O). The reading side never waits for the writer lock: it queues its replies and
//! echo on the engine and writes them only if the writer lock is free; a thread that holds it
//! writes them before it lets go, and looks once more after letting go. A layer that works in
//! both directions (TLS) has a lock of its own, taken last and only while it encrypts or
//! decrypts, never during transport I/O; bytes it must send after decrypting (a key update's
//! answer) go out through the same doors, marked by `layer_output_due`. The application's code
//! never runs with the reader or engine lock held: a reply it makes (a server's MSSP status) is
//! only noted as due while they are held, and made once they are let go ([`DeferredReply`]).

mod buffer;
mod events;
mod flusher;
pub(crate) mod layer;
pub(crate) mod line;
mod text;
mod transport;
mod wait;

use std::io;
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

pub(crate) use crate::encoding::Encoding;
use crate::error::{Error, Limit, Operation, Result};
use crate::proto::{Command, Engine, Event, TelnetOption};
pub(crate) use buffer::InputBuffer;
pub(crate) use events::EventLimits;
use events::EventQueue;
use layer::{
    InputLayer, InputLayers, OutputLayer, OutputLayers, OutputSwitch, OutputSwitcher, SwitchHandler,
};
use line::{LineReader, LineResult};
pub(crate) use transport::Wait;
pub use transport::{PeerAddress, Transport};
pub use wait::{OptionName, WaitFor};

/// The size of one transport read while a connection is idle or interactive: a stack buffer,
/// so an idle connection holds no read buffer on the heap. 2 KiB rather than 4: the deepest
/// stack a connection thread ever touches stays resident, and with 4 KiB here it crossed into
/// a fourth page (measured: 20.6 KiB per idle connection at 1,000 against 16.7).
const READ_CHUNK: usize = 2 * 1024;
/// The size of one transport read while data streams in (a read filled the small buffer): a
/// heap buffer kept until reads come back small again.
const STREAM_CHUNK: usize = 64 * 1024;
/// Large writes are queued and written in pieces of this size.
const WRITE_CHUNK: usize = 64 * 1024;
/// The most output held back for coalescing; anything larger goes out at once.
const MAX_HELD: usize = 16 * 1024;
/// How long `deactivate` (called from any thread) gives queued output to leave.
const DEACTIVATE_FLUSH: Duration = Duration::from_millis(100);

/// Settings of a session that the server and client configs fill in.
#[derive(Debug, Clone)]
pub(crate) struct SessionOptions {
    pub(crate) encoding: Encoding,
    pub(crate) encoding_errors: crate::encoding::EncodingErrors,
    pub(crate) max_line_length: usize,
    pub(crate) max_input_buffer: usize,
    pub(crate) never_send_ga: bool,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    /// Answer IAC AYT with a visible "[Yes]" (servers do).
    pub(crate) answer_are_you_there: bool,
    /// Apply IAC EC and IAC EL to the unread input, and backspace, DEL and Ctrl-U to lines
    /// read in line mode (servers do; clients hand out what they received).
    pub(crate) apply_erase_commands: bool,
    /// How long output owed an IAC GA may be held back so that the GA leaves with it
    /// (zero: never held).
    pub(crate) coalesce_delay: Duration,
    /// The bounds of the queue of events kept for `next_event`.
    pub(crate) events: EventLimits,
    /// The most output `queue_output` lets wait for a slow peer.
    pub(crate) max_queued_output: usize,
}

/// The reading side's state; owned by whichever thread reads.
#[derive(Default)]
pub(crate) struct ReadState {
    /// Decoded data not yet read by the application.
    pub(crate) input: InputBuffer,
    lines: LineReader,
    events: EventQueue,
    /// The last subnegotiation received, option byte first (telnetlib's `read_sb_data`).
    last_subnegotiation: Vec<u8>,
    /// The last MSSP status received (a client's `request_mssp` answers with it), and how
    /// many have been received.
    last_mssp: Option<crate::options::Mssp>,
    mssp_received: u64,
    /// The client's option-negotiation callback (telnetlib's), called for every event.
    hook: Option<NegotiationHook>,
    /// A reply owed when an option turns on locally, made by the application's code (a
    /// server's MSSP status): see [`DeferredReply`].
    deferred_reply: Option<DeferredReply>,
    /// The large read buffer while data streams in; empty otherwise.
    stream_buffer: Vec<u8>,
    layers: InputLayers,
    switch_handler: Option<SwitchHandler>,
    /// Sees every event and may change the output layers at an exact byte (MCCP2 on a server,
    /// MCCP3 on a client).
    output_switcher: Option<OutputSwitcher>,
    /// The error that ended the session in the middle of a read that still had good data to
    /// hand out: the next read reports it.
    failure: Option<Error>,
}

impl ReadState {
    /// How many input layers decode what is read (for tests of the layers).
    #[cfg(all(test, feature = "mccp"))]
    pub(crate) fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// Takes all the unread input.
    pub(crate) fn take_all(&mut self) -> Vec<u8> {
        let n = self.input.len();
        self.input.take(n)
    }
}

/// The writing side's state; owned by whichever thread holds the writer lock.
#[derive(Default)]
struct WriteState {
    /// Encoded Telnet bytes not yet written (held back while coalescing).
    held: Vec<u8>,
    /// Bytes that went through the output layers and are not written yet: a write that did
    /// not finish at once leaves the rest here, and it goes out before anything else (a layer's
    /// bytes cannot be encoded again).
    wire: Vec<u8>,
    layers: OutputLayers,
    /// Changes of the output layers due at a position in `held` (in order): the bytes before
    /// it go through the layers as they were, the bytes after it through the changed ones.
    switches: Vec<(usize, OutputSwitch)>,
    /// A delayed flush of `held` is scheduled.
    flush_scheduled: bool,
}

/// A callback that sees every event the engine reports and may answer through the engine.
pub(crate) type NegotiationHook = Box<dyn FnMut(&mut Engine, &Event) + Send>;

/// A subnegotiation the reading side owes the peer each time `option` turns on locally (a
/// server's MSSP status when a crawler says `DO MSSP`), made by the application's code.
///
/// That code may take the application's own locks (a player list), and other threads hold
/// those while they write to this connection, which takes its engine lock: so `make` never
/// runs with the reader or engine lock held. The reading side only notes that the reply is
/// due (one at most: a peer toggling the option gets one reply, not one per toggle), and
/// makes and queues it at the next turn of its read loop, with both locks let go; it is sent
/// only if the option is still on then.
pub(crate) struct DeferredReply {
    /// The option whose local enabling makes the reply due.
    pub(crate) option: TelnetOption,
    /// Makes the reply; runs on the reading thread.
    pub(crate) make: Arc<dyn Fn() -> crate::options::Subnegotiation + Send + Sync>,
}

/// One Telnet connection over a transport, shared by the handles of a server connection or a
/// client.
pub(crate) struct Session {
    transport: Transport,
    engine: Mutex<Engine>,
    reader: Mutex<ReadState>,
    writer: Mutex<WriteState>,
    closed: AtomicBool,
    drained: AtomicBool,
    /// A thread is blocked reading the transport: a write now is not followed by a read on
    /// the same thread, so it is not held back.
    waiting: AtomicBool,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    /// The length of the writer's held output, readable without the writer lock.
    held_bytes: std::sync::atomic::AtomicUsize,
    /// A drainer thread is writing held output to a peer that takes it slowly.
    draining: AtomicBool,
    created: Instant,
    last_input_ms: AtomicU64,
    /// Data went out since the last GA: a GA is due before we wait for input.
    prompt_pending: AtomicBool,
    /// Password mode: we perform ECHO but echo nothing.
    password_mode: AtomicBool,
    /// A [`DeferredReply`] is due: the reading side makes and queues it with its locks let go.
    reply_due: AtomicBool,
    /// An input layer has bytes of its own to send (a TLS key update's answer): the next
    /// write goes through the output layers even with nothing else to send.
    layer_output_due: AtomicBool,
    /// What a layer learned when it was set up (TLS: what the handshake agreed), kept for the
    /// application; the session does not know its type, so layers stay above the core.
    layer_info: std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>,
    /// Changes of the output layers the reading side asked for, at a position in the engine's
    /// output; the writer moves them to its own list when it takes that output. Locked only
    /// with the engine lock held.
    output_switches: Mutex<Vec<(usize, OutputSwitch)>>,
    options: SessionOptions,
    /// The encoding chosen during the session and the text calls' error handling.
    text: Mutex<text::TextSettings>,
    /// This session, for the delayed flusher.
    this: Weak<Session>,
}

pub(crate) fn is_disconnect(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected
            | io::ErrorKind::UnexpectedEof
    )
}

/// The TLS failure a layer's `io::Error` carries, if it carries one.
fn tls_reason(error: &io::Error) -> Option<crate::error::TlsError> {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<crate::error::TlsError>())
        .cloned()
}

/// The protocol error a layer's `io::Error` carries (a corrupt compressed stream), if any.
fn protocol_error(error: &io::Error) -> Option<crate::error::ProtocolError> {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<crate::error::ProtocolError>())
        .cloned()
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The instant `duration` from now, saturating far in the future (a century) instead of
/// overflowing: every deadline built from a configured duration goes through here.
pub(crate) fn deadline_after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// The wait of a call given `timeout`: `None` waits for ever, zero polls.
pub(crate) fn wait_for_timeout(timeout: Option<Duration>) -> Wait {
    match timeout {
        None => Wait::Forever,
        Some(t) if t.is_zero() => Wait::Never,
        Some(t) => match Instant::now().checked_add(t) {
            Some(deadline) => Wait::Until(deadline),
            None => Wait::Forever,
        },
    }
}

impl Session {
    pub(crate) fn new(
        transport: Transport,
        engine: Engine,
        options: SessionOptions,
    ) -> Arc<Session> {
        Arc::new_cyclic(|this| Session {
            transport,
            engine: Mutex::new(engine),
            reader: Mutex::new(ReadState::default()),
            writer: Mutex::new(WriteState::default()),
            closed: AtomicBool::new(false),
            drained: AtomicBool::new(false),
            waiting: AtomicBool::new(false),
            bytes_sent: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
            held_bytes: std::sync::atomic::AtomicUsize::new(0),
            draining: AtomicBool::new(false),
            created: Instant::now(),
            last_input_ms: AtomicU64::new(0),
            prompt_pending: AtomicBool::new(false),
            password_mode: AtomicBool::new(false),
            layer_output_due: AtomicBool::new(false),
            reply_due: AtomicBool::new(false),
            layer_info: std::sync::OnceLock::new(),
            text: text::TextSettings::new(options.encoding_errors),
            output_switches: Mutex::new(Vec::new()),
            options,
            this: this.clone(),
        })
    }

    // ----- what the connection is -----

    pub(crate) fn options(&self) -> &SessionOptions {
        &self.options
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    pub(crate) fn peer(&self) -> &PeerAddress {
        self.transport.peer()
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

    /// Time since the peer last sent complete input: a line (in character mode, a key), a
    /// command, an option change or a finished subnegotiation.
    pub(crate) fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_input_ms.load(Ordering::Relaxed));
        self.created.elapsed().saturating_sub(last)
    }

    /// Password mode: lines are read without echo, whatever ECHO says.
    pub(crate) fn set_password_mode(&self, on: bool) {
        self.password_mode.store(on, Ordering::Release);
    }

    /// Looks at the engine (option states, what was learned about the peer). Nothing is
    /// written: use [`write`](Self::write) to queue negotiation.
    pub(crate) fn inspect<T>(&self, f: impl FnOnce(&Engine) -> T) -> T {
        f(&self.engine.lock())
    }

    /// Installs telnetlib's option-negotiation callback: from now on the engine answers no
    /// negotiation itself and `hook` sees every event.
    pub(crate) fn set_negotiation_hook(&self, hook: NegotiationHook) {
        let mut state = self.reader.lock();
        self.engine.lock().set_manual_negotiation(true);
        state.hook = Some(hook);
    }

    /// Installs a reply owed each time an option turns on locally (see [`DeferredReply`]);
    /// negotiation stays automatic (unlike [`set_negotiation_hook`](Self::set_negotiation_hook)).
    pub(crate) fn set_deferred_reply(&self, reply: DeferredReply) {
        self.reader.lock().deferred_reply = Some(reply);
    }

    /// Makes and queues the [`DeferredReply`] if one is due, with the reader lock (held by
    /// the caller, through `state`) and the engine lock let go while the application's code
    /// runs. Only queues it: the caller writes it with its other output.
    fn make_deferred_reply(&self, state: &mut parking_lot::MutexGuard<'_, ReadState>) {
        if !self.reply_due.load(Ordering::Acquire) {
            return;
        }
        let Some((option, make)) = state
            .deferred_reply
            .as_ref()
            .map(|reply| (reply.option, reply.make.clone()))
        else {
            return;
        };
        if !self.reply_due.swap(false, Ordering::AcqRel) {
            return;
        }
        parking_lot::MutexGuard::unlocked(state, || {
            let reply = make();
            let mut engine = self.engine.lock();
            if !engine.local_enabled(option) {
                log::debug!("{}: {option} turned off again: reply not sent", self.peer());
            } else if let Err(error) = engine.send_subnegotiation(&reply) {
                // A reply that does not frame is the application's mistake; a full output
                // buffer is the peer's doing, and not worth more than a debug line.
                if matches!(error, Error::InvalidArgument(_)) {
                    log::warn!("{}: {option} reply not sent: {error}", self.peer());
                } else {
                    log::debug!("{}: {option} reply not sent: {error}", self.peer());
                }
            }
        });
    }

    /// The last MSSP status received, whether or not its event has been read, and how many
    /// have been received.
    pub(crate) fn last_mssp(&self) -> (Option<crate::options::Mssp>, u64) {
        let state = self.reader.lock();
        (state.last_mssp.clone(), state.mssp_received)
    }

    /// Waits for an MSSP status after the `seen`th; `None` once `stop` holds on the engine
    /// first, or when `timeout` passes. Events stay queued for `next_event`.
    pub(crate) fn next_mssp(
        &self,
        seen: u64,
        timeout: Duration,
        stop: impl Fn(&Engine) -> bool,
    ) -> Result<Option<crate::options::Mssp>> {
        self.read_until(
            Wait::Until(deadline_after(timeout)),
            Operation::Event,
            |state, engine| {
                if state.mssp_received > seen {
                    Some(state.last_mssp.clone())
                } else {
                    stop(engine).then_some(None)
                }
            },
            |_, error| match error {
                Error::Timeout { .. } => Ok(None),
                error => Err(error),
            },
        )
    }

    /// Takes the last subnegotiation received (telnetlib's `read_sb_data`).
    pub(crate) fn take_last_subnegotiation(&self) -> Vec<u8> {
        std::mem::take(&mut self.reader.lock().last_subnegotiation)
    }

    /// Runs `f` on the reading side's state without any I/O.
    pub(crate) fn with_input<T>(&self, f: impl FnOnce(&mut ReadState) -> T) -> T {
        f(&mut self.reader.lock())
    }

    // ----- layers -----

    /// Sets what makes the input layer when the peer switches the stream (the engine stops at
    /// the switch; see [`layer`]). The options must be in the engine's `stream_switches`.
    #[cfg_attr(not(feature = "mccp"), allow(dead_code))]
    pub(crate) fn set_switch_handler(&self, handler: SwitchHandler) {
        self.reader.lock().switch_handler = Some(handler);
    }

    /// Sets what may change the output layers when the reading side sees an event (MCCP2 on a
    /// server, MCCP3 on a client; see [`OutputSwitcher`]).
    #[cfg_attr(not(feature = "mccp"), allow(dead_code))]
    pub(crate) fn set_output_switcher(&self, switcher: OutputSwitcher) {
        self.reader.lock().output_switcher = Some(switcher);
    }

    /// Adds an input layer now (TLS, set up before any Telnet byte is read).
    #[allow(dead_code)] // The tests drive it; TLS starts both sides with `start_layers`.
    pub(crate) fn push_input_layer(&self, layer: Box<dyn InputLayer>) {
        self.reader.lock().layers.push(layer);
    }

    /// Starts a layer on both sides before any Telnet byte is read or written (TLS, after its
    /// handshake on the bare transport). `decoded` is what the input side already decoded (data
    /// that arrived with the end of the handshake): the engine receives it now.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) fn start_layers(
        &self,
        input: Box<dyn InputLayer>,
        output: Box<dyn OutputLayer>,
        decoded: &[u8],
    ) -> Result<()> {
        self.check_open()?;
        let mut state = self.reader.lock();
        {
            let mut writer = self.writer.lock();
            self.drain(&mut writer, self.write_deadline())?;
            writer.layers.push(output);
        }
        state.layers.push(input);
        self.receive_bytes(&mut state, decoded)
    }

    /// Hands the engine bytes that did not come through [`fill`](Self::fill): a byte read to
    /// tell TLS from plain Telnet, data decoded during a handshake. Counted as received.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) fn receive_bytes(&self, state: &mut ReadState, bytes: &[u8]) -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if let Err(error) = self.receive(state, bytes) {
            log::warn!("{}: {error}; closing", self.peer());
            self.deactivate();
            return Err(error);
        }
        Ok(())
    }

    /// [`receive_bytes`](Self::receive_bytes) with the reader lock taken here.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) fn receive_first(&self, bytes: &[u8]) -> Result<()> {
        self.bytes_received
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.receive_bytes(&mut self.reader.lock(), bytes)
    }

    /// Records what a layer learned when it was set up (once; TLS: what the handshake
    /// agreed).
    #[allow(dead_code)] // only layers set it, and only TLS does today
    pub(crate) fn set_layer_info(&self, info: Box<dyn std::any::Any + Send + Sync>) {
        let _ = self.layer_info.set(info);
    }

    /// What a layer recorded with [`set_layer_info`](Self::set_layer_info), if it is a `T`.
    #[allow(dead_code)] // only layers set it, and only TLS does today
    pub(crate) fn layer_info<T: 'static>(&self) -> Option<&T> {
        self.layer_info.get()?.downcast_ref::<T>()
    }

    /// Counts bytes that crossed the transport outside the session's own reads and writes (a
    /// handshake).
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) fn count_transport_bytes(&self, sent: u64, received: u64) {
        self.bytes_sent.fetch_add(sent, Ordering::Relaxed);
        self.bytes_received.fetch_add(received, Ordering::Relaxed);
    }

    /// Queues with `queue` (e.g. `IAC SB MCCP2 IAC SE`), writes everything queued so far as
    /// it is, then adds `layer`: every byte written after this call goes through it.
    #[allow(dead_code)] // The tests drive it; MCCP changes layers with `set_output_switcher`.
    pub(crate) fn push_output_layer(
        &self,
        queue: impl FnOnce(&mut Engine) -> Result<()>,
        layer: Box<dyn OutputLayer>,
    ) -> Result<()> {
        self.check_open()?;
        let mut writer = self.writer.lock();
        queue(&mut self.engine.lock())?;
        self.drain(&mut writer, self.write_deadline())?;
        writer.layers.push(layer);
        Ok(())
    }

    // ----- closing -----

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }

    /// Marks the session closed and shuts the transport both ways, which wakes a thread
    /// blocked reading it. Output already queued gets a moment to leave first. Safe from any
    /// thread.
    pub(crate) fn deactivate(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(mut writer) = self.writer.try_lock_for(DEACTIVATE_FLUSH) {
            let deadline = Some(Instant::now() + DEACTIVATE_FLUSH);
            if self.drain(&mut writer, deadline).is_ok() {
                self.finish_layers(&mut writer, deadline);
            }
        }
        self.transport.shutdown(Shutdown::Both);
    }

    /// Ends the output layers' streams in order (a TLS close_notify) and writes the ends.
    fn finish_layers(&self, writer: &mut WriteState, deadline: Option<Instant>) {
        if writer.layers.is_empty() {
            return;
        }
        let mut end = Vec::new();
        match writer.layers.finish(&mut end) {
            Ok(()) if !end.is_empty() => match self.transport.write_all(&end, deadline) {
                Ok(()) => {
                    self.bytes_sent
                        .fetch_add(end.len() as u64, Ordering::Relaxed);
                }
                Err(error) => log::debug!("{}: could not end the layers: {error}", self.peer()),
            },
            Ok(()) => {}
            Err(error) => log::debug!("{}: could not end the layers: {error}", self.peer()),
        }
    }

    /// The owner's orderly close: send what is queued, end the stream, then read and discard
    /// what the peer still sends for a moment, so the kernel does not answer unread data with
    /// a reset. Also drains a session another thread deactivated.
    pub(crate) fn close(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            if let Some(mut writer) = self.writer.try_lock_for(Duration::from_millis(500)) {
                let deadline = self.write_deadline();
                if self.drain(&mut writer, deadline).is_ok() {
                    self.finish_layers(&mut writer, deadline);
                }
            }
            self.transport.shutdown(Shutdown::Write);
        }
        if self.drained.swap(true, Ordering::AcqRel) {
            return;
        }
        // Only a socket answers unread data with a reset; and only the thread that may read
        // reads (another one blocked reading sees the end of the stream by itself).
        if self.transport.socket().is_some() {
            if let Some(_reading) = self.reader.try_lock() {
                let until = Instant::now() + Duration::from_millis(100);
                let mut sink = [0u8; 4096];
                let mut drained = 0;
                while drained < 256 * 1024 {
                    match self.transport.read(&mut sink, Wait::Until(until)) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => drained += n,
                    }
                }
            }
        }
        self.transport.shutdown(Shutdown::Both);
    }

    /// A failed write or read: the session is over.
    fn fail(&self, error: io::Error, operation: Operation) -> Error {
        self.closed.store(true, Ordering::Release);
        self.transport.shutdown(Shutdown::Both);
        if is_timeout(&error) {
            log::info!("{}: {operation} timed out; closing", self.peer());
            Error::Timeout { operation }
        } else if let Some(reason) = tls_reason(&error) {
            log::info!("{}: TLS: {reason}; closing", self.peer());
            Error::Tls { reason }
        } else if let Some(protocol) = protocol_error(&error) {
            log::info!("{}: {protocol}; closing", self.peer());
            Error::Protocol(protocol)
        } else if is_disconnect(&error) {
            Error::Closed
        } else {
            Error::Io(error)
        }
    }

    // ----- the one write path -----

    fn write_deadline(&self) -> Option<Instant> {
        self.options
            .write_timeout
            .and_then(|t| Instant::now().checked_add(t))
    }

    /// Writes everything queued: the engine's output after what is held, through the output
    /// layers. Loops until the engine has nothing more, so replies the reading side queued
    /// during a write go out before the writer lock is let go.
    fn drain(&self, writer: &mut WriteState, deadline: Option<Instant>) -> Result<()> {
        loop {
            self.take_engine_output(writer);
            let layer_due = self.layer_output_due.swap(false, Ordering::AcqRel);
            if writer.held.is_empty() && writer.wire.is_empty() && !layer_due {
                return Ok(());
            }
            let plain = writer.layers.is_empty() && writer.switches.is_empty();
            if !plain && (!writer.held.is_empty() || layer_due) {
                Self::encode_held(writer).map_err(|e| self.fail(e, Operation::Write))?;
            }
            let WriteState { held, wire, .. } = writer;
            let bytes: &[u8] = if plain { held } else { wire };
            let result = self.transport.write_all(bytes, deadline);
            let len = bytes.len();
            held.clear();
            wire.clear();
            self.held_bytes.store(0, Ordering::Relaxed);
            if held.capacity() > 4 * WRITE_CHUNK {
                *held = Vec::new();
            }
            if wire.capacity() > 4 * WRITE_CHUNK {
                *wire = Vec::new();
            }
            result.map_err(|e| self.fail(e, Operation::Write))?;
            self.bytes_sent.fetch_add(len as u64, Ordering::Relaxed);
        }
    }

    /// Moves the engine's output to `held`, with the changes of the output layers due in it.
    fn take_engine_output(&self, writer: &mut WriteState) {
        let mut engine = self.engine.lock();
        let base = writer.held.len();
        let mut switches = self.output_switches.lock();
        writer
            .switches
            .extend(switches.drain(..).map(|(at, switch)| (base + at, switch)));
        drop(switches);
        engine.take_output(&mut writer.held);
    }

    /// Encodes `held` through the output layers onto `wire`, changing the layers where a
    /// switch is due, and empties `held`.
    fn encode_held(writer: &mut WriteState) -> io::Result<()> {
        let WriteState {
            held,
            wire,
            layers,
            switches,
            ..
        } = writer;
        let mut from = 0;
        for (at, switch) in switches.drain(..) {
            let at = at.clamp(from, held.len());
            layers.encode(&held[from..at], wire)?;
            from = at;
            match switch {
                OutputSwitch::Start(layer) => layers.push(layer),
                OutputSwitch::End(name) => layers.finish_outermost(name, wire)?,
            }
        }
        layers.encode(&held[from..], wire)?;
        held.clear();
        Ok(())
    }

    /// Writes replies queued by a thread that could not take the writer lock, once the holder
    /// has let go. Never waits for the lock: if another thread holds it, that one writes them.
    fn drain_if_free(&self) -> Result<()> {
        loop {
            if self.engine.lock().output().is_empty()
                && !self.layer_output_due.load(Ordering::Acquire)
            {
                return Ok(());
            }
            match self.writer.try_lock() {
                Some(mut writer) => self.drain(&mut writer, self.write_deadline())?,
                None => return Ok(()),
            }
        }
    }

    /// The one write path: runs `queue` on the engine (queue data, negotiation, commands),
    /// then writes everything queued, unless it may be held back for a GA (see
    /// [`flusher`]). `is_output` marks application output, which makes a GA due before the
    /// next wait for input. The whole call is one unit: no other thread's output is
    /// interleaved with what `queue` queued.
    pub(crate) fn write<T>(
        &self,
        is_output: bool,
        queue: impl FnOnce(&mut Engine) -> Result<T>,
    ) -> Result<T> {
        self.check_open()?;
        let mut writer = self.writer.lock();
        let value = self.write_locked(&mut writer, is_output, queue)?;
        drop(writer);
        self.drain_if_free()?;
        Ok(value)
    }

    /// [`write`](Self::write) with the writer lock already held.
    fn write_locked<T>(
        &self,
        writer: &mut WriteState,
        is_output: bool,
        queue: impl FnOnce(&mut Engine) -> Result<T>,
    ) -> Result<T> {
        let (value, hold) = {
            let mut engine = self.engine.lock();
            let value = queue(&mut engine)?;
            let hold = is_output && self.may_hold(&engine, writer);
            (value, hold)
        };
        if is_output {
            self.prompt_pending.store(true, Ordering::Release);
        }
        if hold {
            self.take_engine_output(writer);
            self.held_bytes
                .store(writer.held.len() + writer.wire.len(), Ordering::Relaxed);
            self.schedule_flush(writer, self.options.coalesce_delay);
        } else {
            self.drain(writer, self.write_deadline())?;
        }
        Ok(value)
    }

    /// Whether output may be held back so that the GA the next read owes leaves with it.
    fn may_hold(&self, engine: &Engine, writer: &WriteState) -> bool {
        !self.options.coalesce_delay.is_zero()
            && !self.options.never_send_ga
            && engine.go_ahead_needed()
            && !self.waiting.load(Ordering::Acquire)
            && writer.held.len() + engine.output().len() <= MAX_HELD
            && self.transport.can_write_now()
            && flusher::available()
    }

    /// Sends application bytes: IAC doubled, CR NUL outside BINARY, and with
    /// `convert_newlines`, `\n` and `\r\n` as one CR LF. The whole call is one unit: no other
    /// thread's output is interleaved with it (large writes go out in pieces, and the reading
    /// side's negotiation replies and echo may go out between two pieces, never inside one).
    pub(crate) fn write_data(&self, data: &[u8], convert_newlines: bool) -> Result<()> {
        self.check_open()?;
        let mut writer = self.writer.lock();
        let chunk = self
            .inspect(|e| e.config().limits.max_output_buffer / 2)
            .clamp(1, WRITE_CHUNK);
        let mut rest = data;
        loop {
            let mut end = rest.len().min(chunk);
            // Never split a CR LF between two pieces.
            if end < rest.len() && rest[end - 1] == b'\r' {
                end += 1;
            }
            let piece = &rest[..end];
            self.write_locked(&mut writer, !piece.is_empty(), |engine| {
                if convert_newlines {
                    engine.send_text(piece)
                } else {
                    engine.send_data(piece)
                }
            })?;
            rest = &rest[end..];
            if rest.is_empty() {
                break;
            }
        }
        drop(writer);
        self.drain_if_free()
    }

    /// Sends a prompt (text sent as it is, IAC doubled) and ends it in one write: with
    /// IAC EOR where we perform EOR (the client agreed to `WILL EOR`), else with IAC GA unless
    /// go-ahead is suppressed or never sent. Returns the command that ended it. The GA the
    /// next read would owe this output is then no longer due.
    pub(crate) fn write_prompt(&self, text: &[u8]) -> Result<Option<Command>> {
        let never_send_ga = self.options.never_send_ga;
        let mark = self.write(false, |engine| {
            engine.send_data(text)?;
            let mark = if engine.local_enabled(TelnetOption::EOR) {
                Some(Command::EndOfRecord)
            } else if engine.go_ahead_needed() && !never_send_ga {
                Some(Command::GoAhead)
            } else {
                None
            };
            if let Some(command) = mark {
                engine.send_command(command)?;
            }
            Ok(mark)
        })?;
        self.prompt_pending.store(false, Ordering::Release);
        Ok(mark)
    }

    /// Writes whatever the engine has queued.
    pub(crate) fn flush(&self) -> Result<()> {
        self.write(false, |_| Ok(()))
    }

    /// Asks the flusher to write what is held after `delay`, unless a flush is already due.
    fn schedule_flush(&self, writer: &mut WriteState, delay: Duration) {
        if !writer.flush_scheduled {
            writer.flush_scheduled = true;
            flusher::schedule(self.this.clone(), deadline_after(delay));
        }
    }

    /// The flusher's deadline for held output (coalescing): writes it without blocking.
    fn flush_held(&self) {
        match self.writer.try_lock() {
            Some(mut writer) => {
                writer.flush_scheduled = false;
                self.write_queued_now(&mut writer);
            }
            // A writer at work writes what is held, unless it is one that only added to it:
            // the drainer waits for the lock and makes sure.
            None => self.ensure_drainer(),
        }
        self.after_nowait();
    }

    /// Writes everything queued as far as the transport takes it without blocking; what it
    /// does not take goes to the drainer thread, which writes it with the write deadline.
    /// Never blocks on the peer: the reading side, the flusher and `queue_output` write
    /// through here.
    fn write_queued_now(&self, writer: &mut WriteState) {
        self.take_engine_output(writer);
        let layer_due = self.layer_output_due.swap(false, Ordering::AcqRel);
        let waiting = writer.held.len() + writer.wire.len();
        if (waiting == 0 && !layer_due) || !self.is_active() {
            self.held_bytes.store(waiting, Ordering::Relaxed);
            return;
        }
        if !self.transport.can_write_now() {
            // A transport that cannot say how much it takes (pipes): the drainer writes it.
            if layer_due {
                self.layer_output_due.store(true, Ordering::Release);
            }
            self.held_bytes.store(waiting, Ordering::Relaxed);
            self.ensure_drainer();
            return;
        }
        // Through the layers (once: what they encoded waits in `wire` until it is written).
        let plain = writer.layers.is_empty() && writer.switches.is_empty();
        if !plain && (!writer.held.is_empty() || layer_due) {
            if let Err(error) = Self::encode_held(writer) {
                let error = self.fail(error, Operation::Write);
                log::debug!("{}: write failed: {error}", self.peer());
                return;
            }
        }
        let WriteState { held, wire, .. } = writer;
        let out: &mut Vec<u8> = if plain { held } else { wire };
        match self.transport.write_now(out) {
            Ok(n) => {
                self.bytes_sent.fetch_add(n as u64, Ordering::Relaxed);
                out.drain(..n);
                self.held_bytes.store(out.len(), Ordering::Relaxed);
                if !out.is_empty() {
                    self.ensure_drainer();
                }
            }
            Err(error) => {
                let error = self.fail(error, Operation::Write);
                log::debug!("{}: write failed: {error}", self.peer());
            }
        }
    }

    /// The reading side's and the flusher's write: never waits for the writer lock or the
    /// peer. If another thread holds the lock, that one writes what was queued.
    fn flush_nowait(&self) {
        if let Some(mut writer) = self.writer.try_lock() {
            self.write_queued_now(&mut writer);
        }
        self.after_nowait();
    }

    /// After letting go of the writer lock without waiting: anything queued meanwhile by a
    /// thread that found the lock taken goes to the drainer.
    fn after_nowait(&self) {
        if self.is_active()
            && (self.layer_output_due.load(Ordering::Acquire)
                || !self.engine.lock().output().is_empty())
        {
            self.ensure_drainer();
        }
    }

    /// Starts the drainer thread unless it runs: it takes the writer lock (waiting for it is
    /// its whole job) and writes everything queued with the write deadline, so output for a
    /// slow peer leaves as fast as that peer reads, and a peer that stops reading fails at the
    /// write timeout. One per connection at most, and only while output waits.
    fn ensure_drainer(&self) {
        if !self.is_active() || self.draining.swap(true, Ordering::AcqRel) {
            return;
        }
        let Some(session) = self.this.upgrade() else {
            self.draining.store(false, Ordering::Release);
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("ironboa-drain".into())
            .stack_size(64 * 1024)
            .spawn(move || session.run_drainer());
        if let Err(error) = spawned {
            self.draining.store(false, Ordering::Release);
            log::warn!("{}: cannot start a drainer thread: {error}", self.peer());
        }
    }

    fn run_drainer(&self) {
        loop {
            {
                let mut writer = self.writer.lock();
                if let Err(error) = self.drain(&mut writer, self.write_deadline()) {
                    log::debug!("{}: {error}", self.peer());
                }
            }
            self.draining.store(false, Ordering::Release);
            // Anything queued after the last look, by a thread that saw the drainer running?
            let waiting = self.held_bytes.load(Ordering::Relaxed) > 0
                || self.layer_output_due.load(Ordering::Acquire)
                || !self.engine.lock().output().is_empty();
            if !waiting || !self.is_active() || self.draining.swap(true, Ordering::AcqRel) {
                return;
            }
        }
    }

    /// Queues application output without ever waiting for this peer (for broadcasts): it is
    /// written as far as the transport takes it now, and the rest by the drainer thread as the
    /// peer reads. Fails with [`Error::LimitExceeded`] (and queues nothing) when `limit` bytes
    /// are already waiting.
    pub(crate) fn queue_output(
        &self,
        data: &[u8],
        convert_newlines: bool,
        limit: usize,
    ) -> Result<()> {
        self.check_open()?;
        {
            let mut engine = self.engine.lock();
            let waiting = engine.output().len() + self.held_bytes.load(Ordering::Relaxed);
            if waiting.saturating_add(data.len()) > limit {
                return Err(Error::LimitExceeded {
                    limit: Limit::OutputBuffer,
                    max: limit,
                });
            }
            if convert_newlines {
                engine.send_text(data)?;
            } else {
                engine.send_data(data)?;
            }
        }
        self.prompt_pending.store(true, Ordering::Release);
        self.flush_nowait();
        Ok(())
    }

    /// Queues a Telnet command (a keepalive `IAC NOP`) without ever waiting for this peer, as
    /// [`queue_output`](Self::queue_output) does, within the same `limit`.
    pub(crate) fn queue_command(&self, command: Command, limit: usize) -> Result<()> {
        self.check_open()?;
        {
            let mut engine = self.engine.lock();
            let waiting = engine.output().len() + self.held_bytes.load(Ordering::Relaxed);
            if waiting.saturating_add(2) > limit {
                return Err(Error::LimitExceeded {
                    limit: Limit::OutputBuffer,
                    max: limit,
                });
            }
            engine.send_command(command)?;
        }
        self.flush_nowait();
        Ok(())
    }

    /// Closes at once, from any thread, without waiting for anything: queued output is
    /// dropped. For a peer that is being dropped because it does not read.
    pub(crate) fn abort(&self) {
        if !self.closed.swap(true, Ordering::AcqRel) {
            self.transport.shutdown(Shutdown::Both);
        }
    }

    /// Before the reading side waits for input: queues the GA owed to output that went out
    /// since the last one, and writes it with anything held, without waiting for the writer
    /// lock or the peer.
    fn before_wait(&self) -> Result<()> {
        let prompt =
            !self.options.never_send_ga && self.prompt_pending.swap(false, Ordering::AcqRel);
        if prompt {
            let mut engine = self.engine.lock();
            if engine.go_ahead_needed() {
                engine.send_command(Command::GoAhead)?;
            }
        }
        self.flush_nowait();
        Ok(())
    }

    // ----- the one read primitive -----

    /// Reads until `check` returns something or `wait` runs out: the one primitive every read,
    /// wait and negotiation settle uses. `check` sees the reading state and the engine before
    /// the first read and after each one; what it takes is gone, what it leaves stays for the
    /// next call. Output it queues on the engine (echo) is written without waiting for the
    /// writer lock.
    ///
    /// When the wait runs out ([`Error::Timeout`] named `operation`), the stream ends
    /// ([`Error::Closed`]) or the unread input reaches its bound ([`Error::LimitExceeded`]),
    /// `on_end` decides what the call returns; it sees the same state, untouched.
    pub(crate) fn read_until<T>(
        &self,
        wait: Wait,
        operation: Operation,
        mut check: impl FnMut(&mut ReadState, &mut Engine) -> Option<T>,
        on_end: impl FnOnce(&mut ReadState, Error) -> Result<T>,
    ) -> Result<T> {
        let mut state = self.reader.lock();
        loop {
            self.make_deferred_reply(&mut state);
            let (found, queued) = {
                let mut engine = self.engine.lock();
                let found = check(&mut state, &mut engine);
                (found, !engine.output().is_empty())
            };
            // Echo and replies go out without the reader ever waiting on the writer lock or
            // the peer. A failed write closes the session; the next read reports the end,
            // after `check` has had what was read. Output merely held for a GA is left to the
            // wait below, which adds the GA and writes both at once.
            if queued || self.layer_output_due.load(Ordering::Acquire) {
                self.flush_nowait();
            }
            if let Some(value) = found {
                return Ok(value);
            }
            if let Err(error) = self.fill(&mut state, wait, operation) {
                // A read that failed part-way (a corrupt compressed stream after good data)
                // hands out the good data first; the failure is reported by the next read.
                if !matches!(error, Error::Timeout { .. }) {
                    let found = check(&mut state, &mut self.engine.lock());
                    if let Some(value) = found {
                        if !matches!(error, Error::Closed) {
                            state.failure = Some(error);
                        }
                        return Ok(value);
                    }
                }
                return on_end(&mut state, error);
            }
        }
    }

    /// One transport read (waiting as `wait` says, and at most until the idle timeout), run
    /// through the layers and the engine into `state`.
    fn fill(&self, state: &mut ReadState, wait: Wait, operation: Operation) -> Result<()> {
        if let Some(failure) = state.failure.take() {
            return Err(failure);
        }
        if state.input.len() >= self.options.max_input_buffer {
            return Err(Error::LimitExceeded {
                limit: Limit::InputBuffer,
                max: self.options.max_input_buffer,
            });
        }
        self.check_open()?;
        if state.layers.has_pending() {
            // A layer holds input it has not decoded yet: decode more of it before reading.
            let decoded = state
                .layers
                .resume()
                .map_err(|error| self.fail(error, operation))?;
            if let Err(error) = self.receive(state, &decoded) {
                log::warn!("{}: {error}; closing", self.peer());
                self.deactivate();
                return Err(error);
            }
            return Ok(());
        }
        if state.layers.ended() {
            // The peer ended a layer's stream in order (TLS close_notify), and everything
            // before the end has been received: that is the end of the stream.
            log::debug!("{}: end of stream (the layer ended in order)", self.peer());
            self.closed.store(true, Ordering::Release);
            return Err(Error::Closed);
        }
        self.before_wait()?;
        // The large buffer is taken out while it is read into, and handed back after.
        let mut stream_buffer = std::mem::take(&mut state.stream_buffer);
        let result = self.fill_with(state, &mut stream_buffer, wait, operation);
        state.stream_buffer = stream_buffer;
        result
    }

    fn fill_with(
        &self,
        state: &mut ReadState,
        stream_buffer: &mut Vec<u8>,
        wait: Wait,
        operation: Operation,
    ) -> Result<()> {
        let mut small = [0u8; READ_CHUNK];
        let streaming = !stream_buffer.is_empty();
        let chunk: &mut [u8] = if streaming { stream_buffer } else { &mut small };
        let n = self.read_transport(chunk, wait, operation)?;
        if n == 0 {
            state.layers.end_of_stream(self.peer());
            return Err(Error::Closed);
        }
        self.bytes_received.fetch_add(n as u64, Ordering::Relaxed);
        let bytes = &chunk[..n];
        let received = if state.layers.is_empty() {
            self.receive(state, bytes)
        } else {
            let decoded = state
                .layers
                .decode_from(0, bytes)
                .map_err(|error| self.fail(error, operation))?;
            if state.layers.wants_write() {
                // Written by the caller's next flush, without waiting (see `read_until`).
                self.layer_output_due.store(true, Ordering::Release);
            }
            self.receive(state, &decoded)
        };
        // Grow the read buffer while reads fill it; give it back once they no longer do.
        if !streaming && n == READ_CHUNK {
            *stream_buffer = vec![0; STREAM_CHUNK];
        } else if streaming && n < READ_CHUNK {
            *stream_buffer = Vec::new();
        }
        if let Err(error) = received {
            log::warn!("{}: {error}; closing", self.peer());
            self.deactivate();
            return Err(error);
        }
        Ok(())
    }

    /// Reads from the transport into `chunk`: waits as `wait` says, closes an idle session,
    /// and maps errors. `Ok(0)` is the end of the stream (the session is then closed).
    fn read_transport(&self, chunk: &mut [u8], wait: Wait, operation: Operation) -> Result<usize> {
        loop {
            self.check_open()?;
            let mut effective = wait;
            let mut idle_first = false;
            if let Some(idle_timeout) = self.options.idle_timeout {
                let left = idle_timeout.saturating_sub(self.idle());
                if left.is_zero() {
                    log::info!("{}: idle for {idle_timeout:?}; closing", self.peer());
                    self.deactivate();
                    return Err(Error::Closed);
                }
                let idle_deadline = deadline_after(left);
                let sooner = match wait {
                    Wait::Forever => true,
                    Wait::Until(deadline) => idle_deadline < deadline,
                    Wait::Never => false,
                };
                if sooner {
                    effective = Wait::Until(idle_deadline);
                    idle_first = true;
                }
            }
            let blocking = effective != Wait::Never;
            if blocking {
                self.waiting.store(true, Ordering::Release);
            }
            let result = self.transport.read(chunk, effective);
            if blocking {
                self.waiting.store(false, Ordering::Release);
            }
            match result {
                Ok(0) => {
                    log::debug!("{}: end of stream", self.peer());
                    self.closed.store(true, Ordering::Release);
                    return Ok(0);
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => {
                    let expired = match wait {
                        Wait::Never => true,
                        Wait::Until(deadline) => Instant::now() >= deadline,
                        Wait::Forever => false,
                    };
                    if expired && !idle_first {
                        return Err(Error::Timeout { operation });
                    }
                    // The loop head decides: idle close, or wait on.
                }
                Err(e) if is_disconnect(&e) || !self.is_active() => {
                    self.closed.store(true, Ordering::Release);
                    return Err(Error::Closed);
                }
                Err(e) => {
                    self.deactivate();
                    return Err(Error::Io(e));
                }
            }
        }
    }

    /// Feeds decoded bytes to the engine, acting on its events. Where the peer switches the
    /// stream (MCCP), the rest goes through the new input layer first.
    fn receive(&self, state: &mut ReadState, bytes: &[u8]) -> Result<()> {
        let mut owned: Option<Vec<u8>> = None;
        let mut offset = 0;
        loop {
            let rest: &[u8] = match &owned {
                Some(buffer) => &buffer[offset..],
                None => &bytes[offset..],
            };
            if rest.is_empty() {
                self.switch_output(state, &mut self.engine.lock(), None);
                return Ok(());
            }
            let mut engine = self.engine.lock();
            let before = state.input.len();
            let received = engine.receive_until_switch(rest, state.input.tail());
            // Complete input ends idleness: a line end (or a key, or any BINARY data), a
            // command, an option change, a finished subnegotiation. A trickle of bytes that
            // completes nothing (an endless subnegotiation, a line that never ends) does not.
            let new_data = state.input.as_slice().get(before..).unwrap_or_default();
            // Keys count one by one where the client sends them so (character or kludge
            // mode), and any data counts in a BINARY stream.
            let keys = engine.local_enabled(TelnetOption::ECHO)
                || engine.local_enabled(TelnetOption::SGA)
                || engine.remote_enabled(TelnetOption::BINARY)
                || engine.config().force_binary;
            let mut complete =
                memchr::memchr2(b'\r', b'\n', new_data).is_some() || (!new_data.is_empty() && keys);
            // Positions are into the vector `tail` returned; erasing shifts later ones.
            let mut erased = 0;
            while let Some((at, event)) = engine.poll_event_at() {
                complete |= !matches!(event, Event::ProtocolError(_));
                erased += self.handle_event(state, &mut engine, at - erased, event);
            }
            drop(engine);
            if complete {
                self.last_input_ms
                    .store(self.created.elapsed().as_millis() as u64, Ordering::Relaxed);
            }
            let received = received?;
            offset += received.consumed;
            let Some(option) = received.switch else {
                continue;
            };
            let layer = state.switch_handler.as_mut().and_then(|make| make(option));
            let Some(layer) = layer else {
                log::debug!(
                    "{}: {option} switched the stream; no layer for it",
                    self.peer()
                );
                continue;
            };
            state.layers.push(layer);
            let after: &[u8] = match &owned {
                Some(buffer) => &buffer[offset..],
                None => &bytes[offset..],
            };
            let index = state.layers.len() - 1;
            let decoded = state
                .layers
                .decode_from(index, after)
                .map_err(|e| self.fail(e, Operation::Read))?;
            owned = Some(decoded);
            offset = 0;
        }
    }

    /// Shows the output switcher an event (or, with `None`, the end of a read's events) and
    /// notes the change of the output layers it asks for, right after the engine's output so
    /// far.
    fn switch_output(&self, state: &mut ReadState, engine: &mut Engine, event: Option<&Event>) {
        if let Some(switcher) = state.output_switcher.as_mut() {
            if let Some(switch) = switcher(engine, event) {
                let at = engine.output().len();
                self.output_switches.lock().push((at, switch));
            }
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
                let encoding = self.encoding_with(engine);
                erased = state.input.erase_character_at(at, encoding);
                if erased == 0 {
                    state.lines.erase_edited_character(encoding);
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
                if let crate::options::Subnegotiation::Mssp(status) = sb {
                    state.last_mssp = Some(status.clone());
                    state.mssp_received += 1;
                }
            }
            Event::ProtocolError(error) => log::debug!("{}: {error}", self.peer()),
            _ => {}
        }
        self.switch_output(state, engine, Some(&event));
        if let Some(hook) = state.hook.as_mut() {
            hook(engine, &event);
        }
        if let (
            Some(reply),
            Event::OptionChanged {
                option,
                side: crate::proto::Side::Local,
                enabled: true,
            },
        ) = (&state.deferred_reply, &event)
        {
            if *option == reply.option {
                // Made after the locks are let go (see `DeferredReply`).
                self.reply_due.store(true, Ordering::Release);
            }
        }
        state.events.push(event, self.options.events);
        erased
    }

    // ----- reads built on the primitive -----

    /// Whether the peer has ended the stream, found out without blocking (and, on sockets,
    /// without reading). A peer that closed with data still unread by us is found out by the
    /// next read.
    pub(crate) fn peer_has_closed(&self) -> bool {
        if !self.is_active() {
            return true;
        }
        match self.transport.peer_has_closed() {
            Some(closed) => closed,
            None => match self.reader.try_lock() {
                Some(mut state) => {
                    let closed = loop {
                        match self.fill(&mut state, Wait::Never, Operation::Read) {
                            Ok(()) => {}
                            Err(Error::Timeout { .. }) | Err(Error::LimitExceeded { .. }) => {
                                break false;
                            }
                            Err(_) => break true,
                        }
                    };
                    if !closed {
                        self.make_deferred_reply(&mut state);
                        drop(state);
                        self.flush_nowait();
                    }
                    closed
                }
                None => false,
            },
        }
    }

    /// Reads text that has arrived, waiting for at least one byte: at most `max_bytes` bytes'
    /// worth, never cutting a character (at the end of the stream, a cut character's bytes
    /// come out as U+FFFD). Errors leave the input as it was.
    pub(crate) fn read_text(&self, max_bytes: usize, timeout: Option<Duration>) -> Result<String> {
        let encoding = self.encoding();
        let bytes = self.read_until(
            wait_for_timeout(timeout),
            Operation::Read,
            |state, _| {
                let end = text_prefix(encoding, state.input.as_slice(), max_bytes)?;
                Some(state.input.take(end))
            },
            |state, error| match error {
                // The stream ended inside a character: what is held back is decoded (as
                // U+FFFD) rather than dropped.
                Error::Closed if !state.input.is_empty() => Ok(state.take_all()),
                error => Err(error),
            },
        )?;
        encoding.decode_with(&bytes, self.encoding_errors())
    }

    /// Reads the bytes that have arrived, at most `max_bytes`, waiting for at least one.
    pub(crate) fn read_bytes(
        &self,
        max_bytes: usize,
        timeout: Option<Duration>,
    ) -> Result<Vec<u8>> {
        self.read_until(
            wait_for_timeout(timeout),
            Operation::Read,
            |state, _| {
                let n = state.input.len().min(max_bytes.max(1));
                (n > 0).then(|| state.input.take(n))
            },
            |_, error| Err(error),
        )
    }

    /// Reads until `marker` has arrived and returns the bytes up to and including it. Errors
    /// (a timeout among them) leave the input as it was.
    pub(crate) fn read_until_marker(
        &self,
        marker: &[u8],
        timeout: Option<Duration>,
    ) -> Result<Vec<u8>> {
        let finder = memchr::memmem::Finder::new(marker);
        self.read_until(
            wait_for_timeout(timeout),
            Operation::ReadUntil,
            |state, _| {
                let at = finder.find(state.input.as_slice())?;
                Some(state.input.take(at + marker.len()))
            },
            |_, error| Err(error),
        )
    }

    /// [`read_until_marker`](Self::read_until_marker) with a text marker, in the session's
    /// encoding.
    pub(crate) fn read_until_text(
        &self,
        marker: &str,
        timeout: Option<Duration>,
    ) -> Result<String> {
        let mut bytes = Vec::new();
        self.encode_text(marker, &mut bytes)?;
        let data = self.read_until_marker(&bytes, timeout)?;
        self.decode_text(&data)
    }

    /// Reads one line of text without its ending.
    pub(crate) fn readline_text(&self, timeout: Option<Duration>) -> Result<String> {
        let line = self.read_line(timeout)?;
        self.decode_text(&line)
    }

    /// Reads one line (without its ending), echoing and editing it when we perform ECHO.
    /// When the peer ends the stream mid-line, the partial line is handed out once.
    pub(crate) fn read_line(&self, timeout: Option<Duration>) -> Result<Vec<u8>> {
        let max = self.options.max_line_length;
        let keys = line::LineKeys::of(self.encoding());
        let result = self.read_until(
            wait_for_timeout(timeout),
            Operation::ReadLine,
            |state, engine| {
                state.lines.keys = keys;
                let result = if engine.local_enabled(TelnetOption::ECHO) {
                    let mut echo = Vec::new();
                    let result = state.lines.edit_line(&mut state.input, &mut echo, max);
                    if !echo.is_empty() && !self.password_mode.load(Ordering::Acquire) {
                        // Echo is not a prompt: it makes no GA due. If the output is full, the
                        // echo is lost, not the input.
                        if let Err(error) = engine.send_data(&echo) {
                            log::debug!("{}: echo dropped: {error}", self.peer());
                        }
                    }
                    result
                } else {
                    // A server applies the editing keys of clients that send them as typed; a
                    // client hands out what the server sent.
                    let edit = self.options.apply_erase_commands;
                    state.lines.take_line(&mut state.input, max, edit)
                };
                match result {
                    LineResult::Line(line) => Some(Ok(line)),
                    LineResult::TooLong => Some(Err(())),
                    LineResult::Incomplete => None,
                }
            },
            |state, error| match error {
                Error::Closed if !state.input.is_empty() || state.lines.has_partial() => {
                    // What was already edited in character mode, then what is still unread.
                    let mut line = state.lines.take_partial();
                    line.extend(state.input.take(state.input.len()));
                    line.retain(|&b| b != b'\r' && b != b'\n');
                    Ok(Ok(line))
                }
                error => Err(error),
            },
        )?;
        result.map_err(|()| {
            log::info!("{}: line longer than {max} bytes", self.peer());
            Error::LimitExceeded {
                limit: Limit::LineLength,
                max,
            }
        })
    }

    /// Blocks until `conditions` hold (reading and keeping any data that arrives meanwhile).
    pub(crate) fn wait_for(&self, conditions: &WaitFor, timeout: Option<Duration>) -> Result<()> {
        conditions.validate()?;
        self.read_until(
            wait_for_timeout(timeout),
            Operation::WaitFor,
            |_, engine| conditions.satisfied(engine).then_some(()),
            |_, error| Err(error),
        )
    }

    /// The next event (a command, an option change, a subnegotiation), reading and keeping
    /// any data that arrives meanwhile.
    pub(crate) fn next_event(&self, timeout: Option<Duration>) -> Result<Event> {
        self.read_until(
            wait_for_timeout(timeout),
            Operation::Event,
            |state, _| state.events.pop(),
            |_, error| Err(error),
        )
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("peer", self.peer())
            .field("active", &self.is_active())
            .finish_non_exhaustive()
    }
}

/// `io::Read` over a session: waits as `wait` says for at least one byte; `Ok(0)` at the end of
/// the stream.
pub(crate) fn read_into(session: &Session, buf: &mut [u8], wait: Wait) -> io::Result<usize> {
    if buf.is_empty() {
        return Ok(0);
    }
    let result = session.read_until(
        wait,
        Operation::Read,
        |state, _| {
            let n = state.input.len().min(buf.len());
            if n == 0 {
                return None;
            }
            buf[..n].copy_from_slice(&state.input.as_slice()[..n]);
            state.input.consume(n);
            Some(n)
        },
        |_, error| Err(error),
    );
    match result {
        Ok(n) => Ok(n),
        Err(Error::Closed) => Ok(0),
        Err(error) => Err(error.into_io()),
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

#[cfg(test)]
mod tests;
