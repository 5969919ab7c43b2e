//! The thread wall: what the kernel allows a thread-per-connection server, checked against
//! `max_connections` when the server binds.
//!
//! Each connection is one thread, and each Rust thread on Linux costs four memory mappings
//! (its stack and guard page, and the stack and guard page of the alternate signal stack
//! that catches stack overflows; measured: 2,000 connections add 8,031 mappings). A process
//! that runs out of mappings (`vm.max_map_count`, 65,530 by default) does not fail the next
//! thread cleanly: it aborts, every connection with it, near 16,380 threads. So a
//! `max_connections` that could cross that line is refused at bind, with the `sysctl` that
//! raises it.
//!
//! The other limits fail gracefully (a thread that cannot start, or a descriptor that cannot
//! be had, costs only the connection that wanted it: it is told
//! `ServerConfig::refusal_message`, or waits in the backlog), so they are warnings, each with
//! its remedy: `kernel.threads-max`, `kernel.pid_max` (threads are counted as processes),
//! `ulimit -u` (the user's processes and threads) and `ulimit -n` (open files: one per
//! connection).

use crate::error::{Error, Result};

/// Memory mappings per connection thread (measured; see the module documentation).
pub(crate) const MAPS_PER_THREAD: u64 = 4;
/// Mappings, threads and descriptors left over for everything else in the process.
const HEADROOM: u64 = 256;
/// Descriptors beside the connections' own: the listener, standard streams, log file...
const SPARE_FILES: u64 = 16;

/// Checks `max_connections` against the kernel's limits: [`Error::SystemLimit`] for one
/// that would abort the process, a warning in the log for the others.
pub(crate) fn check(max_connections: usize) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        let connections = max_connections as u64;
        if let (Some(limit), Some(now)) = (
            read_number("/proc/sys/vm/max_map_count"),
            std::fs::read_to_string("/proc/self/maps")
                .ok()
                .map(|maps| maps.lines().count() as u64),
        ) {
            // Saturating: `max_connections(usize::MAX)` ("no limit") must be refused, not wrap.
            let needed = connections
                .saturating_mul(MAPS_PER_THREAD)
                .saturating_add(now)
                .saturating_add(HEADROOM);
            if needed > limit {
                return Err(Error::SystemLimit {
                    setting: "vm.max_map_count",
                    value: limit,
                    needed,
                    fix: format!(
                        "sysctl -w vm.max_map_count={} (or lower max_connections to {}, or \
                         run several processes behind a load balancer)",
                        round_up(needed),
                        limit.saturating_sub(now + HEADROOM) / MAPS_PER_THREAD
                    ),
                });
            }
        }
        let threads = connections.saturating_add(HEADROOM);
        for (setting, path) in [
            ("kernel.threads-max", "/proc/sys/kernel/threads-max"),
            ("kernel.pid_max", "/proc/sys/kernel/pid_max"),
        ] {
            if let Some(limit) = read_number(path) {
                if threads > limit {
                    warn(
                        setting,
                        limit,
                        threads,
                        &format!("sysctl -w {setting}={}", round_up(threads)),
                    );
                }
            }
        }
        if let Some(limit) = soft_limit("Max processes") {
            if threads > limit {
                warn(
                    "ulimit -u",
                    limit,
                    threads,
                    &format!("ulimit -u {}", round_up(threads)),
                );
            }
        }
        if let Some(limit) = soft_limit("Max open files") {
            let files = connections.saturating_add(SPARE_FILES);
            if files > limit {
                warn(
                    "ulimit -n",
                    limit,
                    files,
                    &format!(
                        "ulimit -n {} (LimitNOFILE= in a systemd unit)",
                        round_up(files)
                    ),
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = max_connections;
    Ok(())
}

#[cfg(target_os = "linux")]
fn warn(setting: &str, value: u64, needed: u64, fix: &str) {
    log::warn!(
        "max_connections needs {setting} of at least {needed} (it is {value}); connections \
         past it will be refused: {fix}"
    );
}

#[cfg(target_os = "linux")]
fn read_number(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The soft limit named `name` in /proc/self/limits (`None` when unlimited or unknown).
#[cfg(target_os = "linux")]
fn soft_limit(name: &str) -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// `n` rounded up to a round figure for a suggested setting.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn round_up(n: u64) -> u64 {
    n.div_ceil(1024).saturating_mul(1024)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_wall_past_the_map_count_is_refused_with_the_sysctl() {
        let limit = read_number("/proc/sys/vm/max_map_count").unwrap();
        let too_many = (limit / MAPS_PER_THREAD) as usize + 1;
        match check(too_many) {
            Err(Error::SystemLimit {
                setting,
                value,
                fix,
                ..
            }) => {
                assert_eq!(setting, "vm.max_map_count");
                assert_eq!(value, limit);
                assert!(fix.starts_with("sysctl -w vm.max_map_count="), "{fix}");
            }
            other => panic!("{other:?}"),
        }
        assert!(check(100).is_ok());
        // "No limit" is past every wall, and neither wraps nor panics.
        assert!(matches!(
            check(usize::MAX),
            Err(Error::SystemLimit {
                needed: u64::MAX,
                ..
            })
        ));
    }

    #[test]
    fn round_figures() {
        assert_eq!(round_up(1), 1024);
        assert_eq!(round_up(65_530), 65_536);
        assert_eq!(round_up(u64::MAX), u64::MAX);
    }
}
