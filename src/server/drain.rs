//! Rolling restarts: stop accepting at once, tell the users, let the handlers finish within a
//! grace period, then close.
//!
//! With `ServerConfig::reuse_port`, the listener is bound with `SO_REUSEPORT`, so a new
//! process can bind the same address and port while the old one still listens; the kernel
//! spreads new connections over both. The old one then drains
//! ([`BlockingTelnetServer::drain`]): its listener is shut down at once, so every new
//! connection goes to the new process, and its users are told and given the grace period.
//!
//! Connections that had completed the TCP handshake but were not yet accepted when the old
//! listener closes are moved to the new one only when `net.ipv4.tcp_migrate_req = 1` (Linux
//! 5.14 and later); otherwise the kernel resets them. [`bind_listener`] warns when the
//! setting is off.

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use super::{BlockingTelnetServer, CONNECTION_THREAD, ServerConnection};

/// The listen backlog of a listener bound with `SO_REUSEPORT` (std's `TcpListener::bind`
/// uses 128; a balancer that opens connections in bursts during a restart wants more).
const BACKLOG: i32 = 1024;

/// Binds `addr`, with `SO_REUSEPORT` when `reuse_port`.
pub(crate) fn bind_listener(addr: impl ToSocketAddrs, reuse_port: bool) -> io::Result<TcpListener> {
    if !reuse_port {
        return TcpListener::bind(addr);
    }
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to bind");
    for addr in addr.to_socket_addrs()? {
        match bind_reuse_port(addr) {
            Ok(listener) => {
                warn_without_migration();
                return Ok(listener);
            }
            Err(error) => last = error,
        }
    }
    Err(last)
}

fn bind_reuse_port(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Warns when connections queued on a closing listener would be reset rather than handed to
/// the process that shares its port.
fn warn_without_migration() {
    if let Ok(value) = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_migrate_req") {
        if value.trim() == "0" {
            log::warn!(
                "SO_REUSEPORT: connections waiting to be accepted when this server stops \
                 accepting will be reset, not handed to the new process; to hand them over: \
                 sysctl -w net.ipv4.tcp_migrate_req=1"
            );
        }
    }
}

/// Shuts the listening socket down: a thread blocked in `accept` wakes (on Linux) and the
/// port is left to any other process bound to it with `SO_REUSEPORT`. Returns whether it
/// worked (elsewhere a connection to the listener wakes it instead).
pub(crate) fn close_listener(listener: &TcpListener) -> bool {
    SockRef::from(listener)
        .shutdown(std::net::Shutdown::Both)
        .is_ok()
}

impl BlockingTelnetServer {
    /// Stops accepting at once: the listening socket is shut down (so a process sharing the
    /// port with `ServerConfig::reuse_port` gets every new connection) and the listener
    /// thread ends. Open connections go on. Safe to call more than once.
    pub fn stop_accepting(&self) {
        let inner = &self.inner;
        if !inner.accepting_stopped.swap(true, Ordering::AcqRel) {
            log::debug!("{}: no longer accepting", inner.local_addr);
            if !close_listener(&inner.listener) {
                super::wake_listener(inner.local_addr);
            }
        }
        if let Some(thread) = inner.listener_thread.lock().take() {
            let _ = thread.join();
        }
    }

    /// The first step of [`drain`](Self::drain), for callers that tell the users themselves:
    /// stops accepting, remembers `message` for connections still in their opening
    /// negotiation (each is sent it as it becomes ready, before its handler starts), and
    /// returns the connections past it, which the caller is to tell.
    pub fn begin_drain(&self, message: &str) -> Vec<ServerConnection> {
        log::info!("{}: draining: no longer accepting", self.inner.local_addr);
        self.stop_accepting();
        // The message and the snapshot under one lock, which a connection becoming ready
        // takes too: each connection is told once, by the caller or as it becomes ready.
        let mut pending = self.inner.drain_message.lock();
        *pending = Some(message.to_owned());
        let clients = self.clients();
        drop(pending);
        clients
    }

    /// Waits until every connection thread has ended, or `timeout` has passed; returns
    /// whether they all ended. A handler that calls it does not wait for itself.
    pub fn wait_for_handlers(&self, timeout: Duration) -> bool {
        let own = usize::from(CONNECTION_THREAD.with(|c| c.get()));
        self.inner.registry.wait_threads(timeout, own)
    }

    /// A rolling restart's end of the old process: stops accepting at once, sends `message`
    /// to every user (queued as [`broadcast`](Self::broadcast) does, never waiting for one
    /// that does not read), lets the handlers finish on their own for up to `grace`, then
    /// [`shutdown`](Self::shutdown)s. Returns whether every connection thread ended.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use ironboa::{BlockingTelnetServer, ServerConfig};
    ///
    /// let config = ServerConfig::default().reuse_port(true);
    /// let server = BlockingTelnetServer::bind("0.0.0.0:6023", config)?;
    /// server.serve_in_background(|conn| { let _ = conn.readline(None); })?;
    /// // ... a new process has bound 0.0.0.0:6023 too; then:
    /// server.drain("Restarting; reconnect in a moment.\n", Duration::from_secs(30));
    /// # Ok::<(), ironboa::Error>(())
    /// ```
    pub fn drain(&self, message: &str, grace: Duration) -> bool {
        for client in self.begin_drain(message) {
            if client.send_nowait(message).is_err() {
                client.abort();
            }
        }
        self.wait_for_handlers(grace);
        self.shutdown()
    }
}
