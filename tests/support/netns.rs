//! Network namespaces for tests that need a network a test can break (root only): made by
//! the test, removed on drop even when the test fails. Only loopback and addresses from the
//! benchmarking range 198.18.0.0/15 (RFC 2544) are ever configured.

use std::process::Command;

/// A network namespace with its loopback up, deleted on drop (which also removes the veth
/// ends inside it).
pub struct Netns {
    pub name: String,
}

fn ip(args: &[&str]) {
    let output = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        output.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Whether namespaces can be made here (root and iproute2); reports it like the peers when
/// not.
pub fn available() -> bool {
    if !super::peers::have_program("ip") {
        return false;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        if std::env::var("IRONBOA_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!("network namespace tests need root");
        }
        eprintln!("skipping: network namespace tests need root");
    }
    root
}

impl Netns {
    /// Makes namespace `name` (removing a leftover of the same name first).
    pub fn new(name: &str) -> Netns {
        let _ = Command::new("ip").args(["netns", "del", name]).output();
        ip(&["netns", "add", name]);
        let netns = Netns {
            name: name.to_owned(),
        };
        netns.ip(&["link", "set", "lo", "up"]);
        netns
    }

    /// Runs `ip -n NAME args`.
    pub fn ip(&self, args: &[&str]) {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all);
    }

    /// A command run inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name, program]);
        command
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// Joins `a` and `b` with a veth pair named `a_if` / `b_if`, addressed 198.18.0.1/30 and
/// 198.18.0.2/30, both up.
pub fn veth(a: &Netns, a_if: &str, b: &Netns, b_if: &str) {
    ip(&[
        "link", "add", a_if, "netns", &a.name, "type", "veth", "peer", "name", b_if, "netns",
        &b.name,
    ]);
    a.ip(&["addr", "add", "198.18.0.1/30", "dev", a_if]);
    b.ip(&["addr", "add", "198.18.0.2/30", "dev", b_if]);
    a.ip(&["link", "set", a_if, "up"]);
    b.ip(&["link", "set", b_if, "up"]);
}
