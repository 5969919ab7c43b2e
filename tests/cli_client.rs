//! The built ironboa-client binary as a person uses it: in a tmux pane against telnetlib3's
//! server, busybox telnetd, inetutils telnetd (under socat), libtelnet's telnet-chatd, a miniboa
//! server and a telnetlib3 shell that switches modes, checking what the screen shows and what
//! the server received; and in a shell pipeline (the end of the stream, huge waits).
#![cfg(feature = "cli")]

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use support::eventually;
use support::peers::{Chatd, PeerServer, free_port, have_program, python};
use support::server_bin::ServerProcess;
use support::tmux::Pane;

const CLIENT: &str = env!("CARGO_BIN_EXE_ironboa-client");

/// ironboa-client in a tmux pane, run by a script that, once the client exits, prints
/// `exited=N` and the terminal's canonical-mode and echo flags (so a test can see the terminal
/// was restored), and writes N to a file. The client's pid is written to a file too.
struct Client {
    pane: Pane,
    dir: PathBuf,
}

impl Client {
    fn start(name: &str, args: &[&str]) -> Client {
        Client::start_with(name, "", args)
    }

    /// `prelude` runs in the script's shell first (e.g. `trap '' HUP`).
    fn start_with(name: &str, prelude: &str, args: &[&str]) -> Client {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("cli-client-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        let pid = dir.join("pid");
        let rc = dir.join("rc");
        let script = format!(
            "{prelude}\n\
             sh -c 'echo $$ > \"$0.tmp\" && mv \"$0.tmp\" \"$0\"; exec \"$@\"' '{pid}' '{CLIENT}' {args}\n\
             status=$?\n\
             echo \"$status\" > '{rc}.tmp' && mv '{rc}.tmp' '{rc}'\n\
             stty -a > /dev/null 2>&1 || exit 0\n\
             echo\n\
             echo \"exited=$status\"\n\
             stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '\n\
             echo\n\
             sleep 60\n",
            pid = pid.display(),
            rc = rc.display(),
            args = quoted.join(" "),
        );
        let path = dir.join("run.sh");
        std::fs::write(&path, script).unwrap();
        let pane = Pane::start(name, &format!("sh {}", path.display()));
        Client { pane, dir }
    }

    /// The client's process id.
    fn pid(&self) -> u32 {
        let path = self.dir.join("pid");
        let mut pid = None;
        assert!(
            eventually(15, || {
                pid = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| t.trim().parse().ok());
                pid.is_some()
            }),
            "the client never started"
        );
        pid.unwrap()
    }

    /// The client's exit status, once it has exited (waiting up to 15 s).
    fn exit_status(&self) -> i32 {
        let path = self.dir.join("rc");
        let mut status = None;
        let done = eventually(15, || {
            status = std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| t.trim().parse().ok());
            status.is_some()
        });
        assert!(done, "the client never exited:\n{}", self.pane.capture());
        status.unwrap()
    }

    /// Opens the `telnet>` prompt and runs `command` there.
    fn prompt(&self, command: &str) {
        self.pane.keys(&["C-]"]);
        self.pane.wait_for("telnet>");
        self.pane.type_text(command);
        self.pane.keys(&["Enter"]);
    }

    /// Ends the session from the `telnet>` prompt and checks that the client exited with
    /// status 0 and left the terminal as it found it.
    fn quit(&self) {
        self.prompt("quit");
        self.assert_exit(0);
    }

    /// The exit status is `status`, and the terminal is back in canonical mode with echo.
    fn assert_exit(&self, status: i32) {
        assert_eq!(self.exit_status(), status, "{}", self.pane.capture());
        self.pane.wait_for(&format!("exited={status}"));
        self.pane.wait_for("icanon");
        let screen = self.pane.capture();
        let flags: Vec<&str> = screen
            .lines()
            .find(|l| l.contains("icanon"))
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        assert!(flags.contains(&"icanon"), "terminal left raw:\n{screen}");
        assert!(flags.contains(&"echo"), "echo left off:\n{screen}");
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether the pane shows `text` as a whole line (program output, not an echoed command).
fn printed_line(pane: &Pane, text: &str) -> bool {
    pane.capture().lines().any(|l| l.trim() == text)
}

/// Whether a process runs `command` (a unique one, such as `sleep 30.1`).
fn process_running(command: &[&str]) -> bool {
    let wanted: Vec<u8> = command
        .iter()
        .flat_map(|a| [a.as_bytes(), b"\0"].concat())
        .collect();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .any(|entry| std::fs::read(entry.path().join("cmdline")).is_ok_and(|c| c == wanted))
}

/// Waits until a process runs `command`: a Ctrl-C sent before the shell has started it would
/// be taken by the shell itself.
fn wait_for_process(command: &[&str]) {
    assert!(
        eventually(15, || process_running(command)),
        "{command:?} never ran"
    );
}

/// Waits until no process runs `command` (15 s at most: less than the sleeps it is used on).
fn wait_for_no_process(command: &[&str]) {
    assert!(
        eventually(15, || !process_running(command)),
        "{command:?} still runs"
    );
}

/// Waits until the pane shows a shell prompt ("# ", which tmux shows as "#") on a line of its
/// own, below everything else.
fn wait_for_shell_prompt(pane: &Pane) {
    let mut last = String::new();
    let ok = eventually(15, || {
        last = pane.capture();
        last.trim_end().lines().last().map(str::trim) == Some("#")
    });
    assert!(ok, "no shell prompt:\n{last}");
}

/// tests/peers/miniboa_echo.py: replies "echo: LINE [HEX]" to each line.
fn miniboa() -> Option<PeerServer> {
    let python = python()?;
    let port = free_port();
    let mut command = Command::new(python);
    command
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/miniboa_echo.py"
        ))
        .arg(port.to_string());
    Some(PeerServer::start(command, port))
}

/// GNU inetutils telnetd serving /bin/sh, one per connection under socat (it has no listening
/// mode); SIGINT and SIGQUIT at their defaults, as for busybox.
fn inetutils() -> Option<PeerServer> {
    if !have_program("socat") || !have_program("/usr/sbin/telnetd") {
        return None;
    }
    let port = free_port();
    let mut command = Command::new("env");
    command.args([
        "--default-signal=INT,QUIT",
        "socat",
        &format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork"),
        "EXEC:/usr/sbin/telnetd -h -E /bin/sh,nofork",
    ]);
    Some(PeerServer::start(command, port))
}

/// telnetlib3-server with tests/peers/tl3_modes_shell.py: line mode, then character mode after
/// a line "go"; reports each line it receives as "got: LINE [HEX]".
fn telnetlib3_modes() -> Option<PeerServer> {
    let python = python()?;
    let port = free_port();
    let mut command = Command::new(python.parent().unwrap().join("telnetlib3-server"));
    command
        .env(
            "PYTHONPATH",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers"),
        )
        .arg("--shell=tl3_modes_shell.shell")
        .args(["127.0.0.1", &port.to_string()]);
    Some(PeerServer::start(command, port))
}

/// A server that sends `reply` to whoever connects (after reading a line, if `read_line`), then
/// closes. Returns its port.
fn one_shot_server(reply: &'static [u8], read_line: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            if read_line {
                let mut seen = Vec::new();
                let mut byte = [0u8; 1];
                while !seen.ends_with(b"\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    seen.push(byte[0]);
                }
            }
            let _ = stream.write_all(reply);
        }
    });
    port
}

#[test]
fn interactive_against_telnetlib3_server() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = PeerServer::telnetlib3(false) else {
        return;
    };
    let client = Client::start("client-tl3", &["127.0.0.1", &server.port.to_string()]);
    let pane = &client.pane;
    pane.wait_for("tel:sh>"); // tmux trims the trailing space
    // telnetlib3 negotiates WILL ECHO and WILL SGA: character mode, the server echoes.
    pane.type_text("help");
    pane.keys(&["Enter"]);
    pane.wait_for("quit, writer, slc, linemode");
    client.quit();
}

#[test]
fn interactive_against_busybox_telnetd() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let client = Client::start("client-bb", &["127.0.0.1", &server.port.to_string()]);
    let pane = &client.pane;
    pane.wait_for("busybox-telnetd ready");
    pane.type_text("echo sum=$((40+2))");
    pane.keys(&["Enter"]);
    pane.wait_for("sum=42");
    // Typed once, echoed once (by the server's pty).
    assert_eq!(
        pane.capture().matches("echo sum=$((40+2))").count(),
        1,
        "{}",
        pane.capture()
    );
    pane.type_text("stty size");
    pane.keys(&["Enter"]);
    pane.wait_for("24 80");
    // A resize of the terminal reaches the server as NAWS, and the shell's pty follows.
    // (The window-size report and the typed command travel separately: ask until it shows.)
    pane.resize(100, 30);
    let resized = eventually(15, || {
        pane.type_text("clear; stty size\r");
        eventually(1, || pane.capture().contains("30 100"))
    });
    assert!(resized, "{}", pane.capture());
    client.quit();
}

/// busybox telnetd negotiates WILL ECHO and WILL SGA: character mode, so Ctrl-C goes out as
/// the byte 0x03 and the shell's pty turns it into SIGINT.
#[test]
fn ctrl_c_interrupts_sleep_on_busybox_telnetd() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let client = Client::start("client-bb-intr", &["127.0.0.1", &server.port.to_string()]);
    let pane = &client.pane;
    pane.wait_for("busybox-telnetd ready");
    pane.type_text("sleep 30.1; echo NOT-INTERRUPTED");
    pane.keys(&["Enter"]);
    wait_for_process(&["sleep", "30.1"]);
    pane.keys(&["C-c"]);
    wait_for_no_process(&["sleep", "30.1"]);
    pane.type_text("echo after=$((6*7))");
    pane.keys(&["Enter"]);
    pane.wait_for("after=42"); // within 15 s: the 30 s sleep did not hold it up
    assert!(!printed_line(pane, "NOT-INTERRUPTED"), "{}", pane.capture());
    client.quit();
}

/// The `telnet>` prompt: `status`, `send escape`, the escape typed twice, an unknown command,
/// an empty line; `--escape ^X` moves the prompt to Ctrl-X and lets Ctrl-] through.
#[test]
fn telnet_prompt_and_escape_character_against_busybox_telnetd() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let port = server.port.to_string();
    let client = Client::start("client-bb-prompt", &["127.0.0.1", &port]);
    let pane = &client.pane;
    pane.wait_for("busybox-telnetd ready");
    pane.wait_for("Escape character is '^]'.");
    client.prompt("status");
    pane.wait_for("Operating in character mode");
    pane.wait_for("Server options: ECHO SGA");
    client.prompt("frobnicate");
    pane.wait_for("?Invalid command 'frobnicate'");
    pane.keys(&["Enter"]); // an empty line goes back to the session
    // What the shell receives, in hex: `send escape`, then the escape typed twice, then Enter.
    pane.type_text("od -An -tx1");
    pane.keys(&["Enter"]);
    pane.wait_for("od -An -tx1");
    client.prompt("send escape");
    pane.keys(&["C-]"]);
    pane.keys(&["C-]"]);
    pane.keys(&["Enter", "C-d"]);
    pane.wait_for("1d 1d 0a");
    client.quit();

    let client = Client::start("client-bb-esc", &["-e", "^X", "127.0.0.1", &port]);
    let pane = &client.pane;
    pane.wait_for("Escape character is '^X'.");
    pane.type_text("od -An -tx1");
    pane.keys(&["Enter"]);
    pane.wait_for("od -An -tx1");
    pane.keys(&["C-]"]); // no longer the escape: goes to the shell as it is
    pane.keys(&["C-x"]);
    pane.wait_for("telnet>");
    pane.type_text("send escape"); // now Ctrl-X itself
    pane.keys(&["Enter"]);
    pane.keys(&["Enter", "C-d"]);
    pane.wait_for("1d 18 0a");
    pane.keys(&["C-x"]);
    pane.wait_for("telnet>");
    pane.type_text("quit");
    pane.keys(&["Enter"]);
    client.assert_exit(0);
}

/// `--line-mode` against busybox telnetd: lines are edited here. The arrow keys, Home, End,
/// Ctrl-W and Backspace edit the line on the screen, and the shell receives exactly the line
/// the screen showed (in hex, through od); Up recalls it.
#[test]
fn line_editing_sends_what_the_screen_shows() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let client = Client::start(
        "client-bb-edit",
        &["--line-mode", "127.0.0.1", &server.port.to_string()],
    );
    let pane = &client.pane;
    pane.wait_for("busybox-telnetd ready");
    // Typed: "printf %s ab", Left, "X", End, "c | od -An -tx1 junk", Ctrl-W (the word),
    // Backspace (the space), Home, Delete (the "p"), "p".
    pane.type_text("printf %s ab");
    pane.keys(&["Left"]);
    pane.type_text("X");
    pane.keys(&["End"]);
    pane.type_text("c | od -An -tx1 junk");
    pane.keys(&["C-w", "BSpace", "Home", "DC"]);
    pane.type_text("p");
    let edited = "printf %s aXbc | od -An -tx1";
    pane.wait_for(edited); // the screen shows the edited line before Enter
    pane.keys(&["Enter"]);
    pane.wait_for("61 58 62 63");
    let shown = pane.capture().matches(edited).count();
    pane.keys(&["Up"]); // recalled, on the screen
    assert!(
        eventually(15, || pane.capture().matches(edited).count() == shown + 1),
        "{}",
        pane.capture()
    );
    pane.keys(&["Enter"]);
    assert!(
        eventually(15, || pane.capture().matches("61 58 62 63").count() == 2),
        "{}",
        pane.capture()
    );
    client.prompt("status");
    pane.wait_for("Operating in line mode");
    client.quit();
}

/// SIGHUP with the terminal still there: the client ends cleanly with status 129 and the
/// terminal restored.
#[test]
fn sighup_ends_the_client_cleanly() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let client = Client::start("client-hup", &["127.0.0.1", &server.port.to_string()]);
    client.pane.wait_for("busybox-telnetd ready");
    let status = Command::new("kill")
        .args(["-HUP", &client.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    client.assert_exit(129);
    assert!(!client.pane.capture().contains("panicked"));
}

/// tmux killed under the client: the terminal is gone (reads end, writes fail, and the shell
/// that started it ignores SIGHUP so it can report the status). The client ends with status
/// 129, not a panic's 101 ("failed printing to stderr").
#[test]
fn a_killed_tmux_ends_the_client_cleanly() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let client = Client::start_with(
        "client-killed",
        "trap '' HUP",
        &["127.0.0.1", &server.port.to_string()],
    );
    client.pane.wait_for("busybox-telnetd ready");
    let pid = client.pid();
    let status = Command::new("tmux")
        .args([
            "-L",
            &format!("ironboa-client-killed-{}", std::process::id()),
            "kill-server",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(client.exit_status(), 129);
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}

/// A server whose last bytes are an incomplete UTF-8 character: the client shows it as U+FFFD,
/// in a pipeline and at a terminal.
#[test]
fn an_incomplete_character_at_the_end_is_shown_not_dropped() {
    let port = one_shot_server(b"caf\xe9", false);
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("{CLIENT} 127.0.0.1 {port} < /dev/null"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "caf\u{fffd}");

    if !have_program("tmux") {
        return;
    }
    let port = one_shot_server(b"last word: caf\xe9", false);
    let client = Client::start("client-tail", &["127.0.0.1", &port.to_string()]);
    client.pane.wait_for("last word: caf\u{fffd}");
    client.pane.wait_for("Connection closed.");
    client.assert_exit(0);
}

/// Deadlines that would overflow `Instant + Duration` saturate: `--eof-wait 1e19` waits for
/// the server to close, `--connect-timeout 1e19` connects; nothing panics.
#[test]
fn huge_waits_do_not_panic() {
    for wait in ["1e19", "inf"] {
        let port = one_shot_server(b"goodbye\r\n", true);
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "printf 'hello\\n' | {CLIENT} --eof-wait {wait} --connect-timeout {wait} 127.0.0.1 {port}"
            ))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{wait}: {output:?}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "goodbye\r\n");
    }
    let output = Command::new(CLIENT)
        .args(["--eof-wait=-1", "127.0.0.1", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--eof-wait"));
}

#[test]
fn pipeline_against_busybox_telnetd() {
    let Some(server) = PeerServer::busybox() else {
        return;
    };
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf 'echo hi$((1+1))\\nexit\\n' | {CLIENT} 127.0.0.1 {}",
            server.port
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("hi2"), "{stdout}");
    assert!(stdout.contains("busybox-telnetd ready"), "{stdout}");
}

#[test]
fn pipeline_against_ironboa_server() {
    let server = ServerProcess::start(&[]);
    let port = server.port;
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf 'first line\\nsecond\\nquit\\n' | {CLIENT} --term pipe-term 127.0.0.1 {port}"
        ))
        .output()
        .unwrap();
    drop(server);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Your terminal is pipe-term"), "{stdout}");
    assert!(
        stdout.contains("> first line\r\n> second\r\n> Goodbye!"),
        "{stdout}"
    );
}

/// telnet-chatd offers WILL ECHO without SGA, so the client stays in line mode (Debian
/// telnet's rule) and sends CR LF, and chatd sees lines. It toggles ECHO (WONT, then WILL again)
/// after every chunk it receives, while the next keys are typed: none is lost, the name
/// registers and each line arrives as typed (Backspace edits included, though hidden while the
/// server says it echoes).
#[test]
fn telnet_chatd_gets_every_line_across_its_echo_toggles() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = Chatd::start() else {
        return;
    };
    let client = Client::start("client-chatd", &["127.0.0.1", &server.port.to_string()]);
    let pane = &client.pane;
    pane.wait_for("Enter name:");
    pane.type_text("alice\rhello chta");
    pane.keys(&["BSpace", "BSpace"]);
    pane.type_text("at\rsecond line\r");
    pane.wait_for("Welcome, alice!");
    pane.wait_for("alice: hello chat");
    pane.wait_for("alice: second line");
    client.prompt("status");
    pane.wait_for("Operating in line mode");
    // chatd says it echoes but never does: `toggle echo` shows the line as it is typed.
    client.prompt("toggle echo");
    pane.type_text("now visible");
    pane.wait_for("now visible");
    pane.type_text("\r");
    pane.wait_for("alice: now visible");
    // chatd exits if a named user leaves without "quit".
    pane.type_text("quit\r");
    pane.wait_for("Connection closed.");
    client.assert_exit(0);
}

/// miniboa offers WILL ECHO and DO SGA, never WILL SGA: line mode, Enter is CR LF, and the
/// line arrives as typed; miniboa echoes it, so it is shown once, not also by us. With
/// `--encoding latin-1`, é is typed as the byte 0xe9 and shown back as é.
#[test]
fn miniboa_gets_lines_and_latin1_keystrokes() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = miniboa() else {
        return;
    };
    let port = server.port.to_string();
    let client = Client::start("client-miniboa", &["127.0.0.1", &port]);
    let pane = &client.pane;
    pane.wait_for("miniboa ready");
    pane.type_text("hello miniboa\r");
    pane.wait_for("echo: hello miniboa [68 65 6c 6c 6f 20 6d 69 6e 69 62 6f 61]");
    // miniboa's echo of the line, and its reply.
    assert_eq!(
        pane.capture().matches("hello miniboa").count(),
        2,
        "{}",
        pane.capture()
    );
    pane.type_text("quit\r");
    pane.wait_for("bye");
    client.assert_exit(0);

    let client = Client::start(
        "client-miniboa-latin1",
        &["--encoding", "latin-1", "127.0.0.1", &port],
    );
    let pane = &client.pane;
    pane.wait_for("miniboa ready");
    pane.type_text("café\r");
    pane.wait_for("echo: café [63 61 66 e9]");
    client.quit();
}

/// inetutils telnetd takes our refusal of LINEMODE as "kludge" line mode (WONT SGA after
/// DO TIMING-MARK): lines are edited here, the pty echoes them. Ctrl-C sends IAC IP (which it
/// turns into the pty's interrupt character) and drops the half-typed line; `send ip` and
/// `send ayt` at the prompt work; `mode character` switches to character at a time.
#[test]
fn inetutils_telnetd_interrupts_and_prompt_commands() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = inetutils() else {
        return;
    };
    let client = Client::start("client-inetutils", &["127.0.0.1", &server.port.to_string()]);
    let pane = &client.pane;
    wait_for_shell_prompt(pane);
    client.prompt("status");
    pane.wait_for("Operating in line mode");

    pane.type_text("sleep 30.2; echo NOT-INTERRUPTED\r");
    wait_for_process(&["sleep", "30.2"]);
    pane.keys(&["C-c"]);
    wait_for_no_process(&["sleep", "30.2"]);
    wait_for_shell_prompt(pane);
    pane.type_text("echo LOST");
    pane.keys(&["C-c"]); // drops the line; the shell, at its prompt, starts a new one
    assert!(
        eventually(15, || pane.capture().matches("^C").count() == 2),
        "{}",
        pane.capture()
    );
    wait_for_shell_prompt(pane);
    pane.type_text("echo after-$((6*7))\r");
    pane.wait_for("after-42"); // within 15 s: the sleep was interrupted
    let screen = pane.capture();
    assert!(!printed_line(pane, "NOT-INTERRUPTED"), "{screen}");
    assert!(!screen.contains("LOST"), "{screen}");

    pane.type_text("sleep 30.3; echo NOT-INTERRUPTED-2\r");
    wait_for_process(&["sleep", "30.3"]);
    client.prompt("send ip");
    wait_for_no_process(&["sleep", "30.3"]);
    pane.type_text("echo again-$((7*6))\r");
    pane.wait_for("again-42");
    assert!(
        !printed_line(pane, "NOT-INTERRUPTED-2"),
        "{}",
        pane.capture()
    );

    client.prompt("send ayt");
    pane.wait_for("[Yes]");

    // BRK is the pty's quit character (SIGQUIT: 128 + 3), EOF its end-of-file character.
    pane.type_text("sleep 30.4; echo status-$?\r");
    wait_for_process(&["sleep", "30.4"]);
    client.prompt("send brk");
    assert!(
        eventually(15, || printed_line(pane, "status-131")),
        "{}",
        pane.capture()
    );
    pane.type_text("head -c 999999; echo eof-$?\r");
    wait_for_process(&["head", "-c", "999999"]);
    client.prompt("send eof");
    assert!(
        eventually(15, || printed_line(pane, "eof-0")),
        "{}",
        pane.capture()
    );

    client.prompt("mode character");
    pane.type_text("echo c$((1+1))");
    pane.wait_for("echo c$((1+1))"); // echoed by the server key by key, before Enter
    pane.keys(&["Enter"]);
    assert!(
        eventually(15, || printed_line(pane, "c2")),
        "{}",
        pane.capture()
    );
    client.prompt("status");
    pane.wait_for("Operating in character mode");
    client.quit();
}

/// A server that goes from line mode to character mode while a line is half typed: the keys
/// typed before the switch are sent, not lost (telnetlib3's server with a test shell).
#[test]
fn a_half_typed_line_survives_the_switch_to_character_mode() {
    if !have_program("tmux") {
        return;
    }
    let Some(server) = telnetlib3_modes() else {
        return;
    };
    let client = Client::start("client-tl3-modes", &["127.0.0.1", &server.port.to_string()]);
    let pane = &client.pane;
    pane.wait_for("line>");
    // Line mode, the server not echoing: we echo, once.
    pane.type_text("hello\r");
    pane.wait_for("got: hello [68 65 6c 6c 6f]");
    assert_eq!(
        pane.capture().matches("hello").count(),
        2,
        "{}",
        pane.capture()
    );
    // "abc" is typed before the switch that "go" causes arrives; Enter after it.
    pane.type_text("go\rabc");
    pane.wait_for("char>");
    pane.keys(&["Enter"]);
    pane.wait_for("got: abc [61 62 63]");
    client.quit();
}
