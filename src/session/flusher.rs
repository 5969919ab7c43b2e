//! Delayed flushes of coalesced output.
//!
//! Output owed an IAC GA is held back briefly, so that the GA leaves in the same write when
//! the handler goes straight back to reading (one packet per prompt instead of two). Output
//! that no read follows must still leave: one process-wide thread wakes at each deadline and
//! writes what is still held, without ever blocking on a socket (what does not fit is
//! rescheduled), so one peer that does not read cannot delay another's output.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use super::Session;

struct Entry {
    at: Instant,
    session: Weak<Session>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.at.cmp(&other.at)
    }
}

struct Flusher {
    due: Mutex<BinaryHeap<Reverse<Entry>>>,
    wake: Condvar,
}

static FLUSHER: OnceLock<Option<Arc<Flusher>>> = OnceLock::new();

fn flusher() -> Option<&'static Arc<Flusher>> {
    FLUSHER
        .get_or_init(|| {
            let flusher = Arc::new(Flusher {
                due: Mutex::new(BinaryHeap::new()),
                wake: Condvar::new(),
            });
            let running = Arc::clone(&flusher);
            let spawned = std::thread::Builder::new()
                .name("ironboa-flusher".into())
                .stack_size(64 * 1024)
                .spawn(move || run(&running));
            match spawned {
                Ok(_) => Some(flusher),
                Err(error) => {
                    log::warn!(
                        "cannot start the output flusher thread ({error}); output is not coalesced"
                    );
                    None
                }
            }
        })
        .as_ref()
}

/// Whether delayed flushes are available (the flusher thread runs).
pub(super) fn available() -> bool {
    flusher().is_some()
}

/// Asks for `session`'s held output to be written at `at` unless something writes it first.
pub(super) fn schedule(session: Weak<Session>, at: Instant) {
    let Some(flusher) = flusher() else { return };
    let mut due = flusher.due.lock();
    let first = due.peek().is_none_or(|Reverse(e)| at < e.at);
    due.push(Reverse(Entry { at, session }));
    drop(due);
    if first {
        flusher.wake.notify_one();
    }
}

fn run(flusher: &Flusher) {
    let mut due = flusher.due.lock();
    loop {
        let Some(Reverse(next)) = due.peek() else {
            flusher.wake.wait(&mut due);
            continue;
        };
        let at = next.at;
        if Instant::now() < at {
            flusher.wake.wait_until(&mut due, at);
            continue;
        }
        let Some(Reverse(entry)) = due.pop() else {
            continue;
        };
        drop(due);
        if let Some(session) = entry.session.upgrade() {
            session.flush_held();
        }
        due = flusher.due.lock();
    }
}
