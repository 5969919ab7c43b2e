//! Record and replay (issue 19): a router-automation script recorded against busybox telnetd
//! running /bin/sh, then run against the recording, in-process and through
//! `ironboa-server --replay`, with busybox stopped.

#![cfg(feature = "record")]

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ironboa::client::{ClientConfig, Telnet};
use ironboa::record::{RecordOptions, ReplayDevice, ReplayMode};
use support::peers::PeerServer;

const T: Option<Duration> = Some(Duration::from_secs(10));

/// A file in the temporary directory for this test.
fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ironboa-rec-{}-{name}", std::process::id()))
}

/// The "router" script: the flow of examples/router_automation.rs (read_until the prompt,
/// write a command, expect its output, read_until the prompt, log out, read_all) against a
/// shell. Returns every step's result, and stops at the first error, noting it.
fn router_script(addr: SocketAddr, config: ClientConfig, command: &str) -> Vec<String> {
    let mut steps = Vec::new();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let result = (|| -> ironboa::Result<()> {
        let tn = Telnet::open(addr, config.terminal_type("vt100"))?;
        steps.push(text(&tn.read_until(b"# ", T)?));
        tn.write(format!("{command}\r\n"))?;
        let found = tn.expect(&[r"\n(\d+)\r\n", r"not found"], T)?;
        steps.push(format!("{:?} {}", found.index, text(&found.data)));
        steps.push(format!("{:?}", found.group(1).map(text)));
        steps.push(text(&tn.read_until(b"# ", T)?));
        tn.write(b"exit\r\n")?;
        steps.push(text(&tn.read_all()?));
        Ok(())
    })();
    if let Err(error) = result {
        steps.push(format!("error: {error}"));
    }
    steps
}

const COMMAND: &str = "expr 40 + 2";

/// Records the router script against busybox; `None` when busybox is missing.
fn record(name: &str) -> Option<(PathBuf, Vec<String>)> {
    let busybox = PeerServer::busybox()?;
    let path = scratch(name);
    let addr: SocketAddr = ([127, 0, 0, 1], busybox.port).into();
    let recorded = router_script(addr, ClientConfig::default().record(&path), COMMAND);
    drop(busybox); // the device is gone from here on
    assert_eq!(recorded[2], "Some(\"42\")", "the script ran: {recorded:?}");
    assert!(
        recorded[0].contains("busybox-telnetd ready"),
        "{recorded:?}"
    );
    Some((path, recorded))
}

fn events(path: &PathBuf) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}

#[test]
fn a_recording_is_asciicast_v2_with_the_negotiation() {
    let Some((path, _)) = record("format.cast") else {
        return;
    };
    let lines = events(&path);
    let header = &lines[0];
    assert_eq!(header["version"], 2);
    assert_eq!(header["width"], 80);
    assert_eq!(header["height"], 24);
    assert_eq!(header["env"]["TERM"], "vt100");
    assert!(header["timestamp"].as_u64().unwrap() > 1_600_000_000);
    let kind = |k: &str| {
        lines[1..]
            .iter()
            .filter(|e| e[1] == k)
            .map(|e| e[2].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // busybox's offers as received, our answers as sent, in the order they crossed.
    let negotiation = kind("n");
    for offer in [
        "recv DO 1 (ECHO)",
        "recv DO 31 (NAWS)",
        "recv WILL 1 (ECHO)",
        "recv WILL 3 (SGA)",
    ] {
        assert!(negotiation.contains(&offer.to_owned()), "{negotiation:?}");
    }
    assert!(
        negotiation
            .iter()
            .any(|n| n.starts_with("sent SB 31 00 50 00 18")),
        "{negotiation:?}"
    );
    assert_eq!(negotiation.last().unwrap(), "recv close");
    assert_eq!(
        kind("i"),
        vec![format!("{COMMAND}\r\n"), "exit\r\n".to_owned()]
    );
    let output = kind("o").concat();
    assert!(output.contains("busybox-telnetd ready\r\n"), "{output:?}");
    assert!(output.contains("\r\n42\r\n"), "{output:?}");
    assert!(!output.contains('\u{fffd}') && !output.contains('\u{ff}'));
    let times: Vec<f64> = lines[1..].iter().map(|e| e[0].as_f64().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "times go forward: {times:?}"
    );
}

#[test]
fn the_script_gets_identical_results_from_the_replay() {
    let Some((path, recorded)) = record("same.cast") else {
        return;
    };
    let server = ReplayDevice::load(&path)
        .unwrap()
        .bind("127.0.0.1:0")
        .unwrap();
    let replayed = router_script(server.local_addr(), ClientConfig::default(), COMMAND);
    assert_eq!(replayed, recorded);
    // A second connection gets the same, and nothing was reported.
    let again = router_script(server.local_addr(), ClientConfig::default(), COMMAND);
    assert_eq!(again, recorded);
    assert!(server.mismatches().is_empty(), "{:?}", server.mismatches());
}

#[test]
fn a_changed_command_gets_a_mismatch_naming_both() {
    let Some((path, _)) = record("changed.cast") else {
        return;
    };
    let server = ReplayDevice::load(&path)
        .unwrap()
        .bind("127.0.0.1:0")
        .unwrap();
    let replayed = router_script(server.local_addr(), ClientConfig::default(), "expr 40 + 3");
    let transcript = replayed.join("\n");
    let wanted = "expected \"expr 40 + 2\\r\\n\", got \"expr 40 + 3\\r\\n\"";
    assert!(transcript.contains(wanted), "{transcript}");
    assert!(transcript.contains("changed.cast at line "), "{transcript}");
    // Strict: the replay closed the connection, so the script never saw "42".
    assert!(!transcript.contains("Some(\"42\")"), "{transcript}");
    let mismatches = server.mismatches();
    assert_eq!(mismatches.len(), 1);
    assert_eq!(mismatches[0].expected, "expr 40 + 2\r\n");
    assert_eq!(mismatches[0].got, "expr 40 + 3\r\n");
    let file = std::fs::read_to_string(&path).unwrap();
    let line = file.lines().nth(mismatches[0].line - 1).unwrap();
    assert!(
        line.contains("\"i\",\"expr 40 + 2\\r\\n\""),
        "the line named: {line}"
    );
}

#[test]
fn lenient_mode_ignores_whitespace_and_goes_on() {
    let Some((path, recorded)) = record("lenient.cast") else {
        return;
    };
    let spaced = "expr  40 +   2 ";
    let strict = ReplayDevice::load(&path)
        .unwrap()
        .bind("127.0.0.1:0")
        .unwrap();
    let strict_run = router_script(strict.local_addr(), ClientConfig::default(), spaced);
    assert_ne!(
        strict_run[2], "Some(\"42\")",
        "strict rejects extra spaces: {strict_run:?}"
    );
    let lenient = ReplayDevice::load(&path)
        .unwrap()
        .mode(ReplayMode::Lenient)
        .bind("127.0.0.1:0")
        .unwrap();
    let lenient_run = router_script(lenient.local_addr(), ClientConfig::default(), spaced);
    assert_eq!(lenient_run, recorded);
    assert!(lenient.mismatches().is_empty());
    // A different command in lenient mode: reported, and the recording goes on.
    let other = router_script(lenient.local_addr(), ClientConfig::default(), "expr 1 + 1");
    assert_eq!(lenient.mismatches().len(), 1);
    assert!(
        other.join("\n").contains("got \"expr 1 + 1\\r\\n\""),
        "{other:?}"
    );
    assert_eq!(
        other[2], "Some(\"42\")",
        "went on with the recording: {other:?}"
    );
}

/// Input the shell does not echo (stty -echo; read) is withheld, unless asked; the replay
/// accepts any line in its place.
#[test]
fn passwords_typed_without_echo_are_withheld() {
    for keep in [false, true] {
        let Some(busybox) = PeerServer::busybox() else {
            return;
        };
        let path = scratch(&format!("secret-{keep}.cast"));
        let run = |addr: SocketAddr, config: ClientConfig, password: &[u8]| {
            let tn = Telnet::open(addr, config).unwrap();
            tn.read_until(b"# ", T).unwrap();
            tn.write(b"stty -echo; echo READY; read pw; stty echo; echo len-${#pw}\r\n")
                .unwrap();
            tn.read_until(b"READY\r\n", T).unwrap();
            tn.write(password).unwrap();
            let out = tn.read_until(b"# ", T).unwrap();
            tn.write(b"exit\r\n").unwrap();
            tn.read_all().unwrap();
            String::from_utf8_lossy(&out).into_owned()
        };
        let config =
            ClientConfig::default().recording(RecordOptions::new(&path).keep_secrets(keep));
        let out = run(
            ([127, 0, 0, 1], busybox.port).into(),
            config,
            b"hunter2\r\n",
        );
        drop(busybox);
        assert!(out.contains("len-7\r\n"), "{out:?}");
        assert!(
            !out.contains("hunter2"),
            "the shell did not echo it: {out:?}"
        );
        let file = std::fs::read_to_string(&path).unwrap();
        assert_eq!(file.contains("hunter2"), keep, "{file}");
        assert_eq!(file.contains(",\"x\",\"\\r\\n\"]"), !keep, "{file}");
        assert!(
            file.contains("stty -echo; echo READY"),
            "echoed input is kept: {file}"
        );
        if !keep {
            let server = ReplayDevice::load(&path)
                .unwrap()
                .bind("127.0.0.1:0")
                .unwrap();
            let replayed = run(
                server.local_addr(),
                ClientConfig::default(),
                b"swordfish\r\n",
            );
            assert_eq!(replayed, out);
            assert!(server.mismatches().is_empty());
        }
    }
}

#[cfg(feature = "cli")]
mod binaries {
    use super::*;
    use std::process::{Command, Stdio};
    use support::server_bin::ServerProcess;

    #[test]
    fn ironboa_server_replay_serves_the_recording() {
        let Some((path, recorded)) = record("bin.cast") else {
            return;
        };
        let file = path.to_str().unwrap();
        let server = ServerProcess::start(&["--replay", file]);
        let addr: SocketAddr = ([127, 0, 0, 1], server.port).into();
        assert_eq!(
            router_script(addr, ClientConfig::default(), COMMAND),
            recorded
        );
        let changed = router_script(addr, ClientConfig::default(), "expr 40 + 3").join("\n");
        assert!(
            changed.contains("expected \"expr 40 + 2\\r\\n\", got \"expr 40 + 3\\r\\n\""),
            "{changed}"
        );
        let lenient = ServerProcess::start(&[
            "--replay",
            file,
            "--replay-mode",
            "lenient",
            "--replay-timing",
            "0.5",
        ]);
        let addr: SocketAddr = ([127, 0, 0, 1], lenient.port).into();
        assert_eq!(
            router_script(addr, ClientConfig::default(), "expr 40  + 2"),
            recorded
        );
    }

    #[test]
    fn asciinema_cat_prints_an_ironboa_client_typescript() {
        if !support::peers::have_program("asciinema") || !support::peers::have_program("script") {
            return;
        }
        let Some(busybox) = PeerServer::busybox() else {
            return;
        };
        let path = scratch("typescript.cast");
        let mut client = Command::new(env!("CARGO_BIN_EXE_ironboa-client"))
            .args([
                "127.0.0.1",
                &busybox.port.to_string(),
                "--eof-wait",
                "10",
                "--typescript",
            ])
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let mut stdin = client.stdin.take().unwrap();
            stdin
                .write_all(b"echo type\"\"script-$((6*7))\nexit\n")
                .unwrap();
        }
        let output = client.wait_with_output().unwrap();
        assert!(output.status.success());
        let shown = String::from_utf8_lossy(&output.stdout);
        assert!(shown.contains("typescript-42"), "{shown}");
        let home = scratch("asciinema-home");
        std::fs::create_dir_all(&home).unwrap();
        // asciinema 2.2's `cat` reads keys from /dev/tty, so it runs on a pty (util-linux script).
        let cat = Command::new("script")
            .args([
                "-qec",
                &format!("asciinema cat {}", path.display()),
                "/dev/null",
            ])
            .env("HOME", &home)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&cat.stdout);
        assert!(
            cat.status.success(),
            "{}",
            String::from_utf8_lossy(&cat.stderr)
        );
        assert!(text.contains("busybox-telnetd ready"), "{text:?}");
        assert!(
            text.contains("echo type\"\"script-$((6*7))"),
            "the echoed command: {text:?}"
        );
        assert!(text.contains("typescript-42\r\n"), "its output: {text:?}");
        assert!(
            !text.contains("recv "),
            "negotiation is not shown: {text:?}"
        );
    }
}
