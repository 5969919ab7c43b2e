//! Runs the built examples (cargo test builds them) the way the README says to.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn example(name: &str) -> PathBuf {
    // target/<profile>/deps/<this test> -> target/<profile>/examples/<name>
    let mut path = std::env::current_exe().unwrap();
    path.pop();
    path.pop();
    path.push("examples");
    path.push(name);
    assert!(path.exists(), "{} not built", path.display());
    path
}

#[test]
fn router_automation_logs_in_runs_a_command_and_logs_out() {
    let output = Command::new(example("router_automation")).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("software version: 15.2(4)M7"), "{stdout}");
    assert!(
        stdout.contains("Processor board ID FTX1234ABCD"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("logged out"), "{stdout}");
}

#[test]
fn client_wargame_plays_server_wargame() {
    let mut server = Command::new(example("server_wargame"))
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .expect("address line")
        .to_owned();
    let (host, port) = addr.rsplit_once(':').unwrap();
    let client = Command::new(example("client_wargame"))
        .args([host, port])
        .output()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let stdout = String::from_utf8_lossy(&client.stdout);
    assert!(client.status.success());
    assert!(
        stdout.contains("Would you like to play a game? y"),
        "{stdout}"
    );
    assert!(
        stdout.contains("They say the only way to win is to not play at all."),
        "{stdout}"
    );
}
