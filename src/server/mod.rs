//! [`BlockingTelnetServer`]: accepts on a listener thread and runs a handler closure on one
//! thread per [`ServerConnection`].
//!
//! ```no_run
//! use ironboa::server::{BlockingTelnetServer, ServerConfig};
//!
//! let server = BlockingTelnetServer::bind("127.0.0.1:6023", ServerConfig::default())?;
//! server.serve_forever(|conn| {
//!     conn.send("Hello! Say something.\n").ok();
//!     while let Ok(line) = conn.readline(None) {
//!         if line == "quit" {
//!             break;
//!         }
//!         conn.send(&format!("You said: {line}\n")).ok();
//!     }
//! })?;
//! # Ok::<(), ironboa::Error>(())
//! ```

mod color;
mod config;
mod connection;
mod drain;
pub mod game;
mod keepalive;
mod opening;
#[cfg(feature = "proxy-protocol")]
mod proxy;
mod registry;
mod wall;

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;

pub use color::{caret_to_ansi, strip_caret_codes, word_wrap, wrap_paragraphs};
pub use config::ServerConfig;
pub use connection::{ConnectionId, ServerConnection};
pub use keepalive::Keepalive;
#[cfg(feature = "proxy-protocol")]
pub use proxy::ProxyProtocol;

use crate::error::{Error, Operation, Result};
use crate::proto::{Engine, EngineConfig};
use crate::session::{EventLimits, Session, SessionOptions, Transport};
use registry::Registry;

thread_local! {
    /// Set on the threads that run connections, so that `shutdown` called from a handler does
    /// not wait for its own thread.
    static CONNECTION_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What a connection thread does once the opening negotiation is over.
#[derive(Clone)]
enum Dispatch {
    /// Run the handler on this thread.
    Handler(Arc<dyn Fn(ServerConnection) + Send + Sync>),
    /// Hand the connection to [`BlockingTelnetServer::accept`] and end the thread.
    Queue(Sender<ServerConnection>),
}

struct Inner {
    listener: TcpListener,
    local_addr: SocketAddr,
    config: ServerConfig,
    /// The engine settings every connection shares.
    engine_config: Arc<EngineConfig>,
    registry: Arc<Registry>,
    next_id: AtomicU64,
    stopping: AtomicBool,
    /// Set by `stop_accepting` (and `shutdown`): the listener is closed or closing.
    accepting_stopped: AtomicBool,
    /// Set by `begin_drain`: what connections that become ready from now on are told.
    drain_message: Mutex<Option<String>>,
    started: AtomicBool,
    listener_thread: Mutex<Option<thread::JoinHandle<()>>>,
    accepted: Receiver<ServerConnection>,
    accepted_tx: Sender<ServerConnection>,
}

/// A thread-per-connection Telnet server.
///
/// It is a cheap `Clone` handle: any clone can call [`shutdown`](Self::shutdown), from another
/// thread or a Ctrl-C handler.
///
/// Two ways to run it:
/// * [`serve_forever`](Self::serve_forever) (or [`serve_in_background`](Self::serve_in_background))
///   runs a handler closure on its own thread for each connection, miniboa- and telnetsrv-style;
/// * [`start`](Self::start) then [`accept`](Self::accept) hands out connections for callers that
///   run their own threads, as telnetlib3's `BlockingTelnetServer` does.
///
/// Either way the opening negotiation (see `ServerConfig::connect_maxwait`) is over when the
/// connection is handed out: the terminal type, window size and environment are known where the
/// client reported them.
#[derive(Clone)]
pub struct BlockingTelnetServer {
    inner: Arc<Inner>,
}

impl BlockingTelnetServer {
    /// Binds `addr` (port 0 picks a free port; see [`local_addr`](Self::local_addr)). Nothing is
    /// accepted until [`serve_forever`](Self::serve_forever), `serve_in_background` or `start`.
    ///
    /// First checks `max_connections` against the kernel's limits (on Linux): one the
    /// process could not survive (`vm.max_map_count`: four mappings per connection thread)
    /// is [`Error::SystemLimit`], with the `sysctl` that raises it; the others
    /// (`kernel.threads-max`, `kernel.pid_max`, `ulimit -u`, `ulimit -n`) are logged as
    /// warnings, since past them a connection is refused, not the process lost.
    pub fn bind(addr: impl ToSocketAddrs, config: ServerConfig) -> Result<BlockingTelnetServer> {
        wall::check(config.max_connections)?;
        let listener = drain::bind_listener(addr, config.reuse_port)?;
        let local_addr = listener.local_addr()?;
        let (accepted_tx, accepted) = crossbeam_channel::unbounded();
        log::info!("listening on {local_addr}");
        Ok(BlockingTelnetServer {
            inner: Arc::new(Inner {
                listener,
                local_addr,
                engine_config: Arc::new(engine_config(&config)),
                config,
                registry: Arc::new(Registry::default()),
                next_id: AtomicU64::new(1),
                stopping: AtomicBool::new(false),
                accepting_stopped: AtomicBool::new(false),
                drain_message: Mutex::new(None),
                started: AtomicBool::new(false),
                listener_thread: Mutex::new(None),
                accepted,
                accepted_tx,
            }),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// Runs `handler` on its own thread for every connection, and blocks until
    /// [`shutdown`](Self::shutdown). When the handler returns, the connection is closed.
    pub fn serve_forever<F>(&self, handler: F) -> Result<()>
    where
        F: Fn(ServerConnection) + Send + Sync + 'static,
    {
        self.serve_in_background(handler)?;
        let thread = self.inner.listener_thread.lock().take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
        Ok(())
    }

    /// Like [`serve_forever`](Self::serve_forever), but returns at once; the listener thread
    /// runs until [`shutdown`](Self::shutdown).
    pub fn serve_in_background<F>(&self, handler: F) -> Result<()>
    where
        F: Fn(ServerConnection) + Send + Sync + 'static,
    {
        self.spawn_listener(Dispatch::Handler(Arc::new(handler)))
    }

    /// Starts accepting; connections are handed out by [`accept`](Self::accept) once their
    /// opening negotiation is over.
    pub fn start(&self) -> Result<()> {
        self.spawn_listener(Dispatch::Queue(self.inner.accepted_tx.clone()))
    }

    /// The next connection (after [`start`](Self::start)), waiting at most `timeout`.
    /// [`Error::Timeout`] when none came; [`Error::Closed`] after shutdown.
    pub fn accept(&self, timeout: Option<Duration>) -> Result<ServerConnection> {
        let received = match timeout {
            Some(t) => self.inner.accepted.recv_timeout(t).map_err(|e| match e {
                crossbeam_channel::RecvTimeoutError::Timeout => Error::Timeout {
                    operation: Operation::Accept,
                },
                crossbeam_channel::RecvTimeoutError::Disconnected => Error::Closed,
            }),
            None => self.inner.accepted.recv().map_err(|_| Error::Closed),
        };
        if self.inner.stopping.load(Ordering::Acquire) {
            if let Ok(connection) = &received {
                connection.deactivate();
            }
            return Err(Error::Closed);
        }
        received
    }

    fn spawn_listener(&self, dispatch: Dispatch) -> Result<()> {
        if self.inner.started.swap(true, Ordering::AcqRel) {
            return Err(Error::InvalidArgument(
                "the server is already running".into(),
            ));
        }
        if let Some(interval) = self
            .inner
            .config
            .keepalive
            .and_then(|k| k.get_nop_interval())
        {
            keepalive::start_nop_thread(&self.inner, interval)?;
        }
        let inner = Arc::clone(&self.inner);
        let thread = thread::Builder::new()
            .name(format!("ironboa-listener-{}", self.inner.local_addr.port()))
            .spawn(move || accept_loop(&inner, &dispatch))?;
        *self.inner.listener_thread.lock() = Some(thread);
        Ok(())
    }

    /// Handles to every open connection past its opening negotiation (for broadcast).
    pub fn clients(&self) -> Vec<ServerConnection> {
        self.inner.registry.snapshot(false)
    }

    /// Sends `text` (as [`send`](ServerConnection::send) does) to every client but `except`,
    /// without ever waiting for any of them: each gets it queued with
    /// [`send_nowait`](ServerConnection::send_nowait). A client that already has
    /// `ServerConfig::max_queued_output` waiting (it does not read) is disconnected rather
    /// than let the room wait for it or lose messages silently. Returns how many clients the
    /// text was queued for.
    ///
    /// ```no_run
    /// # fn f(server: ironboa::BlockingTelnetServer, conn: ironboa::ServerConnection) {
    /// server.broadcast(&format!("<{}> hello\n", conn.addrport()), Some(conn.id()));
    /// # }
    /// ```
    pub fn broadcast(&self, text: &str, except: Option<ConnectionId>) -> usize {
        let mut sent = 0;
        for client in self.clients() {
            if Some(client.id()) == except {
                continue;
            }
            match client.send_nowait(text) {
                Ok(()) => sent += 1,
                Err(Error::LimitExceeded { max, .. }) => {
                    log::info!(
                        "{}: {max} bytes of output waiting; disconnecting a client that does not read",
                        client.addrport()
                    );
                    client.abort();
                }
                Err(_) => {}
            }
        }
        sent
    }

    /// The number of open connections past their opening negotiation (those still negotiating
    /// count against `max_connections` but are not listed here).
    pub fn connection_count(&self) -> usize {
        self.inner.registry.ready_len()
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_shut_down(&self) -> bool {
        self.inner.stopping.load(Ordering::Acquire)
    }

    /// Stops accepting, deactivates every connection (a handler blocked in `readline` gets
    /// [`Error::Closed`]), and returns once every connection thread has ended or
    /// `ServerConfig::shutdown_timeout` has passed. Returns whether all threads ended. Safe to
    /// call more than once and from any thread.
    pub fn shutdown(&self) -> bool {
        let inner = &self.inner;
        if !inner.stopping.swap(true, Ordering::AcqRel) {
            log::info!("{}: shutting down", inner.local_addr);
        }
        // Closes the listener, which wakes the listener thread out of accept(), and joins it.
        self.stop_accepting();
        for connection in inner.registry.snapshot(true) {
            connection.deactivate();
        }
        while let Ok(connection) = inner.accepted.try_recv() {
            connection.deactivate();
        }
        // A handler that calls shutdown does not wait for its own thread.
        let own = usize::from(CONNECTION_THREAD.with(|c| c.get()));
        let all_ended = inner
            .registry
            .wait_threads(inner.config.shutdown_timeout, own);
        if !all_ended {
            log::warn!(
                "{}: {} connection threads still running after {:?}",
                inner.local_addr,
                inner.registry.threads(),
                inner.config.shutdown_timeout
            );
        }
        all_ended
    }
}

impl BlockingTelnetServer {
    /// Serves one connection that is already open, on the calling thread: the opening
    /// negotiation, then `handler`, then an orderly close. See
    /// [`serve_transport`](Self::serve_transport) for connections that are not TCP.
    pub fn serve_stream(
        stream: TcpStream,
        config: &ServerConfig,
        handler: impl FnOnce(ServerConnection),
    ) -> Result<()> {
        BlockingTelnetServer::serve_transport(Transport::tcp(stream)?, config, handler)
    }

    /// Serves one connection over any transport, on the calling thread: the opening
    /// negotiation, then `handler`, then an orderly close. This is inetd mode: under inetd,
    /// xinetd, systemd (`Accept=yes`) or socat's `EXEC:`, the connection is the process's
    /// standard input and output, a socket or a pair of pipes ([`Transport::stdio`]). With
    /// `ServerConfig::tls`, the TLS handshake comes first, and its failure is the error
    /// returned (the handler does not run).
    ///
    /// ```no_run
    /// use ironboa::{BlockingTelnetServer, ServerConfig, Transport};
    ///
    /// BlockingTelnetServer::serve_transport(Transport::stdio()?, &ServerConfig::default(), |conn| {
    ///     let _ = conn.send("hello from inetd\n");
    /// })?;
    /// # Ok::<(), ironboa::Error>(())
    /// ```
    pub fn serve_transport(
        transport: Transport,
        config: &ServerConfig,
        handler: impl FnOnce(ServerConnection),
    ) -> Result<()> {
        let engine_config = Arc::new(engine_config(config));
        let connection =
            build_connection(config, engine_config, transport, 0, std::sync::Weak::new());
        let peer = connection.addrport();
        if let Err(error) = start_tls(&connection, config) {
            log::info!("{peer}: no TLS session: {error}");
            connection.close();
            return Err(error);
        }
        if let Err(error) = opening::negotiate(&connection, config) {
            log::debug!("{peer}: left during the opening negotiation: {error}");
            connection.close();
            return Ok(());
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| handler(connection.clone())));
        connection.close();
        if outcome.is_err() {
            log::error!("{peer}: handler panicked");
        }
        Ok(())
    }
}

/// Wakes a listener thread blocked in accept() by connecting to it (where shutting the
/// listening socket down does not).
fn wake_listener(addr: SocketAddr) {
    let _ = TcpStream::connect_timeout(&wake_address(addr), Duration::from_secs(1));
}

/// Where to connect to wake a listener bound to `addr` (an unspecified address is reached
/// through loopback).
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let mut wake = addr;
    if addr.ip().is_unspecified() {
        wake.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    wake
}

fn accept_loop(inner: &Arc<Inner>, dispatch: &Dispatch) {
    let mut backoff = Duration::ZERO;
    let stopped = || {
        inner.stopping.load(Ordering::Acquire) || inner.accepting_stopped.load(Ordering::Acquire)
    };
    loop {
        if stopped() {
            break;
        }
        match inner.listener.accept() {
            Ok((stream, peer)) => {
                backoff = Duration::ZERO;
                // A connection that raced `stop_accepting` is admitted: it was accepted, so
                // closing it would refuse a client, and a draining server tells it the drain
                // message once it is ready.
                if inner.stopping.load(Ordering::Acquire) {
                    break;
                }
                admit(inner, dispatch, stream, peer);
            }
            Err(_) if stopped() => break,
            Err(error) => {
                // Out of descriptors (EMFILE/ENFILE) or memory: back off instead of spinning,
                // and keep serving once resources free up.
                backoff = (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                log::warn!(
                    "{}: accept failed: {error}; retrying in {backoff:?}",
                    inner.local_addr
                );
                thread::sleep(backoff);
            }
        }
    }
    log::debug!("{}: listener stopped", inner.local_addr);
}

/// Takes in one accepted stream: refuses it over the limit, or starts its thread.
fn admit(inner: &Arc<Inner>, dispatch: &Dispatch, mut stream: TcpStream, peer: SocketAddr) {
    let config = &inner.config;
    let open = inner.registry.len().max(inner.registry.threads());
    if open >= config.max_connections {
        log::info!("{peer}: refused, {open} connections open (max_connections)");
        refuse(&mut stream, &config.refusal_message);
        return;
    }
    if let Some(keepalive) = &config.keepalive {
        if let Err(error) = keepalive.apply(&stream) {
            setup_failed(peer, &error);
            return;
        }
    }
    let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
    #[cfg(feature = "proxy-protocol")]
    if let Some(proxy) = &config.proxy_protocol {
        admit_proxied(inner, dispatch, stream, peer, id, proxy);
        return;
    }
    // Only this thread adds connections here (without a PROXY header), so the count cannot
    // grow between this look and the insert below.
    if let Some(max) = config.max_connections_per_address {
        if inner.registry.count_for(peer.ip()) >= max {
            log::info!("{peer}: refused, {max} connections open from this address");
            refuse(&mut stream, &config.refusal_message);
            return;
        }
    }
    let transport = match Transport::tcp(stream) {
        Ok(transport) => transport,
        Err(error) => {
            setup_failed(peer, &error);
            return;
        }
    };
    let connection = build_connection(
        config,
        Arc::clone(&inner.engine_config),
        transport,
        id,
        Arc::downgrade(&inner.registry),
    );
    inner.registry.insert(connection.clone());
    let refusal = connection.clone();
    let refusal_message = config.refusal_message.clone();
    spawn_connection(
        inner,
        dispatch,
        peer,
        id,
        move || Some(connection),
        move || {
            let _ = refusal.write(&format!("{refusal_message}\r\n"));
            refusal.close();
        },
    );
}

/// Starts the thread of connection `id`: `open` makes the connection on it (or gives up,
/// having logged why), then it runs. `refuse` runs instead when no thread can be started.
fn spawn_connection(
    inner: &Arc<Inner>,
    dispatch: &Dispatch,
    peer: SocketAddr,
    id: u64,
    open: impl FnOnce() -> Option<ServerConnection> + Send + 'static,
    refuse: impl FnOnce(),
) {
    inner.registry.thread_started();
    let thread_inner = Arc::clone(inner);
    let thread_dispatch = dispatch.clone();
    let spawned = thread::Builder::new()
        .name(format!("ironboa-conn-{id}"))
        .stack_size(inner.config.stack_size)
        .spawn(move || {
            CONNECTION_THREAD.with(|c| c.set(true));
            // Whatever happens on this thread (a panic in the opening negotiation included),
            // the connection is closed and its slot given back.
            // The opening (a PROXY header read, the registry, a refusal) may panic too.
            let opened = catch_unwind(AssertUnwindSafe(open)).unwrap_or_else(|_| {
                log::error!("{peer}: connection thread panicked while opening");
                None
            });
            if let Some(connection) = opened {
                let thread_connection = connection.clone();
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    run_connection(&thread_inner, &thread_dispatch, thread_connection)
                }));
                if outcome.is_err() {
                    log::error!("{}: connection thread panicked", connection.addrport());
                    connection.close();
                }
            }
            thread_inner.registry.thread_ended();
        });
    if let Err(error) = spawned {
        log::error!("{peer}: cannot start a thread: {error}; refusing");
        inner.registry.thread_ended();
        refuse();
    }
}

/// Takes in a stream from a load balancer: one from an untrusted address is closed at once
/// (nothing read, nothing sent); otherwise its thread reads the PROXY header, then serves it
/// as the client the header names.
#[cfg(feature = "proxy-protocol")]
fn admit_proxied(
    inner: &Arc<Inner>,
    dispatch: &Dispatch,
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    proxy: &ProxyProtocol,
) {
    if !proxy.trusts(peer.ip()) {
        let error = Error::ProxyHeader {
            reason: crate::error::ProxyHeaderError::Untrusted(peer.ip()),
        };
        log::warn!("{peer}: closed: {error}");
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return;
    }
    let refusal = stream.try_clone().ok();
    let refusal_message = inner.config.refusal_message.clone();
    let proxy = proxy.clone();
    let open_inner = Arc::clone(inner);
    spawn_connection(
        inner,
        dispatch,
        peer,
        id,
        move || open_proxied(&open_inner, stream, peer, id, &proxy),
        move || {
            if let Some(mut stream) = refusal {
                refuse(&mut stream, &refusal_message);
            }
        },
    );
}

/// On the connection's thread: the PROXY header, then the connection as the client it names.
#[cfg(feature = "proxy-protocol")]
fn open_proxied(
    inner: &Arc<Inner>,
    mut stream: TcpStream,
    balancer: SocketAddr,
    id: u64,
    proxy: &ProxyProtocol,
) -> Option<ServerConnection> {
    let origin = match proxy::read_header(&mut stream, proxy) {
        Ok(origin) => origin,
        Err(Error::ProxyHeader {
            reason: crate::error::ProxyHeaderError::Truncated { received: 0 },
        }) => {
            // Connected and closed with nothing sent: a load balancer's TCP health check
            // (or a port scan). Not worth more than a debug line.
            log::debug!("{balancer}: closed before sending anything (a health check?)");
            return None;
        }
        Err(error) => {
            log::warn!("{balancer}: closed: {error}");
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return None;
        }
    };
    let mut transport = match Transport::tcp(stream) {
        Ok(transport) => transport,
        Err(error) => {
            setup_failed(balancer, &error);
            return None;
        }
    };
    match origin {
        proxy::Origin::Client(client) => {
            log::debug!("{balancer}: PROXY header: the client is {client}");
            transport.set_peer(client.into());
        }
        proxy::Origin::Balancer => {
            log::debug!("{balancer}: PROXY header from the balancer itself");
        }
    }
    let connection = build_connection(
        &inner.config,
        Arc::clone(&inner.engine_config),
        transport,
        id,
        Arc::downgrade(&inner.registry),
    );
    if !inner
        .registry
        .try_insert(connection.clone(), inner.config.max_connections_per_address)
    {
        log::info!(
            "{}: refused, {} connections open from this address",
            connection.addrport(),
            inner.config.max_connections_per_address.unwrap_or(0)
        );
        let _ = connection.write(&format!("{}\r\n", inner.config.refusal_message));
        connection.close();
        return None;
    }
    if inner.stopping.load(Ordering::Acquire) {
        connection.deactivate();
    }
    Some(connection)
}

/// Logs a connection that could not be set up: at debug level when the peer had already
/// gone (a load balancer's health check connects and resets at once), else as a warning.
fn setup_failed(peer: SocketAddr, error: &std::io::Error) {
    if crate::session::is_disconnect(error) {
        log::debug!("{peer}: gone before it could be set up (a health check?): {error}");
    } else {
        log::warn!("{peer}: could not set up the connection: {error}");
    }
}

fn refuse(stream: &mut TcpStream, message: &str) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = stream.write_all(format!("{message}\r\n").as_bytes());
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

/// The engine settings a server's connections share.
fn engine_config(config: &ServerConfig) -> EngineConfig {
    let mut engine_config = EngineConfig::server();
    engine_config.limits = config.limits;
    // A retro character set's bytes mean nothing as NVT ASCII: binary both ways, as
    // telnetlib3 does.
    engine_config.force_binary = config.force_binary || config.encoding.is_retro();
    engine_config.policy = config.policy;
    #[cfg(feature = "mccp")]
    crate::compress::configure_engine(&mut engine_config, config.compression);
    if !config.offer_encodings.is_empty() {
        engine_config.charsets = config
            .offer_encodings
            .iter()
            .map(|e| e.name().to_owned())
            .collect();
    } else if config.encoding != crate::session::Encoding::Utf8 {
        engine_config.charsets = vec![config.encoding.name().to_owned()];
    }
    engine_config
}

fn build_connection(
    config: &ServerConfig,
    engine_config: Arc<EngineConfig>,
    transport: Transport,
    id: u64,
    registry: std::sync::Weak<Registry>,
) -> ServerConnection {
    let options = SessionOptions {
        encoding: config.encoding,
        encoding_errors: config.encoding_errors,
        max_line_length: config.max_line_length,
        max_input_buffer: config.max_input_buffer,
        never_send_ga: config.never_send_ga,
        idle_timeout: config.idle_timeout,
        write_timeout: Some(config.write_timeout),
        answer_are_you_there: true,
        apply_erase_commands: true,
        coalesce_delay: config.coalesce_delay,
        events: EventLimits {
            max_events: config.max_queued_events,
            max_bytes: config.limits.max_subnegotiation.saturating_mul(4),
        },
        max_queued_output: config.max_queued_output,
    };
    let session = Session::new(
        transport,
        Engine::with_shared_config(engine_config),
        options,
    );
    #[cfg(feature = "mccp")]
    crate::compress::install(&session, crate::proto::Role::Server, config.compression);
    ServerConnection::new(session, ConnectionId(id), registry)
}

/// Starts TLS on a new connection when the server serves TELNETS (see `ServerConfig::tls`).
#[cfg(feature = "tls")]
fn start_tls(connection: &ServerConnection, config: &ServerConfig) -> Result<()> {
    match &config.tls {
        Some(tls) => crate::tls::start_server(&connection.session, tls).map(|_| ()),
        None => Ok(()),
    }
}

#[cfg(not(feature = "tls"))]
fn start_tls(_connection: &ServerConnection, _config: &ServerConfig) -> Result<()> {
    Ok(())
}

fn run_connection(inner: &Arc<Inner>, dispatch: &Dispatch, connection: ServerConnection) {
    let peer = connection.addrport();
    log::debug!("{peer}: connected");
    if let Err(error) = start_tls(&connection, &inner.config) {
        log::info!("{peer}: no TLS session: {error}");
        connection.close();
        return;
    }
    if let Err(error) = opening::negotiate(&connection, &inner.config) {
        log::debug!("{peer}: left during the opening negotiation: {error}");
        connection.close();
        return;
    }
    // Became ready while the server drains: told as those already connected were. Marked
    // ready under the drain message's lock, so a drain's snapshot of the ready connections
    // either has this one (and it was not told here) or not (and it is told here): once.
    let drain_message = {
        let message = inner.drain_message.lock();
        inner.registry.mark_ready(connection.id());
        message.clone()
    };
    if let Some(message) = drain_message {
        let _ = connection.send(&message);
    }
    match dispatch {
        Dispatch::Queue(queue) => {
            if queue.send(connection.clone()).is_err() {
                connection.close();
            }
        }
        Dispatch::Handler(handler) => {
            let outcome = catch_unwind(AssertUnwindSafe(|| handler(connection.clone())));
            if let Err(panic) = outcome {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string panic)".into());
                log::error!("{peer}: handler panicked: {message}");
            }
            connection.close();
            log::debug!("{peer}: disconnected");
        }
    }
}
