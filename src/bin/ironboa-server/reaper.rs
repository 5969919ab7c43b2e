//! The processes `--pty-exec` starts: every one is reaped, and a session that ends takes all
//! its processes with it.
//!
//! Each program runs as the leader of its own session on its own pseudo-terminal. When the
//! connection ends (the program exited, the peer left, the idle timeout, shutdown), every
//! process group of that session gets SIGHUP and SIGCONT, as a terminal hang-up gives them, and
//! whatever is still alive [`HANGUP_GRACE`] later gets SIGKILL: a background job (`sleep 45 &`
//! then `exit`) no longer keeps the connection open, and nothing a session started outlives it,
//! except a process that left the session itself (`setsid`, a daemon).
//!
//! One thread reaps every child of the server (on SIGCHLD), so no path leaves a zombie. On Linux
//! the server is also a child subreaper: a session's processes orphaned by their shell are
//! reaped here too, so an init that does not reap (a container's) cannot be made to pile up
//! zombies by a client that starts background jobs.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use parking_lot::{Condvar, Mutex};

/// How long a session's processes have to end after SIGHUP before they get SIGKILL.
pub const HANGUP_GRACE: Duration = Duration::from_secs(2);
/// How often a hang-up looks at which of the session's processes are still alive.
const CHECK_EVERY: Duration = Duration::from_millis(10);

struct Reaper {
    /// Held while a child is spawned and while children are reaped: `std::process` reaps a
    /// child whose `exec` failed itself, and must find it unreaped.
    spawning: Mutex<()>,
    /// The session leaders still wanted: `None` while running, then how each ended.
    leaders: Mutex<HashMap<i32, Option<WaitStatus>>>,
    ended: Condvar,
}

static REAPER: OnceLock<Reaper> = OnceLock::new();

/// Starts the reaper (once; later calls do nothing): SIGCHLD is watched from now on, and on
/// Linux the server becomes a child subreaper.
pub fn start() -> std::io::Result<()> {
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    STARTED
        .get_or_init(|| {
            let reaper = REAPER.get_or_init(|| Reaper {
                spawning: Mutex::new(()),
                leaders: Mutex::new(HashMap::new()),
                ended: Condvar::new(),
            });
            #[cfg(target_os = "linux")]
            if let Err(error) = nix::sys::prctl::set_child_subreaper(true) {
                log::warn!("cannot become a child subreaper ({error}); orphans go to init");
            }
            let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGCHLD])
                .map_err(|e| format!("cannot watch SIGCHLD: {e}"))?;
            std::thread::Builder::new()
                .name("ironboa-reaper".into())
                .stack_size(64 * 1024)
                .spawn(move || {
                    reap(reaper);
                    for _ in signals.forever() {
                        reap(reaper);
                    }
                })
                .map_err(|e| format!("cannot start the reaper thread: {e}"))?;
            Ok(())
        })
        .clone()
        .map_err(std::io::Error::other)
}

/// Reaps every child that has ended, recording how the session leaders ended.
fn reap(reaper: &Reaper) {
    let _spawning = reaper.spawning.lock();
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(status) => {
                let Some(pid) = status.pid() else { continue };
                let mut leaders = reaper.leaders.lock();
                if let Some(slot) = leaders.get_mut(&pid.as_raw()) {
                    *slot = Some(status);
                    reaper.ended.notify_all();
                } else {
                    log::trace!("reaped {pid} ({status:?})");
                }
            }
        }
    }
}

/// One program's session, hung up when dropped (or by [`hang_up`](Self::hang_up)).
pub struct Session {
    leader: Pid,
    hung_up: bool,
}

impl Session {
    /// Runs `spawn` (which starts the leader and returns its pid) so that the reaper cannot
    /// take the new child's status before the session knows it.
    pub fn spawn<E>(spawn: impl FnOnce() -> Result<u32, E>) -> Result<Session, E>
    where
        E: From<std::io::Error>,
    {
        start()?;
        let reaper = REAPER.get().expect("started");
        let _spawning = reaper.spawning.lock();
        let pid = spawn()?;
        let leader = Pid::from_raw(pid as i32);
        reaper.leaders.lock().insert(leader.as_raw(), None);
        Ok(Session {
            leader,
            hung_up: false,
        })
    }

    /// The leader's process id (also the session's and its first process group's id).
    pub fn pid(&self) -> i32 {
        self.leader.as_raw()
    }

    /// How the leader ended, once it has (and has been reaped).
    pub fn exit_status(&self) -> Option<String> {
        let reaper = REAPER.get()?;
        let leaders = reaper.leaders.lock();
        leaders
            .get(&self.leader.as_raw())
            .copied()
            .flatten()
            .map(describe)
    }

    /// Hangs the session up: SIGHUP and SIGCONT to each of its process groups, SIGKILL to
    /// whatever is left after [`HANGUP_GRACE`]; returns once all are gone (or a bound later,
    /// if the system will not let them go) and the leader is reaped.
    pub fn hang_up(&mut self) {
        if std::mem::replace(&mut self.hung_up, true) {
            return;
        }
        let sid = self.leader;
        let mut known = members(sid);
        signal_groups(sid, &known, Signal::SIGHUP);
        signal_groups(sid, &known, Signal::SIGCONT);
        if !wait_until(HANGUP_GRACE, || !alive(sid, &mut known)) {
            log::info!(
                "session {sid}: {:?} still running {HANGUP_GRACE:?} after SIGHUP; sending SIGKILL",
                known.iter().map(|m| m.pid).collect::<Vec<_>>()
            );
            // Processes may still be forked while the signals go out: repeat until none are
            // left.
            let gone = wait_until(Duration::from_secs(1), || {
                let now = members(sid);
                signal_groups(sid, &now, Signal::SIGKILL);
                now.is_empty()
            });
            if !gone {
                log::warn!(
                    "session {sid}: {:?} survive SIGKILL",
                    members(sid).iter().map(|m| m.pid).collect::<Vec<_>>()
                );
            }
        }
        if let Some(reaper) = REAPER.get() {
            let deadline = Instant::now() + Duration::from_secs(1);
            let mut leaders = reaper.leaders.lock();
            while leaders.get(&sid.as_raw()).is_some_and(Option::is_none) {
                if reaper.ended.wait_until(&mut leaders, deadline).timed_out() {
                    log::warn!("session {sid}: the leader was not reaped in time");
                    break;
                }
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.hang_up();
        if let Some(reaper) = REAPER.get() {
            reaper.leaders.lock().remove(&self.leader.as_raw());
        }
    }
}

/// Polls `done` every [`CHECK_EVERY`] until it holds or `bound` passes; returns whether it
/// held. (A session's grandchildren end without telling the server.)
fn wait_until(bound: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + bound;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(CHECK_EVERY);
    }
}

fn describe(status: WaitStatus) -> String {
    match status {
        WaitStatus::Exited(_, code) => format!("exit status {code}"),
        WaitStatus::Signaled(_, signal, _) => format!("killed by {signal}"),
        other => format!("{other:?}"),
    }
}

/// A process of a session that still counts (see `stat`).
#[derive(Clone, Copy, Debug)]
struct Member {
    pid: i32,
    group: Pid,
}

/// What `/proc/PID/stat` says of a process: its session, and its group if it still counts:
/// alive, or a zombie this process has yet to reap (an orphan of a session, adopted as the
/// subreaper). A zombie of any other parent is not ours to wait for.
#[cfg(target_os = "linux")]
fn stat(pid: i32) -> Option<(i32, Option<Pid>)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // pid (comm) state ppid pgrp session ...; comm may hold anything, ')' included.
    let (_, after) = stat.rsplit_once(')')?;
    let mut fields = after.split_whitespace();
    let state = fields.next()?;
    let ppid: u32 = fields.next()?.parse().ok()?;
    let group: i32 = fields.next()?.parse().ok()?;
    let session: i32 = fields.next()?.parse().ok()?;
    let counts = match state {
        "Z" => ppid == std::process::id(),
        "X" => false,
        _ => true,
    };
    Some((session, counts.then_some(Pid::from_raw(group))))
}

/// The group of process `pid` if it is a member of session `sid` that still counts.
#[cfg(target_os = "linux")]
fn group_in_session(pid: i32, sid: Pid) -> Option<Pid> {
    stat(pid).and_then(|(session, group)| if session == sid.as_raw() { group } else { None })
}

/// One look at every process, by session.
#[cfg(target_os = "linux")]
struct Scan {
    /// When the look began: it shows every process that existed then.
    began: Instant,
    /// `None` when /proc cannot be read.
    sessions: Option<HashMap<i32, Vec<Member>>>,
}

/// The processes of session `sid` that still count. Every process is looked at, once for all
/// the hang-ups that ask meanwhile: a shutdown hangs up every session at once, and a thousand
/// sessions each reading all of /proc would take seconds.
#[cfg(target_os = "linux")]
fn members(sid: Pid) -> Vec<Member> {
    static LAST: Mutex<Option<std::sync::Arc<Scan>>> = Mutex::new(None);
    let asked = Instant::now();
    let scan = {
        let mut last = LAST.lock();
        match &*last {
            Some(scan) if scan.began >= asked => std::sync::Arc::clone(scan),
            _ => {
                let scan = std::sync::Arc::new(scan_all());
                *last = Some(std::sync::Arc::clone(&scan));
                scan
            }
        }
    };
    match &scan.sessions {
        Some(sessions) => sessions.get(&sid.as_raw()).cloned().unwrap_or_default(),
        None => leader_group(sid),
    }
}

#[cfg(target_os = "linux")]
fn scan_all() -> Scan {
    let began = Instant::now();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Scan {
            began,
            sessions: None,
        };
    };
    let mut sessions: HashMap<i32, Vec<Member>> = HashMap::new();
    for pid in entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
    {
        if let Some((session, Some(group))) = stat(pid) {
            sessions
                .entry(session)
                .or_default()
                .push(Member { pid, group });
        }
    }
    Scan {
        began,
        sessions: Some(sessions),
    }
}

/// Whether session `sid` still has a live process: the ones `known` lists are looked at
/// first (cheap), and only once they are all gone is every process looked at again, for any
/// forked meanwhile.
#[cfg(target_os = "linux")]
fn alive(sid: Pid, known: &mut Vec<Member>) -> bool {
    known.retain(|m| group_in_session(m.pid, sid).is_some());
    if known.is_empty() {
        *known = members(sid);
    }
    !known.is_empty()
}

/// Where the session's processes cannot be listed, its first process group stands for it.
fn leader_group(sid: Pid) -> Vec<Member> {
    if killpg(sid, None).is_ok() {
        vec![Member {
            pid: sid.as_raw(),
            group: sid,
        }]
    } else {
        Vec::new()
    }
}

#[cfg(not(target_os = "linux"))]
fn members(sid: Pid) -> Vec<Member> {
    leader_group(sid)
}

#[cfg(not(target_os = "linux"))]
fn alive(sid: Pid, known: &mut Vec<Member>) -> bool {
    *known = members(sid);
    !known.is_empty()
}

/// Sends `signal` to every process group of `members` (of session `sid`).
fn signal_groups(sid: Pid, members: &[Member], signal: Signal) {
    let mut groups: Vec<Pid> = members.iter().map(|m| m.group).collect();
    groups.sort_unstable_by_key(|p| p.as_raw());
    groups.dedup();
    for group in groups {
        match killpg(group, signal) {
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(error) => log::debug!("session {sid}: killpg({group}, {signal}): {error}"),
        }
    }
}
