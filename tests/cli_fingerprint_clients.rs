//! `ironboa-server --shell fingerprint` against real clients: Debian's telnet, busybox telnet,
//! telnetlib3's client, TinTin++ and PuTTY's plink, each driven in tmux as a person would run
//! it. Each client is fingerprinted twice: the same hash both times (shown to the client, and
//! kept under `--data-dir` as `client/HASH/SESSION.json`), and five clients give five hashes.
//! What each client is known to do on the wire (../shared/PEERS.md) is checked in its JSON.
#![cfg(feature = "cli")]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::peers::{have_program, python};
use support::server_bin::ServerProcess;
use support::tmux::Pane;

/// One client's two runs: the hash each run showed, and the saved JSON of the first.
struct Runs {
    shown: Vec<String>,
    folders: Vec<String>,
    files: usize,
    data: Value,
    session: Value,
}

fn data_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fpc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The hash on the line "Your Telnet client's fingerprint: HASH" of the pane.
fn shown_hash(pane: &str) -> String {
    pane.lines()
        .find_map(|l| l.split("fingerprint: ").nth(1))
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|| panic!("no fingerprint line in:\n{pane}"))
}

/// Runs `command` (with `{port}` replaced) twice against a fresh fingerprint server.
fn fingerprint_twice(name: &str, command: &str, leave: Option<&str>) -> Runs {
    let dir = data_dir(name);
    let server = ServerProcess::start(&[
        "--shell",
        "fingerprint",
        "--probe-timeout",
        "2",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    let command = command.replace("{port}", &server.port.to_string());
    let mut shown = Vec::new();
    for run in 0..2 {
        // The pane stays after the client exits, so what it showed can still be read.
        let pane = Pane::start(
            &format!("fpc-{name}-{run}"),
            &format!("{command}; sleep 60"),
        );
        pane.wait_for("Goodbye.");
        let text = pane.capture();
        shown.push(shown_hash(&text));
        if let Some(keys) = leave {
            pane.type_text(keys);
            pane.keys(&["Enter"]);
        }
    }
    let side = dir.join("client");
    let folders: Vec<String> = std::fs::read_dir(&side)
        .unwrap_or_else(|e| panic!("{name}: {}: {e}", side.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let (files, document) = read_folder(&side.join(&folders[0]));
    let _ = std::fs::remove_dir_all(&dir);
    Runs {
        shown,
        folders,
        files,
        data: document["telnet-probe"]["fingerprint-data"].clone(),
        session: document["telnet-probe"]["session_data"].clone(),
    }
}

/// The number of session files in a fingerprint folder, and one of them, parsed.
fn read_folder(folder: &Path) -> (usize, Value) {
    let files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    let text = std::fs::read_to_string(&files[0]).unwrap();
    (files.len(), serde_json::from_str(&text).unwrap())
}

fn names(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn five_clients_give_stable_and_distinct_fingerprints() {
    let tools = ["telnet", "busybox", "tmux", "/usr/games/tt++", "plink"];
    if !tools.iter().all(|t| have_program(t)) {
        return;
    }
    let Some(python) = python() else { return };
    let telnetlib3 = python.parent().unwrap().join("telnetlib3-client");
    let clients: Vec<(&str, String, Option<&str>)> = vec![
        ("debian", "telnet 127.0.0.1 {port}".into(), None),
        ("busybox", "busybox telnet 127.0.0.1 {port}".into(), None),
        (
            "telnetlib3",
            format!("{} 127.0.0.1 {{port}}", telnetlib3.display()),
            None,
        ),
        (
            "tintin",
            "/usr/games/tt++ -G -e '#session x 127.0.0.1 {port}'".into(),
            Some("#end"),
        ),
        ("plink", "plink -telnet -P {port} 127.0.0.1".into(), None),
    ];
    // Each client against its own server, all at once: the probes' deadlines overlap.
    let runs: Vec<(&str, Runs)> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter()
            .map(|(name, command, leave)| {
                scope.spawn(move || (*name, fingerprint_twice(name, command, *leave)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut hashes = BTreeSet::new();
    for (name, runs) in &runs {
        assert_eq!(runs.shown[0], runs.shown[1], "{name}: two runs, two hashes");
        assert_eq!(
            runs.folders,
            vec![runs.shown[0].clone()],
            "{name}: the saved fingerprint is not the one shown"
        );
        assert_eq!(runs.files, 2, "{name}: one session file per run");
        assert_eq!(runs.data["closed-during-probe"], false, "{name}");
        hashes.insert(runs.shown[0].clone());
    }
    assert_eq!(hashes.len(), runs.len(), "two clients share a fingerprint");

    let get = |client: &str| &runs.iter().find(|(n, _)| *n == client).unwrap().1;

    // TinTin++ cycles its terminal types into MTTS (PEERS.md) and is a MUD client.
    let tintin = get("tintin");
    let cycle: Vec<String> = names(&tintin.session["ttype-cycle"]).into_iter().collect();
    assert!(cycle.contains(&"TINTIN++".to_owned()), "{cycle:?}");
    assert!(cycle.contains(&"MTTS 271".to_owned()), "{cycle:?}");
    assert_eq!(tintin.data["mud-client"], true);
    assert_eq!(tintin.data["charset"], "UTF-8");

    // plink volunteers WILL NAWS, NEW_ENVIRON, SGA, TSPEED and DO ECHO, SGA.
    let plink = get("plink");
    let offered = names(&plink.data["offered-will"]);
    for option in ["NAWS", "NEW_ENVIRON", "SGA", "TSPEED"] {
        assert!(offered.contains(option), "plink offered {offered:?}");
    }
    assert!(names(&plink.data["offered-do"]).contains("ECHO"));

    // Debian's telnet does LINEMODE and sends its SLC table.
    let debian = get("debian");
    assert!(names(&debian.data["client-will"]["accepted"]).contains("LINEMODE"));
    let slc = debian.data["linemode"]["slc"].as_object().unwrap();
    assert!(slc.len() > 5, "Debian telnet's SLC table: {slc:?}");

    // busybox telnet refuses BINARY and LINEMODE (PEERS.md) and volunteers nothing.
    let busybox = get("busybox");
    let refused = names(&busybox.data["client-will"]["refused"]);
    assert!(
        refused.contains("BINARY") && refused.contains("LINEMODE"),
        "{refused:?}"
    );
    assert!(names(&busybox.data["offered-will"]).is_empty());

    // telnetlib3's client accepts CHARSET UTF-8 and reports LANG.
    let tl3 = get("telnetlib3");
    assert_eq!(tl3.data["charset"], "UTF-8");
    assert!(names(&tl3.data["environ"]).contains("LANG"));
}

/// A client that connects and never answers anything costs the probe's deadlines, is shown
/// its summary and is closed; its fingerprint says nothing was answered.
#[test]
fn a_client_that_never_answers_costs_the_deadlines_and_is_reported() {
    use std::io::Read;
    let dir = data_dir("silent");
    let server = ServerProcess::start(&[
        "--shell",
        "fingerprint",
        "--probe-timeout",
        "0.3",
        "--connect-maxwait",
        "0.3",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut received = Vec::new();
    // Read to the end: the server closes after the summary (a read timeout fails the test).
    stream.read_to_end(&mut received).unwrap();
    let text = String::from_utf8_lossy(&received);
    assert!(text.contains("Goodbye."), "{text:?}");
    let hash = shown_hash(&text);
    let (_, document) = read_folder(&dir.join("client").join(&hash));
    let data = &document["telnet-probe"]["fingerprint-data"];
    let rounds = &document["telnet-probe"]["session_data"]["rounds"];
    assert_eq!(rounds["do"], "deadline");
    assert_eq!(rounds["will"], "deadline");
    assert!(names(&data["client-will"]["no-answer"]).contains("BINARY"));
    assert_eq!(data["ttype-count"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}
