//! Keeping idle connections alive through NAT tables and load balancers, and noticing peers
//! that vanished without a FIN or RST (a cable pulled, a laptop closed, a NAT entry dropped).
//!
//! Two means, set with `ServerConfig::keepalive`:
//! * **TCP keepalive** (socket2): after `idle` without traffic the kernel sends a probe every
//!   `interval`; `count` unanswered probes end the connection. `TCP_USER_TIMEOUT` is set to
//!   the same bound (`idle + interval × count`) on Linux, so that a peer that vanishes while
//!   output is waiting for its acknowledgement (when the kernel sends no keepalive probes, it
//!   retransmits) is given up on as soon, not after the kernel's fifteen minutes. The
//!   handler, blocked in a read, gets [`Error::Closed`](crate::Error::Closed) or an I/O error
//!   and ends.
//! * **IAC NOP** every `nop_interval`: Telnet's no-operation command, for balancers and NAT
//!   devices that time out connections without traffic and do not count TCP keepalive
//!   probes. Sent by one thread per server (64 KiB stack) to every connection past its
//!   opening negotiation, never waiting for any of them: a client that does not read is not
//!   sent more once `ServerConfig::max_queued_output` is waiting.

use std::net::TcpStream;
use std::sync::{Arc, Weak};
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};

use super::Inner;
use crate::proto::Command;

/// TCP keepalive and Telnet NOP settings (see the module documentation).
///
/// ```
/// use std::time::Duration;
/// use ironboa::server::{Keepalive, ServerConfig};
///
/// let keepalive = Keepalive::default()
///     .idle(Duration::from_secs(30))
///     .interval(Duration::from_secs(5))
///     .count(3)
///     .nop_interval(Some(Duration::from_secs(60)));
/// assert_eq!(keepalive.bound(), Duration::from_secs(45));
/// let config = ServerConfig::default().keepalive(Some(keepalive));
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    idle: Duration,
    interval: Duration,
    count: u32,
    nop_interval: Option<Duration>,
}

impl Default for Keepalive {
    /// Probes after 60 s idle, every 10 s, 6 of them: a vanished peer is noticed within
    /// 2 minutes. No NOPs.
    fn default() -> Self {
        Keepalive {
            idle: Duration::from_secs(60),
            interval: Duration::from_secs(10),
            count: 6,
            nop_interval: None,
        }
    }
}

impl Keepalive {
    /// How long a connection is quiet before the first probe (default 60 s; whole seconds,
    /// at least 1, as the kernel counts them).
    pub fn idle(mut self, idle: Duration) -> Self {
        self.idle = whole_seconds(idle);
        self
    }

    /// The time between probes (default 10 s; whole seconds, at least 1).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = whole_seconds(interval);
        self
    }

    /// How many unanswered probes end the connection (default 6; 1 to 127).
    pub fn count(mut self, count: u32) -> Self {
        self.count = count.clamp(1, 127);
        self
    }

    /// Sends IAC NOP this often to every connection (default `None`: never); at least 1 s.
    pub fn nop_interval(mut self, interval: Option<Duration>) -> Self {
        self.nop_interval = interval.map(|i| i.max(Duration::from_secs(1)));
        self
    }

    /// The setting made with [`idle`](Self::idle).
    pub fn get_idle(&self) -> Duration {
        self.idle
    }

    /// The setting made with [`interval`](Self::interval).
    pub fn get_interval(&self) -> Duration {
        self.interval
    }

    /// The setting made with [`count`](Self::count).
    pub fn get_count(&self) -> u32 {
        self.count
    }

    /// The setting made with [`nop_interval`](Self::nop_interval).
    pub fn get_nop_interval(&self) -> Option<Duration> {
        self.nop_interval
    }

    /// How long after a peer vanished its connection ends at the latest:
    /// `idle + interval × count`.
    pub fn bound(&self) -> Duration {
        self.idle + self.interval * self.count
    }

    /// Sets the socket options on an accepted connection.
    pub(crate) fn apply(&self, stream: &TcpStream) -> std::io::Result<()> {
        let socket = SockRef::from(stream);
        let params = TcpKeepalive::new()
            .with_time(self.idle)
            .with_interval(self.interval)
            .with_retries(self.count);
        socket.set_tcp_keepalive(&params)?;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        socket.set_tcp_user_timeout(Some(self.bound()))?;
        Ok(())
    }
}

fn whole_seconds(duration: Duration) -> Duration {
    Duration::from_secs(duration.as_secs().clamp(1, 32767))
}

/// Starts the thread that sends IAC NOP to every client every `interval`; it ends with the
/// server (it holds no strong reference to it).
pub(crate) fn start_nop_thread(inner: &Arc<Inner>, interval: Duration) -> std::io::Result<()> {
    let weak: Weak<Inner> = Arc::downgrade(inner);
    std::thread::Builder::new()
        .name(format!("ironboa-nop-{}", inner.local_addr.port()))
        .stack_size(64 * 1024)
        .spawn(move || {
            // Wakes at least once a second to see whether the server is gone.
            let step = interval.min(Duration::from_secs(1));
            let mut waited = Duration::ZERO;
            loop {
                std::thread::sleep(step);
                waited += step;
                let Some(inner) = weak.upgrade() else { return };
                if inner.stopping.load(std::sync::atomic::Ordering::Acquire) {
                    return;
                }
                if waited < interval {
                    continue;
                }
                waited = Duration::ZERO;
                let limit = inner.config.max_queued_output;
                for connection in inner.registry.snapshot(false) {
                    if let Err(error) = connection.session.queue_command(Command::Nop, limit) {
                        log::debug!("{}: no NOP: {error}", connection.addrport());
                    }
                }
            }
        })?;
    Ok(())
}
