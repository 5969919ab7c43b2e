//! `ironboa-fingerprint HOST [PORT]`: what is that Telnet server?
//!
//! Connects, lets the server lead (its offers and its banner, until it has been quiet or a
//! bounded wait is over), then asks it about every option in both directions (DO and WILL),
//! sends STATUS SEND and DO TIMING-MARK, and reports what it accepted, refused or left
//! unanswered, with what it asked of us (TTYPE, NEW_ENVIRON, CHARSET, LINEMODE). Every round
//! is bounded by `--probe-timeout`: a server that never answers, answers for ever or loops
//! costs that and is reported so. The protocol behaviour is hashed (SHA-256 of its canonical
//! JSON, 16 hex digits, as telnetlib3-fingerprint does): two runs against the same server give
//! the same hash; the banner, addresses and times are kept beside it and not hashed.
//!
//! ```text
//! ironboa-fingerprint 127.0.0.1 2323
//! ironboa-fingerprint --save-json fp.json --silent example.com
//! ironboa-fingerprint --data-dir data example.com 23     # data/server/<hash>/<session>.json
//! ironboa-fingerprint --ssl example.com 992               # TELNETS (--ssl-cafile, --ssl-no-verify)
//! ```

#[path = "../common/fingerprint_store.rs"]
mod fingerprint_store;
mod probe;
mod tls;
mod wire;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fingerprint_store::list;
use serde_json::json;

/// Fingerprint a Telnet server: its offers, the options it accepts and refuses, its banner.
#[derive(Parser, Debug)]
#[command(name = "ironboa-fingerprint", version)]
struct Args {
    /// The server's host name or address.
    host: String,
    /// The server's port.
    #[arg(default_value_t = 23)]
    port: u16,
    /// Seconds to wait for the TCP connection.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    connect_timeout: f64,
    /// Seconds each probe round waits for its answers.
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    probe_timeout: f64,
    /// The server leads until it has been quiet this many seconds...
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    banner_quiet_time: f64,
    /// ...or this many seconds have passed.
    #[arg(long, default_value_t = 6.0, value_name = "SECONDS")]
    banner_max_wait: f64,
    /// Write the JSON fingerprint to PATH.
    #[arg(long, value_name = "PATH")]
    save_json: Option<PathBuf>,
    /// Write the JSON under DIR/server/HASH/SESSION-HASH.json (telnetlib3's layout).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Print the JSON instead of the summary.
    #[arg(long)]
    json: bool,
    /// Print nothing (errors still go to standard error).
    #[arg(long)]
    silent: bool,
    /// Probe over TLS (TELNETS), verifying the server against the system's CA store.
    #[arg(long)]
    ssl: bool,
    /// Trust only this CA, or the server's self-signed certificate (PEM); implies --ssl.
    #[arg(long, value_name = "PATH")]
    ssl_cafile: Option<PathBuf>,
    /// Encrypt without verifying the server's certificate; implies --ssl. Anyone on the path
    /// can read and change the connection.
    #[arg(long, conflicts_with = "ssl_cafile")]
    ssl_no_verify: bool,
}

/// The TLS configuration `--ssl`, `--ssl-cafile` and `--ssl-no-verify` ask for.
fn tls(args: &Args) -> Result<Option<ironboa::tls::TlsClientConfig>, String> {
    use ironboa::tls::TlsClientConfig;
    if args.ssl_no_verify {
        eprintln!(
            "ironboa-fingerprint: WARNING: --ssl-no-verify: the server's certificate is not \
             checked; anyone on the path can read and change this connection"
        );
        return Ok(Some(TlsClientConfig::no_verify()));
    }
    if let Some(cafile) = &args.ssl_cafile {
        return TlsClientConfig::with_ca_file(cafile)
            .map(Some)
            .map_err(|e| format!("--ssl-cafile: {e}"));
    }
    if args.ssl {
        return TlsClientConfig::system_roots()
            .map(Some)
            .map_err(|e| format!("--ssl: {e}"));
    }
    Ok(None)
}

fn seconds(value: f64, name: &str) -> Result<Duration, String> {
    if !value.is_finite() || value < 0.0 {
        return Err(format!("--{name} must be a number of seconds, 0 or more"));
    }
    Ok(Duration::from_secs_f64(value.min(3600.0)))
}

fn run(args: &Args) -> Result<(), String> {
    let settings = probe::Settings {
        connect_timeout: seconds(args.connect_timeout, "connect-timeout")?
            .max(Duration::from_millis(1)),
        probe_timeout: seconds(args.probe_timeout, "probe-timeout")?,
        banner_quiet: seconds(args.banner_quiet_time, "banner-quiet-time")?,
        banner_max_wait: seconds(args.banner_max_wait, "banner-max-wait")?,
        tls: tls(args)?,
    };
    let report = probe::run(&args.host, args.port, &settings)?;
    let document = json!({
        "server-probe": {
            "fingerprint": report.hash,
            "fingerprint-data": report.data,
            "session": report.session,
        }
    });
    let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
    if let Some(path) = &args.save_json {
        std::fs::write(path, format!("{text}\n"))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(dir) = &args.data_dir {
        let session_hash = fingerprint_store::hash_of(&json!({
            "host": args.host, "port": args.port, "session": report.session,
        }));
        fingerprint_store::save(dir, "server", &report.hash, &session_hash, &document)?;
    }
    if !args.silent {
        if args.json {
            println!("{text}");
        } else {
            print!("{}", summary(&args.host, args.port, &report));
        }
    }
    Ok(())
}

/// The readable summary.
fn summary(host: &str, port: u16, report: &probe::Report) -> String {
    let d = &report.data;
    let s = &report.session;
    let mut out = format!("{host} port {port}: fingerprint {}\n", report.hash);
    let mut line = |label: &str, value: String| out.push_str(&format!("  {label:<34} {value}\n"));
    line("opened with WILL", list(&d["opening"]["WILL"]));
    line("opened with DO", list(&d["opening"]["DO"]));
    line(
        "opened with WONT/DONT",
        format!(
            "{} / {}",
            list(&d["opening"]["WONT"]),
            list(&d["opening"]["DONT"])
        ),
    );
    line(
        "will (DO answered WILL)",
        list(&d["server-will"]["accepted"]),
    );
    line(
        "will (on from the opening)",
        list(&d["server-will"]["already-on"]),
    );
    line(
        "won't (DO answered WONT)",
        list(&d["server-will"]["refused"]),
    );
    line("no answer to DO", list(&d["server-will"]["no-answer"]));
    line(
        "lets us (WILL answered DO)",
        list(&d["server-do"]["accepted"]),
    );
    line(
        "lets us (on from the opening)",
        list(&d["server-do"]["already-on"]),
    );
    line(
        "refuses us (WILL answered DONT)",
        list(&d["server-do"]["refused"]),
    );
    line("no answer to WILL", list(&d["server-do"]["no-answer"]));
    line(
        "timing mark",
        d["timing-mark"].as_str().unwrap_or("-").to_owned(),
    );
    line("STATUS IS", list(&d["status-reply"]));
    line("TTYPE SEND requests", d["ttype-requests"].to_string());
    line("NEW_ENVIRON SEND", list(&d["environ-requested"]));
    line("CHARSET", d["charset"].to_string());
    line("subnegotiations sent", list(&d["subnegotiations"]));
    line("repeated itself", list(&d["repeated"]));
    if d["closed-during-probe"].as_bool() == Some(true) {
        line("closed", "the server hung up during the probe".to_owned());
    }
    line("rounds", list(&s["rounds"]));
    let banner = s["banner"].as_str().unwrap_or("");
    line("banner", format!("{banner:?}"));
    out
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ironboa-fingerprint: {error}");
            ExitCode::FAILURE
        }
    }
}
