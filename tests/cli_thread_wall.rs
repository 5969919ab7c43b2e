//! The thread wall at start: `ironboa-server` refuses a `--max-connections` that the
//! kernel's `vm.max_map_count` cannot carry (the process would abort near 16,380 threads),
//! naming the sysctl; and warns, but serves, when only `ulimit -n` is short.
#![cfg(all(feature = "cli", target_os = "linux"))]

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use support::server_bin::SERVER;

#[test]
fn a_max_connections_past_the_map_count_is_refused_with_the_sysctl() {
    let limit: u64 = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let too_many = (limit / 4 + 1).to_string();
    let output = Command::new(SERVER)
        .args(["127.0.0.1", "0", "--max-connections", &too_many])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("needs vm.max_map_count of at least")
            && stderr.contains(&format!("(it is {limit})"))
            && stderr.contains("sysctl -w vm.max_map_count="),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("listening"));
}

#[test]
fn a_short_open_files_limit_is_a_warning_with_the_remedy() {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 200; exec {SERVER} 127.0.0.1 0 --max-connections 500 --loglevel warn"
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("listening on"), "{first}");
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.unwrap().read_to_string(&mut stderr).unwrap();
    assert!(
        stderr.contains("needs ulimit -n of at least 516 (it is 200)")
            && stderr.contains("ulimit -n 1024"),
        "{stderr}"
    );
}
