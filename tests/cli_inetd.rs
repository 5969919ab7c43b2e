//! `ironboa-server --inetd` when standard input and output are not a TCP socket: socat's
//! default `EXEC:` (a socketpair), socat's `EXEC:...,pipes` (two pipes), both driven by
//! Python's stdlib telnetlib, and plain pipes driven from Rust with `Stdio::piped()`.
//! (`EXEC:...,nofork`, where standard input is the TCP socket itself, is in cli_server.rs.)
#![cfg(feature = "cli")]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::peers::{drive, have_program, python};
use support::server_bin::SERVER;

/// How long any one awaited thing may take.
const WAIT: Duration = Duration::from_secs(10);

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const TTYPE: u8 = 24;
const NAWS: u8 = 31;

// ---------------------------------------------------------------------------------------------
// socat in front of `ironboa-server --inetd`, driven by Python's stdlib telnetlib
// ---------------------------------------------------------------------------------------------

/// `socat -d -d TCP-LISTEN:0,... EXEC:...` with its log (and the server's standard error,
/// which the server inherits) collected line by line. It is killed on drop, and the log is
/// printed when the test is failing.
struct Socat {
    child: Child,
    port: u16,
    lines: Receiver<String>,
    log: Vec<String>,
    /// Whether a failure message already included the log.
    reported: bool,
}

impl Socat {
    /// `exec` is the address after `EXEC:`. Returns once socat listens (its log says on which
    /// port), so no probe connection is made.
    fn start(exec: &str) -> Socat {
        let mut child = Command::new("socat")
            .args(["-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork"])
            .arg(format!("EXEC:{exec}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start socat");
        let (tx, lines) = mpsc::channel();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            let mut line = Vec::new();
            while matches!(stderr.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                if tx.send(text).is_err() {
                    return;
                }
                line.clear();
            }
        });
        let mut socat = Socat {
            child,
            port: 0,
            lines,
            log: Vec::new(),
            reported: false,
        };
        let listening = socat.wait_for("socat to listen", |l| l.contains("listening on"));
        socat.port = listening
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no port in {listening:?}"));
        socat
    }

    /// Reads the log until a line satisfies `found`, and returns that line.
    fn wait_for(&mut self, what: &str, found: impl Fn(&str) -> bool) -> String {
        if let Some(line) = self.log.iter().find(|l| found(l)) {
            return line.clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if found(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("timed out waiting for {what}; socat log:\n{}", self.text())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("socat ended before {what}; socat log:\n{}", self.text())
                }
            }
        }
    }

    /// The log so far, for a failure message.
    fn text(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.log.push(line);
        }
        self.reported = true;
        self.log.join("\n")
    }

    /// Waits for the socat process that served the connection to end, then checks that it
    /// served it through `transport` ("socket" or "pipes") and that nothing went wrong: no
    /// error line, which socat writes when the program exits with a non-zero status
    /// ("E waitpid(): child N exited with status 1").
    fn assert_served_through(&mut self, transport: &str) {
        self.wait_for("the connection's socat to exit", |l| l.contains(" N exit"));
        let log = self.text();
        let forking = format!("forking off child, using {transport} for reading and writing");
        assert!(
            log.contains(&forking),
            "expected {forking:?}; socat log:\n{log}"
        );
        assert!(
            !log.lines().any(|l| l.contains("] E ")),
            "socat logged an error; socat log:\n{log}"
        );
        assert!(
            !log.contains("ironboa-server:"),
            "the server reported an error; socat log:\n{log}"
        );
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() && !self.reported {
            eprintln!("socat log:\n{}", self.text());
        }
    }
}

/// The socat address for the server with `shell`, plus socat's EXEC `options` ("" for the
/// default socketpair, ",pipes" for two pipes).
fn exec(shell: &str, options: &str) -> String {
    format!("{SERVER} --inetd --shell {shell}{options}")
}

/// The echo shell through socat: stdlib telnetlib (which refuses every option) writes a line
/// and reads exactly that line back.
fn echo_shell_through_socat(options: &str, transport: &str) {
    if !(have_program("socat") && python().is_some()) {
        return;
    }
    let mut socat = Socat::start(&exec("echo", options));
    let line = format!("héllo through {transport}");
    let out = drive(
        "stdlib",
        socat.port,
        &[
            &format!("write:{line}\\r\\n"),
            &format!("until:{transport}\\r\\n"),
            "write:a second line\\r\\n",
            "until:line\\r\\n",
        ],
    );
    assert_eq!(out.len(), 2, "{out:?}");
    assert_eq!(out[0].1, format!("{line}\r\n"));
    assert_eq!(out[1].1, "a second line\r\n");
    socat.assert_served_through(transport);
}

/// The default shell through socat: the greeting (a dumb client: terminal type unknown and the
/// default size), one line back with the prompt, and "quit" ends it: the server closes the
/// connection and exits without an error.
fn default_shell_through_socat(options: &str, transport: &str) {
    if !(have_program("socat") && python().is_some()) {
        return;
    }
    let mut socat = Socat::start(&exec("default", options));
    let line = format!("over {transport}");
    let out = drive(
        "stdlib",
        socat.port,
        &[
            "until:> ",
            &format!("write:{line}\\r\\n"),
            "until:> ",
            "write:quit\\r\\n",
            "eof",
        ],
    );
    assert_eq!(out.len(), 3, "{out:?}");
    let greeting = &out[0].1;
    assert!(
        greeting.starts_with("Welcome to ironboa, ")
            && greeting.contains("Your terminal is unknown with 80 columns and 24 rows.\r\n")
            && greeting.ends_with("'quit' leaves.\r\n> "),
        "{greeting:?}"
    );
    assert_eq!(out[1].1, format!("{line}\r\n> "));
    assert_eq!(out[2].1, "Goodbye!\r\n");
    socat.assert_served_through(transport);
}

#[test]
fn socketpair_from_socat_exec_echo_shell_with_stdlib_telnetlib() {
    echo_shell_through_socat("", "socket");
}

#[test]
fn socketpair_from_socat_exec_default_shell_with_stdlib_telnetlib() {
    default_shell_through_socat("", "socket");
}

#[test]
fn pipes_from_socat_exec_echo_shell_with_stdlib_telnetlib() {
    echo_shell_through_socat(",pipes", "pipes");
}

#[test]
fn pipes_from_socat_exec_default_shell_with_stdlib_telnetlib() {
    default_shell_through_socat(",pipes", "pipes");
}

// ---------------------------------------------------------------------------------------------
// Plain pipes: the test is the Telnet client, on the server's standard input and output
// ---------------------------------------------------------------------------------------------

/// A minimal Telnet client side: splits what the server sends into data, negotiation commands
/// and subnegotiations, and answers. It refuses every option (as stdlib telnetlib does) except
/// TTYPE and NAWS when given values for them.
#[derive(Default)]
struct Telnet {
    terminal_type: Option<&'static [u8]>,
    window_size: Option<(u8, u8)>,
    state: State,
    /// Every byte the server sent.
    raw: Vec<u8>,
    /// The application data, IAC IAC undone.
    data: Vec<u8>,
    /// (verb, option) of every DO, DONT, WILL and WONT received.
    commands: Vec<(u8, u8)>,
    subnegotiation: Vec<u8>,
}

#[derive(Default, Clone, Copy)]
enum State {
    #[default]
    Data,
    Iac,
    Verb(u8),
    Sb,
    SbIac,
}

impl Telnet {
    /// Takes bytes from the server; returns the replies to send.
    fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.raw.extend_from_slice(bytes);
        let mut replies = Vec::new();
        for &byte in bytes {
            self.state = match (self.state, byte) {
                (State::Data, IAC) => State::Iac,
                (State::Data, _) => {
                    self.data.push(byte);
                    State::Data
                }
                (State::Iac, IAC) => {
                    self.data.push(IAC);
                    State::Data
                }
                (State::Iac, WILL..=DONT) => State::Verb(byte),
                (State::Iac, SB) => {
                    self.subnegotiation.clear();
                    State::Sb
                }
                (State::Iac, _) => State::Data, // GA, NOP, ...
                (State::Verb(verb), option) => {
                    self.commands.push((verb, option));
                    self.answer(verb, option, &mut replies);
                    State::Data
                }
                (State::Sb, IAC) => State::SbIac,
                (State::Sb, _) => {
                    self.subnegotiation.push(byte);
                    State::Sb
                }
                (State::SbIac, IAC) => {
                    self.subnegotiation.push(IAC);
                    State::Sb
                }
                (State::SbIac, SE) => {
                    // SB TTYPE SEND
                    if let (Some(name), [TTYPE, 1]) =
                        (self.terminal_type, self.subnegotiation.as_slice())
                    {
                        replies.extend_from_slice(&[IAC, SB, TTYPE, 0]);
                        replies.extend_from_slice(name);
                        replies.extend_from_slice(&[IAC, SE]);
                    }
                    State::Data
                }
                (State::SbIac, _) => State::Data,
            };
        }
        replies
    }

    fn answer(&self, verb: u8, option: u8, replies: &mut Vec<u8>) {
        match (verb, option, self.terminal_type, self.window_size) {
            (DO, TTYPE, Some(_), _) => replies.extend_from_slice(&[IAC, WILL, TTYPE]),
            (DO, NAWS, _, Some((columns, rows))) => {
                replies.extend_from_slice(&[IAC, WILL, NAWS]);
                replies.extend_from_slice(&[IAC, SB, NAWS, 0, columns, 0, rows, IAC, SE]);
            }
            (DO, ..) => replies.extend_from_slice(&[IAC, WONT, option]),
            (WILL, ..) => replies.extend_from_slice(&[IAC, DONT, option]),
            _ => {} // WONT and DONT need no answer
        }
    }
}

/// `ironboa-server --inetd ARGS` on pipes: the test writes its standard input and reads its
/// standard output (through a thread, so every read has a deadline). Killed on drop.
struct Piped {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    chunks: Receiver<Vec<u8>>,
    eof: bool,
    stderr: Arc<Mutex<Vec<u8>>>,
    telnet: Telnet,
}

impl Piped {
    fn start(args: &[&str], telnet: Telnet) -> Piped {
        let mut child = Command::new(SERVER)
            .arg("--inetd")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ironboa-server --inetd");
        let (tx, chunks) = mpsc::channel();
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = stderr.clone();
        let mut pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 1024];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 {
                    return;
                }
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
        Piped {
            stdin: child.stdin.take(),
            child: Some(child),
            chunks,
            eof: false,
            stderr,
            telnet,
        }
    }

    fn context(&self) -> String {
        format!(
            "data so far: \"{}\"\nall bytes from the server: \"{}\"\nserver's stderr: {}",
            self.telnet.data.escape_ascii(),
            self.telnet.raw.escape_ascii(),
            String::from_utf8_lossy(&self.stderr.lock().unwrap())
        )
    }

    fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        if let Err(e) = stdin.write_all(bytes).and_then(|()| stdin.flush()) {
            panic!("writing to the server's stdin: {e}\n{}", self.context());
        }
    }

    /// Reads (answering negotiation as it goes) until `done` holds or the server closes its
    /// output; fails the test after WAIT.
    fn wait_for(&mut self, what: &str, done: impl Fn(&Telnet, bool) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(&self.telnet, self.eof) {
            if self.eof {
                panic!(
                    "the server closed its output before {what}\n{}",
                    self.context()
                );
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => {
                    let replies = self.telnet.feed(&chunk);
                    if !replies.is_empty() {
                        self.write(&replies);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => self.eof = true,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("timed out waiting for {what}\n{}", self.context())
                }
            }
        }
    }

    fn wait_for_data(&mut self, what: &str, done: impl Fn(&[u8]) -> bool) {
        self.wait_for(what, |t, _| done(&t.data));
    }

    /// Closes the server's standard input, reads its output to the end, and returns how it
    /// exited.
    fn finish(&mut self) -> ExitStatus {
        self.stdin = None;
        self.wait_for("the server to close its output", |_, eof| eof);
        let mut child = self.child.take().unwrap();
        let pid = child.id();
        let (tx, exited) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match exited.recv_timeout(WAIT) {
            Ok(Ok(status)) => status,
            outcome => {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                panic!(
                    "the server did not exit ({outcome:?}) after closing its output\n{}",
                    self.context()
                )
            }
        }
    }
}

impl Drop for Piped {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn plain_pipes_echo_shell_after_the_opening_negotiation() {
    let mut server = Piped::start(&["--shell", "echo"], Telnet::default());
    // The opening negotiation starts with DO TTYPE; refusing it (WONT TTYPE, sent by
    // Telnet::feed) makes this a dumb client, and the shell starts.
    server.wait_for("IAC DO TTYPE", |t, _| !t.commands.is_empty());
    assert_eq!(
        server.telnet.commands[0],
        (DO, TTYPE),
        "{}",
        server.context()
    );

    server.write(b"hello\r\n");
    server.wait_for_data("the echo of hello", |d| d.ends_with(b"hello\r\n"));
    // Only the echo: the echo shell sends nothing of its own.
    assert_eq!(server.telnet.data, b"hello\r\n", "{}", server.context());

    // A data byte 255 goes out as IAC IAC and comes back as IAC IAC.
    server.write(b"ping \xff\xff bytes\r\n");
    server.wait_for_data("the echo of the IAC line", |d| d.ends_with(b"bytes\r\n"));
    assert_eq!(
        server.telnet.data,
        b"hello\r\nping \xff bytes\r\n",
        "{}",
        server.context()
    );
    assert!(
        server
            .telnet
            .raw
            .windows(15)
            .any(|w| w == b"ping \xff\xff bytes\r\n"),
        "{}",
        server.context()
    );

    // End of input ends the session: the server closes its output and exits cleanly.
    let status = server.finish();
    assert!(status.success(), "{status:?}\n{}", server.context());
}

#[test]
fn plain_pipes_default_shell_learns_terminal_type_and_size_then_quits() {
    let telnet = Telnet {
        terminal_type: Some(b"pipe-term"),
        window_size: Some((91, 27)),
        ..Telnet::default()
    };
    let mut server = Piped::start(&["--shell", "default"], telnet);
    server.wait_for_data("the greeting and prompt", |d| d.ends_with(b"> "));
    let greeting = String::from_utf8_lossy(&server.telnet.data).into_owned();
    assert!(
        greeting.starts_with("Welcome to ironboa, ")
            && greeting.contains("Your terminal is pipe-term with 91 columns and 27 rows.\r\n"),
        "{}",
        server.context()
    );
    // The terminal type and window size came through subnegotiation over the pipes.
    assert!(
        server.telnet.commands.contains(&(DO, NAWS)),
        "{}",
        server.context()
    );

    let before = server.telnet.data.len();
    server.write(b"over plain pipes\r\n");
    server.wait_for_data("the line back", |d| d.ends_with(b"pipes\r\n> "));
    assert_eq!(
        &server.telnet.data[before..],
        b"over plain pipes\r\n> ",
        "{}",
        server.context()
    );

    let before = server.telnet.data.len();
    server.write(b"quit\r\n");
    // "quit" ends the session from the server's side: it says goodbye and closes its output.
    server.wait_for("the server to close its output after quit", |_, eof| eof);
    assert_eq!(
        &server.telnet.data[before..],
        b"Goodbye!\r\n",
        "{}",
        server.context()
    );
    let status = server.finish();
    assert!(status.success(), "{status:?}\n{}", server.context());
}
