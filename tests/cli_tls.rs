//! TELNETS through the command-line tools: `ironboa-server --ssl-certfile/--ssl-keyfile`
//! against OpenSSL's `s_client`, and `ironboa-client --ssl` against it, with a certificate made
//! by `openssl req` for the test (as PEERS.md makes it).
#![cfg(feature = "cli")]

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::peers::have_program;
use support::server_bin::ServerProcess;

const CLIENT: &str = env!("CARGO_BIN_EXE_ironboa-client");

fn certificate(name: &str) -> (PathBuf, PathBuf) {
    support::peers::self_signed_certificate(&format!("cli-tls-{name}"))
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn openssl_s_client_gets_the_greeting_and_the_echo() {
    if !have_program("openssl") {
        return;
    }
    let (cert, key) = certificate("s-client");
    let server =
        ServerProcess::start(&["--ssl-certfile", path(&cert), "--ssl-keyfile", path(&key)]);
    let mut s_client = Command::new("openssl")
        .args([
            "s_client",
            "-quiet",
            "-verify_return_error",
            "-CAfile",
            path(&cert),
        ])
        .args(["-connect", &format!("127.0.0.1:{}", server.port)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The default shell: a greeting, then each line comes back; 'quit' ends it.
    s_client
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"hello over tls\r\nquit\r\n")
        .unwrap();
    let output = s_client.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Welcome to ironboa"), "{text:?}");
    assert!(text.contains("hello over tls\r\n"), "{text:?}");
    assert!(text.contains("Goodbye!"), "{text:?}");
}

#[test]
fn ironboa_client_verifies_the_server_and_trusts_a_given_ca_file() {
    if !have_program("openssl") {
        return;
    }
    let (cert, key) = certificate("client");
    let server =
        ServerProcess::start(&["--ssl-certfile", path(&cert), "--ssl-keyfile", path(&key)]);
    let port = server.port.to_string();
    // A self-signed certificate the client was not told to trust: refused, with the way out.
    let refused = Command::new(CLIENT)
        .args(["--ssl", "localhost", &port])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("--ssl-cafile"), "{message}");
    // Told to trust it: a session like any other.
    let mut trusted = Command::new(CLIENT)
        .args(["--ssl-cafile", path(&cert), "localhost", &port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    trusted
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"secret words\nquit\n")
        .unwrap();
    let output = trusted.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("secret words"), "{text:?}");
    assert!(text.contains("Goodbye!"), "{text:?}");
}
