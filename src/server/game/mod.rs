//! [`GameServer`]: miniboa's game loop. The game's state lives on one thread, which calls
//! [`poll`](GameServer::poll); callbacks run there and lines wait there, so a miniboa MUD
//! ports line by line, without locks.
//!
//! ```no_run
//! use std::time::Duration;
//! use ironboa::ServerConfig;
//! use ironboa::server::game::{GameClient, GameServer};
//!
//! #[derive(Default)]
//! struct Game {
//!     clients: Vec<GameClient>,
//! }
//!
//! let mut server = GameServer::bind("127.0.0.1:7777", ServerConfig::default())?;
//! server.on_connect(|game: &mut Game, client| {
//!     client.send("Welcome!\n");
//!     game.clients.push(client.clone());
//! });
//! server.on_disconnect(|game: &mut Game, client| game.clients.retain(|c| c != client));
//! let mut game = Game::default();
//! loop {
//!     server.poll(&mut game, Some(Duration::from_millis(50)));
//!     for client in &game.clients {
//!         while let Some(line) = client.get_command() {
//!             for other in &game.clients {
//!                 other.send(&format!("{} says {line}\n", client.addrport()));
//!             }
//!         }
//!     }
//! }
//! # Ok::<(), ironboa::Error>(())
//! ```
//!
//! # How it works
//!
//! ```text
//!  connection threads (one per client)                          the game thread
//!  opening negotiation ─► Connected ──┐                     ┌─► poll(): on_connect,
//!  readline() ──────────► Line ───────┼─► one channel, in ──┤   lines for get_command,
//!  end of stream ───────► Disconnected┘   arrival order     └─► on_disconnect
//!                                                               send() ─► send_nowait
//! ```
//!
//! Each connection is read by its own thread (the [`BlockingTelnetServer`] underneath runs
//! a reader on each), which blocks in `readline` and forwards complete lines, in order, over
//! one channel to the game thread; `poll` waits on that channel. A slow or hostile client
//! therefore never holds up the game thread: reading it happens elsewhere, a flood of its
//! lines is capped ([`set_max_pending_lines`](GameServer::set_max_pending_lines); past it its
//! reader stops reading, and TCP makes the client wait), and writing to it never waits
//! (below). Memory per connection is the thread-per-connection server's, plus one small
//! struct.
//!
//! One `poll`, in order:
//! 1. hands the output each client was sent since the last poll to its connection
//!    ([`ServerConnection::send_nowait`]: what the socket takes now leaves now, the rest as
//!    the client reads), and drops every client deactivated since, running `on_disconnect`;
//! 2. takes everything that arrived before it began: new clients (`on_connect`), lines, and
//!    clients that went away (`on_disconnect`), in the order it happened;
//! 3. if nothing had arrived, waits up to `timeout` for something, then takes whatever else
//!    arrived meanwhile;
//! 4. hands what the callbacks sent to the connections.
//!
//! Output queued with [`GameClient::send`] thus leaves at the start of the next poll, as in
//! miniboa: the game thread pays an append per `send`, and a client gets everything one tick
//! sends it in one write.
//!
//! A client the game deactivates gets `on_disconnect` at the next poll, once; what it was sent
//! until then (in `on_disconnect` too) still goes out, then its connection is closed by a
//! short-lived thread, so the game thread never waits for it. A client with more than
//! `ServerConfig::max_queued_output` waiting (it does not read) is deactivated and its
//! connection closed at once, without that output. The negotiations a client is asked for
//! (`request_naws`, ...) are sent by a helper thread for the same reason. IAC GA is never sent
//! (see [`GameServer::bind`]).

mod client;

pub use client::{GameClient, Line};

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;

use super::{BlockingTelnetServer, ConnectionId, ServerConfig, ServerConnection};
use crate::error::{Error, Limit, Result};
use client::ClientInner;

/// The default of [`GameServer::set_max_pending_lines`].
const DEFAULT_MAX_PENDING_LINES: usize = 64;

/// What the connection threads tell the game thread, in the order it happened.
enum Message {
    Connected(Arc<ClientInner>),
    Line(ConnectionId, String, Instant),
    Disconnected(ConnectionId),
    /// Sent by a poll to its own channel as it begins: what comes before it arrived before.
    PollBegins,
}

/// What the game thread and the connection threads share.
struct Shared {
    /// Polls begun so far.
    polls: AtomicU64,
    /// Lines a client may have handed over and the game not yet taken.
    max_pending_lines: AtomicUsize,
    /// `ServerConfig::max_queued_output`.
    max_queued_output: usize,
    /// Clients with output to hand over, or deactivated: what the next poll looks at.
    attention: Mutex<Vec<Arc<ClientInner>>>,
}

/// A callback run by [`GameServer::poll`] with the game's state and a client.
type Callback<G> = Box<dyn FnMut(&mut G, &GameClient) + Send>;

/// What one [`GameServer::poll`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Polled {
    /// Clients that connected (`on_connect` ran for each).
    pub connected: usize,
    /// Clients dropped or gone (`on_disconnect` ran for each).
    pub disconnected: usize,
    /// Lines made available to `get_command`.
    pub lines: usize,
}

/// miniboa's `TelnetServer`, for a game loop: connections are accepted and read by threads
/// of their own, and everything the game sees happens in [`poll`](Self::poll), on the game's
/// thread. See the [module documentation](self) for how.
///
/// `G` is the game's state: [`poll`](Self::poll) lends it to the `on_connect` and
/// `on_disconnect` callbacks, so they can change it without locks or globals. Use `()` when
/// they need none.
pub struct GameServer<G = ()> {
    server: BlockingTelnetServer,
    shared: Arc<Shared>,
    messages: Receiver<Message>,
    /// The game thread's own sender, for [`Message::PollBegins`].
    marker: Sender<Message>,
    clients: BTreeMap<ConnectionId, GameClient>,
    on_connect: Option<Callback<G>>,
    on_disconnect: Option<Callback<G>>,
    /// Lines made available so far: each line's number, for [`take_commands`](Self::take_commands).
    lines: u64,
    /// [`Message::PollBegins`] sent and not yet received.
    markers_queued: u64,
}

impl<G> GameServer<G> {
    /// Binds `addr` (port 0 picks a free port) and starts accepting: connections negotiate
    /// and are read on their own threads from now on, and `on_connect` runs for them in the
    /// first poll after their opening negotiation (see `ServerConfig::connect_maxwait`; set
    /// it to zero for miniboa's "at once").
    ///
    /// `ServerConfig::never_send_ga` is set, as miniboa never sends IAC GA: the connection
    /// sends the GA it owes when its reader thread next waits for input, and in a game loop
    /// that thread is already waiting when the game's output goes out, so the GA would come
    /// only after the client's next line.
    pub fn bind(addr: impl ToSocketAddrs, config: ServerConfig) -> Result<GameServer<G>> {
        let config = config.never_send_ga(true);
        let max_queued_output = config.max_queued_output;
        let server = BlockingTelnetServer::bind(addr, config)?;
        let shared = Arc::new(Shared {
            polls: AtomicU64::new(0),
            max_pending_lines: AtomicUsize::new(DEFAULT_MAX_PENDING_LINES),
            max_queued_output,
            attention: Mutex::new(Vec::new()),
        });
        let (sender, messages) = crossbeam_channel::unbounded();
        let marker = sender.clone();
        let reader_shared = Arc::clone(&shared);
        server.serve_in_background(move |conn| read_client(conn, &reader_shared, &sender))?;
        Ok(GameServer {
            server,
            shared,
            messages,
            marker,
            clients: BTreeMap::new(),
            on_connect: None,
            on_disconnect: None,
            lines: 0,
            markers_queued: 0,
        })
    }

    /// Sets the function [`poll`](Self::poll) runs for each new client (miniboa's
    /// `on_connect`). Its output goes out before that poll returns.
    pub fn on_connect(&mut self, callback: impl FnMut(&mut G, &GameClient) + Send + 'static) {
        self.on_connect = Some(Box::new(callback));
    }

    /// Sets the function [`poll`](Self::poll) runs, exactly once, for each client that left
    /// or was deactivated (miniboa's `on_disconnect`); it gets the same handle `on_connect`
    /// got. The client no longer counts in [`connection_count`](Self::connection_count).
    pub fn on_disconnect(&mut self, callback: impl FnMut(&mut G, &GameClient) + Send + 'static) {
        self.on_disconnect = Some(Box::new(callback));
    }

    /// miniboa's `poll()`: sends what was queued, drops deactivated clients, then makes
    /// available everything that arrived (waiting up to `timeout` if nothing had; `None`
    /// waits until something does), running the callbacks on this thread. Every line that
    /// arrived before the poll began is available when it returns, whatever any other client
    /// sends. See the [module documentation](self) for the steps.
    pub fn poll(&mut self, game: &mut G, timeout: Option<Duration>) -> Polled {
        let mut polled = Polled::default();
        self.shared.polls.fetch_add(1, Ordering::AcqRel);
        self.attend(game, &mut polled, true);
        // What arrived before this poll began: everything ahead of its marker.
        let _ = self.marker.send(Message::PollBegins);
        self.markers_queued += 1;
        let mut arrived = false;
        while self.markers_queued > 0 {
            let Ok(message) = self.messages.try_recv() else {
                break;
            };
            arrived |= !matches!(message, Message::PollBegins);
            self.handle(game, message, &mut polled);
        }
        // If nothing had, wait for something; then take what arrived meanwhile.
        if !arrived {
            let first = match timeout {
                None => self.messages.recv().ok(),
                Some(timeout) => self.messages.recv_timeout(timeout).ok(),
            };
            if let Some(message) = first {
                self.handle(game, message, &mut polled);
            }
        }
        while let Ok(message) = self.messages.try_recv() {
            self.handle(game, message, &mut polled);
        }
        self.attend(game, &mut polled, false);
        polled
    }

    fn handle(&mut self, game: &mut G, message: Message, polled: &mut Polled) {
        // The markers still queued are behind this message: each is a poll that began after
        // it arrived.
        let polls_waited = self.markers_queued;
        match message {
            Message::Connected(inner) => {
                let client = GameClient { inner };
                self.clients.insert(client.id(), client.clone());
                polled.connected += 1;
                if let Some(callback) = self.on_connect.as_mut() {
                    callback(game, &client);
                }
            }
            Message::Line(id, text, read_at) => {
                let Some(client) = self.clients.get(&id) else {
                    return;
                };
                let line = Line {
                    text,
                    read_at,
                    polls_waited,
                };
                if client.inner.push_line(self.lines, line) {
                    self.lines += 1;
                    polled.lines += 1;
                }
            }
            Message::Disconnected(id) => {
                if let Some(client) = self.clients.get(&id).cloned() {
                    self.drop_client(game, &client, polled);
                }
            }
            Message::PollBegins => self.markers_queued = self.markers_queued.saturating_sub(1),
        }
    }

    /// Hands each flagged client's output to its connection; with `drop_inactive`, drops
    /// the deactivated ones, otherwise keeps them for the next poll.
    fn attend(&mut self, game: &mut G, polled: &mut Polled, drop_inactive: bool) {
        let flagged = std::mem::take(&mut *self.shared.attention.lock());
        for inner in flagged {
            inner.unflag();
            inner.flush();
            if inner.is_active() {
                continue;
            }
            match self.clients.get(&inner.id()).cloned() {
                Some(client) if drop_inactive => self.drop_client(game, &client, polled),
                Some(_) => inner.reflag(),
                // Not the server's yet (deactivated before on_connect ran) or any more.
                None => {}
            }
        }
    }

    /// Takes a client off the server: `on_disconnect`, then what it queued goes out and the
    /// connection closes.
    fn drop_client(&mut self, game: &mut G, client: &GameClient, polled: &mut Polled) {
        if self.clients.remove(&client.id()).is_none() {
            return;
        }
        client.inner.mark_inactive();
        polled.disconnected += 1;
        if let Some(callback) = self.on_disconnect.as_mut() {
            callback(game, client);
        }
        client.inner.flush();
        client.inner.finish();
    }

    /// Every waiting line of every client, oldest first across clients (the order the lines
    /// became available, each client's in the order typed), taken as
    /// [`get_line`](GameClient::get_line) would take them.
    pub fn take_commands(&mut self) -> Vec<(GameClient, Line)> {
        let mut numbered = Vec::new();
        for client in self.clients.values() {
            let mut lines = Vec::new();
            client.inner.take_lines(&mut lines);
            numbered.extend(
                lines
                    .into_iter()
                    .map(|(number, line)| (number, client.clone(), line)),
            );
        }
        numbered.sort_by_key(|(number, _, _)| *number);
        numbered
            .into_iter()
            .map(|(_, client, line)| (client, line))
            .collect()
    }

    /// The number of clients: connected, `on_connect` run, `on_disconnect` not yet
    /// (miniboa's `connection_count()` / `client_count()`).
    pub fn connection_count(&self) -> usize {
        self.clients.len()
    }

    /// The clients, in the order they connected (miniboa's `client_list()`).
    pub fn client_list(&self) -> impl ExactSizeIterator<Item = &GameClient> + '_ {
        self.clients.values()
    }

    /// The client with this id, if it is one of the server's.
    pub fn client(&self, id: ConnectionId) -> Option<&GameClient> {
        self.clients.get(&id)
    }

    /// The number of polls begun so far.
    pub fn polls(&self) -> u64 {
        self.shared.polls.load(Ordering::Acquire)
    }

    /// At most this many lines of one client wait for the game (default 64): past it, the
    /// client's reader thread stops reading until the game takes some, and TCP holds the
    /// client back. Nothing is lost; a flood costs the game at most this many lines per
    /// client per poll.
    pub fn set_max_pending_lines(&mut self, max: usize) {
        self.shared
            .max_pending_lines
            .store(max.max(1), Ordering::Relaxed);
    }

    /// The value set with [`set_max_pending_lines`](Self::set_max_pending_lines).
    pub fn max_pending_lines(&self) -> usize {
        self.shared.max_pending_lines.load(Ordering::Relaxed)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The port the server listens on (miniboa's `port`).
    pub fn port(&self) -> u16 {
        self.server.local_addr().port()
    }

    /// The address of the interface the server listens on (miniboa's `address`).
    pub fn address(&self) -> IpAddr {
        self.server.local_addr().ip()
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        self.server.config()
    }

    /// Stops the server (miniboa's `stop()`): output queued with `send` is handed over, then
    /// every connection is closed and the server stops accepting. No callbacks run; the
    /// server has no clients afterwards. Returns whether every connection thread ended
    /// within `ServerConfig::shutdown_timeout`. Dropping the server does the same.
    pub fn shutdown(&mut self) -> bool {
        let flagged = std::mem::take(&mut *self.shared.attention.lock());
        for inner in flagged {
            inner.unflag();
            inner.flush();
        }
        for client in std::mem::take(&mut self.clients).into_values() {
            client.inner.mark_inactive();
            client.inner.end_reader();
        }
        while let Ok(message) = self.messages.try_recv() {
            if let Message::Connected(inner) = message {
                inner.end_reader();
            }
        }
        self.server.shutdown()
    }
}

impl<G> Drop for GameServer<G> {
    fn drop(&mut self) {
        if !self.server.is_shut_down() {
            self.shutdown();
        }
    }
}

impl<G> std::fmt::Debug for GameServer<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GameServer")
            .field("local_addr", &self.local_addr())
            .field("clients", &self.clients.len())
            .field("polls", &self.polls())
            .finish_non_exhaustive()
    }
}

/// A connection's thread, once its opening negotiation is over: tells the game it came, hands
/// over its lines (at most `max_pending_lines` not yet taken), and tells the game it went.
fn read_client(conn: ServerConnection, shared: &Arc<Shared>, sender: &Sender<Message>) {
    let id = conn.id();
    let inner = Arc::new(ClientInner::new(conn.clone(), Arc::clone(shared)));
    if sender.send(Message::Connected(Arc::clone(&inner))).is_err() {
        return;
    }
    while inner.reserve_line() {
        match conn.readline(None) {
            // A line cut short by the end of the stream is not a command (as in miniboa).
            Ok(_) if !conn.active() || inner.game_done() => {
                inner.release_line();
                break;
            }
            Ok(line) => {
                let message = Message::Line(id, strip(&line).to_owned(), Instant::now());
                if sender.send(message).is_err() {
                    break;
                }
            }
            Err(Error::LimitExceeded {
                limit: Limit::LineLength,
                ..
            }) => inner.release_line(),
            Err(_) => {
                inner.release_line();
                break;
            }
        }
    }
    if inner.game_done() {
        // The game dropped the client, and a thread of its own closes the connection in order
        // (output first): read and discard until it has, rather than end the connection
        // here and cut that short.
        while goes_on(&conn.readline(None)) {}
    }
    let _ = sender.send(Message::Disconnected(id));
}

/// Whether a reader goes on after this `readline` result: after a line, or a line too long
/// (dropped, and the connection goes on), but not at the end of the stream or an error.
fn goes_on(result: &Result<String>) -> bool {
    matches!(
        result,
        Ok(_)
            | Err(Error::LimitExceeded {
                limit: Limit::LineLength,
                ..
            })
    )
}

/// Strips whitespace from both ends as Python's `str.strip()` does (which also takes the
/// separators U+001C to U+001F for whitespace).
fn strip(line: &str) -> &str {
    line.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn strips_as_python_does() {
        assert_eq!(strip("  look \t\r"), "look");
        assert_eq!(strip("\u{1f}say hi\u{1c}"), "say hi");
        assert_eq!(strip("\u{a0}x\u{3000}"), "x");
        assert_eq!(strip("\u{0}x"), "\u{0}x");
    }
}
