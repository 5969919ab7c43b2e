//! `ironboa-server --pty-exec`, attacked and driven as a user and a hostile peer would: Debian
//! telnet's `send ip` (and brk, susp, eof, ao) in tmux, line mode that shows what is typed,
//! background jobs, early disconnects, programs that never read, and what a peer may put in
//! the program's environment or the server's log. Process state is read from /proc.
#![cfg(all(feature = "cli", target_os = "linux"))]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ironboa::client::{ClientConfig, Telnet};
use support::peers::have_program;
use support::server_bin::{SERVER, ServerProcess};
use support::tmux::Pane;

/// An upper bound far above what the server documents (2 s of grace, 5 s to stop), so a loaded
/// machine does not fail a test, while the defects guarded against (a 45 s background job, a
/// connection that never ends) still do.
const GENEROUS: Duration = Duration::from_secs(30);
const T: Option<Duration> = Some(Duration::from_secs(10));

/// One process, from /proc/PID/stat.
#[derive(Debug, Clone)]
struct Proc {
    pid: u32,
    comm: String,
    state: char,
    ppid: u32,
    session: u32,
}

fn proc_stat(pid: u32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, after) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    let fields: Vec<&str> = after.split_whitespace().collect();
    Some(Proc {
        pid,
        comm,
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        session: fields.get(3)?.parse().ok()?,
    })
}

fn all_procs() -> Vec<Proc> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(proc_stat)
        .collect()
}

/// The processes whose parent is `pid`.
fn children(pid: u32) -> Vec<Proc> {
    all_procs().into_iter().filter(|p| p.ppid == pid).collect()
}

/// The processes (zombies included) of the session led by `sid`.
fn session(sid: u32) -> Vec<Proc> {
    all_procs()
        .into_iter()
        .filter(|p| p.session == sid)
        .collect()
}

/// Every process below `pid`, at any depth.
fn descendants(pid: u32) -> Vec<Proc> {
    let procs = all_procs();
    let mut found: Vec<Proc> = Vec::new();
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        for p in procs.iter().filter(|p| p.ppid == parent) {
            parents.push(p.pid);
            found.push(p.clone());
        }
    }
    found
}

/// Waits until a process named `comm` runs below the server; returns its pid.
fn wait_for_program(server: &ServerProcess, comm: &str) -> u32 {
    let mut pid = None;
    assert!(
        support::eventually(10, || {
            pid = descendants(server.child.id())
                .into_iter()
                .find(|p| p.comm == comm && p.state != 'Z')
                .map(|p| p.pid);
            pid.is_some()
        }),
        "{comm} never ran under the server: {:?}",
        descendants(server.child.id())
    );
    pid.unwrap()
}

/// Asserts that the server has no child left (no zombie, no program still running).
fn assert_no_children(server: &ServerProcess) {
    let pid = server.child.id();
    assert!(
        support::eventually(10, || children(pid).is_empty()),
        "the server still has children: {:?}",
        children(pid)
    );
}

/// Asserts that nothing of session `sid` is left, zombies included.
fn assert_session_gone(sid: u32) {
    assert!(
        support::eventually(10, || session(sid).is_empty()),
        "session {sid} is still there: {:?}",
        session(sid)
    );
}

/// The number right after `key` in `text` (where one follows it: the echoed command has
/// `$$` there).
fn number_after(text: &str, key: &str) -> u32 {
    let start = text
        .match_indices(key)
        .map(|(at, _)| at + key.len())
        .find(|&at| text[at..].starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("a number after {key} in {text:?}"));
    text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a number after {key} in {text:?}"))
}

/// Waits until the last line with text on the pane is `text`.
fn wait_last_line(pane: &Pane, text: &str) {
    let mut last = String::new();
    let shown = support::eventually(10, || {
        let screen = pane.capture();
        last = screen
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim_end()
            .to_owned();
        last == text
    });
    assert!(shown, "the last line never became {text:?}; it is {last:?}");
}

/// A shell prompt (dash's "# " or "$ ").
const PROMPT: &str = r"[#$] $";

/// Debian telnet's `send ip`, `send brk`, `send susp`, `send eof` and `send ao` under bash: each
/// reaches the program as the terminal's own key would.
#[test]
fn debian_telnet_send_commands_reach_the_program() {
    if !(have_program("tmux") && have_program("telnet") && have_program("bash")) {
        return;
    }
    let server = ServerProcess::start(&["--pty-exec", "/bin/bash", "--", "--norc", "--noprofile"]);
    let pane = Pane::start("pty-send", &format!("telnet 127.0.0.1 {}", server.port));
    pane.wait_for("Escape character is");
    let line = |text: &str| {
        pane.type_text(text);
        pane.keys(&["Enter"]);
    };
    let send = |command: &str| {
        pane.keys(&["C-]"]);
        wait_last_line(&pane, "telnet>");
        line(command);
    };
    // The quoting keeps the typed line from containing what its output would show.
    line("ulimit -c 0; PS1='ready''> '");
    pane.wait_for("ready>");

    // IP: the interrupt key. The list is abandoned; $? is 128 + SIGINT.
    line("sleep 5; echo NOT-INTER''RUPTED");
    wait_for_program(&server, "sleep");
    send("send ip");
    line("echo ip-status=$?");
    pane.wait_for("ip-status=130");
    assert!(
        !pane.capture().contains("NOT-INTERRUPTED"),
        "{}",
        pane.capture()
    );

    // BRK: the quit key. The shell goes on with the list; $? is 128 + SIGQUIT.
    line("sleep 5; echo brk-status=$?");
    wait_for_program(&server, "sleep");
    send("send brk");
    pane.wait_for("brk-status=131");

    // SUSP: the suspend key; the job is stopped, not gone ($? is 128 + SIGTSTP).
    line("sleep 5; echo susp-status=$?");
    let sleeper = wait_for_program(&server, "sleep");
    send("send susp");
    pane.wait_for("susp-status=148");
    assert_eq!(proc_stat(sleeper).map(|p| p.state), Some('T'));
    line("kill -9 %1");

    // EOF: the end-of-file key; cat ends.
    line("cat; echo CAT-EN''DED");
    wait_for_program(&server, "cat");
    send("send eof");
    pane.wait_for("CAT-ENDED");

    // AO: output is discarded, and nothing reaches the program's input (telnetd's ^O would).
    line("od -c; echo OD-EN''DED");
    wait_for_program(&server, "od");
    send("send ao");
    line("x");
    wait_last_line(&pane, "x");
    send("send eof");
    pane.wait_for("OD-ENDED");
    let screen = pane.capture();
    assert!(
        screen.contains("0000002") && !screen.contains("017"),
        "od should have read \"x\\n\" alone:\n{screen}"
    );
}

/// A raw client: everything it has read is kept, and waited for by content.
struct Raw {
    stream: TcpStream,
    seen: Vec<u8>,
}

impl Raw {
    fn connect(port: u16) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Raw {
            stream,
            seen: Vec::new(),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Reads until `needle` has arrived; returns everything before it (and it), and forgets it.
    fn until(&mut self, needle: &[u8]) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        loop {
            if let Some(at) = self.seen.windows(needle.len()).position(|w| w == needle) {
                return self.seen.drain(..at + needle.len()).collect();
            }
            assert!(
                Instant::now() < deadline,
                "never got {needle:x?}: {:?}",
                String::from_utf8_lossy(&self.seen)
            );
            let n = self.stream.read(&mut buf).unwrap_or_else(|e| {
                panic!(
                    "{e} waiting for {needle:x?}: {:?}",
                    String::from_utf8_lossy(&self.seen)
                )
            });
            assert!(n > 0, "closed before {needle:x?}: {:x?}", self.seen);
            self.seen.extend_from_slice(&buf[..n]);
        }
    }
}

const DO_TM: [u8; 3] = [0xff, 0xfd, 0x06];
const WILL_TM: [u8; 3] = [0xff, 0xfb, 0x06];

/// The wire: each DO TIMING-MARK is answered (Debian telnet discards output until it is), and
/// ABORT is the quit key. The client refuses TTYPE, so it gets nothing but the program.
#[test]
fn timing_marks_are_answered_and_abort_quits() {
    let server = ServerProcess::start(&["--pty-exec", "/bin/sh"]);
    let mut raw = Raw::connect(server.port);
    raw.until(&[0xff, 0xfd, 0x18]); // DO TTYPE
    raw.send(&[0xff, 0xfc, 0x18]); // WONT TTYPE
    raw.send(b"PS1='ok''> '\r\n");
    raw.until(b"ok> ");
    for _ in 0..3 {
        raw.send(&DO_TM);
        raw.until(&WILL_TM);
    }
    // The shell goes on with the list after a quit: $? is 128 + SIGQUIT.
    raw.send(b"sleep 5; echo abort-status=$?\r\n");
    wait_for_program(&server, "sleep");
    raw.send(&[0xff, 0xee]); // ABORT
    raw.send(&DO_TM);
    raw.until(&WILL_TM);
    raw.until(b"abort-status=");
    let status = String::from_utf8_lossy(&raw.until(b"\r\n")).into_owned();
    assert_eq!(status, "131\r\n");
}

/// `--line-mode`: Debian telnet edits and echoes, so what is typed shows as it is typed and
/// once, before and after Enter; Ctrl-C (sent as IAC IP in line mode) interrupts.
#[test]
fn line_mode_shows_what_is_typed_once() {
    if !(have_program("tmux") && have_program("telnet") && have_program("bash")) {
        return;
    }
    let server = ServerProcess::start(&[
        "--line-mode",
        "--pty-exec",
        "/bin/bash",
        "--",
        "--norc",
        "--noprofile",
    ]);
    let pane = Pane::start("pty-line", &format!("telnet 127.0.0.1 {}", server.port));
    pane.wait_for("Escape character is");
    pane.type_text("PS1='ready''> '");
    pane.keys(&["Enter"]);
    pane.wait_for("ready>");
    // Not blind: the line shows before Enter.
    pane.type_text("echo typed-$((40+2))");
    pane.wait_for("echo typed-$((40+2))");
    pane.keys(&["Enter"]);
    pane.wait_for("typed-42");
    let screen = pane.capture();
    assert_eq!(
        screen.matches("echo typed-$((40+2))").count(),
        1,
        "the line shows once:\n{screen}"
    );
    assert_eq!(
        screen
            .lines()
            .filter(|l| l.trim_end() == "typed-42")
            .count(),
        1,
        "the output shows once, at column 0:\n{screen}"
    );
    // Ctrl-C in line mode goes out as IAC IP only.
    pane.type_text("sleep 5; echo NOT-INTER''RUPTED");
    pane.keys(&["Enter"]);
    wait_for_program(&server, "sleep");
    pane.keys(&["C-c"]);
    pane.type_text("echo status=$?");
    pane.keys(&["Enter"]);
    pane.wait_for("status=130");
    assert!(
        !pane.capture().contains("NOT-INTERRUPTED"),
        "{}",
        pane.capture()
    );
}

fn open(port: u16) -> Telnet {
    Telnet::open(("127.0.0.1", port), ClientConfig::default()).unwrap()
}

/// A client that got `greeting` (a regex). The slot of a connection that just ended is free once its
/// thread has finished closing it (a moment after the client sees the end): until then a
/// client is refused, and tries again.
fn served(port: u16, greeting: &str) -> Telnet {
    let mut refused = String::new();
    let mut conn = None;
    let ok = support::eventually(10, || {
        let c = open(port);
        let m = c.expect(&[greeting, "Too many connections"], T).unwrap();
        if m.index == Some(0) {
            conn = Some(c);
            return true;
        }
        refused = String::from_utf8_lossy(&m.data).into_owned();
        false
    });
    assert!(ok, "never served: {refused:?}");
    conn.unwrap()
}

/// `sleep 45 &` then `exit`: the connection ends with the shell, the job goes with it, nothing
/// is left in /proc, and the only slot is free for the next client. A peer that leaves with a
/// job running takes it with it too.
#[test]
fn background_jobs_end_with_the_session() {
    let server = ServerProcess::start(&["--max-connections", "1", "--pty-exec", "/bin/sh"]);
    let conn = open(server.port);
    conn.expect(&[PROMPT], T).unwrap();
    conn.write(b"echo SH=$$; sleep 45 & echo BG=$!\r\n")
        .unwrap();
    let m = conn.expect(&[r"BG=\d+\r\n"], T).unwrap();
    let text = String::from_utf8_lossy(&m.data).into_owned();
    let (shell, job) = (number_after(&text, "SH="), number_after(&text, "BG="));
    assert_eq!(proc_stat(job).map(|p| p.session), Some(shell));
    conn.expect(&[PROMPT], T).unwrap();
    conn.write(b"exit\r\n").unwrap();
    let started = Instant::now();
    conn.read_all().unwrap();
    let took = started.elapsed();
    assert!(took < GENEROUS, "the connection took {took:?} to end");
    assert_session_gone(shell);
    assert_no_children(&server);

    // The slot is free; this time the peer leaves with the job running.
    let conn = served(server.port, PROMPT);
    conn.write(b"echo SH=$$; sleep 45 & echo BG=$!\r\n")
        .unwrap();
    let m = conn.expect(&[r"BG=\d+\r\n"], T).unwrap();
    let shell = number_after(&String::from_utf8_lossy(&m.data), "SH=");
    drop(conn);
    assert_session_gone(shell);
    assert_no_children(&server);
    served(server.port, PROMPT);
}

/// Clients that refuse TTYPE and reset at once, under `--line-mode`: every program started for
/// them is reaped, and the server is left with no child at all.
#[test]
fn early_disconnects_leave_no_zombies() {
    let server = ServerProcess::start(&[
        "--line-mode",
        "--max-connections",
        "50",
        "--pty-exec",
        "/bin/sh",
    ]);
    for _ in 0..30 {
        let mut raw = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut opening = [0u8; 3];
        raw.read_exact(&mut opening).unwrap();
        assert_eq!(opening, [0xff, 0xfd, 0x18]);
        raw.write_all(&[0xff, 0xfc, 0x18]).unwrap();
        socket2::SockRef::from(&raw)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(raw); // a reset
    }
    assert_no_children(&server);
    let _conn = served(server.port, PROMPT);
    assert!(!children(server.child.id()).is_empty());
}

/// A big paste: 2 MiB of lines, far more than a terminal's input queue holds.
fn paste(conn: &Telnet) {
    let chunk = b"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n".repeat(1024);
    for _ in 0..32 {
        conn.write(&chunk).unwrap();
    }
}

/// A program that never reads its input: a peer that floods it and leaves is seen leaving,
/// the program is killed, and the only slot is free again. The idle timeout and shutdown are
/// seen the same way.
#[test]
fn a_program_that_reads_nothing_does_not_pin_the_connection() {
    let args = [
        "--max-connections",
        "1",
        "--idle-timeout",
        "2",
        "--pty-exec",
        "/bin/sh",
        "--",
        "-c",
        "'echo READY; exec sleep 1000'",
    ];
    let mut server = ServerProcess::start(&args);
    // The peer leaves.
    let conn = open(server.port);
    conn.read_until(b"READY", T).unwrap();
    let sleeper = wait_for_program(&server, "sleep");
    paste(&conn);
    drop(conn);
    assert_session_gone(sleeper);
    assert_no_children(&server);

    // The idle timeout: the peer floods, then stays silent.
    let conn = served(server.port, "READY");
    let sleeper = wait_for_program(&server, "sleep");
    paste(&conn);
    let started = Instant::now();
    conn.read_all().unwrap();
    assert!(
        started.elapsed() < GENEROUS,
        "the idle timeout took {:?}",
        started.elapsed()
    );
    assert_session_gone(sleeper);
    assert_no_children(&server);

    // Shutdown: the peer floods and stays.
    let conn = served(server.port, "READY");
    let sleeper = wait_for_program(&server, "sleep");
    paste(&conn);
    let started = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < GENEROUS,
        "SIGTERM took {:?}",
        started.elapsed()
    );
    assert!(proc_stat(sleeper).is_none(), "{:?}", proc_stat(sleeper));
}

/// TERM is a terminal name and LANG/LC_* are locale names, whatever the peer reports.
#[test]
fn the_program_environment_takes_only_well_formed_values() {
    // The program inherits the server's own environment: none of these, here.
    let server = ServerProcess::start_with(
        "unset LANG LC_ALL LC_CTYPE LC_MESSAGES COLORTERM;",
        &["--pty-exec", "/bin/sh"],
    );
    let config = ClientConfig::default()
        .terminal_type("xterm\u{1b}]0;pwned\u{7}")
        .env("LANG", "/tmp/evil")
        .env("LC_ALL", "../../tmp/evil")
        .env("LC_CTYPE", "en_US.UTF-8")
        .env("COLORTERM", "truecolor\u{1b}[2J");
    let conn = Telnet::open(("127.0.0.1", server.port), config).unwrap();
    conn.expect(&[PROMPT], T).unwrap();
    conn.write(b"echo \"T=[$TERM] L=[$LANG] A=[$LC_ALL] C=[$LC_CTYPE] K=[$COLORTERM]\"\r\n")
        .unwrap();
    let m = conn.expect(&[r"T=\[.*\]\r\n"], T).unwrap();
    let text = String::from_utf8_lossy(&m.data);
    assert!(
        text.ends_with("T=[dumb] L=[] A=[] C=[en_US.UTF-8] K=[]\r\n"),
        "{text:?}"
    );
    let config = ClientConfig::default()
        .terminal_type("XTERM")
        .env("LANG", "C.UTF-8");
    let conn = Telnet::open(("127.0.0.1", server.port), config).unwrap();
    conn.expect(&[PROMPT], T).unwrap();
    conn.write(b"echo \"T=[$TERM] L=[$LANG]\"\r\n").unwrap();
    let m = conn.expect(&[r"T=\[.*\]\r\n"], T).unwrap();
    assert!(
        String::from_utf8_lossy(&m.data).ends_with("T=[xterm] L=[C.UTF-8]\r\n"),
        "{:?}",
        String::from_utf8_lossy(&m.data)
    );
}

/// A terminal type of 8,000 escape characters: the server's own log lines show at most 64
/// characters of it, escaped.
#[test]
fn log_lines_bound_peer_text() {
    let log = std::env::temp_dir().join(format!("ironboa-pty-log-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let mut child = Command::new(SERVER)
        .args([
            "127.0.0.1",
            "0",
            "--loglevel",
            "info",
            "--connect-maxwait",
            "0.5",
        ])
        .args(["--pty-exec", "/bin/sh", "--logfile"])
        .arg(&log)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut first,
    )
    .unwrap();
    let port: u16 = first.trim().rsplit(':').next().unwrap().parse().unwrap();
    let mut raw = TcpStream::connect(("127.0.0.1", port)).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let mut asked = false;
    // Until the shell's prompt (which IAC GA may follow: this client did not suppress it).
    while !(asked && (got.windows(2).any(|w| w == b"# ") || got.windows(2).any(|w| w == b"$ "))) {
        let n = raw.read(&mut buf).unwrap();
        assert!(n > 0, "closed: {got:x?}");
        got.extend_from_slice(&buf[..n]);
        if !asked && got.windows(3).any(|w| w == [0xff, 0xfd, 0x18]) {
            raw.write_all(&[0xff, 0xfb, 0x18]).unwrap(); // WILL TTYPE
            asked = true;
        }
        if asked
            && got
                .windows(6)
                .any(|w| w == [0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0])
        {
            let mut is = vec![0xff, 0xfa, 0x18, 0x00];
            is.extend(std::iter::repeat_n(0x1b, 8000));
            is.extend([0xff, 0xf0]);
            raw.write_all(&is).unwrap();
            got.clear();
        }
    }
    raw.write_all(b"exit\r\n").unwrap();
    let _ = raw.read_to_end(&mut Vec::new());
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    let text = String::from_utf8_lossy(&text);
    let ours: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("ironboa_server"))
        .collect();
    assert!(
        ours.iter().any(|l| l.contains("connected")),
        "no connection logged:\n{text}"
    );
    for line in &ours {
        assert!(
            line.len() < 64 * 8 + 200,
            "a log line of {} bytes",
            line.len()
        );
        assert!(!line.contains('\u{1b}'), "a raw escape in {line:?}");
    }
}
