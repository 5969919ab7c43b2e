//! Running an interactive terminal program (Debian's telnet client) in a detached tmux pane.

use std::process::Command;

use super::eventually;

/// A detached tmux session with a fixed size, killed on drop. Each uses its own tmux server
/// socket (`-L`), so tests never touch a user's sessions or each other's.
pub struct Pane {
    socket: String,
}

impl Pane {
    /// Starts `command` in an 80x24 pane with TERM=xterm.
    pub fn start(name: &str, command: &str) -> Pane {
        let socket = format!("ironboa-{name}-{}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "80",
                "-y",
                "24",
            ])
            .arg(format!("TERM=xterm {command}"))
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux new-session failed");
        Pane { socket }
    }

    /// The visible text of the pane.
    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "t"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the pane shows `text`; panics with the pane's contents if it never does.
    pub fn wait_for(&self, text: &str) {
        let mut last = String::new();
        if !eventually(15, || {
            last = self.capture();
            last.contains(text)
        }) {
            panic!("pane never showed {text:?}; it shows:\n{last}");
        }
    }

    /// Types keys (tmux send-keys syntax: "Enter", "C-]", or literal text with `-l`).
    pub fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "t"])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    /// Types literal text.
    pub fn type_text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "t", "-l", text])
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    /// Resizes the pane's window (the program gets SIGWINCH).
    pub fn resize(&self, columns: u16, rows: u16) {
        let status = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "resize-window",
                "-t",
                "t",
                "-x",
                &columns.to_string(),
                "-y",
                &rows.to_string(),
            ])
            .status()
            .expect("tmux resize-window");
        assert!(status.success());
    }

    /// Whether the program in the pane is still running.
    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", "t"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
