//! [`GameClient`]: miniboa's `TelnetClient`, as the game thread sees one connection.

use std::collections::VecDeque;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::Shared;
use crate::error::Error;
use crate::server::color::{caret_to_ansi, strip_caret_codes, wrap_paragraphs};
use crate::server::{ConnectionId, ServerConnection};

/// How often a reader thread that waits for the game to take its lines looks whether its
/// connection was closed under it (a server shut down while nothing was polling).
const GATE_RECHECK: Duration = Duration::from_secs(1);

/// One line of input, as [`GameClient::get_line`] hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Line {
    /// The text, with its ending and surrounding whitespace stripped (miniboa's `strip()`).
    pub text: String,
    /// When the connection's reader thread had the complete line.
    pub read_at: Instant,
    /// How many polls began between the moment the line was complete and the poll that made
    /// it available, that one included: 0 when it arrived while that poll ran, 1 when it
    /// arrived before. Never more: every poll takes every line that arrived before it began,
    /// however much any other client sends.
    pub polls_waited: u64,
}

/// A negotiation the game asked for; sent by a helper thread so that the game thread never
/// waits for a peer.
#[derive(Debug, Clone, Copy)]
enum Request {
    DoSga,
    WillEcho,
    WontEcho,
    Naws,
    TerminalType,
    PasswordOn,
    PasswordOff,
}

/// What the game thread keeps about a client.
struct GameState {
    /// miniboa's `active`: false once the game deactivated it or it went away.
    active: bool,
    /// on_disconnect has run: the client is no longer the server's; sends are dropped.
    dropped: bool,
    /// Lines made available and not yet taken, each with its arrival number.
    commands: VecDeque<(u64, Line)>,
    /// Output queued by `send` since the last poll.
    out: String,
    /// The client is on the server's list of clients to look at in the next poll.
    flagged: bool,
    /// The terminal type and window size as of `snapshot_poll`.
    terminal_type: Option<String>,
    columns: u16,
    rows: u16,
    snapshot_poll: u64,
}

/// How many lines the reader thread has handed over that the game has not taken, and whether
/// the game is done with the client (the reader then stops).
struct Gate {
    held: usize,
    done: bool,
}

/// Everything about one client, shared by its handles and its reader thread.
pub(super) struct ClientInner {
    conn: ServerConnection,
    shared: Arc<Shared>,
    state: Mutex<GameState>,
    gate: Mutex<Gate>,
    room: Condvar,
    /// Negotiations waiting for the helper thread, and whether it runs.
    requests: Mutex<(VecDeque<Request>, bool)>,
}

impl ClientInner {
    pub(super) fn new(conn: ServerConnection, shared: Arc<Shared>) -> ClientInner {
        ClientInner {
            conn,
            shared,
            state: Mutex::new(GameState {
                active: true,
                dropped: false,
                commands: VecDeque::new(),
                out: String::new(),
                flagged: false,
                terminal_type: None,
                columns: 80,
                rows: 24,
                snapshot_poll: u64::MAX,
            }),
            gate: Mutex::new(Gate {
                held: 0,
                done: false,
            }),
            room: Condvar::new(),
            requests: Mutex::new((VecDeque::new(), false)),
        }
    }

    pub(super) fn id(&self) -> ConnectionId {
        self.conn.id()
    }

    pub(super) fn connection(&self) -> &ServerConnection {
        &self.conn
    }

    // ----- the reader thread's side -----

    /// Waits until the game has taken enough of this client's lines to make room for one
    /// more, and reserves the room. False when the game is done with the client or the
    /// connection closed.
    pub(super) fn reserve_line(&self) -> bool {
        let max = self.shared.max_pending_lines.load(Ordering::Relaxed).max(1);
        let mut gate = self.gate.lock();
        while gate.held >= max && !gate.done {
            if self.room.wait_for(&mut gate, GATE_RECHECK).timed_out() && !self.conn.active() {
                return false;
            }
        }
        if gate.done {
            return false;
        }
        gate.held += 1;
        true
    }

    /// Gives back room reserved for a line that was not handed over (or was thrown away).
    pub(super) fn release_line(&self) {
        let mut gate = self.gate.lock();
        gate.held = gate.held.saturating_sub(1);
        drop(gate);
        self.room.notify_one();
    }

    /// Whether the game is done with the client.
    pub(super) fn game_done(&self) -> bool {
        self.gate.lock().done
    }

    // ----- the game thread's side -----

    pub(super) fn is_active(&self) -> bool {
        self.state.lock().active
    }

    /// Makes a line available (it arrived while the client is active; otherwise it is
    /// thrown away). Returns whether it was kept.
    pub(super) fn push_line(&self, number: u64, line: Line) -> bool {
        let mut state = self.state.lock();
        if !state.active || state.dropped {
            drop(state);
            self.release_line();
            return false;
        }
        state.commands.push_back((number, line));
        true
    }

    /// Takes every waiting line, with its arrival number.
    pub(super) fn take_lines(&self, into: &mut Vec<(u64, Line)>) {
        let taken: Vec<(u64, Line)> = self.state.lock().commands.drain(..).collect();
        for _ in &taken {
            self.release_line();
        }
        into.extend(taken);
    }

    /// Puts the client on the server's list for the next poll, once.
    fn flag(self: &Arc<Self>, state: &mut GameState) {
        if !state.flagged && !state.dropped {
            state.flagged = true;
            self.shared.attention.lock().push(Arc::clone(self));
        }
    }

    /// The server took the client off its list.
    pub(super) fn unflag(&self) {
        self.state.lock().flagged = false;
    }

    /// Puts the client back on the list for the next poll (an inactive client not yet
    /// dropped).
    pub(super) fn reflag(self: &Arc<Self>) {
        let mut state = self.state.lock();
        self.flag(&mut state);
    }

    /// Hands the output queued since the last poll to the connection, which writes what the
    /// socket takes now and leaves the rest to its drainer thread: never waits for the peer.
    /// A client that already has `max_queued_output` waiting (it does not read) is
    /// deactivated and its connection closed at once.
    pub(super) fn flush(self: &Arc<Self>) {
        let out = {
            let mut state = self.state.lock();
            if state.out.is_empty() {
                return;
            }
            std::mem::take(&mut state.out)
        };
        match self.conn.send_nowait(&out) {
            Ok(()) => {}
            Err(Error::LimitExceeded { max, .. }) => self.overflow(max),
            // The connection is gone: its reader thread reports that.
            Err(_) => {}
        }
    }

    /// The client does not read what it is sent: it is dropped at the next poll, and its
    /// connection is closed now, without the output nobody will read.
    fn overflow(self: &Arc<Self>, max: usize) {
        log::info!(
            "{}: more than {max} bytes of output waiting; disconnecting a client that does not read",
            self.conn.addrport()
        );
        {
            let mut state = self.state.lock();
            state.active = false;
            state.out = String::new();
            self.flag(&mut state);
        }
        self.conn.abort();
    }

    /// The client left (its reader thread said so) or is being dropped: not active.
    pub(super) fn mark_inactive(&self) {
        self.state.lock().active = false;
    }

    /// After on_disconnect: the game is done with the client. Sends are dropped from now on,
    /// the reader thread stops handing over lines, and the connection is closed in order
    /// (what was handed over leaves first, as fast as the client takes it, up to the write
    /// timeout; then the stream ends, which also wakes the reader thread) by a short-lived
    /// thread, so that the game thread does not wait for that.
    pub(super) fn finish(&self) {
        {
            let mut state = self.state.lock();
            state.dropped = true;
            state.active = false;
            state.out = String::new();
            state.commands.clear();
        }
        self.end_reader();
        if !self.conn.active() {
            return; // gone already
        }
        let conn = self.conn.clone();
        let spawned = thread::Builder::new()
            .name(format!("ironboa-close-{}", conn.id().0))
            .stack_size(64 * 1024)
            .spawn(move || conn.close());
        if let Err(error) = spawned {
            log::warn!(
                "{}: cannot start a thread to close the connection: {error}; closing at once",
                self.conn.addrport()
            );
            self.conn.abort();
        }
    }

    /// Tells the reader thread to stop handing over lines, and wakes it if it waits for room.
    pub(super) fn end_reader(&self) {
        self.gate.lock().done = true;
        self.room.notify_all();
    }

    /// Reads the terminal type and window size from the connection at the first call after a
    /// poll, so that what the game reads stays the same until the next poll.
    fn snapshot(&self) -> parking_lot::MutexGuard<'_, GameState> {
        let poll = self.shared.polls.load(Ordering::Acquire);
        let mut state = self.state.lock();
        if state.snapshot_poll != poll {
            state.snapshot_poll = poll;
            let (terminal_type, size) = self.conn.session.inspect(|e| {
                (
                    e.peer().terminal_type().map(str::to_owned),
                    e.peer().window_size,
                )
            });
            if let Some(terminal_type) = terminal_type {
                state.terminal_type = Some(terminal_type);
            }
            if let Some(size) = size {
                state.columns = size.columns.max(1);
                state.rows = size.rows.max(1);
            }
        }
        state
    }

    /// Queues a negotiation for the helper thread, starting it if it does not run.
    fn request(self: &Arc<Self>, request: Request) {
        if self.state.lock().dropped {
            return;
        }
        let mut requests = self.requests.lock();
        requests.0.push_back(request);
        if requests.1 {
            return;
        }
        requests.1 = true;
        drop(requests);
        let inner = Arc::clone(self);
        let spawned = thread::Builder::new()
            .name(format!("ironboa-negotiate-{}", self.id().0))
            .stack_size(64 * 1024)
            .spawn(move || inner.run_requests());
        if let Err(error) = spawned {
            log::warn!(
                "{}: cannot start a thread to negotiate: {error}",
                self.conn.addrport()
            );
            let mut requests = self.requests.lock();
            requests.0.clear();
            requests.1 = false;
        }
    }

    /// The helper thread: sends each queued negotiation, waiting for the peer as long as it
    /// takes (up to the write timeout), then ends.
    fn run_requests(&self) {
        loop {
            let request = {
                let mut requests = self.requests.lock();
                match requests.0.pop_front() {
                    Some(request) => request,
                    None => {
                        requests.1 = false;
                        return;
                    }
                }
            };
            let conn = &self.conn;
            let result = match request {
                Request::DoSga => conn.request_do_sga(),
                Request::WillEcho => conn.request_will_echo(),
                Request::WontEcho => conn.request_wont_echo(),
                Request::Naws => conn.request_naws(),
                Request::TerminalType => conn.request_terminal_type(),
                Request::PasswordOn => conn.password_mode_on(),
                Request::PasswordOff => conn.password_mode_off(),
            };
            if let Err(error) = result {
                log::debug!("{}: {request:?} not sent: {error}", conn.addrport());
            }
        }
    }
}

/// One client of a [`GameServer`](super::GameServer): miniboa's `TelnetClient`, for the game
/// thread.
///
/// A cheap `Clone` handle (`Send + Sync`). The same client is the same handle in
/// `on_connect`, in `on_disconnect` and in the game's own maps: handles are equal, and hash
/// alike, when they are the same connection ([`id`](Self::id)).
///
/// Drop the handles the game keeps in `on_disconnect`, as miniboa's README asks: a handle
/// kept longer keeps the closed connection's descriptor open.
///
/// Nothing here waits for the peer. Input arrives only in
/// [`GameServer::poll`](super::GameServer::poll); [`send`](Self::send) queues output that the
/// next poll hands to the connection; the `request_*` negotiations are sent by a helper
/// thread; the terminal type and window size are read from the connection at the first call
/// after each poll, and stay the same until the next.
#[derive(Clone)]
pub struct GameClient {
    pub(super) inner: Arc<ClientInner>,
}

impl PartialEq for GameClient {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for GameClient {}

impl Hash for GameClient {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl fmt::Debug for GameClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GameClient")
            .field("id", &self.id())
            .field("peer", self.inner.conn.peer())
            .field("active", &self.active())
            .finish()
    }
}

impl GameClient {
    /// The connection's id: stable for its life and never reused by the server.
    pub fn id(&self) -> ConnectionId {
        self.inner.id()
    }

    // ----- input -----

    /// Whether a line is waiting for [`get_command`](Self::get_command) (miniboa's
    /// `cmd_ready`).
    pub fn cmd_ready(&self) -> bool {
        !self.inner.state.lock().commands.is_empty()
    }

    /// The oldest line not yet taken, stripped of its ending and of surrounding whitespace as
    /// miniboa strips it, or `None` (miniboa's `get_command()`). Lines become available in
    /// [`GameServer::poll`](super::GameServer::poll), each client's in the order typed.
    pub fn get_command(&self) -> Option<String> {
        self.get_line().map(|line| line.text)
    }

    /// [`get_command`](Self::get_command), with when the line arrived.
    pub fn get_line(&self) -> Option<Line> {
        let line = self.inner.state.lock().commands.pop_front();
        let (_, line) = line?;
        self.inner.release_line();
        Some(line)
    }

    /// How many lines are waiting.
    pub fn command_count(&self) -> usize {
        self.inner.state.lock().commands.len()
    }

    // ----- output -----

    /// Queues text for the client (miniboa's `send`): `\n` and `\r\n` both become one CR LF.
    /// It is handed to the connection at the start of the next
    /// [`poll`](super::GameServer::poll) (what a callback sends, before that poll returns),
    /// together with everything else sent to the client meanwhile, and written without the
    /// game thread ever waiting: what the socket does not take leaves as the client reads.
    ///
    /// A client with more than `ServerConfig::max_queued_output` waiting is deactivated (it
    /// does not read): `on_disconnect` runs at the next poll. Text sent to a client that was
    /// dropped is discarded.
    pub fn send(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        let inner = &self.inner;
        let mut state = inner.state.lock();
        if state.dropped {
            return;
        }
        if state.out.len().saturating_add(text.len()) > inner.shared.max_queued_output {
            let max = inner.shared.max_queued_output;
            drop(state);
            inner.overflow(max);
            return;
        }
        state.out.push_str(text);
        inner.flag(&mut state);
    }

    /// [`send`](Self::send) after turning miniboa's caret codes into ANSI sequences, or
    /// stripping them when [`use_ansi`](Self::use_ansi) is off (miniboa's `send_cc`; see
    /// [`caret_to_ansi`](crate::server::caret_to_ansi)).
    pub fn send_cc(&self, text: &str) {
        if self.use_ansi() {
            self.send(&caret_to_ansi(text));
        } else {
            self.send(&strip_caret_codes(text));
        }
    }

    /// miniboa's `send_wrapped`: the text's paragraphs wrapped to the client's
    /// [`columns`](Self::columns) as miniboa's `word_wrap` does (indent 4, padding 2; see
    /// [`wrap_paragraphs`](crate::server::wrap_paragraphs)), each line sent with
    /// [`send_cc`](Self::send_cc) and a newline.
    pub fn send_wrapped(&self, text: &str) {
        for line in wrap_paragraphs(text, usize::from(self.columns()), 4, 2) {
            self.send_cc(&(line + "\n"));
        }
    }

    /// Whether output queued with [`send`](Self::send) waits for the next poll (miniboa's
    /// `send_pending`).
    pub fn send_pending(&self) -> bool {
        !self.inner.state.lock().out.is_empty()
    }

    /// Whether [`send_cc`](Self::send_cc) turns caret codes into ANSI sequences (true, the
    /// default) or strips them (miniboa's `use_ansi`).
    pub fn use_ansi(&self) -> bool {
        self.inner.conn.use_ansi()
    }

    /// Sets [`use_ansi`](Self::use_ansi).
    pub fn set_use_ansi(&self, on: bool) {
        self.inner.conn.set_use_ansi(on);
    }

    // ----- state -----

    /// Whether the client is connected and not deactivated (miniboa's `active`).
    pub fn active(&self) -> bool {
        self.inner.is_active()
    }

    /// Drops the client at the next poll (miniboa's `client.active = False` and
    /// `deactivate()`): `on_disconnect` runs then, once, and output sent before (or in
    /// `on_disconnect`) is delivered before the connection closes. Lines that arrive
    /// meanwhile are discarded.
    pub fn deactivate(&self) {
        let inner = &self.inner;
        let mut state = inner.state.lock();
        if state.active {
            state.active = false;
            inner.flag(&mut state);
        }
    }

    /// The client's IP address (miniboa's `address`).
    pub fn address(&self) -> String {
        self.inner.conn.address()
    }

    /// The client's port (miniboa's `port`).
    pub fn port(&self) -> u16 {
        self.inner.conn.port()
    }

    /// `"ip:port"` (miniboa's `addrport()`).
    pub fn addrport(&self) -> String {
        self.inner.conn.addrport()
    }

    /// The terminal type the client reported, or `"ANSI"` until it has (miniboa's
    /// `terminal_type`). As of the last poll; see
    /// [`request_terminal_type`](Self::request_terminal_type).
    pub fn terminal_type(&self) -> String {
        self.inner
            .snapshot()
            .terminal_type
            .clone()
            .unwrap_or_else(|| "ANSI".to_owned())
    }

    /// The client's width from NAWS, or 80 until it reported one (miniboa's `columns`). As of
    /// the last poll; see [`request_naws`](Self::request_naws).
    pub fn columns(&self) -> u16 {
        self.inner.snapshot().columns
    }

    /// The client's height from NAWS, or 24 (miniboa's `rows`). As of the last poll.
    pub fn rows(&self) -> u16 {
        self.inner.snapshot().rows
    }

    /// Time since the client last sent complete input (miniboa's `idle()`).
    pub fn idle(&self) -> Duration {
        self.inner.conn.idle()
    }

    /// Time since the client connected (miniboa's `duration()`).
    pub fn duration(&self) -> Duration {
        self.inner.conn.duration()
    }

    /// Bytes written to the socket so far (miniboa's `bytes_sent`).
    pub fn bytes_sent(&self) -> u64 {
        self.inner.conn.bytes_sent()
    }

    /// Bytes read from the socket so far (miniboa's `bytes_received`).
    pub fn bytes_received(&self) -> u64 {
        self.inner.conn.bytes_received()
    }

    // ----- negotiation: sent by a helper thread, answers seen after a later poll -----

    /// Asks the client to suppress go-ahead (DO SGA).
    pub fn request_do_sga(&self) {
        self.inner.request(Request::DoSga);
    }

    /// Offers to echo (WILL ECHO); once the client agrees, what it types is echoed.
    pub fn request_will_echo(&self) {
        self.inner.request(Request::WillEcho);
    }

    /// Stops echoing (WONT ECHO).
    pub fn request_wont_echo(&self) {
        self.inner.request(Request::WontEcho);
    }

    /// Asks the client to report its window size (DO NAWS). The answer shows in
    /// [`columns`](Self::columns) and [`rows`](Self::rows) after a later poll.
    pub fn request_naws(&self) {
        self.inner.request(Request::Naws);
    }

    /// Asks the client for its terminal type (DO TTYPE, or TTYPE SEND once it agreed). The
    /// answer shows in [`terminal_type`](Self::terminal_type) after a later poll.
    pub fn request_terminal_type(&self) {
        self.inner.request(Request::TerminalType);
    }

    /// Asks the client not to echo locally (WILL ECHO), and echoes nothing: for passwords.
    pub fn password_mode_on(&self) {
        self.inner.request(Request::PasswordOn);
    }

    /// Ends password mode (WONT ECHO in line mode).
    pub fn password_mode_off(&self) {
        self.inner.request(Request::PasswordOff);
    }

    /// The connection underneath, for what a game client does not wrap (`get_extra_info`,
    /// `peer_info`, option states). Its reads belong to the client's reader thread, and its
    /// blocking writes wait for the peer: do neither on the game thread.
    pub fn connection(&self) -> &ServerConnection {
        self.inner.connection()
    }
}
