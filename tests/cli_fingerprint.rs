//! `ironboa-fingerprint` against real servers: busybox telnetd, inetutils telnetd (under
//! socat), telnetlib3's server, libtelnet's telnet-chatd and ironboa's own server. For each:
//! the options it offers and refuses match what telnetlib3-fingerprint reports for the same
//! server (each difference is named and explained below), two runs give the same hash, and the
//! five servers give five different hashes.
#![cfg(feature = "cli")]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use support::peers::{PeerServer, free_port, have_program, python};
use support::server_bin::ServerProcess;

const FINGERPRINT: &str = env!("CARGO_BIN_EXE_ironboa-fingerprint");

/// telnetlib3-fingerprint's probe list (QUICK_PROBE_OPTIONS + EXTENDED_OPTIONS without the
/// options only a client performs): the options both tools ask the server about with DO.
const TL3_PROBED: &[&str] = &[
    "BINARY", "SGA", "ECHO", "STATUS", "CHARSET", "EOR", "COM_PORT", "MCCP2", "MCCP3", "GMCP",
    "MSDP", "MSSP", "MSP", "MXP", "ZMP", "AARDWOLF", "ATCP",
];

fn temp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(format!("fp-{}-{name}", std::process::id()))
}

/// Runs ironboa-fingerprint and returns its JSON's "server-probe".
fn ours(port: u16, tag: &str) -> Value {
    let path = temp(&format!("{tag}.json"));
    let output = Command::new(FINGERPRINT)
        // Generous rounds: a loaded machine slows the Python servers, and a round ends as soon
        // as everything asked is answered, so this costs nothing when they keep up.
        .args([
            "127.0.0.1",
            &port.to_string(),
            "--silent",
            "--probe-timeout",
            "3",
        ])
        .args(["--banner-quiet-time", "1.5", "--save-json"])
        .arg(&path)
        .output()
        .expect("run ironboa-fingerprint");
    assert!(
        output.status.success(),
        "ironboa-fingerprint {tag}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty(), "--silent printed something");
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let mut value: Value = serde_json::from_str(&text).unwrap();
    value["server-probe"].take()
}

/// Runs telnetlib3-fingerprint and returns its "fingerprint-data".
fn theirs(port: u16, tag: &str) -> Option<Value> {
    let python = python()?;
    let tool = python.parent().unwrap().join("telnetlib3-fingerprint");
    let path = temp(&format!("{tag}-tl3.json"));
    let output = Command::new(tool)
        .args([
            "--silent",
            "--banner-quiet-time",
            "0.5",
            "--banner-max-wait",
            "2",
        ])
        .args(["--mssp-wait", "0", "--save-json"])
        .arg(&path)
        .args(["127.0.0.1", &port.to_string()])
        .output()
        .expect("run telnetlib3-fingerprint");
    assert!(
        output.status.success(),
        "telnetlib3-fingerprint {tag}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let mut value: Value = serde_json::from_str(&text).unwrap();
    Some(value["server-probe"]["fingerprint-data"].take())
}

fn set(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Our answers to DO, restricted to telnetlib3's probe list: (offered, refused). Offered is
/// "accepted" (DO answered WILL) or "already-on" (it offered in the opening and we agreed);
/// refused is WONT, no answer, or a hang-up, as telnetlib3 counts a timeout as refused.
fn our_sets(probe: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let will = &probe["fingerprint-data"]["server-will"];
    let within = |s: BTreeSet<String>| -> BTreeSet<String> {
        s.into_iter()
            .filter(|o| TL3_PROBED.contains(&o.as_str()))
            .collect()
    };
    let offered = within(&set(&will["accepted"]) | &set(&will["already-on"]));
    let refused =
        within(&(&set(&will["refused"]) | &set(&will["no-answer"])) | &set(&will["closed"]));
    (offered, refused)
}

/// One server, fingerprinted twice by us and once by telnetlib3. `start` starts a fresh
/// server for each run (telnet-chatd does not survive a client that leaves unnamed).
/// `differences` lists the options where the two tools disagree, each with why: (option,
/// in our offered set, in telnetlib3's offered set).
fn check(
    name: &str,
    mut start: impl FnMut() -> Option<u16>,
    differences: &[(&str, bool, bool)],
) -> Option<Value> {
    let mut runs = Vec::new();
    for run in 0..2 {
        let port = start()?;
        runs.push(ours(port, &format!("{name}-{run}")));
    }
    let port = start()?;
    let tl3 = theirs(port, name)?;

    // Stable: the same hash, from the same protocol data, twice.
    assert_eq!(
        runs[0]["fingerprint-data"], runs[1]["fingerprint-data"],
        "{name}: two runs differ"
    );
    assert_eq!(runs[0]["fingerprint"], runs[1]["fingerprint"], "{name}");
    let hash = runs[0]["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(hash.len(), 16, "{name}: {hash}");

    // The same offered and refused sets as telnetlib3-fingerprint, but for the differences
    // named (and each named difference really is one).
    let (mut offered, mut refused) = our_sets(&runs[0]);
    let tl3_offered = set(&tl3["offered-options"]);
    let tl3_refused = set(&tl3["refused-options"]);
    for (option, ours_offered, theirs_offered) in differences {
        assert_ne!(
            ours_offered, theirs_offered,
            "{name}: {option} is not a difference"
        );
        assert_eq!(
            offered.contains(*option),
            *ours_offered,
            "{name}: our {option}: {offered:?}"
        );
        assert_eq!(
            tl3_offered.contains(*option),
            *theirs_offered,
            "{name}: telnetlib3's {option}: {tl3_offered:?}"
        );
        // Align ours with theirs for the comparison of everything else.
        if *theirs_offered {
            refused.remove(*option);
            offered.insert(option.to_string());
        } else {
            offered.remove(*option);
            refused.insert(option.to_string());
        }
    }
    assert_eq!(offered, tl3_offered, "{name}: offered sets (tl3: {tl3})");
    assert_eq!(refused, tl3_refused, "{name}: refused sets (tl3: {tl3})");
    Some(runs.swap_remove(0))
}

/// GNU inetutils telnetd serving /bin/sh, one per connection under socat (it has no
/// listening mode).
fn inetutils() -> Option<PeerServer> {
    if !have_program("socat") || !have_program("/usr/sbin/telnetd") {
        return None;
    }
    let port = free_port();
    let mut command = Command::new("socat");
    command.args([
        &format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork"),
        "EXEC:/usr/sbin/telnetd -h -E /bin/sh,nofork",
    ]);
    Some(PeerServer::start(command, port))
}

fn busybox() -> Option<Value> {
    let server = PeerServer::busybox()?;
    // busybox answers no negotiation at all: every DO and WILL goes unanswered, which both
    // tools count as refused.
    let probe = check("busybox", || Some(server.port), &[])?;
    // Its opening (PEERS.md): DO ECHO, DO NAWS, WILL ECHO, WILL SGA, then the issue text.
    let data = &probe["fingerprint-data"];
    assert_eq!(
        set(&data["opening"]["WILL"]),
        ["ECHO", "SGA"].map(String::from).into()
    );
    assert_eq!(
        set(&data["opening"]["DO"]),
        ["ECHO", "NAWS"].map(String::from).into()
    );
    assert!(
        probe["session"]["banner"]
            .as_str()
            .unwrap()
            .contains("busybox-telnetd ready")
    );
    // Never answering costs each round its deadline, and is reported as no answer.
    assert_eq!(
        probe["session"]["rounds"],
        serde_json::json!(["deadline", "deadline", "deadline"])
    );
    assert!(set(&data["server-will"]["no-answer"]).contains("BINARY"));
    assert_eq!(data["timing-mark"], "no-answer");
    Some(probe)
}

fn inetutils_telnetd() -> Option<Value> {
    let server = inetutils()?;
    check("inetutils", || Some(server.port), &[])
}

fn telnetlib3_server() -> Option<Value> {
    let server = PeerServer::telnetlib3(false)?;
    check("telnetlib3", || Some(server.port), &[])
}

fn telnet_chatd() -> Option<Value> {
    let mut servers = Vec::new();
    check(
        "chatd",
        || {
            let chatd = support::peers::Chatd::start()?;
            let port = chatd.port;
            servers.push(chatd);
            Some(port)
        },
        // ECHO: chatd says WILL ECHO after "Enter name: ", and switches ECHO off (WONT ECHO)
        // after every chunk of data a client sends. telnetlib3-fingerprint answers the banner
        // with CR LF before it probes, so it finds ECHO off and reports it refused;
        // ironboa-fingerprint sends no data, so ECHO is still on (already-on) when it probes.
        &[("ECHO", true, false)],
    )
}

fn ironboa_server() -> Option<Value> {
    let server = ServerProcess::start(&[]);
    check("ironboa", || Some(server.port), &[])
}

/// All five at once (each on its own thread): each matches telnetlib3-fingerprint and is
/// stable; the five hashes are all different.
#[test]
fn five_servers_fingerprinted_stable_and_distinct() {
    type Job = fn() -> Option<Value>;
    let jobs: Vec<(&str, Job)> = vec![
        ("busybox telnetd", busybox),
        ("inetutils telnetd", inetutils_telnetd),
        ("telnetlib3-server", telnetlib3_server),
        ("telnet-chatd", telnet_chatd),
        ("ironboa-server", ironboa_server),
    ];
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|(name, job)| (name, std::thread::spawn(job)))
        .collect();
    let mut hashes: BTreeMap<String, &str> = BTreeMap::new();
    for (name, handle) in handles {
        let probe = match handle.join() {
            Ok(probe) => probe,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if let Some(probe) = probe {
            let hash = probe["fingerprint"].as_str().unwrap().to_owned();
            if let Some(other) = hashes.insert(hash.clone(), name) {
                panic!("{name} and {other} have the same fingerprint {hash}");
            }
        }
    }
}

/// A server that loops: it repeats WILL ECHO with a line of text for ever, never quiet. The
/// tool still ends within its deadlines, says the opening ended on the deadline, and reports
/// the repetition. With --data-dir the JSON lands under DIR/server/<hash>/.
#[test]
fn a_server_that_talks_for_ever_costs_only_the_deadlines() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            use std::io::Write;
            let chunk = [b"\xff\xfb\x01".as_slice(), &[b'x'; 1000], b"\r\n"].concat();
            while stream.write_all(&chunk).is_ok() {}
        }
    });
    let dir = temp("data-dir");
    let started = std::time::Instant::now();
    let output = Command::new(FINGERPRINT)
        .args([
            "127.0.0.1",
            &port.to_string(),
            "--json",
            "--banner-max-wait",
            "1",
        ])
        .args(["--probe-timeout", "0.5", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // 1 s of opening and three rounds of 0.5 s, with room for a slow machine.
    assert!(
        elapsed < std::time::Duration::from_secs(6),
        "took {elapsed:?}"
    );
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let probe = &value["server-probe"];
    assert_eq!(probe["session"]["lead-ended"], "deadline");
    assert!(
        set(&probe["fingerprint-data"]["repeated"]).contains("WILL ECHO"),
        "{probe}"
    );
    assert_eq!(probe["session"]["log-truncated"], true);
    let hash = probe["fingerprint"].as_str().unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.join("server").join(hash))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1, "one session file under the hash");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--ssl`: the probe over TLS sees the same Telnet server as a plain probe (ironboa-server
/// with `--tls-auto` serves both on one port), so the hash is the same; a self-signed
/// certificate is refused without `--ssl-cafile`, with the flag to use named.
#[test]
fn over_tls_the_same_server_gives_the_same_hash() {
    if !have_program("openssl") {
        return;
    }
    let (cert, key) = support::peers::self_signed_certificate("fingerprint");
    let server = ServerProcess::start(&[
        "--ssl-certfile",
        cert.to_str().unwrap(),
        "--ssl-keyfile",
        key.to_str().unwrap(),
        "--tls-auto",
    ]);
    let port = server.port.to_string();
    let run = |extra: &[&str]| {
        Command::new(FINGERPRINT)
            .args(["127.0.0.1", &port, "--json"])
            .args(extra)
            .output()
            .expect("run ironboa-fingerprint")
    };
    let parse = |output: std::process::Output| -> Value {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let value: Value = serde_json::from_slice(&output.stdout).unwrap();
        value["server-probe"].clone()
    };
    let plain = parse(run(&[]));
    let tls = parse(run(&["--ssl-cafile", cert.to_str().unwrap()]));
    assert_eq!(plain["fingerprint"], tls["fingerprint"]);
    assert!(plain["session"]["tls"].is_null());
    assert_eq!(tls["session"]["tls"]["version"], "TLSv1_3");

    let refused = run(&["--ssl"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("invalid peer certificate") && message.contains("--ssl-cafile"),
        "{message}"
    );
}
