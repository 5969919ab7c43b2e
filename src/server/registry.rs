//! The set of open connections, and the count of live handler threads.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::{ConnectionId, ServerConnection};

/// Open connections by id (with whether their opening negotiation is over), plus the number
/// of connection threads still running.
#[derive(Default)]
pub(crate) struct Registry {
    connections: Mutex<HashMap<ConnectionId, (ServerConnection, bool)>>,
    /// Open connections per client IP address (for `max_connections_per_address`), kept
    /// under the `connections` lock.
    per_address: Mutex<HashMap<IpAddr, usize>>,
    threads: Mutex<usize>,
    threads_done: Condvar,
}

impl Registry {
    pub(crate) fn insert(&self, connection: ServerConnection) {
        self.try_insert(connection, None);
    }

    /// Adds `connection` unless `per_address` connections from its IP address are open
    /// already; returns whether it was added.
    pub(crate) fn try_insert(
        &self,
        connection: ServerConnection,
        per_address: Option<usize>,
    ) -> bool {
        let mut connections = self.connections.lock();
        if let Some(ip) = address_of(&connection) {
            let mut counts = self.per_address.lock();
            let count = counts.entry(ip).or_insert(0);
            if per_address.is_some_and(|max| *count >= max) {
                if *count == 0 {
                    counts.remove(&ip);
                }
                return false;
            }
            *count += 1;
        }
        connections.insert(connection.id, (connection, false));
        true
    }

    /// How many connections from `ip` are open.
    pub(crate) fn count_for(&self, ip: IpAddr) -> usize {
        let _connections = self.connections.lock();
        self.per_address
            .lock()
            .get(&ip.to_canonical())
            .copied()
            .unwrap_or(0)
    }

    /// Forgets one connection of `connection`'s address (with the `connections` lock held).
    fn forget_address(&self, connection: &ServerConnection) {
        if let Some(ip) = address_of(connection) {
            let mut counts = self.per_address.lock();
            if let Some(count) = counts.get_mut(&ip) {
                *count -= 1;
                if *count == 0 {
                    counts.remove(&ip);
                }
            }
        }
    }

    /// The connection's opening negotiation is over: it is one of the server's clients now.
    pub(crate) fn mark_ready(&self, id: ConnectionId) {
        if let Some(entry) = self.connections.lock().get_mut(&id) {
            entry.1 = true;
        }
    }

    pub(crate) fn remove(&self, id: ConnectionId) {
        let mut connections = self.connections.lock();
        if let Some((connection, _)) = connections.remove(&id) {
            self.forget_address(&connection);
        }
    }

    /// Every open connection, ready or still negotiating.
    pub(crate) fn len(&self) -> usize {
        self.connections.lock().len()
    }

    /// The connections past their opening negotiation.
    pub(crate) fn ready_len(&self) -> usize {
        self.connections
            .lock()
            .values()
            .filter(|(_, ready)| *ready)
            .count()
    }

    /// The open connections (only the ready ones unless `all`), dropping any that closed
    /// without saying so.
    pub(crate) fn snapshot(&self, all: bool) -> Vec<ServerConnection> {
        let mut connections = self.connections.lock();
        connections.retain(|_, (c, _)| {
            let active = c.active();
            if !active {
                self.forget_address(c);
            }
            active
        });
        let mut list: Vec<ServerConnection> = connections
            .values()
            .filter(|(_, ready)| all || *ready)
            .map(|(c, _)| c.clone())
            .collect();
        list.sort_by_key(|c| c.id);
        list
    }

    pub(crate) fn thread_started(&self) {
        *self.threads.lock() += 1;
    }

    pub(crate) fn thread_ended(&self) {
        let mut threads = self.threads.lock();
        *threads -= 1;
        if *threads <= 1 {
            self.threads_done.notify_all();
        }
    }

    pub(crate) fn threads(&self) -> usize {
        *self.threads.lock()
    }

    /// Waits until no more than `own` connection threads run (`own` is 1 when the caller is
    /// one of them), or `bound` passes. Returns whether all the others ended.
    pub(crate) fn wait_threads(&self, bound: Duration, own: usize) -> bool {
        let deadline = crate::session::deadline_after(bound);
        let mut threads = self.threads.lock();
        while *threads > own {
            if self
                .threads_done
                .wait_until(&mut threads, deadline)
                .timed_out()
            {
                return *threads <= own;
            }
        }
        true
    }
}

/// The client's IP address (IPv4-mapped IPv6 addresses as IPv4), for TCP connections.
fn address_of(connection: &ServerConnection) -> Option<IpAddr> {
    connection.peer_addr().map(|a| a.ip().to_canonical())
}
