//! `--loglevel` and `--logfile` for both command-line tools.
//!
//! The level applies to ironboa's own log; at `trace`, the `ironboa::wire` target hex-dumps
//! every byte read and written. Peer-controlled text reaches the log only escaped.

use std::fs::OpenOptions;
use std::path::Path;

/// Sets up logging at `level` ("off", "error", "warn", "info", "debug", "trace") to `file`,
/// or to standard error when `file` is `None` and `stderr_ok`.
pub fn init(level: &str, file: Option<&Path>, stderr_ok: bool) -> Result<(), String> {
    let filter: log::LevelFilter = level.parse().map_err(|_| {
        format!("unknown log level {level:?} (off, error, warn, info, debug, trace)")
    })?;
    let mut builder = env_logger::Builder::new();
    builder.filter_level(filter).format_timestamp_millis();
    match file {
        Some(path) => {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
            builder.target(env_logger::Target::Pipe(Box::new(file)));
        }
        None if stderr_ok => {
            builder.target(env_logger::Target::Stderr);
        }
        None => {
            builder.filter_level(log::LevelFilter::Off);
        }
    }
    builder.try_init().map_err(|e| e.to_string())
}
